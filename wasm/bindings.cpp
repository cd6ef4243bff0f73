// The JavaScript face of rowgate.wasm (Embind). Two classes, both thin:
//   Session   the dry run of the browser worker: template, context and options in, bytes in by
//             push(), or read() from a file the worker reads at any offset (a workbook), and
//             per call the counts plus only what needs showing;
//   CheckRun  `rowgate check` for wasm/cli.mjs, which does the file I/O around it.
// A file read at any offset is a JS object {size, read(offset, view)}: read copies the bytes at
// `offset` into the Uint8Array `view` (a window on wasm memory) and returns how many.
// Counts and offsets cross as doubles (exact below 2^53): size_t is 32 bits here. Text that the
// core guarantees to be UTF-8 (its JSON) crosses as strings; everything written to a file or to
// stdout crosses as bytes (Uint8Array copies), so a non-UTF-8 header in a message survives.
#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rowgate/check_args.h"
#include "rowgate/check_run.h"
#include "rowgate/report.h"
#include "rowgate/workbook.h"
#include "session_adapter.h"

namespace rowgate::wasm {
namespace {

using emscripten::val;

// Input is copied into wasm memory this many bytes at a time, whatever the caller's chunk size.
constexpr std::size_t kSlice = 1 << 20;

double num(std::uint64_t n) { return static_cast<double>(n); }

/// A copy of `bytes` as a Uint8Array, which stays valid when wasm memory grows.
val byte_array(std::string_view bytes) {
  return val::global("Uint8Array")
      .new_(emscripten::typed_memory_view(bytes.size(), reinterpret_cast<const unsigned char*>(bytes.data())));
}

/// `text` (UTF-8) as a JS string, decoded by TextDecoder in one call: Embind's own std::string
/// conversion looks at every byte from JavaScript, which shows on a report of megabytes.
val js_string(std::string_view text) {
  static const val decoder = val::global("TextDecoder").new_(val("utf-8"));
  return decoder.call<val>("decode",
                           emscripten::typed_memory_view(text.size(), reinterpret_cast<const unsigned char*>(text.data())));
}

val json_parse(std::string_view text) { return val::global("JSON").call<val>("parse", js_string(text)); }

std::vector<std::string> string_array(const val& words) {
  std::vector<std::string> out;
  auto n = words["length"].as<unsigned>();
  out.reserve(n);
  for (unsigned i = 0; i < n; ++i) out.push_back(words[i].as<std::string>());
  return out;
}

// Copies a Uint8Array into `buffer` one slice at a time and feeds each slice to `feed`: one
// memcpy by the engine, no allocation once the buffer has its size, and memory bounded by kSlice.
template <typename Feed>
void feed_from_js(std::vector<unsigned char>& buffer, const val& bytes, Feed&& feed) {
  auto total = bytes["length"].as<unsigned>();
  for (unsigned at = 0; at < total;) {
    unsigned n = std::min<unsigned>(total - at, kSlice);
    if (buffer.size() < n) buffer.resize(n);
    val slice = (at == 0 && n == total) ? bytes : bytes.call<val>("subarray", at, at + n);
    val(emscripten::typed_memory_view(n, buffer.data())).call<void>("set", slice);
    feed(std::string_view(reinterpret_cast<const char*>(buffer.data()), n));
    at += n;
  }
}

/// The JS side's file, read at any offset ({size, read(offset, view)}).
class JsFile : public RandomAccessFile {
 public:
  explicit JsFile(const val& file) : file_(file), size_(static_cast<std::uint64_t>(file["size"].as<double>())) {}
  std::uint64_t size() const override { return size_; }
  std::size_t read(std::uint64_t offset, char* out, std::size_t n) override {
    if (offset >= size_) return 0;
    val view(emscripten::typed_memory_view(n, reinterpret_cast<unsigned char*>(out)));
    return static_cast<std::size_t>(file_.call<double>("read", num(offset), view));
  }

 private:
  val file_;
  std::uint64_t size_;
};

/// {bytes, rows, create, update, duplicate, error, warnings}: running totals.
val counts(const Session& session) {
  const Summary& s = session.summary();
  val out = val::object();
  out.set("bytes", num(session.bytes_in()));
  out.set("rows", num(s.rows));
  out.set("create", num(s.create));
  out.set("update", num(s.update));
  out.set("duplicate", num(s.duplicate));
  out.set("error", num(error_rows(s)));
  out.set("warnings", num(s.warnings));
  return out;
}

val input_info(const InputInfo& in) {
  val out = val::object();
  out.set("format", in.format);
  out.set("encoding", in.encoding);
  out.set("bom", in.bom);
  out.set("delimiter", in.delimiter);
  out.set("header", in.header);
  if (in.header_row > 1) out.set("headerRow", num(in.header_row));
  if (!in.sheet.empty()) out.set("sheet", js_string(in.sheet));
  return out;
}

/// Sets `out[name]` to the pending bytes of a file (when there are any) and clears them.
void take_bytes(std::string& pending, const char* name, val& out) {
  if (pending.empty()) return;
  out.set(name, byte_array(pending));
  pending.clear();
}

val status_object(bool ok, std::string_view code, const std::string& message) {
  val out = val::object();
  out.set("ok", ok);
  out.set("code", std::string(code));
  out.set("message", message);
  return out;
}

/// settings.hints: "command-line" (rowgate check's words) or {map, encoding}, the words that
/// complete a finding's message with the control that fixes it; none when not given.
HintWords hint_words(const val& settings) {
  if (settings.isUndefined() || settings.isNull()) return {};
  val h = settings["hints"];
  if (h.isString()) return h.as<std::string>() == "command-line" ? command_line_hints() : HintWords{};
  if (h.isUndefined() || h.isNull()) return {};
  auto text = [&](const char* name) { return h[name].isString() ? h[name].as<std::string>() : std::string(); };
  return HintWords{text("map"), text("encoding")};
}

bool setting(const val& settings, const char* name, bool fallback) {
  if (settings.isUndefined() || settings.isNull()) return fallback;
  val v = settings[name];
  return v.isUndefined() ? fallback : v.as<bool>();
}

/// A template (its JSON text, or a built-in's name), a context and options (JSON text, "" for
/// none) as JavaScript gives them, loaded; or, in `code` and `message`, why they cannot be used.
struct Inputs {
  Template tmpl;
  Context context;
  Options options;
  std::string code;  ///< empty when all three loaded
  std::string message;
};

Inputs load_inputs(const std::string& tmpl, const std::string& context, const std::string& options) {
  Inputs in;
  std::size_t first = tmpl.find_first_not_of(" \t\r\n");
  bool is_json = first != std::string::npos && tmpl[first] == '{';
  TemplateLoad loaded = is_json ? parse_template(tmpl) : builtin_template(tmpl);
  if (!loaded.ok) {
    in.code = std::string(loaded.status().code);
    in.message = template_error(is_json ? "given as JSON" : tmpl, loaded.error).message;
    return in;
  }
  in.tmpl = std::move(loaded.value);
  ContextLoad ctx = parse_context(context);
  if (!ctx.ok) {
    in.code = std::string(ctx.status().code);
    in.message = "The context cannot be used: " + ctx.error + ".";
    return in;
  }
  in.context = std::move(ctx.value);
  Status parsed = parse_options_json(options, &in.options);
  if (!parsed.ok) {
    in.code = std::string(parsed.code);
    in.message = "The options cannot be used: " + parsed.message + ".";
  }
  return in;
}

// ---- Session: the dry run ------------------------------------------------------------------

class JsSession {
 public:
  /// `tmpl`: a template's JSON text or a built-in name; `context`, `options`: JSON text ("" for
  /// none); `settings`: {report: true, findings: true, errors: false, values: false,
  /// errorValues: false, allRecords: false, hints: none}; with `errors`, each push hands back the next bytes of the errors CSV
  /// (as `rowgate check --errors` writes it) in `errors`.
  JsSession(const std::string& tmpl, const std::string& context, const std::string& options, const val& settings) {
    Inputs in = load_inputs(tmpl, context, options);
    if (!in.code.empty()) {
      fail(in.code, std::move(in.message));
      return;
    }
    in.options.want_values = setting(settings, "values", false);
    in.options.want_error_values = setting(settings, "errorValues", false);
    ReportOutputs outputs;
    outputs.keep_findings = setting(settings, "report", true);
    outputs.errors_csv = setting(settings, "errors", false);
    outputs.hints = hint_words(settings);
    adapter_ = std::make_unique<SessionAdapter>(std::move(in.tmpl), in.context, std::move(in.options), outputs,
                                                setting(settings, "findings", true), setting(settings, "allRecords", false));
    if (!adapter_->status().ok) fail(adapter_->status().code, adapter_->status().message);
  }

  /// {ok, code, message}: whether the template, context and options can be used.
  val status() const { return status_object(code_.empty(), code_, message_); }

  /// Feeds bytes; returns the running counts, plus `findingsJson` and `recordsJson` (JSON arrays
  /// of what completed since the last call: findings, and error and duplicate records) and
  /// `errors` (bytes of the errors CSV) if any.
  val push(const val& bytes) {
    if (!usable()) return val::object();
    feed_from_js(buffer_, bytes, [this](std::string_view b) { adapter_->feed(b); });
    return batch();
  }

  /// Reads `file` ({size, read}) for about `budget` bytes: the batch, and `done` once the whole
  /// file is read (finish() then gives the end).
  val read(const val& file, double budget) {
    if (!usable()) return val::object();
    JsFile f(file);
    bool done = adapter_->read(f, static_cast<std::uint64_t>(budget));
    val out = batch();
    out.set("done", done);
    return out;
  }

  /// Ends the input: the last batch, plus summary, input, mapping, fileError (with
  /// fileErrorMessage, the first file-level error's message) and the report.
  val finish() {
    if (!usable()) return val::object();
    adapter_->finish();
    val out = batch();
    const Session& s = adapter_->session();
    out.set("summary", json_parse(summary_json(s.summary())));
    out.set("input", input_info(s.input()));
    out.set("mapping", json_parse(mapping_json(s.mapping())));
    out.set("fileError", s.file_error());
    out.set("fileErrorMessage", adapter_->writer().file_error_message());
    out.set("report", js_string(adapter_->report()));
    return out;
  }

 private:
  bool usable() const { return code_.empty() && adapter_; }

  void fail(std::string_view code, std::string message) {
    code_ = std::string(code);
    message_ = std::move(message);
  }

  val batch() {
    val out = counts(adapter_->session());
    std::string findings = adapter_->take_findings_json();
    if (!findings.empty()) out.set("findingsJson", js_string(findings));
    std::string records = adapter_->take_records_json();
    if (!records.empty()) out.set("recordsJson", js_string(records));
    take_bytes(adapter_->errors_bytes(), "errors", out);
    return out;
  }

  std::string code_;
  std::string message_;
  std::unique_ptr<SessionAdapter> adapter_;
  std::vector<unsigned char> buffer_;
};

// ---- preview: what a mapping screen shows before the dry run ----------------------------------

/// Takes nothing: the preview wants the session's state, not its findings.
class NullSink : public Sink {
 public:
  void on_finding(const Finding&) override {}
  void on_record(const RecordResult&) override {}
};

/// The start of a file read with a template: {ok, code, message, input, mapping, samples}, where
/// `samples[i]` holds the first values of mapping entry i. `head` is the file's first bytes
/// (the core sniffs from the first 64 KiB); `whole` says that they are the whole file.
val preview(const std::string& tmpl, const std::string& options, const val& head, bool whole, unsigned sample_rows) {
  Inputs in = load_inputs(tmpl, "", options);
  if (!in.code.empty()) return status_object(false, in.code, in.message);
  in.options.sample_rows = sample_rows;
  NullSink sink;
  Session session(std::move(in.tmpl), in.context, std::move(in.options), sink);
  if (!session.status().ok) return status_object(false, session.status().code, session.status().message);
  std::vector<unsigned char> buffer(head["length"].as<unsigned>());
  val(emscripten::typed_memory_view(buffer.size(), buffer.data())).call<void>("set", head);
  session.feed(std::string_view(reinterpret_cast<const char*>(buffer.data()), buffer.size()));
  if (whole) session.finish();
  val out = status_object(true, "", "");
  out.set("input", input_info(session.input()));
  out.set("mapping", json_parse(mapping_json(session.mapping())));
  val samples = val::array();
  for (std::size_t i = 0; i < session.mapping().size(); ++i) {
    val column = val::array();
    if (i < session.samples().size())
      for (const std::string& v : session.samples()[i]) column.call<void>("push", js_string(v));
    samples.call<void>("push", column);
  }
  out.set("samples", samples);
  return out;
}

/// The preview of a file read at any offset (a workbook): as preview(), from its first rows.
val preview_file(const std::string& tmpl, const std::string& options, const val& file, unsigned sample_rows) {
  Inputs in = load_inputs(tmpl, "", options);
  if (!in.code.empty()) return status_object(false, in.code, in.message);
  in.options.sample_rows = sample_rows;
  NullSink sink;
  Session session(std::move(in.tmpl), in.context, std::move(in.options), sink);
  if (!session.status().ok) return status_object(false, session.status().code, session.status().message);
  JsFile f(file);
  // A chunk at a time, until the samples are there.
  while (!session.read(f, 64 * 1024) && session.summary().rows < sample_rows && !session.file_error()) {
  }
  val out = status_object(true, "", "");
  out.set("input", input_info(session.input()));
  out.set("mapping", json_parse(mapping_json(session.mapping())));
  val samples = val::array();
  for (std::size_t i = 0; i < session.mapping().size(); ++i) {
    val column = val::array();
    if (i < session.samples().size())
      for (const std::string& v : session.samples()[i]) column.call<void>("push", js_string(v));
    samples.call<void>("push", column);
  }
  out.set("samples", samples);
  return out;
}

/// {ok, code, message, sheets: [{name, rows, bytes, hidden}]}: a workbook's sheets, for a picker.
val sheets(const val& file) {
  JsFile f(file);
  std::vector<SheetSummary> list;
  Status status = list_sheets(f, &list);
  val out = status_object(status.ok, status.code, status.message);
  val items = val::array();
  for (const SheetSummary& s : list) {
    val item = val::object();
    item.set("name", js_string(s.name));
    item.set("rows", num(s.rows));
    item.set("bytes", num(s.bytes));
    item.set("hidden", s.hidden);
    items.call<void>("push", item);
  }
  out.set("sheets", items);
  return out;
}

/// Whether the core reads a file that starts with `head` as a workbook, with these options.
bool reads_as_workbook_js(const val& head, const std::string& options) {
  Options o;
  if (!parse_options_json(options, &o).ok) return false;
  std::vector<unsigned char> bytes(std::min<unsigned>(head["length"].as<unsigned>(), 8));
  val(emscripten::typed_memory_view(bytes.size(), bytes.data())).call<void>("set", head.call<val>("subarray", 0, bytes.size()));
  return reads_as_workbook(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), o.format);
}

// ---- CheckRun: `rowgate check` for cli.mjs ----------------------------------------------------

/// The parsed arguments of `rowgate check`, as cli.mjs needs them.
val args_object(const CheckArgs& a, const Status& parsed) {
  val out = val::object();
  out.set("ok", parsed.ok);
  out.set("message", parsed.message);
  out.set("help", a.help);
  out.set("file", a.file);
  out.set("template", a.template_arg);
  out.set("templateIsFile", a.template_is_file);
  out.set("context", a.context_file);
  out.set("edits", a.edits_file);
  out.set("errors", a.errors_file);
  out.set("results", a.results_file);
  out.set("json", a.json);
  return out;
}

class JsCheckRun {
 public:
  explicit JsCheckRun(const val& words) : run_(string_array(words)) {}

  val args() const { return args_object(run_.args(), run_.parsed()); }

  /// {ok, stdout, stderr}: `fileText` is the --template file's bytes (ignored for a built-in).
  val loadTemplate(const std::string& file_text) {
    std::string out, err;
    bool ok = run_.load_template(file_text, &out, &err);
    val result = val::object();
    result.set("ok", ok);
    result.set("stdout", byte_array(out));
    result.set("stderr", byte_array(err));
    return result;
  }

  /// {ok, message}: `text` is the --context file's bytes.
  val loadContext(const std::string& text) {
    std::string error;
    bool ok = run_.load_context(text, &error);
    return status_object(ok, ok ? "" : code::invalid_context, error);
  }

  /// {ok, message}: `text` is the --edits file's bytes.
  val loadEdits(const std::string& text) {
    std::string error;
    bool ok = run_.load_edits(text, &error);
    return status_object(ok, ok ? "" : code::invalid_edits, error);
  }

  /// {ok, message, errors?, results?}: the file headers come back even when not ok.
  val start() {
    std::string error;
    bool ok = run_.start(&error);
    val out = status_object(ok, ok ? "" : run_.session().status().code, error);
    take_files(out);
    return out;
  }

  /// {bytes, rows, ..., errors?, results?}: counts, and the bytes for the output files.
  val push(const val& bytes) {
    if (!run_.started()) return val::object();
    feed_from_js(buffer_, bytes, [this](std::string_view b) { run_.feed(b); });
    val out = counts(run_.session());
    take_files(out);
    return out;
  }

  /// Reads `file` ({size, read}) for about `budget` bytes: counts, file bytes, and `done`.
  val read(const val& file, double budget) {
    if (!run_.started()) return val::object();
    JsFile f(file);
    bool done = run_.read(f, static_cast<std::uint64_t>(budget));
    val out = counts(run_.session());
    take_files(out);
    out.set("done", done);
    return out;
  }

  /// {stdout, exitStatus, errors?, results?}
  val finish() {
    if (!run_.started()) return val::object();
    run_.finish();
    val out = counts(run_.session());
    take_files(out);
    out.set("stdout", byte_array(run_.output()));
    out.set("exitStatus", run_.exit_status());
    out.set("resultsHeaderGrew", run_.results_header_grew());
    return out;
  }

  /// After finish(), when resultsHeaderGrew: feeds the --results file as written, in order,
  /// and answers the bytes of the file as it must be (ResultsCsvRewrite); an empty chunk ends.
  val rewriteResults(const val& bytes) {
    if (!rewrite_) rewrite_ = std::make_unique<ResultsCsvRewrite>(run_.results_rewrite());
    std::string out;
    feed_from_js(buffer_, bytes, [&](std::string_view b) { out += rewrite_->feed(b); });
    if (bytes["length"].as<unsigned>() == 0) out += rewrite_->feed({});
    return byte_array(out);
  }

 private:
  void take_files(val& out) {
    take_bytes(run_.errors_bytes(), "errors", out);
    take_bytes(run_.results_bytes(), "results", out);
  }

  CheckRun run_;
  std::vector<unsigned char> buffer_;
  std::unique_ptr<ResultsCsvRewrite> rewrite_;
};

// ---- Functions --------------------------------------------------------------------------------

val parse_check_args_js(const val& words) {
  CheckArgs args;
  Status parsed = parse_check_args(string_array(words), &args);
  return args_object(args, parsed);
}

std::string check_usage_js() { return check_usage(); }

val builtin_template_names() {
  val out = val::array();
  for (const BuiltinTemplate& t : builtin_templates()) out.call<void>("push", std::string(t.name));
  return out;
}

/// {heap, used}: the size of wasm memory and the bytes malloc has handed out.
val memory() {
  val out = val::object();
  out.set("heap", num(emscripten_get_heap_size()));
  out.set("used", num(static_cast<std::uint64_t>(mallinfo().uordblks)));
  return out;
}

}  // namespace
}  // namespace rowgate::wasm

EMSCRIPTEN_BINDINGS(rowgate) {
  using namespace rowgate::wasm;
  emscripten::class_<JsSession>("Session")
      .constructor<const std::string&, const std::string&, const std::string&, const emscripten::val&>()
      .function("status", &JsSession::status)
      .function("push", &JsSession::push)
      .function("read", &JsSession::read)
      .function("finish", &JsSession::finish);
  emscripten::class_<JsCheckRun>("CheckRun")
      .constructor<const emscripten::val&>()
      .function("args", &JsCheckRun::args)
      .function("loadTemplate", &JsCheckRun::loadTemplate)
      .function("loadContext", &JsCheckRun::loadContext)
      .function("loadEdits", &JsCheckRun::loadEdits)
      .function("start", &JsCheckRun::start)
      .function("push", &JsCheckRun::push)
      .function("read", &JsCheckRun::read)
      .function("finish", &JsCheckRun::finish)
      .function("rewriteResults", &JsCheckRun::rewriteResults);
  emscripten::function("parseCheckArgs", &parse_check_args_js);
  emscripten::function("checkUsage", &check_usage_js);
  emscripten::function("builtinTemplates", &builtin_template_names);
  emscripten::function("memory", &memory);
  emscripten::function("preview", &preview);
  emscripten::function("previewFile", &preview_file);
  emscripten::function("sheets", &sheets);
  emscripten::function("readsAsWorkbook", &reads_as_workbook_js);
}

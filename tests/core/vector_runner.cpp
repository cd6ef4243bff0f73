#include "vector_runner.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rowgate/check_args.h"
#include "rowgate/report.h"
#include "rowgate/report_writer.h"

namespace rowgate::testing {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> vector_names() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(ROWGATE_VECTORS_DIR))
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string vector_dir(const std::string& name) { return std::string(ROWGATE_VECTORS_DIR) + "/" + name; }

VectorOutput run_vector(const std::string& name, std::size_t chunk) {
  VectorOutput out;
  std::string dir = vector_dir(name);
  std::string input;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().filename().string().rfind("input", 0) == 0) input = entry.path().filename().string();
  if (input.empty()) {
    out.error = "no input file";
    return out;
  }
  std::vector<std::string> words{input};
  std::istringstream args(read_file(dir + "/args"));
  for (std::string line; std::getline(args, line);)
    if (!line.empty()) words.push_back(line);
  CheckArgs a;
  Status parsed = parse_check_args(words, &a);
  if (!parsed.ok) {
    out.error = parsed.message;
    return out;
  }
  a.options.want_values = true;
  TemplateLoad tmpl = a.template_is_file ? parse_template(read_file(dir + "/" + a.template_arg))
                                         : builtin_template(a.template_arg);
  if (!tmpl.ok) {
    out.report = file_error_report(template_error(a.template_arg, tmpl.error));
    return out;
  }
  Context context;
  if (!a.context_file.empty()) {
    ContextLoad c = parse_context(read_file(dir + "/" + a.context_file));
    if (!c.ok) {
      out.error = c.error;
      return out;
    }
    context = std::move(c.value);
  }
  if (!a.edits_file.empty()) {
    auto edits = std::make_shared<Edits>();
    Status e = parse_edits_json(read_file(dir + "/" + a.edits_file), edits.get());
    if (!e.ok) {
      out.error = e.message;
      return out;
    }
    a.options.edits = std::move(edits);
  }
  // As `rowgate check --json --results R.jsonl` writes them: the core's ReportWriter with the
  // command line's words.
  ReportOutputs outputs;
  outputs.keep_findings = true;
  outputs.results = ResultsFormat::Jsonl;
  outputs.hints = command_line_hints();
  ReportWriter writer(tmpl.value, outputs);
  Session session(std::move(tmpl.value), context, a.options, writer);
  if (!session.status().ok) {
    out.error = session.status().message;
    return out;
  }
  std::string bytes = read_file(dir + "/" + input);
  std::size_t step = chunk ? chunk : std::max<std::size_t>(bytes.size(), 1);
  for (std::size_t i = 0; i < bytes.size(); i += step) session.feed(std::string_view(bytes).substr(i, step));
  session.finish();
  out.report = writer.report(session);
  out.results = writer.results_bytes();
  return out;
}

}  // namespace rowgate::testing

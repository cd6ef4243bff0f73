// A workbook's bytes through the whole Session. Properties: no crash, no hang; the report is
// the same byte for byte whether the workbook is fed (held whole, read at finish) or read at
// any offset (Session::read, a budget of inflated bytes at a time), and when run twice; every
// finding has a stable code and a message; the summary adds up.
//
// Input: [template] [sheet] [budget] workbook bytes
//   template  index into builtin_templates()
//   sheet     0: the first; 1: "2"; 2: "Notes"; else the first
//   budget    (1 + b) * 256 inflated bytes a read() call
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_target.h"
#include "rowgate/report.h"
#include "rowgate/session.h"
#include "rowgate/template.h"

namespace rowgate::fuzz {

using namespace std::string_view_literals;

// The vectors' workbooks (and every other input) with the first sheet, a small and a big budget.
const std::vector<std::string_view> kSeedPrefixes = {"\x03\x00\x00"sv, "\x03\x00\xFF"sv, "\x01\x01\x10"sv};
const std::string_view kSeedFilePrefix = "input";

namespace {

class Bytes : public RandomAccessFile {
 public:
  explicit Bytes(std::string_view b) : b_(b) {}
  std::uint64_t size() const override { return b_.size(); }
  std::size_t read(std::uint64_t offset, char* out, std::size_t n) override {
    if (offset >= b_.size()) return 0;
    std::string_view part = b_.substr(static_cast<std::size_t>(offset), n);
    std::copy(part.begin(), part.end(), out);
    return part.size();
  }

 private:
  std::string_view b_;
};

class Collect : public Sink {
 public:
  void on_finding(const Finding& f) override {
    if (f.code.empty() || f.message.empty()) fail("a finding without a code or message", f.message);
    findings.push_back(f);
  }
  void on_record(const RecordResult& r) override { results.push_back(result_jsonl(r)); }
  std::vector<Finding> findings;
  std::vector<std::string> results;
};

std::string run(const Template& tmpl, const Options& options, std::string_view file, std::uint64_t budget) {
  Collect sink;
  Session session(tmpl, Context{}, options, sink);
  if (budget == 0) {
    session.feed(file);
    session.finish();
  } else {
    Bytes bytes(file);
    int calls = 0;
    while (!session.read(bytes, budget))
      if (++calls > 10'000'000) fail("Session::read does not end");
  }
  const Summary& s = session.summary();
  if (s.rows != s.valid + s.invalid || s.valid != s.create + s.update || sink.results.size() != s.rows)
    fail("the summary does not add up");
  return report_json(session, sink.findings, &sink.results);
}

}  // namespace
}  // namespace rowgate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rowgate;
  using namespace rowgate::fuzz;
  static const std::vector<Template> templates = [] {
    std::vector<Template> all;
    for (const BuiltinTemplate& b : builtin_templates()) all.push_back(parse_template(b.json).value);
    return all;
  }();
  Input in(data, size);
  const Template& tmpl = templates[in.byte() % templates.size()];
  Options options;
  options.format = Format::Xlsx;
  options.want_values = true;
  const std::uint8_t sheet = in.byte();
  options.sheet = sheet == 1 ? "2" : sheet == 2 ? "Notes" : "";
  const std::uint64_t budget = (1 + std::uint64_t{in.byte()}) * 256;
  std::string_view file = in.rest();
  std::string fed = run(tmpl, options, file, 0);
  std::string read = run(tmpl, options, file, budget);
  if (fed != read) fail("feeding and reading the workbook give different reports", fed + "\n---\n" + read);
  if (run(tmpl, options, file, budget) != read) fail("reading the workbook twice gives different reports");
  return 0;
}

#include "rowgate/check_args.h"

#include "text.h"

namespace rowgate {
namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  std::string tail;
  detail::append_lower(tail, std::string_view(s).substr(s.size() - suffix.size()));
  return tail == suffix;
}

Status usage(std::string message) { return Status::failure(code::invalid_arguments, std::move(message)); }

}  // namespace

const char* check_usage() {
  return "usage: rowgate check FILE --template NAME|FILE.json [--context FILE.json] [--no-header]\n"
         "                     [--header-row N|auto]\n"
         "                     [--map 'Header=field']... [--format auto|csv|jsonl|xlsx] [--delimiter C]\n"
         "                     [--sheet NAME|N] [--edits FILE.json]\n"
         "                     [--encoding auto|utf-8|utf-16le|utf-16be|windows-1252]\n"
         "                     [--errors OUT.csv] [--results OUT.csv|OUT.jsonl] [--json]\n"
         "Validates FILE against the template without importing anything.\n"
         "Exit status: 0 every row is valid, 1 some row is not, 2 usage or file-level error.\n"
         "Built-in templates: prospects, participants, leads, partners_update.\n";
}

Status parse_check_args(const std::vector<std::string>& words, CheckArgs* out) {
  CheckArgs& a = *out;
  bool format_given = false;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    auto value = [&](std::string* into) -> bool {
      if (i + 1 >= words.size()) return false;
      *into = words[++i];
      return true;
    };
    std::string v;
    if (w == "--help" || w == "-h") {
      a.help = true;
    } else if (w == "--json") {
      a.json = true;
    } else if (w == "--no-header") {
      a.options.no_header = true;
    } else if (w == "--header-row") {
      // The row of the header (a spreadsheet's row number), or auto: found by the core.
      if (!value(&v)) return usage("--header-row needs the header's row, from 1, or auto");
      if (v == "auto") a.options.header_row = 0;
      else if (v.empty() || v.size() > 7 || v[0] == '0' || v.find_first_not_of("0123456789") != std::string::npos)
        return usage("--header-row must be the header's row, from 1, or auto");
      else a.options.header_row = static_cast<std::uint32_t>(std::stoul(v));
    } else if (w == "--template") {
      if (!value(&a.template_arg)) return usage("--template needs a name or a .json file");
    } else if (w == "--context") {
      if (!value(&a.context_file)) return usage("--context needs a .json file");
    } else if (w == "--edits") {
      if (!value(&a.edits_file)) return usage("--edits needs a .json file");
    } else if (w == "--errors") {
      if (!value(&a.errors_file)) return usage("--errors needs a file name");
    } else if (w == "--results") {
      if (!value(&a.results_file)) return usage("--results needs a file name");
      if (!ends_with(a.results_file, ".csv") && !ends_with(a.results_file, ".jsonl"))
        return usage("--results must name a .csv or .jsonl file");
    } else if (w == "--map") {
      if (!value(&v)) return usage("--map needs 'Header=field'");
      std::size_t eq = v.rfind('=');
      if (eq == std::string::npos || eq == 0) return usage("--map needs 'Header=field', not '" + v + "'");
      a.options.map.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    } else if (w == "--format") {
      if (!value(&v) || !parse_format(v, &a.options.format)) return usage("--format must be auto, csv, jsonl or xlsx");
      format_given = a.options.format != Format::Auto;
    } else if (w == "--sheet") {
      if (!value(&a.options.sheet) || detail::trim(a.options.sheet).empty())
        return usage("--sheet needs a sheet's name or its position from 1");
    } else if (w == "--delimiter") {
      if (!value(&v)) return usage("--delimiter needs one of , ; tab |");
      if (v == "," || v == ";" || v == "|") a.options.delimiter = v[0];
      else if (v == "tab" || v == "\\t" || v == "\t") a.options.delimiter = '\t';
      else return usage("--delimiter must be one of , ; tab |");
    } else if (w == "--encoding") {
      if (!value(&v) || !parse_encoding(v, &a.options.encoding))
        return usage("--encoding must be auto, utf-8, utf-16le, utf-16be or windows-1252");
    } else if (!w.empty() && w[0] == '-' && w != "-") {
      return usage("unknown option " + w);
    } else if (a.file.empty()) {
      a.file = w;
    } else {
      return usage("only one FILE may be checked at a time");
    }
  }
  if (a.help) return {};
  if (a.file.empty()) return usage("FILE is missing");
  if (a.template_arg.empty()) return usage("--template is missing");
  a.template_is_file = ends_with(a.template_arg, ".json");
  if (!format_given) {
    if (ends_with(a.file, ".jsonl") || ends_with(a.file, ".ndjson")) a.options.format = Format::Jsonl;
    else if (ends_with(a.file, ".csv") || ends_with(a.file, ".tsv") || ends_with(a.file, ".txt"))
      a.options.format = Format::Csv;
    else if (ends_with(a.file, ".xlsx") || ends_with(a.file, ".xlsm")) a.options.format = Format::Xlsx;
  }
  if (ends_with(a.file, ".tsv") && a.options.delimiter == 0) a.options.delimiter = '\t';
  a.options.want_values = !a.results_file.empty();
  a.results_jsonl = ends_with(a.results_file, ".jsonl");
  return {};
}

}  // namespace rowgate

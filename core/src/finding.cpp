#include "rowgate/finding.h"

namespace rowgate {

const HintWords& command_line_hints() {
  static const HintWords words{" with --map", " with --encoding"};
  return words;
}

std::string message_with_hint(const Finding& finding, const HintWords& words) {
  const std::string* add = finding.hint == hint::map        ? &words.map
                           : finding.hint == hint::encoding ? &words.encoding
                                                            : nullptr;
  if (!add || add->empty()) return finding.message;
  std::string out = finding.message;
  std::size_t end = out.size();
  if (end > 0 && out[end - 1] == '.') --end;
  out.insert(end, *add);
  return out;
}

}  // namespace rowgate

#include "xml_scanner.h"

#include <cstring>

#include "text.h"

namespace rowgate::detail {
namespace {

bool is_name_end(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/' || c == '>'; }

// FNV-1a: what the stack of open elements keeps of each name.
std::uint64_t name_hash(std::string_view name) {
  std::uint64_t h = 1469598103934665603ull;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

std::string_view local_name(std::string_view name) {
  std::size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

void append_utf8(std::string* out, std::uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | cp >> 6));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | cp >> 12));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | cp >> 18));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A character XML 1.0 allows in a document.
bool xml_char(std::uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
         (cp >= 0x10000 && cp <= 0x10FFFF);
}

}  // namespace

void XmlScanner::feed(std::string_view bytes) {
  if (at_ > 0) {
    buffer_.erase(0, at_);
    at_ = 0;
  }
  buffer_.append(bytes);
}

XmlScanner::Next XmlScanner::fail(std::string why) {
  if (!failed_) error_ = std::move(why);
  failed_ = true;
  return Next::Error;
}

XmlScanner::Next XmlScanner::next(XmlEvent* event) {
  if (failed_) return Next::Error;
  if (root_closed_) return Next::End;
  for (;;) {  // comments and processing instructions are skipped
  const std::size_t size = buffer_.size();
  const char* const data = buffer_.data();
  auto need_more = [&](std::size_t from) {
    if (size - from > max_token_) return fail("it holds a tag or text longer than " + to_decimal(max_token_) + " bytes");
    if (!finished_) return Next::NeedMore;
    return fail(depth_ > 0 ? "it ends before its elements are closed" : "it ends inside a tag");
  };
  if (at_ >= size) {
    if (!finished_) return Next::NeedMore;
    if (depth_ > 0) return fail("it ends before its elements are closed");
    return Next::End;
  }
  if (data[at_] != '<') {
    const void* lt = std::memchr(data + at_, '<', size - at_);
    if (!lt) {
      if (size - at_ > max_token_) return fail("it holds a text longer than " + to_decimal(max_token_) + " bytes");
      if (!finished_) return Next::NeedMore;
      // Text after the last tag: white space is fine, anything else is not XML.
      if (!trim(std::string_view(data + at_, size - at_)).empty() || depth_ > 0)
        return fail(depth_ > 0 ? "it ends before its elements are closed" : "it has text outside its root element");
      at_ = size;
      return Next::End;
    }
    std::size_t end = static_cast<std::size_t>(static_cast<const char*>(lt) - data);
    event->type = XmlEvent::Type::Text;
    event->text = std::string_view(data + at_, end - at_);
    event->cdata = false;
    at_ = end;
    if (depth_ == 0 && !trim(event->text).empty()) return fail("it has text outside its root element");
    return Next::Event;
  }
  if (size - at_ < 2) return need_more(at_);
  const char second = data[at_ + 1];
  if (second == '?' || second == '!') {
    std::string_view rest(data + at_, size - at_);
    if (rest.substr(0, 4) == "<!--") {
      std::size_t end = rest.find("-->", 4);
      if (end == std::string_view::npos) return need_more(at_);
      at_ += end + 3;
      continue;
    }
    if (rest.substr(0, 9) == "<![CDATA[") {
      std::size_t end = rest.find("]]>", 9);
      if (end == std::string_view::npos) return need_more(at_);
      event->type = XmlEvent::Type::Text;
      event->text = rest.substr(9, end - 9);
      event->cdata = true;
      at_ += end + 3;
      return Next::Event;
    }
    if (second == '?') {
      std::size_t end = rest.find("?>", 2);
      if (end == std::string_view::npos) return need_more(at_);
      at_ += end + 2;
      continue;
    }
    for (std::string_view start : {std::string_view("<!--"), std::string_view("<![CDATA["), std::string_view("<!DOCTYPE")})
      if (rest.size() < start.size() && start.substr(0, rest.size()) == rest) return need_more(at_);
    // A DTD could declare entities that expand without end (the "billion laughs"); workbooks
    // never carry one.
    if (rest.substr(0, 9) == "<!DOCTYPE") return fail("it declares a DTD (<!DOCTYPE), which workbooks never do");
    return fail("it has markup that is not XML");
  }
  // A tag: find its '>' outside quoted attribute values. Usually the first '>' with an even
  // number of each quote before it; else (a quote of the other kind inside a value, or a '>'
  // inside one) a careful scan.
  std::size_t i = at_ + 1;
  const void* gt = std::memchr(data + i, '>', size - i);
  if (!gt) return need_more(at_);
  const std::size_t first_gt = static_cast<std::size_t>(static_cast<const char*>(gt) - data);
  unsigned double_quotes = 0, single_quotes = 0, less_than = 0;
  for (std::size_t k = i; k < first_gt; ++k) {
    const char c = data[k];
    double_quotes += c == '"';
    single_quotes += c == '\'';
    less_than += c == '<';
  }
  if (less_than == 0 && double_quotes % 2 == 0 && single_quotes % 2 == 0) {
    i = first_gt;
  } else {
    char quote = 0;
    for (; i < size; ++i) {
      char c = data[i];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        break;
      } else if (c == '<') {
        return fail("it has a '<' inside a tag");
      }
    }
    if (i >= size) return need_more(at_);
  }
  std::string_view tag(data + at_ + 1, i - at_ - 1);  // without < and >
  at_ = i + 1;
  if (tag.empty()) return fail("it has an empty tag");
  if (tag[0] == '/') {
    std::size_t n = 1;
    while (n < tag.size() && !is_name_end(tag[n])) ++n;
    std::string_view name = tag.substr(1, n - 1);
    if (depth_ == 0 || open_[depth_ - 1] != name_hash(name))
      return fail("its end tag </" + std::string(name.substr(0, 64)) + "> does not close the element open there");
    --depth_;
    if (depth_ == 0) root_closed_ = true;
    event->type = XmlEvent::Type::End;
    event->name = local_name(name);
    return Next::Event;
  }
  std::size_t n = 0;
  while (n < tag.size() && !is_name_end(tag[n])) ++n;
  std::string_view name = tag.substr(0, n);
  if (name.empty()) return fail("it has a tag without a name");
  const bool empty = tag.back() == '/';
  event->type = XmlEvent::Type::Start;
  event->name = local_name(name);
  event->attrs = tag.substr(n, tag.size() - n - (empty ? 1 : 0));
  event->empty = empty;
  if (root_closed_) return fail("it has a second root element");
  if (!empty) {
    if (open_.size() <= depth_) open_.emplace_back();
    open_[depth_++] = name_hash(name);
  } else if (depth_ == 0) {
    root_closed_ = true;
  }
  return Next::Event;
  }
}

bool xml_attribute(std::string_view attrs, std::string_view name, std::string_view* value) {
  std::size_t i = 0;
  const std::size_t n = attrs.size();
  while (i < n) {
    while (i < n && is_space(attrs[i])) ++i;
    std::size_t start = i;
    while (i < n && attrs[i] != '=' && !is_space(attrs[i])) ++i;
    std::string_view key = attrs.substr(start, i - start);
    while (i < n && is_space(attrs[i])) ++i;
    if (i >= n || attrs[i] != '=') return false;
    ++i;
    while (i < n && is_space(attrs[i])) ++i;
    if (i >= n || (attrs[i] != '"' && attrs[i] != '\'')) return false;
    char quote = attrs[i++];
    std::size_t end = attrs.find(quote, i);
    if (end == std::string_view::npos) return false;
    if (local_name(key) == name) {
      *value = attrs.substr(i, end - i);
      return true;
    }
    i = end + 1;
  }
  return false;
}

bool xml_decode(std::string_view raw, std::string* out, std::string* error) {
  if (!std::memchr(raw.data(), '&', raw.size()) && !std::memchr(raw.data(), '\r', raw.size())) {
    out->append(raw);
    return true;
  }
  std::size_t i = 0;
  const std::size_t n = raw.size();
  while (i < n) {
    std::size_t next = i;
    while (next < n && raw[next] != '&' && raw[next] != '\r') ++next;
    out->append(raw.data() + i, next - i);
    i = next;
    if (i >= n) break;
    if (raw[i] == '\r') {
      out->push_back('\n');
      i += (i + 1 < n && raw[i + 1] == '\n') ? 2 : 1;
      continue;
    }
    std::size_t semi = raw.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) {
      *error = "it has an '&' that starts no reference";
      return false;
    }
    std::string_view ref = raw.substr(i + 1, semi - i - 1);
    i = semi + 1;
    if (ref == "amp") out->push_back('&');
    else if (ref == "lt") out->push_back('<');
    else if (ref == "gt") out->push_back('>');
    else if (ref == "quot") out->push_back('"');
    else if (ref == "apos") out->push_back('\'');
    else if (ref.size() >= 2 && ref[0] == '#') {
      std::uint32_t cp = 0;
      bool hex = ref[1] == 'x';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      bool ok = !digits.empty() && digits.size() <= 8;
      for (char c : digits) {
        int d = hex ? hex_value(c) : (c >= '0' && c <= '9' ? c - '0' : -1);
        if (d < 0) ok = false;
        else cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
      }
      if (!ok || !xml_char(cp)) {
        *error = "it has the character reference &" + std::string(ref) + "; of no character XML allows";
        return false;
      }
      append_utf8(out, cp);
    } else {
      *error = "it uses the entity &" + std::string(ref.substr(0, 32)) + "; which XML does not define";
      return false;
    }
  }
  return true;
}

void decode_ooxml_escapes(std::string* text) {
  std::string& s = *text;
  std::size_t at = s.find("_x");
  if (at == std::string::npos) return;
  std::string out;
  out.reserve(s.size());
  out.append(s, 0, at);
  std::size_t i = at;
  while (i < s.size()) {
    if (s[i] == '_' && i + 6 < s.size() && s[i + 1] == 'x' && s[i + 6] == '_') {
      std::uint32_t cp = 0;
      bool ok = true;
      for (std::size_t k = 2; k < 6; ++k) {
        int d = hex_value(s[i + k]);
        if (d < 0) ok = false;
        cp = cp * 16 + static_cast<std::uint32_t>(d < 0 ? 0 : d);
      }
      if (ok && !(cp >= 0xD800 && cp <= 0xDFFF)) {
        append_utf8(&out, cp);
        i += 7;
        continue;
      }
    }
    out.push_back(s[i++]);
  }
  s = std::move(out);
}

}  // namespace rowgate::detail

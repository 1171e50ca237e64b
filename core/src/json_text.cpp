#include "comframe/core/json_text.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <vector>

namespace comframe::core {

namespace {

using json = nlohmann::json;

// nlohmann::json keeps the last of two equal keys in one object without a word;
// the parse callback watches the keys go by. Past max_tracked levels nothing is
// tracked: callers refuse such deep documents anyway.
class duplicate_key_finder {
 public:
  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    using ev = json::parse_event_t;
    switch (event) {
      case ev::object_start:
      case ev::array_start:
        next_element();
        if (levels_.size() >= max_tracked || untracked_ > 0) ++untracked_;
        else levels_.push_back({event == ev::object_start, {}, {}, 0, false});
        break;
      case ev::object_end:
      case ev::array_end:
        if (untracked_ > 0) --untracked_;
        else if (!levels_.empty()) levels_.pop_back();
        break;
      case ev::key:
        if (untracked_ == 0 && !levels_.empty()) {
          level& top = levels_.back();
          std::string key = parsed.get<std::string>();
          if (!top.keys.insert(key).second && !found_) found_ = std::make_pair(path(), json(key).dump());
          top.key = std::move(key);
        }
        break;
      case ev::value:
        next_element();
        break;
    }
    return true;
  }

  /// The path of the object with a repeated key, and the key quoted.
  const std::optional<std::pair<std::string, std::string>>& found() const { return found_; }

 private:
  static constexpr std::size_t max_tracked = 256;
  struct level {
    bool object;
    std::set<std::string> keys;
    std::string key;    // the key whose value is being read
    std::size_t index;  // the element being read
    bool started;
  };

  void next_element() {
    if (untracked_ > 0 || levels_.empty() || levels_.back().object) return;
    level& top = levels_.back();
    if (top.started) ++top.index;
    top.started = true;
  }

  // The path of the innermost object being read.
  std::string path() const {
    std::string out;
    for (std::size_t i = 0; i + 1 < levels_.size(); ++i) {
      const level& l = levels_[i];
      if (l.object) out += (out.empty() ? "" : ".") + l.key;
      else out += "[" + std::to_string(l.index) + "]";
    }
    return out;
  }

  std::vector<level> levels_;
  std::size_t untracked_ = 0;
  std::optional<std::pair<std::string, std::string>> found_;
};

std::string one_line(const json& j) {
  if (j.is_object()) {
    std::string out = "{";
    bool first = true;
    for (const auto& item : j.items()) {
      out += (first ? "" : ", ") + json(item.key()).dump() + ": " + one_line(item.value());
      first = false;
    }
    return out + "}";
  }
  if (j.is_array()) {
    std::string out = "[";
    bool first = true;
    for (const auto& v : j) {
      out += (first ? "" : ", ") + one_line(v);
      first = false;
    }
    return out + "]";
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// `column`: where the value starts on its line.
void write_readable(const json& j, int indent, std::size_t width, int level, std::size_t column, std::string& out) {
  std::string flat = one_line(j);
  if (!j.is_structured() || j.empty() || column + flat.size() <= width) {
    out += flat;
    return;
  }
  const std::size_t pad = static_cast<std::size_t>(indent) * static_cast<std::size_t>(level + 1);
  out += j.is_object() ? "{\n" : "[\n";
  bool first = true;
  for (const auto& item : j.items()) {
    if (!first) out += ",\n";
    first = false;
    out += std::string(pad, ' ');
    std::size_t col = pad;
    if (j.is_object()) {
      const std::string key = json(item.key()).dump() + ": ";
      out += key;
      col += key.size();
    }
    write_readable(item.value(), indent, width, level + 1, col, out);
  }
  out += "\n" + std::string(static_cast<std::size_t>(indent) * static_cast<std::size_t>(level), ' ') +
         (j.is_object() ? "}" : "]");
}

}  // namespace

nlohmann::json parse_json(std::string_view text, errc kind, json_mode mode) {
  duplicate_key_finder finder;
  json doc;
  try {
    doc = json::parse(text, std::ref(finder));
  } catch (const json::parse_error& e) {
    throw codec_error(kind, std::string("not valid JSON: ") + e.what(), {}, e.byte);
  } catch (const json::exception& e) {
    throw codec_error(kind, std::string("not valid JSON: ") + e.what());
  }
  if (finder.found() && mode == json_mode::strict) throw codec_error(kind, "duplicate key " + finder.found()->second, finder.found()->first);
  return doc;
}

std::string dump_readable(const nlohmann::json& value, int indent, std::size_t width, int level, std::size_t column) {
  std::string out;
  write_readable(value, indent, width, level, column, out);
  return out;
}


namespace {

// Length of the valid UTF-8 sequence at s[i] (2 to 4) and its code point, or 0
// when the bytes there are not one (overlong forms and surrogates included).
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char lead = b(0);
  std::size_t n = 0;
  char32_t min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) n = 2, cp = lead & 0x1F, min = 0x80;
  else if (lead >= 0xE0 && lead <= 0xEF) n = 3, cp = lead & 0x0F, min = 0x800;
  else if (lead >= 0xF0 && lead <= 0xF4) n = 4, cp = lead & 0x07, min = 0x10000;
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Code points a terminal acts on or that reorder what a reader sees.
bool unsafe_code_point(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
         cp == 0x200E || cp == 0x200F || cp == 0x061C;
}

void append_escaped(std::string& out, std::string_view text, std::size_t max_bytes, bool escape_quote) {
  static constexpr char digits[] = "0123456789abcdef";
  std::size_t i = 0;
  while (i < text.size() && i < max_bytes) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      if (c == '\\' || (escape_quote && c == '"')) out += '\\';
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c == '\n' || c == '\r' || c == '\t') {
      out += '\\';
      out += c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
      ++i;
      continue;
    }
    char32_t cp = 0;
    const std::size_t n = c >= 0x80 ? utf8_sequence(text, i, cp) : 0;
    if (n == 0) {  // a control character or a byte that is not UTF-8
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 15];
      ++i;
    } else if (unsafe_code_point(cp)) {
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) out += digits[(cp >> shift) & 15];
      i += n;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  if (i < text.size())
    out += "... (cut: " + std::to_string(i) + " of " + std::to_string(text.size()) + " bytes shown)";
}

}  // namespace

std::string printable_text(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 8);
  append_escaped(out, text, max_bytes, false);
  return out;
}

std::string quoted_text(std::string_view text, std::size_t max_bytes) {
  std::string out = "\"";
  append_escaped(out, text.substr(0, max_bytes), max_bytes, true);
  out += '"';
  if (text.size() > max_bytes)
    out += " (cut: " + std::to_string(max_bytes) + " of " + std::to_string(text.size()) + " bytes shown)";
  return out;
}

}  // namespace comframe::core

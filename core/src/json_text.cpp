#include "comframe/core/json_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <vector>

#include "comframe/core/schema.hpp"
#include "json_write.hpp"

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

// ---- format_json ----------------------------------------------------------------------

namespace detail {

void append_json_string(std::string& out, std::string_view text, bool ascii_only) {
  // Printable ASCII without a quote or a backslash, the common case, is written as it is.
  if (std::all_of(text.begin(), text.end(), plain_json_char)) {
    out += '"';
    out += text;
    out += '"';
    return;
  }
  static constexpr char digits[] = "0123456789abcdef";
  const std::string dumped = json(std::string(text)).dump(-1, ' ', ascii_only, json::error_handler_t::replace);
  if (ascii_only) {  // nlohmann has escaped every byte from 0x7f on
    out += dumped;
    return;
  }
  for (std::size_t i = 0; i < dumped.size();) {
    const auto c = static_cast<unsigned char>(dumped[i]);
    char32_t cp = c;
    std::size_t n = 1;
    if (c >= 0x80) n = std::max<std::size_t>(utf8_sequence(dumped, i, cp), 1);  // always valid: invalid was replaced
    if (c == 0x7F || (n > 1 && unsafe_code_point(cp))) {
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) out += digits[(cp >> shift) & 15];
    } else {
      out.append(dumped, i, n);
    }
    i += n;
  }
}

char* write_f32(char* out, float value) {
  // std::to_chars gives the shortest text that reads back to the float, fixed
  // (1173083776, 0.001) or scientific (1e-05), whichever is shorter. Its digits
  // are laid out as nlohmann's serializer lays out a double's, so the text is
  // what json(the double of that text).dump() writes, without parsing it back.
  char text[32];
  const char* end = std::to_chars(text, text + sizeof text, value).ptr;
  const char* p = text;
  if (*p == '-') *out++ = *p++;
  const char* e = std::find(p, end, 'e');
  char digits[48];
  int k = 0;       // significant digits
  int point = 0;   // digits before the decimal point, counting leading zeros
  bool seen_point = false, leading = true;
  for (const char* q = p; q < e; ++q) {
    if (*q == '.') {
      seen_point = true;
      continue;
    }
    if (!seen_point) ++point;
    if (leading && *q == '0') {  // 0.00123: the zeros shift the point, they are no digits
      --point;
      continue;
    }
    leading = false;
    digits[k++] = *q;
  }
  while (k > 1 && digits[k - 1] == '0') --k;
  if (k == 0) {  // zero: nlohmann writes 0.0
    std::memcpy(out, "0.0", 3);
    return out + 3;
  }
  int exponent = 0;
  if (e != end) std::from_chars(e + 1 + (e[1] == '+'), end, exponent);
  // value = 0.d1…dk × 10^n; nlohmann's limits for a double: -4 < n <= 15.
  const int n = point + exponent;
  constexpr int min_exp = -4, max_exp = 15;
  const auto put = [&out](const char* from, int count) {
    std::memcpy(out, from, static_cast<std::size_t>(count));
    out += count;
  };
  const auto zeros = [&out](int count) {
    std::memset(out, '0', static_cast<std::size_t>(count));
    out += count;
  };
  if (k <= n && n <= max_exp) {  // 1234.0, 1173083776.0
    put(digits, k);
    zeros(n - k);
    put(".0", 2);
  } else if (0 < n && n <= max_exp) {  // 12.34
    put(digits, n);
    *out++ = '.';
    put(digits + n, k - n);
  } else if (min_exp < n && n <= 0) {  // 0.001234
    put("0.", 2);
    zeros(-n);
    put(digits, k);
  } else {  // 1.234e-05, 1e+20: at least two exponent digits
    *out++ = digits[0];
    if (k > 1) {
      *out++ = '.';
      put(digits + 1, k - 1);
    }
    const int x = n - 1;
    put(x < 0 ? "e-" : "e+", 2);
    const int ax = x < 0 ? -x : x;
    if (ax < 10) *out++ = '0';
    out = std::to_chars(out, out + 3, ax).ptr;
  }
  return out;
}

void append_f32(std::string& out, float value) {
  char text[f32_text_max];
  out.append(text, static_cast<std::size_t>(write_f32(text, value) - text));
}

char* write_f64(char* out, double value) {
  // nlohmann's own shortest-digits routine, so the text is exactly json(value).dump().
  return nlohmann::detail::to_chars(out, out + f64_text_max, value);
}

void append_integer(std::string& out, long long value) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, value).ptr);
}

void append_integer(std::string& out, unsigned long long value) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, value).ptr);
}

}  // namespace detail

namespace {

// An array of char (by its schema type) as its text, without the NULs that pad it.
std::optional<std::string> char_text(const json& j, const type_node* t) {
  if (!t || !j.is_array() || (t->kind != type_kind::array && t->kind != type_kind::dynamic_array) || !t->element ||
      t->element->kind != type_kind::number || t->element->number != scalar::character)
    return std::nullopt;
  std::string text;
  for (const auto& c : j) {
    if (!c.is_string()) return std::nullopt;
    text += c.get_ref<const std::string&>();
  }
  while (!text.empty() && text.back() == '\0') text.pop_back();
  return text;
}

class json_printer {
 public:
  explicit json_printer(const json_format& f) : f_(f) {}

  // `depth`: objects and arrays around the value; `column`: where it starts on
  // its line; `flat`: inside something written on one line.
  void write(const json& j, const type_node* t, std::size_t depth, std::size_t column, bool flat,
             std::string& out) const {
    if (f_.chars_as_text)
      if (auto text = char_text(j, t)) return write_string(*text, out);
    if (j.is_string()) return write_string(j.get_ref<const std::string&>(), out);
    if (t && t->kind == type_kind::number && t->number == scalar::f32 && j.is_number_float() && write_f32(j, out))
      return;
    if (!j.is_structured()) {
      out += j.dump(-1, ' ', f_.ascii_only, json::error_handler_t::replace);
      return;
    }
    if (j.is_object() && depth > f_.max_depth) {
      out += "{…}";
      return;
    }
    write_items(j, t, depth, flat || on_one_line(j, t, depth, column), column, out);
  }

 private:
  bool spaced() const { return f_.indent >= 0 && !f_.key_value; }

  bool on_one_line(const json& j, const type_node* t, std::size_t depth, std::size_t column) const {
    if (f_.indent < 0 || f_.key_value || j.empty()) return true;
    if (f_.scalar_arrays_on_one_line && j.is_array() &&
        std::none_of(j.begin(), j.end(), [](const json& e) { return e.is_structured(); }))
      return true;
    if (f_.width == 0) return false;
    std::string flat;
    write_items(j, t, depth, true, column, flat);
    return column + flat.size() <= f_.width;
  }

  // The object's keys in the order json_format asks for, each with its type.
  std::vector<std::pair<const std::string*, const type_node*>> keys_of(const json& j, const type_node* t,
                                                                      std::size_t depth) const {
    std::vector<std::pair<const std::string*, const type_node*>> keys;
    std::set<std::string_view> placed;
    auto place = [&](const std::string& key, const type_node* kt) {
      if (auto it = j.find(key); it != j.end() && placed.insert(it.key()).second) keys.emplace_back(&it.key(), kt);
    };
    if (depth == 0)
      for (const auto& key : f_.key_order) place(key, nullptr);
    if (t && (t->kind == type_kind::structure || t->kind == type_kind::bit_record))
      for (const auto& field : t->fields) place(field.name, field.type);
    for (const auto& item : j.items()) place(item.key(), nullptr);
    return keys;
  }

  void write_items(const json& j, const type_node* t, std::size_t depth, bool one_line, std::size_t column,
                   std::string& out) const {
    const bool object = j.is_object();
    const std::string comma = one_line ? (spaced() ? ", " : f_.key_value && object ? " " : ",") : ",";
    const std::size_t pad = one_line ? 0 : static_cast<std::size_t>(f_.indent) * (depth + 1);
    auto start_item = [&](bool first) {
      if (!first) out += comma;
      if (!one_line) out.append("\n").append(pad, ' ');
    };
    // Where an item starts: only a value broken over lines needs it, for `width`.
    auto item_column = [&](std::size_t key_size) { return one_line ? column : pad + key_size; };
    out += object ? '{' : '[';
    if (object) {
      bool first = true;
      for (const auto& [key, kt] : keys_of(j, t, depth)) {
        start_item(first);
        first = false;
        const std::size_t at = out.size();
        if (f_.key_value) out += printable_text(*key, key->size()) + "=";
        else {
          detail::append_json_string(out, *key, f_.ascii_only);
          out += spaced() ? ": " : ":";
        }
        write(j[*key], kt, depth + 1, item_column(out.size() - at), one_line, out);
      }
    } else {
      const type_node* et = t && (t->kind == type_kind::array || t->kind == type_kind::dynamic_array) ? t->element : nullptr;
      const std::size_t shown = std::min(j.size(), f_.max_elements);
      for (std::size_t i = 0; i < shown; ++i) {
        start_item(i == 0);
        write(j[i], et, depth + 1, item_column(0), one_line, out);
      }
      if (shown < j.size()) {
        start_item(shown == 0);
        out += "… (" + std::to_string(j.size()) + ")";
      }
    }
    if (!one_line) out.append("\n").append(static_cast<std::size_t>(f_.indent) * depth, ' ');
    out += object ? '}' : ']';
  }

  // A decoded f32 is held as the double nearest to its shortest digits, which
  // nlohmann may print with more (0.00010824208600000001): it is written with
  // those digits when they name that double; any other double as nlohmann writes it.
  static bool write_f32(const json& j, std::string& out) {
    const double d = j.get<double>();
    if (!std::isfinite(d) || std::fabs(d) > static_cast<double>(std::numeric_limits<float>::max())) return false;
    std::string text;
    detail::append_f32(text, static_cast<float>(d));
    if (std::strtod(text.c_str(), nullptr) != d) return false;
    out += text;
    return true;
  }

  void write_string(std::string_view text, std::string& out) const {
    if (f_.key_value) {
      out += quoted_text(text, f_.max_string_bytes);
      return;
    }
    std::size_t shown = std::min(text.size(), f_.max_string_bytes);
    while (shown < text.size() && shown > 0 && (static_cast<unsigned char>(text[shown]) & 0xC0) == 0x80) --shown;
    detail::append_json_string(out, text.substr(0, shown), f_.ascii_only);
    if (shown < text.size())
      out += " (cut: " + std::to_string(shown) + " of " + std::to_string(text.size()) + " bytes shown)";
  }

  const json_format& f_;
};

}  // namespace

void append_json_string(std::string& out, std::string_view text, bool ascii_only) {
  detail::append_json_string(out, text, ascii_only);
}

std::string format_json(const nlohmann::json& value, const json_format& format) {
  std::string out;
  json_printer(format).write(value, format.type, 0, 0, false, out);
  return out;
}

}  // namespace comframe::core

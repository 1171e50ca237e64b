#include "comframe/core/json_text.hpp"

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

nlohmann::json parse_json(std::string_view text, errc kind) {
  duplicate_key_finder finder;
  json doc;
  try {
    doc = json::parse(text, std::ref(finder));
  } catch (const json::parse_error& e) {
    throw codec_error(kind, std::string("not valid JSON: ") + e.what(), {}, e.byte);
  } catch (const json::exception& e) {
    throw codec_error(kind, std::string("not valid JSON: ") + e.what());
  }
  if (finder.found()) throw codec_error(kind, "duplicate key " + finder.found()->second, finder.found()->first);
  return doc;
}

std::string dump_readable(const nlohmann::json& value, int indent, std::size_t width, int level, std::size_t column) {
  std::string out;
  write_readable(value, indent, width, level, column, out);
  return out;
}

std::string hex_text(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 3);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i) s += ' ';
    s += digits[bytes[i] >> 4];
    s += digits[bytes[i] & 15];
  }
  return s;
}

}  // namespace comframe::core

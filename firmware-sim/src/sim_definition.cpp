#include "comframe/firmware_sim/sim_definition.hpp"

#include "comframe/core/json_document.hpp"
#include "comframe/core/json_text.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <limits>
#include <set>

#include "comframe/core/json_number.hpp"
#include "comframe/core/result.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/schema.hpp"

namespace comframe::firmware_sim {

using nlohmann::json;
using core::type_kind;
using core::type_node;

namespace {

// ---- Errors ---------------------------------------------------------------------

// What loading found wrong; load_sim_file adds the file's name.
struct problem {
  std::string path, detail;
  std::optional<std::size_t> offset;
};

[[noreturn]] void fail(std::string path, std::string detail) { throw problem{std::move(path), std::move(detail), {}}; }

// Names and text from the file reach messages escaped and cut, as every message
// that echoes outside input does (core/json_document.hpp).
using core::json_value_phrase;
using core::quoted_text;

std::string join(const std::string& path, std::string_view key) {
  if (key.empty()) return path;
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

void check_keys(const json& object, const std::string& path, std::initializer_list<std::string_view> keys) {
  if (auto problem = core::unknown_key(object, keys)) fail(path, std::move(*problem));
}

const json& need_object(const json& j, const std::string& path, std::string_view what = "an object") {
  if (!j.is_object()) fail(path, "expected " + std::string(what) + ", got " + json_value_phrase(j));
  return j;
}

std::int64_t need_integer(const json& j, const std::string& path, std::int64_t low, std::int64_t high,
                          std::string_view unit = {}) {
  bool in_range = false;
  if (j.is_number_unsigned()) {
    const auto v = j.get<std::uint64_t>();
    in_range = v <= static_cast<std::uint64_t>(high) && (low <= 0 || v >= static_cast<std::uint64_t>(low));
  } else if (j.is_number_integer()) {
    const auto v = j.get<std::int64_t>();
    in_range = v >= low && v <= high;
  }
  if (!in_range)
    fail(path, "expected an integer from " + std::to_string(low) + " to " + std::to_string(high) +
                   (unit.empty() ? "" : " (" + std::string(unit) + ")") + ", got " + json_value_phrase(j));
  return j.is_number_unsigned() ? static_cast<std::int64_t>(j.get<std::uint64_t>()) : j.get<std::int64_t>();
}

// ---- Types ---------------------------------------------------------------------------

bool is_integer(core::scalar s) { return s <= core::scalar::i64; }
bool is_float(core::scalar s) { return s == core::scalar::f32 || s == core::scalar::f64; }

// "u16", "u8[3]", "Led", "i16[]", "struct {a, b}" — as the schema language writes them.
std::string type_text(const type_node& n) {
  if (!n.name.empty()) return n.name;
  switch (n.kind) {
    case type_kind::null: return "null";
    case type_kind::number: return std::string(core::to_string(n.number));
    case type_kind::array: return type_text(*n.element) + "[" + std::to_string(n.length) + "]";
    case type_kind::dynamic_array: return type_text(*n.element) + "[]";
    case type_kind::structure: {
      std::string f;
      for (const auto& x : n.fields) f += (f.empty() ? "" : ", ") + x.name;
      return "struct {" + f + "}";
    }
    default: break;  // the kinds of docs/schema.md "Beyond whole C scalars" are not simulated yet
  }
  return "?";
}

// "a u16", "an i16[]", "an f32", "null".
std::string a_type(const type_node& n) {
  const std::string t = type_text(n);
  if (t == "null") return t;
  const bool vowel = std::string_view("aeioAEIOU").find(t.front()) != std::string_view::npos ||
                     t.starts_with("f32") || t.starts_with("f64");
  return (vowel ? "an " : "a ") + t;
}

bool is_char_array(const type_node* n) {
  return n && (n->kind == type_kind::array || n->kind == type_kind::dynamic_array) &&
         n->element->kind == type_kind::number && n->element->number == core::scalar::character;
}

// Whether every value of `src` is a value of `dst` in JSON (integers may need
// to wrap; that is left to the lenient encoder).
bool fits(const type_node& src, const type_node& dst) {
  switch (dst.kind) {
    case type_kind::null: return src.kind == type_kind::null;
    case type_kind::number:
      if (src.kind != type_kind::number) return false;
      if (is_integer(dst.number)) return is_integer(src.number);
      if (is_float(dst.number)) return is_integer(src.number) || is_float(src.number);
      return src.number == dst.number;  // bool, char
    case type_kind::array:
      return src.kind == type_kind::array && src.length == dst.length && fits(*src.element, *dst.element);
    case type_kind::dynamic_array:
      return (src.kind == type_kind::array || src.kind == type_kind::dynamic_array) && fits(*src.element, *dst.element);
    case type_kind::structure:
      if (src.kind != type_kind::structure || src.fields.size() != dst.fields.size()) return false;
      for (std::size_t i = 0; i < src.fields.size(); ++i)
        if (src.fields[i].name != dst.fields[i].name || !fits(*src.fields[i].type, *dst.fields[i].type)) return false;
      return true;
    default: break;
  }
  return false;
}

// The zero value: 0, false, "\u0000", empty dynamic arrays. `budget` bounds
// the JSON nodes made (a fixed array of a zero-size type has no bytes to bound it).
std::optional<json> zero_value(const type_node& n, std::size_t& budget) {
  if (budget == 0) return std::nullopt;
  --budget;
  switch (n.kind) {
    case type_kind::null: return json(nullptr);
    case type_kind::number:
      if (n.number == core::scalar::boolean) return json(false);
      if (n.number == core::scalar::character) return core::detail::char_to_json(0);
      if (is_float(n.number)) return json(0.0);
      return json(0);
    case type_kind::array: {
      json a = json::array();
      for (std::size_t i = 0; i < n.length; ++i) {
        auto e = zero_value(*n.element, budget);
        if (!e) return std::nullopt;
        a.push_back(std::move(*e));
      }
      return a;
    }
    case type_kind::dynamic_array: return json::array();
    case type_kind::structure: {
      json o = json::object();
      for (const auto& f : n.fields) {
        auto v = zero_value(*f.type, budget);
        if (!v) return std::nullopt;
        o[f.name] = std::move(*v);
      }
      return o;
    }
    default: break;
  }
  return json(nullptr);
}

constexpr std::size_t zero_value_budget = 1 << 16;
constexpr std::size_t max_payload = transport::default_max_payload_size;

// ---- Templates -------------------------------------------------------------------------

struct step {
  bool is_index = false;
  std::string name;
  std::size_t index = 0;
};

// A template compiled against its type: literal parts are final JSON values,
// the rest is filled in per request (or per emission, for events).
struct templ_member;
struct templ {
  enum class kind : std::uint8_t { literal, object, array, request, count, read } k = kind::literal;
  json value;                                       // literal
  std::vector<templ_member> members;                // object
  std::vector<templ> elements;                      // array
  std::vector<step> steps;                          // request
  std::string text;                                 // request: "$request.a[2]", for messages
  std::string where;                                // request: the template's path, for messages
  const type_node* probe = nullptr;                 // request, read: the type to stand in for it at load time
  bool pack_bits = false;                           // read: a bool table's values packed 8 per byte, LSB first
};

struct templ_member {  // a named member of an object template (a struct, not a pair: templ is incomplete above)
  std::string name;
  templ value;
};

bool has_holes(const templ& t) { return t.k != templ::kind::literal; }

// A table of the sim file's "tables": values of one type that replies read and write.
struct table {
  std::string name;
  core::scalar type = core::scalar::u16;  // boolean or an integer scalar
  std::vector<std::int64_t> values;
};

struct compile_context {
  std::string owner;                 // "scale's request" — whose request $request is
  const type_node* request = nullptr;  // null in an event: no $request there
  const table* read = nullptr;       // the table this reply's "read" reads: what $read is
};

bool is_integer_or_bool(const type_node& n) {
  return (n.kind == type_kind::number && (is_integer(n.number) || n.number == core::scalar::boolean)) ||
         n.kind == type_kind::integer;
}

std::vector<step> parse_reference(std::string_view text, std::string_view rest, const std::string& path) {
  std::vector<step> steps;
  std::size_t i = 0;
  const auto bad = [&] {
    fail(path, quoted_text(text) + " is not a valid reference: after $request come .field and [index] steps, "
                             "as in $request.readings[2].value");
  };
  while (i < rest.size()) {
    if (rest[i] == '.') {
      std::size_t j = ++i;
      while (j < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[j])) || rest[j] == '_')) ++j;
      if (j == i || std::isdigit(static_cast<unsigned char>(rest[i]))) bad();
      steps.push_back({false, std::string(rest.substr(i, j - i)), 0});
      i = j;
    } else if (rest[i] == '[') {
      std::size_t j = ++i;
      while (j < rest.size() && std::isdigit(static_cast<unsigned char>(rest[j]))) ++j;
      if (j == i || j == rest.size() || rest[j] != ']' || j - i > 9) bad();
      steps.push_back({true, {}, static_cast<std::size_t>(std::stoul(std::string(rest.substr(i, j - i))))});
      i = j + 1;
    } else {
      bad();
    }
  }
  return steps;
}

// Follows the steps through the request's type; fixed-array indexes are checked here.
const type_node& resolve(const type_node& request, const std::vector<step>& steps, std::string_view text,
                         const compile_context& cx, const std::string& path) {
  const type_node* n = &request;
  std::string so_far = cx.owner;
  for (const step& s : steps) {
    if (!s.is_index) {
      if (n->kind != type_kind::structure)
        fail(path, quoted_text(text) + ": " + so_far + " is " + a_type(*n) + ", which has no fields");
      const type_node* next = nullptr;
      std::string names;
      for (const auto& f : n->fields) {
        if (f.name == s.name) next = f.type;
        names += (names.empty() ? "" : ", ") + f.name;
      }
      if (!next) fail(path, quoted_text(text) + " names no field of " + so_far + " (fields: " + names + ")");
      n = next;
      so_far += "." + s.name;
    } else {
      if (n->kind != type_kind::array && n->kind != type_kind::dynamic_array)
        fail(path, quoted_text(text) + ": " + so_far + " is " + a_type(*n) + ", not an array");
      if (n->kind == type_kind::array && s.index >= n->length)
        fail(path, quoted_text(text) + " is past the end of " + so_far + " (" + a_type(*n) + ")");
      n = n->element;
      so_far += "[" + std::to_string(s.index) + "]";
    }
  }
  return *n;
}

templ compile(const json& t, const type_node* type, const std::string& path, const compile_context& cx,
              std::size_t depth) {
  if (depth > sim_file_limits::max_template_depth)
    fail(path, "nested deeper than " + std::to_string(sim_file_limits::max_template_depth) + " levels");
  templ out;
  if (t.is_string()) {
    std::string_view s = t.get_ref<const std::string&>();
    if (s.starts_with("$") && !s.starts_with("$$")) {
      if (s == "$count") {
        if (type && !(type->kind == type_kind::number && (is_integer(type->number) || is_float(type->number))))
          fail(path, "\"$count\" is an integer; " + a_type(*type) + " is needed here");
        out.k = templ::kind::count;
        return out;
      }
      if (s == "$read") {
        if (!cx.read) fail(path, "\"$read\" needs a \"read\" in this reply (the table values it stands for)");
        const bool array = type && (type->kind == type_kind::array || type->kind == type_kind::dynamic_array);
        if (!array || !is_integer_or_bool(*type->element))
          fail(path, "\"$read\" is a list of " + cx.read->name + "'s values; an array of integers or bools is needed here" +
                         (type ? ", not " + a_type(*type) : ""));
        const bool element_bool = type->element->kind == type_kind::number && type->element->number == core::scalar::boolean;
        if (element_bool && cx.read->type != core::scalar::boolean)
          fail(path, "\"$read\" reads " + cx.read->name + " (" + std::string(core::to_string(cx.read->type)) +
                         "), which does not fit " + a_type(*type));
        out.k = templ::kind::read;
        out.pack_bits = cx.read->type == core::scalar::boolean && !element_bool;
        out.probe = type;
        return out;
      }
      if (!s.starts_with("$request") ||
          (s.size() > 8 && s[8] != '.' && s[8] != '['))
        fail(path, quoted_text(s) + " is not a template reference (they are $request, $request.field[index]…, "
                              "$count, $read; write $$ for a string that starts with $)");
      if (!cx.request) fail(path, quoted_text(s) + " has no meaning in an event's payload (no request comes with it)");
      out.k = templ::kind::request;
      out.steps = parse_reference(s, s.substr(8), path);
      out.text = std::string(s);
      out.where = path;
      const type_node& src = resolve(*cx.request, out.steps, s, cx, path);
      if (type && !fits(src, *type))
        fail(path, quoted_text(s) + " is " + a_type(src) + "; " + a_type(*type) + " is needed here");
      out.probe = type ? type : &src;
      return out;
    }
    if (s.starts_with("$$")) s.remove_prefix(1);
    if (is_char_array(type)) {  // a string for an array of char: its bytes
      if (type->kind == type_kind::array && s.size() > type->length)
        fail(path, "a string of " + std::to_string(s.size()) + " bytes does not fit " + a_type(*type));
      json a = json::array();
      for (char c : s) a.push_back(core::detail::char_to_json(static_cast<std::uint8_t>(c)));
      if (type->kind == type_kind::array)
        for (std::size_t i = s.size(); i < type->length; ++i) a.push_back(core::detail::char_to_json(0));
      out.value = std::move(a);
    } else {
      out.value = std::string(s);
    }
    return out;
  }
  if (t.is_object()) {
    const bool structure = type && type->kind == type_kind::structure;
    bool holes = false;
    for (const auto& item : t.items()) {
      const type_node* ft = nullptr;
      if (structure)
        for (const auto& f : type->fields)
          if (f.name == item.key()) ft = f.type;
      out.members.push_back({item.key(), compile(item.value(), ft, join(path, item.key()), cx, depth + 1)});
      holes = holes || has_holes(out.members.back().value);
    }
    if (holes) {
      out.k = templ::kind::object;
      return out;
    }
    out.value = json::object();
    for (auto& m : out.members) out.value[m.name] = std::move(m.value.value);
    out.members.clear();
    return out;
  }
  if (t.is_array()) {
    const bool array = type && (type->kind == type_kind::array || type->kind == type_kind::dynamic_array);
    bool holes = false;
    for (std::size_t i = 0; i < t.size(); ++i) {
      out.elements.push_back(
          compile(t[i], array ? type->element : nullptr, path + "[" + std::to_string(i) + "]", cx, depth + 1));
      holes = holes || has_holes(out.elements.back());
    }
    if (holes) {
      out.k = templ::kind::array;
      return out;
    }
    out.value = json::array();
    for (auto& e : out.elements) out.value.push_back(std::move(e.value));
    out.elements.clear();
    return out;
  }
  out.value = t;  // a number, true/false, null
  return out;
}

// The template's value: for a request (and count), or with zero values
// standing in for every reference (`request` null) to check it at load time.
json fill(const templ& t, const json* request, std::uint64_t count, const json* read = nullptr) {
  switch (t.k) {
    case templ::kind::literal: return t.value;
    case templ::kind::count: return count;
    case templ::kind::read: {
      if (!read) {
        std::size_t budget = zero_value_budget;
        return zero_value(*t.probe, budget).value_or(json(nullptr));
      }
      if (!t.pack_bits) return *read;
      json bytes = json::array();  // Modbus's coil order: 8 per byte, the first in bit 0
      for (std::size_t i = 0; i < read->size(); ++i) {
        if (i % 8 == 0) bytes.push_back(0);
        if ((*read)[i].get<bool>()) bytes.back() = bytes.back().get<int>() | (1 << (i % 8));
      }
      return bytes;
    }
    case templ::kind::object: {
      json o = json::object();
      for (const auto& m : t.members) o[m.name] = fill(m.value, request, count, read);
      return o;
    }
    case templ::kind::array: {
      json a = json::array();
      for (const auto& e : t.elements) a.push_back(fill(e, request, count, read));
      return a;
    }
    case templ::kind::request: {
      if (!request) {
        std::size_t budget = zero_value_budget;
        return zero_value(*t.probe, budget).value_or(json(nullptr));
      }
      const json* v = request;
      std::string so_far = "request";
      for (const step& s : t.steps) {
        if (!s.is_index) {
          v = &v->at(s.name);  // the request decoded by its schema has every field
          so_far += "." + s.name;
        } else {
          if (s.index >= v->size())
            throw device_error(devices::error_code::out_of_range,
                               t.where + ": " + quoted_text(t.text) + ": this request's " + so_far.substr(8) + " has " +
                                   std::to_string(v->size()) + (v->size() == 1 ? " element" : " elements"));
          v = &v->at(s.index);
          so_far += "[" + std::to_string(s.index) + "]";
        }
      }
      return *v;
    }
  }
  return nullptr;
}

// Checks a template against its schema with zero values for the references:
// every key, type and fixed length of the literal parts, and the size.
void check_template(const templ& t, const core::schema& s, core::endian order, const std::string& path,
                    std::string_view what) {
  std::size_t size = 0;
  try {
    size = core::encode(s, fill(t, nullptr, 0), order).size();
  } catch (const core::codec_error& e) {
    const std::string& inner = e.path();
    fail(inner.empty() ? path : path + (inner.front() == '[' ? "" : ".") + inner, e.detail());
  }
  if (size > max_payload)
    fail(path, "the " + std::string(what) + " takes " + std::to_string(size) + " bytes, more than a frame carries (" +
                   std::to_string(max_payload) + ")");
}

std::string command_names(const devices::profile& p) {
  std::string names;
  for (const auto& c : p.commands())
    if (c.id != devices::builtin::describe::id) names += (names.empty() ? "" : ", ") + c.name;
  return names;
}
std::string event_names(const devices::profile& p) {
  std::string names;
  for (const auto& e : p.events()) names += (names.empty() ? "" : ", ") + e.name;
  return names;
}

// ---- Files -----------------------------------------------------------------------------

// The file's text, or the reason it cannot be read (as error()).
comframe::result<std::string, std::string> read_file(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return {boost::system::in_place_error, std::strerror(errno)};
  std::string text;
  char buffer[64 * 1024];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) {
    text.append(buffer, n);
    if (text.size() > sim_file_limits::max_file_bytes) {
      std::fclose(f);
      return {boost::system::in_place_error, "larger than " + std::to_string(sim_file_limits::max_file_bytes >> 20) + " MiB"};
    }
  }
  const bool failed = std::ferror(f);
  const int err = errno;
  std::fclose(f);
  if (failed) return {boost::system::in_place_error, std::strerror(err)};
  return {boost::system::in_place_value, std::move(text)};
}

json parse_json(std::string_view text, const std::string& path) {
  try {
    return core::parse_json(text);
  } catch (const core::codec_error& e) {
    const std::string& inner = e.path();
    throw problem{inner.empty() || path.empty() ? path + inner : path + "." + inner, e.detail(), e.offset()};
  }
}

}  // namespace

sim_definition_error::sim_definition_error(std::string file, std::string path, std::string detail,
                                           std::optional<std::size_t> offset)
    : comframe::error("firmware_sim.sim_file", std::move(detail), {std::move(file), std::move(path), offset}) {}

// ---- The definition ----------------------------------------------------------------------

namespace {

// A reply's "read" or "write": which values of which table.
struct table_access {
  table* target = nullptr;
  templ start, count, values;  // values: write only; count: optional for a write
  bool has_count = false;
};

// Every table of the sim file, shared by the handlers (under m).
struct table_set {
  std::mutex m;
  std::map<std::string, table, std::less<>> tables;
};

struct reply_entry {
  const devices::command_info* command = nullptr;
  std::optional<templ> response;  // or an error:
  std::uint16_t error_code = 0;
  std::string error_message;
  std::atomic<std::uint64_t> count{0};
  std::optional<table_access> read, write;
  std::uint16_t range_error = devices::error_code::out_of_range;
};

struct event_entry {
  periodic_event info;
  core::schema payload;
  templ value;
  // Attachment, under state::m.
  std::unique_ptr<boost::asio::steady_timer> timer;
  std::uint64_t count = 0;  // emissions so far: $count
  std::uint64_t tick = 0;   // periods since start, of the emission being waited for
  std::chrono::steady_clock::time_point start;
};

}  // namespace

struct sim_definition::impl {
  std::shared_ptr<table_set> tables = std::make_shared<table_set>();
  devices::profile profile;
  firmware_sim::device dev{devices::profile()};
  std::vector<periodic_event> events;
  std::vector<std::string> defaulted;
  std::vector<std::shared_ptr<reply_entry>> replies;

  // Shared with the timers' handlers.
  struct state : std::enable_shared_from_this<state> {
    std::mutex m;
    core::endian order = core::endian::little;
    std::vector<event_entry> events;
    boost::asio::io_context* io = nullptr;
    device_host* host = nullptr;
    std::uint64_t generation = 0;

    std::vector<std::uint8_t> payload(const event_entry& e, std::uint64_t count) const {
      return core::encode(e.payload, fill(e.value, nullptr, count), order, core::json_mode::lenient);
    }
    void wait(std::size_t i) {
      event_entry& e = events[i];
      e.timer->expires_at(e.start + e.info.every * static_cast<std::int64_t>(e.tick));
      e.timer->async_wait([self = shared_from_this(), i, g = generation](const boost::system::error_code& ec) {
        if (!ec) self->on_tick(i, g);
      });
    }
    void on_tick(std::size_t i, std::uint64_t g) {
      std::lock_guard lock(m);
      event_entry& e = events[i];
      if (g != generation || !host || !e.timer) return;
      try {
        // Counts only grow, and literal parts were checked at load time: this
        // cannot fail; if it did, the emission would be skipped, not the schedule.
        host->emit(e.info.id, payload(e, e.count));
      } catch (const std::exception&) {
      }
      ++e.count;
      ++e.tick;
      const auto now = std::chrono::steady_clock::now();
      if (now - (e.start + e.info.every * static_cast<std::int64_t>(e.tick)) > std::chrono::seconds(1))
        e.tick = static_cast<std::uint64_t>((now - e.start) / e.info.every) + 1;  // fell behind: skip, do not burst
      wait(i);
    }
  };
  std::shared_ptr<state> st = std::make_shared<state>();
};

namespace {

// The profile: inline ("profile") or in a file next to the sim file ("profile_file").
devices::profile load_profile(const json& doc, const std::filesystem::path& base_dir) {
  const bool inline_profile = doc.contains("profile"), file_profile = doc.contains("profile_file");
  if (inline_profile == file_profile)
    fail("", inline_profile ? "\"profile\" and \"profile_file\" exclude each other: give one"
                            : "missing the profile: give \"profile\" (a profile document) or \"profile_file\" (its file)");
  if (inline_profile) {
    try {
      return devices::profile::from_json(doc["profile"]);
    } catch (const devices::profile_error& e) {
      fail(join("profile", e.path()), e.detail());
    }
  }
  const json& name = doc["profile_file"];
  if (!name.is_string() || name.get_ref<const std::string&>().empty())
    fail("profile_file", "expected the profile's file name, got " + json_value_phrase(name));
  const std::filesystem::path file = base_dir / name.get<std::string>();
  auto text = read_file(file);
  if (!text) fail("profile_file", "cannot read " + quoted_text(file.string()) + ": " + text.error());
  try {
    return devices::profile::parse(*text);
  } catch (const devices::profile_error& e) {
    fail("profile_file", comframe::error::format(e.id(), e.detail(), {file.string(), e.path(), e.offset()}));
  }
}

// ---- Tables ------------------------------------------------------------------------------

constexpr std::size_t max_table_size = 65536;

std::int64_t wrap(std::int64_t v, core::scalar t) {
  switch (t) {
    case core::scalar::boolean: return v != 0;
    case core::scalar::u8: return static_cast<std::uint8_t>(v);
    case core::scalar::u16: return static_cast<std::uint16_t>(v);
    case core::scalar::u32: return static_cast<std::uint32_t>(v);
    case core::scalar::i8: return static_cast<std::int8_t>(v);
    case core::scalar::i16: return static_cast<std::int16_t>(v);
    case core::scalar::i32: return static_cast<std::int32_t>(v);
    default: return v;
  }
}

json table_value(const table& t, std::size_t i) {
  if (t.type == core::scalar::boolean) return json(t.values[i] != 0);
  return json(t.values[i]);
}

// "tables": {"holding": {"type": "u16", "size": 100, "initial": [0, 1, 2]}, …}
void read_tables(table_set& set, const json& doc) {
  if (!doc.contains("tables")) return;
  need_object(doc["tables"], "tables", "an object of tables {\"name\": {\"type\": …, \"size\": …}}");
  for (const auto& item : doc["tables"].items()) {
    const std::string path = "tables." + item.key();
    const json& t = need_object(item.value(), path, "an object {\"type\": …, \"size\": …, \"initial\": […]}");
    check_keys(t, path, {"type", "size", "initial"});
    if (!t.contains("type")) fail(path, "missing \"type\" (bool, u8, u16, u32, i8, i16 or i32)");
    if (!t.contains("size")) fail(path, "missing \"size\" (how many values, 1 to 65536)");
    table tab;
    tab.name = item.key();
    static constexpr std::pair<std::string_view, core::scalar> types[] = {
        {"bool", core::scalar::boolean}, {"u8", core::scalar::u8},   {"u16", core::scalar::u16},
        {"u32", core::scalar::u32},      {"i8", core::scalar::i8},   {"i16", core::scalar::i16},
        {"i32", core::scalar::i32}};
    const auto* found = t["type"].is_string()
                            ? std::find_if(std::begin(types), std::end(types),
                                           [&](const auto& x) { return x.first == t["type"].get_ref<const std::string&>(); })
                            : std::end(types);
    if (found == std::end(types))
      fail(path + ".type", "expected bool, u8, u16, u32, i8, i16 or i32, got " + json_value_phrase(t["type"]));
    tab.type = found->second;
    tab.values.assign(static_cast<std::size_t>(need_integer(t["size"], path + ".size", 1, max_table_size)), 0);
    if (t.contains("initial")) {
      const json& init = t["initial"];
      if (!init.is_array()) fail(path + ".initial", "expected an array of the first values, got " + json_value_phrase(init));
      if (init.size() > tab.values.size())
        fail(path + ".initial", std::to_string(init.size()) + " values for a table of " +
                                    std::to_string(tab.values.size()));
      for (std::size_t i = 0; i < init.size(); ++i) {
        const std::string at = path + ".initial[" + std::to_string(i) + "]";
        if (tab.type == core::scalar::boolean) {
          if (!init[i].is_boolean() && !(init[i].is_number_integer() && (init[i] == 0 || init[i] == 1)))
            fail(at, "expected true, false, 0 or 1, got " + json_value_phrase(init[i]));
          tab.values[i] = init[i].is_boolean() ? init[i].get<bool>() : init[i].get<int>();
        } else {
          const std::int64_t v = need_integer(init[i], at, std::numeric_limits<std::int32_t>::min(),
                                              std::numeric_limits<std::uint32_t>::max());
          if (wrap(v, tab.type) != v)
            fail(at, std::to_string(v) + " does not fit a " + std::string(core::to_string(tab.type)));
          tab.values[i] = v;
        }
      }
    }
    set.tables.emplace(tab.name, std::move(tab));
  }
}

const type_node& index_type() {
  static const type_node n = [] {
    type_node t;
    t.kind = type_kind::number;
    t.number = core::scalar::u64;
    return t;
  }();
  return n;
}

// "start" or "count": an integer, or a reference to one in the request.
templ compile_index(const json& t, const std::string& path, const compile_context& cx) {
  if (!t.is_string() && !(t.is_number_integer() && t.get<std::int64_t>() >= 0 && t.get<std::int64_t>() <= 0xFFFFFFFF))
    fail(path, "expected an integer from 0 to 4294967295 or a \"$request.field\" reference, got " + json_value_phrase(t));
  return compile(t, &index_type(), path, cx, 1);
}

// "read": {"table": T, "start": …, "count": …}; "write": {"table": T, "start": …, "values": …[, "count": …]}.
table_access read_access(table_set& set, const json& value, const std::string& path, const compile_context& cx,
                         bool write) {
  const json& a = need_object(value, path,
                              write ? "an object {\"table\": …, \"start\": …, \"values\": …}"
                                    : "an object {\"table\": …, \"start\": …, \"count\": …}");
  if (write)
    check_keys(a, path, {"table", "start", "values", "count"});
  else
    check_keys(a, path, {"table", "start", "count"});
  static constexpr std::string_view write_keys[] = {"table", "start", "values"}, read_keys[] = {"table", "start", "count"};
  for (std::string_view key : write ? write_keys : read_keys)
    if (!a.contains(key)) fail(path, "missing \"" + std::string(key) + "\"");
  table_access out;
  std::string names;
  for (auto& [name, t] : set.tables) names += (names.empty() ? "" : ", ") + name;
  if (!a["table"].is_string()) fail(path + ".table", "expected a table's name, got " + json_value_phrase(a["table"]));
  const auto it = set.tables.find(a["table"].get<std::string>());
  if (it == set.tables.end())
    fail(path + ".table", "no table " + quoted_text(a["table"].get<std::string>()) +
                              (names.empty() ? " (the file has no \"tables\")" : " (tables: " + names + ")"));
  out.target = &it->second;
  out.start = compile_index(a["start"], path + ".start", cx);
  if (a.contains("count")) {
    out.count = compile_index(a["count"], path + ".count", cx);
    out.has_count = true;
  }
  if (write) {
    const json& v = a["values"];
    const std::string at = path + ".values";
    out.values = compile(v, nullptr, at, cx, 1);
    bool ok = false;
    if (out.values.k == templ::kind::request) {
      const type_node& src = *out.values.probe;
      ok = is_integer_or_bool(src) ||
           ((src.kind == type_kind::array || src.kind == type_kind::dynamic_array) && is_integer_or_bool(*src.element));
      if (!ok) fail(at, quoted_text(out.values.text) + " is " + a_type(src) + "; an integer, a bool or an array of them is needed");
    } else if (out.values.k == templ::kind::literal) {
      const auto scalar_ok = [](const json& x) { return x.is_number_integer() || x.is_boolean(); };
      ok = scalar_ok(v) || (v.is_array() && std::all_of(v.begin(), v.end(), scalar_ok));
      if (!ok) fail(at, "expected an integer, a bool, an array of them or a \"$request.field\" reference, got " +
                            json_value_phrase(v));
    } else {
      fail(at, "expected an integer, a bool, an array of them or a \"$request.field\" reference");
    }
  }
  return out;
}

std::uint64_t index_value(const json& v, std::string_view what) {
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
    throw device_error(devices::error_code::bad_request, std::string(what) + " is not a non-negative integer");
  return v.get<std::uint64_t>();
}

void check_range(const reply_entry& e, const table& t, std::uint64_t start, std::uint64_t count, std::string_view op) {
  if (start > t.values.size() || count > t.values.size() - start)
    throw device_error(e.range_error, e.command->name + ": " + std::string(op) + " " + std::to_string(count) +
                                          " values from " + std::to_string(start) + " runs past " + t.name + " (" +
                                          std::to_string(t.values.size()) + " values)");
}

// Carries out a reply's write (under the tables' lock).
void do_write(const reply_entry& e, const table_access& a, const json& req) {
  table& t = *a.target;
  const std::uint64_t start = index_value(fill(a.start, &req, 0), "the write's start");
  const json given = fill(a.values, &req, 0);
  std::vector<std::int64_t> values;
  const auto number = [](const json& x) -> std::int64_t {
    return x.is_boolean() ? x.get<bool>() : x.is_number_unsigned() ? static_cast<std::int64_t>(x.get<std::uint64_t>())
                                                                 : x.get<std::int64_t>();
  };
  if (given.is_array())
    for (const auto& x : given) values.push_back(number(x));
  else
    values.push_back(number(given));
  std::uint64_t count = values.size();
  if (a.has_count) {
    count = index_value(fill(a.count, &req, 0), "the write's count");
    if (t.type == core::scalar::boolean) {  // packed bits: 8 per byte, the first in bit 0
      if (count > values.size() * 8)
        throw device_error(e.range_error, e.command->name + ": " + std::to_string(count) + " bits need " +
                                              std::to_string((count + 7) / 8) + " bytes, the request has " +
                                              std::to_string(values.size()));
      std::vector<std::int64_t> bits(count);
      for (std::uint64_t i = 0; i < count; ++i) bits[i] = (values[i / 8] >> (i % 8)) & 1;
      values = std::move(bits);
    } else if (count > values.size()) {
      throw device_error(e.range_error, e.command->name + ": a count of " + std::to_string(count) + " for " +
                                            std::to_string(values.size()) + " values");
    }
  }
  check_range(e, t, start, count, "writing");
  for (std::uint64_t i = 0; i < count; ++i) t.values[start + i] = wrap(values[i], t.type);
}

// The values a reply's read takes (under the tables' lock): $read.
json do_read(const reply_entry& e, const table_access& a, const json& req) {
  const table& t = *a.target;
  const std::uint64_t start = index_value(fill(a.start, &req, 0), "the read's start");
  const std::uint64_t count = index_value(fill(a.count, &req, 0), "the read's count");
  check_range(e, t, start, count, "reading");
  json out = json::array();
  for (std::uint64_t i = 0; i < count; ++i) out.push_back(table_value(t, start + i));
  return out;
}

// One entry of "replies": a response template or an error reply.
std::shared_ptr<reply_entry> read_reply(const devices::command_info& c, const json& value, const std::string& path,
                                        core::endian order, table_set& tables) {
  const json& r = need_object(value, path, "an object with \"response\" or \"error\"");
  check_keys(r, path, {"response", "error", "read", "write", "range_error"});
  if (r.contains("response") == r.contains("error"))
    fail(path, r.empty() ? "expected \"response\" (the reply's value) or \"error\" (an error reply)"
                         : "\"response\" and \"error\" exclude each other: give one");
  auto entry = std::make_shared<reply_entry>();
  entry->command = &c;
  if (r.contains("response")) {
    compile_context cx{c.name + "'s request", &c.request.root()};
    if (r.contains("write")) entry->write = read_access(tables, r["write"], path + ".write", cx, true);
    if (r.contains("read")) {
      entry->read = read_access(tables, r["read"], path + ".read", cx, false);
      cx.read = entry->read->target;
    }
    if (r.contains("range_error"))
      entry->range_error = static_cast<std::uint16_t>(need_integer(r["range_error"], path + ".range_error", 1, 65535));
    entry->response = compile(r["response"], &c.response.root(), path + ".response", cx, 1);
    check_template(*entry->response, c.response, order, path + ".response", "response");
    return entry;
  }
  for (std::string_view key : {"read", "write", "range_error"})
    if (r.contains(key)) fail(path + "." + std::string(key), "an error reply reads and writes no table: give a \"response\"");
  const json& e = need_object(r["error"], path + ".error", "an object {\"code\": …, \"message\": …}");
  check_keys(e, path + ".error", {"code", "message"});
  if (!e.contains("code")) fail(path + ".error", "missing \"code\" (an error code from 1 to 65535)");
  entry->error_code = static_cast<std::uint16_t>(need_integer(e["code"], path + ".error.code", 1, 65535));
  if (e.contains("message")) {
    if (!e["message"].is_string())
      fail(path + ".error.message", "expected a string, got " + json_value_phrase(e["message"]));
    entry->error_message = e["message"].get<std::string>();
    if (entry->error_message.size() > max_payload - 2)
      fail(path + ".error.message", "a message of " + std::to_string(entry->error_message.size()) +
                                        " bytes, more than an error reply carries (" + std::to_string(max_payload - 2) +
                                        ")");
  }
  return entry;
}

// "replies": by command id.
std::map<std::uint16_t, std::shared_ptr<reply_entry>> read_replies(const json& doc, const devices::profile& p,
                                                                   core::endian order, table_set& tables) {
  std::map<std::uint16_t, std::shared_ptr<reply_entry>> replies;
  if (!doc.contains("replies")) return replies;
  need_object(doc["replies"], "replies");
  for (const auto& item : doc["replies"].items()) {
    const std::string path = "replies." + item.key();
    const devices::command_info* c = p.find_command(item.key());
    if (!c) fail(path, "the profile has no command " + quoted_text(item.key()) + " (it has: " + command_names(p) + ")");
    if (c->id == devices::builtin::describe::id) fail(path, "describe is answered by comframe itself, from the profile");
    replies[c->id] = read_reply(*c, item.value(), path, order, tables);
  }
  return replies;
}

// The reply of a command without an entry in "replies": its response type's
// zero value, or an internal error when that cannot be sent.
std::shared_ptr<reply_entry> default_reply(const devices::command_info& c) {
  auto entry = std::make_shared<reply_entry>();
  entry->command = &c;
  std::size_t budget = zero_value_budget;
  if (auto z = zero_value(c.response.root(), budget); z && c.response.min_size() <= max_payload) {
    entry->response.emplace();
    entry->response->value = std::move(*z);
    return entry;
  }
  entry->error_code = devices::error_code::internal;
  entry->error_message = c.response.min_size() > max_payload
                             ? "the response of " + c.name + " takes at least " +
                                   std::to_string(c.response.min_size()) + " bytes, more than a frame carries"
                             : "the response of " + c.name + " has more than " + std::to_string(zero_value_budget) +
                                   " values for a default reply; give its reply in the simulator file";
  return entry;
}

// Every command gets a handler: its entry, or the zero value.
void install_handlers(sim_definition::impl& d, std::map<std::uint16_t, std::shared_ptr<reply_entry>> replies,
                      core::endian order) {
  const std::shared_ptr<table_set> tables = d.tables;
  for (const auto& c : d.profile.commands()) {
    if (c.id == devices::builtin::describe::id) continue;
    auto it = replies.find(c.id);
    std::shared_ptr<reply_entry> entry;
    if (it != replies.end()) {
      entry = it->second;
    } else {
      d.defaulted.push_back(c.name);
      entry = default_reply(c);
    }
    d.replies.push_back(entry);
    // The handler holds the entry, not the definition: the definition may move.
    const core::schema request = c.request, response = c.response;
    d.dev.on_raw(c.id, [entry, request, response, order, tables](std::span<const std::uint8_t> in) {
      const json req = core::decode(request, in, order);  // a codec_error answers bad_request
      const std::uint64_t n = entry->count.fetch_add(1);
      if (!entry->response) throw device_error(entry->error_code, entry->error_message);
      json read;
      if (entry->write || entry->read) {
        std::lock_guard lock(tables->m);
        if (entry->write) do_write(*entry, *entry->write, req);  // a write first, then a read sees it
        if (entry->read) read = do_read(*entry, *entry->read, req);
      }
      const json value = fill(*entry->response, &req, n, entry->read ? &read : nullptr);
      try {
        return core::encode(response, value, order, core::json_mode::lenient);
      } catch (const core::codec_error& e) {
        throw device_error(devices::error_code::internal, std::string("the reply does not encode: ") + e.what());
      }
    });
  }
}

// One entry of "events": its period and payload template (or the zero value).
event_entry read_event(const devices::event_info& e, const json& value, const std::string& path, core::endian order) {
  const json& x = need_object(value, path, "an object {\"every_ms\": …, \"payload\": …}");
  check_keys(x, path, {"every_ms", "payload"});
  if (!x.contains("every_ms")) fail(path, "missing \"every_ms\" (the period in milliseconds)");
  event_entry entry;
  entry.info = {e.name, e.id,
                std::chrono::milliseconds(need_integer(x["every_ms"], path + ".every_ms", sim_file_limits::min_every_ms,
                                                       sim_file_limits::max_every_ms, "milliseconds"))};
  entry.payload = e.payload;
  if (x.contains("payload")) {
    entry.value = compile(x["payload"], &e.payload.root(), path + ".payload", {}, 1);
    check_template(entry.value, e.payload, order, path + ".payload", "payload");
    return entry;
  }
  std::size_t budget = zero_value_budget;
  auto z = zero_value(e.payload.root(), budget);
  if (e.payload.min_size() > max_payload)
    fail(path, "the payload of " + e.name + " takes at least " + std::to_string(e.payload.min_size()) +
                   " bytes, more than a frame carries (" + std::to_string(max_payload) + ")");
  if (!z)
    fail(path, "the payload of " + e.name + " has more than " + std::to_string(zero_value_budget) +
                   " values for a default; give a \"payload\"");
  entry.value.value = std::move(*z);
  return entry;
}

// "events": the schedule, sorted by event id.
void read_events(sim_definition::impl& d, const json& doc, core::endian order) {
  const devices::profile& p = d.profile;
  if (doc.contains("events")) {
    need_object(doc["events"], "events");
    for (const auto& item : doc["events"].items()) {
      const std::string path = "events." + item.key();
      const devices::event_info* e = p.find_event(item.key());
      if (!e) fail(path, "the profile has no event " + quoted_text(item.key()) + " (it has: " + event_names(p) + ")");
      d.st->events.push_back(read_event(*e, item.value(), path, order));
    }
  }
  std::sort(d.st->events.begin(), d.st->events.end(),
            [](const event_entry& a, const event_entry& b) { return a.info.id < b.info.id; });
  for (const auto& e : d.st->events) d.events.push_back(e.info);
}

void build(sim_definition::impl& d, const json& doc, const std::filesystem::path& base_dir) {
  need_object(doc, "", "an object {\"profile\": …, \"replies\": …, \"events\": …}");
  check_keys(doc, "", {"profile", "profile_file", "tables", "replies", "events"});
  d.profile = load_profile(doc, base_dir);
  const core::endian order = d.profile.payload_endian();
  d.dev = firmware_sim::device(d.profile);
  read_tables(*d.tables, doc);
  install_handlers(d, read_replies(doc, d.profile, order, *d.tables), order);
  read_events(d, doc, order);
  d.st->order = order;
}

std::unique_ptr<sim_definition::impl> make(std::string_view text, const std::filesystem::path& base_dir,
                                           const std::string& file) {
  auto d = std::make_unique<sim_definition::impl>();
  try {
    build(*d, parse_json(text, ""), base_dir);
  } catch (const problem& p) {
    throw sim_definition_error(file, p.path, p.detail, p.offset);
  }
  return d;
}

}  // namespace

sim_definition::sim_definition(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
sim_definition::sim_definition(sim_definition&&) noexcept = default;
sim_definition& sim_definition::operator=(sim_definition&& other) noexcept {
  if (this != &other) {
    if (impl_) detach();
    impl_ = std::move(other.impl_);
  }
  return *this;
}
sim_definition::~sim_definition() {
  if (impl_) detach();
}

const device& sim_definition::device() const noexcept { return impl_->dev; }
const devices::profile& sim_definition::profile() const noexcept { return impl_->profile; }
const std::vector<periodic_event>& sim_definition::events() const noexcept { return impl_->events; }
const std::vector<std::string>& sim_definition::defaulted_commands() const noexcept { return impl_->defaulted; }

void sim_definition::attach(boost::asio::io_context& io, device_host& host) {
  detach();
  auto& s = *impl_->st;
  std::lock_guard lock(s.m);
  s.io = &io;
  s.host = &host;
  const auto now = std::chrono::steady_clock::now();
  for (auto& e : s.events) {
    e.timer = std::make_unique<boost::asio::steady_timer>(io);
    e.count = 0;
    e.tick = 1;
    e.start = now;
  }
  boost::asio::post(io, [st = impl_->st, g = s.generation] {
    std::lock_guard lock(st->m);
    if (g != st->generation || !st->host) return;
    for (std::size_t i = 0; i < st->events.size(); ++i) st->wait(i);
  });
}

void sim_definition::detach() {
  auto& s = *impl_->st;
  std::vector<std::shared_ptr<boost::asio::steady_timer>> timers;
  boost::asio::io_context* io = nullptr;
  {
    // Once host is null, a tick (which holds m while it emits) does nothing.
    std::lock_guard lock(s.m);
    ++s.generation;
    s.host = nullptr;
    io = std::exchange(s.io, nullptr);
    for (auto& e : s.events)
      if (e.timer) timers.emplace_back(std::move(e.timer));
  }
  if (!io || timers.empty()) return;
  // The timers belong to io's thread: cancel and free them there.
  if (io->get_executor().running_in_this_thread() || io->stopped()) return;
  boost::asio::post(*io, [timers = std::move(timers)] {
    for (auto& t : timers) t->cancel();
  });
}

std::vector<std::uint8_t> sim_definition::event_payload(std::string_view name, std::uint64_t count) const {
  auto& s = *impl_->st;
  std::lock_guard lock(s.m);
  for (const auto& e : s.events)
    if (e.info.name == name) return s.payload(e, count);
  throw comframe::error("firmware_sim.profile", "the sim file sends no event " + quoted_text(name));
}

sim_definition parse_sim_file(std::string_view json_text, const std::filesystem::path& base_dir) {
  return sim_definition(make(json_text, base_dir, ""));
}

sim_definition load_sim_file(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text) throw sim_definition_error(path.string(), "", "cannot read the file: " + text.error());
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  return sim_definition(make(*text, dir, path.string()));
}

}  // namespace comframe::firmware_sim

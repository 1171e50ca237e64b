#include "comframe/core/schema.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "comframe/core/error.hpp"
#include "comframe/core/json_document.hpp"
#include "comframe/core/json_text.hpp"
#include "comframe/core/limits.hpp"
#include "schema_document.hpp"

namespace comframe::core {

namespace {

// A JSON integer that is 0 or more, however the document holds it: text parses
// to unsigned numbers, but a document built in C++ (json{{"length", 3}}) holds
// signed ones, which must mean the same.
std::optional<std::uint64_t> non_negative(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(v.get<std::int64_t>());
  return std::nullopt;
}

// Every message of the loader quotes keys and names from the document, which
// may come from a device (its profile): escaped here, once, for all of them.
[[noreturn]] void refuse(errc kind, const std::string& detail, std::string path) {
  throw codec_error(kind, printable_text(detail, 4096), std::move(path));
}
[[noreturn]] void syntax(const std::string& detail, std::string path) { refuse(errc::schema_syntax, detail, std::move(path)); }
[[noreturn]] void definition(const std::string& detail, std::string path) {
  refuse(errc::definition, detail, std::move(path));
}

bool is_field_name(std::string_view s) {
  if (s.empty() || s.size() > limits::max_name_length) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// Type names are C++-like: "Point", "demo::Point", "thermo.Config", "pair<int, int>".
bool looks_like_scalar(std::string_view s) {
  if (s == "null" || s == "text" || s == "bytes" || parse_scalar(s)) return true;
  if (s.size() < 2 || s.size() > 4 || (s[0] != 'u' && s[0] != 'i' && s[0] != 'f' && s[0] != 'S')) return false;
  return std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_type_name(std::string_view s) {
  if (s.empty() || s.size() > limits::max_name_length) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  if (looks_like_scalar(s)) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':' || c == '.' || c == '<' || c == '>' ||
           c == ',' || c == ' ';
  });
}

std::string join(std::string_view path, std::string_view part) {
  if (path.empty()) return std::string(part);
  if (!part.empty() && part.front() == '[') return std::string(path) + std::string(part);
  return std::string(path) + "." + std::string(part);
}

// The path of an array's element: "T[]" for a dynamic array, "T[0..3]" for a
// fixed array of 4 (every element; "T[0]" when there is one).
std::string element_path(const std::string& path, type_kind kind, std::size_t length) {
  if (kind == type_kind::dynamic_array) return join(path, "[]");
  return join(path, length == 1 ? "[0]" : "[0.." + std::to_string(length - 1) + "]");
}

// Where a type expression stands: in a struct (widths in bytes, bpack's "u3"
// is three bytes) or as the type of a bit field (widths in bits).
enum class context { bytes, bits };

std::string int_name(bool is_signed, unsigned bits) {
  std::string s(1, is_signed ? 'i' : 'u');
  return s += std::to_string(bits);
}

std::string order_prefix(const std::optional<endian>& o) {
  if (!o) return "";
  if (*o == endian::little) return "<";
  if (*o == endian::big) return ">";
  return "=";
}

bool is_integer_scalar(scalar s) { return s <= scalar::i64; }
bool is_signed_scalar(scalar s) { return s >= scalar::i8 && s <= scalar::i64; }

// The width in bits a bit field of this type has unless the field says "bits".
unsigned natural_bits(const type_node& t) {
  if (t.kind == type_kind::integer || t.kind == type_kind::enumeration || t.kind == type_kind::flags) return t.bits;
  if (t.kind == type_kind::number) return t.number == scalar::boolean ? 1u : static_cast<unsigned>(size_of(t.number) * 8);
  return 0;
}

// Bits a bit-record field covers: a packed array's elements, one after the other.
std::size_t field_bits(const type_node::field& f) { return std::size_t{f.bit_width} * std::max<std::size_t>(f.count, 1); }

bool fits_bits(std::int64_t v, unsigned width, bool is_signed) {
  if (width >= 64) return is_signed || v >= 0;
  if (is_signed) {
    const std::int64_t lim = std::int64_t{1} << (width - 1);
    return v >= -lim && v < lim;
  }
  return v >= 0 && static_cast<std::uint64_t>(v) <= detail::low_mask(width);
}

class loader {
 public:
  explicit loader(detail::schema_document& doc) : doc_(doc) {}

  void load_types(const nlohmann::json& types) {
    if (!types.is_object()) syntax("\"types\" must be an object of name: type", "types");
    if (types.size() > limits::max_types)
      throw codec_error(errc::limit, "more than " + std::to_string(limits::max_types) + " types", "types");
    for (const auto& item : types.items()) {
      if (!is_type_name(item.key()))
        syntax("\"" + item.key() +
                   "\" is not a valid type name (a letter or _, then letters, digits, _ : . < > , or space; "
                   "not a scalar name)",
               "types");
      defs_[item.key()] = &item.value();
    }
    for (const auto& [name, def] : defs_) resolve(name, "", 0);
  }

  const type_node* parse_expr(const nlohmann::json& j, const std::string& path, std::size_t depth,
                              context ctx = context::bytes) {
    if (depth > limits::max_schema_depth)
      throw codec_error(errc::limit, "types nest deeper than " + std::to_string(limits::max_schema_depth), path);
    if (j.is_string()) return parse_string(j.get_ref<const std::string&>(), path, depth, ctx);
    if (!j.is_object()) syntax("a type must be a string or an object, got " + json_value_phrase(j), path);

    static constexpr std::string_view forms[] = {"struct", "array", "dynamic_array", "enum", "text", "bytes", "bits",
                                                 "flags"};
    std::string_view form;
    int count = 0;
    for (auto f : forms)
      if (j.contains(std::string(f))) form = f, ++count;
    if (count != 1)
      syntax("a type object needs exactly one of \"struct\", \"array\", \"dynamic_array\", \"enum\", \"text\", "
             "\"bytes\", \"bits\", \"flags\"",
             path);
    for (const auto& item : j.items()) {
      const auto& k = item.key();
      const bool ok = k == form || (form == "array" && k == "length") || ((form == "enum" || form == "flags") && k == "values") ||
                      ((form == "struct" || form == "bits") && k == "size") || (form == "bits" && k == "order");
      if (!ok) syntax("unknown key \"" + k + "\" in a type object", path);
    }
    if (ctx == context::bits && form != "enum" && form != "flags")
      definition("a bit field is bool, an integer or an enum, not a \"" + std::string(form) + "\"", path);
    if (form == "struct") return parse_struct(j, path, depth);
    if (form == "bits") return parse_bits(j, path, depth);
    if (form == "enum") return parse_enum(j, path, depth, ctx);
    if (form == "flags") return parse_flags(j, path, depth, ctx);
    if (form == "text" || form == "bytes") {
      const auto& len = j[std::string(form)];
      const auto n = non_negative(len);
      if (!n || *n == 0)
        definition("the length of " + std::string(form) + " must be a positive integer (bytes), got " +
                       json_value_phrase(len),
                   path);
      if (*n > limits::max_fixed_size)
        throw codec_error(errc::limit, std::string(form) + " longer than " + std::to_string(limits::max_fixed_size),
                          path);
      return make_blob(form == "text" ? type_kind::text : type_kind::raw_bytes, static_cast<std::size_t>(*n));
    }

    auto n = doc_.make();
    if (form == "array") {
      n->kind = type_kind::array;
      if (!j.contains("length")) syntax("an \"array\" needs a \"length\"", path);
      const auto& len = j["length"];
      const auto length = non_negative(len);
      if (!length || *length == 0)
        definition("the length of a fixed array must be a positive integer, got " + json_value_phrase(len), path);
      if (*length > limits::max_fixed_size)
        throw codec_error(errc::limit, "a fixed array longer than " + std::to_string(limits::max_fixed_size), path);
      n->length = static_cast<std::size_t>(*length);
      n->element = parse_expr(j["array"], element_path(path, n->kind, n->length), depth + 1);
    } else {
      n->kind = type_kind::dynamic_array;
      n->element = parse_expr(j["dynamic_array"], element_path(path, n->kind, 0), depth + 1);
    }
    finish_array(*n, path);
    return n;
  }

  const type_node* resolve(const std::string& name, const std::string& path, std::size_t depth) {
    if (auto it = doc_.named.find(name); it != doc_.named.end()) return it->second;
    auto def = defs_.find(name);
    if (def == defs_.end()) refuse(errc::unknown_type, "unknown type \"" + name + "\"", path);
    if (std::find(resolving_.begin(), resolving_.end(), name) != resolving_.end()) {
      std::string chain;
      for (const auto& r : resolving_) chain += r + " -> ";
      definition("type \"" + name + "\" contains itself (" + chain + name + "); a type cannot be recursive", name);
    }
    resolving_.push_back(name);
    const type_node* parsed = parse_expr(*def->second, name, depth + 1);
    resolving_.pop_back();
    type_node* n;
    if (!parsed->name.empty()) {  // an alias of another named type: a copy under this name
      n = doc_.make();
      *n = *parsed;
    } else {
      n = const_cast<type_node*>(parsed);  // freshly made by this loader
    }
    n->name = name;
    doc_.named[name] = n;
    return n;
  }

 private:
  const type_node* make_blob(type_kind kind, std::size_t length) {
    auto n = doc_.make();
    n->kind = kind;
    n->length = length;
    n->min_size = length;
    return n;
  }

  // "text[]" and "bytes[]": the rest of the value, or a counted field's count of bytes.
  const type_node* make_tail_blob(type_kind kind) {
    auto n = doc_.make();
    n->kind = kind;
    n->dynamic = true;
    n->tail_element_size = 1;
    return n;
  }

  // A scalar type string: "u16", "<u16", "u24", bpack's ">i4", "f8", "S8";
  // nullptr when `s` is not one (a type name, then).
  const type_node* parse_scalar_string(const std::string& s, const std::string& path, context ctx) {
    std::string_view t = s;
    std::optional<endian> order;
    bool prefixed = false;
    if (!t.empty() && (t[0] == '<' || t[0] == '>' || t[0] == '|' || t[0] == '=')) {
      prefixed = true;
      if (t[0] == '<') order = endian::little;
      else if (t[0] == '>') order = endian::big;
      else if (t[0] == '=') order = endian::native;
      t.remove_prefix(1);
    }
    if (prefixed && ctx == context::bits)
      definition("\"" + s + "\": a bit field has no byte order of its own; the record's bit order applies", path);
    auto sc = parse_scalar(t);
    unsigned digits = 0;
    bool numeric = false;
    if (!sc && t.size() >= 2 && t.size() <= 4 && (t[0] == 'u' || t[0] == 'i' || t[0] == 'f' || t[0] == 'S') &&
        std::all_of(t.begin() + 1, t.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      numeric = true;
      digits = static_cast<unsigned>(std::stoul(std::string(t.substr(1))));
    }
    if (!sc && !numeric) {
      if (prefixed) definition("\"" + s + "\": a byte-order prefix needs a scalar type after it", path);
      return nullptr;
    }
    auto n = doc_.make();
    n->order = order;
    if (ctx == context::bits) {
      if (sc && *sc == scalar::boolean) {
        n->kind = type_kind::number;
        n->number = scalar::boolean;
        return n;
      }
      const char c = sc ? (is_integer_scalar(*sc) ? (is_signed_scalar(*sc) ? 'i' : 'u') : 'x') : t[0];
      if (c != 'u' && c != 'i') definition("a bit field is bool, an integer or an enum, not \"" + s + "\"", path);
      const unsigned width = sc ? static_cast<unsigned>(size_of(*sc) * 8) : digits;
      if (width == 0 || width > 64)
        definition("a bit field is 1 to 64 bits wide, got " + std::to_string(width) + " (\"" + s + "\")", path);
      n->kind = type_kind::integer;
      n->bits = width;
      n->is_signed = c == 'i';
      return n;
    }
    if (sc) {
      n->kind = type_kind::number;
      n->number = *sc;
      n->min_size = size_of(*sc);
      return n;
    }
    if (t[0] == 'S') {
      if (prefixed) definition("\"" + s + "\": bytes have no byte order", path);
      if (digits == 0) definition("\"" + s + "\": bytes need a length of at least 1", path);
      return make_blob(type_kind::raw_bytes, digits);
    }
    if (t[0] == 'f' && (digits == 2 || digits == 16)) {
      n->kind = type_kind::float16;
      n->min_size = 2;
      return n;
    }
    if (t[0] == 'f') {
      const unsigned bits = digits == 4 || digits == 32 ? 32 : digits == 8 || digits == 64 ? 64 : 0;
      if (bits == 0)
        definition("\"" + s + "\": floating point is f2 or f16 (2 bytes), f4 or f32 (4 bytes), f8 or f64 (8 bytes)",
                   path);
      n->kind = type_kind::number;
      n->number = bits == 32 ? scalar::f32 : scalar::f64;
      n->min_size = bits / 8;
      return n;
    }
    unsigned bits = 0;
    if (digits >= 1 && digits <= 7) bits = digits * 8;  // bpack: the width in bytes
    else if (digits >= 8 && digits <= 64 && digits % 8 == 0) bits = digits;
    if (bits == 0) {
      if (digits == 0 || digits > 64)
        definition("\"" + s + "\": an integer is 1 to 8 bytes wide (u1 to u7 count bytes, u8 to u64 count bits)",
                   path);
      definition("\"" + s + "\" is not a whole number of bytes; an integer of " + std::to_string(digits) +
                     " bits belongs in a bit record ({\"bits\": […]})",
                 path);
    }
    const bool is_signed = t[0] == 'i';
    if (bits == 8 || bits == 16 || bits == 32 || bits == 64) {
      n->kind = type_kind::number;
      n->number = *parse_scalar(int_name(is_signed, bits));
    } else {
      n->kind = type_kind::integer;
      n->bits = bits;
      n->is_signed = is_signed;
    }
    n->min_size = bits / 8;
    return n;
  }

  const type_node* parse_string(const std::string& s, const std::string& path, std::size_t depth, context ctx) {
    if (!s.empty() && s.back() == ']') {
      const auto open = s.rfind('[');
      if (open == std::string::npos || open == 0) syntax("bad type \"" + s + "\"", path);
      const std::string inner = s.substr(0, open), count = s.substr(open + 1, s.size() - open - 2);
      if (inner.find('[') != std::string::npos)
        syntax("bad type \"" + s + "\": one [N] or [] per type string; nest arrays with {\"array\": …}", path);
      const bool blob = inner == "text" || inner == "bytes";
      if (ctx == context::bits) definition("a bit field is bool, an integer or an enum, not \"" + s + "\"", path);
      if (inner.size() > 1 && std::string_view("<>|=").find(inner[0]) != std::string_view::npos &&
          (inner.substr(1) == "text" || inner.substr(1) == "bytes"))
        definition("\"" + s + "\": " + (inner.substr(1) == "text" ? "text has" : "bytes have") + " no byte order", path);
      std::size_t length = 0;
      if (count.empty()) {
        if (blob) return make_tail_blob(inner == "text" ? type_kind::text : type_kind::raw_bytes);
      } else {
        const std::string bad_length = "bad length in \"" + s + "\": the length of " +
                                       (blob ? inner + " must be a positive integer (bytes)"
                                             : std::string("a fixed array must be a positive integer"));
        if (count.size() > 9 || !std::all_of(count.begin(), count.end(), [](char c) { return c >= '0' && c <= '9'; }))
          definition(bad_length, path);
        length = std::stoul(count);
        if (length == 0) definition(bad_length, path);
        if (length > limits::max_fixed_size)
          throw codec_error(errc::limit, "longer than " + std::to_string(limits::max_fixed_size), path);
      }
      if (blob) return make_blob(inner == "text" ? type_kind::text : type_kind::raw_bytes, length);
      auto n = doc_.make();
      n->kind = count.empty() ? type_kind::dynamic_array : type_kind::array;
      n->length = length;
      n->element = parse_string(inner, element_path(path, n->kind, length), depth + 1, context::bytes);
      finish_array(*n, path);
      return n;
    }
    if (s == "null") {
      if (ctx == context::bits) definition("a bit field is bool, an integer or an enum, not null", path);
      auto n = doc_.make();
      n->kind = type_kind::null;
      return n;
    }
    if (auto n = parse_scalar_string(s, path, ctx)) return n;
    if (defs_.count(s) || doc_.named.count(s)) return resolve(s, path, depth);
    static constexpr std::string_view builtin =
        "u8 u16 u32 u64 i8 i16 i32 i64 f32 f64 bool char null, whole-byte integers such as u24 (u1 to u7 count "
        "bytes), f4 f8, text[N] bytes[N] SN";
    std::string hint;
    if (!defs_.empty()) {
      hint = " (the types are:";
      for (const auto& [name, d] : defs_) hint += " " + name;
      hint += "; the built-in types: " + std::string(builtin) + ")";
    } else {
      hint = " (the built-in types are " + std::string(builtin) + ")";
    }
    refuse(errc::unknown_type, "unknown type \"" + s + "\"" + hint, path);
  }

  // {"flags": "u8", "values": {"ready": 0, "error": 3}}: named bit positions of an unsigned integer.
  const type_node* parse_flags(const nlohmann::json& j, const std::string& path, std::size_t depth, context ctx) {
    const type_node* base = parse_expr(j["flags"], join(path, "flags"), depth + 1, ctx);
    const bool is_unsigned = (base->kind == type_kind::integer && !base->is_signed) ||
                             (base->kind == type_kind::number && is_integer_scalar(base->number) &&
                              !is_signed_scalar(base->number));
    if (!is_unsigned) definition("the base of a flag set must be an unsigned integer type, such as u8 or u16", path);
    auto n = doc_.make();
    n->kind = type_kind::flags;
    n->bits = natural_bits(*base);
    n->order = base->order;
    n->min_size = base->min_size;
    if (!j.contains("values") || !j["values"].is_object())
      syntax("a \"flags\" needs \"values\": an object of name: bit position", path);
    const auto& values = j["values"];
    if (values.empty()) definition("a flag set needs at least one named bit", path);
    if (values.size() > n->bits)
      definition("a flag set of " + std::to_string(n->bits) + " bits cannot name " + std::to_string(values.size()), path);
    for (const auto& item : values.items()) {
      const std::string at = join(path, item.key());
      if (!is_field_name(item.key()))
        syntax("\"" + item.key() + "\" is not a valid flag name (a letter or _, then letters, digits or _)", path);
      const auto& v = item.value();
      const bool in_range = v.is_number_unsigned()  ? v.get<std::uint64_t>() < n->bits
                            : v.is_number_integer() ? v.get<std::int64_t>() >= 0 && v.get<std::int64_t>() < n->bits
                                                    : false;
      if (!in_range)
        definition("a flag's value is its bit position, 0 to " + std::to_string(n->bits - 1) + " in " +
                       int_name(false, n->bits) + ", got " + json_value_phrase(v),
                   at);
      const auto bit = v.get<std::int64_t>();
      for (const auto& e : n->enumerators)
        if (e.value == bit)
          definition("\"" + e.name + "\" and \"" + item.key() + "\" name the same bit " + std::to_string(bit), at);
      n->enumerators.push_back({item.key(), bit});
    }
    std::sort(n->enumerators.begin(), n->enumerators.end(),
              [](const auto& a, const auto& b) { return a.value < b.value; });
    return n;
  }

  const type_node* parse_enum(const nlohmann::json& j, const std::string& path, std::size_t depth, context ctx) {
    const type_node* base = parse_expr(j["enum"], join(path, "enum"), depth + 1, ctx);
    const bool integer = base->kind == type_kind::integer ||
                         (base->kind == type_kind::number && is_integer_scalar(base->number));
    if (!integer) definition("the base of an enum must be an integer type, such as u8 or u4", path);
    auto n = doc_.make();
    n->kind = type_kind::enumeration;
    n->bits = natural_bits(*base);
    n->is_signed = base->kind == type_kind::integer ? base->is_signed : is_signed_scalar(base->number);
    n->order = base->order;
    n->min_size = base->min_size;
    if (!j.contains("values") || !j["values"].is_object())
      syntax("an \"enum\" needs \"values\": an object of name: integer", path);
    const auto& values = j["values"];
    if (values.empty()) definition("an enum needs at least one named value", path);
    if (values.size() > limits::max_fields)
      throw codec_error(errc::limit, "an enum with more than " + std::to_string(limits::max_fields) + " values", path);
    for (const auto& item : values.items()) {
      const std::string at = join(path, item.key());
      if (!is_field_name(item.key()))
        syntax("\"" + item.key() + "\" is not a valid enum name (a letter or _, then letters, digits or _)", path);
      const auto& v = item.value();
      std::int64_t value = 0;
      if (v.is_number_unsigned() && v.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX))
        value = static_cast<std::int64_t>(v.get<std::uint64_t>());
      else if (v.is_number_integer() && !v.is_number_unsigned())
        value = v.get<std::int64_t>();
      else
        definition("the value of an enum name must be an integer (at most 2^63 - 1), got " + json_value_phrase(v),
                   at);
      if (!fits_bits(value, n->bits, n->is_signed))
        definition(std::to_string(value) + " does not fit the enum's base " + int_name(n->is_signed, n->bits), at);
      for (const auto& e : n->enumerators)
        if (e.value == value)
          definition("\"" + e.name + "\" and \"" + item.key() + "\" have the same value " + std::to_string(value), at);
      n->enumerators.push_back({item.key(), value});
    }
    std::sort(n->enumerators.begin(), n->enumerators.end(),
              [](const auto& a, const auto& b) { return a.value < b.value; });
    return n;
  }

  // The "size" key of a struct or bit record, if any.
  static std::optional<std::size_t> stated_size(const nlohmann::json& j, const std::string& path, const char* unit) {
    if (!j.contains("size")) return std::nullopt;
    const auto& v = j["size"];
    const auto n = non_negative(v);
    if (!n)
      definition(std::string("\"size\" must be a non-negative integer (") + unit + "), got " + json_value_phrase(v),
                 path);
    if (*n > limits::max_fixed_size * 8)
      throw codec_error(errc::limit, "larger than " + std::to_string(limits::max_fixed_size) + " bytes", path);
    return static_cast<std::size_t>(*n);
  }

  static std::optional<std::size_t> field_offset(const nlohmann::json& f, const std::string& at, const char* unit) {
    if (!f.contains("offset")) return std::nullopt;
    const auto& v = f["offset"];
    const auto n = non_negative(v);
    if (!n)
      definition(std::string("\"offset\" must be a non-negative integer (") + unit + "), got " +
                     json_value_phrase(v),
                 at);
    if (*n > limits::max_fixed_size * 8)
      throw codec_error(errc::limit, "an offset beyond " + std::to_string(limits::max_fixed_size) + " bytes", at);
    return static_cast<std::size_t>(*n);
  }

  // Checks a field's name and keys; returns its name.
  static const std::string& field_head(const nlohmann::json& f, const std::string& at,
                                       std::initializer_list<std::string_view> keys, std::set<std::string_view>& seen,
                                       const std::string& path) {
    if (!f.is_object()) syntax("a field must be an object {\"name\": …, \"type\": …}", at);
    for (const auto& item : f.items())
      if (std::find(keys.begin(), keys.end(), item.key()) == keys.end())
        syntax("unknown key \"" + item.key() + "\" in a field", at);
    if (!f.contains("name") || !f["name"].is_string()) syntax("a field needs a \"name\" string", at);
    const auto& name = f["name"].get_ref<const std::string&>();
    if (!is_field_name(name))
      syntax("\"" + name + "\" is not a valid field name (a letter or _, then letters, digits or _)", at);
    if (!seen.insert(name).second) definition("two fields named \"" + name + "\"", join(path, name));
    if (!f.contains("type")) syntax("field \"" + name + "\" needs a \"type\"", join(path, name));
    return name;
  }

  // "field \"a\" (bytes 0 to 3)" — the field that covers `at`, for overlap messages.
  template <class Start, class Size>
  static std::string covering(const type_node& n, std::size_t at, const char* unit, Start start, Size size) {
    for (const auto& f : n.fields)
      if (start(f) <= at && at < start(f) + size(f))
        return "field \"" + f.name + "\" (" + unit + " " + std::to_string(start(f)) + " to " +
               std::to_string(start(f) + size(f) - 1) + ")";
    return "the field before it";
  }

  // A field's "count" and "count_unit": checks them against the struct so far
  // (`n`) and links the counted field `field` with its count field.
  static void counted_field(const nlohmann::json& f, type_node::field& field, type_node& n, const std::string& fpath) {
    if (!f.contains("count")) {
      if (f.contains("count_unit")) definition("\"count_unit\" belongs to a counted field; this one has no \"count\"", fpath);
      return;
    }
    const auto& c = f["count"];
    if (!c.is_string()) syntax("\"count\" must be the name of an earlier field, got " + json_value_phrase(c), fpath);
    const auto& cname = c.get_ref<const std::string&>();
    std::size_t ci = 0;
    while (ci < n.fields.size() && n.fields[ci].name != cname) ++ci;
    if (ci == n.fields.size()) {
      std::string earlier;
      for (const auto& g : n.fields) earlier += (earlier.empty() ? "" : ", ") + g.name;
      definition("\"count\": \"" + cname + "\" names no earlier field of this struct (" +
                     (earlier.empty() ? std::string("there is none") : "the earlier fields: " + earlier) + ")",
                 fpath);
    }
    auto& cf = n.fields[ci];
    const type_node& ct = *cf.type;
    const bool is_unsigned = (ct.kind == type_kind::integer && !ct.is_signed) ||
                             (ct.kind == type_kind::number && is_integer_scalar(ct.number) && !is_signed_scalar(ct.number));
    if (!is_unsigned)
      definition("the count field \"" + cname + "\" must be an unsigned integer (u8, >u16, u24, …), not " +
                     detail::type_expression(ct),
                 fpath);
    if (cf.counts != type_node::field::none)
      definition("the count field \"" + cname + "\" already counts \"" + n.fields[cf.counts].name +
                     "\"; each counted field needs a count of its own",
                 fpath);
    const type_node& t = *field.type;
    const bool blob = t.dynamic && (t.kind == type_kind::text || t.kind == type_kind::raw_bytes);
    if (t.kind != type_kind::dynamic_array && !blob)
      definition("a counted field is a dynamic array (\"u8[]\", {\"dynamic_array\": …}), \"text[]\" or \"bytes[]\", "
                 "not " + detail::type_expression(t),
                 fpath);
    if (f.contains("count_unit")) {
      const auto& u = f["count_unit"];
      const std::string us = u.is_string() ? u.get<std::string>() : "";
      if (us == "bytes") field.count_unit = count_unit::bytes;
      else if (us != "elements")
        syntax("\"count_unit\" must be \"elements\" or \"bytes\", got " + json_value_phrase(u), fpath);
      if (field.count_unit == count_unit::bytes && t.kind == type_kind::dynamic_array && t.element->counted)
        definition("a count in bytes needs elements of one size, but the size of " +
                       detail::type_expression(*t.element) + " varies with its own counts; count elements instead",
                   fpath);
    }
    std::size_t slots = 0;
    for (const auto& g : n.fields) slots += g.counts != type_node::field::none;
    if (slots >= limits::max_count_fields)
      throw codec_error(errc::limit,
                        "a struct with more than " + std::to_string(limits::max_count_fields) + " count fields", fpath);
    cf.count_slot = slots;
    cf.counts = n.fields.size();
    field.counted_by = ci;
  }

  const type_node* parse_struct(const nlohmann::json& j, const std::string& path, std::size_t depth) {
    const auto& fields = j["struct"];
    if (!fields.is_array()) syntax("\"struct\" must be an array of {\"name\": …, \"type\": …}", path);
    if (fields.size() > limits::max_fields)
      throw codec_error(errc::limit, "a struct with more than " + std::to_string(limits::max_fields) + " fields", path);
    const auto size = stated_size(j, path, "bytes");
    auto n = doc_.make();
    n->kind = type_kind::structure;
    std::set<std::string_view> seen;
    std::size_t pos = 0;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const auto& f = fields[i];
      const std::string at = path + ".struct[" + std::to_string(i) + "]";
      const auto& name = field_head(f, at, {"name", "type", "offset", "endian", "count", "count_unit"}, seen, path);
      const std::string fpath = join(path, name);
      type_node::field field;
      field.name = name;
      field.type = parse_expr(f["type"], fpath, depth + 1);
      if (f.contains("endian")) {
        const auto& e = f["endian"];
        auto o = e.is_string() ? parse_endian(e.get_ref<const std::string&>()) : std::nullopt;
        if (!o) syntax("\"endian\" must be \"little\", \"big\" or \"native\", got " + json_value_phrase(e), fpath);
        field.order = o;
      }
      if (i > 0 && n->fields.back().type->dynamic && n->fields.back().counted_by == type_node::field::none)
        definition("a dynamic array, or a struct that contains one, may only be the last field of a struct",
                   join(path, n->fields.back().name));
      counted_field(f, field, *n, fpath);
      if (f.contains("offset") && n->counted)
        definition("a field after a counted field cannot state an \"offset\": where it starts depends on the counts",
                   fpath);
      if (auto off = field_offset(f, fpath, "bytes")) {
        if (*off < pos)
          definition("starts at byte " + std::to_string(*off) + ", inside " +
                         covering(*n, *off, "bytes", [](const auto& g) { return g.offset; },
                                  [](const auto& g) { return g.type->min_size; }) +
                         ": fields may not overlap, and are listed in the order of their offsets",
                     fpath);
        pos = *off;
      }
      field.offset = pos;
      pos += field.type->min_size;
      if (pos > limits::max_fixed_size)
        throw codec_error(errc::limit, "larger than " + std::to_string(limits::max_fixed_size) + " bytes", path);
      n->depth = std::max(n->depth, field.type->depth + 1);
      n->elements = add_elements(n->elements, 1 + field.type->elements, path);
      if (field.counted_by != type_node::field::none || field.type->counted) n->counted = true;
      if (field.type->dynamic && field.counted_by == type_node::field::none) {
        n->dynamic = true;
        n->tail_element_size = field.type->tail_element_size;
      }
      n->fields.push_back(std::move(field));
    }
    if (size) {
      if (n->dynamic) definition("a struct that holds a dynamic array cannot state a \"size\"", path);
      if (n->counted) definition("a struct that holds a counted field cannot state a \"size\"", path);
      if (*size < pos)
        definition("states a size of " + detail::count_of(*size, "byte") + ", but its fields end at byte " +
                       std::to_string(pos),
                   path);
      if (*size > limits::max_fixed_size)
        throw codec_error(errc::limit, "larger than " + std::to_string(limits::max_fixed_size) + " bytes", path);
      pos = *size;
    }
    n->min_size = pos;
    check_depth(*n, path);
    return n;
  }

  const type_node* parse_bits(const nlohmann::json& j, const std::string& path, std::size_t depth) {
    const auto& fields = j["bits"];
    if (!fields.is_array()) syntax("\"bits\" must be an array of {\"name\": …, \"type\": …}", path);
    if (fields.size() > limits::max_fields)
      throw codec_error(errc::limit, "a bit record with more than " + std::to_string(limits::max_fields) + " fields",
                        path);
    const auto size = stated_size(j, path, "bits");
    auto n = doc_.make();
    n->kind = type_kind::bit_record;
    if (j.contains("order")) {
      const auto& o = j["order"];
      auto bo = o.is_string() ? parse_bit_order(o.get_ref<const std::string&>()) : std::nullopt;
      if (!bo) syntax("\"order\" must be \"msb\" or \"lsb\", got " + json_value_phrase(o), path);
      n->bit_order = *bo;
    }
    std::set<std::string_view> seen;
    std::size_t pos = 0;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const auto& f = fields[i];
      const std::string at = path + ".bits[" + std::to_string(i) + "]";
      const auto& name = field_head(f, at, {"name", "type", "offset", "bits", "count"}, seen, path);
      const std::string fpath = join(path, name);
      type_node::field field;
      field.name = name;
      field.type = parse_expr(f["type"], fpath, depth + 1, context::bits);
      const type_node& t = *field.type;
      const bool ok = t.kind == type_kind::integer || t.kind == type_kind::enumeration || t.kind == type_kind::flags ||
                      (t.kind == type_kind::number && (t.number == scalar::boolean || is_integer_scalar(t.number)));
      if (!ok) definition("a bit field is bool, an integer or an enum, not " + detail::type_expression(t), fpath);
      unsigned width = natural_bits(t);
      if (f.contains("bits")) {
        const auto& b = f["bits"];
        if (!b.is_number_integer()) definition("\"bits\" must be an integer, got " + json_value_phrase(b), fpath);
        const auto w = b.get<std::int64_t>();
        if (w < 1 || w > 64) definition("a bit field is 1 to 64 bits wide, got " + std::to_string(w), fpath);
        // As in bpack, an integer type names its width; a second, different
        // one is a mistake ("i8" with "bits": 3), not a narrowing.
        const bool sized = t.kind == type_kind::integer || (t.kind == type_kind::number && t.number != scalar::boolean);
        if (sized && static_cast<unsigned>(w) != width)
          definition("\"" + detail::type_expression(t) + "\" is " + std::to_string(width) +
                         " bits wide, but \"bits\" says " + std::to_string(w) + "; give the width once, in the type (\"" +
                         int_name(t.kind == type_kind::number ? is_signed_scalar(t.number) : t.is_signed,
                                  static_cast<unsigned>(w)) +
                         "\")",
                     fpath);
        width = static_cast<unsigned>(w);
      }
      const bool is_signed = t.kind == type_kind::number ? is_signed_scalar(t.number) : t.is_signed;
      check_flags_width(t, width, fpath);
      for (const auto& e : t.enumerators)
        if (!fits_bits(e.value, width, is_signed))
          definition("the enum value " + e.name + " = " + std::to_string(e.value) + " does not fit in " +
                         detail::count_of(width, "bit"),
                     fpath);
      if (auto off = field_offset(f, fpath, "bits")) {
        if (*off < pos)
          definition("starts at bit " + std::to_string(*off) + ", inside " +
                         covering(*n, *off, "bits", [](const auto& g) { return g.bit_offset; },
                                  [](const auto& g) { return field_bits(g); }) +
                         ": fields may not overlap, and are listed in the order of their offsets",
                     fpath);
        pos = *off;
      }
      field.bit_offset = pos;
      field.bit_width = width;
      field.count = packed_count(f, fpath);
      pos += field_bits(field);
      if (pos > limits::max_fixed_size * 8)
        throw codec_error(errc::limit, "larger than " + std::to_string(limits::max_fixed_size) + " bytes", path);
      n->fields.push_back(std::move(field));
    }
    if (size) {
      if (*size < pos)
        definition("states a size of " + detail::count_of(*size, "bit") + ", but its fields end at bit " +
                       std::to_string(pos),
                   path);
      pos = *size;
    }
    if (pos % 8 != 0)
      definition("a bit record must be a whole number of bytes, but it is " + detail::count_of(pos, "bit") +
                 "; add a field or state a \"size\" in bits",
                 path);
    n->bit_size = pos;
    n->min_size = pos / 8;
    n->elements = n->fields.size();
    n->depth = 2;
    return n;
  }

  // The "count" of a packed array in a bit record; 0 when the field is not one.
  static std::size_t packed_count(const nlohmann::json& f, const std::string& fpath) {
    if (!f.contains("count")) return 0;
    const auto& c = f["count"];
    const auto n = non_negative(c);
    if (!n || *n == 0)
      definition("the \"count\" of a packed array must be a positive integer, got " + json_value_phrase(c), fpath);
    if (*n > limits::max_fixed_size * 8)
      throw codec_error(errc::limit, "a packed array longer than " + std::to_string(limits::max_fixed_size * 8), fpath);
    return static_cast<std::size_t>(*n);
  }

  // A flag set as a bit field narrower than its base must still hold every named bit.
  static void check_flags_width(const type_node& t, unsigned width, const std::string& fpath) {
    if (t.kind != type_kind::flags) return;
    for (const auto& e : t.enumerators)
      if (e.value >= static_cast<std::int64_t>(width))
        definition("the flag " + e.name + " is bit " + std::to_string(e.value) + ", outside a field of " +
                       std::to_string(width) + " bits",
                   fpath);
  }

  // Named types are parsed once and shared, so the parser's own recursion does
  // not see how deep a chain of them nests; every node carries its depth.
  static void check_depth(const type_node& n, const std::string& path) {
    if (n.depth > limits::max_schema_depth)
      throw codec_error(errc::limit, "types nest deeper than " + std::to_string(limits::max_schema_depth), path);
  }

  // `a` + `b` elements, refused past limits::max_elements (neither is above it).
  static std::size_t add_elements(std::size_t a, std::size_t b, const std::string& path) {
    if (b > limits::max_elements - a) throw_too_many_elements(path);
    return a + b;
  }
  [[noreturn]] static void throw_too_many_elements(const std::string& path) {
    throw codec_error(errc::limit,
                      "a value would have more than " + std::to_string(limits::max_elements) +
                          " elements (array elements and fields, at every depth)",
                      path);
  }

  void finish_array(type_node& n, const std::string& path) {
    const type_node& e = *n.element;
    const std::string epath = element_path(path, n.kind, n.length);
    n.depth = e.depth + 1;
    check_depth(n, path);
    if (e.dynamic)
      definition(std::string("the element of a ") + (n.kind == type_kind::array ? "fixed" : "dynamic") +
                     " array may not contain a dynamic array: a dynamic array may only be the last leaf",
                 epath);
    // An element of no bytes (null, a struct with none) would let a value hold
    // any number of elements at no cost on the wire; UD003 refuses SerNULL elements too.
    if (e.min_size == 0) {
      if (n.kind == type_kind::array)
        definition("the element of a fixed array must have a size above zero: " + detail::type_expression(e) +
                       " has no bytes, so the array would hold elements that are not on the wire",
                   epath);
      definition("the element of a dynamic array must have a size above zero, or its length could not be told "
                 "from the bytes",
                 epath);
    }
    n.counted = e.counted;  // elements whose sizes vary: the array's size varies too
    if (n.kind == type_kind::array) {
      if (n.length > limits::max_fixed_size / e.min_size)
        throw codec_error(errc::limit, "larger than " + std::to_string(limits::max_fixed_size) + " bytes", path);
      n.min_size = e.min_size * n.length;
      if (e.elements + 1 > limits::max_elements / n.length) throw_too_many_elements(path);
      n.elements = (e.elements + 1) * n.length;
    } else {
      n.dynamic = true;
      n.min_size = 0;
      n.tail_element_size = e.min_size;
    }
  }

  detail::schema_document& doc_;
  std::map<std::string, const nlohmann::json*> defs_;
  std::vector<std::string> resolving_;
};

}  // namespace

namespace detail {

// The type expression that names or spells out `n`.
nlohmann::json expression(const type_node& n, bool reference_named) {
  if (reference_named && !n.name.empty()) return n.name;
  switch (n.kind) {
    case type_kind::null: return "null";
    case type_kind::number: return order_prefix(n.order) + std::string(to_string(n.number));
    case type_kind::integer: return order_prefix(n.order) + int_name(n.is_signed, n.bits);
    case type_kind::text: return n.dynamic ? "text[]" : "text[" + std::to_string(n.length) + "]";
    case type_kind::raw_bytes: return n.dynamic ? "bytes[]" : "bytes[" + std::to_string(n.length) + "]";
    case type_kind::float16: return order_prefix(n.order) + "f2";
    case type_kind::flags: {
      nlohmann::json values = nlohmann::json::object();
      for (const auto& e : n.enumerators) values[e.name] = e.value;
      return {{"flags", order_prefix(n.order) + int_name(false, n.bits)}, {"values", std::move(values)}};
    }
    case type_kind::enumeration: {
      nlohmann::json values = nlohmann::json::object();
      for (const auto& e : n.enumerators) values[e.name] = e.value;
      return {{"enum", order_prefix(n.order) + int_name(n.is_signed, n.bits)}, {"values", std::move(values)}};
    }
    case type_kind::array:
    case type_kind::dynamic_array: {
      nlohmann::json e = expression(*n.element, true);
      const std::string suffix = n.kind == type_kind::array ? "[" + std::to_string(n.length) + "]" : "[]";
      if (is_plain_name(e))
        return e.get<std::string>() + suffix;
      if (n.kind == type_kind::array) return {{"array", e}, {"length", n.length}};
      return {{"dynamic_array", e}};
    }
    case type_kind::structure: {
      nlohmann::json fields = nlohmann::json::array();
      std::size_t pos = 0;
      for (const auto& f : n.fields) {
        nlohmann::json field = {{"name", f.name}, {"type", expression(*f.type, true)}};
        if (f.offset != pos) field["offset"] = f.offset;
        if (f.order) field["endian"] = std::string(to_string(*f.order));
        if (f.counted_by != type_node::field::none) {
          field["count"] = n.fields[f.counted_by].name;
          if (f.count_unit == count_unit::bytes) field["count_unit"] = "bytes";
        }
        pos = f.offset + f.type->min_size;
        fields.push_back(std::move(field));
      }
      nlohmann::json out = {{"struct", std::move(fields)}};
      if (!n.dynamic && n.min_size != pos) out["size"] = n.min_size;
      return out;
    }
    case type_kind::bit_record: {
      nlohmann::json fields = nlohmann::json::array();
      std::size_t pos = 0;
      for (const auto& f : n.fields) {
        nlohmann::json field = {{"name", f.name}, {"type", expression(*f.type, true)}};
        if (f.bit_offset != pos) field["offset"] = f.bit_offset;
        if (f.bit_width != natural_bits(*f.type)) field["bits"] = f.bit_width;
        if (f.count) field["count"] = f.count;
        pos = f.bit_offset + field_bits(f);
        fields.push_back(std::move(field));
      }
      nlohmann::json out = {{"bits", std::move(fields)}, {"order", std::string(to_string(n.bit_order))}};
      if (n.bit_size != pos) out["size"] = n.bit_size;
      return out;
    }
  }
  return nullptr;
}

std::string type_expression(const type_node& n) {
  nlohmann::json e = expression(n, true);
  return e.is_string() ? e.get<std::string>() : e.dump();
}

}  // namespace detail

schema::schema() : schema(nullptr, nullptr) {
  auto doc = std::make_shared<detail::schema_document>();
  auto n = doc->make();
  n->kind = type_kind::null;
  root_ = n;
  doc_ = std::move(doc);
}

schema::schema(std::shared_ptr<const document> doc, const type_node* root) : doc_(std::move(doc)), root_(root) {}

schema schema::parse(std::string_view json_text) {
  return from_json(parse_json(json_text, errc::schema_syntax));
}

schema schema::from_json(const nlohmann::json& document) {
  auto doc = std::make_shared<detail::schema_document>();
  loader load(*doc);
  const type_node* root = nullptr;
  const bool is_document =
      document.is_object() && (document.contains("types") || document.contains("root")) &&
      std::all_of(document.items().begin(), document.items().end(),
                  [](const auto& item) { return item.key() == "types" || item.key() == "root"; });
  if (is_document) {
    if (document.contains("types")) load.load_types(document["types"]);
    if (document.contains("root")) {
      root = load.parse_expr(document["root"], "root", 0);
    } else if (doc->named.size() == 1) {
      root = doc->named.begin()->second;
    }
  } else if (document.is_object() && !document.contains("struct") && !document.contains("array") &&
             !document.contains("dynamic_array") && !document.contains("bits") && !document.contains("enum") &&
             !document.contains("text") && !document.contains("bytes")) {
    std::string keys;
    for (const auto& item : document.items()) keys += (keys.empty() ? "\"" : ", \"") + item.key() + "\"";
    if (keys.empty()) keys = "an empty object";
    syntax("a schema document has the keys \"types\" and \"root\" (or is a type expression); found " + keys, "");
  } else {
    root = load.parse_expr(document, "root", 0);
  }
  return schema(std::move(doc), root);
}

schema schema::type(std::string_view name) const {
  auto it = doc_->named.find(std::string(name));
  if (it == doc_->named.end()) {
    std::string list;
    for (const auto& [n, node] : doc_->named) list += (list.empty() ? "" : ", ") + n;
    refuse(errc::unknown_type,
           "no type named \"" + std::string(name) + "\"" + (list.empty() ? "" : " (the types are: " + list + ")"), "");
  }
  return schema(doc_, it->second);
}

std::vector<std::string> schema::type_names() const {
  std::vector<std::string> names;
  for (const auto& [n, node] : doc_->named) names.push_back(n);
  return names;
}

const type_node& schema::root() const {
  if (!root_) {
    if (doc_->named.empty()) throw codec_error(errc::unknown_type, "the schema has no types and no \"root\"");
    std::string list;
    for (const auto& [n, node] : doc_->named) list += (list.empty() ? "" : ", ") + n;
    throw codec_error(errc::unknown_type, "the schema has several types and no \"root\"; choose one of: " + list);
  }
  return *root_;
}

nlohmann::json schema::to_json() const {
  nlohmann::json types = nlohmann::json::object();
  for (const auto& [name, node] : doc_->named) types[name] = detail::expression(*node, false);
  nlohmann::json out = {{"types", std::move(types)}};
  if (root_) out["root"] = detail::expression(*root_, true);
  return out;
}

std::string schema::dump(int indent) const { return format_json(to_json(), {.indent = indent, .width = 100}); }

std::string schema::type_expression() const { return detail::type_expression(root()); }

std::optional<std::size_t> schema::fixed_size() const {
  if (root().dynamic || root().counted) return std::nullopt;
  return root().min_size;
}
std::size_t schema::min_size() const { return root().min_size; }
std::optional<std::size_t> schema::element_size() const {
  if (!root().dynamic) return std::nullopt;
  return root().tail_element_size;
}

bool operator==(const schema& a, const schema& b) { return a.to_json() == b.to_json(); }

}  // namespace comframe::core

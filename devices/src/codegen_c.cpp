// The C generator of comframe/devices/codegen.hpp.
//
// One walk over the type nodes of every non-built-in command and event, in
// profile order (commands by id, request before response, then events), emits
// each C type after the types it uses. Every struct and bit record gets two
// internal functions, put (writes the value at `out`, the bytes already zero)
// and get (reads it, checking what the core's decoder checks), which take the
// byte order as a parameter because a field's "endian" changes the order of
// everything inside it; the public encode/decode check sizes and call them
// with the profile's order. Small helpers (byte and bit access, floats, text)
// are written only when some code uses them, so the source has no unused
// static function.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <deque>
#include <set>
#include <sstream>

#include "comframe/core/error.hpp"
#include "comframe/devices/codegen.hpp"

namespace comframe::devices {

namespace {

using core::type_kind;
using core::type_node;

[[noreturn]] void fail(const std::string& path, const std::string& detail) {
  throw comframe::error("devices.codegen", detail, {"", path, std::nullopt});
}

// "text[]" or "bytes[]": a byte string whose length is its count or the rest of the value.
bool is_blob_tail(const type_node& t) {
  return (t.kind == type_kind::text || t.kind == type_kind::raw_bytes) && t.dynamic;
}

// A field generated as `T name[MAX]; uint16_t name_count;`: a dynamic array,
// text[] or bytes[], counted or the dynamic tail.
bool is_sequence(const type_node& t) { return t.kind == type_kind::dynamic_array || is_blob_tail(t); }

// A type whose size is read from its value: it holds a counted field or a dynamic tail.
bool varies(const type_node& t) { return t.dynamic || t.counted; }

// The largest value an unsigned count field holds.
std::uint64_t count_field_max(const type_node& t) {
  const unsigned bits = t.kind == type_kind::number ? static_cast<unsigned>(core::size_of(t.number) * 8) : t.bits;
  return bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string hex64(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

const std::set<std::string>& c_reserved() {
  static const std::set<std::string> words = {
      "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
      "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
      "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "_Bool",
      "_Complex", "_Imaginary", "bool", "true", "false"};
  return words;
}

bool is_signed_scalar(core::scalar s) { return s >= core::scalar::i8 && s <= core::scalar::i64; }

// The smallest <stdint.h> type holding `bits` bits.
std::string int_type(unsigned bits, bool is_signed) {
  const unsigned w = bits <= 8 ? 8 : bits <= 16 ? 16 : bits <= 32 ? 32 : 64;
  return std::string(is_signed ? "int" : "uint") + std::to_string(w) + "_t";
}

std::string scalar_type(core::scalar s) {
  switch (s) {
    case core::scalar::u8: return "uint8_t";
    case core::scalar::u16: return "uint16_t";
    case core::scalar::u32: return "uint32_t";
    case core::scalar::u64: return "uint64_t";
    case core::scalar::i8: return "int8_t";
    case core::scalar::i16: return "int16_t";
    case core::scalar::i32: return "int32_t";
    case core::scalar::i64: return "int64_t";
    case core::scalar::f32: return "float";
    case core::scalar::f64: return "double";
    case core::scalar::boolean: return "bool";
    case core::scalar::character: return "char";
  }
  return "uint8_t";
}

std::string num(std::size_t v) { return std::to_string(v) + "u"; }

// The helpers the generated source may use, in the order they are written, with what each needs.
struct helper {
  const char* name;
  std::vector<const char*> needs;
  const char* text;  // "P_" stands for the prefix
};

const std::vector<helper>& helpers() {
  static const std::vector<helper> list = {
      {"host_big", {}, R"(/* 1 on a big-endian host: the profile's byte order is "native". */
static int P_host_big(void) {
  const uint16_t one = 1u;
  uint8_t first;
  memcpy(&first, &one, 1u);
  return first == 0u;
}
)"},
      {"put_uint", {}, R"(/* The low n bytes of v at p, most significant first when big. */
static void P_put_uint(uint8_t *p, uint64_t v, unsigned n, int big) {
  unsigned i;
  for (i = 0u; i < n; ++i) {
    p[big ? n - 1u - i : i] = (uint8_t)(v & 0xffu);
    v >>= 8;
  }
}
)"},
      {"get_uint", {}, R"(/* n bytes at p as an unsigned integer, most significant first when big. */
static uint64_t P_get_uint(const uint8_t *p, unsigned n, int big) {
  uint64_t v = 0u;
  unsigned i;
  for (i = 0u; i < n; ++i) v = (v << 8) | (uint64_t)p[big ? i : n - 1u - i];
  return v;
}
)"},
      {"sext", {}, R"(/* The low `bits` bits of v as a two's complement number. */
static int64_t P_sext(uint64_t v, unsigned bits) {
  const uint64_t sign = (uint64_t)1u << (bits - 1u);
  const uint64_t mask = bits >= 64u ? ~(uint64_t)0u : (sign << 1) - 1u;
  v &= mask;
  if ((v & sign) == 0u) return (int64_t)v;
  return -(int64_t)(~v & (sign - 1u)) - 1;
}
)"},
      {"put_f32", {"put_uint"}, R"(static void P_put_f32(uint8_t *p, float f, int big) {
  uint32_t u;
  memcpy(&u, &f, 4u);
  P_put_uint(p, u, 4u, big);
}
)"},
      {"get_f32", {"get_uint"}, R"(static float P_get_f32(const uint8_t *p, int big) {
  const uint32_t u = (uint32_t)P_get_uint(p, 4u, big);
  float f;
  memcpy(&f, &u, 4u);
  return f;
}
)"},
      {"put_f64", {"put_uint"}, R"(static void P_put_f64(uint8_t *p, double f, int big) {
  uint64_t u;
  memcpy(&u, &f, 8u);
  P_put_uint(p, u, 8u, big);
}
)"},
      {"get_f64", {"get_uint"}, R"(static double P_get_f64(const uint8_t *p, int big) {
  const uint64_t u = P_get_uint(p, 8u, big);
  double f;
  memcpy(&f, &u, 8u);
  return f;
}
)"},
      {"put_bits", {}, R"(/* The low `width` bits of v as the field at bit `offset` of the record at p
 * (msb: bit i is bit 7 - i % 8 of byte i / 8, value most significant bit first;
 * lsb: bit i is bit i % 8 of byte i / 8, value least significant bit first). */
static void P_put_bits(uint8_t *p, size_t offset, unsigned width, uint64_t v, int msb) {
  unsigned done = 0u;
  while (done < width) {
    const size_t pos = offset + done;
    const unsigned bit = (unsigned)(pos % 8u);
    const unsigned take = (8u - bit) < (width - done) ? (8u - bit) : (width - done);
    const unsigned mask = (1u << take) - 1u;
    unsigned chunk, shift;
    if (msb) {
      chunk = (unsigned)(v >> (width - done - take)) & mask;
      shift = 8u - bit - take;
    } else {
      chunk = (unsigned)(v >> done) & mask;
      shift = bit;
    }
    p[pos / 8u] = (uint8_t)(((unsigned)p[pos / 8u] & ~(mask << shift)) | (chunk << shift));
    done += take;
  }
}
)"},
      {"get_bits", {}, R"(/* The `width`-bit field at bit `offset` of the record at p (see P_put_bits). */
static uint64_t P_get_bits(const uint8_t *p, size_t offset, unsigned width, int msb) {
  uint64_t v = 0u;
  unsigned done = 0u;
  while (done < width) {
    const size_t pos = offset + done;
    const unsigned bit = (unsigned)(pos % 8u);
    const unsigned take = (8u - bit) < (width - done) ? (8u - bit) : (width - done);
    const unsigned mask = (1u << take) - 1u;
    if (msb) {
      v = (v << take) | (uint64_t)(((unsigned)p[pos / 8u] >> (8u - bit - take)) & mask);
    } else {
      v |= (uint64_t)(((unsigned)p[pos / 8u] >> bit) & mask) << done;
    }
    done += take;
  }
  return v;
}
)"},
      {"put_text", {}, R"(/* A text of n bytes: the characters up to the first NUL; the rest stays zero. */
static void P_put_text(uint8_t *p, const char *s, size_t n) {
  size_t i;
  for (i = 0u; i < n && s[i] != '\0'; ++i) p[i] = (uint8_t)s[i];
}
)"},
      {"get_text", {}, R"(/* A text of n bytes into s[n + 1], NUL-terminated; false when the bytes
 * before the first NUL are not UTF-8 (as the host's decoder refuses them). */
static bool P_get_text(const uint8_t *p, char *s, size_t n) {
  size_t len = 0u, i = 0u;
  while (len < n && p[len] != 0u) ++len;
  while (i < len) {
    const unsigned c = p[i];
    const size_t extra = c < 0x80u ? 0u : (c >> 5) == 0x6u ? 1u : (c >> 4) == 0xeu ? 2u : (c >> 3) == 0x1eu ? 3u : 4u;
    uint32_t cp = extra == 0u ? c : extra == 1u ? (c & 0x1fu) : extra == 2u ? (c & 0x0fu) : (c & 0x07u);
    size_t k;
    if (extra == 4u || i + 1u + extra > len) return false;
    for (k = 1u; k <= extra; ++k) {
      if ((p[i + k] & 0xc0u) != 0x80u) return false;
      cp = (cp << 6) | (uint32_t)(p[i + k] & 0x3fu);
    }
    if ((extra == 1u && cp < 0x80u) || (extra == 2u && cp < 0x800u) || (extra == 3u && cp < 0x10000u) ||
        cp > 0x10ffffu || (cp >= 0xd800u && cp <= 0xdfffu))
      return false;
    i += 1u + extra;
  }
  for (i = 0u; i < len; ++i) s[i] = (char)p[i];
  for (; i <= n; ++i) s[i] = '\0';
  return true;
}
)"},
  };
  return list;
}

// Where a dynamic array's maximum comes from.
struct tail_info {
  std::string key;        // "TYPE.FIELD" as documented
  std::string alt_key;    // the C struct's name without the prefix + "." + FIELD
  std::string macro;      // PREFIX_<TYPE>_<FIELD>_MAX
  std::size_t max = 0;
};

// What the codecs need of a generated struct.
struct struct_info {
  std::string cname;        // with the prefix
  std::string macro;        // PREFIX_<TYPE>
  bool varies = false;      // a counted field or a dynamic tail: its size is read from the value
  std::size_t min_size = 0;
  std::size_t max_size = 0;
};

class c_generator {
 public:
  c_generator(const profile& p, const c_options& o) : p_(p), o_(o) {
    prefix_ = o.prefix.empty() ? c_identifier(p.device().empty() ? "device" : p.device()) : o.prefix;
    if (c_identifier(prefix_) != prefix_ || prefix_.empty())
      fail("", "--prefix \"" + o.prefix + "\" is not a C identifier");
    if (o.max_tail < 1 || o.max_tail > 65535)
      fail("", "--max-tail " + std::to_string(o.max_tail) + " is out of range (1 to 65535: counts are uint16_t)");
    for (const auto& [key, n] : o.field_max_tail) {
      if (key.find('.') == std::string::npos)
        fail("", "--max-tail " + key + "=" + std::to_string(n) + ": expected TYPE.FIELD=N");
      if (n < 1 || n > 65535)
        fail("", "--max-tail " + key + "=" + std::to_string(n) + " is out of range (1 to 65535: counts are uint16_t)");
    }
    P_ = upper(prefix_);
    if (prefix_ == "cf" || P_ == "COMFRAME")
      fail("", "the prefix \"" + prefix_ + "\" would name generated code like the firmware kit's own (cf_..., "
               "COMFRAME_...); choose another with --prefix");
  }

  std::vector<generated_file> run() {
    claim_fixed_names();
    walk_profile();
    for (const auto& [key, n] : o_.field_max_tail) {
      if (used_keys_.count(key)) continue;
      std::string known;
      for (const auto& t : tails_) known += (known.empty() ? "" : ", ") + t.key;
      fail("", "--max-tail " + key + "=" + std::to_string(n) + ": the profile has no dynamic array " + key +
                   " (its dynamic arrays: " + (known.empty() ? "none" : known) + ")");
    }
    return {{prefix_ + "_profile.h", header()}, {prefix_ + "_profile.c", source()}};
  }

 private:
  // ---- names ----------------------------------------------------------------

  // Claims a global identifier for `origin`; two origins for one identifier is an error.
  void claim(const std::string& ident, const std::string& origin, const std::string& path) {
    auto [it, fresh] = idents_.emplace(ident, origin);
    if (!fresh && it->second != origin)
      fail(path, "the generated name " + ident + " would stand for both " + it->second + " and " + origin +
                     "; rename one of them in the profile");
  }

  // The names every generated file has, whatever the profile holds: a profile
  // type or command that would make one of them is refused, not compiled into a clash.
  void claim_fixed_names() {
    const std::string origin = "a name the generator gives its own code";
    for (const char* n : {"commands", "command_count", "profile_text", "device_config"})
      claim(prefix_ + "_" + n, origin, "");
    for (const char* n : {"REPLY_CAPACITY", "PROFILE_SIZE", "PROFILE_HASH", "PROFILE_H"}) claim(P_ + "_" + n, origin, "");
    for (const auto& x : helpers()) claim(prefix_ + "_" + x.name, origin, "");
  }

  // True when the type `cname` was generated already, for this same `origin`;
  // two origins for one C name is an error (a::b and a_b both make prefix_a_b).
  bool seen(const std::string& cname, const std::string& origin, const std::string& path) {
    auto [it, fresh] = generated_.emplace(cname, origin);
    if (!fresh && it->second != origin)
      fail(path, "the generated name " + cname + " would stand for both " + it->second + " and " + origin +
                     "; rename one of them in the profile");
    return !fresh;
  }

  void check_field_name(const std::string& name, const std::string& path) {
    if (c_reserved().count(name)) fail(path, "the field name \"" + name + "\" is a C keyword; rename the field");
  }

  std::string order_of(core::endian e) {
    if (e == core::endian::little) return "0";
    if (e == core::endian::big) return "1";
    use("host_big");
    return prefix_ + "_host_big()";
  }

  void use(const std::string& h) {
    if (!used_helpers_.insert(h).second) return;
    for (const auto& x : helpers())
      if (x.name == h)
        for (const char* n : x.needs) use(n);
  }

  std::string H(const std::string& h) {
    use(h);
    return prefix_ + "_" + h;
  }

  // ---- the profile ----------------------------------------------------------

  void walk_profile() {
    const auto& cmds = p_.commands();
    for (std::size_t i = 0; i < cmds.size(); ++i) {
      const auto& c = cmds[i];
      if (c.id >= first_reserved_command) continue;  // describe: the kit serves it
      const std::string path = "commands[" + std::to_string(i) + "]";
      claim(P_ + "_CMD_" + upper(c.name), "command " + c.name, path);
      claim(prefix_ + "_on_" + c.name, "command " + c.name, path);
      claim(prefix_ + "_" + c.name + "_adapter", "command " + c.name, path);
      command_entry e{c.id, c.name, payload(c.request.root(), c.name + "_request", path + ".request"),
                      payload(c.response.root(), c.name + "_response", path + ".response")};
      commands_.push_back(e);
    }
    const auto& evs = p_.events();
    for (std::size_t i = 0; i < evs.size(); ++i) {
      const auto& e = evs[i];
      const std::string path = "events[" + std::to_string(i) + "]";
      claim(P_ + "_EVT_" + upper(e.name), "event " + e.name, path);
      claim(prefix_ + "_emit_" + e.name, "event " + e.name, path);
      events_.push_back({e.id, e.name, payload(e.payload.root(), e.name + "_payload", path + ".payload")});
    }
  }

  // The C struct of a payload ("" for null): a struct or bit record as itself,
  // anything else wrapped in a struct of one field, "value".
  std::string payload(const type_node& t, const std::string& wrapper, const std::string& path) {
    if (t.kind == type_kind::null) return "";
    if (t.kind == type_kind::structure || t.kind == type_kind::bit_record)
      return ensure_struct(t, t.name.empty() ? wrapper : c_identifier(t.name), path);
    type_node& w = wrappers_.emplace_back();
    w.kind = type_kind::structure;
    w.fields.push_back({});
    w.fields.back().name = "value";
    w.fields.back().type = &t;
    w.dynamic = t.dynamic;
    w.counted = t.counted;
    w.min_size = t.min_size;
    w.tail_element_size = t.tail_element_size;
    return ensure_struct(w, wrapper, path);
  }

  // ---- types ----------------------------------------------------------------

  // The C struct for a structure or bit record node, generated once; returns its name.
  std::string ensure_struct(const type_node& t, const std::string& suffix, const std::string& path) {
    const std::string cname = prefix_ + "_" + suffix;
    node_struct_[&t] = cname;
    if (seen(cname, t.name.empty() ? "the unnamed type " + suffix : "the type " + t.name, path)) return cname;
    claim(cname, "the type at " + path, path);
    struct_info info;
    info.cname = cname;
    info.macro = P_ + "_" + upper(suffix);
    info.varies = t.kind == type_kind::structure && varies(t);
    info.min_size = t.min_size;
    claim(info.macro + "_MAX_SIZE", "the type at " + path, path);
    for (const char* f : {"_encode", "_decode", "_size"}) claim(cname + f, "the type at " + path, path);

    std::string defs;     // macros before the struct
    std::string members;  // its members
    std::set<std::string> member_names;
    auto add_member = [&](const std::string& name, const std::string& fpath) {
      if (!member_names.insert(name).second)
        fail(fpath, "the member " + name + " of " + cname + " would be declared twice (a field named like a count)");
    };
    std::string put, get;
    const std::string in_order = "big";

    if (t.kind == type_kind::bit_record) {
      const std::string msb = t.bit_order == core::bit_order::msb ? "1" : "0";
      for (const auto& f : t.fields) {
        const std::string fpath = path + "." + f.name;
        check_field_name(f.name, fpath);
        add_member(f.name, fpath);
        const type_node& ft = *f.type;
        std::string type;
        bool is_signed = false, is_bool = false;
        std::string check;  // a condition on `raw` that makes the value invalid
        if (ft.kind == type_kind::number && ft.number == core::scalar::boolean) {
          type = "bool";
          is_bool = true;
        } else if (ft.kind == type_kind::enumeration) {
          is_signed = ft.is_signed;
          type = int_type(f.bit_width, is_signed);
          ensure_enum(ft, ft.name.empty() ? suffix + "_" + f.name : c_identifier(ft.name), fpath);
        } else if (ft.kind == type_kind::flags) {
          type = int_type(f.bit_width, false);
          const std::uint64_t known = ensure_flags(ft, ft.name.empty() ? suffix + "_" + f.name : c_identifier(ft.name), fpath);
          check = "(raw & ~UINT64_C(" + hex64(known) + ")) != 0u";
        } else if (ft.kind == type_kind::number || ft.kind == type_kind::integer) {
          is_signed = ft.kind == type_kind::number ? is_signed_scalar(ft.number) : ft.is_signed;
          type = int_type(f.bit_width, is_signed);
        } else {
          fail(fpath, "a bit field of this kind cannot be generated (bool, integers, enums and flags can)");
        }
        members += "  " + type + " " + f.name + (f.count ? "[" + std::to_string(f.count) + "]" : "") + ";\n";
        const std::string w = num(f.bit_width);
        auto one = [&](const std::string& lv, const std::string& bit, const std::string& ind) {
          put += ind + H("put_bits") + "(out, " + bit + ", " + w + ", " +
                 (is_bool ? lv + " ? 1u : 0u" : "(uint64_t)" + lv) + ", " + msb + ");\n";
          const std::string raw = H("get_bits") + "(in, " + bit + ", " + w + ", " + msb + ")";
          if (is_bool) {
            get += ind + lv + " = " + raw + " != 0u;\n";
          } else if (ft.kind == type_kind::enumeration) {
            const std::string e = enum_valid_fn_[&ft];
            get += ind + "{\n" + ind + "  const int64_t e = " +
                   (is_signed ? H("sext") + "(" + raw + ", " + w + ")" : "(int64_t)" + raw) + ";\n" + ind +
                   "  if (!" + e + "(e)) return false;\n" + ind + "  " + lv + " = (" + type + ")e;\n" + ind + "}\n";
          } else if (!check.empty()) {
            get += ind + "{\n" + ind + "  const uint64_t raw = " + raw + ";\n" + ind + "  if (" + check +
                   ") return false;\n" + ind + "  " + lv + " = (" + type + ")raw;\n" + ind + "}\n";
          } else if (is_signed) {
            get += ind + lv + " = (" + type + ")" + H("sext") + "(" + raw + ", " + w + ");\n";
          } else {
            get += ind + lv + " = (" + type + ")" + raw + ";\n";
          }
        };
        if (f.count) {
          put += "  {\n    size_t i;\n    for (i = 0u; i < " + num(f.count) + "; ++i)\n";
          get += "  {\n    size_t i;\n    for (i = 0u; i < " + num(f.count) + "; ++i)\n";
          one("v->" + f.name + "[i]", num(f.bit_offset) + " + i * " + w, "      ");
          put += "  }\n";
          get += "  }\n";
        } else {
          one("v->" + f.name, num(f.bit_offset), "  ");
        }
      }
    } else if (!info.varies) {
      for (const auto& f : t.fields) {
        const std::string fpath = path + "." + f.name;
        check_field_name(f.name, fpath);
        const type_node& ft = *f.type;
        const std::string order = f.order ? order_of(*f.order) : in_order;
        std::string dims;
        const std::string base = member_type(ft, suffix, f.name, fpath, dims);
        if (base.empty()) continue;  // null: no bytes, no member
        add_member(f.name, fpath);
        members += "  " + base + " " + f.name + dims + ";\n";
        emit_put(ft, "v->" + f.name, num(f.offset), order, 0, "  ", put);
        emit_get(ft, "v->" + f.name, num(f.offset), order, 0, "  ", get);
      }
    } else {
      varying_struct(t, suffix, path, info, defs, members, add_member, put, get);
    }
    if (!info.varies) info.max_size = info.min_size;
    if (member_names.empty()) members += "  uint8_t unused_; /* the type has no bytes; C needs a member */\n";

    types_ += defs;
    types_ += "typedef struct " + cname + " {\n" + members + "} " + cname + ";\n";
    types_ += "#define " + info.macro + "_MAX_SIZE " + std::to_string(info.max_size) + "u\n\n";

    if (!info.varies) {
      code_ += "static void " + cname + "_put(const " + cname + " *v, uint8_t *out, int big) {\n  (void)v;\n  (void)out;\n  (void)big;\n" +
               put + "}\n\n";
      code_ += "static bool " + cname + "_get(const uint8_t *in, " + cname + " *v, int big) {\n  (void)in;\n  (void)v;\n  (void)big;\n" +
               get + "  return true;\n}\n\n";
    } else {
      code_ += put + get;  // varying_struct wrote whole functions
    }
    public_codecs(info);
    structs_.emplace(cname, info);
    return cname;
  }

  // The C struct name a structure/bit-record field type gets.
  std::string struct_name_of(const type_node& ft, const std::string& owner, const std::string& field) {
    return prefix_ + "_" + (ft.name.empty() ? owner + "_" + field : c_identifier(ft.name));
  }

  // The C type of a struct member (its array dimensions appended to `dims`); "" for null.
  std::string member_type(const type_node& t, const std::string& owner, const std::string& field,
                          const std::string& path, std::string& dims) {
    switch (t.kind) {
      case type_kind::null:
        return "";
      case type_kind::number:
        return scalar_type(t.number);
      case type_kind::integer:
        return int_type(t.bits, t.is_signed);
      case type_kind::enumeration:
        ensure_enum(t, t.name.empty() ? owner + "_" + field : c_identifier(t.name), path);
        return int_type(t.bits, t.is_signed);
      case type_kind::float16:
        return "uint16_t";
      case type_kind::flags:
        ensure_flags(t, t.name.empty() ? owner + "_" + field : c_identifier(t.name), path);
        return int_type(t.bits, false);
      case type_kind::text:
        dims += t.dynamic ? "[" + add_tail(owner, "", field, path).macro + " + 1u]" : "[" + std::to_string(t.length + 1) + "]";
        return "char";
      case type_kind::raw_bytes:
        dims += "[" + (t.dynamic ? add_tail(owner, "", field, path).macro : std::to_string(t.length)) + "]";
        return "uint8_t";
      case type_kind::array:
        dims += "[" + std::to_string(t.length) + "]";
        return member_type(*t.element, owner, field, path + "[]", dims);
      case type_kind::dynamic_array: {
        const tail_info& tail = add_tail(owner, "", field, path);
        dims += "[" + tail.macro + "]";
        return member_type(*t.element, owner, field, path + "[]", dims);
      }
      case type_kind::structure:
      case type_kind::bit_record:
        return ensure_struct(t, t.name.empty() ? owner + "_" + field : c_identifier(t.name), path);
    }
    fail(path, "a type of kind " + std::to_string(static_cast<int>(t.kind)) + " cannot be generated");
  }

  // The dynamic array, text[] or bytes[] `field` (counted or not) of the struct
  // `owner` (C name without prefix; `type_name` its profile name).
  const tail_info& add_tail(const std::string& owner, const std::string& type_name, const std::string& field,
                            const std::string& path) {
    const std::string alt = owner + "." + field;
    for (const auto& t : tails_)
      if (t.alt_key == alt) return t;
    tail_info t;
    t.key = (type_name.empty() ? owner : type_name) + "." + field;
    t.alt_key = alt;
    t.macro = P_ + "_" + upper(owner) + "_" + upper(field) + "_MAX";
    claim(t.macro, "the sequence at " + path, path);
    t.max = o_.max_tail;
    for (const std::string& k : {t.key, t.alt_key}) {
      auto it = o_.field_max_tail.find(k);
      if (it != o_.field_max_tail.end()) {
        t.max = it->second;
        used_keys_.insert(k);
      }
    }
    tails_.push_back(t);
    return tails_.back();
  }

  // The largest encoding of a type whose sequences are at their maximum
  // (a sequence's own maximum is added by its struct).
  std::size_t type_max(const type_node& t) const {
    if (t.kind == type_kind::array) return t.length * type_max(*t.element);
    if ((t.kind == type_kind::structure || t.kind == type_kind::bit_record) && varies(t))
      return structs_.at(node_struct_.at(&t)).max_size;
    return t.min_size;
  }

  // A struct whose size varies (counted fields, a dynamic tail): writes its
  // _size, _put and _get. Every field past one whose size varies starts at its
  // schema offset + `extra`, the bytes the fields before it took beyond their
  // minimum, as the core lays it out. A count field has no member: put writes
  // it from its field's _count, get reads it into n<index>. _get keeps
  // MIN + extra <= size, so every fixed field it reads is inside the input.
  template <class AddMember>
  void varying_struct(const type_node& t, const std::string& suffix, const std::string& path, struct_info& info,
                      std::string& defs, std::string& members, AddMember add_member, std::string& put,
                      std::string& get) {
    const std::string& c = info.cname;
    const std::string min = num(t.min_size);
    std::string len, decls;
    std::size_t max_extra = 0;
    bool shifted = false;  // a field before this one varies
    for (std::size_t k = 0; k < t.fields.size(); ++k) {
      const auto& f = t.fields[k];
      const std::string fpath = path + "." + f.name;
      check_field_name(f.name, fpath);
      const type_node& ft = *f.type;
      const std::string order = f.order ? order_of(*f.order) : "big";
      const std::string off = num(f.offset);
      const std::string at = shifted ? off + " + extra" : off;
      const std::string lv = "v->" + f.name;
      if (f.counts != type_node::field::none) {  // a count field: written from, and read into, its field's _count
        const auto& counted = t.fields[f.counts];
        const type_node& ct = *counted.type;
        const std::string cnt = "v->" + counted.name + "_count";
        const std::size_t unit = counted.count_unit == core::count_unit::bytes && ct.kind == type_kind::dynamic_array
                                     ? ct.element->min_size : 1;
        emit_put(ft, unit > 1 ? "((size_t)" + cnt + " * " + num(unit) + ")" : cnt, at, order, 0, "  ", put);
        const std::string o = ft.order ? order_of(*ft.order) : order;
        const std::string p = at == "0u" ? "in" : "in + " + at;
        decls += "  uint64_t n" + std::to_string(k) + " = 0u;\n";
        get += "  n" + std::to_string(k) + " = " +
               (ft.min_size == 1 ? "(uint64_t)in[" + at + "]" : H("get_uint") + "(" + p + ", " + num(ft.min_size) + ", " + o + ")") +
               ";\n";
        continue;
      }
      std::string dims;
      if (is_sequence(ft)) {
        const tail_info& tail = add_tail(suffix, t.name, f.name, fpath);
        defs += "#define " + tail.macro + " " + std::to_string(tail.max) + "u\n";
        const std::string base = member_type(ft, suffix, f.name, fpath, dims);
        add_member(f.name, fpath);
        members += "  " + base + " " + f.name + dims + ";\n";
        add_member(f.name + "_count", fpath);
        members += "  uint16_t " + f.name + "_count;\n";
        const type_node* e = ft.kind == type_kind::dynamic_array ? ft.element : nullptr;
        const bool e_varies = e && varies(*e);
        const std::size_t es = e ? e->min_size : 1;
        const std::string cnt = lv + "_count";
        std::size_t most = tail.max;  // elements at most: the maximum, or fewer when the count field holds less
        if (f.counted_by != type_node::field::none) {
          const std::size_t unit = f.count_unit == core::count_unit::bytes ? es : 1;
          most = static_cast<std::size_t>(std::min<std::uint64_t>(most, count_field_max(*t.fields[f.counted_by].type) / unit));
        }
        max_extra += most * (e ? type_max(*e) : 1);
        // _size: the count within its maximum, within its count field, a text NUL-terminated at its count
        if (tail.max < 65535)  // a uint16_t is never over 65535 (-Wtype-limits)
          len += "  if (" + cnt + " > " + tail.macro + ") return SIZE_MAX;\n";
        // A text[] is NUL-terminated at its count; a counted one may end before it
        // (NULs follow it up to the count, as the host encodes a count above the text's length).
        if (ft.kind == type_kind::text && f.counted_by == type_node::field::none)
          len += "  if (" + lv + "[" + cnt + "] != '\\0' || memchr(" + lv + ", '\\0', " + cnt + ") != NULL) return SIZE_MAX;\n";
        else if (ft.kind == type_kind::text)
          len += "  if (memchr(" + lv + ", '\\0', (size_t)" + cnt + " + 1u) == NULL) return SIZE_MAX; /* longer than its count */\n";
        if (f.counted_by != type_node::field::none) {
          const std::uint64_t cmax = count_field_max(*t.fields[f.counted_by].type);
          const std::size_t unit = f.count_unit == core::count_unit::bytes ? es : 1;
          if (std::uint64_t{tail.max} * unit > cmax)
            len += "  if ((uint64_t)" + cnt + (unit > 1 ? " * " + num(unit) : "") + " > UINT64_C(" + std::to_string(cmax) +
                   ")) return SIZE_MAX; /* more than " + t.fields[f.counted_by].name + " holds */\n";
        }
        len += "  extra += (size_t)" + cnt + (es > 1 ? " * " + num(es) : "") + ";\n";
        if (e_varies)
          emit_loop("i0", "(size_t)" + cnt, "  ", len, [&] { emit_len(*e, lv + "[i0]", 1, "      ", len); });
        // _put
        put += "  {\n    size_t at = " + at + ";\n";
        if (!e && ft.kind == type_kind::text && f.counted_by != type_node::field::none) {
          put += "    " + H("put_text") + "(out + at, " + lv + ", " + cnt + ");\n    at += " + cnt + ";\n";
        } else if (!e) {
          // memcpy may not be given a null pointer, even for no bytes (a caller's empty buffer).
          put += "    if (" + cnt + " != 0u) memcpy(out + at, " + lv + ", " + cnt + ");\n    at += " + cnt + ";\n";
        } else {
          emit_loop("i0", "(size_t)" + cnt, "    ", put,
                    [&] { emit_put_var(*e, lv + "[i0]", "at", order, 1, "        ", put); });
        }
        put += "    extra = at - " + off + ";\n  }\n";
        // _get
        get += "  {\n    size_t at = " + at + ";\n";
        if (f.counted_by != type_node::field::none) {
          const std::string n = "n" + std::to_string(f.counted_by);
          if (f.count_unit == core::count_unit::bytes && es > 1)
            get += "    if (" + n + " % " + num(es) + " != 0u) return false; /* splits an element */\n    " + n + " /= " +
                   num(es) + ";\n";
          get += "    if (" + n + " > " + tail.macro + ") return false;\n";
          if (!e_varies)
            get += "    if (" + n + (es > 1 ? " * " + num(es) : "") + " > size - " + min +
                   " - extra) return false; /* more than the input holds */\n";
          get += "    {\n      const size_t count = (size_t)" + n + ";\n";
        } else if (!e_varies) {
          get += "    {\n      const size_t count = (size - at)" + (es > 1 ? " / " + num(es) : "") + ";\n";
          if (es > 1) get += "      if ((size - at) % " + num(es) + " != 0u) return false;\n";
          get += "      if (count > " + tail.macro + ") return false;\n";
        } else {  // the tail of records that vary: records until the input ends
          get += "    {\n      size_t count = 0u;\n      while (at < size) {\n        if (count == " + tail.macro +
                 ") return false;\n";
          emit_get_var(*e, lv + "[count]", "at", order, 2, "        ", get);
          get += "        ++count;\n      }\n";
        }
        if (!e) {
          if (ft.kind == type_kind::text)
            get += "      if (!" + H("get_text") + "(in + at, " + lv + ", count)) return false;\n      " + cnt +
                   (f.counted_by != type_node::field::none ? " = (uint16_t)count;\n" : " = (uint16_t)strlen(" + lv + ");\n");
          else
            get += "      if (count != 0u) memcpy(" + lv + ", in + at, count);\n      " + cnt + " = (uint16_t)count;\n";
          get += "      at += count;\n";
        } else if (f.counted_by != type_node::field::none || !e_varies) {
          get += "      " + cnt + " = (uint16_t)count;\n";
          if (e_varies) {
            emit_loop("i0", "count", "      ", get, [&] { emit_get_var(*e, lv + "[i0]", "at", order, 1, "          ", get); });
          } else {
            emit_loop("i0", "count", "      ", get, [&] {
              emit_get(*e, lv + "[i0]", "at + i0 * " + num(es), order, 1, "          ", get);
            });
            get += "      at += count * " + num(es) + ";\n";
          }
        } else {
          get += "      " + cnt + " = (uint16_t)count;\n";
        }
        get += "    }\n    extra = at - " + off + ";\n";
        if (e_varies) get += "    if (extra > size - " + min + ") return false;\n";
        get += "  }\n";
        shifted = true;
        continue;
      }
      const std::string base = member_type(ft, suffix, f.name, fpath, dims);
      if (base.empty()) continue;  // null: no bytes, no member
      add_member(f.name, fpath);
      members += "  " + base + " " + f.name + dims + ";\n";
      if (!varies(ft)) {
        emit_put(ft, lv, at, order, 0, "  ", put);
        emit_get(ft, lv, at, order, 0, "  ", get);
        continue;
      }
      // a struct or fixed array whose size varies
      max_extra += type_max(ft) - ft.min_size;
      const std::string past = ft.min_size ? " - " + num(ft.min_size) : "";
      emit_len(ft, lv, 0, "  ", len);
      put += "  {\n    size_t at = " + at + ";\n";
      emit_put_var(ft, lv, "at", order, 0, "    ", put);
      put += "    extra = at - " + off + past + ";\n  }\n";
      get += "  {\n    size_t at = " + at + ";\n";
      emit_get_var(ft, lv, "at", order, 0, "    ", get);
      get += "    extra = at - " + off + past + ";\n    if (extra > size - " + min + ") return false;\n  }\n";
      shifted = true;
    }
    info.max_size = t.min_size + max_extra;
    put = "size_t " + c + "_size(const " + c + " *v) {\n  size_t extra = 0u;\n  (void)v;\n" + len + "  return " + min +
          " + extra;\n}\n\n" + "static size_t " + c + "_put(const " + c +
          " *v, uint8_t *out, int big) {\n  size_t extra = 0u;\n  (void)v;\n  (void)out;\n  (void)big;\n" + put +
          "  return " + min + " + extra;\n}\n\n";
    get = "static bool " + c + "_get(const uint8_t *in, size_t size, " + c +
          " *v, int big, size_t *used) {\n  size_t extra = 0u;\n" + decls + "  (void)in;\n  (void)v;\n  (void)big;\n" +
          (t.min_size ? "  if (size < " + min + ") return false;\n" : "  (void)size;\n") + get + "  *used = " + min +
          " + extra;\n  return true;\n}\n\n";
  }

  // Adds to `extra` the bytes the value `lv` of a type that varies takes beyond its minimum; SIZE_MAX when it does not encode.
  void emit_len(const type_node& t, const std::string& lv, int depth, const std::string& ind, std::string& out) {
    if (t.kind == type_kind::array) {
      const std::string i = loop_var(depth);
      emit_loop(i, num(t.length), ind, out, [&] { emit_len(*t.element, lv + "[" + i + "]", depth + 1, ind + "    ", out); });
      return;
    }
    out += ind + "{\n" + ind + "  const size_t n = " + struct_cname_for(t, lv) + "_size(&" + lv + ");\n" + ind +
           "  if (n == SIZE_MAX) return SIZE_MAX;\n" + ind + "  extra += n" + (t.min_size ? " - " + num(t.min_size) : "") +
           ";\n" + ind + "}\n";
  }

  // Writes the value `lv` at out + `atv` and adds its size to the variable `atv`.
  void emit_put_var(const type_node& t, const std::string& lv, const std::string& atv, const std::string& order,
                    int depth, const std::string& ind, std::string& out) {
    if (!varies(t)) {
      emit_put(t, lv, atv, order, depth, ind, out);
      out += ind + atv + " += " + num(t.min_size) + ";\n";
    } else if (t.kind == type_kind::array) {
      const std::string i = loop_var(depth);
      emit_loop(i, num(t.length), ind, out,
                [&] { emit_put_var(*t.element, lv + "[" + i + "]", atv, order, depth + 1, ind + "    ", out); });
    } else {
      out += ind + atv + " += " + struct_cname_for(t, lv) + "_put(&" + lv + ", out + " + atv + ", " + order + ");\n";
    }
  }

  // Reads the value `lv` at in + `atv` (the input ends at `size`) and adds its size to `atv`.
  void emit_get_var(const type_node& t, const std::string& lv, const std::string& atv, const std::string& order,
                    int depth, const std::string& ind, std::string& out) {
    if (!varies(t)) {
      out += ind + "if (size - " + atv + " < " + num(t.min_size) + ") return false;\n";
      emit_get(t, lv, atv, order, depth, ind, out);
      out += ind + atv + " += " + num(t.min_size) + ";\n";
    } else if (t.kind == type_kind::array) {
      const std::string i = loop_var(depth);
      emit_loop(i, num(t.length), ind, out,
                [&] { emit_get_var(*t.element, lv + "[" + i + "]", atv, order, depth + 1, ind + "    ", out); });
    } else {
      out += ind + "{\n" + ind + "  size_t n;\n" + ind + "  if (!" + struct_cname_for(t, lv) + "_get(in + " + atv +
             ", size - " + atv + ", &" + lv + ", " + order + ", &n)) return false;\n" + ind + "  " + atv + " += n;\n" +
             ind + "}\n";
    }
  }

  void ensure_enum(const type_node& t, const std::string& suffix, const std::string& path) {
    if (enum_valid_fn_.count(&t)) return;
    const std::string cname = prefix_ + "_" + suffix;
    const std::string fn = cname + "_valid";
    enum_valid_fn_[&t] = fn;
    if (seen(cname, t.name.empty() ? "the unnamed enum " + suffix : "the enum " + t.name, path)) return;
    claim(cname, "the enum at " + path, path);
    bool fits_int = true;
    for (const auto& e : t.enumerators) fits_int = fits_int && e.value >= -2147483647 - 1 && e.value <= 2147483647;
    std::string body;
    std::string test;
    for (const auto& e : t.enumerators) {
      const std::string name = P_ + "_" + upper(suffix) + "_" + upper(c_identifier(e.name));
      claim(name, "the enumerator " + e.name + " at " + path, path);
      if (fits_int) {
        body += "  " + name + " = " + std::to_string(e.value) + ",\n";
      } else {
        types_ += "#define " + name + " " +
                  (e.value == INT64_MIN ? std::string("(-INT64_C(9223372036854775807) - 1)")
                                        : "INT64_C(" + std::to_string(e.value) + ")") + "\n";
      }
      test += (test.empty() ? "" : " ||\n         ") + std::string("v == ") + name;
    }
    if (fits_int) {
      if (body.empty()) body = "  " + P_ + "_" + upper(suffix) + "_NONE_ = 0\n";
      else body.erase(body.size() - 2, 1);  // the last comma
      types_ += "typedef enum " + cname + " {\n" + body + "} " + cname + ";\n\n";
    } else {
      types_ += "\n";
    }
    code_ += "static bool " + fn + "(int64_t v) {\n  return " + (test.empty() ? "false" : test) + ";\n}\n\n";
  }

  // The flags' bit macros; returns the mask of the named bits.
  std::uint64_t ensure_flags(const type_node& t, const std::string& suffix, const std::string& path) {
    std::uint64_t known = 0;
    for (const auto& e : t.enumerators) known |= std::uint64_t{1} << e.value;
    const std::string cname = P_ + "_" + upper(suffix);
    if (seen(cname, t.name.empty() ? "the unnamed flags " + suffix : "the flags " + t.name, path)) return known;
    for (const auto& e : t.enumerators) {
      const std::string name = cname + "_" + upper(c_identifier(e.name));
      claim(name, "the flag " + e.name + " at " + path, path);
      types_ += "#define " + name + " UINT64_C(" + hex64(std::uint64_t{1} << e.value) + ")\n";
    }
    types_ += "\n";
    return known;
  }

  // ---- codecs ---------------------------------------------------------------

  static std::string loop_var(int depth) { return "i" + std::to_string(depth); }

  // A block with `for (i = 0u; i < n; ++i) { body }`, the body written by `body()`.
  template <class Body>
  static void emit_loop(const std::string& i, const std::string& n, const std::string& ind, std::string& out,
                        Body body) {
    out += ind + "{\n" + ind + "  size_t " + i + ";\n" + ind + "  for (" + i + " = 0u; " + i + " < " + n + "; ++" + i +
           ") {\n";
    body();
    out += ind + "  }\n" + ind + "}\n";
  }

  // Writes the value `lv` of type t at out + `at`.
  void emit_put(const type_node& t, const std::string& lv, const std::string& at, const std::string& order,
                int depth, const std::string& ind, std::string& out) {
    const std::string o = t.order ? order_of(*t.order) : order;
    const std::string p = at == "0u" ? "out" : "out + " + at;
    switch (t.kind) {
      case type_kind::null:
        return;
      case type_kind::number:
        switch (t.number) {
          case core::scalar::boolean:
            out += ind + "out[" + at + "] = (uint8_t)(" + lv + " ? 1u : 0u);\n";
            return;
          case core::scalar::u8: case core::scalar::i8: case core::scalar::character:
            out += ind + "out[" + at + "] = (uint8_t)" + lv + ";\n";
            return;
          case core::scalar::f32:
            out += ind + H("put_f32") + "(" + p + ", " + lv + ", " + o + ");\n";
            return;
          case core::scalar::f64:
            out += ind + H("put_f64") + "(" + p + ", " + lv + ", " + o + ");\n";
            return;
          default:
            out += ind + H("put_uint") + "(" + p + ", (uint64_t)" + lv + ", " + num(core::size_of(t.number)) + ", " +
                   o + ");\n";
            return;
        }
      case type_kind::integer:
      case type_kind::enumeration:
      case type_kind::flags:
      case type_kind::float16:
        out += ind + H("put_uint") + "(" + p + ", (uint64_t)" + lv + ", " + num(t.min_size) + ", " + o + ");\n";
        return;
      case type_kind::text:
        out += ind + H("put_text") + "(" + p + ", " + lv + ", " + num(t.length) + ");\n";
        return;
      case type_kind::raw_bytes:
        out += ind + "memcpy(" + p + ", " + lv + ", " + num(t.length) + ");\n";
        return;
      case type_kind::dynamic_array:  // a field of its own (varying_struct)
        fail("", "internal: a sequence met as a fixed type");
      case type_kind::array: {
        const std::string i = loop_var(depth);
        const std::string n = num(t.length);
        emit_loop(i, n, ind, out, [&] {
          emit_put(*t.element, lv + "[" + i + "]", at + " + " + i + " * " + num(t.element->min_size), order,
                   depth + 1, ind + "    ", out);
        });
        return;
      }
      case type_kind::structure:
      case type_kind::bit_record:
        out += ind + struct_cname_for(t, lv) + "_put(&" + lv + ", " + p + ", " + order + ");\n";
        return;
    }
  }

  // Reads the value `lv` of type t from in + `at`; `return false` when it is no valid value.
  void emit_get(const type_node& t, const std::string& lv, const std::string& at, const std::string& order,
                int depth, const std::string& ind, std::string& out) {
    const std::string o = t.order ? order_of(*t.order) : order;
    const std::string p = at == "0u" ? "in" : "in + " + at;
    auto raw_uint = [&](std::size_t bytes) { return H("get_uint") + "(" + p + ", " + num(bytes) + ", " + o + ")"; };
    switch (t.kind) {
      case type_kind::null:
        return;
      case type_kind::number:
        switch (t.number) {
          case core::scalar::boolean:
            out += ind + "if (in[" + at + "] > 1u) return false;\n" + ind + lv + " = in[" + at + "] != 0u;\n";
            return;
          case core::scalar::u8:
            out += ind + lv + " = in[" + at + "];\n";
            return;
          case core::scalar::character:
            out += ind + lv + " = (char)in[" + at + "];\n";
            return;
          case core::scalar::f32:
            out += ind + lv + " = " + H("get_f32") + "(" + p + ", " + o + ");\n";
            return;
          case core::scalar::f64:
            out += ind + lv + " = " + H("get_f64") + "(" + p + ", " + o + ");\n";
            return;
          default: {
            const std::size_t n = core::size_of(t.number);
            const std::string raw = n == 1 ? "(uint64_t)in[" + at + "]" : raw_uint(n);
            if (is_signed_scalar(t.number))
              out += ind + lv + " = (" + scalar_type(t.number) + ")" + H("sext") + "(" + raw + ", " + num(n * 8) + ");\n";
            else
              out += ind + lv + " = (" + scalar_type(t.number) + ")" + raw + ";\n";
            return;
          }
        }
      case type_kind::integer:
        if (t.is_signed)
          out += ind + lv + " = (" + int_type(t.bits, true) + ")" + H("sext") + "(" + raw_uint(t.min_size) + ", " +
                 num(t.bits) + ");\n";
        else
          out += ind + lv + " = (" + int_type(t.bits, false) + ")" + raw_uint(t.min_size) + ";\n";
        return;
      case type_kind::enumeration: {
        const std::string raw = raw_uint(t.min_size);
        out += ind + "{\n" + ind + "  const int64_t e = " +
               (t.is_signed ? H("sext") + "(" + raw + ", " + num(t.bits) + ")" : "(int64_t)" + raw) + ";\n" + ind +
               "  if (!" + enum_valid_fn_.at(&t) + "(e)) return false;\n" + ind + "  " + lv + " = (" +
               int_type(t.bits, t.is_signed) + ")e;\n" + ind + "}\n";
        return;
      }
      case type_kind::float16:
        out += ind + lv + " = (uint16_t)" + raw_uint(2) + ";\n";
        return;
      case type_kind::flags: {
        std::uint64_t known = 0;
        for (const auto& e : t.enumerators) known |= std::uint64_t{1} << e.value;
        out += ind + "{\n" + ind + "  const uint64_t f = " + raw_uint(t.min_size) + ";\n" + ind +
               "  if ((f & ~UINT64_C(" + hex64(known) + ")) != 0u) return false;\n" + ind + "  " + lv + " = (" +
               int_type(t.bits, false) + ")f;\n" + ind + "}\n";
        return;
      }
      case type_kind::text:
        out += ind + "if (!" + H("get_text") + "(" + p + ", " + lv + ", " + num(t.length) + ")) return false;\n";
        return;
      case type_kind::raw_bytes:
        out += ind + "memcpy(" + lv + ", " + p + ", " + num(t.length) + ");\n";
        return;
      case type_kind::dynamic_array:  // a field of its own (varying_struct)
        fail("", "internal: a sequence met as a fixed type");
      case type_kind::array: {
        const std::string i = loop_var(depth);
        const std::string n = num(t.length);
        emit_loop(i, n, ind, out, [&] {
          emit_get(*t.element, lv + "[" + i + "]", at + " + " + i + " * " + num(t.element->min_size), order,
                   depth + 1, ind + "    ", out);
        });
        return;
      }
      case type_kind::structure:
      case type_kind::bit_record:
        out += ind + "if (!" + struct_cname_for(t, lv) + "_get(" + p + ", &" + lv + ", " + order + ")) return false;\n";
        return;
    }
  }

  // The generated struct of a node met while emitting code: it was generated
  // (by member_type) just before, under the name recorded here.
  std::string struct_cname_for(const type_node& t, const std::string& lv) {
    (void)lv;
    auto it = node_struct_.find(&t);
    if (it != node_struct_.end()) return it->second;
    fail("", "internal: no generated struct for a node");  // not reachable
  }

  void public_codecs(const struct_info& s) {
    const std::string& c = s.cname;
    const std::string order = order_of(p_.payload_endian());
    decls_ += "size_t " + c + "_encode(const " + c + " *value, uint8_t *out, size_t capacity);\n";
    decls_ += "bool " + c + "_decode(const uint8_t *in, size_t size, " + c + " *value);\n";
    decls_ += "size_t " + c + "_size(const " + c + " *value);\n\n";
    if (!s.varies) code_pub_ += "size_t " + c + "_size(const " + c + " *value) {\n  (void)value;\n  return " + num(s.min_size) + ";\n}\n\n";
    code_pub_ += "size_t " + c + "_encode(const " + c + " *value, uint8_t *out, size_t capacity) {\n  const size_t size = " +
                 c + "_size(value);\n  if (size == SIZE_MAX || size > capacity) return 0u;\n  if (size > 0u) memset(out, 0, size);\n  " +
                 (s.varies ? "(void)" : "") + c + "_put(value, out, " + order + ");\n  return size;\n}\n\n";
    std::string dec = "bool " + c + "_decode(const uint8_t *in, size_t size, " + c + " *value) {\n";
    if (s.varies) {
      dec += "  size_t used = 0u;\n  memset(value, 0, sizeof *value);\n  return " + c + "_get(in, size, value, " + order +
             ", &used) && used == size;\n}\n\n";
    } else {
      dec += "  if (size != " + num(s.min_size) + ") return false;\n  memset(value, 0, sizeof *value);\n  return " + c +
             "_get(in, value, " + order + ");\n}\n\n";
    }
    code_pub_ += dec;
  }

  // ---- files ----------------------------------------------------------------

  struct command_entry {
    std::uint16_t id;
    std::string name;
    std::string request;   // C struct, "" for null
    std::string response;  // likewise
  };
  struct event_entry {
    std::uint16_t id;
    std::string name;
    std::string payload;
  };

  std::string banner() const {
    return "/* Generated by `comframe gen c` from the profile of device \"" + c_comment(p_.device()) + "\" version \"" +
           c_comment(p_.version()) + "\" (hash " + hex64(p_.hash()) +
           ").\n * Do not edit: change the profile and generate again (docs/codegen.md). */\n";
  }

  static std::string c_comment(const std::string& s) {
    std::string out;
    for (const unsigned char c : s) out += (c < 0x20 || c >= 0x7f || c == '*' || c == '/') ? '_' : static_cast<char>(c);
    return out;
  }

  std::size_t max_size_of(const std::string& cname) const { return cname.empty() ? 0 : structs_.at(cname).max_size; }

  std::string handler_prototype(const command_entry& c) const {
    std::string s = "uint16_t " + prefix_ + "_on_" + c.name + "(void *user";
    if (!c.request.empty()) s += ", const " + c.request + " *request";
    if (!c.response.empty()) s += ", " + c.response + " *response";
    return s + ", const char **message)";
  }

  std::string header() const {
    const std::string guard = P_ + "_PROFILE_H";
    std::string h = banner();
    h += "#ifndef " + guard + "\n#define " + guard + "\n\n";
    h += "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n\n";
    h += "#include \"comframe/firmware/device.h\"\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
    h += "/* Command ids (the built-in describe, 0xFFF0, is served by the kit). */\n";
    char buf[16];
    for (const auto& c : commands_) {
      std::snprintf(buf, sizeof buf, "0x%04xu", c.id);
      h += "#define " + P_ + "_CMD_" + upper(c.name) + " " + buf + "\n";
    }
    h += "/* Event ids. */\n";
    for (const auto& e : events_) {
      std::snprintf(buf, sizeof buf, "0x%04xu", e.id);
      h += "#define " + P_ + "_EVT_" + upper(e.name) + " " + buf + "\n";
    }
    h += "\n/* Payload types. A dynamic array, counted field, text[] or bytes[] holds at\n * most its _MAX elements (bytes for "
         "text[] and bytes[]); its _count says how many\n * are used, and encode writes a count field from it (a count field has no member).\n"
         " * text[N] is char[N + 1], text[] char[_MAX + 1], NUL-terminated after decode\n * (encode refuses a text[] whose _count "
         "is not its length; a counted text[] may be\n * shorter than its _count, which NULs then fill). */\n";
    h += types_;
    h += "/* Codecs, in the profile's byte order (" + std::string(core::to_string(p_.payload_endian())) +
         ").\n * encode: bytes written, 0 when `capacity` is too small or a count is over its\n *   maximum (a type of 0 bytes "
         "also gives 0).\n * decode: false when the bytes are no valid value (size, bool, enum, flags, UTF-8).\n"
         " * size: the bytes `value` encodes to, SIZE_MAX when a count is over its maximum. */\n";
    h += decls_;
    h += "/* Handlers the firmware defines, one per command: return CF_OK, or an error\n * code (CF_ERR_OUT_OF_RANGE, ...) "
         "and optionally set *message (NULL at the call). */\n";
    for (const auto& c : commands_) h += handler_prototype(c) + ";\n";
    std::size_t reply = 1;
    for (const auto& c : commands_) reply = std::max(reply, max_size_of(c.response));
    h += "\n/* The command table for cf_device_config, and the reply buffer it needs\n * (the largest response payload, at "
         "least 1). */\nextern const cf_command " + prefix_ + "_commands[];\nextern const size_t " + prefix_ +
         "_command_count;\n#define " + P_ + "_REPLY_CAPACITY " + std::to_string(reply) + "u\n\n";
    h += "/* Event emitters: encode the payload and send it with cf_device_emit; false\n * when it does not encode. */\n";
    for (const auto& e : events_)
      h += "bool " + prefix_ + "_emit_" + e.name + "(cf_device *dev" +
           (e.payload.empty() ? "" : ", const " + e.payload + " *payload") + ");\n";
    const std::string text = p_.to_json().dump();
    h += "\n/* The canonical profile text describe serves, its bytes and its hash\n * (cf_fnv1a64 of the text). */\nextern const char " +
         prefix_ + "_profile_text[];\n#define " + P_ + "_PROFILE_SIZE " + std::to_string(text.size()) + "u\n#define " + P_ +
         "_PROFILE_HASH UINT64_C(" + hex64(p_.hash()) + ")\n\n";
    h += "/* Fills `config` with the command table and the profile. */\nvoid " + prefix_ +
         "_device_config(cf_device_config *config, void *user, uint8_t *reply_buffer, size_t reply_capacity,\n" +
         std::string(prefix_.size() + 20, ' ') + "cf_putc_fn putc, void *putc_user);\n\n";
    h += "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
    return h;
  }

  std::string source() const {
    std::string s = banner();
    s += "#include \"" + prefix_ + "_profile.h\"\n\n#include <string.h>\n\n";
    for (const auto& x : helpers())
      if (used_helpers_.count(x.name)) {
        std::string t = x.text;
        for (std::size_t at = 0; (at = t.find("P_", at)) != std::string::npos;) {
          t.replace(at, 2, prefix_ + "_");
          at += prefix_.size() + 1;
        }
        s += t + "\n";
      }
    s += code_;
    s += code_pub_;
    // adapters
    for (const auto& c : commands_) {
      s += "static uint16_t " + prefix_ + "_" + c.name +
           "_adapter(void *user, const cf_frame *frame, cf_reply *reply) {\n";
      if (!c.request.empty()) s += "  " + c.request + " request;\n";
      if (!c.response.empty()) s += "  " + c.response + " response;\n";
      s += "  const char *message = NULL;\n  uint16_t code;\n";
      if (!c.request.empty())
        s += "  if (!" + c.request + "_decode(frame->payload, frame->payload_size, &request)) return CF_ERR_BAD_REQUEST;\n";
      else
        s += "  if (frame->payload_size != 0u) return CF_ERR_BAD_REQUEST;\n";
      if (!c.response.empty()) s += "  memset(&response, 0, sizeof response);\n";
      s += "  code = " + prefix_ + "_on_" + c.name + "(user" + (c.request.empty() ? "" : ", &request") +
           (c.response.empty() ? "" : ", &response") + ", &message);\n";
      s += "  if (code != CF_OK) {\n    reply->message = message;\n    return code;\n  }\n";
      if (!c.response.empty()) {
        s += "  {\n    const size_t size = " + c.response + "_size(&response);\n" +
             "    if (size == SIZE_MAX || size > reply->capacity) {\n" +
             "      reply->message = \"the response does not encode: a count over its maximum or a reply buffer too small\";\n" +
             "      return CF_ERR_INTERNAL;\n    }\n    reply->size = " + c.response +
             "_encode(&response, reply->payload, reply->capacity);\n  }\n";
      }
      s += "  return CF_OK;\n}\n\n";
    }
    s += "const cf_command " + prefix_ + "_commands[] = {\n";
    if (commands_.empty()) s += "  {0u, NULL}  /* no commands but describe; a NULL handler counts as absent */\n";
    for (const auto& c : commands_) s += "  {" + P_ + "_CMD_" + upper(c.name) + ", " + prefix_ + "_" + c.name + "_adapter},\n";
    s += "};\nconst size_t " + prefix_ + "_command_count = " + std::to_string(commands_.size()) + "u;\n\n";
    for (const auto& e : events_) {
      if (e.payload.empty()) {
        s += "bool " + prefix_ + "_emit_" + e.name + "(cf_device *dev) {\n  cf_device_emit(dev, " + P_ + "_EVT_" +
             upper(e.name) + ", NULL, 0u);\n  return true;\n}\n\n";
        continue;
      }
      if (structs_.at(e.payload).max_size == 0) {  // no bytes to encode
        s += "bool " + prefix_ + "_emit_" + e.name + "(cf_device *dev, const " + e.payload + " *payload) {\n  (void)payload;\n" +
             "  cf_device_emit(dev, " + P_ + "_EVT_" + upper(e.name) + ", NULL, 0u);\n  return true;\n}\n\n";
        continue;
      }
      const std::string m = structs_.at(e.payload).macro + "_MAX_SIZE";
      s += "bool " + prefix_ + "_emit_" + e.name + "(cf_device *dev, const " + e.payload + " *payload) {\n  uint8_t buffer[" +
           m + "];\n  const size_t size = " + e.payload + "_size(payload);\n" +
           "  if (size == SIZE_MAX || size > sizeof buffer) return false;\n  cf_device_emit(dev, " + P_ + "_EVT_" +
           upper(e.name) + ", buffer, " + e.payload + "_encode(payload, buffer, sizeof buffer));\n  return true;\n}\n\n";
    }
    s += profile_text();
    s += "void " + prefix_ +
         "_device_config(cf_device_config *config, void *user, uint8_t *reply_buffer, size_t reply_capacity,\n" +
         std::string(prefix_.size() + 20, ' ') + "cf_putc_fn putc, void *putc_user) {\n" + "  config->commands = " +
         prefix_ + "_commands;\n  config->command_count = " + prefix_ + "_command_count;\n  config->profile_text = " +
         prefix_ + "_profile_text;\n  config->profile_size = " + P_ + "_PROFILE_SIZE;\n  config->profile_hash = " + P_ +
         "_PROFILE_HASH;\n  config->user = user;\n  config->reply_buffer = reply_buffer;\n  config->reply_capacity = reply_capacity;\n"
         "  config->putc = putc;\n  config->putc_user = putc_user;\n}\n";
    return s;
  }

  // The profile text as a char array (a string literal over 4095 bytes is not portable C99).
  std::string profile_text() const {
    const std::string text = p_.to_json().dump();
    std::string s = "/* The canonical profile text (" + std::to_string(text.size()) + " bytes and a NUL). */\nconst char " +
                    prefix_ + "_profile_text[] = {\n";
    std::string line = " ";
    for (const unsigned char c : text) {
      std::string lit;
      if (c == '\'' || c == '\\') lit = std::string("'\\") + static_cast<char>(c) + "'";
      else if (c >= 0x20 && c < 0x7f) lit = std::string("'") + static_cast<char>(c) + "'";
      else {
        char buf[8];
        std::snprintf(buf, sizeof buf, "'\\%03o'", c);
        lit = buf;
      }
      if (line.size() + lit.size() + 2 > 100) {
        s += line + "\n";
        line = " ";
      }
      line += " " + lit + ",";
    }
    s += line + " '\\0'\n};\n\n";
    return s;
  }

  const profile& p_;
  const c_options& o_;
  std::string prefix_, P_;
  std::map<std::string, std::string> idents_;
  std::map<std::string, struct_info> structs_;
  std::map<const type_node*, std::string> node_struct_;
  std::map<const type_node*, std::string> enum_valid_fn_;
  std::map<std::string, std::string> generated_;  // C type name -> what it stands for
  std::deque<type_node> wrappers_;
  std::deque<tail_info> tails_;
  std::set<std::string> used_keys_;
  std::set<std::string> used_helpers_;
  std::vector<command_entry> commands_;
  std::vector<event_entry> events_;
  std::string types_, decls_, code_, code_pub_;

};

}  // namespace

std::string c_identifier(const std::string& name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c == ':' && i + 1 < name.size() && name[i + 1] == ':') {
      out += '_';
      ++i;
    } else if (std::isalnum(c) || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += '_';
    }
  }
  if (!out.empty() && std::isdigit(static_cast<unsigned char>(out[0]))) out.insert(out.begin(), '_');
  return out;
}

std::vector<generated_file> generate_c(const profile& p, const c_options& options) {
  return c_generator(p, options).run();
}

}  // namespace comframe::devices

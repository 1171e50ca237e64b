// The C++ generator of comframe/devices/codegen.hpp.
//
// The output is the static face of the profile's types, written so that
// core::schema::of<T>() exports exactly the profile's definitions: a named
// struct, bit record or enum becomes a C++ type of that name (a name with "::"
// in its namespaces, any other in the device's namespace) with
// core::type_name specialised to the profile's name; gaps become
// core::reserved / reserved_bits members; a field's "endian" a core::ordered
// member. What the static face cannot write so that it exports the same text
// (an alias, an anonymous struct or enum, a struct field whose type fixes its
// own byte order) is refused with the path, so the round trip holds whenever
// generation succeeds.
#include <cctype>
#include <cstdio>
#include <set>

#include "comframe/core/error.hpp"
#include "comframe/devices/codegen.hpp"

namespace comframe::devices {

namespace {

using core::type_kind;
using core::type_node;

[[noreturn]] void fail(const std::string& path, const std::string& detail) {
  throw comframe::error("devices.codegen", detail, {"", path, std::nullopt});
}

// What the static face (core::counted) cannot declare, refused by name rather
// than generated into code that does not compile: text[] / bytes[], records
// with counted fields inside arrays, a counted record that also ends in a
// dynamic array.
void refuse_counted(const core::type_node& t, const std::string& path, const char* gen) {
  using core::type_kind;
  if ((t.kind == type_kind::text || t.kind == type_kind::raw_bytes) && t.dynamic)
    fail(path, std::string(gen) + " does not support \"text[]\" or \"bytes[]\" (core::counted holds a std::vector); "
                                  "use a counted \"u8[]\" or a fixed length");
  if (t.element) {
    if (t.element->counted)
      fail(path, std::string(gen) + ": the static face keeps a struct with a counted field out of arrays");
    refuse_counted(*t.element, path + "[]", gen);
  }
  if (t.kind == type_kind::structure && t.counted && t.dynamic)
    fail(path, std::string(gen) + ": the static face cannot declare a struct with a counted field that also ends in "
                                  "a dynamic array; count that one too");
  for (const auto& f : t.fields)
    if (t.kind == type_kind::structure) refuse_counted(*f.type, path + "." + f.name, gen);
}

const std::set<std::string>& cpp_reserved() {
  static const std::set<std::string> words = {
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch",
      "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr",
      "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default", "delete",
      "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for",
      "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
      "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
      "requires", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast", "struct",
      "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid", "typename",
      "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq"};
  return words;
}

std::string cpp_string(const std::string& s) {
  std::string out = "\"";
  for (const unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f && c != '?') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    }
  }
  return out + "\"";
}

std::string int_type(unsigned bits, bool is_signed) {
  const unsigned w = bits <= 8 ? 8 : bits <= 16 ? 16 : bits <= 32 ? 32 : 64;
  return std::string(is_signed ? "std::int" : "std::uint") + std::to_string(w) + "_t";
}

std::string scalar_type(core::scalar s) {
  switch (s) {
    case core::scalar::f32: return "float";
    case core::scalar::f64: return "double";
    case core::scalar::boolean: return "bool";
    case core::scalar::character: return "char";
    default: return int_type(static_cast<unsigned>(core::size_of(s) * 8), s >= core::scalar::i8 && s <= core::scalar::i64);
  }
}

std::string endian_name(core::endian e) {
  return "comframe::core::endian::" + std::string(core::to_string(e));
}

class cpp_generator {
 public:
  cpp_generator(const profile& p, const cpp_options& o) : p_(p), canonical_(p.to_json()) {
    ns_ = o.name_space.empty() ? c_identifier(p.device().empty() ? "device" : p.device()) : o.name_space;
    for (std::size_t at = 0;;) {  // every segment of the namespace an identifier
      const auto next = ns_.find("::", at);
      const std::string seg = ns_.substr(at, next == std::string::npos ? std::string::npos : next - at);
      if (seg.empty() || c_identifier(seg) != seg || cpp_reserved().count(seg))
        fail("", "--namespace \"" + ns_ + "\" is not a C++ namespace name");
      if (next == std::string::npos) break;
      at = next + 2;
    }
  }

  std::string run() {
    std::string aliases;
    std::vector<std::string> items;
    const auto& cmds = p_.commands();
    for (std::size_t i = 0; i < cmds.size(); ++i) {
      const auto& c = cmds[i];
      if (c.id >= first_reserved_command) continue;  // builtin::describe: profile::of adds it
      const std::string path = "commands[" + std::to_string(i) + "]";
      flags_ns_ = ns_;
      flags_owner_ = c.name;
      flags_field_ = "request";
      const std::string req = (refuse_counted(c.request.root(), path + ".request", "gen cpp"), type_of(c.request.root(), path + ".request", false));
      flags_ns_ = ns_;
      flags_owner_ = c.name;
      flags_field_ = "response";
      const std::string resp = (refuse_counted(c.response.root(), path + ".response", "gen cpp"), type_of(c.response.root(), path + ".response", false));
      claim(ns_, c.name, "command " + c.name, path);
      char id[16];
      std::snprintf(id, sizeof id, "0x%04x", c.id);
      aliases += "using " + c.name + " = comframe::devices::command<" + id + ", " + req + ", " + resp + ", \"" + c.name +
                 "\">;\n";
      items.push_back(c.name);
    }
    const auto& evs = p_.events();
    for (std::size_t i = 0; i < evs.size(); ++i) {
      const auto& e = evs[i];
      const std::string path = "events[" + std::to_string(i) + "]";
      flags_ns_ = ns_;
      flags_owner_ = e.name;
      flags_field_ = "payload";
      const std::string payload = (refuse_counted(e.payload.root(), path + ".payload", "gen cpp"), type_of(e.payload.root(), path + ".payload", false));
      claim(ns_, e.name, "event " + e.name, path);
      char id[16];
      std::snprintf(id, sizeof id, "0x%04x", e.id);
      aliases += "using " + e.name + " = comframe::devices::event<" + id + ", " + payload + ", \"" + e.name + "\">;\n";
      items.push_back(e.name);
    }
    claim(ns_, "profile", "the function profile()", "");

    char hash[32];
    std::snprintf(hash, sizeof hash, "0x%016llx", static_cast<unsigned long long>(p_.hash()));
    std::string out = "// Generated by `comframe gen cpp` from the profile of device " + cpp_string(p_.device()) +
                      " version " + cpp_string(p_.version()) + " (hash " + hash +
                      ").\n// Do not edit: change the profile and generate again (docs/codegen.md).\n"
                      "// " + ns_ + "::profile() exports the same canonical profile and hash.\n#pragma once\n\n";
    out += "#include <array>\n#include <boost/describe.hpp>\n#include <cstdint>\n#include <string_view>\n#include <vector>\n\n";
    out += "#include \"comframe/core/codec.hpp\"\n#include \"comframe/core/flags.hpp\"\n#include \"comframe/core/float16.hpp\"\n"
           "#include \"comframe/core/layout.hpp\"\n#include \"comframe/core/type_name.hpp\"\n"
           "#include \"comframe/devices/command.hpp\"\n#include \"comframe/devices/profile.hpp\"\n\n";
    out += decls_;
    out += specialisations_;
    out += "\nnamespace " + ns_ + " {\n\n" + aliases + "\n/// The device's profile: device " + cpp_string(p_.device()) +
           ", version " + cpp_string(p_.version()) + ", " + std::string(core::to_string(p_.payload_endian())) +
           "-endian payloads.\ninline comframe::devices::profile profile() {\n  return comframe::devices::profile::of<";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
    out += ">(" + cpp_string(p_.device()) + ", " + cpp_string(p_.version()) + ", " + endian_name(p_.payload_endian()) +
           ");\n}\n\n}  // namespace " + ns_ + "\n";
    return out;
  }

 private:
  void claim(const std::string& ns, const std::string& ident, const std::string& origin, const std::string& path) {
    auto [it, fresh] = idents_.emplace(ns + "::" + ident, origin);
    if (!fresh && it->second != origin)
      fail(path, "the C++ name " + ns + "::" + ident + " would stand for both " + it->second + " and " + origin +
                     "; rename one of them in the profile");
  }

  void check_name(const std::string& name, const std::string& path) {
    if (cpp_reserved().count(name)) fail(path, "the name \"" + name + "\" is a C++ keyword; rename it in the profile");
  }

  // A named type's namespace and identifier: "a::b::c" -> ("a::b", "c"); "c" -> (device namespace, "c").
  std::pair<std::string, std::string> place(const std::string& name, const std::string& path) {
    const auto at = name.rfind("::");
    std::string ns = at == std::string::npos ? ns_ : c_identifier(name.substr(0, at));
    if (at != std::string::npos) {  // each segment an identifier
      std::string segs;
      for (std::size_t from = 0;;) {
        const auto next = name.find("::", from);
        if (next == std::string::npos || next >= at) {
          segs += c_identifier(name.substr(from, at - from));
          break;
        }
        segs += c_identifier(name.substr(from, next - from)) + "::";
        from = next + 2;
      }
      ns = segs;
    }
    std::string ident = c_identifier(at == std::string::npos ? name : name.substr(at + 2));
    if (ident.empty() || cpp_reserved().count(ident))
      fail(path, "the type name \"" + name + "\" gives no usable C++ identifier; rename it in the profile");
    return {ns, ident};
  }

  // The definition of a named type in the canonical profile; refuses an alias.
  const nlohmann::json& definition(const std::string& name, const std::string& path) {
    const auto& types = canonical_["types"];
    auto it = types.find(name);
    if (it == types.end()) fail(path, "internal: the named type \"" + name + "\" is not in the profile");
    if (!it->is_object() || !(it->contains("struct") || it->contains("bits") || it->contains("enum")))
      fail(path, "the type \"" + name + "\" names another type expression (" + it->dump() +
                     "); C++ declarations cannot export such a name: use its definition where it is used");
    return *it;
  }

  // The C++ type of a schema node. `direct`: the node is the type of a struct
  // field, where a core::ordered member would export as the field's "endian".
  std::string type_of(const type_node& t, const std::string& path, bool direct) {
    if (!t.name.empty() && t.kind != type_kind::structure && t.kind != type_kind::bit_record &&
        t.kind != type_kind::enumeration)
      definition(t.name, path);  // throws: an alias of a scalar, array, flags …
    auto ordered = [&](const std::string& inner) {
      if (!t.order) return inner;
      if (direct)
        fail(path, "the field's type fixes its own byte order; C++ declarations export that as the field's "
                   "\"endian\", another profile text: give the order as the field's \"endian\"");
      return "comframe::core::ordered<" + inner + ", " + endian_name(*t.order) + ">";
    };
    switch (t.kind) {
      case type_kind::null:
        return "comframe::core::null";
      case type_kind::number:
        return ordered(scalar_type(t.number));
      case type_kind::integer:
        return ordered("comframe::core::" + std::string(t.is_signed ? "int_n<" : "uint_n<") + std::to_string(t.bits) + ">");
      case type_kind::float16:
        return ordered("comframe::core::float16");
      case type_kind::text:
        return "comframe::core::fixed_string<" + std::to_string(t.length) + ">";
      case type_kind::raw_bytes:
        return "comframe::core::fixed_bytes<" + std::to_string(t.length) + ">";
      case type_kind::array:
        return "std::array<" + type_of(*t.element, path + "[]", false) + ", " + std::to_string(t.length) + ">";
      case type_kind::dynamic_array:
        return "std::vector<" + type_of(*t.element, path + "[]", false) + ">";
      case type_kind::enumeration:
        if (t.order) fail(path, "an enum with its own byte order has no C++ declaration that exports the same text");
        return ensure_enum(t, path);
      case type_kind::flags:
        return flags_type(t, flags_ns_, flags_owner_, flags_field_, path);
      case type_kind::structure:
      case type_kind::bit_record:
        return ensure_struct(t, path);
    }
    fail(path, "a type of kind " + std::to_string(static_cast<int>(t.kind)) + " cannot be declared in C++");
  }

  // A named type's namespace, identifier and qualified name, and whether it
  // still has to be declared (false when it was declared already). `what` is
  // "enum" or "struct": a type without a name is refused.
  struct named_type {
    std::string ns, ident, q;
    bool fresh;
  };
  named_type begin_named(const type_node& t, const std::string& what, const std::string& path) {
    if (t.name.empty())
      fail(path, "a" + std::string(what == "enum" ? "n " : " ") + what + " without a name: C++ declarations export every " +
                     what + " as a named type; name it in \"types\"");
    definition(t.name, path);
    auto [ns, ident] = place(t.name, path);
    named_type n{ns, ident, "::" + ns + "::" + ident, !done_.count(t.name)};
    if (!n.fresh) return n;
    done_.insert(t.name);
    claim(ns, ident, "the type " + t.name, path);
    return n;
  }

  std::string ensure_enum(const type_node& t, const std::string& path) {
    const auto [ns, ident, q, fresh] = begin_named(t, "enum", path);
    if (!fresh) return q;
    if (t.bits != 8 && t.bits != 16 && t.bits != 32 && t.bits != 64)
      fail(path, "an enum of " + std::to_string(t.bits) + " bits: a C++ enum's underlying type has 8, 16, 32 or 64");
    std::string body, names;
    for (const auto& e : t.enumerators) {
      check_name(e.name, path);
      std::string v;
      if (t.is_signed) v = e.value == INT64_MIN ? "(-9223372036854775807 - 1)" : std::to_string(e.value);
      else v = std::to_string(static_cast<std::uint64_t>(e.value)) + "u";
      body += (body.empty() ? "" : ", ") + e.name + " = " + v;
      names += ", " + e.name;
    }
    decls_ += "namespace " + ns + " {\nenum class " + ident + " : " + int_type(t.bits, t.is_signed) + " { " + body +
              " };\nBOOST_DESCRIBE_ENUM(" + ident + names + ")\n}  // namespace " + ns + "\n\n";
    name_type(q, t.name);
    return q;
  }

  void name_type(const std::string& q, const std::string& name) {
    specialisations_ += "template <>\nstruct comframe::core::type_name<" + q +
                        "> {\n  static constexpr std::string_view value = " + cpp_string(name) + ";\n};\n";
  }

  // A flag set's bit names as an enum in the struct's namespace.
  std::string flags_type(const type_node& t, const std::string& ns, const std::string& owner,
                          const std::string& field, const std::string& path) {
    if (!t.name.empty()) definition(t.name, path);  // throws: a named flag set
    if (t.order) fail(path, "a flag set with its own byte order has no C++ declaration that exports the same text");
    if (t.bits != 8 && t.bits != 16 && t.bits != 32 && t.bits != 64)
      fail(path, "a flag set of " + std::to_string(t.bits) + " bits: core::flags needs an unsigned type of 8, 16, 32 or 64");
    const std::string ident = owner + "_" + field + "_flag";
    claim(ns, ident, "the flags at " + path, path);
    std::string body, names;
    for (const auto& e : t.enumerators) {
      check_name(e.name, path);
      body += (body.empty() ? "" : ", ") + e.name + " = " + std::to_string(e.value);
      names += ", " + e.name;
    }
    decls_ += "namespace " + ns + " {\n/// The bit positions of " + owner + "::" + field + ".\nenum class " + ident +
              " : std::uint8_t { " + body + " };\nBOOST_DESCRIBE_ENUM(" + ident + names + ")\n}  // namespace " + ns +
              "\n\n";
    return "comframe::core::flags<::" + ns + "::" + ident + ", " + int_type(t.bits, false) + ">";
  }

  std::string ensure_struct(const type_node& t, const std::string& path) {
    const auto [ns, ident, q, fresh] = begin_named(t, "struct", path);
    if (!fresh) return q;
    std::string members, names;
    std::size_t gaps = 0;
    auto member = [&](const std::string& type, const std::string& name) {
      members += "  " + type + " " + name + ";\n";
      names += (names.empty() ? "" : ", ") + name;
    };
    auto gap = [&](const std::string& type) { member(type, "reserved_" + std::to_string(++gaps) + "_"); };
    if (t.kind == type_kind::structure) {
      std::size_t pos = 0;
      for (const auto& f : t.fields) {
        const std::string fpath = path + "." + f.name;
        check_name(f.name, fpath);
        if (f.offset > pos) gap("comframe::core::reserved<" + std::to_string(f.offset - pos) + ">");
        pos = f.offset + f.type->min_size;
        flags_ns_ = ns;  // a flag set's bit names become ident_field_flag
        flags_owner_ = ident;
        flags_field_ = f.name;
        std::string type = type_of(*f.type, fpath, true);
        if (f.counted_by != core::type_node::field::none) {
          if (f.order) fail(fpath, "a counted field with an \"endian\" of its own cannot be declared in C++; give "
                                   "its elements the byte order (\">u16[]\")");
          type = "comframe::core::counted<" + type + ", " + cpp_string(t.fields[f.counted_by].name) +
                 (f.count_unit == core::count_unit::bytes ? ", comframe::core::count_unit::bytes" : "") + ">";
        }
        if (f.order) {
          if (f.type->kind == type_kind::flags && f.type->order)
            fail(fpath, "a field with an \"endian\" whose type fixes another order");
          type = "comframe::core::ordered<" + type + ", " + endian_name(*f.order) + ">";
        }
        member(type, f.name);
      }
      if (!t.dynamic && t.min_size > pos) gap("comframe::core::reserved<" + std::to_string(t.min_size - pos) + ">");
    } else {
      std::size_t pos = 0;
      auto bit_gap = [&](std::size_t n) {
        while (n > 0) {
          const std::size_t w = n > 64 ? 64 : n;
          gap("comframe::core::reserved_bits<" + std::to_string(w) + ">");
          n -= w;
        }
      };
      for (const auto& f : t.fields) {
        const std::string fpath = path + "." + f.name;
        check_name(f.name, fpath);
        if (f.bit_offset > pos) bit_gap(f.bit_offset - pos);
        pos = f.bit_offset + f.bit_width * (f.count ? f.count : 1);
        const type_node& ft = *f.type;
        std::string value;
        if (ft.kind == type_kind::number && ft.number == core::scalar::boolean) {
          value = "bool";
        } else if (ft.kind == type_kind::enumeration) {
          value = ensure_enum(ft, fpath);
        } else if (ft.kind == type_kind::number) {
          value = int_type(f.bit_width, ft.number >= core::scalar::i8 && ft.number <= core::scalar::i64);
        } else if (ft.kind == type_kind::integer) {
          value = int_type(f.bit_width, ft.is_signed);
        } else {
          fail(fpath, "a bit field of this kind (a flag set) has no C++ declaration (core::bit_field takes bool, "
                      "integers and enums)");
        }
        std::string type = "comframe::core::bit_field<" + value + ", " + std::to_string(f.bit_width) + ">";
        if (f.count) type = "std::array<" + type + ", " + std::to_string(f.count) + ">";
        member(type, f.name);
      }
      if (t.bit_size > pos) bit_gap(t.bit_size - pos);
      if (t.bit_order == core::bit_order::lsb)
        specialisations_ += "template <>\ninline constexpr comframe::core::bit_order comframe::core::bit_order_of<" + q +
                            "> = comframe::core::bit_order::lsb;\n";
    }
    decls_ += "namespace " + ns + " {\nstruct " + ident + " {\n" + members + "};\nBOOST_DESCRIBE_STRUCT(" + ident +
              ", (), (" + names + "))\n}  // namespace " + ns + "\n\n";
    name_type(q, t.name);
    return q;
  }

  const profile& p_;
  nlohmann::json canonical_;
  std::string ns_;
  std::map<std::string, std::string> idents_;
  std::set<std::string> done_;
  std::string decls_, specialisations_;
  std::string flags_ns_, flags_owner_, flags_field_;  // where a flag set met now names its bits
};

}  // namespace

std::string generate_cpp(const profile& p, const cpp_options& options) { return cpp_generator(p, options).run(); }

}  // namespace comframe::devices

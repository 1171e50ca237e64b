#include "comframe/transport/framing_spec.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <initializer_list>
#include <set>
#include <utility>

#include "comframe/core/hex.hpp"
#include "comframe/core/schema.hpp"

namespace comframe::transport {

std::string_view to_string(header_role r) noexcept {
  switch (r) {
    case header_role::command: return "command";
    case header_role::sequence: return "sequence";
    case header_role::kind: return "kind";
    case header_role::length: return "length";
    case header_role::address: return "address";
  }
  return "unknown";
}

framing_spec_error::framing_spec_error(std::string path, std::string detail)
    : comframe::error("transport.framing", std::move(detail), {{}, std::move(path), std::nullopt}) {}

bool framing_spec::is_default() const noexcept { return *this == framing_spec{}; }

std::size_t framing_spec::check_size() const noexcept {
  switch (check) {
    case check_kind::none: return 0;
    case check_kind::crc: return crc.width / 8;
    case check_kind::sum8:
    case check_kind::xor8: return 1;
  }
  return 0;
}

const header_field* framing_spec::field(header_role r) const noexcept {
  for (const auto& f : fields)
    if (f.role == r) return &f;
  return nullptr;
}

// ---------------------------------------------------------------------------
// names

namespace {

using json = nlohmann::json;

struct named_entry {
  std::string_view name;
  std::string_view alias;
  crc_parameters p;
};

const std::vector<named_entry>& catalogue() {
  static const std::vector<named_entry> c = {
      {"CRC-16/MODBUS", "", {16, 0x8005, 0xFFFF, true, true, 0, "CRC-16/MODBUS"}},
      {"CRC-16/IBM-3740", "CRC-16/CCITT-FALSE", {16, 0x1021, 0xFFFF, false, false, 0, "CRC-16/IBM-3740"}},
      {"CRC-16/XMODEM", "", {16, 0x1021, 0, false, false, 0, "CRC-16/XMODEM"}},
      {"CRC-16/KERMIT", "", {16, 0x1021, 0, true, true, 0, "CRC-16/KERMIT"}},
      {"CRC-8/SMBUS", "", {8, 0x07, 0, false, false, 0, "CRC-8/SMBUS"}},
      {"CRC-32/ISO-HDLC", "", {32, 0x04C11DB7, 0xFFFFFFFF, true, true, 0xFFFFFFFF, "CRC-32/ISO-HDLC"}},
      {"CRC-32C", "CRC-32/ISCSI", {32, 0x1EDC6F41, 0xFFFFFFFF, true, true, 0xFFFFFFFF, "CRC-32C"}},
  };
  return c;
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

constexpr std::string_view kind_names[] = {"cobs", "slip", "hdlc", "length", "schema_length", "line"};
constexpr std::string_view counts_names[] = {"payload", "payload_check", "after_length", "frame"};
constexpr std::string_view covers_names[] = {"header_payload", "payload", "frame"};
constexpr std::string_view role_names[] = {"command", "sequence", "kind", "length", "address"};
constexpr std::string_view match_names[] = {"sequence", "command", "order", "address_command"};
constexpr std::string_view frame_kind_names[] = {"request", "response", "event", "error"};

template <std::size_t N>
std::string one_of(const std::string_view (&names)[N]) {
  std::string s;
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) s += i + 1 == N ? " or " : ", ";
    s += "\"";
    s += names[i];
    s += "\"";
  }
  return s;
}

std::string hex_number(std::uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 0xF]);
    v >>= 4;
  } while (v != 0);
  return "0x" + s;
}

std::string describe(const json& v) {
  std::string text = v.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

// ---------------------------------------------------------------------------
// the reader: every getter names the path

class reader {
 public:
  explicit reader(std::string root) : root_(std::move(root)) {}

  std::string at(std::string_view sub) const { return root_ + "." + std::string(sub); }

  [[noreturn]] static void fail(const std::string& path, std::string detail) {
    throw framing_spec_error(path, std::move(detail));
  }

  static void object(const json& v, const std::string& path) {
    if (!v.is_object()) fail(path, "must be an object, not " + describe(v));
  }
  static void only_keys(const json& v, const std::string& path, std::initializer_list<std::string_view> keys) {
    object(v, path);
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (std::find(keys.begin(), keys.end(), it.key()) != keys.end()) continue;
      std::string known;
      for (auto k : keys) known += (known.empty() ? "" : ", ") + std::string(k);
      fail(path + "." + it.key(), "unknown key (known here: " + known + ")");
    }
  }
  static std::string text(const json& v, const std::string& path) {
    if (!v.is_string()) fail(path, "must be a string, not " + describe(v));
    return v.get<std::string>();
  }
  template <std::size_t N>
  static std::size_t choice(const json& v, const std::string& path, const std::string_view (&names)[N]) {
    const std::string s = text(v, path);
    for (std::size_t i = 0; i < N; ++i)
      if (names[i] == s) return i;
    fail(path, "\"" + s + "\" is not one of " + one_of(names));
  }
  // An unsigned integer as a JSON integer or a "0x…" string, at most `max`.
  static std::uint64_t number(const json& v, const std::string& path, std::uint64_t max) {
    std::uint64_t n = 0;
    if (v.is_number_unsigned()) {
      n = v.get<std::uint64_t>();
    } else if (v.is_number_integer()) {
      if (v.get<std::int64_t>() < 0) fail(path, describe(v) + " is negative; expected 0 to " + std::to_string(max));
      n = static_cast<std::uint64_t>(v.get<std::int64_t>());
    } else if (v.is_string()) {
      const std::string s = v.get<std::string>();
      if (s.size() < 3 || s.size() > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') ||
          !std::all_of(s.begin() + 2, s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
        fail(path, "\"" + s + "\" is not an integer (a number, or hex as \"0x…\")");
      n = std::stoull(s.substr(2), nullptr, 16);
    } else {
      fail(path, "must be an integer (a number, or hex as \"0x…\"), not " + describe(v));
    }
    if (n > max) fail(path, std::to_string(n) + " is out of range; expected 0 to " + std::to_string(max));
    return n;
  }
  static bool boolean(const json& v, const std::string& path) {
    if (!v.is_boolean()) fail(path, "must be true or false, not " + describe(v));
    return v.get<bool>();
  }

 private:
  std::string root_;
};

std::uint64_t max_of(std::size_t bytes) {
  return bytes >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * bytes)) - 1;
}

// ---------------------------------------------------------------------------
// the parts

void parse_delimiting(framing_spec& s, const json& d, const std::string& path) {
  reader::object(d, path);
  if (!d.contains("kind")) reader::fail(path + ".kind", "missing; one of " + one_of(kind_names));
  s.delimiting = static_cast<delimiting_kind>(reader::choice(d.at("kind"), path + ".kind", kind_names));
  switch (s.delimiting) {
    case delimiting_kind::length:
      reader::only_keys(d, path, {"kind", "sync", "counts", "adjust"});
      if (d.contains("sync")) {
        const std::string hex = reader::text(d.at("sync"), path + ".sync");
        try {
          s.sync = core::parse_hex(hex);
        } catch (const comframe::error& e) {
          reader::fail(path + ".sync", e.detail());
        }
        if (s.sync.size() > 16) reader::fail(path + ".sync", "at most 16 sync bytes, not " + std::to_string(s.sync.size()));
      }
      if (d.contains("counts"))
        s.counts = static_cast<length_counts>(reader::choice(d.at("counts"), path + ".counts", counts_names));
      if (d.contains("adjust")) {
        const json& a = d.at("adjust");
        if (!a.is_number_integer() || a.get<std::int64_t>() < -65536 || a.get<std::int64_t>() > 65536)
          reader::fail(path + ".adjust", "must be an integer from -65536 to 65536, not " + describe(a));
        s.adjust = a.get<std::int64_t>();
      }
      break;
    case delimiting_kind::line:
      reader::only_keys(d, path, {"kind", "terminator", "max_length"});
      if (d.contains("terminator")) {
        s.terminator = reader::text(d.at("terminator"), path + ".terminator");
        if (s.terminator != "\n" && s.terminator != "\r\n" && s.terminator != "\r")
          reader::fail(path + ".terminator", describe(d.at("terminator")) + R"( is not one of "\n", "\r\n" or "\r")");
      }
      if (d.contains("max_length")) {
        const std::uint64_t n = reader::number(d.at("max_length"), path + ".max_length", 65536);
        if (n == 0) reader::fail(path + ".max_length", "must be 1 to 65536, not 0");
        s.max_line = n;
      }
      break;
    default: reader::only_keys(d, path, {"kind"});
  }
}

// A header field's byte order: its own ("<u16", ">u16") or its field's
// "endian", else little (docs/framing.md).
core::endian field_order(const core::type_node::field& f) {
  if (f.type->order && *f.type->order != core::endian::native) return *f.type->order;
  if (f.order && *f.order != core::endian::native) return *f.order;
  return core::endian::little;
}

void parse_header(framing_spec& s, const json& h, const std::string& path) {
  reader::only_keys(h, path, {"type", "roles", "values", "kinds"});
  if (!h.contains("type")) reader::fail(path + ".type", "missing: the header's type, a struct of unsigned integers");
  s.header_type = h.at("type");
  core::schema sc;
  try {
    sc = core::schema::from_json(s.header_type);
  } catch (const comframe::error& e) {
    reader::fail(path + ".type" + (e.path().empty() ? "" : "." + e.path()), e.detail());
  }
  if (!sc.has_root() || sc.root().kind != core::type_kind::structure)
    reader::fail(path + ".type", "must be a struct of unsigned integers of 1 to 8 bytes");
  const core::type_node& root = sc.root();
  for (const auto& f : root.fields) {
    const core::type_node& t = *f.type;
    std::size_t size = 0;
    if (t.kind == core::type_kind::number &&
        (t.number == core::scalar::u8 || t.number == core::scalar::u16 || t.number == core::scalar::u32 ||
         t.number == core::scalar::u64))
      size = core::size_of(t.number);
    else if (t.kind == core::type_kind::integer && !t.is_signed && t.bits % 8 == 0 && t.bits >= 8 && t.bits <= 64)
      size = t.bits / 8;
    if (size == 0) reader::fail(path + ".type." + f.name, "a header field must be an unsigned integer of 1 to 8 bytes");
    s.fields.push_back({f.name, f.offset, size, field_order(f), std::nullopt, std::nullopt});
  }
  s.header_size = root.min_size;
  if (s.fields.empty()) reader::fail(path + ".type", "the header has no fields");

  auto find = [&](const std::string& name, const std::string& where) -> header_field& {
    for (auto& f : s.fields)
      if (f.name == name) return f;
    reader::fail(where, "field \"" + name + "\" is not in the header");
  };
  if (h.contains("roles")) {
    const json& roles = h.at("roles");
    reader::object(roles, path + ".roles");
    for (auto it = roles.begin(); it != roles.end(); ++it) {
      const std::string where = path + ".roles." + it.key();
      const auto r = std::find(std::begin(role_names), std::end(role_names), it.key());
      if (r == std::end(role_names)) reader::fail(where, "unknown role; roles are " + one_of(role_names));
      header_field& f = find(reader::text(it.value(), where), where);
      if (f.role) reader::fail(where, "field \"" + f.name + "\" already has the role " + std::string(to_string(*f.role)));
      f.role = static_cast<header_role>(r - std::begin(role_names));
    }
  }
  if (h.contains("values")) {
    const json& values = h.at("values");
    reader::object(values, path + ".values");
    for (auto it = values.begin(); it != values.end(); ++it) {
      const std::string where = path + ".values." + it.key();
      header_field& f = find(it.key(), where);
      if (f.role) reader::fail(where, "field \"" + f.name + "\" has the role " + std::string(to_string(*f.role)) +
                                          "; a constant cannot have one");
      f.value = reader::number(it.value(), where, max_of(f.size));
    }
  }
  if (h.contains("kinds")) {
    const json& kinds = h.at("kinds");
    if (s.field(header_role::kind) == nullptr)
      reader::fail(path + ".kinds", "needs a field with the role kind (header.roles.kind)");
    reader::only_keys(kinds, path + ".kinds", {"request", "response", "event", "error"});
    const std::size_t size = s.field(header_role::kind)->size;
    for (std::size_t i = 0; i < 4; ++i)
      if (kinds.contains(frame_kind_names[i]))
        s.kind_values[i] = reader::number(kinds.at(frame_kind_names[i]), path + ".kinds." + std::string(frame_kind_names[i]),
                                          max_of(size));
  }
  if (const header_field* k = s.field(header_role::kind)) {
    for (std::size_t i = 0; i < 4; ++i) {
      if (s.kind_values[i] > max_of(k->size))
        reader::fail(path + ".kinds", std::string(frame_kind_names[i]) + "'s value does not fit field \"" + k->name + "\"");
      for (std::size_t j = 0; j < i; ++j)
        if (s.kind_values[i] == s.kind_values[j])
          reader::fail(path + ".kinds", std::string(frame_kind_names[j]) + " and " + std::string(frame_kind_names[i]) +
                                            " have the same value " + std::to_string(s.kind_values[i]));
    }
  }
}

crc_parameters parse_crc_object(const json& c, const std::string& path) {
  reader::only_keys(c, path, {"width", "poly", "init", "refin", "refout", "xorout"});
  for (const char* k : {"width", "poly", "init", "refin", "refout", "xorout"})
    if (!c.contains(k)) reader::fail(path + "." + k, "missing (a CRC by parameters needs width, poly, init, refin, refout, xorout)");
  crc_parameters p;
  p.width = static_cast<unsigned>(reader::number(c.at("width"), path + ".width", 64));
  if (p.width != 8 && p.width != 16 && p.width != 32)
    reader::fail(path + ".width", "must be 8, 16 or 32, not " + std::to_string(p.width));
  const std::uint64_t max = max_of(p.width / 8);
  p.poly = reader::number(c.at("poly"), path + ".poly", max);
  if (p.poly == 0) reader::fail(path + ".poly", "must not be 0");
  p.init = reader::number(c.at("init"), path + ".init", max);
  p.refin = reader::boolean(c.at("refin"), path + ".refin");
  p.refout = reader::boolean(c.at("refout"), path + ".refout");
  p.xorout = reader::number(c.at("xorout"), path + ".xorout", max);
  return p;
}

void parse_check(framing_spec& s, const json& c, const std::string& path) {
  reader::only_keys(c, path, {"type", "covers", "endian"});
  if (!c.contains("type")) reader::fail(path + ".type", "missing: a CRC's name or parameters, \"sum-8\", \"xor-8\" or \"none\"");
  const json& t = c.at("type");
  if (t.is_object()) {
    s.check = check_kind::crc;
    s.crc = parse_crc_object(t, path + ".type");
  } else {
    const std::string name = reader::text(t, path + ".type");
    if (iequal(name, "none")) s.check = check_kind::none;
    else if (iequal(name, "sum-8")) s.check = check_kind::sum8;
    else if (iequal(name, "xor-8")) s.check = check_kind::xor8;
    else if (auto p = named_crc(name)) {
      s.check = check_kind::crc;
      s.crc = *p;
    } else {
      std::string names;
      for (const auto& e : catalogue()) names += std::string(e.name) + ", ";
      reader::fail(path + ".type", "\"" + name + "\" is not a check this knows (" + names +
                                       "CRC-16/CCITT-FALSE, CRC-32/ISCSI, sum-8, xor-8, none, or {\"width\": …, \"poly\": …})");
    }
  }
  if (s.check == check_kind::none) {
    if (c.contains("covers") || c.contains("endian"))
      reader::fail(path + (c.contains("covers") ? ".covers" : ".endian"), "only with a check other than \"none\"");
    return;
  }
  if (c.contains("covers"))
    s.covers = static_cast<check_covers>(reader::choice(c.at("covers"), path + ".covers", covers_names));
  if (c.contains("endian")) {
    static constexpr std::string_view endians[] = {"little", "big"};
    s.check_endian = reader::choice(c.at("endian"), path + ".endian", endians) == 0 ? core::endian::little : core::endian::big;
  }
}

void parse_replies(framing_spec& s, const json& r, const std::string& path, bool& match_given) {
  reader::only_keys(r, path, {"match", "error"});
  if (r.contains("match")) {
    s.replies = static_cast<reply_match>(reader::choice(r.at("match"), path + ".match", match_names));
    match_given = true;
  }
  if (!r.contains("error")) return;
  const json& e = r.at("error");
  const std::string ep = path + ".error";
  reader::only_keys(e, ep, {"command_mask", "code", "codes"});
  error_rule rule;
  if (!e.contains("command_mask")) reader::fail(ep + ".command_mask", "missing: the bits an error reply sets in the command");
  rule.command_mask = static_cast<std::uint16_t>(reader::number(e.at("command_mask"), ep + ".command_mask", 0xFFFF));
  if (rule.command_mask == 0) reader::fail(ep + ".command_mask", "must be 1 to 65535, not 0");
  if (e.contains("code")) {
    const std::string code = reader::text(e.at("code"), ep + ".code");
    std::string_view body = code;
    rule.code_endian = core::endian::big;
    if (!body.empty() && (body[0] == '>' || body[0] == '<')) {
      rule.code_endian = body[0] == '<' ? core::endian::little : core::endian::big;
      body.remove_prefix(1);
    }
    if (body == "u8") rule.code_size = 1;
    else if (body == "u16") rule.code_size = 2;
    else reader::fail(ep + ".code", "\"" + code + "\" is not an error code type (u8, u16, >u16 or <u16)");
    if (rule.code_size == 1) rule.code_endian = core::endian::big;
    else if (body.size() == code.size()) rule.code_endian = core::endian::little;  // unmarked: little, as header fields
  }
  if (e.contains("codes")) {
    const json& codes = e.at("codes");
    reader::object(codes, ep + ".codes");
    for (auto it = codes.begin(); it != codes.end(); ++it) {
      const std::string where = ep + ".codes." + it.key();
      const std::string& k = it.key();
      if (k.empty() || k.size() > 5 || !std::all_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
          std::stoul(k) > max_of(rule.code_size))
        reader::fail(where, "a code is a decimal number from 0 to " + std::to_string(max_of(rule.code_size)));
      rule.names[static_cast<std::uint16_t>(std::stoul(k))] = reader::text(it.value(), where);
    }
  }
  s.error = std::move(rule);
}

// What the parts say together: the rules a framing must keep to work.
void check_whole(framing_spec& s, const json& section, const std::string& path, bool match_given) {
  const bool has_header = !s.fields.empty();
  const header_field* length = s.field(header_role::length);
  const header_field* command = s.field(header_role::command);
  const header_field* address = s.field(header_role::address);
  if (length != nullptr && s.delimiting != delimiting_kind::length)
    reader::fail(path + ".header.roles.length", "a length field needs \"delimiting\": {\"kind\": \"length\"}");
  if (s.delimiting == delimiting_kind::length && length == nullptr)
    reader::fail(path + ".header.roles.length", "delimiting \"length\" needs a header field with the role length");
  if (s.delimiting == delimiting_kind::schema_length && command == nullptr)
    reader::fail(path + ".header.roles.command",
                 "delimiting \"schema_length\" needs a command field: the payload's length comes from the command's schema");
  if (s.covers == check_covers::frame && s.check != check_kind::none && s.sync.empty())
    reader::fail(path + ".check.covers", "\"frame\" covers sync bytes, but these frames have none (use \"header_payload\")");
  if (s.covers == check_covers::header_payload && s.check != check_kind::none && !has_header &&
      section.contains("check") && section.at("check").contains("covers"))
    reader::fail(path + ".check.covers", "\"header_payload\" covers a header, but these frames have none (use \"payload\")");
  if (!has_header && s.check == check_kind::none && s.delimiting != delimiting_kind::line)
    reader::fail(path, "a frame with neither header nor check cannot be told from noise; give a header or a check");
  if (!match_given) {
    if (s.field(header_role::sequence)) s.replies = reply_match::sequence;
    else if (address && command) s.replies = reply_match::address_command;
    else if (command) s.replies = reply_match::command;
    else s.replies = reply_match::order;
  }
  const std::string mp = path + ".replies.match";
  if (s.replies == reply_match::sequence && !s.field(header_role::sequence))
    reader::fail(mp, "replies by \"sequence\" need a header field with the role sequence");
  if (s.replies == reply_match::command && !command)
    reader::fail(mp, "replies by \"command\" need a header field with the role command");
  if (s.replies == reply_match::address_command && (!command || !address))
    reader::fail(mp, "replies by \"address_command\" need header fields with the roles address and command");
  if (s.error) {
    if (!command) reader::fail(path + ".replies.error", "an error rule needs a header field with the role command");
    if (s.error->command_mask > max_of(command->size))
      reader::fail(path + ".replies.error.command_mask", "does not fit the command field \"" + command->name + "\"");
  }
  if (section.contains("address")) {
    if (!address) reader::fail(path + ".address", "needs a header field with the role address");
    s.default_address = static_cast<std::uint16_t>(
        reader::number(section.at("address"), path + ".address", std::min<std::uint64_t>(0xFFFF, max_of(address->size))));
  }
  if (section.contains("broadcast")) {
    if (!address) reader::fail(path + ".broadcast", "needs a header field with the role address");
    s.broadcast = static_cast<std::uint16_t>(
        reader::number(section.at("broadcast"), path + ".broadcast", std::min<std::uint64_t>(0xFFFF, max_of(address->size))));
  }
  for (const auto& f : s.fields)
    if (f.role && f.size > 2 && *f.role != header_role::length && *f.role != header_role::kind)
      reader::fail(path + ".header.roles." + std::string(to_string(*f.role)),
                   "field \"" + f.name + "\" is wider than the 16 bits a " + std::string(to_string(*f.role)) + " holds");
}

void parse_texts(framing_spec& s, const json& t, const std::string& path) {
  reader::object(t, path);
  if (t.empty()) reader::fail(path, "a line framing needs at least one command's text");
  for (auto it = t.begin(); it != t.end(); ++it) {
    const std::string where = path + "." + it.key();
    const std::string text = reader::text(it.value(), where);
    if (text.empty()) reader::fail(where, "a command's text must not be empty");
    if (text.size() > s.max_line) reader::fail(where, "longer than delimiting.max_length");
    if (text.find_first_of("\r\n") != std::string::npos) reader::fail(where, "a command's text must not hold a line end");
    s.texts.push_back({it.key(), 0, text});
  }
}

}  // namespace

std::optional<crc_parameters> named_crc(std::string_view name) {
  for (const auto& e : catalogue())
    if (iequal(name, e.name) || (!e.alias.empty() && iequal(name, e.alias))) return e.p;
  return std::nullopt;
}

framing_spec parse_framing_spec(const nlohmann::json& section, const std::string& path) {
  framing_spec s;
  reader::object(section, path);
  if (section.contains("delimiting")) parse_delimiting(s, section.at("delimiting"), path + ".delimiting");
  if (s.delimiting == delimiting_kind::cobs) {
    for (auto it = section.begin(); it != section.end(); ++it)
      if (it.key() != "delimiting")
        reader::fail(path + "." + it.key(), "comframe's own framing (delimiting \"cobs\") takes no other keys");
    return s;
  }
  if (s.delimiting == delimiting_kind::line) {
    reader::only_keys(section, path, {"delimiting", "silence", "replies", "texts"});
    if (!section.contains("texts")) reader::fail(path + ".texts", "a line framing needs its commands' request texts");
  } else {
    reader::only_keys(section, path, {"delimiting", "silence", "header", "check", "replies", "address", "broadcast"});
  }
  if (section.contains("silence")) {
    const json& v = section.at("silence");
    if (!v.is_number() || !(v.get<double>() >= 0 && v.get<double>() <= 1000))
      reader::fail(path + ".silence", "must be a number of character times from 0 to 1000, not " + describe(v));
    s.silence_characters = v.get<double>();
  }
  if (section.contains("header")) parse_header(s, section.at("header"), path + ".header");
  if (section.contains("check")) parse_check(s, section.at("check"), path + ".check");
  bool match_given = false;
  if (section.contains("replies")) parse_replies(s, section.at("replies"), path + ".replies", match_given);
  if (s.delimiting == delimiting_kind::line) {
    if (match_given && s.replies != reply_match::order)
      reader::fail(path + ".replies.match", "lines carry no command or sequence: replies match by \"order\"");
    if (s.error) reader::fail(path + ".replies.error", "lines carry no command: an error rule cannot apply");
    s.replies = reply_match::order;
    parse_texts(s, section.at("texts"), path + ".texts");
    return s;
  }
  check_whole(s, section, path, match_given);
  return s;
}

// ---------------------------------------------------------------------------
// the canonical form

nlohmann::json framing_spec::to_json() const {
  json j = json::object();
  json d = {{"kind", kind_names[static_cast<std::size_t>(delimiting)]}};
  if (delimiting == delimiting_kind::cobs) return {{"delimiting", d}};
  if (delimiting == delimiting_kind::length) {
    d["sync"] = core::hex_text(sync, "");
    d["counts"] = counts_names[static_cast<std::size_t>(counts)];
    d["adjust"] = adjust;
  }
  if (delimiting == delimiting_kind::line) {
    d["terminator"] = terminator;
    d["max_length"] = max_line;
  }
  j["delimiting"] = d;
  j["silence"] = silence_characters;
  json replies_j = {{"match", match_names[static_cast<std::size_t>(replies)]}};
  if (delimiting == delimiting_kind::line) {
    json t = json::object();
    for (const auto& c : texts) t[c.command] = c.text;
    j["texts"] = t;
    j["replies"] = replies_j;
    return j;
  }
  if (!fields.empty()) {
    json roles = json::object(), values = json::object();
    for (const auto& f : fields) {
      if (f.role) roles[std::string(to_string(*f.role))] = f.name;
      if (f.value) values[f.name] = *f.value;
    }
    json h = {{"type", header_type}, {"roles", roles}, {"values", values}};
    if (field(header_role::kind)) {
      json k = json::object();
      for (std::size_t i = 0; i < 4; ++i) k[std::string(frame_kind_names[i])] = kind_values[i];
      h["kinds"] = k;
    }
    j["header"] = h;
  }
  json c;
  switch (check) {
    case check_kind::none: c = {{"type", "none"}}; break;
    case check_kind::sum8: c = {{"type", "sum-8"}}; break;
    case check_kind::xor8: c = {{"type", "xor-8"}}; break;
    case check_kind::crc:
      if (!crc.name.empty()) c = {{"type", crc.name}};
      else
        c = {{"type",
              {{"width", crc.width}, {"poly", hex_number(crc.poly)}, {"init", hex_number(crc.init)}, {"refin", crc.refin},
               {"refout", crc.refout}, {"xorout", hex_number(crc.xorout)}}}};
      break;
  }
  if (check != check_kind::none) {
    c["covers"] = covers_names[static_cast<std::size_t>(covers)];
    c["endian"] = check_endian == core::endian::big ? "big" : "little";
  }
  j["check"] = c;
  if (error) {
    json codes = json::object();
    for (const auto& [code, name] : error->names) codes[std::to_string(code)] = name;
    std::string code_type = error->code_size == 1 ? "u8" : (error->code_endian == core::endian::big ? ">u16" : "<u16");
    replies_j["error"] = {{"command_mask", error->command_mask}, {"code", code_type}, {"codes", codes}};
  }
  j["replies"] = replies_j;
  if (field(header_role::address)) j["address"] = default_address;
  if (broadcast) j["broadcast"] = *broadcast;
  return j;
}

framing_traits framing_spec::traits() const {
  if (is_default()) return framing_traits{};
  framing_traits t;
  t.replies = replies;
  const header_field* seq = field(header_role::sequence);
  t.max_sequence = seq == nullptr ? 0 : static_cast<std::uint16_t>(std::min<std::uint64_t>(0xFFFF, max_of(seq->size)));
  t.has_address = field(header_role::address) != nullptr;
  t.default_address = default_address;
  t.broadcast_address = broadcast;
  t.has_kind = field(header_role::kind) != nullptr;
  t.describe = false;
  t.silence_characters = silence_characters;
  t.name = to_json().dump();
  return t;
}

framing_factory framing_factory_for(std::shared_ptr<const framing_spec> spec) {
  return [spec = std::move(spec)](const framing_params& p) { return make_framing(*spec, p); };
}

}  // namespace comframe::transport

// framing_spec: loading a "framing" section, its canonical form, its traits and the check catalogue.
#include "comframe/transport/framing_spec.hpp"

#include <gtest/gtest.h>

#include <string>

#include "../../transport/src/framing_check.hpp"

namespace framing_spec_test {

namespace {

using namespace comframe::transport;
using json = nlohmann::json;

const json modbus_rtu = json::parse(R"({
  "delimiting": {"kind": "schema_length"},
  "silence": 3.5,
  "header": {"type": {"struct": [{"name": "address", "type": "u8"}, {"name": "function", "type": "u8"}]},
             "roles": {"address": "address", "command": "function"}},
  "check": {"type": "CRC-16/MODBUS", "covers": "header_payload", "endian": "little"},
  "replies": {"match": "address_command",
              "error": {"command_mask": 128, "code": "u8", "codes": {"1": "illegal_function", "2": "illegal_data_address"}}},
  "address": 1,
  "broadcast": 0
})");

const json vendor = json::parse(R"({
  "delimiting": {"kind": "length", "sync": "AA55", "counts": "payload"},
  "header": {"type": {"struct": [{"name": "len", "type": "u8"}, {"name": "cmd", "type": "u8"}]},
             "roles": {"length": "len", "command": "cmd"}},
  "check": {"type": "CRC-16/IBM-3740", "endian": "big"}
})");

// The path and text of the error loading `section` gives.
std::string refusal(const json& section) {
  try {
    (void)parse_framing_spec(section);
  } catch (const framing_spec_error& e) {
    EXPECT_EQ(e.id(), "transport.framing");
    return e.path() + ": " + e.detail();
  }
  return "(loaded)";
}

json with(json j, const json::json_pointer& at, json value) {
  j[at] = std::move(value);
  return j;
}
json without(json j, const json::json_pointer& at) {
  j[at.parent_pointer()].erase(at.back());
  return j;
}

TEST(framing_spec, the_default_is_comframes_own_framing_and_its_canonical_form_is_the_delimiting_alone) {
  const auto s = parse_framing_spec(json::parse(R"({"delimiting": {"kind": "cobs"}})"));
  EXPECT_TRUE(s.is_default());
  EXPECT_EQ(s.to_json(), json::parse(R"({"delimiting": {"kind": "cobs"}})"));
  EXPECT_EQ(s.traits().name, "");
  EXPECT_TRUE(s.traits().describe);
  EXPECT_TRUE(parse_framing_spec(json::object()).is_default());
}

TEST(framing_spec, modbus_rtu_loads_with_its_roles_check_and_error_rule) {
  const auto s = parse_framing_spec(modbus_rtu);
  EXPECT_EQ(s.delimiting, delimiting_kind::schema_length);
  EXPECT_EQ(s.header_size, 2u);
  ASSERT_EQ(s.fields.size(), 2u);
  EXPECT_EQ(s.field(header_role::address)->name, "address");
  EXPECT_EQ(s.field(header_role::command)->offset, 1u);
  EXPECT_EQ(s.check, check_kind::crc);
  EXPECT_EQ(s.crc.name, "CRC-16/MODBUS");
  EXPECT_EQ(s.check_size(), 2u);
  EXPECT_EQ(s.replies, reply_match::address_command);
  ASSERT_TRUE(s.error.has_value());
  EXPECT_EQ(s.error->command_mask, 0x80);
  EXPECT_EQ(s.error->names.at(2), "illegal_data_address");
  EXPECT_EQ(s.default_address, 1);
  EXPECT_EQ(s.broadcast, 0);
  const framing_traits t = s.traits();
  EXPECT_EQ(t.replies, reply_match::address_command);
  EXPECT_EQ(t.max_sequence, 0);
  EXPECT_TRUE(t.has_address);
  EXPECT_FALSE(t.has_kind);
  EXPECT_FALSE(t.describe);
  EXPECT_EQ(t.silence_characters, 3.5);
  EXPECT_EQ(t.name, s.to_json().dump());
}

TEST(framing_spec, the_canonical_form_loads_to_an_equal_spec_and_is_its_own_canonical_form) {
  for (const json& j : {modbus_rtu, vendor,
                        json::parse(R"({"delimiting": {"kind": "slip"},
                          "header": {"type": {"struct": [{"name": "k", "type": "u8"}, {"name": "c", "type": ">u16"},
                                                         {"name": "s", "type": "u8"}, {"name": "v", "type": "u8"}]},
                                     "roles": {"kind": "k", "command": "c", "sequence": "s"}, "values": {"v": "0x02"},
                                     "kinds": {"request": 16, "response": 17, "event": 18, "error": 19}},
                          "check": {"type": {"width": 16, "poly": 4129, "init": "0xFFFF", "refin": false, "refout": false, "xorout": 0}}})"),
                        json::parse(R"({"delimiting": {"kind": "line", "terminator": "\r\n"}, "texts": {"idn": "*IDN?"}})")}) {
    const auto s = parse_framing_spec(j);
    const auto again = parse_framing_spec(s.to_json());
    EXPECT_EQ(again, s) << s.to_json().dump();
    EXPECT_EQ(again.to_json(), s.to_json());
  }
}

TEST(framing_spec, crc_parameters_are_canonical_lowercase_hex) {
  const auto s = parse_framing_spec(with(vendor, "/check/type"_json_pointer,
                                         json::parse(R"({"width": 16, "poly": "0x1021", "init": 65535, "refin": false,
                                                         "refout": false, "xorout": "0X0"})")));
  EXPECT_EQ(s.to_json()["check"]["type"],
            json::parse(R"({"width": 16, "poly": "0x1021", "init": "0xffff", "refin": false, "refout": false, "xorout": "0x0"})"));
}

TEST(framing_spec, catalogue_names_are_case_insensitive_and_aliases_give_the_canonical_name) {
  EXPECT_EQ(named_crc("crc-16/ccitt-false")->name, "CRC-16/IBM-3740");
  EXPECT_EQ(named_crc("CRC-32/ISCSI")->name, "CRC-32C");
  EXPECT_FALSE(named_crc("CRC-16/NOPE").has_value());
}

// Each named CRC of "123456789" is the catalogue's check value, through
// crc_optimal (by name) and through the table built from its parameters.
TEST(framing_spec, each_named_crc_of_123456789_is_the_catalogues_check_value) {
  const struct {
    const char* name;
    std::uint64_t check;
  } cases[] = {{"CRC-16/MODBUS", 0x4B37}, {"CRC-16/IBM-3740", 0x29B1}, {"CRC-16/XMODEM", 0x31C3},
               {"CRC-16/KERMIT", 0x2189}, {"CRC-8/SMBUS", 0xF4},       {"CRC-32/ISO-HDLC", 0xCBF43926},
               {"CRC-32C", 0xE3069283}};
  const std::string text = "123456789";
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  for (const auto& c : cases) {
    framing_spec s;
    s.check = check_kind::crc;
    s.crc = *named_crc(c.name);
    EXPECT_EQ(detail::check_engine(s).compute(bytes), c.check) << c.name << " by name";
    s.crc.name.clear();
    EXPECT_EQ(detail::check_engine(s).compute(bytes), c.check) << c.name << " by parameters";
  }
  // refin != refout, which no named CRC has: CRC-16/(refin true, refout false) equals reflecting KERMIT's result.
  framing_spec s;
  s.check = check_kind::crc;
  s.crc = {16, 0x1021, 0, true, false, 0, ""};
  EXPECT_EQ(detail::check_engine(s).compute(bytes), 0x9184u);  // 0x2189 bit-reversed
  s.check = check_kind::sum8;
  EXPECT_EQ(detail::check_engine(s).compute(bytes), (0x31 + 0x32 + 0x33 + 0x34 + 0x35 + 0x36 + 0x37 + 0x38 + 0x39) & 0xFF);
  s.check = check_kind::xor8;
  EXPECT_EQ(detail::check_engine(s).compute(bytes), 0x31u);
}

TEST(framing_spec, unknown_keys_are_refused_with_their_path) {
  EXPECT_EQ(refusal(with(vendor, "/colour"_json_pointer, "red")),
            "framing.colour: unknown key (known here: delimiting, silence, header, check, replies, address, broadcast)");
  EXPECT_EQ(refusal(with(vendor, "/check/cover"_json_pointer, "payload")),
            "framing.check.cover: unknown key (known here: type, covers, endian)");
  EXPECT_EQ(refusal(with(vendor, "/delimiting/terminator"_json_pointer, "\n")),
            "framing.delimiting.terminator: unknown key (known here: kind, sync, counts, adjust)");
  EXPECT_EQ(refusal(json::parse(R"({"delimiting": {"kind": "cobs"}, "check": {"type": "none"}})")),
            R"(framing.check: comframe's own framing (delimiting "cobs") takes no other keys)");
}

TEST(framing_spec, a_framing_that_cannot_work_is_refused_naming_the_path) {
  EXPECT_EQ(refusal(with(vendor, "/delimiting/kind"_json_pointer, "stx")),
            R"(framing.delimiting.kind: "stx" is not one of "cobs", "slip", "hdlc", "length", "schema_length" or "line")");
  EXPECT_EQ(refusal(with(vendor, "/header/roles/length"_json_pointer, "size")),
            R"(framing.header.roles.length: field "size" is not in the header)");
  EXPECT_EQ(refusal(with(without(vendor, "/delimiting/counts"_json_pointer), "/delimiting/kind"_json_pointer, "slip")),
            R"(framing.delimiting.sync: unknown key (known here: kind))");
  EXPECT_EQ(refusal(with(with(vendor, "/delimiting"_json_pointer, json::parse(R"({"kind": "slip"})")), "/x"_json_pointer, 1)).substr(0, 16), "framing.x: unkno");
  EXPECT_EQ(refusal(with(vendor, "/delimiting"_json_pointer, json::parse(R"({"kind": "slip"})"))),
            R"(framing.header.roles.length: a length field needs "delimiting": {"kind": "length"})");
  EXPECT_EQ(refusal(without(vendor, "/header/roles/length"_json_pointer)),
            R"(framing.header.roles.length: delimiting "length" needs a header field with the role length)");
  EXPECT_EQ(refusal(with(modbus_rtu, "/check/covers"_json_pointer, "frame")),
            R"(framing.check.covers: "frame" covers sync bytes, but these frames have none (use "header_payload"))");
  EXPECT_EQ(refusal(with(modbus_rtu, "/replies/match"_json_pointer, "sequence")),
            R"(framing.replies.match: replies by "sequence" need a header field with the role sequence)");
  EXPECT_EQ(refusal(without(with(modbus_rtu, "/replies/match"_json_pointer, "command"), "/header/roles/command"_json_pointer)),
            R"(framing.header.roles.command: delimiting "schema_length" needs a command field: the payload's length comes from the command's schema)");
  EXPECT_EQ(refusal(without(with(modbus_rtu, "/delimiting/kind"_json_pointer, "slip"), "/header/roles/command"_json_pointer)),
            R"(framing.replies.match: replies by "address_command" need header fields with the roles address and command)");
  EXPECT_EQ(refusal(without(without(with(modbus_rtu, "/delimiting/kind"_json_pointer, "slip"), "/header/roles/command"_json_pointer),
                            "/replies/match"_json_pointer)),
            R"(framing.replies.error: an error rule needs a header field with the role command)");
  EXPECT_EQ(refusal(with(modbus_rtu, "/header/type/struct/0/type"_json_pointer, "i8")),
            R"(framing.header.type.address: a header field must be an unsigned integer of 1 to 8 bytes)");
  EXPECT_EQ(refusal(with(modbus_rtu, "/header/type/struct/0/type"_json_pointer, "f32")),
            R"(framing.header.type.address: a header field must be an unsigned integer of 1 to 8 bytes)");
  EXPECT_EQ(refusal(with(vendor, "/check/type"_json_pointer,
                         json::parse(R"({"width": 16, "poly": "0x11021", "init": 0, "refin": false, "refout": false, "xorout": 0})"))),
            R"(framing.check.type.poly: 69665 is out of range; expected 0 to 65535)");
  EXPECT_EQ(refusal(with(vendor, "/check/type"_json_pointer,
                         json::parse(R"({"width": 12, "poly": 1, "init": 0, "refin": false, "refout": false, "xorout": 0})"))),
            R"(framing.check.type.width: must be 8, 16 or 32, not 12)");
  EXPECT_EQ(refusal(with(vendor, "/check/type"_json_pointer, "CRC-16/NOPE")).substr(0, 61),
            R"(framing.check.type: "CRC-16/NOPE" is not a check this knows ()");
  EXPECT_EQ(refusal(with(vendor, "/address"_json_pointer, 3)),
            R"(framing.address: needs a header field with the role address)");
  EXPECT_EQ(refusal(with(modbus_rtu, "/broadcast"_json_pointer, 256)),
            R"(framing.broadcast: 256 is out of range; expected 0 to 255)");
  EXPECT_EQ(refusal(with(modbus_rtu, "/header/kinds"_json_pointer, json::object())),
            R"(framing.header.kinds: needs a field with the role kind (header.roles.kind))");
  EXPECT_EQ(refusal(with(modbus_rtu, "/header/roles/sequence"_json_pointer, "function")),
            R"(framing.header.roles.sequence: field "function" already has the role command)");
  EXPECT_EQ(refusal(with(modbus_rtu, "/header/values"_json_pointer, json::parse(R"({"address": 1})"))),
            R"(framing.header.values.address: field "address" has the role address; a constant cannot have one)");
  EXPECT_EQ(refusal(with(modbus_rtu, "/silence"_json_pointer, -1)),
            R"(framing.silence: must be a number of character times from 0 to 1000, not -1)");
  EXPECT_EQ(refusal(with(modbus_rtu, "/replies/error/command_mask"_json_pointer, 0x100)),
            R"(framing.replies.error.command_mask: does not fit the command field "function")");
  EXPECT_EQ(refusal(with(vendor, "/delimiting/sync"_json_pointer, "AA5")),
            R"(framing.delimiting.sync: odd number of hex digits (3))");
  EXPECT_EQ(refusal(json::parse(R"({"delimiting": {"kind": "slip"}})")),
            R"(framing: a frame with neither header nor check cannot be told from noise; give a header or a check)");
  EXPECT_EQ(refusal(json::parse(R"({"delimiting": {"kind": "line"}})")),
            R"(framing.texts: a line framing needs its commands' request texts)");
  EXPECT_EQ(refusal(json::parse(R"({"delimiting": {"kind": "line", "max_length": 0}, "texts": {"a": "A"}})")),
            R"(framing.delimiting.max_length: must be 1 to 65536, not 0)");
  EXPECT_EQ(refusal(json::parse(R"({"delimiting": {"kind": "line", "terminator": ";"}, "texts": {"a": "A"}})")),
            R"(framing.delimiting.terminator: ";" is not one of "\n", "\r\n" or "\r")");
  EXPECT_EQ(refusal(json::parse(R"({"delimiting": {"kind": "line"}, "texts": {"a": "A"}, "replies": {"match": "command"}})")),
            R"(framing.replies.match: lines carry no command or sequence: replies match by "order")");
  EXPECT_EQ(refusal(json::parse(R"({"delimiting": {"kind": "line"}, "texts": {"a": "A"}, "check": {"type": "none"}})")),
            R"(framing.check: unknown key (known here: delimiting, silence, replies, texts))");
}

TEST(framing_spec, reply_matching_defaults_to_what_the_header_can_tell_apart) {
  auto match_of = [](const char* roles) {
    json j = json::parse(R"({"delimiting": {"kind": "slip"}, "check": {"type": "CRC-16/XMODEM"},
      "header": {"type": {"struct": [{"name": "a", "type": "u8"}, {"name": "c", "type": "u8"}, {"name": "s", "type": "u8"}]}}})");
    j["header"]["roles"] = json::parse(roles);
    return parse_framing_spec(j).replies;
  };
  EXPECT_EQ(match_of(R"({"sequence": "s", "command": "c", "address": "a"})"), reply_match::sequence);
  EXPECT_EQ(match_of(R"({"command": "c", "address": "a"})"), reply_match::address_command);
  EXPECT_EQ(match_of(R"({"command": "c"})"), reply_match::command);
  EXPECT_EQ(match_of(R"({})"), reply_match::order);
}

}  // namespace

}  // namespace framing_spec_test

// Specs and payload schemas the tests of spec framings share.
#pragma once

#include <map>
#include <utility>

#include "comframe/core/schema.hpp"
#include "comframe/transport/framing_spec.hpp"

namespace comframe::test {

// Payload schemas by kind and command, as a device profile gives them.
class schema_table final : public transport::payload_schemas {
 public:
  schema_table& add(transport::frame_kind kind, std::uint16_t command, const char* type) {
    table_.emplace(std::pair{kind, command}, core::schema::parse(std::string("\"") + type + "\""));
    return *this;
  }
  const core::schema* find(transport::frame_kind kind, std::uint16_t command) const noexcept override {
    const auto it = table_.find({kind, command});
    return it == table_.end() ? nullptr : &it->second;
  }

 private:
  std::map<std::pair<transport::frame_kind, std::uint16_t>, core::schema> table_;
};

// Modbus RTU's read holding registers (3) and write single register (6), with
// fixed-size payloads, and an event 0x41 that no Modbus device sends.
inline const schema_table& modbus_schemas() {
  using transport::frame_kind;
  static const schema_table t = schema_table{}
                                    .add(frame_kind::request, 3, ">u16[2]")
                                    .add(frame_kind::response, 3, "u8[5]")
                                    .add(frame_kind::request, 6, ">u16[2]")
                                    .add(frame_kind::response, 6, ">u16[2]")
                                    .add(frame_kind::event, 0x41, "u16[3]");
  return t;
}

inline const char* modbus_rtu_spec = R"({
  "delimiting": {"kind": "schema_length"},
  "silence": 3.5,
  "header": {"type": {"struct": [{"name": "address", "type": "u8"}, {"name": "function", "type": "u8"}]},
             "roles": {"address": "address", "command": "function"}},
  "check": {"type": "CRC-16/MODBUS", "covers": "header_payload", "endian": "little"},
  "replies": {"match": "address_command",
              "error": {"command_mask": 128, "code": "u8",
                        "codes": {"1": "illegal_function", "2": "illegal_data_address"}}},
  "address": 1,
  "broadcast": 0
})";

inline const char* vendor_spec = R"({
  "delimiting": {"kind": "length", "sync": "AA55", "counts": "payload"},
  "header": {"type": {"struct": [{"name": "len", "type": "u8"}, {"name": "cmd", "type": "u8"}]},
             "roles": {"length": "len", "command": "cmd"}},
  "check": {"type": "CRC-16/IBM-3740", "endian": "big"}
})";

inline const char* mbap_spec = R"({
  "delimiting": {"kind": "length", "counts": "after_length"},
  "header": {"type": {"struct": [{"name": "transaction", "type": ">u16"}, {"name": "protocol", "type": ">u16"},
                                 {"name": "length", "type": ">u16"}, {"name": "unit", "type": "u8"},
                                 {"name": "function", "type": "u8"}]},
             "roles": {"sequence": "transaction", "length": "length", "address": "unit", "command": "function"},
             "values": {"protocol": 0}},
  "check": {"type": "none"},
  "replies": {"match": "sequence", "error": {"command_mask": 128, "code": "u8"}},
  "address": 1
})";

inline const char* slip_spec = R"({
  "delimiting": {"kind": "slip"},
  "header": {"type": {"struct": [{"name": "kind", "type": "u8"}, {"name": "command", "type": ">u16"},
                                 {"name": "sequence", "type": "u8"}]},
             "roles": {"kind": "kind", "command": "command", "sequence": "sequence"}},
  "check": {"type": "CRC-16/KERMIT"}
})";

inline const char* hdlc_spec = R"({
  "delimiting": {"kind": "hdlc"},
  "header": {"type": {"struct": [{"name": "address", "type": "u8"}, {"name": "control", "type": "u8"},
                                 {"name": "command", "type": "u8"}]},
             "roles": {"address": "address", "command": "command"}, "values": {"control": 3}},
  "check": {"type": "CRC-32/ISO-HDLC"},
  "address": 1
})";

inline const char* line_spec = R"({
  "delimiting": {"kind": "line", "terminator": "\r\n", "max_length": 200},
  "texts": {"idn": "*IDN?", "volt": "VOLT", "volt_query": "VOLT?"}
})";

// A spec loaded, with its line commands numbered in order (a profile does that).
inline transport::framing_spec load_spec(const char* text) {
  auto s = transport::parse_framing_spec(nlohmann::json::parse(text));
  std::uint16_t id = 1;
  for (auto& c : s.texts) c.id = id++;
  return s;
}

}  // namespace comframe::test

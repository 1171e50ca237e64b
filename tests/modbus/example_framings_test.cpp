// The framing sections of the example profiles load with transport's parser,
// and their frames are the bytes their READMEs and the protocols' specs show.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "comframe/core/schema.hpp"
#include "comframe/transport/framing.hpp"
#include "comframe/transport/framing_spec.hpp"

namespace example_framings_test {

namespace {

using namespace comframe;

nlohmann::json profile(const std::string& example) {
  std::ifstream in(std::string(COMFRAME_SOURCE_DIR) + "/examples/" + example + "/" + example + ".profile.json");
  return nlohmann::json::parse(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
}

// Every command's request is 4 bytes (start, count): what a schema_length framing measures.
struct four_byte_requests : transport::payload_schemas {
  core::schema s = core::schema::parse(R"({"struct": [{"name": "start", "type": ">u16"}, {"name": "count", "type": ">u16"}]})");
  const core::schema* find(transport::frame_kind, std::uint16_t) const noexcept override { return &s; }
};

std::vector<std::uint8_t> request(const std::string& example, std::uint16_t command, std::uint16_t sequence,
                                  std::uint16_t address, std::vector<std::uint8_t> payload) {
  const auto spec = transport::parse_framing_spec(profile(example)["framing"]);
  static const four_byte_requests schemas;
  transport::framing_params params;
  params.schemas = &schemas;
  params.incoming = transport::direction::from_device;  // the host's framing: it encodes requests
  auto f = transport::make_framing(spec, params);
  std::vector<std::uint8_t> out;
  transport::frame_header h;
  h.kind = transport::frame_kind::request;
  h.command = command;
  h.sequence = sequence;
  h.address = address;
  f->encode(h, payload, out);
  return out;
}

TEST(example_framings, every_example_framing_loads) {
  for (const char* example : {"modbus_rtu", "modbus_tcp", "vendor_binary", "scpi_lines"}) {
    SCOPED_TRACE(example);
    EXPECT_NO_THROW(transport::parse_framing_spec(profile(example)["framing"]));
  }
  const auto rtu = transport::parse_framing_spec(profile("modbus_rtu")["framing"]);
  EXPECT_EQ(rtu.delimiting, transport::delimiting_kind::schema_length);
  EXPECT_EQ(rtu.replies, transport::reply_match::address_command);
  EXPECT_EQ(rtu.default_address, 1);
  EXPECT_EQ(rtu.broadcast, std::optional<std::uint16_t>(0));
  ASSERT_TRUE(rtu.error);
  EXPECT_EQ(rtu.error->command_mask, 0x80);
  EXPECT_EQ(rtu.error->names.at(2), "illegal_data_address");
  EXPECT_EQ(rtu.silence_characters, 3.5);
}

TEST(example_framings, a_modbus_rtu_request_is_the_specs_frame) {
  // Read 4 holding registers from 0 at address 1: the Modbus spec's 01 03 00 00 00 04, CRC 44 09.
  EXPECT_EQ(request("modbus_rtu", 3, 0, 1, {0, 0, 0, 4}),
            (std::vector<std::uint8_t>{0x01, 0x03, 0x00, 0x00, 0x00, 0x04, 0x44, 0x09}));
}

TEST(example_framings, a_modbus_tcp_request_has_the_mbap_header) {
  // Transaction 1, protocol 0, length 6 (unit, function, 4 payload bytes), unit 1, function 3.
  EXPECT_EQ(request("modbus_tcp", 3, 1, 1, {0, 0, 0, 4}),
            (std::vector<std::uint8_t>{0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x04}));
}

TEST(example_framings, a_vendor_binary_request_is_the_readmes_bytes) {
  EXPECT_EQ(request("vendor_binary", 1, 0, 0, {}), (std::vector<std::uint8_t>{0xAA, 0x55, 0x00, 0x01, 0x0D, 0x2E}));
}

}  // namespace

}  // namespace example_framings_test

// docs/framing.md is a contract: every ```json block on it loads through
// parse_framing_spec and survives its canonical form, and each kind's example
// gives the bytes the page shows.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "comframe/transport/framing_spec.hpp"
#include "transport/spec_framing_support.hpp"

namespace framing_docs_test {

namespace {

using namespace comframe::transport;
using bytes = std::vector<std::uint8_t>;

std::vector<std::string> json_blocks() {
  std::ifstream f(COMFRAME_SOURCE_DIR "/docs/framing.md");
  std::vector<std::string> blocks;
  std::string line, block;
  bool in = false;
  while (std::getline(f, line)) {
    if (!in && line == "```json") {
      in = true;
      block.clear();
    } else if (in && line == "```") {
      in = false;
      blocks.push_back(block);
    } else if (in) {
      block += line + "\n";
    }
  }
  return blocks;
}

// The example whose delimiting kind is `kind` (and, for two of one kind, holds `marker`).
framing_spec example(const std::string& kind, const std::string& marker = "") {
  for (const auto& b : json_blocks()) {
    const auto j = nlohmann::json::parse(b);
    if (j["delimiting"]["kind"] == kind && b.find(marker) != std::string::npos && b.find("\"kinds\"") == std::string::npos) {
      auto s = parse_framing_spec(j);
      std::uint16_t id = 1;
      for (auto& c : s.texts) c.id = id++;
      return s;
    }
  }
  ADD_FAILURE() << "no example of " << kind;
  return {};
}

bytes wire_of(const framing_spec& s, const frame_header& h, const bytes& payload, direction to = direction::to_device) {
  auto f = make_framing(s, {.incoming = to == direction::to_device ? direction::from_device : direction::to_device,
                            .schemas = &comframe::test::modbus_schemas()});
  bytes w;
  f->encode(h, payload, w);
  return w;
}

TEST(framing_docs, every_json_example_loads_and_its_canonical_form_loads_to_the_same_spec) {
  const auto blocks = json_blocks();
  ASSERT_GE(blocks.size(), 7u);
  for (const auto& b : blocks) {
    SCOPED_TRACE(b);
    framing_spec s;
    ASSERT_NO_THROW(s = parse_framing_spec(nlohmann::json::parse(b)));
    EXPECT_EQ(parse_framing_spec(s.to_json()), s);
    EXPECT_FALSE(s.is_default());
  }
}

TEST(framing_docs, each_kinds_example_gives_the_bytes_the_page_shows) {
  EXPECT_EQ(wire_of(example("slip"), {.kind = frame_kind::request, .command = 0x0102, .sequence = 5}, {0xC0, 0x01}),
            (bytes{0xC0, 0x00, 0x02, 0x01, 0x05, 0xDB, 0xDC, 0x01, 0xAD, 0xE8, 0xC0}));
  EXPECT_EQ(wire_of(example("hdlc"), {.kind = frame_kind::request, .command = 0x10, .address = 1}, {0x7E, 0x00}),
            (bytes{0x7E, 0x01, 0x03, 0x10, 0x7D, 0x5E, 0x00, 0xBF, 0x0E, 0x7E}));
  EXPECT_EQ(wire_of(example("length", "AA55"), {.kind = frame_kind::request, .command = 0x10}, {0x01, 0x02}),
            (bytes{0xAA, 0x55, 0x02, 0x10, 0x01, 0x02, 0x39, 0xB8}));
  const auto rtu = example("schema_length");
  EXPECT_EQ(wire_of(rtu, {.kind = frame_kind::request, .command = 3, .address = 1}, {0, 0, 0, 0x0A}),
            (bytes{0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD}));
  EXPECT_EQ(wire_of(rtu, {.kind = frame_kind::error, .command = 3, .address = 1}, {0x02}, direction::from_device),
            (bytes{0x01, 0x83, 0x02, 0xC0, 0xF1}));
  EXPECT_EQ(rtu.traits().silence_characters, 3.5);
  EXPECT_EQ(wire_of(example("length", "after_length"), {.kind = frame_kind::request, .command = 3, .sequence = 1, .address = 1},
                    {0, 0, 0, 0x0A}),
            (bytes{0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x0A}));
  const auto lines = example("line");  // idn 1, voltage 2, voltage_query 3 (sorted by name)
  const bytes volt = wire_of(lines, {.kind = frame_kind::request, .command = 2}, {'1', '.', '5'});
  EXPECT_EQ(std::string(volt.begin(), volt.end()), "VOLT 1.5\n");
  const bytes idn = wire_of(lines, {.kind = frame_kind::request, .command = 1}, {});
  EXPECT_EQ(std::string(idn.begin(), idn.end()), "*IDN?\n");
}

}  // namespace

}  // namespace framing_docs_test

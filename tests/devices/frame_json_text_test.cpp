// devices::append_frame_json: a frame's JSON line written from its bytes, the
// text core::format_json writes of frame_json()'s object but for each f32's digits.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "comframe/core/json_text.hpp"
#include "comframe/devices/frame_json.hpp"
#include "comframe/devices/profile.hpp"

namespace frame_json_text_test {

namespace {

using namespace comframe;
using nlohmann::json;
using bytes = std::vector<std::uint8_t>;

// Fields out of key order at two depths, text, an f32 and an array of them.
const devices::profile lab = devices::profile::parse(R"({
  "comframe_profile": 1, "device": "lab", "version": "1", "endian": "little",
  "types": {
    "inner": {"struct": [{"name": "y", "type": "i8"}, {"name": "b", "type": "u8"}]},
    "sample": {"struct": [{"name": "zone", "type": "u8"}, {"name": "temp", "type": "f32"},
                          {"name": "name", "type": "text[4]"}, {"name": "at", "type": "inner"},
                          {"name": "volts", "type": "f32[2]"}]}
  },
  "commands": [{"id": 7, "name": "read", "request": "null", "response": "sample"}],
  "events": [{"id": 256, "name": "tick", "payload": "sample"}]
})");

bytes f32_bytes(float v) {
  bytes b(4);
  std::memcpy(b.data(), &v, 4);
  return b;
}

bytes sample_bytes(float temp, float v0, float v1, std::string_view name = "ab\xC3\xA9") {
  bytes b{3};
  for (const auto x : f32_bytes(temp)) b.push_back(x);
  for (std::size_t i = 0; i < 4; ++i) b.push_back(i < name.size() ? static_cast<std::uint8_t>(name[i]) : 0);
  b.push_back(0xFE);  // y = -2
  b.push_back(9);
  for (const auto x : f32_bytes(v0)) b.push_back(x);
  for (const auto x : f32_bytes(v1)) b.push_back(x);
  return b;
}

// A frame from the device; it points into `payload`, which must outlive it.
devices::frame_record frame(transport::frame_kind kind, std::uint16_t command, const bytes& payload) {
  const auto time = std::chrono::system_clock::time_point(std::chrono::microseconds(1795000000123456));
  return {devices::direction::from_device, time,
          transport::frame_header{transport::protocol_version, kind, command, 42}, payload, std::nullopt};
}

std::string fast(const devices::frame_record& r, bool ascii_only = true, const json* extra = nullptr,
                 const devices::profile& p = lab) {
  std::string out;
  devices::append_frame_json(out, p, r, {.ascii_only = ascii_only, .extra = extra});
  return out;
}

std::string tree(const devices::frame_record& r, bool ascii_only = true, const json* extra = nullptr,
                 const devices::profile& p = lab) {
  json j = devices::frame_json(p, r);
  if (extra) {
    for (const auto& [key, value] : extra->items()) {
      if (value.is_null()) j.erase(key);
      else j[key] = value;
    }
  }
  return core::format_json(j, {.ascii_only = ascii_only});
}

TEST(append_frame_json, is_the_trees_text_when_every_f32_is_short_in_both_forms) {
  const bytes payload = sample_bytes(21.5f, -0.25f, 3.0f);
  for (const auto kind : {transport::frame_kind::response, transport::frame_kind::event}) {
    const auto r = frame(kind, kind == transport::frame_kind::event ? 256 : 7, payload);
    for (const bool ascii_only : {true, false}) EXPECT_EQ(fast(r, ascii_only), tree(r, ascii_only));
  }
  EXPECT_EQ(fast(frame(transport::frame_kind::response, 7, payload)),
            R"({"command":"read","command_id":7,"dir":"in","kind":"response","payload":{"at":{"b":9,"y":-2},)"
            R"("name":"ab\u00e9","temp":21.5,"volts":[-0.25,3.0],"zone":3},"seq":42,"time":"2026-11-18T11:06:40.123456Z"})");
}

TEST(append_frame_json, writes_each_f32_in_its_fewest_digits_where_nlohmann_may_write_seventeen) {
  // The tree holds the double nearest an f32's fewest digits; nlohmann's printer
  // writes some such doubles with 17 digits.
  const bytes payload = sample_bytes(-1.0598659e-13f, 0.1f, 1e-5f);
  const auto r = frame(transport::frame_kind::event, 256, payload);
  const std::string line = fast(r);
  EXPECT_NE(line.find(R"("temp":-1.0598659e-13,"volts":[0.1,1e-05])"), std::string::npos) << line;
  EXPECT_NE(tree(r).find(R"("temp":-1.0598659000000001e-13)"), std::string::npos) << tree(r);
  // Otherwise the same text, and the same value.
  std::string same = tree(r);
  same.replace(same.find("-1.0598659000000001e-13"), 23, "-1.0598659e-13");
  EXPECT_EQ(line, same);
  EXPECT_EQ(json::parse(line), json::parse(tree(r)));
}

TEST(append_frame_json, extra_members_are_added_replaced_and_removed_in_key_order) {
  const bytes payload = sample_bytes(1.5f, 2.5f, 3.5f);
  const auto r = frame(transport::frame_kind::response, 7, payload);
  const json extra = {{"link", 2}, {"seq", "replaced"}, {"command", nullptr}, {"bus_seq", 99}, {"note", "a\x1b"}};
  EXPECT_EQ(fast(r, true, &extra), tree(r, true, &extra));
  const std::string line = fast(r, true, &extra);
  EXPECT_EQ(line.substr(0, 30), R"({"bus_seq":99,"command_id":7,")");
  EXPECT_EQ(line.find("\"command\":"), std::string::npos);
  EXPECT_NE(line.find(R"("link":2,"note":"a\u001b","payload":)"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("seq":"replaced")"), std::string::npos) << line;
}

TEST(append_frame_json, a_payload_that_does_not_decode_and_frames_without_a_schema_are_the_trees_text) {
  bytes short_payload = sample_bytes(1.5f, 2.5f, 3.5f);
  short_payload.pop_back();
  const bytes one{1}, none{}, error_reply{2, 0, 2, 'n', 'o'};
  const std::vector<devices::frame_record> frames = {
      frame(transport::frame_kind::response, 7, short_payload),  // the decoder's error
      frame(transport::frame_kind::response, 8, short_payload),  // not in the profile
      frame(transport::frame_kind::request, 7, one),             // null takes no bytes
      frame(transport::frame_kind::request, 7, none),            // "payload": null
      frame(transport::frame_kind::error, 7, error_reply)};
  for (const auto& r : frames) EXPECT_EQ(fast(r), tree(r));
  EXPECT_NE(fast(frames[0]).find(R"("payload_error":"[core.size])"), std::string::npos) << fast(frames[0]);
  EXPECT_NE(fast(frames[3]).find(R"("payload":null)"), std::string::npos) << fast(frames[3]);
  devices::frame_record refused{devices::direction::to_device, {}, std::nullopt, short_payload,
                                transport::frame_error::crc};
  EXPECT_EQ(fast(refused), tree(refused));
  EXPECT_NE(fast(refused).find(R"("error":"crc")"), std::string::npos) << fast(refused);
}

TEST(append_frame_json, agrees_with_the_tree_for_random_payloads) {
  std::mt19937 g(5);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 400; ++i) {
    bytes payload = sample_bytes(0, 0, 0);
    for (auto& b : payload) b = static_cast<std::uint8_t>(byte(g));
    if (i % 7 == 0) payload.resize(static_cast<std::size_t>(byte(g)) % payload.size());
    const auto r = frame(i % 2 ? transport::frame_kind::event : transport::frame_kind::response, i % 2 ? 256 : 7, payload);
    const std::string line = fast(r, i % 3 != 0);
    // The keys in order at every depth (nlohmann::ordered_json keeps the text's order).
    const auto ordered = nlohmann::ordered_json::parse(line);
    EXPECT_TRUE(std::is_sorted(ordered.items().begin(), ordered.items().end(),
                               [](const auto& a, const auto& b) { return a.key() < b.key(); })) << line;
    if (ordered.contains("payload") && ordered["payload"].is_object()) {
      std::vector<std::string> keys;
      for (const auto& [key, value] : ordered["payload"].items()) keys.push_back(key);
      EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end())) << line;
    }
    const json a = json::parse(line), b = json::parse(tree(r, i % 3 != 0));
    ASSERT_EQ(a.contains("payload"), b.contains("payload")) << line;
    if (!a.contains("payload")) {
      EXPECT_EQ(a, b);
      continue;
    }
    for (const char* key : {"zone", "name", "at"}) EXPECT_EQ(a["payload"][key], b["payload"][key]) << line;
    auto same_float = [](const json& x, const json& y) {
      if (x.is_string() || y.is_string()) return x == y;  // "nan", "inf"
      return static_cast<float>(x.get<double>()) == static_cast<float>(y.get<double>());
    };
    EXPECT_TRUE(same_float(a["payload"]["temp"], b["payload"]["temp"])) << line;
    for (int k = 0; k < 2; ++k) EXPECT_TRUE(same_float(a["payload"]["volts"][k], b["payload"]["volts"][k])) << line;
  }
}

}  // namespace

}  // namespace frame_json_text_test

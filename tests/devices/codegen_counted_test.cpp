// Counted fields in generated code.
// `comframe gen cpp` (tests/devices/data/codegen_counted.json): the declarations
// export the same profile, and their bytes are the core's.
// `comframe gen c` (codegen_counted.json, little endian, and codegen_counted_c.json,
// big endian: text[], bytes[], records with counted fields in fixed arrays, in
// counted arrays and in a tail): for random values with every sequence empty, at
// its maximum or between, the generated encoder gives the core's dynamic encoder's
// bytes, the generated decoder reads them back to the same value, and both refuse
// what they must (a count over its maximum, short input, a byte count that splits
// an element, a count its count field cannot hold, a text whose _count is not its length).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/json.hpp"
#include "comframe/devices/codegen.hpp"
#include "comframe/devices/profile.hpp"
#include "counted_profile.hpp"

extern "C" {
#include "cc_profile.h"
#include "counted_profile.h"
#include "cw_profile.h"

// The handlers the generated command tables need; the tests call the codecs.
uint16_t counted_on_read_registers(void*, const counted_Frame*, counted_Registers*, const char**) { return CF_OK; }
uint16_t cc_on_blob(void*, const cc_Blob*, cc_Line*, const char**) { return CF_OK; }
uint16_t cc_on_raw(void*, const cc_raw_request*, cc_Nest*, const char**) { return CF_OK; }
uint16_t cw_on_read_registers(void*, const cw_Frame*, cw_Registers*, const char**) { return CF_OK; }
}

namespace {

using namespace comframe;

devices::profile load(const std::string& name) {
  std::ifstream in(COMFRAME_SOURCE_DIR "/tests/devices/data/" + name, std::ios::binary);
  return devices::profile::parse(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
}

devices::profile file_profile() { return load("codegen_counted.json"); }

TEST(generated_cpp_counted, declarations_export_the_profile) {
  const auto declared = counted::profile();
  const auto file = file_profile();
  EXPECT_EQ(declared.to_json().dump(), file.to_json().dump());
  EXPECT_EQ(declared.hash(), file.hash());
}

TEST(generated_cpp_counted, declared_types_give_the_cores_bytes) {
  const auto p = file_profile();
  const auto* cmd = p.find_command("read_registers");
  ASSERT_NE(cmd, nullptr);
  counted::Registers r{};
  r.values = {1, 4660};
  const core::bytes b = core::encode(r, p.payload_endian());
  EXPECT_EQ(b, (core::bytes{4, 0, 1, 0x12, 0x34}));
  EXPECT_EQ(core::encode(cmd->response, nlohmann::json::parse(R"({"values": [1, 4660]})"), p.payload_endian()), b);

  counted::Wrapped w{};
  w.id = 1;
  w.frame.temps = {-2, 3};
  w.frame.data = {9};
  w.frame.crc = 0xbeef;
  w.last = 2;
  const core::bytes wb = core::encode(w, p.payload_endian());
  EXPECT_EQ(wb, (core::bytes{1, 2, 0, 0, 0, 1, 0xfe, 0xff, 3, 0, 9, 0xbe, 0xef, 2}));
  const auto& ev = p.events().at(0);
  EXPECT_EQ(core::encode(ev.payload, core::to_json(w), p.payload_endian()), wb);
  EXPECT_EQ(core::to_json(core::decode<counted::Wrapped>(wb, p.payload_endian())),
            core::decode(ev.payload, wb, p.payload_endian()));
}

// ---- gen c ----------------------------------------------------------------------

using json = nlohmann::json;
using rng_t = std::mt19937_64;

// A length for a sequence: empty, at its maximum, or between.
std::size_t pick_len(rng_t& rng, std::size_t max) {
  switch (rng() % 4) {
    case 0: return 0;
    case 1: return max;
    default: return static_cast<std::size_t>(rng() % (max + 1));
  }
}
std::int64_t pick(rng_t& rng, std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
}
json ints(rng_t& rng, std::size_t n, std::int64_t lo, std::int64_t hi) {
  json a = json::array();
  for (std::size_t i = 0; i < n; ++i) a.push_back(pick(rng, lo, hi));
  return a;
}
std::string hex_of(const std::uint8_t* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}
std::vector<std::uint8_t> unhex(const std::string& s) {
  std::vector<std::uint8_t> b;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) b.push_back(static_cast<std::uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
  return b;
}
// UTF-8 text of exactly n bytes: letters, and "é" (2 bytes) now and then.
std::string text_of(rng_t& rng, std::size_t n) {
  std::string s;
  while (s.size() < n) {
    if (n - s.size() >= 2 && rng() % 5 == 0) s += "\xc3\xa9";
    else s += static_cast<char>('a' + rng() % 26);
  }
  return s;
}
template <class T>
void set_text(char* dst, std::uint16_t& count, const T& s) {
  std::copy(s.begin(), s.end(), dst);
  dst[s.size()] = '\0';
  count = static_cast<std::uint16_t>(s.size());
}

// ---- counted.json (little endian): Frame, Registers, Wrapped

json rand_frame(rng_t& rng) {
  return {{"temps", ints(rng, pick_len(rng, COUNTED_FRAME_TEMPS_MAX), -32768, 32767)},
          {"data", ints(rng, pick_len(rng, COUNTED_FRAME_DATA_MAX), 0, 255)},
          {"crc", pick(rng, 0, 65535)}};
}
void frame_c(const json& j, counted_Frame& c) {
  c.temps_count = static_cast<std::uint16_t>(j["temps"].size());
  for (std::size_t i = 0; i < j["temps"].size(); ++i) c.temps[i] = j["temps"][i].get<std::int16_t>();
  c.data_count = static_cast<std::uint16_t>(j["data"].size());
  for (std::size_t i = 0; i < j["data"].size(); ++i) c.data[i] = j["data"][i].get<std::uint8_t>();
  c.crc = j["crc"].get<std::uint16_t>();
}
json frame_j(const counted_Frame& c) {
  return {{"n", c.temps_count}, {"m", c.data_count}, {"temps", std::vector<std::int16_t>(c.temps, c.temps + c.temps_count)},
          {"data", std::vector<std::uint8_t>(c.data, c.data + c.data_count)}, {"crc", c.crc}};
}

// ---- counted_c.json (big endian): Blob, Line, raw, Item, Nest, items

json rand_blob(rng_t& rng, std::size_t name_max = 255) {
  std::vector<std::uint8_t> data(pick_len(rng, CC_BLOB_DATA_MAX));
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  json j{{"name", text_of(rng, pick_len(rng, name_max))}, {"data", hex_of(data.data(), data.size())},
         {"crc", pick(rng, 0, 65535)}};
  // Now and then a count above the text's length: NULs follow the text up to it.
  const std::size_t length = j["name"].get_ref<const std::string&>().size();
  if (rng() % 4 == 0 && length < 255) j["name_length"] = length + 1 + rng() % std::min<std::size_t>(3, 255 - length);
  return j;
}
void blob_c(const json& j, cc_Blob& c) {
  set_text(c.name, c.name_count, j["name"].get<std::string>());
  if (j.contains("name_length")) c.name_count = j["name_length"].get<std::uint16_t>();
  const auto d = unhex(j["data"].get<std::string>());
  std::copy(d.begin(), d.end(), c.data);
  c.data_count = static_cast<std::uint16_t>(d.size());
  c.crc = j["crc"].get<std::uint16_t>();
}
json blob_j(const cc_Blob& c) {
  return {{"name_length", c.name_count}, {"data_length", c.data_count}, {"name", std::string(c.name)},
          {"data", hex_of(c.data, c.data_count)}, {"crc", c.crc}};
}

json rand_item(rng_t& rng) {
  return {{"kind", rng() % 2 ? "a" : "b"}, {"values", ints(rng, pick_len(rng, CC_ITEM_VALUES_MAX), -8388608, 8388607)},
          {"tag", pick(rng, 0, 255)}};
}
void item_c(const json& j, cc_Item& c) {
  c.kind = j["kind"] == "a" ? CC_ITEM_KIND_A : CC_ITEM_KIND_B;
  c.values_count = static_cast<std::uint16_t>(j["values"].size());
  for (std::size_t i = 0; i < j["values"].size(); ++i) c.values[i] = j["values"][i].get<std::int32_t>();
  c.tag = j["tag"].get<std::uint8_t>();
}
json item_j(const cc_Item& c) {
  return {{"n", 3 * c.values_count}, {"kind", c.kind == CC_ITEM_KIND_A ? "a" : "b"},
          {"values", std::vector<std::int32_t>(c.values, c.values + c.values_count)}, {"tag", c.tag}};
}
json rand_items(rng_t& rng, std::size_t max) {
  json a = json::array();
  for (std::size_t n = pick_len(rng, max), i = 0; i < n; ++i) a.push_back(rand_item(rng));
  return a;
}
json items_j(const cc_Item* items, std::size_t n) {
  json a = json::array();
  for (std::size_t i = 0; i < n; ++i) a.push_back(item_j(items[i]));
  return a;
}

json rand_nest(rng_t& rng) {
  return {{"pair", {rand_item(rng), rand_item(rng)}}, {"items", rand_items(rng, CC_NEST_ITEMS_MAX)},
          {"point", {{"x", pick(rng, -128, 127)}, {"y", static_cast<double>(pick(rng, -4000, 4000)) / 8}}},
          {"rest", rand_items(rng, CC_NEST_REST_MAX)}};
}
void nest_c(const json& j, cc_Nest& c) {
  for (std::size_t i = 0; i < 2; ++i) item_c(j["pair"][i], c.pair[i]);
  c.items_count = static_cast<std::uint16_t>(j["items"].size());
  for (std::size_t i = 0; i < j["items"].size(); ++i) item_c(j["items"][i], c.items[i]);
  c.point.x = j["point"]["x"].get<std::int8_t>();
  c.point.y = j["point"]["y"].get<float>();
  c.rest_count = static_cast<std::uint16_t>(j["rest"].size());
  for (std::size_t i = 0; i < j["rest"].size(); ++i) item_c(j["rest"][i], c.rest[i]);
}
json nest_j(const cc_Nest& c) {
  return {{"count", c.items_count}, {"pair", items_j(c.pair, 2)}, {"items", items_j(c.items, c.items_count)},
          {"point", {{"x", c.point.x}, {"y", c.point.y}}}, {"rest", items_j(c.rest, c.rest_count)}};
}

// One C payload type beside its schema.
template <class C>
struct c_face {
  const core::schema* schema;
  core::endian order;
  std::size_t (*encode)(const C*, std::uint8_t*, std::size_t);
  bool (*decode)(const std::uint8_t*, std::size_t, C*);
  std::function<void(const json&, C&)> to_c;
  std::function<json(const C&)> to_json;
  bool ends_in_tail;  // bytes appended may still decode (a longer text or byte string)
};

template <class C>
std::unique_ptr<C> zeroed() {
  auto c = std::make_unique<C>();
  std::memset(c.get(), 0, sizeof(C));
  return c;
}

// The C codecs give the core's bytes for `j`, read them back to the core's
// value, and refuse input a byte short or long exactly when the core does.
template <class C>
void agrees(const c_face<C>& f, const json& j) {
  SCOPED_TRACE(j.dump());
  const core::bytes want = core::encode(*f.schema, j, f.order);
  auto c = zeroed<C>();
  f.to_c(j, *c);
  std::vector<std::uint8_t> out(want.size() + 8, 0xee);
  ASSERT_EQ(f.encode(c.get(), out.data(), out.size()), want.size());
  ASSERT_EQ(core::bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(want.size())), want) << "C encode differs";
  if (!want.empty()) {
    EXPECT_EQ(f.encode(c.get(), out.data(), want.size() - 1), 0u) << "a buffer one byte short";
  }

  auto back = zeroed<C>();
  ASSERT_TRUE(f.decode(want.data(), want.size(), back.get())) << "C decode refused the core's bytes";
  EXPECT_EQ(f.to_json(*back), core::decode(*f.schema, want, f.order));
  std::vector<std::uint8_t> again(want.size(), 0xee);
  ASSERT_EQ(f.encode(back.get(), again.data(), again.size()), want.size());
  EXPECT_EQ(core::bytes(again.begin(), again.end()), want);

  std::vector<core::bytes> variants;
  if (!want.empty()) variants.emplace_back(want.begin(), want.end() - 1);
  if (!f.ends_in_tail) {
    variants.push_back(want);
    variants.back().push_back(0);
  }
  for (const auto& v : variants) {
    bool core_ok = true;
    json core_value;
    try {
      core_value = core::decode(*f.schema, v, f.order);
    } catch (const core::codec_error&) {
      core_ok = false;
    }
    auto other = zeroed<C>();
    const bool c_ok = f.decode(v.data(), v.size(), other.get());
    EXPECT_EQ(c_ok, core_ok) << "bytes " << v.size() << " of " << want.size();
    if (c_ok && core_ok) {
      EXPECT_EQ(f.to_json(*other), core_value);
    }
  }
}

struct c_fixtures {
  devices::profile counted = load("codegen_counted.json");
  devices::profile cc = load("codegen_counted_c.json");
  const core::schema& frame = counted.find_command("read_registers")->request;
  const core::schema& registers = counted.find_command("read_registers")->response;
  const core::schema& wrapped = counted.events().at(0).payload;
  const core::schema& blob = cc.find_command("blob")->request;
  const core::schema& line = cc.find_command("blob")->response;
  const core::schema& raw = cc.find_command("raw")->request;
  const core::schema& nest = cc.find_command("raw")->response;
  const core::schema& items = cc.events().at(0).payload;

  c_face<counted_Frame> frame_face{&frame, core::endian::little, counted_Frame_encode, counted_Frame_decode, frame_c, frame_j, false};
  c_face<counted_Registers> registers_face{
      &registers, core::endian::little, counted_Registers_encode, counted_Registers_decode,
      [](const json& j, counted_Registers& c) {
        c.values_count = static_cast<std::uint16_t>(j["values"].size());
        for (std::size_t i = 0; i < j["values"].size(); ++i) c.values[i] = j["values"][i].get<std::uint16_t>();
      },
      [](const counted_Registers& c) {
        return json{{"byte_count", 2 * c.values_count},
                    {"values", std::vector<std::uint16_t>(c.values, c.values + c.values_count)}};
      },
      false};
  c_face<counted_Wrapped> wrapped_face{
      &wrapped, core::endian::little, counted_Wrapped_encode, counted_Wrapped_decode,
      [](const json& j, counted_Wrapped& c) {
        c.id = j["id"].get<std::uint8_t>();
        frame_c(j["frame"], c.frame);
        c.last = j["last"].get<std::uint8_t>();
      },
      [](const counted_Wrapped& c) { return json{{"id", c.id}, {"frame", frame_j(c.frame)}, {"last", c.last}}; }, false};
  c_face<cc_Blob> blob_face{&blob, core::endian::big, cc_Blob_encode, cc_Blob_decode, blob_c, blob_j, false};
  c_face<cc_Line> line_face{
      &line, core::endian::big, cc_Line_encode, cc_Line_decode,
      [](const json& j, cc_Line& c) {
        c.id = j["id"].get<std::uint8_t>();
        set_text(c.text, c.text_count, j["text"].get<std::string>());
      },
      [](const cc_Line& c) { return json{{"id", c.id}, {"text", std::string(c.text, c.text_count)}}; }, true};
  c_face<cc_raw_request> raw_face{
      &raw, core::endian::big, cc_raw_request_encode, cc_raw_request_decode,
      [](const json& j, cc_raw_request& c) {
        const auto d = unhex(j.get<std::string>());
        std::copy(d.begin(), d.end(), c.value);  // memcpy may not take an empty vector's null data()
        c.value_count = static_cast<std::uint16_t>(d.size());
      },
      [](const cc_raw_request& c) { return json(hex_of(c.value, c.value_count)); }, true};
  c_face<cc_Nest> nest_face{&nest, core::endian::big, cc_Nest_encode, cc_Nest_decode, nest_c, nest_j, false};
  c_face<cc_items_payload> items_face{
      &items, core::endian::big, cc_items_payload_encode, cc_items_payload_decode,
      [](const json& j, cc_items_payload& c) {
        c.value_count = static_cast<std::uint16_t>(j.size());
        for (std::size_t i = 0; i < j.size(); ++i) item_c(j[i], c.value[i]);
      },
      [](const cc_items_payload& c) { return items_j(c.value, c.value_count); }, false};
};

TEST(generated_c_counted, agrees_with_the_core_on_bytes) {
  const c_fixtures x;
  const std::uint64_t seed = 20261207;
  rng_t rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (int round = 0; round < 200; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    agrees(x.frame_face, rand_frame(rng));
    agrees(x.registers_face, json{{"values", ints(rng, pick_len(rng, COUNTED_REGISTERS_VALUES_MAX), 0, 65535)}});
    agrees(x.wrapped_face, json{{"id", pick(rng, 0, 255)}, {"frame", rand_frame(rng)}, {"last", pick(rng, 0, 255)}});
    agrees(x.blob_face, rand_blob(rng));
    agrees(x.line_face, json{{"id", pick(rng, 0, 255)}, {"text", text_of(rng, pick_len(rng, CC_LINE_TEXT_MAX))}});
    std::vector<std::uint8_t> raw(pick_len(rng, CC_RAW_REQUEST_VALUE_MAX));
    for (auto& b : raw) b = static_cast<std::uint8_t>(rng());
    agrees(x.raw_face, json(hex_of(raw.data(), raw.size())));
    agrees(x.nest_face, rand_nest(rng));
    agrees(x.items_face, rand_items(rng, CC_ITEMS_PAYLOAD_VALUE_MAX));
  }
}

// Every sequence at its maximum encodes to PREFIX_<TYPE>_MAX_SIZE bytes.
TEST(generated_c_counted, max_size_is_every_sequence_at_its_maximum) {
  const c_fixtures x;
  auto frame = zeroed<counted_Frame>();
  frame->temps_count = COUNTED_FRAME_TEMPS_MAX;
  frame->data_count = COUNTED_FRAME_DATA_MAX;
  EXPECT_EQ(counted_Frame_size(frame.get()), COUNTED_FRAME_MAX_SIZE);
  auto nest = zeroed<cc_Nest>();
  auto full = [](cc_Item& i) {
    i.kind = CC_ITEM_KIND_A;
    i.values_count = CC_ITEM_VALUES_MAX;
  };
  full(nest->pair[0]);
  full(nest->pair[1]);
  nest->items_count = CC_NEST_ITEMS_MAX;
  nest->rest_count = CC_NEST_REST_MAX;
  for (auto& i : nest->items) full(i);
  for (auto& i : nest->rest) full(i);
  EXPECT_EQ(cc_Nest_size(nest.get()), CC_NEST_MAX_SIZE);
  std::vector<std::uint8_t> out(CC_NEST_MAX_SIZE);
  ASSERT_EQ(cc_Nest_encode(nest.get(), out.data(), out.size()), out.size());
  agrees(x.nest_face, nest_j(*nest));
  // Blob.name was generated with --max-tail Blob.name=300, but its u8 count holds 255.
  EXPECT_EQ(CC_BLOB_NAME_MAX, 300u);
  EXPECT_EQ(CC_BLOB_MAX_SIZE, 5u + 255u + CC_BLOB_DATA_MAX);
  rng_t rng(7);
  json b = rand_blob(rng);
  b.erase("name_length");
  b["name"] = std::string(255, 'x');
  b["data"] = std::string(2 * CC_BLOB_DATA_MAX, 'a');
  agrees(x.blob_face, b);
  EXPECT_EQ(core::encode(x.blob, b, core::endian::big).size(), CC_BLOB_MAX_SIZE);
}

// With --max-tail 65535 a sequence holds as many as its count field counts, and MAX_SIZE says so.
TEST(generated_c_counted, max_size_counts_no_more_than_the_count_field_holds) {
  EXPECT_EQ(CW_REGISTERS_VALUES_MAX, 65535u);
  EXPECT_EQ(CW_REGISTERS_MAX_SIZE, 1u + 254u);  // a u8 byte count: 127 registers
  EXPECT_EQ(CW_FRAME_MAX_SIZE, 7u + 65535u * 2u + 65535u);
  std::vector<std::uint8_t> out(300);
  auto regs = zeroed<cw_Registers>();
  regs->values_count = 128;
  EXPECT_EQ(cw_Registers_encode(regs.get(), out.data(), out.size()), 0u) << "256 bytes: more than byte_count holds";
  regs->values_count = 127;
  EXPECT_EQ(cw_Registers_encode(regs.get(), out.data(), out.size()), CW_REGISTERS_MAX_SIZE);
  EXPECT_EQ(out[0], 254u);
}

// What the encoder refuses (returns 0, SIZE_MAX from _size) rather than write a wrong frame.
TEST(generated_c_counted, encoder_refuses_counts_it_cannot_write) {
  std::vector<std::uint8_t> out(4096);
  auto regs = zeroed<counted_Registers>();
  regs->values_count = COUNTED_REGISTERS_VALUES_MAX + 1;  // over the maximum
  EXPECT_EQ(counted_Registers_size(regs.get()), SIZE_MAX);
  EXPECT_EQ(counted_Registers_encode(regs.get(), out.data(), out.size()), 0u);
  regs->values_count = COUNTED_REGISTERS_VALUES_MAX;
  EXPECT_EQ(counted_Registers_encode(regs.get(), out.data(), out.size()), 1u + 2u * COUNTED_REGISTERS_VALUES_MAX);
  EXPECT_EQ(out[0], 2u * COUNTED_REGISTERS_VALUES_MAX) << "the byte count is written from values_count";

  auto w = zeroed<counted_Wrapped>();
  w->frame.data_count = COUNTED_FRAME_DATA_MAX + 1;  // nested
  EXPECT_EQ(counted_Wrapped_encode(w.get(), out.data(), out.size()), 0u);

  auto blob = zeroed<cc_Blob>();
  std::memset(blob->name, 'x', 256);
  blob->name_count = 256;  // within Blob.name's 300, but name_length is a u8
  EXPECT_EQ(cc_Blob_encode(blob.get(), out.data(), out.size()), 0u);
  blob->name[255] = '\0';
  blob->name_count = 255;
  EXPECT_EQ(cc_Blob_encode(blob.get(), out.data(), out.size()), 5u + 255u);
  set_text(blob->name, blob->name_count, std::string("abc"));
  blob->name_count = 2;  // shorter than the text
  EXPECT_EQ(cc_Blob_encode(blob.get(), out.data(), out.size()), 0u);
  blob->name_count = 3;
  EXPECT_EQ(cc_Blob_encode(blob.get(), out.data(), out.size()), 8u);
  // Past its NUL: NULs fill the text up to its count, as the core encodes a
  // count above the text's length; whatever follows the NUL is no part of it.
  blob->name[4] = 'z';
  blob->name_count = 5;
  ASSERT_EQ(cc_Blob_encode(blob.get(), out.data(), out.size()), 10u);
  const std::vector<std::uint8_t> padded(out.begin(), out.begin() + 10);
  EXPECT_EQ(padded, (std::vector<std::uint8_t>{5, 0, 0, 'a', 'b', 'c', 0, 0, 0, 0}));
  EXPECT_EQ(padded, core::encode(c_fixtures{}.blob, json{{"name_length", 5}, {"name", "abc"}, {"data", ""}, {"crc", 0}},
                                 core::endian::big));

  auto nest = zeroed<cc_Nest>();
  nest->pair[1].values_count = CC_ITEM_VALUES_MAX + 1;  // in a fixed array of records
  EXPECT_EQ(cc_Nest_encode(nest.get(), out.data(), out.size()), 0u);
  nest->pair[1].values_count = 0;
  nest->rest_count = 1;
  nest->rest[0].values_count = CC_ITEM_VALUES_MAX + 1;  // in the tail of records
  EXPECT_EQ(cc_Nest_encode(nest.get(), out.data(), out.size()), 0u);
}

// What the decoder refuses: a count over its maximum (which the core takes), a
// count the input does not hold, a byte count that splits an element.
TEST(generated_c_counted, decoder_refuses_bad_counts) {
  const c_fixtures x;
  auto regs = zeroed<counted_Registers>();
  // over the maximum: 17 registers, a valid value for the core
  core::bytes b{2 * (COUNTED_REGISTERS_VALUES_MAX + 1)};
  b.resize(1 + 2 * (COUNTED_REGISTERS_VALUES_MAX + 1), 0);
  EXPECT_NO_THROW(core::decode(x.registers, b, core::endian::little));
  EXPECT_FALSE(counted_Registers_decode(b.data(), b.size(), regs.get()));
  b = {4, 0, 1};  // says 2 registers, holds 1 byte of them
  EXPECT_THROW(core::decode(x.registers, b, core::endian::little), core::codec_error);
  EXPECT_FALSE(counted_Registers_decode(b.data(), b.size(), regs.get()));
  b = {3, 0, 1, 2};  // 3 bytes: no whole number of u16
  EXPECT_THROW(core::decode(x.registers, b, core::endian::little), core::codec_error);
  EXPECT_FALSE(counted_Registers_decode(b.data(), b.size(), regs.get()));
  b = {2, 0x12, 0x34};
  ASSERT_TRUE(counted_Registers_decode(b.data(), b.size(), regs.get()));
  EXPECT_EQ(regs->values_count, 1u);
  EXPECT_EQ(regs->values[0], 0x1234u);

  // Frame: temps counted in elements (u24), data in bytes (big-endian u16), then a crc
  auto frame = zeroed<counted_Frame>();
  b = {0xff, 0xff, 0xff, 0, 0, 0, 0};  // 16777215 temps
  EXPECT_FALSE(counted_Frame_decode(b.data(), b.size(), frame.get()));
  b = {1, 0, 0, 0, 1, 5, 0, 9, 0xbe, 0xef};  // 1 temp, 1 data byte, crc
  ASSERT_TRUE(counted_Frame_decode(b.data(), b.size(), frame.get()));
  EXPECT_EQ(frame_j(*frame), core::decode(x.frame, b, core::endian::little));
  b.pop_back();  // the crc a byte short
  EXPECT_FALSE(counted_Frame_decode(b.data(), b.size(), frame.get()));

  // Item in bytes of i24: 4 bytes split an element; in a counted array of records
  auto nest = zeroed<cc_Nest>();
  core::bytes n{0, 0, /*pair*/ 0, 1, 0, 0, 1, 0, /*items*/ /*point*/ 0, 0, 0, 0, 0};
  ASSERT_TRUE(cc_Nest_decode(n.data(), n.size(), nest.get()));
  EXPECT_EQ(nest_j(*nest), core::decode(x.nest, n, core::endian::big));
  n[2] = 4;  // the first Item's n: 4 bytes of i24
  n.insert(n.begin() + 4, {1, 2, 3, 4});
  EXPECT_THROW(core::decode(x.nest, n, core::endian::big), core::codec_error);
  EXPECT_FALSE(cc_Nest_decode(n.data(), n.size(), nest.get()));
  n = {0, 17, 0, 1, 0, 0, 1, 0};  // 17 items: over CC_NEST_ITEMS_MAX
  for (int i = 0; i < 17; ++i) n.insert(n.end(), {0, 2, 0});
  n.insert(n.end(), {0, 0, 0, 0, 0});
  EXPECT_NO_THROW(core::decode(x.nest, n, core::endian::big));
  EXPECT_FALSE(cc_Nest_decode(n.data(), n.size(), nest.get()));
  n[1] = 16;
  n.erase(n.begin() + 8, n.begin() + 11);
  ASSERT_TRUE(cc_Nest_decode(n.data(), n.size(), nest.get()));
  EXPECT_EQ(nest_j(*nest), core::decode(x.nest, n, core::endian::big));

  // text[]: decoding stops at the first NUL, as the core's does, keeping the count
  // as read; encoding that gives NULs after the text. Bad UTF-8 is refused.
  auto blob = zeroed<cc_Blob>();
  b = {3, 0, 0, 'a', 0, 'b', 0, 0};
  ASSERT_TRUE(cc_Blob_decode(b.data(), b.size(), blob.get()));
  EXPECT_STREQ(blob->name, "a");
  EXPECT_EQ(blob->name_count, 3u);
  EXPECT_EQ(blob_j(*blob), core::decode(x.blob, b, core::endian::big));
  std::vector<std::uint8_t> again(b.size());
  ASSERT_EQ(cc_Blob_encode(blob.get(), again.data(), again.size()), b.size());
  EXPECT_EQ(again, (std::vector<std::uint8_t>{3, 0, 0, 'a', 0, 0, 0, 0}));
  EXPECT_EQ(again, core::encode(x.blob, core::decode(x.blob, b, core::endian::big), core::endian::big));
  b = {2, 0, 0, 0xc3, 'b', 0, 0};
  EXPECT_THROW(core::decode(x.blob, b, core::endian::big), core::codec_error);
  EXPECT_FALSE(cc_Blob_decode(b.data(), b.size(), blob.get()));
  // a tail of text over its maximum
  auto line = zeroed<cc_Line>();
  std::vector<std::uint8_t> l(2 + CC_LINE_TEXT_MAX, 'x');
  EXPECT_FALSE(cc_Line_decode(l.data(), l.size(), line.get()));
  EXPECT_TRUE(cc_Line_decode(l.data(), l.size() - 1, line.get()));
  EXPECT_EQ(line->text_count, CC_LINE_TEXT_MAX);
}

}  // namespace

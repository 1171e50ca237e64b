// decode_json and decode_to: the dynamic face's decoder writing JSON text, or
// handing parts to a visitor, with no nlohmann::json tree in between. The text
// is format_json(decode(...)) byte for byte; errors are decode()'s.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/schema.hpp"

namespace decode_json_test {

namespace {

using namespace comframe::core;
using nlohmann::json;

// The text decode_json writes, checked against the tree's text in both layouts.
std::string text_of(const schema& s, const bytes& b, int indent = -1, endian order = endian::little,
                    json_mode mode = json_mode::strict) {
  std::string fast;
  decode_json(s, b, fast, indent, order, mode);
  const json tree = decode(s, b, order, mode);
  EXPECT_EQ(fast, format_json(tree, {.indent = indent, .scalar_arrays_on_one_line = true, .type = &s.root()}));
  return fast;
}

const char* const every_kind = R"({
  "types": {
    "Mode": {"enum": "u8", "values": {"idle": 0, "run": 1}},
    "Status": {"flags": "u8", "values": {"ok": 0, "hot": 3}},
    "Pair": {"struct": [{"name": "a", "type": "i8"}, {"name": "b", "type": ">u24"}]},
    "All": {"struct": [
      {"name": "seq", "type": "u32"},
      {"name": "t", "type": "i16"},
      {"name": "f", "type": "f32[3]"},
      {"name": "d", "type": "f64"},
      {"name": "h", "type": "f2"},
      {"name": "on", "type": "bool"},
      {"name": "c", "type": "char[3]"},
      {"name": "mode", "type": "Mode"},
      {"name": "status", "type": "Status"},
      {"name": "name", "type": "text[6]"},
      {"name": "raw", "type": "bytes[2]"},
      {"name": "bits", "type": {"bits": [{"name": "x", "type": "u3"}, {"name": "y", "type": "i4", "count": 2},
                                        {"name": "z", "type": "bool"}], "size": 16}},
      {"name": "pairs", "type": "Pair[2]"},
      {"name": "n", "type": "u8"},
      {"name": "vals", "type": "u16[]", "count": "n"},
      {"name": "tail", "type": "Pair[]"}
    ]}
  },
  "root": "All"
})";

bytes sample_all() {
  const json v = json::parse(R"({
    "seq": 123456, "t": -1250, "f": [0.1, -9.8125, 1e-5], "d": 1234.5, "h": 0.333, "on": true,
    "c": ["A", "\u0000", "\u00e9"], "mode": "run", "status": ["ok", "hot"], "name": "h\"i\u001b",
    "raw": "00ff", "bits": {"x": 5, "y": [-8, 7], "z": true},
    "pairs": [{"a": -1, "b": 16777215}, {"a": 2, "b": 3}], "n": 2, "vals": [1, 65535],
    "tail": [{"a": 9, "b": 9}]})");
  return encode(schema::parse(every_kind), v, endian::little);
}

TEST(decode_json, writes_the_text_format_json_writes_of_every_kind_compact_and_indented) {
  const schema s = schema::parse(every_kind);
  const bytes b = sample_all();
  const std::string compact = text_of(s, b, -1);
  EXPECT_EQ(compact.substr(0, 60), R"({"seq":123456,"t":-1250,"f":[0.1,-9.8125,1e-05],"d":1234.5,")");
  EXPECT_NE(compact.find(R"("name":"h\"i\u001b")"), std::string::npos) << compact;
  EXPECT_NE(compact.find(R"("c":["A","\u0000","é"])"), std::string::npos) << compact;
  EXPECT_NE(compact.find(R"("status":["ok","hot"])"), std::string::npos) << compact;
  const std::string indented = text_of(s, b, 2);
  EXPECT_NE(indented.find("\n  \"f\": [0.1, -9.8125, 1e-05],\n"), std::string::npos) << indented;
  EXPECT_NE(indented.find("\n  \"pairs\": [\n    {\n      \"a\": -1,\n"), std::string::npos) << indented;
  EXPECT_EQ(text_of(s, b, 4).size(), format_json(decode(s, b), {.indent = 4, .scalar_arrays_on_one_line = true,
                                                                .type = &s.root()}).size());
}

// Every object of `v` (parsed in text order) has its keys in byte order.
bool keys_sorted(const nlohmann::ordered_json& v) {
  if (v.is_object()) {
    std::string last;
    bool first = true;
    for (const auto& [key, value] : v.items()) {
      if (!first && !(last < key)) return false;
      first = false;
      last = key;
      if (!keys_sorted(value)) return false;
    }
  } else if (v.is_array()) {
    for (const auto& e : v) {
      if (!keys_sorted(e)) return false;
    }
  }
  return true;
}

// With sorted keys: the same JSON as the field-order text (each number from the
// same digits), every object's keys sorted, ASCII only when asked.
std::string sorted_text_of(const schema& s, const bytes& b, int indent, bool ascii_only) {
  std::string fast;
  decode_json(s, b, fast, json_text_options{.indent = indent, .sorted_keys = true, .ascii_only = ascii_only},
              endian::little);
  std::string field_order;
  decode_json(s, b, field_order, indent, endian::little);
  EXPECT_EQ(json::parse(fast), json::parse(field_order));
  EXPECT_TRUE(keys_sorted(nlohmann::ordered_json::parse(fast))) << fast;
  if (ascii_only) EXPECT_TRUE(std::all_of(fast.begin(), fast.end(), [](char c) { return c > 0; })) << fast;
  if (!ascii_only) EXPECT_EQ(fast.size(), field_order.size());  // the same members, moved
  return fast;
}

TEST(decode_json, sorted_keys_at_every_depth_are_the_trees_order_in_both_layouts) {
  const schema s = schema::parse(every_kind);
  const bytes b = sample_all();
  for (const bool ascii_only : {false, true}) {
    const std::string compact = sorted_text_of(s, b, -1, ascii_only);
    EXPECT_EQ(compact.substr(0, 40), R"({"bits":{"x":5,"y":[-8,7],"z":true},"c":)");
    // Where nlohmann writes each number as decode_json does, the text is format_json's of the tree.
    EXPECT_EQ(compact, format_json(json::parse(compact), {.ascii_only = ascii_only}));
    EXPECT_NE(compact.find(R"("pairs":[{"a":-1,"b":16777215},{"a":2,"b":3}],"raw":"00ff","seq":123456)"),
              std::string::npos) << compact;
    EXPECT_NE(compact.find(R"("f":[0.1,-9.8125,1e-05])"), std::string::npos) << compact;
    EXPECT_NE(compact.find(ascii_only ? R"("c":["A","\u0000","\u00e9"])" : R"("c":["A","\u0000","é"])"),
              std::string::npos) << compact;
    const std::string indented = sorted_text_of(s, b, 2, ascii_only);
    EXPECT_EQ(indented, format_json(json::parse(indented),
                                    {.indent = 2, .scalar_arrays_on_one_line = true, .ascii_only = ascii_only}));
  }
  // The tree's own text, where no f32 is in the value.
  const schema pair = schema::parse(R"({"struct": [{"name": "z", "type": "u8"}, {"name": "a", "type": "text[4]"}]})");
  std::string fast;
  decode_json(pair, bytes{7, 'h', 0xC3, 0xA9, 0}, fast, json_text_options{.sorted_keys = true, .ascii_only = true});
  EXPECT_EQ(fast, format_json(decode(pair, bytes{7, 'h', 0xC3, 0xA9, 0}), {.ascii_only = true}));
  EXPECT_EQ(fast, R"({"a":"h\u00e9","z":7})");
}

TEST(decode_json, sorted_keys_agree_with_the_tree_for_random_values) {
  const schema s = schema::parse(every_kind);
  std::mt19937_64 g(17);
  const bytes base = sample_all();
  for (int i = 0; i < 300; ++i) {
    bytes b = base;
    for (std::size_t k = 0; k < 28; ++k) b[k] = static_cast<std::uint8_t>(g());  // seq, t, f, d and h
    sorted_text_of(s, b, -1, i % 2 == 0);
  }
}

TEST(decode_json, empty_arrays_and_an_empty_flag_set_stay_on_one_line) {
  const schema s = schema::parse(R"({"struct": [{"name": "s", "type": {"flags": "u8", "values": {"a": 0}}},
                                                 {"name": "n", "type": "u8"},
                                                 {"name": "v", "type": "i8[]", "count": "n"},
                                                 {"name": "rest", "type": {"struct": [{"name": "q", "type": "u8"}]}}]})");
  EXPECT_EQ(text_of(s, bytes{0, 0, 7}, 2), "{\n  \"s\": [],\n  \"n\": 0,\n  \"v\": [],\n  \"rest\": {\n    \"q\": 7\n  }\n}");
}

TEST(decode_json, appends_to_what_the_string_holds) {
  const schema s = schema::parse(R"("u16[]")");
  std::string out = "line: ";
  decode_json(s, bytes{1, 0, 2, 0}, out);
  EXPECT_EQ(out, "line: [1,2]");
}

TEST(decode_json, an_error_is_decodes_error_and_leaves_the_text_as_it_was) {
  const schema s = schema::parse(R"({"struct": [{"name": "a", "type": "u8"},
                                                 {"name": "m", "type": {"enum": "u8", "values": {"x": 1}}}]})");
  std::string out = "kept";
  std::string fast_error, tree_error;
  try {
    decode_json(s, bytes{5, 9}, out);
  } catch (const codec_error& e) {
    fast_error = e.what();
  }
  try {
    (void)decode(s, bytes{5, 9});
  } catch (const codec_error& e) {
    tree_error = e.what();
  }
  EXPECT_EQ(out, "kept");
  EXPECT_NE(fast_error, "");
  EXPECT_EQ(fast_error, tree_error);
  EXPECT_NE(fast_error.find("] m at byte 1: 9 is no value"), std::string::npos) << fast_error;
}

// The float 0x38e30007 is 0.000108242086 in its fewest digits; nlohmann writes
// the double nearest to that as 0.00010824208600000001.
TEST(decode_json, an_f32_is_written_in_its_fewest_digits_by_both_paths) {
  const schema s = schema::parse(R"("f32")");
  const bytes b{0x07, 0x00, 0xe3, 0x38};
  EXPECT_EQ(text_of(s, b), "0.000108242086");
  EXPECT_EQ(json(decode(s, b).get<double>()).dump(), "0.00010824208600000001");  // why format_json needs the rule
}

TEST(decode_json, every_f32_text_reads_back_to_its_float_with_no_more_digits_than_to_chars_gives) {
  const schema s = schema::parse(R"("f32")");
  std::mt19937 rng(17);
  int checked = 0;
  for (int i = 0; i < 200000; ++i) {
    const std::uint32_t bits = i < 64 ? (i % 2 ? 0x80000000u : 0u) | (static_cast<std::uint32_t>(i / 2) << 23) : rng();
    const float f = std::bit_cast<float>(bits);
    if (!std::isfinite(f)) continue;
    bytes b(4);
    std::memcpy(b.data(), &bits, 4);
    std::string text;
    decode_json(s, b, text, -1, endian::native);
    char shortest[32];
    const auto end = std::to_chars(shortest, shortest + sizeof shortest, f, std::chars_format::scientific).ptr;
    const std::string digits(shortest, std::find(shortest, end, 'e'));
    std::size_t significant = 0;
    for (char c : digits) significant += c >= '0' && c <= '9';
    ASSERT_EQ(std::strtof(text.c_str(), nullptr), f) << text << " for " << std::hex << bits;
    ASSERT_EQ(std::signbit(std::strtof(text.c_str(), nullptr)), std::signbit(f)) << text;
    std::size_t written = 0;
    const auto mantissa_end = text.find('e');
    bool leading = true;
    for (char c : text.substr(0, mantissa_end)) {
      if (c < '0' || c > '9') continue;
      if (c == '0' && leading) continue;
      leading = false;
      ++written;
    }
    // Whole numbers gain a ".0" and zeros before their point (1e+06 is 1000000.0): digits beyond
    // the shortest ones are then zeros.
    const std::string trimmed = text.substr(0, mantissa_end);
    ASSERT_TRUE(written <= significant || trimmed.find_last_not_of("0.") < trimmed.find('.'))
        << text << " has more digits than " << digits;
    ASSERT_EQ(text, format_json(decode(s, b), {.type = &s.root()}));
    ++checked;
  }
  EXPECT_GT(checked, 190000);
}

TEST(decode_json, nan_and_the_infinities_are_strings) {
  const schema s = schema::parse(R"("f32[3]")");
  const float v[3] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                      -std::numeric_limits<float>::infinity()};
  bytes b(12);
  std::memcpy(b.data(), v, 12);
  EXPECT_EQ(text_of(s, b, -1, endian::native), R"(["nan","inf","-inf"])");
}

// Records the parts decode_to hands over, as one line of text.
class recorder : public value_visitor {
 public:
  std::string seen;
  void begin_object(const type_node& t) override { seen += "{" + std::to_string(t.fields.size()) + " "; }
  void key(const std::string& name) override { seen += name + "="; }
  void end_object() override { seen += "} "; }
  void begin_array(const type_node* e) override { seen += e ? "[e " : "[- "; }
  void end_array() override { seen += "] "; }
  void null() override { seen += "null "; }
  void boolean(bool v) override { seen += v ? "true " : "false "; }
  void integer(std::int64_t v) override { seen += "i" + std::to_string(v) + " "; }
  void unsigned_integer(std::uint64_t v) override { seen += "u" + std::to_string(v) + " "; }
  void real(double v, bool is_f32) override { seen += (is_f32 ? "f" : "d") + std::to_string(v) + " "; }
  void string(std::string_view v) override { seen += "'" + std::string(v) + "' "; }
};

TEST(decode_to, hands_over_each_part_in_the_order_of_the_bytes) {
  const schema s = schema::parse(R"({"struct": [{"name": "n", "type": "u8"}, {"name": "v", "type": "i16[]", "count": "n"},
                                                 {"name": "x", "type": "f32"}, {"name": "s", "type": "text[]"}]})");
  recorder r;
  decode_to(s, bytes{2, 0xff, 0xff, 3, 0, 0, 0, 0xc0, 0x3f, 'o', 'k'}, r, endian::little);
  EXPECT_EQ(r.seen, "{4 n=u2 v=[e i-1 i3 ] x=f1.500000 s='ok' } ");
}

TEST(decode_to, an_error_comes_after_the_parts_before_it) {
  const schema s = schema::parse(R"({"struct": [{"name": "a", "type": "u8"}, {"name": "b", "type": "bool"}]})");
  recorder r;
  EXPECT_THROW(decode_to(s, bytes{1, 7}, r), codec_error);
  EXPECT_EQ(r.seen, "{2 a=u1 b=");
}

}  // namespace

}  // namespace decode_json_test

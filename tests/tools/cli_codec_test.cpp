// `comframe encode | decode | schema` as a user runs them: a real child process.
#include <gtest/gtest.h>

#include <fstream>

#include "support/process.hpp"

namespace cli_codec_test {

namespace {

using comframe::test::run;

const std::string cli = COMFRAME_CLI;
const std::string sensors = std::string(COMFRAME_SOURCE_DIR) + "/tests/tools/data/sensors.json";

// float16, flag sets and packed arrays in bit records (docs/schema.md).
const std::string formats = std::string(COMFRAME_SOURCE_DIR) + "/tests/tools/data/formats.json";

std::string temp_file(const std::string& name, const std::string& content) {
  const std::string path = testing::TempDir() + name;
  std::ofstream(path) << content;
  return path;
}

TEST(cli_codec, encodes_json_to_hex_in_the_chosen_byte_order) {
  auto r = run({cli, "encode", "--schema", sensors, "--type", "Readings", "--endian", "big",
                R"({"channel": 3, "ok": true, "temps": [1000, -10]})"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "03 01 03 e8 ff f6\n");
  r = run({cli, "encode", "-s", sensors, "-t", "Readings", "-e", "little", R"({"channel": 3, "ok": true, "temps": [1000]})"});
  EXPECT_EQ(r.out, "03 01 e8 03\n");
}

TEST(cli_codec, decodes_hex_to_json_with_keys_in_field_order) {
  auto r = run({cli, "decode", "--schema", sensors, "--type", "Readings", "--endian", "big", "03 01 03 e8 ff f6"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\n  \"channel\": 3,\n  \"ok\": true,\n  \"temps\": [1000, -10]\n}\n");
  r = run({cli, "decode", "-s", sensors, "-t", "Point", "-e", "big", "--compact", "0x3f,0xc0,0x00,0x00:c0 00 00 00"});
  EXPECT_EQ(r.out, "{\"x\":1.5,\"y\":-2.0}\n");
}

TEST(cli_codec, reads_the_value_from_stdin_when_given_a_dash) {
  auto r = run({cli, "encode", "-s", sensors, "-t", "Point", "-"}, R"({"x": 0, "y": 0})");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "00 00 00 00 00 00 00 00\n");
  r = run({cli, "decode", "-s", sensors, "-t", "Point", "-c", "-"}, "00000000\n00000000\n");
  EXPECT_EQ(r.out, "{\"x\":0.0,\"y\":0.0}\n");
}

TEST(cli_codec, lenient_encoding_is_asked_for_explicitly) {
  auto strict = run({cli, "encode", "-s", sensors, "-t", "Point", R"({"x": 1})"});
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_EQ(strict.err, "comframe encode: [core.json_key] y: missing (strict mode needs every field)\n");
  auto lenient = run({cli, "encode", "-s", sensors, "-t", "Point", "--lenient", "-e", "big", R"({"x": 1, "z": 9})"});
  EXPECT_EQ(lenient.exit_code, 0) << lenient.err;
  EXPECT_EQ(lenient.out, "3f 80 00 00 00 00 00 00\n");
}

TEST(cli_codec, a_malformed_hex_string_is_one_clear_line_and_exit_1) {
  auto r = run({cli, "decode", "-s", sensors, "-t", "Point", "3f c0 0g 00"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "comframe decode: bad hex at character 8: \"g\" is not a hex digit\n");
  r = run({cli, "decode", "-s", sensors, "-t", "Point", "3f c 00"});
  EXPECT_EQ(r.err, "comframe decode: bad hex at character 5: a byte needs two hex digits\n");
  r = run({cli, "decode", "-s", sensors, "-t", "Point", "3fc"});
  EXPECT_EQ(r.err, "comframe decode: odd number of hex digits (3)\n");
}

TEST(cli_codec, hex_characters_count_from_one_and_0x_alone_is_not_an_empty_string) {
  const auto null_schema = temp_file("null.json", R"("null")");
  auto r = run({cli, "decode", "-s", null_schema, "0x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe decode: bad hex at character 1: \"0x\" needs hex digits after it\n");
  r = run({cli, "decode", "-s", null_schema, "0a 0X"});
  EXPECT_EQ(r.err, "comframe decode: bad hex at character 4: \"0X\" needs hex digits after it\n");
  r = run({cli, "decode", "-s", null_schema, "g"});
  EXPECT_EQ(r.err, "comframe decode: bad hex at character 1: \"g\" is not a hex digit\n");
  r = run({cli, "decode", "-s", null_schema, ""});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "null\n");
  // A hex string inside a JSON value counts the same way.
  const auto key = temp_file("key.json", R"("bytes[2]")");
  r = run({cli, "encode", "-s", key, R"("0z00")"});
  EXPECT_EQ(r.err, "comframe encode: [core.json_range] bad hex at character 2: \"z\" is not a hex digit\n");
}

TEST(cli_codec, the_largest_f32_decodes_to_a_number_that_encodes_back) {
  const auto f32 = temp_file("f32.json", R"("f32")");
  auto r = run({cli, "decode", "-s", f32, "-e", "little", "ff ff 7f 7f"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "3.4028235e+38\n");
  r = run({cli, "encode", "-s", f32, "-e", "little", "3.4028235e+38"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ff ff 7f 7f\n");
  r = run({cli, "encode", "-s", f32, "-e", "little", "--lenient", "-1e39"});
  EXPECT_EQ(r.out, "00 00 80 ff\n");
  r = run({cli, "encode", "-s", f32, "-e", "little", "1e39"});
  EXPECT_EQ(r.err, "comframe encode: [core.json_range] 1e+39 is out of range for f32 (magnitude up to 3.4028235e38)\n");
}

TEST(cli_codec, a_number_beyond_a_double_in_the_value_is_an_encode_error) {
  const auto f64 = temp_file("f64.json", R"("f64")");
  auto r = run({cli, "encode", "-s", f64, "1e400"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe encode: the value: [core.json_syntax] not valid JSON: [json.exception.out_of_range.406] "
                   "number overflow parsing '1e400'\n");
}

TEST(cli_codec, a_directory_given_as_the_schema_says_so) {
  auto r = run({cli, "decode", "-s", testing::TempDir(), "00"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe decode: cannot read schema file " + testing::TempDir() + ": it is a directory\n");
}

TEST(cli_codec, a_key_written_twice_in_the_value_is_refused_unless_lenient_where_the_last_wins) {
  const auto s = temp_file("ab.json", R"({"struct": [{"name": "a", "type": "u8"}, {"name": "b", "type": "u8"}]})");
  auto r = run({cli, "encode", "-s", s, R"({"a": 1, "b": 3, "a": 2})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "comframe encode: the value: [core.json_syntax] duplicate key \"a\"\n");
  r = run({cli, "encode", "-s", s, "--lenient", R"({"a": 1, "b": 3, "a": 2})"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "02 03\n");
}

TEST(cli_codec, a_wrong_size_input_names_the_expected_size) {
  auto r = run({cli, "decode", "-s", sensors, "-t", "Point", "00 00 00"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe decode: [core.size] at byte 3: the input ends, but the value takes exactly 8 bytes (3 given)\n");
  r = run({cli, "decode", "-s", sensors, "-t", "Readings", "01 01 00"});
  EXPECT_EQ(r.err,
            "comframe decode: [core.size] temps at byte 2: 1 byte left, but a dynamic tail of i16 needs a multiple of 2\n");
}

TEST(cli_codec, a_bad_schema_is_reported_with_its_file_and_path) {
  const auto bad = temp_file("bad_schema.json", R"({"types": {"T": {"struct": [{"name": "a", "type": "u8[]"}, {"name": "b", "type": "u8"}]}}})");
  auto r = run({cli, "decode", "-s", bad, "00"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe decode: schema file " + bad +
                       ": [core.definition] T.a: a dynamic array, or a struct that contains one, may only be the last "
                       "field of a struct\n");
  const auto broken = temp_file("broken.json", "{\"types\": ");
  r = run({cli, "schema", broken});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("schema file " + broken + ": [core.schema_syntax] at byte 11: not valid JSON"), std::string::npos)
      << r.err;
}

TEST(cli_codec, a_schema_with_several_types_asks_for_one) {
  auto r = run({cli, "decode", "-s", sensors, "00"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe decode: schema file " + sensors +
                       " has several types and no \"root\"; choose one with --type (Point, Readings)\n");
  r = run({cli, "decode", "-s", sensors, "-t", "Pointt", "00"});
  EXPECT_EQ(r.err, "comframe decode: schema file " + sensors +
                       ": [core.unknown_type] no type named \"Pointt\" (the types are: Point, Readings)\n");
}

TEST(cli_codec, a_missing_file_and_bad_json_value_are_clear_errors) {
  auto r = run({cli, "encode", "-s", "/nonexistent/s.json", "1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe encode: cannot read schema file /nonexistent/s.json: No such file or directory\n");
  r = run({cli, "encode", "-s", sensors, "-t", "Point", "{x: 1}"});
  EXPECT_EQ(r.err, "comframe encode: the value is not valid JSON (at byte 2)\n");
}

TEST(cli_codec, wrong_arguments_give_usage_errors_with_exit_2) {
  auto r = run({cli, "decode", "00"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "comframe: --schema is required\nRun 'comframe --help' for usage.\n");
  r = run({cli, "encode", "-s", sensors, "-e", "middle", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--endian: middle not in {native,little,big}"), std::string::npos) << r.err;
  r = run({cli, "frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  r = run({cli});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(cli_codec, help_lists_the_commands_and_each_command_has_its_own) {
  auto r = run({cli, "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("encode"), std::string::npos);
  EXPECT_NE(r.out.find("decode"), std::string::npos);
  r = run({cli, "decode", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--endian"), std::string::npos);
  EXPECT_NE(r.out.find("Example: comframe decode"), std::string::npos);
}

TEST(cli_codec, schema_takes_its_file_either_way_and_requires_neither_form_on_its_own) {
  auto r = run({cli, "schema", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.find("REQUIRED"), std::string::npos) << r.out;
  r = run({cli, "schema"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "comframe: a schema file (FILE or --schema) is required\nRun 'comframe --help' for usage.\n");
  r = run({cli, "schema", "-s", sensors, "-t", "Point"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run({cli, "schema", sensors, "-s", sensors});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(cli_codec, a_schema_without_types_says_so) {
  const auto empty = temp_file("no_types.json", R"({"types": {}})");
  auto r = run({cli, "schema", empty});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe schema: schema file " + empty + " has no types and no \"root\"\n");
}

TEST(cli_codec, schema_prints_the_canonical_form_and_sizes) {
  auto r = run({cli, "schema", sensors, "--type", "Readings"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("# Readings: dynamic, 2 bytes + 2 per element of the dynamic array"), std::string::npos) << r.out;
  const auto one = temp_file("one.json", R"("u8")");
  r = run({cli, "schema", one});
  EXPECT_EQ(r.out, "{\"root\": \"u8\", \"types\": {}}\n# u8: 1 byte\n");
}

// ---- float16, flag sets, packed arrays in bit records ------------------------

TEST(cli_codec, float16_encodes_and_decodes_in_both_byte_orders) {
  auto r = run({cli, "encode", "-s", formats, "-t", "Half", "-e", "little", "1.5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "00 3e\n");
  r = run({cli, "encode", "-s", formats, "-t", "Half", "-e", "big", "1.5"});
  EXPECT_EQ(r.out, "3e 00\n");
  r = run({cli, "encode", "-s", formats, "-t", "Half", "-e", "big", "-2"});
  EXPECT_EQ(r.out, "c0 00\n");
  r = run({cli, "encode", "-s", formats, "-t", "Half", "-e", "little", "0.1"});  // the nearest half, 0x2e66
  EXPECT_EQ(r.out, "66 2e\n");
  // Decoding prints the fewest digits that read back to the same half.
  r = run({cli, "decode", "-s", formats, "-t", "Half", "-e", "little", "66 2e"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0.1\n");
  r = run({cli, "decode", "-s", formats, "-t", "Half", "-e", "big", "7b ff"});
  EXPECT_EQ(r.out, "65500.0\n");
  r = run({cli, "decode", "-s", formats, "-t", "Half", "-e", "little", "01 00"});  // the smallest subnormal
  EXPECT_EQ(r.out, "6e-08\n");
  r = run({cli, "decode", "-s", formats, "-t", "Half", "-e", "big", "7c 00"});
  EXPECT_EQ(r.out, "\"inf\"\n");
  r = run({cli, "decode", "-s", formats, "-t", "Half", "-e", "little", "00 fe"});
  EXPECT_EQ(r.out, "\"nan\"\n");
  r = run({cli, "encode", "-s", formats, "-t", "Half", "65520"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe encode: [core.json_range] 65520 is out of range for f2 (magnitude up to 65504)\n");
}

TEST(cli_codec, a_flag_set_is_the_list_of_its_set_flags_in_both_byte_orders) {
  auto r = run({cli, "encode", "-s", formats, "-t", "Wide", "-e", "little", R"(["low", "high"])"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "01 80\n");
  r = run({cli, "encode", "-s", formats, "-t", "Wide", "-e", "big", R"(["low", "high"])"});
  EXPECT_EQ(r.out, "80 01\n");
  r = run({cli, "encode", "-s", formats, "-t", "Wide", "-e", "big", R"(["mid"])"});
  EXPECT_EQ(r.out, "00 80\n");
  r = run({cli, "decode", "-s", formats, "-t", "Wide", "-e", "little", "-c", "80 00"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[\"mid\"]\n");
  r = run({cli, "decode", "-s", formats, "-t", "Wide", "-e", "big", "-c", "80 01"});
  EXPECT_EQ(r.out, "[\"low\",\"high\"]\n");
  r = run({cli, "decode", "-s", formats, "-t", "Wide", "-e", "big", "-c", "00 00"});
  EXPECT_EQ(r.out, "[]\n");
  r = run({cli, "encode", "-s", formats, "-t", "Status", R"(["busy"])"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe encode: [core.json_range] [0]: \"busy\" is not a flag of flags Status (ready = 0, error = 3)\n");
}

TEST(cli_codec, an_unknown_flag_bit_is_refused_when_strict_and_kept_as_its_number_when_lenient) {
  // 0x41: ready (bit 0) and bit 6, which no flag names.
  auto r = run({cli, "decode", "-s", formats, "-t", "Status", "-c", "41"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "comframe decode: [core.invalid_bytes] at byte 0: bit 6 is set but is no flag of flags Status "
                   "(ready = 0, error = 3)\n");
  r = run({cli, "decode", "-s", formats, "-t", "Status", "-c", "--lenient", "41"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[\"ready\",6]\n");
  r = run({cli, "encode", "-s", formats, "-t", "Status", R"(["ready", 6])"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe encode: [core.json_type] [1]: expected a flag name, got the number 6\n");
  r = run({cli, "encode", "-s", formats, "-t", "Status", "--lenient", R"(["ready", 6])"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "41\n");
}

TEST(cli_codec, a_packed_array_in_a_bit_record_is_a_json_array_whatever_the_byte_order) {
  for (const char* order : {"little", "big"}) {
    auto r = run({cli, "encode", "-s", formats, "-t", "Adc", "-e", order, R"({"samples": [1, 2, 3, 4, 5, 6, 7, 8]})"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "12 34 56 78\n") << order;
    r = run({cli, "encode", "-s", formats, "-t", "AdcLsb", "-e", order, R"({"samples": [1, 2, 3, 4, 5, 6, 7, 8]})"});
    EXPECT_EQ(r.out, "21 43 65 87\n") << order;
    r = run({cli, "decode", "-s", formats, "-t", "Adc", "-e", order, "-c", "12 34 56 78"});
    EXPECT_EQ(r.out, "{\"samples\":[1,2,3,4,5,6,7,8]}\n") << order;
    r = run({cli, "decode", "-s", formats, "-t", "AdcLsb", "-e", order, "-c", "21 43 65 87"});
    EXPECT_EQ(r.out, "{\"samples\":[1,2,3,4,5,6,7,8]}\n") << order;
  }
  auto r = run({cli, "encode", "-s", formats, "-t", "Adc", R"({"samples": [1, 2, 3]})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe encode: [core.json_length] samples: expected 8 elements, got 3\n");
  r = run({cli, "encode", "-s", formats, "-t", "Adc", "--lenient", R"({"samples": [1, 2, 3]})"});
  EXPECT_EQ(r.out, "12 30 00 00\n");
}

TEST(cli_codec, the_three_kinds_together_in_a_struct_in_both_byte_orders) {
  const std::string value = R"({"temperature": 1.5, "status": ["low", "high"], "adc": {"samples": [1, 2, 3, 4, 5, 6, 7, 8]}})";
  auto r = run({cli, "encode", "-s", formats, "-t", "Sensor", "-e", "little", value});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "00 3e 01 80 12 34 56 78\n");
  r = run({cli, "encode", "-s", formats, "-t", "Sensor", "-e", "big", value});
  EXPECT_EQ(r.out, "3e 00 80 01 12 34 56 78\n");
  const std::string json =
      "{\n  \"temperature\": 1.5,\n  \"status\": [\"low\", \"high\"],\n  \"adc\": {\n    \"samples\": [1, 2, 3, 4, 5, 6, 7, 8]\n  }\n}\n";
  r = run({cli, "decode", "-s", formats, "-t", "Sensor", "-e", "little", "00 3e 01 80 12 34 56 78"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, json);
  r = run({cli, "decode", "-s", formats, "-t", "Sensor", "-e", "big", "3e 00 80 01 12 34 56 78"});
  EXPECT_EQ(r.out, json);
}

TEST(cli_codec, schema_shows_float16_flag_sets_and_packed_arrays_in_canonical_form_with_their_sizes) {
  auto r = run({cli, "schema", formats, "--type", "Sensor"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, R"({
  "root": "Sensor",
  "types": {
    "Adc": {"bits": [{"count": 8, "name": "samples", "type": "u4"}], "order": "msb"},
    "AdcLsb": {"bits": [{"count": 8, "name": "samples", "type": "u4"}], "order": "lsb"},
    "Half": "f2",
    "Sensor": {
      "struct": [
        {"name": "temperature", "type": "f2"},
        {"name": "status", "type": "Wide"},
        {"name": "adc", "type": "Adc"}
      ]
    },
    "Status": {"flags": "u8", "values": {"error": 3, "ready": 0}},
    "Wide": {"flags": "u16", "values": {"high": 15, "low": 0, "mid": 7}}
  }
}
# Sensor: 8 bytes
)");
  r = run({cli, "schema", formats, "--type", "Half"});
  EXPECT_NE(r.out.find("\n# Half: 2 bytes\n"), std::string::npos) << r.out;
  r = run({cli, "schema", formats, "--type", "Adc"});
  EXPECT_NE(r.out.find("\n# Adc: 4 bytes\n"), std::string::npos) << r.out;
}

}  // namespace

}  // namespace cli_codec_test

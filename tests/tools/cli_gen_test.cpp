// `comframe gen c | gen cpp` as a user runs them: a real child process. That
// the generated code compiles warning-free and works is checked at build time
// (tests/tools/CMakeLists.txt) and by tests/devices/codegen_*_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "support/process.hpp"

namespace cli_gen_test {

namespace {

namespace fs = std::filesystem;
using comframe::test::run;

const std::string cli = COMFRAME_CLI;
const std::string thermo = std::string(COMFRAME_SOURCE_DIR) + "/devices/profiles/thermo.json";
const std::string echo = std::string(COMFRAME_SOURCE_DIR) + "/devices/profiles/echo.json";

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::path(testing::TempDir()) / ("cli_gen_" + name);
  fs::remove_all(d);
  return d;
}

std::string temp_file(const std::string& name, const std::string& content) {
  const std::string path = testing::TempDir() + name;
  std::ofstream(path) << content;
  return path;
}

TEST(cli_gen, c_writes_the_header_and_source_named_after_the_device) {
  const fs::path d = fresh_dir("c");
  auto r = run({cli, "gen", "c", "--profile", thermo, "-o", d.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, (d / "thermo_profile.h").string() + "\n" + (d / "thermo_profile.c").string() + "\n");
  const std::string h = read(d / "thermo_profile.h");
  EXPECT_NE(h.find("#define THERMO_CMD_GET_INFO 0x0001u\n"), std::string::npos);
  EXPECT_NE(h.find("#define THERMO_EVT_TELEMETRY 0x0100u\n"), std::string::npos);
  EXPECT_NE(h.find("#define THERMO_SENSOR_READINGS_TEMPS_CDEG_MAX 16u\n"), std::string::npos);
  EXPECT_NE(h.find("uint16_t thermo_on_set_config(void *user, const thermo_thermo_config *request, "
                   "thermo_thermo_config *response, const char **message);"),
            std::string::npos);
  EXPECT_NE(h.find("#define THERMO_PROFILE_HASH UINT64_C(0x37544db12fab4615)"), std::string::npos);
  EXPECT_EQ(h.find("0xfff0u"), std::string::npos) << "describe is the kit's";
  EXPECT_NE(read(d / "thermo_profile.c").find("const cf_command thermo_commands[] = {"), std::string::npos);
  EXPECT_FALSE(fs::exists(d / "thermo_profile.h.tmp"));
}

TEST(cli_gen, c_output_is_the_same_bytes_every_time) {
  const fs::path a = fresh_dir("same_a"), b = fresh_dir("same_b");
  ASSERT_EQ(run({cli, "gen", "c", "-p", thermo, "-o", a.string()}).exit_code, 0);
  ASSERT_EQ(run({cli, "gen", "c", "-p", thermo, "-o", b.string()}).exit_code, 0);
  EXPECT_EQ(read(a / "thermo_profile.h"), read(b / "thermo_profile.h"));
  EXPECT_EQ(read(a / "thermo_profile.c"), read(b / "thermo_profile.c"));
  const auto first = run({cli, "gen", "cpp", "-p", thermo});
  EXPECT_EQ(first.out, run({cli, "gen", "cpp", "-p", thermo}).out);
}

TEST(cli_gen, c_takes_a_prefix_and_tail_maximums_overall_and_per_field) {
  const fs::path d = fresh_dir("options");
  auto r = run({cli, "gen", "c", "-p", thermo, "-o", d.string(), "--prefix", "board", "--max-tail", "4", "--max-tail",
                "sensor_readings.temps_cdeg=8"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string h = read(d / "board_profile.h");
  EXPECT_NE(h.find("#define BOARD_SENSOR_READINGS_TEMPS_CDEG_MAX 8u\n"), std::string::npos);
  EXPECT_NE(h.find("#define BOARD_TELEMETRY_SAMPLE_TEMPS_CDEG_MAX 4u\n"), std::string::npos);
  EXPECT_NE(h.find("#define BOARD_SENSOR_READINGS_MAX_SIZE 22u\n"), std::string::npos);  // 6 + 8 * 2
  // A payload that is no named struct is wrapped: its dynamic array is TYPE.value.
  r = run({cli, "gen", "c", "-p", echo, "-o", d.string(), "--max-tail", "echo_request.value=300"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string e = read(d / "echo_profile.h");
  EXPECT_NE(e.find("#define ECHO_ECHO_REQUEST_VALUE_MAX 300u\n"), std::string::npos);
  EXPECT_NE(e.find("  uint8_t value[ECHO_ECHO_REQUEST_VALUE_MAX];\n  uint16_t value_count;\n"), std::string::npos);
}

TEST(cli_gen, c_refuses_a_max_tail_that_names_no_dynamic_array_or_is_out_of_range) {
  const fs::path d = fresh_dir("bad_tail");
  auto r = run({cli, "gen", "c", "-p", thermo, "-o", d.string(), "--max-tail", "sensor_readings.sequence=4"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe gen c: [devices.codegen] --max-tail sensor_readings.sequence=4: the profile has no dynamic "
                   "array sensor_readings.sequence (its dynamic arrays: sensor_readings.temps_cdeg, "
                   "telemetry_sample.temps_cdeg)\n");
  r = run({cli, "gen", "c", "-p", thermo, "-o", d.string(), "--max-tail", "70000"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--max-tail 70000 is out of range (1 to 65535"), std::string::npos) << r.err;
  r = run({cli, "gen", "c", "-p", thermo, "-o", d.string(), "--max-tail", "many"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe gen c: --max-tail many: expected N or TYPE.FIELD=N, N a whole number from 1 to 65535\n");
  EXPECT_FALSE(fs::exists(d / "thermo_profile.h")) << "nothing is written when the options are wrong";
}

TEST(cli_gen, a_bad_profile_or_an_unwritable_directory_is_one_clear_line_and_exit_1) {
  auto r = run({cli, "gen", "c", "-p", testing::TempDir() + "no_such_profile.json", "-o", testing::TempDir()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("comframe gen c: cannot read profile file"), std::string::npos) << r.err;
  const std::string bad = temp_file("gen_bad_profile.json", R"({"comframe_profile": 1, "device": "x", "commands": [{"id": 1, "name": "a", "request": "Nope", "response": "null"}]})");
  r = run({cli, "gen", "cpp", "-p", bad});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("comframe gen cpp: profile file " + bad + ": [devices.profile]"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
  const std::string file = temp_file("gen_plain_file", "x");
  r = run({cli, "gen", "c", "-p", thermo, "-o", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe gen c: -o " + file + ": it is not a directory\n");
  r = run({cli, "gen", "c", "-p", thermo, "-o", file + "/sub"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("comframe gen c: cannot create the directory " + file + "/sub: "), std::string::npos) << r.err;
  r = run({cli, "gen", "cpp", "-p", thermo, "-o", file + "/x.hpp"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("comframe gen cpp: cannot write " + file + "/x.hpp: "), std::string::npos) << r.err;
  r = run({cli, "gen", "c", "-p", thermo});
  EXPECT_EQ(r.exit_code, 2) << "-o is required";
}

TEST(cli_gen, a_type_the_generator_cannot_declare_is_named_by_its_path) {
  // An anonymous struct exports as a named type from C++, so gen cpp refuses it; gen c takes it.
  const std::string p = temp_file("gen_anonymous.json", R"({"comframe_profile": 1, "device": "x", "types": {},
    "commands": [{"id": 1, "name": "set", "request": {"struct": [{"name": "a", "type": "u8"}]}, "response": "null"}]})");
  auto r = run({cli, "gen", "cpp", "-p", p});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe gen cpp: [devices.codegen] commands[0].request: a struct without a name: C++ declarations "
                   "export every struct as a named type; name it in \"types\"\n");
  EXPECT_EQ(run({cli, "gen", "c", "-p", p, "-o", fresh_dir("anon").string()}).exit_code, 0);
  const std::string kw = temp_file("gen_keyword.json", R"({"comframe_profile": 1, "device": "x",
    "types": {"T": {"struct": [{"name": "default", "type": "u8"}]}},
    "commands": [{"id": 1, "name": "set", "request": "T", "response": "null"}]})");
  r = run({cli, "gen", "c", "-p", kw, "-o", fresh_dir("kw").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe gen c: [devices.codegen] commands[0].request.default: the field name \"default\" is a C "
                   "keyword; rename the field\n");
}

// Names the generator gives its own code (the command table, helpers, a type's
// functions) are refused for the profile's types, not written into a clash
// that only the C compiler would find.
TEST(cli_gen, c_refuses_a_type_whose_name_is_one_the_generator_gives_its_own_code) {
  const auto profile_with_type = [](const std::string& file, const std::string& type) {
    return temp_file(file, R"({"comframe_profile": 1, "device": "x",
      "types": {")" + type + R"(": {"struct": [{"name": "a", "type": "u8"}]}},
      "commands": [{"id": 1, "name": "set", "request": ")" + type + R"(", "response": "null"}]})");
  };
  for (const std::string type : {"commands", "get_uint", "device_config", "set_adapter"}) {
    const auto r = run({cli, "gen", "c", "-p", profile_with_type("gen_clash_" + type + ".json", type), "-o",
                        fresh_dir("clash_" + type).string()});
    EXPECT_EQ(r.exit_code, 1) << type;
    EXPECT_NE(r.err.find("[devices.codegen] commands[0].request: the generated name x_" + type + " would stand for both"),
              std::string::npos)
        << r.err;
  }
  // Two types where one's name is the other's encoder.
  const std::string two = temp_file("gen_clash_encode.json", R"({"comframe_profile": 1, "device": "x",
    "types": {"T": {"struct": [{"name": "a", "type": "u8"}]}, "T_encode": {"struct": [{"name": "b", "type": "u8"}]}},
    "commands": [{"id": 1, "name": "set", "request": "T", "response": "T_encode"}]})");
  auto r = run({cli, "gen", "c", "-p", two, "-o", fresh_dir("clash_encode").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the generated name x_T_encode would stand for both"), std::string::npos) << r.err;
  // The kit's own prefix.
  r = run({cli, "gen", "c", "-p", thermo, "--prefix", "cf", "-o", fresh_dir("clash_cf").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the prefix \"cf\" would name generated code like the firmware kit's own"), std::string::npos)
      << r.err;
}

TEST(cli_gen, cpp_writes_to_stdout_or_the_file_given) {
  auto r = run({cli, "gen", "cpp", "--profile", thermo});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("using get_info = comframe::devices::command<0x0001, comframe::core::null, "
                       "::thermo::device_info, \"get_info\">;"),
            std::string::npos);
  const std::string file = testing::TempDir() + "gen_thermo.hpp";
  auto w = run({cli, "gen", "cpp", "-p", thermo, "-o", file, "--namespace", "lab::thermo"});
  ASSERT_EQ(w.exit_code, 0) << w.err;
  const std::string text = read(file);
  EXPECT_NE(text.find("namespace lab::thermo {\nstruct device_info {"), std::string::npos);
  r = run({cli, "gen", "cpp", "-p", thermo, "--namespace", "9lives"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe gen cpp: [devices.codegen] --namespace \"9lives\" is not a C++ namespace name\n");
}

}  // namespace

}  // namespace cli_gen_test

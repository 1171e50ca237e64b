// Devices defined in a sim file: each template form answering over a loopback
// link, periodic events, and every load error by its exact message.
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <unistd.h>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/devices/session.hpp"
#include "comframe/firmware_sim/device_host.hpp"
#include "comframe/firmware_sim/sim_definition.hpp"
#include "devices/scripted_peer.hpp"

namespace sim_definition_test {

namespace {

using namespace comframe;
using namespace std::chrono_literals;
using nlohmann::json;

const char* const bench_profile = R"({
  "comframe_profile": 1, "device": "bench", "version": "2",
  "types": {
    "Info": {"struct": [{"name": "serial", "type": "u32"}, {"name": "name", "type": "char[8]"}]},
    "Scale": {"struct": [{"name": "raw", "type": "u16"}]},
    "Scaled": {"struct": [{"name": "value", "type": "u32"}, {"name": "unit", "type": "char[4]"}]},
    "Led": {"struct": [{"name": "index", "type": "u8"}, {"name": "rgb", "type": "u8[3]"}]},
    "Temps": {"struct": [{"name": "count", "type": "u8"}, {"name": "temps", "type": "i16[]"}]},
    "Beat": {"struct": [{"name": "count", "type": "u16"}, {"name": "ok", "type": "bool"}]}
  },
  "commands": [
    {"id": 1, "name": "get_info", "request": "null", "response": "Info"},
    {"id": 2, "name": "echo", "request": "u8[]", "response": "u8[]"},
    {"id": 3, "name": "scale", "request": "Scale", "response": "Scaled"},
    {"id": 4, "name": "fail", "request": "null", "response": "null"},
    {"id": 5, "name": "set_led", "request": "Led", "response": "u8[3]"},
    {"id": 6, "name": "pick", "request": "Temps", "response": "i16"},
    {"id": 7, "name": "narrow", "request": "u16", "response": "u8"},
    {"id": 8, "name": "counter", "request": "null", "response": "u32"},
    {"id": 9, "name": "greet", "request": "null", "response": "char[]"},
    {"id": 10, "name": "untouched", "request": "null", "response": "Info"},
    {"id": 11, "name": "huge", "request": "null", "response": "u8[5000]"}
  ],
  "events": [
    {"id": 256, "name": "heartbeat", "payload": "Beat"},
    {"id": 257, "name": "tick", "payload": "u8"}
  ]
})";

// A sim file around the bench profile with these "replies" and "events" (JSON texts).
std::string sim_text(const std::string& replies, const std::string& events = "{}") {
  return std::string(R"({"profile": )") + bench_profile + R"(, "replies": )" + replies + R"(, "events": )" + events +
         "}";
}

const std::string all_replies = R"({
  "get_info": {"response": {"serial": 7, "name": "bench"}},
  "echo": {"response": "$request"},
  "scale": {"response": {"value": "$request.raw", "unit": "mV"}},
  "fail": {"error": {"code": 3, "message": "always out of range"}},
  "set_led": {"response": "$request.rgb"},
  "pick": {"response": "$request.temps[1]"},
  "narrow": {"response": "$request"},
  "counter": {"response": "$count"},
  "greet": {"response": "$$5 please"}
})";

// The error's what(), or "loaded".
std::string load_error(const std::string& text) {
  try {
    firmware_sim::parse_sim_file(text);
  } catch (const firmware_sim::sim_definition_error& e) {
    return e.what();
  }
  return "loaded";
}
std::string reply_error(const std::string& replies) { return load_error(sim_text(replies)); }
std::string event_error(const std::string& events) { return load_error(sim_text("{}", events)); }

struct served : ::testing::Test {
  test::io_thread t;
  std::string url = "loop://sim-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::optional<firmware_sim::sim_definition> sim;
  std::unique_ptr<firmware_sim::device_host> link;
  std::unique_ptr<devices::session> host;

  void serve(const std::string& text) {
    sim.emplace(firmware_sim::parse_sim_file(text));
    host = std::make_unique<devices::session>(t.io, url);
    link = std::make_unique<firmware_sim::device_host>(t.io, transport::open_link(t.io, url), sim->device());
    sim->attach(t.io, *link);
  }
  json call(const std::string& command, const json& args = nullptr) {
    return host->request_json(sim->profile(), command, args);
  }
  std::string call_error(const std::string& command, const json& args = nullptr) {
    try {
      call(command, args);
    } catch (const devices::request_error& e) {
      return e.what();
    }
    return "no error";
  }
  void TearDown() override {
    host.reset();
    if (sim) sim->detach();
    link.reset();
  }
};

json chars(std::string_view s, std::size_t n) {
  json a = json::array();
  for (std::size_t i = 0; i < n; ++i) a.push_back(std::string(1, i < s.size() ? s[i] : '\0'));
  return a;
}

// ---- The template forms, answering over a link --------------------------------------------

TEST_F(served, a_fixed_value_is_the_response_with_a_string_for_an_array_of_char) {
  serve(sim_text(all_replies));
  EXPECT_EQ(call("get_info"), (json{{"serial", 7}, {"name", chars("bench", 8)}}));
}

TEST_F(served, dollar_request_is_the_whole_request) {
  serve(sim_text(all_replies));
  EXPECT_EQ(call("echo", json::array({1, 2, 0, 255})), json::array({1, 2, 0, 255}));
  EXPECT_EQ(call("echo", json::array()), json::array());
}

TEST_F(served, dollar_request_dot_field_is_a_field_of_the_request) {
  serve(sim_text(all_replies));
  EXPECT_EQ(call("scale", {{"raw", 1234}}), (json{{"value", 1234}, {"unit", chars("mV", 4)}}));
  EXPECT_EQ(call("set_led", {{"index", 2}, {"rgb", {9, 8, 7}}}), json::array({9, 8, 7}));
}

TEST_F(served, an_index_into_a_dynamic_array_is_checked_per_request) {
  serve(sim_text(all_replies));
  EXPECT_EQ(call("pick", {{"count", 3}, {"temps", {10, -20, 30}}}), json(-20));
  EXPECT_EQ(call_error("pick", {{"count", 1}, {"temps", {10}}}),
            "[devices.device_error] pick: device error 3 (out_of_range): replies.pick.response: \"$request.temps[1]\": "
            "this request's temps has 1 element");
}

TEST_F(served, an_integer_copied_into_a_narrower_one_wraps_as_a_c_cast) {
  serve(sim_text(all_replies));
  EXPECT_EQ(call("narrow", 300), json(44));
  EXPECT_EQ(call("narrow", 255), json(255));
}

TEST_F(served, dollar_count_counts_the_commands_earlier_requests) {
  serve(sim_text(all_replies));
  EXPECT_EQ(call("counter"), json(0));
  EXPECT_EQ(call("counter"), json(1));
  EXPECT_EQ(call("get_info")["serial"], 7);
  EXPECT_EQ(call("counter"), json(2));
}

TEST_F(served, two_dollars_begin_a_literal_string_that_starts_with_one) {
  serve(sim_text(all_replies));
  const json got = call("greet");
  std::string text;
  for (const auto& c : got) text += c.get<std::string>();
  EXPECT_EQ(text, "$5 please");
}

TEST_F(served, an_error_entry_answers_with_its_code_and_message) {
  serve(sim_text(all_replies));
  EXPECT_EQ(call_error("fail"), "[devices.device_error] fail: device error 3 (out_of_range): always out of range");
}

TEST_F(served, a_command_without_an_entry_answers_the_zero_value_of_its_response) {
  serve(sim_text(all_replies));
  EXPECT_EQ(call("untouched"), (json{{"serial", 0}, {"name", chars("", 8)}}));
  EXPECT_EQ(sim->defaulted_commands(), (std::vector<std::string>{"untouched", "huge"}));
}

TEST_F(served, a_command_whose_response_cannot_fit_a_frame_answers_internal) {
  serve(sim_text(all_replies));
  EXPECT_EQ(call_error("huge"),
            "[devices.device_error] huge: device error 5 (internal): the response of huge takes at least 5000 bytes, more than a frame carries");
}

TEST_F(served, a_request_that_does_not_decode_gets_bad_request) {
  serve(sim_text(all_replies));
  std::promise<std::string> got;
  host->async_request_raw(3, {1}, [&](std::exception_ptr e, std::span<const std::uint8_t>) {
    try {
      std::rethrow_exception(e);
    } catch (const devices::request_error& x) {
      got.set_value(x.what());
    }
  });
  EXPECT_EQ(got.get_future().get(),
            "[devices.device_error] command 0x0003: device error 2 (bad_request): [core.size] at byte 1: the input ends, but the value takes exactly 2 bytes (1 given)");
}

TEST_F(served, the_device_answers_describe_with_the_files_profile) {
  serve(sim_text(all_replies));
  EXPECT_EQ(host->fetch_profile(), devices::profile::parse(bench_profile));
}

TEST_F(served, periodic_events_arrive_with_dollar_count_counting_up) {
  std::mutex m;
  std::condition_variable cv;
  std::vector<json> beats;
  std::vector<int> ticks;
  serve(sim_text(all_replies, R"({"heartbeat": {"every_ms": 5, "payload": {"count": "$count", "ok": true}},
                                  "tick": {"every_ms": 7}})"));
  const devices::profile& p = sim->profile();
  host->on_event_raw(256, [&](std::span<const std::uint8_t> b) {
    std::lock_guard lock(m);
    beats.push_back(core::decode(p.find_event("heartbeat")->payload, b, p.payload_endian()));
    cv.notify_all();
  });
  host->on_event_raw(257, [&](std::span<const std::uint8_t> b) {
    std::lock_guard lock(m);
    ticks.push_back(b.size() == 1 ? b[0] : -1);
    cv.notify_all();
  });
  std::unique_lock lock(m);
  ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return beats.size() >= 5 && ticks.size() >= 2; }));
  // The handlers were set after attach: the first emissions may have gone unheard.
  const int first = beats[0]["count"].get<int>();
  for (std::size_t i = 0; i < beats.size(); ++i) EXPECT_EQ(beats[i], (json{{"count", first + int(i)}, {"ok", true}}));
  for (int x : ticks) EXPECT_EQ(x, 0);  // no payload given: the zero value
  EXPECT_EQ(sim->events().size(), 2u);
  EXPECT_EQ(sim->events()[0].name, "heartbeat");
  EXPECT_EQ(sim->events()[0].every, 5ms);
}

TEST(sim_file, dollar_count_in_an_event_wraps_to_the_payloads_integer_type) {
  auto sim = firmware_sim::parse_sim_file(sim_text("{}", R"({"tick": {"every_ms": 10, "payload": "$count"}})"));
  EXPECT_EQ(sim.event_payload("tick", 3), (std::vector<std::uint8_t>{3}));
  EXPECT_EQ(sim.event_payload("tick", 258), (std::vector<std::uint8_t>{2}));
}

// ---- Files ------------------------------------------------------------------------------------

struct temp_dir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("comframe-sim-file-" + std::to_string(::getpid()));
  temp_dir() { std::filesystem::create_directories(path / "profiles"); }
  ~temp_dir() { std::filesystem::remove_all(path); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path / name) << text; }
};

TEST(sim_file, profile_file_is_read_relative_to_the_sim_file) {
  temp_dir d;
  d.write("profiles/bench.json", bench_profile);
  d.write("bench.sim.json", R"({"profile_file": "profiles/bench.json", "replies": {"counter": {"response": 5}}})");
  const auto sim = firmware_sim::load_sim_file(d.path / "bench.sim.json");
  EXPECT_EQ(sim.profile(), devices::profile::parse(bench_profile));
  EXPECT_EQ(sim.profile().device(), "bench");
}

TEST(sim_file, a_file_error_names_the_file) {
  temp_dir d;
  d.write("bad.sim.json", R"({"profile_file": "profiles/none.json"})");
  const std::string file = (d.path / "bad.sim.json").string();
  try {
    firmware_sim::load_sim_file(file);
    FAIL();
  } catch (const firmware_sim::sim_definition_error& e) {
    EXPECT_EQ(e.file(), file);
    EXPECT_EQ(e.path(), "profile_file");
    EXPECT_EQ(std::string(e.what()), "[firmware_sim.sim_file] " + file + ": profile_file: cannot read \"" +
                                         (d.path / "profiles/none.json").string() + "\": No such file or directory");
  }
  try {
    firmware_sim::load_sim_file(d.path / "none.sim.json");
    FAIL();
  } catch (const firmware_sim::sim_definition_error& e) {
    EXPECT_EQ(std::string(e.what()), "[firmware_sim.sim_file] " + (d.path / "none.sim.json").string() +
                                         ": cannot read the file: No such file or directory");
  }
}

TEST(sim_file, a_profile_error_in_a_profile_file_names_the_file_and_the_path_in_it) {
  temp_dir d;
  d.write("profiles/bad.json", R"({"comframe_profile": 1, "device": "x", "commands": [{"id": -1}]})");
  d.write("profiles/broken.json", R"({"comframe_profile": )");
  const std::string dir = d.path.string();
  EXPECT_EQ(load_error(R"({"profile_file": ")" + dir + R"(/profiles/bad.json"})"),
            "[firmware_sim.sim_file] profile_file: [devices.profile] " + dir +
                "/profiles/bad.json: commands[0].id: expected an integer from 0 to 65535, got the number -1");
  EXPECT_EQ(load_error(R"({"profile_file": ")" + dir + R"(/profiles/broken.json"})"),
            "[firmware_sim.sim_file] profile_file: [devices.profile] " + dir +
                "/profiles/broken.json at byte 22: not valid JSON: [json.exception.parse_error.101] parse error at "
                "line 1, column 22: syntax error while parsing value - unexpected end of input; expected '[', '{', or "
                "a literal");
}

// ---- Load errors, each by its exact message ---------------------------------------------------

TEST(sim_file, the_document_must_be_json_without_duplicate_keys) {
  EXPECT_EQ(load_error("{\"profile\": "),
            "[firmware_sim.sim_file] at byte 13: not valid JSON: [json.exception.parse_error.101] parse error at line "
            "1, column 13: syntax error while parsing value - unexpected end of input; expected '[', '{', or a "
            "literal");
  EXPECT_EQ(reply_error(R"({"echo": {"response": 1, "response": 2}})"),
            "[firmware_sim.sim_file] replies.echo: duplicate key \"response\"");
  EXPECT_EQ(load_error("[1]"),
            "[firmware_sim.sim_file] expected an object {\"profile\": …, \"replies\": …, \"events\": …}, got an array");
}

TEST(sim_file, the_document_has_known_keys_and_exactly_one_profile) {
  EXPECT_EQ(load_error(R"({"profile": {}, "replys": {}})"),
            "[firmware_sim.sim_file] unknown key \"replys\" (the keys are: profile, profile_file, tables, replies, events)");
  EXPECT_EQ(load_error(R"({"replies": {}})"),
            "[firmware_sim.sim_file] missing the profile: give \"profile\" (a profile document) or \"profile_file\" "
            "(its file)");
  EXPECT_EQ(load_error(R"({"profile": {}, "profile_file": "x.json"})"),
            "[firmware_sim.sim_file] \"profile\" and \"profile_file\" exclude each other: give one");
  EXPECT_EQ(load_error(R"({"profile_file": 3})"),
            "[firmware_sim.sim_file] profile_file: expected the profile's file name, got the number 3");
  EXPECT_EQ(load_error(R"({"profile": {"comframe_profile": 1, "device": "x", "commands": [{"id": 70000}]}})"),
            "[firmware_sim.sim_file] profile.commands[0].id: expected an integer from 0 to 65535, got the number "
            "70000");
  EXPECT_EQ(load_error(R"({"profile": {"comframe_profile": 1, "device": "x", "commands": [], "typs": {}}})"),
            "[firmware_sim.sim_file] profile: unknown key \"typs\" (the keys are: comframe_profile, device, version, "
            "endian, framing, types, commands, events)");
}

TEST(sim_file, a_reply_names_a_command_of_the_profile_and_gives_a_response_or_an_error) {
  EXPECT_EQ(reply_error("[]"), "[firmware_sim.sim_file] replies: expected an object, got an array");
  EXPECT_EQ(reply_error(R"({"gte_info": {"response": null}})"),
            "[firmware_sim.sim_file] replies.gte_info: the profile has no command \"gte_info\" (it has: get_info, "
            "echo, scale, fail, set_led, pick, narrow, counter, greet, untouched, huge)");
  EXPECT_EQ(reply_error(R"({"describe": {"response": null}})"),
            "[firmware_sim.sim_file] replies.describe: describe is answered by comframe itself, from the profile");
  EXPECT_EQ(reply_error(R"({"fail": null})"),
            "[firmware_sim.sim_file] replies.fail: expected an object with \"response\" or \"error\", got null");
  EXPECT_EQ(reply_error(R"({"fail": {"respones": null}})"),
            "[firmware_sim.sim_file] replies.fail: unknown key \"respones\" (the keys are: response, error, read, write, range_error)");
  EXPECT_EQ(reply_error(R"({"fail": {}})"),
            "[firmware_sim.sim_file] replies.fail: expected \"response\" (the reply's value) or \"error\" (an error "
            "reply)");
  EXPECT_EQ(reply_error(R"({"fail": {"response": null, "error": {"code": 3}}})"),
            "[firmware_sim.sim_file] replies.fail: \"response\" and \"error\" exclude each other: give one");
}

TEST(sim_file, an_error_reply_has_a_code_from_1_to_65535_and_a_message_that_fits_a_frame) {
  EXPECT_EQ(reply_error(R"({"fail": {"error": 3}})"),
            "[firmware_sim.sim_file] replies.fail.error: expected an object {\"code\": …, \"message\": …}, got the "
            "number 3");
  EXPECT_EQ(reply_error(R"({"fail": {"error": {"message": "x"}}})"),
            "[firmware_sim.sim_file] replies.fail.error: missing \"code\" (an error code from 1 to 65535)");
  EXPECT_EQ(reply_error(R"({"fail": {"error": {"code": 0}}})"),
            "[firmware_sim.sim_file] replies.fail.error.code: expected an integer from 1 to 65535, got the number 0");
  EXPECT_EQ(reply_error(R"({"fail": {"error": {"code": 65536}}})"),
            "[firmware_sim.sim_file] replies.fail.error.code: expected an integer from 1 to 65535, got the number "
            "65536");
  EXPECT_EQ(reply_error(R"({"fail": {"error": {"code": 3.5}}})"),
            "[firmware_sim.sim_file] replies.fail.error.code: expected an integer from 1 to 65535, got the number 3.5");
  EXPECT_EQ(reply_error(R"({"fail": {"error": {"code": 3, "message": 4}}})"),
            "[firmware_sim.sim_file] replies.fail.error.message: expected a string, got the number 4");
  EXPECT_EQ(reply_error(R"({"fail": {"error": {"code": 3, "message": ")" + std::string(4095, 'x') + "\"}}}"),
            "[firmware_sim.sim_file] replies.fail.error.message: a message of 4095 bytes, more than an error reply "
            "carries (4094)");
  EXPECT_EQ(reply_error(R"({"fail": {"error": {"code": 3, "mesage": "x"}}})"),
            "[firmware_sim.sim_file] replies.fail.error: unknown key \"mesage\" (the keys are: code, message)");
}

TEST(sim_file, a_fixed_response_is_checked_against_the_response_type) {
  EXPECT_EQ(reply_error(R"({"get_info": {"response": {"serial": 7, "nmae": "x"}}})"),
            "[firmware_sim.sim_file] replies.get_info.response: unknown key \"nmae\" (the fields are: serial, name)");
  EXPECT_EQ(reply_error(R"({"get_info": {"response": {"serial": 7}}})"),
            "[firmware_sim.sim_file] replies.get_info.response.name: missing (strict mode needs every field)");
  EXPECT_EQ(reply_error(R"({"get_info": {"response": {"serial": "7", "name": "x"}}})"),
            "[firmware_sim.sim_file] replies.get_info.response.serial: expected an integer, got a string \"7\"");
  EXPECT_EQ(reply_error(R"({"get_info": {"response": {"serial": -1, "name": "x"}}})"),
            "[firmware_sim.sim_file] replies.get_info.response.serial: -1 is out of range for u32 (0 to 4294967295)");
  EXPECT_EQ(reply_error(R"({"set_led": {"response": [1, 2]}})"),
            "[firmware_sim.sim_file] replies.set_led.response: expected 3 elements, got 2");
  EXPECT_EQ(reply_error(R"({"echo": {"response": [1, 256]}})"),
            "[firmware_sim.sim_file] replies.echo.response[1]: 256 is out of range for u8 (0 to 255)");
  EXPECT_EQ(reply_error(R"({"get_info": {"response": {"serial": 7, "name": "far too long"}}})"),
            "[firmware_sim.sim_file] replies.get_info.response.name: a string of 12 bytes does not fit a char[8]");
  std::string many = "1";
  for (int i = 1; i < 4097; ++i) many += ",1";
  EXPECT_EQ(reply_error(R"({"echo": {"response": [)" + many + "]}}"),
            "[firmware_sim.sim_file] replies.echo.response: the response takes 4097 bytes, more than a frame carries "
            "(4096)");
}

TEST(sim_file, a_reference_names_a_field_of_the_request_that_exists) {
  EXPECT_EQ(reply_error(R"({"scale": {"response": {"value": "$request.rwa", "unit": "mV"}}})"),
            "[firmware_sim.sim_file] replies.scale.response.value: \"$request.rwa\" names no field of scale's "
            "request (fields: raw)");
  EXPECT_EQ(reply_error(R"({"scale": {"response": {"value": "$request.raw.x", "unit": "mV"}}})"),
            "[firmware_sim.sim_file] replies.scale.response.value: \"$request.raw.x\": scale's request.raw is a u16, "
            "which has no fields");
  EXPECT_EQ(reply_error(R"({"scale": {"response": {"value": "$request.raw[0]", "unit": "mV"}}})"),
            "[firmware_sim.sim_file] replies.scale.response.value: \"$request.raw[0]\": scale's request.raw is a u16, "
            "not an array");
  EXPECT_EQ(reply_error(R"({"set_led": {"response": ["$request.rgb[3]", 0, 0]}})"),
            "[firmware_sim.sim_file] replies.set_led.response[0]: \"$request.rgb[3]\" is past the end of set_led's "
            "request.rgb (a u8[3])");
  EXPECT_EQ(reply_error(R"({"scale": {"response": {"value": "$request..raw", "unit": "mV"}}})"),
            "[firmware_sim.sim_file] replies.scale.response.value: \"$request..raw\" is not a valid reference: after "
            "$request come .field and [index] steps, as in $request.readings[2].value");
  EXPECT_EQ(reply_error(R"({"set_led": {"response": ["$request.rgb[x]", 0, 0]}})"),
            "[firmware_sim.sim_file] replies.set_led.response[0]: \"$request.rgb[x]\" is not a valid reference: after "
            "$request come .field and [index] steps, as in $request.readings[2].value");
  EXPECT_EQ(reply_error(R"({"counter": {"response": "$requests"}})"),
            "[firmware_sim.sim_file] replies.counter.response: \"$requests\" is not a template reference (they are "
            "$request, $request.field[index]…, $count, $read; write $$ for a string that starts with $)");
  EXPECT_EQ(reply_error(R"({"counter": {"response": "$cnt"}})"),
            "[firmware_sim.sim_file] replies.counter.response: \"$cnt\" is not a template reference (they are "
            "$request, $request.field[index]…, $count, $read; write $$ for a string that starts with $)");
}

TEST(sim_file, a_reference_must_fit_where_it_is_used) {
  EXPECT_EQ(reply_error(R"({"set_led": {"response": "$request"}})"),
            "[firmware_sim.sim_file] replies.set_led.response: \"$request\" is a Led; a u8[3] is needed here");
  EXPECT_EQ(reply_error(R"({"get_info": {"response": {"serial": 1, "name": "$request"}}})"),
            "[firmware_sim.sim_file] replies.get_info.response.name: \"$request\" is null; a char[8] is needed here");
  EXPECT_EQ(reply_error(R"({"set_led": {"response": ["$request.index", "$request.index", "$request.rgb"]}})"),
            "[firmware_sim.sim_file] replies.set_led.response[2]: \"$request.rgb\" is a u8[3]; a u8 is needed here");
  EXPECT_EQ(reply_error(R"({"pick": {"response": "$request.temps"}})"),
            "[firmware_sim.sim_file] replies.pick.response: \"$request.temps\" is an i16[]; an i16 is needed here");
  EXPECT_EQ(reply_error(R"({"greet": {"response": "$count"}})"),
            "[firmware_sim.sim_file] replies.greet.response: \"$count\" is an integer; a char[] is needed here");
  EXPECT_EQ(reply_error(R"({"echo": {"response": ["$count", "$request"]}})"),
            "[firmware_sim.sim_file] replies.echo.response[1]: \"$request\" is a u8[]; a u8 is needed here");
}

TEST(sim_file, a_template_nests_at_most_128_levels) {
  std::string deep = "1";
  for (int i = 0; i < 200; ++i) deep = "[" + deep + "]";
  EXPECT_EQ(reply_error(R"({"echo": {"response": )" + deep + "}}"),
            "[firmware_sim.sim_file] replies.echo.response" + [] {
              std::string p;
              for (int i = 0; i < 128; ++i) p += "[0]";
              return p;
            }() + ": nested deeper than 128 levels");
  // Far deeper, anywhere in the document: refused, never a stack overflow.
  std::string abyss(100000, '[');
  abyss += std::string(100000, ']');
  EXPECT_EQ(reply_error(R"({"echo": {"response": )" + abyss + "}}").substr(0, 48),
            "[firmware_sim.sim_file] replies.echo.response[0]");
  EXPECT_EQ(reply_error(R"({"fail": {"error": {"code": 3, "message": )" + abyss + "}}}"),
            "[firmware_sim.sim_file] replies.fail.error.message: expected a string, got an array");
}

TEST(sim_file, an_event_entry_names_an_event_of_the_profile_and_its_period) {
  EXPECT_EQ(event_error("3"), "[firmware_sim.sim_file] events: expected an object, got the number 3");
  EXPECT_EQ(event_error(R"({"hartbeat": {"every_ms": 1}})"),
            "[firmware_sim.sim_file] events.hartbeat: the profile has no event \"hartbeat\" (it has: heartbeat, tick)");
  EXPECT_EQ(event_error(R"({"tick": []})"),
            "[firmware_sim.sim_file] events.tick: expected an object {\"every_ms\": …, \"payload\": …}, got an array");
  EXPECT_EQ(event_error(R"({"tick": {"payload": 1}})"),
            "[firmware_sim.sim_file] events.tick: missing \"every_ms\" (the period in milliseconds)");
  EXPECT_EQ(event_error(R"({"tick": {"every_ms": 0}})"),
            "[firmware_sim.sim_file] events.tick.every_ms: expected an integer from 1 to 3600000 (milliseconds), got "
            "the number 0");
  EXPECT_EQ(event_error(R"({"tick": {"every_ms": 10, "every": 1}})"),
            "[firmware_sim.sim_file] events.tick: unknown key \"every\" (the keys are: every_ms, payload)");
  EXPECT_EQ(event_error(R"({"tick": {"every_ms": 10, "payload": 256}})"),
            "[firmware_sim.sim_file] events.tick.payload: 256 is out of range for u8 (0 to 255)");
  EXPECT_EQ(event_error(R"({"tick": {"every_ms": 10, "payload": "$request"}})"),
            "[firmware_sim.sim_file] events.tick.payload: \"$request\" has no meaning in an event's payload (no "
            "request comes with it)");
  EXPECT_EQ(event_error(R"({"heartbeat": {"every_ms": 10, "payload": {"count": 1, "ok": "$count"}}})"),
            "[firmware_sim.sim_file] events.heartbeat.payload.ok: \"$count\" is an integer; a bool is needed here");
}

TEST(sim_file, an_event_with_too_many_values_for_a_default_says_so_and_not_that_it_is_too_large) {
  // 300 x 300 null fields: no bytes at all, but more values than a default is built with.
  json inner = json::array(), outer = json::array();
  for (int i = 0; i < 300; ++i) {
    inner.push_back({{"name", "n" + std::to_string(i)}, {"type", "null"}});
    outer.push_back({{"name", "i" + std::to_string(i)}, {"type", "Inner"}});
  }
  const json profile = {{"comframe_profile", 1},
                        {"device", "d"},
                        {"types", {{"Inner", {{"struct", inner}}}, {"Outer", {{"struct", outer}}}}},
                        {"commands", json::array()},
                        {"events", {{{"id", 256}, {"name", "e"}, {"payload", "Outer"}}}}};
  const json sim = {{"profile", profile}, {"events", {{"e", {{"every_ms", 10}}}}}};
  EXPECT_EQ(load_error(sim.dump()),
            "[firmware_sim.sim_file] events.e: the payload of e has more than 65536 values for a default; give a "
            "\"payload\"");
}

}  // namespace

// A name from the file is echoed escaped and cut, never raw: a sim file can
// hold control characters and megabytes of text.
TEST(sim_file_errors, a_hostile_command_name_is_echoed_escaped_and_cut) {
  const std::string what = load_error(sim_text(R"({"a\u001b[2J)" + std::string(100, 'z') + R"(": {"response": 1}})"));
  EXPECT_NE(what.find(R"(the profile has no command "a\x1b[2J)" + std::string(59, 'z') + R"(" (cut: 64 of 105 bytes shown))"),
            std::string::npos)
      << what;
  EXPECT_NE(what.find(R"( replies.a\x1b[2Jzzz)"), std::string::npos) << what;  // the path too
  EXPECT_EQ(what.find('\x1b'), std::string::npos) << what;
}

}  // namespace sim_definition_test

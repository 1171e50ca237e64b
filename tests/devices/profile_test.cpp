// Device profiles: made from C++ declarations, through JSON and back, hashed,
// compared, and every rule refused with its path.
#include "comframe/devices/profile.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace profile_test {

namespace thermo {

struct DeviceInfo {
  std::uint32_t firmware_version;
  std::uint32_t serial_number;
  std::array<char, 16> name;
};
BOOST_DESCRIBE_STRUCT(DeviceInfo, (), (firmware_version, serial_number, name))

struct Readings {
  std::uint32_t timestamp_ms;
  std::uint8_t channels;
  std::vector<std::int16_t> temperatures;  ///< centi-degrees Celsius, one per channel
};
BOOST_DESCRIBE_STRUCT(Readings, (), (timestamp_ms, channels, temperatures))

struct Led {
  std::uint8_t index;
  std::array<std::uint8_t, 3> rgb;
};
BOOST_DESCRIBE_STRUCT(Led, (), (index, rgb))

struct Sample {
  std::uint32_t timestamp_ms;
  std::int16_t temperature;
};
BOOST_DESCRIBE_STRUCT(Sample, (), (timestamp_ms, temperature))

// The same device one release later: read_sensors reports i32 temperatures.
struct ReadingsV2 {
  std::uint32_t timestamp_ms;
  std::uint8_t channels;
  std::vector<std::int32_t> temperatures;
};
BOOST_DESCRIBE_STRUCT(ReadingsV2, (), (timestamp_ms, channels, temperatures))

// Two different types that both claim the schema name "Sample".
struct OtherSample {
  float value;
};
BOOST_DESCRIBE_STRUCT(OtherSample, (), (value))

}  // namespace thermo

}  // namespace profile_test

template <>
struct comframe::core::type_name<profile_test::thermo::DeviceInfo> {
  static constexpr std::string_view value = "DeviceInfo";
};
template <>
struct comframe::core::type_name<profile_test::thermo::Readings> {
  static constexpr std::string_view value = "Readings";
};
template <>
struct comframe::core::type_name<profile_test::thermo::ReadingsV2> {
  static constexpr std::string_view value = "Readings";
};
template <>
struct comframe::core::type_name<profile_test::thermo::Led> {
  static constexpr std::string_view value = "Led";
};
template <>
struct comframe::core::type_name<profile_test::thermo::Sample> {
  static constexpr std::string_view value = "Sample";
};
template <>
struct comframe::core::type_name<profile_test::thermo::OtherSample> {
  static constexpr std::string_view value = "Sample";
};
namespace profile_test {

namespace thermo {
namespace cf = comframe::devices;
using GetInfo = cf::command<0x0001, comframe::core::null, DeviceInfo, "get_info">;
using ReadSensors = cf::command<0x0002, comframe::core::null, Readings, "read_sensors">;
using ReadSensorsV2 = cf::command<0x0002, comframe::core::null, ReadingsV2, "read_sensors">;
using SetLed = cf::command<0x0003, Led, comframe::core::null, "set_led">;
using Telemetry = cf::event<0x0100, Sample, "telemetry">;
}  // namespace thermo

namespace {

using namespace comframe::devices;
using comframe::core::endian;
using comframe::core::schema;
using nlohmann::json;

profile thermo_profile() {
  return profile::of<thermo::GetInfo, thermo::ReadSensors, thermo::SetLed, thermo::Telemetry>("thermo", "1.0");
}

std::string load_error(std::string_view text) {
  try {
    (void)profile::parse(text);
  } catch (const profile_error& e) {
    EXPECT_EQ(e.id(), "devices.profile");
    return e.what();
  }
  return "no error";
}

// A small valid profile with one part replaced: `commands`, `events`, `types`
// are JSON text spliced in.
std::string with(std::string_view commands, std::string_view events = "[]",
                 std::string_view types =
                     R"({"Led": {"struct": [{"name": "index", "type": "u8"}, {"name": "rgb", "type": "u8[3]"}]}})") {
  return R"({"comframe_profile": 1, "device": "d", "types": )" + std::string(types) + R"(, "commands": )" +
         std::string(commands) + R"(, "events": )" + std::string(events) + "}";
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string read_source(const std::string& relative) {
  std::ifstream in(std::string(COMFRAME_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// ---- Made from declarations --------------------------------------------------------

TEST(profile, of_lists_every_declared_command_and_event_with_the_schemas_of_their_types) {
  const profile p = thermo_profile();
  EXPECT_EQ(p.device(), "thermo");
  EXPECT_EQ(p.version(), "1.0");
  EXPECT_EQ(p.payload_endian(), endian::little);

  ASSERT_EQ(p.commands().size(), 4u);
  EXPECT_EQ(p.commands()[0], (command_info{1, "get_info", schema(), schema::of<thermo::DeviceInfo>()}));
  EXPECT_EQ(p.commands()[1], (command_info{2, "read_sensors", schema(), schema::of<thermo::Readings>()}));
  EXPECT_EQ(p.commands()[2], (command_info{3, "set_led", schema::of<thermo::Led>(), schema()}));
  EXPECT_EQ(p.commands()[3].id, 0xFFF0);
  EXPECT_EQ(p.commands()[3].name, "describe");
  EXPECT_EQ(p.commands()[3].request, schema::of<builtin::describe_request>());
  EXPECT_EQ(p.commands()[3].response, schema::of<builtin::describe_response>());

  ASSERT_EQ(p.events().size(), 1u);
  EXPECT_EQ(p.events()[0], (event_info{0x0100, "telemetry", schema::of<thermo::Sample>()}));

  EXPECT_EQ(p.find_command("read_sensors")->response.element_size(), 2u);
  EXPECT_EQ(p.find_command("get_info")->response.fixed_size(), 24u);
}

TEST(profile, of_keeps_commands_sorted_by_id_whatever_order_they_are_declared_in) {
  const auto p = profile::of<thermo::Telemetry, thermo::SetLed, builtin::describe, thermo::GetInfo>("thermo");
  std::vector<std::uint16_t> ids;
  for (const auto& c : p.commands()) ids.push_back(c.id);
  EXPECT_EQ(ids, (std::vector<std::uint16_t>{1, 3, 0xFFF0}));
  EXPECT_EQ(p, (profile::of<thermo::GetInfo, thermo::SetLed, thermo::Telemetry>("thermo")));
}

TEST(profile, of_refuses_one_type_name_with_two_definitions_naming_both_users) {
  using Calibrate = command<0x0004, thermo::OtherSample, comframe::core::null, "calibrate">;
  try {
    (void)profile::of<thermo::Telemetry, Calibrate>("thermo");
    FAIL() << "no error";
  } catch (const profile_error& e) {
    EXPECT_STREQ(e.what(),
                 "[devices.profile] types: type \"Sample\" has two definitions: one used by event \"telemetry\" "
                 "(payload), another by command \"calibrate\" (request)");
  }
}

struct unnamed_reply {
  std::uint8_t x;
};
BOOST_DESCRIBE_STRUCT(unnamed_reply, (), (x))
}  // namespace

}  // namespace profile_test

// A name the schema language refuses, given on purpose.
template <>
struct comframe::core::type_name<profile_test::unnamed_reply> {
  static constexpr std::string_view value = "unnamed reply!";
};

namespace profile_test {

namespace {

TEST(profile, of_wraps_a_schema_error_of_a_cpp_type_with_the_command_that_uses_it) {
  using Bad = command<0x0005, comframe::core::null, unnamed_reply, "bad">;
  try {
    (void)profile::of<Bad>("thermo");
    FAIL() << "no error";
  } catch (const profile_error& e) {
    EXPECT_EQ(e.path(), "bad.response");
    EXPECT_STREQ(e.what(),
                 "[devices.profile] bad.response: [core.schema_syntax] \"unnamed reply!\" is not a valid "
                 "type name (a letter or _, then letters, digits, _ : . < > , or space; not a scalar name)");
  }
}

TEST(profile, of_checks_the_same_rules_as_loading) {
  using Reserved = command<0xFF01, comframe::core::null, comframe::core::null, "reserved">;
  EXPECT_THROW((void)profile::of<Reserved>("thermo"), profile_error);
  using Twice = command<0x0001, comframe::core::null, comframe::core::null, "twice">;
  EXPECT_THROW((void)(profile::of<thermo::GetInfo, Twice>("thermo")), profile_error);
}

// ---- JSON in and out --------------------------------------------------------------

TEST(profile, round_trips_through_json_text_unchanged) {
  const profile p = thermo_profile();
  const profile q = profile::parse(p.dump());
  EXPECT_EQ(q, p);
  EXPECT_EQ(q.dump(), p.dump());
  EXPECT_EQ(profile::parse(p.to_json().dump()).to_json().dump(), p.to_json().dump());
  EXPECT_EQ(profile::from_json(p.to_json()), p);
  EXPECT_EQ(q.commands(), p.commands());
  EXPECT_EQ(q.events(), p.events());
}

TEST(profile, to_json_is_the_canonical_document) {
  const json j = thermo_profile().to_json();
  EXPECT_EQ(j["comframe_profile"], 1);
  EXPECT_EQ(j["endian"], "little");
  EXPECT_EQ(j["commands"][0],
            json::parse(R"({"id": 1, "name": "get_info", "request": "null", "response": "DeviceInfo"})"));
  EXPECT_EQ(j["commands"][2], json::parse(R"({"id": 3, "name": "set_led", "request": "Led", "response": "null"})"));
  EXPECT_EQ(j["events"], json::parse(R"([{"id": 256, "name": "telemetry", "payload": "Sample"}])"));
  EXPECT_EQ(j["types"]["Readings"], json::parse(R"({"struct": [{"name": "timestamp_ms", "type": "u32"},
      {"name": "channels", "type": "u8"}, {"name": "temperatures", "type": "i16[]"}]})"));
  std::vector<std::string> names;
  for (const auto& item : j["types"].items()) names.push_back(item.key());
  EXPECT_EQ(names, (std::vector<std::string>{"DeviceInfo", "Led", "Readings", "Sample",
                                             "comframe::devices::builtin::describe_request",
                                             "comframe::devices::builtin::describe_response"}));
}

TEST(profile, dump_writes_the_keys_in_document_order_and_short_objects_on_one_line) {
  const std::string text = thermo_profile().dump();
  EXPECT_TRUE(text.starts_with(
      "{\n  \"comframe_profile\": 1,\n  \"device\": \"thermo\",\n  \"version\": \"1.0\",\n  \"endian\": \"little\",\n"))
      << text;
  EXPECT_NE(
      text.find("\n    {\"id\": 1, \"name\": \"get_info\", \"request\": \"null\", \"response\": \"DeviceInfo\"},\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("\n    \"Led\": {\"struct\": [{\"name\": \"index\", \"type\": \"u8\"}, {\"name\": \"rgb\", "
                      "\"type\": \"u8[3]\"}]},\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\n  \"events\": [{\"id\": 256, \"name\": \"telemetry\", \"payload\": \"Sample\"}]\n}"),
            std::string::npos)
      << text;
}

TEST(profile, dump_escapes_what_a_terminal_would_obey_in_a_devices_name_and_still_round_trips) {
  // A name as a device could send it: ESC, DEL, CSI (U+009B) and a right-to-left override (U+202E).
  const profile p = profile::of<thermo::GetInfo>("ev\x1b[2Jil\x7f\xc2\x9b" "1m\xe2\x80\xae" "dev", "1.0");
  const std::string text = p.dump();
  EXPECT_TRUE(text.starts_with("{\n  \"comframe_profile\": 1,\n  \"device\": \"ev\\u001b[2Jil\\u007f\\u009b1m\\u202edev\",\n"))
      << text;
  EXPECT_EQ(profile::parse(text), p);
}

TEST(profile, loading_fills_in_describe_and_sorts_by_id_so_the_hash_does_not_depend_on_either) {
  const profile listed = thermo_profile();
  json doc = listed.to_json();
  json unlisted_commands = json::array();
  for (auto it = doc["commands"].rbegin(); it != doc["commands"].rend(); ++it)
    if ((*it)["name"] != "describe") unlisted_commands.push_back(*it);
  doc["commands"] = unlisted_commands;
  doc["types"].erase("comframe::devices::builtin::describe_request");
  doc["types"].erase("comframe::devices::builtin::describe_response");
  const profile p = profile::from_json(doc);
  EXPECT_EQ(p, listed);
  EXPECT_EQ(p.hash(), listed.hash());
  EXPECT_EQ(p.commands().back().name, "describe");
}

TEST(profile, version_endian_types_and_events_may_be_left_out) {
  const profile p = profile::parse(R"({"comframe_profile": 1, "device": "tiny", "commands": [
      {"id": 7, "name": "ping", "request": "u32", "response": "u32"}]})");
  EXPECT_EQ(p.version(), "1");
  EXPECT_EQ(p.payload_endian(), endian::little);
  EXPECT_TRUE(p.events().empty());
  EXPECT_EQ(p.find_command("ping")->request.fixed_size(), 4u);
  EXPECT_EQ(p.commands().size(), 2u);
  EXPECT_EQ(
      profile::parse(R"({"comframe_profile": 1, "device": "b", "endian": "big", "commands": []})").payload_endian(),
      endian::big);
  EXPECT_EQ(
      profile::parse(R"({"comframe_profile": 1, "device": "n", "endian": "native", "commands": []})").payload_endian(),
      endian::native);
}

TEST(profile, each_schema_holds_only_the_types_it_uses_and_unused_types_are_dropped) {
  const profile p =
      profile::parse(with(R"([{"id": 1, "name": "set", "request": "Led", "response": "Celsius[]"}])", "[]",
                          R"({"Led": {"struct": [{"name": "index", "type": "u8"}, {"name": "rgb", "type": "u8[3]"}]},
                                            "Celsius": "i16", "Unused": "u64"})"));
  EXPECT_EQ(p.find_command("set")->request.type_names(), (std::vector<std::string>{"Led"}));
  EXPECT_EQ(p.find_command("set")->response.type_names(), (std::vector<std::string>{"Celsius"}));
  EXPECT_FALSE(p.to_json()["types"].contains("Unused"));
  EXPECT_EQ(p, profile::parse(p.dump()));
}

TEST(profile, anonymous_type_expressions_and_aliases_load_and_round_trip) {
  const profile p = profile::parse(
      with(R"([
      {"id": 1, "name": "a", "request": {"struct": [{"name": "leds", "type": {"dynamic_array": "Led"}}]}, "response": "Strip"},
      {"id": 2, "name": "b", "request": {"array": "u8[2]", "length": 4}, "response": "Alias"}])",
           "[]", R"({"Led": {"struct": [{"name": "index", "type": "u8"}, {"name": "rgb", "type": "u8[3]"}]},
                                            "Strip": {"struct": [{"name": "id", "type": "u16"}, {"name": "leds", "type": "Led[]"}]},
                                            "Alias": "Strip"})"));
  EXPECT_EQ(p.find_command("a")->request.element_size(), 4u);
  EXPECT_EQ(p.find_command("b")->request.fixed_size(), 8u);
  EXPECT_EQ(p.find_command("b")->response.min_size(), 2u);
  EXPECT_EQ(profile::parse(p.dump()), p);
  EXPECT_EQ(profile::from_json(p.to_json()).hash(), p.hash());
}

// ---- Hash ---------------------------------------------------------------------------

TEST(profile, hash_is_fnv1a_64_of_the_compact_canonical_json) {
  const profile p = thermo_profile();
  EXPECT_EQ(p.hash(), fnv1a(p.to_json().dump()));
  EXPECT_EQ(fnv1a(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a("a"), 0xaf63dc4c8601ec8cull);  // the FNV reference value
}

TEST(profile, hash_is_stable_across_releases) {
  // These values are part of the protocol: builtin::describe reports them to
  // hosts that cached a profile. A change here must be deliberate.
  EXPECT_EQ(profile().hash(), 0x02c3405ff71fde35ull);
  EXPECT_EQ(thermo_profile().hash(), 0xa2fc4561546dc4a0ull);
}

TEST(profile, hash_changes_when_a_schema_changes_and_only_then) {
  const profile v1 = thermo_profile();
  const profile v2 =
      profile::of<thermo::GetInfo, thermo::ReadSensorsV2, thermo::SetLed, thermo::Telemetry>("thermo", "1.0");
  EXPECT_NE(v1.hash(), v2.hash());
  EXPECT_NE(v1, v2);
  EXPECT_EQ(v1.hash(), thermo_profile().hash());
  EXPECT_EQ(v1.hash(), profile::parse(v1.dump(4)).hash());
}

// ---- Comparing ----------------------------------------------------------------------

TEST(profile, differences_names_exactly_the_commands_and_events_that_changed) {
  const profile v1 = thermo_profile();
  using Reset = command<0x0010, comframe::core::null, comframe::core::null, "reset">;
  using MovedTelemetry = event<0x0101, thermo::Sample, "telemetry">;
  const profile v2 = profile::of<thermo::GetInfo, thermo::ReadSensorsV2, Reset, MovedTelemetry>("thermo", "2.0");
  EXPECT_EQ(v1.differences(v2), (std::vector<std::string>{"read_sensors", "reset", "set_led", "telemetry"}));
  EXPECT_EQ(v2.differences(v1), v1.differences(v2));
  EXPECT_TRUE(v1.differences(thermo_profile()).empty());
  const profile only_version = profile::of<thermo::GetInfo, thermo::ReadSensors, thermo::SetLed, thermo::Telemetry>(
      "thermo", "1.1", endian::big);
  EXPECT_TRUE(v1.differences(only_version).empty());
  EXPECT_NE(v1, only_version);
}

TEST(profile, differences_sees_a_changed_type_only_in_the_commands_that_use_it) {
  const profile a =
      profile::parse(with(R"([{"id": 1, "name": "set", "request": "Led", "response": "null"},
                                            {"id": 2, "name": "get", "request": "null", "response": "Celsius"}])",
                          "[]", R"({"Led": {"struct": [{"name": "index", "type": "u8"}]}, "Celsius": "i16"})"));
  const profile b =
      profile::parse(with(R"([{"id": 1, "name": "set", "request": "Led", "response": "null"},
                                            {"id": 2, "name": "get", "request": "null", "response": "Celsius"}])",
                          "[]", R"({"Led": {"struct": [{"name": "index", "type": "u8"}]}, "Celsius": "i32"})"));
  EXPECT_EQ(a.differences(b), (std::vector<std::string>{"get"}));
}

// ---- Finding ------------------------------------------------------------------------

TEST(profile, find_command_and_find_event_look_up_by_id_and_by_name) {
  const profile p = thermo_profile();
  ASSERT_NE(p.find_command(std::uint16_t{3}), nullptr);
  EXPECT_EQ(p.find_command(std::uint16_t{3})->name, "set_led");
  EXPECT_EQ(p.find_command("set_led"), p.find_command(std::uint16_t{3}));
  EXPECT_EQ(p.find_command(std::uint16_t{0xFFF0}), p.find_command("describe"));
  EXPECT_EQ(p.find_command(std::uint16_t{4}), nullptr);
  EXPECT_EQ(p.find_command(std::uint16_t{0xFFFF}), nullptr);
  EXPECT_EQ(p.find_command("telemetry"), nullptr);
  EXPECT_EQ(p.find_event(std::uint16_t{0x0100})->name, "telemetry");
  EXPECT_EQ(p.find_event("telemetry"), p.find_event(std::uint16_t{0x0100}));
  EXPECT_EQ(p.find_event(std::uint16_t{1}), nullptr);
  EXPECT_EQ(p.find_event("get_info"), nullptr);
}

TEST(profile, the_empty_profile_holds_only_describe) {
  const profile p;
  EXPECT_EQ(p.device(), "");
  EXPECT_EQ(p.version(), "1");
  ASSERT_EQ(p.commands().size(), 1u);
  EXPECT_EQ(p.commands()[0].name, "describe");
  EXPECT_TRUE(p.events().empty());
  EXPECT_EQ(p, profile::of<>(""));
  EXPECT_EQ(p, profile::parse(R"({"comframe_profile": 1, "device": "", "commands": []})"));
}

// ---- Every rule, refused with its path ------------------------------------------------

TEST(profile_errors, text_that_is_not_json_is_refused_with_its_byte_offset) {
  EXPECT_EQ(load_error(R"({"comframe_profile": 1,, })"),
            "[devices.profile] at byte 24: not valid JSON: [json.exception.parse_error.101] parse error at line 1, "
            "column 24: syntax error while parsing object key - unexpected ','; expected string literal");
  try {
    (void)profile::parse("{\"comframe_profile\": 1,, }");
    FAIL() << "no error";
  } catch (const profile_error& e) {
    EXPECT_EQ(e.offset(), 24u);
    EXPECT_EQ(e.path(), "");
  }
}

TEST(profile_errors, a_key_given_twice_is_refused) {
  EXPECT_EQ(load_error(with(R"([{"id": 1, "name": "a", "request": "null", "response": "null", "id": 2}])")),
            "[devices.profile] commands[0]: duplicate key \"id\"");
  EXPECT_EQ(load_error(R"({"comframe_profile": 1, "device": "a", "device": "b", "commands": []})"),
            "[devices.profile] duplicate key \"device\"");
}

TEST(profile_errors, an_unknown_key_anywhere_is_refused) {
  EXPECT_EQ(load_error(R"({"comframe_profile": 1, "device": "d", "commands": [], "evnts": []})"),
            "[devices.profile] unknown key \"evnts\" (the keys are: comframe_profile, device, version, endian, framing, types, "
            "commands, events)");
  EXPECT_EQ(load_error(with(R"([{"id": 1, "name": "a", "request": "null", "respone": "null"}])")),
            "[devices.profile] commands[0]: unknown key \"respone\" (the keys are: id, name, request, response)");
  EXPECT_EQ(load_error(with("[]", R"([{"id": 1, "name": "e", "payload": "u8", "period_ms": 100}])")),
            "[devices.profile] events[0]: unknown key \"period_ms\" (the keys are: id, name, payload)");
  EXPECT_EQ(load_error(with("[]", "[]", R"({"Led": {"struct": [{"name": "index", "typ": "u8"}]}})")),
            "[devices.profile] types.Led.struct[0]: [core.schema_syntax] unknown key \"typ\" in a field");
}

TEST(profile_errors, a_missing_or_other_format_version_is_refused) {
  EXPECT_EQ(load_error(R"({"device": "d", "commands": []})"),
            "[devices.profile] comframe_profile: missing; a profile starts with \"comframe_profile\": 1");
  EXPECT_EQ(load_error(R"({"comframe_profile": 2, "device": "d", "commands": []})"),
            "[devices.profile] comframe_profile: format version 2 is not supported (this comframe reads version 1)");
  EXPECT_EQ(load_error(R"({"comframe_profile": "1", "device": "d", "commands": []})"),
            "[devices.profile] comframe_profile: expected the integer 1, got a string \"1\"");
  EXPECT_EQ(load_error(R"([1, 2])"),
            "[devices.profile] a profile is a JSON object {\"comframe_profile\": 1, ...}, got an array");
}

TEST(profile_errors, missing_keys_and_values_of_the_wrong_type_are_refused) {
  EXPECT_EQ(load_error(R"({"comframe_profile": 1, "device": "d"})"), "[devices.profile] missing key \"commands\"");
  EXPECT_EQ(load_error(R"({"comframe_profile": 1, "commands": []})"), "[devices.profile] missing key \"device\"");
  EXPECT_EQ(load_error(R"({"comframe_profile": 1, "device": "d", "commands": {}})"),
            "[devices.profile] commands: expected an array, got an object");
  EXPECT_EQ(load_error(R"({"comframe_profile": 1, "device": "d", "commands": [], "events": null})"),
            "[devices.profile] events: expected an array, got null");
  EXPECT_EQ(load_error(R"({"comframe_profile": 1, "device": 7, "commands": []})"),
            "[devices.profile] device: expected a string, got the number 7");
  EXPECT_EQ(load_error(R"({"comframe_profile": 1, "device": "d", "version": 1, "commands": []})"),
            "[devices.profile] version: expected a string, got the number 1");
  EXPECT_EQ(load_error(R"({"comframe_profile": 1, "device": "d", "types": [], "commands": []})"),
            "[devices.profile] types: expected an object of name: type expression, got an array");
  EXPECT_EQ(load_error(with(R"([{"id": 1, "name": "a", "request": "null"}])")),
            "[devices.profile] commands[0]: missing key \"response\"");
  EXPECT_EQ(load_error(with(R"([5])")),
            "[devices.profile] commands[0]: expected an object {\"id\", \"name\", \"request\", \"response\"}, got the "
            "number 5");
  EXPECT_EQ(load_error(with("[]", R"([{"id": 1, "name": "e"}])")),
            "[devices.profile] events[0]: missing key \"payload\"");
}

TEST(profile_errors, ids_that_are_not_integers_from_0_to_65535_are_refused) {
  EXPECT_EQ(load_error(with(R"([{"id": -1, "name": "a", "request": "null", "response": "null"}])")),
            "[devices.profile] commands[0].id: expected an integer from 0 to 65535, got the number -1");
  EXPECT_EQ(load_error(with(R"([{"id": 65536, "name": "a", "request": "null", "response": "null"}])")),
            "[devices.profile] commands[0].id: expected an integer from 0 to 65535, got the number 65536");
  EXPECT_EQ(load_error(with(R"([{"id": 1.5, "name": "a", "request": "null", "response": "null"}])")),
            "[devices.profile] commands[0].id: expected an integer from 0 to 65535, got the number 1.5");
  EXPECT_EQ(load_error(with(R"([{"id": "0x10", "name": "a", "request": "null", "response": "null"}])")),
            "[devices.profile] commands[0].id: expected an integer from 0 to 65535, got a string \"0x10\"");
  EXPECT_EQ(load_error(with("[]", R"([{"id": true, "name": "e", "payload": "u8"}])")),
            "[devices.profile] events[0].id: expected an integer from 0 to 65535, got true");
}

TEST(profile_errors, two_commands_or_two_events_with_one_id_or_name_are_refused) {
  EXPECT_EQ(load_error(with(R"([{"id": 1, "name": "a", "request": "null", "response": "null"},
                                {"id": 1, "name": "b", "request": "null", "response": "null"}])")),
            "[devices.profile] commands[1].id: 1 is also the id of commands[0] \"a\"");
  EXPECT_EQ(load_error(with(R"([{"id": 1, "name": "a", "request": "null", "response": "null"},
                                {"id": 2, "name": "a", "request": "null", "response": "null"}])")),
            "[devices.profile] commands[1].name: \"a\" is also the name of commands[0]");
  EXPECT_EQ(
      load_error(with("[]", R"([{"id": 9, "name": "e", "payload": "u8"}, {"id": 9, "name": "f", "payload": "u8"}])")),
      "[devices.profile] events[1].id: 9 is also the id of events[0] \"e\"");
  EXPECT_EQ(
      load_error(with("[]", R"([{"id": 9, "name": "e", "payload": "u8"}, {"id": 10, "name": "e", "payload": "u8"}])")),
      "[devices.profile] events[1].name: \"e\" is also the name of events[0]");
}

TEST(profile, a_command_and_an_event_may_share_an_id_and_a_name) {
  const profile p = profile::parse(with(R"([{"id": 9, "name": "tick", "request": "null", "response": "null"}])",
                                        R"([{"id": 9, "name": "tick", "payload": "u32"}])"));
  EXPECT_EQ(p.find_command("tick")->id, 9);
  EXPECT_EQ(p.find_event("tick")->id, 9);
}

TEST(profile_errors, names_that_are_not_identifiers_are_refused) {
  EXPECT_EQ(load_error(with(R"([{"id": 1, "name": "get-info", "request": "null", "response": "null"}])")),
            "[devices.profile] commands[0].name: \"get-info\" is not a valid name (a letter or _, then letters, digits "
            "or _; at most 128 characters)");
  EXPECT_EQ(
      load_error(with(R"([{"id": 1, "name": "", "request": "null", "response": "null"}])")),
      "[devices.profile] commands[0].name: \"\" is not a valid name (a letter or _, then letters, digits or _; at "
      "most 128 characters)");
  EXPECT_EQ(
      load_error(with(R"([{"id": 1, "name": "1st", "request": "null", "response": "null"}])")),
      "[devices.profile] commands[0].name: \"1st\" is not a valid name (a letter or _, then letters, digits or _; "
      "at most 128 characters)");
  EXPECT_EQ(load_error(with("[]", R"([{"id": 1, "name": ["e"], "payload": "u8"}])")),
            "[devices.profile] events[0].name: expected a name string, got an array");
}

TEST(profile_errors, user_ids_in_the_reserved_range_are_refused) {
  EXPECT_EQ(load_error(with(R"([{"id": 65280, "name": "mine", "request": "null", "response": "null"}])")),
            "[devices.profile] commands[0].id: 65280 (0xff00) is reserved for comframe's builtin commands (0xff00 to "
            "0xffff)");
  EXPECT_EQ(
      load_error(with(R"([{"id": 65520, "name": "describe", "request": "null", "response": "null"}])")),
      "[devices.profile] commands[0]: id 65520 (0xfff0) is the builtin command \"describe\"; an entry with this id "
      "must be exactly it: name \"describe\", request comframe::devices::builtin::describe_request, response "
      "comframe::devices::builtin::describe_response");
  EXPECT_EQ(load_error(with(R"([{"id": 4, "name": "describe", "request": "null", "response": "null"}])")),
            "[devices.profile] commands[0].name: \"describe\" is the name of the builtin command 0xfff0");
  EXPECT_EQ(
      load_error(with("[]", R"([{"id": 65535, "name": "e", "payload": "u8"}])")),
      "[devices.profile] events[0].id: 65535 (0xffff) is reserved for comframe's builtin events (0xff00 to 0xffff)");
}

TEST(profile, a_describe_entry_equal_to_the_builtin_is_accepted) {
  const json listed = profile().to_json();
  ASSERT_EQ(listed["commands"].size(), 1u);
  EXPECT_EQ(listed["commands"][0]["id"], 0xFFF0);
  EXPECT_EQ(profile::from_json(listed), profile());
}

TEST(profile_errors, an_endian_other_than_little_big_or_native_is_refused) {
  EXPECT_EQ(load_error(R"({"comframe_profile": 1, "device": "d", "endian": "le", "commands": []})"),
            "[devices.profile] endian: expected \"little\", \"big\" or \"native\", got a string \"le\"");
  EXPECT_EQ(load_error(R"({"comframe_profile": 1, "device": "d", "endian": 0, "commands": []})"),
            "[devices.profile] endian: expected \"little\", \"big\" or \"native\", got the number 0");
}

TEST(profile_errors, schema_errors_are_wrapped_with_their_path) {
  EXPECT_EQ(load_error(with(R"([{"id": 1, "name": "a", "request": "null", "response": "null"},
                                {"id": 2, "name": "b", "request": "null", "response": "null"},
                                {"id": 3, "name": "read", "request": "null", "response": "Reading"}])")),
            "[devices.profile] commands[2].response: [core.unknown_type] unknown type \"Reading\" (the types are: Led; "
            "the built-in types: u8 u16 u32 u64 i8 i16 i32 i64 f32 f64 bool char null, whole-byte integers such as u24 "
            "(u1 to u7 count bytes), f4 f8, text[N] bytes[N] SN)");
  EXPECT_EQ(
      load_error(with(R"([{"id": 1, "name": "a", "request": {"struct": [{"name": "t", "type": "i16[]"},
                                                                             {"name": "n", "type": "u8"}]},
                                 "response": "null"}])")),
      "[devices.profile] commands[0].request.t: [core.definition] a dynamic array, or a struct that contains one, "
      "may only be the last field of a struct");
  EXPECT_EQ(
      load_error(with("[]", R"([{"id": 1, "name": "e", "payload": "u8[0]"}])")),
      "[devices.profile] events[0].payload: [core.definition] bad length in \"u8[0]\": the length of a fixed array "
      "must be a positive integer");
  EXPECT_EQ(
      load_error(with("[]", "[]",
                      R"({"Strip": {"struct": [{"name": "leds", "type": "u8[]"}, {"name": "id", "type": "u16"}]}})")),
      "[devices.profile] types.Strip.leds: [core.definition] a dynamic array, or a struct that contains one, may "
      "only be the last field of a struct");
  EXPECT_EQ(load_error(with("[]", "[]", R"({"u8": "u16"})")),
            "[devices.profile] types: [core.schema_syntax] \"u8\" is not a valid type name (a letter or _, then "
            "letters, digits, _ : . < > , or space; not a scalar name)");
}

// ---- Hostile input: bounded, never a crash -------------------------------------------

TEST(profile_errors, a_type_whose_array_elements_have_no_bytes_is_refused_naming_its_path) {
  EXPECT_EQ(load_error(with(R"([{"id": 1, "name": "bomb", "request": {"array": "null[16777216]", "length": 16777216},
                                 "response": "null"}])")),
            "[devices.profile] commands[0].request[0..16777215][0..16777215]: [core.definition] the element of a fixed "
            "array must have a size above zero: null has no bytes, so the array would hold elements that are not on "
            "the wire");
  EXPECT_EQ(load_error(with(R"([{"id": 1, "name": "get", "request": "null", "response": "Nothing[1000]"}])", "[]",
                            R"({"Nothing": {"struct": []}})")),
            "[devices.profile] commands[0].response[0..999]: [core.definition] the element of a fixed array must have "
            "a size above zero: Nothing has no bytes, so the array would hold elements that are not on the wire");
}

TEST(profile_errors, more_than_4096_commands_are_refused) {
  std::string commands = "[";
  for (int i = 0; i <= 4096; ++i)
    commands += (i ? "," : "") + std::string(R"({"id": )") + std::to_string(i) + R"(, "name": "c)" + std::to_string(i) +
                R"(", "request": "null", "response": "null"})";
  EXPECT_EQ(load_error(with(commands + "]")), "[devices.profile] commands: more than 4096 commands");
}

TEST(profile_errors, schemas_too_large_in_all_are_refused_before_they_are_loaded) {
  // One struct of 512 fields, used by 4096 commands: two million type nodes to load.
  std::string fields = "[";
  for (int i = 0; i < 512; ++i)
    fields += (i ? "," : "") + std::string(R"({"name": "f)") + std::to_string(i) + R"(", "type": "u8"})";
  std::string commands = "[";
  for (int i = 0; i < 4096; ++i)
    commands += (i ? "," : "") + std::string(R"({"id": )") + std::to_string(i) + R"(, "name": "c)" + std::to_string(i) +
                R"(", "request": "Big", "response": "null"})";
  EXPECT_EQ(load_error(with(commands + "]", "[]", R"({"Big": {"struct": )" + fields + "]}}")),
            "[devices.profile] commands[509].request: the schemas of all commands and events hold more than 262144 "
            "type nodes together");
}

TEST(profile_errors, deeply_nested_json_is_refused_without_recursing_into_it) {
  const std::size_t depth = 200000;
  const std::string deep = std::string(depth, '[') + std::string(depth, ']');
  EXPECT_EQ(load_error(deep),
            "[devices.profile] a profile is a JSON object {\"comframe_profile\": 1, ...}, got an array");
  EXPECT_EQ(load_error(with(R"([{"id": 1, "name": "a", "request": )" + deep + R"(, "response": "null"}])")),
            "[devices.profile] commands[0].request: JSON nested deeper than 128 levels");
  EXPECT_EQ(load_error(with("[]", "[]", R"({"Deep": )" + deep + "}")),
            "[devices.profile] types: JSON nested deeper than 128 levels");
  EXPECT_EQ(load_error(R"({"comframe_profile": 1, "device": "d", "commands": [], "junk": )" + deep + "}"),
            "[devices.profile] unknown key \"junk\" (the keys are: comframe_profile, device, version, endian, framing, types, "
            "commands, events)");
}

TEST(profile_errors, long_or_invalid_text_is_refused) {
  EXPECT_EQ(load_error(R"({"comframe_profile": 1, "device": ")" + std::string(129, 'x') + R"(", "commands": []})"),
            "[devices.profile] device: longer than 128 bytes");
  json doc = profile().to_json();
  doc["device"] = "\xff\xfe";
  try {
    (void)profile::from_json(doc);
    FAIL() << "no error";
  } catch (const profile_error& e) {
    EXPECT_STREQ(e.what(), "[devices.profile] device: not valid UTF-8");
  }
  EXPECT_THROW((void)profile::of<>("\xff"), profile_error);
}

// ---- The documentation ----------------------------------------------------------------

TEST(profile_docs, the_example_in_the_profiles_doc_is_the_thermo_profile_of_these_tests) {
  const std::string doc = read_source("docs/profiles.md");
  ASSERT_FALSE(doc.empty()) << "docs/profiles.md not found";
  const std::string marker = "```json\n";
  const auto start = doc.find(marker);
  ASSERT_NE(start, std::string::npos);
  const auto end = doc.find("```", start + marker.size());
  const profile p = profile::parse(doc.substr(start + marker.size(), end - start - marker.size()));
  EXPECT_EQ(p, thermo_profile());
  std::ostringstream hash;
  hash << std::hex << p.hash();
  EXPECT_NE(doc.find("0x" + hash.str()), std::string::npos) << "the doc should quote the hash 0x" << hash.str();
}

}  // namespace

// ---- "framing" ------------------------------------------------------------------------

namespace {

// A profile document with a "framing" section and these commands and events.
std::string with_framing(std::string_view framing, std::string_view commands, std::string_view events = "[]") {
  return R"({"comframe_profile": 1, "device": "d", "framing": )" + std::string(framing) + R"(, "commands": )" +
         std::string(commands) + R"(, "events": )" + std::string(events) + "}";
}


constexpr std::string_view modbus_like = R"({
  "delimiting": {"kind": "schema_length"},
  "header": {"type": {"struct": [{"name": "address", "type": "u8"}, {"name": "function", "type": "u8"}]},
             "roles": {"address": "address", "command": "function"}},
  "check": {"type": "CRC-16/MODBUS"},
  "address": 1, "broadcast": 0})";

}  // namespace

TEST(profile_framing, the_default_framing_given_in_full_is_left_out_and_the_hash_stays) {
  const profile plain = thermo_profile();
  json doc = plain.to_json();
  EXPECT_FALSE(doc.contains("framing"));
  EXPECT_TRUE(plain.framing().is_default());
  doc["framing"] = {{"delimiting", {{"kind", "cobs"}}}};
  const profile p = profile::from_json(doc);
  EXPECT_TRUE(p.framing().is_default());
  EXPECT_FALSE(p.to_json().contains("framing"));
  EXPECT_EQ(p.dump().find("framing"), std::string::npos);
  EXPECT_EQ(p, plain);
  EXPECT_EQ(p.hash(), plain.hash());
  EXPECT_EQ(p.hash(), 0xa2fc4561546dc4a0ull);  // as before profiles had framings
  EXPECT_TRUE(p.differences(plain).empty());
}

TEST(profile_framing, a_framing_the_parser_refuses_is_a_profile_error_keeping_its_path) {
  try {
    (void)profile::parse(with_framing(R"({"delimiting": {"kind": "smoke_signals"}})", "[]"));
    FAIL() << "loaded";
  } catch (const profile_error& e) {
    EXPECT_EQ(e.id(), "devices.profile");
    EXPECT_TRUE(e.path().starts_with("framing")) << e.what();
    EXPECT_NE(std::string(e.what()).find("[devices.profile] framing"), std::string::npos) << e.what();
  }
  EXPECT_EQ(load_error(with_framing("7", "[]")).rfind("[devices.profile] framing", 0), 0u);
}

TEST(profile_framing, a_non_default_framing_is_kept_compared_and_hashed) {
  const std::string commands = R"([{"id": 3, "name": "read", "request": {"struct": [{"name": "start", "type": ">u16"},
                                                                    {"name": "count", "type": ">u16"}]},
                                    "response": ">u16[4]"}])";
  const profile p = profile::parse(with_framing(modbus_like, commands));
  EXPECT_FALSE(p.framing().is_default());
  EXPECT_EQ(p.framing().delimiting, comframe::transport::delimiting_kind::schema_length);
  EXPECT_EQ(p.framing().default_address, 1);
  ASSERT_TRUE(p.to_json().contains("framing"));
  EXPECT_EQ(p.to_json()["framing"], p.framing().to_json());
  const std::string text = p.dump();
  EXPECT_LT(text.find("\"endian\""), text.find("\"framing\""));
  EXPECT_LT(text.find("\"framing\""), text.find("\"types\""));
  const profile q = profile::parse(text);
  EXPECT_EQ(q, p);
  EXPECT_EQ(q.hash(), p.hash());
  EXPECT_EQ(q.framing(), p.framing());

  const profile plain = profile::parse(R"({"comframe_profile": 1, "device": "d", "commands": )" + commands + "}");
  EXPECT_NE(plain, p);
  EXPECT_NE(plain.hash(), p.hash());
  EXPECT_EQ(p.differences(plain), std::vector<std::string>{"framing"});
  EXPECT_EQ(plain.differences(p), std::vector<std::string>{"framing"});
}

TEST(profile_framing, line_texts_get_their_commands_ids_and_an_unknown_name_is_refused) {
  const std::string commands = R"([{"id": 1, "name": "idn", "request": "null", "response": "text[64]"},
                                   {"id": 2, "name": "volt", "request": "null", "response": "text[16]"}])";
  const profile p =
      profile::parse(with_framing(R"({"delimiting": {"kind": "line"}, "texts": {"idn": "*IDN?", "volt": "MEAS:VOLT?"}})",
                                  commands));
  ASSERT_EQ(p.framing().texts.size(), 2u);
  for (const auto& t : p.framing().texts) EXPECT_EQ(t.id, p.find_command(t.command)->id) << t.command;
  EXPECT_EQ(load_error(with_framing(R"({"delimiting": {"kind": "line"}, "texts": {"idn": "*IDN?", "curr": "MEAS:CURR?"}})",
                                    commands)),
            "[devices.profile] framing.texts.curr: no command is named \"curr\" (the profile's commands: idn, volt)");
}

TEST(profile_framing, schema_length_refuses_a_command_or_event_whose_length_its_schema_does_not_imply) {
  const std::string error = load_error(with_framing(
      modbus_like, R"([{"id": 3, "name": "read", "request": ">u16[2]", "response": "u8[4]"},
                       {"id": 4, "name": "dump", "request": "null", "response": "u8[]"}])"));
  EXPECT_EQ(error.rfind("[devices.profile] commands[1].response: its length cannot be known from its schema (u8[] ends only where its input does)", 0), 0u)
      << error;
  const std::string event_error =
      load_error(with_framing(modbus_like, "[]", R"([{"id": 9, "name": "log", "payload": "text[]"}])"));
  EXPECT_EQ(event_error.rfind("[devices.profile] events[0].payload: its length cannot be known", 0), 0u) << event_error;
  // A count field inside the payload says where it ends: that loads.
  EXPECT_NO_THROW((void)profile::parse(with_framing(
      modbus_like, R"([{"id": 3, "name": "read", "request": ">u16[2]", "response": {"struct": [
                         {"name": "byte_count", "type": "u8"},
                         {"name": "values", "type": ">u16[]", "count": "byte_count", "count_unit": "bytes"}]}}])")));
  // The same commands with a framing that delimits frames itself load.
  EXPECT_NO_THROW((void)profile::parse(with_framing(R"({"delimiting": {"kind": "slip"}, "check": {"type": "CRC-16/KERMIT"},
                                                       "header": {"type": {"struct": [{"name": "cmd", "type": "u8"}]},
                                                                  "roles": {"command": "cmd"}}})",
                                                    R"([{"id": 4, "name": "dump", "request": "null", "response": "u8[]"}])")));
}

TEST(profile_framing, a_framing_without_a_kind_field_refuses_an_id_that_is_a_command_and_an_event) {
  EXPECT_EQ(load_error(with_framing(modbus_like, R"([{"id": 5, "name": "write", "request": "u8", "response": "u8"}])",
                                    R"([{"id": 5, "name": "alarm", "payload": "u8"}])")),
            "[devices.profile] events[0].id: 5 is also the id of command \"write\", and the framing's header has no "
            "kind field, so a frame with this id could be either (give the header a \"kind\" role, or the event "
            "another id)");
  // comframe's own framing carries the kind: the two may share an id (as before).
  EXPECT_NO_THROW((void)profile::parse(with(R"([{"id": 5, "name": "write", "request": "u8", "response": "u8"}])",
                                            R"([{"id": 5, "name": "alarm", "payload": "u8"}])")));
}

}  // namespace profile_test

// Sim-file tables: values a simulated device keeps between requests, which
// replies read ("$read") and write, as a Modbus server's register map; and
// every load error of "tables", "read", "write" and "range_error".
#include <gtest/gtest.h>

#include "comframe/devices/session.hpp"
#include "comframe/firmware_sim/device_host.hpp"
#include "comframe/firmware_sim/sim_definition.hpp"
#include "devices/scripted_peer.hpp"

namespace sim_tables_test {

namespace {

using namespace comframe;
using nlohmann::json;

const char* const map_profile = R"({
  "comframe_profile": 1, "device": "map", "version": "1",
  "types": {
    "Range": {"struct": [{"name": "start", "type": "u16"}, {"name": "count", "type": "u16"}]},
    "Regs": {"struct": [{"name": "start", "type": "u16"}, {"name": "values", "type": "u16[]"}]},
    "One": {"struct": [{"name": "address", "type": "u16"}, {"name": "value", "type": "u16"}]},
    "Bits": {"struct": [{"name": "start", "type": "u16"}, {"name": "count", "type": "u16"}, {"name": "bytes", "type": "u8[]"}]}
  },
  "commands": [
    {"id": 1, "name": "read_regs", "request": "Range", "response": "u16[]"},
    {"id": 2, "name": "write_regs", "request": "Regs", "response": "Range"},
    {"id": 3, "name": "write_reg", "request": "One", "response": "One"},
    {"id": 4, "name": "read_coils", "request": "Range", "response": "u8[]"},
    {"id": 5, "name": "read_coil_bools", "request": "Range", "response": "bool[]"},
    {"id": 6, "name": "write_coils", "request": "Bits", "response": "null"},
    {"id": 7, "name": "write_coil", "request": "One", "response": "One"},
    {"id": 8, "name": "read_small", "request": "Range", "response": "u16[]"},
    {"id": 9, "name": "write_small", "request": "One", "response": "null"},
    {"id": 10, "name": "read_fixed", "request": "null", "response": "u16[3]"},
    {"id": 11, "name": "scale", "request": "u16", "response": "u16"}
  ]
})";

const std::string tables = R"({
  "holding": {"type": "u16", "size": 10, "initial": [100, 101, 102]},
  "coils": {"type": "bool", "size": 20, "initial": [true, false, false, 1]},
  "small": {"type": "u8", "size": 4}
})";

const std::string replies = R"({
  "read_regs": {"read": {"table": "holding", "start": "$request.start", "count": "$request.count"},
                "response": "$read", "range_error": 2},
  "write_regs": {"write": {"table": "holding", "start": "$request.start", "values": "$request.values"},
                 "response": {"start": "$request.start", "count": 0}, "range_error": 2},
  "write_reg": {"write": {"table": "holding", "start": "$request.address", "values": "$request.value"},
                "response": "$request"},
  "read_coils": {"read": {"table": "coils", "start": "$request.start", "count": "$request.count"}, "response": "$read"},
  "read_coil_bools": {"read": {"table": "coils", "start": "$request.start", "count": "$request.count"},
                      "response": "$read"},
  "write_coils": {"write": {"table": "coils", "start": "$request.start", "values": "$request.bytes",
                            "count": "$request.count"}, "response": null},
  "write_coil": {"write": {"table": "coils", "start": "$request.address", "values": "$request.value"},
                 "response": "$request"},
  "read_small": {"read": {"table": "small", "start": 0, "count": 4}, "response": "$read"},
  "write_small": {"write": {"table": "small", "start": "$request.address", "values": "$request.value"},
                  "response": null},
  "read_fixed": {"read": {"table": "holding", "start": 1, "count": 3}, "response": "$read"}
})";

std::string sim_text(const std::string& t, const std::string& r) {
  return std::string(R"({"profile": )") + map_profile + R"(, "tables": )" + t + R"(, "replies": )" + r + "}";
}

std::string load_error(const std::string& text) {
  try {
    firmware_sim::parse_sim_file(text);
  } catch (const firmware_sim::sim_definition_error& e) {
    return e.what();
  }
  return "loaded";
}
std::string table_error(const std::string& t) { return load_error(sim_text(t, "{}")); }
std::string reply_error(const std::string& r) { return load_error(sim_text(tables, r)); }

struct served_table : ::testing::Test {
  test::io_thread t;
  std::string url = "loop://tables-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::optional<firmware_sim::sim_definition> sim;
  std::unique_ptr<firmware_sim::device_host> link;
  std::unique_ptr<devices::session> host;

  void SetUp() override {
    sim.emplace(firmware_sim::parse_sim_file(sim_text(tables, replies)));
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

json range(int start, int count) { return {{"start", start}, {"count", count}}; }

TEST_F(served_table, a_read_answers_the_initial_values_then_zeros) {
  EXPECT_EQ(call("read_regs", range(0, 5)), json::array({100, 101, 102, 0, 0}));
  EXPECT_EQ(call("read_regs", range(9, 1)), json::array({0}));
  EXPECT_EQ(call("read_regs", range(4, 0)), json::array());
  EXPECT_EQ(call("read_fixed"), json::array({101, 102, 0}));  // literal start and count
}

TEST_F(served_table, a_client_reads_back_what_it_wrote) {
  EXPECT_EQ(call("write_regs", {{"start", 2}, {"values", {500, 600, 700}}}), range(2, 0));
  EXPECT_EQ(call("write_reg", {{"address", 0}, {"value", 7}}), (json{{"address", 0}, {"value", 7}}));
  EXPECT_EQ(call("read_regs", range(0, 6)), json::array({7, 101, 500, 600, 700, 0}));
  EXPECT_EQ(call("write_regs", {{"start", 8}, {"values", {1, 2}}}), range(8, 0));  // up to the last value
  EXPECT_EQ(call("read_regs", range(7, 3)), json::array({0, 1, 2}));
}

TEST_F(served_table, past_the_table_end_answers_the_range_error_and_changes_nothing) {
  EXPECT_EQ(call_error("read_regs", range(8, 3)),
            "[devices.device_error] read_regs: device error 2 (bad_request): read_regs: reading 3 values from 8 runs "
            "past holding (10 values)");
  EXPECT_EQ(call_error("read_regs", range(11, 0)),
            "[devices.device_error] read_regs: device error 2 (bad_request): read_regs: reading 0 values from 11 runs "
            "past holding (10 values)");
  EXPECT_EQ(call_error("write_regs", {{"start", 9}, {"values", {1, 2}}}),
            "[devices.device_error] write_regs: device error 2 (bad_request): write_regs: writing 2 values from 9 "
            "runs past holding (10 values)");
  EXPECT_EQ(call("read_regs", range(9, 1)), json::array({0}));
  // Without "range_error": out_of_range.
  EXPECT_EQ(call_error("write_reg", {{"address", 10}, {"value", 1}}),
            "[devices.device_error] write_reg: device error 3 (out_of_range): write_reg: writing 1 values from 10 "
            "runs past holding (10 values)");
}

TEST_F(served_table, a_bool_table_read_into_bytes_packs_eight_per_byte_lsb_first) {
  // Coils 0..3 are on, off, off, on: 0b1001.
  EXPECT_EQ(call("read_coils", range(0, 4)), json::array({0x09}));
  EXPECT_EQ(call("read_coils", range(0, 20)), json::array({0x09, 0x00, 0x00}));
  EXPECT_EQ(call("read_coil_bools", range(0, 4)), json::array({true, false, false, true}));
  // Writing bytes with a count unpacks as many bits, the first from bit 0.
  EXPECT_EQ(call("write_coils", {{"start", 8}, {"count", 10}, {"bytes", {0xCD, 0x01}}}), nullptr);
  EXPECT_EQ(call("read_coil_bools", range(8, 10)),
            json::array({true, false, true, true, false, false, true, true, true, false}));
  EXPECT_EQ(call("read_coils", range(8, 10)), json::array({0xCD, 0x01}));
  EXPECT_EQ(call("read_coils", range(7, 3)), json::array({0x02}));  // off, on, off
  EXPECT_EQ(call_error("write_coils", {{"start", 0}, {"count", 9}, {"bytes", {0xFF}}}),
            "[devices.device_error] write_coils: device error 3 (out_of_range): write_coils: 9 bits need 2 bytes, "
            "the request has 1");
}

TEST_F(served_table, a_single_value_written_into_a_bool_table_is_on_when_not_zero) {
  EXPECT_EQ(call("write_coil", {{"address", 1}, {"value", 0xFF00}}), (json{{"address", 1}, {"value", 0xFF00}}));
  EXPECT_EQ(call("write_coil", {{"address", 0}, {"value", 0}}), (json{{"address", 0}, {"value", 0}}));
  EXPECT_EQ(call("read_coil_bools", range(0, 4)), json::array({false, true, false, true}));
}

TEST_F(served_table, a_value_written_into_a_narrower_table_wraps_as_a_c_cast) {
  EXPECT_EQ(call("write_small", {{"address", 1}, {"value", 300}}), nullptr);
  EXPECT_EQ(call("read_small", range(0, 0)), json::array({0, 44, 0, 0}));
}

TEST(sim_tables, a_table_has_a_type_a_size_and_fitting_initial_values) {
  EXPECT_EQ(table_error("[]"),
            "[firmware_sim.sim_file] tables: expected an object of tables {\"name\": {\"type\": …, \"size\": …}}, "
            "got an array");
  EXPECT_EQ(table_error(R"({"h": {"type": "u16", "size": 4, "init": []}})"),
            "[firmware_sim.sim_file] tables.h: unknown key \"init\" (the keys are: type, size, initial)");
  EXPECT_EQ(table_error(R"({"h": {"size": 4}})"),
            "[firmware_sim.sim_file] tables.h: missing \"type\" (bool, u8, u16, u32, i8, i16 or i32)");
  EXPECT_EQ(table_error(R"({"h": {"type": "u16"}})"),
            "[firmware_sim.sim_file] tables.h: missing \"size\" (how many values, 1 to 65536)");
  EXPECT_EQ(table_error(R"({"h": {"type": "f32", "size": 4}})"),
            "[firmware_sim.sim_file] tables.h.type: expected bool, u8, u16, u32, i8, i16 or i32, got a string \"f32\"");
  EXPECT_EQ(table_error(R"({"h": {"type": "u16", "size": 0}})"),
            "[firmware_sim.sim_file] tables.h.size: expected an integer from 1 to 65536, got the number 0");
  EXPECT_EQ(table_error(R"({"h": {"type": "u16", "size": 2, "initial": [1, 2, 3]}})"),
            "[firmware_sim.sim_file] tables.h.initial: 3 values for a table of 2");
  EXPECT_EQ(table_error(R"({"h": {"type": "u8", "size": 2, "initial": [1, 256]}})"),
            "[firmware_sim.sim_file] tables.h.initial[1]: 256 does not fit a u8");
  EXPECT_EQ(table_error(R"({"h": {"type": "bool", "size": 2, "initial": [2]}})"),
            "[firmware_sim.sim_file] tables.h.initial[0]: expected true, false, 0 or 1, got the number 2");
  EXPECT_EQ(table_error(R"({"h": {"type": "i16", "size": 2, "initial": [-5, 7]}})"), "loaded");
}

TEST(sim_tables, a_read_or_write_names_a_table_and_integers_or_request_fields) {
  EXPECT_EQ(reply_error(R"({"read_regs": {"read": {"table": "holdin", "start": 0, "count": 1}, "response": "$read"}})"),
            "[firmware_sim.sim_file] replies.read_regs.read.table: no table \"holdin\" (tables: coils, holding, small)");
  EXPECT_EQ(reply_error(R"({"read_regs": {"read": {"table": "holding", "start": 0}, "response": "$read"}})"),
            "[firmware_sim.sim_file] replies.read_regs.read: missing \"count\"");
  EXPECT_EQ(reply_error(R"({"read_regs": {"read": {"table": "holding", "start": 0, "count": 1, "values": 1},
                                          "response": "$read"}})"),
            "[firmware_sim.sim_file] replies.read_regs.read: unknown key \"values\" (the keys are: table, start, count)");
  EXPECT_EQ(reply_error(R"({"read_regs": {"read": {"table": "holding", "start": -1, "count": 1}, "response": "$read"}})"),
            "[firmware_sim.sim_file] replies.read_regs.read.start: expected an integer from 0 to 4294967295 or a "
            "\"$request.field\" reference, got the number -1");
  EXPECT_EQ(reply_error(R"({"read_regs": {"read": {"table": "holding", "start": "$request.begin", "count": 1},
                                          "response": "$read"}})"),
            "[firmware_sim.sim_file] replies.read_regs.read.start: \"$request.begin\" names no field of read_regs's "
            "request (fields: start, count)");
  EXPECT_EQ(reply_error(R"({"write_regs": {"write": {"table": "holding", "start": 0, "values": "$request"},
                                           "response": null}})"),
            "[firmware_sim.sim_file] replies.write_regs.write.values: \"$request\" is a Regs; an integer, a bool or an "
            "array of them is needed");
  EXPECT_EQ(reply_error(R"({"write_regs": {"write": {"table": "holding", "start": 0, "values": "x"},
                                           "response": null}})"),
            "[firmware_sim.sim_file] replies.write_regs.write.values: expected an integer, a bool, an array of them or "
            "a \"$request.field\" reference, got a string \"x\"");
  EXPECT_EQ(reply_error(R"({"write_regs": {"write": {"table": "holding", "start": 0, "values": [1, 2]},
                                           "response": {"start": 0, "count": 2}}})"),
            "loaded");
  EXPECT_EQ(reply_error(R"({"read_regs": {"read": {"table": "holding", "start": 0, "count": 1},
                                          "error": {"code": 2}}})"),
            "[firmware_sim.sim_file] replies.read_regs.read: an error reply reads and writes no table: give a "
            "\"response\"");
  EXPECT_EQ(reply_error(R"({"read_regs": {"read": {"table": "holding", "start": 0, "count": 1}, "response": "$read",
                                          "range_error": 0}})"),
            "[firmware_sim.sim_file] replies.read_regs.range_error: expected an integer from 1 to 65535, got the "
            "number 0");
}

TEST(sim_tables, dollar_read_needs_a_read_and_an_array_it_fits) {
  EXPECT_EQ(reply_error(R"({"read_regs": {"response": "$read"}})"),
            "[firmware_sim.sim_file] replies.read_regs.response: \"$read\" needs a \"read\" in this reply (the table "
            "values it stands for)");
  EXPECT_EQ(reply_error(R"({"scale": {"read": {"table": "holding", "start": 0, "count": 1}, "response": "$read"}})"),
            "[firmware_sim.sim_file] replies.scale.response: \"$read\" is a list of holding's values; an array of "
            "integers or bools is needed here, not a u16");
  EXPECT_EQ(reply_error(R"({"read_coil_bools": {"read": {"table": "holding", "start": 0, "count": 1},
                                                "response": "$read"}})"),
            "[firmware_sim.sim_file] replies.read_coil_bools.response: \"$read\" reads holding (u16), which does not "
            "fit a bool[]");
}

}  // namespace

}  // namespace sim_tables_test

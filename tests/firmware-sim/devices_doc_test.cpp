// docs/devices.md against the built-in devices: every command and event in the
// page's tables is the device's (name and id, and none missing), and every value
// range the page states is the one the device enforces, and every type's fields
// are the profile's.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/firmware_sim/devices/echo.hpp"
#include "comframe/firmware_sim/devices/simulated_thermo.hpp"

namespace devices_doc_test {

namespace {

using namespace comframe;

std::string read_doc() {
  std::ifstream in(std::string(COMFRAME_SOURCE_DIR) + "/docs/devices.md");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The cells of each table row ("| a | b |") in the part of the page under `heading`.
std::vector<std::vector<std::string>> rows_under(const std::string& doc, const std::string& heading) {
  std::vector<std::vector<std::string>> rows;
  auto at = doc.find("\n" + heading + "\n");
  if (at == std::string::npos) return rows;
  std::istringstream in(doc.substr(at + heading.size() + 2));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("#", 0) == 0) break;
    if (line.rfind("|", 0) != 0 || line.rfind("| ---", 0) == 0) continue;
    std::vector<std::string> cells;
    std::istringstream cs(line.substr(1));
    for (std::string cell; std::getline(cs, cell, '|');) {
      const auto b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
      cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
    }
    rows.push_back(cells);
  }
  if (!rows.empty()) rows.erase(rows.begin());  // the header row
  return rows;
}

std::string unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '`' && s.back() == '`') s = s.substr(1, s.size() - 2);
  return s;
}

// name -> id of the rows of a command or event table
std::map<std::string, std::uint16_t> ids_of(const std::vector<std::vector<std::string>>& rows) {
  std::map<std::string, std::uint16_t> out;
  for (const auto& r : rows)
    if (r.size() >= 2) out[unquote(r[0])] = static_cast<std::uint16_t>(std::stoul(r[1], nullptr, 16));
  return out;
}

template <class List>
std::map<std::string, std::uint16_t> ids_in_profile(const List& list) {
  std::map<std::string, std::uint16_t> out;
  for (const auto& c : list)
    if (c.name != "describe") out[c.name] = c.id;
  return out;
}

TEST(devices_doc, lists_exactly_thermos_commands_and_events_with_their_ids) {
  const std::string doc = read_doc();
  const auto p = devices::builtin::thermo::profile();
  const auto thermo = doc.substr(0, doc.find("## echo"));
  EXPECT_EQ(ids_of(rows_under(thermo, "### Commands")), ids_in_profile(p.commands()));
  EXPECT_EQ(ids_of(rows_under(thermo, "### Events")), ids_in_profile(p.events()));
  EXPECT_NE(thermo.find("version `" + p.version() + "`"), std::string::npos);
}

TEST(devices_doc, lists_exactly_echos_commands_with_their_ids) {
  const std::string doc = read_doc();
  const auto p = devices::builtin::echo::profile();
  const auto echo = doc.substr(doc.find("## echo"));
  EXPECT_EQ(ids_of(rows_under(echo, "### Commands")), ids_in_profile(p.commands()));
  EXPECT_TRUE(p.events().empty());
}

TEST(devices_doc, lists_each_of_thermos_types_with_its_fields_and_their_schema_types) {
  // "`name` text[16] — ..." in a cell: each field's name in backquotes, then its type.
  const std::regex field(R"(`(\w+)` ([\w\[\]]+))");
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> in_doc, in_profile;
  for (const auto& r : rows_under(read_doc(), "### Types")) {
    ASSERT_EQ(r.size(), 2u);
    auto& fields = in_doc[unquote(r[0])];
    for (std::sregex_iterator m(r[1].begin(), r[1].end(), field), end; m != end; ++m)
      fields.emplace_back((*m)[1], (*m)[2]);
  }
  const nlohmann::json profile = devices::builtin::thermo::profile().to_json();
  for (const auto& [name, type] : profile.at("types").items())
    if (name.rfind("comframe::devices::builtin::", 0) != 0)  // describe's own types: protocol.md's
      for (const auto& f : type.at("struct")) in_profile[name].emplace_back(f.at("name"), f.at("type"));
  EXPECT_EQ(in_doc, in_profile);
  // Text is text: the device's name is a text[16], which tools show as a string.
  EXPECT_EQ(in_profile["device_info"].back(), (std::pair<std::string, std::string>{"name", "text[16]"}));
}

TEST(devices_doc, every_stated_range_is_the_one_thermo_enforces) {
  const auto rows = rows_under(read_doc(), "### Value ranges");
  ASSERT_EQ(rows.size(), 4u);
  firmware_sim::thermo::simulated thermo;
  const auto& p = thermo.device().profile();
  // A valid request of each command the table names; the row's field is then varied.
  const std::map<std::string, nlohmann::json> valid{
      {"set_led", {{"index", 0}, {"rgb", {0, 0, 0}}}},
      {"set_config", {{"channels", 4}, {"sample_period_ms", 100}, {"alarm_high_cdeg", 8000}, {"alarm_enabled", false}}},
      {"start_telemetry", {{"rate_hz", 1}}},
  };
  for (const auto& r : rows) {
    ASSERT_EQ(r.size(), 3u);
    const std::string command = unquote(r[0]), field = unquote(r[1]), range = r[2];
    const long low = std::stol(range.substr(0, range.find(".."))), high = std::stol(range.substr(range.find("..") + 2));
    const auto* c = p.find_command(command);
    ASSERT_NE(c, nullptr) << command;
    auto answer = [&](long value) {
      nlohmann::json req = valid.at(command);
      req[field] = value;
      const transport::frame_header h{transport::protocol_version, transport::frame_kind::request, c->id, 1};
      return thermo.device().handle(h, core::encode(c->request, req, p.payload_endian()));
    };
    for (long ok : {low, high}) {
      const auto a = answer(ok);
      ASSERT_TRUE(a.has_value());
      EXPECT_EQ(a->kind, transport::frame_kind::response) << command << "." << field << " = " << ok;
    }
    for (long bad : {low - 1, high + 1}) {
      if (bad < 0) continue;  // below an unsigned field's type, not the device's range
      const auto a = answer(bad);
      ASSERT_TRUE(a.has_value());
      EXPECT_EQ(a->kind, transport::frame_kind::error) << command << "." << field << " = " << bad;
      const auto e = core::decode<devices::error_payload>(a->payload, core::endian::little);
      EXPECT_EQ(e.code, 3) << command << "." << field;
      const std::string message(e.message.begin(), e.message.end());
      EXPECT_NE(message.find("is outside " + range), std::string::npos) << message;
    }
  }
  thermo.detach();
}

}  // namespace

}  // namespace devices_doc_test

// docs/bridge.md describes the segment byte by byte. These tests read its
// tables and check every field they list in a live segment, so the document
// and the code cannot drift apart.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "comframe/transport/bridge.hpp"

namespace bridge_layout_doc_test {

namespace {

using namespace comframe::transport;
using namespace comframe::transport::bridge;

struct row {
  std::size_t offset;
  std::string size;  // a number, or the name of a length field
  std::string field;
};

// The cells of a Markdown table row, trimmed.
std::vector<std::string> table_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::istringstream in(line.substr(1));
  std::string cell;
  while (std::getline(in, cell, '|')) {
    const auto first = cell.find_first_not_of(' ');
    const auto last = cell.find_last_not_of(' ');
    cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
  }
  return cells;
}
bool is_number(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}
bool is_word(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

// The rows of the table that follows `heading` in docs/bridge.md.
std::vector<row> table_after(const std::string& heading) {
  std::ifstream in(std::string(COMFRAME_SOURCE_DIR) + "/docs/bridge.md");
  std::string line;
  bool found = false;
  std::vector<row> rows;
  while (std::getline(in, line)) {
    if (line == heading) {
      found = true;
      continue;
    }
    if (!found) continue;
    if (line.rfind("|", 0) != 0) {
      if (!rows.empty()) break;  // the table ended
      continue;
    }
    // "| 8 | 4 | layout_version | …": offset, size, field name
    const auto cells = table_cells(line);
    if (cells.size() >= 3 && is_number(cells[0]) && is_word(cells[1]) && is_word(cells[2]))
      rows.push_back({std::stoul(cells[0]), cells[1], cells[2]});
  }
  return rows;
}

struct mapped_segment {
  std::vector<std::uint8_t> bytes;
  explicit mapped_segment(const std::string& name) {
    const int fd = ::open(segment_path(name).c_str(), O_RDONLY);
    EXPECT_GE(fd, 0);
    struct stat st{};
    ::fstat(fd, &st);
    bytes.resize(static_cast<std::size_t>(st.st_size));
    EXPECT_EQ(::pread(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
    ::close(fd);
  }
  std::uint64_t number(std::size_t offset, std::size_t size) const {
    std::uint64_t v = 0;
    std::memcpy(&v, bytes.data() + offset, size);  // little-endian host
    return v;
  }
};

TEST(bridge_layout, every_header_field_of_the_document_holds_what_it_says) {
  const std::string name = "test-layout-" + std::to_string(::getpid());
  publisher bridge(name, {.ring_bytes = 8192, .max_record_bytes = 1000, .latest_slots = 3, .latest_value_bytes = 60,
                          .profile_bytes = 100});
  bridge.publish(direction::from_device, std::vector<std::uint8_t>(10, 0xab));
  bridge.publish(direction::to_device, std::vector<std::uint8_t>(3, 0xcd));
  EXPECT_THROW(bridge.set_latest("k", "", std::vector<std::uint8_t>(65)), comframe::usage_error);  // counted in "refused"
  const mapped_segment seg(name);
  const std::uint64_t profile_bytes = 16 + 104;  // 100 rounded up to a multiple of 8
  const std::map<std::string, std::uint64_t> expected{
      {"layout_version", 2},  {"header_bytes", 256},          {"segment_bytes", seg.bytes.size()},
      {"ring_offset", 256},   {"ring_bytes", 8192},           {"latest_offset", 256 + 8192 + profile_bytes},
      {"latest_slots", 3},    {"slot_bytes", 128 + 64},       {"max_record_bytes", 1000},
      {"pid", static_cast<std::uint64_t>(::getpid())},        {"epoch", bridge.epoch()},
      {"closed", 0},          {"notify", 2},                  {"head", 56 + 48},
      {"tail", 0},            {"profile_offset", 256 + 8192}, {"profile_bytes", profile_bytes},
      {"refused", 1}};
  EXPECT_EQ(seg.bytes.size(), 256 + 8192 + profile_bytes + 3 * (128 + 64));  // the slots end the segment
  const auto rows = table_after("### Header");
  ASSERT_EQ(rows.size(), 21u);
  std::size_t checked = 0;
  for (const auto& r : rows) {
    const std::size_t size = std::stoul(r.size);
    if (r.field == "magic") {
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(seg.bytes.data() + r.offset), size), "CFBRIDGE");
      ++checked;
    } else if (auto it = expected.find(r.field); it != expected.end()) {
      EXPECT_EQ(seg.number(r.offset, size), it->second) << r.field << " at " << r.offset;
      ++checked;
    } else if (r.field == "start_time" || r.field == "created_ns") {
      EXPECT_NE(seg.number(r.offset, size), 0u) << r.field;
      ++checked;
    }
  }
  EXPECT_EQ(checked, rows.size());
}

TEST(bridge_layout, every_record_and_slot_field_of_the_document_holds_what_it_says) {
  const std::string name = "test-layout-rec-" + std::to_string(::getpid());
  publisher bridge(name, {.ring_bytes = 8192, .max_record_bytes = 1000, .latest_slots = 2, .latest_value_bytes = 16,
                          .profile_bytes = 8});
  bridge.publish(direction::from_device, std::vector<std::uint8_t>{1, 2, 3, 4, 5}, 9, refused, frame_error::crc, 123456);
  bridge.publish(direction::to_device, std::vector<std::uint8_t>(1200, 7));  // cut at 1000
  bridge.set_latest("profile", "comframe.profile", std::string_view("{}"));
  bridge.set_profile("{\"a\":1}");
  const mapped_segment seg(name);
  const std::size_t ring = 256;
  const std::map<std::string, std::uint64_t> record_fields{
      {"size", 48}, {"length", 5}, {"sequence", 0}, {"time_ns", 123456}, {"link_id", 9},
      {"direction", 1}, {"flags", 1}, {"error", 4}, {"reserved", 0}, {"original_length", 5}};
  const std::size_t cut = ring + 48;  // the second record
  const std::map<std::string, std::uint64_t> cut_fields{
      {"size", 1040}, {"length", 1000}, {"sequence", 1}, {"link_id", 0}, {"direction", 0},
      {"flags", 2},   {"error", 0},     {"reserved", 0}, {"original_length", 1200}};
  const auto rows = table_after("### Records");
  ASSERT_EQ(rows.size(), 12u);
  for (const auto& r : rows) {
    if (r.field == "data") {
      EXPECT_EQ(std::vector<std::uint8_t>(seg.bytes.begin() + ring + r.offset, seg.bytes.begin() + ring + r.offset + 5),
                (std::vector<std::uint8_t>{1, 2, 3, 4, 5}));
      continue;
    }
    ASSERT_TRUE(record_fields.count(r.field)) << r.field;
    EXPECT_EQ(seg.number(ring + r.offset, std::stoul(r.size)), record_fields.at(r.field)) << r.field;
    if (cut_fields.count(r.field)) {
      EXPECT_EQ(seg.number(cut + r.offset, std::stoul(r.size)), cut_fields.at(r.field)) << r.field;
    }
  }
  const std::size_t profile = 256 + 8192;
  const auto profile_rows = table_after("### The profile region");
  ASSERT_EQ(profile_rows.size(), 3u);
  for (const auto& r : profile_rows) {
    if (r.field == "version") EXPECT_EQ(seg.number(profile + r.offset, 8), 2u);
    else if (r.field == "length") EXPECT_EQ(seg.number(profile + r.offset, 8), 7u);
    else if (r.field == "text") EXPECT_EQ(std::string(reinterpret_cast<const char*>(seg.bytes.data() + profile + r.offset), 7), "{\"a\":1}");
    else ADD_FAILURE() << r.field;
  }
  const std::size_t slot = 256 + 8192 + 16 + 8;
  const std::map<std::string, std::uint64_t> slot_fields{
      {"version", 2}, {"key_length", 7}, {"schema_length", 16}, {"value_length", 2}, {"reserved", 0}};
  const auto slot_rows = table_after("### Latest values");
  ASSERT_EQ(slot_rows.size(), 9u);
  for (const auto& r : slot_rows) {
    const char* at = reinterpret_cast<const char*>(seg.bytes.data() + slot + r.offset);
    if (r.field == "key") EXPECT_EQ(std::string(at, 7), "profile");
    else if (r.field == "schema") EXPECT_EQ(std::string(at, 16), "comframe.profile");
    else if (r.field == "value") EXPECT_EQ(std::string(at, 2), "{}");
    else EXPECT_EQ(seg.number(slot + r.offset, std::stoul(r.size)), slot_fields.at(r.field)) << r.field;
  }
}

}  // namespace

}  // namespace bridge_layout_doc_test

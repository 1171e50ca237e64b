// Captures: the pcapng writer and reader round trip, rotation, loss markers,
// the hexdump, and every kind of broken file giving an error with its offset.
#include "comframe/transport/capture.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

namespace capture_test {

namespace {

using namespace comframe::transport;
namespace fs = std::filesystem;

std::string temp_path(const std::string& name) {
  // One folder per process: CTest runs each test as a process of its own, in parallel.
  const auto dir = fs::path(testing::TempDir()) / ("capture_test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}
std::uint32_t get32(const std::vector<std::uint8_t>& b, std::size_t at) {
  std::uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}
void set32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) { std::memcpy(b.data() + at, &v, 4); }

struct owned_record {
  capture_record rec;
  std::vector<std::uint8_t> bytes;
};

std::vector<owned_record> read_all(const std::string& path) {
  capture_reader r(path);
  std::vector<owned_record> out;
  while (auto rec = r.next()) {
    out.push_back({*rec, {rec->bytes.begin(), rec->bytes.end()}});
    out.back().rec.bytes = {};
  }
  return out;
}

// Offsets of the blocks of a pcapng file.
std::vector<std::size_t> block_offsets(const std::vector<std::uint8_t>& b) {
  std::vector<std::size_t> at;
  for (std::size_t pos = 0; pos + 8 <= b.size(); pos += get32(b, pos + 4)) at.push_back(pos);
  return at;
}

// A small capture: a request, its reply, a refused frame and a frame after a loss.
std::string sample_capture(const std::string& name) {
  const std::string path = temp_path(name);
  auto w = open_pcapng_writer({path, 0, "/dev/pts/7"});
  const auto request = frame_bytes({1, frame_kind::request, 2, 1}, {});
  const std::vector<std::uint8_t> reply_payload = {0xe8, 0x03, 0xf6, 0xff};
  const auto reply = frame_bytes({1, frame_kind::response, 2, 1}, reply_payload);
  const std::vector<std::uint8_t> garbage = {0x05, 0x11, 0x22, 0x33, 0x44};
  w->write({{1'795'000'000'123'456'789, direction::to_device, 0, 0, std::nullopt, request}});
  w->write({{1'795'000'000'123'556'789, direction::from_device, 0, 0, std::nullopt, reply}});
  w->write({{1'795'000'000'200'000'000, direction::from_device, 0, record_flag::refused, frame_error::too_short, garbage}});
  w->write({{1'795'000'001'000'000'001, direction::from_device, 3, record_flag::truncated, std::nullopt, reply, 100}, 3});
  w->close();
  return path;
}

TEST(capture, a_pcapng_capture_reads_back_with_every_field) {
  const auto path = sample_capture("round_trip.pcapng");
  const auto got = read_all(path);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].rec.time_ns, 1'795'000'000'123'456'789u);
  EXPECT_EQ(got[0].rec.dir, direction::to_device);
  EXPECT_EQ(got[0].bytes, frame_bytes({1, frame_kind::request, 2, 1}, {}));
  EXPECT_EQ(got[0].rec.flags, 0);
  EXPECT_EQ(got[1].rec.dir, direction::from_device);
  EXPECT_EQ(got[1].bytes.size(), 14u);
  EXPECT_EQ(got[2].rec.flags, record_flag::refused);
  EXPECT_EQ(got[2].rec.error, frame_error::too_short);
  EXPECT_EQ(got[2].bytes, (std::vector<std::uint8_t>{0x05, 0x11, 0x22, 0x33, 0x44}));
  EXPECT_EQ(got[3].rec.link_id, 3);
  EXPECT_EQ(got[3].rec.lost_before, 3u);
  EXPECT_EQ(got[3].rec.flags, record_flag::truncated);
  EXPECT_EQ(got[3].rec.time_ns, 1'795'000'001'000'000'001u);
  // A cut frame keeps the length it had: the EPB's original packet length.
  EXPECT_EQ(got[3].rec.original_length, 100u);
  EXPECT_EQ(got[3].bytes.size(), 14u);
  EXPECT_EQ(got[0].rec.original_length, 10u);
}

TEST(capture, a_capture_of_a_framing_from_a_profile_names_it_in_each_links_interface) {
  const std::string path = temp_path("framed.pcapng");
  const std::string name = R"({"check":{"type":"CRC-16/MODBUS"},"delimiting":{"kind":"schema_length"}})";
  capture_writer_options o{path, 0, "/dev/pts/7"};
  o.framing = name;
  auto w = open_pcapng_writer(o);
  const std::vector<std::uint8_t> modbus = {0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD};
  w->write({{1'795'000'000'000'000'000, direction::to_device, 0, 0, std::nullopt, modbus}});
  w->write({{1'795'000'000'000'000'001, direction::to_device, 4, 0, std::nullopt, modbus}});
  w->close();
  const auto file = read_file(path);
  const std::string text(file.begin(), file.end());
  EXPECT_NE(text.find("comframe link 0 framing " + name), std::string::npos);
  EXPECT_NE(text.find("comframe link 4 framing " + name), std::string::npos);
  capture_reader r(path);
  EXPECT_EQ(r.link_framing(0), "");  // not read yet
  auto rec = r.next();
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(std::vector<std::uint8_t>(rec->bytes.begin(), rec->bytes.end()), modbus);
  EXPECT_EQ(r.link_framing(0), name);
  rec = r.next();
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->link_id, 4);
  EXPECT_EQ(r.link_framing(4), name);
  // comframe's own framing: the description as before, no name.
  const std::string plain = sample_capture("plain.pcapng");
  capture_reader p(plain);
  ASSERT_TRUE(p.next().has_value());
  EXPECT_EQ(p.link_framing(0), "");
}

TEST(capture, the_hexdump_says_how_much_of_a_truncated_frame_was_kept) {
  const std::vector<std::uint8_t> kept(14, 0x11);
  const auto text = hexdump_record({{0, direction::from_device, 0, record_flag::truncated, std::nullopt, kept, 100}});
  EXPECT_NE(text.find(" < 14 bytes truncated (14 of 100 bytes kept)\n"), std::string::npos) << text;
}

TEST(capture, the_file_is_pcapng_with_user0_nanosecond_interfaces_and_direction_flags) {
  const auto b = read_file(sample_capture("layout.pcapng"));
  const auto at = block_offsets(b);
  ASSERT_GE(at.size(), 6u);  // SHB, IDB, 3 EPBs, IDB for link 3, EPB
  EXPECT_EQ(get32(b, 0), 0x0A0D0D0Au);
  EXPECT_EQ(get32(b, 8), 0x1A2B3C4Du);
  EXPECT_EQ(get32(b, at[1]), 1u);                       // IDB
  EXPECT_EQ(b[at[1] + 8] | (b[at[1] + 9] << 8), 147);   // LINKTYPE_USER0
  EXPECT_EQ(get32(b, at[2]), 6u);                       // EPB
  EXPECT_EQ(get32(b, at[2] + 8), 0u);                   // interface 0
  // The request's epb_flags say outbound, the reply's inbound.
  const std::string text(b.begin(), b.end());
  const std::vector<std::uint8_t> outbound = {2, 0, 4, 0, 2, 0, 0, 0}, inbound = {2, 0, 4, 0, 1, 0, 0, 0};
  const auto find = [&](std::size_t from, std::size_t to, const std::vector<std::uint8_t>& what) {
    return std::search(b.begin() + static_cast<std::ptrdiff_t>(from), b.begin() + static_cast<std::ptrdiff_t>(to),
                       what.begin(), what.end()) != b.begin() + static_cast<std::ptrdiff_t>(to);
  };
  EXPECT_TRUE(find(at[2], at[3], outbound));
  EXPECT_TRUE(find(at[3], at[4], inbound));
  EXPECT_TRUE(find(at[1], at[2], {9, 0, 1, 0, 9, 0, 0, 0}));  // if_tsresol 9: nanoseconds
  EXPECT_NE(text.find("comframe link 3"), std::string::npos);
  EXPECT_NE(text.find("refused by the receiver (too_short)"), std::string::npos);
}

TEST(capture, a_loss_is_an_epb_dropcount_and_a_comment_on_the_next_frame) {
  const auto path = sample_capture("loss.pcapng");
  capture_reader r(path);
  std::vector<std::string> comments_of_last;
  std::uint64_t lost = 0;
  while (auto rec = r.next()) {
    lost += rec->lost_before;
    comments_of_last = r.comments();
  }
  EXPECT_EQ(lost, 3u);
  ASSERT_FALSE(comments_of_last.empty());
  EXPECT_EQ(comments_of_last[0], "3 frames lost before this one");
}

// The sample capture rewritten as a big-endian section, field by field.
std::vector<std::uint8_t> to_big_endian(std::vector<std::uint8_t> b) {
  auto swap = [&](std::size_t at, std::size_t n) { std::reverse(b.begin() + static_cast<std::ptrdiff_t>(at),
                                                                b.begin() + static_cast<std::ptrdiff_t>(at + n)); };
  auto options = [&](std::size_t pos, std::size_t end, bool packet) {
    while (pos + 4 <= end) {
      const std::uint16_t code = static_cast<std::uint16_t>(b[pos] | (b[pos + 1] << 8));
      const std::uint16_t len = static_cast<std::uint16_t>(b[pos + 2] | (b[pos + 3] << 8));
      swap(pos, 2);
      swap(pos + 2, 2);
      if (code == 0) break;
      if (packet && (code == 2 || code == 4)) swap(pos + 4, len);  // epb_flags u32, epb_dropcount u64
      pos += 4 + ((len + 3u) & ~3u);
    }
  };
  for (std::size_t at : block_offsets(b)) {
    const std::uint32_t type = get32(b, at), length = get32(b, at + 4);
    if (type == 0x0A0D0D0A) {
      swap(at + 8, 4);
      swap(at + 12, 2);
      swap(at + 14, 2);
      swap(at + 16, 8);
      options(at + 24, at + length - 4, false);
    } else if (type == 1) {
      swap(at + 8, 2);
      swap(at + 10, 2);
      swap(at + 12, 4);
      options(at + 16, at + length - 4, false);
    } else if (type == 6) {
      const std::uint32_t captured = get32(b, at + 20);
      for (std::size_t f = 8; f < 28; f += 4) swap(at + f, 4);
      options(at + 28 + ((captured + 3u) & ~3u), at + length - 4, true);
    }
    swap(at, 4);
    swap(at + 4, 4);
    swap(at + length - 4, 4);
  }
  return b;
}

TEST(capture, a_note_on_a_record_is_a_comment_in_pcapng_and_a_line_in_the_hexdump) {
  const std::string path = temp_path("note.pcapng");
  auto w = open_pcapng_writer({path, 0, ""});
  const auto request = frame_bytes({1, frame_kind::request, 2, 1}, {});
  w->write({{5, direction::to_device, 0, 0, std::nullopt, request}, 0, "publisher_restarted: pid 9"});
  w->close();
  capture_reader r(path);
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.comments(), std::vector<std::string>{"publisher_restarted: pid 9"});
  EXPECT_EQ(hexdump_record({{5, direction::to_device, 0, 0, std::nullopt, request}, 0, "gap"}).rfind("# gap\n", 0), 0u);
}

TEST(capture, a_big_endian_section_reads_the_same) {
  const auto path = sample_capture("le.pcapng");
  const auto le = read_all(path);
  const std::string be_path = temp_path("be.pcapng");
  write_file(be_path, to_big_endian(read_file(path)));
  const auto be = read_all(be_path);
  ASSERT_EQ(be.size(), le.size());
  for (std::size_t i = 0; i < be.size(); ++i) {
    EXPECT_EQ(be[i].bytes, le[i].bytes) << i;
    EXPECT_EQ(be[i].rec.time_ns, le[i].rec.time_ns) << i;
    EXPECT_EQ(be[i].rec.dir, le[i].rec.dir) << i;
    EXPECT_EQ(be[i].rec.lost_before, le[i].rec.lost_before) << i;
    EXPECT_EQ(be[i].rec.link_id, le[i].rec.link_id) << i;
    EXPECT_EQ(be[i].rec.flags, le[i].rec.flags) << i;
  }
}

TEST(capture, rotation_starts_new_complete_files_by_size) {
  const std::string path = temp_path("rot.pcapng");
  for (std::size_t i = 0; i < 20; ++i) fs::remove(rotated_path(path, i));
  auto w = open_pcapng_writer({path, 400, "loop"});
  const std::vector<std::uint8_t> payload(40, 0x55);
  std::vector<std::vector<std::uint8_t>> written;
  for (std::uint16_t i = 0; i < 12; ++i) {
    written.push_back(frame_bytes({1, frame_kind::request, 1, i}, payload));
    w->write({{1000u + i, direction::to_device, 0, 0, std::nullopt, written.back()}});
  }
  w->close();
  ASSERT_GT(w->files().size(), 2u);
  EXPECT_EQ(w->files()[0], path);
  EXPECT_EQ(w->files()[1], temp_path("rot.1.pcapng"));
  std::size_t total = 0;
  for (const auto& f : w->files()) {
    EXPECT_LE(fs::file_size(f), 400u) << f;
    for (const auto& rec : read_all(f)) EXPECT_EQ(rec.bytes, written[total++]);
  }
  EXPECT_EQ(total, 12u);
}

TEST(capture, a_record_larger_than_the_rotation_size_still_gets_a_file) {
  const std::string path = temp_path("big.pcapng");
  auto w = open_pcapng_writer({path, 1024, ""});
  const std::vector<std::uint8_t> payload(3000, 1);
  const auto f = frame_bytes({1, frame_kind::event, 9, 0}, payload);
  w->write({{1, direction::from_device, 0, 0, std::nullopt, f}});
  w->write({{2, direction::from_device, 0, 0, std::nullopt, f}});
  w->close();
  ASSERT_EQ(w->files().size(), 2u);
  EXPECT_EQ(read_all(w->files()[1]).size(), 1u);
}

TEST(capture, an_opened_capture_without_frames_is_a_valid_empty_file) {
  const std::string path = temp_path("empty.pcapng");
  auto w = open_pcapng_writer({path, 0, "nothing"});
  w->open();
  w->close();
  EXPECT_EQ(w->files(), std::vector<std::string>{path});
  EXPECT_TRUE(read_all(path).empty());
}

TEST(capture, rotated_names_put_the_index_before_the_extension) {
  EXPECT_EQ(rotated_path("cap.pcapng", 0), "cap.pcapng");
  EXPECT_EQ(rotated_path("cap.pcapng", 3), "cap.3.pcapng");
  EXPECT_EQ(rotated_path("dir.x/log", 2), "dir.x/log.2");
  EXPECT_EQ(rotated_path(".hidden", 1), ".hidden.1");
}

TEST(capture, the_hexdump_has_direction_markers_microseconds_and_loss_lines) {
  const auto request = frame_bytes({1, frame_kind::request, 2, 1}, {});
  const std::string text =
      hexdump_record({{1'795'000'000'123'456'789, direction::to_device, 0, 0, std::nullopt, request}, 2});
  EXPECT_EQ(text,
            "# 2 frames lost here\n"
            "2026-11-18T11:06:40.123456Z > 10 bytes\n"
            "  0000  01 00 02 00 01 00 65 ac  df 14                    |......e...|\n");
  const std::vector<std::uint8_t> raw = {0x05, 0x11};
  EXPECT_EQ(hexdump_record({{0, direction::from_device, 0, record_flag::refused, frame_error::crc, raw}}),
            "1970-01-01T00:00:00.000000Z < 2 bytes refused (crc), raw COBS bytes\n"
            "  0000  05 11                                             |..|\n");
}

TEST(capture, the_hexdump_and_line_writers_write_a_header_and_a_block_per_frame) {
  const std::string path = temp_path("dump.hex");
  auto w = open_hexdump_writer({path, 0, "/dev/pts/9"});
  const auto request = frame_bytes({1, frame_kind::request, 2, 1}, {});
  w->write({{0, direction::to_device, 0, 0, std::nullopt, request}});
  w->close();
  const auto b = read_file(path);
  const std::string text(b.begin(), b.end());
  EXPECT_EQ(text.rfind("# comframe hexdump of /dev/pts/9", 0), 0u);
  EXPECT_NE(text.find(" > 10 bytes\n  0000  01 00 02 00"), std::string::npos);

  const std::string lines = temp_path("lines.jsonl");
  auto l = open_lines_writer({lines, 0, ""}, [](const capture_record& r) { return std::to_string(r.bytes.size()); });
  l->write({{0, direction::to_device, 0, 0, std::nullopt, request}});
  l->write({{0, direction::to_device, 0, 0, std::nullopt, request}});
  l->close();
  const auto lb = read_file(lines);
  EXPECT_EQ(std::string(lb.begin(), lb.end()), "10\n10\n");
}

TEST(capture, a_writer_reports_a_file_it_cannot_create) {
  auto w = open_pcapng_writer({"/nonexistent-dir/cap.pcapng", 0, ""});
  try {
    w->open();
    FAIL() << "no error";
  } catch (const capture_error& e) {
    EXPECT_EQ(e.id(), "transport.capture");
    EXPECT_EQ(e.file(), "/nonexistent-dir/cap.pcapng");
    EXPECT_NE(e.detail().find("cannot create"), std::string::npos);
  }
}

// The error reading `bytes` as a capture, or "" if it reads cleanly.
std::string read_error(const std::vector<std::uint8_t>& bytes, std::optional<std::uint64_t>* offset = nullptr) {
  const std::string path = temp_path("broken.pcapng");
  write_file(path, bytes);
  try {
    capture_reader r(path);
    while (r.next()) {
    }
  } catch (const capture_error& e) {
    if (offset) *offset = e.offset();
    return e.detail();
  }
  return "";
}

struct broken_capture : ::testing::Test {
  std::vector<std::uint8_t> good = read_file(sample_capture("good.pcapng"));
  std::vector<std::size_t> at = block_offsets(good);
  std::optional<std::uint64_t> offset;
};

TEST_F(broken_capture, a_block_length_not_a_multiple_of_four_is_named_at_its_offset) {
  set32(good, at[1] + 4, 27);
  EXPECT_EQ(read_error(good, &offset), "block total length 27 is not a multiple of 4");
  EXPECT_EQ(offset, at[1] + 4);
}

TEST_F(broken_capture, a_huge_block_length_is_refused_before_reading_it) {
  set32(good, at[2] + 4, 0xFFFFFFF0u);
  EXPECT_NE(read_error(good, &offset).find("is over the limit"), std::string::npos);
  EXPECT_EQ(offset, at[2] + 4);
}

// A block that claims 16 MiB, the most a reader accepts, in a file far
// shorter: refused by the file's size before any buffer is sized for it (the
// old reader allocated the 16 MiB, then found the file's end).
TEST_F(broken_capture, a_block_claiming_more_than_the_file_holds_is_refused_before_it_is_allocated) {
  good.resize(at[2] + 40);
  const std::uint32_t claim = std::uint32_t{16} << 20;
  set32(good, at[2] + 4, claim);
  EXPECT_EQ(read_error(good, &offset), "an enhanced packet block (type 6) claims 16777216 bytes, but the file has only " +
                                           std::to_string(good.size() - at[2]) + " bytes from its start");
  EXPECT_EQ(offset, at[2] + 4);
  // The same claim on the first block, the section header, in a 32-byte file.
  std::vector<std::uint8_t> tiny(good.begin(), good.begin() + 32);
  set32(tiny, 4, claim);
  EXPECT_EQ(read_error(tiny, &offset),
            "a section header block (type 0x0a0d0d0a) claims 16777216 bytes, but the file has only 32 bytes from its start");
  EXPECT_EQ(offset, 4u);
}

TEST_F(broken_capture, a_trailing_length_that_differs_is_an_error) {
  const std::size_t end = at[2] + get32(good, at[2] + 4);
  set32(good, end - 4, 12);
  EXPECT_EQ(read_error(good, &offset), "the trailing block length 12 differs from the leading one, " +
                                           std::to_string(get32(good, at[2] + 4)));
  EXPECT_EQ(offset, end - 4);
}

TEST_F(broken_capture, a_packet_of_an_undescribed_interface_is_an_error) {
  set32(good, at[2] + 8, 5);
  EXPECT_EQ(read_error(good, &offset), "packet of interface 5, but the section describes 1");
  EXPECT_EQ(offset, at[2] + 8);
}

TEST_F(broken_capture, a_captured_length_past_its_block_is_an_error) {
  set32(good, at[2] + 20, 100000);
  EXPECT_NE(read_error(good, &offset).find("captured length 100000 runs past the end of its block"), std::string::npos);
  EXPECT_EQ(offset, at[2] + 20);
}

TEST_F(broken_capture, an_option_running_past_its_block_is_an_error) {
  // The request's first option (epb_flags) follows its 12 bytes of data at block byte 40.
  good[at[2] + 40 + 2] = 0xff;
  EXPECT_NE(read_error(good, &offset).find("runs past the end of its block"), std::string::npos);
  EXPECT_EQ(offset, at[2] + 40 + 2);
}

TEST_F(broken_capture, a_packet_of_another_link_type_is_refused) {
  good[at[1] + 8] = 1;  // Ethernet
  EXPECT_EQ(read_error(good, &offset), "packet of interface 0 with link type 1, not LINKTYPE_USER0 (147) of comframe");
}

TEST_F(broken_capture, a_cut_anywhere_gives_an_error_with_an_offset_or_ends_at_a_block) {
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    const std::vector<std::uint8_t> part(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
    offset.reset();
    const auto err = read_error(part, &offset);
    const bool at_block = std::find(at.begin(), at.end(), cut) != at.end() && cut > 0;
    if (at_block) {
      EXPECT_EQ(err, "") << "cut at " << cut;
    } else {
      EXPECT_NE(err, "") << "cut at " << cut;
      ASSERT_TRUE(offset.has_value()) << "cut at " << cut;
      EXPECT_LE(*offset, cut) << err;
    }
  }
}

TEST_F(broken_capture, files_that_are_not_pcapng_say_so) {
  EXPECT_EQ(read_error({}), "empty file: not a pcapng capture");
  EXPECT_EQ(read_error({0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0}),
            "a classic pcap file, not pcapng (comframe reads pcapng)");
  EXPECT_EQ(read_error({'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n'}),
            "not a pcapng file: it does not start with a section header block");
  good[8] = 0;  // byte-order magic
  EXPECT_EQ(read_error(good, &offset), "bad byte-order magic in the section header block");
  EXPECT_EQ(offset, 8u);
}

TEST(capture, a_directory_given_as_a_capture_is_a_read_error) {
  const std::string dir = temp_path("a-directory");
  std::filesystem::create_directories(dir);
  try {
    capture_reader r(dir);
    FAIL() << "no error";
  } catch (const capture_error& e) {
    EXPECT_EQ(e.file(), dir);
    EXPECT_EQ(e.detail(), "cannot read: Is a directory");
  }
}

TEST_F(broken_capture, random_corruption_gives_errors_never_a_crash) {
  std::mt19937 rng(7);
  std::size_t errors = 0;
  for (int i = 0; i < 500; ++i) {
    auto bad = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) bad[rng() % bad.size()] = static_cast<std::uint8_t>(rng());
    if (!read_error(bad).empty()) ++errors;
  }
  EXPECT_GT(errors, 25u);  // most flips land in data bytes and read fine; structure flips are caught
}

TEST(capture, a_missing_file_is_named_with_the_os_error) {
  try {
    capture_reader r(temp_path("does-not-exist.pcapng"));
    FAIL() << "no error";
  } catch (const capture_error& e) {
    EXPECT_NE(std::string(e.what()).find("does-not-exist.pcapng: cannot open: No such file or directory"),
              std::string::npos);
  }
}

}  // namespace

}  // namespace capture_test

// Frame encoder and streaming decoder: layout, round trips, every error kind and resync.
#include "comframe/transport/frame.hpp"
#include "comframe/transport/frame_parse.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "comframe/transport/cobs.hpp"
#include "comframe/transport/crc32c.hpp"
#include "comframe/transport/frame_header_codec.hpp"

namespace frame_test {

namespace {

using namespace comframe::transport;
using bytes = std::vector<std::uint8_t>;

std::string hex(std::span<const std::uint8_t> b) {
  std::string s;
  for (auto x : b) {
    char buf[4];
    std::snprintf(buf, sizeof buf, s.empty() ? "%02x" : " %02x", x);
    s += buf;
  }
  return s;
}

bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// COBS-encodes arbitrary bytes as one frame on the wire (for frames encode_frame cannot make).
bytes wire_of_raw(const bytes& raw) {
  bytes out(cobs_max_encoded_size(raw.size()));
  out.resize(cobs_encode(raw, out));
  out.push_back(0x00);
  return out;
}

// A frame before COBS with a correct CRC: header bytes as given, then payload.
bytes raw_frame(const bytes& header_and_payload) {
  bytes raw = header_and_payload;
  const std::uint32_t crc = crc32c(raw);
  for (int i = 0; i < 4; ++i) raw.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
  return raw;
}

struct received {
  frame_header header;
  bytes payload;
  friend bool operator==(const received&, const received&) = default;
};

struct refused {
  frame_error error;
  bytes raw;
};

// Collects what a decoder delivers.
struct sink {
  frame_decoder decoder;
  std::vector<received> frames;
  std::vector<refused> errors;

  explicit sink(std::size_t max_payload_size = default_max_payload_size) : decoder(max_payload_size) {}

  void feed(std::span<const std::uint8_t> data) {
    decoder.feed(
        data, [&](const frame_view& f) { frames.push_back({f.header, bytes(f.payload.begin(), f.payload.end())}); },
        [&](frame_error e, std::span<const std::uint8_t> raw) { errors.push_back({e, bytes(raw.begin(), raw.end())}); });
  }
  void feed_bytewise(std::span<const std::uint8_t> data) {
    for (std::size_t i = 0; i < data.size(); ++i) feed(data.subspan(i, 1));
  }
};

const frame_header header_a{1, frame_kind::request, 0x1234, 0xBEEF};
const bytes payload_a = {0x00, 0x11, 0x00, 0x00, 0x22};
const frame_header header_b{1, frame_kind::event, 7, 8};
const bytes payload_b = {0xAA, 0xBB};

// ---- layout ------------------------------------------------------------------

TEST(frame, header_encodes_through_the_core_codec_as_six_little_endian_bytes) {
  const frame_header h{1, frame_kind::error, 0x0102, 0xA0B0};
  EXPECT_EQ(comframe::core::encode(h, header_endian), (bytes{0x01, 0x03, 0x02, 0x01, 0xB0, 0xA0}));
  EXPECT_EQ(comframe::core::min_size<frame_header>(), header_size_bytes);
}

TEST(frame, encoded_frame_is_cobs_of_header_payload_and_little_endian_crc_then_one_zero) {
  const bytes wire = encode_frame(header_a, payload_a);
  ASSERT_FALSE(wire.empty());
  EXPECT_EQ(wire.back(), 0x00);
  EXPECT_EQ(std::count(wire.begin(), wire.end(), 0x00), 1);
  EXPECT_EQ(wire, wire_of_raw(raw_frame(cat({{0x01, 0x00, 0x34, 0x12, 0xEF, 0xBE}, payload_a}))));
  EXPECT_LE(wire.size(), max_encoded_frame_size(payload_a.size()));
}

// The worked example of docs/protocol.md; the document shows exactly these bytes.
TEST(frame, worked_example_of_the_protocol_document_has_exactly_these_bytes) {
  const frame_header request{1, frame_kind::request, 0x0002, 0x0001};
  EXPECT_EQ(hex(comframe::core::encode(request, header_endian)), "01 00 02 00 01 00");
  EXPECT_EQ(crc32c(comframe::core::encode(request, header_endian)), 0x14DFAC65u);
  EXPECT_EQ(hex(encode_frame(request, {})), "02 01 02 02 02 01 05 65 ac df 14 00");

  const frame_header response{1, frame_kind::response, 0x0002, 0x0001};
  const bytes payload = {0xE8, 0x03, 0xF6, 0xFF};  // i16 1000, i16 -10, little-endian
  const bytes before_cobs = cat({comframe::core::encode(response, header_endian), payload});
  EXPECT_EQ(hex(before_cobs), "01 01 02 00 01 00 e8 03 f6 ff");
  EXPECT_EQ(crc32c(before_cobs), 0x139CC10Au);
  EXPECT_EQ(hex(encode_frame(response, payload)), "04 01 01 02 02 01 09 e8 03 f6 ff 0a c1 9c 13 00");

  sink s;
  s.feed(encode_frame(request, {}));
  s.feed(encode_frame(response, payload));
  ASSERT_EQ(s.frames.size(), 2u);
  EXPECT_EQ(s.frames[0], (received{request, {}}));
  EXPECT_EQ(s.frames[1], (received{response, payload}));
}

// Every line of the worked example's block in docs/protocol.md, as the code makes it.
TEST(frame, worked_example_in_docs_protocol_md_matches_the_code_line_by_line) {
  std::map<std::string, std::string> expected;
  const bytes payloads[] = {{}, {0xE8, 0x03, 0xF6, 0xFF}};
  const char* names[] = {"request", "response"};
  for (int i = 0; i < 2; ++i) {
    const frame_header h{1, i == 0 ? frame_kind::request : frame_kind::response, 0x0002, 0x0001};
    const bytes head = comframe::core::encode(h, header_endian);
    const bytes before_cobs = raw_frame(cat({head, payloads[i]}));
    const bytes wire = encode_frame(h, payloads[i]);
    const std::string who = names[i];
    expected[who + " header"] = hex(head);
    expected[who + " payload"] = payloads[i].empty() ? "-" : hex(payloads[i]);
    expected[who + " crc"] = hex(std::span<const std::uint8_t>(before_cobs).last(4));
    expected[who + " before_cobs"] = hex(before_cobs);
    expected[who + " cobs"] = hex(std::span<const std::uint8_t>(wire).first(wire.size() - 1));
    expected[who + " on_wire"] = hex(wire);
  }

  const auto doc_path = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "docs" / "protocol.md";
  std::ifstream doc(doc_path);
  ASSERT_TRUE(doc) << "cannot read " << doc_path;
  std::string line;
  while (std::getline(doc, line) && line.find("<!-- checked by tests/transport/frame_test.cpp") == std::string::npos) {
  }
  ASSERT_TRUE(std::getline(doc, line) && line.rfind("```", 0) == 0) << "the example block follows the marker";
  std::map<std::string, std::string> documented;
  while (std::getline(doc, line) && line.rfind("```", 0) != 0) {
    std::istringstream in(line);
    std::string who, step, byte, value;
    in >> who >> step;
    while (in >> byte) value += (value.empty() ? "" : " ") + byte;
    documented[who + " " + step] = value;
  }
  EXPECT_EQ(documented, expected);
}

TEST(frame, crc_check_value_of_the_protocol_is_crc32c) {
  const std::string_view check = "123456789";
  EXPECT_EQ(crc32c({reinterpret_cast<const std::uint8_t*>(check.data()), check.size()}), 0xE3069283u);
}

TEST(frame, names_of_kinds_and_errors_read_as_in_the_protocol_document) {
  EXPECT_EQ(to_string(frame_kind::request), "request");
  EXPECT_EQ(to_string(frame_kind::response), "response");
  EXPECT_EQ(to_string(frame_kind::event), "event");
  EXPECT_EQ(to_string(frame_kind::error), "error");
  EXPECT_EQ(to_string(static_cast<frame_kind>(9)), "unknown");
  EXPECT_EQ(to_string(frame_error::cobs), "cobs");
  EXPECT_EQ(to_string(frame_error::too_short), "too_short");
  EXPECT_EQ(to_string(frame_error::oversize), "oversize");
  EXPECT_EQ(to_string(frame_error::crc), "crc");
  EXPECT_EQ(to_string(frame_error::bad_version), "bad_version");
  EXPECT_EQ(to_string(frame_error::bad_kind), "bad_kind");
}

// The example of frame.hpp's header comment, as written there.
TEST(frame, example_of_the_public_header_works_as_shown) {
  const bytes payload = {0x10, 0x00, 0x20};
  frame_header h{.kind = frame_kind::request, .command = 2, .sequence = 1};
  std::vector<std::uint8_t> wire = encode_frame(h, payload);  // ends with 0x00
  EXPECT_EQ(wire.back(), 0x00);

  frame_decoder decoder;
  std::vector<received> got;
  auto handle = [&](const frame_header& header, std::span<const std::uint8_t> p) {
    got.push_back({header, bytes(p.begin(), p.end())});
  };
  for (std::size_t i = 0; i < wire.size(); i += 2) {
    const auto chunk = std::span<const std::uint8_t>(wire).subspan(i, std::min<std::size_t>(2, wire.size() - i));
    decoder.feed(chunk, [&](const frame_view& f) { handle(f.header, f.payload); });
  }
  EXPECT_EQ(got, (std::vector<received>{{h, payload}}));
  EXPECT_EQ(decoder.stats().crc_errors, 0u);
  EXPECT_EQ(h.version, protocol_version);
}

// ---- encoder -----------------------------------------------------------------

TEST(frame, encode_into_a_buffer_refuses_one_below_the_maximum_and_writes_nothing) {
  bytes out(max_encoded_frame_size(payload_a.size()) - 1, 0xEE);
  try {
    encode_frame(header_a, payload_a, out);
    FAIL() << "no exception";
  } catch (const comframe::usage_error& e) {
    EXPECT_EQ(e.id(), "transport.usage");
  }
  EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](auto b) { return b == 0xEE; }));
}

TEST(frame, encode_into_a_buffer_returns_the_bytes_written_with_the_delimiter) {
  bytes out(max_encoded_frame_size(payload_a.size()));
  const std::size_t n = encode_frame(header_a, payload_a, out);
  EXPECT_EQ(bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)), encode_frame(header_a, payload_a));
}

TEST(frame, frame_encoder_reuses_its_buffer_and_refuses_payloads_over_its_maximum) {
  frame_encoder enc(8);
  const auto first = enc.encode(header_a, payload_a);
  EXPECT_EQ(bytes(first.begin(), first.end()), encode_frame(header_a, payload_a));
  const auto second = enc.encode(header_b, bytes(8, 0x00));
  EXPECT_EQ(second.data(), first.data());
  EXPECT_EQ(bytes(second.begin(), second.end()), encode_frame(header_b, bytes(8, 0x00)));
  try {
    enc.encode(header_a, bytes(9, 0x01));
    FAIL() << "no exception";
  } catch (const comframe::usage_error& e) {
    EXPECT_EQ(e.id(), "transport.usage");
  }
}

TEST(frame, encoder_and_decoder_refuse_a_maximum_payload_over_the_supported_one) {
  EXPECT_THROW(frame_encoder{max_supported_payload_size + 1}, comframe::usage_error);
  EXPECT_THROW(frame_decoder{max_supported_payload_size + 1}, comframe::usage_error);
  EXPECT_THROW(frame_decoder{static_cast<std::size_t>(-1)}, comframe::usage_error);
  EXPECT_NO_THROW(frame_decoder{0});
}

TEST(frame, decoder_with_a_zero_maximum_accepts_only_empty_payloads) {
  sink s(0);
  s.feed(cat({encode_frame(header_a, {}), encode_frame(header_a, bytes{0x01}), encode_frame(header_b, {})}));
  EXPECT_EQ(s.frames, (std::vector<received>{{header_a, {}}, {header_b, {}}}));
  EXPECT_EQ(s.decoder.stats().oversize, 1u);
}

// ---- decoder: good frames ----------------------------------------------------

TEST(frame, decoder_delivers_a_frame_with_its_header_payload_and_bytes) {
  frame_decoder decoder;
  const bytes wire = encode_frame(header_a, payload_a);
  int calls = 0;
  decoder.feed(wire, [&](const frame_view& f) {
    ++calls;
    EXPECT_EQ(f.header, header_a);
    EXPECT_EQ(bytes(f.payload.begin(), f.payload.end()), payload_a);
    EXPECT_EQ(bytes(f.bytes.begin(), f.bytes.end()), raw_frame(cat({{0x01, 0x00, 0x34, 0x12, 0xEF, 0xBE}, payload_a})));
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(decoder.stats().frames, 1u);
  EXPECT_EQ(decoder.stats().bytes, wire.size());
  EXPECT_EQ(decoder.stats().errors(), 0u);
}

TEST(frame, decoder_round_trips_every_kind_and_payload_size_up_to_the_maximum) {
  std::mt19937 rng(11);
  bytes stream;
  std::vector<received> sent;
  for (std::size_t n = 0; n <= 600; n += (n < 300 ? 1 : 37)) {
    received r{{1, static_cast<frame_kind>(n % 4), static_cast<std::uint16_t>(n * 3), static_cast<std::uint16_t>(n)},
               bytes(n)};
    for (auto& b : r.payload) b = (rng() % 3 == 0) ? 0 : static_cast<std::uint8_t>(rng());
    const bytes wire = encode_frame(r.header, r.payload);
    stream.insert(stream.end(), wire.begin(), wire.end());
    sent.push_back(std::move(r));
  }
  sink whole(600), bytewise(600);
  whole.feed(stream);
  bytewise.feed_bytewise(stream);
  EXPECT_EQ(whole.frames, sent);
  EXPECT_EQ(bytewise.frames, sent);
  EXPECT_EQ(whole.decoder.stats(), bytewise.decoder.stats());
  EXPECT_EQ(whole.decoder.stats().errors(), 0u);
}

TEST(frame, decoder_accepts_a_payload_of_exactly_the_maximum) {
  sink s(64);
  s.feed(encode_frame(header_a, bytes(64, 0x00)));
  s.feed(encode_frame(header_a, bytes(64, 0x7F)));
  EXPECT_EQ(s.decoder.stats().frames, 2u);
  EXPECT_EQ(s.decoder.stats().errors(), 0u);
}

TEST(frame, decoder_ignores_empty_frames_and_counts_them_apart_from_errors) {
  sink s;
  const bytes wire = cat({{0x00, 0x00}, encode_frame(header_a, payload_a), {0x00}, encode_frame(header_b, payload_b)});
  s.feed(wire);
  EXPECT_EQ(s.frames, (std::vector<received>{{header_a, payload_a}, {header_b, payload_b}}));
  EXPECT_EQ(s.decoder.stats().empty_frames, 3u);
  EXPECT_EQ(s.decoder.stats().errors(), 0u);
  EXPECT_TRUE(s.errors.empty());
}

TEST(frame, decoder_counts_every_byte_fed) {
  sink s;
  const bytes wire = cat({{0x05, 0x06, 0x00, 0x00}, encode_frame(header_a, payload_a), {0x01, 0x02}});
  s.feed(wire);
  EXPECT_EQ(s.decoder.stats().bytes, wire.size());
  EXPECT_EQ(s.decoder.buffered_bytes(), 2u);
}

// ---- decoder: each error kind, then the next frame intact --------------------

// Feeds good frame A, the broken bytes (which end with their 0x00), then good
// frame B, all at once and one byte at a time; checks both good frames arrive,
// exactly one error of `kind` is counted and reported with these raw bytes.
void expect_refused_then_resync(const bytes& broken, frame_error kind, std::size_t max_payload_size = 4096) {
  const bytes stream = cat({encode_frame(header_a, payload_a), broken, encode_frame(header_b, payload_b)});
  const std::vector<received> expected = {{header_a, payload_a}, {header_b, payload_b}};
  for (bool bytewise : {false, true}) {
    SCOPED_TRACE(bytewise ? "fed one byte at a time" : "fed at once");
    sink s(max_payload_size);
    if (bytewise) s.feed_bytewise(stream);
    else s.feed(stream);
    EXPECT_EQ(s.frames, expected);
    EXPECT_EQ(s.decoder.stats().errors(), 1u);
    ASSERT_EQ(s.errors.size(), 1u);
    EXPECT_EQ(s.errors[0].error, kind) << to_string(s.errors[0].error);
    const decoder_stats& st = s.decoder.stats();
    const std::uint64_t counter = kind == frame_error::cobs        ? st.cobs_errors
                                  : kind == frame_error::too_short ? st.too_short
                                  : kind == frame_error::oversize  ? st.oversize
                                  : kind == frame_error::crc       ? st.crc_errors
                                  : kind == frame_error::bad_version ? st.bad_version
                                                                     : st.bad_kind;
    EXPECT_EQ(counter, 1u);
    if (kind != frame_error::oversize) {
      EXPECT_EQ(s.errors[0].raw, bytes(broken.begin(), broken.end() - 1)) << "raw bytes without the 0x00";
    }
  }
}

TEST(frame, decoder_counts_a_cobs_error_and_resynchronises) {
  expect_refused_then_resync({0x05, 0x11, 0x22, 0x00}, frame_error::cobs);
}

TEST(frame, decoder_counts_a_bad_crc_and_resynchronises) {
  bytes raw = raw_frame(cat({{0x01, 0x00, 0x02, 0x00, 0x03, 0x00}, {0x10, 0x20}}));
  raw[6] ^= 0x40;  // a payload bit flipped after the CRC was computed
  expect_refused_then_resync(wire_of_raw(raw), frame_error::crc);
}

TEST(frame, decoder_counts_a_flipped_crc_byte_as_a_bad_crc) {
  bytes raw = raw_frame({0x01, 0x02, 0x02, 0x00, 0x03, 0x00});
  raw.back() ^= 0x01;
  expect_refused_then_resync(wire_of_raw(raw), frame_error::crc);
}

TEST(frame, decoder_counts_a_too_short_frame_and_resynchronises) {
  expect_refused_then_resync(wire_of_raw({0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x11, 0x22, 0x33}),
                             frame_error::too_short);
  expect_refused_then_resync({0x01, 0x00}, frame_error::too_short);  // a lone 0x01: one zero-length frame
}

TEST(frame, decoder_counts_an_unknown_protocol_version_and_resynchronises) {
  expect_refused_then_resync(encode_frame({2, frame_kind::request, 1, 1}, payload_b), frame_error::bad_version);
  expect_refused_then_resync(encode_frame({0, frame_kind::request, 1, 1}, payload_b), frame_error::bad_version);
}

TEST(frame, decoder_counts_an_unknown_kind_and_resynchronises) {
  expect_refused_then_resync(encode_frame({1, static_cast<frame_kind>(4), 1, 1}, payload_b), frame_error::bad_kind);
  expect_refused_then_resync(encode_frame({1, static_cast<frame_kind>(0xFF), 1, 1}, {}), frame_error::bad_kind);
}

TEST(frame, decoder_counts_a_payload_over_its_maximum_as_oversize_and_resynchronises) {
  expect_refused_then_resync(encode_frame(header_a, bytes(17, 0x42)), frame_error::oversize, 16);
}

TEST(frame, decoder_counts_a_frame_that_only_decodes_over_its_maximum_as_oversize) {
  // 301 zero bytes of payload: the COBS bytes fit the buffer, the decoded frame does not.
  const bytes wire = encode_frame(header_a, bytes(301, 0x00));
  ASSERT_LE(wire.size() - 1, max_encoded_frame_size(300) - 1);
  expect_refused_then_resync(wire, frame_error::oversize, 300);
}

TEST(frame, decoder_drops_a_long_run_without_zero_as_one_oversize_frame_without_buffering_it) {
  sink s(16);
  s.feed(encode_frame(header_a, payload_a));
  const bytes junk(1000, 0x5A);
  std::size_t most_buffered = 0;
  for (int i = 0; i < 100; ++i) {  // 100 kB with no 0x00
    s.feed(junk);
    most_buffered = std::max(most_buffered, s.decoder.buffered_bytes());
  }
  s.feed(bytes{0x00});
  s.feed(encode_frame(header_b, payload_b));
  EXPECT_EQ(s.frames, (std::vector<received>{{header_a, payload_a}, {header_b, payload_b}}));
  EXPECT_LE(most_buffered, max_encoded_frame_size(16) - 1);
  EXPECT_EQ(s.decoder.stats().oversize, 1u);
  EXPECT_EQ(s.decoder.stats().errors(), 1u);
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0].raw, bytes(max_encoded_frame_size(16) - 1, 0x5A)) << "the first bytes, as many as buffered";
}

TEST(frame, decoder_refuses_garbage_ending_in_zero_and_keeps_the_next_frame) {
  sink s;
  const bytes garbage = {0x13, 0x37, 0xC0, 0xFF, 0xEE, 0x00, 0x99, 0x98, 0x97, 0x00};
  s.feed(cat({encode_frame(header_a, payload_a), garbage, encode_frame(header_b, payload_b)}));
  EXPECT_EQ(s.frames, (std::vector<received>{{header_a, payload_a}, {header_b, payload_b}}));
  EXPECT_EQ(s.decoder.stats().errors(), 2u);
  EXPECT_EQ(s.errors.size(), 2u);
}

TEST(frame, decoder_refuses_a_truncated_frame_and_keeps_the_next_frame) {
  const bytes whole = encode_frame(header_b, bytes(40, 0x33));
  for (std::size_t cut = 1; cut + 1 < whole.size(); ++cut) {
    // The sender's frame lost its last `cut` bytes before the delimiter.
    const bytes truncated = cat({bytes(whole.begin(), whole.end() - 1 - static_cast<std::ptrdiff_t>(cut)), {0x00}});
    sink s;
    s.feed(cat({truncated, encode_frame(header_a, payload_a)}));
    EXPECT_EQ(s.frames, (std::vector<received>{{header_a, payload_a}})) << "cut " << cut;
    EXPECT_EQ(s.decoder.stats().errors(), 1u) << "cut " << cut;
  }
}

TEST(frame, decoder_keeps_the_next_frame_after_garbage_when_the_sender_flushes_with_a_leading_zero) {
  sink s;
  s.feed(bytes{0x41, 0x42, 0x43});  // garbage without a 0x00, e.g. line noise at power-up
  s.feed(cat({{0x00}, encode_frame(header_a, payload_a)}));
  EXPECT_EQ(s.frames, (std::vector<received>{{header_a, payload_a}}));
  EXPECT_EQ(s.decoder.stats().errors(), 1u);
}

TEST(frame, decoder_loses_only_the_frame_that_garbage_without_zero_runs_into) {
  sink s;
  s.feed(cat({{0x41, 0x42}, encode_frame(header_a, payload_a), encode_frame(header_b, payload_b)}));
  EXPECT_EQ(s.frames, (std::vector<received>{{header_b, payload_b}}));
  EXPECT_EQ(s.decoder.stats().errors(), 1u);
}

TEST(frame, decoder_reset_drops_a_partial_frame_and_counts_it_as_truncated) {
  sink s;
  const bytes wire = encode_frame(header_a, payload_a);
  s.feed(std::span<const std::uint8_t>(wire).first(5));
  EXPECT_EQ(s.decoder.buffered_bytes(), 5u);
  s.decoder.reset();
  EXPECT_EQ(s.decoder.buffered_bytes(), 0u);
  EXPECT_EQ(s.decoder.stats().truncated, 1u);
  s.decoder.reset();
  EXPECT_EQ(s.decoder.stats().truncated, 1u) << "nothing buffered, nothing counted";
  s.feed(wire);
  EXPECT_EQ(s.frames, (std::vector<received>{{header_a, payload_a}}));
}

TEST(frame, decoder_stays_usable_after_a_frame_handler_throws) {
  frame_decoder decoder;
  const bytes a = encode_frame(header_a, payload_a);
  const bytes b = encode_frame(header_b, payload_b);
  std::vector<frame_header> seen;
  auto throwing = [&](const frame_view& f) {
    seen.push_back(f.header);
    throw std::runtime_error("handler failed");
  };
  EXPECT_THROW(decoder.feed(cat({a, b}), throwing), std::runtime_error);
  EXPECT_EQ(seen, std::vector<frame_header>{header_a}) << "the rest of the chunk is dropped";
  decoder.feed(b, [&](const frame_view& f) { seen.push_back(f.header); });
  EXPECT_EQ(seen, (std::vector<frame_header>{header_a, header_b}));
  EXPECT_EQ(decoder.stats().errors(), 0u);
}

TEST(frame, decoder_works_without_an_error_handler) {
  frame_decoder decoder;
  int frames = 0;
  decoder.feed(cat({{0x05, 0x01, 0x00}, encode_frame(header_a, payload_a)}), [&](const frame_view&) { ++frames; });
  EXPECT_EQ(frames, 1);
  EXPECT_EQ(decoder.stats().cobs_errors, 1u);
}

}  // namespace

TEST(frame, frame_bytes_are_the_encoded_frame_before_cobs) {
  const frame_header h{.kind = frame_kind::response, .command = 0x0102, .sequence = 7};
  const bytes payload{0x00, 0x11, 0x22};
  const bytes plain = frame_bytes(h, payload);
  ASSERT_EQ(plain.size(), frame_size(payload.size()));
  bytes wire = encode_frame(h, payload);
  wire.pop_back();  // the delimiter
  bytes decoded(wire.size());
  const auto n = cobs_decode(wire, decoded);
  ASSERT_TRUE(n.has_value());
  decoded.resize(*n);
  EXPECT_EQ(plain, decoded);
}

TEST(frame, write_frame_bytes_refuses_a_buffer_one_byte_short) {
  const bytes payload(5, 0xaa);
  bytes out(frame_size(payload.size()) - 1, 0x55);
  EXPECT_THROW(write_frame_bytes({}, payload, out), comframe::usage_error);
  EXPECT_EQ(std::count(out.begin(), out.end(), 0x55), static_cast<long>(out.size()));
}

TEST(frame, parse_frame_gives_back_header_and_payload_of_frame_bytes) {
  const frame_header h{.kind = frame_kind::event, .command = 0x8001, .sequence = 0};
  const bytes payload{1, 2, 3, 4};
  const bytes plain = frame_bytes(h, payload);
  const auto view = parse_frame(plain);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->header, h);
  EXPECT_EQ(bytes(view->payload.begin(), view->payload.end()), payload);
  EXPECT_EQ(view->bytes.data(), plain.data());
}

TEST(frame, parse_frame_says_why_it_refuses_a_frame) {
  const bytes plain = frame_bytes({.kind = frame_kind::request, .command = 1, .sequence = 1}, bytes{9, 9});
  auto why = [](std::span<const std::uint8_t> frame) -> std::optional<frame_error> {
    const auto r = parse_frame(frame);
    if (r) return std::nullopt;
    return r.error();
  };
  EXPECT_EQ(why(std::span(plain).first(min_frame_size_bytes - 1)), frame_error::too_short);
  bytes flipped = plain;
  flipped[6] ^= 0x01;
  EXPECT_EQ(why(flipped), frame_error::crc);
  EXPECT_EQ(why(frame_bytes({.version = 2}, {})), frame_error::bad_version);
  EXPECT_EQ(why(frame_bytes({.kind = static_cast<frame_kind>(4)}, {})), frame_error::bad_kind);
}

TEST(frame, directions_are_named_from_the_host) {
  EXPECT_EQ(to_string(direction::to_device), "to_device");
  EXPECT_EQ(to_string(direction::from_device), "from_device");
  EXPECT_EQ(to_string(static_cast<direction>(9)), "unknown");
}

}  // namespace frame_test

// The framings framing_spec describes, byte by byte: encoding, decoding, the
// kept form, error replies, and what they refuse.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "comframe/transport/framing_spec.hpp"
#include "transport/spec_framing_support.hpp"

namespace spec_framing_test {

namespace {

using namespace comframe::transport;
using comframe::test::load_spec;
using comframe::test::modbus_schemas;
using bytes = std::vector<std::uint8_t>;

struct decoded {
  std::vector<frame_header> headers;
  std::vector<bytes> payloads, kept;
  std::vector<frame_error> errors;
};

decoded feed_all(framing& f, const bytes& wire, std::size_t chunk = 0) {
  decoded d;
  auto on_frame = [&](const frame_view& v) {
    d.headers.push_back(v.header);
    d.payloads.emplace_back(v.payload.begin(), v.payload.end());
    d.kept.emplace_back(v.bytes.begin(), v.bytes.end());
  };
  auto on_error = [&](frame_error e, std::span<const std::uint8_t>) { d.errors.push_back(e); };
  if (chunk == 0) {
    f.feed(wire, on_frame, on_error);
  } else {
    for (std::size_t at = 0; at < wire.size(); at += chunk)
      f.feed(std::span<const std::uint8_t>(wire).subspan(at, std::min(chunk, wire.size() - at)), on_frame, on_error);
  }
  return d;
}

std::unique_ptr<framing> make(const framing_spec& s, direction incoming, std::size_t max_payload = 256) {
  return make_framing(s, {.incoming = incoming, .schemas = &modbus_schemas(), .max_payload_size = max_payload,
                          .payload_endian = comframe::core::endian::big});
}

TEST(spec_framing, modbus_rtu_read_holding_registers_is_the_textbook_bytes_both_ways) {
  const auto s = load_spec(comframe::test::modbus_rtu_spec);
  auto host = make(s, direction::from_device);
  auto device = make(s, direction::to_device);
  bytes wire;
  host->encode({.kind = frame_kind::request, .command = 3, .address = 1}, bytes{0, 0, 0, 0x0A}, wire);
  EXPECT_EQ(wire, (bytes{0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD}));
  const auto d = feed_all(*device, wire, 1);
  ASSERT_EQ(d.headers.size(), 1u);
  EXPECT_EQ(d.headers[0], (frame_header{.kind = frame_kind::request, .command = 3, .address = 1}));
  EXPECT_EQ(d.payloads[0], (bytes{0, 0, 0, 0x0A}));
  EXPECT_EQ(d.kept[0], wire);  // schema_length keeps the frame as it is on the wire
}

TEST(spec_framing, a_modbus_exception_reply_is_an_error_with_the_devices_code) {
  const auto s = load_spec(comframe::test::modbus_rtu_spec);
  auto host = make(s, direction::from_device);
  auto device = make(s, direction::to_device);
  bytes wire;
  device->encode({.kind = frame_kind::error, .command = 3, .address = 1}, device->error_payload(2, "ignored"), wire);
  EXPECT_EQ(wire, (bytes{0x01, 0x83, 0x02, 0xC0, 0xF1}));
  const auto d = feed_all(*host, wire);
  ASSERT_EQ(d.headers.size(), 1u);
  EXPECT_EQ(d.headers[0].kind, frame_kind::error);
  EXPECT_EQ(d.headers[0].command, 3);
  const auto e = host->read_error(d.payloads[0]);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, 2);
  EXPECT_EQ(e->message, "illegal_data_address");
}

TEST(spec_framing, schema_length_tells_responses_events_and_unknown_commands_apart) {
  const auto s = load_spec(comframe::test::modbus_rtu_spec);
  auto host = make(s, direction::from_device);
  auto device = make(s, direction::to_device);
  bytes wire = {0x07, 0x22};  // an unknown command: refused as length, one byte at a time
  device->encode({.kind = frame_kind::event, .command = 0x41, .address = 1}, bytes{1, 2, 3, 4, 5, 6}, wire);
  device->encode({.kind = frame_kind::response, .command = 3, .address = 1}, bytes{4, 0, 1, 0, 2}, wire);
  const auto d = feed_all(*host, wire, 3);
  ASSERT_EQ(d.headers.size(), 2u);
  EXPECT_EQ(d.headers[0].kind, frame_kind::event);
  EXPECT_EQ(d.headers[1].kind, frame_kind::response);
  EXPECT_EQ(d.payloads[1], (bytes{4, 0, 1, 0, 2}));
  EXPECT_EQ(host->stats().length_errors, 2u);
  EXPECT_EQ(host->stats().frames, 2u);
}

TEST(spec_framing, the_vendor_frame_is_sync_length_command_payload_and_a_big_endian_crc) {
  const auto s = load_spec(comframe::test::vendor_spec);
  auto host = make(s, direction::from_device);
  bytes wire;
  host->encode({.kind = frame_kind::request, .command = 0x10}, bytes{1, 2}, wire);
  EXPECT_EQ(wire, (bytes{0xAA, 0x55, 0x02, 0x10, 0x01, 0x02, 0x39, 0xB8}));
  auto device = make(s, direction::to_device);
  bytes noisy = {0xAA, 0x13, 0x55, 0xAA};  // garbage, with a false start of the sync
  noisy.insert(noisy.end(), wire.begin(), wire.end());
  const auto d = feed_all(*device, noisy, 1);
  ASSERT_EQ(d.headers.size(), 1u);
  EXPECT_EQ(d.headers[0].command, 0x10);
  EXPECT_EQ(d.kept[0], wire);  // the kept form keeps the sync
  bytes kept;
  host->write_kept({.kind = frame_kind::request, .command = 0x10}, bytes{1, 2}, kept);
  EXPECT_EQ(kept, wire);
}

TEST(spec_framing, mbap_counts_the_bytes_after_its_length_field) {
  const auto s = load_spec(comframe::test::mbap_spec);
  auto host = make(s, direction::from_device);
  bytes wire;
  host->encode({.kind = frame_kind::request, .command = 3, .sequence = 1, .address = 1}, bytes{0, 0, 0, 0x0A}, wire);
  EXPECT_EQ(wire, (bytes{0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x0A}));
  auto device = make(s, direction::to_device);
  bytes two;
  host->encode({.kind = frame_kind::request, .command = 3, .sequence = 2, .address = 1}, bytes{0x12, 0x34, 0x56, 0x78}, two);
  two[3] = 0x01;  // a protocol id that is not 0: refused, and the next frame still found
  two.insert(two.end(), wire.begin(), wire.end());
  const auto d = feed_all(*device, two, 5);
  ASSERT_EQ(d.headers.size(), 1u);
  EXPECT_EQ(d.headers[0], (frame_header{.kind = frame_kind::request, .command = 3, .sequence = 1, .address = 1}));
  EXPECT_GE(device->stats().bad_version, 1u);
  EXPECT_EQ(device->stats().errors(), d.errors.size());
}

TEST(spec_framing, slip_stuffs_end_and_esc_and_keeps_the_frame_destuffed) {
  auto s = load_spec(R"({"delimiting": {"kind": "slip"},
    "header": {"type": {"struct": [{"name": "c", "type": "u8"}]}, "roles": {"command": "c"}}, "check": {"type": "sum-8"}})");
  auto f = make(s, direction::to_device);
  bytes wire;
  f->encode({.kind = frame_kind::response, .command = 0xC0}, bytes{0xDB, 0x01}, wire);
  EXPECT_EQ(wire, (bytes{0xC0, 0xDB, 0xDC, 0xDB, 0xDD, 0x01, 0x9C, 0xC0}));
  auto host = make(s, direction::from_device);
  const auto d = feed_all(*host, wire, 1);
  ASSERT_EQ(d.kept.size(), 1u);
  EXPECT_EQ(d.kept[0], (bytes{0xC0, 0xDB, 0x01, 0x9C}));
  EXPECT_EQ(d.payloads[0], (bytes{0xDB, 0x01}));
  EXPECT_EQ(host->stats().empty_frames, 1u);  // the END before the frame
  // ESC then a byte it may not escape: refused as escape, the next frame arrives.
  bytes bad = {0xC0, 0x05, 0xDB, 0x07, 0x09, 0xC0};
  bad.insert(bad.end(), wire.begin(), wire.end());
  const auto e = feed_all(*host, bad);
  EXPECT_EQ(e.errors, std::vector<frame_error>{frame_error::escape});
  EXPECT_EQ(e.kept.size(), 1u);
  EXPECT_EQ(host->stats().escape_errors, 1u);
}

TEST(spec_framing, hdlc_escapes_flag_and_escape_by_xor_0x20) {
  auto s = load_spec(R"({"delimiting": {"kind": "hdlc"},
    "header": {"type": {"struct": [{"name": "c", "type": "u8"}]}, "roles": {"command": "c"}}, "check": {"type": "xor-8"}})");
  auto f = make(s, direction::to_device);
  bytes wire;
  f->encode({.kind = frame_kind::response, .command = 0x7E}, bytes{0x7D, 0x20}, wire);
  EXPECT_EQ(wire, (bytes{0x7E, 0x7D, 0x5E, 0x7D, 0x5D, 0x20, 0x23, 0x7E}));
  auto host = make(s, direction::from_device);
  const auto d = feed_all(*host, wire, 2);
  ASSERT_EQ(d.kept.size(), 1u);
  EXPECT_EQ(d.kept[0], (bytes{0x7E, 0x7D, 0x20, 0x23}));
  // An escape right before the flag: refused as escape.
  const auto e = feed_all(*host, bytes{0x7E, 0x01, 0x7D, 0x7E});
  EXPECT_EQ(e.errors, std::vector<frame_error>{frame_error::escape});
}

TEST(spec_framing, kinds_sequences_and_constants_travel_in_their_fields) {
  const auto s = load_spec(comframe::test::slip_spec);
  auto host = make(s, direction::from_device);
  auto device = make(s, direction::to_device);
  bytes wire;
  device->encode({.kind = frame_kind::event, .command = 0x1234, .sequence = 7}, bytes{9}, wire);
  const auto d = feed_all(*host, wire);
  ASSERT_EQ(d.headers.size(), 1u);
  EXPECT_EQ(d.headers[0], (frame_header{.kind = frame_kind::event, .command = 0x1234, .sequence = 7}));
  EXPECT_EQ(d.kept[0], (bytes{2, 0x12, 0x34, 7, 9, d.kept[0][5], d.kept[0][6]}));
  EXPECT_EQ(host->traits().max_sequence, 255);
  // A kind value outside header.kinds, with a good check: bad_kind.
  bytes kept = {9, 0x12, 0x34, 7};
  frame_error why{};
  EXPECT_FALSE(host->parse_kept(kept, direction::from_device, &why));
  EXPECT_EQ(why, frame_error::too_short);
  const auto h = load_spec(comframe::test::hdlc_spec);
  auto hd = make(h, direction::to_device);
  bytes k2;
  hd->write_kept({.command = 5, .address = 1}, bytes{}, k2);
  EXPECT_EQ(k2[1], 3);  // the constant "control"
  k2[1] = 4;
  EXPECT_FALSE(hd->parse_kept(k2, direction::to_device, &why));
  EXPECT_EQ(why, frame_error::crc);
}

TEST(spec_framing, a_frame_that_failed_its_check_still_shows_its_header) {
  const auto s = load_spec(comframe::test::slip_spec);
  auto host = make(s, direction::from_device);
  auto device = make(s, direction::to_device);
  bytes wire;
  device->encode({.kind = frame_kind::response, .command = 0x0102, .sequence = 9}, bytes{1, 2, 3}, wire);
  wire[wire.size() - 3] ^= 0x01;  // the payload's last byte
  std::optional<frame_header> got;
  host->feed(wire, [](const frame_view&) {}, [&](frame_error e, std::span<const std::uint8_t> raw) {
    EXPECT_EQ(e, frame_error::crc);
    got = host->damaged_header(raw);
  });
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->command, 0x0102);
  EXPECT_EQ(got->sequence, 9);
}

TEST(spec_framing, lines_are_requests_by_their_longest_text_and_responses_whole) {
  const auto s = load_spec(comframe::test::line_spec);  // idn 1, volt 2, volt_query 3
  auto host = make(s, direction::from_device);
  auto device = make(s, direction::to_device);
  bytes wire;
  host->encode({.kind = frame_kind::request, .command = 2}, bytes{'1', '.', '5'}, wire);
  host->encode({.kind = frame_kind::request, .command = 3}, bytes{}, wire);
  EXPECT_EQ(std::string(wire.begin(), wire.end()), "VOLT 1.5\r\nVOLT?\r\n");
  const auto d = feed_all(*device, wire, 1);
  ASSERT_EQ(d.headers.size(), 2u);
  EXPECT_EQ(d.headers[0].command, 2);
  EXPECT_EQ(std::string(d.payloads[0].begin(), d.payloads[0].end()), "1.5");
  EXPECT_EQ(d.headers[1].command, 3);
  EXPECT_TRUE(d.payloads[1].empty());
  const auto unknown = feed_all(*device, bytes{'V', 'O', 'L', 'T', 'S', '\r', '\n', '\r', '\n'});
  EXPECT_EQ(unknown.errors, std::vector<frame_error>{frame_error::bad_kind});
  EXPECT_EQ(device->stats().empty_frames, 1u);
  bytes reply;
  device->encode({.kind = frame_kind::response}, bytes{'A', 'C', 'M', 'E'}, reply);
  const auto r = feed_all(*host, reply);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].kind, frame_kind::response);
  EXPECT_EQ(r.kept[0], (bytes{'A', 'C', 'M', 'E'}));
  EXPECT_THROW(host->encode({.command = 99}, bytes{}, wire), comframe::usage_error);
}

TEST(spec_framing, an_oversize_frame_is_refused_and_the_next_one_arrives) {
  for (const char* spec : {comframe::test::slip_spec, comframe::test::hdlc_spec, comframe::test::vendor_spec,
                           comframe::test::line_spec}) {
    const auto s = load_spec(spec);
    auto big = make(s, direction::to_device, 250);
    auto small = make(s, direction::from_device, 100);
    bytes wire;
    big->encode({.kind = frame_kind::response, .command = 1}, bytes(200, 'x'), wire);
    big->encode({.kind = frame_kind::response, .command = 1}, bytes(10, 'y'), wire);
    const auto d = feed_all(*small, wire, 7);
    SCOPED_TRACE(spec);
    ASSERT_EQ(d.payloads.size(), 1u);
    EXPECT_EQ(d.payloads[0], bytes(10, 'y'));
    EXPECT_EQ(small->stats().oversize, 1u);
    EXPECT_THROW(small->encode({.command = 1}, bytes(101, 'x'), wire), comframe::usage_error);
  }
}

TEST(spec_framing, endless_garbage_without_a_delimiter_stays_bounded) {
  for (const char* spec : {comframe::test::slip_spec, comframe::test::hdlc_spec, comframe::test::vendor_spec,
                           comframe::test::mbap_spec, comframe::test::modbus_rtu_spec, comframe::test::line_spec}) {
    const auto s = load_spec(spec);
    auto f = make(s, direction::from_device, 100);
    bytes garbage(4096);
    std::uint32_t x = 12345;
    for (auto& b : garbage) {
      x = x * 1103515245 + 12345;
      b = static_cast<std::uint8_t>('a' + (x >> 16) % 26);  // no delimiter of any kind, no 0xAA
    }
    std::size_t frames = 0;
    for (int i = 0; i < 256; ++i) f->feed(garbage, [&](const frame_view&) { ++frames; }, [](frame_error, auto) {});
    SCOPED_TRACE(spec);
    EXPECT_EQ(f->stats().bytes, 256u * 4096u);
    // What is held is at most one frame's worth: a reset finds one partial frame at most.
    const auto before = f->stats().truncated;
    f->reset();
    EXPECT_LE(f->stats().truncated - before, 1u);
  }
}

// A payload whose length a count field inside it gives (Modbus's register
// response: byte_count, then that many bytes of registers), fed a byte at a time.
TEST(spec_framing, schema_length_reads_a_count_field_to_find_the_payloads_end) {
  class counted_table final : public payload_schemas {
   public:
    const comframe::core::schema* find(frame_kind kind, std::uint16_t command) const noexcept override {
      return kind == frame_kind::response && command == 3 ? &response_ : nullptr;
    }

   private:
    comframe::core::schema response_ = comframe::core::schema::parse(
        R"({"struct": [{"name": "byte_count", "type": "u8"},
                       {"name": "values", "type": ">u16[]", "count": "byte_count", "count_unit": "bytes"}]})");
  } table;
  const auto s = load_spec(comframe::test::modbus_rtu_spec);
  auto host = make_framing(s, {.incoming = direction::from_device, .schemas = &table, .max_payload_size = 256,
                               .payload_endian = comframe::core::endian::big});
  const bytes reply{0x01, 0x03, 0x04, 0x00, 0x01, 0x00, 0x02, 0x2A, 0x32};
  bytes wire = reply;
  wire.insert(wire.end(), reply.begin(), reply.end());
  const auto d = feed_all(*host, wire, 1);
  ASSERT_EQ(d.headers.size(), 2u);
  EXPECT_TRUE(d.errors.empty());
  EXPECT_EQ(d.headers[1], (frame_header{.kind = frame_kind::response, .command = 3, .address = 1}));
  EXPECT_EQ(d.payloads[1], (bytes{0x04, 0x00, 0x01, 0x00, 0x02}));
  EXPECT_EQ(d.kept[0], reply);
}

// A stray byte before a Modbus reply reads as address 0 and function 1 (read
// coils), whose reply's byte count — really the reply's function code, 6 —
// claims more bytes than will come on a request/reply line. The reply behind
// it passes its check, so it is delivered now and the stray byte refused.
TEST(spec_framing, a_stray_byte_before_a_reply_does_not_hold_the_reply_back) {
  class table final : public payload_schemas {
   public:
    const comframe::core::schema* find(frame_kind kind, std::uint16_t command) const noexcept override {
      if (kind != frame_kind::response) return nullptr;
      return command == 1 ? &coils_ : command == 6 ? &write_ : nullptr;
    }

   private:
    comframe::core::schema coils_ = comframe::core::schema::parse(
        R"({"struct": [{"name": "byte_count", "type": "u8"}, {"name": "bits", "type": "u8[]", "count": "byte_count"}]})");
    comframe::core::schema write_ = comframe::core::schema::parse(R"(">u16[2]")");
  } schemas;
  const auto s = load_spec(comframe::test::modbus_rtu_spec);
  const bytes reply{0x01, 0x06, 0x00, 0x01, 0x00, 0x03, 0x98, 0x0B};
  bytes wire{0x00};
  wire.insert(wire.end(), reply.begin(), reply.end());
  for (const std::size_t chunk : {std::size_t{0}, std::size_t{1}}) {
    auto f = make_framing(s, {.incoming = direction::from_device, .schemas = &schemas, .max_payload_size = 256,
                              .payload_endian = comframe::core::endian::big});
    const auto d = feed_all(*f, wire, chunk);
    ASSERT_EQ(d.headers.size(), 1u) << "chunk " << chunk;
    EXPECT_EQ(d.kept[0], reply);
    EXPECT_EQ(d.errors, std::vector<frame_error>{frame_error::length});
    EXPECT_EQ(f->stats().length_errors, 1u);
  }
}

// An empty line from a device is a reply with an empty text (a device that
// answers nothing but the line's end); to a device it is ignored.
TEST(spec_framing, an_empty_line_is_a_reply_from_a_device_and_nothing_to_one) {
  const auto s = load_spec(comframe::test::line_spec);
  auto host = make(s, direction::from_device);
  auto device = make(s, direction::to_device);
  bytes reply;
  device->encode({.kind = frame_kind::response}, bytes{}, reply);
  const auto r = feed_all(*host, reply);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].kind, frame_kind::response);
  EXPECT_TRUE(r.payloads[0].empty());
  const auto q = feed_all(*device, reply);
  EXPECT_TRUE(q.headers.empty());
  EXPECT_EQ(device->stats().empty_frames, 1u);
}

}  // namespace

}  // namespace spec_framing_test

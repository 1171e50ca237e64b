// The native thermo firmware with --stdio: requests on stdin, replies on
// stdout, as `comframe sim --exec` runs it; it answers every request before it
// ends at the end of stdin.
#include <gtest/gtest.h>

#include "comframe/core/codec.hpp"
#include "comframe/devices/builtin/thermo.hpp"
#include "comframe/transport/frame.hpp"
#include "support/process.hpp"

namespace {

using namespace comframe;
using bytes = std::vector<std::uint8_t>;

std::string as_text(const bytes& b) { return std::string(b.begin(), b.end()); }

TEST(native_stdio, answers_requests_from_stdin_on_stdout_and_ends_with_stdin) {
  std::string input;
  for (std::uint16_t seq = 1; seq <= 3; ++seq)
    input += as_text(transport::encode_frame({1, transport::frame_kind::request, 0x0001, seq}, {}));
  input += as_text(transport::encode_frame({1, transport::frame_kind::request, 0x0003, 4}, bytes{9, 0, 0, 0}));
  const auto r = test::run({COMFRAME_FIRMWARE_THERMO, "--stdio"}, input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");

  transport::frame_decoder d;
  std::vector<transport::frame_header> headers;
  bytes first_payload;
  d.feed(bytes(r.out.begin(), r.out.end()), [&](const transport::frame_view& f) {
    if (headers.empty()) first_payload.assign(f.payload.begin(), f.payload.end());
    headers.push_back(f.header);
  });
  EXPECT_EQ(d.stats().errors(), 0u);
  EXPECT_EQ(d.stats().bytes, r.out.size());  // nothing but frames on stdout
  ASSERT_EQ(headers.size(), 4u);
  for (std::uint16_t i = 0; i < 3; ++i)
    EXPECT_EQ(headers[i], (transport::frame_header{1, transport::frame_kind::response, 0x0001, std::uint16_t(i + 1)}));
  EXPECT_EQ(headers[3], (transport::frame_header{1, transport::frame_kind::error, 0x0003, 4}));
  const auto info = core::decode<devices::builtin::thermo::device_info>(first_payload, core::endian::little);
  EXPECT_EQ(info.serial_number, 20240601u);
}

// Twelve whole-profile describe replies are more than the board's 8 KiB transmit
// ring holds: it reads the line again only when the next reply fits, so every
// reply comes whole and in order, and the request after them is answered too.
TEST(native_stdio, pipelined_requests_whose_replies_overflow_the_transmit_ring_are_all_answered_whole) {
  const bytes request = core::encode(devices::builtin::describe_request{0, 4084}, devices::builtin_endian);
  std::string input;
  for (std::uint16_t seq = 1; seq <= 12; ++seq)
    input += as_text(transport::encode_frame({1, transport::frame_kind::request, 0xFFF0, seq}, request));
  input += as_text(transport::encode_frame({1, transport::frame_kind::request, 0x0001, 13}, {}));
  const auto r = test::run({COMFRAME_FIRMWARE_THERMO, "--stdio"}, input);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  transport::frame_decoder d;
  std::vector<transport::frame_header> headers;
  std::vector<std::size_t> sizes;
  d.feed(bytes(r.out.begin(), r.out.end()), [&](const transport::frame_view& f) {
    headers.push_back(f.header);
    sizes.push_back(f.payload.size());
  });
  EXPECT_EQ(d.stats().errors(), 0u);
  ASSERT_EQ(headers.size(), 13u);
  for (std::uint16_t i = 0; i < 12; ++i) {
    EXPECT_EQ(headers[i], (transport::frame_header{1, transport::frame_kind::response, 0xFFF0, std::uint16_t(i + 1)}));
    EXPECT_EQ(sizes[i], sizes[0]);
  }
  EXPECT_GT(12 * sizes[0], 8192u);  // the replies together overflow the ring
  EXPECT_EQ(headers[12], (transport::frame_header{1, transport::frame_kind::response, 0x0001, 13}));
}

TEST(native_stdio, refuses_an_unknown_option_with_its_usage) {
  const auto r = test::run({COMFRAME_FIRMWARE_THERMO, "--baud"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("firmware_thermo: --baud: unknown option"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("usage: firmware_thermo [--symlink PATH | --stdio]"), std::string::npos) << r.err;
}

}  // namespace

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

TEST(native_stdio, refuses_an_unknown_option_with_its_usage) {
  const auto r = test::run({COMFRAME_FIRMWARE_THERMO, "--baud"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("firmware_thermo: --baud: unknown option"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("usage: firmware_thermo [--symlink PATH | --stdio]"), std::string::npos) << r.err;
}

}  // namespace

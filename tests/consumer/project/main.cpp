// Uses every exported target the way a user's project does: the type system
// (comframe::core), frames (comframe::transport), profiles (comframe::devices)
// and a simulated device (comframe::firmware_sim).
#include <comframe/core/json.hpp>
#include <comframe/transport/frame_parse.hpp>
#include <comframe/core/dynamic_codec.hpp>
#include <comframe/core/schema_export.hpp>
#include <comframe/firmware_sim/devices/echo.hpp>
#include <comframe/transport/frame.hpp>
#include <iostream>

struct Sample {
  std::uint16_t id;
  std::vector<std::int16_t> values;
};
BOOST_DESCRIBE_STRUCT(Sample, (), (id, values))

int main() {
  namespace core = comframe::core;
  namespace transport = comframe::transport;
  const Sample s{7, {1, -1}};
  const auto bytes = core::encode(s, core::endian::big);
  const auto dynamic = core::encode(core::schema::of<Sample>(), core::to_json(s), core::endian::big);
  const bool same = bytes == dynamic && bytes.size() == 6;

  const transport::frame_header header{transport::protocol_version, transport::frame_kind::request, 1, 9};
  const auto frame = transport::frame_bytes(header, bytes);
  const auto parsed = transport::parse_frame(frame);
  const bool framed = parsed && parsed->header == header && parsed->payload.size() == bytes.size();

  const auto profile = comframe::devices::builtin::echo::profile();
  const bool profiled = profile.device() == "echo";

  std::cout << bytes.size() << (same ? " same" : " different") << (framed ? " framed" : " unframed")
            << (profiled ? " profiled" : " unprofiled") << '\n';
  return same && framed && profiled ? 0 : 1;
}

// typed_message — a C++ struct becomes bytes with a forced byte order, comes
// back, and describes itself as a schema that any program can load at run time.
//
//   typed_message            encode, decode, print both
//   typed_message --schema   print the schema of Telemetry (as telemetry.schema.json holds it)
#include <comframe/core/hex.hpp>
#include <comframe/core/json.hpp>
#include <comframe/core/dynamic_codec.hpp>
#include <comframe/core/schema.hpp>
#include <comframe/core/schema_export.hpp>
#include <iostream>
#include <string_view>

namespace demo {

enum class unit : char { celsius = 'C', fahrenheit = 'F' };

struct Position {
  float lat_deg;
  float lon_deg;
};
BOOST_DESCRIBE_STRUCT(Position, (), (lat_deg, lon_deg))

struct Telemetry {
  std::uint32_t sequence;
  std::uint64_t timestamp_us;
  Position position;
  unit temperature_unit;
  bool charging;
  std::vector<std::int16_t> temperatures_cdeg;  // dynamic: only as the last leaf
};
BOOST_DESCRIBE_STRUCT(Telemetry, (), (sequence, timestamp_us, position, temperature_unit, charging, temperatures_cdeg))

}  // namespace demo

// Export the struct under a short name rather than "demo::Telemetry".
template <>
struct comframe::core::type_name<demo::Telemetry> {
  static constexpr std::string_view value = "Telemetry";
};
template <>
struct comframe::core::type_name<demo::Position> {
  static constexpr std::string_view value = "Position";
};

int main(int argc, char** argv) {
  namespace core = comframe::core;
  if (argc > 1 && std::string_view(argv[1]) == "--schema") {
    std::cout << core::schema::of<demo::Telemetry>().dump() << '\n';
    return 0;
  }

  const demo::Telemetry sent{42, 1'700'000'000'000'000, {48.1375f, 11.575f}, demo::unit::celsius, true, {2150, 2187, -40}};
  const core::bytes wire = core::encode(sent, core::endian::big);
  const auto received = core::decode<demo::Telemetry>(wire, core::endian::big);

  const auto schema = core::schema::of<demo::Telemetry>();
  std::cout << "sent:     " << core::format_json(core::to_json(sent), {.type = &schema.root()}) << '\n'
            << "bytes:    " << wire.size() << " (min " << core::min_size<demo::Telemetry>() << " + "
            << core::element_size<demo::Telemetry>() << " per temperature), big-endian\n"
            << "hex:      " << core::hex_text(wire) << '\n'
            << "received: " << core::format_json(core::to_json(received), {.type = &schema.root()}) << '\n';

  const bool same = received.sequence == sent.sequence && received.timestamp_us == sent.timestamp_us &&
                    received.temperatures_cdeg == sent.temperatures_cdeg && received.charging == sent.charging;
  std::cout << (same ? "round trip: identical\n" : "round trip: DIFFERENT\n");
  return same ? 0 : 1;
}

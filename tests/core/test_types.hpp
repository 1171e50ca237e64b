// Static types shared by the core tests: every kind, nested, with dynamic tails
// at several depths. Each has operator== so decode(encode(v)) == v can be checked.
#pragma once

#include <array>
#include <boost/describe.hpp>
#include <cstdint>
#include <vector>

#include "comframe/core/codec.hpp"

namespace cft {

using comframe::core::null;

enum class mode : std::uint8_t { off, on, blink };

struct Point { float x; float y; bool operator==(const Point&) const = default; };
BOOST_DESCRIBE_STRUCT(Point, (), (x, y))

struct Shape { std::uint32_t id; std::array<Point, 3> vrx; bool operator==(const Shape&) const = default; };
BOOST_DESCRIBE_STRUCT(Shape, (), (id, vrx))

struct AllScalars {
  std::uint8_t u8; std::uint16_t u16; std::uint32_t u32; std::uint64_t u64;
  std::int8_t i8; std::int16_t i16; std::int32_t i32; std::int64_t i64;
  float f32; double f64; bool flag; char letter;
  bool operator==(const AllScalars&) const = default;
};
BOOST_DESCRIBE_STRUCT(AllScalars, (), (u8, u16, u32, u64, i8, i16, i32, i64, f32, f64, flag, letter))

struct Telemetry {  // 64 bytes of mixed scalars with a fixed array
  std::uint32_t sequence; std::uint64_t timestamp_us; std::int16_t temperature_cdeg; std::uint16_t flags;
  std::array<float, 6> imu; double pressure_pa; std::uint8_t battery_pct; std::int8_t rssi_dbm;
  std::array<std::uint16_t, 6> adc; bool charging; char unit;
  bool operator==(const Telemetry&) const = default;
};
BOOST_DESCRIBE_STRUCT(Telemetry, (), (sequence, timestamp_us, temperature_cdeg, flags, imu, pressure_pa, battery_pct,
                                      rssi_dbm, adc, charging, unit))

struct TelemetryWithTail {
  Telemetry head; std::vector<std::int16_t> samples;
  bool operator==(const TelemetryWithTail&) const = default;
};
BOOST_DESCRIBE_STRUCT(TelemetryWithTail, (), (head, samples))

struct Readings { std::uint16_t count; std::vector<std::int32_t> temps; bool operator==(const Readings&) const = default; };
BOOST_DESCRIBE_STRUCT(Readings, (), (count, temps))

struct Inner { std::uint8_t tag; std::vector<Point> points; bool operator==(const Inner&) const = default; };
BOOST_DESCRIBE_STRUCT(Inner, (), (tag, points))
struct Middle { std::int64_t stamp; Inner inner; bool operator==(const Middle&) const = default; };
BOOST_DESCRIBE_STRUCT(Middle, (), (stamp, inner))
struct Deep { std::array<char, 4> magic; Middle middle; bool operator==(const Deep&) const = default; };  // tail at depth 3
BOOST_DESCRIBE_STRUCT(Deep, (), (magic, middle))

struct WithNull { null nothing; std::uint16_t code; null trailer; bool operator==(const WithNull&) const = default; };
BOOST_DESCRIBE_STRUCT(WithNull, (), (nothing, code, trailer))

struct WithEnum { mode m; std::array<mode, 2> history; bool operator==(const WithEnum&) const = default; };
BOOST_DESCRIBE_STRUCT(WithEnum, (), (m, history))

struct Matrix { std::array<std::array<double, 3>, 2> rows; bool operator==(const Matrix&) const = default; };
BOOST_DESCRIBE_STRUCT(Matrix, (), (rows))

struct Empty { bool operator==(const Empty&) const = default; };
BOOST_DESCRIBE_STRUCT(Empty, (), ())

struct Led { std::uint8_t index; std::array<std::uint8_t, 3> rgb; bool operator==(const Led&) const = default; };
BOOST_DESCRIBE_STRUCT(Led, (), (index, rgb))
struct LedStrip { std::uint16_t id; std::vector<Led> leds; bool operator==(const LedStrip&) const = default; };
BOOST_DESCRIBE_STRUCT(LedStrip, (), (id, leds))

struct Text { std::vector<char> chars; bool operator==(const Text&) const = default; };
BOOST_DESCRIBE_STRUCT(Text, (), (chars))

// ---- device-format kinds (comframe/core/layout.hpp) ----
using namespace comframe::core;  // NOLINT: the layout wrappers read better unqualified here

enum class colour : std::uint8_t { red = 1, green = 2, blue = 3, black = 10, white = 11 };
BOOST_DESCRIBE_ENUM(colour, red, green, blue, black, white)

enum class level : std::int16_t { low = -300, mid = 0, high = 300 };
BOOST_DESCRIBE_ENUM(level, low, mid, high)

// bpack's bit record of two 4-bit colours.
struct Colours { bit_field<colour, 4> foreground; bit_field<colour, 4> background; bool operator==(const Colours&) const = default; };
BOOST_DESCRIBE_STRUCT(Colours, (), (foreground, background))

struct StatusBits {  // 24 bits, most significant first
  bit_field<bool, 1> ready; bit_field<std::uint8_t, 3> mode; bit_field<std::int8_t, 4> trim;
  bit_field<std::uint16_t, 12> count; bit_field<cft::mode, 4> blink;
  bool operator==(const StatusBits&) const = default;
};
BOOST_DESCRIBE_STRUCT(StatusBits, (), (ready, mode, trim, count, blink))

struct LsbBits {  // 16 bits, least significant first, a signed enum in 10 bits
  bit_field<bool, 1> on; bit_field<level, 10> lvl; bit_field<std::int8_t, 5> delta;
  bool operator==(const LsbBits&) const = default;
};
BOOST_DESCRIBE_STRUCT(LsbBits, (), (on, lvl, delta))

struct WideBits {  // 72 bits: more than one 64-bit word, with reserved bits inside and at the end
  bit_field<std::uint8_t, 4> pad; bit_field<std::uint64_t, 60> big; reserved_bits<4> spare; bit_field<std::int8_t, 3> neg;
  reserved_bits<1> end;
  bool operator==(const WideBits&) const = default;
};
BOOST_DESCRIBE_STRUCT(WideBits, (), (pad, big, spare, neg, end))

struct OddInts {
  u24 a; i24 b; u40 c; i48 d; u56 e; i56 f; std::array<u24, 2> g; uint_n<64> h; int_n<8> i;
  bool operator==(const OddInts&) const = default;
};
BOOST_DESCRIBE_STRUCT(OddInts, (), (a, b, c, d, e, f, g, h, i))

struct Instrument {  // an instrument header: text, bits, a big-endian u24, gaps, enums
  fixed_string<4> magic; std::uint8_t version; StatusBits status; big<u24> counter; reserved<3> spare;
  little<std::int16_t> temp_cdeg; colour range; level lvl; i40 offset; fixed_bytes<3> key; reserved<1> end;
  bool operator==(const Instrument&) const = default;
};
BOOST_DESCRIBE_STRUCT(Instrument, (), (magic, version, status, counter, spare, temp_cdeg, range, lvl, offset, key, end))

struct MixedOrder {  // a field's byte order covers a whole nested struct
  std::uint16_t head; big<Point> where; little<std::array<std::uint32_t, 2>> pair; LsbBits bits; WideBits wide;
  bool operator==(const MixedOrder&) const = default;
};
BOOST_DESCRIBE_STRUCT(MixedOrder, (), (head, where, pair, bits, wide))

struct GapAndTail {
  reserved<2> pad; std::uint16_t n; std::vector<big<std::uint16_t>> samples;
  bool operator==(const GapAndTail&) const = default;
};
BOOST_DESCRIBE_STRUCT(GapAndTail, (), (pad, n, samples))

struct Names { std::array<fixed_string<6>, 2> names; std::vector<Colours> tail; bool operator==(const Names&) const = default; };
BOOST_DESCRIBE_STRUCT(Names, (), (names, tail))


}  // namespace cft

template <>
inline constexpr comframe::core::bit_order comframe::core::bit_order_of<cft::LsbBits> = comframe::core::bit_order::lsb;

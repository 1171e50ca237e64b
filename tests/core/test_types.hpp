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


}  // namespace cft

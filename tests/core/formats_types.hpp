// Static types of the formats beyond C scalars that later devices need —
// float16, flag sets, packed arrays in bit records — shared by their tests and
// the property test.
#pragma once

#include <array>
#include <boost/describe.hpp>
#include <cstdint>
#include <vector>

#include "comframe/core/codec.hpp"
#include "core/test_types.hpp"

namespace cft {

using namespace comframe::core;  // NOLINT: the layout wrappers read better unqualified here

enum class status_bit : std::uint8_t { ready = 0, busy = 1, error = 3, overflow = 7 };
BOOST_DESCRIBE_ENUM(status_bit, ready, busy, error, overflow)

enum class wide_bit : std::uint16_t { lo = 0, mid = 9, hi = 15 };
BOOST_DESCRIBE_ENUM(wide_bit, lo, mid, hi)

struct Halves {  // float16 alone, in a fixed byte order, in an array
  float16 a; big<float16> b; std::array<float16, 3> c; little<float16> d;
  bool operator==(const Halves&) const = default;
};
BOOST_DESCRIBE_STRUCT(Halves, (), (a, b, c, d))

struct FlagRecord {  // flag sets of one and two bytes, in a fixed byte order, in an array
  flags<status_bit> status; flags<wide_bit> wide; big<flags<wide_bit>> wide_be; std::array<flags<status_bit>, 2> history;
  bool operator==(const FlagRecord&) const = default;
};
BOOST_DESCRIBE_STRUCT(FlagRecord, (), (status, wide, wide_be, history))

struct Samples {  // eight 4-bit samples, most significant bit first
  std::array<bit_field<std::uint8_t, 4>, 8> samples;
  bool operator==(const Samples&) const = default;
};
BOOST_DESCRIBE_STRUCT(Samples, (), (samples))

struct LsbSamples {  // least significant bit first: a flag, three signed 5-bit deltas
  bit_field<bool, 1> on; std::array<bit_field<std::int8_t, 5>, 3> deltas;
  bool operator==(const LsbSamples&) const = default;
};
BOOST_DESCRIBE_STRUCT(LsbSamples, (), (on, deltas))

struct ColourPair {  // bpack's two 4-bit colours as a packed array of enums
  std::array<bit_field<colour, 4>, 2> colours;
  bool operator==(const ColourPair&) const = default;
};
BOOST_DESCRIBE_STRUCT(ColourPair, (), (colours))

struct WidePacked {  // 88 bits: seven 12-bit values, then reserved bits
  std::array<bit_field<std::uint16_t, 12>, 7> values; reserved_bits<4> pad;
  bool operator==(const WidePacked&) const = default;
};
BOOST_DESCRIBE_STRUCT(WidePacked, (), (values, pad))

struct Sensor {  // all three in one record, with a tail
  float16 temperature; flags<status_bit> status; Samples samples; std::vector<float16> history;
  bool operator==(const Sensor&) const = default;
};
BOOST_DESCRIBE_STRUCT(Sensor, (), (temperature, status, samples, history))

}  // namespace cft

template <>
inline constexpr comframe::core::bit_order comframe::core::bit_order_of<cft::LsbSamples> = comframe::core::bit_order::lsb;

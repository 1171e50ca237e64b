// The types of the property tests: every kind of the type system, the
// device-format kinds included. tests/core/faces_agree_property_test.cpp checks
// that both faces agree on them; tests/devices/codegen_differential_test.cpp that
// the generated C agrees with the core on them.
#pragma once

#include <array>
#include <boost/mp11/list.hpp>
#include <cstdint>
#include <vector>

#include "core/formats_types.hpp"
#include "core/test_types.hpp"

namespace cft {

using property_types = boost::mp11::mp_list<
    Point, Shape, AllScalars, Telemetry, TelemetryWithTail, Readings, Inner, Middle, Deep,
    WithNull, WithEnum, Matrix, Empty, Led, LedStrip, Text, std::uint16_t, std::int64_t,
    double, std::array<Point, 2>, std::vector<Shape>, std::vector<std::uint64_t>,
    std::array<std::array<std::int8_t, 2>, 3>, null, std::vector<std::array<float, 2>>,
    // the device-format kinds of comframe/core/layout.hpp
    Colours, StatusBits, LsbBits, WideBits, OddInts, Instrument, MixedOrder, GapAndTail,
    Names, colour, level, u24, i40, fixed_string<5>, fixed_bytes<4>,
    std::array<big<std::uint32_t>, 3>, little<i24>, std::vector<StatusBits>,
    // float16, flag sets, packed arrays in bit records (comframe/core/float16.hpp, flags.hpp)
    float16, Halves, FlagRecord, flags<wide_bit>, Samples, LsbSamples, ColourPair,
    WidePacked, Sensor, std::vector<big<float16>>>;

}  // namespace cft

// Property test: for two dozen types and random values, in all three byte
// orders, the static and the dynamic face give identical bytes and JSON, and
// both decode what they encoded back to the same value.
#include <gtest/gtest.h>

#include <random>

#include "comframe/core/json.hpp"
#include "comframe/core/schema.hpp"
#include "core/test_types.hpp"

namespace {

using namespace comframe::core;
using namespace cft;

template <class T>
void randomize(T& v, std::mt19937_64& rng) {
  constexpr type_kind k = kind_v<T>;
  if constexpr (k == type_kind::number) {
    if constexpr (std::is_enum_v<T>) v = static_cast<T>(rng() % 3);
    else if constexpr (std::is_same_v<T, bool>) v = rng() & 1;
    else if constexpr (std::is_floating_point_v<T>) {
      // Finite values over a wide range of magnitudes, and exact zero.
      std::uniform_real_distribution<double> mant(-1.0, 1.0);
      std::uniform_int_distribution<int> exp(-30, 30);
      v = rng() % 16 == 0 ? T{0} : static_cast<T>(std::ldexp(mant(rng), exp(rng)));
    } else {
      std::uint64_t bits = rng();
      std::memcpy(&v, &bits, sizeof v);
    }
  } else if constexpr (k == type_kind::array) {
    for (auto& e : v) randomize(e, rng);
  } else if constexpr (k == type_kind::dynamic_array) {
    v.resize(rng() % 4 == 0 ? 0 : rng() % 9);
    for (auto& e : v) randomize(e, rng);
  } else if constexpr (k == type_kind::structure) {
    boost::mp11::mp_for_each<detail::members_t<T>>([&](auto d) { randomize(v.*decltype(d)::pointer, rng); });
  }
}

template <class T>
class faces_agree : public ::testing::Test {};

using types = ::testing::Types<Point, Shape, AllScalars, Telemetry, TelemetryWithTail, Readings, Inner, Middle, Deep,
                               WithNull, WithEnum, Matrix, Empty, Led, LedStrip, Text, std::uint16_t, std::int64_t,
                               double, std::array<Point, 2>, std::vector<Shape>, std::vector<std::uint64_t>,
                               std::array<std::array<std::int8_t, 2>, 3>, null, std::vector<std::array<float, 2>>>;
TYPED_TEST_SUITE(faces_agree, types);

TYPED_TEST(faces_agree, on_bytes_json_and_sizes_in_every_byte_order) {
  using T = TypeParam;
  const schema s = schema::of<T>();
  EXPECT_EQ(schema::from_json(s.to_json()), s) << s.to_json().dump();
  EXPECT_EQ(schema::parse(s.to_json().dump()), s);
  EXPECT_EQ(s.fixed_size(), fixed_size<T>());
  EXPECT_EQ(s.min_size(), min_size<T>());
  if constexpr (!is_fixed_size_v<T>) {
    EXPECT_EQ(s.element_size(), element_size<T>());
  }

  const std::uint64_t seed = 20261122;
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 200; ++round) {
    T v{};
    randomize(v, rng);
    const nlohmann::json j = to_json(v);
    SCOPED_TRACE("seed " + std::to_string(seed) + ", round " + std::to_string(round) + ", value " + j.dump());
    for (endian e : {endian::native, endian::little, endian::big}) {
      const bytes b = encode(v, e);
      ASSERT_EQ(b.size(), current_size(v));
      ASSERT_EQ(b.size(), s.current_size(j));
      ASSERT_EQ(encode(s, j, e), b) << "dynamic encode differs, " << to_string(e);
      ASSERT_EQ(decode<T>(b, e), v) << "static round trip, " << to_string(e);
      ASSERT_EQ(decode(s, b, e), j) << "dynamic round trip, " << to_string(e);
    }
    ASSERT_EQ(from_json<T>(j), v);
    ASSERT_EQ(from_json<T>(nlohmann::json::parse(j.dump())), v) << "through JSON text";
    ASSERT_EQ(encode(v, endian::native), encode(v, std::endian::native == std::endian::little ? endian::little : endian::big));
  }
}

}  // namespace

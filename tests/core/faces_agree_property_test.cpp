// Property test: for fifty types and random values, in all three byte
// orders, the static and the dynamic face give identical bytes and JSON, and
// both decode what they encoded back to the same value. The types include the
// device-format kinds: odd-width integers, bit records in both bit orders,
// gaps, enums with names, text, bytes and per-field byte order.
#include <gtest/gtest.h>

#include <random>

#include "comframe/core/json.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/schema.hpp"
#include "comframe/core/schema_export.hpp"
#include "core/formats_types.hpp"
#include "core/test_types.hpp"

namespace {

using namespace comframe::core;
using namespace cft;

// Random bits as a value of W bits, sign-extended when `is_signed`.
std::uint64_t random_bits(std::mt19937_64& rng, unsigned width, bool is_signed) {
  const std::uint64_t raw = rng() & detail::low_mask(width);
  return is_signed ? static_cast<std::uint64_t>(detail::sign_extend(raw, width)) : raw;
}

template <class E>
E random_enumerator(std::mt19937_64& rng) {
  using tab = detail::enum_table<E>;
  return static_cast<E>(static_cast<std::underlying_type_t<E>>(tab::values[rng() % tab::size]));
}

template <class T, unsigned W>
void randomize_bits(bit_field<T, W>& f, std::mt19937_64& rng) {
  if constexpr (std::is_same_v<T, bool>) {
    f.value = rng() & 1;
  } else if constexpr (detail::described_enum<T>) {
    f.value = random_enumerator<T>(rng);
  } else {
    using R = comframe::core::detail::number_repr_t<T>;
    f.value = static_cast<T>(static_cast<R>(random_bits(rng, W, std::is_signed_v<R>)));
  }
}

template <unsigned W>
void randomize_bits(reserved_bits<W>&, std::mt19937_64&) {}

template <class T, unsigned W, std::size_t N>
void randomize_bits(std::array<bit_field<T, W>, N>& a, std::mt19937_64& rng) {
  for (auto& f : a) randomize_bits(f, rng);
}

template <class T>
void randomize(T& v, std::mt19937_64& rng) {
  constexpr type_kind k = kind_v<T>;
  if constexpr (detail::is_ordered_v<T>) {
    randomize(v.value, rng);
  } else if constexpr (k == type_kind::enumeration) {
    v = random_enumerator<T>(rng);
  } else if constexpr (k == type_kind::integer) {
    v.value = static_cast<typename T::value_type>(random_bits(rng, T::bits, T::is_signed));
  } else if constexpr (k == type_kind::float16) {
    // Any bit pattern: subnormals, infinities and -0 included; NaN as the one NaN JSON keeps ("nan").
    v = float16::from_bits(static_cast<std::uint16_t>(rng()));
    if (std::isnan(static_cast<float>(v))) v = float16::from_bits(0x7e00);
  } else if constexpr (k == type_kind::flags) {
    v.bits = static_cast<typename T::base_type>(rng() & detail::flags_table<T>::known);
  } else if constexpr (k == type_kind::text) {
    // ASCII and two-byte UTF-8 characters, NUL-padded: what a device would send.
    v = T{};
    std::size_t n = 0;
    const std::size_t want = rng() % (v.data.size() + 1);
    while (n < want) {
      if (rng() % 4 == 0 && n + 2 <= want) {
        v.data[n++] = static_cast<char>(0xc3);
        v.data[n++] = static_cast<char>(0x80 + rng() % 0x40);
      } else {
        v.data[n++] = static_cast<char>('a' + rng() % 26);
      }
    }
  } else if constexpr (k == type_kind::raw_bytes) {
    if constexpr (!detail::is_reserved_v<T>)
      for (auto& b : v.data) b = static_cast<std::uint8_t>(rng());
  } else if constexpr (k == type_kind::bit_record) {
    boost::mp11::mp_for_each<detail::members_t<T>>([&](auto d) { randomize_bits(v.*decltype(d)::pointer, rng); });
  } else if constexpr (k == type_kind::number) {
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
                               std::array<std::array<std::int8_t, 2>, 3>, null, std::vector<std::array<float, 2>>,
                               // the device-format kinds of comframe/core/layout.hpp
                               Colours, StatusBits, LsbBits, WideBits, OddInts, Instrument, MixedOrder, GapAndTail,
                               Names, colour, level, u24, i40, fixed_string<5>, fixed_bytes<4>,
                               std::array<big<std::uint32_t>, 3>, little<i24>, std::vector<StatusBits>,
                               // float16, flag sets, packed arrays in bit records (comframe/core/float16.hpp, flags.hpp)
                               float16, Halves, FlagRecord, flags<wide_bit>, Samples, LsbSamples, ColourPair,
                               WidePacked, Sensor, std::vector<big<float16>>>;
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

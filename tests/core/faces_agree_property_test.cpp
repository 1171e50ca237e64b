// Property test: for fifty types and random values, in all three byte
// orders, the static and the dynamic face give identical bytes and JSON, and
// both decode what they encoded back to the same value. The types include the
// device-format kinds: odd-width integers, bit records in both bit orders,
// gaps, enums with names, text, bytes and per-field byte order.
#include <gtest/gtest.h>

#include <boost/mp11/list.hpp>
#include <random>

#include "comframe/core/json.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/schema.hpp"
#include "comframe/core/schema_export.hpp"
#include "core/property_types.hpp"
#include "core/random_values.hpp"

namespace faces_agree_property_test {

namespace {

using namespace comframe::core;
using namespace cft;

template <class T>
class faces_agree : public ::testing::Test {};

using types = boost::mp11::mp_rename<property_types, ::testing::Types>;
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

}  // namespace faces_agree_property_test

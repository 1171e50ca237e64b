// Differential test of the generated C: for every type of the property tests
// (tests/core/property_types.hpp) and random values, in three profiles (little,
// big and native byte order, each with the types' own per-field orders), the
// generated encoder gives the bytes the C++ core's dynamic encoder gives, the
// generated decoder reads those bytes back to the same C struct, and that
// re-encodes to the same bytes.
//
// The C code was generated at build time (codegen_faces.cpp) and compiled with
// the kit's strict C99 flags into this program. A C++ value is turned into the
// generated C struct by c_writer below, which lays the struct out by the C ABI
// from the mapping docs/codegen.md gives (u24 -> uint32_t, text[N] -> char[N+1],
// a dynamic array -> [16] and a uint16_t count, ...): so the encoder is checked
// against the core, not against the generated decoder.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/list.hpp>
#include <cstring>
#include <random>
#include <typeinfo>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/json.hpp"
#include "comframe/core/schema_export.hpp"
#include "core/property_types.hpp"
#include "core/random_values.hpp"

#include "devices/faces_codecs.hpp"

namespace {

using namespace comframe::core;
using namespace cft;

using namespace comframe::test::faces;

// The --max-tail the C was generated with (the default).
constexpr std::size_t max_tail = 16;

// ---- C++ values as the generated C structs --------------------------------------

// Size and alignment of a C type.
struct c_shape {
  std::size_t size = 0;
  std::size_t align = 1;
};

std::size_t round_up(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }

// The bytes of an integer of the smallest <stdint.h> type that holds `bits` bits.
c_shape int_shape(unsigned bits) {
  const std::size_t n = bits <= 8 ? 1 : bits <= 16 ? 2 : bits <= 32 ? 4 : 8;
  return {n, n};
}

void put_int(std::uint8_t* p, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));  // the host is little-endian
}

template <class T>
constexpr bool is_vector_v = false;
template <class T>
constexpr bool is_vector_v<std::vector<T>> = true;

// Lays out a C struct member by member (p null: only the shape).
class c_struct {
 public:
  explicit c_struct(std::uint8_t* p) : p_(p) {}
  std::uint8_t* add(c_shape s) {
    size_ = round_up(size_, s.align);
    std::uint8_t* at = p_ ? p_ + size_ : nullptr;
    size_ += s.size;
    align_ = std::max(align_, s.align);
    ++members_;
    return at;
  }
  c_shape finish() {
    if (members_ == 0) add({1, 1});  // the generator's "unused_" member
    return {round_up(size_, align_), align_};
  }

 private:
  std::uint8_t* p_;
  std::size_t size_ = 0;
  std::size_t align_ = 1;
  std::size_t members_ = 0;
};

template <class T>
c_shape shape_of();
template <class T>
void write_value(const T& v, std::uint8_t* p);

// A member of a struct that is not a bit record (v null: only the shape).
template <class M>
void write_member(c_struct& s, const M* v) {
  if constexpr (std::is_same_v<M, null> || detail::is_reserved_v<M>) {
    return;
  } else if constexpr (detail::is_ordered_v<M>) {
    write_member(s, v ? &v->value : static_cast<const typename M::value_type*>(nullptr));
  } else if constexpr (is_vector_v<M>) {
    using E = typename M::value_type;
    const c_shape e = shape_of<E>();
    std::uint8_t* at = s.add({e.size * max_tail, e.align});
    if (v) {
      if (v->size() > max_tail) throw std::logic_error("a random tail over the C maximum");
      for (std::size_t i = 0; i < v->size(); ++i) write_value((*v)[i], at + i * e.size);
    }
    std::uint8_t* count = s.add({2, 2});
    if (v) put_int(count, v->size(), 2);
  } else {
    std::uint8_t* at = s.add(shape_of<M>());
    if (v) write_value(*v, at);
  }
}

// A member of a bit record.
template <class M>
void write_bit_member(c_struct& s, const M* v) {
  if constexpr (detail::is_reserved_bits_v<M>) {
    return;
  } else if constexpr (detail::is_bit_field_v<M>) {
    using T = typename M::value_type;
    const c_shape sh = std::is_same_v<T, bool> ? c_shape{1, 1} : int_shape(M::width);
    std::uint8_t* at = s.add(sh);
    if (v) put_int(at, static_cast<std::uint64_t>(static_cast<detail::number_repr_t<T>>(v->value)), sh.size);
  } else {  // std::array<bit_field<T, W>, N>
    using F = typename M::value_type;
    using T = typename F::value_type;
    const c_shape e = std::is_same_v<T, bool> ? c_shape{1, 1} : int_shape(F::width);
    std::uint8_t* at = s.add({e.size * std::tuple_size_v<M>, e.align});
    if (v)
      for (std::size_t i = 0; i < v->size(); ++i)
        put_int(at + i * e.size, static_cast<std::uint64_t>(static_cast<detail::number_repr_t<T>>((*v)[i].value)),
                e.size);
  }
}

template <class S>
c_shape write_struct(const S* v, std::uint8_t* p) {
  c_struct s(p);
  boost::mp11::mp_for_each<detail::members_t<S>>([&](auto d) {
    using M = detail::member_type_t<S, decltype(d)>;
    const M* m = v ? &(v->*decltype(d)::pointer) : nullptr;
    if constexpr (kind_v<S> == type_kind::bit_record) write_bit_member(s, m);
    else write_member(s, m);
  });
  return s.finish();
}

template <class T>
c_shape shape_of() {
  constexpr type_kind k = kind_v<T>;
  if constexpr (detail::is_ordered_v<T>) {
    return shape_of<typename T::value_type>();
  } else if constexpr (k == type_kind::number) {
    return {sizeof(T), alignof(T)};
  } else if constexpr (k == type_kind::enumeration) {
    return {sizeof(T), alignof(T)};
  } else if constexpr (k == type_kind::integer) {
    return int_shape(T::bits);
  } else if constexpr (k == type_kind::float16) {
    return {2, 2};
  } else if constexpr (k == type_kind::flags) {
    return {sizeof(typename T::base_type), alignof(typename T::base_type)};
  } else if constexpr (k == type_kind::text) {
    return {std::tuple_size_v<decltype(T{}.data)> + 1, 1};
  } else if constexpr (k == type_kind::raw_bytes) {
    return {std::tuple_size_v<decltype(T{}.data)>, 1};
  } else if constexpr (k == type_kind::array) {
    const c_shape e = shape_of<typename T::value_type>();
    return {e.size * std::tuple_size_v<T>, e.align};
  } else {
    static_assert(k == type_kind::structure || k == type_kind::bit_record);
    return write_struct<T>(nullptr, nullptr);
  }
}

template <class T>
void write_value(const T& v, std::uint8_t* p) {
  constexpr type_kind k = kind_v<T>;
  if constexpr (detail::is_ordered_v<T>) {
    write_value(v.value, p);
  } else if constexpr (k == type_kind::number || k == type_kind::enumeration) {
    std::memcpy(p, &v, sizeof v);
  } else if constexpr (k == type_kind::integer) {
    put_int(p, static_cast<std::uint64_t>(v.value), int_shape(T::bits).size);
  } else if constexpr (k == type_kind::float16) {
    put_int(p, v.bits, 2);
  } else if constexpr (k == type_kind::flags) {
    put_int(p, v.bits, sizeof v.bits);
  } else if constexpr (k == type_kind::text) {
    std::copy(v.data.begin(), v.data.end(), p);
    p[v.data.size()] = 0;
  } else if constexpr (k == type_kind::raw_bytes) {
    std::copy(v.data.begin(), v.data.end(), p);
  } else if constexpr (k == type_kind::array) {
    const c_shape e = shape_of<typename T::value_type>();
    for (std::size_t i = 0; i < v.size(); ++i) write_value(v[i], p + i * e.size);
  } else {
    write_struct(&v, p);
  }
}

// The generated C struct of a payload of type T: T's own struct, or the
// generator's wrapper with one member "value".
template <class T>
std::vector<std::uint8_t> as_c(const T& v, std::size_t c_size) {
  std::vector<std::uint8_t> out(c_size, 0);
  c_shape shape;
  if constexpr (kind_v<T> == type_kind::structure || kind_v<T> == type_kind::bit_record) {
    shape = write_struct(&v, out.data());
  } else {
    c_struct s(out.data());
    write_member(s, &v);
    shape = s.finish();
  }
  if (shape.size != c_size)
    throw std::logic_error("the C layout of " + std::string(typeid(T).name()) + " is " + std::to_string(shape.size) +
                           " bytes here but sizeof is " + std::to_string(c_size));
  return out;
}

// ---- the test -------------------------------------------------------------------

template <class T>
class generated_c_agrees : public ::testing::Test {};

using types = boost::mp11::mp_rename<property_types, ::testing::Types>;
TYPED_TEST_SUITE(generated_c_agrees, types);

TYPED_TEST(generated_c_agrees, with_the_core_on_bytes_in_every_byte_order) {
  using T = TypeParam;
  constexpr std::size_t index = boost::mp11::mp_find<property_types, T>::value;
  const schema s = schema::of<T>();
  const std::uint64_t seed = 20261206;
  for (const auto& [order, codecs] : {std::pair{endian::little, little_codecs}, std::pair{endian::big, big_codecs},
                                      std::pair{endian::native, native_codecs}}) {
    const c_codec& c = codecs[index];
    if (!c.present) {
      ASSERT_EQ(s.root().kind, type_kind::null);  // a null payload has no C struct
      continue;
    }
    std::mt19937_64 rng(seed);
    for (int round = 0; round < 200; ++round) {
      T v{};
      randomize(v, rng);
      const nlohmann::json j = to_json(v);
      SCOPED_TRACE("seed " + std::to_string(seed) + ", round " + std::to_string(round) + ", " +
                   std::string(to_string(order)) + ", value " + j.dump());
      const bytes want = encode(s, j, order);
      const std::vector<std::uint8_t> value = as_c(v, c.size);

      std::vector<std::uint8_t> out(want.size() + 8, 0xee);
      ASSERT_EQ(c.encode(value.data(), out.data(), out.size()), want.size());
      ASSERT_EQ(bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(want.size())), want) << "C encode differs";
      if (!want.empty()) {
        EXPECT_EQ(c.encode(value.data(), out.data(), want.size() - 1), 0u) << "a buffer one byte short";
      }

      std::vector<std::uint8_t> back(c.size, 0x5a);
      ASSERT_TRUE(c.decode(want.data(), want.size(), back.data())) << "C decode refused the core's bytes";
      ASSERT_EQ(back, value) << "C decode gives another struct";
      std::vector<std::uint8_t> again(want.size() + 1, 0xee);
      ASSERT_EQ(c.encode(back.data(), again.data(), again.size()), want.size());
      ASSERT_EQ(bytes(again.begin(), again.begin() + static_cast<std::ptrdiff_t>(want.size())), want);

      if (s.fixed_size()) {
        std::vector<std::uint8_t> longer(want.begin(), want.end());
        longer.push_back(0);
        EXPECT_FALSE(c.decode(longer.data(), longer.size(), back.data())) << "a trailing byte";
        if (!want.empty()) {
          EXPECT_FALSE(c.decode(want.data(), want.size() - 1, back.data())) << "a byte short";
        }
      }
    }
  }
}

// Bytes the core refuses, the C decoder refuses too: a bool of 2, an enum value
// without a name, an unnamed flag bit, text that is not UTF-8, a tail over its maximum.
TEST(generated_c_decoder, refuses_what_the_core_refuses) {
  constexpr std::size_t all_scalars = boost::mp11::mp_find<property_types, AllScalars>::value;
  constexpr std::size_t colour_index = boost::mp11::mp_find<property_types, colour>::value;
  constexpr std::size_t flags_index = boost::mp11::mp_find<property_types, flags<wide_bit>>::value;
  constexpr std::size_t text_index = boost::mp11::mp_find<property_types, fixed_string<5>>::value;
  constexpr std::size_t tail_index = boost::mp11::mp_find<property_types, std::vector<std::uint64_t>>::value;
  std::vector<std::uint8_t> buf(4096);

  auto refused_by_both = [&](std::size_t index, auto type_tag, std::vector<std::uint8_t> bad) {
    using T = typename decltype(type_tag)::type;
    EXPECT_THROW(decode(schema::of<T>(), bad, endian::little), codec_error);
    EXPECT_FALSE(little_codecs[index].decode(bad.data(), bad.size(), buf.data()));
  };
  AllScalars a{};
  bytes b = encode(a, endian::little);
  b[b.size() - 2] = 2;  // the bool "flag"
  refused_by_both(all_scalars, boost::mp11::mp_identity<AllScalars>{}, b);
  refused_by_both(colour_index, boost::mp11::mp_identity<colour>{}, {4});
  refused_by_both(flags_index, boost::mp11::mp_identity<flags<wide_bit>>{}, {0x02, 0x00});
  refused_by_both(text_index, boost::mp11::mp_identity<fixed_string<5>>{}, {'a', 0xc3, 'b', 0, 0});
  refused_by_both(text_index, boost::mp11::mp_identity<fixed_string<5>>{}, {0xed, 0xa0, 0x80, 0, 0});  // a surrogate
  std::vector<std::uint8_t> tail(8 * (max_tail + 1), 0);
  EXPECT_FALSE(little_codecs[tail_index].decode(tail.data(), tail.size(), buf.data()));
  EXPECT_TRUE(little_codecs[tail_index].decode(tail.data(), 8 * max_tail, buf.data()));
  EXPECT_FALSE(little_codecs[tail_index].decode(tail.data(), 8 * max_tail - 1, buf.data()));
}

}  // namespace

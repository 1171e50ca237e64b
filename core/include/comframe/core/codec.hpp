// comframe/core/codec.hpp — the static face of the type system: plain C++
// types to bytes and back.
//
// A comframe type is one of five kinds:
//   Struct        an aggregate described with BOOST_DESCRIBE_STRUCT (public members, in order)
//   Array         std::array<T, N>, N > 0
//   DynamicArray  std::vector<T>, its length known only from the bytes
//   Number        an arithmetic type (bool, char, integers up to 64 bits, float, double) or an enum
//   Null          comframe::core::null: no bytes, JSON null
// nested to any depth, and the device-format kinds of comframe/core/layout.hpp
// (odd-width integers, bit records, described enums, fixed text and bytes,
// reserved gaps, a byte order per field). Only the leaves become bytes, depth
// first, with no padding but the reserved bytes a type states. A dynamic array
// may only be the very last leaf, at any nesting depth, so every value decodes
// unambiguously; a type that breaks this fails to compile.
//
// Example:
//   struct Reading { std::uint32_t id; std::array<float, 3> xyz; std::vector<std::int16_t> temps; };
//   BOOST_DESCRIBE_STRUCT(Reading, (), (id, xyz, temps))
//
//   auto bytes = comframe::core::encode(Reading{7, {1, 2, 3}, {-5, 20}}, endian::big);  // 20 bytes
//   auto back  = comframe::core::decode<Reading>(bytes, endian::big);
//   static_assert(comframe::core::min_size<Reading>() == 16);
//
// Thread safety: every function here is reentrant; none keeps state.
#pragma once

#include <array>
#include <boost/describe/class.hpp>  // BOOST_DESCRIBE_STRUCT, for users of this header
#include <boost/describe/members.hpp>
#include <boost/describe/bases.hpp>
#include <boost/describe/enum.hpp>  // BOOST_DESCRIBE_ENUM, for users of this header
#include <boost/describe/enumerators.hpp>
#include <boost/mp11/algorithm.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <utility>
#include <string>
#include <type_traits>
#include <vector>

#include "comframe/core/endian.hpp"
#include "comframe/core/error.hpp"
#include "comframe/core/flags.hpp"
#include "comframe/core/float16.hpp"
#include "comframe/core/layout.hpp"
#include "comframe/core/scalar.hpp"
#include "comframe/core/type_kind.hpp"
#include "comframe/core/type_name.hpp"

namespace comframe::core {

/// The Null kind: no bytes, JSON null.
struct null {
  friend constexpr bool operator==(null, null) noexcept { return true; }
};

/// Encoded bytes.
using bytes = std::vector<std::uint8_t>;

namespace detail {

template <class T> struct std_array_traits : std::false_type {};
template <class E, std::size_t N>
struct std_array_traits<std::array<E, N>> : std::true_type {
  using element = E;
  static constexpr std::size_t length = N;
};

template <class T> struct vector_traits : std::false_type {};
template <class E, class A>
struct vector_traits<std::vector<E, A>> : std::true_type {
  using element = E;
};
template <class Vec, field_name C, count_unit U>
struct vector_traits<counted<Vec, C, U>> : vector_traits<Vec> {};

template <class T>
concept described_struct =
    std::is_class_v<T> && boost::describe::has_describe_members<T>::value;

template <class T>
using members_t = boost::describe::describe_members<T, boost::describe::mod_public>;

template <class T, class D>
using member_type_t = std::remove_cvref_t<decltype(std::declval<T&>().*D::pointer)>;

template <class T>
concept described_enum = std::is_enum_v<T> && boost::describe::has_describe_enumerators<T>::value;

// ---- flag sets: the names and bit positions of flags<E, Base> ------------------

template <class T>
struct flags_table {
  using E = typename T::enum_type;
  using list = boost::describe::describe_enumerators<E>;
  static constexpr std::size_t size = boost::mp11::mp_size<list>::value;
  static constexpr std::size_t width = sizeof(typename T::base_type) * 8;
  static constexpr auto names = [] {
    std::array<std::string_view, size> out{};
    std::size_t i = 0;
    boost::mp11::mp_for_each<list>([&](auto d) { out[i++] = d.name; });
    return out;
  }();
  static constexpr auto positions = [] {
    std::array<std::int64_t, size> out{};
    std::size_t i = 0;
    boost::mp11::mp_for_each<list>(
        [&](auto d) { out[i++] = static_cast<std::int64_t>(static_cast<std::underlying_type_t<E>>(d.value)); });
    return out;
  }();
  /// The bits that have a name.
  static constexpr std::uint64_t known = [] {
    std::uint64_t m = 0;
    for (auto p : positions)
      if (p >= 0 && static_cast<std::size_t>(p) < width) m |= std::uint64_t{1} << p;
    return m;
  }();
};

template <class T>
consteval bool flags_positions_fit() {
  static_assert(boost::describe::has_describe_enumerators<typename T::enum_type>::value,
                "comframe: the enum of flags<E, Base> must be described with BOOST_DESCRIBE_ENUM");
  using tab = flags_table<T>;
  for (std::size_t i = 0; i < tab::size; ++i) {
    if (tab::positions[i] < 0 || static_cast<std::size_t>(tab::positions[i]) >= tab::width) return false;
    for (std::size_t k = 0; k < i; ++k)
      if (tab::positions[k] == tab::positions[i]) return false;
  }
  return tab::size > 0;
}

/// Throws codec_error(invalid_bytes) at `offset`: bit `bit` is set but has no name in `label`.
[[noreturn]] void throw_unnamed_flag(unsigned bit, std::string_view label, const std::string& list, std::size_t offset);

template <class T, template <class...> class L, class... D>
consteval bool all_bit_fields(L<D...>) {
  return sizeof...(D) > 0 && (is_bit_member_v<member_type_t<T, D>> && ...);
}
template <class T, template <class...> class L, class... D>
consteval bool any_bit_field(L<D...>) {
  return (is_bit_member_v<member_type_t<T, D>> || ...);
}

template <class T>
consteval type_kind kind_of() {
  if constexpr (std::is_same_v<T, null>) return type_kind::null;
  else if constexpr (is_ordered_v<T>) return kind_of<typename T::value_type>();
  else if constexpr (integer_n_traits<T>::value) return type_kind::integer;
  else if constexpr (fixed_string_traits<T>::value) return type_kind::text;
  else if constexpr (fixed_bytes_traits<T>::value) return type_kind::raw_bytes;  // fixed_bytes and reserved
  else if constexpr (std::is_same_v<T, float16>) return type_kind::float16;
  else if constexpr (flags_traits<T>::value) return type_kind::flags;
  else if constexpr (described_enum<T>) return type_kind::enumeration;
  else if constexpr (number_type<T>) return type_kind::number;
  else if constexpr (std_array_traits<T>::value) return type_kind::array;
  else if constexpr (vector_traits<T>::value) return type_kind::dynamic_array;
  else if constexpr (described_struct<T>) {
    if constexpr (all_bit_fields<T>(members_t<T>{})) return type_kind::bit_record;
    else {
      static_assert(!any_bit_field<T>(members_t<T>{}),
                    "comframe: a struct with a bit_field must have only bit_field members (a bit record); nest the "
                    "bit record as a member of a byte-level struct");
      return type_kind::structure;
    }
  } else {
    static_assert(!is_bit_field_v<T> && !is_reserved_bits_v<T>,
                  "comframe: a bit_field may only be a member of a bit record (a described struct whose members are "
                  "all bit fields)");
    static_assert(sizeof(T) == 0,
                  "comframe: not a comframe type. Use a struct described with BOOST_DESCRIBE_STRUCT, "
                  "std::array, std::vector, an arithmetic type, an enum or comframe::core::null.");
    return type_kind::null;
  }
}

/// Bit widths, offsets and total of the bit record T.
template <std::size_t N>
struct bit_layout {
  std::array<unsigned, N> width{};
  std::array<std::size_t, N> offset{};
  std::size_t total = 0;
};

template <class T, template <class...> class L, class... D>
consteval auto bit_layout_of(L<D...>) {
  bit_layout<sizeof...(D)> r;
  const unsigned w[] = {bit_width_of<member_type_t<T, D>>()...};
  for (std::size_t i = 0; i < sizeof...(D); ++i) {
    r.width[i] = w[i];
    r.offset[i] = r.total;
    r.total += w[i];
  }
  return r;
}

template <class T>
inline constexpr auto bit_layout_v = bit_layout_of<T>(members_t<T>{});

/// Compile-time facts about a type's encoding.
struct static_info {
  bool dynamic = false;              // contains the dynamic array (its last leaf)
  std::size_t min_size = 0;          // bytes of everything but the dynamic array's elements
  std::size_t tail_element_size = 0; // bytes per element of that dynamic array
  bool counted = false;              // holds a counted field (core::counted): its size varies with the counts
};

template <class T> consteval static_info info_of();

template <class T, template <class...> class L, class... D>
consteval static_info struct_info(L<D...>) {
  static_info r;
  constexpr std::size_t n = sizeof...(D);
  if constexpr (n > 0) {
    constexpr static_info fields[] = {info_of<member_type_t<T, D>>()...};
    for (std::size_t i = 0; i < n; ++i) {
      r.min_size += fields[i].min_size;
      r.counted |= fields[i].counted;
      if (fields[i].dynamic) {
        r.dynamic = true;
        r.tail_element_size = fields[i].tail_element_size;
      }
    }
  }
  return r;
}

template <class T, template <class...> class L, class... D>
consteval bool dynamic_only_last(L<D...>) {
  constexpr std::size_t n = sizeof...(D);
  if constexpr (n == 0) {
    return true;
  } else {
    constexpr bool dyn[] = {info_of<member_type_t<T, D>>().dynamic...};
    for (std::size_t i = 0; i + 1 < n; ++i)
      if (dyn[i]) return false;
    return true;
  }
}

// ---- counted fields: which member counts which ---------------------------------

inline constexpr std::size_t no_member = static_cast<std::size_t>(-1);

template <class T, template <class...> class L, class... D>
consteval std::size_t member_index(std::string_view name, L<D...>) {
  std::size_t i = 0, found = no_member;
  ((found = (found == no_member && std::string_view(D::name) == name) ? i : found, ++i), ...);
  return found;
}

// The index of the member that member `name` of T counts, or no_member.
template <class T, template <class...> class L, class... D>
consteval std::size_t counted_member(std::string_view name, L<D...>) {
  std::size_t i = 0, found = no_member;
  ((found = [&] {
     using M = member_type_t<T, D>;
     if constexpr (is_counted_v<M>) return (found == no_member && M::count_field == name) ? i : found;
     else return found;
   }(),
    ++i),
   ...);
  return found;
}

template <class M>
inline constexpr bool is_count_type_v = [] {
  if constexpr (is_ordered_v<M>) return is_count_type_v<typename M::value_type>;
  else if constexpr (integer_n_traits<M>::value) return !M::is_signed;
  else return std::is_integral_v<M> && std::is_unsigned_v<M> && !std::is_same_v<M, bool> && !std::is_same_v<M, char>;
}();

// Every counted member names an earlier unsigned-integer member that counts nothing else.
template <class T, template <class...> class L, class... D>
consteval bool counts_ok(L<D...>) {
  std::size_t i = 0;
  bool ok = true;
  ((ok = ok && [&] {
     using M = member_type_t<T, D>;
     if constexpr (is_counted_v<M>) {
       constexpr std::size_t c = member_index<T>(M::count_field, L<D...>{});
       if constexpr (c == no_member) return false;
       else return c < i && is_count_type_v<member_type_t<T, boost::mp11::mp_at_c<boost::mp11::mp_list<D...>, c>>> &&
                   counted_member<T>(M::count_field, L<D...>{}) == i;
     } else {
       return true;
     }
   }(),
    ++i),
   ...);
  return ok;
}

template <class T>
consteval static_info info_of() {
  constexpr type_kind k = kind_of<T>();
  if constexpr (k == type_kind::null) {
    return {};
  } else if constexpr (is_ordered_v<T>) {
    return info_of<typename T::value_type>();
  } else if constexpr (k == type_kind::number || k == type_kind::enumeration) {
    return {false, sizeof(T), 0};
  } else if constexpr (k == type_kind::float16) {
    return {false, 2, 0};
  } else if constexpr (k == type_kind::flags) {
    static_assert(flags_positions_fit<T>(), "comframe: a flag's bit position must be below the width of its base type");
    return {false, sizeof(typename T::base_type), 0};
  } else if constexpr (k == type_kind::integer) {
    static_assert(T::bits % 8 == 0,
                  "comframe: an integer_n in a struct takes whole bytes (uint_n<24>); put narrower ones in a bit "
                  "record as bit_field");
    return {false, T::bits / 8, 0};
  } else if constexpr (k == type_kind::text) {
    return {false, fixed_string_traits<T>::length, 0};
  } else if constexpr (k == type_kind::raw_bytes) {
    return {false, fixed_bytes_traits<T>::length, 0};
  } else if constexpr (k == type_kind::bit_record) {
    static_assert(bit_layout_v<T>.total % 8 == 0,
                  "comframe: a bit record must be a whole number of bytes; add a field or widen one");
    return {false, bit_layout_v<T>.total / 8, 0};
  } else if constexpr (is_counted_v<T>) {
    using E = typename vector_traits<T>::element;
    static_assert(!info_of<E>().dynamic && !info_of<E>().counted && info_of<E>().min_size > 0,
                  "comframe: the element of a counted field must have a fixed size above zero");
    return {false, 0, info_of<E>().min_size, true};
  } else if constexpr (k == type_kind::array) {
    using E = typename std_array_traits<T>::element;
    constexpr std::size_t n = std_array_traits<T>::length;
    static_assert(!info_of<E>().counted,
                  "comframe: the static face keeps a struct with a counted field out of arrays (the schema "
                  "language allows it)");
    static_assert(n > 0, "comframe: a fixed array (std::array) must have at least one element");
    static_assert(!info_of<E>().dynamic,
                  "comframe: the element of a fixed array (std::array) may not contain a dynamic array "
                  "(std::vector): a dynamic array may only be the last leaf of a type");
    static_assert(info_of<E>().dynamic || info_of<E>().min_size > 0,
                  "comframe: the element of a fixed array (std::array) must have a size above zero: null or a "
                  "struct with no bytes would put elements in the array that are not on the wire");
    return {false, info_of<E>().min_size * n, 0};
  } else if constexpr (k == type_kind::dynamic_array) {
    using E = typename vector_traits<T>::element;
    static_assert(!std::is_same_v<E, bool> || sizeof(E) == 0,
                  "comframe: std::vector<bool> is not a plain array; use std::vector<std::uint8_t>");
    static_assert(!info_of<E>().dynamic,
                  "comframe: the element of a dynamic array (std::vector) may not contain another dynamic "
                  "array: a type may hold only one, as its last leaf");
    static_assert(info_of<E>().min_size > 0,
                  "comframe: the element of a dynamic array (std::vector) must have a size above zero, or "
                  "its length could not be told from the bytes");
    static_assert(!info_of<E>().counted,
                  "comframe: the static face keeps a struct with a counted field out of arrays (the schema "
                  "language allows it)");
    return {true, 0, info_of<E>().min_size};
  } else {
    static_assert(boost::mp11::mp_empty<boost::describe::describe_bases<T, boost::describe::mod_any_access>>::value,
                  "comframe: a described struct may not have base classes; make the base a field instead");
    static_assert(dynamic_only_last<T>(members_t<T>{}),
                  "comframe: a dynamic array (std::vector), or a struct that contains one, may only be the last "
                  "field of a struct");
    static_assert(counts_ok<T>(members_t<T>{}),
                  "comframe: a core::counted member must name an earlier member of the same struct that is an "
                  "unsigned integer and counts no other member");
    constexpr static_info r = struct_info<T>(members_t<T>{});
    static_assert(!(r.counted && r.dynamic),
                  "comframe: in the static face a struct with a counted field may not also end in a dynamic "
                  "array (std::vector); count it too");
    return r;
  }
}

template <class T>
inline constexpr static_info info_v = info_of<T>();

}  // namespace detail

/// The kind of a C++ type in the type system.
template <class T>
inline constexpr type_kind kind_v = detail::kind_of<T>();

/// True when T has no dynamic array, so every value of T encodes to fixed_size<T>() bytes.
template <class T>
inline constexpr bool is_fixed_size_v = !detail::info_v<T>.dynamic && !detail::info_v<T>.counted;

/// Encoded size of every value of T, or nullopt when T is dynamic (UD003 getSize()).
template <class T>
constexpr std::optional<std::size_t> fixed_size() noexcept {
  if constexpr (is_fixed_size_v<T>) return detail::info_v<T>.min_size;
  else return std::nullopt;
}

/// Bytes of everything but the dynamic array's elements (UD003 getMinSize()).
template <class T>
constexpr std::size_t min_size() noexcept { return detail::info_v<T>.min_size; }

/// Bytes per element of T's dynamic array (UD003 getElementSize()). T must be dynamic.
template <class T>
constexpr std::size_t element_size() noexcept {
  static_assert(detail::info_v<T>.dynamic, "comframe: element_size<T>() needs a T that holds a dynamic array");
  return detail::info_v<T>.tail_element_size;
}

namespace detail {

// The number of elements in the dynamic array at the end of `v`.
template <class T>
std::size_t tail_length(const T& v) noexcept {
  if constexpr (kind_v<T> == type_kind::dynamic_array) {
    return v.size();
  } else if constexpr (kind_v<T> == type_kind::structure) {
    using D = boost::mp11::mp_back<members_t<T>>;
    return tail_length(v.*D::pointer);
  } else {
    return 0;
  }
}

// The field path of T's dynamic array: "readings.temps"; "" for T itself.
template <class T>
std::string tail_path() {
  if constexpr (kind_v<T> == type_kind::structure) {
    using D = boost::mp11::mp_back<members_t<T>>;
    std::string inner = tail_path<member_type_t<T, D>>();
    return inner.empty() ? std::string(D::name) : std::string(D::name) + "." + inner;
  } else {
    return {};
  }
}

template <class T>
std::string type_expression();

template <class T>
std::string tail_element_type() {
  if constexpr (kind_v<T> == type_kind::dynamic_array) {
    return type_expression<typename vector_traits<T>::element>();
  } else if constexpr (kind_v<T> == type_kind::structure) {
    using D = boost::mp11::mp_back<members_t<T>>;
    return tail_element_type<member_type_t<T, D>>();
  } else {
    return {};
  }
}

// T as a schema type expression, for messages and the exporter: "i32",
// "demo::Point", "u8[4]", ">u24". A flag set has no expression of its own (the
// schema writes it inline): it is "flags of E", for messages only.
template <class T>
std::string type_expression() {
  constexpr type_kind k = kind_v<T>;
  if constexpr (is_ordered_v<T>)
    return (T::order == endian::little ? "<" : T::order == endian::big ? ">" : "=") +
           type_expression<typename T::value_type>();
  else if constexpr (k == type_kind::null) return "null";
  else if constexpr (k == type_kind::number) return std::string(to_string(scalar_of<T>()));
  else if constexpr (k == type_kind::integer) return std::string(1, T::is_signed ? 'i' : 'u') += std::to_string(T::bits);
  else if constexpr (k == type_kind::float16) return "f2";
  else if constexpr (k == type_kind::flags) return "flags of " + std::string(type_name_v<typename T::enum_type>);
  else if constexpr (k == type_kind::text) return "text[" + std::to_string(fixed_string_traits<T>::length) + "]";
  else if constexpr (k == type_kind::raw_bytes) return "bytes[" + std::to_string(fixed_bytes_traits<T>::length) + "]";
  else if constexpr (k == type_kind::array)
    return type_expression<typename std_array_traits<T>::element>() + "[" +
           std::to_string(std_array_traits<T>::length) + "]";
  else if constexpr (k == type_kind::dynamic_array)
    return type_expression<typename vector_traits<T>::element>() + "[]";
  else return std::string(type_name_v<T>);
}

/// Checks that `n` bytes can hold a value of a type with these sizes, and
/// returns how many elements its dynamic array then has (0 for a fixed type).
/// Throws codec_error(errc::size) naming the tail's path otherwise.
std::size_t check_size(std::size_t n, bool dynamic, std::size_t min_size, std::size_t tail_element_size,
                       std::string_view tail_path, std::string_view tail_element_type);

// ---- enums, text, bit fields -------------------------------------------------

/// "idle = 0, run = 1" from parallel lists of names and values.
std::string enum_value_list(const std::string_view* names, const std::int64_t* values, std::size_t n);
/// Throws codec_error(invalid_bytes) at `offset`: `value` has no name in `label` ("enum Mode").
[[noreturn]] void throw_unnamed_enum(std::int64_t value, std::string_view label, const std::string& list,
                                     std::size_t offset);
/// True when the text up to its first NUL is UTF-8.
bool text_valid(const char* p, std::size_t n) noexcept;
/// Throws codec_error(invalid_bytes) at the first byte of the text at `offset` that breaks UTF-8, if any.
void check_text(const char* p, std::size_t n, std::size_t offset);

template <class E>
struct enum_table {
  static constexpr std::size_t size = boost::mp11::mp_size<boost::describe::describe_enumerators<E>>::value;
  static constexpr auto names = [] {
    std::array<std::string_view, size> out{};
    std::size_t i = 0;
    boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto d) { out[i++] = d.name; });
    return out;
  }();
  static constexpr auto values = [] {
    std::array<std::int64_t, size> out{};
    std::size_t i = 0;
    boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>(
        [&](auto d) { out[i++] = static_cast<std::int64_t>(static_cast<std::underlying_type_t<E>>(d.value)); });
    return out;
  }();
  static constexpr bool has(std::int64_t v) noexcept {
    for (auto x : values)
      if (x == v) return true;
    return false;
  }
};

template <class E>
constexpr std::int64_t enum_value(E e) noexcept {
  return static_cast<std::int64_t>(static_cast<std::underlying_type_t<E>>(e));
}

// A bit field's value as the bits it is written with (before masking).
template <class T, unsigned W>
constexpr std::uint64_t raw_bits(const bit_field<T, W>& f) noexcept {
  if constexpr (std::is_same_v<T, bool>) return f.value ? 1 : 0;
  else if constexpr (std::is_enum_v<T>) return static_cast<std::uint64_t>(static_cast<std::underlying_type_t<T>>(f.value));
  else return static_cast<std::uint64_t>(f.value);
}

template <unsigned W>
constexpr std::uint64_t raw_bits(const reserved_bits<W>&) noexcept {
  return 0;
}
template <unsigned W>
constexpr void set_bits(reserved_bits<W>&, std::uint64_t, bool&) noexcept {}

template <class T, unsigned W>
constexpr void set_bits(bit_field<T, W>& f, std::uint64_t raw, bool& ok) noexcept {
  if constexpr (std::is_same_v<T, bool>) {
    f.value = raw != 0;
  } else {
    using R = comframe::core::detail::number_repr_t<T>;
    const R r = std::is_signed_v<R> ? static_cast<R>(sign_extend(raw, W)) : static_cast<R>(raw);
    f.value = static_cast<T>(r);
    if constexpr (described_enum<T>) ok &= enum_table<T>::has(static_cast<std::int64_t>(r));
  }
}

// Packed arrays (std::array of bit fields) are written element by element.
template <class M>
inline void write_member(std::uint8_t* p, std::size_t offset, const M& m, bit_order o) noexcept {
  if constexpr (is_packed_bits_v<M>) {
    constexpr unsigned w = packed_bits_traits<M>::element_width;
    for (std::size_t i = 0; i < m.size(); ++i) write_bits(p, offset + i * w, w, raw_bits(m[i]), o);
  } else {
    write_bits(p, offset, M::width, raw_bits(m), o);
  }
}

template <class M>
inline void read_member(const std::uint8_t* p, std::size_t offset, M& m, bit_order o, bool& ok) noexcept {
  if constexpr (is_packed_bits_v<M>) {
    constexpr unsigned w = packed_bits_traits<M>::element_width;
    for (std::size_t i = 0; i < m.size(); ++i) set_bits(m[i], read_bits(p, offset + i * w, w, o), ok);
  } else {
    set_bits(m, read_bits(p, offset, M::width, o), ok);
  }
}

template <class T, template <class...> class L, class... D>
consteval bool has_packed_bits(L<D...>) {
  return (is_packed_bits_v<member_type_t<T, D>> || ...);
}

template <class T, class... D, std::size_t... I>
inline void put_bit_record(std::uint8_t* p, const T& v, boost::mp11::mp_list<D...>, std::index_sequence<I...>) noexcept {
  constexpr auto L = bit_layout_v<T>;
  constexpr bool msb = bit_order_of<T> == bit_order::msb;
  if constexpr (has_packed_bits<T>(members_t<T>{})) {
    std::memset(p, 0, L.total / 8);
    (write_member(p, L.offset[I], v.*D::pointer, bit_order_of<T>), ...);
  } else if constexpr (L.total <= 64) {
    // One accumulator and one store: the fields are shifts and masks of constants.
    const std::uint64_t acc =
        (std::uint64_t{0} | ... |
         ((raw_bits(v.*D::pointer) & low_mask(L.width[I])) << (msb ? L.total - L.offset[I] - L.width[I] : L.offset[I])));
    store_uint(p, L.total / 8, acc, msb);
  } else {
    std::memset(p, 0, L.total / 8);
    (write_bits(p, L.offset[I], L.width[I], raw_bits(v.*D::pointer), bit_order_of<T>), ...);
  }
}

template <class T, class... D, std::size_t... I>
inline void get_bit_record(const std::uint8_t* p, T& v, bool& ok, boost::mp11::mp_list<D...>,
                           std::index_sequence<I...>) noexcept {
  constexpr auto L = bit_layout_v<T>;
  constexpr bool msb = bit_order_of<T> == bit_order::msb;
  if constexpr (has_packed_bits<T>(members_t<T>{})) {
    (read_member(p, L.offset[I], v.*D::pointer, bit_order_of<T>, ok), ...);
  } else if constexpr (L.total <= 64) {
    const std::uint64_t acc = load_uint(p, L.total / 8, msb);
    (set_bits(v.*D::pointer,
              (acc >> (msb ? L.total - L.offset[I] - L.width[I] : L.offset[I])) & low_mask(L.width[I]), ok),
     ...);
  } else {
    (set_bits(v.*D::pointer, read_bits(p, L.offset[I], L.width[I], bit_order_of<T>), ok), ...);
  }
}

template <class T>
using member_list_t = boost::mp11::mp_rename<members_t<T>, boost::mp11::mp_list>;

// ---- encode ---------------------------------------------------------------

template <bool Swap, class T>
inline std::uint8_t* put(std::uint8_t* p, const T& v) noexcept;

// A fold, not mp_for_each with a lambda capturing `p` by reference: when the
// lambda's caller is not inlined (g++ gives up on the byte-swapping path),
// `p` lives in memory and every byte store may alias it, so it is reloaded
// and stored back per field, a store-to-load chain through the whole struct.
template <bool Swap, class T, class D>
inline std::uint8_t* put_member(std::uint8_t* p, const T& v) noexcept;

template <bool Swap, class T, template <class...> class L, class... D>
inline std::uint8_t* put_members(std::uint8_t* p, [[maybe_unused]] const T& v, L<D...>) noexcept {
  if constexpr (info_v<T>.counted) ((p = put_member<Swap, T, D>(p, v)), ...);
  else ((p = put<Swap>(p, v.*D::pointer)), ...);
  return p;
}

// The count a counted member holds: its length in its unit.
template <class C>
std::uint64_t count_of_member(const C& c) noexcept {
  if constexpr (C::unit == count_unit::bytes) return c.size() * info_v<typename vector_traits<C>::element>.min_size;
  else return c.size();
}

// A count member's value as a number, and a number as a count member.
template <class M>
std::uint64_t count_value(const M& m) noexcept {
  if constexpr (is_ordered_v<M>) return count_value(m.value);
  else if constexpr (integer_n_traits<M>::value) return m.value;
  else return static_cast<std::uint64_t>(m);
}
template <class M>
M make_count(std::uint64_t n) noexcept {
  if constexpr (is_ordered_v<M>) {
    M m{};
    m.value = make_count<typename M::value_type>(n);
    return m;
  } else if constexpr (integer_n_traits<M>::value) {
    return M(n);
  } else {
    return static_cast<M>(n);
  }
}
template <class M>
constexpr unsigned count_bits() noexcept {
  if constexpr (is_ordered_v<M>) return count_bits<typename M::value_type>();
  else if constexpr (integer_n_traits<M>::value) return M::bits;
  else return sizeof(M) * 8;
}

// The descriptor of the count member of T's counted member M.
template <class T, class M>
using count_member_t = boost::mp11::mp_at_c<member_list_t<T>, member_index<T>(M::count_field, members_t<T>{})>;

// Member D of a struct with counted fields: a count member is written from the member it counts.
template <bool Swap, class T, class D>
inline std::uint8_t* put_member(std::uint8_t* p, const T& v) noexcept {
  constexpr std::size_t target = counted_member<T>(D::name, members_t<T>{});
  if constexpr (target == no_member) {
    return put<Swap>(p, v.*D::pointer);
  } else {
    using TD = boost::mp11::mp_at_c<member_list_t<T>, target>;
    return put<Swap>(p, make_count<member_type_t<T, D>>(count_of_member(v.*TD::pointer)));
  }
}

// Elements that are their own bytes in memory, copied whole.
template <bool Swap, class E>
inline constexpr bool memcpy_element = kind_v<E> == type_kind::number && !is_ordered_v<E> && (!Swap || sizeof(E) == 1) &&
                                       !std::is_same_v<E, bool>;

template <bool Swap, class T>
inline std::uint8_t* put(std::uint8_t* p, const T& v) noexcept {
  constexpr type_kind k = kind_v<T>;
  if constexpr (is_ordered_v<T>) {
    return put<needs_swap(T::order)>(p, v.value);
  } else if constexpr (k == type_kind::null) {
    return p;
  } else if constexpr (k == type_kind::number || k == type_kind::enumeration) {
    store<Swap>(p, v);
    return p + sizeof(T);
  } else if constexpr (k == type_kind::integer) {
    store_uint(p, T::bits / 8, static_cast<std::uint64_t>(v.value), Swap != (std::endian::native == std::endian::big));
    return p + T::bits / 8;
  } else if constexpr (k == type_kind::float16) {
    store<Swap>(p, v.bits);
    return p + 2;
  } else if constexpr (k == type_kind::flags) {
    store<Swap>(p, v.bits);
    return p + sizeof(v.bits);
  } else if constexpr (k == type_kind::text) {
    // The text up to its first NUL, then NULs: whatever a caller left after the NUL is
    // no part of the value (docs/schema.md's text[N]), as in the dynamic face.
    const std::string_view text = v.view();
    std::memcpy(p, text.data(), text.size());
    std::memset(p + text.size(), 0, v.data.size() - text.size());
    return p + v.data.size();
  } else if constexpr (k == type_kind::raw_bytes && !is_reserved_v<T>) {
    std::memcpy(p, v.data.data(), v.data.size());
    return p + v.data.size();
  } else if constexpr (k == type_kind::raw_bytes) {
    std::memset(p, 0, fixed_bytes_traits<T>::length);
    return p + fixed_bytes_traits<T>::length;
  } else if constexpr (k == type_kind::bit_record) {
    put_bit_record(p, v, member_list_t<T>{}, std::make_index_sequence<bit_layout_v<T>.width.size()>{});
    return p + bit_layout_v<T>.total / 8;
  } else if constexpr (k == type_kind::array || k == type_kind::dynamic_array) {
    using E = typename std::conditional_t<k == type_kind::array, std_array_traits<T>, vector_traits<T>>::element;
    if constexpr (memcpy_element<Swap, E>) {
      const std::size_t n = v.size() * sizeof(E);
      if (n) std::memcpy(p, v.data(), n);
      return p + n;
    } else {
      for (const auto& e : v) p = put<Swap>(p, e);
      return p;
    }
  } else {
    return put_members<Swap>(p, v, members_t<T>{});
  }
}

// ---- decode ---------------------------------------------------------------

// Reads a value; `tail` is the element count of the dynamic array, if T holds it.
// Clears `ok` when a value is invalid: a bool byte neither 0 nor 1, an enum
// value without a name, text that is not UTF-8.
template <bool Swap, class T>
inline const std::uint8_t* get(const std::uint8_t* p, T& v, std::size_t tail, bool& ok);

// A fold for the same reason as put_members.
template <bool Swap, class T, template <class...> class L, class... D>
inline const std::uint8_t* get_members(const std::uint8_t* p, [[maybe_unused]] T& v, [[maybe_unused]] std::size_t tail,
                                       [[maybe_unused]] bool& ok, L<D...>) {
  ((p = get<Swap>(p, v.*D::pointer, tail, ok)), ...);
  return p;
}

template <bool Swap, class T>
inline const std::uint8_t* get(const std::uint8_t* p, T& v, std::size_t tail, bool& ok) {
  constexpr type_kind k = kind_v<T>;
  if constexpr (is_ordered_v<T>) {
    return get<needs_swap(T::order)>(p, v.value, tail, ok);
  } else if constexpr (k == type_kind::null) {
    return p;
  } else if constexpr (k == type_kind::number) {
    v = load<Swap, T>(p, ok);
    return p + sizeof(T);
  } else if constexpr (k == type_kind::enumeration) {
    v = load<Swap, T>(p, ok);
    ok &= enum_table<T>::has(enum_value(v));
    return p + sizeof(T);
  } else if constexpr (k == type_kind::integer) {
    const std::uint64_t raw = load_uint(p, T::bits / 8, Swap != (std::endian::native == std::endian::big));
    if constexpr (T::is_signed) v.value = sign_extend(raw, T::bits);
    else v.value = raw;
    return p + T::bits / 8;
  } else if constexpr (k == type_kind::float16) {
    v.bits = load<Swap, std::uint16_t>(p, ok);
    return p + 2;
  } else if constexpr (k == type_kind::flags) {
    v.bits = load<Swap, typename T::base_type>(p, ok);
    ok &= (v.bits & ~flags_table<T>::known) == 0;
    return p + sizeof(v.bits);
  } else if constexpr (k == type_kind::text) {
    // Bytes after the first NUL are ignored, as the dynamic face ignores them: the
    // value holds NULs there (found by fuzz/static_decode_fuzz.cpp).
    std::memcpy(v.data.data(), p, v.data.size());
    const std::size_t length = v.view().size();
    std::memset(v.data.data() + length, 0, v.data.size() - length);
    ok &= text_valid(v.data.data(), length);
    return p + v.data.size();
  } else if constexpr (k == type_kind::raw_bytes) {
    if constexpr (!is_reserved_v<T>) std::memcpy(v.data.data(), p, v.data.size());
    return p + fixed_bytes_traits<T>::length;
  } else if constexpr (k == type_kind::bit_record) {
    get_bit_record(p, v, ok, member_list_t<T>{}, std::make_index_sequence<bit_layout_v<T>.width.size()>{});
    return p + bit_layout_v<T>.total / 8;
  } else if constexpr (k == type_kind::array || k == type_kind::dynamic_array) {
    using E = typename std::conditional_t<k == type_kind::array, std_array_traits<T>, vector_traits<T>>::element;
    if constexpr (k == type_kind::dynamic_array) v.resize(tail);
    if constexpr (memcpy_element<Swap, E>) {
      const std::size_t n = v.size() * sizeof(E);
      if (n) std::memcpy(v.data(), p, n);
      return p + n;
    } else {
      for (auto& e : v) p = get<Swap>(p, e, 0, ok);
      return p;
    }
  } else {
    return get_members<Swap>(p, v, tail, ok, members_t<T>{});
  }
}

// ---- decode of a struct with counted fields: each part checked against the end --

/// Throws codec_error(errc::size) at the end of the input: a part of `need` bytes starts at `offset`, `left` remain.
[[noreturn]] void throw_input_ends(std::size_t need, std::size_t offset, std::size_t left);
/// Throws codec_error(errc::size) at `offset`: a count of `count` bytes splits elements of `each` bytes (`element`).
[[noreturn]] void throw_count_splits(std::uint64_t count, std::size_t each, const std::string& element,
                                     std::size_t offset);
/// Throws codec_error(errc::size) at `offset`: `n` elements of `each` bytes (`element`, "" for bytes) do not fit in `left`.
[[noreturn]] void throw_count_exceeds(std::uint64_t n, std::size_t each, const std::string& element, std::size_t left,
                                      std::size_t offset);
/// Throws codec_error(errc::size): the value ends at `used`, but `given` bytes were given.
[[noreturn]] void throw_value_ends(std::size_t given, std::size_t used);
/// Throws codec_error(errc::json_range): `counted` has `n` (elements or bytes), more than `count_type` can count.
[[noreturn]] void throw_count_overflow(const std::string& counted, std::uint64_t n, bool bytes,
                                       const std::string& count_type, unsigned bits);
/// Throws codec_error(errc::json_range): a count given as `given` where `counted` has `n`.
[[noreturn]] void throw_count_mismatch(const std::string& counted, std::uint64_t given, std::uint64_t n, bool bytes);

template <bool Swap, class T>
void find_invalid(const std::uint8_t* base, const std::uint8_t*& p, std::size_t tail);

template <bool Swap, class T>
const std::uint8_t* get_checked(const std::uint8_t* base, const std::uint8_t* p, const std::uint8_t* end, T& v);

// A counted member whose count member holds `count`.
template <bool Swap, class C>
const std::uint8_t* get_counted(const std::uint8_t* base, const std::uint8_t* p, const std::uint8_t* end, C& c,
                                std::uint64_t count) {
  using E = typename vector_traits<C>::element;
  constexpr std::size_t each = info_v<E>.min_size;
  const auto offset = static_cast<std::size_t>(p - base);
  const auto left = static_cast<std::size_t>(end - p);
  std::uint64_t n = count;
  if constexpr (C::unit == count_unit::bytes) {
    if (count % each != 0) throw_count_splits(count, each, type_expression<E>(), offset);
    n = count / each;
  }
  if (n > left / each) throw_count_exceeds(n, each, type_expression<E>(), left, offset);
  bool ok = true;
  const std::uint8_t* q = get<Swap>(p, static_cast<typename C::vector_type&>(c), static_cast<std::size_t>(n), ok);
  if (!ok) {
    for (std::size_t i = 0; i < n; ++i) {
      try {
        find_invalid<Swap, E>(base, p, 0);
      } catch (codec_error& e) {
        e.prepend_index(i);
        throw;
      }
    }
  }
  return q;
}

template <bool Swap, class T>
const std::uint8_t* get_checked(const std::uint8_t* base, const std::uint8_t* p, const std::uint8_t* end, T& v) {
  if constexpr (!info_v<T>.counted) {
    if (static_cast<std::size_t>(end - p) < info_v<T>.min_size)
      throw_input_ends(info_v<T>.min_size, static_cast<std::size_t>(p - base), static_cast<std::size_t>(end - p));
    bool ok = true;
    const std::uint8_t* q = get<Swap>(p, v, 0, ok);
    if (!ok) find_invalid<Swap, T>(base, p, 0);
    return q;
  } else {  // a struct: its fixed part first, as the dynamic face checks it
    if (static_cast<std::size_t>(end - p) < info_v<T>.min_size)
      throw_input_ends(info_v<T>.min_size, static_cast<std::size_t>(p - base), static_cast<std::size_t>(end - p));
    boost::mp11::mp_for_each<members_t<T>>([&](auto d) {
      using D = decltype(d);
      using M = member_type_t<T, D>;
      try {
        if constexpr (is_counted_v<M>) {
          using CD = count_member_t<T, M>;
          p = get_counted<Swap>(base, p, end, v.*D::pointer, count_value(v.*CD::pointer));
        } else if constexpr (is_ordered_v<M>) {
          p = get_checked<needs_swap(M::order)>(base, p, end, (v.*D::pointer).value);
        } else {
          p = get_checked<Swap>(base, p, end, v.*D::pointer);
        }
      } catch (codec_error& e) {
        e.prepend_field(D::name);
        throw;
      }
    });
    return p;
  }
}

// Slow path after `get` cleared `ok`: finds the first invalid bool and throws
// codec_error(errc::invalid_bytes) with its path and offset.
[[noreturn]] void throw_invalid_bool(std::size_t offset, unsigned value);

/// Throws usage_error ("core.usage"): the output holds `have` bytes, the value needs `need`.
[[noreturn]] void throw_buffer_too_small(std::size_t have, std::size_t need);

template <class E>
[[noreturn]] void throw_unnamed(std::int64_t value, std::size_t offset) {
  using tab = enum_table<E>;
  throw_unnamed_enum(value, "enum " + std::string(type_name_v<E>),
                     enum_value_list(tab::names.data(), tab::values.data(), tab::size), offset);
}

template <bool Swap, class T>
void find_invalid(const std::uint8_t* base, const std::uint8_t*& p, std::size_t tail) {
  constexpr type_kind k = kind_v<T>;
  if constexpr (is_ordered_v<T>) {
    find_invalid<needs_swap(T::order), typename T::value_type>(base, p, tail);
  } else if constexpr (k == type_kind::number) {
    if constexpr (std::is_same_v<T, bool>)
      if (*p > 1) throw_invalid_bool(static_cast<std::size_t>(p - base), *p);
    p += sizeof(T);
  } else if constexpr (k == type_kind::enumeration) {
    bool ok = true;
    const T v = load<Swap, T>(p, ok);
    if (!enum_table<T>::has(enum_value(v))) throw_unnamed<T>(enum_value(v), static_cast<std::size_t>(p - base));
    p += sizeof(T);
  } else if constexpr (k == type_kind::text) {
    check_text(reinterpret_cast<const char*>(p), fixed_string_traits<T>::length, static_cast<std::size_t>(p - base));
    p += fixed_string_traits<T>::length;
  } else if constexpr (k == type_kind::flags) {
    bool ok = true;
    const auto bits = static_cast<std::uint64_t>(load<Swap, typename T::base_type>(p, ok));
    const std::uint64_t unknown = bits & ~flags_table<T>::known;
    if (unknown) {
      using tab = flags_table<T>;
      throw_unnamed_flag(static_cast<unsigned>(std::countr_zero(unknown)),
                         "flags " + std::string(type_name_v<typename T::enum_type>),
                         enum_value_list(tab::names.data(), tab::positions.data(), tab::size),
                         static_cast<std::size_t>(p - base));
    }
    p += sizeof(typename T::base_type);
  } else if constexpr (k == type_kind::bit_record) {
    constexpr auto L = bit_layout_v<T>;
    std::size_t i = 0;
    boost::mp11::mp_for_each<members_t<T>>([&](auto d) {
      using F = member_type_t<T, decltype(d)>;
      using V = typename F::value_type;
      if constexpr (is_packed_bits_v<F>) {
        using B = typename packed_bits_traits<F>::element;
        constexpr unsigned w = packed_bits_traits<F>::element_width;
        if constexpr (described_enum<typename B::value_type>) {
          for (std::size_t k = 0; k < packed_bits_traits<F>::count; ++k) {
            B f;
            bool ok = true;
            set_bits(f, read_bits(p, L.offset[i] + k * w, w, bit_order_of<T>), ok);
            if (!ok) {
              try {
                throw_unnamed<typename B::value_type>(enum_value(f.value),
                                                      static_cast<std::size_t>(p - base) + (L.offset[i] + k * w) / 8);
              } catch (codec_error& e) {
                e.prepend_index(k);
                e.prepend_field(decltype(d)::name);
                throw;
              }
            }
          }
        }
      } else if constexpr (described_enum<V>) {
        F f;
        bool ok = true;
        set_bits(f, read_bits(p, L.offset[i], L.width[i], bit_order_of<T>), ok);
        if (!ok) {
          try {
            throw_unnamed<V>(enum_value(f.value), static_cast<std::size_t>(p - base) + L.offset[i] / 8);
          } catch (codec_error& e) {
            e.prepend_field(decltype(d)::name);
            throw;
          }
        }
      }
      ++i;
    });
    p += L.total / 8;
  } else if constexpr (k == type_kind::array || k == type_kind::dynamic_array) {
    using E = typename std::conditional_t<k == type_kind::array, std_array_traits<T>, vector_traits<T>>::element;
    std::size_t n = 0;
    if constexpr (k == type_kind::array) n = std_array_traits<T>::length;
    else n = tail;
    for (std::size_t i = 0; i < n; ++i) {
      try {
        find_invalid<Swap, E>(base, p, 0);
      } catch (codec_error& e) {
        e.prepend_index(i);
        throw;
      }
    }
  } else if constexpr (k == type_kind::structure) {
    boost::mp11::mp_for_each<members_t<T>>([&](auto d) {
      using D = decltype(d);
      try {
        find_invalid<Swap, member_type_t<T, D>>(base, p, tail);
      } catch (codec_error& e) {
        e.prepend_field(D::name);
        throw;
      }
    });
  } else {
    p += info_v<T>.min_size;
  }
}

// The slow paths of decode_into, kept out of line so that the hot path stays
// small enough to inline and needs no stack frame for strings.
// Called only for a size check_size refuses, so it never returns: saying so
// lets the compiler see that the hot path never reads past a short input.
template <class T>
[[noreturn, gnu::cold, gnu::noinline]] void size_error(std::size_t n) {
  constexpr auto info = info_v<T>;
  if constexpr (!info.dynamic) check_size(n, false, info.min_size, 0, {}, {});
  else check_size(n, true, info.min_size, info.tail_element_size, tail_path<T>(), tail_element_type<T>());
  throw usage_error("core", "size_error called for a size that fits");  // not reachable
}

template <class T>
[[gnu::cold, gnu::noinline]] void throw_first_invalid(std::span<const std::uint8_t> in, std::size_t tail, bool swap) {
  const std::uint8_t* p = in.data();
  if (swap) find_invalid<true, T>(in.data(), p, tail);
  else find_invalid<false, T>(in.data(), p, tail);
}

}  // namespace detail

/// Encoded size of this value: fixed_size<T>() or, for a dynamic T, min_size
/// plus its dynamic array's elements (UD003 getCurrentSize()).
template <class T>
std::size_t current_size(const T& value) noexcept {
  constexpr auto info = detail::info_v<T>;
  if constexpr (info.counted) {
    std::size_t n = 0;
    boost::mp11::mp_for_each<detail::members_t<T>>([&](auto d) {
      using M = detail::member_type_t<T, decltype(d)>;
      if constexpr (detail::is_counted_v<M>)
        n += (value.*decltype(d)::pointer).size() * detail::info_v<typename detail::vector_traits<M>::element>.min_size;
      else if constexpr (detail::info_v<M>.counted) n += current_size(value.*decltype(d)::pointer);
      else n += detail::info_v<M>.min_size;
    });
    return n;
  } else if constexpr (!info.dynamic) return info.min_size;
  else return info.min_size + detail::tail_length(value) * info.tail_element_size;
}

namespace detail {

// The length of the counted member D of `v` in its unit (the count encode
// writes); refused, naming the count member, when that member cannot hold it.
// The step check_counts and counts_from_json (json.hpp) take for each counted member.
template <class T, class D>
std::uint64_t checked_count(const T& v) {
  using M = member_type_t<T, D>;
  using CD = count_member_t<T, M>;
  using CM = member_type_t<T, CD>;
  constexpr unsigned bits = count_bits<CM>();
  const std::uint64_t n = count_of_member(v.*D::pointer);
  if (bits < 64 && n > low_mask(bits))
    try {
      throw_count_overflow(std::string(D::name), n, M::unit == count_unit::bytes, type_expression<CM>(), bits);
    } catch (codec_error& e) {
      e.prepend_field(CD::name);
      throw;
    }
  return n;
}

// Refuses a counted member longer than its count member can count, at any depth.
template <class T>
void check_counts(const T& v) {
  if constexpr (info_v<T>.counted) {
    boost::mp11::mp_for_each<members_t<T>>([&](auto d) {
      using D = decltype(d);
      using M = member_type_t<T, D>;
      if constexpr (is_counted_v<M>) {
        (void)checked_count<T, D>(v);
      } else if constexpr (info_v<M>.counted) {
        try {
          check_counts(v.*D::pointer);
        } catch (codec_error& e) {
          e.prepend_field(D::name);
          throw;
        }
      }
    });
  }
}

}  // namespace detail

/// Encodes `value` into `out`, which must hold current_size(value) bytes.
/// Returns the number of bytes written. Throws comframe::usage_error
/// ("core.usage") when `out` is too small (nothing is written then), as
/// transport's encoders do for their output buffers.
template <class T>
std::size_t encode(const T& value, std::span<std::uint8_t> out, endian order = endian::native) {
  detail::check_counts(value);
  const std::size_t n = current_size(value);
  if (out.size() < n) detail::throw_buffer_too_small(out.size(), n);
  if (needs_swap(order)) detail::put<true>(out.data(), value);
  else detail::put<false>(out.data(), value);
  return n;
}

/// Encodes `value` into a new byte vector.
template <class T>
bytes encode(const T& value, endian order = endian::native) {
  detail::check_counts(value);
  bytes out(current_size(value));
  if (needs_swap(order)) detail::put<true>(out.data(), value);
  else detail::put<false>(out.data(), value);
  return out;
}

/// Decodes `in` into `out`, reusing `out`'s storage (no allocation when its
/// dynamic array already has the capacity). The byte count must fit T exactly:
/// fixed_size<T>() bytes, or min_size<T>() plus a whole number of elements.
/// Throws codec_error: errc::size (wrong count), errc::invalid_bytes (a bool
/// byte other than 0 or 1). `out` is unspecified after a throw.
template <class T>
void decode_into(std::span<const std::uint8_t> in, T& out, endian order = endian::native) {
  constexpr auto info = detail::info_v<T>;
  if constexpr (info.counted) {  // its size is read from its counts, part by part
    const std::uint8_t* end = in.data() + in.size();
    const std::uint8_t* p = needs_swap(order) ? detail::get_checked<true>(in.data(), in.data(), end, out)
                                              : detail::get_checked<false>(in.data(), in.data(), end, out);
    if (p != end) detail::throw_value_ends(in.size(), static_cast<std::size_t>(p - in.data()));
    return;
  }
  std::size_t tail = 0;
  if constexpr (!info.dynamic) {
    if (in.size() != info.min_size) detail::size_error<T>(in.size());
  } else {
    if (in.size() < info.min_size || (in.size() - info.min_size) % info.tail_element_size != 0)
      detail::size_error<T>(in.size());
    tail = (in.size() - info.min_size) / info.tail_element_size;
  }
  bool ok = true;
  if (needs_swap(order)) detail::get<true>(in.data(), out, tail, ok);
  else detail::get<false>(in.data(), out, tail, ok);
  if (!ok) detail::throw_first_invalid<T>(in, tail, needs_swap(order));
}

/// Decodes a value of T from exactly these bytes (UD003 unpackBytes()).
template <class T>
T decode(std::span<const std::uint8_t> in, endian order = endian::native) {
  T value{};
  decode_into(in, value, order);
  return value;
}

}  // namespace comframe::core

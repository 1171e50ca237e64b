// comframe/core/codec.hpp — the static face of the type system: plain C++
// types to bytes and back.
//
// A comframe type is one of five kinds:
//   Struct        an aggregate described with BOOST_DESCRIBE_STRUCT (public members, in order)
//   Array         std::array<T, N>, N > 0
//   DynamicArray  std::vector<T>, its length known only from the bytes
//   Number        an arithmetic type (bool, char, integers up to 64 bits, float, double) or an enum
//   Null          comframe::core::null: no bytes, JSON null
// nested to any depth. Only the leaves (numbers) become bytes, depth first, no
// padding. A dynamic array may only be the very last leaf, at any nesting depth,
// so every value decodes unambiguously; a type that breaks this fails to compile.
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
#include <boost/mp11/algorithm.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "comframe/core/endian.hpp"
#include "comframe/core/error.hpp"
#include "comframe/core/scalar.hpp"
#include "comframe/core/type_name.hpp"

namespace comframe::core {

/// The Null kind: no bytes, JSON null.
struct null {
  friend constexpr bool operator==(null, null) noexcept { return true; }
};

/// The kinds of the type system: the five of UD003, then the kinds that
/// describe device formats beyond C scalars (docs/schema.md, "Beyond whole
/// C scalars"). New kinds are only ever appended.
enum class type_kind : std::uint8_t {
  null, number, array, dynamic_array, structure,
  integer,      ///< an integer of any width: whole bytes in a struct, 1 to 64 bits in a bit record (u24, i40)
  enumeration,  ///< an integer with named values; JSON uses the names
  text,         ///< fixed-size UTF-8 text padded with NULs; JSON string
  raw_bytes,    ///< fixed-size raw bytes; JSON hex string
  bit_record,   ///< a struct whose fields are measured in bits; a whole number of bytes
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

template <class T>
concept described_struct =
    std::is_class_v<T> && boost::describe::has_describe_members<T>::value;

template <class T>
using members_t = boost::describe::describe_members<T, boost::describe::mod_public>;

template <class T, class D>
using member_type_t = std::remove_cvref_t<decltype(std::declval<T&>().*D::pointer)>;

template <class T>
consteval type_kind kind_of() {
  if constexpr (std::is_same_v<T, null>) return type_kind::null;
  else if constexpr (number_type<T>) return type_kind::number;
  else if constexpr (std_array_traits<T>::value) return type_kind::array;
  else if constexpr (vector_traits<T>::value) return type_kind::dynamic_array;
  else if constexpr (described_struct<T>) return type_kind::structure;
  else {
    static_assert(sizeof(T) == 0,
                  "comframe: not a comframe type. Use a struct described with BOOST_DESCRIBE_STRUCT, "
                  "std::array, std::vector, an arithmetic type, an enum or comframe::core::null.");
    return type_kind::null;
  }
}

/// Compile-time facts about a type's encoding.
struct static_info {
  bool dynamic = false;              // contains the dynamic array (its last leaf)
  std::size_t min_size = 0;          // bytes of everything but the dynamic array's elements
  std::size_t tail_element_size = 0; // bytes per element of that dynamic array
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

template <class T>
consteval static_info info_of() {
  constexpr type_kind k = kind_of<T>();
  if constexpr (k == type_kind::null) {
    return {};
  } else if constexpr (k == type_kind::number) {
    return {false, sizeof(T), 0};
  } else if constexpr (k == type_kind::array) {
    using E = typename std_array_traits<T>::element;
    constexpr std::size_t n = std_array_traits<T>::length;
    static_assert(n > 0, "comframe: a fixed array (std::array) must have at least one element");
    static_assert(!info_of<E>().dynamic,
                  "comframe: the element of a fixed array (std::array) may not contain a dynamic array "
                  "(std::vector): a dynamic array may only be the last leaf of a type");
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
    return {true, 0, info_of<E>().min_size};
  } else {
    static_assert(boost::mp11::mp_empty<boost::describe::describe_bases<T, boost::describe::mod_any_access>>::value,
                  "comframe: a described struct may not have base classes; make the base a field instead");
    static_assert(dynamic_only_last<T>(members_t<T>{}),
                  "comframe: a dynamic array (std::vector), or a struct that contains one, may only be the last "
                  "field of a struct");
    return struct_info<T>(members_t<T>{});
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
inline constexpr bool is_fixed_size_v = !detail::info_v<T>.dynamic;

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
  static_assert(!is_fixed_size_v<T>, "comframe: element_size<T>() needs a T that holds a dynamic array");
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
std::string describe_type();

template <class T>
std::string tail_element_type() {
  if constexpr (kind_v<T> == type_kind::dynamic_array) {
    return describe_type<typename vector_traits<T>::element>();
  } else if constexpr (kind_v<T> == type_kind::structure) {
    using D = boost::mp11::mp_back<members_t<T>>;
    return tail_element_type<member_type_t<T, D>>();
  } else {
    return {};
  }
}

// A short name for messages: "i32", "demo::Point", "u8[4]".
template <class T>
std::string describe_type() {
  constexpr type_kind k = kind_v<T>;
  if constexpr (k == type_kind::null) return "null";
  else if constexpr (k == type_kind::number) return std::string(to_string(scalar_of<T>()));
  else if constexpr (k == type_kind::array)
    return describe_type<typename std_array_traits<T>::element>() + "[" +
           std::to_string(std_array_traits<T>::length) + "]";
  else if constexpr (k == type_kind::dynamic_array)
    return describe_type<typename vector_traits<T>::element>() + "[]";
  else return std::string(type_name_v<T>);
}

/// Checks that `n` bytes can hold a value of a type with these sizes, and
/// returns how many elements its dynamic array then has (0 for a fixed type).
/// Throws codec_error(errc::size) naming the tail's path otherwise.
std::size_t check_size(std::size_t n, bool dynamic, std::size_t min_size, std::size_t tail_element_size,
                       std::string_view tail_path, std::string_view tail_element_type);

// ---- encode ---------------------------------------------------------------

template <bool Swap, class T>
inline std::uint8_t* put(std::uint8_t* p, const T& v) noexcept;

// A fold, not mp_for_each with a lambda capturing `p` by reference: when the
// lambda's caller is not inlined (g++ gives up on the byte-swapping path),
// `p` lives in memory and every byte store may alias it, so it is reloaded
// and stored back per field, a store-to-load chain through the whole struct.
template <bool Swap, class T, template <class...> class L, class... D>
inline std::uint8_t* put_members(std::uint8_t* p, [[maybe_unused]] const T& v, L<D...>) noexcept {
  ((p = put<Swap>(p, v.*D::pointer)), ...);
  return p;
}

template <bool Swap, class T>
inline std::uint8_t* put(std::uint8_t* p, const T& v) noexcept {
  constexpr type_kind k = kind_v<T>;
  if constexpr (k == type_kind::null) {
    return p;
  } else if constexpr (k == type_kind::number) {
    store<Swap>(p, v);
    return p + sizeof(T);
  } else if constexpr (k == type_kind::array || k == type_kind::dynamic_array) {
    using E = typename std::conditional_t<k == type_kind::array, std_array_traits<T>, vector_traits<T>>::element;
    if constexpr (number_type<E> && (!Swap || sizeof(E) == 1) && !std::is_same_v<E, bool>) {
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
// Clears `ok` when a bool byte is neither 0 nor 1.
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
  if constexpr (k == type_kind::null) {
    return p;
  } else if constexpr (k == type_kind::number) {
    v = load<Swap, T>(p, ok);
    return p + sizeof(T);
  } else if constexpr (k == type_kind::array || k == type_kind::dynamic_array) {
    using E = typename std::conditional_t<k == type_kind::array, std_array_traits<T>, vector_traits<T>>::element;
    if constexpr (k == type_kind::dynamic_array) v.resize(tail);
    if constexpr (number_type<E> && (!Swap || sizeof(E) == 1) && !std::is_same_v<E, bool>) {
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

// Slow path after `get` cleared `ok`: finds the first invalid bool and throws
// codec_error(errc::invalid_bytes) with its path and offset.
[[noreturn]] void throw_invalid_bool(std::size_t offset, unsigned value);

/// Throws codec_error(errc::buffer): the output holds `have` bytes, the value needs `need`.
[[noreturn]] void throw_buffer_too_small(std::size_t have, std::size_t need);

template <class T>
void find_invalid(const std::uint8_t* base, const std::uint8_t*& p, std::size_t tail) {
  constexpr type_kind k = kind_v<T>;
  if constexpr (k == type_kind::number) {
    if constexpr (std::is_same_v<T, bool>)
      if (*p > 1) throw_invalid_bool(static_cast<std::size_t>(p - base), *p);
    p += sizeof(T);
  } else if constexpr (k == type_kind::array || k == type_kind::dynamic_array) {
    using E = typename std::conditional_t<k == type_kind::array, std_array_traits<T>, vector_traits<T>>::element;
    std::size_t n = 0;
    if constexpr (k == type_kind::array) n = std_array_traits<T>::length;
    else n = tail;
    for (std::size_t i = 0; i < n; ++i) {
      try {
        find_invalid<E>(base, p, 0);
      } catch (codec_error& e) {
        e.prepend_index(i);
        throw;
      }
    }
  } else if constexpr (k == type_kind::structure) {
    boost::mp11::mp_for_each<members_t<T>>([&](auto d) {
      using D = decltype(d);
      try {
        find_invalid<member_type_t<T, D>>(base, p, tail);
      } catch (codec_error& e) {
        e.prepend_field(D::name);
        throw;
      }
    });
  }
}

// The slow paths of decode_into, kept out of line so that the hot path stays
// small enough to inline and needs no stack frame for strings.
template <class T>
[[gnu::cold, gnu::noinline]] void size_error(std::size_t n) {
  constexpr auto info = info_v<T>;
  if constexpr (!info.dynamic) check_size(n, false, info.min_size, 0, {}, {});
  else check_size(n, true, info.min_size, info.tail_element_size, tail_path<T>(), tail_element_type<T>());
}

template <class T>
[[gnu::cold, gnu::noinline]] void throw_first_invalid(std::span<const std::uint8_t> in, std::size_t tail) {
  const std::uint8_t* p = in.data();
  find_invalid<T>(in.data(), p, tail);
}

}  // namespace detail

/// Encoded size of this value: fixed_size<T>() or, for a dynamic T, min_size
/// plus its dynamic array's elements (UD003 getCurrentSize()).
template <class T>
std::size_t current_size(const T& value) noexcept {
  constexpr auto info = detail::info_v<T>;
  if constexpr (!info.dynamic) return info.min_size;
  else return info.min_size + detail::tail_length(value) * info.tail_element_size;
}

/// Encodes `value` into `out`, which must hold current_size(value) bytes.
/// Returns the number of bytes written. Throws codec_error(errc::buffer) when
/// `out` is too small (nothing is written then).
template <class T>
std::size_t encode(const T& value, std::span<std::uint8_t> out, endian order = endian::native) {
  const std::size_t n = current_size(value);
  if (out.size() < n) detail::throw_buffer_too_small(out.size(), n);
  if (needs_swap(order)) detail::put<true>(out.data(), value);
  else detail::put<false>(out.data(), value);
  return n;
}

/// Encodes `value` into a new byte vector.
template <class T>
bytes encode(const T& value, endian order = endian::native) {
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
  if (!ok) detail::throw_first_invalid<T>(in, tail);
}

/// Decodes a value of T from exactly these bytes (UD003 unpackBytes()).
template <class T>
T decode(std::span<const std::uint8_t> in, endian order = endian::native) {
  T value{};
  decode_into(in, value, order);
  return value;
}

}  // namespace comframe::core

// comframe/core/schema_export.hpp — the schema of a static type:
// schema::of<T>() turns a type described with Boost.Describe (comframe/core/codec.hpp)
// into a run-time schema (comframe/core/schema.hpp), so that a program's own
// types can be written to a profile, a dissector or a log for tools that were
// never compiled with them.
//
// Example:
//   struct Point { float x; float y; };
//   BOOST_DESCRIBE_STRUCT(Point, (), (x, y))
//   auto s = comframe::core::schema::of<Point>();
//   s.dump();   // {"root": "Point", "types": {"Point": {"struct": [{"name": "x", "type": "f32"}, …]}}}
//
// Structs, bit records and enums become named types (type_name<T>); flag sets
// are written inline. Both faces then give identical bytes and JSON for the
// same value.
//
// Thread safety: schema::of<T>() keeps no state; call it from any thread.
#pragma once

#include <array>
#include <boost/mp11/algorithm.hpp>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "comframe/core/codec.hpp"
#include "comframe/core/endian.hpp"
#include "comframe/core/layout.hpp"
#include "comframe/core/scalar.hpp"
#include "comframe/core/schema.hpp"
#include "comframe/core/type_kind.hpp"
#include "comframe/core/type_name.hpp"

namespace comframe::core {

namespace detail {

template <class T>
nlohmann::json export_type(nlohmann::json& types);

template <class E>
std::string export_enum(nlohmann::json& types) {
  const std::string name(type_name_v<E>);
  if (!types.contains(name)) {
    nlohmann::json values = nlohmann::json::object();
    using tab = enum_table<E>;
    for (std::size_t i = 0; i < tab::size; ++i) values[std::string(tab::names[i])] = tab::values[i];
    types[name] = {{"enum", std::string(to_string(scalar_of<std::underlying_type_t<E>>()))}, {"values", values}};
  }
  return name;
}

// A flag set, inline: {"flags": "u8", "values": {name: bit position}}.
template <class T>
nlohmann::json export_flags(unsigned width = sizeof(typename T::base_type) * 8) {
  nlohmann::json values = nlohmann::json::object();
  using tab = flags_table<T>;
  for (std::size_t i = 0; i < tab::size; ++i) values[std::string(tab::names[i])] = tab::positions[i];
  return {{"flags", "u" + std::to_string(width)}, {"values", std::move(values)}};
}

// A bit field's type and, when it differs from the type's own width, its "bits".
template <class T, unsigned W>
nlohmann::json export_bit_field(nlohmann::json& types, std::string_view name, const bit_field<T, W>*) {
  nlohmann::json f = {{"name", name}};
  if constexpr (std::is_same_v<T, bool>) {
    f["type"] = "bool";
    if (W != 1) f["bits"] = W;
  } else if constexpr (described_enum<T>) {
    f["type"] = export_enum<T>(types);
    if (W != sizeof(T) * 8) f["bits"] = W;
  } else {
    using R = comframe::core::detail::number_repr_t<T>;
    f["type"] = std::string(1, std::is_signed_v<R> ? 'i' : 'u') += std::to_string(W);
  }
  return f;
}

// A packed array: the element's field with a "count".
template <class T, unsigned W, std::size_t N>
nlohmann::json export_bit_field(nlohmann::json& types, std::string_view name, const std::array<bit_field<T, W>, N>*) {
  nlohmann::json f = export_bit_field(types, name, static_cast<const bit_field<T, W>*>(nullptr));
  f["count"] = N;
  return f;
}

template <class T>
nlohmann::json export_type(nlohmann::json& types) {
  constexpr type_kind k = kind_v<T>;
  if constexpr (is_ordered_v<T>) {
    static_assert(kind_v<typename T::value_type> == type_kind::number ||
                      kind_v<typename T::value_type> == type_kind::integer ||
                      kind_v<typename T::value_type> == type_kind::float16,
                  "comframe: big<T>/little<T> of a struct, array or enum must be a struct member");
    nlohmann::json e = export_type<typename T::value_type>(types);
    return (T::order == endian::little ? "<" : T::order == endian::big ? ">" : "=") + e.get<std::string>();
  } else if constexpr (k == type_kind::null) {
    return "null";
  } else if constexpr (k == type_kind::number) {
    return std::string(to_string(scalar_of<T>()));
  } else if constexpr (k == type_kind::integer || k == type_kind::text) {
    return type_expression<T>();
  } else if constexpr (k == type_kind::raw_bytes) {
    static_assert(!is_reserved_v<T>, "comframe: reserved<N> may only be a struct member");
    return type_expression<T>();
  } else if constexpr (k == type_kind::enumeration) {
    return export_enum<T>(types);
  } else if constexpr (k == type_kind::float16) {
    return "f2";
  } else if constexpr (k == type_kind::flags) {
    return export_flags<T>();
  } else if constexpr (k == type_kind::array) {
    nlohmann::json e = export_type<typename std_array_traits<T>::element>(types);
    constexpr std::size_t n = std_array_traits<T>::length;
    if (is_plain_name(e)) return e.get<std::string>() + "[" + std::to_string(n) + "]";
    return {{"array", e}, {"length", n}};
  } else if constexpr (k == type_kind::dynamic_array) {
    nlohmann::json e = export_type<typename vector_traits<T>::element>(types);
    if (is_plain_name(e)) return e.get<std::string>() + "[]";
    return {{"dynamic_array", e}};
  } else if constexpr (k == type_kind::bit_record) {
    const std::string name(type_name_v<T>);
    if (!types.contains(name)) {
      types[name] = nullptr;
      nlohmann::json fields = nlohmann::json::array();
      std::size_t pos = 0;
      bool gap = false;
      boost::mp11::mp_for_each<members_t<T>>([&](auto d) {
        using D = decltype(d);
        using M = member_type_t<T, D>;
        if constexpr (is_reserved_bits_v<M>) {
          gap = true;  // the next field states its offset, or the record its size
        } else {
          nlohmann::json f = export_bit_field(types, D::name, static_cast<const M*>(nullptr));
          if (gap) f["offset"] = pos;
          gap = false;
          fields.push_back(std::move(f));
        }
        pos += bit_width_of<M>();
      });
      nlohmann::json def = {{"bits", fields}, {"order", std::string(to_string(bit_order_of<T>))}};
      if (gap) def["size"] = pos;
      types[name] = std::move(def);
    }
    return name;
  } else {
    const std::string name(type_name_v<T>);
    if (!types.contains(name)) {
      types[name] = nullptr;  // reserve the name first
      nlohmann::json fields = nlohmann::json::array();
      std::size_t pos = 0;
      bool gap = false;
      boost::mp11::mp_for_each<members_t<T>>([&](auto d) {
        using D = decltype(d);
        using M = member_type_t<T, D>;
        if constexpr (is_reserved_v<M>) {
          gap = true;  // the next field states its offset, or the struct its size
        } else {
          nlohmann::json f = {{"name", D::name}};
          if constexpr (is_counted_v<M>) {
            f["type"] = export_type<typename M::vector_type>(types);
            f["count"] = std::string(M::count_field);
            if (M::unit == count_unit::bytes) f["count_unit"] = "bytes";
          } else if constexpr (is_ordered_v<M>) {
            f["type"] = export_type<typename M::value_type>(types);
            f["endian"] = std::string(to_string(M::order));
          } else {
            f["type"] = export_type<M>(types);
          }
          if (gap) f["offset"] = pos;
          gap = false;
          fields.push_back(std::move(f));
        }
        pos += info_v<M>.min_size;
      });
      nlohmann::json def = {{"struct", fields}};
      if (gap) def["size"] = pos;
      types[name] = std::move(def);
    }
    return name;
  }
}

}  // namespace detail

template <class T>
schema schema::of() {
  nlohmann::json types = nlohmann::json::object();
  nlohmann::json root = detail::export_type<T>(types);
  return from_json({{"types", std::move(types)}, {"root", std::move(root)}});
}

}  // namespace comframe::core

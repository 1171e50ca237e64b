// comframe/core/json.hpp — the static face to and from JSON (nlohmann::json).
//
// Struct → object, Array and DynamicArray → array,
// Number → number (bool → true/false, char → one-character string), Null → null.
// See comframe/core/json_number.hpp for the number rules and json_mode for
// strict (default) versus lenient input.
//
// Example:
//   nlohmann::json j = comframe::core::to_json(reading);        // {"id":7,"temps":[-5,20],"xyz":[1,2,3]}
//   auto r = comframe::core::from_json<Reading>(j);              // strict: every key, nothing else
//   auto l = comframe::core::from_json<Reading>(j, json_mode::lenient);
//
// Errors are codec_error with the field path: "[core.json_range] temps[1]: 40000 is out of range for i16 …".
#pragma once

#include <nlohmann/json.hpp>

#include "comframe/core/codec.hpp"
#include "comframe/core/json_number.hpp"

namespace comframe::core {

namespace detail {

// The JSON names of a struct's members: reserved<N> members have none.
template <class T, template <class...> class L, class... D>
constexpr auto member_names(L<D...>) {
  constexpr std::size_t n = ((is_gap_v<member_type_t<T, D>> ? 0 : 1) + ... + 0);
  std::array<std::string_view, n> out{};
  std::size_t i = 0;
  ((is_gap_v<member_type_t<T, D>> ? void() : void(out[i++] = std::string_view(D::name))), ...);
  return out;
}

template <class E>
std::string enum_label() {
  return "enum " + std::string(type_name_v<E>);
}

template <class E>
nlohmann::json enum_to_json(E e) {
  using tab = enum_table<E>;
  const std::int64_t v = enum_value(e);
  for (std::size_t i = 0; i < tab::size; ++i)
    if (tab::values[i] == v) return tab::names[i];
  const std::string list = enum_value_list(tab::names.data(), tab::values.data(), tab::size);
  throw codec_error(errc::json_range, std::to_string(v) + " is no value of " + enum_label<E>() + " (" + list + ")")
      .mismatch(list, std::to_string(v));
}

template <class E>
E enum_from_json_as(const nlohmann::json& j, json_mode mode) {
  using tab = enum_table<E>;
  return static_cast<E>(static_cast<std::underlying_type_t<E>>(
      enum_from_json(j, mode, enum_label<E>(), tab::names.data(), tab::values.data(), tab::size)));
}

template <class T>
std::string flags_label() {
  return "flags " + std::string(type_name_v<typename T::enum_type>);
}

// A program's own flag set: a bit without a name is listed as its number.
template <class T>
nlohmann::json flags_value_to_json(const T& f) {
  using tab = flags_table<T>;
  return flags_to_json(static_cast<std::uint64_t>(f.bits), tab::width, json_mode::lenient, flags_label<T>(),
                       tab::names.data(), tab::positions.data(), tab::size, 0);
}

template <class T>
void flags_value_from_json(const nlohmann::json& j, T& f, json_mode mode) {
  using tab = flags_table<T>;
  f.bits = static_cast<typename T::base_type>(
      flags_from_json(j, mode, tab::width, flags_label<T>(), tab::names.data(), tab::positions.data(), tab::size));
}

template <class T, unsigned W>
nlohmann::json bit_field_to_json(const bit_field<T, W>& f) {
  if constexpr (std::is_same_v<T, bool>) return f.value;
  else if constexpr (described_enum<T>) return enum_to_json(f.value);
  else {
    using R = comframe::core::detail::number_repr_t<T>;
    return int_to_json(raw_bits(f), W, std::is_signed_v<R>);
  }
}

template <class T, unsigned W>
void bit_field_from_json(const nlohmann::json& j, bit_field<T, W>& f, json_mode mode) {
  if constexpr (std::is_same_v<T, bool>) {
    f.value = bool_from_json(j, mode);
  } else if constexpr (described_enum<T>) {
    f.value = enum_from_json_as<T>(j, mode);
  } else {
    using R = comframe::core::detail::number_repr_t<T>;
    bool ok = true;
    set_bits(f, int_from_json(j, W, std::is_signed_v<R>, mode), ok);
  }
}

// A packed array in a bit record: a JSON array of its elements.
template <class T, unsigned W, std::size_t N>
nlohmann::json bit_field_to_json(const std::array<bit_field<T, W>, N>& a) {
  nlohmann::json j = nlohmann::json::array();
  for (std::size_t i = 0; i < N; ++i) {
    try {
      j.push_back(bit_field_to_json(a[i]));
    } catch (codec_error& e) {
      e.prepend_index(i);
      throw;
    }
  }
  return j;
}

template <class T, unsigned W, std::size_t N>
void bit_field_from_json(const nlohmann::json& j, std::array<bit_field<T, W>, N>& a, json_mode mode) {
  if (!j.is_array()) throw_json_type("an array of " + std::to_string(N), j);
  if (j.size() != N && mode == json_mode::strict)
    detail::throw_json_length(N, j.size());
  const std::size_t m = std::min(N, j.size());
  for (std::size_t i = 0; i < m; ++i) {
    try {
      bit_field_from_json(j[i], a[i], mode);
    } catch (codec_error& e) {
      e.prepend_index(i);
      throw;
    }
  }
  for (std::size_t i = m; i < N; ++i) a[i] = bit_field<T, W>{};
}

template <class T>
void to_json_into(const T& v, nlohmann::json& j) {
  constexpr type_kind k = kind_v<T>;
  if constexpr (is_ordered_v<T>) {
    to_json_into(v.value, j);
  } else if constexpr (k == type_kind::null) {
    j = nullptr;
  } else if constexpr (k == type_kind::number) {
    j = number_to_json(v);
  } else if constexpr (k == type_kind::enumeration) {
    j = enum_to_json(v);
  } else if constexpr (k == type_kind::integer) {
    j = int_to_json(static_cast<std::uint64_t>(v.value), T::bits, T::is_signed);
  } else if constexpr (k == type_kind::float16) {
    j = float16_to_json(v.bits);
  } else if constexpr (k == type_kind::flags) {
    j = flags_value_to_json(v);
  } else if constexpr (k == type_kind::text) {
    j = text_to_json(v.data.data(), v.data.size(), 0);
  } else if constexpr (k == type_kind::raw_bytes) {
    if constexpr (is_reserved_v<T>) j = nullptr;
    else j = hex_to_json(v.data.data(), v.data.size());
  } else if constexpr (k == type_kind::array || k == type_kind::dynamic_array) {
    j = nlohmann::json::array();
    auto& arr = j.get_ref<nlohmann::json::array_t&>();
    arr.resize(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) to_json_into(v[i], arr[i]);
  } else if constexpr (k == type_kind::bit_record) {
    j = nlohmann::json::object();
    boost::mp11::mp_for_each<members_t<T>>([&](auto d) {
      using D = decltype(d);
      if constexpr (!is_gap_v<member_type_t<T, D>>) {
        try {
          j[D::name] = bit_field_to_json(v.*D::pointer);
        } catch (codec_error& e) {
          e.prepend_field(D::name);
          throw;
        }
      }
    });
  } else {
    j = nlohmann::json::object();
    boost::mp11::mp_for_each<members_t<T>>([&](auto d) {
      using D = decltype(d);
      using M = member_type_t<T, D>;
      if constexpr (is_counted_v<M>) {  // its count member shows the count encode would write
        using CD = boost::mp11::mp_at_c<member_list_t<T>, member_index<T>(M::count_field, members_t<T>{})>;
        j[CD::name] = count_of_member(v.*D::pointer);
      }
      if constexpr (!is_gap_v<M>) {
        try {
          to_json_into(v.*D::pointer, j[D::name]);
        } catch (codec_error& e) {
          e.prepend_field(D::name);
          throw;
        }
      }
    });
  }
}

template <class T>
void from_json_impl(const nlohmann::json& j, T& out, json_mode mode);
template <class T>
void counts_from_json(const nlohmann::json& j, T& out);

template <class E, class Seq>
void elements_from_json(const nlohmann::json& j, Seq& out, std::size_t n, json_mode mode) {
  for (std::size_t i = 0; i < n; ++i) {
    try {
      from_json_impl(j[i], out[i], mode);
    } catch (codec_error& e) {
      e.prepend_index(i);
      throw;
    }
  }
}

template <class T>
void from_json_impl(const nlohmann::json& j, T& out, json_mode mode) {
  constexpr type_kind k = kind_v<T>;
  if constexpr (is_ordered_v<T>) {
    from_json_impl(j, out.value, mode);
  } else if constexpr (k == type_kind::null) {
    if (!j.is_null()) throw_json_type("null", j);
  } else if constexpr (k == type_kind::number) {
    out = number_from_json<T>(j, mode);
  } else if constexpr (k == type_kind::enumeration) {
    out = enum_from_json_as<T>(j, mode);
  } else if constexpr (k == type_kind::integer) {
    const std::uint64_t raw = int_from_json(j, T::bits, T::is_signed, mode);
    if constexpr (T::is_signed) out.value = sign_extend(raw, T::bits);
    else out.value = raw;
  } else if constexpr (k == type_kind::float16) {
    out.bits = float16_from_json(j, mode);
  } else if constexpr (k == type_kind::flags) {
    flags_value_from_json(j, out, mode);
  } else if constexpr (k == type_kind::text) {
    text_from_json(j, out.data.data(), out.data.size());
  } else if constexpr (k == type_kind::raw_bytes) {
    if constexpr (!is_reserved_v<T>) hex_from_json(j, out.data.data(), out.data.size());
  } else if constexpr (k == type_kind::array) {
    using E = typename std_array_traits<T>::element;
    constexpr std::size_t n = std_array_traits<T>::length;
    if (!j.is_array()) throw_json_type("an array of " + std::to_string(n), j);
    if (j.size() != n && mode == json_mode::strict)
      detail::throw_json_length(n, j.size());
    const std::size_t m = std::min(n, j.size());
    elements_from_json<E>(j, out, m, mode);
    for (std::size_t i = m; i < n; ++i) out[i] = E{};
  } else if constexpr (k == type_kind::dynamic_array) {
    using E = typename vector_traits<T>::element;
    if (!j.is_array()) throw_json_type("an array", j);
    out.resize(j.size());
    elements_from_json<E>(j, out, j.size(), mode);
  } else {
    if (!j.is_object()) throw_json_type("an object", j);
    if (mode == json_mode::strict) {
      static constexpr auto names = member_names<T>(members_t<T>{});
      check_unknown_keys(j, names);
    }
    boost::mp11::mp_for_each<members_t<T>>([&](auto d) {
      using D = decltype(d);
      if constexpr (!is_gap_v<member_type_t<T, D>>) {
        auto it = j.find(D::name);
        if (it == j.end()) {
          // A count member may be left out: counts_from_json writes it.
          if constexpr (k == type_kind::structure && info_v<T>.counted)
            if (counted_member<T>(D::name, members_t<T>{}) != no_member) return;
          if (mode == json_mode::strict) throw_missing_key(D::name);
          return;  // lenient: keep the default
        }
        try {
          if constexpr (k == type_kind::bit_record) bit_field_from_json(*it, out.*D::pointer, mode);
          else from_json_impl(*it, out.*D::pointer, mode);
        } catch (codec_error& e) {
          e.prepend_field(D::name);
          throw;
        }
      }
    });
    if constexpr (k == type_kind::structure && info_v<T>.counted) counts_from_json(j, out);
  }
}

// Each count member of `out` from the length of the member it counts (checked
// as encode checks it, detail::checked_count); a count the JSON gives must equal it.
template <class T>
void counts_from_json(const nlohmann::json& j, T& out) {
  boost::mp11::mp_for_each<members_t<T>>([&](auto d) {
    using D = decltype(d);
    using M = member_type_t<T, D>;
    if constexpr (is_counted_v<M>) {
      using CD = count_member_t<T, M>;
      const std::uint64_t n = checked_count<T, D>(out);
      if (j.contains(CD::name) && count_value(out.*CD::pointer) != n)
        try {
          throw_count_mismatch(std::string(D::name), count_value(out.*CD::pointer), n, M::unit == count_unit::bytes);
        } catch (codec_error& e) {
          e.prepend_field(CD::name);
          throw;
        }
      out.*CD::pointer = make_count<member_type_t<T, CD>>(n);
    }
  });
}

}  // namespace detail

/// The JSON form of a value (UD003 getNative()/packJSON()).
template <class T>
nlohmann::json to_json(const T& value) {
  nlohmann::json j;
  detail::to_json_into(value, j);
  return j;
}

/// Reads `j` into `out` (UD003 unpackJSON() in strict mode, the copy-construct
/// rules in lenient mode). In lenient mode fields missing from `j` keep the
/// value they have in `out`. Throws codec_error naming the path.
template <class T>
void from_json_into(const nlohmann::json& j, T& out, json_mode mode = json_mode::strict) {
  detail::from_json_impl(j, out, mode);
}

/// A new value from JSON; fields missing in lenient mode take T's defaults.
template <class T>
T from_json(const nlohmann::json& j, json_mode mode = json_mode::strict) {
  T value{};
  detail::from_json_impl(j, value, mode);
  return value;
}

}  // namespace comframe::core

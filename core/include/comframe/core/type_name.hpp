// comframe/core/type_name.hpp — the schema name of a C++ type.
#pragma once

#include <string_view>

namespace comframe::core {

namespace detail {
template <class T>
constexpr std::string_view pretty_name() noexcept {
  // g++: "... pretty_name() [with T = demo::Point; std::string_view = …]"
  std::string_view f = __PRETTY_FUNCTION__;
  auto start = f.find("T = ");
  if (start == std::string_view::npos) return "unnamed";
  start += 4;
  auto end = f.find_first_of(";]", start);
  return f.substr(start, end - start);
}
}  // namespace detail

/// The name under which Schema::of<T>() exports a struct type: its qualified
/// C++ name ("demo::Telemetry"). Specialise it to choose another:
///   template <> struct comframe::core::type_name<demo::Telemetry> {
///     static constexpr std::string_view value = "Telemetry";
///   };
template <class T>
struct type_name {
  static constexpr std::string_view value = detail::pretty_name<T>();
};

template <class T>
inline constexpr std::string_view type_name_v = type_name<T>::value;

}  // namespace comframe::core

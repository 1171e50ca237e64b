// comframe/core/type_name.hpp — the schema name of a C++ type.
#pragma once

#include <array>
#include <cstddef>
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

// Types in an anonymous namespace are named "{anonymous}::Info" by g++; a
// schema name cannot hold braces, and the segment says nothing, so drop it.
inline constexpr std::string_view anonymous_segment = "{anonymous}::";

constexpr std::size_t clean_size(std::string_view s) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (s.substr(i, anonymous_segment.size()) == anonymous_segment) {
      i += anonymous_segment.size();
    } else {
      ++n;
      ++i;
    }
  }
  return n;
}

template <class T>
struct clean_name {
  static constexpr std::string_view raw = pretty_name<T>();
  static constexpr auto chars = [] {
    std::array<char, clean_size(raw) + 1> out{};
    std::size_t n = 0;
    for (std::size_t i = 0; i < raw.size();) {
      if (raw.substr(i, anonymous_segment.size()) == anonymous_segment) {
        i += anonymous_segment.size();
      } else {
        out[n++] = raw[i++];
      }
    }
    return out;
  }();
  static constexpr std::string_view value{chars.data(), chars.size() - 1};
};

}  // namespace detail

/// The name under which schema::of<T>() exports a struct type: its qualified
/// C++ name ("demo::Telemetry"; an anonymous namespace is left out). Specialise
/// it to choose another:
///   template <> struct comframe::core::type_name<demo::Telemetry> {
///     static constexpr std::string_view value = "Telemetry";
///   };
template <class T>
struct type_name {
  static constexpr std::string_view value = detail::clean_name<T>::value;
};

template <class T>
inline constexpr std::string_view type_name_v = type_name<T>::value;

}  // namespace comframe::core

// comframe/core/limits.hpp — bounds on what comframe accepts from outside.
//
// A schema or a JSON value comes from files, devices and other processes; these
// bounds make sure that none of them can make comframe recurse or allocate
// without limit. Exceeding one is a codec_error of kind errc::limit.
#pragma once

#include <cstddef>

namespace comframe::core::limits {

/// Deepest nesting of types in a run-time schema (struct in array in struct …).
inline constexpr std::size_t max_schema_depth = 32;
/// Largest fixed size (or minimum size) of a run-time schema type, in bytes.
inline constexpr std::size_t max_fixed_size = std::size_t{16} << 20;
/// Most named types in one schema document, and most fields in one struct.
inline constexpr std::size_t max_types = 4096;
inline constexpr std::size_t max_fields = 4096;
/// Longest type or field name.
inline constexpr std::size_t max_name_length = 128;
/// Most elements in one value: every array element and every struct or bit
/// record field, at any depth, counts one (a u8[1000] counts 1000, a struct of
/// two u8[10] counts 22). A schema whose fixed part has more is refused at
/// load; a dynamic array that would take a value past it is refused by the
/// decoder and the encoder before they allocate. No byte limit implies this
/// one: a struct of null fields has no bytes at all. The NULs that encoding
/// adds after a counted text[] given a count above its length count one each.
inline constexpr std::size_t max_elements = std::size_t{16} << 20;
/// Most count fields (fields that hold a later field's count) in one struct,
/// so that core::measure() needs no memory beyond its stack.
inline constexpr std::size_t max_count_fields = 16;

}  // namespace comframe::core::limits

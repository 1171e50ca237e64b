// Private to the core layer: the node store behind a schema.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <bit>

#include "comframe/core/bits.hpp"
#include "comframe/core/schema.hpp"

namespace comframe::core {

struct schema::document {
  std::vector<std::unique_ptr<type_node>> nodes;
  std::map<std::string, const type_node*> named;

  type_node* make() { return nodes.emplace_back(std::make_unique<type_node>()).get(); }
};

namespace detail {
using schema_document = schema::document;
nlohmann::json expression(const type_node& n, bool reference_named);
std::string type_expression(const type_node& n);

// The value of a count field of type `t` (an unsigned integer of t.min_size
// bytes) at `p`; `swap` is the byte order in force around it.
inline std::uint64_t load_count(const type_node& t, const std::uint8_t* p, bool swap) noexcept {
  const bool s = t.order ? needs_swap(*t.order) : swap;
  return load_uint(p, t.min_size, s != (std::endian::native == std::endian::big));
}

// The size of one element of a counted field's type: a dynamic array's
// element (0 when that varies: a counted struct), 1 for text[] and bytes[].
inline std::size_t counted_element_size(const type_node& t) noexcept {
  if (t.kind != type_kind::dynamic_array) return 1;
  return t.element->counted ? 0 : t.element->min_size;
}
}  // namespace detail

}  // namespace comframe::core

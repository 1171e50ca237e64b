// Private to the core layer: the node store behind a schema.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

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
}  // namespace detail

}  // namespace comframe::core

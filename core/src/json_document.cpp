#include "comframe/core/json_document.hpp"

#include <algorithm>

#include "comframe/core/json_text.hpp"

namespace comframe::core {

std::string json_value_phrase(const nlohmann::json& j) {
  constexpr std::size_t max_shown_bytes = 36;
  switch (j.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string:
      return "a string " + quoted_text(j.get_ref<const std::string&>(), max_shown_bytes);
    case nlohmann::json::value_t::boolean: return j.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::discarded: return "nothing";
    case nlohmann::json::value_t::binary: return "binary data";
    default: return "the number " + j.dump();
  }
}

std::string key_list(std::initializer_list<std::string_view> keys) {
  std::string out;
  for (const auto k : keys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

std::optional<std::string> unknown_key(const nlohmann::json& object, std::initializer_list<std::string_view> keys) {
  if (!object.is_object()) return std::nullopt;
  for (const auto& item : object.items())
    if (std::find(keys.begin(), keys.end(), item.key()) == keys.end())
      return "unknown key " + quoted_text(item.key()) + " (the keys are: " + key_list(keys) + ")";
  return std::nullopt;
}

bool deeper_than(const nlohmann::json& j, std::size_t levels) {
  if (!j.is_structured()) return false;
  if (levels == 0) return true;
  for (const auto& v : j)
    if (deeper_than(v, levels - 1)) return true;
  return false;
}

}  // namespace comframe::core

// comframe/core/json_document.hpp — checking a JSON document that a person wrote.
//
// The pieces every loader of a hand-written document (a schema, a device
// profile, a simulator file) needs to say what is wrong with it, so that their
// messages read alike:
//   json_value_phrase(j)        "a string \"7\"", "the number 3.5", "an object"
//   unknown_key(obj, {keys})    "unknown key \"colour\" (the keys are: id, name)"
//   deeper_than(j, levels)      depth check that costs nothing on a deep document
// Text from the document is shown through quoted_text() (comframe/core/json_text.hpp):
// escaped and cut, so that nothing a hostile document holds makes a message long
// or unreadable. Each loader throws its own error type with the path it knows.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace comframe::core {

/// A JSON value named for a message: "null", "an object", "an array", "true",
/// "the number 1.5", "a string \"abc\"" (the string escaped and cut by
/// quoted_text()). Never dumps an array or object, whose depth may be unbounded.
std::string json_value_phrase(const nlohmann::json& j);

/// The keys for a message, in the order given: "id, name, payload".
std::string key_list(std::initializer_list<std::string_view> keys);

/// The first key of `object` that is not one of `keys`, as a message:
/// `unknown key "colour" (the keys are: id, name)`; nullopt when every key is
/// known (and for a value that is not an object).
std::optional<std::string> unknown_key(const nlohmann::json& object, std::initializer_list<std::string_view> keys);

/// True when `j` nests deeper than `levels` arrays or objects. Recursion stops
/// at the limit, so a document nested a million levels deep costs nothing here.
bool deeper_than(const nlohmann::json& j, std::size_t levels);

}  // namespace comframe::core

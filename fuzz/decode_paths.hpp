// fuzz/decode_paths.hpp — the dynamic decoder's three ways out (a tree,
// JSON text, a visitor: comframe/core/dynamic_codec.hpp) checked against each
// other on the same bytes.
#pragma once

#include <optional>
#include <string>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/error.hpp"
#include "fuzz_support.hpp"

namespace comframe::fuzz {

/// Every object of `v` (parsed in text order) has its keys in byte order.
inline bool keys_sorted(const nlohmann::ordered_json& v) {
  if (v.is_object()) {
    const std::string* last = nullptr;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (last && !(*last < it.key())) return false;
      last = &it.key();
      if (!keys_sorted(*it)) return false;
    }
  } else if (v.is_array()) {
    for (const auto& e : v) {
      if (!keys_sorted(e)) return false;
    }
  }
  return true;
}

/// Decodes `in` as a tree and as text, compact and indented: either all three
/// give the same error, or the texts are format_json() of the tree, and the
/// texts with sorted keys and ASCII only hold the same values, sorted. Returns the
/// tree, or nothing when the bytes are no value.
inline std::optional<nlohmann::json> decode_every_way(const core::schema& s, std::span<const std::uint8_t> in,
                                                      core::endian order, core::json_mode mode) {
  std::optional<nlohmann::json> tree;
  std::string tree_error;
  try {
    tree = core::decode(s, in, order, mode);
  } catch (const comframe::error& e) {
    tree_error = e.what();
  }
  for (const int indent : {-1, 2}) {
    std::string text = "x";
    std::string text_error;
    try {
      core::decode_json(s, in, text, indent, order, mode);
    } catch (const comframe::error& e) {
      text_error = e.what();
      FUZZ_CHECK(text == "x", "decode_json changed its output and then threw");
    }
    if (tree_error != text_error) std::fprintf(stderr, "tree: %s\ntext: %s\n", tree_error.c_str(), text_error.c_str());
    FUZZ_CHECK(tree_error == text_error, "decode and decode_json disagree on whether and how the bytes are wrong");
    if (!tree) continue;
    const std::string want =
        "x" + core::format_json(*tree, {.indent = indent, .scalar_arrays_on_one_line = true, .type = &s.root()});
    if (text != want) std::fprintf(stderr, "tree: %s\ntext: %s\n", want.c_str(), text.c_str());
    FUZZ_CHECK(text == want, "decode_json writes other text than format_json(decode())");
    // Sorted keys, ASCII only: the same JSON as the field-order text, every
    // object's keys in byte order, no byte outside ASCII.
    std::string sorted;
    try {
      core::decode_json(s, in, sorted, core::json_text_options{.indent = indent, .sorted_keys = true, .ascii_only = true},
                        order, mode);
    } catch (const comframe::error&) {
      FUZZ_CHECK(false, "decode_json with sorted keys threw where it did not in field order");
    }
    FUZZ_CHECK(nlohmann::json::parse(sorted) == nlohmann::json::parse(text.substr(1)),
               "decode_json with sorted keys writes another value than in field order");
    FUZZ_CHECK(keys_sorted(nlohmann::ordered_json::parse(sorted)), "decode_json with sorted keys left keys unsorted");
    for (const char c : sorted) FUZZ_CHECK(c > 0, "decode_json with ascii_only wrote a byte outside ASCII");
  }
  return tree;
}

}  // namespace comframe::fuzz

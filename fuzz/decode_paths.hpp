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

/// Decodes `in` as a tree and as text, compact and indented: either all three
/// give the same error, or the texts are format_json() of the tree. Returns the
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
  }
  return tree;
}

}  // namespace comframe::fuzz

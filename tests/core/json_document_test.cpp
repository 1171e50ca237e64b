// The kit for checking hand-written JSON documents: json_value_phrase, unknown_key, deeper_than.
#include <gtest/gtest.h>

#include <string>

#include "comframe/core/json_document.hpp"

namespace json_document_test {

namespace core = comframe::core;
using nlohmann::json;

TEST(json_value_phrase, names_the_kind_and_shows_scalars) {
  EXPECT_EQ(core::json_value_phrase(json(nullptr)), "null");
  EXPECT_EQ(core::json_value_phrase(json::object()), "an object");
  EXPECT_EQ(core::json_value_phrase(json::array({1, 2})), "an array");
  EXPECT_EQ(core::json_value_phrase(json(true)), "true");
  EXPECT_EQ(core::json_value_phrase(json(3.5)), "the number 3.5");
  EXPECT_EQ(core::json_value_phrase(json(-1)), "the number -1");
  EXPECT_EQ(core::json_value_phrase(json("7")), "a string \"7\"");
}

TEST(json_value_phrase, escapes_and_cuts_a_hostile_string) {
  EXPECT_EQ(core::json_value_phrase(json("a\x1b[2J\"")), R"(a string "a\x1b[2J\"")");
  EXPECT_EQ(core::json_value_phrase(json(std::string(100, 'z'))),
            "a string \"" + std::string(36, 'z') + "\" (cut: 36 of 100 bytes shown)");
}

TEST(unknown_key, is_nothing_when_every_key_is_known) {
  EXPECT_EQ(core::unknown_key(json{{"id", 1}, {"name", "a"}}, {"id", "name", "payload"}), std::nullopt);
  EXPECT_EQ(core::unknown_key(json::object(), {"id"}), std::nullopt);
  EXPECT_EQ(core::unknown_key(json(3), {"id"}), std::nullopt);
}

TEST(unknown_key, names_the_key_and_lists_the_known_ones) {
  EXPECT_EQ(core::unknown_key(json{{"id", 1}, {"colour", 2}}, {"id", "name"}),
            "unknown key \"colour\" (the keys are: id, name)");
}

TEST(unknown_key, escapes_and_cuts_a_hostile_key) {
  const std::string key = "\x1b]0;" + std::string(100, 'k');
  const auto message = core::unknown_key(json{{key, 1}}, {"id"});
  ASSERT_TRUE(message);
  EXPECT_EQ(*message, R"(unknown key "\x1b]0;)" + std::string(60, 'k') +
                          R"(" (cut: 64 of 104 bytes shown) (the keys are: id))");
}

TEST(key_list, joins_in_the_order_given) {
  EXPECT_EQ(core::key_list({"b", "a", "c"}), "b, a, c");
  EXPECT_EQ(core::key_list({}), "");
}

TEST(deeper_than, counts_arrays_and_objects) {
  EXPECT_FALSE(core::deeper_than(json(1), 0));
  EXPECT_TRUE(core::deeper_than(json::array(), 0));
  EXPECT_FALSE(core::deeper_than(json::parse(R"([[{"a": 1}]])"), 3));
  EXPECT_TRUE(core::deeper_than(json::parse(R"([[{"a": [1]}]])"), 3));
}

TEST(deeper_than, stops_at_the_limit_on_a_very_deep_document) {
  json j = 1;
  for (int i = 0; i < 10000; ++i) j = json::array({std::move(j)});
  EXPECT_TRUE(core::deeper_than(j, 64));
  // nlohmann's destructor is iterative: freeing j is safe.
}

}  // namespace json_document_test

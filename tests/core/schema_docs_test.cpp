// Every JSON example in docs/schema.md is a schema that loads.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "comframe/core/schema.hpp"

namespace schema_docs_test {

namespace {

TEST(schema_docs, every_json_example_in_the_schema_doc_loads) {
  std::ifstream in(std::string(COMFRAME_SOURCE_DIR) + "/docs/schema.md");
  ASSERT_TRUE(in) << "docs/schema.md not found";
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  int examples = 0;
  for (std::size_t at = doc.find("```json\n"); at != std::string::npos; at = doc.find("```json\n", at)) {
    const std::size_t start = at + 8, end = doc.find("```", start);
    const std::string block = doc.substr(start, end - start);
    EXPECT_NO_THROW((void)comframe::core::schema::parse(block)) << block;
    ++examples;
    at = end + 3;
  }
  EXPECT_GE(examples, 2);
}

}  // namespace

}  // namespace schema_docs_test

// docs/codegen.md against the generator: the excerpt of the generated thermo
// header on the page is generated, line by line, from devices/profiles/thermo.json.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "comframe/devices/codegen.hpp"

namespace codegen_doc_test {

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(codegen_doc, the_thermo_excerpt_is_what_gen_c_writes) {
  const std::string doc = read(COMFRAME_SOURCE_DIR "/docs/codegen.md");
  const std::string marker = "<!-- generated: thermo_profile.h -->\n```c\n";
  const auto start = doc.find(marker);
  ASSERT_NE(start, std::string::npos);
  const auto begin = start + marker.size();
  const auto end = doc.find("```", begin);
  ASSERT_NE(end, std::string::npos);
  const auto p = comframe::devices::profile::parse(read(COMFRAME_SOURCE_DIR "/devices/profiles/thermo.json"));
  const auto files = comframe::devices::generate_c(p, {});
  ASSERT_EQ(files[0].name, "thermo_profile.h");
  const auto generated = lines(files[0].text);
  const std::set<std::string> have(generated.begin(), generated.end());
  std::size_t checked = 0;
  for (const auto& line : lines(doc.substr(begin, end - begin))) {
    if (line.empty()) continue;
    EXPECT_TRUE(have.count(line)) << "not in the generated header: " << line;
    ++checked;
  }
  EXPECT_GE(checked, 20u);
}

}  // namespace

}  // namespace codegen_doc_test

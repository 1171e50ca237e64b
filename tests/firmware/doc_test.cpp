// docs/firmware.md against the kit: every file it names exists, and every kit
// name it uses (cf_…, CF_…, COMFRAME_…) is declared in the kit's headers, so
// the page cannot speak of an API that is not there.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace doc_test {

namespace {

namespace fs = std::filesystem;
const fs::path source_dir = COMFRAME_SOURCE_DIR;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::set<std::string> matches(const std::string& text, const std::regex& re, int group = 0) {
  std::set<std::string> found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
    found.insert((*it)[group].str());
  return found;
}

TEST(firmware_doc, every_file_the_page_names_exists) {
  const std::string doc = read(source_dir / "docs/firmware.md");
  const auto files = matches(doc, std::regex(R"(`((?:include/comframe/firmware|src)/[a-z0-9_]+\.[ch])`)"), 1);
  ASSERT_GE(files.size(), 10u);
  for (const auto& f : files) EXPECT_TRUE(fs::exists(source_dir / "firmware" / f)) << f;
  EXPECT_TRUE(fs::exists(source_dir / "tests/firmware/board.c"));
}

TEST(firmware_doc, every_kit_name_on_the_page_is_declared_in_the_kit_headers) {
  std::string headers;
  for (const auto& entry : fs::directory_iterator(source_dir / "firmware/include/comframe/firmware"))
    headers += read(entry.path());
  const std::set<std::string> declared = matches(headers, std::regex(R"(\b(?:cf_|CF_|COMFRAME_)[A-Za-z0-9_]+\b)"));
  const std::string doc = read(source_dir / "docs/firmware.md");
  const auto used = matches(doc, std::regex(R"(\b(?:cf_|CF_|COMFRAME_)[A-Za-z0-9_]+\b)"));
  ASSERT_GE(used.size(), 30u);
  for (const auto& name : used) EXPECT_TRUE(declared.count(name)) << name << " is on the page but not in the headers";
}

}  // namespace

}  // namespace doc_test

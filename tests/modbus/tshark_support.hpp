// Test support: tshark with a generated dissector on a capture, its fields per packet.
#pragma once

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace comframe::test::modbus {

inline const std::string tshark = "/usr/bin/tshark";

inline std::vector<std::string> split_text(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, sep)) out.push_back(item);
  return out;
}

/// One row per packet, one column per field; a field that occurs several times is comma-separated.
inline std::vector<std::vector<std::string>> tshark_fields(const std::string& lua, const std::string& capture,
                                                           const std::vector<std::string>& fields,
                                                           const std::vector<std::string>& options = {}) {
  std::vector<std::string> args{tshark, "-X", "lua_script:" + lua, "-r", capture};
  args.insert(args.end(), options.begin(), options.end());
  args.insert(args.end(), {"-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"});
  for (const auto& f : fields) {
    args.push_back("-e");
    args.push_back(f);
  }
  const auto r = run(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("Lua"), std::string::npos) << r.err;  // a Lua error shows on stderr, not in the exit status
  std::vector<std::vector<std::string>> rows;
  for (const auto& line : split_text(r.out, '\n')) {
    auto row = split_text(line, '\t');
    row.resize(fields.size());
    rows.push_back(row);
  }
  return rows;
}

}  // namespace comframe::test::modbus

#include "text_io.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "comframe/core/json_text.hpp"

namespace comframe::tools {

namespace {

std::string read_limited(std::istream& in, std::string_view name, std::string_view what) {
  std::string data;
  char buf[65536];
  while (in) {
    in.read(buf, sizeof buf);
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > max_input_bytes)
      throw cli_error(std::string(what) + " " + std::string(name) + " is larger than " +
                      std::to_string(max_input_bytes >> 20) + " MiB");
  }
  return data;
}

}  // namespace

std::string read_input_file(const std::string& path, std::string_view what) {
  if (path == "-") return read_limited(std::cin, "(stdin)", what);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw cli_error("cannot read " + std::string(what) + " " + path + ": it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw cli_error("cannot read " + std::string(what) + " " + path + ": " + std::strerror(errno));
  return read_limited(in, path, what);
}

std::string argument_or_stdin(const std::string& arg, std::string_view what) {
  if (arg == "-") return read_limited(std::cin, "(stdin)", what);
  return arg;
}

nlohmann::json parse_json_value(const std::string& text, const std::string& what, bool lenient) {
  try {
    return core::parse_json(text, core::errc::json_syntax, lenient ? core::json_mode::lenient : core::json_mode::strict);
  } catch (const core::codec_error& e) {
    // "the value is", "the arguments are"
    const std::string_view verb = what.ends_with('s') ? " are" : " is";
    if (e.offset()) throw cli_error(what + std::string(verb) + " not valid JSON (at byte " + std::to_string(*e.offset()) + ")");
    throw cli_error(what + ": " + e.what());
  }
}

}  // namespace comframe::tools

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

std::vector<std::uint8_t> parse_hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  int high = -1;
  std::size_t digits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':' || c == ',') {
      if (high >= 0) throw cli_error("bad hex at character " + std::to_string(i + 1) + ": a byte needs two hex digits");
      continue;
    }
    if (c == '0' && high < 0 && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
      if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 2])))
        throw cli_error("bad hex at character " + std::to_string(i + 1) + ": \"" + std::string(text.substr(i, 2)) +
                        "\" needs hex digits after it");
      ++i;
      continue;
    }
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else
      throw cli_error("bad hex at character " + std::to_string(i + 1) + ": " + core::quoted_text(text.substr(i, 1)) +
                      " is not a hex digit");
    ++digits;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) throw cli_error("odd number of hex digits (" + std::to_string(digits) + ")");
  return out;
}

std::string to_hex(const std::uint8_t* data, std::size_t size) { return core::hex_text({data, size}); }

}  // namespace comframe::tools

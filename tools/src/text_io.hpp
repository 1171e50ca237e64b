// Reading the CLI's inputs (files, arguments, stdin) and writing hex.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace comframe::tools {

/// A failure the CLI itself finds (arguments that do not go together, a file it
/// cannot read, replies that differ from a capture), reported by main as one
/// line on stderr, "comframe <command>: <message>", with exit status 1.
/// Errors of the libraries are not wrapped in it: they reach main as
/// comframe::error and are printed the same way, their what() starting with
/// their id ("comframe call: [devices.timeout] get_info: no reply …"). A
/// cli_error that adds context to a library error keeps that error's what()
/// in its message ("--bridge: [transport.bridge.in_use] …").
struct cli_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Largest file or stdin input the CLI reads, so no input can exhaust memory.
inline constexpr std::size_t max_input_bytes = std::size_t{64} << 20;

/// The whole content of `path` ("-" is stdin). Throws cli_error naming the path and the OS error.
std::string read_input_file(const std::string& path, std::string_view what);
/// `arg` itself, or all of stdin when `arg` is "-".
std::string argument_or_stdin(const std::string& arg, std::string_view what);

/// A JSON value a user gave as text; `what` names it in errors ("the value").
/// A key written twice in one object is refused unless `lenient` (then the last
/// one wins). Throws cli_error: "the value is not valid JSON (at byte 2)" ("the
/// arguments are …" for a plural `what`),
/// "the value: [core.json_syntax] a[0]: duplicate key \"b\"".
nlohmann::json parse_json_value(const std::string& text, const std::string& what, bool lenient);

}  // namespace comframe::tools

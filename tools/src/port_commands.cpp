// comframe ports — the serial ports this machine has, with their USB metadata.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
// GCC 12 to 14 warn falsely inside libstdc++'s <regex> when optimising with
// -fsanitize=address (GCC bug 105616). The warning is located in the header,
// so silencing it around the include covers every later instantiation.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <regex>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#include <string_view>

#include "commands.hpp"
#include "comframe/core/json_text.hpp"
#include "comframe/transport/link_error.hpp"
#include "comframe/transport/ports.hpp"
#include "text_io.hpp"

namespace comframe::tools {

namespace {

struct ports_options {
  std::string match;
  std::vector<std::string> paths;
  bool json = false;
};

nlohmann::json port_json(const transport::port_info& p) {
  nlohmann::json j = {{"path", p.path}};
  if (!p.has_metadata()) {
    j["metadata"] = false;
    return j;
  }
  j["transport"] = std::string(to_string(*p.transport));
  j["description"] = p.description;
  if (p.usb) j["vid_pid"] = transport::to_string(*p.usb);
  if (!p.serial_number.empty()) j["serial_number"] = p.serial_number;
  if (!p.manufacturer.empty()) j["manufacturer"] = p.manufacturer;
  if (!p.product.empty()) j["product"] = p.product;
  return j;
}

std::string port_line(const transport::port_info& p) {
  if (!p.has_metadata()) return p.path + "  (no metadata: a pseudo-terminal or a port libserialport does not know)";
  std::string line = p.path + "  " + std::string(to_string(*p.transport));
  if (p.usb) line += "  " + transport::to_string(*p.usb);
  if (!p.description.empty()) line += "  " + p.description;
  if (!p.serial_number.empty()) line += "  serial=" + p.serial_number;
  if (!p.manufacturer.empty()) line += "  manufacturer=" + p.manufacturer;
  return line;
}

void run_ports(const ports_options& o) {
  std::optional<std::regex> pattern;
  if (!o.match.empty()) {
    try {
      pattern.emplace(o.match, std::regex::icase | std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw cli_error("--match \"" + o.match + "\" is not a regular expression: " + e.what());
    }
  }
  std::vector<transport::port_info> ports;
  if (o.paths.empty()) {
    ports = transport::list_ports();
  } else {
    for (const auto& path : o.paths) ports.push_back(transport::port_info_of(path));
  }
  std::size_t shown = 0;
  for (const auto& p : ports) {
    if (pattern && !transport::port_matches(p, [&](std::string_view text) {
          return std::regex_search(text.begin(), text.end(), *pattern);
        }))
      continue;
    // A port's USB strings come from the device: core::format_json escapes what a terminal would obey.
    std::cout << (o.json ? core::format_json(port_json(p)) : port_line(p)) << '\n';
    ++shown;
  }
  if (!o.json && shown == 0)
    std::cerr << (pattern ? "no port matches \"" + o.match + "\"" : std::string("no serial ports found")) << '\n';
}

}  // namespace

void add_port_commands(CLI::App& app) {
  auto o = std::make_shared<ports_options>();
  auto* cmd = app.add_subcommand("ports", "List serial ports with their USB metadata (VID:PID, serial number, …)");
  cmd->add_option("-m,--match", o->match,
                  "Show only ports whose path, description, VID:PID, serial number or manufacturer matches this "
                  "regular expression (case-insensitive)");
  cmd->add_flag("--json", o->json, "One JSON object per line");
  cmd->add_option("path", o->paths, "Describe these ports instead of listing all (a pty has no metadata)");
  cmd->callback([o] { run_ports(*o); });
  cmd->footer("Examples: comframe ports --match 0403:6001    comframe ports /dev/ttyUSB0");
}

}  // namespace comframe::tools

// Frames as text: see frame_text.hpp.
#include "frame_text.hpp"

#include <cstdio>
#include <algorithm>
#include <ctime>
#include <optional>

#include "comframe/core/json_text.hpp"
#include "comframe/core/hex.hpp"
#include "comframe/core/schema.hpp"
#include "text_io.hpp"

namespace comframe::tools {

devices::profile load_profile_file(const std::string& path) {
  const std::string text = read_input_file(path, "profile file");
  try {
    return devices::profile::parse(text);
  } catch (const comframe::error& e) {
    throw cli_error("profile file " + path + ": " + e.what());
  }
}

namespace {

// Characters (arrays of one-character strings) as text without the NULs that
// pad it; a NUL with more text after it stays, so nothing the device sent is hidden.
std::optional<std::string> as_text(const nlohmann::json& v) {
  if (!v.is_array() || v.empty()) return std::nullopt;
  std::string text;
  for (const auto& c : v) {
    if (!c.is_string() || c.get_ref<const std::string&>().size() > 4) return std::nullopt;
    text += c.get_ref<const std::string&>();
  }
  while (!text.empty() && text.back() == '\0') text.pop_back();
  return text;
}

constexpr std::size_t max_shown_text = 120;  // bytes of one string in a readable line

// A decoded value in a few characters: scalars as JSON, text quoted, arrays of
// more than eight elements abbreviated with their length, nested objects in braces.
std::string short_value(const nlohmann::json& v, int depth = 0) {
  if (auto t = as_text(v)) return core::quoted_text(*t, max_shown_text);
  if (v.is_string()) return core::quoted_text(v.get_ref<const std::string&>(), max_shown_text);
  if (v.is_array()) {
    std::string out = "[";
    const std::size_t shown = std::min<std::size_t>(v.size(), 8);
    for (std::size_t i = 0; i < shown; ++i) out += (i ? "," : "") + short_value(v[i], depth + 1);
    if (v.size() > shown) out += ",… (" + std::to_string(v.size()) + ")";
    return out + "]";
  }
  if (v.is_object()) {
    if (depth >= 2) return "{…}";
    std::string out = "{";
    bool first = true;
    for (const auto& [k, x] : v.items()) {
      out += (first ? "" : " ") + k + "=" + short_value(x, depth + 1);
      first = false;
    }
    return out + "}";
  }
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

// "2026-11-22T05:00:32.123456Z < response get_info seq=2 firmware={major=1 minor=4 patch=2} serial_number=20240601 name=\"thermo\""
std::string frame_line(const devices::profile& p, const devices::frame_record& r, bool have_profile) {
  constexpr std::size_t max_line = 240;
  std::string line = iso_time(r.time) + (r.dir == devices::direction::to_device ? " > " : " < ");
  if (!r.header) {
    return line + "refused frame (" + std::string(r.error ? transport::to_string(*r.error) : "unknown") + "): " +
           std::to_string(r.payload.size()) + " raw bytes " +
           core::hex_text(r.payload.first(std::min<std::size_t>(r.payload.size(), 32))) +
           (r.payload.size() > 32 ? " …" : "");
  }
  const auto j = frame_json(p, r);
  const auto& h = *r.header;
  std::string name = j.contains("command") ? j["command"].get<std::string>()
                     : j.contains("event") ? j["event"].get<std::string>()
                                           : "id " + transport::command_id_text(h.command);
  line += std::string(transport::to_string(h.kind)) + " " + name + " seq=" + std::to_string(h.sequence);
  if (j.contains("payload")) {
    const auto& v = j["payload"];
    const core::schema* schema = payload_schema(p, h);
    if (v.is_object() && schema && schema->root().kind == core::type_kind::structure) {
      for (const auto& f : schema->root().fields)  // in the schema's order, not JSON's sorted one
        if (v.contains(f.name)) line += " " + f.name + "=" + short_value(v[f.name]);
    } else if (v.is_object()) {
      for (const auto& [k, x] : v.items()) line += " " + k + "=" + short_value(x);
    } else if (!v.is_null()) {
      line += " " + short_value(v);
    }
  } else if (j.contains("payload_hex")) {
    line += " (" + std::to_string(r.payload.size()) + " bytes" +
            (have_profile ? ": " + terminal_text(j["payload_error"].get_ref<const std::string&>()) : "") + ")";
  }
  if (line.size() > max_line) {
    line.resize(max_line);
    while (!line.empty() && (static_cast<unsigned char>(line.back()) & 0xC0) == 0x80) line.pop_back();  // whole UTF-8
    if (!line.empty() && static_cast<unsigned char>(line.back()) >= 0xC0) line.pop_back();
    line += "…";
  }
  return line;
}

std::string json_line(const nlohmann::json& j) {
  return j.dump(-1, ' ', /*ensure_ascii=*/true, nlohmann::json::error_handler_t::replace);
}

std::string terminal_text(std::string_view message) {
  constexpr std::size_t max_bytes = 4096;
  std::string shown = core::printable_text(message, max_bytes);
  // printable_text doubles every backslash: a message with nothing else to escape is already safe.
  std::string doubled;
  doubled.reserve(message.size() + 8);
  for (const char c : message) {
    doubled += c;
    if (c == '\\') doubled += c;
  }
  return shown == doubled ? std::string(message) : shown;
}

}  // namespace comframe::tools

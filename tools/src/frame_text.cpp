// Frames as text: see frame_text.hpp.
#include "frame_text.hpp"

#include <cstdio>
#include <algorithm>
#include <ctime>

#include "comframe/core/json_text.hpp"
#include "comframe/transport/framing_spec.hpp"
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

// "comframe's own framing" or the canonical JSON of one described in a profile.
std::string framing_text(const transport::framing_spec& s) {
  return s.is_default() ? "comframe's own framing (COBS)" : s.to_json().dump();
}

}  // namespace

kept_framing reading_framing(const std::string& named, const devices::profile* p, const std::string& where) {
  transport::framing_spec spec;  // comframe's own
  if (!named.empty()) {
    try {
      spec = transport::parse_framing_spec(nlohmann::json::parse(named));
    } catch (const nlohmann::json::exception& e) {
      throw cli_error(where + ": the capture names a framing that is not JSON: " + terminal_text(e.what()));
    } catch (const comframe::error& e) {
      throw cli_error(where + ": the capture names a framing comframe cannot read: " + terminal_text(e.what()));
    }
  }
  if (p) {
    if (p->framing().to_json() != spec.to_json())
      throw cli_error(where + ": the capture's framing differs from the profile's: the capture has " +
                      terminal_text(framing_text(spec)) + ", the profile (" + terminal_text(p->device()) + ") has " +
                      terminal_text(framing_text(p->framing())) + " (give the profile of the device it was captured from)");
    return kept_framing_of(p);  // the same framing, with the profile's schemas and line ids
  }
  if (spec.is_default()) return kept_framing_of(nullptr);
  // No profile: schema_length measures nothing here (the kept form is whole), and line texts have no ids.
  auto schemas = std::make_shared<const devices::profile_schemas>(nullptr);
  auto f = transport::make_framing(spec, {.incoming = transport::direction::from_device, .schemas = schemas.get()});
  return {std::move(schemas), std::move(f)};
}

const kept_framing& capture_framings::of(const std::string& named) {
  auto it = made_.find(named);
  if (it == made_.end()) it = made_.emplace(named, reading_framing(named, profile_, where_)).first;
  return it->second;
}

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
  line += std::string(transport::to_string(h.kind)) + " " + name;
  // A sequence number where frames carry one (comframe's own; a framing with a sequence field, Modbus TCP's transaction).
  if (p.framing().is_default() || p.framing().field(transport::header_role::sequence) != nullptr)
    line += " seq=" + std::to_string(h.sequence);
  if (j.contains("address")) line += " address=" + std::to_string(h.address);
  if (j.contains("payload") && !j["payload"].is_null()) {
    const auto& v = j["payload"];
    const core::schema* schema = payload_schema(p, h);
    // Fields in the schema's order, characters as text, nested objects (a
    // payload's fields count as the outermost level) and long arrays cut short.
    std::string text = core::format_json(v, {.type = schema ? &schema->root() : nullptr,
                                             .chars_as_text = true,
                                             .key_value = true,
                                             .max_elements = 8,
                                             .max_depth = v.is_object() ? 2u : 1u,
                                             .max_string_bytes = 120});
    if (v.is_object()) text = text.substr(1, text.size() - 2);  // "{a=1 b=2}": the fields without the braces
    if (!text.empty()) line += " " + text;
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

std::string json_line(const nlohmann::json& j) { return core::format_json(j, {.ascii_only = true}); }

std::string frame_json_line(const devices::profile& p, const devices::frame_record& r, const nlohmann::json* extra) {
  std::string line;
  devices::append_frame_json(line, p, r, {.ascii_only = true, .extra = extra});
  return line;
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

// Frames as text: see frame_text.hpp.
#include "frame_text.hpp"

#include <cstdio>
#include <ctime>

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

std::string iso_time(std::chrono::system_clock::time_point t) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(us % 1000000));
  return buf;
}

namespace {

const core::schema error_schema = core::schema::of<devices::error_payload>();


}  // namespace

// One frame as a JSON object: what it is and its payload decoded by the profile.
nlohmann::json frame_json(const devices::profile& p, const devices::frame_record& r) {
  nlohmann::json j = {{"time", iso_time(r.time)}, {"dir", r.dir == devices::direction::to_device ? "out" : "in"}};
  if (!r.header) {
    j["error"] = std::string(transport::to_string(*r.error));
    j["raw"] = to_hex(r.payload.data(), r.payload.size());
    return j;
  }
  const auto& h = *r.header;
  j["kind"] = std::string(transport::to_string(h.kind));
  j["command_id"] = h.command;
  j["seq"] = h.sequence;
  const core::schema* schema = nullptr;
  if (h.kind == transport::frame_kind::event) {
    if (const auto* e = p.find_event(h.command)) {
      j["event"] = e->name;
      schema = &e->payload;
    }
  } else if (const auto* c = p.find_command(h.command)) {
    j["command"] = c->name;
    schema = h.kind == transport::frame_kind::request    ? &c->request
             : h.kind == transport::frame_kind::response ? &c->response
                                                         : &error_schema;
  } else if (h.kind == transport::frame_kind::error) {
    schema = &error_schema;
  }
  if (!schema) {
    j["payload_hex"] = to_hex(r.payload.data(), r.payload.size());
    j["payload_error"] = "not in the profile";
    return j;
  }
  try {
    j["payload"] = core::decode(*schema, r.payload, p.payload_endian());
    if (schema == &error_schema) {  // the message as text, not an array of characters
      const auto& m = j["payload"]["message"];
      std::string text;
      for (const auto& ch : m) text += ch.get<std::string>();
      j["payload"]["message"] = text;
    }
  } catch (const core::codec_error& e) {
    j["payload_hex"] = to_hex(r.payload.data(), r.payload.size());
    j["payload_error"] = e.what();
  }
  return j;
}

std::string frame_line(const devices::profile& p, const devices::frame_record& r) {
  const bool in = r.dir == devices::direction::to_device;
  std::string line = in ? "<- " : "-> ";
  if (!r.header) return line + "broken frame (" + std::string(transport::to_string(*r.error)) + ")";
  const auto& h = *r.header;
  std::string name;
  if (h.kind == transport::frame_kind::event) {
    if (const auto* e = p.find_event(h.command)) name = e->name;
  } else if (const auto* c = p.find_command(h.command)) {
    name = c->name;
  }
  if (name.empty()) name = "id " + std::to_string(h.command);
  return line + std::string(transport::to_string(h.kind)) + " " + name + " seq " + std::to_string(h.sequence) + " (" +
         std::to_string(r.payload.size()) + " bytes)";
}

}  // namespace comframe::tools

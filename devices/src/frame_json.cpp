// A frame as people and programs read it: see frame_json.hpp.
#include "comframe/devices/frame_json.hpp"
#include "comframe/transport/frame_parse.hpp"

#include <cstdio>
#include <ctime>

#include "comframe/core/json_text.hpp"
#include "comframe/core/hex.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/schema.hpp"
#include "comframe/core/schema_export.hpp"

namespace comframe::devices {

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

frame_record stored_frame(const transport::recorded_frame& r, const transport::framing* kept) {
  const std::chrono::system_clock::time_point time(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(r.time_ns)));
  frame_record out{r.dir, time, std::nullopt, r.bytes, r.error};
  if (r.flags & transport::record_flag::refused) {
    if (!out.error) out.error = transport::frame_error::cobs;
    return out;
  }
  if (kept) {
    transport::frame_error why = transport::frame_error::crc;
    if (const auto f = kept->parse_kept(r.bytes, r.dir, &why)) {
      out.header = f->header;
      out.payload = f->payload;
      out.error.reset();
    } else {
      out.error = why;
    }
    return out;
  }
  if (const auto f = transport::parse_frame(r.bytes)) {
    out.header = f->header;
    out.payload = f->payload;
    out.error.reset();
  } else {
    out.error = f.error();
  }
  return out;
}

namespace {

const core::schema& error_schema() {
  static const core::schema s = core::schema::of<error_payload>();
  return s;
}

}  // namespace

const core::schema* payload_schema(const profile& p, const transport::frame_header& h) {
  if (h.kind == transport::frame_kind::event) {
    const auto* e = p.find_event(h.command);
    return e ? &e->payload : nullptr;
  }
  if (h.kind == transport::frame_kind::error) return &error_schema();
  const auto* c = p.find_command(h.command);
  if (!c) return nullptr;
  return h.kind == transport::frame_kind::request ? &c->request : &c->response;
}

const core::schema* profile_schemas::find(transport::frame_kind kind, std::uint16_t command) const noexcept {
  return profile_ ? payload_schema(*profile_, transport::frame_header{transport::protocol_version, kind, command, 0})
                  : nullptr;
}

nlohmann::json frame_json(const profile& p, const frame_record& r) {
  nlohmann::json j = {{"time", iso_time(r.time)}, {"dir", r.dir == direction::to_device ? "out" : "in"}};
  if (!r.header) {
    j["error"] = r.error ? std::string(transport::to_string(*r.error)) : "unknown";
    j["raw"] = core::hex_text(r.payload);
    return j;
  }
  const auto& h = *r.header;
  j["kind"] = std::string(transport::to_string(h.kind));
  j["command_id"] = h.command;
  j["seq"] = h.sequence;
  const auto& framing = p.framing();
  if (framing.field(transport::header_role::address) != nullptr) j["address"] = h.address;
  if (h.kind == transport::frame_kind::event) {
    if (const auto* e = p.find_event(h.command)) j["event"] = e->name;
  } else if (const auto* c = p.find_command(h.command)) {
    j["command"] = c->name;
  }
  if (h.kind == transport::frame_kind::error && framing.error) {
    // The framing's error rule: the payload is the code alone ({"code": 2, "name": "illegal_data_address"}).
    const auto& rule = *framing.error;
    if (r.payload.size() != rule.code_size || rule.code_size > 8) {
      j["payload_hex"] = core::hex_text(r.payload);
      j["payload_error"] = "an error reply's code takes " + std::to_string(rule.code_size) + " bytes, not " +
                           std::to_string(r.payload.size());
      return j;
    }
    std::uint64_t code = 0;
    for (std::size_t i = 0; i < rule.code_size; ++i) {
      const std::size_t at = rule.code_endian == core::endian::big ? i : rule.code_size - 1 - i;
      code = code << 8 | r.payload[at];
    }
    j["payload"] = {{"code", code}};
    if (auto it = rule.names.find(static_cast<std::uint16_t>(code)); it != rule.names.end()) j["payload"]["name"] = it->second;
    return j;
  }
  const core::schema* schema = payload_schema(p, h);
  if (!schema) {
    j["payload_hex"] = core::hex_text(r.payload);
    j["payload_error"] = "not in the profile";
    return j;
  }
  try {
    const bool builtin = h.kind == transport::frame_kind::error ||
                         (h.kind != transport::frame_kind::event && h.command >= first_reserved_command);
    j["payload"] = core::decode(*schema, r.payload, payload_order(builtin, p.payload_endian()));
    if (schema == &error_schema()) {  // the message as text, not an array of characters
      const auto& m = j["payload"]["message"];
      std::string text;
      // Each char decodes as the code point of its byte (0xe2 as "\u00e2"): take the bytes back,
      // so that the device's UTF-8 (and anything else it sent) is the message's bytes.
      for (const auto& ch : m) {
        const auto& c = ch.get_ref<const std::string&>();
        text += c.size() == 2 ? static_cast<char>(((c[0] & 0x1F) << 6) | (c[1] & 0x3F)) : c.empty() ? '\0' : c[0];
      }
      j["payload"]["message"] = text;
    }
  } catch (const core::codec_error& e) {
    j["payload_hex"] = core::hex_text(r.payload);
    j["payload_error"] = e.what();
  }
  return j;
}

}  // namespace comframe::devices

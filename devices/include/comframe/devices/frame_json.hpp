// comframe/devices/frame_json.hpp — a frame as people and programs read it:
// what it is and its payload decoded by name with a device profile.
//
// What `comframe monitor`, `tap` and `log` print, for C++ programs that read a
// bridge or a capture themselves:
//
//   transport::bridge::subscriber tap("lab");
//   const auto profile = devices::profile_on_bridge(tap);     // bridge_feed.hpp
//   const auto r = tap.next(std::chrono::seconds(1));
//   if (r.status == transport::bridge::read_status::record && profile)
//     std::cout << devices::frame_json(*profile, devices::stored_frame(r.rec)) << '\n';
//   // {"command":"get_info","command_id":1,"dir":"in","kind":"response",
//   //  "payload":{"firmware":{"major":1,…},"serial_number":20240601,…},"seq":2,"time":"2026-…Z"}
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>

#include "comframe/devices/profile.hpp"
#include "comframe/devices/frame_record.hpp"
#include "comframe/transport/bridge.hpp"
#include "comframe/transport/framing.hpp"

namespace comframe::devices {

/// "2026-11-22T05:00:32.123456Z" (UTC, microseconds).
std::string iso_time(std::chrono::system_clock::time_point t);

/// A recorded frame — as the bridge or a capture keeps it — as a frame_record:
/// header and payload parsed from `r.bytes` (the spans point into it, which a
/// bridge subscriber or capture reader reuses at its next read), or why it does
/// not parse. A refused frame (record_flag::refused) stays raw with its error.
/// `kept` is the framing the frame was recorded in (framing::parse_kept reads
/// its kept form); nullptr for comframe's own.
frame_record stored_frame(const transport::recorded_frame& r, const transport::framing* kept = nullptr);

/// The schema of a frame's payload by the profile: the command's request or
/// response, the event's payload, the error payload; nullptr when the profile
/// does not have the command or event.
const core::schema* payload_schema(const profile& p, const transport::frame_header& h);

/// A profile's payload schemas as a framing asks for them (transport/framing.hpp,
/// session_options::payload_schemas): find() is payload_schema().
///   so.payload_schemas = std::make_shared<devices::profile_schemas>(profile_ptr);
class profile_schemas final : public transport::payload_schemas {
 public:
  explicit profile_schemas(std::shared_ptr<const profile> p) : profile_(std::move(p)) {}
  const core::schema* find(transport::frame_kind kind, std::uint16_t command) const noexcept override;

 private:
  std::shared_ptr<const profile> profile_;
};

struct session_options;  // session.hpp

/// Makes a session speak `p`'s framing (its "framing" section, docs/framing.md)
/// when it is not comframe's: session_options::framing, payload_schemas and
/// payload_endian.
void use_framing_of(session_options& so, const std::shared_ptr<const profile>& p);

/// A framing of `p` for writing and reading captured frames in their kept form
/// (framing::write_kept / parse_kept, transport::captured_frame), with the
/// schemas it may measure payloads by: comframe's own for the default framing
/// or no profile.
struct kept_framing {
  std::shared_ptr<const transport::payload_schemas> schemas;
  std::unique_ptr<transport::framing> framing;
};
kept_framing kept_framing_of(const profile* p);

/// One frame as a JSON object: "time", "dir" ("out" to the device, "in" from
/// it), "kind", "command_id", "seq", "address" (only when the profile's
/// framing has an address field), "command" or "event" (the name, when the
/// profile has it) and "payload" decoded by the profile's schema and byte
/// order; an error reply of a framing with an error rule as {"code": 2,
/// "name": "illegal_data_address"} (the name when the rule has one). A payload the profile does not describe, or that does not decode,
/// comes as "payload_hex" with "payload_error" saying why; a refused frame as
/// "error" and its "raw" bytes. Never throws for what the frame holds.
nlohmann::json frame_json(const profile& p, const frame_record& r);

/// How append_frame_json() writes a frame.
struct frame_text_options {
  /// Every character outside printable ASCII as a \u escape (core::json_format::ascii_only).
  bool ascii_only = false;
  /// An object whose members are added to the frame's (`{"link": 2}`), each
  /// replacing frame_json()'s member of the same key; a null member removes it
  /// (`{"payload_error": null}`). Null: nothing added.
  const nlohmann::json* extra = nullptr;
};

/// frame_json(p, r), with `options.extra`'s members, as one line of JSON text
/// appended to `out`: the text core::format_json() writes of that object
/// (keys sorted at every depth, no spaces), but with each f32 of the payload
/// in its fewest digits (`-1.0598659e-13`, where format_json writes the double
/// nearest them as `-1.0598659000000001e-13`; docs/schema.md), and
/// written straight from the payload's bytes without a tree
/// (core::decode_json). `comframe monitor --json`, `tap --json`, `log` and
/// `read` write their JSON lines with it. Never throws for what the frame holds.
void append_frame_json(std::string& out, const profile& p, const frame_record& r,
                       const frame_text_options& options = {});

}  // namespace comframe::devices

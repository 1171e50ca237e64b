// Frames as text for people and programs: shared by monitor, tap and log.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <nlohmann/json.hpp>
#include <string>

#include "comframe/devices/profile.hpp"
#include "comframe/devices/session.hpp"

namespace comframe::tools {

/// A profile from a JSON file; cli_error naming the file when it cannot be read or parsed.
devices::profile load_profile_file(const std::string& path);

/// "2026-11-22T05:00:32.123456Z" (UTC, microseconds).
std::string iso_time(std::chrono::system_clock::time_point t);

/// A stored frame — a bus record or a capture record — as the frame_record the
/// printers take: header and payload parsed from `bytes` (the spans point into
/// it), or why it does not parse. A `refused` frame stays raw with its `error`.
devices::frame_record stored_frame(transport::direction dir, std::uint64_t time_ns,
                                   std::span<const std::uint8_t> bytes, std::optional<transport::frame_error> error,
                                   bool refused);

/// One frame as a JSON object: time, dir, kind, command or event name, seq and
/// its payload decoded by the profile (or the raw hex and why it did not decode).
nlohmann::json frame_json(const devices::profile& p, const devices::frame_record& r);

/// One frame as a readable line for people at a terminal.
std::string frame_line(const devices::profile& p, const devices::frame_record& r);

}  // namespace comframe::tools

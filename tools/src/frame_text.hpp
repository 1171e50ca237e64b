// Frames as text for people and programs: shared by monitor, tap and log.
#pragma once

#include <string>

#include "comframe/devices/frame_view.hpp"
#include "comframe/devices/profile.hpp"

namespace comframe::tools {

/// A profile from a JSON file; cli_error naming the file when it cannot be read or parsed.
devices::profile load_profile_file(const std::string& path);

// The decoded view lives in the devices library (frame_view.hpp).
using devices::frame_json;
using devices::iso_time;
using devices::payload_schema;
using devices::stored_frame;

/// One frame as a readable line for people at a terminal. Without
/// `have_profile` a payload is shown as its size only, with no per-frame
/// "not in the profile" (the caller says once that there is no profile).
std::string frame_line(const devices::profile& p, const devices::frame_record& r, bool have_profile = true);

}  // namespace comframe::tools

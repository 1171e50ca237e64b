// Frames as text for people and programs: shared by monitor, tap and log.
#pragma once

#include <string>
#include <string_view>

#include "comframe/devices/frame_json.hpp"
#include "comframe/devices/profile.hpp"
#include "comframe/devices/session.hpp"
#include "comframe/transport/framing.hpp"
#include <map>
#include <memory>

namespace comframe::tools {

/// A profile from a JSON file; cli_error naming the file when it cannot be read or parsed.
devices::profile load_profile_file(const std::string& path);

using devices::use_framing_of;
using devices::kept_framing;
using devices::kept_framing_of;

/// The framing to read a capture's frames with (docs/logging.md, "Reading a
/// capture"): the one the capture names for their link (`named`:
/// capture_reader::link_framing, "" for comframe's own), with the schemas of
/// `p` when given (line texts take their ids from it). cli_error naming both
/// framings when `p` is given and its framing differs (canonical JSON compared);
/// `where` starts that message (the capture's path).
kept_framing reading_framing(const std::string& named, const devices::profile* p, const std::string& where);

/// reading_framing per link of a capture, made once per framing named.
class capture_framings {
 public:
  capture_framings(const devices::profile* p, std::string where) : profile_(p), where_(std::move(where)) {}
  /// The framing for the records of a link whose capture names `named` (capture_reader::link_framing).
  const kept_framing& of(const std::string& named);

 private:
  const devices::profile* profile_;
  std::string where_;
  std::map<std::string, kept_framing> made_;
};

// The decoded view lives in the devices library (frame_json.hpp).
using devices::frame_json;
using devices::iso_time;
using devices::payload_schema;
using devices::stored_frame;

/// One frame as a readable line for people at a terminal. Text from the
/// device (strings, characters, an error's message) is shown as
/// core::quoted_text shows it: control characters escaped, a NUL as \x00 with
/// what follows it, a cut said. Trailing NULs of a character array (its
/// padding) are left out. Without `have_profile` a payload is shown as its
/// size only, with no per-frame "not in the profile" (the caller says once
/// that there is no profile).
std::string frame_line(const devices::profile& p, const devices::frame_record& r, bool have_profile = true);

/// A JSON value on one line in ASCII only: every character outside printable
/// ASCII is a \u escape, so a terminal shows the device's text and obeys none
/// of it (DEL, C1 controls and bidirectional overrides included).
std::string json_line(const nlohmann::json& j);
/// A frame's JSON line as `comframe monitor --json` and `tap --json` print it
/// (devices::append_frame_json, ASCII only), with `extra`'s members.
std::string frame_json_line(const devices::profile& p, const devices::frame_record& r,
                            const nlohmann::json* extra = nullptr);

/// A message that may quote text from outside (an error, a device's name),
/// safe to print on a terminal: as it is when it holds nothing a terminal acts
/// on, else as core::printable_text shows it (cut after 4096 bytes).
std::string terminal_text(std::string_view message);

}  // namespace comframe::tools

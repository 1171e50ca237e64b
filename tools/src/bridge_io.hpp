// The shared-memory bridge from the command line: --bridge NAME on the tools
// that own a link, and `comframe tap NAME` to read one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>

#include "comframe/devices/bridge_feed.hpp"
#include "comframe/devices/profile.hpp"
#include "comframe/transport/bridge.hpp"
#include "stop_signals.hpp"

namespace comframe::tools {

/// Creates the bridge NAME and a feed onto it, with `p` (if given) in its
/// profile region, sized for `p` (without `p`, for the largest profile);
/// ring_bytes and max_record_bytes 0 mean the defaults. cli_error when the
/// name is bad or in use, or the sizes are not allowed.
std::shared_ptr<devices::bridge_feed> open_bridge(const std::string& name, const devices::profile* p = nullptr,
                                                  std::size_t ring_bytes = 0, std::size_t max_record_bytes = 0);

using devices::profile_on_bridge;

/// A record its source cut (flags 0x02), as `comframe tap --json` and
/// `comframe log`'s JSON lines show it: "time", "dir", "truncated": {"kept",
/// "of"}; for a refused frame (0x03) "error" and "raw"; else "kind",
/// "command_id", "seq" from its header (when kept, and the frame is in
/// comframe's own framing: `kept` nullptr or unnamed) and "frame_hex". Never
/// checked as a frame: its CRC is gone.
nlohmann::json truncated_frame_json(const transport::recorded_frame& r, const transport::framing* kept = nullptr);

/// What read_bridge hands on, each on the calling thread: every record
/// (read_status::record), and every change of publisher
/// (read_status::publisher_gone or publisher_restarted, with its detail).
struct bridge_handlers {
  std::function<void(const transport::bridge::read_result&)> record;
  std::function<void(const transport::bridge::read_result&)> publisher_change;
};

/// Reads `subscriber` until `done()` is true or SIGINT or SIGTERM arrives, both
/// checked before each read; a read waits up to 100 ms for a record, and one
/// that times out is passed over in silence.
void read_bridge(transport::bridge::subscriber& subscriber, stop_signals& signals, const std::function<bool()>& done,
                 const bridge_handlers& on);

}  // namespace comframe::tools

// The shared-memory bridge from the command line: --bridge NAME on the tools
// that own a link, and `comframe tap NAME` to read a bus.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "comframe/devices/bridge_feed.hpp"
#include "comframe/devices/profile.hpp"
#include "comframe/transport/bridge.hpp"

namespace comframe::tools {

/// Creates the bus NAME and a feed onto it, with `p` (if given) in its
/// profile region, sized for `p` (without `p`, for the largest profile);
/// ring_bytes and max_record_bytes 0 mean the defaults. cli_error when the
/// name is bad or in use, or the sizes are not allowed.
std::shared_ptr<devices::bridge_feed> open_bridge(const std::string& name, const devices::profile* p = nullptr,
                                                  std::size_t ring_bytes = 0, std::size_t max_record_bytes = 0);

using devices::profile_on_bus;

}  // namespace comframe::tools

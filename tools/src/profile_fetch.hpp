// Getting a device's profile through `describe` for any command of the CLI:
// within an overall deadline, through the profile cache, stopped by SIGINT or
// SIGTERM (docs/profiles.md, "Where the command line gets a profile").
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "comframe/devices/session.hpp"
#include "stop_signals.hpp"

namespace comframe::tools {

struct fetch_settings {
  int timeout_ms = 1000;            ///< each describe exchange
  int deadline_ms = 30000;          ///< the whole fetch
  bool no_cache = false;            ///< neither read nor write the cache
};

/// $XDG_CACHE_HOME/comframe/profiles, or ~/.cache/comframe/profiles; empty (no
/// cache) when neither names an absolute directory.
std::string profile_cache_dir();

/// Adds --profile-deadline and --no-cache.
void add_fetch_options(CLI::App* cmd, fetch_settings& f);

/// The device's own profile: from the cache when its hash is there, else
/// fetched chunk by chunk. Throws cli_error with `context` and what went wrong,
/// or saying that a stop signal ended it.
devices::profile fetch_device_profile(devices::session& s, const fetch_settings& f, stop_signals& signals,
                                      const std::string& context =
                                          "cannot fetch the device's profile (give one with --profile FILE: a device that speaks its own protocol cannot answer describe)");

/// --check: the device's profile hash compared with `expected`'s, and on a
/// mismatch the device's profile fetched as fetch_device_profile does (cache,
/// deadline, stop) to name what differs. Empty when the device has no describe
/// command: it answers with an error reply, or not at all (then a warning on
/// stderr says so). Throws cli_error as fetch_device_profile does.
std::optional<devices::session::profile_check> check_device_profile(devices::session& s, const devices::profile& expected,
                                                                    const fetch_settings& f, stop_signals& signals);

}  // namespace comframe::tools

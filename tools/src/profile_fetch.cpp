#include "profile_fetch.hpp"

#include <cstdlib>
#include <iostream>

#include "frame_text.hpp"
#include "text_io.hpp"

namespace comframe::tools {

std::string profile_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && xdg[0] == '/') return std::string(xdg) + "/comframe/profiles";
  const char* home = std::getenv("HOME");
  if (home && home[0] == '/') return std::string(home) + "/.cache/comframe/profiles";
  return {};
}

void add_fetch_options(CLI::App* cmd, fetch_settings& f) {
  cmd->add_option("--profile-deadline", f.deadline_ms,
                  "Milliseconds allowed for fetching the whole profile from the device")
      ->check(CLI::Range(1, 3600000))
      ->capture_default_str();
  cmd->add_flag("--no-cache", f.no_cache, "Neither read nor write the profile cache (docs/profiles.md)");
}

namespace {

// Runs fetch(options) with the settings' timeout, deadline, cache and a stop on
// SIGINT/SIGTERM; a stop or an error becomes cli_error (with `context`), except
// the errors `passes` lets through unchanged.
template <class Fetch>
auto fetching(const fetch_settings& f, stop_signals& signals, const std::string& context, Fetch&& fetch,
              bool (*passes)(const devices::request_error&) = nullptr) {
  devices::session::fetch_options fo;
  fo.timeout = std::chrono::milliseconds(f.timeout_ms);
  fo.deadline = std::chrono::milliseconds(f.deadline_ms);
  if (!f.no_cache) fo.cache_dir = profile_cache_dir();
  bool stopped = false;
  fo.stop = [&] { return stopped = stopped || signals.wait(std::chrono::milliseconds(0)); };
  try {
    return fetch(fo);
  } catch (const comframe::error& e) {
    if (stopped) throw cli_error("stopped by a signal while fetching the device's profile");
    if (const auto* r = dynamic_cast<const devices::request_error*>(&e); r && passes && passes(*r)) throw;
    throw cli_error(context + ": " + terminal_text(e.what()));
  }
}

}  // namespace

devices::profile fetch_device_profile(devices::session& s, const fetch_settings& f, stop_signals& signals,
                                      const std::string& context) {
  return fetching(f, signals, context, [&](const auto& fo) { return s.fetch_profile(fo); });
}

std::optional<devices::session::profile_check> check_device_profile(devices::session& s, const devices::profile& expected,
                                                                    const fetch_settings& f, stop_signals& signals) {
  try {
    return fetching(
        f, signals, "cannot compare with the device's profile", [&](const auto& fo) { return s.check_profile(expected, fo); },
        [](const devices::request_error& e) {
          return e.kind() == devices::request_errc::device_error || e.kind() == devices::request_errc::timeout;
        });
  } catch (const devices::request_error& e) {
    // A device without the built-in describe (an error reply, or none): the file is used unchecked.
    if (e.kind() == devices::request_errc::timeout)
      std::cerr << "warning: cannot compare with the device's profile: " << terminal_text(e.what()) << '\n';
    return std::nullopt;
  }
}

}  // namespace comframe::tools

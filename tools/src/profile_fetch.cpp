#include "profile_fetch.hpp"

#include <cstdlib>

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

devices::profile fetch_device_profile(devices::session& s, const fetch_settings& f, stop_signals& signals,
                                      const std::string& context) {
  devices::session::fetch_options fo;
  fo.timeout = std::chrono::milliseconds(f.timeout_ms);
  fo.deadline = std::chrono::milliseconds(f.deadline_ms);
  if (!f.no_cache) fo.cache_dir = profile_cache_dir();
  bool stopped = false;
  fo.stop = [&] { return stopped = stopped || signals.wait(std::chrono::milliseconds(0)); };
  try {
    return s.fetch_profile(fo);
  } catch (const comframe::error& e) {
    if (stopped) throw cli_error("stopped by a signal while fetching the device's profile");
    throw cli_error(context + ": " + terminal_text(e.what()));
  }
}

}  // namespace comframe::tools

// comframe tap — read a shared-memory bridge.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include "bridge_io.hpp"
#include "comframe/core/codec.hpp"
#include "comframe/core/hex.hpp"
#include "comframe/core/json_text.hpp"
#include "commands.hpp"
#include "frame_text.hpp"
#include "stop_signals.hpp"
#include "text_io.hpp"

namespace comframe::tools {

namespace {

struct tap_options {
  std::string name;
  std::string profile_file;
  bool json = false;
  bool from_oldest = false;
  bool wait = false;
  std::uint64_t count = 0;
  double duration_s = 0;
  unsigned spin_us = 0;
};

// Two keys of `tap --json` keep the word "bus", which the bridge was also
// called: programs read them, so they stay as they were.
constexpr const char* sequence_key = "bus_seq";  // a record's sequence number
constexpr const char* event_key = "bus";         // "lost", "publisher_gone", "publisher_restarted"

// A record the publisher cut (flags 0x02): what is left of it, and how much
// that is. A good frame's bytes are the frame before COBS, so its header (the
// first 6 bytes) still says what it was; a refused one (0x03) keeps its raw
// bytes as received and why it was refused.
nlohmann::json truncated_json(const transport::bridge::record& r, const transport::framing* kept) {
  auto j = truncated_frame_json(r, kept);
  j[sequence_key] = r.sequence;
  if (r.link_id) j["link"] = r.link_id;
  return j;
}

std::string truncated_line(const transport::bridge::record& r, const transport::framing* framing) {
  const auto j = truncated_json(r, framing);
  std::string line = j["time"].get<std::string>() + (r.dir == transport::direction::to_device ? " > " : " < ");
  const std::string kept = std::to_string(r.bytes.size()) + " of " + std::to_string(r.length()) + " bytes kept";
  if (r.flags & transport::bridge::refused)
    line += "refused frame (" + j["error"].get<std::string>() + "), truncated: " + kept + " of the raw bytes";
  else if (j.contains("kind"))
    line += "truncated " + j["kind"].get<std::string>() + " id " + std::to_string(j["command_id"].get<int>()) +
            " seq=" + std::to_string(j["seq"].get<int>()) + ": " + kept;
  else
    line += "truncated frame: " + kept;
  const auto shown = r.bytes.first(std::min<std::size_t>(r.bytes.size(), 32));
  return line + ": " + core::hex_text(shown) + (r.bytes.size() > shown.size() ? " …" : "");
}

struct tap_counters {
  std::uint64_t records = 0;
  std::uint64_t lost = 0;
  std::uint64_t gaps = 0;
  std::uint64_t refused = 0;
  std::uint64_t truncated = 0;
  std::uint64_t publishers_gone = 0;
  std::uint64_t restarts = 0;
};

// One run of `comframe tap`: a subscriber on the bridge, the profile it decodes
// with (a file's, or the one on the bridge, looked for again after a restart),
// one line (or JSON object) per record and per bridge event, counters at the end.
class tap {
 public:
  explicit tap(const tap_options& o) : o_(o), profile_from_file_(!o.profile_file.empty()) {}

  void run() {
    if (!subscribe()) return;
    if (profile_from_file_) profile_ = load_profile_file(o_.profile_file);
    look_for_profile();
    std::cerr << "tap: " << o_.name << " (publisher pid " << subscriber_->publisher_pid() << "), Ctrl-C to stop"
              << std::endl;
    read_bridge(*subscriber_, signals_, [this] { return (o_.count && n_.records >= o_.count) || out_of_time(); },
                {.record = [this](const auto& r) { on_record(r); },
                 .publisher_change = [this](const auto& r) { on_publisher_change(r); }});
    print_counters();
  }

 private:
  using clock = std::chrono::steady_clock;

  bool out_of_time() const {
    return o_.duration_s > 0 && clock::now() - start_ >= std::chrono::duration<double>(o_.duration_s);
  }

  // Subscribes; with --wait, until the bridge appears. False when stopped (a
  // signal, --duration) before it did.
  bool subscribe() {
    const transport::bridge::subscriber_options so{o_.from_oldest, std::chrono::microseconds(o_.spin_us)};
    transport::bridge::check_name(o_.name);
    while (!subscriber_) {
      try {
        subscriber_ = std::make_unique<transport::bridge::subscriber>(o_.name, so);
      } catch (const transport::bridge::bridge_error& e) {
        if (!o_.wait || e.kind() != transport::bridge::bridge_errc::not_found) throw;
        if (signals_.wait(std::chrono::milliseconds(100)) || out_of_time()) return false;
      }
    }
    return true;
  }

  // The profile the publisher keeps on the bridge, unless --profile gave one.
  void look_for_profile() {
    if (profile_from_file_) {
      // The frames are kept in the framing of the profile on the bridge: --profile must speak the same.
      const std::optional<devices::profile> on_bridge = profile_on_bridge(*subscriber_);
      if (on_bridge && profile_ && on_bridge->framing().to_json() != profile_->framing().to_json())
        throw cli_error("the bridge's framing differs from the profile's: the profile on the bridge (" +
                        terminal_text(on_bridge->device()) + ") has " +
                        terminal_text(on_bridge->framing().traits().name.empty() ? "comframe's own framing (COBS)"
                                                                                  : on_bridge->framing().traits().name) +
                        ", --profile (" + terminal_text(profile_->device()) + ") has " +
                        terminal_text(profile_->framing().traits().name.empty() ? "comframe's own framing (COBS)"
                                                                                 : profile_->framing().traits().name));
      return;
    }
    // A corrupt profile region is the bridge's error, reported as such.
    std::optional<devices::profile> p = profile_on_bridge(*subscriber_);
    if (!p) return;
    const bool changed = !profile_ || p->hash() != profile_->hash();
    profile_ = std::move(p);
    if (changed)
      std::cerr << "tap: decoding with the profile on the bridge: " << core::printable_text(profile_->device()) << " "
                << core::printable_text(profile_->version()) << std::endl;
  }

  void say(const nlohmann::json& event, const std::string& text) {
    if (o_.json) std::cout << json_line(event) << std::endl;
    else std::cout << text << std::endl;
  }

  // A publisher that went or restarted.
  void on_publisher_change(const transport::bridge::read_result& r) {
    if (r.status == transport::bridge::read_status::publisher_gone) {
      ++n_.publishers_gone;
      say({{event_key, "publisher_gone"}, {"detail", r.detail}}, "-- publisher gone: " + r.detail);
    } else if (r.status == transport::bridge::read_status::publisher_restarted) {
      ++n_.restarts;
      say({{event_key, "publisher_restarted"}, {"detail", r.detail}}, "-- publisher restarted: " + r.detail);
      if (!profile_from_file_) profile_.reset();
      look_for_profile();
      said_no_profile_ = false;
    }
  }

  void on_record(const transport::bridge::read_result& r) {
    if (r.lost) {
      ++n_.gaps;
      n_.lost += r.lost;
      say({{event_key, "lost"}, {"lost", r.lost}, {"before_seq", r.rec.sequence}},
          "-- lost " + std::to_string(r.lost) + " record" + (r.lost == 1 ? "" : "s") + " (bridge sequence " +
              std::to_string(r.rec.sequence - r.lost) + " to " + std::to_string(r.rec.sequence - 1) +
              "): this tap fell behind");
    }
    if (!profile_ && clock::now() - last_profile_look_ > std::chrono::milliseconds(200)) {
      last_profile_look_ = clock::now();
      look_for_profile();
    }
    if (!profile_ && !said_no_profile_) say_no_profile();
    ++n_.records;
    if (r.rec.flags & transport::bridge::refused) ++n_.refused;
    if (!kept_.framing || kept_profile_ != (profile_ ? profile_->hash() : 0)) {
      // The frames are kept in the profile's framing (the publisher's, or --profile's).
      kept_ = kept_framing_of(profile_ ? &*profile_ : nullptr);
      kept_profile_ = profile_ ? profile_->hash() : 0;
    }
    if (r.rec.flags & transport::bridge::truncated) {
      ++n_.truncated;
      say(truncated_json(r.rec, kept_.framing.get()), truncated_line(r.rec, kept_.framing.get()));
      return;
    }
    const auto record = stored_frame(r.rec, kept_.framing.get());
    const devices::profile& p = profile_ ? *profile_ : no_profile_;
    if (!o_.json) {
      std::cout << frame_line(p, record, profile_.has_value()) << std::endl;
      return;
    }
    nlohmann::json extra = {{sequence_key, r.rec.sequence}};
    if (!profile_) extra["payload_error"] = nullptr;  // said once, not per frame
    if (r.rec.link_id) extra["link"] = r.rec.link_id;
    std::cout << frame_json_line(p, record, &extra) << std::endl;
  }

  void say_no_profile() {
    said_no_profile_ = true;
    const auto refused_values = subscriber_->refused();
    std::cerr << "tap: the bridge carries no profile: payloads are shown as hex, not decoded (give --profile FILE)"
              << (refused_values ? "; the publisher could not store " + std::to_string(refused_values) + " value" +
                                       (refused_values == 1 ? "" : "s") + " on the bridge"
                                 : std::string())
              << std::endl;
  }

  void print_counters() {
    const auto st = subscriber_->stats();
    std::cerr << "tap: records " << n_.records << ", lost " << n_.lost << " in " << n_.gaps << " gap"
              << (n_.gaps == 1 ? "" : "s") << ", refused frames " << n_.refused << ", truncated " << n_.truncated
              << ", publisher gone " << n_.publishers_gone << ", restarts " << n_.restarts << " (bridge: records "
              << st.records << ", lost " << st.lost << ", values the publisher could not store " << subscriber_->refused()
              << ")" << std::endl;
  }

  const tap_options& o_;
  stop_signals signals_;
  const clock::time_point start_ = clock::now();
  std::unique_ptr<transport::bridge::subscriber> subscriber_;
  const bool profile_from_file_;
  std::optional<devices::profile> profile_;
  const devices::profile no_profile_;
  bool said_no_profile_ = false;
  kept_framing kept_;              // the framing frames are read in, made for the profile of hash kept_profile_
  std::uint64_t kept_profile_ = 0;
  clock::time_point last_profile_look_ = clock::now();
  tap_counters n_;
};

void run_tap(const tap_options& o) { tap(o).run(); }

}  // namespace

void add_bridge_commands(CLI::App& app) {
  auto o = std::make_shared<tap_options>();
  auto* tap = app.add_subcommand("tap", "Print the frames published on a shared-memory bridge, one line each");
  tap->add_option("name", o->name, "The bridge name, as given to --bridge NAME")->required();
  tap->add_option("-p,--profile", o->profile_file,
                  "Decode with this profile, and read frames in its framing; without it the profile the publisher "
                  "keeps on the bridge is used (no profile: comframe's framing)");
  tap->add_flag("--json", o->json, "One JSON object per line instead of readable lines");
  tap->add_flag("--from-oldest", o->from_oldest, "Start with the oldest record still on the bridge, not the next new one");
  tap->add_flag("--wait", o->wait, "Wait for the bridge to appear instead of failing");
  tap->add_option("--count", o->count, "Stop after this many frames");
  tap->add_option("--duration", o->duration_s, "Stop after this many seconds");
  tap->add_option("--spin-us", o->spin_us,
                  "Check for a record for up to this many microseconds before sleeping, for lower latency "
                  "(spins shorten while they do not pay)")
      ->check(CLI::Range(0u, 1000000u));
  tap->callback([o] { run_tap(*o); });
  tap->footer(
      "Reports records lost when this tap falls behind, and a publisher that stops or restarts.\n"
      "Stops on Ctrl-C (SIGINT) or SIGTERM and prints the counters on stderr.");
}

}  // namespace comframe::tools

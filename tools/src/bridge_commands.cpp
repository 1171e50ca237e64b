// comframe tap — read a shared-memory bridge; and the helpers behind --bridge.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include "bridge_io.hpp"
#include "comframe/core/json_text.hpp"
#include "commands.hpp"
#include "frame_text.hpp"
#include "stop_signals.hpp"
#include "text_io.hpp"

namespace comframe::tools {

std::shared_ptr<devices::bridge_feed> open_bridge(const std::string& name, const devices::profile* p,
                                                  std::size_t ring_bytes) {
  try {
    transport::bridge::publisher_options po;
    if (ring_bytes) {
      po.ring_bytes = ring_bytes;
      po.max_record_bytes = std::min(po.max_record_bytes, ring_bytes / 4);
    }
    auto feed = std::make_shared<devices::bridge_feed>(std::make_shared<transport::bridge::publisher>(name, po));
    if (p) feed->set_profile(*p);
    return feed;
  } catch (const transport::bridge::bridge_error& e) {
    throw cli_error(std::string("--bridge: ") + e.what());
  }
}

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

struct tap_counters {
  std::uint64_t records = 0;
  std::uint64_t lost = 0;
  std::uint64_t gaps = 0;
  std::uint64_t refused = 0;
  std::uint64_t publishers_gone = 0;
  std::uint64_t restarts = 0;
};

void run_tap(const tap_options& o) {
  stop_signals signals;
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  auto out_of_time = [&] {
    return o.duration_s > 0 && clock::now() - start >= std::chrono::duration<double>(o.duration_s);
  };
  const transport::bridge::subscriber_options so{o.from_oldest, std::chrono::microseconds(o.spin_us)};
  std::unique_ptr<transport::bridge::subscriber> bus;
  try {
    transport::bridge::check_name(o.name);
    while (!bus) {
      try {
        bus = std::make_unique<transport::bridge::subscriber>(o.name, so);
      } catch (const transport::bridge::bridge_error& e) {
        if (!o.wait || e.id() != "transport.bridge.not_found") throw;
        if (signals.wait(std::chrono::milliseconds(100)) || out_of_time()) return;
      }
    }
  } catch (const transport::bridge::bridge_error& e) {
    throw cli_error(e.what());
  }

  std::optional<devices::profile> profile;
  bool profile_from_file = !o.profile_file.empty();
  if (profile_from_file) profile = load_profile_file(o.profile_file);
  auto look_for_profile = [&] {
    if (profile_from_file) return;
    if (auto p = profile_on_bus(*bus)) {
      const bool changed = !profile || p->hash() != profile->hash();
      profile = std::move(p);
      if (changed)
        std::cerr << "tap: decoding with the profile on the bus: " << core::printable_text(profile->device()) << " "
                  << core::printable_text(profile->version()) << std::endl;
    }
  };
  look_for_profile();
  std::cerr << "tap: " << o.name << " (publisher pid " << bus->publisher_pid() << "), Ctrl-C to stop" << std::endl;

  const devices::profile no_profile;
  tap_counters n;
  auto say = [&](const nlohmann::json& event, const std::string& text) {
    if (o.json) std::cout << event.dump() << std::endl;
    else std::cout << text << std::endl;
  };
  auto last_profile_look = clock::now();
  while (!(o.count && n.records >= o.count) && !out_of_time()) {
    if (signals.wait(std::chrono::milliseconds(0))) break;
    transport::bridge::read_result r;
    try {
      r = bus->next(std::chrono::milliseconds(100));
    } catch (const transport::bridge::bridge_error& e) {
      throw cli_error(e.what());
    }
    switch (r.status) {
      case transport::bridge::read_status::timeout:
        continue;
      case transport::bridge::read_status::publisher_gone:
        ++n.publishers_gone;
        say({{"bus", "publisher_gone"}, {"detail", r.detail}}, "-- publisher gone: " + r.detail);
        continue;
      case transport::bridge::read_status::publisher_restarted:
        ++n.restarts;
        say({{"bus", "publisher_restarted"}, {"detail", r.detail}}, "-- publisher restarted: " + r.detail);
        if (!profile_from_file) profile.reset();
        look_for_profile();
        continue;
      case transport::bridge::read_status::record:
        break;
    }
    if (r.lost) {
      ++n.gaps;
      n.lost += r.lost;
      say({{"bus", "lost"}, {"lost", r.lost}, {"before_seq", r.rec.sequence}},
          "-- lost " + std::to_string(r.lost) + " record" + (r.lost == 1 ? "" : "s") + " (bus sequence " +
              std::to_string(r.rec.sequence - r.lost) + " to " + std::to_string(r.rec.sequence - 1) +
              "): this tap fell behind");
    }
    if (!profile && clock::now() - last_profile_look > std::chrono::milliseconds(200)) {
      last_profile_look = clock::now();
      look_for_profile();
    }
    ++n.records;
    if (r.rec.flags & transport::bridge::refused) ++n.refused;
    const auto record = stored_frame(r.rec);
    auto j = frame_json(profile ? *profile : no_profile, record);
    j["bus_seq"] = r.rec.sequence;
    if (r.rec.link_id) j["link"] = r.rec.link_id;
    if (o.json) std::cout << json_line(j) << std::endl;
    else std::cout << frame_line(profile ? *profile : no_profile, record) << std::endl;
  }
  const auto st = bus->stats();
  std::cerr << "tap: records " << n.records << ", lost " << n.lost << " in " << n.gaps << " gap"
            << (n.gaps == 1 ? "" : "s") << ", refused frames " << n.refused << ", publisher gone " << n.publishers_gone
            << ", restarts " << n.restarts << " (bus: records " << st.records << ", lost " << st.lost << ")"
            << std::endl;
}

}  // namespace

void add_bridge_commands(CLI::App& app) {
  auto o = std::make_shared<tap_options>();
  auto* tap = app.add_subcommand("tap", "Print the frames published on a shared-memory bridge, one line each");
  tap->add_option("name", o->name, "The bus name, as given to --bridge NAME")->required();
  tap->add_option("-p,--profile", o->profile_file,
                  "Decode with this profile; without it the profile the publisher keeps on the bus is used");
  tap->add_flag("--json", o->json, "One JSON object per line instead of readable lines");
  tap->add_flag("--from-oldest", o->from_oldest, "Start with the oldest record still on the bus, not the next new one");
  tap->add_flag("--wait", o->wait, "Wait for the bus to appear instead of failing");
  tap->add_option("--count", o->count, "Stop after this many frames");
  tap->add_option("--duration", o->duration_s, "Stop after this many seconds");
  tap->add_option("--spin-us", o->spin_us, "Busy-poll this many microseconds before sleeping, for lower latency")
      ->check(CLI::Range(0u, 1000000u));
  tap->callback([o] { run_tap(*o); });
  tap->footer(
      "Reports records lost when this tap falls behind, and a publisher that stops or restarts.\n"
      "Stops on Ctrl-C (SIGINT) or SIGTERM and prints the counters on stderr.");
}

}  // namespace comframe::tools

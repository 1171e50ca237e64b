// soak_driver — the host side of scripts/soak.py: one session on a thermo board
// (the simulator), publishing every frame to a shared-memory bridge, issuing
// requests one after another and receiving telemetry, across the simulator's
// faults and disconnects, for a given time.
//
//   soak_driver PORT BRIDGE SECONDS RING_BYTES
//
// Makes the bridge, prints {"bridge": "BRIDGE"} and waits for a line "go" on
// stdin (its readers attach meanwhile, so they see every record), then opens
// the session. Prints one JSON line when it is connected ({"ready": true}), then
// at the end one JSON line with its counters: every request it made and how it
// ended (each request ends exactly one way), the session's statistics and the
// bridge's published and refused records. It keeps the bridge open after that
// line until its stdin closes, so that the bridge's readers can drain it and
// print their own counters against the same publisher.
#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <comframe/devices/bridge_feed.hpp>
#include <comframe/devices/builtin/thermo.hpp>
#include <comframe/devices/session.hpp>
#include <comframe/transport/bridge.hpp>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>

namespace thermo = comframe::devices::builtin::thermo;
namespace devices = comframe::devices;
using clock_type = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: soak_driver PORT BRIDGE SECONDS RING_BYTES\n";
    return 2;
  }
  try {
    const std::string port = argv[1];
    const auto seconds = std::chrono::seconds(std::stoul(argv[3]));
    comframe::transport::bridge::publisher_options bo;
    bo.ring_bytes = std::stoul(argv[4]);
    bo.max_record_bytes = std::min<std::size_t>(bo.max_record_bytes, bo.ring_bytes / 4);
    auto publisher = std::make_shared<comframe::transport::bridge::publisher>(argv[2], bo);
    std::cout << nlohmann::json{{"bridge", argv[2]}}.dump() << std::endl;
    for (std::string line; std::getline(std::cin, line) && line != "go";) {
    }
    devices::session_options so;
    so.timeout = std::chrono::milliseconds(300);
    so.reconnect_max = std::chrono::milliseconds(200);
    so.bridge = std::make_shared<devices::bridge_feed>(publisher);

    std::atomic<std::uint64_t> samples{0};
    std::atomic<bool> restart_telemetry{false};
    auto session = std::make_unique<devices::session>(port, so);
    devices::session& board = *session;
    board.on_event<thermo::telemetry>([&](const thermo::telemetry_sample&) { samples.fetch_add(1); });
    board.on_link_state([&](devices::link_state st, const std::string&) {
      if (st == devices::link_state::reconnected) restart_telemetry = true;
    });
    board.request<thermo::start_telemetry>({200});
    std::cout << R"({"ready": true})" << std::endl;

    // How each request ended: "ok" or the request_errc's name. Every request is
    // counted in exactly one of them.
    std::map<std::string, std::uint64_t> ended;
    std::uint64_t attempted = 0;
    const auto until = clock_type::now() + seconds;
    for (std::uint64_t i = 0; clock_type::now() < until; ++i) {
      ++attempted;
      try {
        if (restart_telemetry.exchange(false)) {
          board.request<thermo::start_telemetry>({200});
        } else if (i % 3 == 0) {
          board.request<thermo::get_info>({});
        } else if (i % 3 == 1) {
          board.request<thermo::read_sensors>({});
        } else {
          board.request<thermo::set_led>({static_cast<std::uint8_t>(i % 8), {1, 2, 3}});
        }
        ++ended["ok"];
      } catch (const devices::request_error& e) {
        ++ended[std::string(devices::to_string(e.kind()))];
        if (e.kind() == devices::request_errc::not_connected) {
          restart_telemetry = true;
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    // The session's own counters, before anything else is asked: they must
    // agree with `ended` (scripts/soak.py checks it).
    const auto st = board.stats();
    try {
      board.request<thermo::stop_telemetry>({});
    } catch (const devices::request_error&) {
      // The last exchange may meet a fault like any other; it is not counted.
    }
    // Closed, the session publishes nothing more: `published` below is final.
    session.reset();

    nlohmann::json out;
    out["attempted"] = attempted;
    out["ended"] = ended;
    out["telemetry_samples"] = samples.load();
    out["session"] = nlohmann::json{{"requests", st.requests},
                                         {"replies", st.replies},
                                         {"timeouts", st.timeouts},
                                         {"broken_replies", st.broken_replies},
                                         {"late_replies", st.late_replies},
                                         {"mismatched_replies", st.mismatched_replies},
                                         {"events", st.events},
                                         {"link_losses", st.link_losses},
                                         {"reconnects", st.reconnects},
                                         {"frames", st.decoder.frames},
                                         {"frame_errors", st.decoder.errors()}};
    out["bridge"] = nlohmann::json{{"published", publisher->published()}, {"refused", publisher->refused()}};
    std::cout << out.dump() << std::endl;

    // Stay until stdin closes: readers drain the bridge meanwhile.
    std::string line;
    while (std::getline(std::cin, line)) {
    }
    return 0;
  } catch (const comframe::error& e) {
    std::cerr << "soak_driver: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "soak_driver: " << e.what() << "\n";
    return 1;
  }
}

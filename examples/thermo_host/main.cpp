// thermo_host — a host program for the thermo sensor board: device info, a few
// readings, an LED, a short telemetry stream. Run it against the simulator
// (comframe sim --device thermo) or a real board speaking the same protocol.
//
//   thermo_host PORT        e.g. thermo_host /tmp/thermo   or   /dev/ttyUSB0?baud=115200
#include <comframe/devices/session.hpp>
#include <comframe/devices/builtin/thermo.hpp>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>

namespace thermo = comframe::devices::builtin::thermo;
using comframe::devices::request_error;

namespace {

std::string temps(const std::vector<std::int16_t>& cdeg) {
  std::string s;
  for (auto t : cdeg) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%s%.2f", s.empty() ? "" : " ", t / 100.0);
    s += buf;
  }
  return s + " °C";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: thermo_host PORT\n";
    return 2;
  }
  try {
    // What the event handler below touches is declared before the session, so
    // it outlives the session's thread on every path out of this block.
    std::mutex m;
    std::condition_variable cv;
    int samples = 0;
    comframe::devices::session board(argv[1]);

    const auto info = board.request<thermo::get_info>({});
    std::printf("device:   %s, firmware %u.%u.%u, serial %u\n", std::string(info.name.view()).c_str(),
                info.firmware.major, info.firmware.minor, info.firmware.patch, info.serial_number);

    for (int i = 0; i < 3; ++i) {
      const auto r = board.request<thermo::read_sensors>({});
      std::printf("reading:  #%u  supply %u mV  %s\n", r.sequence, r.supply_mv, temps(r.temps_cdeg).c_str());
    }

    board.request<thermo::set_led>({2, {255, 64, 0}});
    std::printf("led:      2 set to ff4000\n");
    try {
      board.request<thermo::set_led>({9, {0, 0, 0}});
    } catch (const request_error& e) {
      std::printf("led:      9 refused: %s\n", e.what());
    }

    // Telemetry: events on the session's thread, counted here.
    board.on_event<thermo::telemetry>([&](const thermo::telemetry_sample& s) {
      std::lock_guard lock(m);
      if (samples >= 5) return;
      std::printf("event:    telemetry #%u at %.3f s  %s\n", s.sequence, s.uptime_us / 1e6, temps(s.temps_cdeg).c_str());
      ++samples;
      cv.notify_all();
    });
    board.request<thermo::start_telemetry>({20});
    {
      std::unique_lock lock(m);
      if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return samples >= 5; })) {
        std::fprintf(stderr, "thermo_host: no telemetry within 10 s\n");
        return 1;
      }
    }
    board.request<thermo::stop_telemetry>({});
    std::printf("done:     %llu replies, %llu events, %llu frame errors\n",
                static_cast<unsigned long long>(board.stats().replies),
                static_cast<unsigned long long>(board.stats().events),
                static_cast<unsigned long long>(board.stats().decoder.errors()));
    return 0;
  } catch (const comframe::error& e) {
    std::fprintf(stderr, "thermo_host: %s\n", e.what());
    return 1;
  }
}

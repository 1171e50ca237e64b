// fuzz/sim_file_fuzz.cpp — the simulator's sim-file loader
// (firmware_sim::parse_sim_file) on any text, with "profile_file" names
// resolved against examples/modbus_rtu/ (so a name that exists loads a real
// profile). A sim file that loads makes each of its events' payloads.
#include "comframe/core/error.hpp"
#include "comframe/firmware_sim/sim_definition.hpp"
#include "fuzz_support.hpp"

using namespace comframe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto sim = firmware_sim::parse_sim_file(text, fuzz::source_dir() / "examples/modbus_rtu");
    for (const auto& e : sim.profile().events()) {
      try {
        (void)sim.event_payload(e.name, 0);
        (void)sim.event_payload(e.name, 1000);
      } catch (const comframe::error&) {
      }
    }
  } catch (const comframe::error&) {
  }
  return 0;
}

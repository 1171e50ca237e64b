// fuzz/profile_fuzz.cpp — the profile loader (devices::profile::parse) on any
// text: a device's self-description, a profile file, a framing section.
//
// Checks: a profile that loads round trips through its text (dump, parse) to
// an equal profile with the same hash; its framing can be made in both
// directions.
#include "comframe/core/error.hpp"
#include "comframe/devices/frame_json.hpp"
#include "comframe/devices/profile.hpp"
#include "comframe/transport/framing_spec.hpp"
#include "fuzz_support.hpp"

using namespace comframe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::shared_ptr<const devices::profile> p;
  try {
    p = std::make_shared<const devices::profile>(devices::profile::parse(text));
  } catch (const comframe::error&) {
    return 0;
  }
  const std::string dumped = p->dump();
  devices::profile again;
  try {
    again = devices::profile::parse(dumped);
  } catch (const comframe::error& e) {
    std::fprintf(stderr, "%s\n%s\n", dumped.c_str(), e.what());
    FUZZ_CHECK(false, "a loaded profile's text does not load");
  }
  FUZZ_CHECK(again == *p, "a loaded profile's text loads to another profile");
  FUZZ_CHECK(again.hash() == p->hash(), "a loaded profile's text loads with another hash");
  const devices::profile_schemas schemas(p);
  for (auto incoming : {transport::direction::from_device, transport::direction::to_device}) {
    transport::framing_params params;
    params.incoming = incoming;
    params.schemas = &schemas;
    params.payload_endian = p->payload_endian();
    (void)transport::make_framing(p->framing(), params);
  }
  return 0;
}

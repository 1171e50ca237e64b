// The C++ generator of comframe/devices/codegen.hpp.
#include "comframe/core/error.hpp"
#include "comframe/devices/codegen.hpp"

namespace comframe::devices {

std::string generate_cpp(const profile& p, const cpp_options& options) {
  (void)p;
  (void)options;
  throw comframe::error("devices.codegen", "C++ generation is not available yet");
}

}  // namespace comframe::devices

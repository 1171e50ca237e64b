// Test support: a test that needs a program from outside (tshark, pyserial, ...)
// skips when it is missing on a developer's machine, but fails in CI (CI=true),
// where scripts/setup.sh must have installed it: a green CI run never hides a
// missing install step.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

#include "support/process.hpp"

namespace comframe::test {

inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

}  // namespace comframe::test

/// Ends the current test: a failure under CI=true, a skip elsewhere. `why` says
/// what is missing and how to get it.
#define COMFRAME_MISSING_TOOL(why)                                                 \
  do {                                                                                     \
    if (::comframe::test::in_ci()) GTEST_FAIL() << (why) << " (CI=true: a missing tool fails)"; \
    else GTEST_SKIP() << (why);                                                             \
  } while (0)

/// Ends the current test as COMFRAME_MISSING_TOOL does when /usr/bin/python3
/// cannot import pyserial.
#define COMFRAME_REQUIRE_PYSERIAL()                                                          \
  do {                                                                                       \
    if (::comframe::test::run({"/usr/bin/python3", "-c", "import serial"}).exit_code != 0)  \
      COMFRAME_MISSING_TOOL("pyserial is not installed (apt-get install python3-serial)");   \
  } while (0)

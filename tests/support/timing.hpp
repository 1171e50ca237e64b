// Time limits in tests, stretched under sanitizers.
//
// ThreadSanitizer slows code 5-15 times and AddressSanitizer about 2 times, so a
// test's wait for something that will happen (a reply, a process's output) is
// multiplied by COMFRAME_TEST_TIME_SCALE from the environment (scripts/test.sh
// --tsan sets 10; default 1). Only limits are scaled — how long to wait before
// giving up — never an expectation of how fast something happens.
//
//   session.request(cmd, req, test::scaled(200ms));
#pragma once

#include <chrono>
#include <cstdlib>

namespace comframe::test {

/// COMFRAME_TEST_TIME_SCALE, a whole number from 1 to 100; 1 when unset or not one.
inline int time_scale() {
  static const int scale = [] {
    const char* s = std::getenv("COMFRAME_TEST_TIME_SCALE");
    const int v = s ? std::atoi(s) : 1;
    return v >= 1 && v <= 100 ? v : 1;
  }();
  return scale;
}

/// `limit` times time_scale().
template <class Rep, class Period>
std::chrono::duration<Rep, Period> scaled(std::chrono::duration<Rep, Period> limit) {
  return limit * time_scale();
}

/// A limit in milliseconds times time_scale(), for APIs that take an int.
inline int scaled_ms(int ms) { return ms * time_scale(); }

}  // namespace comframe::test

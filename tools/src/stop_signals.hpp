// Stopping a long-running command on SIGINT or SIGTERM without a signal handler.
#pragma once

#include <signal.h>

#include <chrono>
#include <ctime>

namespace comframe::tools {

// Blocks SIGINT and SIGTERM in every thread started after it, so that the main
// thread can wait for them with sigtimedwait.
struct stop_signals {
  sigset_t set;
  stop_signals() {
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
  }
  /// Waits up to `timeout` for a stop signal; true if one came.
  bool wait(std::chrono::milliseconds timeout) {
    timespec ts{static_cast<time_t>(timeout.count() / 1000), static_cast<long>((timeout.count() % 1000) * 1000000)};
    return sigtimedwait(&set, nullptr, &ts) > 0;
  }
};

}  // namespace comframe::tools

// Test support: a `comframe sim` child process, running and with its pty known.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace comframe::test {

/// Runs `argv` (a `comframe sim ...` command line) and waits for its `port: ` line.
struct sim_process {
  child_process proc;
  std::string pty;  ///< the pty the simulator printed
  explicit sim_process(std::vector<std::string> argv) : proc(std::move(argv)) {
    auto port = proc.wait_for_line("port: ");
    if (!port) throw std::runtime_error("the simulator did not start: " + proc.output());
    pty = *port;
  }
};

/// `argv` with `more` appended.
inline std::vector<std::string> with(std::vector<std::string> argv, const std::vector<std::string>& more) {
  argv.insert(argv.end(), more.begin(), more.end());
  return argv;
}

}  // namespace comframe::test

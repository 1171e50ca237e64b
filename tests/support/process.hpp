// Test support: run a program as a real child process, feed its stdin, collect
// its stdout, stderr and exit status. A watchdog kills a child that hangs, so a
// broken build fails its test instead of wedging CI; it bounds nothing else.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

#include "support/timing.hpp"

namespace comframe::test {

/// Every test program gets its own, empty $XDG_CACHE_HOME (removed at exit),
/// so the comframe processes it starts never read or write the user's profile
/// cache, and tests running side by side never share one.
inline const bool private_cache_home = [] {
  char dir[] = "/tmp/comframe-test-cache-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return false;
  ::setenv("XDG_CACHE_HOME", dir, 1);
  static const std::string path = dir;
  std::atexit([] {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  });
  return true;
}();

struct run_result {
  int exit_code = -1;  ///< the exit status, or 128 + signal number
  std::string out;
  std::string err;
  bool timed_out = false;
};

inline run_result run(const std::vector<std::string>& args, const std::string& input = {},
                      std::chrono::seconds watchdog = std::chrono::seconds(60)) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) throw std::runtime_error("pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (rc != 0) throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));

  run_result r;
  std::size_t written = 0;
  if (input.empty()) close(in[1]);
  const auto deadline = std::chrono::steady_clock::now() + test::scaled(watchdog);
  bool out_open = true, err_open = true, in_open = !input.empty();
  while (out_open || err_open) {
    std::vector<pollfd> fds;
    if (out_open) fds.push_back({out[0], POLLIN, 0});
    if (err_open) fds.push_back({err[0], POLLIN, 0});
    if (in_open) fds.push_back({in[1], POLLOUT, 0});
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      r.timed_out = true;
      break;
    }
    if (poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (const auto& p : fds) {
      if (!p.revents) continue;
      if (p.fd == in[1]) {
        const ssize_t n = write(in[1], input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<std::size_t>(n);
        if (n < 0 || written == input.size()) {
          close(in[1]);
          in_open = false;
        }
        continue;
      }
      char buf[4096];
      const ssize_t n = read(p.fd, buf, sizeof buf);
      if (n <= 0) {
        (p.fd == out[0] ? out_open : err_open) = false;
        continue;
      }
      (p.fd == out[0] ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
    }
  }
  if (in_open) close(in[1]);
  close(out[0]);
  close(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace comframe::test

namespace comframe::test {

/// A program running as a child process for the length of a test, with its
/// stdin writable and its stdout read line by line as it comes (stderr goes
/// to stdout). The destructor stops it (SIGKILL if still running).
class child_process {
 public:
  explicit child_process(const std::vector<std::string>& args) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, out[1], 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (rc != 0) throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
    stdin_ = in[1];
    stdout_ = out[0];
  }
  ~child_process() {
    if (pid_ > 0 && exit_code_ < 0) {
      kill(pid_, SIGKILL);
      int status;
      waitpid(pid_, &status, 0);
    }
    if (stdin_ >= 0) close(stdin_);
    close(stdout_);
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// Reads output until a line starting with `prefix` arrives; returns that
  /// line without the prefix, or nullopt at end of output or after `watchdog`.
  std::optional<std::string> wait_for_line(const std::string& prefix,
                                           std::chrono::seconds watchdog = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + test::scaled(watchdog);
    for (;;) {
      for (std::size_t nl; (nl = pending_.find('\n')) != std::string::npos;) {
        std::string line = pending_.substr(0, nl);
        pending_.erase(0, nl + 1);
        output_ += line + "\n";
        if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return std::nullopt;
      pollfd p{stdout_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[4096];
      const ssize_t n = read(stdout_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      pending_.append(buf, static_cast<std::size_t>(n));
    }
  }
  void write_line(const std::string& line) {
    const std::string text = line + "\n";
    (void)!::write(stdin_, text.data(), text.size());
  }
  /// Sends `sig` and waits (with a watchdog) for the exit; returns the exit
  /// status (128 + signal if killed), and keeps the rest of the output.
  int stop(int sig = SIGINT, std::chrono::seconds watchdog = std::chrono::seconds(30)) {
    kill(pid_, sig);
    const auto deadline = std::chrono::steady_clock::now() + test::scaled(watchdog);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      drain(50);
    }
    drain(0);
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    output_ += pending_;
    pending_.clear();
    return exit_code_;
  }
  /// Everything read so far.
  const std::string& output() const { return output_; }
  pid_t pid() const { return pid_; }

 private:
  void drain(int timeout_ms) {
    pollfd p{stdout_, POLLIN, 0};
    while (poll(&p, 1, timeout_ms) > 0) {
      char buf[4096];
      const ssize_t n = read(stdout_, buf, sizeof buf);
      if (n <= 0) break;
      pending_.append(buf, static_cast<std::size_t>(n));
      timeout_ms = 0;
    }
  }
  pid_t pid_ = -1;
  int stdin_ = -1, stdout_ = -1;
  int exit_code_ = -1;
  std::string pending_, output_;
};

}  // namespace comframe::test

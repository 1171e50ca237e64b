// Test support for the three-device suite: the thermo board as three real
// processes on real ptys — `comframe sim --device thermo`, the C firmware built
// natively (examples/firmware_thermo), and the same firmware's Cortex-M3 image
// in QEMU — and a host that talks to any of them with raw frames.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "comframe/transport/frame.hpp"
#include "support/process.hpp"
#include "support/require_tool.hpp"

namespace comframe::test {

using bytes = std::vector<std::uint8_t>;

/// sim_exec_firmware is the native firmware run by `comframe sim --exec` on its
/// stdin and stdout, behind the simulator's pty.
enum class thermo_device { simulator, native_firmware, sim_exec_firmware, qemu_firmware };

inline std::string to_string(thermo_device d) {
  switch (d) {
    case thermo_device::simulator: return "simulator";
    case thermo_device::native_firmware: return "native_firmware";
    case thermo_device::sim_exec_firmware: return "sim_exec_firmware";
    case thermo_device::qemu_firmware: return "qemu_firmware";
  }
  return "unknown";
}

/// How gtest names a parameter in its messages.
inline void PrintTo(thermo_device d, std::ostream* os) { *os << to_string(d); }

/// A program's full path from $PATH, or "" when it is not there.
inline std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::filesystem::path candidate = std::filesystem::path(dirs.substr(start, end - start)) / name;
    if (!candidate.parent_path().empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return "";
}

/// Why this device cannot run here, or nullopt when it can.
inline std::optional<std::string> missing_for(thermo_device d) {
  if (d != thermo_device::qemu_firmware) return std::nullopt;
  if (std::string(COMFRAME_FIRMWARE_THERMO_ELF).empty())
    return "the thermo firmware's Cortex-M3 image was not built: arm-none-eabi-gcc was not found when the build "
           "was configured (scripts/setup.sh --firmware installs it; then reconfigure)";
  if (find_program("qemu-system-arm").empty())
    return "qemu-system-arm is not installed (scripts/setup.sh --firmware installs it)";
  return std::nullopt;
}

/// The command line that runs the firmware image in QEMU with UART0 on a new pty.
inline std::vector<std::string> qemu_command(const std::string& image) {
  return {find_program("qemu-system-arm"), "-M", "lm3s6965evb", "-nographic", "-monitor", "none",
          "-serial", "pty", "-kernel", image};
}

/// One of the three devices, running. The destructor kills its process by pid
/// (SIGKILL, then waitpid): no test leaves an emulator or a simulator behind.
struct running_thermo {
  thermo_device kind;
  std::unique_ptr<child_process> proc;
  std::string pty;

  explicit running_thermo(thermo_device d) : kind(d) {
    switch (d) {
      case thermo_device::simulator:
        proc = std::make_unique<child_process>(std::vector<std::string>{COMFRAME_CLI, "sim", "--device", "thermo", "--quiet"});
        pty = line_after("port: ");
        break;
      case thermo_device::native_firmware:
        proc = std::make_unique<child_process>(std::vector<std::string>{COMFRAME_FIRMWARE_THERMO});
        pty = line_after("port: ");
        break;
      case thermo_device::sim_exec_firmware:
        proc = std::make_unique<child_process>(
            std::vector<std::string>{COMFRAME_CLI, "sim", "--exec", COMFRAME_FIRMWARE_THERMO, "--quiet", "--", "--stdio"});
        pty = line_after("port: ");
        break;
      case thermo_device::qemu_firmware: {
        proc = std::make_unique<child_process>(qemu_command(COMFRAME_FIRMWARE_THERMO_ELF));
        // "char device redirected to /dev/pts/N (label serial0)"
        const std::string rest = line_after("char device redirected to ");
        pty = rest.substr(0, rest.find(' '));
        break;
      }
    }
  }

 private:
  std::string line_after(const std::string& prefix) {
    auto line = proc->wait_for_line(prefix);
    if (!line) throw std::runtime_error(to_string(kind) + " did not say where its pty is: " + proc->output());
    return *line;
  }
};

struct received {
  transport::frame_header header;
  bytes payload;
};

/// A host that writes frames (or any bytes) to a device's pty and reads its
/// frames with the host's decoder. Waits have a watchdog only (a device that
/// does not answer fails the test; nothing asserts a time).
class raw_host {
 public:
  static constexpr std::chrono::seconds watchdog{20};

  explicit raw_host(const std::string& pty) {
    fd_ = ::open(pty.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("cannot open " + pty);
    termios tio{};
    if (::tcgetattr(fd_, &tio) == 0) {
      ::cfmakeraw(&tio);
      ::tcsetattr(fd_, TCSANOW, &tio);
    }
  }
  ~raw_host() { ::close(fd_); }
  raw_host(const raw_host&) = delete;
  raw_host& operator=(const raw_host&) = delete;

  void write(const bytes& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        continue;
      }
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, 100);
    }
  }

  static bytes request_frame(std::uint16_t command, std::uint16_t sequence, const bytes& payload = {}) {
    return transport::encode_frame({1, transport::frame_kind::request, command, sequence}, payload);
  }
  void request(std::uint16_t command, std::uint16_t sequence, const bytes& payload = {}) {
    write(request_frame(command, sequence, payload));
  }

  /// The next frame from the device within `wait`, or nullopt.
  std::optional<received> next(std::chrono::milliseconds wait = watchdog) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (frames_.empty()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      std::uint8_t buffer[4096];
      const ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n <= 0) continue;
      decoder_.feed(std::span<const std::uint8_t>(buffer, static_cast<std::size_t>(n)), [&](const transport::frame_view& f) {
        frames_.push_back({f.header, bytes(f.payload.begin(), f.payload.end())});
      });
    }
    received r = std::move(frames_.front());
    frames_.pop_front();
    return r;
  }

  /// Frames until the reply (response or error) with `sequence`; events on the
  /// way go to events(), other replies to stray(). Fails the test at the watchdog.
  received reply(std::uint16_t sequence) {
    for (;;) {
      auto f = next();
      if (!f) throw std::runtime_error("no reply with sequence " + std::to_string(sequence) + " within the watchdog");
      if (f->header.kind == transport::frame_kind::event) events_.push_back(*f);
      else if (f->header.sequence == sequence) return *f;
      else stray_.push_back(*f);
    }
  }

  received call(std::uint16_t command, std::uint16_t sequence, const bytes& payload = {}) {
    request(command, sequence, payload);
    return reply(sequence);
  }

  /// Asks get_info until a reply comes, `attempt_ms` apart; returns how many
  /// requests it took (QEMU's pty backend notices a newly opened pty only on a
  /// poll once a second). Then drops every frame received so far (late replies
  /// to the earlier attempts included), so a test starts from a quiet line.
  int wait_until_answering(std::chrono::milliseconds attempt_ms = std::chrono::milliseconds(250), int max_attempts = 80) {
    int attempts = 0;
    for (bool answered = false; !answered && attempts < max_attempts;) {
      const auto sequence = static_cast<std::uint16_t>(0xF000 + attempts);
      request(0x0001, sequence);
      ++attempts;
      for (auto f = next(attempt_ms); f; f = next(attempt_ms))
        if (f->header.kind != transport::frame_kind::event) answered = true;
    }
    if (attempts == max_attempts) throw std::runtime_error("the device did not answer get_info");
    sync();
    return attempts;
  }

  /// A get_info round trip with a sequence used for nothing else: every frame
  /// before its reply (late replies, events) is dropped.
  void sync() {
    request(0x0001, 0xEFFF);
    while (true) {
      auto f = next();
      if (!f) throw std::runtime_error("no reply to the sync request");
      if (f->header.kind != transport::frame_kind::event && f->header.sequence == 0xEFFF) break;
    }
    events_.clear();
    stray_.clear();
  }

  std::vector<received>& events() { return events_; }
  std::vector<received>& stray() { return stray_; }
  const transport::decoder_stats& stats() const { return decoder_.stats(); }

 private:
  int fd_ = -1;
  transport::frame_decoder decoder_;
  std::deque<received> frames_;
  std::vector<received> events_, stray_;
};

}  // namespace comframe::test

// comframe/firmware_sim/program_host.hpp — a device that is another program:
// firmware built natively, whose stdin and stdout are the device's byte
// stream. The simulator runs it and relays its bytes to and from a link (a
// pty_port's, decorated with pacing and faults), so what the host sees
// suffers the same baud emulation and faults as a built-in device.
//
//   boost::asio::io_context io;
//   firmware_sim::pty_port port(io);
//   auto faults = std::make_shared<firmware_sim::fault_injector>(firmware_sim::parse_faults("drop=0.01"));
//   firmware_sim::program_host fw(io, {.program = "./thermo_fw", .args = {"--stdio"}});
//   fw.on_ended([&](const std::string& why) { std::cerr << why << "\n"; io.stop(); });
//   fw.attach(faults->wrap(firmware_sim::make_paced_link(port.link(), 115200)));
//   io.run();
//   fw.stop();    // SIGTERM, SIGKILL after stop_grace_ms; reaped
//
// The program's side (docs/simulator.md, "A program as the device")
// ---------------------------------------------------------------
//   - stdin: every byte the host sends, as it arrives from the line (after
//     read faults), unchanged: garbage and broken frames included, so the
//     program's own decoder resynchronises as it would on a UART.
//   - stdout: the bytes the device sends, unchanged: the relay neither
//     re-frames nor reorders them, and relays them as they come.
//   - stderr: the simulator's own stderr (not captured).
//   - No other descriptor: every one from 3 up is closed in the program.
//   - argv: program, then args. The environment is the simulator's.
//   - The program runs in a process group of its own (a Ctrl-C on the
//     simulator's terminal reaches the simulator, which then stops it), with
//     every signal at its default action and none blocked.
//   - Back pressure: the relay writes what the program wrote to the line and
//     reads the program's stdout again when the line took it (a paced line
//     takes it at baud / 10 bytes per second); meanwhile the pipe (64 KiB on
//     Linux) fills and the program's write blocks, as on a UART whose transmit
//     ring is full. Queuing and dropping events is the program's business.
//
// Frames: the relayed bytes are also fed to comframe's framing in each
// direction (a tap, not a second pump: nothing is re-encoded), for the frame
// observer (bridge feed, printing) and the counters in stats(). A frame the
// program writes is observed when it is handed to the line (before write
// faults); one the host sends when it is handed to the program (after read
// faults) — the places where a device_host observes a built-in device's.
//
// Life cycle
// ----------
// The constructor starts the program at once (posix_spawnp: a name without
// '/' is looked up in PATH). The program ends its part by exiting or by
// closing its stdout or stdin: on_ended's handler is called once, on the
// io_context, with "PROG exited with status N" or "PROG was killed by signal
// N (SIGNAME)" — once its stdout reached its end and its last bytes were
// handed to the line, or stop_grace_ms after the exit, whichever is first —
// or "PROG closed its stdout" ("stdin") when it is still running
// stop_grace_ms after closing it (a closed stdin is seen at once, by the
// error Linux reports on the pipe's write end, not only at the next write). stop() ends the program
// (closes its stdin; SIGTERM to its process group; SIGKILL after
// stop_grace_ms) and reaps it: no zombie is left, whatever happened before.
//
// Lines: attach() gives the relay a line; a line whose read or write fails
// (a TCP host that left) is closed and on_line_closed's handler is called;
// attach() may then give another. Bytes of the previous line still on their
// way into a full stdin go first: the new line is read from once they are
// written. While no line is attached, what the
// program writes is read and discarded (counted), as on a UART with nothing
// on its pins. A pty_port's link never fails that way (it survives hosts and
// disconnects).
//
// SIGPIPE: the constructor makes this process ignore SIGPIPE if it was at its
// default action, so that writing to a program that closed its stdin fails
// with EPIPE instead of killing the process. (The program itself gets SIGPIPE
// at its default action.)
//
// Errors: the constructor throws comframe::error "firmware_sim.exec" naming
// the program and the OS reason:
//   [firmware_sim.exec] cannot run ./thermo_fw: No such file or directory
// and comframe::usage_error "firmware_sim.usage" for an empty program name or
// a stop_grace_ms below 0.
//
// Thread safety: attach, on_ended, on_line_closed and observe_frames may be
// called from any thread (they post to the io_context); stats() and pid() too.
// Call stop() and destroy the object on the io_context's thread or after it
// stopped. Handlers run on the io_context.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "comframe/devices/frame_record.hpp"
#include "comframe/firmware_sim/device_host.hpp"
#include "comframe/transport/frame.hpp"
#include "comframe/transport/link.hpp"

namespace comframe::firmware_sim {

struct program_options {
  /// The program: a path, or a name looked up in PATH.
  std::string program{};
  /// Its arguments (argv[1] on).
  std::vector<std::string> args{};
  /// How long stop() waits after SIGTERM before SIGKILL, and how long the
  /// relay waits for an exit after the program closed its stdout or stdin.
  std::chrono::milliseconds stop_grace_ms{2000};
  /// Bytes moved per read, each way.
  std::size_t read_buffer_bytes = 4096;
};

/// What a program_host has relayed and seen.
struct program_stats {
  /// Frames in the relayed bytes, counted as a device_host counts them:
  /// requests and wrong_kind (and `decoder`) from the host's bytes; replies,
  /// error_replies and events from the program's. The backlog counters and
  /// the dropped ones stay 0: the program queues its own frames.
  host_stats frames;
  /// The program's output through the framing: its frames and the errors in it.
  transport::decoder_stats program_decoder;
  std::uint64_t bytes_to_program = 0;    ///< written to its stdin
  std::uint64_t bytes_from_program = 0;  ///< read from its stdout (relayed or discarded)
  /// Bytes that went nowhere: the program's while no line was attached, the
  /// host's after the program closed its stdin.
  std::uint64_t bytes_discarded = 0;
};

class program_host {
 public:
  /// Starts the program (see the file comment). Throws comframe::error "firmware_sim.exec".
  program_host(boost::asio::io_context& io, program_options options);
  /// stop(), then lets the descriptors go.
  ~program_host();
  program_host(const program_host&) = delete;
  program_host& operator=(const program_host&) = delete;

  /// Relays between the program and `line` (closing a line attached before).
  void attach(std::unique_ptr<transport::link> line);
  /// Called once when the program ended its part by itself (see the file comment);
  /// at once (posted) if that happened before a handler was given.
  void on_ended(std::function<void(const std::string& reason)> handler);
  /// Called when an attached line fails, with "URL: reason"; the line is let go.
  void on_line_closed(std::function<void(const std::string& reason)> handler);
  /// Called for every frame relayed either way (direction to_device: from the
  /// host; from_device: from the program), refused ones included.
  void observe_frames(std::function<void(const devices::frame_record&)> observer);

  program_stats stats() const;
  /// The program's process id (also the id of its process group).
  pid_t pid() const noexcept;
  /// The program as given (options.program).
  const std::string& program() const noexcept;

  /// Stops and reaps the program if it still needs it; returns how it ended
  /// ("PROG exited with status 0", "PROG was killed by signal 15 (SIGTERM)").
  /// Idempotent: later calls return the same.
  std::string stop();

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace comframe::firmware_sim

// comframe/firmware_sim/fault_injector.hpp — fault injection on a simulated
// device's link: lost, corrupted, delayed bytes, garbage between frames,
// stalls, disconnects, late and missing replies. Reproducible by seed.
//
//   auto faults = std::make_shared<firmware_sim::fault_injector>(
//       firmware_sim::parse_faults("drop=0.01,garbage=0.1,late=100,seed=42"));
//   faults->on_disconnect([&](auto gap_ms) { port.disconnect(gap_ms); });  // a pty_port
//   firmware_sim::device_host host(io, faults->wrap(port.link()), dev);  // late/never: see below
//   …
//   faults->set_config(firmware_sim::parse_faults("flip=0.001"));  // from any thread
//   faults->stall(std::chrono::milliseconds(200));
//   std::cout << to_string(faults->stats()) << " (seed " << faults->seed() << ")\n";
//
// The device-level faults, on the replies the device makes:
//   - late / never: a reply (response or error) is dropped whole with
//     probability `never`, else held back late_ms while the device's other
//     frames go on. They are applied where replies are known, whatever the
//     framing. By default (replies_in::comframe_stream) the wrapped link finds
//     them in the bytes written, cut at each 0x00 and told by comframe's
//     header (comframe's framing: a device_host with it, or a program_host,
//     `comframe sim --exec`; private scanner src/reply_faults.hpp). With
//     another framing, give the injector to device_host in
//     device_host_options::faults (it asks next_reply() for each reply it
//     makes) and wrap with replies_in::writer, so that each reply draws once.
// The faults on the bytes the device writes (applied in this order):
//   - drop: each byte is lost with probability `drop`;
//   - flip: each byte that is kept has one random bit inverted with
//     probability `flip`;
//   - garbage: after each 0x00 (a frame boundary) that is kept, with
//     probability `garbage`, a burst of garbage_min_bytes..garbage_max_bytes
//     random non-zero bytes followed by one 0x00 is inserted. Ending the burst
//     with 0x00 makes it a bogus frame of its own: the host's frame decoder
//     refuses it (one error) and the next real frame arrives intact. (Line
//     noise without a final 0x00 would spoil the next frame too; drop and flip
//     already produce that case.)
//   - delay / jitter: every write leaves delay_ms + a random 0..jitter_ms
//     after the device made it; order is kept (a write never overtakes the
//     one before).
//   - stall (one-shot): all output is held stall_ms from the moment it is
//     asked for (stall() or a config with stall_ms > 0), then leaves at once.
//   - disconnect (one-shot): the link is cut for disconnect_ms. With an
//     on_disconnect handler (e.g. pty_port::disconnect, which closes the pty
//     so the host sees link_lost and reopens it later), the handler does it.
//     Without one the link stays up but carries nothing either way for the
//     gap: written and received bytes are discarded (a pulled cable on a
//     transport that cannot signal it, such as loopback).
// and optionally on the bytes the device reads: rx_drop and rx_flip, as
// drop and flip.
//
// Reproducing a run: all random choices come from std::mt19937_64 engines
// seeded from fault_config::seed (a random seed if none is given; seed()
// returns the one in use, print it). The byte faults depend only on the seed
// and the sequence of bytes, not on how the device chunks its writes; delays,
// reply faults and read faults use engines of their own, so turning one on
// does not change the others' choices. Setting a config with a seed restarts
// the engines; one without keeps them going.
//
// The device's write completes when its bytes have been handed to the inner
// link (after delay and stall), so the device feels the back pressure of a
// slow line, as firmware does; bytes lost to faults count as written.
//
// Errors: parse_faults() throws comframe::error "firmware_sim.fault":
//   [firmware_sim.fault] bad fault "drop=2": a probability must be within 0..1
// A config or argument out of range given by code (fault_injector's
// constructor, set_config, stall, disconnect, wrap(nullptr)) is a
// comframe::usage_error "firmware_sim.usage".
//
// Thread safety: fault_injector's members may be called from any thread. A
// link from wrap() follows the transport::link rules.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "comframe/core/result.hpp"
#include "comframe/transport/link.hpp"

namespace comframe::firmware_sim {

/// The largest garbage burst, the duration limit and the parser's limits.
inline constexpr std::size_t max_garbage_bytes = 4096;
inline constexpr std::chrono::milliseconds max_fault_duration_ms{3'600'000};

/// Which faults to inject. All zero (the default) injects nothing.
/// Key names of the compact string form (parse_faults) are given in [].
struct fault_config {
  double drop = 0;                              ///< [drop] probability per written byte of losing it
  double flip = 0;                              ///< [flip] probability per written byte of one flipped bit
  std::chrono::milliseconds delay_ms{0};        ///< [delay] every write leaves this much later
  std::chrono::milliseconds jitter_ms{0};       ///< [jitter] plus a random 0..jitter_ms
  double garbage = 0;                           ///< [garbage] probability per frame boundary of a burst
  std::size_t garbage_min_bytes = 1;            ///< [garbage_len=MIN..MAX] burst length, its 0x00 not counted
  std::size_t garbage_max_bytes = 16;
  std::chrono::milliseconds stall_ms{0};        ///< [stall] one-shot: hold all output this long
  std::chrono::milliseconds disconnect_ms{0};   ///< [disconnect] one-shot: cut the link this long
  std::chrono::milliseconds late_ms{0};         ///< [late] every reply leaves this much later
  double never = 0;                             ///< [never] probability per reply of dropping it
  double rx_drop = 0;                           ///< [rx_drop] probability per read byte of losing it
  double rx_flip = 0;                           ///< [rx_flip] probability per read byte of one flipped bit
  std::optional<std::uint64_t> seed;            ///< [seed] the engines' seed; none: a random one

  friend bool operator==(const fault_config&, const fault_config&) = default;
};

/// Parses the compact form, comma-separated key=value items in any order:
///   drop=0.01,flip=0.001,delay=5,jitter=2,garbage=0.1,garbage_len=1..16,
///   stall=200,disconnect=500,late=100,never=0.05,rx_drop=0,rx_flip=0,seed=42
/// Probabilities are decimals within 0..1, durations whole milliseconds within
/// 0..3600000, the seed a whole number 0..2^64-1. Keys not given keep their
/// defaults; "" is the default config. Throws comframe::error
/// "firmware_sim.fault" naming the item and the problem:
///   [firmware_sim.fault] bad fault "drop=2": a probability must be within 0..1
fault_config parse_faults(std::string_view text);
/// parse_faults() without throwing: the config, or the error it would throw.
comframe::result<fault_config, comframe::error> try_parse_faults(std::string_view text);

/// The compact form of `config`: only the keys that differ from the default,
/// in the order above; parse_faults(to_string(c)) == c. "" for no faults.
std::string to_string(const fault_config& config);

/// What a fault_injector has done since it was made.
struct fault_stats {
  std::uint64_t bytes_written = 0;     ///< bytes the device wrote
  std::uint64_t bytes_dropped = 0;
  std::uint64_t bytes_flipped = 0;
  std::uint64_t garbage_bursts = 0;
  std::uint64_t garbage_bytes = 0;     ///< each burst's final 0x00 included
  std::uint64_t stalls = 0;
  std::uint64_t disconnects = 0;
  std::uint64_t bytes_discarded = 0;   ///< written or received during an emulated disconnect
  std::uint64_t replies = 0;           ///< replies the device made while late or never was on
  std::uint64_t replies_late = 0;
  std::uint64_t replies_dropped = 0;
  std::uint64_t bytes_read = 0;        ///< bytes the inner link delivered to the device side
  std::uint64_t rx_bytes_dropped = 0;
  std::uint64_t rx_bytes_flipped = 0;

  friend bool operator==(const fault_stats&, const fault_stats&) = default;
};

/// "dropped 12 of 10000 bytes written, flipped 3, 2 garbage bursts (21 bytes), …":
/// the counters that are not zero, for reports.
std::string to_string(const fault_stats& stats);

/// What becomes of one reply (fault_injector::next_reply): dropped whole, or
/// sent `late` after it was made (0: at once).
struct reply_fate {
  bool dropped = false;
  std::chrono::milliseconds late{0};
  friend bool operator==(const reply_fate&, const reply_fate&) = default;
};

/// Where a wrapped link's late and never faults find the replies.
enum class replies_in : std::uint8_t {
  /// In the bytes written, cut at each 0x00 and told by comframe's header
  /// (comframe's own framing: a device_host without device_host_options::faults,
  /// a program_host). The default.
  comframe_stream,
  /// The writer knows them and asks next_reply() (device_host with
  /// device_host_options::faults, any framing): the link applies no reply
  /// fault. Only with such a writer: anything else would get no late/never.
  writer,
};

/// Holds the fault configuration, the random engines and the counters, and
/// wraps links so that they suffer the faults. Keep it in a shared_ptr while
/// wrapped links exist (they share its state).
class fault_injector {
 public:
  /// Throws comframe::usage_error "firmware_sim.usage" for an invalid config
  /// (a probability outside 0..1, garbage_min_bytes > garbage_max_bytes, …).
  explicit fault_injector(fault_config config = {});
  ~fault_injector();
  fault_injector(const fault_injector&) = delete;
  fault_injector& operator=(const fault_injector&) = delete;

  /// The link `inner` with the faults applied to what passes through it; the
  /// late and never faults where `replies` says (see replies_in).
  std::unique_ptr<transport::link> wrap(std::unique_ptr<transport::link> inner,
                                        replies_in replies = replies_in::comframe_stream);

  /// The fate of one reply a device makes, drawn from the config in force
  /// (never, then late) and, while either is on, counted in stats() (replies,
  /// replies_dropped, replies_late). For a writer that knows its replies (device_host); the
  /// same draws as on a replies_in::comframe_stream link.
  reply_fate next_reply();

  /// Replaces the configuration at once, as a whole (validated as in the
  /// constructor). A stall_ms or disconnect_ms above 0 triggers that fault
  /// once now; the stored config keeps them, so to_string(config()) shows
  /// what was asked. A seed restarts the engines with it.
  void set_config(const fault_config& config);
  fault_config config() const;
  /// The seed in use (config().seed, or the random one chosen).
  std::uint64_t seed() const;

  /// Holds all output for `duration` from now (one-shot).
  void stall(std::chrono::milliseconds duration);
  /// Cuts the link for `gap`: calls the on_disconnect handler (on this
  /// thread) if there is one, else discards all bytes both ways for `gap`.
  void disconnect(std::chrono::milliseconds gap);
  /// Sets who performs disconnects, e.g. [&](auto gap) { port.disconnect(gap); }.
  void on_disconnect(std::function<void(std::chrono::milliseconds gap)> handler);

  fault_stats stats() const;

  struct state;

 private:
  std::shared_ptr<state> state_;
};

}  // namespace comframe::firmware_sim

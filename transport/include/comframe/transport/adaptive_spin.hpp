// comframe/transport/adaptive_spin.hpp — how long a reader spins before it
// sleeps, learned from whether its last spins paid.
//
// Spinning (checking for new data in a loop instead of sleeping in the kernel)
// saves the wake-up — a few microseconds — but only when the spinner and the
// writer each have a core. When they share one, the spinner holds the core the
// writer needs: each spin then delays the very data it waits for, and a
// spinning reader ends up several times slower than a sleeping one. So the
// budget adapts, as Linux's adaptive mutexes and glibc's adaptive spin do:
//
//   - a spin that found the data without losing its core (`found`) doubles
//     the budget, up to `max_spin`;
//   - a spin that ran out (`exhausted`: the reader went to sleep anyway)
//     halves it; below `min_spin` it drops to 0;
//   - a spin during which another task ran on the spinner's core
//     (`descheduled`: a sched_yield that gave the core away, or a gap between
//     two checks) drops it to 0 at once: the core is shared.
//
// With a budget of 0 the reader sleeps at once, and probes now and then: after
// `first_probe_after` waits without spinning it spins once for `probe_spin`. A
// probe that pays starts the budget again there; one that does not doubles the
// waits before the next probe, up to `max_probe_after`. So a reader never
// busy-polls for long when spinning does not pay, and finds out when it does
// again. A probe is longer than the shortest spin because the writer it waits
// for may itself be asleep (both sides of a ping-pong back off together): the
// probe must outlast the writer's wake-up, or neither side would ever spin
// again.
//
// The spin loop itself (bridge.cpp) calls sched_yield() every `yield_every` of
// spinning, so that a writer queued on the same core runs, and reports
// `descheduled` when a yield or a gap between two checks took longer than
// `descheduled_after`.
//
// The policy is a pure state machine, fed outcomes — no clock:
//
//   adaptive_spin policy({.max_spin = 50us});
//   const auto budget = policy.next_budget();   // 0: sleep at once
//   const spin_outcome o = spin_up_to(budget);  // the caller's loop
//   policy.record(o);
//
// Thread safety: none; one per reader.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace comframe::transport {

/// How one spin before a blocking wait ended.
enum class spin_outcome : std::uint8_t {
  found,        ///< the data arrived while spinning, and the spinner kept its core
  exhausted,    ///< the budget ran out without data: the reader sleeps
  descheduled,  ///< another task ran on the spinner's core meanwhile
};
/// "found", "exhausted", "descheduled".
std::string_view to_string(spin_outcome outcome) noexcept;

struct adaptive_spin_options {
  /// The longest spin, and the budget at the start. 0: never spin.
  std::chrono::nanoseconds max_spin{0};
  /// The shortest spin worth making: a budget halved below it becomes 0. (A
  /// ping-pong's answer comes within about 1 µs when each side has a core.)
  std::chrono::nanoseconds min_spin{std::chrono::microseconds(2)};
  /// A probe's spin, while the budget is 0 (within min_spin..max_spin): longer
  /// than a sleeping writer's wake-up (about 6 µs on the VM of
  /// docs/performance.md).
  std::chrono::nanoseconds probe_spin{std::chrono::microseconds(16)};
  /// Waits without spinning before the first probe, after the budget fell to 0.
  std::uint32_t first_probe_after = 8;
  /// The most waits without spinning between two probes.
  std::uint32_t max_probe_after = 1024;
  /// Spin this long between two sched_yield() calls (the first after this long).
  std::chrono::nanoseconds yield_every{std::chrono::microseconds(2)};
  /// A sched_yield(), or a gap between two checks, longer than this means
  /// another task ran on the core: the spin ends as `descheduled`. (A
  /// sched_yield() that finds nobody else to run takes about 1.3 µs on the
  /// 2-core VM of docs/performance.md.)
  std::chrono::nanoseconds descheduled_after{std::chrono::microseconds(4)};
};

class adaptive_spin {
 public:
  /// Throws nothing; `min_spin` and `probe_spin` are cut to `max_spin`.
  explicit adaptive_spin(const adaptive_spin_options& options = {}) noexcept;

  /// The spin budget for the next wait: 0 means sleep at once. Counts the
  /// wait; record() must follow a non-zero budget.
  std::chrono::nanoseconds next_budget() noexcept;
  /// How the spin given by the last next_budget() ended.
  void record(spin_outcome outcome) noexcept;

  /// The current budget (0 while only probing).
  std::chrono::nanoseconds budget() const noexcept { return budget_; }
  /// Waits without spinning that the next probe comes after, while budget() is 0.
  std::uint32_t probe_after() const noexcept { return probe_after_; }
  const adaptive_spin_options& options() const noexcept { return options_; }

 private:
  adaptive_spin_options options_;
  std::chrono::nanoseconds budget_;
  std::uint32_t probe_after_;
  std::uint32_t waits_without_spin_ = 0;
  bool probing_ = false;
};

}  // namespace comframe::transport

#include "comframe/transport/adaptive_spin.hpp"

#include <algorithm>

namespace comframe::transport {

std::string_view to_string(spin_outcome outcome) noexcept {
  switch (outcome) {
    case spin_outcome::found: return "found";
    case spin_outcome::exhausted: return "exhausted";
    case spin_outcome::descheduled: return "descheduled";
  }
  return "unknown";
}

adaptive_spin::adaptive_spin(const adaptive_spin_options& options) noexcept
    : options_(options), budget_(std::max<std::chrono::nanoseconds>(options.max_spin, {})),
      probe_after_(std::max<std::uint32_t>(options.first_probe_after, 1)) {
  options_.max_spin = budget_;
  options_.min_spin = std::clamp<std::chrono::nanoseconds>(options_.min_spin, {}, options_.max_spin);
  options_.probe_spin = std::clamp(options_.probe_spin, std::max(options_.min_spin, std::chrono::nanoseconds(1)),
                                   std::max(options_.max_spin, std::chrono::nanoseconds(1)));
  options_.max_probe_after = std::max(options_.max_probe_after, probe_after_);
}

std::chrono::nanoseconds adaptive_spin::next_budget() noexcept {
  probing_ = false;
  if (budget_.count() > 0 || options_.max_spin.count() == 0) return budget_;
  if (++waits_without_spin_ < probe_after_) return {};
  waits_without_spin_ = 0;
  probing_ = true;
  return options_.probe_spin;
}

void adaptive_spin::record(spin_outcome outcome) noexcept {
  if (options_.max_spin.count() == 0) return;
  const bool was_probe = probing_;
  probing_ = false;
  if (outcome == spin_outcome::found) {
    // Paid: spin longer next time (after a probe, from the probe's length).
    budget_ = was_probe ? options_.probe_spin : std::min(options_.max_spin, std::max(budget_ * 2, options_.min_spin));
    probe_after_ = std::max<std::uint32_t>(options_.first_probe_after, 1);
    return;
  }
  if (was_probe) {
    // Still not paying: probe half as often.
    probe_after_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(options_.max_probe_after, std::uint64_t{probe_after_} * 2));
    return;
  }
  if (outcome == spin_outcome::exhausted) budget_ /= 2;
  if (outcome == spin_outcome::descheduled || budget_ < options_.min_spin) budget_ = {};
  if (budget_.count() == 0) waits_without_spin_ = 0;
}

}  // namespace comframe::transport

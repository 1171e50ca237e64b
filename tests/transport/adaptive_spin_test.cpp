// The spin budget of a bridge reader (transport/adaptive_spin.hpp), fed
// outcomes by hand: no clock, no threads.
#include "comframe/transport/adaptive_spin.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

namespace adaptive_spin_test {

namespace {

using namespace comframe::transport;
using namespace std::chrono_literals;

adaptive_spin_options fifty_us() {
  return {.max_spin = 50us, .min_spin = 1us, .probe_spin = 8us, .first_probe_after = 4, .max_probe_after = 32};
}

// Spends `n` waits on which the policy says not to spin; fails if it spins.
void expect_sleeps(adaptive_spin& p, std::uint32_t n) {
  for (std::uint32_t i = 0; i < n; ++i) ASSERT_EQ(p.next_budget(), 0ns) << "wait " << i;
}

// Brings the budget to 0 with one descheduled spin.
void lose_the_core(adaptive_spin& p) {
  ASSERT_GT(p.next_budget(), 0ns);
  p.record(spin_outcome::descheduled);
  ASSERT_EQ(p.budget(), 0ns);
}

TEST(adaptive_spin, starts_with_the_longest_spin) {
  adaptive_spin p(fifty_us());
  EXPECT_EQ(p.next_budget(), 50us);
}

TEST(adaptive_spin, spins_that_pay_keep_the_longest_spin) {
  adaptive_spin p(fifty_us());
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(p.next_budget(), 50us);
    p.record(spin_outcome::found);
  }
}

TEST(adaptive_spin, spins_that_run_out_halve_the_budget_down_to_sleeping_at_once) {
  adaptive_spin p(fifty_us());
  const std::chrono::nanoseconds expected[] = {50us, 25us, 12500ns, 6250ns, 3125ns, 1562ns};
  for (auto e : expected) {
    ASSERT_EQ(p.next_budget(), e);
    p.record(spin_outcome::exhausted);
  }
  EXPECT_EQ(p.budget(), 0ns);  // 781 ns is below min_spin
  expect_sleeps(p, 3);
}

TEST(adaptive_spin, a_spin_that_loses_the_core_stops_spinning_at_once) {
  adaptive_spin p(fifty_us());
  ASSERT_EQ(p.next_budget(), 50us);
  p.record(spin_outcome::descheduled);
  EXPECT_EQ(p.budget(), 0ns);
  expect_sleeps(p, 3);
}

TEST(adaptive_spin, spins_that_pay_grow_the_budget_back_to_the_longest) {
  adaptive_spin p(fifty_us());
  for (int i = 0; i < 3; ++i) {
    p.next_budget();
    p.record(spin_outcome::exhausted);
  }
  ASSERT_EQ(p.budget(), 6250ns);
  const std::chrono::nanoseconds expected[] = {6250ns, 12500ns, 25us, 50us, 50us};
  for (auto e : expected) {
    ASSERT_EQ(p.next_budget(), e);
    p.record(spin_outcome::found);
  }
}

TEST(adaptive_spin, without_a_budget_it_probes_after_a_few_waits) {
  adaptive_spin p(fifty_us());
  lose_the_core(p);
  expect_sleeps(p, 3);
  EXPECT_EQ(p.next_budget(), 8us);  // the 4th wait probes
}

TEST(adaptive_spin, a_probe_that_pays_starts_spinning_again_from_the_probes_length) {
  adaptive_spin p(fifty_us());
  lose_the_core(p);
  expect_sleeps(p, 3);
  ASSERT_EQ(p.next_budget(), 8us);
  p.record(spin_outcome::found);
  EXPECT_EQ(p.budget(), 8us);
  const std::chrono::nanoseconds expected[] = {8us, 16us, 32us, 50us, 50us};
  for (auto e : expected) {
    ASSERT_EQ(p.next_budget(), e);
    p.record(spin_outcome::found);
  }
}

TEST(adaptive_spin, probes_that_do_not_pay_come_half_as_often_up_to_the_limit) {
  adaptive_spin p(fifty_us());
  lose_the_core(p);
  for (std::uint32_t gap : {4u, 8u, 16u, 32u, 32u, 32u}) {
    ASSERT_EQ(p.probe_after(), gap);
    expect_sleeps(p, gap - 1);
    ASSERT_EQ(p.next_budget(), 8us) << "probe after " << gap;
    p.record(spin_outcome::exhausted);
    ASSERT_EQ(p.budget(), 0ns);
  }
}

TEST(adaptive_spin, a_probe_that_loses_the_core_also_backs_off) {
  adaptive_spin p(fifty_us());
  lose_the_core(p);
  expect_sleeps(p, 3);
  ASSERT_EQ(p.next_budget(), 8us);
  p.record(spin_outcome::descheduled);
  EXPECT_EQ(p.budget(), 0ns);
  EXPECT_EQ(p.probe_after(), 8u);
}

TEST(adaptive_spin, a_paying_probe_resets_how_often_it_probes) {
  adaptive_spin p(fifty_us());
  lose_the_core(p);
  for (std::uint32_t gap : {4u, 8u}) {
    expect_sleeps(p, gap - 1);
    p.next_budget();
    p.record(spin_outcome::exhausted);
  }
  ASSERT_EQ(p.probe_after(), 16u);
  expect_sleeps(p, 15);
  ASSERT_EQ(p.next_budget(), 8us);
  p.record(spin_outcome::found);
  lose_the_core(p);
  EXPECT_EQ(p.probe_after(), 4u);
  expect_sleeps(p, 3);
  EXPECT_EQ(p.next_budget(), 8us);
}

TEST(adaptive_spin, a_reader_with_nothing_to_read_spends_most_waits_asleep) {
  // Every spin runs out: after the halving, only probes spin, ever more rarely.
  adaptive_spin p(fifty_us());
  int spins = 0;
  for (int i = 0; i < 1000; ++i) {
    if (p.next_budget() == 0ns) continue;
    ++spins;
    p.record(spin_outcome::exhausted);
  }
  // 6 halvings, then probes after 4, 8, 16 and every 32 waits.
  EXPECT_LE(spins, 6 + 3 + 1000 / 32 + 1);
  EXPECT_EQ(p.budget(), 0ns);
}

TEST(adaptive_spin, no_max_spin_never_spins) {
  adaptive_spin p({.max_spin = 0ns});
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(p.next_budget(), 0ns);
    p.record(spin_outcome::found);  // ignored
  }
}

TEST(adaptive_spin, a_max_spin_below_the_shortest_spin_is_also_the_probes_spin) {
  adaptive_spin p({.max_spin = 500ns, .min_spin = 1us, .probe_spin = 16us, .first_probe_after = 2});
  ASSERT_EQ(p.next_budget(), 500ns);
  p.record(spin_outcome::exhausted);
  EXPECT_EQ(p.budget(), 0ns);
  expect_sleeps(p, 1);
  EXPECT_EQ(p.next_budget(), 500ns);
}

TEST(adaptive_spin, a_probe_is_never_shorter_than_the_shortest_spin) {
  adaptive_spin p({.max_spin = 50us, .min_spin = 4us, .probe_spin = 1us, .first_probe_after = 1});
  ASSERT_EQ(p.next_budget(), 50us);
  p.record(spin_outcome::descheduled);
  EXPECT_EQ(p.next_budget(), 4us);
}

TEST(adaptive_spin, outcomes_have_names) {
  EXPECT_EQ(to_string(spin_outcome::found), "found");
  EXPECT_EQ(to_string(spin_outcome::exhausted), "exhausted");
  EXPECT_EQ(to_string(spin_outcome::descheduled), "descheduled");
}

}  // namespace

}  // namespace adaptive_spin_test

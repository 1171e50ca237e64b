#include "comframe/firmware_sim/fault_injector.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <charconv>
#include <deque>
#include <mutex>
#include <random>
#include <vector>

#include "comframe/core/error.hpp"
#include "comframe/core/json_text.hpp"
#include "reply_faults.hpp"

namespace comframe::firmware_sim {

namespace {

using clock = std::chrono::steady_clock;
using boost::system::error_code;
using std::chrono::milliseconds;

// A caller's bad config or argument (text from outside is try_parse_faults()'s).
[[noreturn]] void fail(const std::string& message) { throw usage_error("firmware_sim", message); }

// ---- the compact string form ----

enum class value_kind { probability, duration, length_range, seed };

struct key_info {
  std::string_view name;
  value_kind kind;
};

constexpr key_info keys[] = {
    {"drop", value_kind::probability},   {"flip", value_kind::probability},   {"delay", value_kind::duration},
    {"jitter", value_kind::duration},    {"garbage", value_kind::probability}, {"garbage_len", value_kind::length_range},
    {"stall", value_kind::duration},     {"disconnect", value_kind::duration}, {"late", value_kind::duration},
    {"never", value_kind::probability},  {"rx_drop", value_kind::probability}, {"rx_flip", value_kind::probability},
    {"seed", value_kind::seed},
};

std::string known_keys() {
  std::string out;
  for (const auto& k : keys) {
    if (!out.empty()) out += ", ";
    out += k.name;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <class T>
bool parse_number(std::string_view text, T& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Every value check, shared by the parser and the constructors. Returns "" or the problem.
std::string probability_problem(double p) {
  return p >= 0.0 && p <= 1.0 ? std::string() : std::string("a probability must be within 0..1");
}
std::string duration_problem(milliseconds d) {
  return d.count() >= 0 && d <= max_fault_duration_ms
             ? std::string()
             : "a duration must be a whole number of milliseconds within 0.." +
                   std::to_string(max_fault_duration_ms.count());
}
std::string range_problem(std::size_t lo, std::size_t hi) {
  return lo >= 1 && lo <= hi && hi <= max_garbage_bytes
             ? std::string()
             : "a length range must be MIN..MAX with 1 <= MIN <= MAX <= " + std::to_string(max_garbage_bytes);
}

std::string config_problem(const fault_config& c) {
  const std::pair<const char*, double> probabilities[] = {{"drop", c.drop},       {"flip", c.flip},
                                                          {"garbage", c.garbage}, {"never", c.never},
                                                          {"rx_drop", c.rx_drop}, {"rx_flip", c.rx_flip}};
  for (const auto& [name, p] : probabilities)
    if (auto problem = probability_problem(p); !problem.empty()) return std::string(name) + ": " + problem;
  const std::pair<const char*, milliseconds> durations[] = {{"delay", c.delay_ms},           {"jitter", c.jitter_ms},
                                                            {"stall", c.stall_ms},           {"disconnect", c.disconnect_ms},
                                                            {"late", c.late_ms}};
  for (const auto& [name, d] : durations)
    if (auto problem = duration_problem(d); !problem.empty()) return std::string(name) + ": " + problem;
  if (auto problem = range_problem(c.garbage_min_bytes, c.garbage_max_bytes); !problem.empty())
    return "garbage_len: " + problem;
  return {};
}

void validate(const fault_config& c) {
  if (auto problem = config_problem(c); !problem.empty()) fail("bad fault config: " + problem);
}

std::string format_probability(double p) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, p);
  return std::string(buffer, end);
}

// ---- randomness ----

// Uniform in [0, 1) from 53 bits, the same on every platform (unlike std::uniform_real_distribution).
double draw(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
std::uint64_t draw_below(std::mt19937_64& rng, std::uint64_t n) { return rng() % n; }

}  // namespace

comframe::result<fault_config, comframe::error> try_parse_faults(std::string_view text) {
  fault_config c;
  bool seen[std::size(keys)] = {};
  auto bad = [](std::string_view item, const std::string& problem) -> comframe::result<fault_config, comframe::error> {
    // cut: a fault string may be long
    return comframe::error("firmware_sim.fault", "bad fault " + core::quoted_text(item) + ": " + problem);
  };
  if (trim(text).empty()) return c;
  while (true) {
    const auto comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return bad(item, "expected key=value");
    const std::string_view key = trim(item.substr(0, eq));
    const std::string_view value = trim(item.substr(eq + 1));
    const auto* info = std::find_if(std::begin(keys), std::end(keys), [&](const key_info& k) { return k.name == key; });
    if (info == std::end(keys))
      return bad(item, "unknown key \"" + std::string(key) + "\" (known: " + known_keys() + ")");
    bool& was_seen = seen[info - std::begin(keys)];
    if (was_seen) return bad(item, std::string(key) + " is given twice");
    was_seen = true;

    switch (info->kind) {
      case value_kind::probability: {
        double p = 0;
        if (!parse_number(value, p)) return bad(item, "a probability must be a decimal number within 0..1");
        if (auto problem = probability_problem(p); !problem.empty()) return bad(item, problem);
        (key == "drop"      ? c.drop
         : key == "flip"    ? c.flip
         : key == "garbage" ? c.garbage
         : key == "never"   ? c.never
         : key == "rx_drop" ? c.rx_drop
                            : c.rx_flip) = p;
        break;
      }
      case value_kind::duration: {
        long long ms = 0;
        if (!parse_number(value, ms) || ms < 0 || ms > max_fault_duration_ms.count())
          return bad(item, duration_problem(milliseconds(-1)));
        (key == "delay"        ? c.delay_ms
         : key == "jitter"     ? c.jitter_ms
         : key == "stall"      ? c.stall_ms
         : key == "disconnect" ? c.disconnect_ms
                               : c.late_ms) = milliseconds(ms);
        break;
      }
      case value_kind::length_range: {
        const auto dots = value.find("..");
        std::size_t lo = 0;
        std::size_t hi = 0;
        if (dots == std::string_view::npos || !parse_number(value.substr(0, dots), lo) ||
            !parse_number(value.substr(dots + 2), hi) || !range_problem(lo, hi).empty())
          return bad(item, range_problem(0, 0));
        c.garbage_min_bytes = lo;
        c.garbage_max_bytes = hi;
        break;
      }
      case value_kind::seed: {
        std::uint64_t seed = 0;
        if (!parse_number(value, seed)) return bad(item, "a seed must be a whole number within 0..18446744073709551615");
        c.seed = seed;
        break;
      }
    }
    if (comma == std::string_view::npos) return c;
    text.remove_prefix(comma + 1);
  }
}

fault_config parse_faults(std::string_view text) { return try_parse_faults(text).value(); }

std::string to_string(const fault_config& c) {
  const fault_config d;
  std::string out;
  auto add = [&](std::string_view key, const std::string& value) {
    if (!out.empty()) out += ',';
    out += key;
    out += '=';
    out += value;
  };
  auto probability = [&](std::string_view key, double p, double def) {
    if (p != def) add(key, format_probability(p));
  };
  auto duration = [&](std::string_view key, milliseconds v, milliseconds def) {
    if (v != def) add(key, std::to_string(v.count()));
  };
  probability("drop", c.drop, d.drop);
  probability("flip", c.flip, d.flip);
  duration("delay", c.delay_ms, d.delay_ms);
  duration("jitter", c.jitter_ms, d.jitter_ms);
  probability("garbage", c.garbage, d.garbage);
  if (c.garbage_min_bytes != d.garbage_min_bytes || c.garbage_max_bytes != d.garbage_max_bytes)
    add("garbage_len", std::to_string(c.garbage_min_bytes) + ".." + std::to_string(c.garbage_max_bytes));
  duration("stall", c.stall_ms, d.stall_ms);
  duration("disconnect", c.disconnect_ms, d.disconnect_ms);
  duration("late", c.late_ms, d.late_ms);
  probability("never", c.never, d.never);
  probability("rx_drop", c.rx_drop, d.rx_drop);
  probability("rx_flip", c.rx_flip, d.rx_flip);
  if (c.seed) add("seed", std::to_string(*c.seed));
  return out;
}

std::string to_string(const fault_stats& s) {
  std::string out;
  auto part = [&](std::uint64_t n, const std::string& text) {
    if (n == 0) return;
    if (!out.empty()) out += ", ";
    out += text;
  };
  auto n = [](std::uint64_t v) { return std::to_string(v); };
  part(s.bytes_written, "wrote " + n(s.bytes_written) + " bytes");
  part(s.bytes_dropped, "dropped " + n(s.bytes_dropped));
  part(s.bytes_flipped, "flipped " + n(s.bytes_flipped));
  part(s.garbage_bursts, n(s.garbage_bursts) + " garbage bursts (" + n(s.garbage_bytes) + " bytes)");
  part(s.stalls, n(s.stalls) + " stalls");
  part(s.disconnects, n(s.disconnects) + " disconnects");
  part(s.bytes_discarded, n(s.bytes_discarded) + " bytes discarded while disconnected");
  part(s.replies, n(s.replies) + " replies");
  part(s.replies_late, n(s.replies_late) + " late");
  part(s.replies_dropped, n(s.replies_dropped) + " never sent");
  part(s.bytes_read, "read " + n(s.bytes_read) + " bytes");
  part(s.rx_bytes_dropped, "dropped " + n(s.rx_bytes_dropped) + " read");
  part(s.rx_bytes_flipped, "flipped " + n(s.rx_bytes_flipped) + " read");
  return out.empty() ? "no traffic" : out;
}

// ---- the injector ----

struct fault_injector::state {
  mutable std::mutex mutex;
  fault_config config;
  std::uint64_t seed = 0;
  std::mt19937_64 byte_rng, timing_rng, reply_rng, rx_rng;
  fault_stats stats;
  clock::time_point stalled_until{};
  clock::time_point silent_until{};
  std::function<void(milliseconds)> disconnect_handler;

  // Locked. Distinct engines per concern, so that one fault's draws do not
  // shift another's.
  void reseed(std::uint64_t s) {
    seed = s;
    byte_rng.seed(s);
    timing_rng.seed(s ^ 0x9E3779B97F4A7C15ull);
    reply_rng.seed(s ^ 0xC2B2AE3D27D4EB4Full);
    rx_rng.seed(s ^ 0x165667B19E3779F9ull);
  }

  // Locked. Appends `in` to `out` with drop, flip and garbage applied.
  void corrupt_into(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> in) {
    const fault_config& c = config;
    for (std::uint8_t original : in) {
      if (c.drop > 0 && draw(byte_rng) < c.drop) {
        ++stats.bytes_dropped;
        continue;
      }
      std::uint8_t b = original;
      if (c.flip > 0 && draw(byte_rng) < c.flip) {
        b ^= static_cast<std::uint8_t>(1u << (byte_rng() >> 61));
        ++stats.bytes_flipped;
      }
      out.push_back(b);
      if (original == 0 && b == 0 && c.garbage > 0 && draw(byte_rng) < c.garbage) {
        const std::size_t n =
            c.garbage_min_bytes + draw_below(byte_rng, c.garbage_max_bytes - c.garbage_min_bytes + 1);
        for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(1 + draw_below(byte_rng, 255)));
        out.push_back(0);
        ++stats.garbage_bursts;
        stats.garbage_bytes += n + 1;
      }
    }
  }

  // Locked. The fate of one reply, counted while a reply fault is on.
  reply_fate next_reply() {
    reply_fate fate;
    if (config.never <= 0 && config.late_ms.count() <= 0) return fate;
    ++stats.replies;
    if (config.never > 0 && draw(reply_rng) < config.never) {
      ++stats.replies_dropped;
      fate.dropped = true;
    } else if (config.late_ms.count() > 0) {
      ++stats.replies_late;
      fate.late = config.late_ms;
    }
    return fate;
  }

  // Locked. When a write made now may leave.
  clock::time_point send_time(clock::time_point now) {
    auto at = now + config.delay_ms;
    if (config.jitter_ms.count() > 0)
      at += milliseconds(draw_below(timing_rng, static_cast<std::uint64_t>(config.jitter_ms.count()) + 1));
    return at;
  }

  // Locked. Returns the handler to call outside the lock, if any.
  std::function<void(milliseconds)> start_disconnect(milliseconds gap) {
    ++stats.disconnects;
    if (disconnect_handler) return disconnect_handler;
    silent_until = std::max(silent_until, clock::now() + gap);
    return {};
  }
  void start_stall(milliseconds duration) {
    ++stats.stalls;
    stalled_until = std::max(stalled_until, clock::now() + duration);
  }
};

namespace {

class fault_link_impl : public std::enable_shared_from_this<fault_link_impl> {
 public:
  fault_link_impl(std::shared_ptr<fault_injector::state> s, std::unique_ptr<transport::link> inner, replies_in replies)
      : st_(std::move(s)),
        inner_(std::move(inner)),
        url_(inner_->url()),
        timer_(inner_->get_executor()),
        scan_(replies == replies_in::comframe_stream) {}

  transport::link& inner() { return *inner_; }
  const std::string& url() const { return url_; }
  bool open() const { return open_; }

  void post(transport::link::handler h, error_code ec, std::size_t n) {
    boost::asio::post(inner_->get_executor(), [h = std::move(h), ec, n] { h(ec, n); });
  }

  void write(std::span<const std::uint8_t> data, transport::link::handler h) {
    std::vector<std::uint8_t> out;
    std::vector<std::vector<std::uint8_t>> late;
    clock::time_point send_at;
    milliseconds late_ms{0};
    {
      std::lock_guard lock(st_->mutex);
      auto& s = *st_;
      s.stats.bytes_written += data.size();
      const auto now = clock::now();
      if (now < s.silent_until) {
        s.stats.bytes_discarded += data.size();
        return post(std::move(h), {}, data.size());
      }
      out.reserve(data.size() + 32);
      const bool reply_faults = scan_ && (s.config.late_ms.count() > 0 || s.config.never > 0);
      if (!reply_faults) {
        const auto held = scanner_.take_pending();  // a frame begun while reply faults were on
        s.corrupt_into(out, held);
        s.corrupt_into(out, data);
      } else {
        scanner_.feed(data, [&](std::span<const std::uint8_t> frame, bool is_reply) {
          if (is_reply) {
            const reply_fate fate = s.next_reply();
            if (fate.dropped) return;
            if (fate.late.count() > 0) {
              late_ms = fate.late;
              late.emplace_back(frame.begin(), frame.end());
              return;
            }
          }
          s.corrupt_into(out, frame);
        });
      }
      send_at = std::max(last_send_at_, s.send_time(now));
      last_send_at_ = send_at;
    }
    queue_.push_back({std::move(out), send_at, std::move(h), data.size()});
    for (auto& frame : late) hold_reply(std::move(frame), late_ms);
    pump();
  }

  void read(std::span<std::uint8_t> buffer, transport::link::handler h) {
    inner_->async_read_some(buffer, [self = shared_from_this(), buffer, h = std::move(h)](const error_code& ec,
                                                                                      std::size_t n) mutable {
      self->on_read(buffer, std::move(h), ec, n);
    });
  }

  void close() {
    if (!open_) return;
    open_ = false;
    timer_.cancel();
    inner_->close();
    const error_code aborted = boost::asio::error::operation_aborted;
    for (auto& item : queue_)
      if (item.handler) post(std::move(item.handler), aborted, 0);
    // The item being written stays until its write completes: the inner link may still hold its bytes.
    if (sending_) queue_.erase(queue_.begin() + 1, queue_.end());
    else queue_.clear();
  }

 private:
  struct item {
    std::vector<std::uint8_t> bytes;
    clock::time_point send_at;
    transport::link::handler handler;  // empty for a late reply
    std::size_t user_size;
  };

  void hold_reply(std::vector<std::uint8_t> frame, milliseconds late_ms) {
    auto timer = std::make_shared<boost::asio::steady_timer>(inner_->get_executor(), late_ms);
    timer->async_wait([self = shared_from_this(), timer, frame = std::move(frame)](error_code) {
      if (!self->open_) return;
      std::vector<std::uint8_t> out;
      clock::time_point send_at;
      {
        std::lock_guard lock(self->st_->mutex);
        self->st_->corrupt_into(out, frame);
        send_at = std::max(self->last_send_at_, self->st_->send_time(clock::now()));
        self->last_send_at_ = send_at;
      }
      self->queue_.push_back({std::move(out), send_at, {}, 0});
      self->pump();
    });
  }

  void pump() {
    while (open_ && !sending_ && !queue_.empty()) {
      auto& front = queue_.front();
      const auto now = clock::now();
      bool silent = false;
      clock::time_point at = front.send_at;
      {
        std::lock_guard lock(st_->mutex);
        at = std::max(at, st_->stalled_until);
        silent = now < st_->silent_until;
        if (silent) st_->stats.bytes_discarded += front.bytes.size();
      }
      if (!silent && now < at) {
        timer_.expires_at(at);
        timer_.async_wait([self = shared_from_this()](error_code ec) {
          if (!ec) self->pump();
        });
        return;
      }
      if (silent || front.bytes.empty()) {
        if (front.handler) post(std::move(front.handler), {}, front.user_size);
        queue_.pop_front();
        continue;
      }
      sending_ = true;
      inner_->async_write(front.bytes, [self = shared_from_this()](const error_code& ec, std::size_t) {
        self->sending_ = false;
        auto done = std::move(self->queue_.front());
        self->queue_.pop_front();
        if (!self->open_) return;
        if (done.handler) done.handler(ec, ec ? 0 : done.user_size);
        self->pump();
      });
      return;
    }
  }

  void on_read(std::span<std::uint8_t> buffer, transport::link::handler h, const error_code& ec, std::size_t n) {
    if (n > 0 && open_) {
      std::lock_guard lock(st_->mutex);
      auto& s = *st_;
      s.stats.bytes_read += n;
      if (clock::now() < s.silent_until) {
        s.stats.bytes_discarded += n;
        n = 0;
      } else if (s.config.rx_drop > 0 || s.config.rx_flip > 0) {
        std::size_t kept = 0;
        for (std::size_t i = 0; i < n; ++i) {
          std::uint8_t b = buffer[i];
          if (s.config.rx_drop > 0 && draw(s.rx_rng) < s.config.rx_drop) {
            ++s.stats.rx_bytes_dropped;
            continue;
          }
          if (s.config.rx_flip > 0 && draw(s.rx_rng) < s.config.rx_flip) {
            b ^= static_cast<std::uint8_t>(1u << (s.rx_rng() >> 61));
            ++s.stats.rx_bytes_flipped;
          }
          buffer[kept++] = b;
        }
        n = kept;
      }
      if (n == 0 && !ec) return read(buffer, std::move(h));  // everything was lost: keep reading
    }
    h(ec, n);
  }

  std::shared_ptr<fault_injector::state> st_;
  std::unique_ptr<transport::link> inner_;
  std::string url_;
  boost::asio::steady_timer timer_;
  bool open_ = true;
  bool sending_ = false;
  const bool scan_;  // replies_in::comframe_stream: late and never are applied here
  reply_scanner scanner_;
  std::deque<item> queue_;
  clock::time_point last_send_at_{};
};

class fault_link final : public transport::link {
 public:
  explicit fault_link(std::shared_ptr<fault_link_impl> impl) : impl_(std::move(impl)) {}
  ~fault_link() override { impl_->close(); }

  boost::asio::any_io_executor get_executor() override { return impl_->inner().get_executor(); }

  void async_read_some(std::span<std::uint8_t> buffer, handler h) override {
    if (!impl_->open()) return impl_->post(std::move(h), boost::asio::error::bad_descriptor, 0);
    if (buffer.empty()) return impl_->post(std::move(h), {}, 0);
    impl_->read(buffer, std::move(h));
  }

  void async_write(std::span<const std::uint8_t> data, handler h) override {
    if (!impl_->open()) return impl_->post(std::move(h), boost::asio::error::bad_descriptor, 0);
    if (data.empty()) return impl_->post(std::move(h), {}, 0);
    impl_->write(data, std::move(h));
  }

  void close() override { impl_->close(); }
  bool is_open() const override { return impl_->open(); }
  const std::string& url() const override { return impl_->url(); }

 private:
  std::shared_ptr<fault_link_impl> impl_;
};

}  // namespace

fault_injector::fault_injector(fault_config config) : state_(std::make_shared<state>()) {
  validate(config);
  state_->reseed(config.seed ? *config.seed : std::random_device{}() * 0x100000000ull + std::random_device{}());
  set_config(config);
}

fault_injector::~fault_injector() = default;

std::unique_ptr<transport::link> fault_injector::wrap(std::unique_ptr<transport::link> inner, replies_in replies) {
  if (!inner) fail("fault_injector::wrap: no inner link");
  return std::make_unique<fault_link>(std::make_shared<fault_link_impl>(state_, std::move(inner), replies));
}

reply_fate fault_injector::next_reply() {
  std::lock_guard lock(state_->mutex);
  return state_->next_reply();
}

void fault_injector::set_config(const fault_config& config) {
  validate(config);
  std::function<void(milliseconds)> handler;
  {
    std::lock_guard lock(state_->mutex);
    state_->config = config;
    if (config.seed) state_->reseed(*config.seed);
    if (config.stall_ms.count() > 0) state_->start_stall(config.stall_ms);
    if (config.disconnect_ms.count() > 0) handler = state_->start_disconnect(config.disconnect_ms);
  }
  if (handler) handler(config.disconnect_ms);
}

fault_config fault_injector::config() const {
  std::lock_guard lock(state_->mutex);
  return state_->config;
}

std::uint64_t fault_injector::seed() const {
  std::lock_guard lock(state_->mutex);
  return state_->seed;
}

void fault_injector::stall(milliseconds duration) {
  if (auto problem = duration_problem(duration); !problem.empty()) fail("bad stall: " + problem);
  std::lock_guard lock(state_->mutex);
  state_->start_stall(duration);
}

void fault_injector::disconnect(milliseconds gap) {
  if (auto problem = duration_problem(gap); !problem.empty()) fail("bad disconnect: " + problem);
  std::function<void(milliseconds)> handler;
  {
    std::lock_guard lock(state_->mutex);
    handler = state_->start_disconnect(gap);
  }
  if (handler) handler(gap);
}

void fault_injector::on_disconnect(std::function<void(milliseconds)> handler) {
  std::lock_guard lock(state_->mutex);
  state_->disconnect_handler = std::move(handler);
}

fault_stats fault_injector::stats() const {
  std::lock_guard lock(state_->mutex);
  return state_->stats;
}

}  // namespace comframe::firmware_sim

// In-process loopback pairs: make_loopback_pair() and loop://NAME.
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <vector>
#include <string>

#include "comframe/transport/loopback.hpp"
#include "openers.hpp"

namespace comframe::transport {

namespace {

struct pending_read {
  std::span<std::uint8_t> buffer;
  link::handler h;
};

struct pending_write {
  std::span<const std::uint8_t> data;
  std::size_t done = 0;
  link::handler h;
};

// The bytes flowing towards one side, with the operations waiting on them.
struct direction {
  std::deque<std::uint8_t> bytes;       // at most loopback_capacity_bytes
  std::optional<pending_read> reader;   // the receiving side's read; only while `bytes` is empty
  std::optional<pending_write> writer;  // the sending side's write; only while `bytes` is full
};

// A finished operation whose handler has not run yet.
struct ready_completion {
  link::handler h;
  boost::system::error_code ec;
  std::size_t n = 0;
};

// Completions run in batches: one posted drain runs the pair's finished
// operations in order, those its handlers finish included, up to this many,
// then posts itself again so that the io_context's other work (timers, other
// links, its reactor) gets its turn. A request and its reply through a pair
// thus cost no post each and, on an io_context with a reactor, no reactor poll
// each (the scheduler polls it once per turn through its queue).
constexpr std::size_t completions_per_drain = 64;

// Shared by both ends; used only from `executor`, so it needs no lock.
struct loop_state : std::enable_shared_from_this<loop_state> {
  boost::asio::io_context* io = nullptr;
  boost::asio::any_io_executor executor;
  std::array<direction, 2> toward;  // toward[s]: what side s reads
  std::array<bool, 2> open{true, true};
  std::string registry_name;  // while side A waits in the registry for side B; guarded by registry_mutex
  // Finished operations, in the order they finished, from ready_head on (a
  // vector that keeps its capacity: no allocation per completion).
  std::vector<ready_completion> ready;
  std::size_t ready_head = 0;
  bool drain_posted = false;
};

void post_drain(loop_state& state);

// The posted drain. When the io_context is destroyed before it runs, the
// handlers waiting with it go too (as posted handlers would), so that what they
// hold is released.
class drain {
 public:
  explicit drain(std::shared_ptr<loop_state> s) : state_(std::move(s)) {}
  drain(drain&& other) noexcept : state_(std::move(other.state_)) {}
  drain& operator=(drain&&) = delete;
  ~drain() {
    if (!state_) return;
    state_->drain_posted = true;  // handlers dropped here may close links, which finish more: no new drain
    while (!state_->ready.empty()) {
      auto dropped = std::move(state_->ready);
      state_->ready.clear();
      state_->ready_head = 0;
    }
    state_->drain_posted = false;
  }

  void operator()() {
    auto s = std::move(state_);
    // Runs at most the batch; whatever is left (a handler threw, or the batch
    // is full) is posted again.
    struct again {
      loop_state& s;
      ~again() {
        s.ready.erase(s.ready.begin(), s.ready.begin() + static_cast<std::ptrdiff_t>(s.ready_head));
        s.ready_head = 0;
        s.drain_posted = false;
        if (!s.ready.empty()) post_drain(s);
      }
    } on_exit{*s};
    for (std::size_t i = 0; i < completions_per_drain && s->ready_head < s->ready.size(); ++i) {
      ready_completion c = std::move(s->ready[s->ready_head++]);
      c.h(c.ec, c.n);
    }
  }

 private:
  std::shared_ptr<loop_state> state_;
};

void post_drain(loop_state& state) {
  if (state.drain_posted) return;
  state.drain_posted = true;
  boost::asio::post(state.executor, drain(state.shared_from_this()));
}

// Handlers never run inside the call that finished their operation: they wait
// for the drain.
void complete(loop_state& state, link::handler h, boost::system::error_code ec, std::size_t n) {
  state.ready.push_back({std::move(h), ec, n});
  post_drain(state);
}

// Moves bytes from the pending write into the buffer and from the buffer into
// the pending read of direction `d`, until neither can go on.
void pump(loop_state& state, direction& d) {
  for (bool progress = true; progress;) {
    progress = false;
    if (d.writer) {
      pending_write& w = *d.writer;
      const std::size_t room = loopback_capacity_bytes - d.bytes.size();
      const std::size_t count = std::min(room, w.data.size() - w.done);
      if (count > 0) {
        const auto from = w.data.begin() + static_cast<std::ptrdiff_t>(w.done);
        d.bytes.insert(d.bytes.end(), from, from + static_cast<std::ptrdiff_t>(count));
        w.done += count;
        progress = true;
      }
      if (w.done == w.data.size()) {
        complete(state, std::move(w.h), {}, w.done);
        d.writer.reset();
      }
    }
    if (d.reader && !d.bytes.empty()) {
      pending_read& r = *d.reader;
      const std::size_t count = std::min(r.buffer.size(), d.bytes.size());
      const auto end = d.bytes.begin() + static_cast<std::ptrdiff_t>(count);
      std::copy(d.bytes.begin(), end, r.buffer.begin());
      d.bytes.erase(d.bytes.begin(), end);
      complete(state, std::move(r.h), {}, count);
      d.reader.reset();
      progress = true;
    }
  }
}

// Side A waiting for side B, by name. Guarded by registry_mutex: open_link
// may be called from any thread.
std::mutex registry_mutex;
std::map<std::string, std::weak_ptr<loop_state>, std::less<>> registry;

class loopback_link final : public link {
 public:
  loopback_link(std::shared_ptr<loop_state> state, int side, std::string url)
      : state_(std::move(state)), side_(side), url_(std::move(url)) {}
  ~loopback_link() override { close(); }

  boost::asio::any_io_executor get_executor() override { return state_->executor; }

  void async_read_some(std::span<std::uint8_t> buffer, handler h) override {
    loop_state& s = *state_;
    direction& in = s.toward[side_];
    if (!s.open[side_]) return complete(s, std::move(h), boost::asio::error::bad_descriptor, 0);
    if (in.reader) return complete(s, std::move(h), boost::asio::error::already_started, 0);
    if (buffer.empty()) return complete(s, std::move(h), {}, 0);
    if (in.bytes.empty() && !s.open[peer()]) return complete(s, std::move(h), link_errc::link_lost, 0);
    in.reader = pending_read{buffer, std::move(h)};
    pump(s, in);
  }

  void async_write(std::span<const std::uint8_t> data, handler h) override {
    loop_state& s = *state_;
    direction& out = s.toward[peer()];
    if (!s.open[side_]) return complete(s, std::move(h), boost::asio::error::bad_descriptor, 0);
    if (out.writer) return complete(s, std::move(h), boost::asio::error::already_started, 0);
    if (!s.open[peer()]) return complete(s, std::move(h), link_errc::link_lost, 0);
    if (data.empty()) return complete(s, std::move(h), {}, 0);
    out.writer = pending_write{data, 0, std::move(h)};
    pump(s, out);
  }

  // Bytes the peer's buffer has room for go in at once; a pending read gets them as usual.
  std::size_t write_now(std::span<const std::uint8_t> data) override {
    loop_state& s = *state_;
    direction& out = s.toward[peer()];
    if (data.empty() || !s.open[side_] || !s.open[peer()] || out.writer) return 0;
    const std::size_t count = std::min(loopback_capacity_bytes - out.bytes.size(), data.size());
    out.bytes.insert(out.bytes.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(count));
    pump(s, out);
    return count;
  }

  void close() override {
    loop_state& s = *state_;
    if (!s.open[side_]) return;
    s.open[side_] = false;
    unregister(s);

    direction& in = s.toward[side_];
    if (in.reader) complete(s, std::move(in.reader->h), boost::asio::error::operation_aborted, 0);
    in.reader.reset();
    if (in.writer) complete(s, std::move(in.writer->h), link_errc::link_lost, in.writer->done);
    in.writer.reset();
    in.bytes.clear();

    // What this side already sent stays readable; after it the peer's reads end with link_lost.
    direction& out = s.toward[peer()];
    if (out.writer) complete(s, std::move(out.writer->h), boost::asio::error::operation_aborted, out.writer->done);
    out.writer.reset();
    if (out.reader && out.bytes.empty()) {
      complete(s, std::move(out.reader->h), link_errc::link_lost, 0);
      out.reader.reset();
    }
  }

  bool is_open() const override { return state_->open[side_]; }
  const std::string& url() const override { return url_; }

 private:
  int peer() const { return 1 - side_; }

  // A side A closed before side B came must not hand a dead pair to the next opener.
  void unregister(loop_state& s) {
    const std::lock_guard lock(registry_mutex);
    if (s.registry_name.empty()) return;
    const auto it = registry.find(s.registry_name);
    if (it != registry.end() && it->second.lock() == state_) registry.erase(it);
    s.registry_name.clear();
  }

  std::shared_ptr<loop_state> state_;
  int side_;
  std::string url_;
};

std::shared_ptr<loop_state> make_state(boost::asio::io_context& io) {
  auto state = std::make_shared<loop_state>();
  state->io = &io;
  state->executor = io.get_executor();
  return state;
}

}  // namespace

loopback_pair make_loopback_pair(boost::asio::io_context& io, std::string_view name) {
  auto state = make_state(io);
  const std::string url = "loop://" + std::string(name);
  return {std::make_unique<loopback_link>(state, 0, url), std::make_unique<loopback_link>(state, 1, url)};
}

namespace detail {

std::unique_ptr<link> open_loop_link(boost::asio::io_context& io, const loop_url& url, std::string url_text) {
  const std::lock_guard lock(registry_mutex);
  const auto it = registry.find(url.name);
  if (it != registry.end()) {
    if (auto state = it->second.lock()) {
      if (state->io != &io) {
        throw link_error(link_errc::open_failed,
                         "cannot open " + url_text + ": side A of this pair runs on another io_context");
      }
      registry.erase(it);
      // Side A may be in use on its executor right now; registry_name is only
      // touched under the lock, so clearing it here is safe.
      state->registry_name.clear();
      return std::make_unique<loopback_link>(std::move(state), 1, std::move(url_text));
    }
    registry.erase(it);  // side A is gone; start afresh
  }
  auto state = make_state(io);
  state->registry_name = url.name;
  registry.emplace(url.name, state);
  return std::make_unique<loopback_link>(std::move(state), 0, std::move(url_text));
}

}  // namespace detail

}  // namespace comframe::transport

#include "comframe/devices/session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <type_traits>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <utility>
#include <unordered_map>
#include <vector>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/json_text.hpp"
#include "comframe/devices/bridge_feed.hpp"
#include "comframe/devices/frame_json.hpp"
#include "comframe/transport/frame_channel.hpp"
#include "comframe/transport/framing_spec.hpp"
#include "comframe/transport/link.hpp"
#include "comframe/transport/url.hpp"

namespace comframe::devices {

namespace {
using clock = std::chrono::steady_clock;
// The largest profile text a host accepts from a device (or a cache).
constexpr std::size_t max_profile_text_bytes = std::size_t{16} << 20;
using transport::frame_kind;

std::string command_label(std::uint16_t id, std::string_view name) {
  if (!name.empty()) return std::string(name);
  char buf[32];
  std::snprintf(buf, sizeof buf, "command 0x%04x", id);
  return buf;
}

// The baud rate when the URL names it ("…?baud=9600"), else 0: a pty or a
// socket has no line rate to go by.
std::uint32_t named_baud(const std::string& url) {
  if (url.find("baud=") == std::string::npos) return 0;
  try {
    const auto u = transport::parse_url(url);
    if (const auto* s = std::get_if<transport::serial_url>(&u)) return s->settings.baud;
  } catch (const comframe::error&) {
  }
  return 0;
}

std::string error_code_name(std::uint16_t code) {
  switch (code) {
    case error_code::unknown_command: return "unknown_command";
    case error_code::bad_request: return "bad_request";
    case error_code::out_of_range: return "out_of_range";
    case error_code::busy: return "busy";
    case error_code::internal: return "internal";
    default: return code >= error_code::first_device_specific ? "device-specific" : "reserved";
  }
}
}  // namespace

std::string_view to_string(request_errc kind) noexcept {
  switch (kind) {
    case request_errc::timeout: return "timeout";
    case request_errc::link_lost: return "link_lost";
    case request_errc::not_connected: return "not_connected";
    case request_errc::device_error: return "device_error";
    case request_errc::bad_reply: return "bad_reply";
    case request_errc::closed: return "closed";
    case request_errc::too_large: return "too_large";
  }
  return "unknown";
}

std::string_view to_string(link_state state) noexcept {
  switch (state) {
    case link_state::connected: return "connected";
    case link_state::lost: return "lost";
    case link_state::reconnected: return "reconnected";
    case link_state::closed: return "closed";
    case link_state::profile_mismatch: return "profile_mismatch";
  }
  return "unknown";
}

request_error::request_error(request_errc kind, std::uint16_t command, const std::string& message,
                             std::uint16_t device_code)
    : comframe::error("devices." + std::string(to_string(kind)), message),
      kind_(kind),
      command_(command),
      device_code_(device_code) {}

// Pending requests by sequence number: slots indexed by the number's low
// bits, doubled when half full. Numbers are handed out in turn and skip a
// number whose slot is taken (sequence_free), so the pending ones sit in
// distinct slots: once the table has grown to the window in use, a request
// costs no allocation (a hash map's node each before). Iterates in slot order.
template <class T>
class sequence_table {
 public:
  struct entry {
    std::uint16_t first = 0;
    T second{};
    bool used = false;
  };
  class iterator {
   public:
    iterator(entry* p, entry* end) : p_(p), end_(end) { skip(); }
    entry& operator*() const { return *p_; }
    entry* operator->() const { return p_; }
    iterator& operator++() {
      ++p_;
      skip();
      return *this;
    }
    bool operator==(const iterator& o) const { return p_ == o.p_; }

   private:
    friend class sequence_table;
    void skip() {
      while (p_ != end_ && !p_->used) ++p_;
    }
    entry* p_;
    entry* end_;
  };

  iterator begin() { return {slots_.data(), slots_.data() + slots_.size()}; }
  iterator end() { return {slots_.data() + slots_.size(), slots_.data() + slots_.size()}; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  iterator find(std::uint16_t seq) {
    if (slots_.empty()) return end();
    entry& e = slots_[seq & (slots_.size() - 1)];
    return e.used && e.first == seq ? iterator(&e, slots_.data() + slots_.size()) : end();
  }
  /// Makes room for one more (call before choosing its number).
  void reserve_one() {
    if (slots_.size() < max_slots && (size_ + 1) * 2 > slots_.size()) grow();
  }
  /// True if `seq` may be given to a new entry: its slot is free.
  bool sequence_free(std::uint16_t seq) const { return !slots_[seq & (slots_.size() - 1)].used; }
  /// Adds an entry under a number sequence_free() accepted.
  void emplace(std::uint16_t seq, T value) {
    entry& e = slots_[seq & (slots_.size() - 1)];
    e.first = seq;
    e.second = std::move(value);
    e.used = true;
    ++size_;
  }
  iterator erase(iterator it) {
    it.p_->used = false;
    it.p_->second = T{};  // what it holds (a handler) goes now
    --size_;
    return ++it;
  }
  void clear() {
    slots_.clear();
    size_ = 0;
  }
  sequence_table() = default;
  sequence_table(sequence_table&& o) noexcept : slots_(std::move(o.slots_)), size_(std::exchange(o.size_, 0)) {
    o.slots_.clear();
  }
  sequence_table& operator=(sequence_table&&) = delete;

 private:
  static constexpr std::size_t max_slots = std::size_t{1} << 16;  // one slot per 16-bit number
  void grow() {
    std::vector<entry> bigger(slots_.empty() ? 8 : slots_.size() * 2);
    // Distinct slots stay distinct: numbers that differ modulo n differ modulo 2n.
    for (auto& e : slots_)
      if (e.used) bigger[e.first & (bigger.size() - 1)] = std::move(e);
    slots_ = std::move(bigger);
  }
  std::vector<entry> slots_;
  std::size_t size_ = 0;
};

struct session::runner {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread;
};

struct session::impl : std::enable_shared_from_this<session::impl> {
  struct pending_request {
    std::uint16_t command;
    std::string name;
    reply_handler handler;
    clock::time_point deadline;
    std::uint64_t frames_at = 0;  // decoder counters when it was sent, for the timeout's message
    std::uint64_t errors_at = 0;
    std::uint64_t bytes_at = 0;
    bool fail_on_broken = false;  // a broken frame while it waits fails it at once (it is likely the reply)
    std::uint16_t address = 0;    // the device it went to (framings with addresses)
  };
  // A request waiting for the one outstanding before it (replies matched otherwise than by sequence).
  struct queued_request {
    std::uint16_t command;
    std::vector<std::uint8_t> payload;
    reply_handler handler;
    std::chrono::milliseconds timeout;
    std::string name;
    bool fail_on_broken;
  };

  // The framing: the caller's, else the expected profile's when it is not comframe's, else comframe's.
  static transport::framing_factory framing_of(const session_options& o) {
    if (o.framing) return o.framing;
    if (o.expected_profile && !o.expected_profile->framing().is_default())
      return transport::framing_factory_for(std::make_shared<const transport::framing_spec>(o.expected_profile->framing()));
    return transport::make_comframe_framing;
  }

  // A framing gets the expected profile's payload schemas unless others were given.
  static session_options with_schemas(session_options o) {
    if (!o.payload_schemas && o.expected_profile) o.payload_schemas = std::make_shared<profile_schemas>(o.expected_profile);
    return o;
  }

  impl(boost::asio::io_context& io_, std::string url_, session_options opt_)
      : io(io_),
        url(std::move(url_)),
        opt(with_schemas(std::move(opt_))),
        channel(transport::frame_channel::make(
            framing_of(opt)({.incoming = direction::from_device,
                             .schemas = opt.payload_schemas.get(),
                             .max_payload_size = opt.max_payload_size,
                             .baud = named_baud(url),
                             .payload_endian = opt.payload_endian}),
            direction::from_device)),
        traits(channel->get_framing().traits()),
        one_at_a_time(traits.replies != transport::reply_match::sequence),
        address(opt.address.value_or(traits.default_address)),
        timeout_timer(io),
        reconnect_timer(io) {}

  ~impl() {
    // The channel may outlive us in its pending completions: it must not call back.
    channel->set_handlers({});
    channel->observe_frames(nullptr);
    channel->close();
  }

  boost::asio::io_context& io;
  std::string url;
  session_options opt;
  std::atomic<bool> connected{false};
  bool closed = false;

  // The link, its framing and the write queue; a new link is opened on it at
  // each reconnect, with a resync 0x00 before its first frame.
  std::shared_ptr<transport::frame_channel> channel;
  // What the framing means for matching replies, addresses and describe.
  const transport::framing_traits traits;
  const bool one_at_a_time;  // replies not matched by sequence: one request outstanding, the rest wait
  const std::uint16_t address;  // where requests go (framings with addresses)

  sequence_table<pending_request> pending;
  std::deque<queued_request> waiting;  // one_at_a_time: requests behind the outstanding one, in call order
  std::uint16_t next_sequence = 1;
  boost::asio::steady_timer timeout_timer;
  clock::time_point armed_deadline = clock::time_point::max();
  boost::asio::steady_timer reconnect_timer;

  std::unordered_map<std::uint16_t, event_handler> event_handlers;
  std::function<void(link_state, const std::string&)> state_handler;
  std::function<void(const frame_record&)> observer;

  // The counters: kept by the I/O thread in `stats`, published word by word
  // into relaxed atomics after each change for stats() on any thread (no lock
  // on the request path; a reader that saw a reply through a future sees it counted).
  static constexpr std::size_t stat_words = sizeof(session_stats) / sizeof(std::uint64_t);
  static_assert(sizeof(session_stats) == stat_words * sizeof(std::uint64_t) &&
                    std::is_trivially_copyable_v<session_stats>,
                "session_stats holds 64-bit counters only");
  session_stats stats;
  std::array<std::atomic<std::uint64_t>, stat_words> published{};

  template <class F>
  void count(F&& f) {
    f(stats);
    std::array<std::uint64_t, stat_words> words;
    std::memcpy(words.data(), &stats, sizeof stats);
    for (std::size_t i = 0; i < stat_words; ++i) published[i].store(words[i], std::memory_order_relaxed);
  }

  session_stats snapshot() const {
    std::array<std::uint64_t, stat_words> words;
    for (std::size_t i = 0; i < stat_words; ++i) words[i] = published[i].load(std::memory_order_relaxed);
    session_stats s;
    std::memcpy(static_cast<void*>(&s), words.data(), sizeof s);  // trivially copyable: 64-bit counters only
    return s;
  }

  void notify(link_state s, const std::string& detail) {
    if (state_handler) state_handler(s, detail);
  }

  // ---- reading --------------------------------------------------------------

  // The channel calls these for what it reads; `this` outlives every call (~impl).
  void attach_channel() {
    channel->set_handlers({
        .frame = [this](const transport::frame_view& f) { dispatch(f); },
        .refused = [this](transport::frame_error e, std::span<const std::uint8_t> raw) { fail_waiting_for_broken(e, raw); },
        .chunk_done = [this] { count([&](session_stats& s) { s.decoder = channel->stats(); }); },
        .failed =
            [this](transport::frame_channel::operation, const boost::system::error_code& ec) {
              if (closed) return;
              lose(url + ": " + (transport::is_link_lost(ec) ? std::string("link lost") : ec.message()));
            },
        .writing = {},
    });
    update_observer();
  }

  // Frames go to the observer and the bridge; the channel makes records only when one of them wants them.
  void update_observer() {
    if (!observer && !opt.bridge) return channel->observe_frames(nullptr);
    channel->observe_frames([this](const frame_record& r) {
      if (opt.bridge) opt.bridge->publish(r);
      if (observer) observer(r);
    });
  }

  void dispatch(const transport::frame_view& f) {
    switch (f.header.kind) {
      case frame_kind::response:
      case frame_kind::error:
        complete(f);
        return;
      case frame_kind::event: {
        auto it = event_handlers.find(f.header.command);
        if (it == event_handlers.end()) {
          count([](session_stats& s) { ++s.unhandled_events; });
          return;
        }
        try {
          it->second(f.payload);
          count([](session_stats& s) { ++s.events; });
        } catch (const core::codec_error&) {
          count([](session_stats& s) { ++s.unhandled_events; });
        }
        return;
      }
      case frame_kind::request:
        count([](session_stats& s) { ++s.unexpected_frames; });
        return;
    }
  }

  // A refused frame while a request that asked for it waits: perhaps its reply,
  // broken. Where the damage spared the header, it tells: an event or a request
  // (a device streaming events on a noisy line) fails nothing, a reply fails
  // only the request of its sequence number. A header that cannot be read fails
  // every request that asked.
  void fail_waiting_for_broken(transport::frame_error e, std::span<const std::uint8_t> raw) {
    std::optional<std::uint16_t> reply_to;
    if (const auto h = channel->get_framing().damaged_header(raw)) {
      if (h->kind != frame_kind::response && h->kind != frame_kind::error) return;
      if (!one_at_a_time) reply_to = h->sequence;  // otherwise it can only be the one outstanding request's
    }
    std::vector<pending_request> doomed;
    for (auto it = pending.begin(); it != pending.end();) {
      if (it->second.fail_on_broken && (!reply_to || it->first == *reply_to)) {
        doomed.push_back(std::move(it->second));
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
    if (!doomed.empty()) count([&](session_stats& s) { s.decoder = channel->stats(); });  // the waiter reads them
    for (auto& p : doomed) {
      count([](session_stats& s) { ++s.broken_replies; });
      fail(p.handler, request_errc::bad_reply, p.command,
           command_label(p.command, p.name) + ": a broken frame (" + std::string(transport::to_string(e)) +
               ") arrived instead of the reply");
    }
    issue_waiting();
  }

  // The pending request a reply answers, as the framing's reply matching says.
  void complete(const transport::frame_view& f) {
    auto it = one_at_a_time ? pending.begin() : pending.find(f.header.sequence);
    if (it == pending.end()) {
      count([](session_stats& s) { ++s.late_replies; });
      return;
    }
    const bool same_device = traits.replies != transport::reply_match::address_command || it->second.address == f.header.address;
    // By order, the reply carries no command to compare (a line framing's replies have 0).
    const bool same_command = traits.replies == transport::reply_match::order || it->second.command == f.header.command;
    if (!same_command || !same_device) {
      // Not this request's reply: never hand it over; the right one may still come.
      count([](session_stats& s) { ++s.mismatched_replies; });
      return;
    }
    pending_request req = std::move(it->second);
    pending.erase(it);
    const bool is_error = f.header.kind == frame_kind::error;
    count([&](session_stats& s) {
      ++s.replies;
      if (is_error) ++s.error_replies;
    });
    if (!is_error) {
      req.handler(nullptr, f.payload);
      return issue_waiting();
    }
    std::string message;
    std::uint16_t code = 0;
    if (!traits.name.empty()) {
      // Another framing's error reply: its error rule's code, the text the code's name.
      if (const auto e = channel->get_framing().read_error(f.payload)) {
        code = e->code;
        message = command_label(req.command, req.name) + ": device error " + std::to_string(code) +
                  (e->message.empty() ? std::string() : " (" + core::printable_text(e->message) + ")");
      } else {
        message = command_label(req.command, req.name) + ": device error with an unreadable payload (" +
                  std::to_string(f.payload.size()) + " bytes)";
      }
      req.handler(std::make_exception_ptr(request_error(request_errc::device_error, req.command, message, code)), {});
      return issue_waiting();
    }
    try {
      const auto e = core::decode<error_payload>(f.payload, builtin_endian);
      code = e.code;
      // The device's text is escaped: it reaches terminals, and a NUL would end what() early.
      message = command_label(req.command, req.name) + ": device error " + std::to_string(code) + " (" +
                error_code_name(code) + "): " +
                core::printable_text(std::string_view(e.message.data(), e.message.size()));
    } catch (const core::codec_error& err) {
      message = command_label(req.command, req.name) + ": device error with an unreadable payload (" + err.what() + ")";
    }
    req.handler(std::make_exception_ptr(request_error(request_errc::device_error, req.command, message, code)), {});
    issue_waiting();
  }

  // ---- writing --------------------------------------------------------------

  void write_frame(frame_kind kind, std::uint16_t command, std::uint16_t sequence, std::span<const std::uint8_t> payload) {
    channel->write(transport::frame_header{transport::protocol_version, kind, command, sequence, address}, payload);
  }

  bool is_broadcast() const noexcept {
    return traits.has_address && traits.broadcast_address && *traits.broadcast_address == address;
  }

  // ---- requests and timeouts -------------------------------------------------

  void fail(reply_handler& handler, request_errc kind, std::uint16_t command, const std::string& message) {
    handler(std::make_exception_ptr(request_error(kind, command, message)), {});
  }

  // The payload is used during the call only (copied where the request waits).
  void request(std::uint16_t command, std::span<const std::uint8_t> payload, reply_handler handler,
               std::chrono::milliseconds timeout, std::string name, bool fail_on_broken = false) {
    // Only the failures below need the label: built on their paths, not per request.
    auto label = [&] { return command_label(command, name); };
    if (closed) return fail(handler, request_errc::closed, command, label() + ": the session is closed");
    if (!connected)
      return fail(handler, request_errc::not_connected, command, label() + ": " + url + " is not connected (reconnecting)");
    if (payload.size() > opt.max_payload_size)
      return fail(handler, request_errc::too_large, command,
                  label() + ": a payload of " + std::to_string(payload.size()) + " bytes exceeds the maximum of " +
                      std::to_string(opt.max_payload_size));
    const std::uint16_t top = traits.max_sequence ? traits.max_sequence : 0xFFFF;
    if (pending.size() >= top)
      return fail(handler, request_errc::too_large, command,
                  label() + ": " + std::to_string(top) + " requests are already pending");
    if (one_at_a_time && (!pending.empty() || !waiting.empty())) {
      waiting.push_back({command, {payload.begin(), payload.end()}, std::move(handler), timeout, std::move(name), fail_on_broken});
      return;
    }
    issue(command, payload, std::move(handler), timeout, std::move(name), fail_on_broken);
  }

  // Writes a request and waits for its reply (a broadcast: none).
  void issue(std::uint16_t command, std::span<const std::uint8_t> payload, reply_handler handler,
             std::chrono::milliseconds timeout, std::string name, bool fail_on_broken) {
    if (is_broadcast()) {
      // Every device runs it and none answers: done once it is on its way.
      count([](session_stats& s) {
        ++s.requests;
        ++s.broadcasts;
      });
      write_frame(frame_kind::request, command, 0, payload);
      handler(nullptr, {});
      return;
    }
    // Sequence 0 marks a fire-and-forget send (no reply), so requests never use
    // it; numbers wrap at the largest the wire holds.
    const std::uint16_t top = traits.max_sequence ? traits.max_sequence : 0xFFFF;
    pending.reserve_one();
    for (;; ++next_sequence) {
      if (next_sequence == 0 || next_sequence > top) next_sequence = 1;
      if (pending.sequence_free(next_sequence)) break;
    }
    const std::uint16_t seq = next_sequence++;
    const auto deadline = clock::now() + timeout;
    const auto ds = channel->stats();
    pending.emplace(seq, pending_request{command, std::move(name), std::move(handler), deadline, ds.frames, ds.errors(), ds.bytes,
                                         fail_on_broken, address});
    count([](session_stats& s) { ++s.requests; });
    write_frame(frame_kind::request, command, traits.max_sequence ? seq : 0, payload);
    arm(deadline);
  }

  // One request outstanding at a time: when it is done, the next waiting one is written.
  void issue_waiting() {
    while (one_at_a_time && pending.empty() && !waiting.empty()) {
      queued_request q = std::move(waiting.front());
      waiting.pop_front();
      if (closed) {
        fail(q.handler, request_errc::closed, q.command, command_label(q.command, q.name) + ": the session is closed");
      } else if (!connected) {
        fail(q.handler, request_errc::not_connected, q.command,
             command_label(q.command, q.name) + ": " + url + " is not connected (reconnecting)");
      } else {
        issue(q.command, q.payload, std::move(q.handler), q.timeout, std::move(q.name), q.fail_on_broken);
      }
    }
  }

  void arm(clock::time_point deadline) {
    if (deadline >= armed_deadline) return;
    armed_deadline = deadline;
    timeout_timer.expires_at(deadline);
    timeout_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec == boost::asio::error::operation_aborted) return;
      self->expire();
    });
  }

  void expire() {
    armed_deadline = clock::time_point::max();
    const auto now = clock::now();
    std::vector<pending_request> expired;
    for (auto it = pending.begin(); it != pending.end();) {
      if (it->second.deadline <= now) {
        expired.push_back(std::move(it->second));
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
    auto next = clock::time_point::max();
    for (const auto& e : pending) next = std::min(next, e.second.deadline);
    if (next != clock::time_point::max()) arm(next);
    const auto ds = channel->stats();
    for (auto& p : expired) {
      count([](session_stats& s) { ++s.timeouts; });
      fail(p.handler, request_errc::timeout, p.command,
           command_label(p.command, p.name) + ": no reply within the timeout (" +
               what_arrived(ds.frames - p.frames_at, ds.errors() - p.errors_at, ds.bytes - p.bytes_at) + ")");
    }
    issue_waiting();
  }

  static std::string what_arrived(std::uint64_t frames, std::uint64_t broken, std::uint64_t bytes) {
    auto n = [](std::uint64_t k, const char* one, const char* many) {
      return std::to_string(k) + " " + (k == 1 ? one : many);
    };
    if (broken) return n(broken, "frame", "frames") + " arrived broken" +
                       (frames ? ", " + n(frames, "other", "others") + " whole" : std::string());
    if (frames) return n(frames, "frame", "frames") + " arrived, none of them the reply";
    if (bytes) return n(bytes, "byte", "bytes") + " arrived, no whole frame yet";
    return "nothing arrived";
  }

  void fail_all(request_errc kind, const std::string& why) {
    auto doomed = std::move(pending);
    pending.clear();
    auto queued = std::move(waiting);
    waiting.clear();
    for (auto& e : doomed) fail(e.second.handler, kind, e.second.command, command_label(e.second.command, e.second.name) + ": " + why);
    for (auto& q : queued) fail(q.handler, kind, q.command, command_label(q.command, q.name) + ": " + why);
  }

  // ---- link loss and reconnect -----------------------------------------------

  void lose(const std::string& reason) {
    if (!connected) return;
    connected = false;
    channel->close();
    channel->reset_framing();
    count([](session_stats& s) { ++s.link_losses; });
    fail_all(request_errc::link_lost, reason);
    notify(link_state::lost, reason);
    if (opt.reconnect && !closed) schedule_reconnect(opt.reconnect_initial);
  }

  void schedule_reconnect(std::chrono::milliseconds delay) {
    reconnect_timer.expires_after(delay);
    reconnect_timer.async_wait([self = shared_from_this(), delay](const boost::system::error_code& ec) {
      if (ec || self->closed) return;
      self->try_reconnect(delay);
    });
  }

  void try_reconnect(std::chrono::milliseconds delay) {
    std::unique_ptr<transport::link> l;
    try {
      l = transport::open_link(io, url);
    } catch (const comframe::error&) {
      schedule_reconnect(std::min(delay * 2, opt.reconnect_max));
      return;
    }
    // A leading 0x00 ends whatever noise the line holds, so the device reads
    // the first frame whole (docs/protocol.md).
    channel->open(std::move(l), true);
    connected = true;
    count([](session_stats& s) { ++s.reconnects; });
    notify(link_state::reconnected, url + ": reconnected");
    check_expected_profile();
  }

  void start(std::unique_ptr<transport::link> l) {
    attach_channel();
    channel->open(std::move(l), true);
    connected = true;
    notify(link_state::connected, url + ": connected");
    check_expected_profile();
  }

  // Closing from the destructor: the owner's state and event handlers may refer
  // to objects already gone, so they hear nothing more. Pending requests still
  // complete with `closed`, as documented.
  void close_silently() {
    state_handler = nullptr;
    observer = nullptr;
    update_observer();
    event_handlers.clear();
    close();
  }

  void close() {
    if (closed) return;
    closed = true;
    timeout_timer.cancel();
    reconnect_timer.cancel();
    connected = false;
    channel->close();
    fail_all(request_errc::closed, "the session is closed");
    notify(link_state::closed, url + ": closed");
  }

  // ---- profiles --------------------------------------------------------------

  // Fetches the device's profile text chunk by chunk, then calls done(error, text, hash).
  void fetch_profile_text(std::chrono::milliseconds timeout,
                          std::function<void(std::exception_ptr, std::string, std::uint64_t)> done,
                          std::shared_ptr<std::string> text = std::make_shared<std::string>()) {
    const std::size_t room = std::max<std::size_t>(builtin::max_describe_chunk(opt.max_payload_size), 1);
    const builtin::describe_request req{static_cast<std::uint32_t>(text->size()),
                                        static_cast<std::uint16_t>(std::min<std::size_t>(room, 0xFFFF))};
    request(builtin::describe::id, core::encode(req, builtin_endian),
            [self = shared_from_this(), timeout, done, text](std::exception_ptr e, std::span<const std::uint8_t> p) {
              if (e) return done(e, {}, 0);
              builtin::describe_response r;
              try {
                core::decode_into(p, r, builtin_endian);
              } catch (const core::codec_error& err) {
                return done(std::make_exception_ptr(request_error(request_errc::bad_reply, builtin::describe::id,
                                                                  std::string("describe: ") + err.what())),
                            {}, 0);
              }
              if (r.total > max_profile_text_bytes || text->size() + r.chunk.size() > r.total ||
                  (r.chunk.empty() && text->size() < r.total))
                return done(std::make_exception_ptr(request_error(
                                request_errc::bad_reply, builtin::describe::id,
                                "describe: the device's chunks do not add up to its total of " + std::to_string(r.total))),
                            {}, 0);
              text->append(r.chunk.begin(), r.chunk.end());
              if (text->size() < r.total) return self->fetch_profile_text(timeout, done, text);
              done(nullptr, std::move(*text), r.hash);
            },
            timeout, std::string(builtin::describe::name));
  }

  void check_expected_profile() {
    if (!opt.expected_profile || !traits.describe) return;  // a device with another framing cannot answer describe
    auto expected = opt.expected_profile;
    const builtin::describe_request req{0, 0};
    request(builtin::describe::id, core::encode(req, builtin_endian),
            [self = shared_from_this(), expected](std::exception_ptr e, std::span<const std::uint8_t> p) {
              if (e) return;  // an old device without describe, or the link went again: nothing to compare
              builtin::describe_response r;
              try {
                core::decode_into(p, r, builtin_endian);
              } catch (const core::codec_error&) {
                return;
              }
              if (r.hash == expected->hash()) return;
              self->fetch_profile_text(self->opt.timeout, [self, expected](std::exception_ptr e2, std::string text,
                                                                           std::uint64_t) {
                std::string detail = self->url + ": the device's profile differs from the expected one";
                if (!e2) {
                  try {
                    const auto diffs = expected->differences(profile::parse(text));
                    std::string names;
                    for (const auto& d : diffs) names += (names.empty() ? "" : ", ") + d;
                    if (!names.empty()) detail += " in: " + names;
                  } catch (const comframe::error& err) {
                    detail += " (its profile does not load: " + std::string(err.what()) + ")";
                  }
                }
                self->notify(link_state::profile_mismatch, detail);
              });
            },
            opt.timeout, std::string(builtin::describe::name));
  }
};

// ---- session -----------------------------------------------------------------

session::session(const std::string& url, session_options options)
    : url_(url), options_(std::move(options)), runner_(std::make_unique<runner>()) {
  auto l = transport::open_link(runner_->io, url_);  // throws link_error: nothing started yet
  if (options_.bridge && options_.expected_profile) options_.bridge->set_profile(*options_.expected_profile);
  impl_ = std::make_shared<impl>(runner_->io, url_, options_);
  boost::asio::post(runner_->io, [i = impl_, l = std::move(l)]() mutable { i->start(std::move(l)); });
  runner_->thread = std::thread([r = runner_.get()] { r->io.run(); });
}

session::session(boost::asio::io_context& io, const std::string& url, session_options options)
    : url_(url), options_(std::move(options)) {
  auto l = transport::open_link(io, url_);
  if (options_.bridge && options_.expected_profile) options_.bridge->set_profile(*options_.expected_profile);
  impl_ = std::make_shared<impl>(io, url_, options_);
  boost::asio::post(io, [i = impl_, l = std::move(l)]() mutable { i->start(std::move(l)); });
}

session::~session() {
  auto& io = impl_->io;
  if (io.get_executor().running_in_this_thread() || io.stopped()) {
    impl_->close_silently();  // on the I/O thread, or nothing runs the io_context: no one else touches impl_
  } else {
    // Close on the I/O thread and wait, so that no handler of ours runs after the
    // destructor returns; the inner post runs after the cancelled operations' handlers.
    auto done = std::make_shared<std::promise<void>>();
    auto finished = done->get_future();
    boost::asio::post(io, [i = impl_, done, &io] {
      i->close_silently();
      boost::asio::post(io, [done] { done->set_value(); });
    });
    finished.wait();
  }
  if (runner_) {
    runner_->work.reset();
    if (runner_->thread.joinable()) runner_->thread.join();
  }
}

void session::check_not_io_thread_for_wait() const {
  if (impl_->io.get_executor().running_in_this_thread())
    throw comframe::usage_error("devices", "a blocking session call was made on the session's I/O thread (from a "
                                           "handler); it would wait for itself: use async_request there");
}

void session::async_request_raw(std::uint16_t command, std::vector<std::uint8_t> payload, reply_handler handler,
                                std::optional<std::chrono::milliseconds> timeout, std::string_view name) {
  // On the I/O thread (a handler chaining requests) this runs at once: no post, no reactor wake-up.
  boost::asio::dispatch(impl_->io, [i = impl_, command, payload = std::move(payload), handler = std::move(handler),
                                    t = timeout.value_or(options_.timeout), n = std::string(name)]() mutable {
    i->request(command, std::move(payload), std::move(handler), t, std::move(n));
  });
}

void session::async_request_bytes(std::uint16_t command, std::span<const std::uint8_t> payload, reply_handler handler,
                                  std::optional<std::chrono::milliseconds> timeout, std::string_view name) {
  // On the I/O thread the payload is written before this returns: no copy.
  if (impl_->io.get_executor().running_in_this_thread()) {
    impl_->request(command, payload, std::move(handler), timeout.value_or(options_.timeout), std::string(name));
    return;
  }
  async_request_raw(command, std::vector<std::uint8_t>(payload.begin(), payload.end()), std::move(handler), timeout, name);
}

void session::send_raw(std::uint16_t command, std::vector<std::uint8_t> payload) {
  boost::asio::dispatch(impl_->io, [i = impl_, command, payload = std::move(payload)] {
    if (!i->connected || payload.size() > i->opt.max_payload_size) {
      i->count([](session_stats& s) { ++s.dropped_sends; });
      return;
    }
    i->count([](session_stats& s) { ++s.sends; });
    i->write_frame(transport::frame_kind::request, command, 0, payload);
  });
}

void session::on_event_raw(std::uint16_t id, event_handler handler) {
  boost::asio::post(impl_->io, [i = impl_, id, handler = std::move(handler)]() mutable {
    if (handler) i->event_handlers[id] = std::move(handler);
    else i->event_handlers.erase(id);
  });
}

void session::on_link_state(std::function<void(link_state, const std::string&)> handler) {
  boost::asio::post(impl_->io, [i = impl_, handler = std::move(handler)]() mutable { i->state_handler = std::move(handler); });
}

void session::observe_frames(std::function<void(const frame_record&)> observer) {
  boost::asio::post(impl_->io, [i = impl_, observer = std::move(observer)]() mutable {
    i->observer = std::move(observer);
    i->update_observer();
  });
}

session_stats session::stats() const { return impl_->snapshot(); }

bool session::connected() const noexcept { return impl_->connected; }

const transport::framing_traits& session::framing_traits() const noexcept { return impl_->traits; }

namespace {
template <class T>
T wait_for(std::future<T>& f) {
  return f.get();
}
}  // namespace

nlohmann::json session::request_json(const profile& p, std::string_view command, const nlohmann::json& args,
                                     std::optional<std::chrono::milliseconds> timeout) {
  check_not_io_thread_for_wait();
  auto future = request_json_async(p, command, args, timeout);
  return wait_for(future);
}

std::future<nlohmann::json> session::request_json_async(const profile& p, std::string_view command,
                                                        const nlohmann::json& args,
                                                        std::optional<std::chrono::milliseconds> timeout) {
  const command_info* c = p.find_command(command);
  if (!c) {
    std::string names;
    for (const auto& x : p.commands()) names += (names.empty() ? "" : ", ") + x.name;
    throw comframe::error("devices.unknown_command", "the profile of " + (p.device().empty() ? std::string("the device") : core::printable_text(p.device())) +
                                                         " has no command \"" + std::string(command) + "\" (it has: " + names + ")");
  }
  const core::endian order = payload_order(c->id >= first_reserved_command, p.payload_endian());
  auto payload = core::encode(c->request, args, order);
  auto promise = std::make_shared<std::promise<nlohmann::json>>();
  auto future = promise->get_future();
  const core::schema response = c->response;
  const std::uint16_t id = c->id;
  const std::string name = c->name;
  async_request_raw(
      id, std::move(payload),
      [promise, response, order, id, name](std::exception_ptr e, std::span<const std::uint8_t> bytes) {
        if (e) return promise->set_exception(e);
        try {
          promise->set_value(core::decode(response, bytes, order));
        } catch (const core::codec_error& err) {
          promise->set_exception(std::make_exception_ptr(
              request_error(request_errc::bad_reply, id, "the reply to " + name + " does not decode: " + err.what())));
        }
      },
      timeout, name);
  return future;
}

std::size_t session::max_describe_chunk() const noexcept {
  return builtin::max_describe_chunk(options_.max_payload_size);
}

namespace {

std::string hash_hex(std::uint64_t hash) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

// A cached profile, or nothing: the file is outside input, used only when it
// loads and its hash is the device's.
std::optional<profile> cached_profile(const std::string& dir, std::uint64_t hash) {
  const auto path = std::filesystem::path(dir) / (hash_hex(hash) + ".json");
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > max_profile_text_bytes) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::string text(size, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size))) return std::nullopt;
  try {
    auto p = profile::parse(text);
    if (p.hash() == hash) return p;
  } catch (const comframe::error&) {
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// Writes under a temporary name and renames, so a reader never sees half a file.
void store_profile(const std::string& dir, std::uint64_t hash, const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const auto path = std::filesystem::path(dir) / (hash_hex(hash) + ".json");
  const auto tmp = path.string() + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!(out << text) || !out.flush()) {
      std::filesystem::remove(tmp, ec);
      return;
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

}  // namespace

profile session::fetch_profile(std::optional<std::chrono::milliseconds> timeout) {
  fetch_options o;
  o.timeout = timeout;
  return fetch_profile(o);
}

profile session::fetch_profile(const fetch_options& fo) {
  check_not_io_thread_for_wait();
  if (!impl_->traits.describe)
    throw comframe::error("devices.no_describe",
                          url_ + ": the device's framing is not comframe's, so it cannot answer describe: its profile "
                                 "must come from a file (--profile FILE, or session_options::expected_profile)");
  using std::chrono::milliseconds;
  constexpr auto id = builtin::describe::id;
  const auto deadline = clock::now() + fo.deadline;
  const milliseconds base_timeout = fo.timeout.value_or(options_.timeout);
  const std::size_t largest = std::clamp<std::size_t>(max_describe_chunk(), 1, 0xFFFF);
  const std::uint32_t baud = named_baud(url_);
  // The line's rate in bytes per second: from the URL's baud (8N1), or measured
  // from a reply that was still arriving when its attempt timed out; 0 unknown.
  std::uint64_t rate = baud / 10;
  // Line time of a reply carrying `n` bytes of text (frame overhead and COBS included), when the rate is known.
  auto line_time = [&](std::size_t n) {
    return rate ? milliseconds((n + 40) * 1000 / rate + 1) : milliseconds(0);
  };
  auto attempt_timeout = [&](std::size_t n) { return std::max(base_timeout, 2 * line_time(n) + milliseconds(100)); };
  // Start small where the rate is unknown (a slow line must not time out on the
  // first chunk); sized to a quarter of the timeout's line time where it is known.
  std::size_t chunk = baud ? std::clamp<std::size_t>(std::size_t{baud} / 10 * base_timeout.count() / 4000, 16, largest)
                           : std::min<std::size_t>(256, largest);
  std::string text;
  std::uint32_t total = 0;
  bool have_total = false;

  // Past the deadline the fetch ends: the error is not one an attempt retries.
  bool past_deadline = false;
  auto deadline_error = [&] {
    past_deadline = true;
    return request_error(request_errc::timeout, id,
                         "describe: the profile was not complete within " + std::to_string(fo.deadline.count()) + " ms" +
                             (have_total ? " (" + std::to_string(text.size()) + " of " + std::to_string(total) + " bytes)"
                                         : std::string(" (not even its size)")));
  };
  auto check_stop_and_deadline = [&] {
    if (fo.stop && fo.stop()) throw request_error(request_errc::closed, id, "describe: stopped");
    if (clock::now() >= deadline) throw deadline_error();
  };
  // Waits `d` in slices, so that a stop request or the deadline ends the wait.
  auto pause = [&](milliseconds d) {
    for (const auto until = clock::now() + d; clock::now() < until;) {
      check_stop_and_deadline();
      std::this_thread::sleep_for(std::min<clock::duration>(milliseconds(20), until - clock::now()));
    }
  };
  // While an exchange waits: when the last byte came from the line (a reply
  // still crossing a slow line keeps it recent until the timeout).
  std::uint64_t bytes_seen = 0;
  clock::time_point last_byte_at;
  // One describe exchange; waits in slices so that a stop request or the deadline ends it.
  auto exchange = [&](std::uint32_t offset, std::uint16_t max_bytes, milliseconds t) {
    auto promise = std::make_shared<std::promise<std::vector<std::uint8_t>>>();
    auto future = promise->get_future();
    const auto payload = core::encode(builtin::describe_request{offset, max_bytes}, builtin_endian);
    boost::asio::post(impl_->io, [i = impl_, promise, payload, t] {
      i->request(
          id, payload,
          [promise](std::exception_ptr e, std::span<const std::uint8_t> p) {
            if (e) promise->set_exception(e);
            else promise->set_value({p.begin(), p.end()});
          },
          t, std::string(builtin::describe::name), true);
    });
    while (future.wait_for(milliseconds(20)) != std::future_status::ready) {
      check_stop_and_deadline();
      if (const auto b = stats().decoder.bytes; b != bytes_seen) {
        bytes_seen = b;
        last_byte_at = clock::now();
      }
    }
    builtin::describe_response r;
    try {
      core::decode_into(future.get(), r, builtin_endian);
    } catch (const core::codec_error& err) {
      throw request_error(request_errc::bad_reply, id, std::string("describe: ") + err.what());
    }
    return r;
  };
  // An exchange retried after a timeout or a broken reply, each time asking for
  // half as much; a device that sends nothing at all gets one retry (the first
  // request may have been lost in noise on the line), others `attempts`.
  int quick = 0;
  auto with_retries = [&](std::uint32_t offset, std::size_t& want) {
    int silent = 0;
    for (int attempt = 1;; ++attempt) {
      const auto before = stats();
      const auto started = clock::now();
      bytes_seen = before.decoder.bytes;
      last_byte_at = started;
      try {
        auto r = exchange(offset, static_cast<std::uint16_t>(want), attempt_timeout(want));
        // Four quick replies in a row: ask for more next time.
        quick = clock::now() - started < attempt_timeout(want) / 8 ? quick + 1 : 0;
        if (want && want < largest && quick >= 4) {
          want = std::min(want * 2, largest);
          quick = 0;
        }
        return r;
      } catch (const request_error& e) {
        if (past_deadline || (e.kind() != request_errc::timeout && e.kind() != request_errc::bad_reply)) throw;
        // Silence is no byte at all: a reply still on its way (a slow line whose
        // rate the URL does not name) is not silence, and a smaller chunk may fit.
        const auto after = stats().decoder;
        const auto arrived = after.bytes - before.decoder.bytes;
        const bool nothing = arrived == 0;
        const bool no_whole_frame = after.frames == before.decoder.frames && after.errors() == before.decoder.errors();
        const bool still_arriving = clock::now() - last_byte_at < milliseconds(100);
        if (!baud && arrived > 0 && no_whole_frame && still_arriving && e.kind() == request_errc::timeout) {
          // Bytes came until the timeout, but not one whole frame: a reply still
          // crossing a slow line the URL does not name (a frame that lost its
          // 0x00 to noise stops growing long before). Measure the line and ask
          // for 3 s of it at a time (want is halved below), with timeouts that
          // follow the line time.
          const auto ms =
              std::max<std::int64_t>(1, std::chrono::duration_cast<milliseconds>(last_byte_at - started).count());
          const std::uint64_t measured = std::max<std::uint64_t>(1, arrived * 1000 / static_cast<std::uint64_t>(ms));
          if (rate == 0 || measured < rate) rate = measured;
          if (want) want = 2 * std::clamp<std::uint64_t>(rate * 3, 16, largest);
        }
        silent = nothing ? silent + 1 : 0;
        quick = 0;
        if (attempt >= std::max(fo.attempts, 1) || silent >= 2)
          throw request_error(e.kind(), id, e.detail() + ", after " + std::to_string(attempt) +
                                                (attempt == 1 ? " attempt" : " attempts"));
        if (want > 16) want /= 2;
        // After a broken reply, let the rest of it (a flipped byte may have made
        // 0x00 and split it in two) pass before asking again, so it does not
        // fail the retry as well.
        if (e.kind() == request_errc::bad_reply) pause(milliseconds(20) + line_time(want));
        check_stop_and_deadline();
      }
    }
  };

  std::size_t none = 0;
  quick = 0;
  const auto head = with_retries(0, none);
  total = head.total;
  have_total = true;
  if (total > max_profile_text_bytes)
    throw request_error(request_errc::bad_reply, id,
                        "describe: the device's profile of " + std::to_string(total) + " bytes exceeds the limit of " +
                            std::to_string(max_profile_text_bytes));
  if (fo.known && fo.known->hash() == head.hash) return *fo.known;
  if (!fo.cache_dir.empty()) {
    if (auto p = cached_profile(fo.cache_dir, head.hash)) {
      if (options_.bridge) options_.bridge->set_profile(*p);
      return std::move(*p);
    }
  }
  text.reserve(total);
  while (text.size() < total) {
    const auto r = with_retries(static_cast<std::uint32_t>(text.size()), chunk);
    if (r.hash != head.hash || r.total != total)
      throw request_error(request_errc::bad_reply, id, "describe: the device's profile changed while it was fetched");
    if (r.chunk.empty() || r.chunk.size() > total - text.size())
      throw request_error(request_errc::bad_reply, id,
                          "describe: the device's chunks do not add up to its total of " + std::to_string(total) +
                              " (a chunk of " + std::to_string(r.chunk.size()) + " bytes at offset " +
                              std::to_string(text.size()) + ")");
    text.append(r.chunk.begin(), r.chunk.end());
  }
  // Text that does not load is a broken reply like any other (a byte changed on
  // the way that the frame check did not catch, or a device's bug), never a
  // profile_error out of a fetch (found by fuzz/describe_reply_fuzz.cpp).
  std::optional<profile> loaded;
  try {
    loaded = profile::parse(text);
  } catch (const comframe::error& e) {
    throw request_error(request_errc::bad_reply, id, std::string("describe: the device's profile text does not load: ") + e.what());
  }
  if (loaded->hash() != head.hash)
    throw request_error(request_errc::bad_reply, id, "describe: the device's profile text does not match the hash it reports");
  if (!fo.cache_dir.empty()) store_profile(fo.cache_dir, head.hash, text);
  if (options_.bridge) options_.bridge->set_profile(*loaded);
  return std::move(*loaded);
}

session::profile_check session::check_profile(const profile& expected) { return check_profile(expected, {}); }

session::profile_check session::check_profile(const profile& expected, fetch_options options) {
  options.known = &expected;
  const profile device = fetch_profile(options);
  profile_check check;
  check.device_hash = device.hash();
  check.matches = check.device_hash == expected.hash();
  if (!check.matches) check.differences = expected.differences(device);
  return check;
}

}  // namespace comframe::devices

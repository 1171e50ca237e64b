// comframe/devices/session.hpp — the host side of a device link: typed
// requests with timeouts, fire-and-forget sends, device events, reconnects.
//
//   comframe::devices::session s("/dev/ttyUSB0?baud=115200");   // or a pty path, tcp://…, loop://…
//   DeviceInfo info = s.request<GetInfo>({});                   // waits, default timeout 1 s
//   auto reading = s.request_async<ReadSensors>({});             // std::future
//   s.send<SetLed>({.index = 2, .rgb = {255, 0, 0}});            // no reply awaited
//   s.on_event<Telemetry>([](const Sample& x) { … });            // device's own frames
//   s.on_link_state([](link_state st, const std::string& why) { … });
//
// With comframe's own framing, replies are matched to requests by sequence
// number, never by order: a late reply (its request already timed out) or one
// nobody asked for is counted in stats() and dropped, never handed to another
// caller. An error-kind reply raises request_error with kind device_error and
// the device's code; its message quotes the device's text as
// core::printable_text shows it (control characters and a NUL escaped, cut
// after 256 bytes saying so).
//
// A device that speaks its own protocol has its framing in its profile
// (profile::framing(), docs/framing.md); the session uses it when
// options.expected_profile has one. Its replies match as the framing's
// traits().replies says (docs/protocol.md, "Reply matching"):
//   sequence         as above; sequence numbers wrap at traits().max_sequence;
//   command          a reply answers the request outstanding when its command is the request's;
//   address_command  … when its device address and command are the request's;
//   order            the next reply answers the request outstanding.
// In the last three, ONE request is outstanding at a time: later requests wait
// in a queue, in the order they were made, and each is written when the one
// before it has its reply, its error or its timeout (a request's timeout starts
// when it is written). Requests go to options.address (default: the framing's
// default address); a request to the framing's broadcast address is answered
// by no device: it completes, with an empty reply, once it is queued for
// writing. An error reply (by the framing's error rule) is a device_error with
// the device's code, its message the code's name ("illegal_data_address").
// Such a device cannot answer describe: fetch_profile() and check_profile()
// throw comframe::error "devices.no_describe" saying the profile must come
// from a file (--profile FILE).
//
// Link loss: when the port vanishes (USB unplug, simulator stopped) every
// pending request fails with request_errc::link_lost, on_link_state reports
// it, and the session reopens the same URL with exponential backoff until the
// port is back (a symlink to a new pty, a re-enumerated USB device). Requests
// made while the link is down fail at once with not_connected.
//
// Thread safety
// -------------
// Every public member function may be called from any thread at any time.
// Handlers (events, link state, frame observers, async completions) run on the
// session's I/O thread, one at a time; a handler must not call a blocking
// member (request<>(), fetch_profile(), check_profile(), stats() is fine) —
// that would wait for itself, so it throws a comframe::usage_error "devices.usage".
// A session built on the caller's io_context needs that io_context to run on
// one thread; one built without one runs its own I/O thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <array>
#include <span>
#include <string>
#include <vector>

#include "comframe/core/error.hpp"
#include "comframe/core/json.hpp"
#include "comframe/devices/command.hpp"
#include "comframe/devices/frame_record.hpp"
#include "comframe/devices/profile.hpp"
#include "comframe/transport/frame.hpp"
#include "comframe/transport/framing.hpp"

namespace comframe::devices {

/// Why a request did not produce its reply.
enum class request_errc : std::uint8_t {
  timeout,        ///< no reply within the timeout; the session stays usable
  link_lost,      ///< the port vanished while the request was pending
  not_connected,  ///< the port is down (the session is reconnecting)
  device_error,   ///< the device answered with an error-kind reply (see device_code())
  bad_reply,      ///< the reply's payload does not decode as the response type
  closed,         ///< the session was closed
  too_large,      ///< the request payload exceeds the maximum payload size
};
std::string_view to_string(request_errc kind) noexcept;

/// A failed request. id() is "devices.<kind>", e.g. "devices.timeout"; what()
/// names the command: "[devices.timeout] get_info: no reply within the timeout".
class request_error : public comframe::error {
 public:
  request_error(request_errc kind, std::uint16_t command, const std::string& message, std::uint16_t device_code = 0);
  request_errc kind() const noexcept { return kind_; }
  std::uint16_t command() const noexcept { return command_; }
  /// The device's error code, for kind() == device_error.
  std::uint16_t device_code() const noexcept { return device_code_; }

 private:
  request_errc kind_;
  std::uint16_t command_;
  std::uint16_t device_code_;
};

enum class link_state : std::uint8_t { connected, lost, reconnected, closed, profile_mismatch };
std::string_view to_string(link_state state) noexcept;

class bridge_feed;  // devices/bridge_feed.hpp

struct session_options {
  std::chrono::milliseconds timeout{1000};            ///< default request timeout
  /// When set, on every connect the session asks the device for its profile hash
  /// and, if it differs, reports link_state::profile_mismatch naming the commands
  /// and events whose definitions differ.
  std::shared_ptr<const profile> expected_profile;
  bool reconnect = true;                              ///< reopen the URL after link loss
  std::chrono::milliseconds reconnect_initial{50};    ///< first retry delay, doubled up to reconnect_max
  std::chrono::milliseconds reconnect_max{2000};
  std::size_t max_payload_size = transport::default_max_payload_size;
  core::endian payload_endian = core::endian::little; ///< byte order of payloads (the profile's "endian")
  /// When set, every frame sent, received or refused is published to this
  /// shared-memory bridge (devices/bridge_feed.hpp), with the profile from
  /// expected_profile or fetch_profile() in its latest-value store.
  std::shared_ptr<bridge_feed> bridge;
  /// How frames sit on the line (transport/framing.hpp); empty: the framing of
  /// expected_profile (profile::framing()) when it has one, else comframe's own
  /// (COBS, CRC-32C, its 6-byte header).
  transport::framing_factory framing{};
  /// The device's payload schemas, for a framing that finds a frame's length
  /// from them (devices::profile_schemas, frame_json.hpp); empty: those of
  /// expected_profile, if set.
  std::shared_ptr<const transport::payload_schemas> payload_schemas;
  /// The device address requests go to, on a framing whose frames carry one
  /// (framing_traits::has_address); empty: the framing's default_address (the
  /// profile's "framing"."address"). Ignored by framings without addresses.
  std::optional<std::uint16_t> address{};
};

/// Counters since the session was made. A snapshot; cheap to take.
struct session_stats {
  std::uint64_t requests = 0;            ///< requests written to the link
  std::uint64_t sends = 0;               ///< fire-and-forget frames written
  std::uint64_t replies = 0;             ///< replies handed to their request
  std::uint64_t error_replies = 0;       ///< of those, error-kind replies
  std::uint64_t timeouts = 0;
  std::uint64_t broken_replies = 0;      ///< requests abandoned early because a broken frame came instead
  std::uint64_t late_replies = 0;        ///< replies whose sequence number no pending request has (or, matching
                                         ///< otherwise, while none is outstanding): dropped
  std::uint64_t mismatched_replies = 0;  ///< right sequence number (or the one outstanding request), other command
                                         ///< or device address: dropped
  std::uint64_t broadcasts = 0;          ///< requests to the broadcast address: written, no reply awaited
  std::uint64_t events = 0;              ///< events handed to a handler
  std::uint64_t unhandled_events = 0;    ///< events with no handler: dropped
  std::uint64_t unexpected_frames = 0;   ///< request-kind frames from the device: dropped
  std::uint64_t dropped_sends = 0;       ///< sends while the link was down
  std::uint64_t link_losses = 0;
  std::uint64_t reconnects = 0;
  transport::decoder_stats decoder;      ///< frames and framing errors on the way in
};

class session {
 public:
  /// Opens `url` (see docs/ports.md) and runs its own I/O thread.
  /// Throws transport::link_error when the port cannot be opened.
  explicit session(const std::string& url, session_options options = {});
  /// Opens `url` on the caller's io_context, which must run on one thread.
  session(boost::asio::io_context& io, const std::string& url, session_options options = {});
  /// Closes the link; pending requests fail with request_errc::closed. Event,
  /// link-state and frame handlers are not called any more (they may refer to
  /// objects already destroyed). Waits
  /// until the I/O thread has done so, so no handler runs after it returns. With
  /// a caller's io_context, destroy the session while that io_context runs (or
  /// after it has stopped), never while nothing runs it.
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // ---- typed commands (command.hpp) ----------------------------------------

  /// Sends the request and waits for the typed reply. Throws request_error.
  template <class Cmd>
  typename Cmd::response request(const typename Cmd::request& req, std::optional<std::chrono::milliseconds> timeout = {}) {
    return request_async<Cmd>(req, timeout).get();
  }

  /// Sends the request; the future holds the reply or the request_error.
  template <class Cmd>
  std::future<typename Cmd::response> request_async(const typename Cmd::request& req,
                                                    std::optional<std::chrono::milliseconds> timeout = {}) {
    check_not_io_thread_for_wait();
    auto promise = std::make_shared<std::promise<typename Cmd::response>>();
    auto future = promise->get_future();
    async_request<Cmd>(req, [promise](std::exception_ptr e, typename Cmd::response r) {
      if (e) promise->set_exception(e);
      else promise->set_value(std::move(r));
    }, timeout);
    return future;
  }

  /// Sends the request; `handler(std::exception_ptr error, Cmd::response reply)`
  /// runs on the I/O thread (error is null on success).
  template <class Cmd, class Handler>
  void async_request(const typename Cmd::request& req, Handler handler,
                     std::optional<std::chrono::milliseconds> timeout = {}) {
    const core::endian order = payload_order(Cmd::id >= first_reserved_command, options_.payload_endian);
    auto on_reply = [handler = std::move(handler), order](std::exception_ptr e, std::span<const std::uint8_t> p) mutable {
      typename Cmd::response r{};
      if (!e) {
        try {
          core::decode_into(p, r, order);
        } catch (const core::codec_error& err) {
          e = std::make_exception_ptr(request_error(
              request_errc::bad_reply, Cmd::id,
              "the reply to " + std::string(Cmd::name) + " does not decode: " + err.what()));
        }
      }
      handler(e, std::move(r));
    };
    using request_type = typename Cmd::request;
    if constexpr (core::is_fixed_size_v<request_type> && core::min_size<request_type>() <= 256) {
      // A fixed-size request is encoded on the stack, not into a vector per request.
      std::array<std::uint8_t, core::min_size<request_type>()> bytes{};
      core::encode(req, std::span<std::uint8_t>(bytes), order);
      async_request_bytes(Cmd::id, bytes, std::move(on_reply), timeout, Cmd::name);
    } else {
      async_request_raw(Cmd::id, core::encode(req, order), std::move(on_reply), timeout, Cmd::name);
    }
  }

  /// Sends the command without waiting for (or accepting) a reply.
  template <class Cmd>
  void send(const typename Cmd::request& req) {
    send_raw(Cmd::id, core::encode(req, payload_order(Cmd::id >= first_reserved_command, options_.payload_endian)));
  }

  /// Calls `handler` for every event Ev from the device (replaces an earlier handler).
  /// An event whose payload does not decode is counted in unhandled_events.
  template <class Ev>
  void on_event(std::function<void(const typename Ev::payload&)> handler) {
    const core::endian order = options_.payload_endian;
    on_event_raw(Ev::id, [handler = std::move(handler), order, value = typename Ev::payload{}](
                             std::span<const std::uint8_t> p) mutable {
      core::decode_into(p, value, order);
      handler(value);
    });
  }

  // ---- untyped: by command id or by a profile ------------------------------

  using reply_handler = std::function<void(std::exception_ptr error, std::span<const std::uint8_t> payload)>;
  using event_handler = std::function<void(std::span<const std::uint8_t> payload)>;

  /// Sends a request with these payload bytes; the handler gets the reply payload
  /// (valid during the call) or the error. `name` is used in error messages.
  void async_request_raw(std::uint16_t command, std::vector<std::uint8_t> payload, reply_handler handler,
                         std::optional<std::chrono::milliseconds> timeout = {}, std::string_view name = {});
  void send_raw(std::uint16_t command, std::vector<std::uint8_t> payload);
  /// Handler for event `id`; it may throw core::codec_error for a payload it cannot read.
  void on_event_raw(std::uint16_t id, event_handler handler);

  /// Calls `command` of profile `p` with JSON arguments and returns the decoded reply.
  /// Throws request_error, or core::codec_error for arguments that do not fit the request schema.
  nlohmann::json request_json(const profile& p, std::string_view command, const nlohmann::json& args,
                              std::optional<std::chrono::milliseconds> timeout = {});
  /// As request_json, without waiting: the future holds the reply or the request_error.
  /// Throws (at once) what request_json throws before sending.
  std::future<nlohmann::json> request_json_async(const profile& p, std::string_view command, const nlohmann::json& args,
                                                 std::optional<std::chrono::milliseconds> timeout = {});

  /// How fetch_profile() asks for a profile.
  struct fetch_options {
    /// Per describe exchange; default: the session's timeout, raised to twice a
    /// chunk's line time when the URL names the baud rate.
    std::optional<std::chrono::milliseconds> timeout;
    /// Overall limit for the whole profile, however the device answers.
    std::chrono::milliseconds deadline{30000};
    /// Attempts per chunk (a timeout or a broken reply is retried with a smaller chunk).
    int attempts = 12;
    /// When not empty: profiles are kept there as <hash>.json (16 hex digits),
    /// and a device whose hash is there is asked only for its hash. A cached file
    /// is used only when it loads and its hash matches.
    std::string cache_dir;
    /// Polled while waiting; returning true abandons the fetch with request_errc::closed.
    std::function<bool()> stop;
    /// A profile already at hand (a file the user named): when the device's hash
    /// is its hash, it is returned and nothing more is asked.
    const profile* known = nullptr;
  };
  /// Asks the device for its profile through the built-in describe command
  /// (always little-endian, whatever the profile's byte order; docs/protocol.md):
  /// first its hash and size, then the text chunk by chunk. Chunks start small
  /// (or sized to the line rate when the URL names it), grow while replies come
  /// quickly and halve after a timeout or a broken reply; each is retried.
  /// Throws request_error: timeout (the deadline passed, or a chunk's attempts
  /// ran out), bad_reply, device_error, link_lost, closed.
  profile fetch_profile(const fetch_options& options);
  profile fetch_profile(std::optional<std::chrono::milliseconds> timeout = {});

  struct profile_check {
    bool matches = false;
    std::uint64_t device_hash = 0;
    std::vector<std::string> differences;  ///< commands and events whose definitions differ
  };
  /// Compares the device's profile hash with `expected`'s; on a mismatch fetches the
  /// device's profile (as fetch_profile(options) does, cache, deadline and stop
  /// included) and names what differs.
  profile_check check_profile(const profile& expected, fetch_options options);
  profile_check check_profile(const profile& expected);

  /// The largest chunk of profile text one describe reply can carry with this
  /// session's payload limit: max_payload_size minus the reply's 12 bytes of
  /// hash and total.
  std::size_t max_describe_chunk() const noexcept;

  // ---- state ----------------------------------------------------------------

  /// Called on every change of the link's state, with a reason ("/dev/pts/3: link lost").
  void on_link_state(std::function<void(link_state, const std::string& detail)> handler);
  /// Called for every frame written and every frame received (good or refused).
  void observe_frames(std::function<void(const frame_record&)> observer);
  session_stats stats() const;
  bool connected() const noexcept;
  const std::string& url() const noexcept { return url_; }
  /// The traits of the framing the session speaks (how replies match, addresses, describe).
  const transport::framing_traits& framing_traits() const noexcept;
  const session_options& options() const noexcept { return options_; }

  struct impl;
  struct runner;

 private:
  void check_not_io_thread_for_wait() const;
  // As async_request_raw, the payload borrowed for the call: on the I/O thread
  // it is written at once; elsewhere it is copied and posted.
  void async_request_bytes(std::uint16_t command, std::span<const std::uint8_t> payload, reply_handler handler,
                           std::optional<std::chrono::milliseconds> timeout, std::string_view name);
  std::string url_;
  session_options options_;
  std::unique_ptr<runner> runner_;  // the session's own io_context and thread, if it has them
  std::shared_ptr<impl> impl_;      // destroyed first: the I/O thread is joined before runner_ goes
};

}  // namespace comframe::devices

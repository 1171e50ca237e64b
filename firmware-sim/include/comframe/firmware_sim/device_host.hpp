// comframe/firmware_sim/device_host.hpp — serves a device on a link (the
// device side; the PC's side is devices::session): reads request frames,
// answers them through the device's handlers, sends events.
//
//   boost::asio::io_context io;
//   device_host host(io, transport::open_link(io, "loop://bench"), dev);
//   host.emit<Telemetry>(sample);      // from any thread
//   io.run();
//
// The device speaks its profile's framing (devices::profile::framing(),
// docs/framing.md) unless options.framing says otherwise: comframe's own by
// default. A reply copies its request's command, sequence number and device
// address. On a framing whose frames carry an address, the device is
// options.address (default: the framing's "address"): requests for another
// address are ignored and counted (stats().other_address); requests to the
// framing's broadcast address run their handler and are never answered
// (stats().broadcasts). On a framing without sequence numbers every other
// request is answered; on one with them, sequence 0 is a send (no reply).
// Error replies are written as the framing writes them
// (transport::framing::error_payload: comframe's code and message, Modbus's
// exception code).
//
// Reply faults: with options.faults, each reply made asks the injector's
// next_reply() (fault_injector.hpp): one dropped by `never` is counted in
// stats().replies but never written — the host sees a timeout, not a broken
// frame; one made `late` waits late_ms outside the write queues, so events
// and other replies go on meanwhile, then is queued as any reply (whole, in
// the framing's bytes). Replies held back late are bounded too: at most
// options.max_reply_backlog_bytes of them (in the framing's bytes) wait at
// once; one that does not fit is dropped and counted in
// stats().replies_dropped. This is the same for every framing.
//
// Bytes that are not good frames are counted (stats().decoder) and skipped, as
// firmware resynchronising at the next 0x00 would; good frames of a kind a
// device does not take (response, event, error) are ignored and counted
// (stats().wrong_kind). Decorate the link (pacing, fault injection) to change
// what the host sees.
//
// What waits for the line, and what is dropped
// --------------------------------------------
// Frames wait in two queues. Replies (responses and error replies) always go
// out before queued events; events go out in the order emitted. Each queue is
// bounded, counting the frames waiting and those of the write in progress
// (handed to the link, not yet completed):
//   - events: at most event_backlog_bytes(options.baud) — 20 ms of line time
//     when the baud is known, but always room for one frame when no event
//     waits; 4 KiB when it is not known (baud 0). An event that does not fit
//     is dropped and counted (stats().events_dropped), as firmware with a full
//     transmit ring drops samples. So between a request's arrival and its
//     reply the device sends at most that many event bytes.
//   - replies: at most options.max_reply_backlog_bytes. When a new reply does
//     not fit (a host writing requests and reading nothing), the replies
//     waiting (not the write in progress) are dropped to make room for it and
//     counted (stats().replies_dropped): the newest request is answered, so a
//     host that comes after one that left is answered behind at most that many
//     stale bytes, and the device never wedges.
//
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "comframe/devices/frame_record.hpp"
#include "comframe/firmware_sim/device.hpp"
#include "comframe/firmware_sim/fault_injector.hpp"
#include "comframe/transport/framing.hpp"
#include "comframe/transport/link.hpp"

namespace comframe::firmware_sim {

struct host_stats {
  std::uint64_t requests = 0;        ///< request frames received (sends included)
  std::uint64_t replies = 0;         ///< response and error frames handed to the link (or dropped by a `never` fault)
  std::uint64_t error_replies = 0;   ///< of which error replies
  std::uint64_t replies_dropped = 0; ///< replies dropped because max_reply_backlog_bytes were waiting
  std::uint64_t events = 0;          ///< event frames queued for the line
  std::uint64_t events_dropped = 0;  ///< events refused because the event backlog was full
  std::uint64_t wrong_kind = 0;      ///< good frames that are not requests (response, event, error): ignored
  std::uint64_t other_address = 0;   ///< requests for another device address: ignored
  std::uint64_t broadcasts = 0;      ///< requests to the broadcast address: run, not answered
  /// Replies and events the framing cannot encode — longer than its length
  /// field holds, an error reply where frames carry neither a kind nor an error
  /// rule, a line holding the terminator: dropped, never sent.
  std::uint64_t unsendable = 0;
  std::uint64_t reply_backlog_peak_bytes = 0;  ///< the most reply bytes ever waiting (write in progress included)
  std::uint64_t event_backlog_peak_bytes = 0;  ///< the most event bytes ever waiting (write in progress included)
  transport::decoder_stats decoder;
};

/// The event backlog when the line's baud is not known.
inline constexpr std::size_t default_event_backlog_bytes = 4096;
/// The event line time a device_host queues at most when the baud is known.
inline constexpr std::chrono::milliseconds event_backlog_line_time{20};

/// Event bytes a device_host queues at most on a line of `baud` (0: unknown):
/// 20 ms of line time (baud / 10 bytes per second), or 4096 bytes for 0. One
/// event frame is always accepted when none waits, whatever its size.
constexpr std::size_t event_backlog_bytes(std::uint32_t baud) noexcept {
  return baud == 0 ? default_event_backlog_bytes
                   : static_cast<std::size_t>(std::uint64_t{baud} * event_backlog_line_time.count() / 10'000);
}

struct device_host_options {
  /// The line's baud, if known (e.g. the emulated one of a paced_link): sets
  /// the event backlog (event_backlog_bytes) and the framing's silence between
  /// frames (transport::framing_params::baud). 0: not known.
  std::uint32_t baud = 0;
  /// How frames sit on the line; empty: the device profile's framing.
  transport::framing_factory framing{};
  /// The device's own address on a framing with addresses; empty: the framing's default address.
  std::optional<std::uint16_t> address{};
  /// Reply bytes that may wait for the line; beyond them replies are dropped.
  std::size_t max_reply_backlog_bytes = 64 * 1024;
  /// The injector whose late and never faults apply to the replies made
  /// (fault_injector::next_reply); empty: none. Its byte faults apply on the
  /// links it wraps: wrap this host's link with replies_in::writer, else a
  /// comframe_stream link (the default) would draw each reply's fate again.
  std::shared_ptr<fault_injector> faults{};
};

class device_host {
 public:
  device_host(boost::asio::io_context& io, std::unique_ptr<transport::link> link, const device& dev,
            device_host_options options = {});
  ~device_host();
  device_host(const device_host&) = delete;
  device_host& operator=(const device_host&) = delete;

  /// Sends an event frame with these payload bytes.
  void emit(std::uint16_t event, std::vector<std::uint8_t> payload);
  template <class Ev>
  void emit(const typename Ev::payload& value) {
    emit(Ev::id, core::encode(value, payload_endian_));
  }
  /// Called once when the link is lost (the host closed its end) or closed.
  void on_closed(std::function<void(const std::string& reason)> handler);
  /// Called for every frame received (direction to_device), refused (to_device,
  /// without a header) and written (from_device).
  void observe_frames(std::function<void(const devices::frame_record&)> observer);
  host_stats stats() const;
  /// The traits of the framing it speaks.
  const transport::framing_traits& framing_traits() const noexcept;

  struct impl;

 private:
  core::endian payload_endian_;
  std::shared_ptr<impl> impl_;
};

}  // namespace comframe::firmware_sim

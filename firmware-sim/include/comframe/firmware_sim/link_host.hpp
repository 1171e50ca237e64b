// comframe/firmware_sim/link_host.hpp — serves a device on a link: reads
// request frames, answers them through the device's handlers, sends events.
//
//   boost::asio::io_context io;
//   link_host host(io, transport::open_link(io, "loop://bench"), dev);
//   host.emit<Telemetry>(sample);      // from any thread
//   io.run();
//
// Bytes that are not good frames are counted (stats().decoder) and skipped, as
// firmware resynchronising at the next 0x00 would. Decorate the link (pacing,
// fault injection) to change what the host sees.
//
// Thread safety: emit(), observe_frames(), on_closed() and stats() may be
// called from any thread; the rest runs on the io_context, which must run on
// one thread. Destroy the host while its io_context runs or after it stopped.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "comframe/devices/session.hpp"
#include "comframe/firmware_sim/device.hpp"
#include "comframe/transport/link.hpp"

namespace comframe::firmware_sim {

struct host_stats {
  std::uint64_t requests = 0;     ///< request frames received (sends included)
  std::uint64_t replies = 0;      ///< response frames written
  std::uint64_t error_replies = 0;
  std::uint64_t events = 0;       ///< event frames written
  std::uint64_t events_dropped = 0;  ///< events refused because the line was max_queued_bytes behind
  transport::decoder_stats decoder;
};

/// Bytes a link_host queues for a line that cannot keep up. Beyond it new
/// events are dropped (and counted), as firmware with a full transmit buffer
/// would; replies are always queued (they are bounded by the requests).
inline constexpr std::size_t max_queued_bytes = 64 * 1024;

class link_host {
 public:
  link_host(boost::asio::io_context& io, std::unique_ptr<transport::link> link, const device& dev);
  ~link_host();
  link_host(const link_host&) = delete;
  link_host& operator=(const link_host&) = delete;

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

  struct impl;

 private:
  core::endian payload_endian_;
  std::shared_ptr<impl> impl_;
};

}  // namespace comframe::firmware_sim

// The shared-memory bridge from the command line: --bridge NAME on the tools
// that own a link, and reading one (`comframe tap`, `comframe log --bridge`).
#include "bridge_io.hpp"

#include <algorithm>
#include <chrono>

#include "comframe/core/hex.hpp"
#include "frame_text.hpp"
#include "text_io.hpp"

namespace comframe::tools {

std::shared_ptr<devices::bridge_feed> open_bridge(const std::string& name, const devices::profile* p,
                                                  std::size_t ring_bytes, std::size_t max_record_bytes) {
  try {
    transport::bridge::publisher_options po;
    if (ring_bytes) {
      po.ring_bytes = ring_bytes;
      po.max_record_bytes = std::min(po.max_record_bytes, ring_bytes / 4);
    }
    if (max_record_bytes) po.max_record_bytes = max_record_bytes;
    if (p) po.profile_bytes = p->to_json().dump().size();
    auto feed = std::make_shared<devices::bridge_feed>(std::make_shared<transport::bridge::publisher>(name, po));
    if (p) feed->set_profile(*p);
    return feed;
  } catch (const comframe::error& e) {  // a bridge_error, or a usage_error for the ring sizes
    throw cli_error(std::string("--bridge: ") + e.what());
  }
}

nlohmann::json truncated_frame_json(const transport::recorded_frame& r, const transport::framing* kept) {
  const auto bytes = r.bytes;
  nlohmann::json j = {
      {"time", iso_time(std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
                   std::chrono::nanoseconds(r.time_ns))))},
      {"dir", r.dir == transport::direction::to_device ? "out" : "in"},
      {"truncated", {{"kept", bytes.size()}, {"of", r.length()}}}};
  if (r.flags & transport::record_flag::refused) {
    j["error"] = r.error ? std::string(transport::to_string(*r.error)) : "unknown";
    j["raw"] = core::hex_text(bytes);
    return j;
  }
  const bool comframe_header = !kept || kept->traits().name.empty();  // another framing's header is its own
  if (comframe_header && bytes.size() >= transport::header_size_bytes) {
    const auto h = transport::decode_frame_header(bytes);
    j["kind"] = std::string(transport::to_string(h.kind));
    j["command_id"] = h.command;
    j["seq"] = h.sequence;
  }
  j["frame_hex"] = core::hex_text(bytes);
  return j;
}

void read_bridge(transport::bridge::subscriber& subscriber, stop_signals& signals, const std::function<bool()>& done,
                 const bridge_handlers& on) {
  using transport::bridge::read_status;
  while (!done() && !signals.wait(std::chrono::milliseconds(0))) {
    const transport::bridge::read_result r = subscriber.next(std::chrono::milliseconds(100));
    if (r.status == read_status::record) on.record(r);
    else if (r.status == read_status::publisher_gone || r.status == read_status::publisher_restarted)
      on.publisher_change(r);
  }
}

}  // namespace comframe::tools

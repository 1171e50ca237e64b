// Publishing frames and latest values to a bridge: see bridge_feed.hpp.
#include "comframe/devices/bridge_feed.hpp"

#include <cstdio>

namespace comframe::devices {

static_assert(profile_limits::max_canonical_bytes <= transport::bridge::publisher_options{}.profile_bytes,
              "a bridge made with the default options holds every profile");

std::optional<profile> profile_on_bridge(const transport::bridge::subscriber& subscriber) {
  const auto text = subscriber.profile();
  if (!text) return std::nullopt;
  try {
    return profile::parse(*text);
  } catch (const comframe::error&) {
    return std::nullopt;
  }
}

bridge_feed::bridge_feed(std::shared_ptr<transport::bridge::publisher> publisher, std::uint16_t link_id)
    : publisher_(std::move(publisher)), link_id_(link_id) {}

void bridge_feed::set_profile(const profile& p) {
  auto shared = std::make_shared<const profile>(p);
  {
    std::lock_guard lock(mutex_);
    profile_ = shared;
  }
  try {
    publisher_->set_profile(shared->to_json().dump());
  } catch (const comframe::usage_error&) {  // a value the bridge has no room for (publisher::refused())
    ++latest_errors_;
  }
}

void bridge_feed::publish(const frame_record& r) {
  const auto time_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(r.time.time_since_epoch()).count());
  if (!r.header) {
    publisher_->publish(r.dir, r.payload, link_id_, transport::bridge::refused, r.error, time_ns);
    return;
  }
  // The frame's kept form (framing::write_kept: the frame without delimiters) in
  // the link's framing; frames of comframe's own without it are written here.
  if (!r.bytes.empty()) publisher_->publish(r.dir, r.bytes, link_id_, 0, std::nullopt, time_ns);
  else publisher_->publish_frame(r.dir, *r.header, r.payload, link_id_, time_ns);
  if (r.header->kind != transport::frame_kind::event) return;
  std::shared_ptr<const profile> p;
  {
    std::lock_guard lock(mutex_);
    p = profile_;
  }
  std::string key, schema_name;
  if (const event_info* e = p ? p->find_event(r.header->command) : nullptr) {
    key = "event." + e->name;
    schema_name = e->name;
  } else {
    key = "event." + transport::command_id_text(r.header->command);
  }
  try {
    // A key or name over 47 bytes is refused and counted, not cut: two cut
    // names could share a slot.
    publisher_->set_latest(key, schema_name, r.payload);
  } catch (const comframe::usage_error&) {  // a value the bridge has no room for (publisher::refused())
    ++latest_errors_;
  }
}

}  // namespace comframe::devices

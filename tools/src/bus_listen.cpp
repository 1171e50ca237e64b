// Listening to a line that carries both directions: see bus_listen.hpp.
#include "bus_listen.hpp"

#include <chrono>

#include "comframe/devices/frame_json.hpp"

namespace comframe::tools {

struct bus_splitter::trial {
  std::unique_ptr<transport::framing> framing;
};

namespace {

std::unique_ptr<transport::framing> framing_for(const devices::profile& p, transport::direction incoming,
                                                const transport::payload_schemas* schemas) {
  if (p.framing().is_default()) return transport::make_comframe_framing({.incoming = incoming});
  return transport::make_framing(p.framing(),
                                 {.incoming = incoming, .schemas = schemas, .payload_endian = p.payload_endian()});
}

}  // namespace

bus_splitter::bus_splitter(const devices::profile& p)
    : schemas_(std::make_shared<const devices::profile_schemas>(std::make_shared<const devices::profile>(p))) {
  trials_[0] = std::make_unique<trial>(trial{framing_for(p, transport::direction::to_device, schemas_.get())});
  trials_[1] = std::make_unique<trial>(trial{framing_for(p, transport::direction::from_device, schemas_.get())});
  const auto& traits = trials_[1]->framing->traits();
  has_kind_ = traits.has_kind;
  by_order_ = traits.replies == transport::reply_match::order;
  // The longest a frame can be on the wire: every payload byte stuffed, and room for sync, header and check.
  max_frame_ = 2 * trials_[1]->framing->max_payload_size() + 128;
}

bus_splitter::~bus_splitter() = default;

void bus_splitter::feed(std::span<const std::uint8_t> bytes, const handler& on_frame) {
  held_.insert(held_.end(), bytes.begin(), bytes.end());
  while (step(on_frame)) {
  }
}

void bus_splitter::flush_skipped(const handler& on_frame) {
  if (skipped_bytes_.empty()) return;
  devices::frame_record r{transport::direction::from_device, std::chrono::system_clock::now(), std::nullopt,
                          skipped_bytes_, transport::frame_error::length, skipped_bytes_};
  on_frame(r);
  skipped_bytes_.clear();
}

bool bus_splitter::step(const handler& on_frame) {
  struct outcome {
    bool refused = false;
    bool found = false;
    transport::frame_header header;
    std::vector<std::uint8_t> payload, kept;
  };
  outcome o[2];
  for (auto& t : trials_) t->framing->reset();
  // Byte by byte, so that the byte a frame ends on is known (stuffed framings take more bytes than they keep).
  for (std::size_t i = 0; i < held_.size(); ++i) {
    for (int d = 0; d < 2; ++d) {
      outcome& x = o[d];
      if (x.refused || x.found) continue;
      trials_[d]->framing->feed(
          std::span<const std::uint8_t>(held_).subspan(i, 1),
          [&](const transport::frame_view& v) {
            if (x.refused || x.found) return;
            x.found = true;
            x.header = v.header;
            x.payload.assign(v.payload.begin(), v.payload.end());
            x.kept.assign(v.bytes.begin(), v.bytes.end());
          },
          [&](transport::frame_error, std::span<const std::uint8_t>) {
            if (!x.found) x.refused = true;
          });
    }
    if (o[0].found || o[1].found) {
      int d = o[0].found ? 0 : 1;
      if (o[0].found && o[1].found) {
        if (has_kind_) d = o[0].header.kind == transport::frame_kind::request ? 0 : 1;
        else d = last_ == transport::direction::to_device ? 1 : 0;  // a reply follows a request
      }
      const auto dir = d == 0 ? transport::direction::to_device : transport::direction::from_device;
      outcome& x = o[d];
      if (dir == transport::direction::to_device) {
        last_request_ = x.header.command;
      } else if (by_order_ && last_request_ && x.header.kind != transport::frame_kind::event) {
        // Replies matched by order carry no command of their own (a line's reply): its request's.
        if (x.header.command == 0) x.header.command = *last_request_;
        last_request_.reset();
      }
      last_ = dir;
      ++frames_[d];
      flush_skipped(on_frame);
      devices::frame_record r{dir, std::chrono::system_clock::now(), x.header, x.payload, std::nullopt, x.kept};
      on_frame(r);
      held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(i + 1));
      return true;
    }
    if (o[0].refused && o[1].refused) break;
  }
  if (held_.empty() || (!(o[0].refused && o[1].refused) && held_.size() <= max_frame_)) return false;
  // Neither direction can start a frame here: skip one byte.
  skipped_bytes_.push_back(held_.front());
  held_.erase(held_.begin());
  ++skipped_;
  return true;
}

}  // namespace comframe::tools

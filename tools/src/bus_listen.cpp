// Listening to a line that carries both directions: see bus_listen.hpp.
#include "bus_listen.hpp"

#include <algorithm>
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
  if (p.framing().is_default()) {
    delimiter_ = 0x00;
  } else {
    switch (p.framing().delimiting) {
      case transport::delimiting_kind::cobs: delimiter_ = 0x00; break;
      case transport::delimiting_kind::slip: delimiter_ = 0xC0; delimiter_leads_ = true; break;
      case transport::delimiting_kind::hdlc: delimiter_ = 0x7E; delimiter_leads_ = true; break;
      case transport::delimiting_kind::line:
        if (!p.framing().terminator.empty()) delimiter_ = static_cast<std::uint8_t>(p.framing().terminator.back());
        break;
      default: break;
    }
  }
}

bus_splitter::~bus_splitter() = default;

void bus_splitter::feed(std::span<const std::uint8_t> bytes, const handler& on_frame) {
  held_.insert(held_.end(), bytes.begin(), bytes.end());
  while (step(on_frame)) {
  }
}

void bus_splitter::finish(const handler& on_frame) {
  if (!held_.empty()) skip(held_.size(), on_frame);
  flush_skipped(on_frame);
}

void bus_splitter::flush_skipped(const handler& on_frame) {
  if (skipped_bytes_.empty()) return;
  devices::frame_record r{transport::direction::from_device, std::chrono::system_clock::now(), std::nullopt,
                          skipped_bytes_, transport::frame_error::length, skipped_bytes_};
  on_frame(r);
  skipped_bytes_.clear();
}

void bus_splitter::restart() {
  for (auto& t : trials_) t->framing->reset();
  for (auto& x : o_) x = outcome{};
  scanned_ = 0;
}

void bus_splitter::skip(std::size_t n, const handler& on_frame) {
  // Reported in pieces of skipped_chunk bytes, so that noise that never makes a frame is shown as it comes
  // and what is kept of it stays small.
  std::size_t done = 0;
  while (done < n) {
    const std::size_t take = std::min(n - done, skipped_chunk - skipped_bytes_.size());
    skipped_bytes_.insert(skipped_bytes_.end(), held_.begin() + static_cast<std::ptrdiff_t>(done),
                          held_.begin() + static_cast<std::ptrdiff_t>(done + take));
    done += take;
    if (skipped_bytes_.size() >= skipped_chunk) flush_skipped(on_frame);
  }
  held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(n));
  skipped_ += n;
  restart();
}

bool bus_splitter::step(const handler& on_frame) {
  // Byte by byte, so that the byte a frame ends on is known (stuffed framings take more bytes than they keep).
  // The trials keep their state between calls: only the bytes not decoded yet from this start are fed.
  for (std::size_t i = scanned_; i < held_.size(); ++i) {
    scanned_ = i + 1;
    for (int d = 0; d < 2; ++d) {
      outcome& x = o_[d];
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
    if (o_[0].found || o_[1].found) {
      int d = o_[0].found ? 0 : 1;
      if (o_[0].found && o_[1].found) {
        if (has_kind_) d = o_[0].header.kind == transport::frame_kind::request ? 0 : 1;
        else d = last_ == transport::direction::to_device ? 1 : 0;  // a reply follows a request
      }
      const auto dir = d == 0 ? transport::direction::to_device : transport::direction::from_device;
      outcome& x = o_[d];
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
      restart();
      return true;
    }
    if (o_[0].refused && o_[1].refused) break;
  }
  const bool refused = o_[0].refused && o_[1].refused;
  if (held_.empty() || (!refused && held_.size() <= max_frame_)) return false;
  // Neither direction can make a frame from here: move the start on.
  std::size_t n = 1;
  if (delimiter_) {
    if (delimiter_leads_) {
      // slip, hdlc: a frame starts at a delimiter: skip to the next one.
      n = static_cast<std::size_t>(std::find(held_.begin() + 1, held_.end(), *delimiter_) - held_.begin());
    } else {
      // cobs, a line: a frame starts just after a delimiter: skip past the next one (all, if none came yet).
      const auto it = std::find(held_.begin(), held_.end(), *delimiter_);
      n = it == held_.end() ? held_.size() : static_cast<std::size_t>(it - held_.begin()) + 1;
    }
  } else if (!refused) {
    // No delimiter, and nothing refused in a whole frame's length: half of what is held goes, so that
    // each byte is decoded at most a few times.
    n = held_.size() / 2;
  }
  skip(n, on_frame);
  return true;
}

}  // namespace comframe::tools

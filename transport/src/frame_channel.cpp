#include "comframe/transport/frame_channel.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>
#include <utility>

namespace comframe::transport {

namespace {
direction other(direction d) noexcept {
  return d == direction::from_device ? direction::to_device : direction::from_device;
}
}  // namespace

std::shared_ptr<frame_channel> frame_channel::make(std::unique_ptr<framing> f, direction incoming,
                                                   std::size_t read_buffer_bytes) {
  return std::shared_ptr<frame_channel>(new frame_channel(std::move(f), incoming, read_buffer_bytes));
}

frame_channel::frame_channel(std::unique_ptr<framing> f, direction incoming, std::size_t read_buffer_bytes)
    : framing_(std::move(f)), incoming_(incoming), read_buffer_(read_buffer_bytes == 0 ? 1 : read_buffer_bytes) {
  const double silence = framing_->traits().silence_characters;
  const std::uint32_t baud = framing_->baud();
  if (silence > 0 && baud > 0) {
    double gap_s = silence * 11.0 / baud;
    if (baud > 19200 && silence >= 3.5) gap_s = std::max(gap_s, 1750e-6);  // Modbus RTU's fixed gap at high rates
    gap_ = std::chrono::nanoseconds(static_cast<std::int64_t>(gap_s * 1e9));
    byte_time_ = std::chrono::nanoseconds(static_cast<std::int64_t>(11e9 / baud));
  }
}

frame_channel::~frame_channel() = default;

void frame_channel::open(std::unique_ptr<link> l, bool resync) {
  let_go();
  link_ = std::move(l);
  resync_ = resync;
  if (gap_.count() > 0) timer_ = std::make_unique<boost::asio::steady_timer>(link_->get_executor());
  start_read();
}

void frame_channel::close() { let_go(); }

// Closes the link and destroys it later (we may be inside one of its
// handlers); completions of it are ignored from now on.
void frame_channel::let_go() {
  ++generation_;
  writing_ = false;
  writing_bytes_ = {};
  for (auto& q : queue_) q.clear();
  for (auto& s : sizes_) s.clear();
  waiting_ = false;
  head_waited_ = false;
  if (timer_) timer_->cancel();
  if (!link_) return;
  link_->close();
  auto executor = link_->get_executor();
  boost::asio::post(executor, [old = std::shared_ptr<link>(std::move(link_))] {});
}

void frame_channel::fail(operation op, const boost::system::error_code& ec) {
  let_go();
  if (handlers_.failed) handlers_.failed(op, ec);
}

void frame_channel::notify(direction dir, const frame_header* h, std::span<const std::uint8_t> bytes,
                           const frame_error* e, std::span<const std::uint8_t> kept) {
  frame_record r{dir, std::chrono::system_clock::now(), std::nullopt, bytes, std::nullopt, kept};
  if (h) r.header = *h;
  if (e) r.error = *e;
  observer_(r);
}

// ---- reading -----------------------------------------------------------------

void frame_channel::start_read() {
  link_->async_read_some(read_buffer_, [self = shared_from_this(), gen = generation_](
                                           const boost::system::error_code& ec, std::size_t n) {
    self->on_read(gen, ec, n);
  });
}

void frame_channel::on_read(std::uint64_t gen, const boost::system::error_code& ec, std::size_t n) {
  if (gen != generation_) return;
  if (ec) return fail(operation::read, ec);
  // The line was busy until now: the next frame sent keeps the gap from these bytes.
  if (gap_.count() > 0 && n > 0) next_send_ = std::max(next_send_, std::chrono::steady_clock::now() + gap_);
  // Replies the handlers write while this chunk is decoded go out together.
  ++held_;
  try {
    framing_->feed(
        std::span<const std::uint8_t>(read_buffer_.data(), n),
        [&](const frame_view& f) {
          if (observer_) notify(incoming_, &f.header, f.payload, nullptr, f.bytes);
          if (handlers_.frame) handlers_.frame(f);
        },
        [&](frame_error e, std::span<const std::uint8_t> raw) {
          if (observer_) notify(incoming_, nullptr, raw, &e, raw);
          if (handlers_.refused) handlers_.refused(e, raw);
        });
  } catch (...) {
    --held_;
    throw;
  }
  --held_;
  if (handlers_.chunk_done) handlers_.chunk_done();
  if (gen != generation_) return;  // a handler closed the channel or opened another link
  flush();
  start_read();
}

// ---- writing -----------------------------------------------------------------

bool frame_channel::write(const frame_header& header, std::span<const std::uint8_t> payload, lane l) {
  if (!queue(header, payload, l, nullptr)) return false;
  flush();
  return true;
}

bool frame_channel::write(const frame_header& header, std::span<const std::uint8_t> payload, lane l, admit_fn admit) {
  if (!queue(header, payload, l, &admit)) return false;
  flush();
  return true;
}

bool frame_channel::queue(const frame_header& header, std::span<const std::uint8_t> payload, lane l, admit_fn* admit) {
  if (!link_) return false;
  auto& q = queue_[index(l)];
  if (admit) {
    // Encoded aside first, so that admit sees the lanes without it and may drop what waits.
    scratch_.clear();
    const std::size_t n = framing_->encode(header, payload, scratch_);
    if (!(*admit)(n)) return false;
    q.insert(q.end(), scratch_.begin(), scratch_.end());
    if (gap_.count() > 0) sizes_[index(l)].push_back(n);
  } else {
    const std::size_t n = framing_->encode(header, payload, q);
    if (gap_.count() > 0) sizes_[index(l)].push_back(n);
  }
  if (observer_) {
    kept_.clear();
    framing_->write_kept(header, payload, kept_);
    notify(other(incoming_), &header, payload, nullptr, kept_);
  }
  return true;
}

std::size_t frame_channel::drop_queued(lane l) noexcept {
  auto& q = queue_[index(l)];
  const std::size_t n = q.size();
  q.clear();
  sizes_[index(l)].clear();
  if (sizes_[0].empty() && sizes_[1].empty()) head_waited_ = false;
  return n;
}

void frame_channel::release() {
  if (held_ > 0) --held_;
  flush();
}

void frame_channel::flush() {
  if (held_ > 0 || writing_ || waiting_ || !link_) return;
  if (gap_.count() > 0) return flush_paced();
  auto& first = queue_[index(lane::first)];
  auto& normal = queue_[index(lane::normal)];
  if (first.empty() && normal.empty()) return;
  if (handlers_.writing) handlers_.writing();
  out_.clear();
  if (resync_) {
    framing_->append_resync(out_);
    resync_ = false;
  }
  writing_bytes_ = {first.size(), normal.size()};
  if (out_.empty() && first.empty()) {
    std::swap(out_, normal);  // keeps both buffers' capacity: no allocation per frame
  } else {
    out_.insert(out_.end(), first.begin(), first.end());
    out_.insert(out_.end(), normal.begin(), normal.end());
    normal.clear();
  }
  first.clear();
  // Most writes fit at once: no completion to wait for, no reactor turn to run it.
  const std::size_t done = link_->write_now(out_);
  if (done == out_.size()) {
    writing_bytes_ = {};
    return;
  }
  writing_ = true;
  link_->async_write(std::span<const std::uint8_t>(out_).subspan(done),
                     [self = shared_from_this(), gen = generation_](const boost::system::error_code& ec, std::size_t) {
                       self->on_written(gen, ec);
                     });
}

// One frame per write, each after the line was quiet for the gap.
void frame_channel::flush_paced() {
  const lane l = !sizes_[index(lane::first)].empty() ? lane::first : lane::normal;
  auto& sizes = sizes_[index(l)];
  if (sizes.empty()) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_send_ && !(head_waited_ && now >= head_limit_)) {
    // The first wait of this frame: counted once; bytes read meanwhile may
    // push it on, but no further than one gap past the time it was first due
    // (a line that never falls quiet — noise, another master — still gets it).
    if (!head_waited_) {
      head_waited_ = true;
      head_limit_ = next_send_ + gap_;
      ++silence_waits_;
    }
    waiting_ = true;
    timer_->expires_at(std::min(next_send_, head_limit_));
    timer_->async_wait([self = shared_from_this(), gen = generation_](const boost::system::error_code& ec) {
      if (gen != self->generation_ || ec) return;
      self->waiting_ = false;
      self->flush();
    });
    return;
  }
  if (handlers_.writing) handlers_.writing();
  auto& q = queue_[index(l)];
  const std::size_t size = sizes.front();
  sizes.pop_front();
  head_waited_ = false;
  out_.clear();
  if (resync_) {
    framing_->append_resync(out_);
    resync_ = false;
  }
  out_.insert(out_.end(), q.begin(), q.begin() + static_cast<std::ptrdiff_t>(size));
  q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(size));
  writing_bytes_ = {};
  writing_bytes_[index(l)] = size;
  // The frame leaves the line after its bytes' time; then the quiet line (or
  // later, if bytes are read meanwhile: on_read).
  next_send_ = now + byte_time_ * static_cast<std::int64_t>(out_.size()) + gap_;
  const std::size_t done = link_->write_now(out_);
  if (done == out_.size()) {
    writing_bytes_ = {};
    return flush_paced();
  }
  writing_ = true;
  link_->async_write(std::span<const std::uint8_t>(out_).subspan(done),
                     [self = shared_from_this(), gen = generation_](const boost::system::error_code& ec, std::size_t) {
                       self->on_written(gen, ec);
                     });
}

void frame_channel::on_written(std::uint64_t gen, const boost::system::error_code& ec) {
  if (gen != generation_) return;
  writing_ = false;
  writing_bytes_ = {};
  if (ec) return fail(operation::write, ec);
  flush();
}

}  // namespace comframe::transport

#include "comframe/firmware_sim/link_host.hpp"

#include <boost/asio/post.hpp>
#include <algorithm>
#include <future>
#include <mutex>

namespace comframe::firmware_sim {

using transport::frame_kind;

struct link_host::impl : std::enable_shared_from_this<link_host::impl> {
  impl(boost::asio::io_context& io_, std::unique_ptr<transport::link> l, const device& d, link_host_options o)
      : io(io_),
        link(std::move(l)),
        dev(d),
        event_limit(event_backlog_bytes(o.baud)),
        reply_limit(o.max_reply_backlog_bytes),
        buffer(64 * 1024) {}

  boost::asio::io_context& io;
  std::unique_ptr<transport::link> link;
  const device& dev;
  const std::size_t event_limit;
  const std::size_t reply_limit;
  transport::frame_decoder decoder;
  transport::frame_encoder encoder;
  std::vector<std::uint8_t> buffer;
  // Frames waiting for the line: replies go out before events. out_writing is
  // the write in progress; its reply and event bytes still count against the
  // bounds until it completes.
  std::vector<std::uint8_t> replies_pending, events_pending, out_writing;
  std::size_t writing_reply_bytes = 0, writing_event_bytes = 0;
  // Reply frames in replies_pending (stats count a reply when it is handed to the link).
  std::uint64_t pending_replies = 0, pending_errors = 0;
  bool writing = false;
  bool closed = false;
  std::function<void(const std::string&)> closed_handler;
  std::function<void(const devices::frame_record&)> observer;
  mutable std::mutex stats_mutex;
  host_stats stats;

  void read() {
    link->async_read_some(buffer, [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
      if (self->closed) return;
      if (ec) return self->close(self->link->url() + ": " +
                                 (transport::is_link_lost(ec) ? std::string("link lost") : ec.message()));
      const std::span<const std::uint8_t> chunk(self->buffer.data(), n);
      if (self->observer) {
        self->decoder.feed(
            chunk, [&](const transport::frame_view& f) { self->serve(f); },
            [&](transport::frame_error e, std::span<const std::uint8_t> raw) {
              if (self->observer)
                self->observer({devices::direction::to_device, std::chrono::system_clock::now(), std::nullopt, raw, e});
            });
      } else {
        self->decoder.feed(chunk, [&](const transport::frame_view& f) { self->serve(f); });
      }
      {
        std::lock_guard lock(self->stats_mutex);
        self->stats.decoder = self->decoder.stats();
      }
      self->read();
    });
  }

  void serve(const transport::frame_view& f) {
    if (observer)
      observer({devices::direction::to_device, std::chrono::system_clock::now(), f.header, f.payload, std::nullopt});
    {
      std::lock_guard lock(stats_mutex);
      if (f.header.kind != frame_kind::request) {
        ++stats.wrong_kind;  // a device takes only requests; anything else is ignored
        return;
      }
      ++stats.requests;
    }
    auto r = dev.handle(f.header, f.payload);
    if (!r) return;
    write(r->kind, f.header.command, f.header.sequence, r->payload);
  }

  void write(frame_kind kind, std::uint16_t command, std::uint16_t sequence, std::span<const std::uint8_t> payload) {
    if (closed) return;
    const transport::frame_header h{transport::protocol_version, kind, command, sequence};
    const bool event = kind == frame_kind::event;
    const auto wire = encoder.encode(h, payload);
    {
      std::lock_guard lock(stats_mutex);
      if (event) {
        // An event that does not fit is dropped, but one always fits when none waits.
        const std::size_t waiting = events_pending.size() + writing_event_bytes;
        if (waiting != 0 && waiting + wire.size() > event_limit) {
          ++stats.events_dropped;
          return;
        }
        stats.event_backlog_peak_bytes = std::max<std::uint64_t>(stats.event_backlog_peak_bytes, waiting + wire.size());
        ++stats.events;
      } else {
        // The newest reply is kept: the waiting ones (not the write in
        // progress) make room, as they answer a host that stopped reading —
        // so a host that comes next is answered, not refused.
        if (replies_pending.size() + writing_reply_bytes + wire.size() > reply_limit) {
          stats.replies_dropped += pending_replies;
          replies_pending.clear();
          pending_replies = pending_errors = 0;
        }
        const std::size_t waiting = replies_pending.size() + writing_reply_bytes;
        if (waiting + wire.size() > reply_limit) {
          ++stats.replies_dropped;
          return;
        }
        stats.reply_backlog_peak_bytes = std::max<std::uint64_t>(stats.reply_backlog_peak_bytes, waiting + wire.size());
        ++pending_replies;
        if (kind == frame_kind::error) ++pending_errors;
      }
    }
    (event ? events_pending : replies_pending).insert((event ? events_pending : replies_pending).end(), wire.begin(),
                                                      wire.end());
    if (observer)
      observer({devices::direction::from_device, std::chrono::system_clock::now(), h, payload, std::nullopt});
    if (!writing) flush();
  }

  void flush() {
    if ((replies_pending.empty() && events_pending.empty()) || closed) return;
    {
      std::lock_guard lock(stats_mutex);
      stats.replies += pending_replies;
      stats.error_replies += pending_errors;
      pending_replies = pending_errors = 0;
    }
    out_writing.clear();
    std::swap(out_writing, replies_pending);  // keeps both buffers' capacity: no allocation per frame
    writing_reply_bytes = out_writing.size();
    writing_event_bytes = events_pending.size();
    out_writing.insert(out_writing.end(), events_pending.begin(), events_pending.end());
    events_pending.clear();
    writing = true;
    link->async_write(out_writing, [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
      self->writing = false;
      self->writing_reply_bytes = 0;
      self->writing_event_bytes = 0;
      if (self->closed) return;
      if (ec) return self->close(self->link->url() + ": " + ec.message());
      self->flush();
    });
  }

  void close(const std::string& reason) {
    if (closed) return;
    closed = true;
    link->close();
    if (closed_handler) closed_handler(reason);
  }
};

link_host::link_host(boost::asio::io_context& io, std::unique_ptr<transport::link> link, const device& dev,
                     link_host_options options)
    : payload_endian_(dev.profile().payload_endian()),
      impl_(std::make_shared<impl>(io, std::move(link), dev, options)) {
  boost::asio::post(io, [i = impl_] { i->read(); });
}

link_host::~link_host() {
  // The owner's handlers may refer to objects already gone: they hear nothing more.
  auto& io = impl_->io;
  if (io.get_executor().running_in_this_thread() || io.stopped()) {
    impl_->closed_handler = nullptr;
    impl_->observer = nullptr;
    impl_->close("closed");
    return;
  }
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  boost::asio::post(io, [i = impl_, done, &io] {
    i->closed_handler = nullptr;
    i->observer = nullptr;
    i->close("closed");
    boost::asio::post(io, [done] { done->set_value(); });
  });
  finished.wait();
}

void link_host::emit(std::uint16_t event, std::vector<std::uint8_t> payload) {
  boost::asio::post(impl_->io, [i = impl_, event, payload = std::move(payload)] {
    i->write(frame_kind::event, event, 0, payload);
  });
}

void link_host::on_closed(std::function<void(const std::string&)> handler) {
  boost::asio::post(impl_->io, [i = impl_, handler = std::move(handler)]() mutable { i->closed_handler = std::move(handler); });
}

void link_host::observe_frames(std::function<void(const devices::frame_record&)> observer) {
  boost::asio::post(impl_->io, [i = impl_, observer = std::move(observer)]() mutable { i->observer = std::move(observer); });
}

host_stats link_host::stats() const {
  std::lock_guard lock(impl_->stats_mutex);
  return impl_->stats;
}

}  // namespace comframe::firmware_sim

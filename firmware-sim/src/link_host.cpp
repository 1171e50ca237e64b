#include "comframe/firmware_sim/link_host.hpp"

#include <boost/asio/post.hpp>
#include <future>
#include <mutex>

namespace comframe::firmware_sim {

using transport::frame_kind;

struct link_host::impl : std::enable_shared_from_this<link_host::impl> {
  impl(boost::asio::io_context& io_, std::unique_ptr<transport::link> l, const device& d)
      : io(io_), link(std::move(l)), dev(d), buffer(64 * 1024) {}

  boost::asio::io_context& io;
  std::unique_ptr<transport::link> link;
  const device& dev;
  transport::frame_decoder decoder;
  transport::frame_encoder encoder;
  std::vector<std::uint8_t> buffer, out_pending, out_writing;
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
    if (f.header.kind != frame_kind::request) return;
    {
      std::lock_guard lock(stats_mutex);
      ++stats.requests;
    }
    auto r = dev.handle(f.header, f.payload);
    if (!r) return;
    write(r->kind, f.header.command, f.header.sequence, r->payload);
  }

  void write(frame_kind kind, std::uint16_t command, std::uint16_t sequence, std::span<const std::uint8_t> payload) {
    if (closed) return;
    const transport::frame_header h{transport::protocol_version, kind, command, sequence};
    if (kind == frame_kind::event && out_pending.size() >= max_queued_bytes) {
      std::lock_guard lock(stats_mutex);
      ++stats.events_dropped;
      return;
    }
    const auto wire = encoder.encode(h, payload);
    out_pending.insert(out_pending.end(), wire.begin(), wire.end());
    {
      std::lock_guard lock(stats_mutex);
      if (kind == frame_kind::event) ++stats.events;
      else ++stats.replies;
      if (kind == frame_kind::error) ++stats.error_replies;
    }
    if (observer)
      observer({devices::direction::from_device, std::chrono::system_clock::now(), h, payload, std::nullopt});
    if (!writing) flush();
  }

  void flush() {
    if (out_pending.empty() || closed) return;
    std::swap(out_pending, out_writing);
    out_pending.clear();
    writing = true;
    link->async_write(out_writing, [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
      self->writing = false;
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

link_host::link_host(boost::asio::io_context& io, std::unique_ptr<transport::link> link, const device& dev)
    : payload_endian_(dev.profile().payload_endian()), impl_(std::make_shared<impl>(io, std::move(link), dev)) {
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

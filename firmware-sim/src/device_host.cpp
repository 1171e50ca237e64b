#include "comframe/firmware_sim/device_host.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <future>
#include <list>
#include <mutex>

#include "comframe/devices/frame_json.hpp"
#include "comframe/transport/frame_channel.hpp"
#include "comframe/transport/framing_spec.hpp"

namespace comframe::firmware_sim {

using transport::frame_kind;

struct device_host::impl : std::enable_shared_from_this<device_host::impl> {
  using lane = transport::frame_channel::lane;

  // The framing: the options', else the device profile's.
  static transport::framing_factory framing_of(const device_host_options& o, const device& d) {
    if (o.framing) return o.framing;
    if (!d.profile().framing().is_default())
      return transport::framing_factory_for(std::make_shared<const transport::framing_spec>(d.profile().framing()));
    return transport::make_comframe_framing;
  }

  impl(boost::asio::io_context& io_, const device& d, device_host_options o)
      : io(io_),
        dev(d),
        event_limit(event_backlog_bytes(o.baud)),
        reply_limit(o.max_reply_backlog_bytes),
        schemas(std::make_shared<devices::profile_schemas>(std::make_shared<const devices::profile>(d.profile()))),
        channel(transport::frame_channel::make(framing_of(o, d)({.incoming = transport::direction::to_device,
                                                                 .schemas = schemas.get(),
                                                                 .max_payload_size = transport::default_max_payload_size,
                                                                 .baud = o.baud,
                                                                 .payload_endian = d.profile().payload_endian()}),
                                               transport::direction::to_device)),
        traits(channel->get_framing().traits()),
        address(o.address.value_or(traits.default_address)),
        faults(std::move(o.faults)) {}

  ~impl() {
    // The channel may outlive us in its pending completions: it must not call back.
    channel->set_handlers({});
    channel->observe_frames(nullptr);
    channel->close();
  }

  boost::asio::io_context& io;
  const device& dev;
  const std::size_t event_limit;
  const std::size_t reply_limit;
  std::shared_ptr<const transport::payload_schemas> schemas;  // for a framing that measures payloads
  // The link, its framing and the two write queues: replies (lane first) go out
  // before events (lane normal). The write in progress counts against the
  // bounds until it completes (channel->writing_bytes()).
  std::shared_ptr<transport::frame_channel> channel;
  const transport::framing_traits traits;
  const std::uint16_t address;  // the device's own, on a framing with addresses
  // The late and never faults, applied to each reply made (any framing).
  const std::shared_ptr<fault_injector> faults;
  std::list<boost::asio::steady_timer> late_replies;  // replies held back by "late", cancelled on close
  std::size_t late_bytes = 0;                         // their wire bytes, at most reply_limit
  std::string url;
  // Reply frames waiting (stats count a reply when it is handed to the link).
  std::uint64_t pending_replies = 0, pending_errors = 0;
  bool closed = false;
  std::function<void(const std::string&)> closed_handler;
  mutable std::mutex stats_mutex;
  host_stats stats;

  void start(std::unique_ptr<transport::link> l) {
    if (closed) return;
    url = l->url();
    channel->set_handlers({
        .frame = [this](const transport::frame_view& f) { serve(f); },
        .refused = {},
        .chunk_done =
            [this] {
              std::lock_guard lock(stats_mutex);
              stats.decoder = channel->stats();
            },
        .failed =
            [this](transport::frame_channel::operation op, const boost::system::error_code& ec) {
              close(url + ": " +
                    (op == transport::frame_channel::operation::read && transport::is_link_lost(ec) ? std::string("link lost")
                                                                                                   : ec.message()));
            },
        .writing =
            [this] {
              std::lock_guard lock(stats_mutex);
              stats.replies += pending_replies;
              stats.error_replies += pending_errors;
              pending_replies = pending_errors = 0;
            },
    });
    channel->open(std::move(l));
  }

  void serve(const transport::frame_view& f) {
    {
      std::lock_guard lock(stats_mutex);
      if (f.header.kind != frame_kind::request) {
        ++stats.wrong_kind;  // a device takes only requests; anything else is ignored
        return;
      }
      if (broadcast(f.header)) {
        ++stats.broadcasts;
      } else if (traits.has_address && f.header.address != address) {
        ++stats.other_address;  // another device's on a shared bus
        return;
      }
      ++stats.requests;
    }
    // In comframe's own framing sequence 0 is a send (docs/protocol.md); in a
    // device protocol's framing every request but a broadcast is answered, so a
    // Modbus TCP transaction id of 0 gets its reply.
    const bool answer = !broadcast(f.header) && (!traits.name.empty() || f.header.sequence != 0);
    auto r = dev.handle(f.header, f.payload, answer);
    if (!r) return;
    // One path for every reply: its header copies the request's command,
    // sequence and address; an error's payload is written as the framing
    // writes errors (comframe's code and text, Modbus's exception code).
    if (r->kind == frame_kind::error) r->payload = channel->get_framing().error_payload(r->error_code, r->error_message);
    reply({transport::protocol_version, r->kind, f.header.command, f.header.sequence, f.header.address},
          std::move(r->payload));
  }

  bool broadcast(const transport::frame_header& h) const noexcept {
    return traits.has_address && traits.broadcast_address && h.address == *traits.broadcast_address;
  }

  // A reply goes out now, later or never, as the reply faults say: held back
  // here, outside the channel, a late reply lets events and other replies go on.
  void reply(const transport::frame_header& h, std::vector<std::uint8_t> payload) {
    const reply_fate fate = faults ? faults->next_reply() : reply_fate{};
    if (fate.dropped) {
      // Made, never sent: counted as the device's reply, as a link that lost it would.
      std::lock_guard lock(stats_mutex);
      ++stats.replies;
      if (h.kind == frame_kind::error) ++stats.error_replies;
      return;
    }
    if (fate.late.count() == 0) return write(h, payload);
    // Held-back replies are bounded as waiting ones are: at most
    // max_reply_backlog_bytes of them (in the framing's bytes); one that does
    // not fit is dropped and counted, as a reply beyond the backlog.
    std::size_t wire = 0;
    try {
      std::vector<std::uint8_t> encoded;
      wire = channel->get_framing().encode(h, payload, encoded);
    } catch (const comframe::usage_error&) {
      std::lock_guard lock(stats_mutex);
      ++stats.unsendable;
      return;
    }
    if (late_bytes + wire > reply_limit) {
      std::lock_guard lock(stats_mutex);
      ++stats.replies_dropped;
      return;
    }
    late_bytes += wire;
    auto timer = late_replies.emplace(late_replies.end(), io, fate.late);
    timer->async_wait(
        [self = shared_from_this(), timer, wire, h, payload = std::move(payload)](const boost::system::error_code& ec) {
          if (ec || self->closed) return;  // closed: the timers were cancelled and the list is gone
          self->late_replies.erase(timer);
          self->late_bytes -= wire;
          self->write(h, payload);
        });
  }

  // Every frame the device sends: replies on the first lane, events behind them.
  void write(const transport::frame_header& h, std::span<const std::uint8_t> payload) {
    if (closed) return;
    const bool event = h.kind == frame_kind::event;
    try {
      channel->write(h, payload, event ? lane::normal : lane::first,
                     [&](std::size_t wire) { return event ? admit_event(wire) : admit_reply(h.kind, wire); });
    } catch (const comframe::usage_error&) {
      // The framing cannot carry it (framing::encode refuses it before queueing
      // anything): what a host asked must not end the device's process.
      std::lock_guard lock(stats_mutex);
      ++stats.unsendable;
    }
  }

  // An event that does not fit is dropped, but one always fits when none waits.
  bool admit_event(std::size_t wire) {
    std::lock_guard lock(stats_mutex);
    const std::size_t waiting = channel->queued_bytes(lane::normal) + channel->writing_bytes(lane::normal);
    if (waiting != 0 && waiting + wire > event_limit) {
      ++stats.events_dropped;
      return false;
    }
    stats.event_backlog_peak_bytes = std::max<std::uint64_t>(stats.event_backlog_peak_bytes, waiting + wire);
    ++stats.events;
    return true;
  }

  // The newest reply is kept: the waiting ones (not the write in progress) make
  // room, as they answer a host that stopped reading — so a host that comes
  // next is answered, not refused.
  bool admit_reply(frame_kind kind, std::size_t wire) {
    std::lock_guard lock(stats_mutex);
    if (channel->queued_bytes(lane::first) + channel->writing_bytes(lane::first) + wire > reply_limit) {
      stats.replies_dropped += pending_replies;
      channel->drop_queued(lane::first);
      pending_replies = pending_errors = 0;
    }
    const std::size_t waiting = channel->queued_bytes(lane::first) + channel->writing_bytes(lane::first);
    if (waiting + wire > reply_limit) {
      ++stats.replies_dropped;
      return false;
    }
    stats.reply_backlog_peak_bytes = std::max<std::uint64_t>(stats.reply_backlog_peak_bytes, waiting + wire);
    ++pending_replies;
    if (kind == frame_kind::error) ++pending_errors;
    return true;
  }

  void close(const std::string& reason) {
    if (closed) return;
    closed = true;
    for (auto& t : late_replies) t.cancel();
    late_replies.clear();  // the waits end with operation_aborted, which touches nothing
    late_bytes = 0;
    channel->close();
    if (closed_handler) closed_handler(reason);
  }
};

device_host::device_host(boost::asio::io_context& io, std::unique_ptr<transport::link> link, const device& dev,
                     device_host_options options)
    : payload_endian_(dev.profile().payload_endian()),
      impl_(std::make_shared<impl>(io, dev, options)) {
  boost::asio::post(io, [i = impl_, l = std::move(link)]() mutable { i->start(std::move(l)); });
}

device_host::~device_host() {
  // The owner's handlers may refer to objects already gone: they hear nothing more.
  auto& io = impl_->io;
  if (io.get_executor().running_in_this_thread() || io.stopped()) {
    impl_->closed_handler = nullptr;
    impl_->channel->observe_frames(nullptr);
    impl_->close("closed");
    return;
  }
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  boost::asio::post(io, [i = impl_, done, &io] {
    i->closed_handler = nullptr;
    i->channel->observe_frames(nullptr);
    i->close("closed");
    boost::asio::post(io, [done] { done->set_value(); });
  });
  finished.wait();
}

void device_host::emit(std::uint16_t event, std::vector<std::uint8_t> payload) {
  // On the I/O thread (a device's own handler) the event is queued at once.
  boost::asio::dispatch(impl_->io, [i = impl_, event, payload = std::move(payload)] {
    i->write({transport::protocol_version, frame_kind::event, event, 0, i->address}, payload);
  });
}

void device_host::on_closed(std::function<void(const std::string&)> handler) {
  boost::asio::post(impl_->io, [i = impl_, handler = std::move(handler)]() mutable { i->closed_handler = std::move(handler); });
}

void device_host::observe_frames(std::function<void(const devices::frame_record&)> observer) {
  boost::asio::post(impl_->io, [i = impl_, observer = std::move(observer)]() mutable {
    i->channel->observe_frames(std::move(observer));
  });
}

const transport::framing_traits& device_host::framing_traits() const noexcept { return impl_->traits; }

host_stats device_host::stats() const {
  std::lock_guard lock(impl_->stats_mutex);
  return impl_->stats;
}

}  // namespace comframe::firmware_sim

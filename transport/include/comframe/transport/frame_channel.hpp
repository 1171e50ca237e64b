// comframe/transport/frame_channel.hpp — frames over a link: the one frame pump
// that the host session, the simulated device's host, replay and log use.
//
// A channel reads from its link, feeds what arrives to its framing
// (framing.hpp), hands every good frame and every refused one to its handlers
// and to its frame observer, and queues the frames it is given for the link.
//
//   auto ch = frame_channel::make(make_comframe_framing({.incoming = direction::from_device}),
//                                 direction::from_device);
//   ch->set_handlers({.frame = [&](const frame_view& f) { … },
//                     .failed = [&](frame_channel::operation, const boost::system::error_code& ec) { … }});
//   ch->open(open_link(io, "loop://dev"));     // starts reading
//   ch->write({.kind = frame_kind::request, .command = 2, .sequence = 1}, payload);
//
// Writes are coalesced: frames written while a write is in progress, and
// frames written by the handlers while one chunk read from the link is
// decoded, go to the link together as one async_write of one contiguous buffer
// (one system call on a stream link). hold() coalesces the frames of any other
// scope the same way.
//
// Silence: when the framing asks for quiet line before each frame
// (framing_traits::silence_characters, Modbus RTU's 3.5 character times) and
// knows the baud rate (framing::baud()), frames go to the link one per write,
// each after the gap: silence × 11 / baud seconds, at least 1750 µs above 19200
// baud when the silence is 3.5 or more (Modbus's rule). The gap counts from the
// last byte seen on the line in either direction: the end of the previous
// frame written (its bytes' transmission time, 11 bits a byte, after it was
// handed to the link) or the arrival of the last bytes read, whichever is
// later — so a device answers a request only after the request's last byte
// was followed by the gap, and a host sends its next request the gap after a
// reply. Bytes read while a frame waits push it on, but a frame waits at most
// one gap past the time it was first due: on a line that never falls quiet
// (noise, another master talking) frames still go, each at most two gaps
// after it could first have gone. silence_waits() counts the frames held for
// the gap, once each. Without a baud rate there is no gap.
//
// Two lanes order what waits: frames on lane::first go out before frames
// already waiting on lane::normal (a device's replies before its events). The
// bytes waiting and in progress on each lane are visible, so an owner can bound
// them (admit and drop_queued).
//
// Failure: when a read or a write fails the channel closes the link, drops
// what waits and calls handlers.failed once; open() attaches a new link (the
// framing and its statistics are kept; call reset_framing() to drop a partly
// received frame). Completions of a link the channel let go of are ignored.
//
// Thread safety: a channel is used from its link's executor only (handlers run
// there). It is held by shared_ptr: outstanding operations keep it alive.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <deque>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "comframe/transport/frame.hpp"
#include "comframe/transport/frame_record.hpp"
#include "comframe/transport/framing.hpp"
#include "comframe/transport/link.hpp"

namespace comframe::transport {

class frame_channel : public std::enable_shared_from_this<frame_channel> {
 public:
  /// Which queue a written frame waits in.
  enum class lane : std::uint8_t { first = 0, normal = 1 };
  /// Which operation failed.
  enum class operation : std::uint8_t { read, write };

  /// What the channel calls, on the link's executor. Each may be empty.
  struct handlers {
    /// A good frame; the view is valid during the call.
    std::function<void(const frame_view&)> frame{};
    /// A refused frame with its raw bytes (valid during the call).
    std::function<void(frame_error, std::span<const std::uint8_t>)> refused{};
    /// After each chunk read from the link was decoded: stats() is current.
    std::function<void()> chunk_done{};
    /// A read or write failed; the channel has already let the link go.
    std::function<void(operation, const boost::system::error_code&)> failed{};
    /// Just before waiting frames are handed to the link.
    std::function<void()> writing{};
  };

  /// A channel with this framing; `incoming` is the direction of the frames it
  /// reads (records of written frames carry the other one). Attach a link with open().
  static std::shared_ptr<frame_channel> make(std::unique_ptr<framing> f, direction incoming,
                                             std::size_t read_buffer_bytes = 64 * 1024);

  frame_channel(const frame_channel&) = delete;
  frame_channel& operator=(const frame_channel&) = delete;
  ~frame_channel();

  void set_handlers(handlers h) { handlers_ = std::move(h); }
  /// Called for every frame read (good or refused) and every frame queued for
  /// the link; empty to stop. Records of written frames are made when queued.
  void observe_frames(std::function<void(const frame_record&)> observer) { observer_ = std::move(observer); }
  bool observed() const noexcept { return static_cast<bool>(observer_); }

  /// Attaches `l` (closing one attached before) and starts reading. With
  /// `resync`, the first frame written is preceded by the framing's resync bytes.
  void open(std::unique_ptr<link> l, bool resync = false);
  /// Closes the link and drops what waits; handlers are not called for it.
  void close();
  /// True while a link is attached.
  bool is_open() const noexcept { return link_ != nullptr; }
  /// The attached link, or nullptr.
  link* current_link() const noexcept { return link_.get(); }

  /// Queues one frame and starts writing unless a write is in progress or
  /// writes are held. Returns false (and queues nothing) when no link is
  /// attached. Throws usage_error ("transport.usage") for a payload over the framing's maximum.
  bool write(const frame_header& header, std::span<const std::uint8_t> payload, lane l = lane::normal);
  /// Decides whether a frame of `wire_bytes` encoded bytes is queued. It is
  /// called before the frame joins its lane (queued_bytes() does not count it)
  /// and may call drop_queued() to make room.
  using admit_fn = detail::function_ref<bool(std::size_t wire_bytes)>;
  /// As write(), asking `admit` first; a frame it refuses is neither queued nor observed.
  bool write(const frame_header& header, std::span<const std::uint8_t> payload, lane l, admit_fn admit);

  /// Bytes waiting on lane `l`, not yet handed to the link.
  std::size_t queued_bytes(lane l) const noexcept { return queue_[index(l)].size(); }
  /// Bytes of lane `l` in the write in progress.
  std::size_t writing_bytes(lane l) const noexcept { return writing_bytes_[index(l)]; }
  /// Drops the bytes waiting on lane `l` (not the write in progress); returns how many.
  std::size_t drop_queued(lane l) noexcept;

  /// While held, written frames wait; release() hands them to the link in one write.
  void hold() noexcept { ++held_; }
  void release();

  /// Drops a partly received frame (a new link), as framing::reset().
  void reset_framing() noexcept { framing_->reset(); }
  const decoder_stats& stats() const noexcept { return framing_->stats(); }
  framing& get_framing() noexcept { return *framing_; }
  /// The quiet line kept before each frame sent (see the file comment); zero for none.
  std::chrono::nanoseconds silence_gap() const noexcept { return gap_; }
  /// How many frames waited for the gap (after a frame written or bytes read)
  /// before they went to the link, each counted once however long it waited;
  /// always 0 without a gap.
  std::uint64_t silence_waits() const noexcept { return silence_waits_; }

 private:
  frame_channel(std::unique_ptr<framing> f, direction incoming, std::size_t read_buffer_bytes);
  static constexpr std::size_t index(lane l) noexcept { return static_cast<std::size_t>(l); }
  bool queue(const frame_header& header, std::span<const std::uint8_t> payload, lane l, admit_fn* admit);
  void start_read();
  void on_read(std::uint64_t generation, const boost::system::error_code& ec, std::size_t n);
  void flush();
  void flush_paced();
  void on_written(std::uint64_t generation, const boost::system::error_code& ec);
  void let_go();
  void fail(operation op, const boost::system::error_code& ec);
  void notify(direction dir, const frame_header* h, std::span<const std::uint8_t> bytes, const frame_error* e,
              std::span<const std::uint8_t> kept);

  std::unique_ptr<framing> framing_;
  direction incoming_;
  handlers handlers_;
  std::function<void(const frame_record&)> observer_;
  std::unique_ptr<link> link_;
  std::uint64_t generation_ = 0;  // which link a completion belongs to
  std::vector<std::uint8_t> read_buffer_;
  std::array<std::vector<std::uint8_t>, 2> queue_;
  std::vector<std::uint8_t> out_;      // the write in progress
  std::vector<std::uint8_t> scratch_;  // a frame waiting for admit
  std::array<std::size_t, 2> writing_bytes_{};
  std::vector<std::uint8_t> kept_;     // a written frame's kept form, for the observer
  // Silence between frames: each lane's frame sizes, and when the next may go.
  std::chrono::nanoseconds gap_{0};
  std::chrono::nanoseconds byte_time_{0};
  std::array<std::deque<std::size_t>, 2> sizes_;
  std::chrono::steady_clock::time_point next_send_{};
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::uint64_t silence_waits_ = 0;
  // The frame at the head has waited (counted): it goes at head_limit_ at the latest.
  bool head_waited_ = false;
  std::chrono::steady_clock::time_point head_limit_{};
  bool waiting_ = false;  // the timer runs until the next frame may go
  bool writing_ = false;
  bool resync_ = false;
  unsigned held_ = 0;
};

}  // namespace comframe::transport

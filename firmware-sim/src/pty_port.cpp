#include "comframe/firmware_sim/pty_port.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fcntl.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>

#include "comframe/core/error.hpp"

namespace comframe::firmware_sim {

namespace {

using boost::system::error_code;

[[noreturn]] void fail(const std::string& message) { throw comframe::error("firmware_sim.pty", message); }

std::string os_reason(int err) { return std::strerror(err); }

bool points_at(const std::string& link_path, const std::string& target) {
  if (link_path.empty() || target.empty()) return false;
  std::string buffer(4096, '\0');
  const ssize_t n = ::readlink(link_path.c_str(), buffer.data(), buffer.size());
  return n > 0 && static_cast<std::size_t>(n) == target.size() && buffer.compare(0, target.size(), target) == 0;
}

// A symlink under a temporary name renamed over link_path: a host never sees
// the path missing or half made while a stale link is replaced.
void make_symlink(const std::string& link_path, const std::string& target) {
  struct stat st{};
  if (::lstat(link_path.c_str(), &st) == 0 && !S_ISLNK(st.st_mode))
    fail("cannot create the link " + link_path + ": it exists and is not a symbolic link");
  static std::atomic<unsigned> counter{0};
  const std::string temp = link_path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  if (::symlink(target.c_str(), temp.c_str()) != 0) fail("cannot create the link " + link_path + ": " + os_reason(errno));
  if (::rename(temp.c_str(), link_path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    fail("cannot create the link " + link_path + ": " + os_reason(err));
  }
}

struct pending_read {
  std::span<std::uint8_t> buffer;
  transport::link::handler handler;
};
struct pending_write {
  std::span<const std::uint8_t> data;
  std::size_t written = 0;
  transport::link::handler handler;
};

}  // namespace

// Everything below is guarded by `mutex`, so the port's members may be called
// from any thread while the link runs on the io_context. User handlers are
// always posted, never called under the lock.
struct pty_port::state : std::enable_shared_from_this<pty_port::state> {
  state(boost::asio::io_context& io_, pty_options o)
      : io(io_), options(std::move(o)), gap_timer(io_), retry_timer(io_), unread_timer(io_) {}

  boost::asio::io_context& io;
  pty_options options;
  mutable std::mutex mutex;
  std::optional<boost::asio::posix::stream_descriptor> master;
  int slave_fd = -1;
  std::string slave_path;
  std::uint64_t generation = 0;  // bumped for every pty closed, so stale completions are ignored
  bool closed = false;
  pty_stats stats;
  boost::asio::steady_timer gap_timer;
  boost::asio::steady_timer retry_timer;
  boost::asio::steady_timer unread_timer;
  bool unread_timer_armed = false;

  // The link's side.
  bool link_open = false;
  bool reading = false;       // a read is outstanding on the current master
  bool retry_armed = false;   // a read waits for the retry timer (EIO)
  bool waiting_write = false; // an async_wait(write) is outstanding on the current master
  std::optional<pending_read> read;
  std::optional<pending_write> write;

  void complete(transport::link::handler h, error_code ec, std::size_t n) {
    boost::asio::post(io, [h = std::move(h), ec, n] { h(ec, n); });
  }

  // --- the pty ---

  void open_pty() {
    int m = -1;
    int s = -1;
    if (::openpty(&m, &s, nullptr, nullptr, nullptr) != 0) fail("cannot open a pseudo-terminal: " + os_reason(errno));
    char name[256] = {};
    if (::ptsname_r(m, name, sizeof name) != 0) {
      const int err = errno;
      ::close(m);
      ::close(s);
      fail("cannot name the pseudo-terminal: " + os_reason(err));
    }
    termios tio{};
    if (::tcgetattr(s, &tio) == 0) {
      ::cfmakeraw(&tio);
      ::tcsetattr(s, TCSANOW, &tio);
    }
    ::fcntl(m, F_SETFD, FD_CLOEXEC);
    ::fcntl(s, F_SETFD, FD_CLOEXEC);
    ::fcntl(m, F_SETFL, ::fcntl(m, F_GETFL) | O_NONBLOCK);
    try {
      if (!options.link_path.empty()) make_symlink(options.link_path, name);
    } catch (...) {
      ::close(m);
      ::close(s);
      throw;
    }
    master.emplace(io, m);
    slave_fd = s;
    slave_path = name;
    ++stats.ptys_opened;
    if (read) start_read();
  }

  // Closes the current pty: hosts see link_lost. The link's read stays pending
  // for the next pty; the rest of a write in progress is lost with this one.
  void close_pty() {
    ++generation;
    error_code ignored;
    unread_timer.cancel();
    unread_timer_armed = false;
    retry_timer.cancel();
    retry_armed = false;
    reading = false;
    waiting_write = false;
    // The link goes first: once the pty is closed its number is free for the
    // next pty anyone makes, and a host reopening the link must not find that one.
    if (points_at(options.link_path, slave_path)) ::unlink(options.link_path.c_str());
    if (master) {
      master->close(ignored);
      master.reset();
    }
    if (slave_fd >= 0) ::close(slave_fd);
    slave_fd = -1;
    slave_path.clear();
    if (write) {
      stats.bytes_discarded += write->data.size() - write->written;
      complete(std::move(write->handler), {}, write->data.size());
      write.reset();
    }
  }

  void close_port() {
    if (closed) return;
    closed = true;
    gap_timer.cancel();
    close_pty();
    if (read) {
      complete(std::move(read->handler), transport::link_errc::link_lost, 0);
      read.reset();
    }
  }

  // --- reads ---

  void start_read() {
    if (!read || reading || retry_armed || !master) return;
    reading = true;
    master->async_read_some(boost::asio::buffer(read->buffer.data(), read->buffer.size()),
                            [self = shared_from_this(), gen = generation](error_code ec, std::size_t n) {
                              self->on_read(gen, ec, n);
                            });
  }

  void on_read(std::uint64_t gen, error_code ec, std::size_t n) {
    std::unique_lock lock(mutex);
    if (gen != generation) return;  // that pty is gone; the read restarted on the next one
    reading = false;
    if (!read) return;
    if (!ec || n > 0) {
      auto h = std::move(read->handler);
      read.reset();
      lock.unlock();
      return h({}, n);
    }
    if (ec == boost::asio::error::operation_aborted) return;
    if (ec == boost::system::errc::io_error || ec == boost::asio::error::eof) {
      // No slave open (the kept one prevents this, but a host's vhangup can
      // cause it): the device is still there, so wait for a host to come.
      retry_armed = true;
      retry_timer.expires_after(std::chrono::milliseconds(20));
      retry_timer.async_wait([self = shared_from_this(), gen](error_code) {
        std::lock_guard relock(self->mutex);
        if (gen != self->generation) return;
        self->retry_armed = false;
        self->start_read();
      });
      return;
    }
    auto h = std::move(read->handler);
    read.reset();
    lock.unlock();
    h(ec, 0);
  }

  // --- writes ---

  void try_write() {
    while (write && master) {
      const auto rest = write->data.subspan(write->written);
      const ssize_t n = ::write(master->native_handle(), rest.data(), rest.size());
      if (n > 0) {
        write->written += static_cast<std::size_t>(n);
        if (write->written == write->data.size()) {
          unread_timer.cancel();
          unread_timer_armed = false;
          complete(std::move(write->handler), {}, write->data.size());
          write.reset();
        }
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return wait_writable();
      const int err = n < 0 ? errno : EIO;
      if (err == EIO) {
        // The slave side is gone: the bytes leave on a line with nothing attached.
        stats.bytes_discarded += rest.size();
        complete(std::move(write->handler), {}, write->data.size());
      } else {
        complete(std::move(write->handler), error_code(err, boost::system::system_category()), write->written);
      }
      write.reset();
    }
  }

  void wait_writable() {
    if (!waiting_write) {
      waiting_write = true;
      master->async_wait(boost::asio::posix::stream_descriptor::wait_write,
                         [self = shared_from_this(), gen = generation](error_code) {
                           std::lock_guard lock(self->mutex);
                           if (gen != self->generation) return;
                           self->waiting_write = false;
                           self->try_write();
                         });
    }
    if (!unread_timer_armed) {
      unread_timer_armed = true;
      unread_timer.expires_after(options.unread_timeout_ms);
      unread_timer.async_wait([self = shared_from_this(), gen = generation](error_code ec) {
        std::lock_guard lock(self->mutex);
        if (ec || gen != self->generation) return;
        self->unread_timer_armed = false;
        if (!self->write || self->slave_fd < 0) return;
        // Nobody read the pty for unread_timeout_ms: drop what is waiting, as
        // bytes on a line with nothing attached are lost.
        int unread = 0;
        if (::ioctl(self->slave_fd, FIONREAD, &unread) == 0 && unread > 0)
          self->stats.bytes_flushed_unread += static_cast<std::uint64_t>(unread);
        ::tcflush(self->slave_fd, TCIFLUSH);
        self->try_write();
      });
    }
  }
};

namespace {

class pty_link final : public transport::link {
 public:
  pty_link(std::shared_ptr<pty_port::state> s, std::string url) : s_(std::move(s)), url_(std::move(url)) {}
  ~pty_link() override { close(); }

  boost::asio::any_io_executor get_executor() override { return s_->io.get_executor(); }

  void async_read_some(std::span<std::uint8_t> buffer, handler h) override {
    std::lock_guard lock(s_->mutex);
    if (refuse(h)) return;
    if (buffer.empty()) return s_->complete(std::move(h), {}, 0);
    s_->read = pending_read{buffer, std::move(h)};
    s_->start_read();
  }

  void async_write(std::span<const std::uint8_t> data, handler h) override {
    std::lock_guard lock(s_->mutex);
    if (refuse(h)) return;
    if (data.empty()) return s_->complete(std::move(h), {}, 0);
    if (!s_->master) {  // a disconnect gap: the bytes go nowhere
      s_->stats.bytes_discarded += data.size();
      return s_->complete(std::move(h), {}, data.size());
    }
    s_->write = pending_write{data, 0, std::move(h)};
    s_->try_write();
  }

  // Straight to the master when no write waits; anything else (would block,
  // no host, an error) is left to async_write.
  std::size_t write_now(std::span<const std::uint8_t> data) override {
    std::lock_guard lock(s_->mutex);
    if (data.empty() || !open_ || s_->closed || s_->write || !s_->master) return 0;
    const ssize_t n = ::write(s_->master->native_handle(), data.data(), data.size());
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }

  void close() override {
    std::lock_guard lock(s_->mutex);
    if (!open_) return;
    open_ = false;
    s_->link_open = false;
    const error_code aborted = boost::asio::error::operation_aborted;
    if (s_->read) s_->complete(std::move(s_->read->handler), aborted, 0);
    if (s_->write) s_->complete(std::move(s_->write->handler), aborted, s_->write->written);
    s_->read.reset();
    s_->write.reset();
    // Ignore completions of what this link started on the current pty.
    if (s_->master && (s_->reading || s_->waiting_write)) {
      error_code ignored;
      s_->master->cancel(ignored);
    }
    s_->unread_timer.cancel();
    s_->unread_timer_armed = false;
    s_->retry_timer.cancel();
    s_->retry_armed = false;
    s_->reading = false;
    s_->waiting_write = false;
    ++s_->generation;
  }

  bool is_open() const override { return open_; }
  const std::string& url() const override { return url_; }

 private:
  bool refuse(handler& h) {
    if (!open_) {
      s_->complete(std::move(h), boost::asio::error::bad_descriptor, 0);
      return true;
    }
    if (s_->closed) {
      s_->complete(std::move(h), transport::link_errc::link_lost, 0);
      return true;
    }
    return false;
  }

  std::shared_ptr<pty_port::state> s_;
  std::string url_;
  bool open_ = true;
};

}  // namespace

pty_port::pty_port(boost::asio::io_context& io, pty_options options)
    : link_path_(options.link_path), state_(std::make_shared<state>(io, std::move(options))) {
  if (state_->options.unread_timeout_ms.count() <= 0) fail("unread_timeout_ms must be positive");
  std::lock_guard lock(state_->mutex);
  state_->open_pty();
}

pty_port::~pty_port() { close(); }

std::string pty_port::path() const {
  std::lock_guard lock(state_->mutex);
  return state_->slave_path;
}

const std::string& pty_port::link_path() const noexcept { return link_path_; }

std::string pty_port::host_path() const { return link_path_.empty() ? path() : link_path_; }

std::unique_ptr<transport::link> pty_port::link() {
  std::lock_guard lock(state_->mutex);
  if (state_->link_open) fail("the pty port " + (link_path_.empty() ? state_->slave_path : link_path_) +
                              " already has an open link");
  state_->link_open = true;
  return std::make_unique<pty_link>(state_, link_path_.empty() ? state_->slave_path : link_path_);
}

void pty_port::reopen() {
  std::lock_guard lock(state_->mutex);
  if (state_->closed) fail("cannot reopen a closed pty port");
  state_->gap_timer.cancel();
  state_->close_pty();
  try {
    state_->open_pty();
  } catch (...) {
    state_->close_port();
    throw;
  }
}

void pty_port::disconnect(std::chrono::milliseconds gap_ms, std::function<void(const std::string&)> back) {
  std::lock_guard lock(state_->mutex);
  if (state_->closed) return;
  state_->close_pty();
  state_->gap_timer.expires_after(gap_ms);
  state_->gap_timer.async_wait([self = state_, back = std::move(back)](error_code ec) {
    if (ec) return;
    std::string path;
    {
      std::lock_guard relock(self->mutex);
      if (self->closed || self->master) return;
      try {
        self->open_pty();
        path = self->slave_path;
      } catch (const std::exception&) {
        self->close_port();
      }
    }
    if (back) back(path);
  });
}

void pty_port::close() {
  std::lock_guard lock(state_->mutex);
  state_->close_port();
}

bool pty_port::is_open() const {
  std::lock_guard lock(state_->mutex);
  return !state_->closed;
}

pty_stats pty_port::stats() const {
  std::lock_guard lock(state_->mutex);
  return state_->stats;
}

}  // namespace comframe::firmware_sim

#include "comframe/firmware_sim/program_host.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>

#include "comframe/core/error.hpp"
#include "comframe/transport/framing.hpp"

extern char** environ;

namespace comframe::firmware_sim {

namespace {

using boost::system::error_code;
using transport::direction;
using transport::frame_kind;

[[noreturn]] void fail_exec(const std::string& detail) { throw comframe::error("firmware_sim.exec", detail); }

// A descriptor pair from pipe2 that closes what it still owns.
struct fd_pair {
  int fd[2] = {-1, -1};
  fd_pair() = default;
  fd_pair(const fd_pair&) = delete;
  fd_pair& operator=(const fd_pair&) = delete;
  ~fd_pair() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  int take(int i) { return std::exchange(fd[i], -1); }
};

// "./fw exited with status 3", "./fw was killed by signal 11 (SIGSEGV)".
std::string describe_status(const std::string& program, int status) {
  if (WIFEXITED(status)) return program + " exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::sigabbrev_np(sig);
    return program + " was killed by signal " + std::to_string(sig) + (name ? " (SIG" + std::string(name) + ")" : "");
  }
  return program + " ended with wait status " + std::to_string(status);
}

// Starts the program with its stdin and stdout on pipes; returns its pid and
// sets `to_stdin` and `from_stdout` to the simulator's ends (close-on-exec).
pid_t spawn(const program_options& o, int& to_stdin, int& from_stdout) {
  fd_pair in, out;
  if (::pipe2(in.fd, O_CLOEXEC) != 0 || ::pipe2(out.fd, O_CLOEXEC) != 0)
    fail_exec("cannot run " + o.program + ": cannot make its pipes: " + std::strerror(errno));

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fd[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
  // Nothing else of the simulator's: its listening socket, a host's connection
  // or a bridge's would outlive it in the program (and in what that starts).
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // A process group of its own: a Ctrl-C meant for the simulator does not
  // reach it (the simulator stops it). Every signal at its default action
  // (SIGPIPE is ignored here) and none blocked.
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(o.program.c_str()));
  for (const auto& a : o.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, o.program.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    std::string why = std::strerror(rc);
    if (rc == ENOENT && o.program.find('/') == std::string::npos) why += " (looked up in PATH)";
    fail_exec("cannot run " + o.program + ": " + why);
  }
  to_stdin = in.take(1);
  from_stdout = out.take(0);
  return pid;
}

}  // namespace

struct program_host::impl : std::enable_shared_from_this<program_host::impl> {
  impl(boost::asio::io_context& io_, program_options o)
      : io(io_),
        options(std::move(o)),
        to_stdin(io),
        from_stdout(io),
        exit_watch(io),
        grace(io),
        from_program_buffer(options.read_buffer_bytes),
        to_program_buffer(options.read_buffer_bytes),
        tap_to_device(transport::make_comframe_framing({direction::to_device, nullptr, transport::default_max_payload_size})),
        tap_from_device(
            transport::make_comframe_framing({direction::from_device, nullptr, transport::default_max_payload_size})) {
    if (options.program.empty()) throw usage_error("firmware_sim", "program_host: no program given");
    if (options.stop_grace_ms.count() < 0) throw usage_error("firmware_sim", "program_host: stop_grace_ms below 0");
    if (options.read_buffer_bytes == 0) throw usage_error("firmware_sim", "program_host: read_buffer_bytes must be positive");
    // Writing to a program that closed its stdin must fail with EPIPE, not kill us.
    struct sigaction old {};
    if (::sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);

    int in_fd = -1, out_fd = -1;
    pid = spawn(options, in_fd, out_fd);
    to_stdin.assign(in_fd);
    from_stdout.assign(out_fd);
    // A descriptor that turns readable when the program ends (Linux 5.3; glibc's
    // <sys/pidfd.h> of Debian 12 cannot be included from C++).
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
      const int e = errno;
      stop();
      fail_exec("cannot watch " + options.program + " (pid " + std::to_string(pid) + "): " + std::strerror(e));
    }
    exit_watch.assign(pidfd);
  }

  boost::asio::io_context& io;
  const program_options options;
  pid_t pid = -1;
  boost::asio::posix::stream_descriptor to_stdin, from_stdout, exit_watch;
  boost::asio::steady_timer grace;
  std::vector<std::uint8_t> from_program_buffer, to_program_buffer;
  std::unique_ptr<transport::framing> tap_to_device, tap_from_device;

  std::unique_ptr<transport::link> line;
  std::uint64_t line_generation = 0;
  // A write to its stdin is under way, from to_program_buffer: no line reads
  // (into that buffer) until it completes, and no second write starts.
  bool stdin_write_pending = false;
  bool stdin_closed = false;
  bool released = false;  // let_go() ran: completions do nothing

  // How the program ends its part (see the file comment).
  std::optional<int> exit_status;  // set when reaped
  bool stdout_ended = false;
  std::string stream_closed;       // "PROG closed its stdout", the first stream it closed
  bool grace_armed = false, grace_over = false;
  bool line_writing = false;       // the program's bytes are on their way out
  bool ended = false;
  std::string how_it_ended;        // stop()'s result once reaped

  std::function<void(const std::string&)> ended_handler, line_closed_handler;
  std::function<void(const devices::frame_record&)> observer;
  mutable std::mutex stats_mutex;
  program_stats stats;

  void start() {
    read_program();
    watch_exit();
    watch_stdin();
  }

  // ---- the program's stdout -> the line -------------------------------------

  void read_program() {
    from_stdout.async_read_some(boost::asio::buffer(from_program_buffer),
                                [self = shared_from_this()](const error_code& ec, std::size_t n) {
                                  self->on_program_bytes(ec, n);
                                });
  }

  void on_program_bytes(const error_code& ec, std::size_t n) {
    if (released) return;
    if (ec) {
      stdout_ended = true;
      close_stream("stdout");
      return;
    }
    const std::span<const std::uint8_t> bytes(from_program_buffer.data(), n);
    tap(direction::from_device, *tap_from_device, bytes);
    {
      std::lock_guard lock(stats_mutex);
      stats.bytes_from_program += n;
      if (!line) stats.bytes_discarded += n;
    }
    if (!line) return read_program();
    // The next read waits for the line to take these bytes: the back pressure of a slow line.
    line_writing = true;
    line->async_write(bytes, [self = shared_from_this(), gen = line_generation](const error_code& e, std::size_t) {
      if (self->released) return;
      self->line_writing = false;
      if (e && gen == self->line_generation) self->line_failed(e);
      self->read_program();  // a line let go meanwhile: what comes next is discarded
      self->check_ended();   // its last bytes have left
    });
  }

  // ---- the line -> the program's stdin --------------------------------------

  void attach(std::unique_ptr<transport::link> l) {
    if (line) line->close();
    line = std::move(l);
    ++line_generation;
    // A write of the previous line's bytes may still be waiting for the program
    // to read: its completion starts this line's reading.
    if (!stdin_write_pending) read_line();
  }

  void read_line() {
    line->async_read_some(to_program_buffer, [self = shared_from_this(), gen = line_generation](const error_code& ec,
                                                                                                std::size_t n) {
      if (self->released || gen != self->line_generation) return;
      if (ec) return self->line_failed(ec);
      self->on_line_bytes(n);
    });
  }

  void on_line_bytes(std::size_t n) {
    const std::span<const std::uint8_t> bytes(to_program_buffer.data(), n);
    tap(direction::to_device, *tap_to_device, bytes);
    if (stdin_closed) {
      std::lock_guard lock(stats_mutex);
      stats.bytes_discarded += n;
      return read_line();
    }
    stdin_write_pending = true;
    boost::asio::async_write(to_stdin, boost::asio::buffer(bytes.data(), bytes.size()),
                             [self = shared_from_this()](const error_code& ec, std::size_t m) {
                               if (self->released) return;
                               self->stdin_write_pending = false;
                               {
                                 std::lock_guard lock(self->stats_mutex);
                                 self->stats.bytes_to_program += m;
                               }
                               if (ec) {
                                 // EPIPE: it closed its stdin. What the host sends from now on goes nowhere.
                                 self->stdin_closed = true;
                                 self->close_stream("stdin");
                               }
                               // The line these bytes came from, or the one attached meanwhile.
                               if (self->line) self->read_line();
                             });
  }

  // Linux reports an error on a pipe's write end once no reader is left: the
  // program closed its stdin (or ended), noticed without a byte to write.
  void watch_stdin() {
    to_stdin.async_wait(boost::asio::posix::stream_descriptor::wait_error, [self = shared_from_this()](const error_code& ec) {
      if (ec || self->released || self->stdin_closed) return;  // ec: closed by stop() or let_go()
      self->stdin_closed = true;
      self->close_stream("stdin");
    });
  }

  void line_failed(const error_code& ec) {
    if (!line) return;
    const std::string reason =
        line->url() + ": " + (transport::is_link_lost(ec) ? std::string("link lost") : ec.message());
    line->close();
    line.reset();
    ++line_generation;
    if (line_closed_handler) line_closed_handler(reason);
  }

  // ---- the tap: frames in the relayed bytes ---------------------------------

  void tap(direction dir, transport::framing& f, std::span<const std::uint8_t> bytes) {
    f.feed(
        bytes,
        [&](const transport::frame_view& v) {
          count(dir, v.header.kind);
          if (observer) observer(devices::frame_record{dir, std::chrono::system_clock::now(), v.header, v.payload, {}, v.bytes});
        },
        [&](transport::frame_error e, std::span<const std::uint8_t> raw) {
          if (observer) observer(devices::frame_record{dir, std::chrono::system_clock::now(), std::nullopt, raw, e, raw});
        });
    std::lock_guard lock(stats_mutex);
    stats.frames.decoder = tap_to_device->stats();
    stats.program_decoder = tap_from_device->stats();
  }

  void count(direction dir, frame_kind kind) {
    std::lock_guard lock(stats_mutex);
    auto& s = stats.frames;
    if (dir == direction::to_device) {
      if (kind == frame_kind::request) ++s.requests;
      else ++s.wrong_kind;
      return;
    }
    if (kind == frame_kind::response || kind == frame_kind::error) ++s.replies;
    if (kind == frame_kind::error) ++s.error_replies;
    if (kind == frame_kind::event) ++s.events;
  }

  // ---- how the program ends ---------------------------------------------------

  void watch_exit() {
    exit_watch.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                          [self = shared_from_this()](const error_code& ec) {
                            if (ec || self->released) return;
                            self->reap(0);
                            if (!self->exit_status) return self->watch_exit();
                            self->start_grace();
                            self->check_ended();
                          });
  }

  // A stream closed while the program may still run: give it stop_grace_ms to exit.
  void close_stream(const char* which) {
    if (stream_closed.empty()) stream_closed = options.program + " closed its " + which;
    start_grace();
    check_ended();
  }

  void start_grace() {
    if (grace_armed) return;
    grace_armed = true;
    static_cast<void>(grace.expires_after(options.stop_grace_ms));
    grace.async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec || self->released) return;
      self->grace_over = true;
      self->check_ended();
    });
  }

  void check_ended() {
    if (ended || !how_it_ended.empty()) return;
    std::string reason;
    if (exit_status && ((stdout_ended && !line_writing) || grace_over))
      reason = describe_status(options.program, *exit_status);
    else if (!exit_status && !stream_closed.empty() && grace_over) reason = stream_closed;
    else return;
    if (!ended_handler) return;  // told when one is given (on_ended)
    ended = true;
    ended_handler(reason);
  }

  // Reaps the program if it has ended; `flags` 0 for WNOHANG, else blocks.
  void reap(int flags) {
    if (exit_status) return;
    int status = 0;
    pid_t r;
    do r = ::waitpid(pid, &status, flags == 0 ? WNOHANG : 0);
    while (r < 0 && errno == EINTR);
    if (r == pid) exit_status = status;
  }

  // Waits up to `timeout` for the program to end (its pidfd turns readable).
  bool wait_for_exit(std::chrono::milliseconds timeout) {
    pollfd p{exit_watch.is_open() ? exit_watch.native_handle() : -1, POLLIN, 0};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      reap(0);
      if (exit_status || p.fd < 0) return exit_status.has_value();
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      ::poll(&p, 1, static_cast<int>(left.count()));
    }
  }

  // To its process group (a wrapper script's children too), or to it alone if it left the group.
  void signal_program(int sig) {
    if (::kill(-pid, sig) != 0) ::kill(pid, sig);
  }

  std::string stop() {
    if (!how_it_ended.empty()) return how_it_ended;
    if (!exit_status) {
      error_code ignored;
      to_stdin.close(ignored);  // end of file on its stdin: a program may take it as the hint
      stdin_closed = true;
      signal_program(SIGTERM);
      if (!wait_for_exit(options.stop_grace_ms)) {
        signal_program(SIGKILL);
        reap(1);
      }
    }
    how_it_ended = exit_status ? describe_status(options.program, *exit_status) : options.program + " could not be reaped";
    return how_it_ended;
  }

  void let_go() {
    released = true;
    error_code ignored;
    grace.cancel();
    to_stdin.close(ignored);
    from_stdout.close(ignored);
    exit_watch.close(ignored);
    if (line) line->close();
    line.reset();
    ++line_generation;
    ended_handler = nullptr;
    line_closed_handler = nullptr;
    observer = nullptr;
  }
};

program_host::program_host(boost::asio::io_context& io, program_options options)
    : impl_(std::make_shared<impl>(io, std::move(options))) {
  boost::asio::post(io, [i = impl_] { i->start(); });
}

program_host::~program_host() {
  impl_->stop();
  impl_->let_go();
}

void program_host::attach(std::unique_ptr<transport::link> line) {
  boost::asio::post(impl_->io, [i = impl_, l = std::move(line)]() mutable { i->attach(std::move(l)); });
}

void program_host::on_ended(std::function<void(const std::string&)> handler) {
  boost::asio::post(impl_->io, [i = impl_, h = std::move(handler)]() mutable {
    i->ended_handler = std::move(h);
    i->check_ended();  // it may have ended already
  });
}

void program_host::on_line_closed(std::function<void(const std::string&)> handler) {
  boost::asio::post(impl_->io, [i = impl_, h = std::move(handler)]() mutable { i->line_closed_handler = std::move(h); });
}

void program_host::observe_frames(std::function<void(const devices::frame_record&)> observer) {
  boost::asio::post(impl_->io, [i = impl_, o = std::move(observer)]() mutable { i->observer = std::move(o); });
}

program_stats program_host::stats() const {
  std::lock_guard lock(impl_->stats_mutex);
  return impl_->stats;
}

pid_t program_host::pid() const noexcept { return impl_->pid; }

const std::string& program_host::program() const noexcept { return impl_->options.program; }

std::string program_host::stop() { return impl_->stop(); }

}  // namespace comframe::firmware_sim

#include "comframe/firmware_sim/simulator.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "comframe/devices/bridge_feed.hpp"
#include "comframe/firmware_sim/paced_link.hpp"
#include "comframe/firmware_sim/pty_port.hpp"
#include "comframe/firmware_sim/sim_definition.hpp"
#include "comframe/firmware_sim/program_host.hpp"

namespace comframe::firmware_sim {

std::unique_ptr<simulated_device> make_simulation(const std::string& device, const std::string& sim_file,
                                                  const std::string& profile_file) {
  if ((!device.empty()) + (!sim_file.empty()) + (!profile_file.empty()) != 1)
    throw usage_error("firmware_sim", "give exactly one of a built-in device, a sim file or a profile file");
  if (!sim_file.empty()) return std::make_unique<sim_definition>(load_sim_file(sim_file));
  if (!profile_file.empty())  // a bare profile is a sim file without replies
    return std::make_unique<sim_definition>(parse_sim_file(nlohmann::json{{"profile_file", profile_file}}.dump()));
  if (auto d = make_builtin_device(device)) return d;
  throw comframe::error("firmware_sim.unknown_device", "no built-in device \"" + device + "\" (the devices are: " +
                                                           std::string(builtin_device_names) + ")");
}

void accumulate(host_stats& into, const host_stats& s) {
  into.requests += s.requests;
  into.replies += s.replies;
  into.error_replies += s.error_replies;
  into.replies_dropped += s.replies_dropped;
  into.events += s.events;
  into.events_dropped += s.events_dropped;
  into.wrong_kind += s.wrong_kind;
  into.other_address += s.other_address;
  into.broadcasts += s.broadcasts;
  into.unsendable += s.unsendable;
  into.reply_backlog_peak_bytes = std::max(into.reply_backlog_peak_bytes, s.reply_backlog_peak_bytes);
  into.event_backlog_peak_bytes = std::max(into.event_backlog_peak_bytes, s.event_backlog_peak_bytes);
  auto& d = into.decoder;
  d.frames += s.decoder.frames;
  d.bytes += s.decoder.bytes;
  d.empty_frames += s.decoder.empty_frames;
  d.cobs_errors += s.decoder.cobs_errors;
  d.too_short += s.decoder.too_short;
  d.oversize += s.decoder.oversize;
  d.crc_errors += s.decoder.crc_errors;
  d.bad_version += s.decoder.bad_version;
  d.bad_kind += s.decoder.bad_kind;
  d.escape_errors += s.decoder.escape_errors;
  d.length_errors += s.decoder.length_errors;
  d.truncated += s.decoder.truncated;
}

nlohmann::json stats_json(const host_stats& s, const fault_stats& f, const program_stats* p) {
  const auto& d = s.decoder;
  nlohmann::json j = {{"requests", s.requests},
                      {"replies", s.replies},
                      {"error_replies", s.error_replies},
                      {"replies_dropped", s.replies_dropped},
                      {"events", s.events},
                      {"events_dropped", s.events_dropped},
                      {"reply_backlog_peak_bytes", s.reply_backlog_peak_bytes},
                      {"event_backlog_peak_bytes", s.event_backlog_peak_bytes},
                      {"frame_errors",
                       {{"total", d.errors()},
                        {"cobs", d.cobs_errors},
                        {"crc", d.crc_errors},
                        {"too_short", d.too_short},
                        {"oversize", d.oversize},
                        {"bad_version", d.bad_version},
                        {"bad_kind", d.bad_kind},
                        {"escape", d.escape_errors},
                        {"length", d.length_errors},
                        {"truncated", d.truncated}}},
                      {"wrong_kind", s.wrong_kind},
                      {"other_address", s.other_address},
                      {"broadcasts", s.broadcasts},
                      {"unsendable", s.unsendable},
                      {"bytes_received", d.bytes},
                      {"faults",
                       {{"bytes_written", f.bytes_written},
                        {"bytes_dropped", f.bytes_dropped},
                        {"bytes_flipped", f.bytes_flipped},
                        {"garbage_bursts", f.garbage_bursts},
                        {"garbage_bytes", f.garbage_bytes},
                        {"stalls", f.stalls},
                        {"disconnects", f.disconnects},
                        {"bytes_discarded", f.bytes_discarded},
                        {"replies", f.replies},
                        {"replies_late", f.replies_late},
                        {"replies_dropped", f.replies_dropped},
                        {"bytes_read", f.bytes_read},
                        {"rx_bytes_dropped", f.rx_bytes_dropped},
                        {"rx_bytes_flipped", f.rx_bytes_flipped}}}};
  if (p) {
    const auto& pd = p->program_decoder;
    j["program"] = {{"bytes_to_program", p->bytes_to_program},
                    {"bytes_from_program", p->bytes_from_program},
                    {"bytes_discarded", p->bytes_discarded},
                    {"frames", pd.frames},
                    {"frame_errors", pd.errors()}};
  }
  return j;
}

std::unique_ptr<device_host> serve_simulation(boost::asio::io_context& io, std::unique_ptr<transport::link> line,
                                              simulated_device& dev, std::shared_ptr<fault_injector> faults,
                                              std::uint32_t baud, std::optional<std::uint16_t> address) {
  if (baud) line = make_paced_link(std::move(line), baud);
  // Late and never faults: the host draws them for each reply it makes, whatever the framing.
  line = faults->wrap(std::move(line), replies_in::writer);
  device_host_options ho;
  ho.baud = baud;
  ho.faults = std::move(faults);
  ho.address = address;
  auto host = std::make_unique<device_host>(io, std::move(line), dev.device(), std::move(ho));
  dev.attach(io, *host);
  return host;
}

struct simulator::impl {
  // First: destroyed last, after everything that has handlers, timers or descriptors on it.
  boost::asio::io_context io;
  simulator_options o;
  std::unique_ptr<simulated_device> sim;         // none for a program
  std::unique_ptr<program_host> program;         // a program as the device
  devices::profile program_profile;              // a program's profile_file, or the empty profile
  // How the program ended its part, set on the io thread: a mutex of its own, since stop()
  // and stats() hold m while they wait for the io thread.
  mutable std::mutex ended_m;
  std::string ended;
  std::string private_dir;  // made for the symlink when none was given; removed at stop
  std::string symlink;
  std::shared_ptr<fault_injector> injector;
  std::unique_ptr<pty_port> port;
  std::shared_ptr<devices::bridge_feed> feed;
  std::unique_ptr<device_host> host;
  std::thread thread;
  std::mutex m;  // stop()
  bool stopped = false;
  host_stats final_stats;  // what the host served, kept at stop
  std::optional<program_stats> final_program;

  // Runs `f` on the io thread and waits for it (the pty and host are the io thread's).
  template <class F>
  auto on_io(F f) const {
    using R = decltype(f());
    std::packaged_task<R()> task(std::move(f));
    auto done = task.get_future();
    boost::asio::post(const_cast<boost::asio::io_context&>(io), [&task] { task(); });
    return done.get();
  }
};

simulator::simulator(simulator_options options) : impl_(std::make_unique<impl>()) {
  auto& s = *impl_;
  s.o = std::move(options);
  if (s.o.program.empty()) {
    s.sim = make_simulation(s.o.device, s.o.sim_file, s.o.profile_file);
  } else {
    if (!s.o.device.empty() || !s.o.sim_file.empty())
      throw usage_error("firmware_sim", "a program is the device: give no built-in device or sim file with it");
    // The profile as a bare profile's simulation loads it (its errors are that file's).
    if (!s.o.profile_file.empty()) s.program_profile = make_simulation("", "", s.o.profile_file)->device().profile();
  }
  s.symlink = s.o.symlink;
  if (s.symlink.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/comframe-sim-XXXXXX";
    if (!::mkdtemp(templ.data()))
      throw comframe::error("firmware_sim.pty", "cannot make a folder for the port's symlink under " +
                                                    templ.substr(0, templ.size() - 20) + ": " + std::strerror(errno));
    s.private_dir = templ;
    s.symlink = templ + "/port";
  }
  try {
    s.injector = std::make_shared<fault_injector>(s.o.faults);
    s.port = std::make_unique<pty_port>(s.io, pty_options{s.symlink});
    // disconnect() may come from any thread; the pty is the io thread's.
    s.injector->on_disconnect([&s](std::chrono::milliseconds gap) {
      boost::asio::post(s.io, [&s, gap] {
        if (s.port) s.port->disconnect(gap);
      });
    });
    const devices::profile& profile = s.sim ? s.sim->device().profile() : s.program_profile;
    if (!s.o.bridge.empty()) {
      transport::bridge::publisher_options po;
      po.profile_bytes = std::max<std::size_t>(profile.to_json().dump().size(), 1);
      s.feed = std::make_shared<devices::bridge_feed>(std::make_shared<transport::bridge::publisher>(s.o.bridge, po));
      s.feed->set_profile(profile);
    }
    auto publish = [feed = s.feed](const devices::frame_record& r) { feed->publish(r); };
    if (s.sim) {
      s.host = serve_simulation(s.io, s.port->link(), *s.sim, s.injector, s.o.baud, s.o.address);
      if (s.feed) s.host->observe_frames(publish);
    } else {
      // As `comframe sim --exec`: the program speaks comframe's framing; its replies are found in its bytes.
      s.program = std::make_unique<program_host>(
          s.io, program_options{.program = s.o.program, .args = s.o.program_args, .stop_grace_ms = s.o.stop_grace});
      s.program->on_ended([&s](const std::string& why) {
        std::lock_guard lock(s.ended_m);
        s.ended = why;
      });
      if (s.feed) s.program->observe_frames(publish);
      auto line = s.port->link();
      if (s.o.baud) line = make_paced_link(std::move(line), s.o.baud);
      s.program->attach(s.injector->wrap(std::move(line), replies_in::comframe_stream));
    }
    s.thread = std::thread([&s] {
      auto work = boost::asio::make_work_guard(s.io);
      s.io.run();
    });
  } catch (...) {
    if (s.host) s.sim->detach();
    if (s.program) s.program->stop();
    s.host.reset();
    s.program.reset();
    s.port.reset();
    std::error_code ec;
    if (!s.private_dir.empty()) std::filesystem::remove_all(s.private_dir, ec);
    throw;
  }
}

simulator::~simulator() { stop(); }

void simulator::stop() {
  auto& s = *impl_;
  std::lock_guard lock(s.m);
  if (s.stopped) return;
  s.stopped = true;
  s.on_io([&s] {
    if (s.sim) {
      s.sim->detach();
      s.final_stats = s.host->stats();
      s.host.reset();
    }
    s.port->close();  // removes the symlink
    return 0;
  });
  s.io.stop();
  s.thread.join();
  if (s.program) {
    const std::string how = s.program->stop();  // ends and reaps it
    s.final_program = s.program->stats();
    s.final_stats = s.final_program->frames;
    s.program.reset();
    std::lock_guard ended_lock(s.ended_m);
    if (s.ended.empty()) s.ended = how;
  }
  s.port.reset();
  s.feed.reset();
  if (!s.private_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(s.private_dir, ec);
  }
}

bool simulator::running() const noexcept {
  std::lock_guard lock(impl_->m);
  return !impl_->stopped;
}

const std::string& simulator::port() const noexcept { return impl_->symlink; }

std::string simulator::pty() const {
  std::lock_guard lock(impl_->m);
  if (impl_->stopped) return {};
  return impl_->on_io([this] { return impl_->port->path(); });
}

const devices::profile& simulator::profile() const noexcept {
  return impl_->sim ? impl_->sim->device().profile() : impl_->program_profile;
}

std::string simulator::ended() const {
  std::lock_guard lock(impl_->ended_m);
  return impl_->ended;
}
std::uint64_t simulator::seed() const { return impl_->injector->seed(); }
void simulator::set_faults(const fault_config& faults) { impl_->injector->set_config(faults); }
fault_config simulator::faults() const { return impl_->injector->config(); }
void simulator::stall(std::chrono::milliseconds ms) { impl_->injector->stall(ms); }
void simulator::disconnect(std::chrono::milliseconds ms) { impl_->injector->disconnect(ms); }

nlohmann::json simulator::stats() const {
  std::lock_guard lock(impl_->m);
  auto& s = *impl_;
  if (s.stopped) return stats_json(s.final_stats, s.injector->stats(), s.final_program ? &*s.final_program : nullptr);
  if (s.program) {
    const program_stats ps = s.on_io([&s] { return s.program->stats(); });
    return stats_json(ps.frames, s.injector->stats(), &ps);
  }
  const host_stats hs = s.on_io([&s] { return s.host->stats(); });
  return stats_json(hs, s.injector->stats());
}

}  // namespace comframe::firmware_sim

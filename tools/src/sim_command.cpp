// comframe sim — a simulated device on a pseudo-terminal that any serial
// program can open, with baud-rate emulation and fault injection.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "commands.hpp"
#include "comframe/firmware_sim/fault_injector.hpp"
#include "comframe/devices/bridge_feed.hpp"
#include "comframe/firmware_sim/device_host.hpp"
#include "comframe/firmware_sim/paced_link.hpp"
#include "comframe/firmware_sim/program_host.hpp"
#include "comframe/firmware_sim/pty_port.hpp"
#include "comframe/firmware_sim/sim_definition.hpp"
#include "comframe/firmware_sim/simulator.hpp"
#include "comframe/firmware_sim/simulated_device.hpp"
#include "comframe/firmware_sim/tcp_server.hpp"
#include "bridge_io.hpp"
#include "frame_text.hpp"
#include "text_io.hpp"
#include "comframe/core/json_text.hpp"
#include "comframe/transport/url.hpp"
#include <nlohmann/json.hpp>
#include <algorithm>
#include <charconv>

namespace comframe::tools {

namespace {

struct sim_options {
  std::string device;
  std::string exec_program;
  std::vector<std::string> exec_args;
  int stop_grace_ms = 2000;
  std::string sim_file;
  std::string profile_file;
  std::string tcp;
  std::string symlink_path;
  std::uint32_t baud = 0;
  int address = -1;  // --address: the device's own on a framing with addresses; -1: the profile's
  std::string faults;
  int verbosity = 0;
  bool quiet = false;
  std::string bridge;
  std::size_t bridge_ring = 0;
  std::size_t bridge_record = 0;
  bool stats_json = false;
};

// "cobs 1, crc 0, too_short 0, oversize 0, bad_version 0, bad_kind 0, truncated 0, wrong_kind 2"
std::string frame_error_counts(const firmware_sim::host_stats& s) {
  const auto& d = s.decoder;
  return "cobs " + std::to_string(d.cobs_errors) + ", crc " + std::to_string(d.crc_errors) + ", too_short " +
         std::to_string(d.too_short) + ", oversize " + std::to_string(d.oversize) + ", bad_version " +
         std::to_string(d.bad_version) + ", bad_kind " + std::to_string(d.bad_kind) + ", truncated " +
         std::to_string(d.truncated) + ", wrong_kind " + std::to_string(s.wrong_kind);
}

// The simulated device the options name: a sim file, a bare profile or a built-in device.
std::unique_ptr<firmware_sim::simulated_device> make_simulation(const sim_options& o) {
  try {
    return firmware_sim::make_simulation(o.device, o.sim_file, o.profile_file);
  } catch (const comframe::error& e) {
    if (e.id() != "firmware_sim.unknown_device") throw;
    throw cli_error("no built-in device \"" + o.device + "\" (the devices are: " +
                    std::string(firmware_sim::builtin_device_names) + "; or give --sim FILE)");
  }
}

// "stats: requests 3, replies 3, …; faults: …", the line `stats` prints;
// with --exec, "; program: …" too.
std::string stats_line(const firmware_sim::host_stats& hs, const firmware_sim::fault_stats& fs,
                       const firmware_sim::program_stats* ps = nullptr) {
  std::string s = "stats: requests " + std::to_string(hs.requests) + ", replies " + std::to_string(hs.replies) +
                  ", error replies " + std::to_string(hs.error_replies) + ", events " + std::to_string(hs.events) +
                  ", frame errors " + std::to_string(hs.decoder.errors()) + ", wrong kind " +
                  std::to_string(hs.wrong_kind);
  if (hs.replies_dropped) s += ", replies dropped (host not reading) " + std::to_string(hs.replies_dropped);
  if (hs.events_dropped) s += ", events dropped (line too slow) " + std::to_string(hs.events_dropped);
  const std::string f = firmware_sim::to_string(fs);
  if (!f.empty()) s += "; faults: " + f;
  if (ps)
    s += "; program: bytes in " + std::to_string(ps->bytes_to_program) + ", bytes out " +
         std::to_string(ps->bytes_from_program) + ", frame errors in its output " +
         std::to_string(ps->program_decoder.errors());
  return s;
}

// One run of `comframe sim`: where hosts connect, the device served on each
// connection, what it prints, and the control lines it reads. Everything but
// the stdin reader runs on the io_context's thread.
class simulator {
 public:
  simulator(const sim_options& o, firmware_sim::fault_config faults)
      : o_(o),
        sim_(o.exec_program.empty() ? make_simulation(o) : nullptr),
        program_profile_(!sim_ && !o.profile_file.empty() ? load_profile_file(o.profile_file) : devices::profile()),
        have_profile_(sim_ || !o.profile_file.empty()),
        profile_(sim_ ? sim_->device().profile() : program_profile_),
        injector_(std::make_shared<firmware_sim::fault_injector>(faults)),
        watch_(io_),
        signals_(io_, SIGINT, SIGTERM) {}

  void run() {
    open_endpoint();
    // Every frame in and out, published to local processes when asked.
    if (!o_.bridge.empty())
      feed_ = open_bridge(o_.bridge, have_profile_ ? &profile_ : nullptr, o_.bridge_ring, o_.bridge_record);
    if (!o_.exec_program.empty()) start_program();
    if (port_) serve(port_->link());
    else accept_next();
    // Catch the stop signals before announcing the port: a program may send one
    // as soon as it has read the port line.
    signals_.async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) io_.stop();
    });
    announce();
    watch_errors();
    read_control_lines();
    io_.run();
    if (sim_) sim_->detach();
    if (program_) {
      const std::string how = program_->stop();  // reaped before the last report
      if (!o_.quiet && !ended_) say("program: " + how);
    }
    report(o_.stats_json);
    if (port_) port_->close();  // removes the symlink
    if (ended_) throw *ended_;
  }

 private:
  void say(const std::string& line) {
    std::lock_guard lock(out_);
    std::cout << line << std::endl;
  }

  // Where hosts connect: a pty (the default) or a TCP port.
  void open_endpoint() {
    if (o_.tcp.empty()) {
      port_ = std::make_unique<firmware_sim::pty_port>(io_, firmware_sim::pty_options{o_.symlink_path});
      announced_ = port_->path();
    } else {
      const transport::tcp_url where = transport::parse_listen_address(o_.tcp, "--tcp");
      server_ = std::make_unique<firmware_sim::tcp_server>(io_, where.host, where.port);
      announced_ = transport::to_string(transport::tcp_url{where.host, server_->port()});
    }
    if (port_) {
      injector_->on_disconnect([this](std::chrono::milliseconds gap) {
        if (!o_.quiet) say("disconnect: " + std::to_string(gap.count()) + " ms");
        port_->disconnect(gap, [this](const std::string& path) {
          if (path.empty()) say("error: the pty could not be opened again");
          else if (!o_.quiet) say("port: " + path);
        });
      });
    }
  }

  // --exec: the program is the device; when it ends its part, the simulator ends with an error.
  void start_program() {
    program_ = std::make_unique<firmware_sim::program_host>(
        io_, firmware_sim::program_options{.program = o_.exec_program,
                                           .args = o_.exec_args,
                                           .stop_grace_ms = std::chrono::milliseconds(o_.stop_grace_ms)});
    program_->on_ended([this](const std::string& why) {
      ended_ = comframe::error("firmware_sim.exec", why);
      say(std::string("error: ") + ended_->what());
      io_.stop();
    });
    if (o_.verbosity > 0 || feed_)
      program_->observe_frames([this](const devices::frame_record& r) {
        if (feed_) feed_->publish(r);
        if (o_.verbosity > 0) say(frame_line(profile_, r, have_profile_));
      });
  }

  // The device on a line: emulated baud rate, then faults, then the host.
  void serve(std::unique_ptr<transport::link> line) {
    // Late and never replies: a program speaks comframe's framing, its replies
    // are found in its bytes; a simulated device's host applies them to each
    // reply it makes, whatever the framing (serve_simulation).
    if (program_) {
      if (o_.baud) line = firmware_sim::make_paced_link(std::move(line), o_.baud);
      return program_->attach(injector_->wrap(std::move(line), firmware_sim::replies_in::comframe_stream));
    }
    host_ = firmware_sim::serve_simulation(
        io_, std::move(line), *sim_, injector_, o_.baud,
        o_.address >= 0 ? std::optional<std::uint16_t>(static_cast<std::uint16_t>(o_.address)) : std::nullopt);
    if (o_.verbosity > 0 || feed_)
      host_->observe_frames([this](const devices::frame_record& r) {
        if (feed_) feed_->publish(r);
        if (o_.verbosity > 0) say(frame_line(profile_, r));
      });
  }

  // TCP: one host at a time; when it goes, its counters are kept and the next one is awaited.
  void accept_next() {
    server_->async_accept([this](std::unique_ptr<transport::link> line) {
      if (!o_.quiet) say("connected: " + line->url());
      serve(std::move(line));
      if (program_) {
        program_->on_line_closed([this](const std::string& why) {
          if (!o_.quiet) say("disconnected: " + why);
          accept_next();
        });
        return;
      }
      host_->on_closed([this](const std::string& why) {
        boost::asio::post(io_, [this, why] {
          if (!o_.quiet) say("disconnected: " + why);
          sim_->detach();
          firmware_sim::accumulate(earlier_, host_->stats());
          host_.reset();
          accept_next();
        });
      });
    });
  }

  // The one line a program waits for, then what the simulator is.
  void announce() {
    say("port: " + announced_);
    if (!o_.symlink_path.empty()) say("link: " + o_.symlink_path);  // programs parse this line: it keeps its name
    if (feed_ && !o_.quiet) say("bridge: " + o_.bridge);
    if (o_.quiet) return;
    auto shown = injector_->config();
    shown.seed.reset();  // said once, below
    const std::string faults_shown = firmware_sim::to_string(shown);
    const std::string what = program_ ? "program " + core::quoted_text(o_.exec_program) +
                                            (have_profile_ ? ", profile " + profile_.device() + " " + profile_.version() : "")
                                      : profile_.device() + " " + profile_.version();
    say("device: " + what +
        (o_.baud ? ", " + std::to_string(o_.baud) + " baud" : "") +
        (faults_shown.empty() ? "" : ", faults " + faults_shown) + ", seed " + std::to_string(injector_->seed()));
    say("commands on stdin: faults SPEC | stall MS | disconnect MS | stats [json] | quit");
  }

  firmware_sim::host_stats totals() const {
    firmware_sim::host_stats hs = earlier_;
    if (host_) firmware_sim::accumulate(hs, host_->stats());
    if (program_) firmware_sim::accumulate(hs, program_->stats().frames);
    return hs;
  }

  void report(bool json) {
    const auto hs = totals();
    std::optional<firmware_sim::program_stats> ps;
    if (program_) ps = program_->stats();
    const auto* p = ps ? &*ps : nullptr;
    say(json ? firmware_sim::stats_json(hs, injector_->stats(), p).dump() : stats_line(hs, injector_->stats(), p));
  }

  // Frame errors are worth a line as they happen, at the default verbosity.
  void watch_errors() {
    watch_.expires_after(std::chrono::milliseconds(500));
    watch_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      const auto hs = totals();
      const std::uint64_t seen = hs.decoder.errors() + hs.wrong_kind;
      if (seen > errors_seen_ && !o_.quiet)
        say("frame errors: " + std::to_string(hs.decoder.errors()) + " (" + frame_error_counts(hs) + ")");
      errors_seen_ = seen;
      watch_errors();
    });
  }

  // Control lines on stdin: read on a thread of their own, carried out on the io_context.
  void read_control_lines() {
    std::thread control([this] {
      std::string line;
      while (std::getline(std::cin, line)) boost::asio::post(io_, [this, line] { on_control_line(line); });
    });
    control.detach();  // blocked in getline until stdin closes; ends with the process
  }

  void on_control_line(const std::string& line) {
    std::istringstream words(line);
    std::string verb, arg;
    words >> verb >> arg;
    try {
      if (verb == "faults") {
        injector_->set_config(firmware_sim::parse_faults(arg));  // its errors cut the echoed text
        say("faults: " + (arg.empty() ? std::string("none") : firmware_sim::to_string(injector_->config())));
      } else if (verb == "stall" || verb == "disconnect") {
        const auto ms = fault_duration(verb, arg);
        if (!ms) return;
        if (verb == "stall") injector_->stall(*ms);
        else injector_->disconnect(*ms);
      } else if (verb == "stats") {
        if (!arg.empty() && arg != "json") say("error: stats takes nothing or \"json\", not " + core::quoted_text(arg, 64));
        else report(arg == "json");
      } else if (verb == "quit") {
        io_.stop();
      } else if (!verb.empty()) {
        say("error: unknown command " + core::quoted_text(verb) +
            " (faults SPEC | stall MS | disconnect MS | stats [json] | quit)");
      }
    } catch (const std::exception& e) {
      say(std::string("error: ") + e.what());
    }
  }

  // The MS of "stall MS" or "disconnect MS"; says what is wrong and gives nothing for a bad one.
  std::optional<std::chrono::milliseconds> fault_duration(const std::string& verb, const std::string& arg) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), n);
    if (arg.empty() || ec != std::errc{} || end != arg.data() + arg.size() ||
        n > static_cast<std::uint64_t>(firmware_sim::max_fault_duration_ms.count())) {
      say("error: " + verb + " " + (arg.empty() ? std::string("needs a duration") : core::quoted_text(arg) + ":") +
          " expected " + verb + " MS, MS a whole number of milliseconds within 0.." +
          std::to_string(firmware_sim::max_fault_duration_ms.count()));
      return std::nullopt;
    }
    return std::chrono::milliseconds(n);
  }

  const sim_options& o_;
  std::unique_ptr<firmware_sim::simulated_device> sim_;  // outlives the io_context, as it outlives every host; none with --exec
  devices::profile program_profile_;                     // --exec: --profile FILE, or the empty profile
  bool have_profile_;
  const devices::profile& profile_;
  boost::asio::io_context io_;
  std::shared_ptr<firmware_sim::fault_injector> injector_;
  std::mutex out_;
  std::unique_ptr<firmware_sim::pty_port> port_;
  std::unique_ptr<firmware_sim::tcp_server> server_;
  std::string announced_;
  std::shared_ptr<devices::bridge_feed> feed_;
  std::unique_ptr<firmware_sim::device_host> host_;
  std::unique_ptr<firmware_sim::program_host> program_;  // --exec
  std::optional<comframe::error> ended_;                 // --exec: how the program ended its part
  firmware_sim::host_stats earlier_;  // of TCP connections that ended
  boost::asio::steady_timer watch_;
  std::uint64_t errors_seen_ = 0;
  boost::asio::signal_set signals_;
};

void run_sim(const sim_options& o) {
  if (!o.exec_program.empty()) {
    if (!o.device.empty() || !o.sim_file.empty())
      throw cli_error("--exec PROG is the device: give no --device or --sim with it (--profile FILE names its profile)");
  } else if ((!o.device.empty()) + (!o.sim_file.empty()) + (!o.profile_file.empty()) != 1) {
    throw cli_error("give one of --device NAME, --sim FILE, --profile FILE or --exec PROG");
  }
  simulator(o, firmware_sim::parse_faults(o.faults)).run();
}

}  // namespace

void add_sim_command(CLI::App& app) {
  auto o = std::make_shared<sim_options>();
  auto* cmd = app.add_subcommand("sim", "Run a simulated device on a pseudo-terminal that any serial program can open");
  cmd->add_option("-d,--device", o->device, "A built-in device: thermo (a sensor board) or echo");
  cmd->add_option("-s,--sim", o->sim_file, "A device defined in a file: its profile and replies (docs/simulator.md)");
  cmd->add_option("-p,--profile", o->profile_file,
                  "A device from its profile alone: every command answers its response type's zero value "
                  "(with --exec: the program's profile, for -v and --bridge)");
  auto* exec = cmd->add_option("-e,--exec", o->exec_program,
                               "Run this program as the device: its stdin and stdout are the device's byte stream; "
                               "its arguments follow -- (docs/simulator.md)");
  cmd->add_option("args", o->exec_args, "The arguments of the --exec program (after --)")->needs(exec);
  cmd->add_option("--stop-grace", o->stop_grace_ms,
                  "With --exec: milliseconds between SIGTERM and SIGKILL when stopping the program (default 2000)")
      ->check(CLI::Range(0, 3600000))
      ->needs(exec);
  cmd->add_option("-t,--tcp", o->tcp, "Serve on this TCP port instead of a pty ([HOST:]PORT; HOST 127.0.0.1, PORT 0: any)");
  auto* symlink =
      cmd->add_option("-l,--symlink", o->symlink_path, "Keep a symlink at this path to the current pty (removed at exit)");
  // --link, the option's first name, still works for the scripts that use it. It sits in an
  // unnamed option group, which --help leaves out (a hidden option of the command's own would
  // add a blank line to its --help).
  auto* link = cmd->add_option_group("")->add_option("--link", o->symlink_path, "The old name of --symlink");
  cmd->add_option("-b,--baud", o->baud, "Emulate this baud rate: bytes move at baud/10 per second each way (8N1)")
      ->check(CLI::Range(1u, 100000000u));
  cmd->add_option("--address", o->address,
                  "The device's own address, for a profile whose framing has addresses (Modbus: 1 to 247); "
                  "default: the framing's \"address\". Requests for other addresses are ignored")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("-f,--faults", o->faults,
                  "Inject faults, e.g. drop=0.01,flip=0.001,delay=5,jitter=2,garbage=0.1,late=100,never=0.05,seed=42");
  cmd->add_flag("-v,--verbose", o->verbosity, "Print every frame in and out");
  auto* bridge = cmd->add_option(
      "--bridge", o->bridge,
      "Publish every frame and the device's profile to the shared-memory bridge NAME (see comframe tap)");
  // Sizes of a bridge that is not made would be ignored in silence: they need --bridge.
  cmd->add_option("--bridge-ring", o->bridge_ring, "Bytes of the bridge's ring: a power of two from 4096 (default 4 MiB)")
      ->check(CLI::Range(std::size_t{4096}, std::size_t{1} << 30))
      ->needs(bridge);
  cmd->add_option("--bridge-record", o->bridge_record,
                  "Most bytes of one frame the bridge keeps; longer frames are cut and flagged truncated "
                  "(from 1 to a quarter of the ring; default 64 KiB, or a quarter of a smaller ring)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 28))
      ->needs(bridge);
  cmd->add_flag("-q,--quiet", o->quiet, "Print only the port line");
  cmd->add_flag("--stats-json", o->stats_json, "Print the statistics at exit as one JSON line (docs/simulator.md)");
  cmd->callback([o, symlink, link] {
    if (symlink->count() && link->count()) throw cli_error("give --symlink PATH, not also --link (its old name)");
    run_sim(*o);
  });
  cmd->footer(
      "Prints 'port: /dev/pts/N' first. Stops on Ctrl-C or SIGTERM, removing its symlink.\n"
      "Example: comframe sim --device thermo --symlink /tmp/thermo --baud 115200\n"
      "Example: comframe sim --exec ./thermo_fw --baud 115200 --faults drop=0.01 -- --stdio");
}

}  // namespace comframe::tools

// comframe call | monitor | profile — talking to a device by its profile.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "commands.hpp"
#include "comframe/core/json_text.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/devices/session.hpp"
#include "comframe/transport/link.hpp"
#include "comframe/transport/link_error.hpp"
#include "bridge_io.hpp"
#include "bus_listen.hpp"
#include "frame_text.hpp"
#include "profile_fetch.hpp"
#include "stop_signals.hpp"
#include "text_io.hpp"

namespace comframe::tools {

namespace {

struct device_options {
  std::string port;
  std::string command;
  std::string args;
  std::string profile_file;
  int timeout_ms = 1000;
  bool compact = false;
  bool json = false;  ///< monitor: JSON lines instead of readable lines
  std::uint64_t count = 0;
  double duration_s = 0;
  std::string bridge;
  bool check = false;              ///< with --profile: compare it with the device's
  fetch_settings fetch;             ///< --profile-deadline, --no-cache (timeout_ms is copied in)
  std::string output;              ///< profile: the file to write
  int address = -1;                ///< --address: the device address requests go to; -1: the framing's default
  bool listen = false;             ///< monitor: send nothing, decode frames of both directions (a bus)
};

// Waits for `f`, giving up when SIGINT or SIGTERM arrives.
template <class T>
T wait_or_stop(std::future<T>& f, stop_signals& signals, const std::string& what) {
  while (f.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready)
    if (signals.wait(std::chrono::milliseconds(50))) throw cli_error("stopped by a signal while waiting for " + what);
  return f.get();
}

// The session speaks the framing of the --profile file (docs/framing.md):
// comframe's own without one. A device with another framing cannot answer
// describe, so its profile must come from a file.
std::unique_ptr<devices::session> open_session(const device_options& o, const std::optional<devices::profile>& file) {
  devices::session_options so;
  so.timeout = std::chrono::milliseconds(o.timeout_ms);
  if (!o.bridge.empty()) so.bridge = open_bridge(o.bridge);
  const bool foreign = file && !file->framing().is_default();
  if (foreign) use_framing_of(so, std::make_shared<const devices::profile>(*file));
  if (o.address >= 0) {
    if (!foreign || file->framing().field(transport::header_role::address) == nullptr)
      throw cli_error("--address " + std::to_string(o.address) +
                      ": comframe's own framing has no device addresses; --address needs a profile whose framing has "
                      "an address field (--profile FILE, docs/framing.md)");
    so.address = static_cast<std::uint16_t>(o.address);
  }
  return std::make_unique<devices::session>(o.port, so);
}

std::optional<devices::profile> profile_file_of(const device_options& o) {
  if (o.profile_file.empty()) return std::nullopt;
  return load_profile_file(o.profile_file);
}

// The fetch settings, with the command's --timeout for each describe exchange.
fetch_settings fetch_settings_of(const device_options& o) {
  fetch_settings f = o.fetch;
  f.timeout_ms = o.timeout_ms;
  return f;
}

devices::profile fetch_profile(devices::session& s, const device_options& o, stop_signals& signals) {
  return fetch_device_profile(s, fetch_settings_of(o), signals);
}

// The profile from --profile (compared with the device's with --check only:
// otherwise nothing is asked); or the device's own.
devices::profile profile_for(devices::session& s, const device_options& o, const std::optional<devices::profile>& file,
                             stop_signals& signals) {
  if (!file) return fetch_profile(s, o, signals);
  devices::profile p = *file;
  if (s.options().bridge) s.options().bridge->set_profile(p);
  if (!o.check) return p;
  if (!s.framing_traits().describe) {
    std::cerr << "warning: --check: the profile's framing is not comframe's, so the device cannot answer describe; "
                 "the file is used unchecked\n";
    return p;
  }
  const auto check = check_device_profile(s, p, fetch_settings_of(o), signals);
  if (check && !check->matches) {
    std::string names;
    for (const auto& d : check->differences) names += (names.empty() ? "" : ", ") + d;
    std::cerr << "warning: the device's profile differs from " << o.profile_file
              << (names.empty() ? std::string(" (device, version or byte order)") : " in: " + names) << '\n';
  }
  return p;
}

// What a command's request looks like, for a call given no arguments: its
// fields with their types (the named type the root stands for, resolved) and
// a call with the zero value, when the request has one.
std::string request_help(const devices::command_info& c, const std::string& port) {
  const nlohmann::json doc = c.request.to_json();
  nlohmann::json shape = doc["root"];
  if (shape.is_string() && doc["types"].contains(shape.get<std::string>())) shape = doc["types"][shape.get<std::string>()];
  std::string fields = shape.dump();
  if (shape.is_object() && shape.contains("struct") && shape["struct"].is_array()) {  // {index: u8, rgb: u8[3]}
    fields.clear();
    for (const auto& f : shape["struct"]) {
      const nlohmann::json t = f.value("type", nlohmann::json());
      fields += (fields.empty() ? "{" : ", ") + f.value("name", std::string("?")) + ": " +
                (t.is_string() ? t.get<std::string>() : t.dump());
    }
    fields += "}";
  }
  std::string help = c.name + " takes arguments of type " + c.request.type_expression() + ": " + fields;
  if (const auto size = c.request.fixed_size()) {
    try {
      const std::vector<std::uint8_t> zeros(*size, 0);
      help += "\nfor example: comframe call " + port + " " + c.name + " '" +
              core::decode(c.request, zeros, core::endian::little).dump() + "'";
    } catch (const core::codec_error&) {
      // no zero value (an enum without a name for 0): the fields say enough
    }
  }
  return help;
}

void run_call(const device_options& o) {
  stop_signals signals;  // before the session: its I/O thread inherits the blocked signals
  const auto file = profile_file_of(o);
  auto s = open_session(o, file);
  const auto p = profile_for(*s, o, file, signals);
  const devices::command_info* c = p.find_command(o.command);
  if (!c) {
    std::string names;
    for (const auto& x : p.commands()) names += (names.empty() ? "" : ", ") + x.name;
    throw cli_error("no command \"" + o.command + "\" in the profile of " + core::printable_text(p.device()) +
                    " (it has: " + names + ")");
  }
  nlohmann::json args;  // null: the right value for a command without arguments
  if (!o.args.empty()) {
    const std::string text = argument_or_stdin(o.args, "JSON arguments");
    args = parse_json_value(text, "the arguments", false);
  } else if (c->request.root().kind != core::type_kind::null) {
    throw cli_error(request_help(*c, o.port));
  }
  nlohmann::json reply;
  try {
    auto f = s->request_json_async(p, c->name, args, std::chrono::milliseconds(o.timeout_ms));
    reply = wait_or_stop(f, signals, c->name + "'s reply");
  } catch (const core::codec_error& e) {
    throw cli_error("the arguments do not fit " + c->name + "'s request: " + e.what());
  }
  if (c->id == devices::builtin::describe::id && reply.contains("chunk") && reply["chunk"].is_array()) {
    // The profile's text, shown as text (escaped) rather than an array of characters.
    std::string text;
    for (const auto& ch : reply["chunk"]) text += ch.get<std::string>();
    reply["chunk"] = core::printable_text(text, text.size());
    std::cout << reply.dump(o.compact ? -1 : 2) << '\n';
    return;
  }
  std::cout << core::format_json(reply, {.indent = o.compact ? -1 : 2,
                                         .scalar_arrays_on_one_line = true,
                                         .type = &c->response.root()})
            << '\n';
}

void run_profile(const device_options& o) {
  stop_signals signals;
  auto s = open_session(o, std::nullopt);
  const auto p = fetch_profile(*s, o, signals);
  const std::string text = p.dump();
  if (o.output.empty()) {
    std::cout << text << '\n';
    return;
  }
  std::ofstream out(o.output, std::ios::binary | std::ios::trunc);
  if (!(out << text << '\n') || !out.flush()) throw cli_error("cannot write " + o.output);
  std::cerr << "profile: " << (p.device().empty() ? "device" : core::printable_text(p.device())) << " "
            << core::printable_text(p.version()) << " saved to " << o.output << '\n';
}

// A frame as the observer saw it, kept until the profile to decode it is known.
struct held_frame {
  devices::frame_record record;
  std::vector<std::uint8_t> payload;
};

// Frames that arrive before the profile wait for it; a device that chatters
// while answering describe slowly cannot make the monitor hold without bound.
constexpr std::size_t max_held_frames = 1000;

void run_monitor(const device_options& o) {
  stop_signals signals;
  // Everything the session's handlers touch is declared before the session, so
  // it outlives the session's I/O thread: when fetching the profile throws, the
  // session is destroyed (and its thread stopped) first.
  std::mutex out;
  std::optional<devices::profile> profile;  // set once fetched; frames before it wait in `held`
  std::vector<held_frame> held;             // at most max_held_frames; the rest counted in `dropped`
  std::uint64_t dropped = 0;
  std::uint64_t printed = 0;
  auto print = [&](const devices::frame_record& r) {
    if (o.count && printed >= o.count) return;
    if (o.json) std::cout << frame_json_line(*profile, r) << std::endl;
    else std::cout << frame_line(*profile, r) << std::endl;
    ++printed;
  };
  const auto file = profile_file_of(o);
  auto s = open_session(o, file);
  // Observe from the start, so that nothing the device sends while the profile
  // is fetched goes unseen; the monitor's own describe exchange is left out.
  s->observe_frames([&](const devices::frame_record& r) {
    std::lock_guard lock(out);
    if (!profile) {
      if (r.header && r.header->command == devices::builtin::describe::id &&
          r.header->kind != transport::frame_kind::event)
        return;
      if (held.size() < max_held_frames) held.push_back({r, {r.payload.begin(), r.payload.end()}});
      else ++dropped;
      return;
    }
    print(r);
  });
  s->on_link_state([&](devices::link_state st, const std::string& detail) {
    std::lock_guard lock(out);
    std::cerr << "monitor: " << to_string(st) << ": " << terminal_text(detail) << std::endl;
  });
  auto p = profile_for(*s, o, file, signals);
  {
    std::lock_guard lock(out);
    profile = std::move(p);
    for (auto& h : held) {
      h.record.payload = h.payload;
      print(h.record);
    }
    held.clear();
    if (dropped > 0)
      std::cerr << "monitor: " << dropped << " frames dropped while the profile was fetched (only the first "
                << max_held_frames << " are kept)" << std::endl;
    std::cerr << "monitor: " << o.port << " ("
              << (profile->device().empty() ? "device" : core::printable_text(profile->device())) << " "
              << core::printable_text(profile->version()) << "), Ctrl-C to stop" << std::endl;
  }
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    if (signals.wait(std::chrono::milliseconds(100))) break;
    {
      std::lock_guard lock(out);
      if (o.count && printed >= o.count) break;
    }
    if (o.duration_s > 0 && std::chrono::steady_clock::now() - start >= std::chrono::duration<double>(o.duration_s)) break;
  }
  const auto st = s->stats();
  std::lock_guard lock(out);
  std::cerr << "monitor: frames " << st.decoder.frames << ", bytes " << st.decoder.bytes << ", errors "
            << st.decoder.errors() << " (cobs " << st.decoder.cobs_errors << ", crc " << st.decoder.crc_errors
            << ", too_short " << st.decoder.too_short << ", oversize " << st.decoder.oversize << ", bad_version "
            << st.decoder.bad_version << ", bad_kind " << st.decoder.bad_kind << ", escape " << st.decoder.escape_errors
            << ", length " << st.decoder.length_errors << "), link losses " << st.link_losses
            << std::endl;
}

// monitor --listen: a passive listener on a line that carries both directions (an RS-485 bus,
// a tap on a serial line). It sends nothing — no describe, no resync — so the profile comes
// from --profile, and it tells requests from replies by decoding each frame both ways.
void run_listen(const device_options& o) {
  if (o.profile_file.empty())
    throw cli_error("--listen needs --profile FILE: a listener sends nothing, so it cannot ask a device for its profile");
  if (!o.bridge.empty() || o.check || o.address >= 0)
    throw cli_error("--listen sends nothing and publishes nothing: --bridge, --check and --address do not go with it");
  stop_signals signals;  // before the I/O thread: it inherits the blocked signals
  const devices::profile p = load_profile_file(o.profile_file);
  bus_splitter split(p);
  std::mutex out;
  std::uint64_t printed = 0;
  std::uint64_t bytes = 0;
  bool ended = false;
  std::string failure;
  boost::asio::io_context io;
  auto l = transport::open_link(io, o.port);
  std::vector<std::uint8_t> buf(4096);
  std::function<void()> read_more = [&] {
    l->async_read_some(buf, [&](const boost::system::error_code& ec, std::size_t n) {
      std::lock_guard lock(out);
      if (ec) {
        if (ec != boost::asio::error::operation_aborted) failure = ec.message();
        ended = true;
        return;
      }
      bytes += n;
      split.feed(std::span<const std::uint8_t>(buf.data(), n), [&](const devices::frame_record& r) {
        if (o.count && printed >= o.count) return;
        if (o.json) std::cout << frame_json_line(p, r) << std::endl;
        else std::cout << frame_line(p, r) << std::endl;
        ++printed;
      });
      read_more();
    });
  };
  read_more();
  std::thread t([&] { io.run(); });
  std::cerr << "monitor: listening on " << o.port << " ("
            << (p.device().empty() ? "device" : core::printable_text(p.device())) << " "
            << core::printable_text(p.version()) << "), sending nothing, Ctrl-C to stop" << std::endl;
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    if (signals.wait(std::chrono::milliseconds(100))) break;
    {
      std::lock_guard lock(out);
      if (ended || (o.count && printed >= o.count)) break;
    }
    if (o.duration_s > 0 && std::chrono::steady_clock::now() - start >= std::chrono::duration<double>(o.duration_s)) break;
  }
  boost::asio::post(io, [&] { l->close(); });
  t.join();
  std::lock_guard lock(out);
  // What came after the last frame and made none: shown, not lost.
  split.finish([&](const devices::frame_record& r) {
    if (o.count && printed >= o.count) return;
    if (o.json) std::cout << frame_json_line(p, r) << std::endl;
    else std::cout << frame_line(p, r) << std::endl;
    ++printed;
  });
  std::cerr << "monitor: frames " << split.frames_to_device() + split.frames_from_device() << " (to the device "
            << split.frames_to_device() << ", from it " << split.frames_from_device() << "), bytes " << bytes
            << ", skipped " << split.skipped_bytes() << std::endl;
  if (!failure.empty()) throw cli_error("the link failed: " + terminal_text(failure));
}

}  // namespace

void add_device_commands(CLI::App& app) {
  auto o = std::make_shared<device_options>();

  auto* call = app.add_subcommand("call", "Call a device's command and print its reply as JSON");
  call->add_option("port", o->port, "The port: a device path, a pty, tcp://host:port (see docs/ports.md)")->required();
  call->add_option("command", o->command, "The command's name in the device's profile")->required();
  call->add_option("args", o->args, "The request as JSON, or - to read it from stdin (none for a null request)");
  call->add_option("-p,--profile", o->profile_file,
                   "The device's profile (JSON); without it the profile is fetched from the device");
  call->add_option("--timeout", o->timeout_ms, "Milliseconds to wait for each reply")
      ->check(CLI::Range(1, 3600000))
      ->capture_default_str();
  call->add_option("--address", o->address,
                   "The device address to call, for a profile whose framing has addresses (Modbus: 1 to 247, 0 "
                   "broadcasts); default: the framing's \"address\"")
      ->check(CLI::Range(0, 65535));
  call->add_flag("--check", o->check, "With --profile: ask the device for its profile's hash and warn if it differs");
  add_fetch_options(call, o->fetch);
  call->add_flag("-c,--compact", o->compact, "Print the reply on one line");
  call->add_option("--bridge", o->bridge, "Publish every frame to the shared-memory bridge NAME (see comframe tap)");
  call->callback([o] { run_call(*o); });
  call->footer("Example: comframe call /dev/ttyUSB0 set_led '{\"index\": 2, \"rgb\": [255, 0, 0]}'");

  auto* mon = app.add_subcommand("monitor", "Print every frame on a port as one readable line (or JSON with --json), decoded by the profile");
  mon->add_option("port", o->port, "The port to open")->required();
  mon->add_option("-p,--profile", o->profile_file, "The device's profile; without it the device is asked for it");
  mon->add_option("--timeout", o->timeout_ms, "Milliseconds to wait for the device's profile")
      ->check(CLI::Range(1, 3600000))
      ->capture_default_str();
  mon->add_option("--address", o->address,
                  "The device address of the monitor's own requests (describe is not sent to a device with another "
                  "framing), for a profile whose framing has addresses")
      ->check(CLI::Range(0, 65535));
  mon->add_flag("--check", o->check, "With --profile: ask the device for its profile's hash and warn if it differs");
  add_fetch_options(mon, o->fetch);
  mon->add_option("--count", o->count, "Stop after this many frames");
  mon->add_option("--duration", o->duration_s, "Stop after this many seconds");
  mon->add_flag("--json", o->json, "One JSON object per frame instead of a readable line");
  mon->add_option("--bridge", o->bridge,
                  "Publish every frame and the device's profile to the shared-memory bridge NAME (see comframe tap)");
  mon->add_flag("--listen", o->listen,
                "Listen only, on a line that carries both directions (an RS-485 bus, a tap): send nothing, "
                "show requests and replies (needs --profile; docs/framing.md)");
  mon->callback([o] {
    if (o->listen) run_listen(*o);
    else run_monitor(*o);
  });
  mon->footer("Stops on Ctrl-C (SIGINT) or SIGTERM and prints the counters on stderr.");

  auto* prof = app.add_subcommand("profile", "Fetch a device's profile (through describe) and print or save it");
  prof->add_option("port", o->port, "The port to open")->required();
  prof->add_option("-o,--output", o->output, "Write the profile to this file instead of stdout");
  prof->add_option("--timeout", o->timeout_ms, "Milliseconds to wait for each describe reply")
      ->check(CLI::Range(1, 3600000))
      ->capture_default_str();
  add_fetch_options(prof, o->fetch);
  prof->callback([o] { run_profile(*o); });
  prof->footer("Profiles fetched are cached by hash in $XDG_CACHE_HOME/comframe/profiles (see docs/profiles.md).");
}

}  // namespace comframe::tools

// comframe log | dissector | replay — captures for standard tools, a generated
// Wireshark dissector, and replaying a capture against a device.
#include <CLI/CLI.hpp>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "bridge_io.hpp"
#include "commands.hpp"
#include "comframe/transport/frame_parse.hpp"
#include "comframe/core/json_text.hpp"
#include "comframe/devices/dissector.hpp"
#include "comframe/devices/session.hpp"
#include "comframe/transport/frame_channel.hpp"
#include "comframe/transport/framing_spec.hpp"
#include "comframe/transport/bridge.hpp"
#include "comframe/transport/capture.hpp"
#include "comframe/transport/cobs.hpp"
#include "comframe/transport/link.hpp"
#include "frame_text.hpp"
#include "profile_fetch.hpp"
#include "stop_signals.hpp"
#include "text_io.hpp"

namespace comframe::tools {

namespace {

using clock = std::chrono::steady_clock;

// ---- comframe log -------------------------------------------------------------

struct log_options {
  std::string port;
  std::string bridge;
  std::string output;
  std::string format;
  std::string profile_file;
  std::uint64_t rotate_size = 0;
  std::uint64_t count = 0;
  double duration_s = 0;
  int timeout_ms = 1000;
  std::vector<std::string> requests;
  fetch_settings fetch;
};

std::string format_of(const log_options& o) {
  if (!o.format.empty()) return o.format;
  auto ends = [&](std::string_view ext) {
    return o.output.size() > ext.size() && o.output.compare(o.output.size() - ext.size(), ext.size(), ext) == 0;
  };
  if (ends(".jsonl") || ends(".json")) return "json";
  if (ends(".hex") || ends(".txt")) return "hex";
  return "pcapng";
}

// One record's JSON line, as `comframe log` writes it and `comframe read` prints it
// (docs/logging.md, "JSON lines").
std::string capture_json_line(const transport::capture_record& r, const devices::profile* profile,
                              const transport::framing* kept) {
  static const devices::profile no_profile;
  nlohmann::json extra;  // null, and no allocation, for most records
  if (r.lost_before) extra["lost_before"] = r.lost_before;
  if (r.link_id) extra["link"] = r.link_id;
  if (!r.note.empty()) extra["note"] = std::string(r.note);
  if (r.flags & transport::record_flag::truncated) {
    // A cut frame has lost its CRC: shown as what is left of it, never checked as a frame.
    auto j = truncated_frame_json(r, kept);
    if (extra.is_object()) j.update(extra);
    return core::format_json(j);
  }
  std::string line;
  devices::append_frame_json(line, profile ? *profile : no_profile, stored_frame(r, kept),
                             {.extra = extra.is_object() ? &extra : nullptr});
  return line;
}

std::unique_ptr<transport::capture_writer> make_writer(const std::string& format,
                                                       const transport::capture_writer_options& wo,
                                                       std::shared_ptr<const devices::profile> profile,
                                                       const transport::framing* kept) {
  if (format == "pcapng") return transport::open_pcapng_writer(wo);
  if (format == "hex") return transport::open_hexdump_writer(wo);
  // JSON lines: one object per frame, decoded by the profile when there is one.
  auto line = [profile, kept](const transport::capture_record& r) { return capture_json_line(r, profile.get(), kept); };
  return transport::open_lines_writer(wo, line);
}

// Writes records and counts them; shared by the port's I/O thread and the main thread.
struct recorder {
  std::mutex m;
  std::unique_ptr<transport::capture_writer> writer;
  std::uint64_t frames = 0, refused = 0, truncated = 0, lost = 0, gaps = 0;
  std::exception_ptr failure;  // a write that failed: the main thread reports it
  std::vector<std::uint8_t> scratch;
  // Writes each frame's kept form (the bytes without delimiters, de-stuffed): the profile's framing.
  kept_framing kept = kept_framing_of(nullptr);

  void write(const transport::capture_record& r) {
    std::lock_guard lock(m);
    if (failure) return;
    try {
      writer->write(r);
      ++frames;
      if (r.flags & transport::record_flag::refused) ++refused;
      if (r.flags & transport::record_flag::truncated) ++truncated;
      if (r.lost_before) ++gaps, lost += r.lost_before;
    } catch (...) {
      failure = std::current_exception();
    }
  }
  void write(const devices::frame_record& f) {
    std::lock_guard lock(m);
    const transport::capture_record r = transport::captured_frame(f, kept.framing.get(), scratch);
    if (failure) return;
    try {
      writer->write(r);
      ++frames;
      if (!f.header) ++refused;
    } catch (...) {
      failure = std::current_exception();
    }
  }
  std::uint64_t count() {
    std::lock_guard lock(m);
    return frames;
  }
  void check() {
    std::lock_guard lock(m);
    if (failure) std::rethrow_exception(failure);
  }
};

// A request that `log --port` makes itself: a command's name and its arguments.
using log_request = std::pair<std::string, nlohmann::json>;

// "name" or "name=JSON", a --request.
log_request parse_request(const std::string& spec) {
  const auto eq = spec.find('=');
  if (eq == std::string::npos) return {spec, nullptr};
  try {
    return {spec.substr(0, eq), nlohmann::json::parse(spec.substr(eq + 1))};
  } catch (const nlohmann::json::parse_error& e) {
    throw cli_error("--request " + spec + ": the arguments are not valid JSON (at byte " + std::to_string(e.byte) + ")");
  }
}

// What both sources of `comframe log` share: the capture being written, the
// profile that decodes its JSON lines, when to stop, and the closing counters.
struct log_capture {
  log_capture(const log_options& options, std::shared_ptr<const devices::profile> p, stop_signals& s)
      : o(options), format(format_of(options)), profile(std::move(p)), signals(s) {}

  const log_options& o;
  const std::string format;
  std::shared_ptr<const devices::profile> profile;  // --profile's; else the device's or the bridge's, when needed
  stop_signals& signals;
  transport::capture_writer_options writer_options{
      o.output, o.rotate_size, o.port.empty() ? "bridge " + o.bridge : o.port};
  recorder rec;
  const clock::time_point start = clock::now();

  // Opens the capture, decoding JSON lines by `profile` as it is now.
  void open() {
    rec.kept = kept_framing_of(profile.get());
    writer_options.framing = rec.kept.framing->traits().name;  // named in the capture, for its readers
    rec.writer = make_writer(format, writer_options, profile, rec.kept.framing.get());
    rec.writer->open();
  }

  bool out_of_time() const {
    return o.duration_s > 0 && clock::now() - start >= std::chrono::duration<double>(o.duration_s);
  }

  bool done() { return (o.count && rec.count() >= o.count) || out_of_time(); }

  // Closes the capture and prints the counters, `extra` last.
  void summary(const std::string& extra) {
    rec.writer->close();
    std::lock_guard lock(rec.m);
    std::string files;
    for (const auto& f : rec.writer->files()) files += (files.empty() ? "" : ", ") + f;
    std::cerr << "log: frames " << rec.frames << ", refused " << rec.refused << ", lost " << rec.lost << " in "
              << rec.gaps << " gap" << (rec.gaps == 1 ? "" : "s") << ", truncated " << rec.truncated << ", bytes " << rec.writer->bytes() << ", files "
              << files << extra << std::endl;
  }
};

// Source: a session on the port, recording every frame it sends, receives or
// refuses, including those of the --request's it makes.
void log_from_port(log_capture& c, const std::vector<log_request>& requests) {
  const log_options& o = c.o;
  devices::session_options so;
  so.timeout = std::chrono::milliseconds(o.timeout_ms);
  use_framing_of(so, c.profile);  // a device with its own framing: its profile comes from --profile
  auto s = std::make_unique<devices::session>(o.port, so);
  // The profile is needed to decode JSON lines and to make requests by name;
  // fetched before recording starts, so the capture holds only the traffic asked for.
  if (!c.profile && (c.format == "json" || !requests.empty())) {
    fetch_settings f = o.fetch;
    f.timeout_ms = o.timeout_ms;
    c.profile = std::make_shared<devices::profile>(fetch_device_profile(*s, f, c.signals));
  }
  c.open();
  s->observe_frames([&](const devices::frame_record& f) { c.rec.write(f); });
  s->on_link_state([](devices::link_state st, const std::string& detail) {
    std::cerr << "log: " << to_string(st) << ": " << detail << std::endl;
  });
  std::cerr << "log: recording " << o.port << " to " << o.output << " (" << c.format << "), Ctrl-C to stop" << std::endl;
  for (const auto& [name, args] : requests) {
    if (c.done()) break;
    try {
      s->request_json(*c.profile, name, args, std::chrono::milliseconds(o.timeout_ms));
    } catch (const comframe::error& e) {
      std::cerr << "log: --request " << name << ": " << e.what() << std::endl;  // the capture has what happened
    }
  }
  while (!c.done() && !c.signals.wait(std::chrono::milliseconds(50))) c.rec.check();
  const auto st = s->stats();
  s.reset();  // no frame arrives after this
  c.rec.check();
  c.summary(", decoder errors " + std::to_string(st.decoder.errors()));
}

// Source: a shared-memory bridge; every frame its publisher saw, with its losses.
void log_from_bridge(log_capture& c) {
  const log_options& o = c.o;
  auto subscriber = std::make_unique<transport::bridge::subscriber>(o.bridge);
  // The profile on the bridge names the framing its frames are kept in (and decodes JSON lines).
  if (!c.profile) {
    if (auto p = profile_on_bridge(*subscriber)) c.profile = std::make_shared<devices::profile>(std::move(*p));
  }
  c.open();
  std::cerr << "log: recording bridge " << o.bridge << " (publisher pid " << subscriber->publisher_pid() << ") to "
            << o.output << " (" << c.format << "), Ctrl-C to stop" << std::endl;
  std::string note;  // a publisher that went or restarted, for the next record
  read_bridge(*subscriber, c.signals, [&] { return c.done(); },
              {.record =
                   [&](const transport::bridge::read_result& r) {
                     c.rec.write(transport::capture_record{r.rec, r.lost, note});  // the bridge's record is a recorded_frame
                     note.clear();
                     c.rec.check();
                   },
               .publisher_change =
                   [&](const transport::bridge::read_result& r) {
                     std::cerr << "log: " << to_string(r.status) << ": " << r.detail << std::endl;
                     // The next frame carries it, so the capture shows where the stream was broken.
                     note += (note.empty() ? "" : "; ") + std::string(to_string(r.status)) + ": " + r.detail +
                             " (frames between may be missing)";
                   }});
  c.summary("");
}

void run_log(const log_options& o) {
  if (o.port.empty() == o.bridge.empty()) throw cli_error("give one source: --port PORT or --bridge NAME");
  if (!o.bridge.empty() && !o.requests.empty()) throw cli_error("--request needs --port (a bridge is read-only)");
  std::vector<log_request> requests;
  for (const auto& r : o.requests) requests.push_back(parse_request(r));
  stop_signals signals;  // before any thread starts

  std::shared_ptr<const devices::profile> profile;
  if (!o.profile_file.empty()) profile = std::make_shared<devices::profile>(load_profile_file(o.profile_file));
  log_capture c(o, std::move(profile), signals);
  if (!o.port.empty()) log_from_port(c, requests);
  else log_from_bridge(c);
}

// ---- comframe dissector ---------------------------------------------------------

struct dissector_options {
  std::string profile_file;
  std::string port;
  std::string output;
  int timeout_ms = 1000;
  fetch_settings fetch;
};

void run_dissector(const dissector_options& o) {
  if (o.profile_file.empty() == o.port.empty()) throw cli_error("give one of --profile FILE or --port PORT");
  devices::profile p;
  if (!o.profile_file.empty()) {
    p = load_profile_file(o.profile_file);
  } else {
    stop_signals signals;  // before the session's thread starts
    devices::session_options so;
    so.timeout = std::chrono::milliseconds(o.timeout_ms);
    auto s = std::make_unique<devices::session>(o.port, so);
    fetch_settings f = o.fetch;
    f.timeout_ms = o.timeout_ms;
    p = fetch_device_profile(*s, f, signals, "cannot fetch the device's profile");
  }
  const std::string lua = devices::lua_dissector(p);
  if (o.output.empty() || o.output == "-") {
    std::cout << lua;
    return;
  }
  std::ofstream f(o.output, std::ios::binary);
  f << lua;
  f.close();
  if (!f) throw cli_error("cannot write " + o.output);
}

// ---- comframe replay ------------------------------------------------------------

struct replay_options {
  std::string capture;
  std::string port;
  std::string profile_file;
  bool fast = false;
  int timeout_ms = 1000;
  fetch_settings fetch;
};

/// Most frames and bytes a replay loads from a capture.
constexpr std::size_t max_replay_frames = 1000000;
constexpr std::size_t max_replay_bytes = std::size_t{256} << 20;

struct captured_frame {
  std::uint64_t time_ns = 0;
  transport::direction dir{};
  transport::frame_header header;
  std::vector<std::uint8_t> payload;
};

// A request to send and the reply the capture has for it (if any).
struct replay_step {
  captured_frame request;
  std::optional<captured_frame> reply;
  bool expects_reply = false;  // the framing pairs a reply with it (sequence ≠ 0; not to the broadcast address)
};

// A capture's requests, and the framing they were captured in.
struct replay_capture {
  std::vector<replay_step> steps;
  transport::framing_spec spec;                                  // the framing of the capture's link
  std::shared_ptr<const transport::payload_schemas> schemas;  // the profile's, for the framing
  transport::framing_traits traits;
  core::endian payload_endian = core::endian::little;      // the profile's, for measuring payloads
};

// True when `reply` answers `request` by the framing's reply matching, other than by sequence.
bool answers(const transport::framing_traits& t, const transport::frame_header& request,
             const transport::frame_header& reply) {
  switch (t.replies) {
    case transport::reply_match::order: return true;
    case transport::reply_match::command: return reply.command == request.command;
    case transport::reply_match::address_command:
      return reply.command == request.command && reply.address == request.address;
    case transport::reply_match::sequence: return reply.sequence == request.sequence;
  }
  return false;
}

bool expects_reply(const transport::framing_traits& t, const transport::frame_header& request) {
  if (t.replies == transport::reply_match::sequence) return request.sequence != 0;
  return !(t.has_address && t.broadcast_address && request.address == *t.broadcast_address);
}

replay_capture load_steps(const std::string& path, std::size_t& skipped, const devices::profile* p) {
  std::vector<captured_frame> frames;
  std::size_t total = 0;
  transport::capture_reader reader(path);
  capture_framings framings(p, path);
  replay_capture out;
  std::optional<std::string> named;  // the framing the capture names (one for every link replayed)
  while (auto r = reader.next()) {
    const std::string& name = reader.link_framing(r->link_id);
    const kept_framing& kept = framings.of(name);  // cli_error when --profile's framing differs
    if (!named) {
      named = name;
      out.schemas = kept.schemas;
      out.traits = kept.framing->traits();
      if (p) out.spec = p->framing(), out.payload_endian = p->payload_endian();
      else if (!name.empty()) out.spec = transport::parse_framing_spec(nlohmann::json::parse(name));
    } else if (*named != name) {
      throw cli_error(path + ": its links were captured in different framings (" +
                      terminal_text(named->empty() ? "comframe's own" : *named) + " and " +
                      terminal_text(name.empty() ? "comframe's own" : name) + "): replay goes to one port");
    }
    if (r->flags & transport::record_flag::refused) {
      ++skipped;
      continue;
    }
    const auto f = r->frame(kept.framing.get());
    if (!f) {
      ++skipped;
      continue;
    }
    total += r->bytes.size();
    if (frames.size() >= max_replay_frames || total > max_replay_bytes)
      throw cli_error(path + ": too large to replay (more than " + std::to_string(max_replay_frames) + " frames or " +
                      std::to_string(max_replay_bytes >> 20) + " MiB)");
    frames.push_back({r->time_ns, r->dir, f->header, {f->payload.begin(), f->payload.end()}});
  }
  // Each request's reply, by the framing's reply matching (as a session pairs them): by
  // sequence, the first later reply with its sequence number and command; otherwise
  // (one request outstanding at a time) the first reply before the next request that
  // answers it by order, command, or address and command.
  const bool by_sequence = out.traits.replies == transport::reply_match::sequence;
  std::vector<bool> used(frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto& f = frames[i];
    if (f.dir != transport::direction::to_device || f.header.kind != transport::frame_kind::request) continue;
    replay_step step{f, std::nullopt, expects_reply(out.traits, f.header)};
    if (step.expects_reply) {
      for (std::size_t j = i + 1; j < frames.size(); ++j) {
        const auto& g = frames[j];
        if (!by_sequence && g.dir == transport::direction::to_device && g.header.kind == transport::frame_kind::request)
          break;  // the next request: this one had no reply
        if (used[j] || g.dir != transport::direction::from_device ||
            (g.header.kind != transport::frame_kind::response && g.header.kind != transport::frame_kind::error) ||
            !answers(out.traits, f.header, g.header) || (by_sequence && g.header.command != f.header.command))
          continue;
        used[j] = true;
        step.reply = g;
        break;
      }
    }
    out.steps.push_back(std::move(step));
  }
  return out;
}

nlohmann::json frame_summary(const devices::profile& p, const transport::frame_header& h,
                             std::span<const std::uint8_t> payload) {
  const devices::frame_record r{transport::direction::from_device, {}, h, payload, std::nullopt, {}};
  auto j = frame_json(p, r);
  j.erase("time");
  j.erase("dir");
  j.erase("seq");
  return j;
}

// One line, with the device's text safe on a terminal.
std::string dump(const nlohmann::json& j) { return core::format_json(j); }

std::string frame_summary_text(const devices::profile& p, const transport::frame_header& h,
                               std::span<const std::uint8_t> payload) {
  return dump(frame_summary(p, h, payload));
}

// "payload.temps_cdeg[0]" for the JSON pointer "/payload/temps_cdeg/0" into `doc`.
std::string field_path(const nlohmann::json& doc, const nlohmann::json::json_pointer& pointer) {
  std::vector<std::string> tokens;
  for (auto p = pointer; !p.empty(); p.pop_back()) tokens.insert(tokens.begin(), p.back());
  std::string out;
  nlohmann::json::json_pointer parent;
  for (const auto& token : tokens) {
    if (doc.contains(parent) && doc.at(parent).is_array()) out += "[" + token + "]";
    else out += (out.empty() ? "" : ".") + token;
    parent.push_back(token);
  }
  return out.empty() ? "(the whole frame)" : out;
}

// The fields in which a replayed reply differs from the captured one:
// "payload.sequence 0 -> 1; payload.supply_mv 3297 -> 3303". Paths of
// "remove" and "replace" exist in `captured`; an "add" names a new key of an
// object or "-", the end of an array (its parent exists in `captured`).
std::string field_differences(const nlohmann::json& captured, const nlohmann::json& replayed) {
  constexpr std::size_t most = 8;
  const auto patch = nlohmann::json::diff(captured, replayed);
  std::string out;
  std::size_t n = 0;
  std::map<std::string, std::size_t> appended;  // elements added to each array so far
  for (const auto& op : patch) {
    if (++n > most) continue;
    const auto kind = op["op"].get<std::string>();
    nlohmann::json::json_pointer ptr(op["path"].get<std::string>());
    if (kind == "add" && !ptr.empty() && ptr.back() == "-") {  // appended: name its index
      const auto parent = ptr.parent_pointer();
      ptr = parent / (captured.at(parent).size() + appended[parent.to_string()]++);
    }
    // "add" may append to an array ("/-"): its value comes with the operation.
    std::string item = field_path(captured, ptr) + " ";
    item += kind == "add" ? "(none)" : dump(captured.at(ptr));
    item += " -> ";
    item += kind == "remove" ? "(none)" : dump(op["value"]);
    out += (out.empty() ? "" : "; ") + item;
  }
  if (n > most) out += "; and " + std::to_string(n - most) + " more";
  return out;
}

// Names for the report: the device's own profile, asked for before the replay
// (describe has no effect on a device's state). Without it, ids are shown.
std::optional<devices::profile> profile_for_names(const replay_options& o, stop_signals& signals) {
  try {
    devices::session_options so;
    so.timeout = std::chrono::milliseconds(o.timeout_ms);
    so.reconnect = false;
    devices::session s(o.port, so);
    fetch_settings f = o.fetch;
    f.timeout_ms = o.timeout_ms;
    return fetch_device_profile(s, f, signals, "the device's profile");
  } catch (const comframe::error& e) {
    std::cerr << "replay: differences are shown without names (no --profile, and " << terminal_text(e.what()) << ")"
              << std::endl;
  } catch (const cli_error& e) {
    if (std::string_view(e.what()).starts_with("stopped by a signal")) throw;
    std::cerr << "replay: differences are shown without names (no --profile, and " << e.what() << ")" << std::endl;
  }
  return std::nullopt;
}

// A reply as it arrived.
struct arrived_reply {
  transport::frame_header header;
  std::vector<std::uint8_t> payload;
};

// The port as a frame channel on an I/O thread of its own: sends requests, and
// collects the replies (responses and errors) as they arrive, until taken.
class reply_collector {
 public:
  // Opens `port`, for replies of up to `largest_payload` bytes.
  // Speaks the capture's framing (`c`).
  reply_collector(const std::string& port, std::size_t largest_payload, const replay_capture& c)
      : port_(port), traits_(c.traits) {
    std::unique_ptr<transport::link> link = transport::open_link(io_, port);
    channel_ = transport::frame_channel::make(
        transport::make_framing(c.spec, {.incoming = transport::direction::from_device,
                                         .schemas = c.schemas.get(),
                                         .max_payload_size = largest_payload,
                                         .payload_endian = c.payload_endian}),
        transport::direction::from_device, 4096);
    channel_->set_handlers({
        .frame = [this](const transport::frame_view& f) { on_frame(f); },
        .refused = {},
        .chunk_done = {},
        .failed = [this](transport::frame_channel::operation op,
                         const boost::system::error_code& ec) { on_failure(op, ec); },
        .writing = {},
    });
    channel_->open(std::move(link));
    io_thread_ = std::thread([this] { io_.run(); });
  }

  ~reply_collector() {
    boost::asio::post(io_, [c = channel_] {
      c->set_handlers({});
      c->close();
    });
    io_.stop();
    io_thread_.join();
  }

  reply_collector(const reply_collector&) = delete;
  reply_collector& operator=(const reply_collector&) = delete;

  // Queues the captured request (its header and payload give the captured
  // bytes again) and waits until it is queued. cli_error once the link failed.
  void send(const captured_frame& f) {
    {
      std::lock_guard lock(m_);
      if (link_failure_) throw cli_error(*link_failure_);
    }
    auto queued = std::make_shared<std::promise<void>>();
    auto done = queued->get_future();
    const auto& payload = f.payload;
    boost::asio::post(io_, [&, queued] {
      channel_->write(f.header, payload);
      queued->set_value();
    });
    done.get();
  }

  // The reply to `request` (by the framing's reply matching), waited for until
  // `deadline`; empty when none came by then. cli_error when the link failed before it came.
  std::optional<arrived_reply> take(const transport::frame_header& request, clock::time_point deadline) {
    std::unique_lock lock(m_);
    std::optional<arrived_reply> got;
    for (;;) {
      for (auto it = replies_.begin(); it != replies_.end(); ++it)
        if (answers(traits_, request, it->header)) {
          got = std::move(*it);
          replies_.erase(it);
          break;
        }
      if (got || link_failure_ || !cv_.wait_until(lock, deadline, [&] {
            for (const auto& r : replies_)
              if (answers(traits_, request, r.header)) return true;
            return link_failure_.has_value();
          }))
        break;
    }
    if (link_failure_ && !got) throw cli_error(*link_failure_);
    return got;
  }

  // Replies that no request took.
  std::size_t unclaimed() {
    std::lock_guard lock(m_);
    return replies_.size();
  }

 private:
  // On the I/O thread.
  void on_frame(const transport::frame_view& f) {
    if (f.header.kind != transport::frame_kind::response && f.header.kind != transport::frame_kind::error) return;
    std::lock_guard lock(m_);
    replies_.push_back({f.header, {f.payload.begin(), f.payload.end()}});
    cv_.notify_all();
  }

  // On the I/O thread.
  void on_failure(transport::frame_channel::operation op, const boost::system::error_code& ec) {
    std::lock_guard lock(m_);
    if (!link_failure_)
      link_failure_ =
          port_ + (op == transport::frame_channel::operation::write ? ": cannot write: " : ": ") + ec.message();
    cv_.notify_all();
  }

  const std::string port_;
  const transport::framing_traits traits_;
  boost::asio::io_context io_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<arrived_reply> replies_;
  std::optional<std::string> link_failure_;
  std::shared_ptr<transport::frame_channel> channel_;
  std::thread io_thread_;
};

// True when a stop signal came before `at`; else waits until then.
bool stopped_before(clock::time_point at, stop_signals& signals) {
  while (clock::now() < at) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at - clock::now());
    if (signals.wait(std::min(left + std::chrono::milliseconds(1), std::chrono::milliseconds(100)))) return true;
  }
  return false;
}

struct replay_counts {
  std::uint64_t sent = 0, matched = 0, differ = 0, missing = 0, no_capture = 0;
};

// Compares `got`, the reply to step.request (if any came), with the reply the
// capture has, and prints how they differ on stdout.
void compare_reply(const devices::profile& prof, int timeout_ms, const replay_step& step, std::uint64_t number,
                   const std::optional<arrived_reply>& got, replay_counts& n, bool by_sequence) {
  const auto& rq = step.request.header;
  const devices::command_info* c = prof.find_command(rq.command);
  const std::string name = c ? c->name : "command " + std::to_string(rq.command);
  // By sequence number when the framing has them, else by the request's place in the capture.
  const std::string what = (by_sequence ? "seq " + std::to_string(rq.sequence) : "request " + std::to_string(number)) +
                           " " + name;
  if (!step.reply) {
    if (got) {
      ++n.no_capture;
      std::cout << "differs: " << what << ": a reply the capture does not have: "
                << frame_summary_text(prof, got->header, got->payload) << std::endl;
      ++n.differ;
    }
    return;
  }
  const auto& want = *step.reply;
  if (!got) {
    ++n.missing;
    ++n.differ;
    std::cout << "differs: " << what << ": no reply within " << timeout_ms
              << " ms; captured: " << frame_summary_text(prof, want.header, want.payload) << std::endl;
    return;
  }
  const auto& want_payload = want.payload;
  if (got->header.kind == want.header.kind && got->header.command == want.header.command &&
      got->payload == want_payload) {
    ++n.matched;
    return;
  }
  ++n.differ;
  const auto captured = frame_summary(prof, want.header, want_payload);
  const auto replayed = frame_summary(prof, got->header, got->payload);
  std::cout << "differs: " << what << ": " << field_differences(captured, replayed) << "\n  captured: "
            << dump(captured) << "\n  replayed: " << dump(replayed) << std::endl;
}

// The closing counters on stderr; cli_error (exit status 1) when a reply differed.
void report_replay(const replay_counts& n, std::size_t unclaimed, std::size_t skipped, bool interrupted) {
  std::cerr << "replay: sent " << n.sent << ", replies matching " << n.matched << ", differing " << n.differ
            << " (missing " << n.missing << ", not in the capture " << n.no_capture << "), unclaimed replies "
            << unclaimed << ", capture frames skipped " << skipped << (interrupted ? ", interrupted" : "") << std::endl;
  if (n.differ) throw cli_error(std::to_string(n.differ) + " repl" + (n.differ == 1 ? "y differs" : "ies differ") +
                                " from the capture");
}

void run_replay(const replay_options& o) {
  stop_signals signals;
  std::optional<devices::profile> profile;
  if (!o.profile_file.empty()) profile = load_profile_file(o.profile_file);
  std::size_t skipped = 0;
  const replay_capture capture = load_steps(o.capture, skipped, profile ? &*profile : nullptr);
  const auto& steps = capture.steps;
  if (steps.empty()) throw cli_error(o.capture + ": no requests to the device in this capture");
  if (!profile && capture.spec.delimiting == transport::delimiting_kind::schema_length)
    throw cli_error(o.capture + ": its framing (schema_length) tells where a reply ends by the profile's schemas: "
                    "give --profile FILE");
  if (!profile && capture.traits.describe) profile = profile_for_names(o, signals);
  if (!profile && !capture.traits.describe)
    std::cerr << "replay: differences are shown without names (no --profile, and a device in the capture's framing "
                 "cannot describe itself)"
              << std::endl;
  const devices::profile no_profile;
  const devices::profile& prof = profile ? *profile : no_profile;

  std::size_t largest_payload = transport::default_max_payload_size;
  for (const auto& step : steps) {
    largest_payload = std::max(largest_payload, step.request.payload.size());
    if (step.reply) largest_payload = std::max(largest_payload, step.reply->payload.size());
  }
  reply_collector port(o.port, largest_payload, capture);
  std::cerr << "replay: " << steps.size() << " requests from " << o.capture << " to " << o.port
            << (o.fast ? ", as fast as possible" : ", with their original spacing") << std::endl;
  replay_counts n;
  const auto start = clock::now();
  const std::uint64_t t0 = steps.front().request.time_ns;
  bool interrupted = false;
  for (const auto& step : steps) {
    const std::uint64_t offset_ns = step.request.time_ns > t0 ? step.request.time_ns - t0 : 0;
    // Each request at its moment, still answering Ctrl-C.
    interrupted = o.fast ? signals.wait(std::chrono::milliseconds(0))
                         : stopped_before(start + std::chrono::nanoseconds(offset_ns), signals);
    if (interrupted) break;
    const auto when = clock::now();
    port.send(step.request);
    ++n.sent;
    if (step.expects_reply)
      compare_reply(prof, o.timeout_ms, step, n.sent,
                    port.take(step.request.header, when + std::chrono::milliseconds(o.timeout_ms)), n,
                    capture.traits.replies == transport::reply_match::sequence);
  }
  report_replay(n, port.unclaimed(), skipped, interrupted);
}

// ---- comframe read -------------------------------------------------------------

struct read_options {
  std::string capture;
  std::string format = "json";
  std::string profile_file;
  std::string output;
  std::uint64_t count = 0;
};

// Prints a capture's frames as JSON lines or a hexdump, as `comframe log` would have
// written them: to stdout, or to -o, in writes of about 64 KiB.
void run_read(const read_options& o) {
  std::optional<devices::profile> profile;
  if (!o.profile_file.empty()) profile = load_profile_file(o.profile_file);
  const devices::profile* p = profile ? &*profile : nullptr;
  transport::capture_reader reader(o.capture);
  capture_framings framings(p, o.capture);
  std::FILE* out = stdout;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  if (!o.output.empty() && o.output != "-") {
    file.reset(std::fopen(o.output.c_str(), "wb"));
    if (!file) throw cli_error(o.output + ": cannot write: " + std::strerror(errno));
    out = file.get();
  }
  const std::string where = o.output.empty() || o.output == "-" ? std::string("standard output") : o.output;
  std::string text;
  auto write_out = [&] {
    if (!text.empty() && std::fwrite(text.data(), 1, text.size(), out) != text.size())
      throw cli_error(where + ": cannot write: " + std::strerror(errno));
    text.clear();
  };
  std::uint64_t n = 0;
  try {
    while (!o.count || n < o.count) {
      auto r = reader.next();
      if (!r) break;
      const kept_framing& kept = framings.of(reader.link_framing(r->link_id));
      if (o.format == "hex") {
        text += transport::hexdump_record(*r);
      } else {
        text += capture_json_line(*r, p, kept.framing.get());
        text += '\n';
      }
      ++n;
      if (text.size() >= 65536) write_out();
    }
  } catch (...) {
    write_out();  // every frame before a broken block is printed, then the error
    std::fflush(out);
    throw;
  }
  write_out();
  if (std::fflush(out) != 0) throw cli_error(where + ": cannot write: " + std::strerror(errno));
}

}  // namespace

void add_log_commands(CLI::App& app) {
  auto o = std::make_shared<log_options>();
  auto* log = app.add_subcommand("log", "Record every frame on a port or a bridge to pcapng, JSON lines or a hexdump");
  log->add_option("--port", o->port, "Record a session on this port (see docs/ports.md)");
  log->add_option("--bridge", o->bridge, "Record the frames published on this shared-memory bridge");
  log->add_option("-o,--output", o->output, "The capture file; rotated files get .1, .2 … before the extension")
      ->required();
  log->add_option("--format", o->format, "pcapng (default), json (JSON lines) or hex (hexdump); else from -o's extension")
      ->check(CLI::IsMember({"pcapng", "json", "hex"}));
  log->add_option("-p,--profile", o->profile_file,
                  "Decode JSON lines and --request by this profile, and record in its framing (named in the "
                  "capture); without it the device's (or the bridge's) is used");
  log->add_option("--rotate-size", o->rotate_size, "Start a new file before one grows beyond this many bytes")
      ->check(CLI::Range(std::uint64_t{1024}, std::uint64_t{1} << 50));
  log->add_option("--count", o->count, "Stop after this many frames");
  log->add_option("--duration", o->duration_s, "Stop after this many seconds")->check(CLI::NonNegativeNumber);
  log->add_option("--request", o->requests,
                  "With --port: make this request once, in order, e.g. read_sensors or set_led='{\"index\":1,\"rgb\":[9,9,9]}'");
  log->add_option("--timeout", o->timeout_ms, "Milliseconds to wait for each reply (profile, --request)")
      ->check(CLI::Range(1, 3600000))
      ->capture_default_str();
  add_fetch_options(log, o->fetch);
  log->callback([o] { run_log(*o); });
  log->footer(
      "The capture opens in Wireshark with a dissector from 'comframe dissector' (docs/logging.md).\n"
      "Stops on Ctrl-C (SIGINT) or SIGTERM, --count or --duration, and prints the counters on stderr.");

  auto d = std::make_shared<dissector_options>();
  auto* dis = app.add_subcommand("dissector", "Generate a Wireshark Lua dissector that decodes a device's frames by name");
  dis->add_option("-p,--profile", d->profile_file, "The device's profile (JSON)");
  dis->add_option("--port", d->port, "Ask the device on this port for its profile instead");
  dis->add_option("-o,--output", d->output, "Write the Lua here instead of stdout");
  dis->add_option("--timeout", d->timeout_ms, "Milliseconds to wait for the device's profile")
      ->check(CLI::Range(1, 3600000))
      ->capture_default_str();
  add_fetch_options(dis, d->fetch);
  dis->callback([d] { run_dissector(*d); });
  dis->footer("Example: comframe dissector --profile thermo.json > comframe.lua\n"
              "         wireshark -X lua_script:comframe.lua cap.pcapng");

  auto rd = std::make_shared<read_options>();
  auto* rd_cmd = app.add_subcommand("read", "Print a capture's frames as JSON lines or a hexdump");
  rd_cmd->add_option("capture", rd->capture, "A pcapng capture (from 'comframe log' or any tool writing LINKTYPE_USER0)")
      ->required();
  rd_cmd->add_option("--format", rd->format, "json (JSON lines, as 'comframe log' writes them) or hex (hexdump)")
      ->check(CLI::IsMember({"json", "hex"}))
      ->capture_default_str();
  rd_cmd->add_option("-p,--profile", rd->profile_file,
                   "Decode payloads by this profile; its framing must be the one the capture names");
  rd_cmd->add_option("-o,--output", rd->output, "Write here instead of standard output");
  rd_cmd->add_option("--count", rd->count, "Stop after this many frames");
  rd_cmd->callback([rd] { run_read(*rd); });
  rd_cmd->footer("Example: comframe read cap.pcapng --profile thermo.json | jq -c 'select(.event == \"telemetry\")'\n"
               "A broken block ends the output with an error naming its byte offset (exit status 1); every frame "
               "before it is printed.");

  auto r = std::make_shared<replay_options>();
  auto* rep = app.add_subcommand("replay", "Send a capture's requests to a port and report replies that differ");
  rep->add_option("capture", r->capture, "A pcapng capture from 'comframe log'")->required();
  rep->add_option("port", r->port, "The port to send to")->required();
  rep->add_flag("--as-fast-as-possible", r->fast, "Do not keep the captured spacing between requests");
  rep->add_option("--timeout", r->timeout_ms, "Milliseconds to wait for each reply")
      ->check(CLI::Range(1, 3600000))
      ->capture_default_str();
  rep->add_option("-p,--profile", r->profile_file,
                  "Decode the differences by this profile; without it the device is asked for its own first "
                  "(comframe's framing only). Its framing must be the one the capture names, else nothing is sent");
  add_fetch_options(rep, r->fetch);
  rep->callback([r] { run_replay(*r); });
  rep->footer(
      "Requests are sent in the framing the capture names for their link (docs/logging.md), and replies paired by "
      "its reply matching: by sequence, order, command, or address and command.\n"
      "Exit status 1 when a reply differs from the captured one or is missing.");
}

}  // namespace comframe::tools

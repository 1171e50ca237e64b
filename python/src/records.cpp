// Recorded frames for Python: the shared-memory bridge's subscriber, and
// pcapng captures read and written as comframe writes them.
#include <pybind11/stl.h>

#include <chrono>

#include "common.hpp"
#include "comframe/devices/bridge_feed.hpp"
#include "comframe/devices/frame_json.hpp"
#include "comframe/transport/bridge.hpp"
#include "comframe/transport/capture.hpp"

namespace comframe::python {

namespace {

namespace bridge = transport::bridge;

// One record, or what happened instead (status).
struct record {
  std::string status = "record";  // "record", "publisher_gone", "publisher_restarted"
  std::string detail;
  py::object sequence = py::none();
  std::uint64_t time_ns = 0;
  std::string dir;
  std::uint16_t link_id = 0;
  std::uint8_t flags = 0;
  std::uint64_t length = 0;
  std::uint64_t lost = 0;
  py::object bytes = py::none();
  py::object frame = py::none();
};


// The record's fields; its frame decoded by `p` (may be null) in framing `kept` (null: comframe's).
void fill(record& out, const transport::recorded_frame& r, const devices::profile* p, transport::framing* kept) {
  out.time_ns = r.time_ns;
  out.dir = r.dir == transport::direction::to_device ? "out" : "in";
  out.link_id = r.link_id;
  out.flags = r.flags;
  out.length = r.length();
  out.bytes = bytes_of(r.bytes);
  if (r.flags & transport::record_flag::truncated) return;  // no frame to decode in cut bytes
  out.frame = frame_to_python(p, devices::stored_frame(r, kept));
}

std::shared_ptr<devices::profile> profile_arg(const py::object& arg) {
  if (arg.is_none()) return nullptr;
  if (py::isinstance<devices::profile>(arg)) return arg.cast<std::shared_ptr<devices::profile>>();
  return py::module_::import("comframe").attr("Profile").attr("load")(arg).cast<std::shared_ptr<devices::profile>>();
}

class subscriber {
 public:
  subscriber(const std::string& name, bool from_oldest, py::object profile, double spin_us)
      : given_(profile_arg(profile)) {
    bridge::subscriber_options o;
    o.from_oldest = from_oldest;
    o.spin = std::chrono::nanoseconds(static_cast<std::int64_t>(spin_us * 1000));
    {
      py::gil_scoped_release release;
      sub_ = std::make_unique<bridge::subscriber>(name, o);
    }
    load_profile();
  }

  // The next record within `timeout` seconds, else None. Releases the GIL while waiting.
  py::object next(double timeout) {
    if (!(timeout >= 0)) throw py::value_error("timeout must not be negative");
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
    for (;;) {
      // Waits in slices of 100 ms, so that Ctrl-C reaches Python.
      const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(until - std::chrono::steady_clock::now());
      const auto slice = std::clamp(left, std::chrono::nanoseconds(0), std::chrono::nanoseconds(100'000'000));
      bridge::read_result r;
      {
        py::gil_scoped_release release;
        r = sub_->next(slice);
      }
      if (r.status == bridge::read_status::timeout) {
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
        if (left <= slice) return py::none();
        continue;
      }
      record out;
      out.status = std::string(bridge::to_string(r.status));
      out.detail = r.detail;
      if (r.status == bridge::read_status::publisher_restarted) load_profile();
      if (r.status == bridge::read_status::record) {
        out.sequence = py::int_(r.rec.sequence);
        out.lost = r.lost;
        fill(out, r.rec, profile_.get(), kept_.framing.get());
      }
      return py::cast(std::move(out));
    }
  }

  py::object latest(const std::string& key) {
    const auto v = sub_->latest(key);
    if (!v) return py::none();
    py::dict d;
    d["key"] = v->key;
    d["schema"] = v->schema_name;
    d["bytes"] = bytes_of(v->value);
    d["version"] = v->version;
    d["value"] = py::none();
    // An event's latest payload, decoded by the profile ("event.<name>").
    if (profile_ && key.rfind("event.", 0) == 0)
      if (const auto* e = profile_->find_event(key.substr(6))) {
        try {
          d["value"] = decode_python(e->payload, v->value, profile_->payload_endian(), core::json_mode::strict);
        } catch (const core::codec_error&) {
          // left None: the bytes are there
        }
      }
    return d;
  }

  std::vector<std::string> latest_keys() const { return sub_->latest_keys(); }

  py::dict stats() const {
    const auto s = sub_->stats();
    py::dict d;
    d["records"] = s.records;
    d["lost"] = s.lost;
    d["gaps"] = s.gaps;
    d["publishers"] = s.publishers;
    d["sleeps"] = s.sleeps;
    d["refused"] = sub_->refused();
    return d;
  }

  std::shared_ptr<devices::profile> profile() const { return profile_; }
  const std::string& name() const { return sub_->name(); }
  int publisher_pid() const { return sub_->publisher_pid(); }

 private:
  void load_profile() {
    profile_ = given_;
    if (!profile_)
      if (auto p = devices::profile_on_bridge(*sub_)) profile_ = std::make_shared<devices::profile>(std::move(*p));
    kept_ = devices::kept_framing_of(profile_.get());
  }

  std::shared_ptr<devices::profile> given_;
  std::shared_ptr<devices::profile> profile_;
  devices::kept_framing kept_;
  std::unique_ptr<bridge::subscriber> sub_;
};

class capture_reader {
 public:
  capture_reader(const std::string& path, py::object profile)
      : profile_(profile_arg(profile)), reader_(path), kept_(devices::kept_framing_of(profile_.get())) {}

  py::object next() {
    auto r = reader_.next();
    if (!r) throw py::stop_iteration();
    record out;
    out.lost = r->lost_before;
    const bool own = reader_.link_framing(r->link_id).empty();
    fill(out, *r, profile_.get(), own ? nullptr : kept_.framing.get());
    return py::cast(std::move(out));
  }

 private:
  std::shared_ptr<devices::profile> profile_;
  transport::capture_reader reader_;
  devices::kept_framing kept_;
};

transport::direction direction_of(const std::string& dir) {
  if (dir == "out") return transport::direction::to_device;
  if (dir == "in") return transport::direction::from_device;
  throw py::value_error("dir must be \"out\" (to the device) or \"in\" (from it), not \"" + dir + "\"");
}

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

class capture_writer {
 public:
  capture_writer(const std::string& path, const std::string& source, std::uint64_t rotate_bytes)
      : writer_(transport::open_pcapng_writer({.path = path, .rotate_size_bytes = rotate_bytes, .source = source})) {}

  void write(py::handle data, const std::string& dir, std::optional<std::uint64_t> time_ns, std::uint16_t link_id,
             bool refused) {
    const bytes_arg b(data);
    transport::capture_record r;
    r.time_ns = time_ns.value_or(now_ns());
    r.dir = direction_of(dir);
    r.link_id = link_id;
    r.flags = refused ? transport::record_flag::refused : 0;
    r.bytes = b.span();
    check().write(r);
  }

  void close() {
    if (writer_) writer_->close();
    writer_.reset();
  }
  std::uint64_t records() { return check().records(); }
  std::vector<std::string> files() { return check().files(); }

 private:
  transport::capture_writer& check() {
    if (!writer_) throw py::value_error("the capture is closed");
    return *writer_;
  }
  std::unique_ptr<transport::capture_writer> writer_;
};

transport::frame_kind kind_of(const std::string& kind) {
  for (auto k : {transport::frame_kind::request, transport::frame_kind::response, transport::frame_kind::event,
                 transport::frame_kind::error})
    if (transport::to_string(k) == kind) return k;
  throw py::value_error("kind must be \"request\", \"response\", \"event\" or \"error\", not \"" + kind + "\"");
}

}  // namespace

void bind_records(py::module_& m) {
  py::class_<record>(m, "Record", "One recorded frame (a bridge's or a capture's), or on a bridge what happened instead.")
      .def_readonly("status", &record::status,
                    "\"record\"; on a bridge also \"publisher_gone\" or \"publisher_restarted\" (then only detail is set)")
      .def_readonly("detail", &record::detail)
      .def_readonly("sequence", &record::sequence, "The bridge's record number (None in a capture).")
      .def_readonly("time_ns", &record::time_ns, "Nanoseconds since the Unix epoch.")
      .def_property_readonly("time", [](const record& r) { return static_cast<double>(r.time_ns) / 1e9; })
      .def_readonly("dir", &record::dir, "\"out\" (to the device) or \"in\" (from it).")
      .def_readonly("link_id", &record::link_id)
      .def_readonly("flags", &record::flags)
      .def_property_readonly("refused", [](const record& r) { return (r.flags & transport::record_flag::refused) != 0; })
      .def_property_readonly("truncated", [](const record& r) { return (r.flags & transport::record_flag::truncated) != 0; })
      .def_readonly("length", &record::length, "The frame's length before any cut.")
      .def_readonly("lost", &record::lost, "Records lost just before this one.")
      .def_readonly("bytes", &record::bytes, "The frame as kept (header, payload, CRC), or a refused frame's raw bytes.")
      .def_readonly("frame", &record::frame,
                    "The frame as a dict, as `comframe tap --json` writes it (docs/logging.md); None when truncated.")
      .def("__repr__", [](const record& r) {
        if (r.status != "record") return "<comframe.Record " + r.status + ">";
        return "<comframe.Record " + r.dir + " " + std::to_string(r.length) + " bytes>";
      });

  py::class_<subscriber>(m, "Subscriber", R"(Reads a shared-memory bridge (docs/bridge.md) without touching the port.

    bus = comframe.Subscriber("lab")
    for rec in bus.records(timeout=5.0):
        print(rec.lost, rec.frame)
)")
      .def(py::init<const std::string&, bool, py::object, double>(), py::arg("name"), py::kw_only(),
           py::arg("from_oldest") = false, py::arg("profile") = py::none(), py::arg("spin_us") = 0.0,
           "Maps the bridge. profile: decode frames with it (a Profile or a file); None: the profile the "
           "publisher put on the bridge. Raises BridgeError (not_found, permission, corrupt).")
      .def("next", &subscriber::next, py::arg("timeout") = 1.0,
           "The next Record within timeout seconds, or None. Its status says when the publisher went or restarted.")
      .def("latest", &subscriber::latest, py::arg("key"),
           "A latest value: {'key', 'schema', 'bytes', 'version', 'value'} (value decoded for \"event.<name>\"), or None.")
      .def_property_readonly("latest_keys", &subscriber::latest_keys)
      .def("stats", &subscriber::stats)
      .def_property_readonly("profile", &subscriber::profile)
      .def_property_readonly("name", &subscriber::name)
      .def_property_readonly("publisher_pid", &subscriber::publisher_pid);

  py::class_<bridge::publisher>(m, "Publisher", R"(Publishes frames to a shared-memory bridge (docs/bridge.md) that
any number of local processes read: what `comframe monitor --bridge` and `comframe sim --bridge` do.

    pub = comframe.Publisher("lab")
    pub.set_profile(comframe.Profile.load("thermo.json"))
    pub.publish(comframe.frame_bytes("event", 256, 0, payload), dir="in")
)")
      .def(py::init([](const std::string& name, std::size_t ring_bytes, std::size_t max_record_bytes) {
             bridge::publisher_options o;
             o.ring_bytes = ring_bytes;
             o.max_record_bytes = max_record_bytes ? max_record_bytes : std::min(o.max_record_bytes, ring_bytes / 4);
             return std::make_unique<bridge::publisher>(name, o);
           }),
           py::arg("name"), py::kw_only(), py::arg("ring_bytes") = std::size_t{4} << 20, py::arg("max_record_bytes") = 0,
           "Creates the bridge (/dev/shm/comframe.NAME). Raises BridgeError in_use when a live publisher has the name.")
      .def(
          "publish",
          [](bridge::publisher& p, py::handle data, const std::string& dir, bool refused, std::optional<std::uint64_t> time_ns,
             std::uint16_t link_id) {
            const bytes_arg b(data);
            return p.publish(direction_of(dir), b.span(),
                             link_id, refused ? transport::record_flag::refused : 0, std::nullopt, time_ns.value_or(0));
          },
          py::arg("data"), py::kw_only(), py::arg("dir") = "in", py::arg("refused") = false, py::arg("time_ns") = py::none(),
          py::arg("link_id") = 0, "Publishes one frame as kept (frame_bytes()); returns its sequence number.")
      .def(
          "set_profile", [](bridge::publisher& p, const devices::profile& profile) { p.set_profile(profile.to_json().dump()); },
          py::arg("profile"), "Puts the device's profile on the bridge, for subscribers to decode frames with.")
      .def_property_readonly("published", &bridge::publisher::published)
      .def_property_readonly("name", &bridge::publisher::name);

  py::class_<capture_reader>(m, "CaptureReader", "The records of a pcapng capture, in order (read_capture).")
      .def(py::init<const std::string&, py::object>(), py::arg("path"), py::kw_only(), py::arg("profile") = py::none())
      .def("__iter__", [](capture_reader& r) -> capture_reader& { return r; }, py::return_value_policy::reference)
      .def("__next__", &capture_reader::next);

  py::class_<capture_writer>(m, "CaptureWriter", "Writes a pcapng capture as comframe writes it (docs/logging.md).")
      .def(py::init<const std::string&, const std::string&, std::uint64_t>(), py::arg("path"), py::kw_only(),
           py::arg("source") = "python", py::arg("rotate_bytes") = 0)
      .def("write", &capture_writer::write, py::arg("data"), py::kw_only(), py::arg("dir") = "in",
           py::arg("time_ns") = py::none(), py::arg("link_id") = 0, py::arg("refused") = false,
           "Writes one frame as kept (frame_bytes()), or with refused=True raw bytes the receiver refused.")
      .def_property_readonly("records", &capture_writer::records)
      .def_property_readonly("files", &capture_writer::files)
      .def("close", &capture_writer::close)
      .def("__enter__", [](capture_writer& w) -> capture_writer& { return w; }, py::return_value_policy::reference)
      .def("__exit__", [](capture_writer& w, py::args) { w.close(); });

  m.def(
      "frame_bytes",
      [](const std::string& kind, std::uint16_t command, std::uint16_t sequence, py::bytes payload) {
        const std::string p = payload;
        const auto out = transport::frame_bytes(transport::frame_header{.kind = kind_of(kind), .command = command, .sequence = sequence},
                                                std::span(reinterpret_cast<const std::uint8_t*>(p.data()), p.size()));
        return bytes_of(out);
      },
      py::arg("kind"), py::arg("command"), py::arg("sequence"), py::arg("payload") = py::bytes(),
      "A frame as comframe keeps it (header, payload, CRC-32C; before COBS): what captures and the bridge hold.");
}

}  // namespace comframe::python

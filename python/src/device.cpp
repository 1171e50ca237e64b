// comframe.Device: a devices::session for Python. Calls by name with keyword
// arguments, events as callbacks or waited for, every frame into a capture.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>

#include "common.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/devices/bridge_feed.hpp"
#include "comframe/devices/frame_json.hpp"
#include "comframe/devices/session.hpp"
#include "comframe/transport/capture.hpp"

namespace comframe::python {

namespace {

using clock = std::chrono::steady_clock;

std::optional<std::chrono::milliseconds> timeout_of(std::optional<double> seconds) {
  if (!seconds) return std::nullopt;
  if (!(*seconds >= 0) || *seconds > 86400) throw py::value_error("timeout must be from 0 to 86400 seconds");
  return std::chrono::milliseconds(static_cast<std::int64_t>(*seconds * 1000.0 + 0.5));
}

double unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// One event as it waits for wait_event / next_event.
struct queued_event {
  std::string name;
  const py_schema* payload = nullptr;  // the event's, with its decode plans (the device keeps it)
  std::vector<std::uint8_t> bytes;
  double time = 0;
};

class device {
 public:
  device(const std::string& url, py::object profile_arg, double timeout, bool reconnect, const std::string& bridge,
         const std::string& capture, std::optional<std::uint16_t> address, std::size_t max_queued_events, int spin_us)
      : bridge_(bridge), spin_us_(spin_us), max_queued_(max_queued_events) {
    if (max_queued_ == 0) throw py::value_error("max_queued_events must be at least 1");
    if (spin_us_ < 0 || spin_us_ > 100000) throw py::value_error("spin_us must be from 0 to 100000");
    devices::session_options so;
    so.timeout = *timeout_of(timeout);
    so.reconnect = reconnect;
    so.address = address;
    if (!profile_arg.is_none()) {
      if (py::isinstance<devices::profile>(profile_arg))
        profile_ = profile_arg.cast<std::shared_ptr<devices::profile>>();
      else
        profile_ = py::module_::import("comframe").attr("Profile").attr("load")(profile_arg).cast<std::shared_ptr<devices::profile>>();
      so.expected_profile = profile_;
      so.payload_endian = profile_->payload_endian();
      devices::use_framing_of(so, profile_);
    }
    if (!bridge.empty()) {
      transport::bridge::publisher_options po;
      if (profile_) po.profile_bytes = std::max<std::size_t>(po.profile_bytes, profile_->to_json().dump().size());
      feed_ = std::make_shared<devices::bridge_feed>(std::make_shared<transport::bridge::publisher>(bridge, po));
      so.bridge = feed_;
    }
    if (!capture.empty()) {
      kept_ = devices::kept_framing_of(profile_.get());
      writer_ = transport::open_pcapng_writer(
          {.path = capture, .source = url, .framing = kept_.framing ? kept_.framing->traits().name : std::string()});
    }
    {
      py::gil_scoped_release release;
      session_ = std::make_shared<devices::session>(url, so);
      if (writer_)
        session_->observe_frames([this](const devices::frame_record& r) {
          std::lock_guard lock(capture_mutex_);
          if (!writer_ || !capture_failure_.empty()) return;
          try {
            writer_->write(transport::captured_frame(r, kept_.framing.get(), scratch_));
          } catch (const std::exception& e) {
            capture_failure_ = e.what();
          }
        });
      if (!profile_) profile_ = std::make_shared<devices::profile>(session_->fetch_profile());
      if (feed_) feed_->set_profile(*profile_);
    }
    for (const auto& e : profile_->events()) watch_event(e);
  }

  ~device() {
    try {
      close();
    } catch (...) {  // a capture that cannot be closed: capture_error says why, nothing more to do here
    }
  }

  // Closes the session (its I/O thread joined: no handler runs after this) and the capture.
  // Calls in other threads keep the session alive until they return, with kind "closed".
  void close() {
    std::shared_ptr<devices::session> gone;
    {
      std::lock_guard lock(mutex_);
      gone = std::move(session_);
    }
    cv_.notify_all();  // waiters in wait_event see the device closed
    if (gone) {
      py::gil_scoped_release release;  // a handler on the I/O thread may be waiting for the GIL
      gone.reset();
    }
    std::unique_ptr<transport::capture_writer> writer;
    {
      std::lock_guard lock(capture_mutex_);
      writer = std::move(writer_);
    }
    std::lock_guard lock(mutex_);
    callbacks_.clear();
    link_callback_ = py::object();
    if (writer) {
      try {
        writer->close();
      } catch (const std::exception& e) {
        std::lock_guard capture_lock(capture_mutex_);
        capture_failure_ = e.what();
        throw;
      }
    }
  }

  // The session, kept alive for the caller; ValueError once closed.
  std::shared_ptr<devices::session> s() {
    std::lock_guard lock(mutex_);
    if (!session_) throw py::value_error("the device is closed");
    return session_;
  }

  py::object call(const std::string& command, py::object args, std::optional<double> timeout, py::kwargs kwargs) {
    const auto* c = find_command(command);
    const nlohmann::json j = arguments(args, kwargs);
    nlohmann::json reply;
    {
      auto session = s();
      py::gil_scoped_release release;  // the session is released here too: its end may join its I/O thread
      auto future = session->request_json_async(*profile_, command, j, timeout_of(timeout));
      // A reply over a local pty or a fast line comes within tens of microseconds: look for it
      // that long before sleeping, which saves a wake-up (measured: docs/performance.md, "Python").
      const auto spin_until = clock::now() + std::chrono::microseconds(spin_us_);
      while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready && clock::now() < spin_until) {
      }
      session.reset();
      reply = future.get();
    }
    return to_python(reply, c->response.has_root() ? &c->response.root() : nullptr);
  }

  void send(const std::string& command, py::object args, py::kwargs kwargs) {
    const auto* c = find_command(command);
    const core::endian order = devices::payload_order(c->id >= devices::first_reserved_command, profile_->payload_endian());
    auto payload = core::encode(c->request, arguments(args, kwargs), order);
    s()->send_raw(c->id, std::move(payload));
  }

  void on_event(const std::string& name, py::object fn) {
    if (!profile_->find_event(name)) throw py::key_error(no_event(name));
    std::lock_guard lock(mutex_);
    if (fn.is_none()) callbacks_.erase(name);
    else callbacks_[name] = std::move(fn);
  }

  py::object wait_event(const std::optional<std::string>& name, std::optional<double> timeout, bool with_name) {
    if (name && !profile_->find_event(*name)) throw py::key_error(no_event(*name));
    const auto limit = timeout_of(timeout.value_or(86400.0));  // None: as good as for ever
    queued_event got;
    bool found = false, closed = false;
    {
      py::gil_scoped_release release;
      std::unique_lock lock(mutex_);
      const auto deadline = clock::now() + *limit;
      for (;;) {
        auto it = std::find_if(queue_.begin(), queue_.end(), [&](const queued_event& e) { return !name || e.name == *name; });
        if (it != queue_.end()) {
          got = std::move(*it);
          queue_.erase(it);
          found = true;
          break;
        }
        if (!session_) {
          closed = true;
          break;
        }
        if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && clock::now() >= deadline) break;
      }
    }
    if (closed) throw py::value_error("the device is closed");
    if (!found) {
      PyErr_SetString(PyExc_TimeoutError, ("no " + (name ? "\"" + *name + "\" event" : std::string("event")) +
                                           " within " + py::str(py::float_(timeout.value_or(1.0))).cast<std::string>() + " s")
                                              .c_str());
      throw py::error_already_set();
    }
    py::object payload = got.payload->decode(got.bytes, profile_->payload_endian(), core::json_mode::strict);
    if (!with_name) return payload;
    return py::module_::import("comframe").attr("Event")(got.name, payload, got.time);
  }

  std::size_t pending_events() {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }

  void clear_events() {
    std::lock_guard lock(mutex_);
    queue_.clear();
  }

  py::dict stats() {
    const auto st = s()->stats();
    py::dict d;
    d["requests"] = st.requests;
    d["sends"] = st.sends;
    d["replies"] = st.replies;
    d["error_replies"] = st.error_replies;
    d["timeouts"] = st.timeouts;
    d["broken_replies"] = st.broken_replies;
    d["late_replies"] = st.late_replies;
    d["mismatched_replies"] = st.mismatched_replies;
    d["broadcasts"] = st.broadcasts;
    d["events"] = st.events;
    d["unhandled_events"] = st.unhandled_events;
    d["unexpected_frames"] = st.unexpected_frames;
    d["dropped_sends"] = st.dropped_sends;
    d["link_losses"] = st.link_losses;
    d["reconnects"] = st.reconnects;
    d["frame_errors"] = st.decoder.errors();
    d["frames_received"] = st.decoder.frames;
    d["bytes_received"] = st.decoder.bytes;
    std::lock_guard lock(mutex_);
    d["events_dropped"] = events_dropped_;
    return d;
  }

  bool connected() {
    std::lock_guard lock(mutex_);
    return session_ && session_->connected();
  }
  std::string url() { return s()->url(); }
  std::shared_ptr<devices::profile> profile() const { return profile_; }
  const std::string& bridge() const { return bridge_; }
  void flush_capture() {
    std::lock_guard lock(capture_mutex_);
    if (writer_) writer_->flush();
  }
  std::string capture_failure() {
    std::lock_guard lock(capture_mutex_);
    return capture_failure_;
  }
  void on_link_state(py::object fn) {
    {
      std::lock_guard lock(mutex_);
      link_callback_ = std::move(fn);
    }
    // The handler holds no Python object: the session may drop it on its I/O thread, without the GIL.
    s()->on_link_state([this](devices::link_state st, const std::string& detail) {
      py::gil_scoped_acquire gil;
      py::object fn;
      {
        std::lock_guard lock(mutex_);
        fn = link_callback_;
      }
      if (!fn || fn.is_none()) return;
      try {
        fn(std::string(devices::to_string(st)), detail);
      } catch (py::error_already_set& e) {
        e.discard_as_unraisable("comframe.Device link state callback");
      }
    });
  }

 private:
  const devices::command_info* find_command(const std::string& name) const {
    const auto* c = profile_->find_command(name);
    if (!c) {
      std::string names;
      for (const auto& x : profile_->commands()) names += (names.empty() ? "" : ", ") + x.name;
      throw comframe::error("devices.unknown_command", "the profile of " + profile_->device() + " has no command \"" +
                                                           name + "\" (it has: " + names + ")");
    }
    return c;
  }

  std::string no_event(const std::string& name) const {
    std::string names;
    for (const auto& x : profile_->events()) names += (names.empty() ? "" : ", ") + x.name;
    return "the profile of " + profile_->device() + " has no event \"" + name + "\" (it has: " + names + ")";
  }

  // A call's arguments: one positional value (any request type), or keywords (a struct's fields), or none.
  static nlohmann::json arguments(const py::object& args, const py::kwargs& kwargs) {
    if (!args.is_none() && kwargs.size() > 0)
      throw py::type_error("give the request as one value or as keyword arguments, not both");
    if (!args.is_none()) return from_python(args);
    if (kwargs.size() > 0) return from_python(kwargs);
    return nullptr;
  }

  void watch_event(const devices::event_info& e) {
    // Kept by the device, not by the handler: the session may drop its handlers on its I/O thread,
    // where a plan's Python keys must not be released (no GIL there).
    event_schemas_.push_back(std::make_unique<const py_schema>(e.payload));
    const py_schema* payload = event_schemas_.back().get();
    const std::string name = e.name;
    session_->on_event_raw(e.id, [this, payload, name](std::span<const std::uint8_t> bytes) {
      queued_event ev{name, payload, {bytes.begin(), bytes.end()}, unix_seconds(std::chrono::system_clock::now())};
      bool has_callback;
      {
        std::lock_guard lock(mutex_);
        has_callback = callbacks_.count(name) > 0;
        if (!has_callback) {
          if (queue_.size() >= max_queued_) {
            queue_.pop_front();  // the oldest goes: a test reads what is recent
            ++events_dropped_;
          }
          queue_.push_back(std::move(ev));
        }
      }
      if (!has_callback) {
        cv_.notify_all();
        return;
      }
      py::gil_scoped_acquire gil;
      py::object fn;
      {
        std::lock_guard lock(mutex_);
        auto it = callbacks_.find(name);
        if (it == callbacks_.end()) return;
        fn = it->second;
      }
      try {
        fn(payload->decode(ev.bytes, profile_->payload_endian(), core::json_mode::strict));
      } catch (py::error_already_set& err) {
        err.discard_as_unraisable(("comframe.Device event callback for " + name).c_str());
      }
    });
  }

  std::string bridge_;
  int spin_us_;
  std::shared_ptr<devices::profile> profile_;
  std::shared_ptr<devices::bridge_feed> feed_;
  std::mutex capture_mutex_;
  devices::kept_framing kept_;
  std::unique_ptr<transport::capture_writer> writer_;
  std::vector<std::uint8_t> scratch_;
  std::string capture_failure_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<queued_event> queue_;
  std::size_t max_queued_;
  std::uint64_t events_dropped_ = 0;
  std::map<std::string, py::object> callbacks_;
  py::object link_callback_;
  std::vector<std::unique_ptr<const py_schema>> event_schemas_;  // the events' payloads, for the handlers
  std::shared_ptr<devices::session> session_;  // guarded by mutex_; last: destroyed first, its I/O thread joined
};

}  // namespace

void bind_device(py::module_& m) {
  py::class_<device>(m, "Device", R"(A session with a device on a port (docs/python.md).

    dev = comframe.Device("/dev/ttyUSB0?baud=115200")      # the profile is fetched from the device
    dev.call("set_led", index=2, rgb=[255, 0, 0])
    info = dev.call("get_info")                            # {'firmware': {...}, 'serial_number': ..., ...}
    dev.call("start_telemetry", rate_hz=50)
    sample = dev.wait_event("telemetry", timeout=1.0)
)")
      .def(py::init<const std::string&, py::object, double, bool, const std::string&, const std::string&,
                    std::optional<std::uint16_t>, std::size_t, int>(),
           py::arg("url"), py::kw_only(), py::arg("profile") = py::none(), py::arg("timeout") = 1.0,
           py::arg("reconnect") = true, py::arg("bridge") = "", py::arg("capture") = "",
           py::arg("address") = py::none(), py::arg("max_queued_events") = 10000, py::arg("spin_us") = 200,
           "Opens the port URL (a device path or pty, a pty path?baud=N, tcp://HOST:PORT, loop://NAME; docs/ports.md). "
           "profile: a Profile or a profile file; None fetches it from the device. timeout: the default per request, "
           "in seconds. bridge: publish every frame to this bridge name. capture: write every frame to this pcapng file. "
           "spin_us: how long call() looks for its reply before it sleeps (0: sleep at once). "
           "Raises LinkError when the port cannot be opened.")
      .def("call", &device::call, py::arg("command"), py::arg("request") = py::none(), py::kw_only(),
           py::arg("timeout") = py::none(),
           "Sends the command with the request (one value, or keyword arguments for its fields) and returns the "
           "decoded reply (None for a null reply). Releases the GIL while waiting. Raises RequestError (kind "
           "\"timeout\", \"device_error\" with device_code, \"link_lost\", \"not_connected\", …) or CodecError for "
           "arguments that do not fit.")
      .def("send", &device::send, py::arg("command"), py::arg("request") = py::none(),
           "Sends the command without waiting for a reply.")
      .def("on_event", &device::on_event, py::arg("event"), py::arg("callback"),
           "Calls callback(payload) on the session's I/O thread for each such event instead of queueing it; "
           "None removes it. A callback must not call the device's blocking methods.")
      .def(
          "wait_event",
          [](device& d, const std::string& name, std::optional<double> timeout) { return d.wait_event(name, timeout, false); },
          py::arg("event"), py::arg("timeout") = 1.0,
          "The oldest queued event of this name (its payload), waiting up to timeout seconds; TimeoutError when none "
          "comes. Other events stay queued.")
      .def(
          "next_event", [](device& d, std::optional<double> timeout) { return d.wait_event(std::nullopt, timeout, true); },
          py::arg("timeout") = 1.0, "The oldest queued event of any name as an Event(name, payload, time); TimeoutError when none comes.")
      .def_property_readonly("pending_events", &device::pending_events, "Events queued, not yet taken.")
      .def("clear_events", &device::clear_events, "Drops the queued events.")
      .def("on_link_state", &device::on_link_state, py::arg("callback"),
           "Calls callback(state, detail) on each change: \"connected\", \"lost\", \"reconnected\", \"closed\", "
           "\"profile_mismatch\".")
      .def("stats", &device::stats, "The session's counters (docs/host.md) and events_dropped from the queue.")
      .def_property_readonly("connected", &device::connected)
      .def_property_readonly("url", &device::url)
      .def_property_readonly("profile", &device::profile)
      .def_property_readonly("bridge", &device::bridge, "The bridge name it publishes to, or \"\".")
      .def_property_readonly("capture_error", &device::capture_failure,
                             "Why writing the capture failed, or \"\" (frames after the failure are not written).")
      .def("flush_capture", &device::flush_capture, "Writes the capture's buffered frames to its file.")
      .def("close", &device::close, "Closes the port and the capture. Pending calls fail with kind \"closed\".")
      .def("__enter__", [](device& d) -> device& { return d; }, py::return_value_policy::reference)
      .def("__exit__", [](device& d, py::args) { d.close(); });
}

}  // namespace comframe::python

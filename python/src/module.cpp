// comframe._native — the C++ layers for Python (docs/python.md): errors,
// schemas, profiles and the simulator here; sessions in device.cpp; the
// bridge and captures in records.cpp.
#include <pybind11/stl.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "common.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/error.hpp"
#include "comframe/devices/session.hpp"
#include "comframe/firmware_sim/fault_injector.hpp"
#include "comframe/firmware_sim/simulator.hpp"
#include "comframe/transport/bridge.hpp"
#include "comframe/transport/capture.hpp"
#include "comframe/transport/link_error.hpp"

namespace comframe::python {

namespace {

// The exception classes, made at import; kept for the process's life.
PyObject* error_type = nullptr;          // comframe.Error
PyObject* codec_error_type = nullptr;    // comframe.CodecError
PyObject* request_error_type = nullptr;  // comframe.RequestError
PyObject* link_error_type = nullptr;     // comframe.LinkError
PyObject* bridge_error_type = nullptr;   // comframe.BridgeError
PyObject* capture_error_type = nullptr;  // comframe.CaptureError
PyObject* usage_error_type = nullptr;    // comframe.UsageError

PyObject* make_type(py::module_& m, const char* name, PyObject* base, const char* doc) {
  const std::string full = std::string("comframe.") + name;
  PyObject* t = PyErr_NewExceptionWithDoc(full.c_str(), doc, base, nullptr);
  if (!t) throw py::error_already_set();
  Py_INCREF(t);
  m.add_object(name, py::handle(t));
  return t;
}

// Raises `type` with the error's message and its parts as attributes.
void raise(PyObject* type, const comframe::error& e, py::dict extra = {}) {
  py::object inst = py::reinterpret_steal<py::object>(PyObject_CallFunction(type, "s", e.what()));
  if (!inst) return;  // the call set the Python error
  inst.attr("id") = e.id();
  inst.attr("detail") = e.detail();
  inst.attr("file") = e.file();
  inst.attr("path") = e.path();
  inst.attr("offset") = e.where().offset ? py::object(py::int_(*e.where().offset)) : py::object(py::none());
  inst.attr("expected") = e.expected();
  inst.attr("found") = e.found();
  for (auto [k, v] : extra) inst.attr(k) = v;
  PyErr_SetObject(type, inst.ptr());
}

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const devices::request_error& e) {
    py::dict extra;
    extra["kind"] = std::string(devices::to_string(e.kind()));
    extra["command"] = e.command();
    extra["device_code"] = e.device_code();
    raise(request_error_type, e, extra);
  } catch (const core::codec_error& e) {
    raise(codec_error_type, e);
  } catch (const transport::link_error& e) {
    raise(link_error_type, e);
  } catch (const transport::bridge::bridge_error& e) {
    raise(bridge_error_type, e);
  } catch (const transport::capture_error& e) {
    raise(capture_error_type, e);
  } catch (const comframe::usage_error& e) {
    raise(usage_error_type, e);
  } catch (const comframe::error& e) {
    raise(error_type, e);
  }
}

// endian_of and mode_of for an argument that is almost always one of a few short strings.
core::endian endian_arg(py::handle h) {
  if (PyUnicode_Check(h.ptr())) {
    if (PyUnicode_CompareWithASCIIString(h.ptr(), "little") == 0) return core::endian::little;
    if (PyUnicode_CompareWithASCIIString(h.ptr(), "big") == 0) return core::endian::big;
  }
  return endian_of(py::str(h).cast<std::string>());
}

core::json_mode mode_arg(py::handle h) {
  if (PyUnicode_Check(h.ptr()) && PyUnicode_CompareWithASCIIString(h.ptr(), "strict") == 0) return core::json_mode::strict;
  return mode_of(py::str(h).cast<std::string>());
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int e = errno;
    PyErr_SetFromErrnoWithFilename(PyExc_OSError, path.c_str());
    (void)e;
    throw py::error_already_set();
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

py::object optional_size(std::optional<std::size_t> n) { return n ? py::object(py::int_(*n)) : py::object(py::none()); }

std::chrono::milliseconds millis(double seconds, const char* what) {
  if (!(seconds >= 0) || seconds > 3600.0 * 24)
    throw py::value_error(std::string(what) + " must be from 0 to 86400 seconds");
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000.0 + 0.5));
}

PyTypeObject* schema_type = nullptr;  // comframe.Schema

// Schema.decode(data, endian="little", mode="strict") as a vectorcall method: pybind11's
// dispatcher costs several times what decoding a small record does.
PyObject* schema_decode(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  try {
    if (!PyObject_TypeCheck(self, schema_type)) throw py::type_error("Schema.decode needs a Schema");
    PyObject* given[3] = {nullptr, nullptr, nullptr};  // data, endian, mode
    if (nargs > 3) throw py::type_error("Schema.decode takes at most 3 arguments (data, endian, mode)");
    for (Py_ssize_t i = 0; i < nargs; ++i) given[i] = args[i];
    const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t i = 0; i < nkw; ++i) {
      PyObject* name = PyTuple_GET_ITEM(kwnames, i);
      int slot = -1;
      if (PyUnicode_CompareWithASCIIString(name, "data") == 0) slot = 0;
      else if (PyUnicode_CompareWithASCIIString(name, "endian") == 0) slot = 1;
      else if (PyUnicode_CompareWithASCIIString(name, "mode") == 0) slot = 2;
      if (slot < 0) throw py::type_error("Schema.decode got an unexpected keyword argument " + py::repr(name).cast<std::string>());
      if (given[slot]) throw py::type_error("Schema.decode got two values for one argument");
      given[slot] = args[nargs + i];
    }
    if (!given[0]) throw py::type_error("Schema.decode needs the data to decode");
    auto* inst = reinterpret_cast<py::detail::instance*>(self);
    const auto& schema = *inst->get_value_and_holder().value_ptr<py_schema>();
    const bytes_arg data(given[0]);
    const core::endian order = given[1] ? endian_arg(given[1]) : core::endian::little;
    const core::json_mode mode = given[2] ? mode_arg(given[2]) : core::json_mode::strict;
    return schema.decode(data.span(), order, mode).release().ptr();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const py::builtin_exception& e) {
    e.set_error();
  } catch (const comframe::error&) {
    translate(std::current_exception());
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  } catch (...) {
    PyErr_SetString(PyExc_RuntimeError, "comframe: an unexpected C++ exception");
  }
  return nullptr;
}

PyMethodDef schema_decode_def = {
    "decode", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(schema_decode)), METH_FASTCALL | METH_KEYWORDS,
    "decode(data, endian=\"little\", mode=\"strict\")\n--\n\n"
    "Decodes exactly these bytes: dicts (keys in field order), lists, ints, floats, str, bytes (byte strings). "
    "Raises CodecError with the field's path and byte offset."};

void bind_schema(py::module_& m) {
  auto schema_class = py::class_<py_schema>(m, "Schema", R"(A type loaded at run time (docs/schema.md): encode Python values to bytes and decode bytes to them.

    s = comframe.Schema.parse('{"struct": [{"name": "id", "type": "u16"}, {"name": "temps", "type": "i8[]"}]}')
    s.encode({"id": 7, "temps": [-5, 20]}, "big")   # b'\x00\x07\xfb\x14'
    s.decode(b'\x00\x07\xfb\x14', "big")             # {'id': 7, 'temps': [-5, 20]}
)")
      .def_static("parse", [](const std::string& text) { return py_schema{core::schema::parse(text)}; }, py::arg("text"),
                  "Loads a schema document from JSON text. Raises CodecError (schema_syntax, definition, unknown_type, limit).")
      .def_static(
          "load",
          [](const std::string& path) {
            const std::string text = read_text_file(path);
            try {
              return py_schema{core::schema::parse(text)};
            } catch (const core::codec_error& e) {
              // The same error as CodecError, naming the file too.
              raise(codec_error_type, comframe::error(e.id(), e.detail(), error_location{path, e.path(), e.where().offset}));
              throw py::error_already_set();
            }
          },
          py::arg("path"), "Loads a schema document from a file.")
      .def_static("from_dict", [](py::handle d) { return py_schema{core::schema::from_json(from_python(d))}; }, py::arg("document"),
                  "Loads a schema document given as Python values.")
      .def(
          "type", [](const py_schema& s, const std::string& name) { return py_schema{s.s.type(name)}; }, py::arg("name"),
          "The schema with the named type as its root.")
      .def_property_readonly("type_names", [](const py_schema& s) { return s.s.type_names(); },
                             "The names of the document's types.")
      .def_property_readonly("fixed_size", [](const py_schema& s) { return optional_size(s.s.fixed_size()); },
                             "Bytes of every value, or None when values vary in size.")
      .def_property_readonly("min_size", [](const py_schema& s) { return s.s.min_size(); }, "Bytes of the smallest value.")
      .def_property_readonly("element_size", [](const py_schema& s) { return optional_size(s.s.element_size()); },
                             "Bytes per element of the dynamic tail, or None without one.")
      .def_property_readonly("type_expression", [](const py_schema& s) { return s.s.type_expression(); },
                             "The root type as a type expression.")
      .def(
          "size", [](const py_schema& s, py::handle value) { return s.s.current_size(from_python(value)); },
          py::arg("value"), "Bytes this value encodes to.")
      .def(
          "encode",
          [](const py_schema& s, py::handle value, const std::string& endian, const std::string& mode) {
            const auto j = from_python(value);
            return bytes_of(core::encode(s.s, j, endian_of(endian), mode_of(mode)));
          },
          py::arg("value"), py::arg("endian") = "little", py::arg("mode") = "strict",
          "Encodes a value to bytes. mode \"lenient\" also takes numbers as strings, bools as 0/1 "
          "(docs/schema.md). Raises CodecError with the field's path.")
      .def(
          "_decode_tree",
          [](const py_schema& s, py::handle data, const std::string& endian, const std::string& mode) {
            const bytes_arg b(data);
            const nlohmann::json v = core::decode(s.s, b.span(), endian_of(endian), mode_of(mode));
            return to_python(v, s.s.has_root() ? &s.s.root() : nullptr);
          },
          py::arg("data"), py::arg("endian") = "little", py::arg("mode") = "strict",
          "decode() through a JSON tree (core::decode), for tests that compare it with decode().")
      .def(
          "decode_json",
          [](const py_schema& s, py::handle data, const std::string& endian, int indent, bool sorted_keys) {
            const bytes_arg b(data);
            std::string out;
            core::decode_json(s.s, b.span(), out, core::json_text_options{indent, sorted_keys, false},
                              endian_of(endian));
            return out;
          },
          py::arg("data"), py::arg("endian") = "little", py::arg("indent") = -1, py::arg("sorted_keys") = false,
          "Decodes these bytes to JSON text (keys in field order unless sorted_keys).")
      .def("to_dict", [](const py_schema& s) { return to_python(s.s.to_json()); }, "The schema document.")
      .def("dump", [](const py_schema& s, int indent) { return s.s.dump(indent); }, py::arg("indent") = 2,
           "The schema document as JSON text.")
      .def("__eq__", [](const py_schema& a, const py_schema& b) { return a.s == b.s; })
      .def("__repr__", [](const py_schema& s) { return "<comframe.Schema " + s.s.type_expression() + ">"; });
  schema_type = reinterpret_cast<PyTypeObject*>(schema_class.ptr());
  py::object decode = py::reinterpret_steal<py::object>(PyDescr_NewMethod(schema_type, &schema_decode_def));
  if (!decode) throw py::error_already_set();
  schema_class.attr("decode") = decode;
}

void bind_profile(py::module_& m) {
  py::class_<devices::profile, std::shared_ptr<devices::profile>>(m, "Profile",
                                                                  "A device's profile (docs/profiles.md): its commands, events and their types.")
      .def_static("parse", [](const std::string& text) { return std::make_shared<devices::profile>(devices::profile::parse(text)); },
                  py::arg("text"))
      .def_static(
          "load",
          [](const std::string& path) {
            const std::string text = read_text_file(path);
            try {
              return std::make_shared<devices::profile>(devices::profile::parse(text));
            } catch (const comframe::usage_error&) {
              throw;
            } catch (const comframe::error& e) {
              if (!e.file().empty()) throw;
              throw comframe::error(e.id(), e.detail(), error_location{path, e.path(), e.where().offset});
            }
          },
                  py::arg("path"), "Loads a profile file. Raises Error devices.profile with the file, path and offset.")
      .def_property_readonly("device", &devices::profile::device)
      .def_property_readonly("version", &devices::profile::version)
      .def_property_readonly("endian", [](const devices::profile& p) {
        return p.payload_endian() == core::endian::big ? "big" : "little";
      })
      .def_property_readonly("hash", &devices::profile::hash, "The 64-bit hash devices report (docs/protocol.md).")
      .def_property_readonly("commands",
                             [](const devices::profile& p) {
                               std::vector<std::string> names;
                               for (const auto& c : p.commands()) names.push_back(c.name);
                               return names;
                             })
      .def_property_readonly("events",
                             [](const devices::profile& p) {
                               std::vector<std::string> names;
                               for (const auto& e : p.events()) names.push_back(e.name);
                               return names;
                             })
      .def(
          "command",
          [](const devices::profile& p, const std::string& name) {
            const auto* c = p.find_command(name);
            if (!c) throw py::key_error("the profile has no command \"" + name + "\"");
            py::dict d;
            d["id"] = c->id;
            d["request"] = py_schema{c->request};
            d["response"] = py_schema{c->response};
            return d;
          },
          py::arg("name"), "{'id': …, 'request': Schema, 'response': Schema}")
      .def(
          "event",
          [](const devices::profile& p, const std::string& name) {
            const auto* e = p.find_event(name);
            if (!e) throw py::key_error("the profile has no event \"" + name + "\"");
            py::dict d;
            d["id"] = e->id;
            d["payload"] = py_schema{e->payload};
            return d;
          },
          py::arg("name"), "{'id': …, 'payload': Schema}")
      .def("to_dict", [](const devices::profile& p) { return to_python(p.to_json()); })
      .def("dump", &devices::profile::dump, py::arg("indent") = 2)
      .def("__eq__", [](const devices::profile& a, const devices::profile& b) { return a == b; })
      .def("__repr__", [](const devices::profile& p) { return "<comframe.Profile " + p.device() + " " + p.version() + ">"; });
}

void bind_simulator(py::module_& m) {
  using firmware_sim::simulator;
  py::class_<simulator>(m, "Simulator", R"(A simulated device on a pty, served on a thread of its own (docs/python.md).

    with comframe.Simulator(device="thermo", baud=115200) as sim:
        dev = comframe.Device(sim.port)
        sim.set_faults("drop=0.01,seed=7")
        sim.disconnect(0.2)
        sim.stats()["requests"]
)")
      .def(py::init([](const std::string& device, const std::string& sim_file, const std::string& profile_file,
                       const std::vector<std::string>& program, const std::string& symlink, std::uint32_t baud,
                       std::optional<std::uint16_t> address, const std::string& faults, const std::string& bridge,
                       double stop_grace) {
             firmware_sim::simulator_options o;
             o.device = device;
             o.sim_file = sim_file;
             o.profile_file = profile_file;
             if (!program.empty()) {
               o.program = program.front();
               o.program_args.assign(program.begin() + 1, program.end());
               o.stop_grace = millis(stop_grace, "stop_grace");
             } else if (device.empty() && sim_file.empty() && profile_file.empty()) {
               o.device = "thermo";
             }
             o.symlink = symlink;
             o.baud = baud;
             o.address = address;
             o.faults = firmware_sim::parse_faults(faults);
             o.bridge = bridge;
             py::gil_scoped_release release;
             return std::make_unique<simulator>(std::move(o));
           }),
           py::kw_only(), py::arg("device") = "", py::arg("sim_file") = "", py::arg("profile_file") = "",
           py::arg("program") = std::vector<std::string>{}, py::arg("symlink") = "", py::arg("baud") = 0,
           py::arg("address") = py::none(), py::arg("faults") = "", py::arg("bridge") = "", py::arg("stop_grace") = 2.0,
           "Starts a built-in device (\"thermo\", \"echo\"; thermo when nothing is named), a sim file, a bare "
           "profile, or a program (native firmware: [path, args...], its stdin and stdout the device's bytes, "
           "profile_file its profile) on a new pty. faults: as `comframe sim --faults`. bridge: publish every frame "
           "to this bridge name. stop_grace: seconds between SIGTERM and SIGKILL when a program is stopped.")
      .def_property_readonly("port", &simulator::port, "The symlink to the current pty: open this (it survives disconnects).")
      .def_property_readonly("pty", &simulator::pty, "The pty the symlink names now.")
      .def_property_readonly("profile", [](const simulator& s) { return std::make_shared<devices::profile>(s.profile()); })
      .def_property_readonly("seed", &simulator::seed, "The seed the faults draw from.")
      .def_property_readonly("running", &simulator::running)
      .def_property_readonly("ended", &simulator::ended,
                             "For a program: how it ended its part (\"... exited with status 0\"), or \"\" while it runs.")
      .def(
          "set_faults", [](simulator& s, const std::string& spec) { s.set_faults(firmware_sim::parse_faults(spec)); },
          py::arg("spec"), "Replaces the faults: \"drop=0.01,flip=0.001,late=100,never=0.05,seed=42\" (\"\": none).")
      .def_property_readonly("faults", [](const simulator& s) { return firmware_sim::to_string(s.faults()); })
      .def(
          "stall", [](simulator& s, double seconds) { s.stall(millis(seconds, "stall")); }, py::arg("seconds"),
          "Holds everything the device writes for this long.")
      .def(
          "disconnect", [](simulator& s, double seconds) { s.disconnect(millis(seconds, "disconnect")); },
          py::arg("seconds"), "Closes the pty; a new one opens after this long, and the symlink follows it.")
      .def(
          "stats", [](const simulator& s) { return to_python(s.stats()); },
          "What it served: the fields of `comframe sim --stats-json` (docs/simulator.md).")
      .def("stop", &simulator::stop, py::call_guard<py::gil_scoped_release>(), "Stops serving and removes the pty.")
      .def("__enter__", [](simulator& s) -> simulator& { return s; }, py::return_value_policy::reference)
      .def("__exit__", [](simulator& s, py::args) {
        py::gil_scoped_release release;
        s.stop();
      })
      .def("__repr__", [](const simulator& s) {
        return "<comframe.Simulator " + s.profile().device() + " on " + s.port() + ">";
      });
}

}  // namespace

}  // namespace comframe::python

PYBIND11_MODULE(_native, m) {
  using namespace comframe::python;
  m.doc() = "comframe's C++ layers (docs/python.md); import comframe, not this module.";
  error_type = make_type(m, "Error", PyExc_Exception,
                         "Every error comframe raises. Attributes: id (\"core.size\"), detail, file, path, offset, "
                         "expected, found (docs/errors.md).");
  codec_error_type = make_type(m, "CodecError", error_type, "A value, bytes or schema that does not fit (ids core.*).");
  request_error_type = make_type(m, "RequestError", error_type,
                                 "A request that did not get its reply. Attributes: kind (\"timeout\", \"device_error\", "
                                 "…), command (its id), device_code (the device's error code).");
  link_error_type = make_type(m, "LinkError", error_type, "A port that cannot be opened or was lost (ids transport.*).");
  bridge_error_type = make_type(m, "BridgeError", error_type, "A shared-memory bridge error (ids transport.bridge.*).");
  capture_error_type = make_type(m, "CaptureError", error_type, "A capture file that cannot be read or written.");
  usage_error_type = make_type(m, "UsageError", error_type, "A call comframe cannot take (ids *.usage).");
  py::register_exception_translator(translate);

  bind_schema(m);
  bind_profile(m);
  bind_simulator(m);
  bind_device(m);
  bind_records(m);
}


// The parts of the comframe Python module (comframe._native) that its files share.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "comframe/core/endian.hpp"
#include "comframe/core/json_number.hpp"
#include "comframe/core/schema.hpp"
#include "comframe/devices/frame_record.hpp"
#include "comframe/devices/profile.hpp"

namespace comframe::python {

namespace py = pybind11;

/// The bytes of a bytes-like argument (bytes, bytearray, memoryview …), without
/// copying: bytes directly, anything else through the buffer protocol (released
/// with this object). TypeError for an object that is not one run of bytes.
class bytes_arg {
 public:
  explicit bytes_arg(py::handle h) {
    if (PyBytes_Check(h.ptr())) {
      span_ = {reinterpret_cast<const std::uint8_t*>(PyBytes_AS_STRING(h.ptr())),
               static_cast<std::size_t>(PyBytes_GET_SIZE(h.ptr()))};
      return;
    }
    if (PyObject_GetBuffer(h.ptr(), &view_, PyBUF_SIMPLE) != 0) {
      PyErr_Clear();
      throw py::type_error("expected bytes, a bytearray or a contiguous buffer of bytes, not " +
                           py::str(py::type::handle_of(h).attr("__name__")).cast<std::string>());
    }
    held_ = true;
    span_ = {static_cast<const std::uint8_t*>(view_.buf), static_cast<std::size_t>(view_.len)};
  }
  ~bytes_arg() {
    if (held_) PyBuffer_Release(&view_);
  }
  bytes_arg(const bytes_arg&) = delete;
  bytes_arg& operator=(const bytes_arg&) = delete;
  std::span<const std::uint8_t> span() const { return span_; }

 private:
  Py_buffer view_{};
  bool held_ = false;
  std::span<const std::uint8_t> span_;
};

/// Bytes as a Python bytes object.
inline py::bytes bytes_of(std::span<const std::uint8_t> b) {
  return py::bytes(reinterpret_cast<const char*>(b.data()), b.size());
}

/// "little", "big" or "native"; a ValueError for anything else.
core::endian endian_of(std::string_view name);
/// "strict" or "lenient".
core::json_mode mode_of(std::string_view name);

/// A Python value as comframe's JSON face takes it: None, bool, int, float, str,
/// bytes (as lowercase hex, for byte strings), dict with str keys, list or
/// tuple. TypeError naming `path` for anything else.
nlohmann::json from_python(py::handle value, const std::string& path = "");

/// A JSON value as Python values; with `type`, a byte string (raw_bytes) as
/// bytes and a struct's keys in field order.
py::object to_python(const nlohmann::json& value, const core::type_node* type = nullptr);

/// core::decode straight into Python values (no JSON tree): what
/// to_python(core::decode(s, in, order, mode), &s.root()) gives.
py::object decode_python(const core::schema& s, std::span<const std::uint8_t> in, core::endian order,
                         core::json_mode mode);

/// A frame as a dict: devices::frame_json's members, the payload as
/// decode_python gives it. `p` may be null (no names, payload as hex).
py::object frame_to_python(const devices::profile* p, const devices::frame_record& r);

class decode_plan;  // plan.hpp

/// The double nearest the shortest decimal digits that read back to `f`
/// (std::to_chars): the value the JSON face holds for an f32.
double shortest_f32(float f);

/// comframe.Schema: a schema and, made on first use, its decode plans (plan.hpp).
struct py_schema {
  explicit py_schema(core::schema schema) : s(std::move(schema)) {}
  core::schema s;
  /// decode_python(s, in, order, mode), through the plan of `order` when it has one.
  py::object decode(std::span<const std::uint8_t> in, core::endian order, core::json_mode mode) const;

 private:
  mutable std::shared_ptr<const decode_plan> plans_[2];  // little, big
  mutable bool tried_[2] = {false, false};
};

void bind_device(py::module_& m);
void bind_records(py::module_& m);

}  // namespace comframe::python

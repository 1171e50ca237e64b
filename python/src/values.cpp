// Python values to and from comframe's values: through JSON for arguments,
// straight from the bytes (core::decode_to) for decoding.
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <unordered_map>
#include <vector>

#include "common.hpp"
#include "plan.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/error.hpp"
#include "comframe/core/hex.hpp"
#include "comframe/devices/frame_json.hpp"

namespace comframe::python {

core::endian endian_of(std::string_view name) {
  if (name == "little") return core::endian::little;
  if (name == "big") return core::endian::big;
  if (name == "native") return core::endian::native;
  throw py::value_error("endian must be \"little\", \"big\" or \"native\", not \"" + std::string(name) + "\"");
}

core::json_mode mode_of(std::string_view name) {
  if (name == "strict") return core::json_mode::strict;
  if (name == "lenient") return core::json_mode::lenient;
  throw py::value_error("mode must be \"strict\" or \"lenient\", not \"" + std::string(name) + "\"");
}

namespace {

std::string child_path(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

std::string type_name(py::handle value) { return py::str(py::type::handle_of(value).attr("__name__")); }

}  // namespace

nlohmann::json from_python(py::handle value, const std::string& path) {
  if (value.is_none()) return nullptr;
  if (PyBool_Check(value.ptr())) return value.ptr() == Py_True;
  if (PyLong_Check(value.ptr())) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (!overflow) return static_cast<std::int64_t>(v);
    if (overflow > 0) {
      const unsigned long long u = PyLong_AsUnsignedLongLong(value.ptr());
      if (!PyErr_Occurred()) return static_cast<std::uint64_t>(u);
      PyErr_Clear();
    }
    throw py::value_error((path.empty() ? std::string("the value") : path) + ": " + py::str(value).cast<std::string>() +
                          " does not fit in 64 bits");
  }
  if (PyFloat_Check(value.ptr())) {
    const double d = PyFloat_AS_DOUBLE(value.ptr());
    // comframe's JSON face writes these as strings ("nan", "inf", "-inf").
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
    return d;
  }
  if (PyUnicode_Check(value.ptr())) {
    Py_ssize_t n = 0;
    const char* s = PyUnicode_AsUTF8AndSize(value.ptr(), &n);
    if (!s) throw py::error_already_set();
    return std::string(s, static_cast<std::size_t>(n));
  }
  if (PyBytes_Check(value.ptr()) || PyByteArray_Check(value.ptr()) || PyMemoryView_Check(value.ptr())) {
    // A byte string, as the JSON face writes one: lowercase hex.
    Py_buffer view;
    if (PyObject_GetBuffer(value.ptr(), &view, PyBUF_SIMPLE) != 0) {
      PyErr_Clear();
      throw py::type_error((path.empty() ? std::string("the value") : path) + ": a " + type_name(value) +
                           " that is not one contiguous run of bytes");
    }
    std::string hex = core::hex_text(std::span(static_cast<const std::uint8_t*>(view.buf), static_cast<std::size_t>(view.len)), "");
    PyBuffer_Release(&view);
    return hex;
  }
  if (PyDict_Check(value.ptr())) {
    nlohmann::json out = nlohmann::json::object();
    for (auto [k, v] : py::reinterpret_borrow<py::dict>(value)) {
      if (!PyUnicode_Check(k.ptr()))
        throw py::type_error((path.empty() ? std::string("the value") : path) + ": a key is a " + type_name(k) +
                             ", not a str");
      const std::string key = k.cast<std::string>();
      out[key] = from_python(v, child_path(path, key));
    }
    return out;
  }
  if (PyList_Check(value.ptr()) || PyTuple_Check(value.ptr())) {
    nlohmann::json out = nlohmann::json::array();
    std::size_t i = 0;
    for (auto v : py::reinterpret_borrow<py::sequence>(value)) {
      out.push_back(from_python(v, path + "[" + std::to_string(i) + "]"));
      ++i;
    }
    return out;
  }
  throw py::type_error((path.empty() ? std::string("the value") : path) + ": a " + type_name(value) +
                       " has no comframe value (use None, bool, int, float, str, bytes, dict or list)");
}

namespace {

// A float leaf that JSON carries as a string: NaN and the infinities.
bool is_float_leaf(const core::type_node* t) {
  return t && (t->kind == core::type_kind::float16 ||
               (t->kind == core::type_kind::number &&
                (t->number == core::scalar::f32 || t->number == core::scalar::f64)));
}

py::object float_of_text(std::string_view s) {
  if (s == "nan") return py::float_(std::numeric_limits<double>::quiet_NaN());
  if (s == "inf") return py::float_(std::numeric_limits<double>::infinity());
  if (s == "-inf") return py::float_(-std::numeric_limits<double>::infinity());
  return py::str(std::string(s));
}

py::object bytes_of_hex(const std::string& hex) {
  const auto raw = core::parse_hex(hex, core::hex_layout::digits_only);
  return py::bytes(reinterpret_cast<const char*>(raw.data()), raw.size());
}

}  // namespace

py::object to_python(const nlohmann::json& v, const core::type_node* type) {
  switch (v.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      return py::none();
    case nlohmann::json::value_t::boolean:
      return py::bool_(v.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return py::int_(v.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return py::int_(v.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float:
      return py::float_(v.get<double>());
    case nlohmann::json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (type && type->kind == core::type_kind::raw_bytes) return bytes_of_hex(s);
      if (is_float_leaf(type)) return float_of_text(s);
      return py::reinterpret_steal<py::object>(PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace"));
    }
    case nlohmann::json::value_t::binary: {
      const auto& b = v.get_binary();
      return py::bytes(reinterpret_cast<const char*>(b.data()), b.size());
    }
    case nlohmann::json::value_t::array: {
      const core::type_node* element =
          type && (type->kind == core::type_kind::array || type->kind == core::type_kind::dynamic_array) ? type->element
                                                                                                       : nullptr;
      py::list out(v.size());
      std::size_t i = 0;
      for (const auto& e : v) out[i++] = to_python(e, element);
      return out;
    }
    case nlohmann::json::value_t::object: {
      py::dict out;
      if (type && (type->kind == core::type_kind::structure || type->kind == core::type_kind::bit_record)) {
        for (const auto& f : type->fields)
          if (auto it = v.find(f.name); it != v.end()) out[py::str(f.name)] = to_python(*it, f.type);
        for (const auto& [k, e] : v.items())
          if (!out.contains(k)) out[py::str(k)] = to_python(e);
      } else {
        for (const auto& [k, e] : v.items()) out[py::str(k)] = to_python(e);
      }
      return out;
    }
  }
  return py::none();
}

namespace {

// Builds the Python value as core::decode_to reads the bytes. Keys are the
// schema's field names as interned str objects, made once per name.
class python_builder final : public core::value_visitor {
 public:
  py::object result;

  void begin_object(const core::type_node& type) override {
    push({py::reinterpret_steal<py::object>(PyDict_New()), true, {}, &type, 0});
  }
  void key(const std::string& name) override {
    auto& l = stack_.back();
    // Fields come in order: the next one is almost always the one named.
    const auto& fields = l.type->fields;
    std::size_t i = l.field < fields.size() && fields[l.field].name == name ? l.field : fields.size();
    if (i == fields.size())
      for (std::size_t j = 0; j < fields.size(); ++j)
        if (fields[j].name == name) i = j;
    next_type_ = i < fields.size() ? fields[i].type : nullptr;
    l.field = i + 1;
    l.key = key_object(name);
  }
  void end_object() override { pop(); }
  void begin_array(const core::type_node* element) override {
    push({py::reinterpret_steal<py::object>(PyList_New(0)), false, {}, element, 0});
  }
  void end_array() override { pop(); }
  void null() override { put(py::none()); }
  void boolean(bool v) override { put(py::bool_(v)); }
  void integer(std::int64_t v) override { put(py::reinterpret_steal<py::object>(PyLong_FromLongLong(v))); }
  void unsigned_integer(std::uint64_t v) override {
    put(py::reinterpret_steal<py::object>(PyLong_FromUnsignedLongLong(v)));
  }
  void real(double v, bool is_f32) override {
    if (is_f32 && std::isfinite(v)) v = shortest_f32(static_cast<float>(v));  // 0.1, not 0.10000000149011612
    put(py::reinterpret_steal<py::object>(PyFloat_FromDouble(v)));
  }
  void string(std::string_view v) override {
    const core::type_node* t = value_type();
    if (t && t->kind == core::type_kind::raw_bytes) {
      const auto raw = core::parse_hex(v, core::hex_layout::digits_only);
      put(py::bytes(reinterpret_cast<const char*>(raw.data()), raw.size()));
      return;
    }
    if (is_float_leaf(t)) return put(float_of_text(v));
    put(py::reinterpret_steal<py::object>(PyUnicode_DecodeUTF8(v.data(), static_cast<Py_ssize_t>(v.size()), "replace")));
  }

  void reset() {
    stack_.clear();
    result = py::object();
    next_type_ = nullptr;
  }

 private:
  struct level {
    py::object obj;
    bool is_dict;
    py::object key;
    const core::type_node* type;  // the struct's node, or the array's element
    std::size_t field;            // the next field expected
  };

  // The type of the value arriving now: the field's, or the array's element's.
  const core::type_node* value_type() const {
    if (stack_.empty()) return root_type_;
    const auto& l = stack_.back();
    return l.is_dict ? next_type_ : l.type;
  }

  void push(level l) { stack_.push_back(std::move(l)); }

  void pop() {
    py::object done = std::move(stack_.back().obj);
    stack_.pop_back();
    put(std::move(done));
  }

  void put(py::object v) {
    if (!v) throw py::error_already_set();
    if (stack_.empty()) {
      result = std::move(v);
      return;
    }
    auto& l = stack_.back();
    if (l.is_dict) {
      if (PyDict_SetItem(l.obj.ptr(), l.key.ptr(), v.ptr()) != 0) throw py::error_already_set();
    } else if (PyList_Append(l.obj.ptr(), v.ptr()) != 0) {
      throw py::error_already_set();
    }
  }

  py::object key_object(const std::string& name) {
    // Kept for the life of the process (never destroyed: it holds Python objects); used with the GIL held.
    static auto& keys_ = *new std::unordered_map<std::string, py::object>();
    auto it = keys_.find(name);
    if (it != keys_.end()) return it->second;
    PyObject* s = PyUnicode_FromStringAndSize(name.data(), static_cast<Py_ssize_t>(name.size()));
    if (!s) throw py::error_already_set();
    PyUnicode_InternInPlace(&s);
    auto o = py::reinterpret_steal<py::object>(s);
    if (keys_.size() < 4096) keys_.emplace(name, o);  // bounded: schemas from outside may name many fields
    return o;
  }

 public:
  const core::type_node* root_type_ = nullptr;

 private:
  std::vector<level> stack_;
  const core::type_node* next_type_ = nullptr;
};

}  // namespace

py::object decode_python(const core::schema& s, std::span<const std::uint8_t> in, core::endian order,
                         core::json_mode mode) {
  python_builder builder;
  builder.root_type_ = s.has_root() ? &s.root() : nullptr;
  core::decode_to(s, in, builder, order, mode);
  return std::move(builder.result);
}

py::object py_schema::decode(std::span<const std::uint8_t> in, core::endian order, core::json_mode mode) const {
  const bool big = order == core::endian::native ? std::endian::native == std::endian::big : order == core::endian::big;
  const int i = big ? 1 : 0;
  if (!tried_[i]) {
    plans_[i] = decode_plan::compile(s, big ? core::endian::big : core::endian::little);
    tried_[i] = true;
  }
  if (plans_[i])
    if (py::object v = plans_[i]->run(in)) return v;
  return decode_python(s, in, order, mode);
}

py::object frame_to_python(const devices::profile* p, const devices::frame_record& r) {
  static const devices::profile none;
  const devices::profile& profile = p ? *p : none;
  const nlohmann::json j = devices::frame_json(profile, r);
  const core::schema* schema = r.header ? devices::payload_schema(profile, *r.header) : nullptr;
  py::dict out;
  for (const auto& [k, v] : j.items())
    out[py::str(k)] = k == "payload" && schema && schema->has_root() ? to_python(v, &schema->root()) : to_python(v);
  return out;
}

}  // namespace comframe::python

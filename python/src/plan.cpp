#include "plan.hpp"

#include <bit>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "comframe/core/bits.hpp"
#include "comframe/core/limits.hpp"

namespace comframe::python {

namespace {

using code = decode_plan::code;

constexpr std::size_t max_steps = 4096;  // a larger plan costs more than it saves: decode the general way

std::optional<code> scalar_code(core::scalar s) {
  switch (s) {
    case core::scalar::u8: return code::u8;
    case core::scalar::u16: return code::u16;
    case core::scalar::u32: return code::u32;
    case core::scalar::u64: return code::u64;
    case core::scalar::i8: return code::i8;
    case core::scalar::i16: return code::i16;
    case core::scalar::i32: return code::i32;
    case core::scalar::i64: return code::i64;
    case core::scalar::f32: return code::f32;
    case core::scalar::f64: return code::f64;
    case core::scalar::boolean: return code::boolean;
    case core::scalar::character: return code::character;
  }
  return std::nullopt;
}

py::object interned(const std::string& name) {
  PyObject* s = PyUnicode_FromStringAndSize(name.data(), static_cast<Py_ssize_t>(name.size()));
  if (!s) throw py::error_already_set();
  PyUnicode_InternInPlace(&s);
  return py::reinterpret_steal<py::object>(s);
}

std::uint64_t load_uint(const std::uint8_t* p, std::size_t n, bool big) {
  std::uint64_t v = 0;
  if (big)
    for (std::size_t i = 0; i < n; ++i) v = v << 8 | p[i];
  else
    for (std::size_t i = n; i-- > 0;) v = v << 8 | p[i];
  return v;
}

template <class T>
T load(const std::uint8_t* p, bool swap) {
  std::make_unsigned_t<std::conditional_t<std::is_floating_point_v<T>,
                                          std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>, T>>
      raw;
  std::memcpy(&raw, p, sizeof raw);
  if (swap) {
    if constexpr (sizeof raw == 2) raw = __builtin_bswap16(raw);
    else if constexpr (sizeof raw == 4) raw = __builtin_bswap32(raw);
    else if constexpr (sizeof raw == 8) raw = __builtin_bswap64(raw);
  }
  T v;
  std::memcpy(&v, &raw, sizeof v);
  return v;
}

}  // namespace

double shortest_f32(float f) {
  // The double nearest the float's shortest digits (std::to_chars), as the JSON face holds it:
  // 0.1f gives 0.1, not 0.10000000149011612. The digits are at most 9, an integer m below
  // 2^53, and m * 10^e with 10^|e| exact (|e| <= 22) is one correctly rounded operation.
  static constexpr double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, f);
  const char* p = buf;
  const bool negative = *p == '-';
  if (negative) ++p;
  std::uint64_t m = 0;
  int e = 0;
  bool after_point = false;
  for (; p < res.ptr && *p != 'e'; ++p) {
    if (*p == '.') {
      after_point = true;
      continue;
    }
    m = m * 10 + static_cast<unsigned>(*p - '0');
    if (after_point) --e;
  }
  if (p < res.ptr) {  // an exponent: e+NN or e-NN
    int x = 0;
    std::from_chars(p + (p[1] == '+' ? 2 : 1), res.ptr, x);
    e += x;
  }
  double v;
  if (e >= 0 && e <= 22) {
    v = static_cast<double>(m) * pow10[e];
  } else if (e < 0 && e >= -22) {
    v = static_cast<double>(m) / pow10[-e];
  } else {
    std::from_chars(buf, res.ptr, v);  // beyond the exact powers: the library's correctly rounded parse
    return v;
  }
  return negative ? -v : v;
}

namespace {

PyObject* float_object(double v, bool is_f32) {
  if (std::isnan(v)) v = std::numeric_limits<double>::quiet_NaN();  // as the JSON face's "nan": no sign, no payload
  else if (is_f32 && std::isfinite(v)) v = shortest_f32(static_cast<float>(v));
  return PyFloat_FromDouble(v);
}

// Whether values in byte order `e` are big-endian on this machine.
bool is_big(core::endian e) {
  return e == core::endian::big || (e == core::endian::native && std::endian::native == std::endian::big);
}

// One number of kind `c` at `p`; nullptr with no Python error set: the general decoder must decide.
PyObject* number(code c, const std::uint8_t* p, bool swap) {
  switch (c) {
    case code::u8: return PyLong_FromUnsignedLong(*p);
    case code::i8: return PyLong_FromLong(static_cast<std::int8_t>(*p));
    case code::u16: return PyLong_FromUnsignedLong(load<std::uint16_t>(p, swap));
    case code::i16: return PyLong_FromLong(load<std::int16_t>(p, swap));
    case code::u32: return PyLong_FromUnsignedLong(load<std::uint32_t>(p, swap));
    case code::i32: return PyLong_FromLong(load<std::int32_t>(p, swap));
    case code::u64: return PyLong_FromUnsignedLongLong(load<std::uint64_t>(p, swap));
    case code::i64: return PyLong_FromLongLong(load<std::int64_t>(p, swap));
    case code::f32: return float_object(load<float>(p, swap), true);
    case code::f64: return float_object(load<double>(p, swap), false);
    case code::boolean:
      if (*p > 1) return nullptr;  // not a bool: the general decoder says so
      return PyBool_FromLong(*p);
    case code::character: return PyUnicode_FromOrdinal(*p);  // the byte's code point, as char_to_json
    default: return nullptr;
  }
}

}  // namespace

class plan_compiler {
 public:
  explicit plan_compiler(decode_plan& p) : p_(p) {}

  // Emits the steps of `t` at `offset`; false when the plan cannot hold it.
  bool value(const core::type_node& t, std::size_t offset, bool big, py::object key) {
    if (p_.steps_.size() >= max_steps) return false;
    const bool leaf_big = t.order ? is_big(*t.order) : big;
    const bool swap = leaf_big != (std::endian::native == std::endian::big);
    decode_plan::step s;
    s.swap = swap;
    s.offset = offset;
    s.size = t.min_size;
    s.key = std::move(key);
    s.node = &t;
    switch (t.kind) {
      case core::type_kind::null:
        return false;  // a null inside a record is rare: the general decoder
      case core::type_kind::number: {
        s.op = *scalar_code(t.number);
        s.swap = swap;
        emit(std::move(s));
        return true;
      }
      case core::type_kind::integer:
        s.op = t.is_signed ? code::sint_n : code::uint_n;
        s.swap = leaf_big;  // uint_n and sint_n read by byte order, not by swapping
        emit(std::move(s));
        return true;
      case core::type_kind::enumeration:
        s.op = code::enumeration;
        s.swap = leaf_big;
        emit(std::move(s));
        return true;
      case core::type_kind::text:
      case core::type_kind::raw_bytes:
        if (t.dynamic) return false;
        s.op = t.kind == core::type_kind::text ? code::text : code::raw;
        s.size = t.length;
        emit(std::move(s));
        return true;
      case core::type_kind::array: {
        const core::type_node& e = *t.element;
        if (e.kind == core::type_kind::number && !e.order) {
          s.op = code::number_array;
          s.element = *scalar_code(e.number);
          s.count = t.length;
          s.size = e.min_size;
          emit(std::move(s));
          return true;
        }
        s.op = code::begin_list;
        emit(std::move(s));
        for (std::size_t i = 0; i < t.length; ++i)
          if (!value(e, offset + i * e.min_size, big, py::object())) return false;
        emit(closing(code::end_list));
        return true;
      }
      case core::type_kind::dynamic_array: {
        const core::type_node& e = *t.element;
        if (e.kind != core::type_kind::number || e.order || p_.tail_element_) return false;
        s.op = code::tail_array;
        s.element = *scalar_code(e.number);
        s.size = e.min_size;
        p_.tail_element_ = e.min_size;
        emit(std::move(s));
        return true;
      }
      case core::type_kind::structure: {
        if (t.counted) return false;
        s.op = code::begin_dict;
        s.count = t.fields.size();
        emit(std::move(s));
        for (const auto& f : t.fields) {
          const bool field_big = f.order ? is_big(*f.order) : big;
          if (!value(*f.type, offset + f.offset, field_big, interned(f.name))) return false;
        }
        emit(closing(code::end_dict));
        return true;
      }
      case core::type_kind::bit_record:
      case core::type_kind::float16:
      case core::type_kind::flags:
        return false;
    }
    return false;
  }

 private:
  void emit(decode_plan::step s) { p_.steps_.push_back(std::move(s)); }
  static decode_plan::step closing(code c) {
    decode_plan::step s;
    s.op = c;
    return s;
  }
  decode_plan& p_;
};

std::shared_ptr<const decode_plan> decode_plan::compile(const core::schema& s, core::endian order) {
  if (!s.has_root()) return nullptr;
  const core::type_node& root = s.root();
  if (root.counted) return nullptr;
  auto plan = std::make_shared<decode_plan>();
  plan->schema_ = s;
  const bool big = is_big(order);
  plan_compiler c(*plan);
  if (!c.value(plan->schema_.root(), 0, big, py::object())) return nullptr;
  plan->fixed_size_ = root.min_size;
  if (root.dynamic != (plan->tail_element_ != 0)) return nullptr;
  return plan;
}

py::object decode_plan::run(std::span<const std::uint8_t> in) const {
  std::size_t tail = 0;
  if (tail_element_ == 0) {
    if (in.size() != fixed_size_) return {};
  } else {
    if (in.size() < fixed_size_ || (in.size() - fixed_size_) % tail_element_ != 0) return {};
    tail = (in.size() - fixed_size_) / tail_element_;
    if (tail > core::limits::max_elements - schema_.root().elements) return {};
  }
  const std::uint8_t* base = in.data();
  // The containers being filled, innermost last (borrowed: `result` owns the outermost, each
  // container its members); the result is the outermost container or the single leaf.
  std::array<PyObject*, 2 * core::limits::max_schema_depth + 4> open;
  std::size_t depth = 0;
  py::object result;
  auto put = [&](PyObject* raw, const py::object& key) -> bool {
    if (!raw) return false;
    auto v = py::reinterpret_steal<py::object>(raw);
    if (depth == 0) {
      result = std::move(v);
      return true;
    }
    PyObject* into = open[depth - 1];
    if (key) return PyDict_SetItem(into, key.ptr(), v.ptr()) == 0;
    return PyList_Append(into, v.ptr()) == 0;
  };
  auto numbers = [](code element, const std::uint8_t* p, std::size_t n, std::size_t each, bool swap) -> PyObject* {
    PyObject* list = PyList_New(static_cast<Py_ssize_t>(n));
    if (!list) return nullptr;
    for (std::size_t i = 0; i < n; ++i) {
      PyObject* v = number(element, p + i * each, swap);
      if (!v) {
        Py_DECREF(list);
        return nullptr;
      }
      PyList_SET_ITEM(list, static_cast<Py_ssize_t>(i), v);
    }
    return list;
  };
  for (const step& s : steps_) {
    const std::uint8_t* p = base + s.offset;
    PyObject* v = nullptr;
    switch (s.op) {
      case code::begin_dict:
      case code::begin_list: {
        // A dict sized for its fields at once (CPython's _PyDict_NewPresized, as BUILD_MAP makes one).
        PyObject* c = s.op == code::begin_dict ? _PyDict_NewPresized(static_cast<Py_ssize_t>(s.count)) : PyList_New(0);
        if (!c) throw py::error_already_set();
        if (depth == open.size()) {  // deeper than any schema nests: cannot happen, but never write past `open`
          Py_DECREF(c);
          return {};
        }
        Py_INCREF(c);  // one reference for put, which gives it to the parent (or to result)
        if (!put(c, s.key)) {
          Py_DECREF(c);
          throw py::error_already_set();
        }
        open[depth++] = c;
        Py_DECREF(c);  // the parent or result holds it
        continue;
      }
      case code::end_dict:
      case code::end_list:
        --depth;
        continue;
      case code::uint_n:
        v = PyLong_FromUnsignedLongLong(load_uint(p, s.size, s.swap));
        break;
      case code::sint_n:
        v = PyLong_FromLongLong(core::detail::sign_extend(load_uint(p, s.size, s.swap), s.node->bits));
        break;
      case code::enumeration: {
        const std::uint64_t raw = load_uint(p, s.size, s.swap);
        const std::int64_t value = s.node->is_signed ? core::detail::sign_extend(raw, s.node->bits) : static_cast<std::int64_t>(raw);
        for (const auto& e : s.node->enumerators)
          if (e.value == value) {
            v = PyUnicode_FromStringAndSize(e.name.data(), static_cast<Py_ssize_t>(e.name.size()));
            break;
          }
        if (!v && !PyErr_Occurred()) return {};  // no name: the general decoder raises
        break;
      }
      case code::text: {
        const char* text = reinterpret_cast<const char*>(p);
        v = PyUnicode_DecodeUTF8(text, static_cast<Py_ssize_t>(::strnlen(text, s.size)), "strict");
        if (!v) {
          PyErr_Clear();
          return {};  // not UTF-8: the general decoder raises
        }
        break;
      }
      case code::raw:
        v = PyBytes_FromStringAndSize(reinterpret_cast<const char*>(p), static_cast<Py_ssize_t>(s.size));
        break;
      case code::number_array:
        v = numbers(s.element, p, s.count, s.size, s.swap);
        if (!v && !PyErr_Occurred()) return {};
        break;
      case code::tail_array:
        v = numbers(s.element, p, tail, s.size, s.swap);
        if (!v && !PyErr_Occurred()) return {};
        break;
      default:
        v = number(s.op, p, s.swap);
        if (!v && !PyErr_Occurred()) return {};
        break;
    }
    if (!put(v, s.key)) throw py::error_already_set();
  }
  return result;
}

}  // namespace comframe::python

// The dynamic face's codec: a schema's nodes walked beside a JSON value.
#include <bit>
#include <climits>
#include <cstdint>
#include <cstring>

#include "comframe/core/schema.hpp"
#include "schema_document.hpp"

namespace comframe::core {

namespace {

using json = nlohmann::json;

// Elements of the dynamic array at the end of `j`; 0 when `j` does not have
// the shape (the writer then reports the exact error).
std::size_t tail_count(const type_node& t, const json& j) {
  const type_node* n = &t;
  const json* v = &j;
  while (n->dynamic) {
    if (n->kind == type_kind::dynamic_array) return v->is_array() ? v->size() : 0;
    const auto& last = n->fields.back();
    if (!v->is_object()) return 0;
    auto it = v->find(last.name);
    if (it == v->end()) return 0;
    n = last.type;
    v = &*it;
  }
  return 0;
}

std::string tail_path(const type_node& t) {
  std::string path;
  const type_node* n = &t;
  while (n->kind == type_kind::structure && n->dynamic) {
    const auto& last = n->fields.back();
    path += (path.empty() ? "" : ".") + last.name;
    n = last.type;
  }
  return path;
}

const type_node& tail_element(const type_node& t) {
  const type_node* n = &t;
  while (n->kind == type_kind::structure) n = n->fields.back().type;
  return *n->element;
}

std::string int_label(bool is_signed, unsigned bits) { return (is_signed ? "i" : "u") + std::to_string(bits); }

std::string enum_label(const type_node& t) { return t.name.empty() ? "the enum" : "enum " + t.name; }

std::string enum_names(const type_node& t) {
  std::string list;
  for (const auto& e : t.enumerators) {
    if (list.size() > 200) return list + ", …";
    list += (list.empty() ? "" : ", ") + e.name + " = " + std::to_string(e.value);
  }
  return list;
}

// An integer of `width` bits from JSON, as its two's complement bit pattern.
std::uint64_t int_from_json(const json& j, unsigned width, bool is_signed, json_mode mode) {
  const std::uint64_t mask = detail::low_mask(width);
  std::int64_t lo = 0;
  std::uint64_t hi = mask;
  if (is_signed) {
    lo = width >= 64 ? INT64_MIN : -(std::int64_t{1} << (width - 1));
    hi = mask >> 1;
  }
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u <= hi || mode == json_mode::lenient) return u & mask;
  } else if (j.is_number_integer()) {
    const auto v = j.get<std::int64_t>();
    const bool in_range = v >= lo && (v < 0 || static_cast<std::uint64_t>(v) <= hi);
    if (in_range || mode == json_mode::lenient) return static_cast<std::uint64_t>(v) & mask;
  } else {
    detail::throw_json_type("an integer", j);
  }
  throw codec_error(errc::json_range, j.dump() + " is out of range for " + int_label(is_signed, width) + " (" +
                                          std::to_string(lo) + " to " + std::to_string(hi) + ")");
}

json int_to_json(std::uint64_t v, unsigned width, bool is_signed) {
  if (is_signed) return detail::sign_extend(v, width);
  return v & detail::low_mask(width);
}

std::int64_t enum_from_json(const type_node& t, const json& j, json_mode mode) {
  if (j.is_string()) {
    const auto& name = j.get_ref<const std::string&>();
    for (const auto& e : t.enumerators)
      if (e.name == name) return e.value;
    throw codec_error(errc::json_range, "\"" + name + "\" is not a name of " + enum_label(t) + " (" + enum_names(t) + ")");
  }
  if (mode == json_mode::lenient && j.is_number_integer()) {
    const std::int64_t v = j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)
                               ? -1
                               : j.get<std::int64_t>();
    for (const auto& e : t.enumerators)
      if (e.value == v) return v;
    throw codec_error(errc::json_range, j.dump() + " is no value of " + enum_label(t) + " (" + enum_names(t) + ")");
  }
  detail::throw_json_type("a name of " + enum_label(t), j);
}

json enum_to_json(const type_node& t, std::int64_t v, std::size_t offset) {
  for (const auto& e : t.enumerators)
    if (e.value == v) return e.name;
  throw codec_error(errc::invalid_bytes, std::to_string(v) + " is no value of " + enum_label(t) + " (" + enum_names(t) +
                                             ")",
                    {}, offset);
}

// Length of the valid UTF-8 prefix of [p, p + n).
std::size_t utf8_valid_prefix(const std::uint8_t* p, std::size_t n) {
  std::size_t i = 0;
  while (i < n) {
    const std::uint8_t c = p[i];
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > n) return i;
    std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return n;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class writer {
 public:
  writer(std::uint8_t* p, std::uint8_t* end, json_mode mode, bool swap) : p_(p), end_(end), mode_(mode), swap_(swap) {}

  // The bytes are zero when we start (the output was resized), so gaps and the
  // bits of a bit record that no field covers stay zero.
  void value(const type_node& t, const json& j) {
    switch (t.kind) {
      case type_kind::null:
        if (!j.is_null()) detail::throw_json_type("null", j);
        return;
      case type_kind::number:
        number(t.number, j, t.order ? needs_swap(*t.order) : swap_);
        return;
      case type_kind::integer:
        detail::store_uint(p_, t.min_size, int_from_json(j, t.bits, t.is_signed, mode_), big(t.order));
        p_ += t.min_size;
        return;
      case type_kind::enumeration:
        detail::store_uint(p_, t.min_size, static_cast<std::uint64_t>(enum_from_json(t, j, mode_)), big(t.order));
        p_ += t.min_size;
        return;
      case type_kind::text: {
        if (!j.is_string()) detail::throw_json_type("a string of at most " + std::to_string(t.length) + " bytes", j);
        const auto& s = j.get_ref<const std::string&>();
        if (s.size() > t.length)
          throw codec_error(errc::json_range, "a text of " + std::to_string(s.size()) + " bytes does not fit in " +
                                                  std::to_string(t.length));
        if (s.find('\0') != std::string::npos)
          throw codec_error(errc::json_range, "a text may not hold a NUL character (NULs pad it)");
        if (!s.empty()) std::memcpy(p_, s.data(), s.size());
        p_ += t.length;
        return;
      }
      case type_kind::raw_bytes: {
        const std::string want = std::to_string(t.length * 2) + " hex digits (" + std::to_string(t.length) + " bytes)";
        if (!j.is_string()) detail::throw_json_type("a string of " + want, j);
        const auto& s = j.get_ref<const std::string&>();
        if (s.size() != t.length * 2)
          throw codec_error(errc::json_range, "expected " + want + ", got " + std::to_string(s.size()) + " characters");
        for (std::size_t i = 0; i < t.length; ++i) {
          const int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
          if (hi < 0 || lo < 0)
            throw codec_error(errc::json_range, "bad hex at character " + std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
          p_[i] = static_cast<std::uint8_t>(hi * 16 + lo);
        }
        p_ += t.length;
        return;
      }
      case type_kind::array: {
        if (!j.is_array()) detail::throw_json_type("an array of " + std::to_string(t.length), j);
        if (j.size() != t.length && mode_ == json_mode::strict)
          throw codec_error(errc::json_length,
                            "expected " + std::to_string(t.length) + " elements, got " + std::to_string(j.size()));
        const std::size_t m = std::min(t.length, j.size());
        elements(*t.element, j, m);
        zeros((t.length - m) * t.element->min_size);
        return;
      }
      case type_kind::dynamic_array:
        if (!j.is_array()) detail::throw_json_type("an array", j);
        if (j.size() * t.tail_element_size > static_cast<std::size_t>(end_ - p_))
          throw codec_error(errc::size, "the dynamic array does not fit the encoded size");  // not reachable
        elements(*t.element, j, j.size());
        return;
      case type_kind::structure:
        structure(t, j);
        return;
      case type_kind::bit_record:
        bit_record(t, j);
        return;
    }
  }

  std::uint8_t* position() const { return p_; }

 private:
  bool big(const std::optional<endian>& o) const {
    const bool swap = o ? needs_swap(*o) : swap_;
    return swap != (std::endian::native == std::endian::big);
  }

  void number(scalar s, const json& j, bool swap) {
    visit_scalar(s, [&](auto type) {
      using C = typename decltype(type)::type;
      if (swap) detail::store<true>(p_, detail::number_from_json<C>(j, mode_));
      else detail::store<false>(p_, detail::number_from_json<C>(j, mode_));
      p_ += sizeof(C);
    });
  }

  void elements(const type_node& e, const json& j, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      try {
        value(e, j[i]);
      } catch (codec_error& err) {
        err.prepend_index(i);
        throw;
      }
    }
  }

  void check_keys(const type_node& t, const json& j) {
    if (!j.is_object()) detail::throw_json_type("an object", j);
    if (mode_ == json_mode::strict) {
      std::vector<std::string_view> names;
      names.reserve(t.fields.size());
      for (const auto& f : t.fields) names.push_back(f.name);
      detail::check_unknown_keys(j, names);
    }
  }

  void structure(const type_node& t, const json& j) {
    check_keys(t, j);
    std::uint8_t* start = p_;
    for (const auto& f : t.fields) {
      p_ = start + f.offset;
      auto it = j.find(f.name);
      if (it == j.end()) {
        if (mode_ == json_mode::strict) detail::throw_missing_key(f.name);
        zeros(f.type->min_size);  // lenient: the default, all zero bytes
        continue;
      }
      const bool outer = swap_;
      if (f.order) swap_ = needs_swap(*f.order);
      try {
        value(*f.type, *it);
      } catch (codec_error& err) {
        err.prepend_field(f.name);
        throw;
      }
      swap_ = outer;
    }
    if (!t.dynamic) p_ = start + t.min_size;
  }

  void bit_record(const type_node& t, const json& j) {
    check_keys(t, j);
    for (const auto& f : t.fields) {
      auto it = j.find(f.name);
      if (it == j.end()) {
        if (mode_ == json_mode::strict) detail::throw_missing_key(f.name);
        continue;  // lenient: zero bits
      }
      try {
        const type_node& ft = *f.type;
        std::uint64_t v;
        if (ft.kind == type_kind::number && ft.number == scalar::boolean)
          v = detail::bool_from_json(*it, mode_) ? 1 : 0;
        else if (ft.kind == type_kind::enumeration)
          v = static_cast<std::uint64_t>(enum_from_json(ft, *it, mode_));
        else
          v = int_from_json(*it, f.bit_width,
                            ft.kind == type_kind::number ? (ft.number >= scalar::i8 && ft.number <= scalar::i64)
                                                         : ft.is_signed,
                            mode_);
        detail::write_bits(p_, f.bit_offset, f.bit_width, v, t.bit_order);
      } catch (codec_error& err) {
        err.prepend_field(f.name);
        throw;
      }
    }
    p_ += t.min_size;
  }

  void zeros(std::size_t n) {
    if (n) std::memset(p_, 0, n);
    p_ += n;
  }

  std::uint8_t* p_;
  std::uint8_t* end_;
  json_mode mode_;
  bool swap_;
};

class reader {
 public:
  reader(const std::uint8_t* base, std::size_t tail, bool swap) : base_(base), p_(base), tail_(tail), swap_(swap) {}

  json value(const type_node& t) {
    switch (t.kind) {
      case type_kind::null:
        return nullptr;
      case type_kind::number:
        return number(t.number, t.order ? needs_swap(*t.order) : swap_);
      case type_kind::integer: {
        const std::uint64_t v = detail::load_uint(p_, t.min_size, big(t.order));
        p_ += t.min_size;
        return int_to_json(v, t.bits, t.is_signed);
      }
      case type_kind::enumeration: {
        const std::uint64_t v = detail::load_uint(p_, t.min_size, big(t.order));
        const std::size_t at = offset();
        p_ += t.min_size;
        return enum_to_json(t, t.is_signed ? detail::sign_extend(v, t.bits) : static_cast<std::int64_t>(v), at);
      }
      case type_kind::text: {
        std::size_t n = 0;
        while (n < t.length && p_[n] != 0) ++n;
        const std::size_t valid = utf8_valid_prefix(p_, n);
        if (valid != n)
          throw codec_error(errc::invalid_bytes, "a text must be UTF-8; byte " + std::to_string(valid) + " of it is not",
                            {}, offset() + valid);
        json out = std::string(reinterpret_cast<const char*>(p_), n);
        p_ += t.length;
        return out;
      }
      case type_kind::raw_bytes: {
        static constexpr char digits[] = "0123456789abcdef";
        std::string s(t.length * 2, '0');
        for (std::size_t i = 0; i < t.length; ++i) {
          s[2 * i] = digits[p_[i] >> 4];
          s[2 * i + 1] = digits[p_[i] & 15];
        }
        p_ += t.length;
        return s;
      }
      case type_kind::array:
      case type_kind::dynamic_array: {
        const std::size_t n = t.kind == type_kind::array ? t.length : tail_;
        json out = json::array();
        auto& arr = out.get_ref<json::array_t&>();
        arr.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
          try {
            arr.push_back(value(*t.element));
          } catch (codec_error& err) {
            err.prepend_index(i);
            throw;
          }
        }
        return out;
      }
      case type_kind::structure: {
        json out = json::object();
        const std::uint8_t* start = p_;
        for (const auto& f : t.fields) {
          p_ = start + f.offset;
          const bool outer = swap_;
          if (f.order) swap_ = needs_swap(*f.order);
          try {
            out[f.name] = value(*f.type);
          } catch (codec_error& err) {
            err.prepend_field(f.name);
            throw;
          }
          swap_ = outer;
        }
        if (!t.dynamic) p_ = start + t.min_size;
        return out;
      }
      case type_kind::bit_record: {
        json out = json::object();
        for (const auto& f : t.fields) {
          try {
            const type_node& ft = *f.type;
            const std::uint64_t v = detail::read_bits(p_, f.bit_offset, f.bit_width, t.bit_order);
            const std::size_t at = offset() + f.bit_offset / 8;
            if (ft.kind == type_kind::number && ft.number == scalar::boolean) {
              out[f.name] = v != 0;
            } else {
              const bool is_signed = ft.kind == type_kind::number
                                         ? (ft.number >= scalar::i8 && ft.number <= scalar::i64)
                                         : ft.is_signed;
              if (ft.kind == type_kind::enumeration)
                out[f.name] = enum_to_json(
                    ft, is_signed ? detail::sign_extend(v, f.bit_width) : static_cast<std::int64_t>(v), at);
              else
                out[f.name] = int_to_json(v, f.bit_width, is_signed);
            }
          } catch (codec_error& err) {
            err.prepend_field(f.name);
            throw;
          }
        }
        p_ += t.min_size;
        return out;
      }
    }
    return nullptr;
  }

 private:
  std::size_t offset() const { return static_cast<std::size_t>(p_ - base_); }

  bool big(const std::optional<endian>& o) const {
    const bool swap = o ? needs_swap(*o) : swap_;
    return swap != (std::endian::native == std::endian::big);
  }

  json number(scalar s, bool swap) {
    return visit_scalar(s, [&](auto type) -> json {
      using C = typename decltype(type)::type;
      bool ok = true;
      const C v = swap ? detail::load<true, C>(p_, ok) : detail::load<false, C>(p_, ok);
      if (!ok) detail::throw_invalid_bool(offset(), *p_);
      p_ += sizeof(C);
      return detail::number_to_json(v);
    });
  }

  const std::uint8_t* base_;
  const std::uint8_t* p_;
  std::size_t tail_;
  bool swap_;
};

}  // namespace

std::size_t schema::current_size(const nlohmann::json& value) const {
  const type_node& t = root();
  return t.min_size + (t.dynamic ? tail_count(t, value) * t.tail_element_size : 0);
}

void encode_append(const schema& s, const nlohmann::json& value, bytes& out, endian order, json_mode mode) {
  const type_node& t = s.root();
  const std::size_t start = out.size();
  const std::size_t n = s.current_size(value);
  out.resize(start + n);  // zero bytes: gaps and unused bits stay zero
  try {
    writer w(out.data() + start, out.data() + start + n, mode, needs_swap(order));
    w.value(t, value);
  } catch (...) {
    out.resize(start);  // leave `out` as it was
    throw;
  }
}

bytes encode(const schema& s, const nlohmann::json& value, endian order, json_mode mode) {
  bytes out;
  encode_append(s, value, out, order, mode);
  return out;
}

nlohmann::json decode(const schema& s, std::span<const std::uint8_t> in, endian order) {
  const type_node& t = s.root();
  std::size_t tail = 0;
  if (!t.dynamic) {
    if (in.size() != t.min_size) detail::check_size(in.size(), false, t.min_size, 0, {}, {});
  } else {
    tail = detail::check_size(in.size(), true, t.min_size, t.tail_element_size, tail_path(t),
                              detail::describe(tail_element(t)));
  }
  return reader(in.data(), tail, needs_swap(order)).value(t);
}

namespace {

void format(const type_node* t, const json& j, int indent, int level, std::string& out) {
  auto newline = [&](int lvl) {
    if (indent >= 0) {
      out += '\n';
      out.append(static_cast<std::size_t>(indent * lvl), ' ');
    }
  };
  const char* sep = indent >= 0 ? ": " : ":";
  if (j.is_object()) {
    if (j.empty()) {
      out += "{}";
      return;
    }
    out += '{';
    bool first = true;
    auto item = [&](const std::string& key, const json& v, const type_node* vt) {
      if (!first) out += ',';
      first = false;
      newline(level + 1);
      out += json(key).dump() + sep;
      format(vt, v, indent, level + 1, out);
    };
    if (t && (t->kind == type_kind::structure || t->kind == type_kind::bit_record)) {
      for (const auto& f : t->fields)
        if (auto it = j.find(f.name); it != j.end()) item(f.name, *it, f.type);
      for (const auto& kv : j.items()) {
        bool known = false;
        for (const auto& f : t->fields) known |= f.name == kv.key();
        if (!known) item(kv.key(), kv.value(), nullptr);
      }
    } else {
      for (const auto& kv : j.items()) item(kv.key(), kv.value(), nullptr);
    }
    newline(level);
    out += '}';
  } else if (j.is_array()) {
    if (j.empty()) {
      out += "[]";
      return;
    }
    const type_node* e = t && (t->kind == type_kind::array || t->kind == type_kind::dynamic_array) ? t->element : nullptr;
    // Arrays of numbers stay on one line: a dump of 64 temperatures one per line helps nobody.
    const bool flat = !e || !(e->kind == type_kind::array || e->kind == type_kind::dynamic_array ||
                              e->kind == type_kind::structure || e->kind == type_kind::bit_record);
    out += '[';
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (i) out += flat && indent >= 0 ? ", " : ",";
      if (!flat) newline(level + 1);
      format(e, j[i], flat ? -1 : indent, level + 1, out);
    }
    if (!flat) newline(level);
    out += ']';
  } else {
    out += j.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

}  // namespace

std::string format_json(const schema& s, const nlohmann::json& value, int indent) {
  std::string out;
  format(s.has_root() ? &s.root() : nullptr, value, indent, 0, out);
  return out;
}

}  // namespace comframe::core

// The dynamic face's codec: a schema's nodes walked beside a JSON value.
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

template <bool Swap>
class writer {
 public:
  writer(std::uint8_t* p, std::uint8_t* end, json_mode mode) : p_(p), end_(end), mode_(mode) {}

  void value(const type_node& t, const json& j) {
    switch (t.kind) {
      case type_kind::null:
        if (!j.is_null()) detail::throw_json_type("null", j);
        return;
      case type_kind::number:
        number(t.number, j);
        return;
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
    }
  }

  std::uint8_t* position() const { return p_; }

 private:
  void number(scalar s, const json& j) {
    visit_scalar(s, [&](auto type) {
      using C = typename decltype(type)::type;
      detail::store<Swap>(p_, detail::number_from_json<C>(j, mode_));
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

  void structure(const type_node& t, const json& j) {
    if (!j.is_object()) detail::throw_json_type("an object", j);
    if (mode_ == json_mode::strict) {
      std::vector<std::string_view> names;
      names.reserve(t.fields.size());
      for (const auto& f : t.fields) names.push_back(f.name);
      detail::check_unknown_keys(j, names);
    }
    for (const auto& f : t.fields) {
      auto it = j.find(f.name);
      if (it == j.end()) {
        if (mode_ == json_mode::strict) detail::throw_missing_key(f.name);
        zeros(f.type->min_size);  // lenient: the default, all zero bytes
        continue;
      }
      try {
        value(*f.type, *it);
      } catch (codec_error& err) {
        err.prepend_field(f.name);
        throw;
      }
    }
  }

  void zeros(std::size_t n) {
    if (n) std::memset(p_, 0, n);
    p_ += n;
  }

  std::uint8_t* p_;
  std::uint8_t* end_;
  json_mode mode_;
};

template <bool Swap>
class reader {
 public:
  reader(const std::uint8_t* base, std::size_t tail) : base_(base), p_(base), tail_(tail) {}

  json value(const type_node& t) {
    switch (t.kind) {
      case type_kind::null:
        return nullptr;
      case type_kind::number:
        return number(t.number);
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
        for (const auto& f : t.fields) {
          try {
            out[f.name] = value(*f.type);
          } catch (codec_error& err) {
            err.prepend_field(f.name);
            throw;
          }
        }
        return out;
      }
    }
    return nullptr;
  }

 private:
  json number(scalar s) {
    return visit_scalar(s, [&](auto type) -> json {
      using C = typename decltype(type)::type;
      bool ok = true;
      const C v = detail::load<Swap, C>(p_, ok);
      if (!ok) detail::throw_invalid_bool(static_cast<std::size_t>(p_ - base_), *p_);
      p_ += sizeof(C);
      return detail::number_to_json(v);
    });
  }

  const std::uint8_t* base_;
  const std::uint8_t* p_;
  std::size_t tail_;
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
  out.resize(start + n);
  try {
    if (needs_swap(order)) {
      writer<true> w(out.data() + start, out.data() + start + n, mode);
      w.value(t, value);
    } else {
      writer<false> w(out.data() + start, out.data() + start + n, mode);
      w.value(t, value);
    }
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
  if (needs_swap(order)) return reader<true>(in.data(), tail).value(t);
  return reader<false>(in.data(), tail).value(t);
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
    if (t && t->kind == type_kind::structure) {
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
    const bool flat = !e || e->kind == type_kind::number;
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

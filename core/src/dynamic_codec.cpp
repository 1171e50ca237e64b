// The dynamic face's codec: a schema's nodes walked beside a JSON value.
#include <algorithm>
#include <array>
#include <charconv>
#include <bit>
#include <climits>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/hex.hpp"
#include "comframe/core/limits.hpp"
#include "json_write.hpp"
#include "schema_document.hpp"

namespace comframe::core {

namespace {

using json = nlohmann::json;

// Elements of the dynamic array at the end of `j`; 0 when `j` does not have
// the shape (the writer then reports the exact error).
bool is_blob(const type_node& t) { return t.kind == type_kind::text || t.kind == type_kind::raw_bytes; }

// Bytes of the JSON value of a text[] or bytes[]; 0 when it is no string (the
// writer then reports the exact error).
std::size_t blob_size(const type_node& t, const json& j) {
  if (!j.is_string()) return 0;
  const std::size_t n = j.get_ref<const std::string&>().size();
  return t.kind == type_kind::text ? n : n / 2;
}

// The width in bits of a count field's type (an unsigned number or integer).
unsigned count_bits(const type_node& count_type) {
  return count_type.kind == type_kind::number ? static_cast<unsigned>(size_of(count_type.number) * 8) : count_type.bits;
}

// A counted text[] may be given a count above its text's length: the text is
// then followed by NULs up to the count, as text[N] pads to N (a device that
// counts a terminating NUL; and what decoding such bytes gives back, since it
// stops at the first NUL). The NULs it adds to a text of `n` bytes, given the
// count `given` of the count field of type `count_type`: only a JSON integer
// within that type's range counts; 0 when there are none.
std::uint64_t counted_text_padding(const type_node& counted, const type_node& count_type, const json& given,
                                   std::uint64_t n) {
  if (counted.kind != type_kind::text) return 0;
  const unsigned bits = count_bits(count_type);
  if (!given.is_number_integer() || (!given.is_number_unsigned() && given.get<std::int64_t>() < 0)) return 0;
  const auto g = given.get<std::uint64_t>();
  return g > n && g <= detail::low_mask(bits) ? g - n : 0;
}

std::size_t tail_count(const type_node& t, const json& j) {
  const type_node* n = &t;
  const json* v = &j;
  while (n->dynamic) {
    if (n->kind == type_kind::dynamic_array) return v->is_array() ? v->size() : 0;
    if (is_blob(*n)) return blob_size(*n, *v);
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

// The dynamic array, text[] or bytes[] at the end of `t`.
const type_node& tail_node(const type_node& t) {
  const type_node* n = &t;
  while (n->kind == type_kind::structure) n = n->fields.back().type;
  return *n;
}

// The type of the dynamic tail's elements, for messages: "i32", "u8" for text[] and bytes[].
std::string tail_element_expression(const type_node& t) {
  const type_node& n = tail_node(t);
  return n.element ? detail::type_expression(*n.element) : "u8";
}

// Refuses a dynamic array of `count` elements that would take a value of `t`
// past limits::max_elements, before anything is allocated for it.
void check_elements(const type_node& t, std::size_t count) {
  if (!tail_node(t).element) return;  // text[], bytes[]: one element, however long
  const std::size_t each = tail_node(t).element->elements + 1;
  const std::size_t room = (limits::max_elements - t.elements) / each;
  if (count > room)
    throw codec_error(errc::limit,
                      "the dynamic array has " + std::to_string(count) + " elements; a value may have at most " +
                          std::to_string(limits::max_elements) +
                          " elements (array elements and fields, at every depth), which leaves room for " +
                          std::to_string(room) + " here",
                      tail_path(t));
}

std::string enum_label(const type_node& t) { return t.name.empty() ? "the enum" : "enum " + t.name; }

struct enum_table {
  std::vector<std::string_view> names;
  std::vector<std::int64_t> values;
  explicit enum_table(const type_node& t) {
    for (const auto& e : t.enumerators) {
      names.push_back(e.name);
      values.push_back(e.value);
    }
  }
};

// Whether all-zero bytes are a value of `t`: lenient mode writes a missing
// field, and the elements a short fixed array lacks, as zero bytes, which only
// an enum without a value 0 (at any depth) does not read back as (found by
// fuzz/dynamic_encode_fuzz.cpp). Returns the enum that lacks it, or null.
const type_node* enum_without_zero(const type_node& t) {
  switch (t.kind) {
    case type_kind::enumeration:
      for (const auto& e : t.enumerators)
        if (e.value == 0) return nullptr;
      return &t;
    case type_kind::array:
      return t.length ? enum_without_zero(*t.element) : nullptr;
    case type_kind::structure:
    case type_kind::bit_record:
      for (const auto& f : t.fields) {
        if (f.counted_by != type_node::field::none) continue;  // no elements at a count of 0
        if (const auto* e = enum_without_zero(*f.type)) return e;
      }
      return nullptr;
    default:
      return nullptr;  // numbers, bools, text, bytes, flags, null; a dynamic array's zero is no elements
  }
}

// Lenient mode's zero-byte default, refused where zero bytes are no value.
void check_zero_default(const type_node& t, std::string_view what) {
  if (const type_node* e = enum_without_zero(t))
    throw codec_error(errc::json_key, std::string(what) + " (lenient mode writes it as zero bytes, but 0 is no value of " +
                                          enum_label(*e) + ")");
}

std::int64_t enum_from_json(const type_node& t, const json& j, json_mode mode) {
  const enum_table e(t);
  return detail::enum_from_json(j, mode, enum_label(t), e.names.data(), e.values.data(), e.names.size());
}

json enum_to_json(const type_node& t, std::int64_t v, std::size_t offset) {
  for (const auto& e : t.enumerators)
    if (e.value == v) return e.name;
  const enum_table e(t);
  detail::throw_unnamed_enum(v, enum_label(t), detail::enum_value_list(e.names.data(), e.values.data(), e.names.size()),
                             offset);
}

using detail::int_from_json;
using detail::int_to_json;

// ---- flag sets ----------------------------------------------------------------

std::string flags_label(const type_node& t) { return t.name.empty() ? "the flags" : "flags " + t.name; }

std::uint64_t flags_from_json(const type_node& t, unsigned width, const json& j, json_mode mode) {
  const enum_table e(t);
  return detail::flags_from_json(j, mode, width, flags_label(t), e.names.data(), e.values.data(), e.names.size());
}

json flags_to_json(const type_node& t, unsigned width, std::uint64_t v, json_mode mode, std::size_t offset) {
  const enum_table e(t);
  return detail::flags_to_json(v, width, mode, flags_label(t), e.names.data(), e.values.data(), e.names.size(),
                               offset);
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
      case type_kind::float16:
        detail::store_uint(p_, 2, detail::float16_from_json(j, mode_), big(t.order));
        p_ += 2;
        return;
      case type_kind::flags:
        detail::store_uint(p_, t.min_size, flags_from_json(t, t.bits, j, mode_), big(t.order));
        p_ += t.min_size;
        return;
      case type_kind::text: {
        const std::size_t n = t.dynamic ? text_tail_size(j) : t.length;
        detail::text_from_json(j, reinterpret_cast<char*>(p_), n);
        p_ += n;
        return;
      }
      case type_kind::raw_bytes: {
        const std::size_t n = t.dynamic ? hex_tail_size(j) : t.length;
        detail::hex_from_json(j, p_, n);
        p_ += n;
        return;
      }
      case type_kind::array: {
        if (!j.is_array()) detail::throw_json_type("an array of " + std::to_string(t.length), j);
        if (j.size() != t.length && mode_ == json_mode::strict)
          detail::throw_json_length(t.length, j.size());
        const std::size_t m = std::min(t.length, j.size());
        elements(*t.element, j, m);
        if (m < t.length) {
          try {
            check_zero_default(*t.element, "missing");
          } catch (codec_error& err) {
            err.prepend_index(m);
            throw;
          }
        }
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
  static std::size_t text_tail_size(const json& j) {
    if (!j.is_string()) detail::throw_json_type("a string", j);
    return j.get_ref<const std::string&>().size();
  }
  static std::size_t hex_tail_size(const json& j) {
    if (!j.is_string()) detail::throw_json_type("a string of hex digits, two per byte", j);
    const std::size_t n = j.get_ref<const std::string&>().size();
    if (n % 2 != 0)
      throw codec_error(errc::json_range, "expected hex digits, two per byte, got " + detail::count_of(n, "character"))
          .mismatch("an even number of hex digits", detail::count_of(n, "character"));
    return n / 2;
  }

  // The count a count field `f` of `t` holds: the length of the field it
  // counts, in that field's unit. A count the JSON gives must equal it.
  // Returns the NULs that follow a counted text[] given a count above its length.
  std::uint64_t count_field(const type_node& t, const type_node::field& f, const json& j, const json* given) {
    const auto& cf = t.fields[f.counts];
    const type_node& ct = *f.type;
    std::uint64_t n = 0;
    std::uint64_t padding = 0;
    const auto counted = j.find(cf.name);
    if (auto it = counted; it != j.end()) {
      const type_node& at = *cf.type;
      if (at.kind == type_kind::dynamic_array) {
        n = it->is_array() ? it->size() : 0;
        if (cf.count_unit == count_unit::bytes) n *= at.element->min_size;
      } else {
        n = blob_size(at, *it);
      }
    }
    const char* unit = cf.count_unit == count_unit::bytes || cf.type->kind != type_kind::dynamic_array ? "byte" : "element";
    const unsigned bits = count_bits(ct);
    const bool bytes = unit[0] == 'b';
    if (n > detail::low_mask(bits)) detail::throw_count_overflow(cf.name, n, bytes, detail::type_expression(ct), bits);
    if (given) {
      const std::uint64_t g = int_from_json(*given, bits, false, mode_);
      if (g != n) {
        if (counted != j.end()) padding = counted_text_padding(*cf.type, ct, *given, n);
        if (padding == 0) detail::throw_count_mismatch(cf.name, g, n, bytes);
        n = g;
      }
    }
    detail::store_uint(p_, ct.min_size, n, big(ct.order));
    p_ += ct.min_size;
    return padding;
  }

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
    std::size_t shift = 0;  // bytes the counted fields so far take
    // NULs after a counted text[] given a count above its length, by field index.
    std::array<std::pair<std::size_t, std::uint64_t>, limits::max_count_fields> paddings{};
    std::size_t padded = 0;
    for (std::size_t i = 0; i < t.fields.size(); ++i) {
      const auto& f = t.fields[i];
      std::uint8_t* at = start + f.offset + shift;
      p_ = at;
      auto it = j.find(f.name);
      const bool is_count = f.counts != type_node::field::none;
      if (it == j.end() && !is_count) {  // a count field may be left out: it is written from its field
        if (mode_ == json_mode::strict) detail::throw_missing_key(f.name);
        try {
          check_zero_default(*f.type, "missing");
        } catch (codec_error& err) {
          err.prepend_field(f.name);
          throw;
        }
        zeros(f.type->min_size);  // lenient: the default, all zero bytes
        continue;
      }
      const bool outer = swap_;
      if (f.order) swap_ = needs_swap(*f.order);
      try {
        if (is_count) {
          if (const auto padding = count_field(t, f, j, it == j.end() ? nullptr : &*it); padding != 0)
            paddings[padded++] = {f.counts, padding};
        } else {
          value(*f.type, *it);
          for (std::size_t k = 0; k < padded; ++k)
            if (paddings[k].first == i) zeros(static_cast<std::size_t>(paddings[k].second));
        }
      } catch (codec_error& err) {
        err.prepend_field(f.name);
        throw;
      }
      swap_ = outer;
      shift += static_cast<std::size_t>(p_ - at) - f.type->min_size;
    }
    if (!t.dynamic) p_ = start + t.min_size + shift;
  }

  void bit_record(const type_node& t, const json& j) {
    check_keys(t, j);
    for (const auto& f : t.fields) {
      auto it = j.find(f.name);
      if (it == j.end()) {
        if (mode_ == json_mode::strict) detail::throw_missing_key(f.name);
        try {
          check_zero_default(*f.type, "missing");
        } catch (codec_error& err) {
          err.prepend_field(f.name);
          throw;
        }
        continue;  // lenient: zero bits
      }
      try {
        if (f.count) packed_bits(t, f, *it);
        else detail::write_bits(p_, f.bit_offset, f.bit_width, bit_value(*f.type, f.bit_width, *it), t.bit_order);
      } catch (codec_error& err) {
        err.prepend_field(f.name);
        throw;
      }
    }
    p_ += t.min_size;
  }

  // One bit field's value (or one element of a packed array) as its bits.
  std::uint64_t bit_value(const type_node& ft, unsigned width, const json& j) {
    if (ft.kind == type_kind::number && ft.number == scalar::boolean) return detail::bool_from_json(j, mode_) ? 1 : 0;
    if (ft.kind == type_kind::enumeration) return static_cast<std::uint64_t>(enum_from_json(ft, j, mode_));
    if (ft.kind == type_kind::flags) return flags_from_json(ft, width, j, mode_);
    return int_from_json(j, width,
                         ft.kind == type_kind::number ? (ft.number >= scalar::i8 && ft.number <= scalar::i64)
                                                      : ft.is_signed,
                         mode_);
  }

  // A packed array in a bit record: `count` elements of `bit_width` bits, one after the other.
  void packed_bits(const type_node& t, const type_node::field& f, const json& j) {
    if (!j.is_array()) detail::throw_json_type("an array of " + std::to_string(f.count), j);
    if (j.size() != f.count && mode_ == json_mode::strict)
      detail::throw_json_length(f.count, j.size());
    const std::size_t m = std::min(f.count, j.size());  // lenient: the rest stay zero
    for (std::size_t i = 0; i < m; ++i) {
      try {
        detail::write_bits(p_, f.bit_offset + i * f.bit_width, f.bit_width, bit_value(*f.type, f.bit_width, j[i]),
                           t.bit_order);
      } catch (codec_error& err) {
        err.prepend_index(i);
        throw;
      }
    }
    if (m < f.count) {
      try {
        check_zero_default(*f.type, "missing");
      } catch (codec_error& err) {
        err.prepend_index(m);
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
  bool swap_;
};

// Reads a value and hands it, part by part in the order of its bytes, to a
// sink with value_visitor's calls (tree_builder, json_text_writer, or a
// value_visitor itself).
template <class Sink>
class reader {
 public:
  // `checked`: the value's size varies with its counts, so each part is
  // checked against `end` as it is read (with a fixed or dynamic root, the
  // caller checked the size once); `budget`: elements the counted and dynamic
  // arrays may still add.
  reader(Sink& sink, const std::uint8_t* base, const std::uint8_t* end, bool swap, json_mode mode,
         bool checked = false, std::size_t budget = 0)
      : sink_(sink), base_(base), p_(base), end_(end), swap_(swap), mode_(mode), checked_(checked), budget_(budget) {}

  const std::uint8_t* position() const { return p_; }

  void value(const type_node& t) {
    if (checked_ && t.min_size > left()) throw_short(t.min_size);
    switch (t.kind) {
      case type_kind::null:
        sink_.null();
        return;
      case type_kind::number:
        return number(t.number, t.order ? needs_swap(*t.order) : swap_);
      case type_kind::integer: {
        const std::uint64_t v = detail::load_uint(p_, t.min_size, big(t.order));
        p_ += t.min_size;
        return integer(v, t.bits, t.is_signed);
      }
      case type_kind::enumeration: {
        const std::uint64_t v = detail::load_uint(p_, t.min_size, big(t.order));
        const std::size_t at = offset();
        p_ += t.min_size;
        return enumerator(t, t.is_signed ? detail::sign_extend(v, t.bits) : static_cast<std::int64_t>(v), at);
      }
      case type_kind::float16: {
        const auto v = static_cast<std::uint16_t>(detail::load_uint(p_, 2, big(t.order)));
        p_ += 2;
        return json_leaf(detail::float16_to_json(v));
      }
      case type_kind::flags: {
        const std::uint64_t v = detail::load_uint(p_, t.min_size, big(t.order));
        const std::size_t at = offset();
        p_ += t.min_size;
        return json_leaf(flags_to_json(t, t.bits, v, mode_, at));
      }
      case type_kind::text:
      case type_kind::raw_bytes:
        return blob(t, t.dynamic ? left() : t.length);
      case type_kind::array:
        return elements(*t.element, t.length);
      case type_kind::dynamic_array: {
        const type_node& e = *t.element;
        if (e.counted) return elements_to_end(e);
        if (checked_ && left() % e.min_size != 0)
          throw codec_error(errc::size,
                            detail::count_of(left(), "byte") + " left, but a dynamic tail of " +
                                detail::type_expression(e) + " needs a multiple of " + std::to_string(e.min_size),
                            {}, offset())
              .mismatch("a multiple of " + detail::count_of(e.min_size, "byte"), detail::count_of(left(), "byte"));
        const std::size_t n = left() / e.min_size;
        if (checked_) spend(n, e);
        return elements(e, n);
      }
      case type_kind::structure:
        return structure(t);
      case type_kind::bit_record: {
        sink_.begin_object(t);
        for (const auto& f : t.fields) {
          sink_.key(f.name);
          try {
            if (f.count) packed_bits(t, f);
            else bit_value(t, f, f.bit_offset);
          } catch (codec_error& err) {
            err.prepend_field(f.name);
            throw;
          }
        }
        sink_.end_object();
        p_ += t.min_size;
        return;
      }
    }
  }

 private:
  std::size_t offset() const { return static_cast<std::size_t>(p_ - base_); }

  void structure(const type_node& t) {
    sink_.begin_object(t);
    const std::uint8_t* start = p_;
    std::size_t shift = 0;                      // bytes the counted fields so far take
    std::uint64_t counts[limits::max_count_fields];  // what the count fields read so far hold
    for (const auto& f : t.fields) {
      const std::uint8_t* at = start + f.offset + shift;
      p_ = at;
      const bool outer = swap_;
      if (f.order) swap_ = needs_swap(*f.order);
      sink_.key(f.name);
      try {
        if (f.counted_by != type_node::field::none)
          counted(*f.type, f.count_unit, counts[t.fields[f.counted_by].count_slot]);
        else
          value(*f.type);
      } catch (codec_error& err) {
        err.prepend_field(f.name);
        throw;
      }
      if (f.counts != type_node::field::none) counts[f.count_slot] = last_unsigned_;
      swap_ = outer;
      shift += static_cast<std::size_t>(p_ - at) - f.type->min_size;
    }
    if (!t.dynamic) p_ = start + t.min_size + shift;
    sink_.end_object();
  }

  // The bit field `f` (or one element of it, a packed array) at bit `bit_offset` of the record at p_.
  void bit_value(const type_node& t, const type_node::field& f, std::size_t bit_offset) {
    const type_node& ft = *f.type;
    const std::uint64_t v = detail::read_bits(p_, bit_offset, f.bit_width, t.bit_order);
    const std::size_t at = offset() + bit_offset / 8;
    if (ft.kind == type_kind::number && ft.number == scalar::boolean) return sink_.boolean(v != 0);
    if (ft.kind == type_kind::flags) return json_leaf(flags_to_json(ft, f.bit_width, v, mode_, at));
    const bool is_signed =
        ft.kind == type_kind::number ? (ft.number >= scalar::i8 && ft.number <= scalar::i64) : ft.is_signed;
    if (ft.kind == type_kind::enumeration)
      return enumerator(ft, is_signed ? detail::sign_extend(v, f.bit_width) : static_cast<std::int64_t>(v), at);
    integer(v, f.bit_width, is_signed);
  }

  // The low `width` bits of `v`, sign-extended when `is_signed` (detail::int_to_json's rule).
  void integer(std::uint64_t v, unsigned width, bool is_signed) {
    if (is_signed) return sink_.integer(detail::sign_extend(v, width));
    last_unsigned_ = width >= 64 ? v : v & ((std::uint64_t{1} << width) - 1);
    sink_.unsigned_integer(last_unsigned_);
  }

  void enumerator(const type_node& t, std::int64_t v, std::size_t at) {
    for (const auto& e : t.enumerators)
      if (e.value == v) return sink_.string(e.name);
    enum_to_json(t, v, at);  // throws: v has no name
  }

  // A value the shared helpers give as JSON (a half, a flag set): numbers, strings and arrays of them.
  void json_leaf(const json& j) {
    switch (j.type()) {
      case json::value_t::array:
        sink_.begin_array(nullptr);
        for (const auto& e : j) json_leaf(e);
        sink_.end_array();
        return;
      case json::value_t::string: return sink_.string(j.get_ref<const std::string&>());
      case json::value_t::number_unsigned: return sink_.unsigned_integer(j.get<std::uint64_t>());
      case json::value_t::number_integer: return sink_.integer(j.get<std::int64_t>());
      case json::value_t::number_float: return sink_.real(j.get<double>(), false);
      case json::value_t::boolean: return sink_.boolean(j.get<bool>());
      default: return sink_.null();
    }
  }

  std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }

  [[noreturn]] void throw_short(std::size_t need) const { detail::throw_input_ends(need, offset(), left()); }

  // Takes `n` more elements of `e` from the element budget, or refuses them before they are read.
  void spend(std::uint64_t n, const type_node& e) {
    const std::size_t per = e.elements + 1;
    if (n > budget_ / per)
      throw codec_error(errc::limit,
                        "holds " + std::to_string(n) + " elements; a value may have at most " +
                            std::to_string(limits::max_elements) +
                            " elements (array elements and fields, at every depth), which leaves room for " +
                            std::to_string(budget_ / per) + " here",
                        {}, offset());
    budget_ -= static_cast<std::size_t>(n) * per;
  }

  void blob(const type_node& t, std::size_t n) {
    const char* text = reinterpret_cast<const char*>(p_);
    if (t.kind == type_kind::text) {
      detail::check_text(text, n, offset());
      sink_.string(std::string_view(text, ::strnlen(text, n)));
    } else {
      sink_.bytes(std::span<const std::uint8_t>(p_, n));
    }
    p_ += n;
  }

  void elements(const type_node& e, std::size_t n) {
    sink_.begin_array(&e);
    for (std::size_t i = 0; i < n; ++i) {
      try {
        value(e);
      } catch (codec_error& err) {
        err.prepend_index(i);
        throw;
      }
    }
    sink_.end_array();
  }

  // A dynamic array of elements whose sizes vary: elements up to the end.
  void elements_to_end(const type_node& e) {
    sink_.begin_array(&e);
    for (std::size_t i = 0; p_ < end_; ++i) {
      try {
        spend(1, e);
        value(e);
      } catch (codec_error& err) {
        err.prepend_index(i);
        throw;
      }
    }
    sink_.end_array();
  }

  // A counted field of type `t` whose count field holds `count` (in `unit`).
  void counted(const type_node& t, count_unit unit, std::uint64_t count) {
    const std::size_t each = detail::counted_element_size(t);
    std::uint64_t n = count;
    if (unit == count_unit::bytes) {
      if (count % each != 0)
        detail::throw_count_splits(count, each, t.element ? detail::type_expression(*t.element) : "byte", offset());
      n = count / each;
    }
    const std::size_t least = t.element ? t.element->min_size : 1;  // bytes per element, at least
    if (n > left() / least)
      detail::throw_count_exceeds(n, least, t.element ? detail::type_expression(*t.element) : std::string(), left(),
                                  offset());
    if (!t.element) return blob(t, static_cast<std::size_t>(n));
    spend(n, *t.element);
    elements(*t.element, static_cast<std::size_t>(n));
  }

  void packed_bits(const type_node& t, const type_node::field& f) {
    sink_.begin_array(f.type);
    for (std::size_t i = 0; i < f.count; ++i) {
      try {
        bit_value(t, f, f.bit_offset + i * f.bit_width);
      } catch (codec_error& err) {
        err.prepend_index(i);
        throw;
      }
    }
    sink_.end_array();
  }

  bool big(const std::optional<endian>& o) const {
    const bool swap = o ? needs_swap(*o) : swap_;
    return swap != (std::endian::native == std::endian::big);
  }

  void number(scalar s, bool swap) {
    visit_scalar(s, [&](auto type) {
      using C = typename decltype(type)::type;
      bool ok = true;
      const C v = swap ? detail::load<true, C>(p_, ok) : detail::load<false, C>(p_, ok);
      if (!ok) detail::throw_invalid_bool(offset(), *p_);
      p_ += sizeof(C);
      if constexpr (std::is_same_v<C, bool>) sink_.boolean(v);
      else if constexpr (std::is_same_v<C, char>) sink_.character(static_cast<std::uint8_t>(v));
      else if constexpr (std::is_floating_point_v<C>) sink_.real(v, sizeof(C) == 4);
      else if constexpr (std::is_signed_v<C>) sink_.integer(v);
      else sink_.unsigned_integer(last_unsigned_ = v);
    });
  }

  Sink& sink_;
  const std::uint8_t* base_;
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  bool swap_;
  json_mode mode_;
  bool checked_;
  std::size_t budget_;
  std::uint64_t last_unsigned_ = 0;  // the unsigned integer read last: a count field's count
};

// Builds the nlohmann::json that decode() returns.
class tree_builder {
 public:
  json take() { return std::move(root_); }

  void begin_object(const type_node&) { open(json::object()); }
  void key(const std::string& name) { key_ = &name; }
  void end_object() { stack_.pop_back(); }
  void begin_array(const type_node*) { open(json::array()); }
  void end_array() { stack_.pop_back(); }
  void null() { put(nullptr); }
  void boolean(bool v) { put(v); }
  void integer(std::int64_t v) { put(v); }
  void unsigned_integer(std::uint64_t v) { put(v); }
  void real(double v, bool is_f32) { put(detail::float_to_json(v, is_f32)); }
  void character(std::uint8_t c) { put(detail::char_to_json(c)); }
  void string(std::string_view v) { put(std::string(v)); }
  void bytes(std::span<const std::uint8_t> v) { put(detail::hex_to_json(v.data(), v.size())); }

 private:
  json& put(json v) {
    if (stack_.empty()) return root_ = std::move(v);
    json& top = *stack_.back();
    if (top.is_object()) return top[*key_] = std::move(v);
    auto& arr = top.get_ref<json::array_t&>();
    arr.push_back(std::move(v));
    return arr.back();  // an open array is only ever the innermost: nothing moves it while it is open
  }
  void open(json v) { stack_.push_back(&put(std::move(v))); }

  json root_;
  std::vector<json*> stack_;
  const std::string* key_ = nullptr;
};

// Forwards to a value_visitor; chars and bytes become strings.
class visitor_sink {
 public:
  explicit visitor_sink(value_visitor& v) : v_(v) {}
  void begin_object(const type_node& t) { v_.begin_object(t); }
  void key(const std::string& name) { v_.key(name); }
  void end_object() { v_.end_object(); }
  void begin_array(const type_node* e) { v_.begin_array(e); }
  void end_array() { v_.end_array(); }
  void null() { v_.null(); }
  void boolean(bool b) { v_.boolean(b); }
  void integer(std::int64_t i) { v_.integer(i); }
  void unsigned_integer(std::uint64_t u) { v_.unsigned_integer(u); }
  void real(double d, bool is_f32) {
    if (std::isnan(d)) v_.string("nan");
    else if (std::isinf(d)) v_.string(d > 0 ? "inf" : "-inf");
    else v_.real(d, is_f32);
  }
  void character(std::uint8_t c) { v_.string(detail::char_to_json(c).get_ref<const std::string&>()); }
  void string(std::string_view s) { v_.string(s); }
  void bytes(std::span<const std::uint8_t> b) { v_.string(hex_text(b, "")); }

 private:
  value_visitor& v_;
};

// JSON text as format_json(value, {.indent, .scalar_arrays_on_one_line = true, .type}) writes it,
// or with sorted keys as format_json(value, {.indent, .scalar_arrays_on_one_line = true}) does.
// Text goes to a buffer on the stack first, flushed to `out` when full and by finish().
class json_text_writer {
 public:
  json_text_writer(std::string& out, const json_text_options& o)
      : out_(out), indent_(o.indent), sorted_(o.sorted_keys), ascii_only_(o.ascii_only) {}

  void finish() { flush(); }

  void begin_object(const type_node&) {
    open('{', indent_ < 0, true);
    if (sorted_) levels_[depth_ - 1].members = members_.size();
  }
  void key(const std::string& name) {
    level& l = levels_[depth_ - 1];
    if (!l.first) put(',');
    l.first = false;
    if (sorted_) {  // each member's text is put in its place by end_object()
      flush();
      members_.push_back({&name, out_.size()});
    }
    if (!l.one_line) new_line(depth_);
    quoted(name);
    if (indent_ < 0) put(':');
    else put(": ", 2);
  }
  void end_object() {
    if (sorted_) sort_members();
    close('}');
  }
  void begin_array(const type_node* element) { open('[', indent_ < 0 || holds_scalars(element), false); }
  void end_array() { close(']'); }
  void null() { item(); put("null", 4); }
  void boolean(bool v) {
    item();
    if (v) put("true", 4);
    else put("false", 5);
  }
  void integer(std::int64_t v) {
    item();
    p_ = std::to_chars(p_, p_ + 24, v).ptr;
  }
  void unsigned_integer(std::uint64_t v) {
    item();
    p_ = std::to_chars(p_, p_ + 24, v).ptr;
  }
  void real(double v, bool is_f32) {
    item();
    if (std::isnan(v)) put("\"nan\"", 5);
    else if (std::isinf(v)) v > 0 ? put("\"inf\"", 5) : put("\"-inf\"", 6);
    else if (is_f32) p_ = detail::write_f32(p_, static_cast<float>(v));
    else {
      room(detail::f64_text_max);
      p_ = detail::write_f64(p_, v);
    }
  }
  void character(std::uint8_t c) {
    item();
    if (detail::plain_json_char(static_cast<char>(c))) {
      const char text[] = {'"', static_cast<char>(c), '"'};
      put(text, 3);
    } else {
      flush();
      detail::append_json_string(out_, detail::char_to_json(c).get_ref<const std::string&>(), ascii_only_);
    }
  }
  void string(std::string_view v) {
    item();
    quoted(v);
  }
  void bytes(std::span<const std::uint8_t> v) {
    item();
    static constexpr char digits[] = "0123456789abcdef";
    put('"');
    for (const std::uint8_t b : v) {
      room(2);
      p_[0] = digits[b >> 4];
      p_[1] = digits[b & 15];
      p_ += 2;
    }
    room(1);
    put('"');
  }

 private:
  // Every write but a string, a byte string, a line break and an f64 needs at
  // most `slack` bytes; item() and key() make sure of them.
  static constexpr std::size_t size = 4096, slack = 96;
  struct level {
    bool one_line;
    bool object;
    bool first;
    std::size_t members = 0;  // sorted_: where this object's entries in members_ begin
  };
  struct member {
    const std::string* key;
    std::size_t at;  // where its text (a line break, the key, the value) begins in out_
  };

  // The members of the object being closed, written in field order at
  // members_[levels_.members …], rewritten in key order. Each member's text is
  // the same wherever it goes: a line break and indent of its depth, its key,
  // its value; only the commas between them stay where they are.
  void sort_members() {
    flush();
    const std::size_t first = levels_[depth_ - 1].members;
    const auto begin = members_.begin() + static_cast<std::ptrdiff_t>(first);
    const std::size_t n = members_.size() - first;
    auto by_key = [](const member& a, const member& b) { return *a.key < *b.key; };
    if (n > 1 && !std::is_sorted(begin, members_.end(), by_key)) {
      const std::size_t start = begin->at, end = out_.size();
      std::vector<std::pair<std::size_t, std::size_t>> spans;  // [from, to) of each member's text, in field order
      spans.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t to = i + 1 < n ? members_[first + i + 1].at - 1 : end;  // less the comma before the next
        spans.emplace_back(members_[first + i].at, to);
      }
      std::vector<std::size_t> order(n);
      for (std::size_t i = 0; i < n; ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t a, std::size_t b) { return *members_[first + a].key < *members_[first + b].key; });
      std::string sorted;
      sorted.reserve(end - start);
      for (std::size_t i = 0; i < n; ++i) {
        if (i) sorted += ',';
        sorted.append(out_, spans[order[i]].first, spans[order[i]].second - spans[order[i]].first);
      }
      out_.replace(start, end - start, sorted);
    }
    members_.resize(first);
  }


  // An array of these is one line: none of its elements is an object or an array.
  static bool holds_scalars(const type_node* e) {
    if (!e) return true;  // a flag set's names
    switch (e->kind) {
      case type_kind::array:
      case type_kind::dynamic_array:
      case type_kind::structure:
      case type_kind::bit_record:
      case type_kind::flags:
        return false;
      default:
        return true;
    }
  }

  void flush() {
    out_.append(buf_, static_cast<std::size_t>(p_ - buf_));
    p_ = buf_;
  }
  void room(std::size_t n) {
    if (static_cast<std::size_t>(buf_ + size - p_) < n) flush();
  }
  void put(char c) { *p_++ = c; }
  void put(const char* text, std::size_t n) {
    std::memcpy(p_, text, n);
    p_ += n;
  }

  void quoted(std::string_view text) {
    bool all_plain = text.size() + 2 + slack <= size;
    for (std::size_t i = 0; all_plain && i < text.size(); ++i) all_plain = detail::plain_json_char(text[i]);
    if (all_plain) {
      room(text.size() + 2 + slack);
      put('"');
      put(text.data(), text.size());
      put('"');
    } else {
      flush();
      detail::append_json_string(out_, text, ascii_only_);
    }
    room(slack);
  }

  void new_line(std::size_t depth) {
    const std::size_t n = static_cast<std::size_t>(indent_) * depth;
    if (n + 1 + slack > size) {
      flush();
      out_.append("\n").append(n, ' ');
      return;
    }
    room(n + 1 + slack);
    put('\n');
    std::memset(p_, ' ', n);
    p_ += n;
  }

  // Before a value: the separator and line break an array's element needs (an object's key wrote its own).
  void item() {
    room(slack);
    if (depth_ == 0 || levels_[depth_ - 1].object) return;
    level& l = levels_[depth_ - 1];
    if (!l.first) {
      if (l.one_line && indent_ >= 0) put(", ", 2);
      else put(',');
    }
    if (!l.one_line) new_line(depth_);
    l.first = false;
  }

  void open(char bracket, bool one_line, bool object) {
    item();
    put(bracket);
    if (depth_ == levels_.size())  // deeper than any schema can nest a value
      throw std::logic_error("decode_json: a value nested deeper than " + std::to_string(levels_.size()) + " levels");
    levels_[depth_++] = {one_line, object, true};
  }

  void close(char bracket) {
    const level l = levels_[--depth_];
    if (!l.first && !l.one_line) new_line(depth_);
    room(slack);
    put(bracket);
  }

  std::string& out_;
  int indent_;
  bool sorted_;
  bool ascii_only_;
  std::vector<member> members_;  // sorted_: the members of every object open, outermost first
  // A value nests at most max_schema_depth levels of types, each adding at most an array and an object.
  std::array<level, 2 * limits::max_schema_depth + 4> levels_;
  std::size_t depth_ = 0;
  char buf_[size];
  char* p_ = buf_;
};

// Checks the size of `in` against `s`'s root, then reads it into `sink`.
template <class Sink>
void read_value(const schema& s, std::span<const std::uint8_t> in, endian order, json_mode mode, Sink& sink) {
  const type_node& t = s.root();
  const std::uint8_t* end = in.data() + in.size();
  if (t.counted) {  // its size is read from its counts as it is decoded
    reader<Sink> r(sink, in.data(), end, needs_swap(order), mode, true, limits::max_elements - t.elements);
    r.value(t);
    if (r.position() != end) {
      const auto used = static_cast<std::size_t>(r.position() - in.data());
      throw codec_error(errc::size,
                        "the value ends, but " + detail::count_of(in.size(), "byte") + " were given (its counts make it " +
                            detail::count_of(used, "byte") + ")",
                        {}, used)
          .mismatch(detail::count_of(used, "byte"), detail::count_of(in.size(), "byte"));
    }
    return;
  }
  std::size_t tail = 0;
  if (!t.dynamic) {
    if (in.size() != t.min_size) detail::check_size(in.size(), false, t.min_size, 0, {}, {});
  } else {
    tail = detail::check_size(in.size(), true, t.min_size, t.tail_element_size, tail_path(t),
                              tail_element_expression(t));
    check_elements(t, tail);
  }
  reader<Sink>(sink, in.data(), end, needs_swap(order), mode).value(t);
}

}  // namespace

namespace {

// a + b, or SIZE_MAX where that would wrap: a count near 2^64 in the JSON must
// not wrap a size or an element count to a small number.
std::size_t add_saturating(std::size_t a, std::size_t b) { return b > SIZE_MAX - a ? SIZE_MAX : a + b; }

// Encoded size of `j` as a value of `t`, whose size varies with its counts;
// `extra` gains the elements its counted and dynamic arrays add to t.elements.
// A value of the wrong shape counts as empty (the writer reports it).
std::size_t counted_size(const type_node& t, const json& j, std::size_t& extra) {
  if (!t.dynamic && !t.counted) return t.min_size;
  switch (t.kind) {
    case type_kind::text:
    case type_kind::raw_bytes:
      return blob_size(t, j);
    case type_kind::dynamic_array: {
      if (!j.is_array()) return 0;
      const type_node& e = *t.element;
      extra += j.size() * (e.elements + 1);
      if (!e.counted) return j.size() * e.min_size;
      std::size_t n = 0;
      for (const auto& v : j) n = add_saturating(n, counted_size(e, v, extra));
      return n;
    }
    case type_kind::array: {
      const type_node& e = *t.element;
      const std::size_t m = j.is_array() ? std::min(t.length, j.size()) : 0;
      std::size_t n = (t.length - m) * e.min_size;  // lenient: the missing elements are zeros
      for (std::size_t i = 0; i < m; ++i) n = add_saturating(n, counted_size(e, j[i], extra));
      return n;
    }
    case type_kind::structure: {
      std::size_t n = t.min_size;
      if (!j.is_object()) return n;
      for (const auto& f : t.fields) {
        if (!f.type->dynamic && !f.type->counted) continue;
        auto it = j.find(f.name);
        if (it == j.end()) continue;
        std::size_t size = counted_size(*f.type, *it, extra);
        if (f.counted_by != type_node::field::none) {
          const auto& cf = t.fields[f.counted_by];
          if (auto c = j.find(cf.name); c != j.end()) {
            // NULs after a counted text[]: each counts as an element, so that
            // limits::max_elements bounds what a count in the JSON can allocate.
            const auto padding = static_cast<std::size_t>(counted_text_padding(*f.type, *cf.type, *c, size));
            extra = add_saturating(extra, padding);
            size = add_saturating(size, padding);
          }
        }
        n = add_saturating(n, size - f.type->min_size);
      }
      return n;
    }
    default:
      return t.min_size;
  }
}

}  // namespace

std::size_t schema::current_size(const nlohmann::json& value) const {
  const type_node& t = root();
  std::size_t extra = 0;
  if (t.counted) return counted_size(t, value, extra);
  return t.min_size + (t.dynamic ? tail_count(t, value) * t.tail_element_size : 0);
}

void encode_append(const schema& s, const nlohmann::json& value, bytes& out, endian order, json_mode mode) {
  const type_node& t = s.root();
  const std::size_t start = out.size();
  if (t.counted) {
    std::size_t extra = 0;
    (void)counted_size(t, value, extra);
    if (extra > limits::max_elements - t.elements)
      throw codec_error(errc::limit, "the value has " + std::to_string(add_saturating(t.elements, extra)) +
                                         " elements; a value may have at most " + std::to_string(limits::max_elements) +
                                         " (array elements and fields, at every depth)");
  } else if (t.dynamic) {
    check_elements(t, tail_count(t, value));
  }
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

nlohmann::json decode(const schema& s, std::span<const std::uint8_t> in, endian order, json_mode mode) {
  tree_builder tree;
  read_value(s, in, order, mode, tree);
  return tree.take();
}

void decode_to(const schema& s, std::span<const std::uint8_t> in, value_visitor& visitor, endian order,
               json_mode mode) {
  visitor_sink sink(visitor);
  read_value(s, in, order, mode, sink);
}

void decode_json(const schema& s, std::span<const std::uint8_t> in, std::string& out, int indent, endian order,
                 json_mode mode) {
  decode_json(s, in, out, json_text_options{.indent = indent}, order, mode);
}

void decode_json(const schema& s, std::span<const std::uint8_t> in, std::string& out,
                 const json_text_options& options, endian order, json_mode mode) {
  const std::size_t had = out.size();
  try {
    json_text_writer writer(out, options);
    read_value(s, in, order, mode, writer);
    writer.finish();
  } catch (...) {
    out.resize(had);
    throw;
  }
}

}  // namespace comframe::core

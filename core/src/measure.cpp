// core::measure(): a walk over the schema that reads only count fields.
#include "comframe/core/measure.hpp"

#include <array>

#include "comframe/core/limits.hpp"
#include "schema_document.hpp"

namespace comframe::core {

namespace {

using state = measured::state;

class measurer {
 public:
  measurer(std::span<const std::uint8_t> bytes, std::size_t elements) : bytes_(bytes), elements_(elements) {}

  // The end of the value of `t` that starts at `pos`, or why it cannot be told.
  measured walk(const type_node& t, std::size_t pos, bool swap) {
    if (!t.counted) return {t.dynamic ? state::unbounded : state::complete, pos + t.min_size};
    if (t.kind == type_kind::dynamic_array) return {state::unbounded, pos};  // of counted elements, not counted itself
    if (t.kind == type_kind::array) {
      for (std::size_t i = 0; i < t.length; ++i) {
        const measured m = walk(*t.element, pos, swap);
        if (m.st != state::complete) return m;
        pos = m.size;
      }
      return {state::complete, pos};
    }
    return structure(t, pos, swap);  // only structs hold counted fields
  }

 private:
  measured structure(const type_node& t, std::size_t pos, bool swap) {
    std::array<std::uint64_t, limits::max_count_fields> counts{};
    std::size_t shift = 0;  // bytes the counted fields so far take
    for (const auto& f : t.fields) {
      const std::size_t at = pos + f.offset + shift;
      const bool fswap = f.order ? needs_swap(*f.order) : swap;
      if (f.counts != type_node::field::none) {
        if (at + f.type->min_size > bytes_.size()) return {state::need_more, at + f.type->min_size};
        counts[f.count_slot] = detail::load_count(*f.type, bytes_.data() + at, fswap);
      }
      if (f.counted_by != type_node::field::none) {
        const measured m = counted(*f.type, f.count_unit, counts[t.fields[f.counted_by].count_slot], at, fswap);
        if (m.st != state::complete) return m;
        shift += m.size - at;
      } else if (f.type->counted) {
        const measured m = walk(*f.type, at, fswap);
        if (m.st != state::complete) return m;
        shift += m.size - at - f.type->min_size;
      } else if (f.type->dynamic) {
        return {state::unbounded, pos + t.min_size + shift};
      }
    }
    return {state::complete, pos + t.min_size + shift};
  }

  // A counted field of `count` (elements or bytes) at `pos`.
  measured counted(const type_node& t, count_unit unit, std::uint64_t count, std::size_t pos, bool swap) {
    const std::size_t each = detail::counted_element_size(t);
    std::uint64_t n = count;  // elements
    if (unit == count_unit::bytes) {
      if (each == 0 || count % each != 0) return {state::invalid, pos};
      n = count / each;
    }
    const std::size_t per = t.kind == type_kind::dynamic_array ? t.element->elements + 1 : 0;
    if (n > limits::max_elements || (per && n * per > limits::max_elements - elements_)) return {state::invalid, pos};
    elements_ += static_cast<std::size_t>(n) * per;
    if (each) return {state::complete, pos + static_cast<std::size_t>(n) * each};
    for (std::uint64_t i = 0; i < n; ++i) {  // elements whose sizes vary: each one measured
      const measured m = walk(*t.element, pos, swap);
      if (m.st != state::complete) return m;
      pos = m.size;
    }
    return {state::complete, pos};
  }

  std::span<const std::uint8_t> bytes_;
  std::size_t elements_;  // elements of the value so far, at every depth
};

}  // namespace

measured measure(const type_node& t, std::span<const std::uint8_t> bytes, endian e) noexcept {
  measured m = measurer(bytes, t.elements).walk(t, 0, needs_swap(e));
  if (m.st == state::complete && m.size > bytes.size()) m.st = state::need_more;
  return m;
}

measured measure(const schema& s, std::span<const std::uint8_t> bytes, endian e) noexcept {
  if (!s.has_root()) return {state::invalid, 0};
  return measure(s.root(), bytes, e);
}

}  // namespace comframe::core

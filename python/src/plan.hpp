// A decode plan: a schema of fixed layout compiled, for one byte order, into
// a flat list of steps that read the bytes straight into Python objects.
//
// core::decode_to walks the schema's tree and calls a visitor for every part;
// for the records benches and devices send most (a struct of numbers, fixed
// arrays, texts, byte strings, enumerations, and a dynamic array of numbers
// at its end) the plan does the same work in one loop over precomputed
// offsets, with interned keys. It gives exactly what decode_python gives; for
// anything it does not cover (a bool byte other than 0 or 1, a text that is
// not UTF-8, an enumerator without a name, bytes of the wrong size) it says
// so and the caller decodes the general way, which raises the proper error.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "common.hpp"

namespace comframe::python {

class decode_plan {
 public:
  /// The plan of `s`'s root in byte order `order`, or null when the schema
  /// has parts the plan does not cover (bit records, flags, halves, counted
  /// fields, dynamic arrays other than one of numbers at the end).
  static std::shared_ptr<const decode_plan> compile(const core::schema& s, core::endian order);

  /// The value, or an empty object when the bytes need the general decoder.
  py::object run(std::span<const std::uint8_t> in) const;

  enum class code : std::uint8_t {
    begin_dict, end_dict, begin_list, end_list,
    u8, u16, u32, u64, i8, i16, i32, i64, f32, f64, boolean, character,
    uint_n, sint_n,      // an integer of `size` bytes (u24, i40)
    text, raw,           // `size` bytes
    enumeration,         // an integer of `size` bytes, named by `node`
    number_array,        // `count` numbers of kind `element` from `offset`, `size` bytes apart
    tail_array,          // the numbers of kind `element` from `offset` to the end
  };
  struct step {
    code op = code::u8;
    code element = code::u8;     // number_array, tail_array
    bool swap = false;
    std::size_t offset = 0;
    std::size_t size = 0;
    std::size_t count = 0;
    py::object key;              // set when the value is a dict member
    const core::type_node* node = nullptr;
  };

 private:
  std::vector<step> steps_;
  std::size_t fixed_size_ = 0;   // bytes of everything but the tail
  std::size_t tail_element_ = 0; // bytes per tail element; 0: no tail
  core::schema schema_;          // keeps the nodes the steps point to
  friend class plan_compiler;
};

}  // namespace comframe::python

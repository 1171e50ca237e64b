// The generated C codecs of the faces profiles (codegen_fixtures: one profile
// per byte order, little, big and native, holding every type of
// tests/core/property_types.hpp), as tables indexed like property_types.
// Shared by codegen_differential_test.cpp and fuzz/generated_c_fuzz.cpp; the
// including target compiles f_l_profile.c, f_b_profile.c and f_n_profile.c and
// has the generated folder on its include path.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {
#include "f_b_profile.h"
#include "f_l_profile.h"
#include "f_n_profile.h"
}

namespace comframe::test::faces {

struct c_codec {
  bool present = false;
  std::size_t size = 0;  // sizeof the C struct
  std::size_t (*encode)(const void*, std::uint8_t*, std::size_t) = nullptr;
  bool (*decode)(const std::uint8_t*, std::size_t, void*) = nullptr;
};

#define FACES_CODEC(prefix, k, c_type)                                                                              \
  {true, sizeof(prefix##_##c_type),                                                                                \
   [](const void* v, std::uint8_t* out, std::size_t cap) {                                                         \
     return prefix##_##c_type##_encode(static_cast<const prefix##_##c_type*>(v), out, cap);                         \
   },                                                                                                               \
   [](const std::uint8_t* in, std::size_t n, void* v) { return prefix##_##c_type##_decode(in, n, static_cast<prefix##_##c_type*>(v)); }},

#define FACES_NULL(k) {},
#define FACES_TYPE(k, c_type) FACES_CODEC(f_l, k, c_type)
inline const c_codec little_codecs[] = {
#include "faces_table.inc"
};
#undef FACES_TYPE
#define FACES_TYPE(k, c_type) FACES_CODEC(f_b, k, c_type)
inline const c_codec big_codecs[] = {
#include "faces_table.inc"
};
#undef FACES_TYPE
#define FACES_TYPE(k, c_type) FACES_CODEC(f_n, k, c_type)
inline const c_codec native_codecs[] = {
#include "faces_table.inc"
};
#undef FACES_TYPE

}  // namespace comframe::test::faces

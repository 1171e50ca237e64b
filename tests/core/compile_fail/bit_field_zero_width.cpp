// expect: a bit field is 1 to 64 bits wide
#include "comframe/core/codec.hpp"
struct Flags { comframe::core::bit_field<unsigned, 0> a; comframe::core::bit_field<unsigned char, 8> b; };
BOOST_DESCRIBE_STRUCT(Flags, (), (a, b))
int main() { return static_cast<int>(comframe::core::min_size<Flags>()); }

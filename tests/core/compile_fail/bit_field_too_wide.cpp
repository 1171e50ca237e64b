// expect: a bit field is 1 to 64 bits wide
#include "comframe/core/codec.hpp"
struct Flags { comframe::core::bit_field<unsigned long, 65> a; comframe::core::bit_field<unsigned, 7> b; };
BOOST_DESCRIBE_STRUCT(Flags, (), (a, b))
int main() { return static_cast<int>(comframe::core::min_size<Flags>()); }

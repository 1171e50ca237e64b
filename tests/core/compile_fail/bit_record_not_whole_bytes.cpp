// expect: a bit record must be a whole number of bytes
#include "comframe/core/codec.hpp"
struct Flags { comframe::core::bit_field<bool, 1> a; comframe::core::bit_field<unsigned, 3> b; };
BOOST_DESCRIBE_STRUCT(Flags, (), (a, b))
int main() { return static_cast<int>(comframe::core::min_size<Flags>()); }

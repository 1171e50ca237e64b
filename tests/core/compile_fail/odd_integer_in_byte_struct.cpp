// expect: an integer_n in a struct takes whole bytes
#include "comframe/core/codec.hpp"
struct Odd { comframe::core::uint_n<12> n; };
BOOST_DESCRIBE_STRUCT(Odd, (), (n))
int main() { return static_cast<int>(comframe::core::min_size<Odd>()); }

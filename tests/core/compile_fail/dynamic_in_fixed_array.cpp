// expect: the element of a fixed array \(std::array\) may not contain a dynamic array
#include "comframe/core/codec.hpp"
struct Tail { std::vector<int> samples; };
BOOST_DESCRIBE_STRUCT(Tail, (), (samples))
int main() { return static_cast<int>(comframe::core::min_size<std::array<Tail, 2>>()); }

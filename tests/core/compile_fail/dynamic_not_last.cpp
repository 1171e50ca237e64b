// expect: a dynamic array \(std::vector\), or a struct that contains one, may only be the last field of a struct
#include "comframe/core/codec.hpp"
struct Bad { std::vector<int> samples; int after; };
BOOST_DESCRIBE_STRUCT(Bad, (), (samples, after))
int main() { return static_cast<int>(comframe::core::min_size<Bad>()); }

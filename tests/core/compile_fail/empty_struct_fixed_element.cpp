// expect: the element of a fixed array \(std::array\) must have a size above zero
#include <boost/describe.hpp>

#include "comframe/core/codec.hpp"
struct Empty {};
BOOST_DESCRIBE_STRUCT(Empty, (), ())
int main() { return static_cast<int>(comframe::core::min_size<std::array<Empty, 4>>()); }

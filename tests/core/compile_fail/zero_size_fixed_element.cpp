// expect: the element of a fixed array \(std::array\) must have a size above zero
#include "comframe/core/codec.hpp"
int main() { return static_cast<int>(comframe::core::min_size<std::array<comframe::core::null, 16>>()); }

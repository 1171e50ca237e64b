// expect: a fixed array \(std::array\) must have at least one element
#include "comframe/core/codec.hpp"
int main() { return static_cast<int>(comframe::core::min_size<std::array<int, 0>>()); }

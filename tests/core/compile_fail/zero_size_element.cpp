// expect: the element of a dynamic array \(std::vector\) must have a size above zero
#include "comframe/core/codec.hpp"
int main() { return static_cast<int>(comframe::core::encode(std::vector<comframe::core::null>{}).size()); }

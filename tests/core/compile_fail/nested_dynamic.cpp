// expect: the element of a dynamic array \(std::vector\) may not contain another dynamic array
#include "comframe/core/codec.hpp"
int main() { return static_cast<int>(comframe::core::encode(std::vector<std::vector<int>>{}).size()); }

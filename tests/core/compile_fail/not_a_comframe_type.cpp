// expect: not a comframe type. Use a struct described with BOOST_DESCRIBE_STRUCT
#include <string>
#include "comframe/core/codec.hpp"
int main() { return static_cast<int>(comframe::core::encode(std::string("x")).size()); }

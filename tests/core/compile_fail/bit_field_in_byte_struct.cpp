// expect: a struct with a bit_field must have only bit_field members
#include "comframe/core/codec.hpp"
struct Mixed { std::uint8_t id; comframe::core::bit_field<unsigned char, 8> b; };
BOOST_DESCRIBE_STRUCT(Mixed, (), (id, b))
int main() { return static_cast<int>(comframe::core::min_size<Mixed>()); }

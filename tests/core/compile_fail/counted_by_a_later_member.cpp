// expect: a core::counted member must name an earlier member of the same struct that is an unsigned integer
#include "comframe/core/codec.hpp"
struct Late { comframe::core::counted<std::vector<std::uint8_t>, "n"> v; std::uint8_t n; };
BOOST_DESCRIBE_STRUCT(Late, (), (v, n))
int main() { return static_cast<int>(comframe::core::min_size<Late>()); }

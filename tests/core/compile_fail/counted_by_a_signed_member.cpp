// expect: a core::counted member must name an earlier member of the same struct that is an unsigned integer
#include "comframe/core/codec.hpp"
struct Signed { std::int8_t n; comframe::core::counted<std::vector<std::uint8_t>, "n"> v; };
BOOST_DESCRIBE_STRUCT(Signed, (), (n, v))
int main() { return static_cast<int>(comframe::core::min_size<Signed>()); }

#include <comframe/core/json.hpp>
#include <comframe/core/schema.hpp>
#include <iostream>

struct Sample {
  std::uint16_t id;
  std::vector<std::int16_t> values;
};
BOOST_DESCRIBE_STRUCT(Sample, (), (id, values))

int main() {
  namespace core = comframe::core;
  const Sample s{7, {1, -1}};
  const auto bytes = core::encode(s, core::endian::big);
  const auto dynamic = core::encode(core::schema::of<Sample>(), core::to_json(s), core::endian::big);
  std::cout << bytes.size() << (bytes == dynamic ? " same" : " different") << '\n';
  return bytes == dynamic && bytes.size() == 6 ? 0 : 1;
}

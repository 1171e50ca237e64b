// fuzz/random_schema_fuzz.cpp — structure-aware: a random schema built from
// the input, then a random value for it, through both directions of the
// dynamic face.
//
// Input: the first bytes grow a type (a small grammar: every scalar, with and
// without a fixed byte order, text and bytes, fixed and dynamic arrays,
// structs with counted arrays, text and bytes, bit records, enumerations), up to 4 levels
// deep; byte 0 also picks the byte order and the JSON mode. The rest is the
// value's bytes.
// Checks: the schema the grammar builds loads (it only builds valid ones), and
// its canonical document loads to the same document; decode() and decode_json()
// agree (fuzz/decode_paths.hpp); a value that decodes
// encodes to as many bytes, which decode to the same value, and its size
// (current_size) is that count.
#include <string>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/error.hpp"
#include "decode_paths.hpp"
#include "comframe/core/schema.hpp"
#include "fuzz_support.hpp"

using namespace comframe;
using nlohmann::json;

namespace {

const char* const scalars[] = {"u8",  "i8",  "u16", "i16", "u24", "i24", "u32", "i32",
                               "u64", "i64", "f32", "f64", "f2",  "bool", "char"};
const char* const orders[] = {"", "<", ">"};

struct grammar {
  fuzz::input& in;
  int fields = 0;  // every field made, to name them apart

  std::string scalar() {
    const std::string s = scalars[in.byte() % std::size(scalars)];
    if (s == "bool" || s == "char" || s == "u8" || s == "i8") return s;
    return orders[in.byte() % 3] + s;
  }

  json bits() {
    json fs = json::array();
    const int n = 1 + in.byte() % 4;
    int total = 0;
    for (int i = 0; i < n; ++i) {
      json f{{"name", "b" + std::to_string(fields++)}};
      int width = 1;
      switch (in.byte() % 3) {
        case 0: width = 1 + in.byte() % 12; f["type"] = "u" + std::to_string(width); break;
        case 1: width = 2 + in.byte() % 11; f["type"] = "i" + std::to_string(width); break;
        default: f["type"] = "bool"; break;
      }
      int count = 1;
      if (in.byte() % 4 == 0) f["count"] = count = 1 + in.byte() % 3;
      total += width * count;
      fs.push_back(f);
    }
    // A bit record is whole bytes: its "size" (in bits) rounds the fields up.
    json t{{"bits", fs}, {"size", (total + 7) / 8 * 8}};
    if (in.byte() % 2) t["order"] = "msb";
    return t;
  }

  json enumeration() {
    json values = json::object();
    const int n = 1 + in.byte() % 4;
    for (int i = 0; i < n; ++i) values["v" + std::to_string(i)] = i * 60 + in.byte() % 60;  // distinct
    return json{{"enum", in.byte() % 2 ? "u8" : "<u16"}, {"values", values}};
  }

  // A type expression; `tail_ok`: a dynamic array may end the value here.
  json type(int depth, bool tail_ok) {
    const std::uint8_t k = in.byte() % (depth >= 4 ? 4 : 9);
    switch (k) {
      case 0:
      case 1:
        return scalar();
      case 2:
        return "text[" + std::to_string(1 + in.byte() % 12) + "]";
      case 3:
        return in.byte() % 2 ? enumeration() : bits();
      case 4:
        return json{{"array", type(depth + 1, false)}, {"length", 1 + in.byte() % 4}};
      case 5:
        if (tail_ok) return json{{"dynamic_array", type(depth + 1, false)}};
        return scalar();
      default:
        return record(depth + 1, tail_ok);
    }
  }

  json record(int depth, bool tail_ok) {
    json fs = json::array();
    const int n = 1 + in.byte() % 5;
    for (int i = 0; i < n; ++i) {
      const bool last = i == n - 1;
      const std::uint8_t k = in.byte() % 8;
      if (k == 0 && i + 1 < n) {
        // A counted field and its count: the count first, then anything after it.
        const std::string count = "n" + std::to_string(fields++);
        const std::string what = "c" + std::to_string(fields++);
        fs.push_back({{"name", count}, {"type", in.byte() % 2 ? "u8" : ">u16"}});
        json counted{{"name", what}, {"count", count}};
        // A counted text holding a NUL before its count ends decodes to the text
        // before the NUL beside the count, and encodes with NULs up to the count
        // (found by this target: docs/reliability.md).
        switch (in.byte() % 3) {
          case 0: counted["type"] = "bytes[]"; break;
          case 1: counted["type"] = "text[]"; break;
          default:
            counted["type"] = scalar() + "[]";
            if (in.byte() % 2) counted["count_unit"] = "bytes";
            break;
        }
        fs.push_back(counted);
        ++i;
        continue;
      }
      fs.push_back({{"name", "f" + std::to_string(fields++)}, {"type", type(depth, tail_ok && last)}});
    }
    return json{{"struct", fs}};
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  const std::uint8_t how = in.byte();
  const auto order = how & 1 ? core::endian::big : core::endian::little;
  const auto mode = how & 2 ? core::json_mode::lenient : core::json_mode::strict;
  grammar g{in};
  const json document = json{{"types", {{"T", g.record(1, true)}}}};
  core::schema all;
  try {
    all = core::schema::from_json(document);
  } catch (const comframe::error& e) {
    std::fprintf(stderr, "%s\n%s\n", document.dump().c_str(), e.what());
    FUZZ_CHECK(false, "the grammar built a schema that does not load");
  }
  FUZZ_CHECK(core::schema::parse(all.to_json().dump()).to_json() == all.to_json(),
             "a schema's canonical document loads to another document");
  const core::schema s = all.type("T");

  const auto decoded = fuzz::decode_every_way(s, in.rest(), order, mode);
  if (!decoded) return 0;
  const json& value = *decoded;
  core::bytes encoded;
  try {
    encoded = core::encode(s, value, order, mode);
  } catch (const comframe::error& e) {
    std::fprintf(stderr, "%s\n%s\n%s\n", document.dump().c_str(), value.dump().c_str(), e.what());
    FUZZ_CHECK(false, "a decoded value does not encode");
  }
  FUZZ_CHECK(encoded.size() == in.rest().size(), "a decoded value encodes to another size");
  FUZZ_CHECK(s.current_size(value) == encoded.size(), "current_size() of a decoded value is not its byte count");
  const json back = core::decode(s, encoded, order, mode);
  FUZZ_CHECK(back.dump() == value.dump(), "a decoded value encodes to bytes that decode to another value");
  return 0;
}

// bench-links: comframe::core
//
// Device-format kinds (issue 7): a 16-byte instrument record of bit fields and a
// 24-bit integer through the static face, against a hand-written shift-and-mask
// codec of the same record, measured in the same run.
//
// The record (16 bytes):
//   flags    a 32-bit bit record, most significant bit first: valid (1), overrange (1),
//            mode (3), channel (3), gain (12), trim (signed, 4), seq (8)
//   counter  u24, in the call's byte order
//   version  u8
//   limits   a 16-bit bit record, least significant bit first: lo (5), hi (5), step (6)
//   temp     i16, in the call's byte order
//   stamp    u32, in the call's byte order
//
// Benchmarks, named "<group>/<variant>/<endian>" so that ratio_main.cpp prints
// each variant's time over the baseline of its group (target: static <= 2x):
//   {encode,decode}_bits_record/baseline/{native,big}  hand-written shifts and masks
//   {encode,decode}_bits_record/static/{native,big}    comframe::core::encode / decode_into
//   {encode,decode}_bits_record/dynamic/{native,big}   schema + nlohmann::json (for scale only)
// Before timing, each benchmark checks that its encoder writes exactly the bytes of
// comframe::core::encode, or that its decoder gives back the encoded value.
//
// Run (docs/performance.md has the machine and the results):
//   build-core-bench/bench/core_layout_bench --benchmark_repetitions=3
#include <benchmark/benchmark.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>

#include "comframe/core/codec.hpp"
#include "comframe/core/json.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/schema.hpp"
#include "comframe/core/schema_export.hpp"

namespace bench {

namespace core = comframe::core;
using core::bit_field;
using core::endian;

struct Flags {
  bit_field<bool, 1> valid;
  bit_field<bool, 1> overrange;
  bit_field<std::uint8_t, 3> mode;
  bit_field<std::uint8_t, 3> channel;
  bit_field<std::uint16_t, 12> gain;
  bit_field<std::int8_t, 4> trim;
  bit_field<std::uint8_t, 8> seq;
  bool operator==(const Flags&) const = default;
};
BOOST_DESCRIBE_STRUCT(Flags, (), (valid, overrange, mode, channel, gain, trim, seq))

struct Limits {
  bit_field<std::uint8_t, 5> lo;
  bit_field<std::uint8_t, 5> hi;
  bit_field<std::uint8_t, 6> step;
  bool operator==(const Limits&) const = default;
};
BOOST_DESCRIBE_STRUCT(Limits, (), (lo, hi, step))

struct Record {
  Flags flags;
  core::u24 counter;
  std::uint8_t version;
  Limits limits;
  std::int16_t temp;
  std::uint32_t stamp;
  bool operator==(const Record&) const = default;
};
BOOST_DESCRIBE_STRUCT(Record, (), (flags, counter, version, limits, temp, stamp))

}  // namespace bench

template <>
inline constexpr comframe::core::bit_order comframe::core::bit_order_of<bench::Limits> = comframe::core::bit_order::lsb;

namespace bench {
namespace {

static_assert(core::fixed_size<Record>() == 16);

Record sample() {
  Record r;
  r.flags = {true, false, 5, 3, 0xabc, -3, 0x5a};
  r.counter = 0x123456;
  r.version = 2;
  r.limits = {7, 30, 45};
  r.temp = -1234;
  r.stamp = 0xdeadbeef;
  return r;
}

// ---- The hand-written codec: what one would write for this record by hand ----

namespace handwritten {

// Whole words through memcpy and a byte swap, the 24-bit counter byte by byte:
// what one writes by hand.
template <bool Big, class U>
inline void put_word(std::uint8_t* p, U v) noexcept {
  if constexpr (Big != (std::endian::native == std::endian::big)) {
    if constexpr (sizeof(U) == 2) v = __builtin_bswap16(v);
    else v = __builtin_bswap32(v);
  }
  std::memcpy(p, &v, sizeof v);
}
template <bool Big, class U>
inline U get_word(const std::uint8_t* p) noexcept {
  U v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (Big != (std::endian::native == std::endian::big)) {
    if constexpr (sizeof(U) == 2) v = __builtin_bswap16(v);
    else v = __builtin_bswap32(v);
  }
  return v;
}
template <bool Big>
inline void put_u24(std::uint8_t* p, std::uint32_t v) noexcept {
  p[Big ? 2 : 0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[Big ? 0 : 2] = static_cast<std::uint8_t>(v >> 16);
}
template <bool Big>
inline std::uint32_t get_u24(const std::uint8_t* p) noexcept {
  return std::uint32_t{p[Big ? 2 : 0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[Big ? 0 : 2]} << 16);
}

// Every field is read into a local before the first byte is written: the byte
// stores may alias the record, and would otherwise force it to be reloaded.
template <bool Big>
inline void put(std::uint8_t* p, const Record& r) noexcept {
  const auto& f = r.flags;
  const std::uint32_t flags = (std::uint32_t{f.valid.value} << 31) | (std::uint32_t{f.overrange.value} << 30) |
                              (std::uint32_t{f.mode.value & 7u} << 27) | (std::uint32_t{f.channel.value & 7u} << 24) |
                              (std::uint32_t{f.gain.value & 0xfffu} << 12) |
                              (static_cast<std::uint32_t>(f.trim.value & 0xf) << 8) | f.seq.value;
  const auto counter = static_cast<std::uint32_t>(r.counter.value);
  const std::uint8_t version = r.version;
  const std::uint16_t limits = static_cast<std::uint16_t>((r.limits.lo.value & 0x1fu) |
                                                          ((r.limits.hi.value & 0x1fu) << 5) |
                                                          ((r.limits.step.value & 0x3fu) << 10));
  const auto temp = static_cast<std::uint16_t>(r.temp);
  const std::uint32_t stamp = r.stamp;
  put_word<true>(p, flags);
  put_u24<Big>(p + 4, counter);
  p[7] = version;
  put_word<false>(p + 8, limits);
  put_word<Big>(p + 10, temp);
  put_word<Big>(p + 12, stamp);
}

template <bool Big>
inline void get(const std::uint8_t* p, Record& r) noexcept {
  const auto flags = get_word<true, std::uint32_t>(p);
  auto& f = r.flags;
  f.valid = (flags >> 31) & 1;
  f.overrange = (flags >> 30) & 1;
  f.mode = static_cast<std::uint8_t>((flags >> 27) & 7);
  f.channel = static_cast<std::uint8_t>((flags >> 24) & 7);
  f.gain = static_cast<std::uint16_t>((flags >> 12) & 0xfff);
  f.trim = static_cast<std::int8_t>(static_cast<std::int8_t>(((flags >> 8) & 0xf) << 4) >> 4);
  f.seq = static_cast<std::uint8_t>(flags);
  r.counter = get_u24<Big>(p + 4);
  r.version = p[7];
  const auto limits = get_word<false, std::uint16_t>(p + 8);
  r.limits.lo = static_cast<std::uint8_t>(limits & 0x1f);
  r.limits.hi = static_cast<std::uint8_t>((limits >> 5) & 0x1f);
  r.limits.step = static_cast<std::uint8_t>(limits >> 10);
  r.temp = static_cast<std::int16_t>(get_word<Big, std::uint16_t>(p + 10));
  r.stamp = get_word<Big, std::uint32_t>(p + 12);
}

[[noreturn, gnu::cold, gnu::noinline]] void fail(const char* what) { throw std::invalid_argument(what); }

bool big(endian order) { return order == endian::big || (order == endian::native && std::endian::native == std::endian::big); }

std::size_t encode(const Record& r, std::span<std::uint8_t> out, endian order) {
  if (out.size() < 16) fail("record: output buffer too small");
  if (big(order)) put<true>(out.data(), r);
  else put<false>(out.data(), r);
  return 16;
}

void decode(std::span<const std::uint8_t> in, Record& r, endian order) {
  if (in.size() != 16) fail("record: wrong size");
  if (big(order)) get<true>(in.data(), r);
  else get<false>(in.data(), r);
}

}  // namespace handwritten

// ---- The faces, behind one interface (as in core_codec_bench.cpp) ----------

struct baseline_face {
  using input = Record;
  using output = Record;
  input make_input(const Record& m) const { return m; }
  std::size_t encode(const input& v, core::bytes& out, endian order) const {
    return handwritten::encode(v, std::span<std::uint8_t>(out), order);
  }
  void decode(std::span<const std::uint8_t> in, output& v, endian order) const { handwritten::decode(in, v, order); }
  bool same(const output& v, const Record& m) const { return v == m; }
};

struct static_face {
  using input = Record;
  using output = Record;
  input make_input(const Record& m) const { return m; }
  std::size_t encode(const input& v, core::bytes& out, endian order) const {
    return core::encode(v, std::span<std::uint8_t>(out), order);
  }
  void decode(std::span<const std::uint8_t> in, output& v, endian order) const { core::decode_into(in, v, order); }
  bool same(const output& v, const Record& m) const { return v == m; }
};

struct dynamic_face {
  using input = nlohmann::json;
  using output = nlohmann::json;
  core::schema schema = core::schema::of<Record>();
  input make_input(const Record& m) const { return core::to_json(m); }
  std::size_t encode(const input& v, core::bytes& out, endian order) const {
    out.clear();
    core::encode_append(schema, v, out, order);
    return out.size();
  }
  void decode(std::span<const std::uint8_t> in, output& v, endian order) const { v = core::decode(schema, in, order); }
  bool same(const output& v, const Record& m) const { return v == core::to_json(m); }
};

template <class Face>
void bm_encode(benchmark::State& state, endian order) {
  const Face face;
  const Record value = sample();
  auto input = face.make_input(value);
  const core::bytes expected = core::encode(value, order);
  core::bytes out(expected.size());
  if (face.encode(input, out, order) != expected.size() || out != expected) {
    state.SkipWithError("the encoder's bytes differ from comframe::core::encode");
    return;
  }
  benchmark::DoNotOptimize(order);
  for (auto _ : state) {
    benchmark::DoNotOptimize(input);
    std::size_t n = face.encode(input, out, order);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
}

template <class Face>
void bm_decode(benchmark::State& state, endian order) {
  const Face face;
  const Record value = sample();
  const core::bytes in = core::encode(value, order);
  typename Face::output out{};
  face.decode(in, out, order);
  if (!face.same(out, value)) {
    state.SkipWithError("the decoder's value differs from the encoded one");
    return;
  }
  const std::uint8_t* data = in.data();
  benchmark::DoNotOptimize(data);
  benchmark::DoNotOptimize(order);
  for (auto _ : state) {
    face.decode(in, out, order);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
}

template <class Face>
void register_one(const std::string& name, bool encode, endian order) {
  if (encode)
    benchmark::RegisterBenchmark(name.c_str(), [order](benchmark::State& s) { bm_encode<Face>(s, order); });
  else
    benchmark::RegisterBenchmark(name.c_str(), [order](benchmark::State& s) { bm_decode<Face>(s, order); });
}

const bool registered = [] {
  for (bool encode : {true, false}) {
    for (const auto& [order, order_name] : {std::pair{endian::native, "native"}, std::pair{endian::big, "big"}}) {
      const std::string group = std::string(encode ? "encode" : "decode") + "_bits_record";
      register_one<baseline_face>(group + "/baseline/" + order_name, encode, order);
      register_one<static_face>(group + "/static/" + order_name, encode, order);
      register_one<dynamic_face>(group + "/dynamic/" + order_name, encode, order);
    }
  }
  return true;
}();

}  // namespace
}  // namespace bench

// bench-links: comframe::core
//
// The core type system's codecs against a hand-written memcpy/byte-swap codec
// of the same messages, measured in the same run.
//
// Messages:
//   telemetry       a 64-byte struct of mixed scalars and two fixed arrays
//   telemetry_tail  the same struct followed by a 32-element i16 dynamic tail (128 bytes)
//
// Benchmarks, named "<group>/<variant>/<endian>" so that ratio_main.cpp prints
// each variant's time over the baseline of its group:
//   {encode,decode}_{telemetry,telemetry_tail}/baseline/{native,big}  hand-written codec
//   {encode,decode}_{telemetry,telemetry_tail}/static/{native,big}    comframe::core::encode / decode_into
//   {encode,decode}_{telemetry,telemetry_tail}/dynamic/{native,big}   schema + nlohmann::json
// decoding to JSON text against the static face's decode (the group's baseline):
//   decode_json_{telemetry,telemetry_tail}/text/{native,big}       core::decode_json, no tree
//   decode_json_{telemetry,telemetry_tail}/tree_text/{native,big}  core::decode, then core::format_json
// and the cost of forcing big endian, where "baseline" is the native-order run
// of the same code and "big" the big-endian run (target: ratio <= 1/0.9 = 1.11):
//   endian_cost/{baseline,big}/{static,handwritten}_{encode,decode}_{telemetry,telemetry_tail}
//
// Every variant runs through the same harness (bm_encode / bm_decode); only the
// face differs. Before timing, each benchmark checks that its encoder writes
// exactly the bytes of comframe::core::encode, or that its decoder gives back
// the encoded value, so that the variants do the same work.
// Encoders write into a reused buffer; decoders decode into a reused value, so
// neither the static face nor the baseline allocates in the timed loop (the
// dynamic face builds an nlohmann::json per decode, which allocates).
//
// Run (docs/performance.md has the machine and the results):
//   build-bench/bench/core_codec_bench --benchmark_repetitions=5 --benchmark_min_time=0.1
#include <benchmark/benchmark.h>

#include <boost/describe/class.hpp>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "comframe/core/codec.hpp"
#include "comframe/core/json.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/schema.hpp"
#include "comframe/core/schema_export.hpp"

namespace bench {

struct Telemetry {
  std::uint32_t sequence;
  std::uint64_t timestamp_us;
  std::int16_t temperature_centi_c;
  std::uint16_t supply_mv;
  std::array<float, 6> imu;  // accel xyz (m/s^2), gyro xyz (rad/s)
  double altitude_m;
  std::uint8_t status;
  std::int8_t rssi_dbm;
  std::array<std::uint16_t, 6> adc_counts;
  bool armed;
  char mode;

  friend bool operator==(const Telemetry&, const Telemetry&) = default;
};
BOOST_DESCRIBE_STRUCT(Telemetry, (),
                      (sequence, timestamp_us, temperature_centi_c, supply_mv, imu, altitude_m, status, rssi_dbm,
                       adc_counts, armed, mode))

struct TelemetryTail {
  Telemetry head;
  std::vector<std::int16_t> samples;

  friend bool operator==(const TelemetryTail&, const TelemetryTail&) = default;
};
BOOST_DESCRIBE_STRUCT(TelemetryTail, (), (head, samples))

static_assert(comframe::core::fixed_size<Telemetry>() == 64);
static_assert(comframe::core::min_size<TelemetryTail>() == 64);
static_assert(comframe::core::element_size<TelemetryTail>() == 2);

constexpr std::size_t tail_samples = 32;

}  // namespace bench

// Schema names without the C++ namespace.
template <>
struct comframe::core::type_name<bench::Telemetry> {
  static constexpr std::string_view value = "Telemetry";
};
template <>
struct comframe::core::type_name<bench::TelemetryTail> {
  static constexpr std::string_view value = "TelemetryTail";
};

namespace bench {
namespace {

namespace core = comframe::core;
using core::endian;

// Values chosen to be exact in float/double, so the JSON round trip compares equal.
Telemetry sample_telemetry() {
  return Telemetry{
      .sequence = 123456,
      .timestamp_us = 1'717'000'000'123'456ULL,
      .temperature_centi_c = -1250,
      .supply_mv = 3300,
      .imu = {0.125f, -9.8125f, 0.5f, -0.015625f, 0.25f, 1.75f},
      .altitude_m = 1234.5,
      .status = 0xA5,
      .rssi_dbm = -67,
      .adc_counts = {0, 1023, 2048, 4095, 17, 65535},
      .armed = true,
      .mode = 'A',
  };
}

TelemetryTail sample_telemetry_tail() {
  TelemetryTail t{sample_telemetry(), {}};
  for (std::size_t i = 0; i < tail_samples; ++i) t.samples.push_back(static_cast<std::int16_t>(i * 997 - 15000));
  return t;
}

template <class M>
M sample();
template <>
Telemetry sample<Telemetry>() { return sample_telemetry(); }
template <>
TelemetryTail sample<TelemetryTail>() { return sample_telemetry_tail(); }

// ---- The baseline: what one writes by hand with memcpy and __builtin_bswap ----

namespace handwritten {

template <bool Swap>
inline void store16(std::uint8_t* p, std::uint16_t v) noexcept {
  if constexpr (Swap) v = __builtin_bswap16(v);
  std::memcpy(p, &v, sizeof v);
}
template <bool Swap>
inline void store32(std::uint8_t* p, std::uint32_t v) noexcept {
  if constexpr (Swap) v = __builtin_bswap32(v);
  std::memcpy(p, &v, sizeof v);
}
template <bool Swap>
inline void store64(std::uint8_t* p, std::uint64_t v) noexcept {
  if constexpr (Swap) v = __builtin_bswap64(v);
  std::memcpy(p, &v, sizeof v);
}
template <bool Swap>
inline std::uint16_t load16(const std::uint8_t* p) noexcept {
  std::uint16_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (Swap) v = __builtin_bswap16(v);
  return v;
}
template <bool Swap>
inline std::uint32_t load32(const std::uint8_t* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (Swap) v = __builtin_bswap32(v);
  return v;
}
template <bool Swap>
inline std::uint64_t load64(const std::uint8_t* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (Swap) v = __builtin_bswap64(v);
  return v;
}

// Wire layout of Telemetry (byte offsets).
enum offset : std::size_t {
  sequence = 0,
  timestamp_us = 4,
  temperature_centi_c = 12,
  supply_mv = 14,
  imu = 16,
  altitude_m = 40,
  status = 48,
  rssi_dbm = 49,
  adc_counts = 50,
  armed = 62,
  mode = 63,
  end = 64,
};

template <bool Swap>
inline void put_head(std::uint8_t* p, const Telemetry& t) noexcept {
  store32<Swap>(p + sequence, t.sequence);
  store64<Swap>(p + timestamp_us, t.timestamp_us);
  store16<Swap>(p + temperature_centi_c, static_cast<std::uint16_t>(t.temperature_centi_c));
  store16<Swap>(p + supply_mv, t.supply_mv);
  if constexpr (Swap) {
    for (std::size_t i = 0; i < t.imu.size(); ++i) store32<Swap>(p + imu + 4 * i, std::bit_cast<std::uint32_t>(t.imu[i]));
  } else {
    std::memcpy(p + imu, t.imu.data(), sizeof t.imu);
  }
  store64<Swap>(p + altitude_m, std::bit_cast<std::uint64_t>(t.altitude_m));
  p[status] = t.status;
  p[rssi_dbm] = static_cast<std::uint8_t>(t.rssi_dbm);
  if constexpr (Swap) {
    for (std::size_t i = 0; i < t.adc_counts.size(); ++i) store16<Swap>(p + adc_counts + 2 * i, t.adc_counts[i]);
  } else {
    std::memcpy(p + adc_counts, t.adc_counts.data(), sizeof t.adc_counts);
  }
  p[armed] = t.armed ? 1 : 0;
  p[mode] = static_cast<std::uint8_t>(t.mode);
}

// Returns false when the `armed` byte is neither 0 nor 1.
template <bool Swap>
inline bool get_head(const std::uint8_t* p, Telemetry& t) noexcept {
  t.sequence = load32<Swap>(p + sequence);
  t.timestamp_us = load64<Swap>(p + timestamp_us);
  t.temperature_centi_c = static_cast<std::int16_t>(load16<Swap>(p + temperature_centi_c));
  t.supply_mv = load16<Swap>(p + supply_mv);
  if constexpr (Swap) {
    for (std::size_t i = 0; i < t.imu.size(); ++i) t.imu[i] = std::bit_cast<float>(load32<Swap>(p + imu + 4 * i));
  } else {
    std::memcpy(t.imu.data(), p + imu, sizeof t.imu);
  }
  t.altitude_m = std::bit_cast<double>(load64<Swap>(p + altitude_m));
  t.status = p[status];
  t.rssi_dbm = static_cast<std::int8_t>(p[rssi_dbm]);
  if constexpr (Swap) {
    for (std::size_t i = 0; i < t.adc_counts.size(); ++i) t.adc_counts[i] = load16<Swap>(p + adc_counts + 2 * i);
  } else {
    std::memcpy(t.adc_counts.data(), p + adc_counts, sizeof t.adc_counts);
  }
  t.armed = p[armed] == 1;
  t.mode = static_cast<char>(p[mode]);
  return p[armed] <= 1;
}

// The element pointer and count are held in locals: the byte stores may alias
// anything, and would otherwise force the vector's members to be reloaded.
template <bool Swap>
inline void put_samples(std::uint8_t* p, const std::vector<std::int16_t>& s) noexcept {
  const std::int16_t* src = s.data();
  const std::size_t n = s.size();
  if constexpr (Swap) {
    for (std::size_t i = 0; i < n; ++i) store16<Swap>(p + 2 * i, static_cast<std::uint16_t>(src[i]));
  } else if (n) {
    std::memcpy(p, src, n * 2);
  }
}

template <bool Swap>
inline void get_samples(const std::uint8_t* p, std::size_t n, std::vector<std::int16_t>& s) {
  s.resize(n);
  std::int16_t* dst = s.data();
  if constexpr (Swap) {
    for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<std::int16_t>(load16<Swap>(p + 2 * i));
  } else if (n) {
    std::memcpy(dst, p, n * 2);
  }
}

// Out of line and cold, so that no caller needs a stack frame for the exception.
[[noreturn, gnu::cold, gnu::noinline]] void fail(const char* what) { throw std::invalid_argument(what); }

// The run-time byte order is dispatched once per message, as the codec does.
std::size_t encode(const Telemetry& t, std::span<std::uint8_t> out, endian order) {
  if (out.size() < end) fail("telemetry: output buffer too small");
  if (core::needs_swap(order)) put_head<true>(out.data(), t);
  else put_head<false>(out.data(), t);
  return end;
}

void decode(std::span<const std::uint8_t> in, Telemetry& t, endian order) {
  if (in.size() != end) fail("telemetry: wrong size");
  const bool ok = core::needs_swap(order) ? get_head<true>(in.data(), t) : get_head<false>(in.data(), t);
  if (!ok) fail("telemetry: armed is not 0 or 1");
}

std::size_t encode(const TelemetryTail& t, std::span<std::uint8_t> out, endian order) {
  const std::size_t n = end + 2 * t.samples.size();
  if (out.size() < n) fail("telemetry_tail: output buffer too small");
  if (core::needs_swap(order)) {
    put_head<true>(out.data(), t.head);
    put_samples<true>(out.data() + end, t.samples);
  } else {
    put_head<false>(out.data(), t.head);
    put_samples<false>(out.data() + end, t.samples);
  }
  return n;
}

void decode(std::span<const std::uint8_t> in, TelemetryTail& t, endian order) {
  if (in.size() < end || (in.size() - end) % 2 != 0) fail("telemetry_tail: wrong size");
  const std::size_t n = (in.size() - end) / 2;
  bool ok;
  if (core::needs_swap(order)) {
    ok = get_head<true>(in.data(), t.head);
    get_samples<true>(in.data() + end, n, t.samples);
  } else {
    ok = get_head<false>(in.data(), t.head);
    get_samples<false>(in.data() + end, n, t.samples);
  }
  if (!ok) fail("telemetry_tail: head.armed is not 0 or 1");
}

}  // namespace handwritten

// ---- The faces under test, behind one interface ----------------------------
//
//   input  make_input(const M&)                   the value in the face's own form
//   size_t encode(const input&, bytes& out, endian)  into out (already sized), returns bytes written
//   void   decode(span, output&, endian)          into a reused value
//   bool   same(const output&, const M&)          decoded value equals the sample

template <class M>
struct baseline_face {
  using input = M;
  using output = M;
  input make_input(const M& m) const { return m; }
  std::size_t encode(const input& v, core::bytes& out, endian order) const {
    return handwritten::encode(v, std::span<std::uint8_t>(out), order);
  }
  void decode(std::span<const std::uint8_t> in, output& v, endian order) const { handwritten::decode(in, v, order); }
  bool same(const output& v, const M& m) const { return v == m; }
};

template <class M>
struct static_face {
  using input = M;
  using output = M;
  input make_input(const M& m) const { return m; }
  std::size_t encode(const input& v, core::bytes& out, endian order) const {
    return core::encode(v, std::span<std::uint8_t>(out), order);
  }
  void decode(std::span<const std::uint8_t> in, output& v, endian order) const { core::decode_into(in, v, order); }
  bool same(const output& v, const M& m) const { return v == m; }
};

template <class M>
struct dynamic_face {
  using input = nlohmann::json;
  using output = nlohmann::json;
  core::schema schema = core::schema::of<M>();
  input make_input(const M& m) const { return core::to_json(m); }
  std::size_t encode(const input& v, core::bytes& out, endian order) const {
    out.clear();  // keeps the capacity
    core::encode_append(schema, v, out, order);
    return out.size();
  }
  void decode(std::span<const std::uint8_t> in, output& v, endian order) const { v = core::decode(schema, in, order); }
  bool same(const output& v, const M& m) const { return v == core::to_json(m); }
};

// Decoding to JSON text: decode_json writes it with no tree in between; the
// tree path is what comframe decode did before it (decode, then format_json).
template <class M>
struct text_face {
  using output = std::string;
  core::schema schema = core::schema::of<M>();
  void decode(std::span<const std::uint8_t> in, output& v, endian order) const {
    v.clear();  // keeps the capacity
    core::decode_json(schema, in, v, -1, order);
  }
  bool same(const output& v, const M& m) const {
    return v == core::format_json(core::to_json(m), {.scalar_arrays_on_one_line = true, .type = &schema.root()});
  }
};

template <class M>
struct tree_text_face : text_face<M> {
  void decode(std::span<const std::uint8_t> in, std::string& v, endian order) const {
    v = core::format_json(core::decode(this->schema, in, order),
                          {.scalar_arrays_on_one_line = true, .type = &this->schema.root()});
  }
};

// ---- The harness, identical for every face ---------------------------------

template <class Face, class M>
void bm_encode(benchmark::State& state, endian order) {
  const Face face;
  const M value = sample<M>();
  auto input = face.make_input(value);
  const core::bytes expected = core::encode(value, order);
  core::bytes out(expected.size());
  if (face.encode(input, out, order) != expected.size() || out != expected) {
    state.SkipWithError("the encoder's bytes differ from comframe::core::encode");
    return;
  }
  // The byte order is a run-time choice for every face: hide the constant.
  benchmark::DoNotOptimize(order);
  for (auto _ : state) {
    benchmark::DoNotOptimize(input);  // the input may have changed: re-read it
    std::size_t n = face.encode(input, out, order);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();  // the bytes must really be written
  }
}

template <class Face, class M>
void bm_decode(benchmark::State& state, endian order) {
  const Face face;
  const M value = sample<M>();
  const core::bytes in = core::encode(value, order);
  typename Face::output out{};
  face.decode(in, out, order);  // warms the reused value (the tail's capacity)
  if (!face.same(out, value)) {
    state.SkipWithError("the decoder's value differs from the encoded one");
    return;
  }
  const std::uint8_t* data = in.data();
  benchmark::DoNotOptimize(data);  // the input bytes escape: the compiler cannot assume them
  benchmark::DoNotOptimize(order);
  for (auto _ : state) {
    face.decode(in, out, order);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
}

// ---- Registration ----------------------------------------------------------

enum class op { encode, decode };

template <template <class> class Face, class M>
void register_one(const std::string& name, op what, endian order) {
  if (what == op::encode)
    benchmark::RegisterBenchmark(name.c_str(), [order](benchmark::State& s) { bm_encode<Face<M>, M>(s, order); });
  else
    benchmark::RegisterBenchmark(name.c_str(), [order](benchmark::State& s) { bm_decode<Face<M>, M>(s, order); });
}

constexpr std::pair<op, const char*> ops[] = {{op::encode, "encode"}, {op::decode, "decode"}};
constexpr std::pair<endian, const char*> orders[] = {{endian::native, "native"}, {endian::big, "big"}};

// <op>_<message>/{baseline,static,dynamic}/{native,big}
template <class M>
void register_faces(const std::string& message) {
  for (const auto& [what, op_name] : ops) {
    for (const auto& [order, order_name] : orders) {
      const std::string group = std::string(op_name) + "_" + message;
      register_one<baseline_face, M>(group + "/baseline/" + order_name, what, order);
      register_one<static_face, M>(group + "/static/" + order_name, what, order);
      register_one<dynamic_face, M>(group + "/dynamic/" + order_name, what, order);
    }
  }
}

// decode_json_<message>/{baseline,text,tree_text}/{native,big}: the value to JSON
// text against the static face's decode of the same bytes.
template <class M>
void register_json_text(const std::string& message) {
  for (const auto& [order, order_name] : orders) {
    const std::string group = "decode_json_" + message;
    register_one<static_face, M>(group + "/baseline/" + order_name, op::decode, order);
    benchmark::RegisterBenchmark((group + "/text/" + order_name).c_str(),
                                 [order](benchmark::State& s) { bm_decode<text_face<M>, M>(s, order); });
    benchmark::RegisterBenchmark((group + "/tree_text/" + order_name).c_str(),
                                 [order](benchmark::State& s) { bm_decode<tree_text_face<M>, M>(s, order); });
  }
}

// endian_cost/{baseline,big}/{static,handwritten}_<op>_<message>: the same code
// in native order (the group's "baseline") and in big endian, run back to back.
template <class M>
void register_endian_cost(const std::string& message) {
  for (const auto& [what, op_name] : ops) {
    const std::string suffix = std::string("_") + op_name + "_" + message;
    register_one<static_face, M>("endian_cost/baseline/static" + suffix, what, endian::native);
    register_one<static_face, M>("endian_cost/big/static" + suffix, what, endian::big);
    register_one<baseline_face, M>("endian_cost/baseline/handwritten" + suffix, what, endian::native);
    register_one<baseline_face, M>("endian_cost/big/handwritten" + suffix, what, endian::big);
  }
}

const bool registered = [] {
  register_faces<Telemetry>("telemetry");
  register_faces<TelemetryTail>("telemetry_tail");
  register_json_text<Telemetry>("telemetry");
  register_json_text<TelemetryTail>("telemetry_tail");
  register_endian_cost<Telemetry>("telemetry");
  register_endian_cost<TelemetryTail>("telemetry_tail");
  return true;
}();

}  // namespace
}  // namespace bench

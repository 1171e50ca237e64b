// CRC-32C: slicing-by-8 tables for any CPU, the SSE4.2 instruction where present.
#include "comframe/transport/crc32c.hpp"

#include <array>
#include <cstddef>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define COMFRAME_CRC32C_X86 1
#endif

namespace comframe::transport {
namespace {

constexpr std::uint32_t reflected_polynomial = 0x82F63B78u;

// table[0] is the classic byte-at-a-time table; table[k][b] is the CRC of byte
// b followed by k zero bytes, so eight bytes fold in with eight lookups.
constexpr std::array<std::array<std::uint32_t, 256>, 8> make_tables() {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c >> 1) ^ ((c & 1u) ? reflected_polynomial : 0u);
    t[0][b] = c;
  }
  for (std::size_t k = 1; k < 8; ++k)
    for (std::size_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFFu];
  return t;
}

constexpr auto tables = make_tables();

// Little-endian 32-bit load, whatever the host's byte order.
inline std::uint32_t load_le32(const std::uint8_t* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

// Runs on the inverted register (no init/xorout).
std::uint32_t portable_update(std::uint32_t c, const std::uint8_t* p, std::size_t n) noexcept {
  while (n >= 8) {
    const std::uint32_t lo = load_le32(p) ^ c;
    const std::uint32_t hi = load_le32(p + 4);
    c = tables[7][lo & 0xFFu] ^ tables[6][(lo >> 8) & 0xFFu] ^ tables[5][(lo >> 16) & 0xFFu] ^
        tables[4][lo >> 24] ^ tables[3][hi & 0xFFu] ^ tables[2][(hi >> 8) & 0xFFu] ^
        tables[1][(hi >> 16) & 0xFFu] ^ tables[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) c = (c >> 8) ^ tables[0][(c ^ *p++) & 0xFFu];
  return c;
}

#if COMFRAME_CRC32C_X86
// The crc32 instruction has a latency of three cycles but starts one per cycle,
// so three independent streams over adjacent blocks run about three times as
// fast as one; their registers are then combined by "shifting" the first ones
// over the bytes that follow them (CRC is linear: crc(A||B) = shift(crc(A), |B|) ^ crc0(B)).

// shift_tables<L>[k][b] is the register (b << 8k) advanced over L zero bytes.
template <std::size_t L>
constexpr std::array<std::array<std::uint32_t, 256>, 4> make_shift_tables() {
  std::array<std::uint32_t, 32> basis{};
  for (std::size_t bit = 0; bit < 32; ++bit) {
    std::uint32_t c = std::uint32_t{1} << bit;
    for (std::size_t i = 0; i < L; ++i) c = (c >> 8) ^ tables[0][c & 0xFFu];
    basis[bit] = c;
  }
  std::array<std::array<std::uint32_t, 256>, 4> t{};
  for (std::size_t k = 0; k < 4; ++k)
    for (std::size_t b = 0; b < 256; ++b) {
      std::uint32_t v = 0;
      for (std::size_t bit = 0; bit < 8; ++bit)
        if (b & (std::size_t{1} << bit)) v ^= basis[8 * k + bit];
      t[k][b] = v;
    }
  return t;
}

template <std::size_t L>
constexpr auto shift_tables = make_shift_tables<L>();

template <std::size_t L>
inline std::uint32_t shift(std::uint32_t c) noexcept {
  return shift_tables<L>[0][c & 0xFFu] ^ shift_tables<L>[1][(c >> 8) & 0xFFu] ^
         shift_tables<L>[2][(c >> 16) & 0xFFu] ^ shift_tables<L>[3][c >> 24];
}

#if defined(__x86_64__)
// Runs blocks of three streams of L bytes each while at least 3*L bytes are left.
template <std::size_t L>
__attribute__((target("sse4.2"))) inline std::uint64_t sse42_three_streams(std::uint64_t c0, const std::uint8_t*& p,
                                                                           std::size_t& n) noexcept {
  while (n >= 3 * L) {
    std::uint64_t c1 = 0, c2 = 0;
    for (std::size_t i = 0; i < L; i += 8) {
      std::uint64_t v0, v1, v2;
      std::memcpy(&v0, p + i, 8);
      std::memcpy(&v1, p + L + i, 8);
      std::memcpy(&v2, p + 2 * L + i, 8);
      c0 = _mm_crc32_u64(c0, v0);
      c1 = _mm_crc32_u64(c1, v1);
      c2 = _mm_crc32_u64(c2, v2);
    }
    const std::uint32_t c01 = shift<L>(static_cast<std::uint32_t>(c0)) ^ static_cast<std::uint32_t>(c1);
    c0 = shift<L>(c01) ^ static_cast<std::uint32_t>(c2);
    p += 3 * L;
    n -= 3 * L;
  }
  return c0;
}
#endif

__attribute__((target("sse4.2"))) std::uint32_t sse42_update(std::uint32_t c, const std::uint8_t* p,
                                                              std::size_t n) noexcept {
#if defined(__x86_64__)
  std::uint64_t c64 = c;
  c64 = sse42_three_streams<256>(c64, p, n);
  c64 = sse42_three_streams<64>(c64, p, n);
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);  // unaligned loads are fine on x86
    c64 = _mm_crc32_u64(c64, v);
    p += 8;
    n -= 8;
  }
  c = static_cast<std::uint32_t>(c64);
#endif
  while (n >= 4) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    c = _mm_crc32_u32(c, v);
    p += 4;
    n -= 4;
  }
  while (n--) c = _mm_crc32_u8(c, *p++);
  return c;
}
#endif

using update_fn = std::uint32_t (*)(std::uint32_t, const std::uint8_t*, std::size_t) noexcept;

update_fn choose_update() noexcept {
#if COMFRAME_CRC32C_X86
  // May run during another translation unit's static initialisation.
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.2")) return sse42_update;
#endif
  return portable_update;
}

}  // namespace

std::uint32_t crc32c(std::span<const std::uint8_t> data, std::uint32_t crc) noexcept {
  static const update_fn update = choose_update();
  return ~update(~crc, data.data(), data.size());
}

std::uint32_t crc32c_portable(std::span<const std::uint8_t> data, std::uint32_t crc) noexcept {
  return ~portable_update(~crc, data.data(), data.size());
}

bool crc32c_sse42_available() noexcept {
#if COMFRAME_CRC32C_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
#else
  return false;
#endif
}

std::uint32_t crc32c_sse42(std::span<const std::uint8_t> data, std::uint32_t crc) noexcept {
#if COMFRAME_CRC32C_X86
  return ~sse42_update(~crc, data.data(), data.size());
#else
  return crc32c_portable(data, crc);
#endif
}

}  // namespace comframe::transport

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
__attribute__((target("sse4.2"))) std::uint32_t sse42_update(std::uint32_t c, const std::uint8_t* p,
                                                              std::size_t n) noexcept {
#if defined(__x86_64__)
  std::uint64_t c64 = c;
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

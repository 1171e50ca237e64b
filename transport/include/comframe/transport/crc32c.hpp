// comframe/transport/crc32c.hpp — CRC-32C (Castagnoli), the checksum of every frame.
//
// Parameters (the "CRC-32C" of RFC 3720 / iSCSI, ext4, SCTP): polynomial
// 0x1EDC6F41 (reflected 0x82F63B78), reflected input and output, initial value
// 0xFFFFFFFF, final xor 0xFFFFFFFF. Check value: crc32c("123456789") == 0xE3069283.
//
// On x86 CPUs with SSE4.2 the `crc32` instruction computes it; the choice is
// made once, at the first call, from the CPU's feature flags (no build flag
// needed). Elsewhere a portable slicing-by-8 table implementation runs. Both
// give identical results.
//
// Example:
//   std::uint32_t crc = comframe::transport::crc32c(header_bytes);
//   crc = comframe::transport::crc32c(payload_bytes, crc);   // same as over both at once
//
// Thread safety: every function here is reentrant and may be called from any
// number of threads at once.
#pragma once

#include <cstdint>
#include <span>

namespace comframe::transport {

/// CRC-32C of `data`. To checksum data that comes in pieces, pass the result of
/// the previous piece as `crc`: crc32c(b, crc32c(a)) == crc32c(a followed by b).
/// `crc` = 0 (the default) starts a new checksum.
std::uint32_t crc32c(std::span<const std::uint8_t> data, std::uint32_t crc = 0) noexcept;

/// The portable slicing-by-8 implementation of crc32c(), usable on any CPU.
std::uint32_t crc32c_portable(std::span<const std::uint8_t> data, std::uint32_t crc = 0) noexcept;

/// True when this CPU has SSE4.2, so crc32c_sse42() may be called and crc32c() uses it.
bool crc32c_sse42_available() noexcept;

/// crc32c() computed with the SSE4.2 `crc32` instruction. Call it only when
/// crc32c_sse42_available() is true; on builds for other CPUs it falls back to
/// crc32c_portable().
std::uint32_t crc32c_sse42(std::span<const std::uint8_t> data, std::uint32_t crc = 0) noexcept;

}  // namespace comframe::transport

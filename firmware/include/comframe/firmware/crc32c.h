/* comframe/firmware/crc32c.h — CRC-32C (Castagnoli), the checksum of every frame.
 *
 * The CRC of docs/protocol.md ("CRC-32/ISCSI"): polynomial 0x1EDC6F41
 * (reflected 0x82F63B78), reflected in and out, initial value and final xor
 * 0xFFFFFFFF. Check value: cf_crc32c("123456789", 9, 0) == 0xE3069283.
 *
 * Two implementations, chosen when the kit is compiled:
 *   - by default a 1 KiB table in flash (const), one table look-up per byte;
 *   - with COMFRAME_CRC32C_TABLELESS defined, a bit-by-bit loop with no table
 *     (8 shift/xor steps per byte), for parts where 1 KiB of flash counts more
 *     than the cycles.
 *   - with COMFRAME_CRC32C_SLICE16 defined, slicing-by-16: sixteen bytes per
 *     step through sixteen 1 KiB tables (16 KiB in all), about eight times the
 *     speed of the single table on a PC-class CPU; for hosts (a natively built
 *     firmware, a simulator) and parts with flash and cache to spare. Still
 *     portable C: no intrinsics, any byte order and alignment.
 * cf_crc32c_bitwise() is always there (it is small); cf_crc32c() is the chosen one.
 *
 *   uint32_t crc = cf_crc32c(header, 6, 0);
 *   crc = cf_crc32c(payload, size, crc);     // the same as over both at once
 *
 * Reentrant: no state outside the arguments. */
#ifndef COMFRAME_FIRMWARE_CRC32C_H
#define COMFRAME_FIRMWARE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** CRC-32C of `size` bytes at `data`, continuing from `crc`, the result over
 *  the bytes before them (0 starts a new checksum). `data` may be NULL when
 *  `size` is 0. */
uint32_t cf_crc32c(const void *data, size_t size, uint32_t crc);

/** The same computed bit by bit, with no table (what COMFRAME_CRC32C_TABLELESS selects). */
uint32_t cf_crc32c_bitwise(const void *data, size_t size, uint32_t crc);

#ifdef __cplusplus
}
#endif

#endif

/* comframe/firmware/frame.h — the frame header and frame encoding.
 *
 * A frame before COBS (docs/protocol.md; all multi-byte fields little-endian):
 *   offset 0    u8   version   COMFRAME_PROTOCOL_VERSION (1)
 *   offset 1    u8   kind      cf_kind
 *   offset 2    u16  command   command or event id
 *   offset 4    u16  sequence  a reply carries its request's; 0 = no reply wanted
 *   offset 6    N    payload
 *   offset 6+N  u32  crc       CRC-32C of bytes 0..6+N-1
 * then COBS-encoded and followed by one 0x00.
 *
 * Into a buffer:
 *   uint8_t wire[COMFRAME_MAX_ENCODED_FRAME_SIZE(8)];
 *   cf_header h = {COMFRAME_PROTOCOL_VERSION, CF_KIND_EVENT, 0x0010, 0};
 *   size_t n = cf_frame_encode(&h, sample, 8, wire, sizeof wire);   // ends with 0x00
 * Byte by byte to a putc-style callback, the payload in as many pieces as suits
 * (generated code writes field by field), with no frame buffer at all:
 *   cf_frame_writer w;                       // 254-byte COBS lookahead inside
 *   cf_frame_writer_begin(&w, &h, uart_putc, uart);
 *   cf_frame_writer_write(&w, &temperature, 2);
 *   cf_frame_writer_write(&w, &humidity, 2);
 *   cf_frame_writer_end(&w);                 // CRC, last COBS block, 0x00
 *
 * Reentrant; a writer is used by one context at a time. */
#ifndef COMFRAME_FIRMWARE_FRAME_H
#define COMFRAME_FIRMWARE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "comframe/firmware/cobs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define COMFRAME_PROTOCOL_VERSION 1u
#define COMFRAME_HEADER_SIZE 6u
#define COMFRAME_CRC_SIZE 4u
/** Bytes of a frame with an empty payload before COBS: header and CRC. */
#define COMFRAME_MIN_FRAME_SIZE 10u
/** The protocol's payload limit: a comframe host refuses larger frames. */
#define COMFRAME_MAX_PAYLOAD_SIZE 4096u
/** Bytes of a frame before COBS. */
#define COMFRAME_FRAME_SIZE(payload_size) (COMFRAME_MIN_FRAME_SIZE + (payload_size))
/** Most bytes a frame takes on the wire: COBS overhead and the 0x00 included. */
#define COMFRAME_MAX_ENCODED_FRAME_SIZE(payload_size) \
  (COMFRAME_COBS_MAX_ENCODED_SIZE(COMFRAME_FRAME_SIZE(payload_size)) + 1u)

/** A frame's kind. The decoder refuses other values (bad_kind). */
typedef enum cf_kind { CF_KIND_REQUEST = 0, CF_KIND_RESPONSE = 1, CF_KIND_EVENT = 2, CF_KIND_ERROR = 3 } cf_kind;

typedef struct cf_header {
  uint8_t version;   /* COMFRAME_PROTOCOL_VERSION */
  uint8_t kind;      /* a cf_kind */
  uint16_t command;
  uint16_t sequence;
} cf_header;

/** Writes the header's COMFRAME_HEADER_SIZE bytes, little-endian. */
void cf_header_write(const cf_header *header, uint8_t *out);
/** Reads a header from COMFRAME_HEADER_SIZE bytes, as they are (nothing checked). */
void cf_header_read(const uint8_t *in, cf_header *header);

/** Encodes a whole frame into `out` and returns its bytes, the 0x00 included;
 *  0 when `capacity` is below COMFRAME_MAX_ENCODED_FRAME_SIZE(payload_size)
 *  (then nothing is written). The header is written as given, not checked. */
size_t cf_frame_encode(const cf_header *header, const void *payload, size_t payload_size, uint8_t *out,
                       size_t capacity);

/** A frame being written to a putc-style callback. Fields are private. */
typedef struct cf_frame_writer {
  cf_cobs_encoder cobs;
  uint32_t crc;
  uint8_t lookahead[COMFRAME_COBS_MAX_BLOCK_DATA];
} cf_frame_writer;

/** Starts a frame: the header goes into the COBS lookahead (nothing may reach
 *  `putc` before the first 0x00 of the frame or its 254th byte). */
void cf_frame_writer_begin(cf_frame_writer *w, const cf_header *header, cf_putc_fn putc, void *user);
/** Appends `size` payload bytes. */
void cf_frame_writer_write(cf_frame_writer *w, const void *data, size_t size);
/** Appends the CRC, sends what is held back and the 0x00 delimiter. */
void cf_frame_writer_end(cf_frame_writer *w);

#ifdef __cplusplus
}
#endif

#endif

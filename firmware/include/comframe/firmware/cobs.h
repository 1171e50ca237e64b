/* comframe/firmware/cobs.h — Consistent Overhead Byte Stuffing.
 *
 * COBS (Cheshire and Baker, 1999) rewrites bytes so that they contain no 0x00,
 * at a cost of one byte per 254 (at least one), so 0x00 can end each frame on
 * the line. The encoding is a series of blocks, a code byte c (1..255) then
 * c-1 data bytes; a block with c < 255 stands for its data and one 0x00,
 * except the frame's last block; a block with c = 255 implies no 0x00.
 * docs/protocol.md has examples; these functions give exactly the bytes of the
 * host's transport/cobs.hpp (and never write the optional empty block after a
 * final full one, which the decoder accepts).
 *
 * Two ways to encode:
 *   - into a buffer:  n = cf_cobs_encode(data, size, out, sizeof out);
 *   - piece by piece, to a buffer or to a putc-style callback:
 *       cf_cobs_encoder e;
 *       cf_cobs_encoder_init_putc(&e, lookahead, uart_putc, uart);   // lookahead: 254 bytes
 *       cf_cobs_encoder_write(&e, header, 6);
 *       cf_cobs_encoder_write(&e, payload, size);
 *       cf_cobs_encoder_finish(&e);
 *     A block's code byte is its length, so a block is held back until it ends:
 *     the callback gets nothing until the first 0x00 of the input or the 254th
 *     byte, and the 254-byte lookahead buffer is all the encoder needs.
 * Decoding: cf_cobs_decode() for a whole buffer; cf_cobs_decoder_step() byte by
 * byte (the frame decoder uses it).
 *
 * Reentrant; an encoder or decoder object is used by one context at a time. */
#ifndef COMFRAME_FIRMWARE_COBS_H
#define COMFRAME_FIRMWARE_COBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most bytes COBS makes of `size` bytes: size plus one per started 254, at least 1. */
#define COMFRAME_COBS_MAX_ENCODED_SIZE(size) ((size) == 0 ? 1u : (size) + ((size) + 253u) / 254u)

/** Data bytes a COBS block holds at most, and the size of a putc encoder's lookahead buffer. */
#define COMFRAME_COBS_MAX_BLOCK_DATA 254u

/** Takes one output byte; `user` is what the encoder was given. */
typedef void (*cf_putc_fn)(void *user, uint8_t byte);

/** An encoder in progress. Fields are private; see cf_cobs_encoder_init_*. */
typedef struct cf_cobs_encoder {
  uint8_t *out;       /* the whole output (buffer mode) or the lookahead (putc mode) */
  size_t capacity;    /* bytes at out */
  size_t pos;         /* next data byte goes to out[pos] */
  size_t code_pos;    /* buffer mode: where the open block's code byte goes */
  cf_putc_fn putc;    /* NULL in buffer mode */
  void *putc_user;
  uint8_t run;        /* data bytes in the open block, 0..254 */
  bool open;          /* false right after a full 254-byte block */
  bool overflow;      /* buffer mode: the output did not fit */
} cf_cobs_encoder;

/** Encodes into `out` (`capacity` bytes; COMFRAME_COBS_MAX_ENCODED_SIZE of the
 *  whole input always suffices). */
void cf_cobs_encoder_init_buffer(cf_cobs_encoder *e, uint8_t *out, size_t capacity);
/** Encodes to `putc`, a block at a time, holding each block in `lookahead`
 *  (COMFRAME_COBS_MAX_BLOCK_DATA bytes, the caller's; it may live in the same
 *  struct as the encoder). */
void cf_cobs_encoder_init_putc(cf_cobs_encoder *e, uint8_t *lookahead, cf_putc_fn putc, void *user);
/** Encodes the next `size` bytes of input. */
void cf_cobs_encoder_write(cf_cobs_encoder *e, const void *data, size_t size);
/** Ends the encoding (the last block goes out; no 0x00 is added). Returns the
 *  bytes written in buffer mode, 0 if they did not fit (nothing usable was
 *  written); 0 in putc mode. */
size_t cf_cobs_encoder_finish(cf_cobs_encoder *e);

/** COBS-encodes `size` bytes into `out` and returns the bytes written, or 0
 *  when `capacity` is below COMFRAME_COBS_MAX_ENCODED_SIZE(size) (then nothing
 *  is written). `data` and `out` must not overlap. */
size_t cf_cobs_encode(const void *data, size_t size, uint8_t *out, size_t capacity);

/** Decodes `size` COBS bytes (no 0x00 delimiter) into `out`. Returns false
 *  when they are not valid COBS (empty, a 0x00 in them, a block running past
 *  the end) or the result does not fit in `capacity` bytes (it never takes
 *  more than size - 1); else true with the decoded size in *decoded_size. */
bool cf_cobs_decode(const uint8_t *encoded, size_t size, uint8_t *out, size_t capacity, size_t *decoded_size);

/** Byte-by-byte COBS decoding. Start from {0, 0}. */
typedef struct cf_cobs_decoder {
  uint8_t left; /* data bytes still to come in the open block */
  uint8_t code; /* the open block's code byte; 0 before the first */
} cf_cobs_decoder;

/** Takes one encoded byte (not 0x00). Returns true and sets *out when it
 *  completes a decoded byte: a data byte, or the 0x00 a block implies, which is
 *  known only when the next block starts (the last block implies none). */
static inline bool cf_cobs_decoder_step(cf_cobs_decoder *d, uint8_t byte, uint8_t *out) {
  if (d->left == 0) {
    const uint8_t previous = d->code;
    d->code = byte;
    d->left = (uint8_t)(byte - 1u);
    *out = 0;
    return previous != 0 && previous != 0xFF;
  }
  --d->left;
  *out = byte;
  return true;
}

/** True when the bytes stepped so far are a whole COBS encoding (no block cut short). */
static inline bool cf_cobs_decoder_complete(const cf_cobs_decoder *d) { return d->code != 0 && d->left == 0; }

#ifdef __cplusplus
}
#endif

#endif

/* comframe/firmware/decoder.h — the streaming frame decoder, with resync.
 *
 * Takes the line's bytes one at a time (from a UART receive interrupt) or a
 * block at a time (from DMA), finds frames by their 0x00, COBS-decodes them
 * on the fly straight into the caller's frame buffer, checks size, CRC,
 * version and kind exactly as the host's transport::frame_decoder does, and
 * counts what it refuses in the same counters. Every 0x00 ends a frame, so
 * after garbage, a cut frame, a bad CRC or an oversize frame the decoder is
 * back in step at the next 0x00 and the frame after it arrives intact.
 *
 * Good frames wait in the caller's buffer, in slots of
 * COMFRAME_DECODER_SLOT_SIZE(max_payload_size) bytes (header, payload and
 * CRC), until the caller has handled them: one slot for a main loop that
 * handles each frame before it feeds more, two or more for a decoder fed from
 * an interrupt while the main loop handles the frame before. A frame that
 * starts while every slot is full is dropped and counted in `overrun`.
 *
 *   static uint8_t rx[2 * COMFRAME_DECODER_SLOT_SIZE(256)];
 *   static cf_decoder dec;
 *   cf_decoder_init(&dec, rx, sizeof rx, 256);         // payloads up to 256 bytes
 *
 *   void UART0_IRQHandler(void) { cf_decoder_push(&dec, UART0->DR); }   // the producer
 *
 *   for (;;) {                                         // the main loop, the consumer
 *     cf_frame f;
 *     while (cf_decoder_next_frame(&dec, &f)) { handle(&f); cf_decoder_release_frame(&dec); }
 *     wait_for_interrupt();
 *   }
 *
 * Contexts: one producer (push/feed/reset) and one consumer
 * (next_frame/release_frame) may run at once, e.g. an interrupt handler and
 * the main loop on one core: they share only two one-byte counters, each
 * written by one side. COMFRAME_DECODER_BARRIER() (a compiler barrier with GCC
 * and Clang) orders the frame's bytes against them; define it as a memory
 * barrier (__DMB on a Cortex-M7 with caches, or for two cores) before
 * including this header where that is needed. stats is written by the
 * producer. */
#ifndef COMFRAME_FIRMWARE_DECODER_H
#define COMFRAME_FIRMWARE_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "comframe/firmware/cobs.h"
#include "comframe/firmware/frame.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most frames a decoder queues (slots beyond it are not used). */
#ifndef COMFRAME_DECODER_MAX_SLOTS
#define COMFRAME_DECODER_MAX_SLOTS 4u
#endif
/* The slot count and the ISR/main-loop counters are single bytes. */
#if COMFRAME_DECODER_MAX_SLOTS < 1 || COMFRAME_DECODER_MAX_SLOTS > 255
#error "COMFRAME_DECODER_MAX_SLOTS must be 1 to 255"
#endif

#ifndef COMFRAME_DECODER_BARRIER
#if defined(__GNUC__) || defined(__clang__)
#define COMFRAME_DECODER_BARRIER() __asm__ __volatile__("" ::: "memory")
#else
#define COMFRAME_DECODER_BARRIER() ((void)0)
#endif
#endif

/** Bytes of one frame slot for payloads up to `max_payload_size`: the frame
 *  after COBS decoding (header, payload, CRC). */
#define COMFRAME_DECODER_SLOT_SIZE(max_payload_size) COMFRAME_FRAME_SIZE(max_payload_size)

/** What the decoder has seen. Every refused frame is in exactly one error
 *  counter; the counters wrap at 2^32. The first ten are those of the host's
 *  transport::decoder_stats, counting the same frames. */
typedef struct cf_decoder_stats {
  uint32_t frames;        /* good frames queued */
  uint32_t bytes;         /* every byte fed, delimiters and garbage included */
  uint32_t empty_frames;  /* 0x00 right after 0x00 (or first): ignored, not an error */
  uint32_t cobs_errors;   /* not valid COBS: a block runs past the frame's end */
  uint32_t too_short;     /* fewer than COMFRAME_MIN_FRAME_SIZE bytes after COBS decoding */
  uint32_t oversize;      /* more than the decoder's maximum; never buffered */
  uint32_t crc_errors;    /* the CRC-32C does not match */
  uint32_t bad_version;   /* CRC good, version is not COMFRAME_PROTOCOL_VERSION */
  uint32_t bad_kind;      /* CRC good, kind is not a cf_kind */
  uint32_t truncated;     /* partial frames dropped by cf_decoder_reset() */
  uint32_t overrun;       /* frames dropped unchecked because every slot was full (the host has no such counter) */
} cf_decoder_stats;

/** A good frame, pointing into the decoder's slot: valid until it is released. */
typedef struct cf_frame {
  cf_header header;
  const uint8_t *payload;
  size_t payload_size;
  const uint8_t *bytes; /* the whole frame before COBS: header, payload, CRC */
  size_t size;
} cf_frame;

/** A decoder. Fields are private but for stats. */
typedef struct cf_decoder {
  cf_decoder_stats stats;
  uint8_t *slots;
  size_t slot_size;
  size_t max_raw_size;    /* a frame's COBS bytes at most, without the 0x00 */
  size_t raw_size;        /* COBS bytes of the frame so far, stops at max_raw_size + 1 */
  size_t decoded_size;    /* its decoded bytes, stops at slot_size + 1 */
  size_t crc_size;        /* of them, those cf_decoder_feed() has taken into crc */
  uint32_t crc;           /* their CRC-32C so far */
  size_t frame_sizes[COMFRAME_DECODER_MAX_SLOTS];
  cf_cobs_decoder cobs;
  uint8_t slot_count;
  uint8_t write_slot;     /* producer's: where the frame being received goes */
  uint8_t read_slot;      /* consumer's: the oldest queued frame */
  bool dropping;          /* the frame being received has no slot */
  volatile uint8_t produced;  /* frames queued, mod 256 (written by the producer) */
  volatile uint8_t consumed;  /* frames released, mod 256 (written by the consumer) */
} cf_decoder;

/** Makes a decoder for payloads up to `max_payload_size` bytes, queueing
 *  frames in `buffer` (`buffer_size` bytes: one slot per
 *  COMFRAME_DECODER_SLOT_SIZE(max_payload_size) bytes, at most
 *  COMFRAME_DECODER_MAX_SLOTS). Returns false when the buffer holds no slot
 *  (the decoder then drops every frame, counting it in stats.overrun). */
bool cf_decoder_init(cf_decoder *d, uint8_t *buffer, size_t buffer_size, size_t max_payload_size);

/** Takes one byte from the line. Returns true when it completed a good frame
 *  (now queued). Never blocks and never refuses a byte. */
bool cf_decoder_push(cf_decoder *d, uint8_t byte);

/** Takes up to `size` bytes, stopping right after a byte that completed a good
 *  frame, and returns how many it took. A main loop handles the frame and
 *  feeds the rest; an interrupt handler calls it again until all are taken
 *  (frames then queue in the slots):
 *    while (size != 0) { size_t n = cf_decoder_feed(&dec, p, size); p += n; size -= n; } */
size_t cf_decoder_feed(cf_decoder *d, const uint8_t *bytes, size_t size);

/** Drops a partly received frame (call it when the line was broken or
 *  reopened), counting it in stats.truncated if there was one. Queued frames stay. */
void cf_decoder_reset(cf_decoder *d);

/** The oldest queued frame, left queued: true and *frame set, or false when
 *  none waits. Calling it again gives the same frame until it is released. */
bool cf_decoder_next_frame(cf_decoder *d, cf_frame *frame);
/** Frees the oldest queued frame's slot (its cf_frame is invalid from now on). */
void cf_decoder_release_frame(cf_decoder *d);

/** Frames queued, not yet released. */
size_t cf_decoder_queued(const cf_decoder *d);

#ifdef __cplusplus
}
#endif

#endif

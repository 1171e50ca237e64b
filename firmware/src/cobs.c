/* COBS, byte by byte: small rather than fast (see cobs.h). */
#include "comframe/firmware/cobs.h"

#include <string.h>

/* Opens a block: in buffer mode its code byte's place is kept. */
static void open_block(cf_cobs_encoder *e) {
  e->code_pos = e->pos;
  if (e->putc == NULL) ++e->pos;
  e->run = 0;
  e->open = true;
}

/* Ends the open block with its code byte; in putc mode it goes out now. */
static void close_block(cf_cobs_encoder *e, uint8_t code) {
  if (e->putc != NULL) {
    size_t i;
    e->putc(e->putc_user, code);
    for (i = 0; i < e->run; ++i) e->putc(e->putc_user, e->out[i]);
    e->pos = 0;
  } else {
    e->out[e->code_pos] = code;
  }
}

void cf_cobs_encoder_init_buffer(cf_cobs_encoder *e, uint8_t *out, size_t capacity) {
  memset(e, 0, sizeof *e);
  e->out = out;
  e->capacity = capacity;
  e->overflow = capacity == 0;
  if (!e->overflow) open_block(e);
}

void cf_cobs_encoder_init_putc(cf_cobs_encoder *e, uint8_t *lookahead, cf_putc_fn putc, void *user) {
  memset(e, 0, sizeof *e);
  e->out = lookahead;
  e->capacity = COMFRAME_COBS_MAX_BLOCK_DATA;
  e->putc = putc;
  e->putc_user = user;
  open_block(e);
}

void cf_cobs_encoder_write(cf_cobs_encoder *e, const void *data, size_t size) {
  const uint8_t *p = (const uint8_t *)data;
  size_t i;
  for (i = 0; i < size && !e->overflow; ++i) {
    /* Room for this byte, or the next code byte it makes, and a block it may open. */
    if (e->putc == NULL && e->pos + (e->open ? 1u : 2u) > e->capacity) {
      e->overflow = true;
      break;
    }
    if (!e->open) open_block(e);
    if (p[i] == 0) {
      close_block(e, (uint8_t)(e->run + 1u));
      open_block(e);
    } else {
      e->out[e->pos++] = p[i];
      if (++e->run == COMFRAME_COBS_MAX_BLOCK_DATA) {
        close_block(e, 0xFF);
        e->open = false;
      }
    }
  }
}

size_t cf_cobs_encoder_finish(cf_cobs_encoder *e) {
  if (e->overflow) return 0;
  if (e->open) close_block(e, (uint8_t)(e->run + 1u));
  e->open = false;
  return e->putc == NULL ? e->pos : 0;
}

size_t cf_cobs_encode(const void *data, size_t size, uint8_t *out, size_t capacity) {
  cf_cobs_encoder e;
  if (capacity < COMFRAME_COBS_MAX_ENCODED_SIZE(size)) return 0;
  cf_cobs_encoder_init_buffer(&e, out, capacity);
  cf_cobs_encoder_write(&e, data, size);
  return cf_cobs_encoder_finish(&e);
}

bool cf_cobs_decode(const uint8_t *encoded, size_t size, uint8_t *out, size_t capacity, size_t *decoded_size) {
  cf_cobs_decoder d = {0, 0};
  size_t i, n = 0;
  uint8_t byte;
  for (i = 0; i < size; ++i) {
    if (encoded[i] == 0) return false;
    if (cf_cobs_decoder_step(&d, encoded[i], &byte)) {
      if (n == capacity) return false;
      out[n++] = byte;
    }
  }
  if (!cf_cobs_decoder_complete(&d)) return false;
  *decoded_size = n;
  return true;
}

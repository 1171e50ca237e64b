/* The frame header, whole-frame encoding and the streaming frame writer. */
#include "comframe/firmware/frame.h"

#include "comframe/firmware/crc32c.h"

static void store_le16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void store_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

void cf_header_write(const cf_header *header, uint8_t *out) {
  out[0] = header->version;
  out[1] = header->kind;
  store_le16(out + 2, header->command);
  store_le16(out + 4, header->sequence);
}

void cf_header_read(const uint8_t *in, cf_header *header) {
  header->version = in[0];
  header->kind = in[1];
  header->command = (uint16_t)(in[2] | (unsigned)in[3] << 8);
  header->sequence = (uint16_t)(in[4] | (unsigned)in[5] << 8);
}

/* Header into the encoder and the CRC, the start of both ways to encode. */
static uint32_t put_header(cf_cobs_encoder *e, const cf_header *header) {
  uint8_t head[COMFRAME_HEADER_SIZE];
  cf_header_write(header, head);
  cf_cobs_encoder_write(e, head, sizeof head);
  return cf_crc32c(head, sizeof head, 0);
}

static void put_crc(cf_cobs_encoder *e, uint32_t crc) {
  uint8_t tail[COMFRAME_CRC_SIZE];
  store_le32(tail, crc);
  cf_cobs_encoder_write(e, tail, sizeof tail);
}

size_t cf_frame_encode(const cf_header *header, const void *payload, size_t payload_size, uint8_t *out,
                       size_t capacity) {
  cf_cobs_encoder e;
  size_t n;
  uint32_t crc;
  if (payload_size > SIZE_MAX / 2 || capacity < COMFRAME_MAX_ENCODED_FRAME_SIZE(payload_size))
    return 0;
  cf_cobs_encoder_init_buffer(&e, out, capacity - 1);
  crc = put_header(&e, header);
  cf_cobs_encoder_write(&e, payload, payload_size);
  put_crc(&e, cf_crc32c(payload, payload_size, crc));
  n = cf_cobs_encoder_finish(&e);
  out[n] = 0x00;
  return n + 1;
}

void cf_frame_writer_begin(cf_frame_writer *w, const cf_header *header, cf_putc_fn putc, void *user) {
  cf_cobs_encoder_init_putc(&w->cobs, w->lookahead, putc, user);
  w->crc = put_header(&w->cobs, header);
}

void cf_frame_writer_write(cf_frame_writer *w, const void *data, size_t size) {
  cf_cobs_encoder_write(&w->cobs, data, size);
  w->crc = cf_crc32c(data, size, w->crc);
}

void cf_frame_writer_end(cf_frame_writer *w) {
  put_crc(&w->cobs, w->crc);
  (void)cf_cobs_encoder_finish(&w->cobs);
  w->cobs.putc(w->cobs.putc_user, 0x00);
}

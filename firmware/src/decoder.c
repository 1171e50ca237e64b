/* The streaming frame decoder (see decoder.h). The checks and their order are
 * those of the host's transport::frame_decoder: buffered size, COBS, decoded
 * size, CRC, version, kind. */
#include "comframe/firmware/decoder.h"

#include <string.h>

#include "comframe/firmware/crc32c.h"

static uint32_t load_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t queued(const cf_decoder *d) { return (uint8_t)(d->produced - d->consumed); }

bool cf_decoder_init(cf_decoder *d, uint8_t *buffer, size_t buffer_size, size_t max_payload_size) {
  size_t slots = 0;
  memset(d, 0, sizeof *d);
  d->slots = buffer;
  if (max_payload_size <= SIZE_MAX / 2) {
    d->slot_size = COMFRAME_DECODER_SLOT_SIZE(max_payload_size);
    d->max_raw_size = COMFRAME_COBS_MAX_ENCODED_SIZE(d->slot_size);
    slots = buffer_size / d->slot_size;
  }
  d->slot_count = (uint8_t)(slots < COMFRAME_DECODER_MAX_SLOTS ? slots : COMFRAME_DECODER_MAX_SLOTS);
  return d->slot_count != 0;
}

/* Checks a frame whose 0x00 just arrived; true if it is good (then it is queued). */
static bool end_frame(cf_decoder *d) {
  const size_t raw_size = d->raw_size;
  const size_t size = d->decoded_size;
  const uint8_t *frame = d->slots + (size_t)d->write_slot * d->slot_size;
  cf_header header;
  d->raw_size = 0;
  if (raw_size == 0) {
    ++d->stats.empty_frames;
    return false;
  }
  if (d->dropping) {
    d->dropping = false;
    ++d->stats.overrun;
    return false;
  }
  if (raw_size > d->max_raw_size) {
    ++d->stats.oversize;
    return false;
  }
  if (!cf_cobs_decoder_complete(&d->cobs)) {
    ++d->stats.cobs_errors;
    return false;
  }
  if (size < COMFRAME_MIN_FRAME_SIZE) {
    ++d->stats.too_short;
    return false;
  }
  if (size > d->slot_size) {
    ++d->stats.oversize;
    return false;
  }
  if (cf_crc32c(frame, size - COMFRAME_CRC_SIZE, 0) != load_le32(frame + size - COMFRAME_CRC_SIZE)) {
    ++d->stats.crc_errors;
    return false;
  }
  cf_header_read(frame, &header);
  if (header.version != COMFRAME_PROTOCOL_VERSION) {
    ++d->stats.bad_version;
    return false;
  }
  if (header.kind > CF_KIND_ERROR) {
    ++d->stats.bad_kind;
    return false;
  }
  d->frame_sizes[d->write_slot] = size;
  d->write_slot = (uint8_t)((d->write_slot + 1u) % d->slot_count);
  ++d->stats.frames;
  COMFRAME_DECODER_BARRIER(); /* the frame's bytes before the count that publishes them */
  d->produced = (uint8_t)(d->produced + 1u);
  return true;
}

bool cf_decoder_push(cf_decoder *d, uint8_t byte) {
  uint8_t decoded;
  ++d->stats.bytes;
  if (byte == 0) return end_frame(d);
  if (d->raw_size == 0) {
    /* A frame starts: it needs a free slot. */
    d->dropping = queued(d) >= d->slot_count;
    d->decoded_size = 0;
    d->cobs.left = 0;
    d->cobs.code = 0;
  }
  if (d->raw_size > d->max_raw_size) return false; /* oversize: dropped as it streams by */
  ++d->raw_size;
  if (d->dropping || !cf_cobs_decoder_step(&d->cobs, byte, &decoded)) return false;
  if (d->decoded_size < d->slot_size)
    d->slots[(size_t)d->write_slot * d->slot_size + d->decoded_size] = decoded;
  ++d->decoded_size; /* past slot_size it is only counted: refused as oversize at the 0x00 */
  return false;
}

size_t cf_decoder_feed(cf_decoder *d, const uint8_t *bytes, size_t size) {
  size_t i;
  for (i = 0; i < size;)
    if (cf_decoder_push(d, bytes[i++])) break;
  return i;
}

void cf_decoder_reset(cf_decoder *d) {
  if (d->raw_size != 0) ++d->stats.truncated;
  d->raw_size = 0;
  d->dropping = false;
}

bool cf_decoder_next_frame(cf_decoder *d, cf_frame *frame) {
  const uint8_t *bytes;
  if (queued(d) == 0) return false;
  COMFRAME_DECODER_BARRIER(); /* the count before the frame's bytes */
  bytes = d->slots + (size_t)d->read_slot * d->slot_size;
  frame->bytes = bytes;
  frame->size = d->frame_sizes[d->read_slot];
  cf_header_read(bytes, &frame->header);
  frame->payload = bytes + COMFRAME_HEADER_SIZE;
  frame->payload_size = frame->size - COMFRAME_MIN_FRAME_SIZE;
  return true;
}

void cf_decoder_release_frame(cf_decoder *d) {
  if (queued(d) == 0) return;
  d->read_slot = (uint8_t)((d->read_slot + 1u) % d->slot_count);
  COMFRAME_DECODER_BARRIER(); /* done with the frame's bytes before its slot is freed */
  d->consumed = (uint8_t)(d->consumed + 1u);
}

size_t cf_decoder_queued(const cf_decoder *d) { return queued(d); }

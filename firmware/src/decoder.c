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
  /* The CRC of the bytes cf_decoder_feed() has not yet taken into it. */
  if (cf_crc32c(frame + d->crc_size, size - COMFRAME_CRC_SIZE - d->crc_size, d->crc) !=
      load_le32(frame + size - COMFRAME_CRC_SIZE)) {
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
    d->crc = 0;
    d->crc_size = 0;
  }
  if (d->raw_size > d->max_raw_size) return false; /* oversize: dropped as it streams by */
  ++d->raw_size;
  if (d->dropping || !cf_cobs_decoder_step(&d->cobs, byte, &decoded)) return false;
  if (d->decoded_size < d->slot_size)
    d->slots[(size_t)d->write_slot * d->slot_size + d->decoded_size] = decoded;
  ++d->decoded_size; /* past slot_size it is only counted: refused as oversize at the 0x00 */
  return false;
}

/* Takes bytes from bytes[i] on while a frame with a slot is under way, far from
 * its limits, up to the next 0x00: what cf_decoder_push() does for each, block
 * by block (a block's data is copied whole; its code byte adds the 0x00 the
 * block before stands for). Returns where it stopped; push() takes that byte.
 * Not inlined where GCC or Clang would: beside push() rather than on top of
 * it, it keeps cf_decoder_feed()'s deepest stack to push()'s. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static size_t run(cf_decoder *d, const uint8_t *bytes, size_t i, size_t size) {
  uint8_t *const slot = d->slots + (size_t)d->write_slot * d->slot_size;
  size_t decoded = d->decoded_size, end = size - i, left = d->cobs.left;
  size_t crc_size = d->crc_size;
  uint32_t crc = d->crc;
  uint8_t code = d->cobs.code;
  const size_t start = i;
  const uint8_t *zero;
  /* Each byte taken adds at most one decoded byte: both limits hold to the end. */
  if (end > d->max_raw_size - d->raw_size) end = d->max_raw_size - d->raw_size;
  if (end > d->slot_size - decoded) end = d->slot_size - decoded;
  zero = (const uint8_t *)memchr(bytes + i, 0, end);
  end = zero != NULL ? (size_t)(zero - bytes) : i + end;
  /* The rest of the open block, then whole blocks: code byte, data. */
  while (i < end) {
    size_t n;
    if (left == 0) {
      /* A code byte: the block before stands for a 0x00 unless it was full
       * (code is not 0 here: the frame's first byte went through push()). */
      slot[decoded] = 0;
      decoded += code != 0xFF;
      code = bytes[i++];
      left = code - 1u;
    }
    n = end - i;
    if (n > left) n = left;
    /* A short block (the usual) as one fixed-size copy where both sides have
     * room: the bytes past n are overwritten by what follows. */
    if (n <= 16 && end - i >= 16 && d->slot_size - decoded >= 16)
      memcpy(slot + decoded, bytes + i, 16);
    else
      memcpy(slot + decoded, bytes + i, n);
    decoded += n;
    left -= n;
    i += n;
    /* The CRC of what is decoded, 64 bytes or more at a time, meanwhile: on a
     * CPU that runs ahead it overlaps the COBS work. Bytes before `decoded`
     * are final, and all but its last four are in the CRC's range. */
    if (decoded >= crc_size + COMFRAME_CRC_SIZE + 64) {
      const size_t chunk = (decoded - COMFRAME_CRC_SIZE - crc_size) & ~(size_t)15;
      crc = cf_crc32c(slot + crc_size, chunk, crc);
      crc_size += chunk;
    }
  }
  d->crc = crc;
  d->crc_size = crc_size;
  d->raw_size += i - start;
  d->decoded_size = decoded;
  d->cobs.left = (uint8_t)left;
  d->cobs.code = code;
  d->stats.bytes += (uint32_t)(i - start);
  return i;
}

size_t cf_decoder_feed(cf_decoder *d, const uint8_t *bytes, size_t size) {
  size_t i = 0;
  while (i < size) {
    if (d->raw_size != 0 && !d->dropping && d->raw_size < d->max_raw_size && d->decoded_size < d->slot_size) {
      i = run(d, bytes, i, size);
      if (i == size) break;
    }
    if (cf_decoder_push(d, bytes[i++])) break;
  }
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

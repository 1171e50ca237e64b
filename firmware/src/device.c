/* The dispatcher, error replies, describe and events (see device.h). */
#include "comframe/firmware/device.h"

#include <string.h>

#include "comframe/firmware/crc32c.h"

static const char too_large_message[] = "the reply exceeds the maximum payload size";

/* `size` bytes of `value`, little-endian. */
static void store_le(uint8_t *out, uint64_t value, size_t size) {
  size_t i;
  for (i = 0; i < size; ++i) out[i] = (uint8_t)(value >> (8 * i));
}

void cf_device_init(cf_device *dev, const cf_device_config *config) {
  memset(dev, 0, sizeof *dev);
  dev->config = *config;
}

uint64_t cf_fnv1a64(const void *data, size_t size) {
  const uint8_t *p = (const uint8_t *)data;
  uint64_t h = 0xcbf29ce484222325u;
  size_t i;
  for (i = 0; i < size; ++i) {
    h ^= p[i];
    h *= 0x100000001b3u;
  }
  return h;
}

/* Replies and events are sent from where their bytes already are (the header
 * and CRC on the stack, the payload in the reply buffer, the event's payload,
 * flash), as a list of pieces: COBS needs to see up to 254 bytes ahead to
 * write a block's code byte, and it looks ahead in the pieces themselves, so
 * the device keeps no lookahead buffer. The bytes on the line are exactly those
 * of cf_frame_writer (and of the host's encoder). */
typedef struct piece {
  const uint8_t *data;
  size_t size;
} piece;

/* The byte at `pos` of the pieces laid end to end (pos is below their total). */
static uint8_t byte_at(const piece *pieces, size_t pos) {
  while (pos >= pieces->size) pos -= (pieces++)->size;
  return pieces->data[pos];
}

/* COBS-encodes the `total` bytes of the pieces to putc, as cf_cobs_encoder
 * does (no empty block after a final full one; no 0x00 at the end). */
static void cobs_send(const piece *pieces, size_t total, cf_putc_fn putc, void *user) {
  size_t pos = 0;
  for (;;) {
    size_t run = 0, k;
    while (run < COMFRAME_COBS_MAX_BLOCK_DATA && pos + run < total && byte_at(pieces, pos + run) != 0) ++run;
    putc(user, (uint8_t)(run + 1u));
    for (k = 0; k < run; ++k) putc(user, byte_at(pieces, pos + k));
    pos += run;
    if (pos == total) return;
    if (run < COMFRAME_COBS_MAX_BLOCK_DATA) ++pos; /* the 0x00 the block's code stands for */
  }
}

/* Sends a frame made of `count` pieces: pieces[0] and pieces[count - 1] are
 * set here to the header and the CRC, those between are the payload. */
static void send(cf_device *dev, cf_kind kind, uint16_t command, uint16_t sequence, piece *pieces, size_t count) {
  uint8_t head[COMFRAME_HEADER_SIZE], tail[COMFRAME_CRC_SIZE];
  uint32_t crc = 0;
  size_t i, total = sizeof tail;
  head[0] = COMFRAME_PROTOCOL_VERSION;
  head[1] = (uint8_t)kind;
  store_le(head + 2, command, 2);
  store_le(head + 4, sequence, 2);
  pieces[0].data = head;
  pieces[0].size = sizeof head;
  for (i = 0; i + 1 < count; ++i) {
    crc = cf_crc32c(pieces[i].data, pieces[i].size, crc);
    total += pieces[i].size;
  }
  store_le(tail, crc, sizeof tail);
  pieces[count - 1].data = tail;
  pieces[count - 1].size = sizeof tail;
  cobs_send(pieces, total, dev->config.putc, dev->config.putc_user);
  dev->config.putc(dev->config.putc_user, 0x00);
}

/* The pieces of an error reply's payload: the code (u16, little-endian
 * whatever the profile says) in `code_bytes`, then the message's two parts.
 * Returns the frame's piece count. */
static size_t error_pieces(piece *pieces, uint8_t *code_bytes, uint16_t code, const char *text, size_t text_size,
                           const char *more, size_t more_size) {
  store_le(code_bytes, code, 2);
  pieces[1].data = code_bytes;
  pieces[1].size = 2;
  pieces[2].data = (const uint8_t *)text;
  pieces[2].size = text_size;
  pieces[3].data = (const uint8_t *)more;
  pieces[3].size = more_size;
  return 5;
}

/* An error reply with a handler's message (NULL for none). */
static size_t message_error(piece *pieces, uint8_t *code_bytes, uint16_t code, const char *message) {
  size_t length = message != NULL ? strlen(message) : 0;
  if (length > COMFRAME_MAX_PAYLOAD_SIZE - 2) {
    code = CF_ERR_INTERNAL;
    message = too_large_message;
    length = sizeof too_large_message - 1;
  }
  return error_pieces(pieces, code_bytes, code, message, length, NULL, 0);
}

/* "no command with id 4660", as the simulator says it; the digits go to
 * scratch + 2 (5 bytes). */
static size_t unknown_command(piece *pieces, uint8_t *scratch, uint16_t command) {
  static const char text[] = "no command with id ";
  char *digits = (char *)scratch + 2;
  size_t n = 0;
  unsigned id = command;
  do {
    digits[5 - ++n] = (char)('0' + id % 10u);
    id /= 10u;
  } while (id != 0);
  return error_pieces(pieces, scratch, CF_ERR_UNKNOWN_COMMAND, text, sizeof text - 1, digits + 5 - n, n);
}

/* describe: offset u32, max_bytes u16 in; hash u64, total u32 (in `fields`)
 * and the chunk out, all little-endian. max_bytes is clamped to what one reply
 * carries; an offset at or past the end gets an empty chunk. Sets *kind. */
static size_t describe(const cf_device *dev, const cf_frame *request, piece *pieces, uint8_t *fields, cf_kind *kind) {
  const uint8_t *p = request->payload;
  const uint32_t total = dev->config.profile_size;
  uint32_t offset;
  size_t chunk = 0;
  if (request->payload_size != 6) {
    static const char message[] = "describe takes 6 bytes: offset (u32) and max_bytes (u16)";
    *kind = CF_KIND_ERROR;
    return error_pieces(pieces, fields, CF_ERR_BAD_REQUEST, message, sizeof message - 1, NULL, 0);
  }
  offset = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  if (offset < total) {
    chunk = (size_t)p[4] | (size_t)p[5] << 8;
    if (chunk > COMFRAME_DESCRIBE_MAX_CHUNK) chunk = COMFRAME_DESCRIBE_MAX_CHUNK;
    if (chunk > total - offset) chunk = total - offset;
  }
  store_le(fields, dev->config.profile_hash, 8);
  store_le(fields + 8, total, 4);
  pieces[1].data = fields;
  pieces[1].size = COMFRAME_DESCRIBE_REPLY_FIELDS_SIZE;
  pieces[2].data = (const uint8_t *)dev->config.profile_text + offset;
  pieces[2].size = chunk;
  *kind = CF_KIND_RESPONSE;
  return 4;
}

static const cf_command *find_command(const cf_device *dev, uint16_t id) {
  size_t i;
  for (i = 0; i < dev->config.command_count; ++i)
    if (dev->config.commands[i].id == id && dev->config.commands[i].handler != NULL) return &dev->config.commands[i];
  return NULL;
}

/* Every reply is sent from here, by one call of send() once its pieces are
 * known, so the stack holds one reply's pieces at a time. */
void cf_device_handle(cf_device *dev, const cf_frame *frame) {
  const uint16_t sequence = frame->header.sequence;
  piece pieces[5];
  uint8_t scratch[COMFRAME_DESCRIBE_REPLY_FIELDS_SIZE]; /* an error code and digits, or describe's hash and total */
  cf_kind kind = CF_KIND_ERROR;
  size_t count;
  if (frame->header.kind != CF_KIND_REQUEST) {
    ++dev->stats.wrong_kind;
    return;
  }
  ++dev->stats.requests;
  if (frame->header.command == COMFRAME_DESCRIBE_ID) {
    if (sequence == 0) return;
    count = describe(dev, frame, pieces, scratch, &kind);
  } else {
    const cf_command *command = find_command(dev, frame->header.command);
    if (command == NULL) {
      if (sequence == 0) return;
      count = unknown_command(pieces, scratch, frame->header.command);
    } else {
      cf_reply reply;
      uint16_t code;
      reply.payload = dev->config.reply_buffer;
      reply.capacity = dev->config.reply_capacity;
      reply.size = 0;
      reply.message = NULL;
      code = command->handler(dev->config.user, frame, &reply);
      if (sequence == 0) return;
      if (code != CF_OK) {
        count = message_error(pieces, scratch, code, reply.message);
      } else if (reply.size > reply.capacity || reply.size > COMFRAME_MAX_PAYLOAD_SIZE) {
        count = message_error(pieces, scratch, CF_ERR_INTERNAL, too_large_message);
      } else {
        kind = CF_KIND_RESPONSE;
        pieces[1].data = reply.payload;
        pieces[1].size = reply.size;
        count = 3;
      }
    }
  }
  send(dev, kind, frame->header.command, sequence, pieces, count);
  ++dev->stats.replies;
  if (kind == CF_KIND_ERROR) ++dev->stats.error_replies;
}

size_t cf_device_poll(cf_device *dev, cf_decoder *decoder) {
  size_t n = 0;
  cf_frame frame;
  while (cf_decoder_next_frame(decoder, &frame)) {
    cf_device_handle(dev, &frame);
    cf_decoder_release_frame(decoder);
    ++n;
  }
  return n;
}

void cf_device_emit(cf_device *dev, uint16_t event, const void *payload, size_t size) {
  piece pieces[3];
  pieces[1].data = (const uint8_t *)payload;
  pieces[1].size = size;
  send(dev, CF_KIND_EVENT, event, 0, pieces, 3);
  ++dev->stats.events;
}

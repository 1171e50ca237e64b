/* The dispatcher, error replies, describe and events (see device.h). */
#include "comframe/firmware/device.h"

#include <string.h>

static const char too_large_message[] = "the reply exceeds the maximum payload size";

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

static void begin(cf_device *dev, cf_kind kind, uint16_t command, uint16_t sequence) {
  cf_header h;
  h.version = COMFRAME_PROTOCOL_VERSION;
  h.kind = (uint8_t)kind;
  h.command = command;
  h.sequence = sequence;
  cf_frame_writer_begin(&dev->writer, &h, dev->config.putc, dev->config.putc_user);
}

static void write_le(cf_device *dev, uint64_t value, size_t size) {
  uint8_t bytes[8];
  size_t i;
  for (i = 0; i < size; ++i) bytes[i] = (uint8_t)(value >> (8 * i));
  cf_frame_writer_write(&dev->writer, bytes, size);
}

static void end_reply(cf_device *dev) {
  cf_frame_writer_end(&dev->writer);
  ++dev->stats.replies;
}

/* An error reply: code (u16) and message, little-endian whatever the profile says. */
static void begin_error(cf_device *dev, const cf_frame *request, uint16_t code) {
  begin(dev, CF_KIND_ERROR, request->header.command, request->header.sequence);
  write_le(dev, code, 2);
  ++dev->stats.error_replies;
}

static void error_reply(cf_device *dev, const cf_frame *request, uint16_t code, const char *message) {
  size_t length = message != NULL ? strlen(message) : 0;
  if (length > COMFRAME_MAX_PAYLOAD_SIZE - 2) {
    code = CF_ERR_INTERNAL;
    message = too_large_message;
    length = sizeof too_large_message - 1;
  }
  begin_error(dev, request, code);
  cf_frame_writer_write(&dev->writer, message, length);
  end_reply(dev);
}

/* "no command with id 4660", as the simulator says it. */
static void unknown_command(cf_device *dev, const cf_frame *request) {
  static const char text[] = "no command with id ";
  char digits[5];
  size_t n = 0;
  unsigned id = request->header.command;
  do {
    digits[sizeof digits - ++n] = (char)('0' + id % 10u);
    id /= 10u;
  } while (id != 0);
  begin_error(dev, request, CF_ERR_UNKNOWN_COMMAND);
  cf_frame_writer_write(&dev->writer, text, sizeof text - 1);
  cf_frame_writer_write(&dev->writer, digits + sizeof digits - n, n);
  end_reply(dev);
}

/* describe: offset u32, max_bytes u16 in; hash u64, total u32 and the chunk
 * out, all little-endian. max_bytes is clamped to what one reply carries; an
 * offset at or past the end gets an empty chunk. */
static void describe(cf_device *dev, const cf_frame *request) {
  const uint8_t *p = request->payload;
  const uint32_t total = dev->config.profile_size;
  uint32_t offset;
  size_t chunk = 0;
  if (request->payload_size != 6) {
    error_reply(dev, request, CF_ERR_BAD_REQUEST, "describe takes 6 bytes: offset (u32) and max_bytes (u16)");
    return;
  }
  offset = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  if (offset < total) {
    chunk = (size_t)p[4] | (size_t)p[5] << 8;
    if (chunk > COMFRAME_DESCRIBE_MAX_CHUNK) chunk = COMFRAME_DESCRIBE_MAX_CHUNK;
    if (chunk > total - offset) chunk = total - offset;
  }
  begin(dev, CF_KIND_RESPONSE, request->header.command, request->header.sequence);
  write_le(dev, dev->config.profile_hash, 8);
  write_le(dev, total, 4);
  if (chunk != 0) cf_frame_writer_write(&dev->writer, dev->config.profile_text + offset, chunk);
  end_reply(dev);
}

static const cf_command *find_command(const cf_device *dev, uint16_t id) {
  size_t i;
  for (i = 0; i < dev->config.command_count; ++i)
    if (dev->config.commands[i].id == id && dev->config.commands[i].handler != NULL) return &dev->config.commands[i];
  return NULL;
}

void cf_device_handle(cf_device *dev, const cf_frame *frame) {
  const bool wants_reply = frame->header.sequence != 0;
  const cf_command *command;
  cf_reply reply;
  uint16_t code;
  if (frame->header.kind != CF_KIND_REQUEST) {
    ++dev->stats.wrong_kind;
    return;
  }
  ++dev->stats.requests;
  if (frame->header.command == COMFRAME_DESCRIBE_ID) {
    if (wants_reply) describe(dev, frame);
    return;
  }
  command = find_command(dev, frame->header.command);
  if (command == NULL) {
    if (wants_reply) unknown_command(dev, frame);
    return;
  }
  reply.payload = dev->config.reply_buffer;
  reply.capacity = dev->config.reply_capacity;
  reply.size = 0;
  reply.message = NULL;
  code = command->handler(dev->config.user, frame, &reply);
  if (!wants_reply) return;
  if (code != CF_OK) {
    error_reply(dev, frame, code, reply.message);
  } else if (reply.size > reply.capacity || reply.size > COMFRAME_MAX_PAYLOAD_SIZE) {
    error_reply(dev, frame, CF_ERR_INTERNAL, too_large_message);
  } else {
    begin(dev, CF_KIND_RESPONSE, frame->header.command, frame->header.sequence);
    cf_frame_writer_write(&dev->writer, reply.payload, reply.size);
    end_reply(dev);
  }
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
  begin(dev, CF_KIND_EVENT, event, 0);
  cf_frame_writer_write(&dev->writer, payload, size);
  cf_frame_writer_end(&dev->writer);
  ++dev->stats.events;
}

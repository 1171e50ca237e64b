/* Uses the installed kit as a board does: a request frame goes through the
 * decoder to a device with one command, whose reply is decoded again.
 * Prints "crc e3069283 slots 2 reply 7 9 describe 1" when all is well. */
#include <stdio.h>
#include <string.h>

#include "comframe/firmware/crc32c.h"
#include "comframe/firmware/device.h"

static uint8_t line[256];
static size_t line_size;

static void to_line(void *user, uint8_t byte) {
  (void)user;
  if (line_size < sizeof line) line[line_size++] = byte;
}

static uint16_t add(void *user, const cf_frame *request, cf_reply *reply) {
  (void)user;
  if (request->payload_size != 2) return CF_ERR_BAD_REQUEST;
  reply->payload[0] = (uint8_t)(request->payload[0] + request->payload[1]);
  reply->size = 1;
  return CF_OK;
}

int main(void) {
  static const char profile[] = "{\"device\":\"consumer\"}";
  static const cf_command commands[] = {{0x0001, add}};
  static uint8_t rx_slots[COMFRAME_DECODER_MAX_SLOTS * COMFRAME_DECODER_SLOT_SIZE(16)];
  static uint8_t reply_buffer[16];
  uint8_t wire[COMFRAME_MAX_ENCODED_FRAME_SIZE(2)];
  const uint8_t arguments[2] = {3, 4};
  cf_header h = {COMFRAME_PROTOCOL_VERSION, CF_KIND_REQUEST, 0x0001, 9};
  cf_decoder rx, back;
  cf_device dev;
  cf_device_config config;
  cf_frame reply;
  size_t n;
  int ok;

  config.commands = commands;
  config.command_count = 1;
  config.profile_text = profile;
  config.profile_size = sizeof profile - 1;
  config.profile_hash = cf_fnv1a64(profile, sizeof profile - 1);
  config.user = NULL;
  config.reply_buffer = reply_buffer;
  config.reply_capacity = sizeof reply_buffer;
  config.putc = to_line;
  config.putc_user = NULL;
  cf_device_init(&dev, &config);
  cf_decoder_init(&rx, rx_slots, sizeof rx_slots, 16);

  n = cf_frame_encode(&h, arguments, sizeof arguments, wire, sizeof wire);
  (void)cf_decoder_feed(&rx, wire, n);
  (void)cf_device_poll(&dev, &rx);

  cf_decoder_init(&back, rx_slots, sizeof rx_slots, 16);
  (void)cf_decoder_feed(&back, line, line_size);
  ok = cf_decoder_next_frame(&back, &reply) && reply.header.kind == CF_KIND_RESPONSE && reply.payload_size == 1;
  printf("crc %08lx slots %u reply %u %u describe %u\n", (unsigned long)cf_crc32c("123456789", 9, 0),
         (unsigned)COMFRAME_DECODER_MAX_SLOTS, ok ? (unsigned)reply.payload[0] : 0u, (unsigned)reply.header.sequence,
         (unsigned)(COMFRAME_DESCRIBE_ID == 0xFFF0u));
  return ok && reply.payload[0] == 7 ? 0 : 1;
}

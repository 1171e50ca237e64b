/* The board of board.h. */
#include "board.h"

#include <string.h>

static uint16_t get_info(void *user, const cf_frame *request, cf_reply *reply) {
  static const char name[] = "cboard";
  (void)user;
  if (request->payload_size != 0) return CF_ERR_BAD_REQUEST;
  memcpy(reply->payload, name, sizeof name - 1);
  reply->size = sizeof name - 1;
  return CF_OK;
}

/* Request: index (u8) and r, g, b (u8 each); an empty response. */
static uint16_t set_led(void *user, const cf_frame *request, cf_reply *reply) {
  board *b = (board *)user;
  if (request->payload_size != 4) {
    reply->message = "set_led takes 4 bytes";
    return CF_ERR_BAD_REQUEST;
  }
  if (request->payload[0] > 7) {
    reply->message = "LED index is outside 0..7";
    return CF_ERR_OUT_OF_RANGE;
  }
  memcpy(b->leds[request->payload[0]], request->payload + 1, 3);
  return CF_OK;
}

static const cf_command commands[] = {{BOARD_GET_INFO, get_info}, {BOARD_SET_LED, set_led}};

void board_init(board *b, const char *profile_text, uint32_t profile_size, cf_putc_fn putc, void *putc_user) {
  cf_device_config config;
  memset(b, 0, sizeof *b);
  (void)cf_decoder_init(&b->rx, b->rx_slots, sizeof b->rx_slots, BOARD_MAX_PAYLOAD);
  config.commands = commands;
  config.command_count = sizeof commands / sizeof commands[0];
  config.profile_text = profile_text;
  config.profile_size = profile_size;
  config.profile_hash = cf_fnv1a64(profile_text, profile_size);
  config.user = b;
  config.reply_buffer = b->reply_buffer;
  config.reply_capacity = sizeof b->reply_buffer;
  config.putc = putc;
  config.putc_user = putc_user;
  cf_device_init(&b->dev, &config);
}

void board_uart_rx(board *b, uint8_t byte) { (void)cf_decoder_push(&b->rx, byte); }

void board_main_loop_step(board *b) {
  uint8_t tick[4];
  if (cf_device_poll(&b->dev, &b->rx) == 0) return;
  ++b->ticks;
  tick[0] = (uint8_t)b->ticks;
  tick[1] = (uint8_t)(b->ticks >> 8);
  tick[2] = (uint8_t)(b->ticks >> 16);
  tick[3] = (uint8_t)(b->ticks >> 24);
  cf_device_emit(&b->dev, BOARD_TICK_EVENT, tick, sizeof tick);
}

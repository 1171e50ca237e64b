/* A small board written in C with the kit, as docs/firmware.md shows it: the
 * decoder fed from a receive interrupt, the main loop answering through the
 * device, two commands and an event. board_test.cpp drives it. */
#ifndef COMFRAME_TEST_BOARD_H
#define COMFRAME_TEST_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "comframe/firmware/decoder.h"
#include "comframe/firmware/device.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BOARD_MAX_PAYLOAD 64u
#define BOARD_SLOTS 2u
#define BOARD_GET_INFO 0x0001u
#define BOARD_SET_LED 0x0003u
#define BOARD_TICK_EVENT 0x0100u

typedef struct board {
  uint8_t rx_slots[BOARD_SLOTS * COMFRAME_DECODER_SLOT_SIZE(BOARD_MAX_PAYLOAD)];
  uint8_t reply_buffer[16];
  cf_decoder rx;
  cf_device dev;
  uint8_t leds[8][3];
  uint32_t ticks;
} board;

/* Starts the board; every byte it sends goes to `putc`. */
void board_init(board *b, const char *profile_text, uint32_t profile_size, cf_putc_fn putc, void *putc_user);
/* The receive interrupt: one byte from the line. */
void board_uart_rx(board *b, uint8_t byte);
/* One pass of the main loop: answers what was received, then sends a tick event. */
void board_main_loop_step(board *b);

#ifdef __cplusplus
}
#endif

#endif

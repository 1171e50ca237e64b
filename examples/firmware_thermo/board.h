/* board.h — what the portable thermo firmware (thermo.c) needs from a board.
 *
 * Two boards implement it: native/board_native.c (a POSIX program serving a
 * pty, or its stdin/stdout) and cortex-m3/board_lm3s6965.c (QEMU's
 * lm3s6965evb: UART0 by interrupt, SysTick). A board owns the one thermo
 * instance, feeds it the line's bytes with thermo_rx_byte() (from its receive
 * interrupt or its reader) and calls thermo_step() from its main loop.
 *
 * Contexts: thermo_rx_byte() may run in an interrupt while thermo_step() runs
 * in the main loop; they share only the kit's decoder, whose producer/consumer
 * counters need no lock on one core (comframe/firmware/decoder.h). Everything
 * else runs in the main loop, so no critical section is needed; a board whose
 * tick counter cannot be read in one access would take one in board_ticks_ms(). */
#ifndef FIRMWARE_THERMO_BOARD_H
#define FIRMWARE_THERMO_BOARD_H

#include <stddef.h>
#include <stdint.h>

/** Milliseconds since the board started; wraps at 2^32. Safe to call from the main loop. */
uint32_t board_ticks_ms(void);

/** Sends one byte on the line (the kit's cf_putc_fn). Never blocks for long:
 *  a board with a transmit ring drops the byte when the ring is full. */
void board_uart_putc(void *user, uint8_t byte);

/** Bytes board_uart_putc() takes now without dropping any: the firmware sends
 *  an event only when a whole frame fits, as the simulator drops an event
 *  rather than delay replies. A board whose putc waits for the UART returns SIZE_MAX. */
size_t board_uart_tx_room(void);

#endif

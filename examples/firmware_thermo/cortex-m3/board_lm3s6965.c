/* The thermo firmware on a TI Stellaris LM3S6965 (Cortex-M3), as QEMU's
 * lm3s6965evb emulates it: UART0 receives by interrupt (each byte goes to the
 * kit's decoder from the ISR), SysTick counts milliseconds, and the main loop
 * answers queued requests and sends due telemetry, sleeping in WFI between.
 *
 * Registers (LM3S6965 data sheet; QEMU models UART0 as a PL011):
 *   UART0 at 0x4000C000: DR 0x000, FR 0x018 (RXFE bit 4, TXFF bit 5), IBRD 0x024,
 *   FBRD 0x028, LCRH 0x02C, CTL 0x030, IM 0x038, MIS 0x040, ICR 0x044; NVIC IRQ 5.
 *   SysTick at 0xE000E010 (CTRL, RELOAD, CURRENT), clocked by the 12.5 MHz
 *   system clock the part runs on from reset (200 MHz PLL / 16, RCC's reset value). */
#include <stdint.h>

#include "board.h"
#include "thermo.h"

#define REG(address) (*(volatile uint32_t *)(address))

#define SYSCTL_RCGC1 REG(0x400FE104u) /* run-mode clock gating: bit 0 UART0 */
#define SYSCTL_RCGC2 REG(0x400FE108u) /* bit 0 GPIO port A (UART0's pins) */

#define UART0_BASE 0x4000C000u
#define UART_DR REG(UART0_BASE + 0x000u)
#define UART_FR REG(UART0_BASE + 0x018u)
#define UART_IBRD REG(UART0_BASE + 0x024u)
#define UART_FBRD REG(UART0_BASE + 0x028u)
#define UART_LCRH REG(UART0_BASE + 0x02Cu)
#define UART_CTL REG(UART0_BASE + 0x030u)
#define UART_IM REG(UART0_BASE + 0x038u)
#define UART_ICR REG(UART0_BASE + 0x044u)
#define UART_FR_RXFE (1u << 4)
#define UART_FR_TXFF (1u << 5)
#define UART_INT_RX (1u << 4)
#define UART_INT_RT (1u << 6)
#define UART_LCRH_WLEN_8 (3u << 5)
#define UART_CTL_ENABLE ((1u << 0) | (1u << 8) | (1u << 9)) /* UARTEN, TXE, RXE */

#define NVIC_ISER0 REG(0xE000E100u)
#define NVIC_ISPR0 REG(0xE000E200u)
#define UART0_IRQ 5u

#define SYSTICK_CTRL REG(0xE000E010u)
#define SYSTICK_RELOAD REG(0xE000E014u)
#define SYSTICK_CURRENT REG(0xE000E018u)
#define SYSTICK_ENABLE_TICKINT_CORECLK 7u
#define SYSTEM_CLOCK_HZ 12500000u

static thermo board;
static volatile uint32_t ticks_ms;

void systick_handler(void);
void uart0_handler(void);

/* ---- board.h ---- */

/* A 32-bit load is one access on a Cortex-M3: no critical section is needed. */
uint32_t board_ticks_ms(void) { return ticks_ms; }

/* The UART's transmit FIFO takes the byte as soon as it has room. */
void board_uart_putc(void *user, uint8_t byte) {
  (void)user;
  while (UART_FR & UART_FR_TXFF) {
  }
  UART_DR = byte;
}

size_t board_uart_tx_room(void) { return SIZE_MAX; }

/* ---- interrupts ---- */

void systick_handler(void) { ticks_ms = ticks_ms + 1u; }

/* Every byte waiting goes to the decoder, one at a time; frames queue in its
 * slots. The interrupt is cleared before the FIFO is read, never after: a byte
 * arriving after the last read then raises it again, where clearing it last
 * would leave that byte unread, and the UART (full) would take no more. */
void uart0_handler(void) {
  UART_ICR = UART_INT_RX | UART_INT_RT;
  while (!(UART_FR & UART_FR_RXFE)) thermo_rx_byte(&board, (uint8_t)UART_DR);
}

/* ---- start-up and the main loop ---- */

static void uart0_init(void) {
  SYSCTL_RCGC1 |= 1u;
  SYSCTL_RCGC2 |= 1u;
  UART_CTL = 0;
  UART_IBRD = 6; /* 115200 baud from 12.5 MHz: 12.5e6 / (16 * 115200) = 6 + 50/64 */
  UART_FBRD = 50;
  UART_LCRH = UART_LCRH_WLEN_8; /* 8N1, FIFOs off: an interrupt per byte */
  UART_IM = UART_INT_RX | UART_INT_RT;
  UART_CTL = UART_CTL_ENABLE;
  NVIC_ISER0 = 1u << UART0_IRQ;
  /* A byte may have come before the interrupt was enabled (a host that writes
   * while the board boots): the handler runs once now and reads it, else the
   * UART, full, would take no more and never interrupt. */
  NVIC_ISPR0 = 1u << UART0_IRQ;
}

static void systick_init(void) {
  SYSTICK_RELOAD = SYSTEM_CLOCK_HZ / 1000u - 1u;
  SYSTICK_CURRENT = 0;
  SYSTICK_CTRL = SYSTICK_ENABLE_TICKINT_CORECLK;
}

int main(void) {
  thermo_init(&board); /* before the first receive interrupt */
  systick_init();
  uart0_init();
  for (;;) {
    thermo_step(&board);
    /* Sleep until an interrupt, unless one came in since the step: with
     * interrupts masked, a pending one still ends WFI, and runs after cpsie. */
    __asm__ __volatile__("cpsid i" ::: "memory");
    if (cf_decoder_queued(&board.rx) == 0 && thermo_ms_to_next_sample(&board) != 0) __asm__ __volatile__("wfi");
    __asm__ __volatile__("cpsie i" ::: "memory");
  }
}

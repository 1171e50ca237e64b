/* Start-up code for the LM3S6965 (Cortex-M3): the vector table at address 0
 * and the reset handler, which copies .data from flash to RAM, zeroes .bss and
 * calls main(). Symbols come from lm3s6965.ld. No C library start-up is used
 * (linked with -nostartfiles). */
#include <stdint.h>

extern uint32_t data_load, data_start, data_end, bss_start, bss_end, stack_top;
int main(void);

void reset_handler(void);
void default_handler(void);
/* Handlers the board defines; the others stop in default_handler. */
void systick_handler(void);
void uart0_handler(void);

void reset_handler(void) {
  const uint32_t *from = &data_load;
  uint32_t *to;
  for (to = &data_start; to < &data_end;) *to++ = *from++;
  for (to = &bss_start; to < &bss_end;) *to++ = 0;
  (void)main();
  for (;;) {
  }
}

/* An unexpected exception or interrupt: stop here, where a debugger finds it. */
void default_handler(void) {
  for (;;) {
  }
}

typedef void (*handler_fn)(void);

/* The first 16 entries are the Cortex-M3's exceptions, then the LM3S6965's
 * interrupts by number; only IRQs 0..5 are listed (UART0 is IRQ 5), and no
 * other interrupt is enabled. A struct keeps the initial stack pointer (data)
 * apart from the handlers (code), as ISO C wants. */
struct vector_table {
  uint32_t *initial_sp;
  handler_fn exceptions[15];
  handler_fn irq[6];
};

__attribute__((section(".vectors"), used)) const struct vector_table vectors = {
    &stack_top,
    {
        reset_handler,   /* 1 reset */
        default_handler, /* 2 NMI */
        default_handler, /* 3 hard fault */
        default_handler, /* 4 memory management */
        default_handler, /* 5 bus fault */
        default_handler, /* 6 usage fault */
        0, 0, 0, 0,      /* 7..10 reserved */
        default_handler, /* 11 SVCall */
        default_handler, /* 12 debug monitor */
        0,               /* 13 reserved */
        default_handler, /* 14 PendSV */
        systick_handler, /* 15 SysTick */
    },
    {
        default_handler, /* IRQ 0 GPIO A */
        default_handler, /* IRQ 1 GPIO B */
        default_handler, /* IRQ 2 GPIO C */
        default_handler, /* IRQ 3 GPIO D */
        default_handler, /* IRQ 4 GPIO E */
        uart0_handler,   /* IRQ 5 UART0 */
    },
};

// Force-included (-include) into every C file of the tinyml QEMU boards: the
// qemu port has no per-board header, and mp_init() must mount the RAM disk.
#ifndef TINYML_QEMU_MPCONFIGBOARD_H
#define TINYML_QEMU_MPCONFIGBOARD_H
#ifndef __ASSEMBLER__

void tinyml_board_init(void);
#define MICROPY_PORT_INIT_FUNC tinyml_board_init()

// Waiting for an event (mp_event_wait_ms: select.poll, tinyml.ota's serial receive) sleeps until a
// character arrives or the next interrupt (the 1 ms SysTick at the latest), as the stm32 port sleeps in
// WFI, instead of polling: under QEMU -icount a poll loop spends its wait executing instructions, and
// QEMU hands the UART its next character only between them (uart_idle.c).
void tinyml_uart_wait(void);
#define MICROPY_INTERNAL_WFE(TIMEOUT_MS) tinyml_uart_wait()

#endif
#endif

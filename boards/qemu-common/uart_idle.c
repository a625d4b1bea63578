// An idle REPL that sleeps. The qemu port reads the REPL by polling UART0 in a
// loop (mp_hal_stdin_rx_chr in ports/qemu/mphalport.c), so a board waiting for
// input keeps a host core busy. uart_rx_chr is wrapped (-Wl,--wrap=uart_rx_chr,
// qemu.mk): with no character waiting, the CPU sleeps in WFI until the UART's
// receive interrupt or the SysTick is pending (after SPIN_POLLS polls). Interrupts stay masked (PRIMASK)
// while it sleeps, so no handler runs for the UART's line (the port's vector
// table has none); WFI still wakes on it, and it is cleared before unmasking.
#include <stdint.h>

int __real_uart_rx_chr(void);
int __wrap_uart_rx_chr(void);

#if defined(QEMU_SOC_MPS3)
#define UART0_BASE 0x49303000u
#else
#define UART0_BASE 0x40004000u
#endif
// CMSDK APB UART registers and bits
#define UART_STATE (*(volatile uint32_t *)(UART0_BASE + 0x04))
#define UART_CTRL (*(volatile uint32_t *)(UART0_BASE + 0x08))
#define UART_INTCLEAR (*(volatile uint32_t *)(UART0_BASE + 0x0c))
#define UART_STATE_RXFULL (1u << 1)
#define UART_CTRL_RX_INTEN (1u << 3)
#define UART_INT_RX (1u << 1)
// NVIC: set-enable, clear-enable and clear-pending registers (8 words: 256 lines)
#define NVIC_ISER ((volatile uint32_t *)0xe000e100u)
#define NVIC_ICER ((volatile uint32_t *)0xe000e180u)
#define NVIC_ICPR ((volatile uint32_t *)0xe000e280u)
#define NVIC_WORDS 8

// polls before sleeping: while the host streams data the next character is
// usually there within a few, and waking from WFI per character is slower
#define SPIN_POLLS 64

// Sleep in WFI until the UART has a character or another interrupt is pending (the 1 ms SysTick at the
// latest): the REPL's wait below, and MICROPY_INTERNAL_WFE (mpconfigboard.h: mp_event_wait_ms, which
// select.poll and tinyml.ota's serial receive wait in).
void tinyml_uart_wait(void) {
    uint32_t primask;
    __asm volatile ("mrs %0, primask\n cpsid i" : "=r" (primask) : : "memory");
    UART_CTRL |= UART_CTRL_RX_INTEN;
    // the port uses no external interrupt: enable them all, whichever line the UART has
    for (int i = 0; i < NVIC_WORDS; i++) {
        NVIC_ISER[i] = 0xffffffffu;
    }
    if (!(UART_STATE & UART_STATE_RXFULL)) { // not arrived since the last look
        __asm volatile ("dsb\n wfi" : : : "memory");
    }
    UART_CTRL &= ~UART_CTRL_RX_INTEN;
    UART_INTCLEAR = UART_INT_RX;
    for (int i = 0; i < NVIC_WORDS; i++) {
        NVIC_ICER[i] = 0xffffffffu;
        NVIC_ICPR[i] = 0xffffffffu;
    }
    __asm volatile ("msr primask, %0" : : "r" (primask) : "memory");
}

int __wrap_uart_rx_chr(void) {
    for (int i = 0; i < SPIN_POLLS; i++) {
        int c = __real_uart_rx_chr();
        if (c >= 0) {
            return c;
        }
    }
    tinyml_uart_wait();
    return __real_uart_rx_chr();
}

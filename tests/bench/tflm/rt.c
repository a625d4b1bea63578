/*
 * Bare-metal runtime of the TFLM-vs-tinyml benchmark programs (build.mk):
 * vector table and reset handler, the CMSDK UART of the QEMU MPS2/MPS3 boards
 * or the STM32F405's USART1 (netduinoplus2),
 * a SysTick cycle counter and semihosting exit. No MicroPython.
 *
 * Under QEMU -icount shift=0 one instruction takes one virtual nanosecond, so
 * SysTick counts (processor clock, BENCH_CLOCK_HZ) * 1e9 / BENCH_CLOCK_HZ are
 * instructions executed.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bench_rt.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define SYST_CSR REG(0xE000E010)
#define SYST_RVR REG(0xE000E014)
#define SYST_CVR REG(0xE000E018)
#define SCB_ICSR REG(0xE000ED04)
#define SCB_CPACR REG(0xE000ED88)
#define SYST_RELOAD 0xFFFFFFu

#if defined(BENCH_STM32)
/* STM32F4 USART1 (QEMU netduinoplus2's first serial port): SR, DR, CR1 */
#define UART_BASE 0x40011000u
#define UART_DATA REG(UART_BASE + 0x4)
#define UART_TX_BUSY() ((REG(UART_BASE + 0x0) & (1u << 7)) == 0u) /* TXE clear */
#define UART_ENABLE() (REG(UART_BASE + 0xC) = (1u << 13) | (1u << 3)) /* UE, TE */
#else
/* CMSDK UART of the MPS2/MPS3 boards: DATA, STATE, CTRL */
#if defined(BENCH_MPS3)
#define UART_BASE 0x49303000u
#else
#define UART_BASE 0x40004000u
#endif
#define UART_DATA REG(UART_BASE + 0x0)
#define UART_TX_BUSY() (REG(UART_BASE + 0x4) & 1u) /* TX full */
#define UART_ENABLE() (REG(UART_BASE + 0x8) = 1u)  /* TX enable */
#endif

extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
extern int main(void);
extern void __libc_init_array(void);

static volatile uint32_t systick_wraps;

void SysTick_Handler(void) {
    systick_wraps++;
}

__attribute__((noreturn)) static void halt(int code) {
    /* semihosting SYS_EXIT(ADP_Stopped_ApplicationExit): QEMU -semihosting exits */
    static volatile uint32_t block[2];
    block[0] = 0x20026;
    block[1] = (uint32_t)code;
    register uint32_t r0 __asm__("r0") = 0x20;
    register volatile uint32_t *r1 __asm__("r1") = block;
    __asm__ volatile ("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
    for (;;) {
    }
}

void Default_Handler(void) {
    /* on a line of its own: the fault may come in the middle of a model's line */
    bench_puts("\n{\"fault\": 1}\n");
    halt(3);
}

__attribute__((naked, noreturn)) void Reset_Handler(void) {
    __asm__ volatile ("ldr r0, =_estack\n mov sp, r0\n b bench_start\n");
}

__attribute__((used, noreturn)) void bench_start(void) {
    for (uint32_t *src = &_sidata, *dst = &_sdata; dst < &_edata;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = &_sbss; dst < &_ebss;) {
        *dst++ = 0;
    }
#if defined(__ARM_FP)
    SCB_CPACR |= 0x00F00000u; /* CP10, CP11 full access */
    __asm__ volatile ("dsb\n isb\n");
#endif
    UART_ENABLE();
    SYST_CVR = 0;
    SYST_RVR = SYST_RELOAD;
    SYST_CSR = 7u; /* enable, interrupt, processor clock */
    __libc_init_array();
    halt(main());
}

const uint32_t bench_vectors[16] __attribute__((used, section(".isr_vector"))) = {
    (uint32_t)&_estack, (uint32_t)&Reset_Handler, (uint32_t)&Default_Handler, (uint32_t)&Default_Handler,
    (uint32_t)&Default_Handler, (uint32_t)&Default_Handler, (uint32_t)&Default_Handler, 0, 0, 0, 0,
    (uint32_t)&Default_Handler, (uint32_t)&Default_Handler, 0, (uint32_t)&Default_Handler,
    (uint32_t)&SysTick_Handler,
};

uint64_t bench_ticks(void) {
    uint32_t wraps, cvr, pending;
    do {
        wraps = systick_wraps;
        cvr = SYST_CVR;
        pending = SCB_ICSR & (1u << 26); /* PENDSTSET */
    } while (wraps != systick_wraps);
    if (pending && cvr > SYST_RELOAD / 2) {
        wraps++; /* reloaded, interrupt not taken yet */
    }
    return (uint64_t)wraps * (SYST_RELOAD + 1u) + (SYST_RELOAD - cvr);
}

void bench_sync(void) {
    /* wait for a SysTick edge: under -icount the counts of what follows do
     * not depend on the phase at which it starts */
    uint32_t c = SYST_CVR;
    while (SYST_CVR == c) {
    }
}

uint32_t bench_clock_hz(void) {
    return BENCH_CLOCK_HZ;
}

void bench_write(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        while (UART_TX_BUSY()) {
        }
        UART_DATA = (uint8_t)s[i];
    }
}

void bench_puts(const char *s) {
    bench_write(s, strlen(s));
}

void bench_printf(const char *fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0) {
        bench_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    }
}

void bench_hex(const void *data, size_t n) {
    static const char digits[] = "0123456789abcdef";
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) {
        char h[2] = { digits[p[i] >> 4], digits[p[i] & 15] };
        bench_write(h, 2);
    }
}

void bench_fill_input(void *data, size_t n) {
    /* the byte pattern of tests/bench/bench_device.py */
    uint8_t *p = data;
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)((((uint32_t)i * 1103515245u + 12345u) >> 16) & 0xFFu);
    }
}

void bench_json_str(const char *s) {
    static const char digits[] = "0123456789abcdef";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char e[2] = { '\\', (char)c };
            bench_write(e, 2);
        } else if (c < 0x20 || c >= 0x7f) {
            char e[6] = { '\\', 'u', '0', '0', digits[c >> 4], digits[c & 15] };
            bench_write(e, 6);
        } else {
            bench_write((const char *)&c, 1);
        }
    }
}

uint32_t bench_first_model(void) {
    /* semihosting SYS_GET_CMDLINE: QEMU's -semihosting-config arg=... words, space-separated */
    static char cmdline[128];
    static volatile uint32_t block[2];
    block[0] = (uint32_t)cmdline;
    block[1] = sizeof cmdline - 1;
    register uint32_t r0 __asm__("r0") = 0x15;
    register volatile uint32_t *r1 __asm__("r1") = block;
    __asm__ volatile ("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    if (r0 != 0) {
        return 0;
    }
    cmdline[sizeof cmdline - 1] = 0;
    const char *last = cmdline;
    for (const char *p = cmdline; *p; p++) {
        if (*p == ' ') {
            last = p + 1;
        }
    }
    uint32_t n = 0;
    for (; *last >= '0' && *last <= '9'; last++) {
        n = n * 10u + (uint32_t)(*last - '0');
    }
    return n;
}

/* newlib: output only (printf is not used; vsnprintf is) */
int _write(int fd, const char *buf, int n) {
    (void)fd;
    bench_write(buf, (size_t)n);
    return n;
}

/* C++ static objects register their destructors (never run: main's return halts) */
void *__dso_handle = 0;
void _init(void) {
}
void _fini(void) {
}

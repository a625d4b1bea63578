/*
 * Bare-metal runtime of the Xtensa harness for QEMU's `sim` machine
 * (xtensa_exec.py; start-up and vectors in xt_vectors.S). No MicroPython, no
 * C library start-up: output and exit through QEMU's Xtensa semihosting
 * (the SIMCALL instruction, QEMU -semihosting), time from CCOUNT.
 *
 * Under QEMU -icount shift=0 every instruction advances the virtual clock by
 * one nanosecond and CCOUNT counts the core's configured clock from it, so
 * instructions = CCOUNT ticks * 1e9 / clock (xtensa_exec.py scales).
 */
#include <stdint.h>
#include <string.h>

#include "xt_rt.h"

#define SYS_EXIT 1
#define SYS_WRITE 4

#if defined(_NEWLIB_VERSION) && !defined(__PICOLIBC__)
#include <sys/reent.h>
/* Espressif's newlib keeps errno in a per-task struct _reent found through __getreent()
 * (ESP-IDF's): one, for this single-threaded program (libm's error paths write errno) */
static struct _reent xt_reent;
struct _reent *__getreent(void);
__attribute__((weak)) struct _reent *__getreent(void) {
    return &xt_reent;
}
#endif

extern int main(void);
extern uint8_t _xt_bss_start[], _xt_bss_end[];

static int simcall(int nr, int a, int b, int c) {
    register int a2 __asm__("a2") = nr;
    register int a3 __asm__("a3") = a;
    register int a4 __asm__("a4") = b;
    register int a5 __asm__("a5") = c;
    __asm__ volatile ("simcall" : "+r"(a2), "+r"(a3) : "r"(a4), "r"(a5) : "memory");
    return a2;
}

void xt_exit(int code) {
    simcall(SYS_EXIT, code, 0, 0);
    for (;;) {
    }
}

void xt_write(const char *s, size_t n) {
    while (n > 0) {
        int done = simcall(SYS_WRITE, 1, (int)(uintptr_t)s, (int)n);
        if (done <= 0) {
            xt_exit(4);
        }
        s += done;
        n -= (size_t)done;
    }
}

void xt_puts(const char *s) {
    xt_write(s, strlen(s));
}

void xt_put_u64(uint64_t v) {
    char buf[21];
    int i = sizeof buf;
    do {
        buf[--i] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v);
    xt_write(buf + i, sizeof buf - (size_t)i);
}

void xt_put_str_json(const char *s) {
    xt_write("\"", 1);
    for (; *s; s++) {
        char c = *s;
        if (c == '"' || c == '\\') {
            xt_write("\\", 1);
        } else if ((unsigned char)c < 0x20) {
            c = ' ';
        }
        xt_write(&c, 1);
    }
    xt_write("\"", 1);
}

void xt_hex(const void *data, size_t n) {
    static const char digits[] = "0123456789abcdef";
    const uint8_t *p = data;
    char buf[128];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        buf[k++] = digits[p[i] >> 4];
        buf[k++] = digits[p[i] & 15];
        if (k == sizeof buf) {
            xt_write(buf, k);
            k = 0;
        }
    }
    xt_write(buf, k);
}

uint32_t xt_ccount(void) {
    uint32_t c;
    __asm__ volatile ("rsr.ccount %0" : "=a"(c));
    return c;
}

uint32_t xt_sync(void) {
    /* wait for a CCOUNT edge: with a clock slower than one tick per instruction (lx106: 40 MHz
     * against 1 ns per instruction), what follows then starts at the same phase every time */
    uint32_t c = xt_ccount(), d;
    while ((d = xt_ccount()) == c) {
    }
    return d;
}

/* any exception: say where, and stop */
void xt_fault(void) {
    uint32_t cause, epc, vaddr;
    __asm__ volatile ("rsr.exccause %0" : "=a"(cause));
    __asm__ volatile ("rsr.epc1 %0" : "=a"(epc));
    __asm__ volatile ("rsr.excvaddr %0" : "=a"(vaddr));
    xt_puts("\n{\"fault\": 1, \"exccause\": ");
    xt_put_u64(cause);
    xt_puts(", \"epc1\": ");
    xt_put_u64(epc);
    xt_puts(", \"excvaddr\": ");
    xt_put_u64(vaddr);
    xt_puts("}\n");
    xt_exit(3);
}

void xt_start(void) {
    memset(_xt_bss_start, 0, (size_t)(_xt_bss_end - _xt_bss_start));
    xt_exit(main());
}

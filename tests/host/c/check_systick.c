/*
 * tml_systick_count against a model of the SysTick: at every SysTick clock of
 * several milliseconds, and for every delay between the interrupt being pended
 * and being taken, a reading (ms, current value, pending bit) must give the
 * clock's own count, so a later reading never gives less. Prints
 * "N of M readings wrong".
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../../usermod/tinyml/port/tml_systick.h"

int main(int argc, char **argv) {
    uint32_t rvr = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 99;
    long wrong = 0, total = 0;
    // the counter was loaded with rvr at clock 0 (ms 0); millisecond p's
    // interrupt is pended at clock p * (rvr + 1) + rvr, when the counter
    // reaches 0, and it reloads one clock later
    for (uint32_t delay = 0; delay <= (rvr < 800 ? rvr / 4 + 2 : 200); delay++) {
        for (uint32_t t = 0; t < 5 * (rvr + 1); t++) {
            uint32_t p = t / (rvr + 1), k = t % (rvr + 1);
            uint32_t cvr = rvr - k;
            uint32_t ms = p; // interrupts taken so far
            int pending = 0;
            if (k == rvr) { // this clock pended the interrupt
                if (delay == 0) {
                    ms++;
                } else {
                    pending = 1;
                }
            } else if (p > 0 && k + 1 < delay) { // the last one is still pending
                pending = 1;
                ms--;
            }
            uint32_t want = t + 1; // clock 0 counts 1: a reading right after reload has counted it
            total++;
            if (tml_systick_count(ms, rvr, cvr, pending) != want) {
                if (wrong < 5) {
                    fprintf(stderr, "delay %u clock %u: ms %u cvr %u pending %d -> %u, want %u\n",
                        delay, t, ms, cvr, pending, tml_systick_count(ms, rvr, cvr, pending), want);
                }
                wrong++;
            }
        }
    }
    printf("%ld of %ld readings wrong\n", wrong, total);
    return 0;
}

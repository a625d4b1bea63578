/* The ARMv6-M kernels' requantization from 16x16 products (tml_armv6m_requantize,
 * kernels/armv6m/tml_armv6m.h: ARMv6-M has no 32x32 -> 64 multiply) against arm_nn_requantize as CMSIS-NN
 * writes it (arm_nn_requantize_ref.h). Random multipliers (also ones with many trailing zero bits, whose
 * products tie for many accumulators, and negative ones), every shift in [-31, 31], accumulators small,
 * large and at both ends of int32, and ties of the final rounding built on purpose; exit status 1 on any
 * difference. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include "armv6m/tml_armv6m.h"
#include "arm_nn_requantize_ref.h"
static uint64_t s = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000, bad = 0, cases = 0;
    for (long i = 0; i < n; i++) {
        int32_t mult = (int32_t)(rnd() & 0x7FFFFFFFu);
        if (i % 4 == 1) mult = (int32_t)(((uint32_t)mult >> (rnd() % 31)) << (rnd() % 31)) & 0x7FFFFFFF;
        if (i % 8 == 3) mult = -mult;
        const int32_t shift = (int32_t)(rnd() % 63) - 31;
        for (int j = 0; j < 8; j++) {
            int32_t acc;
            if (j == 0) acc = INT32_MAX; else if (j == 1) acc = INT32_MIN;
            else if (j < 4) acc = (int32_t)(rnd() % 4001) - 2000;
            else if (j < 6) acc = (int32_t)rnd();
            else {
                /* a tie of the final rounding: the product's r = (odd) * 2^(right-1), if an acc gives it */
                const int32_t right = shift > 0 ? 0 : -shift;
                const int64_t r = (int64_t)((rnd() % 2001) - 1000) * 2 + 1;
                const int64_t want_p = right ? r * ((int64_t)1 << (right - 1)) * ((int64_t)1 << 31) : r << 31;
                const int64_t a = mult ? want_p / mult : 0;
                acc = a > INT32_MAX || a < INT32_MIN ? 0 : (int32_t)a;
            }
            const int32_t want = arm_nn_requantize_ref(acc, mult, shift);
            const int32_t got = tml_armv6m_requantize(acc, mult, shift);
            cases++;
            if (want != got) {
                if (bad < 10) printf("acc %ld mult %ld shift %ld: %ld vs %ld\n", (long)acc, (long)mult, (long)shift,
                    (long)want, (long)got);
                bad++;
            }
        }
    }
    printf("%ld of %ld differ\n", bad, cases);
    return bad ? 1 : 0;
}

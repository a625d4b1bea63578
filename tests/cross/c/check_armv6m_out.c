/* tml_armv6m_out (kernels/armv6m/tml_armv6m.h) as the target runs it (ARMv6-M: the assembly function
 * tml_armv6m_out_asm; ARMv7-M: the C with SMLAL) against arm_nn_requantize as CMSIS-NN writes it (the 64-bit
 * doubling high multiply, then arm_nn_divide_by_power_of_two), plus the output offset and the clamp:
 * random multipliers (also ones with many trailing zero bits and negative ones), every shift in [-31, 31],
 * accumulators small, large and at both ends of int32, and ties of the final rounding built on purpose,
 * negative ones included. A bare-metal program (tests/bench/tflm/rt.c) for QEMU's mps2-an385; prints
 * "N of M differ". */
#include <stdint.h>
#include "bench_rt.h"
#include "armv6m/tml_armv6m.h"
#include "arm_nn_requantize_ref.h"

const bench_model_t bench_models[1];
const uint32_t bench_num_models = 0;

static uint32_t st = 0x9E3779B9u;
static uint32_t rnd(void) {
    st ^= st << 13;
    st ^= st >> 17;
    st ^= st << 5;
    return st;
}

/* arm_nn_requantize + lim[0], clamped to [lim[1], lim[2]] */
static int32_t ref(int32_t val, int32_t mult, int32_t shift, const int32_t *lim) {
    const int32_t d = arm_nn_requantize_ref(val, mult, shift) + lim[0];
    return d < lim[1] ? lim[1] : d > lim[2] ? lim[2] : d;
}

int main(void) {
    long bad = 0, cases = 0;
    for (long i = 0; i < 300000; i++) {
        int32_t mult = (int32_t)(rnd() & 0x7FFFFFFFu);
        if (i % 4 == 1) {
            mult = (int32_t)((((uint32_t)mult >> (rnd() % 31)) << (rnd() % 31)) & 0x7FFFFFFFu);
        }
        if (i % 8 == 3) {
            mult = -mult;
        }
        const int32_t shift = (int32_t)(rnd() % 63) - 31;
        const int32_t right = shift > 0 ? 0 : -shift;
        /* an output offset and an activation range within int8 (full: [-128, 127] every fourth case) */
        const int32_t lo = i % 4 ? (int32_t)(rnd() % 64) - 128 : -128;
        const int32_t hi = i % 4 ? lo + 1 + (int32_t)(rnd() % (uint32_t)(127 - lo)) : 127;
        const int32_t lim[3] = {(int32_t)(rnd() % 256) - 128, lo, hi};
        static const int32_t wide[3] = {0, INT32_MIN, INT32_MAX};
        for (int j = 0; j < 8; j++) {
            int32_t acc;
            if (j == 0) {
                acc = INT32_MAX;
            } else if (j == 1) {
                acc = INT32_MIN;
            } else if (j < 4) {
                acc = (int32_t)(rnd() % 40001) - 20000;
            } else if (j < 6) {
                acc = (int32_t)rnd();
            } else {
                /* a tie of the final rounding, r = odd * 2^(right-1), of either sign */
                const int64_t r = (int64_t)((int32_t)(rnd() % 2001) - 1000) * 2 + 1;
                const int64_t want = (right ? r * ((int64_t)1 << (right - 1)) : r) * ((int64_t)1 << 31);
                const int64_t a = mult ? want / mult : 0;
                acc = a > INT32_MAX || a < INT32_MIN ? 0 : (int32_t)a;
            }
            /* the requantization alone (ARMv7-M: SMLAL), the output value (ARMv6-M: the assembly), and on
             * ARMv6-M the assembly function's unclamped result */
            const int32_t w = ref(acc, mult, shift, wide), g = tml_armv6m_requantize(acc, mult, shift);
            const int32_t w8 = ref(acc, mult, shift, lim), g8 = tml_armv6m_out(acc, mult, shift, lim);
#if TML_ARMV6M_OUT_ASM
            const int32_t ga = tml_armv6m_out_asm(acc, mult, shift, wide);
#else
            const int32_t ga = w;
#endif
            cases++;
            if (w != g || w8 != g8 || w != ga) {
                if (bad < 10) {
                    bench_printf("acc %ld mult %ld shift %ld: %ld vs %ld, %ld vs %ld, %ld\n", (long)acc, (long)mult,
                        (long)shift, (long)w, (long)g, (long)w8, (long)g8, (long)ga);
                }
                bad++;
            }
        }
    }
    bench_printf("%ld of %ld differ\n", bad, cases);
    return 0;
}

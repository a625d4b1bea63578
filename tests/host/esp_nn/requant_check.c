/* ESP-NN's requantization against TFLM's (our tml_multiply_by_quantized_multiplier,
 * checked bit-exact with TFLM by the conformance tests), for tests/host/test_esp_nn_arith.py.
 * Samples (x, multiplier, shift): random ones over the whole ranges, and ones whose
 * rounded product lies near INT32_MAX (where esp_nn_div_by_power_of_two_fast overflows).
 * Prints: samples, exact-version mismatches, fast-version mismatches, mismatches the
 * prediction (rule 4 of kernels/esp_nn/tml_esp_nn.h) did not expect, predicted cases. */
#include <stdio.h>
#include <stdlib.h>
#include "common_functions.h"
#include "tml_math.h"

static uint64_t state = 88172645463325252ull;
static uint32_t rnd(void) { /* xorshift64 */
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (uint32_t)(state >> 16);
}

int main(int argc, char **argv) {
    const long n = argc > 1 ? atol(argv[1]) : 1000000;
    long exact_bad = 0, fast_bad = 0, unexpected = 0, predicted = 0;
    for (long i = 0; i < n; ++i) {
        int32_t x, mult, shift;
        mult = (int32_t)(rnd() | 0x40000000u) & 0x7fffffff; /* QuantizeMultiplier: [2^30, 2^31) */
        if (i % 8 == 7) {
            mult = -mult; /* negative scales (corrupt models: the core accepts them) */
        }
        if (i % 4 == 0) { /* near INT32_MAX (and INT32_MIN): the rounding overflow region */
            shift = -(int32_t)(rnd() % 31) - 1;
            mult = 0x7fffffff - (int32_t)(rnd() % 4096);
            x = (int32_t)(0x7fffffff - (rnd() % (1u << (-shift))) * 2);
            if (i % 8 == 4) {
                x = -x;
            }
        } else {
            shift = (int32_t)(rnd() % 63) - 31; /* [-31, 31] */
            x = (int32_t)rnd();
            if (i % 3 == 0) {
                x >>= rnd() % 31;
            }
        }
        const int32_t want = tml_multiply_by_quantized_multiplier(x, mult, shift);
        const int32_t exact = esp_nn_multiply_by_quantized_mult(x, mult, shift);
        const int32_t fast = esp_nn_multiply_by_quantized_mult_fast(x, mult, shift);
        /* rule 4: only a rounded product above INT32_MAX - 2^(s-1) (s = -shift > 0) differs */
        const int32_t left = shift > 0 ? shift : 0, s = shift > 0 ? 0 : -shift;
        const int32_t r = tml_saturating_rounding_doubling_high_mul((int32_t)((uint32_t)x << left), mult);
        const int expect_bad = s > 0 && (int64_t)r > (int64_t)INT32_MAX - ((int64_t)1 << (s - 1));
        exact_bad += exact != want;
        fast_bad += fast != want;
        predicted += expect_bad;
        unexpected += (fast != want) != expect_bad;
    }
    printf("%ld %ld %ld %ld %ld\n", n, exact_bad, fast_bad, unexpected, predicted);
    return 0;
}

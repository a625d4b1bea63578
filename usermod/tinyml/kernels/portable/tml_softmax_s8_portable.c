/* tinyml kernels: portable SOFTMAX int8 -> int8 / int16. Bit-exact
 * transcription of TFLM's reference_ops::Softmax (quantized) with gemmlowp's
 * fixed-point exp_on_negative_values and one_over_one_plus_x_for_x_in_0_1
 * (tensorflow/lite/kernels/internal/reference/softmax.h, common.h). The ref
 * backend's tml_softmax_s8 / tml_softmax_s8_s16, and the esp-nn backend's
 * where ESP-NN does not run a layer. */
#include "../tml_kernels.h"
#include "../tml_math.h"

#define SRDHM tml_saturating_rounding_doubling_high_mul

/* gemmlowp SaturatingRoundingMultiplyByPOT<e> for 0 < e < 31. */
static int32_t sat_shl(int32_t x, int e) {
    const int32_t threshold = (int32_t)((1u << (31 - e)) - 1);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return (int32_t)((uint32_t)x << e);
}

/* exp(a) for a in [-1/4, 0), Q0.31 in and out. */
static int32_t exp_interval(int32_t a) {
    const int32_t constant_term = 1895147668;
    const int32_t one_third = 715827883;
    const int32_t x = a + (1 << 28);
    const int32_t x2 = SRDHM(x, x);
    const int32_t x3 = SRDHM(x2, x);
    const int32_t x4 = SRDHM(x2, x2);
    const int32_t x4_over_4 = tml_rounding_divide_by_pot(x4, 2);
    const int32_t poly = tml_rounding_divide_by_pot(SRDHM(x4_over_4 + x3, one_third) + x2, 1);
    return constant_term + SRDHM(constant_term, x + poly);
}

/* exp(a) for a <= 0 in Q5.26, result Q0.31. */
static int32_t exp_on_negative_values(int32_t a) {
    static const int32_t mults[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    const int32_t one_quarter = 1 << 24;
    const int32_t a_mod_quarter_minus_quarter = (a & (one_quarter - 1)) - one_quarter;
    int32_t result = exp_interval(sat_shl(a_mod_quarter_minus_quarter, 5));
    const int32_t remainder = a_mod_quarter_minus_quarter - a;
    for (int i = 0; i < 7; ++i) {
        if (remainder & (1 << (24 + i))) {
            result = SRDHM(result, mults[i]);
        }
    }
    return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + a) for a in [0, 1), Q0.31 in and out. */
static int32_t one_over_one_plus_x(int32_t a) {
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int32_t half_den = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    int32_t x = 1515870810 + SRDHM(half_den, -1010580540);
    for (int i = 0; i < 3; ++i) {
        const int32_t one_minus = (1 << 29) - SRDHM(half_den, x);
        x = x + sat_shl(SRDHM(x, one_minus), 2);
    }
    return sat_shl(x, 1);
}

static int clz32(uint32_t x) {
    int n = 0;
    while (n < 32 && !(x & 0x80000000u)) {
        x <<= 1;
        ++n;
    }
    return n;
}

static tml_status_t softmax(const int8_t *input, int32_t num_rows, int32_t row_size, int32_t mult, int32_t shift,
    int32_t diff_min, void *output, int out_bits) {
    if (shift < 0 || shift > 31 || row_size <= 0) {
        return TML_ERR_KERNEL;
    }
    const int32_t out_min = out_bits == 8 ? INT8_MIN : INT16_MIN;
    const int32_t out_max = out_bits == 8 ? INT8_MAX : INT16_MAX;
    for (int32_t r = 0; r < num_rows; ++r) {
        const int8_t *in = input + r * row_size;
        int32_t max = INT8_MIN;
        for (int32_t c = 0; c < row_size; ++c) {
            max = in[c] > max ? in[c] : max;
        }
        uint32_t sum = 0;
        for (int32_t c = 0; c < row_size; ++c) {
            const int32_t diff = in[c] - max;
            if (diff >= diff_min) {
                const int32_t scaled = SRDHM((int32_t)((uint32_t)diff << shift), mult);
                sum += (uint32_t)tml_rounding_divide_by_pot(exp_on_negative_values(scaled), 12);
            }
        }
        const int headroom_plus_one = clz32(sum);
        const int32_t shifted_scale =
            one_over_one_plus_x((int32_t)((sum << (headroom_plus_one & 31)) - (1u << 31)));
        const int exponent = 12 - headroom_plus_one + 31 - out_bits;
        if (exponent < 0 || exponent > 31) {
            return TML_ERR_KERNEL;
        }
        for (int32_t c = 0; c < row_size; ++c) {
            const int32_t diff = in[c] - max;
            int32_t v = out_min;
            if (diff >= diff_min) {
                const int32_t scaled = SRDHM((int32_t)((uint32_t)diff << shift), mult);
                v = tml_rounding_divide_by_pot(SRDHM(shifted_scale, exp_on_negative_values(scaled)), exponent) +
                    out_min;
                v = v > out_max ? out_max : v;
                v = v < out_min ? out_min : v;
            }
            if (out_bits == 8) {
                ((int8_t *)output)[r * row_size + c] = (int8_t)v;
            } else {
                ((int16_t *)output)[r * row_size + c] = (int16_t)v;
            }
        }
    }
    return TML_OK;
}

tml_status_t tml_softmax_s8_portable(const tml_softmax_params_t *p, const int8_t *input, int8_t *output) {
    return softmax(input, p->num_rows, p->row_size, p->mult, p->shift, p->diff_min, output, 8);
}

tml_status_t tml_softmax_s8_s16_portable(const tml_softmax_params_t *p, const int8_t *input, int16_t *output) {
    return softmax(input, p->num_rows, p->row_size, p->mult, p->shift, p->diff_min, output, 16);
}

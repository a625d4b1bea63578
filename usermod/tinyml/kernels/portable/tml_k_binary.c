/* tinyml kernels: binary elementwise operators with numpy-style broadcasting,
 * bit-exact with TFLM's reference kernels: ADD/SUB/MUL/DIV/MAXIMUM/MINIMUM/
 * SQUARED_DIFFERENCE/PRELU (tensorflow/lite/kernels/internal/reference/add.h,
 * sub.h, mul.h, div.h, maximum_minimum.h, prelu.h, integer_ops/add.h, mul.h,
 * micro/kernels/squared_difference.cc), all through one loop nest as
 * reference/broadcast_loop.h's BroadcastBinaryOpSimple. The result of each
 * element depends on that element's inputs only, so every operator can run
 * through the same fused loops. Used by both backends. */
#include <stdbool.h>
#include <stddef.h>
#include "../tml_kernels.h"
#include "../tml_math.h"

/* n outputs; the inputs advance by sa / sb elements (0: broadcast). */
typedef void (*tml_row_fn_t)(const void *params, const void *a, int32_t sa, const void *b, int32_t sb, void *out,
    int32_t n);

static int32_t dim_ext(const tml_shape_t *s, int n, int i) {
    const int k = i - (n - s->ndims);
    return k < 0 ? 1 : s->dims[k];
}

int tml_shapes_match_extended(const tml_shape_t *a, const tml_shape_t *b) {
    const int n = a->ndims > b->ndims ? a->ndims : b->ndims;
    for (int i = 0; i < n; ++i) {
        if (dim_ext(a, n, i) != dim_ext(b, n, i)) {
            return 0;
        }
    }
    return 1;
}

/* Loop nest as BroadcastBinaryOpSimple: dimensions fused where strides allow,
 * loop 0 innermost. ea/eb/eo: element sizes in bytes. */
static tml_status_t broadcast_run(const void *params, tml_row_fn_t row, int32_t ea, int32_t eb, int32_t eo,
    const tml_shape_t *s1, const void *in1, const tml_shape_t *s2, const void *in2, const tml_shape_t *so, void *out) {
    int n = so->ndims;
    n = s1->ndims > n ? s1->ndims : n;
    n = s2->ndims > n ? s2->ndims : n;
    if (n > TML_MAX_DIMS || s1->ndims < 0 || s2->ndims < 0 || so->ndims < 0) {
        return TML_ERR_KERNEL;
    }
    if (n == 0) {
        row(params, in1, 0, in2, 0, out, 1);
        return TML_OK;
    }
    int32_t sa[TML_MAX_DIMS], sb[TML_MAX_DIMS], shape[TML_MAX_DIMS];
    int32_t acc_a = 1, acc_b = 1;
    int loops = 0;
    for (int i = n - 1; i >= 0; --i) {
        const int32_t d1 = dim_ext(s1, n, i), d2 = dim_ext(s2, n, i), d = dim_ext(so, n, i);
        if (d1 <= 0 || d2 <= 0 || d <= 0) {
            return TML_OK; /* empty */
        }
        if ((d1 != d && d1 != 1) || (d2 != d && d2 != 1)) {
            return TML_ERR_KERNEL;
        }
        const int32_t a = (d1 == 1 && d != 1) ? 0 : acc_a;
        const int32_t b = (d2 == 1 && d != 1) ? 0 : acc_b;
        /* Fusable with the previous (inner) loop: extent 1, or both strides
         * continue it (0 stays 0). The output is dense. */
        const int k = loops - 1;
        const bool fuse = loops > 0 && (d == 1 || (a == sa[k] * shape[k] && b == sb[k] * shape[k]));
        if (fuse) {
            shape[loops - 1] *= d;
        } else {
            sa[loops] = a;
            sb[loops] = b;
            shape[loops] = d;
            ++loops;
        }
        acc_a *= d1;
        acc_b *= d2;
    }
    /* Odometer over loops 1..loops-1; loop 0 is one row call. */
    int32_t idx[TML_MAX_DIMS] = {0};
    const char *pa = (const char *)in1, *pb = (const char *)in2;
    char *po = (char *)out;
    for (;;) {
        row(params, pa, sa[0], pb, sb[0], po, shape[0]);
        po += shape[0] * eo;
        int k = 1;
        for (; k < loops; ++k) {
            pa += sa[k] * ea;
            pb += sb[k] * eb;
            if (++idx[k] < shape[k]) {
                break;
            }
            pa -= sa[k] * shape[k] * ea;
            pb -= sb[k] * shape[k] * eb;
            idx[k] = 0;
        }
        if (k >= loops) {
            return TML_OK;
        }
    }
}

/* One row function per (operator, type): `expr` computes o[i] from x = *a,
 * y = *b and the parameters p. */
#define ROW(name, TA, TB, TO, PT, expr) \
    static void name(const void *pv, const void *va, int32_t sa, const void *vb, int32_t sb, void *vo, int32_t n) { \
        const PT *p = (const PT *)pv; \
        const TA *a = (const TA *)va; \
        const TB *b = (const TB *)vb; \
        TO *o = (TO *)vo; \
        (void)p; \
        for (int32_t i = 0; i < n; ++i, a += sa, b += sb) { \
            const TA x = *a; \
            const TB y = *b; \
            o[i] = (expr); \
        } \
    }

/* ActivationFunctionWithMinMax: std::min(std::max(v, lo), hi). */
static int32_t clamp_i32(int32_t v, int32_t lo, int32_t hi) {
    v = v < lo ? lo : v;
    return hi < v ? hi : v;
}

static float clamp_f32(float v, float lo, float hi) {
    v = v < lo ? lo : v;
    return hi < v ? hi : v;
}

/* MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0). */
static int32_t mbqm_smaller(int32_t x, int32_t mult, int32_t shift) {
    return tml_rounding_divide_by_pot(tml_saturating_rounding_doubling_high_mul(x, mult), -shift);
}

/* ---- quantized ADD / SUB (add.h AddElementwise, sub.h SubElementwise) ---- */

static int32_t add_sub_q(const tml_add_params_t *p, int32_t x, int32_t y, bool sub) {
    const int32_t in1 = (int32_t)((uint32_t)(p->input1_offset + x) << p->left_shift);
    const int32_t in2 = (int32_t)((uint32_t)(p->input2_offset + y) << p->left_shift);
    const int32_t s1 = mbqm_smaller(in1, p->input1_multiplier, p->input1_shift);
    const int32_t s2 = mbqm_smaller(in2, p->input2_multiplier, p->input2_shift);
    const int32_t raw = (int32_t)(sub ? (uint32_t)s1 - (uint32_t)s2 : (uint32_t)s1 + (uint32_t)s2);
    const int32_t r = mbqm_smaller(raw, p->output_multiplier, p->output_shift) + p->output_offset;
    /* std::min(act_max, std::max(act_min, r)) */
    const int32_t lo = r < p->activation.min ? p->activation.min : r;
    return p->activation.max < lo ? p->activation.max : lo;
}

ROW(add_s8_row, int8_t, int8_t, int8_t, tml_add_params_t, (int8_t)add_sub_q(p, x, y, false))
ROW(add_s16_row, int16_t, int16_t, int16_t, tml_add_params_t, (int16_t)add_sub_q(p, x, y, false))
ROW(sub_s8_row, int8_t, int8_t, int8_t, tml_add_params_t, (int8_t)add_sub_q(p, x, y, true))
ROW(sub_s16_row, int16_t, int16_t, int16_t, tml_add_params_t, (int16_t)add_sub_q(p, x, y, true))

/* ---- quantized MUL (integer_ops/mul.h MulElementwise) ---- */

static int32_t mul_q(const tml_mul_params_t *p, int32_t x, int32_t y) {
    const int32_t in1 = p->input1_offset + x, in2 = p->input2_offset + y;
    const int32_t prod = (int32_t)((uint32_t)in1 * (uint32_t)in2);
    const int32_t r = p->output_offset + tml_multiply_by_quantized_multiplier(prod, p->output_multiplier,
        p->output_shift);
    const int32_t lo = r < p->activation.min ? p->activation.min : r;
    return p->activation.max < lo ? p->activation.max : lo;
}

ROW(mul_s8_row, int8_t, int8_t, int8_t, tml_mul_params_t, (int8_t)mul_q(p, x, y))
ROW(mul_s16_row, int16_t, int16_t, int16_t, tml_mul_params_t, (int16_t)mul_q(p, x, y))

/* ---- quantized DIV (div.h DivElementwise) ---- */

static int clz32(uint32_t x) {
    int n = 0;
    if (x == 0) {
        return 32;
    }
    while (!(x & 0x80000000u)) {
        x <<= 1;
        ++n;
    }
    return n;
}

/* CountLeadingSignBits for int32 (__builtin_clrsb; 31 for 0). */
static int clrsb32(int32_t x) {
    return clz32(x < 0 ? ~(uint32_t)x : (uint32_t)x) - 1;
}

/* gemmlowp one_over_one_plus_x_for_x_in_0_1 (Q0.31 in and out). */
static int32_t one_over_one_plus_x(int32_t a) {
    const int64_t sum = (int64_t)a + INT32_MAX; /* RoundingHalfSum(a, One) */
    const int32_t half_den = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    int32_t x = (int32_t)((uint32_t)1515870810 +
        (uint32_t)tml_saturating_rounding_doubling_high_mul(half_den, -1010580540));
    for (int i = 0; i < 3; ++i) {
        const int32_t one_minus = (int32_t)((uint32_t)(1 << 29) -
            (uint32_t)tml_saturating_rounding_doubling_high_mul(half_den, x));
        int32_t t = tml_saturating_rounding_doubling_high_mul(x, one_minus);
        /* SaturatingRoundingMultiplyByPOT<2> */
        t = t > (1 << 29) - 1 ? INT32_MAX : t < -((1 << 29) - 1) ? INT32_MIN : (int32_t)((uint32_t)t << 2);
        x = (int32_t)((uint32_t)x + (uint32_t)t);
    }
    /* ExactMulByPot<-1> then Rescale<0>: SaturatingRoundingMultiplyByPOT<1> */
    return x > (1 << 30) - 1 ? INT32_MAX : x < -((1 << 30) - 1) ? INT32_MIN : (int32_t)((uint32_t)x << 1);
}

/* gemmlowp::RoundingDivideByPOT for any exponent in [0, 62]. TFLM's DIV calls
 * it with exponents above 31 when the quotient rounds to zero: the mask is
 * all ones there, and the shift, undefined in C++, is what the x86-64 build
 * of the reference (the tflite-micro package) computes: the count modulo 32. */
static int32_t rdbpot_any(int32_t x, int exponent) {
    exponent = exponent < 0 ? 0 : exponent > 62 ? 62 : exponent; /* prepare keeps it in [0, 62] */
    const int32_t mask = (int32_t)(uint32_t)((1ULL << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> (exponent & 31)) + (remainder > threshold ? 1 : 0);
}

static int32_t div_q(const tml_mul_params_t *p, int32_t x, int32_t y) {
    int32_t in1 = p->input1_offset + x, in2 = p->input2_offset + y;
    if (in2 < 0) {
        in1 = -in1;
        in2 = -in2;
    }
    /* GetReciprocal(in2, 31): for 0, CountLeadingZeros is 32 and 0 << 32 is 0 */
    const int hpo = clz32((uint32_t)in2);
    const int recip_shift = 31 - hpo;
    const uint32_t shifted = hpo >= 32 ? 0u : (uint32_t)in2 << hpo;
    const int32_t inv = one_over_one_plus_x((int32_t)(shifted - 0x80000000u));
    const int headroom = clrsb32(in1);
    /* MultiplyByQuantizedMultiplierGreaterThanOne(in1, inv, headroom) */
    const int32_t quotient = tml_saturating_rounding_doubling_high_mul(
        (int32_t)((uint32_t)in1 * ((uint32_t)1 << headroom)), inv);
    const int total_shift = p->output_shift - recip_shift - headroom;
    const int32_t r = p->output_offset +
        rdbpot_any(tml_saturating_rounding_doubling_high_mul(quotient, p->output_multiplier), -total_shift);
    const int32_t lo = r < p->activation.min ? p->activation.min : r;
    return p->activation.max < lo ? p->activation.max : lo;
}

ROW(div_s8_row, int8_t, int8_t, int8_t, tml_mul_params_t, (int8_t)div_q(p, x, y))

/* ---- quantized SQUARED_DIFFERENCE (squared_difference.cc) ---- */

static int32_t sqdiff_q(const tml_add_params_t *p, int32_t x, int32_t y) {
    const int32_t in1 = (int32_t)((uint32_t)(p->input1_offset + x) << p->left_shift);
    const int32_t in2 = (int32_t)((uint32_t)(p->input2_offset + y) << p->left_shift);
    const int32_t s1 = mbqm_smaller(in1, p->input1_multiplier, p->input1_shift);
    const int32_t s2 = mbqm_smaller(in2, p->input2_multiplier, p->input2_shift);
    const int32_t d = (int32_t)((uint32_t)s1 - (uint32_t)s2);
    const int32_t sq = (int32_t)((uint32_t)d * (uint32_t)d);
    const int32_t r = tml_multiply_by_quantized_multiplier(sq, p->output_multiplier, p->output_shift) +
        p->output_offset;
    const int32_t lo = r < p->activation.min ? p->activation.min : r;
    return p->activation.max < lo ? p->activation.max : lo;
}

ROW(sqdiff_s8_row, int8_t, int8_t, int8_t, tml_add_params_t, (int8_t)sqdiff_q(p, x, y))
ROW(sqdiff_s16_row, int16_t, int16_t, int16_t, tml_add_params_t, (int16_t)sqdiff_q(p, x, y))

/* ---- quantized PRELU (prelu.h BroadcastPrelu4DSlow) ---- */

static int32_t prelu_q(const tml_prelu_params_t *p, int32_t x, int32_t alpha, int32_t qmin, int32_t qmax) {
    const int32_t in = p->input_offset + x;
    int32_t r;
    if (in >= 0) {
        r = tml_multiply_by_quantized_multiplier(in, p->output_multiplier_1, p->output_shift_1);
    } else {
        const int32_t prod = (int32_t)((uint32_t)in * (uint32_t)(p->alpha_offset + alpha));
        r = tml_multiply_by_quantized_multiplier(prod, p->output_multiplier_2, p->output_shift_2);
    }
    r += p->output_offset;
    return qmax < (r < qmin ? qmin : r) ? qmax : (r < qmin ? qmin : r);
}

ROW(prelu_s8_row, int8_t, int8_t, int8_t, tml_prelu_params_t, (int8_t)prelu_q(p, x, y, INT8_MIN, INT8_MAX))
ROW(prelu_s16_row, int16_t, int8_t, int16_t, tml_prelu_params_t, (int16_t)prelu_q(p, x, y, INT16_MIN, INT16_MAX))

/* ---- float32 ---- */

ROW(add_f32_row, float, float, float, tml_activation_f32_t, clamp_f32(x + y, p->min, p->max))
ROW(sub_f32_row, float, float, float, tml_activation_f32_t, clamp_f32(x - y, p->min, p->max))
ROW(mul_f32_row, float, float, float, tml_activation_f32_t, clamp_f32(x * y, p->min, p->max))
ROW(div_f32_row, float, float, float, tml_activation_f32_t, clamp_f32(x / y, p->min, p->max))
ROW(sqdiff_f32_row, float, float, float, void, (x - y) * (x - y))
ROW(prelu_f32_row, float, float, float, void, x >= 0.0f ? x : x * y)
ROW(max_f32_row, float, float, float, void, x > y ? x : y)
ROW(min_f32_row, float, float, float, void, x < y ? x : y)

/* ---- int32 (wrapping as TFLM's compiled kernels) ---- */

static int32_t div_s32(int32_t x, int32_t y) {
    if (y == 0) {
        return 0;
    }
    return (x == INT32_MIN && y == -1) ? INT32_MIN : x / y;
}

static int32_t sqdiff_s32(int32_t x, int32_t y) {
    const uint32_t d = (uint32_t)x - (uint32_t)y;
    return (int32_t)(d * d);
}

ROW(add_s32_row, int32_t, int32_t, int32_t, tml_activation_t,
    clamp_i32((int32_t)((uint32_t)x + (uint32_t)y), p->min, p->max))
ROW(sub_s32_row, int32_t, int32_t, int32_t, tml_activation_t,
    clamp_i32((int32_t)((uint32_t)x - (uint32_t)y), p->min, p->max))
ROW(mul_s32_row, int32_t, int32_t, int32_t, tml_activation_t,
    clamp_i32((int32_t)((uint32_t)x * (uint32_t)y), p->min, p->max))
ROW(div_s32_row, int32_t, int32_t, int32_t, tml_activation_t, clamp_i32(div_s32(x, y), p->min, p->max))
ROW(sqdiff_s32_row, int32_t, int32_t, int32_t, void, sqdiff_s32(x, y))

/* ---- MAXIMUM / MINIMUM ---- */

ROW(max_s8_row, int8_t, int8_t, int8_t, void, x > y ? x : y)
ROW(min_s8_row, int8_t, int8_t, int8_t, void, x < y ? x : y)
ROW(max_s16_row, int16_t, int16_t, int16_t, void, x > y ? x : y)
ROW(min_s16_row, int16_t, int16_t, int16_t, void, x < y ? x : y)
ROW(max_s32_row, int32_t, int32_t, int32_t, void, x > y ? x : y)
ROW(min_s32_row, int32_t, int32_t, int32_t, void, x < y ? x : y)
ROW(max_s64_row, int64_t, int64_t, int64_t, void, x > y ? x : y)
ROW(min_s64_row, int64_t, int64_t, int64_t, void, x < y ? x : y)

/* ---- entry points ---- */

#define BINARY(fn, PT, TA, TB, TO, row) \
    tml_status_t fn(const PT *params, const tml_shape_t *input1_shape, const TA *input1, \
        const tml_shape_t *input2_shape, const TB *input2, const tml_shape_t *output_shape, TO *output) { \
        return broadcast_run(params, row, (int32_t)sizeof(TA), (int32_t)sizeof(TB), (int32_t)sizeof(TO), \
            input1_shape, input1, input2_shape, input2, output_shape, output); \
    }
#define BINARY_NP(fn, T, row) \
    tml_status_t fn(const tml_shape_t *input1_shape, const T *input1, const tml_shape_t *input2_shape, \
        const T *input2, const tml_shape_t *output_shape, T *output) { \
        return broadcast_run(NULL, row, (int32_t)sizeof(T), (int32_t)sizeof(T), (int32_t)sizeof(T), input1_shape, \
            input1, input2_shape, input2, output_shape, output); \
    }

BINARY(tml_add_s8_portable, tml_add_params_t, int8_t, int8_t, int8_t, add_s8_row)
BINARY(tml_mul_s8_portable, tml_mul_params_t, int8_t, int8_t, int8_t, mul_s8_row)
BINARY(tml_add_s16_portable, tml_add_params_t, int16_t, int16_t, int16_t, add_s16_row)
BINARY(tml_mul_s16_portable, tml_mul_params_t, int16_t, int16_t, int16_t, mul_s16_row)
BINARY(tml_sub_s8, tml_add_params_t, int8_t, int8_t, int8_t, sub_s8_row)
BINARY(tml_sub_s16, tml_add_params_t, int16_t, int16_t, int16_t, sub_s16_row)
BINARY(tml_div_s8, tml_mul_params_t, int8_t, int8_t, int8_t, div_s8_row)
BINARY(tml_squared_difference_s8, tml_add_params_t, int8_t, int8_t, int8_t, sqdiff_s8_row)
BINARY(tml_squared_difference_s16, tml_add_params_t, int16_t, int16_t, int16_t, sqdiff_s16_row)
BINARY(tml_prelu_s8, tml_prelu_params_t, int8_t, int8_t, int8_t, prelu_s8_row)
BINARY(tml_prelu_s16, tml_prelu_params_t, int16_t, int8_t, int16_t, prelu_s16_row)
BINARY(tml_add_f32, tml_activation_f32_t, float, float, float, add_f32_row)
BINARY(tml_sub_f32, tml_activation_f32_t, float, float, float, sub_f32_row)
BINARY(tml_mul_f32, tml_activation_f32_t, float, float, float, mul_f32_row)
BINARY(tml_div_f32, tml_activation_f32_t, float, float, float, div_f32_row)
BINARY(tml_add_s32, tml_activation_t, int32_t, int32_t, int32_t, add_s32_row)
BINARY(tml_sub_s32, tml_activation_t, int32_t, int32_t, int32_t, sub_s32_row)
BINARY(tml_mul_s32, tml_activation_t, int32_t, int32_t, int32_t, mul_s32_row)
BINARY(tml_div_s32, tml_activation_t, int32_t, int32_t, int32_t, div_s32_row)
BINARY_NP(tml_squared_difference_f32, float, sqdiff_f32_row)
BINARY_NP(tml_squared_difference_s32, int32_t, sqdiff_s32_row)
BINARY_NP(tml_prelu_f32, float, prelu_f32_row)
BINARY_NP(tml_maximum_s8_portable, int8_t, max_s8_row)
BINARY_NP(tml_minimum_s8_portable, int8_t, min_s8_row)
BINARY_NP(tml_maximum_s16, int16_t, max_s16_row)
BINARY_NP(tml_minimum_s16, int16_t, min_s16_row)
BINARY_NP(tml_maximum_s32, int32_t, max_s32_row)
BINARY_NP(tml_minimum_s32, int32_t, min_s32_row)
BINARY_NP(tml_maximum_s64, int64_t, max_s64_row)
BINARY_NP(tml_minimum_s64, int64_t, min_s64_row)
BINARY_NP(tml_maximum_f32, float, max_f32_row)
BINARY_NP(tml_minimum_f32, float, min_f32_row)

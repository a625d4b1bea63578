/* tinyml kernels: unary math (ABS, NEG, EXP, LOG, SQRT, RSQRT, SQUARE) and
 * L2_NORMALIZATION, bit-exact with TFLM's reference kernels
 * (tensorflow/lite/micro/kernels/elementwise.cc, exp.cc, neg.cc, l2norm.cc,
 * kernels/internal/reference/l2normalization.h, integer_ops/l2normalization.h),
 * plus the float32 elementwise activations and the int8 table lookup. The
 * float functions are the C library's, as TFLM's std:: calls (expf, logf, ...):
 * bit-exact where the C library is the one TFLM was built with. */
#include <math.h>
#include <stddef.h>
#include <string.h>
#include "../tml_kernels.h"
#include "../tml_math.h"

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

/* gemmlowp SaturatingRoundingMultiplyByPOT<e> for 0 < e < 31. */
static int32_t sat_shl(int32_t x, int e) {
    const int32_t threshold = (int32_t)((1u << (31 - e)) - 1u);
    return x > threshold ? INT32_MAX : x < -threshold ? INT32_MIN : (int32_t)((uint32_t)x << e);
}

#define SRDHM tml_saturating_rounding_doubling_high_mul

/* GetInvSqrtQuantizedMultiplierExp (kernels/internal/common.h) with
 * reverse_shift = kReverseShift (-1): 1/sqrt(input) as a multiplier and a shift
 * (negative: right). */
static void inv_sqrt_multiplier_exp(int32_t input, int32_t *output_inv_sqrt, int *output_shift) {
    if (input <= 1) {
        *output_inv_sqrt = INT32_MAX;
        *output_shift = 0;
        return;
    }
    int shift = 11;
    while (input >= (1 << 29)) {
        input /= 4;
        ++shift;
    }
    const int left_shift_bit_pairs = (clz32((uint32_t)input) - 1) / 2 - 1;
    shift -= left_shift_bit_pairs;
    input = (int32_t)((uint32_t)input << (2 * left_shift_bit_pairs));
    /* Newton-Raphson in FixedPoint<int32_t, 3> */
    const int32_t fixedpoint_input = input >> 1;
    const int32_t fixedpoint_half_input = tml_rounding_divide_by_pot(fixedpoint_input, 1);
    const int32_t fixedpoint_half_three = (1 << 28) + (1 << 27);
    int32_t x = 1 << 28;
    for (int i = 0; i < 5; i++) {
        const int32_t x3 = sat_shl(SRDHM(SRDHM(x, x), x), 6);                  /* Rescale<3>(x * x * x) */
        const int32_t d = (int32_t)((uint32_t)SRDHM(fixedpoint_half_three, x) -
            (uint32_t)SRDHM(fixedpoint_half_input, x3));
        x = sat_shl(d, 3);                                                     /* Rescale<3>(F6) */
    }
    int32_t inv = SRDHM(x, 1518500250); /* x * sqrt(2) / 2 */
    if (shift < 0) {
        inv = (int32_t)((uint32_t)inv << -shift);
        shift = 0;
    }
    *output_inv_sqrt = inv;
    *output_shift = -shift;
}

static int32_t clamp_long(int32_t v, int32_t lo, int32_t hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

/* AbsEvalQuantized */
static int32_t abs_q(const tml_abs_params_t *p, int32_t x, int32_t lo, int32_t hi) {
    const int32_t d = x - p->input_offset;
    const int32_t value = d < 0 ? -d : d;
    if (!p->needs_rescale) {
        return clamp_long(value + p->output_offset, lo, hi);
    }
    return clamp_long(tml_multiply_by_quantized_multiplier(value, p->multiplier, p->shift) + p->output_offset, lo,
        hi);
}

tml_status_t tml_abs_s8(const tml_abs_params_t *params, const int8_t *input, int8_t *output, int32_t size) {
    for (int32_t i = 0; i < size; i++) {
        output[i] = (int8_t)abs_q(params, input[i], INT8_MIN, INT8_MAX);
    }
    return TML_OK;
}

tml_status_t tml_abs_s16(const tml_abs_params_t *params, const int16_t *input, int16_t *output, int32_t size) {
    for (int32_t i = 0; i < size; i++) {
        output[i] = (int16_t)abs_q(params, input[i], INT16_MIN, INT16_MAX);
    }
    return TML_OK;
}

tml_status_t tml_abs_s16_raw(const int16_t *input, int16_t *output, int32_t size) {
    for (int32_t i = 0; i < size; i++) {
        const int32_t v = input[i];
        output[i] = (int16_t)(uint16_t)(uint32_t)(v < 0 ? -v : v);
    }
    return TML_OK;
}

/* RsqrtEvalQuantized, after TFLM's validate_input_func (input >= zero point). */
tml_status_t tml_rsqrt_s8(const tml_abs_params_t *params, const int8_t *input, int8_t *output, int32_t size) {
    enum { kShift = 20 };
    for (int32_t i = 0; i < size; i++) {
        const int32_t value = input[i] - params->input_offset;
        if (value < 0) {
            return TML_ERR_KERNEL;
        }
        if (value == 0) {
            output[i] = INT8_MAX;
            continue;
        }
        int32_t inv_sqrt_multiplier;
        int inv_sqrt_shift;
        inv_sqrt_multiplier_exp(value, &inv_sqrt_multiplier, &inv_sqrt_shift);
        const int32_t data = tml_multiply_by_quantized_multiplier(1, inv_sqrt_multiplier, inv_sqrt_shift + kShift);
        const int32_t out = tml_multiply_by_quantized_multiplier(data, params->multiplier, params->shift - kShift) +
            params->output_offset;
        output[i] = (int8_t)clamp_long(out, INT8_MIN, INT8_MAX);
    }
    return TML_OK;
}

tml_status_t tml_lut_s8(const int8_t *lut, const int8_t *input, int8_t *output, int32_t size) {
    for (int32_t i = 0; i < size; i++) {
        output[i] = lut[(uint8_t)input[i]];
    }
    return TML_OK;
}

/* std::abs(float): the sign bit cleared (fabsf, without a library call). */
static float abs_f32(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    u &= 0x7fffffffu;
    memcpy(&x, &u, 4);
    return x;
}

/* reference_ops::Logistic<float> */
static float logistic_f32(float val) {
    const float cutoff_upper = 16.619047164916992188f;
    const float cutoff_lower = -9.f;
    if (val > cutoff_upper) {
        return 1.0f;
    }
    if (val < cutoff_lower) {
        return tml_expf(val);
    }
    return 1.f / (1.f + tml_expf(-val));
}

/* reference_ops::HardSwish<float>: in * min(6, max(0, in + 3)) / 6 with
 * std::min / std::max (NaN compares select their first argument). */
static float hard_swish_f32(float in) {
    const float t = in + 3.0f;
    const float relu = 0.0f < t ? t : 0.0f;     /* std::max(0.0f, t) */
    const float relu6 = relu < 6.0f ? relu : 6.0f; /* std::min(6.0f, relu) */
    return in * relu6 / 6.0f;
}

tml_status_t tml_unary_f32(tml_unary_op_t op, const float *input, float *output, int32_t size) {
#define EACH(expr) \
    for (int32_t i = 0; i < size; i++) { \
        const float x = input[i]; \
        output[i] = (expr); \
    } \
    return TML_OK
    switch (op) {
        case TML_UNARY_ABS:
            EACH(abs_f32(x));
        case TML_UNARY_NEG:
            EACH(-x);
        case TML_UNARY_EXP:
            EACH(tml_expf(x));
        case TML_UNARY_LOG:
            EACH(logf(x));
        case TML_UNARY_SQRT:
            EACH(sqrtf(x));
        case TML_UNARY_RSQRT:
            EACH(1.f / sqrtf(x));
        case TML_UNARY_SQUARE:
            EACH(x * x);
        case TML_UNARY_TANH:
            EACH(tanhf(x));
        case TML_UNARY_LOGISTIC:
            EACH(logistic_f32(x));
        case TML_UNARY_ELU:
            EACH(x < 0.0f ? expm1f(x) : x);
        case TML_UNARY_RELU:
            EACH(x < 0.0f ? 0.0f : x);
        case TML_UNARY_RELU6:
            EACH(x > 6.0f ? 6.0f : x < 0.0f ? 0.0f : x);
        case TML_UNARY_HARD_SWISH:
            EACH(hard_swish_f32(x));
    }
#undef EACH
    return TML_ERR_KERNEL;
}

/* reference_ops::LeakyRelu (float): alpha may be > 1 or < 0. */
tml_status_t tml_leaky_relu_f32(float alpha, const float *input, float *output, int32_t size) {
    for (int32_t i = 0; i < size; i++) {
        const float val = input[i];
        output[i] = val > 0 ? val : val * alpha;
    }
    return TML_OK;
}

tml_status_t tml_l2_normalization_f32(const float *input, float *output, int32_t outer_size, int32_t depth) {
    const float epsilon = 1e-6f;
    for (int32_t i = 0; i < outer_size; ++i) {
        float squared_l2_norm = 0;
        for (int32_t c = 0; c < depth; ++c) {
            const float val = input[depth * i + c];
            squared_l2_norm += val * val;
        }
        float l2_norm = sqrtf(squared_l2_norm);
        l2_norm = l2_norm < epsilon ? epsilon : l2_norm; /* std::max(l2_norm, epsilon) */
        for (int32_t c = 0; c < depth; ++c) {
            output[depth * i + c] = input[depth * i + c] / l2_norm;
        }
    }
    return TML_OK;
}

tml_status_t tml_l2_normalization_s8(int32_t input_zero_point, const int8_t *input, int8_t *output,
    int32_t outer_size, int32_t depth) {
    enum { kOutputScale = 7 };
    for (int32_t o = 0; o < outer_size; ++o) {
        const int8_t *in = input + (size_t)depth * o;
        int32_t acc = 0;
        for (int32_t c = 0; c < depth; ++c) {
            const int32_t v = in[c] - input_zero_point;
            acc = (int32_t)((uint32_t)acc + (uint32_t)(v * v));
        }
        int32_t inv_l2norm_multiplier;
        int inv_l2norm_shift;
        inv_sqrt_multiplier_exp(acc, &inv_l2norm_multiplier, &inv_l2norm_shift);
        for (int32_t c = 0; c < depth; ++c) {
            const int32_t v = in[c] - input_zero_point;
            const int32_t q = tml_multiply_by_quantized_multiplier(v, inv_l2norm_multiplier,
                inv_l2norm_shift + kOutputScale);
            output[(size_t)depth * o + c] = (int8_t)clamp_long(q, INT8_MIN, INT8_MAX);
        }
    }
    return TML_OK;
}

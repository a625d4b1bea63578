/* tinyml kernels: activations bit-exact with TFLM's reference kernels:
 * int8 RELU, RELU6, LOGISTIC, TANH (activations.h, reference/integer_ops/
 * logistic.h, tanh.h, with gemmlowp's fixed-point logistic/tanh reproduced
 * here for int32); int16 RELU, RELU6, LOGISTIC, TANH (sigmoid table);
 * LEAKY_RELU int8/int16 (reference/leaky_relu.h); HARD_SWISH int8
 * (reference/hard_swish.h); LOG_SOFTMAX int8 (reference/log_softmax.h, with
 * gemmlowp's exp and log). */
#include <stdbool.h>
#include <stddef.h>
#include "../tml_kernels.h"
#include "../tml_math.h"

/* ---- gemmlowp fixed point (int32 raw values) ---- */

static int32_t fx_add(int32_t a, int32_t b) {
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static int32_t fx_sub(int32_t a, int32_t b) {
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

static int32_t fx_mul(int32_t a, int32_t b) {
    return tml_saturating_rounding_doubling_high_mul(a, b);
}

/* SaturatingRoundingMultiplyByPOT<e> for e > 0 (saturating left shift). */
static int32_t fx_shl_sat(int32_t x, int e) {
    const int32_t threshold = (int32_t)((1u << (31 - e)) - 1u);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return (int32_t)((uint32_t)x << e);
}

/* exp(a) for a in [-1/4, 0), Q0.31 in and out. */
static int32_t fx_exp_quarter(int32_t a) {
    const int32_t constant_term = 1895147668; /* exp(-1/8) */
    const int32_t one_third = 715827883;
    const int32_t x = fx_add(a, 1 << 28);
    const int32_t x2 = fx_mul(x, x);
    const int32_t x3 = fx_mul(x2, x);
    const int32_t x4 = fx_mul(x2, x2);
    const int32_t x4_over_4 = tml_rounding_divide_by_pot(x4, 2);
    const int32_t poly = tml_rounding_divide_by_pot(fx_add(fx_mul(fx_add(x4_over_4, x3), one_third), x2), 1);
    return fx_add(constant_term, fx_mul(constant_term, fx_add(x, poly)));
}

/* exp(a) for a <= 0 with `ib` integer bits (ib <= 5), result Q0.31. */
static int32_t fx_exp_on_negative_values(int32_t a, int ib) {
    static const int32_t mults[7] = { 1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242 };
    const int frac = 31 - ib;
    const int32_t one_quarter = (int32_t)1 << (frac - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod = fx_sub(a & mask, one_quarter);
    int32_t result = fx_exp_quarter(fx_shl_sat(a_mod, ib));
    const int32_t remainder = fx_sub(a_mod, a);
    for (int e = -2; e <= 4; e++) {
        if (ib > e && (remainder & (int32_t)(1u << (frac + e))) != 0) {
            result = fx_mul(result, mults[e + 2]);
        }
    }
    return a == 0 ? INT32_MAX : result;
}

/* Newton-Raphson 1/(1+a) for a in (0,1) in Q2.29 (shared by both helpers). */
static int32_t fx_reciprocal_q2(int32_t a) {
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    int32_t x = fx_add(1515870810, fx_mul(half_denominator, -1010580540));
    for (int i = 0; i < 3; i++) {
        const int32_t one_minus = fx_sub(1 << 29, fx_mul(half_denominator, x));
        x = fx_add(x, fx_shl_sat(fx_mul(x, one_minus), 2));
    }
    return x;
}

/* gemmlowp::logistic for FixedPoint<int32_t, 4>, result Q0.31. */
static int32_t fx_logistic_q4(int32_t a) {
    if (a == 0) {
        return 1 << 30;
    }
    const int32_t abs_a = a > 0 ? a : fx_sub(0, a);
    const int32_t e = fx_exp_on_negative_values(fx_sub(0, abs_a), 4);
    const int32_t pos = fx_shl_sat(fx_reciprocal_q2(e), 1);
    return a > 0 ? pos : fx_sub(INT32_MAX, pos);
}

/* gemmlowp::tanh for FixedPoint<int32_t, 4>, result Q0.31. */
static int32_t fx_tanh_q4(int32_t a) {
    if (a == 0) {
        return 0;
    }
    const int32_t n = a < 0 ? a : fx_sub(0, a);
    const int32_t e = fx_exp_on_negative_values(n, 5); /* ExactMulByPot<1>: same raw, 5 integer bits */
    const int32_t t = fx_shl_sat(fx_sub(fx_reciprocal_q2(e), 1 << 29), 2);
    return a < 0 ? fx_sub(0, t) : t;
}

static int8_t clamp_s8(int32_t v) {
    return (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
}

tml_status_t tml_logistic_s8(const int8_t *in, int8_t *out, int32_t n, int32_t in_zp, int32_t range_radius,
    int32_t mult, int32_t left_shift) {
    for (int32_t i = 0; i < n; i++) {
        const int32_t x = (int32_t)in[i] - in_zp;
        if (x <= -range_radius) {
            out[i] = -128;
        } else if (x >= range_radius) {
            out[i] = 127;
        } else {
            const int32_t q4 = tml_multiply_by_quantized_multiplier(x, mult, left_shift);
            out[i] = clamp_s8(tml_rounding_divide_by_pot(fx_logistic_q4(q4), 23) - 128);
        }
    }
    return TML_OK;
}

tml_status_t tml_tanh_s8(const int8_t *in, int8_t *out, int32_t n, int32_t in_zp, int32_t range_radius,
    int32_t mult, int32_t left_shift) {
    for (int32_t i = 0; i < n; i++) {
        const int32_t x = (int32_t)in[i] - in_zp;
        if (x <= -range_radius) {
            out[i] = -128;
        } else if (x >= range_radius) {
            out[i] = 127;
        } else {
            const int32_t q4 = tml_multiply_by_quantized_multiplier(x, mult, left_shift);
            out[i] = clamp_s8(tml_rounding_divide_by_pot(fx_tanh_q4(q4), 24));
        }
    }
    return TML_OK;
}

tml_status_t tml_relu_s8(const int8_t *in, int8_t *out, int32_t n, int32_t in_zp, int32_t out_zp,
    int32_t mult, int32_t shift, int32_t act_min, int32_t act_max) {
    for (int32_t i = 0; i < n; i++) {
        int32_t v = out_zp + tml_multiply_by_quantized_multiplier((int32_t)in[i] - in_zp, mult, shift);
        v = v < act_min ? act_min : v;
        v = v > act_max ? act_max : v;
        out[i] = (int8_t)v;
    }
    return TML_OK;
}

tml_status_t tml_relu6_s8(const int8_t *in, int8_t *out, int32_t n, int8_t lo, int8_t hi) {
    for (int32_t i = 0; i < n; i++) {
        const int8_t v = in[i];
        out[i] = v > hi ? hi : v < lo ? lo : v;
    }
    return TML_OK;
}

/* ---- int16 RELU / RELU6 (activations.h ReluQuantized / Relu6Quantized) ---- */

tml_status_t tml_relu_s16(const int16_t *in, int16_t *out, int32_t n, int32_t in_zp, int32_t out_zp, int32_t mult,
    int32_t shift, int32_t act_min, int32_t act_max) {
    for (int32_t i = 0; i < n; i++) {
        int32_t v = out_zp + tml_multiply_by_quantized_multiplier((int32_t)in[i] - in_zp, mult, shift);
        v = v < act_min ? act_min : v;
        v = v > act_max ? act_max : v;
        out[i] = (int16_t)v;
    }
    return TML_OK;
}

tml_status_t tml_relu6_s16(const int16_t *in, int16_t *out, int32_t n, int16_t lo, int16_t hi) {
    for (int32_t i = 0; i < n; i++) {
        const int16_t v = in[i];
        out[i] = v > hi ? hi : v < lo ? lo : v;
    }
    return TML_OK;
}

/* ---- LEAKY_RELU int8 / int16 (reference/leaky_relu.h QuantizeLeakyRelu) ---- */

static int32_t leaky_relu_q(const tml_leaky_relu_params_t *p, int32_t x, int32_t qmin, int32_t qmax) {
    const bool negative_alpha = p->multiplier_alpha < 0;
    const int32_t safe_alpha = negative_alpha ? (int32_t)(0u - (uint32_t)p->multiplier_alpha) : p->multiplier_alpha;
    const int32_t in = x - p->input_offset;
    int32_t r = p->output_offset;
    if (in >= 0) {
        r += tml_multiply_by_quantized_multiplier(in, p->multiplier_identity, p->shift_identity);
    } else {
        const int32_t scaled = tml_multiply_by_quantized_multiplier(in, safe_alpha, p->shift_alpha);
        r += negative_alpha ? -scaled : scaled;
    }
    r = r < qmin ? qmin : r; /* std::min(qmax, std::max(qmin, r)) */
    return qmax < r ? qmax : r;
}

tml_status_t tml_leaky_relu_s8(const tml_leaky_relu_params_t *params, const int8_t *input, int8_t *output,
    int32_t size) {
    for (int32_t i = 0; i < size; i++) {
        output[i] = (int8_t)leaky_relu_q(params, input[i], INT8_MIN, INT8_MAX);
    }
    return TML_OK;
}

tml_status_t tml_leaky_relu_s16(const tml_leaky_relu_params_t *params, const int16_t *input, int16_t *output,
    int32_t size) {
    for (int32_t i = 0; i < size; i++) {
        output[i] = (int16_t)leaky_relu_q(params, input[i], INT16_MIN, INT16_MAX);
    }
    return TML_OK;
}

/* ---- HARD_SWISH int8 (reference/hard_swish.h), gemmlowp int16 fixed point ---- */

/* gemmlowp SaturatingRoundingDoublingHighMul<int16_t> */
static int16_t srdhm16(int16_t a, int16_t b) {
    if (a == b && a == INT16_MIN) {
        return INT16_MAX;
    }
    const int32_t ab = (int32_t)a * (int32_t)b;
    const int16_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    return (int16_t)((ab + nudge) / (1 << 15));
}

/* SaturatingDoublingHighMul (hard_swish.h): rounds toward zero. */
static int16_t sdhm16(int16_t a, int16_t b) {
    if (a == b && a == INT16_MIN) {
        return INT16_MAX;
    }
    return (int16_t)(((int32_t)a * (int32_t)b) / (1 << 15));
}

/* gemmlowp RoundingDivideByPOT<int16_t> (exponent in [0, 31]). */
static int16_t rdbpot16(int16_t x, int exponent) {
    const int16_t mask = (int16_t)(uint16_t)((1ULL << exponent) - 1);
    const int16_t remainder = (int16_t)(x & mask);
    const int16_t threshold = (int16_t)((mask >> 1) + (x < 0 ? 1 : 0));
    return (int16_t)((x >> exponent) + (remainder > threshold ? 1 : 0));
}

/* SaturatingLeftShift (hard_swish.h) */
static int16_t sat_shl16(int16_t value, int amount) {
    int64_t r = (int64_t)value * ((int64_t)1 << amount);
    r = r < INT16_MIN ? INT16_MIN : r > INT16_MAX ? INT16_MAX : r;
    return (int16_t)r;
}

tml_status_t tml_hard_swish_s8(const tml_hard_swish_params_t *p, const int8_t *input, int8_t *output,
    int32_t size) {
    if (p->output_multiplier_exponent > 0 || p->output_multiplier_exponent < -31 ||
        p->reluish_multiplier_exponent > 31 || p->reluish_multiplier_exponent < -31) {
        return TML_ERR_KERNEL;
    }
    for (int32_t i = 0; i < size; i++) {
        const int16_t input_value = (int16_t)(input[i] - p->input_zero_point);
        const int16_t input_value_on_hires_input_scale = (int16_t)(uint16_t)((uint32_t)input_value << 7);
        const int16_t input_value_on_preshift_output_scale =
            srdhm16(input_value_on_hires_input_scale, p->output_multiplier_fixedpoint_int16);
        int16_t reluish_value = input_value_on_hires_input_scale;
        if (p->reluish_multiplier_exponent > 0) {
            reluish_value = sat_shl16(reluish_value, p->reluish_multiplier_exponent - 1);
        }
        reluish_value = srdhm16(reluish_value, p->reluish_multiplier_fixedpoint_int16);
        if (p->reluish_multiplier_exponent > 0) {
            reluish_value = sat_shl16(reluish_value, 1);
        }
        if (p->reluish_multiplier_exponent < 0) {
            reluish_value = rdbpot16(reluish_value, -p->reluish_multiplier_exponent);
        }
        reluish_value = (int16_t)((reluish_value + (1 << 15)) >> 1);
        const int16_t preshift_output_value = sdhm16(reluish_value, input_value_on_preshift_output_scale);
        int16_t output_value = rdbpot16(preshift_output_value, -p->output_multiplier_exponent);
        output_value = (int16_t)(output_value + p->output_zero_point);
        output_value = output_value < INT8_MAX ? output_value : INT8_MAX;
        output_value = output_value > INT8_MIN ? output_value : INT8_MIN;
        output[i] = (int8_t)output_value;
    }
    return TML_OK;
}

/* ---- LOGISTIC / TANH int16 (integer_ops/logistic.h, tanh.h) ---- */

/* Table of sigmoid(i/24) in 0.16 format (kernels/internal/common.h). */
static const uint16_t sigmoid_table_uint16[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
};

/* The input rescale shared by both: multiplier 0 marks a power-of-two scale. */
static int32_t sigmoid_input(int16_t x, int32_t mult, int32_t shift) {
    const int32_t round = shift > 0 ? (int32_t)(1u << (shift - 1)) : 0;
    return (int32_t)((uint32_t)x * (uint32_t)mult + (uint32_t)round) >> shift;
}

tml_status_t tml_logistic_s16(int32_t input_multiplier, int32_t input_left_shift, const int16_t *input,
    int16_t *output, int32_t size) {
    if (input_left_shift < 0 || input_left_shift > 31) {
        return TML_ERR_KERNEL;
    }
    if (input_multiplier == 0) { /* power of two case */
        input_multiplier = 3 << input_left_shift;
        input_left_shift = 0;
    }
    for (int32_t i = 0; i < size; i++) {
        const int32_t input_data = sigmoid_input(input[i], input_multiplier, input_left_shift);
        const uint32_t abs_input_data = input_data < 0 ? 0u - (uint32_t)input_data : (uint32_t)input_data;
        const uint32_t uh = abs_input_data >> 9;
        uint32_t result;
        if (uh >= 255) {
            result = 0x7FFFu << 10;
        } else {
            const uint32_t ua = sigmoid_table_uint16[uh];
            const uint32_t ub = sigmoid_table_uint16[uh + 1];
            const uint32_t ut = abs_input_data & 0x1ff;
            result = (ua << 9) + ut * (ub - ua);
        }
        result = (input_data >= 0) ? (result + (1u << 9)) : ((1u << (16 + 9)) - result + (1u << 9) - 1);
        result >>= 10;
        output[i] = (int16_t)(uint16_t)result;
    }
    return TML_OK;
}

tml_status_t tml_tanh_s16(int32_t input_multiplier, int32_t input_left_shift, const int16_t *input,
    int16_t *output, int32_t size) {
    if (input_left_shift < 0 || input_left_shift > 31) {
        return TML_ERR_KERNEL;
    }
    if (input_multiplier == 0) { /* power of two case */
        input_multiplier = 3 << input_left_shift;
        input_left_shift = 0;
    }
    for (int32_t i = 0; i < size; i++) {
        const int32_t input_data = sigmoid_input(input[i], input_multiplier, input_left_shift);
        const uint32_t abs_input_data = input_data < 0 ? 0u - (uint32_t)input_data : (uint32_t)input_data;
        const uint32_t uh = abs_input_data >> 8;
        int32_t result;
        if (uh >= 255) {
            result = 0xFFFF << 8;
        } else {
            const uint32_t ua = sigmoid_table_uint16[uh];
            const uint32_t ub = sigmoid_table_uint16[uh + 1];
            const uint8_t ut = (uint8_t)(abs_input_data & 0xFF);
            result = (int32_t)((ua << 8) + ut * (ub - ua));
        }
        result = (input_data >= 0) ? (result - (1 << (14 + 9)) + (1 << (9 - 2)))
                                   : (-result + (1 << (14 + 9)) + (1 << (9 - 2)) - 1);
        result >>= (9 - 1);
        output[i] = (int16_t)result;
    }
    return TML_OK;
}

/* ---- LOG_SOFTMAX int8 (reference/log_softmax.h LogSoftmaxQuantized) ---- */

/* SaturatingRoundingMultiplyByPOTParam for 0 <= e <= 31. */
static int32_t fx_shl_sat_param(int32_t x, int e) {
    if (e == 0) {
        return x;
    }
    const int32_t threshold = (int32_t)((1u << (31 - e)) - 1u);
    return x > threshold ? INT32_MAX : x < -threshold ? INT32_MIN : (int32_t)((uint32_t)x << e);
}

static int32_t sat_add_s32(int32_t a, int32_t b) { /* SaturatingAddNonGemmlowp */
    const int64_t s = (int64_t)a + b;
    return (int32_t)(s > INT32_MAX ? INT32_MAX : s < INT32_MIN ? INT32_MIN : s);
}

static int32_t sat_sub_s32(int32_t a, int32_t b) { /* SaturatingSub */
    const int64_t s = (int64_t)a - b;
    return (int32_t)(s > INT32_MAX ? INT32_MAX : s < INT32_MIN ? INT32_MIN : s);
}

static int clz_u32(uint32_t x) {
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

/* log_x_for_x_greater_than_or_equal_to_1_impl<5, 12> (kernels/internal/common.h):
 * input Q12.19, result Q5.26. */
static int32_t fx_log_q12_to_q5(int32_t input) {
    enum { kInputIntegerBits = 12, kAccumIntegerBits = 6 };
    const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250;
    const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769, alpha_f = 638450708;
    const int32_t shifted_quarter = tml_rounding_divide_by_pot(536870912, kAccumIntegerBits); /* Rescale<6>(1/4) */
    const int32_t z_a = input;
    const int z_a_headroom_plus_1 = clz_u32((uint32_t)z_a);
    const int32_t r_a_tmp = fx_shl_sat_param(z_a, z_a_headroom_plus_1 - 1);
    const int32_t r_a_raw = fx_shl_sat_param(fx_mul(r_a_tmp, sqrt_half), 1);
    const int32_t z_a_pow_2_adj = sat_add_s32(
        fx_shl_sat_param(kInputIntegerBits - z_a_headroom_plus_1, 31 - kAccumIntegerBits), shifted_quarter);
    const int32_t z_b = fx_mul(z_a, sqrt_half);
    const int z_b_headroom = clz_u32((uint32_t)z_b) - 1;
    const int32_t r_b_raw = fx_shl_sat_param(z_a, z_b_headroom);
    const int32_t z_b_pow_2_adj = sat_sub_s32(
        fx_shl_sat_param(kInputIntegerBits - z_b_headroom, 31 - kAccumIntegerBits), shifted_quarter);
    const int32_t r = r_a_raw < r_b_raw ? r_a_raw : r_b_raw;
    const int32_t z_pow_2_adj = z_a_pow_2_adj > z_b_pow_2_adj ? z_a_pow_2_adj : z_b_pow_2_adj;
    const int64_t half_sum = (int64_t)r + sqrt_sqrt_half; /* RoundingHalfSum(r, sqrt_sqrt_half) */
    const int32_t p = (int32_t)((half_sum + (half_sum >= 0 ? 1 : -1)) / 2);
    int32_t q = fx_sub(r, sqrt_sqrt_half);
    q = fx_add(q, q);
    const int32_t common_sq = fx_mul(q, q);
    const int32_t num = fx_add(fx_mul(q, r), fx_mul(fx_mul(q, common_sq), alpha_n));
    const int32_t denom_minus_one_0 =
        fx_add(fx_mul(p, fx_add(fx_add(alpha_i, q), fx_mul(alpha_d, common_sq))), fx_mul(alpha_f, q));
    const int32_t recip_denom = fx_shl_sat(fx_reciprocal_q2(denom_minus_one_0), 1);
    const int32_t num_scaled = tml_rounding_divide_by_pot(num, kAccumIntegerBits); /* Rescale<6> */
    /* Rescale<5>(F6): one saturating left shift */
    return fx_shl_sat(fx_add(fx_mul(z_pow_2_adj, log_2), fx_mul(num_scaled, recip_denom)), 1);
}

tml_status_t tml_log_softmax_s8(const tml_log_softmax_params_t *p, const int8_t *input, int8_t *output,
    int32_t num_rows, int32_t row_size) {
    enum { kInputIntegerBits = 5, kAccumulationIntegerBits = 12, kOutputIntegerBits = 4 };
    if (p->input_left_shift < 0 || p->input_left_shift > 30 || p->reverse_scaling_right_shift < 0 ||
        p->reverse_scaling_right_shift > 31) {
        return TML_ERR_KERNEL;
    }
    for (int32_t o = 0; o < num_rows; ++o) {
        const int8_t *in = input + (size_t)o * row_size;
        int8_t *out = output + (size_t)o * row_size;
        int32_t max_in_row = INT8_MIN;
        for (int32_t c = 0; c < row_size; ++c) {
            max_in_row = in[c] > max_in_row ? in[c] : max_in_row;
        }
        int32_t sum_of_exps_in_q12 = 0;
        for (int32_t c = 0; c < row_size; ++c) {
            const int32_t input_diff = in[c] - max_in_row;
            if (input_diff >= p->diff_min) {
                const int32_t input_diff_in_q5 =
                    tml_multiply_by_quantized_multiplier(input_diff, p->input_multiplier, p->input_left_shift);
                sum_of_exps_in_q12 = fx_add(sum_of_exps_in_q12,
                    tml_rounding_divide_by_pot(fx_exp_on_negative_values(input_diff_in_q5, kInputIntegerBits),
                        kAccumulationIntegerBits));
            }
        }
        const int32_t log_sum_of_exps_in_q5 = fx_log_q12_to_q5(sum_of_exps_in_q12);
        const int32_t shifted_log_sum_of_exps_in_q5 = fx_add(log_sum_of_exps_in_q5, INT32_MIN);
        const int32_t scaled = tml_multiply_by_quantized_multiplier(shifted_log_sum_of_exps_in_q5,
            p->reverse_scaling_divisor, -p->reverse_scaling_right_shift);
        const int32_t adjusted_diff_min = p->diff_min - 1 > scaled ? p->diff_min - 1 : scaled;
        for (int32_t c = 0; c < row_size; ++c) {
            const int32_t input_diff = in[c] - max_in_row;
            if (input_diff > adjusted_diff_min) {
                const int32_t input_diff_in_q5 =
                    tml_multiply_by_quantized_multiplier(input_diff, p->input_multiplier, p->input_left_shift);
                int32_t v = tml_rounding_divide_by_pot(fx_sub(input_diff_in_q5, log_sum_of_exps_in_q5),
                    31 - kInputIntegerBits - kOutputIntegerBits) + INT8_MAX;
                v = v < INT8_MAX ? v : INT8_MAX;
                out[c] = (int8_t)(v > INT8_MIN ? v : INT8_MIN);
            } else {
                out[c] = INT8_MIN;
            }
        }
    }
    return TML_OK;
}

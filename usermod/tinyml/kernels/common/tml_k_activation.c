/* tinyml kernels: int8 RELU, RELU6, LOGISTIC, TANH, bit-exact with TFLM's
 * reference kernels (activations.h, reference/integer_ops/logistic.h, tanh.h,
 * which use gemmlowp's fixed-point logistic/tanh, reproduced here for int32). */
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

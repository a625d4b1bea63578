/* tinyml core: quantization arithmetic, bit-compatible with TFLite. */
#include <math.h>
#include <stdbool.h>
#include <string.h>
#include "../tml_math.h"

float tml_expf(float x) {
    return x != x ? x : expf(x);
}

double tml_frexp(double x, int *exp) {
    uint64_t bits;
    memcpy(&bits, &x, 8);
    int e = (int)((bits >> 52) & 0x7ff);
    *exp = 0;
    if (e == 0) {
        if ((bits << 1) == 0) {
            return x; /* +-0 */
        }
        /* subnormal: scale up by 2^64 first */
        x *= 18446744073709551616.0;
        memcpy(&bits, &x, 8);
        e = (int)((bits >> 52) & 0x7ff) - 64;
    } else if (e == 0x7ff) {
        return x; /* inf or nan */
    }
    *exp += e - 1022;
    bits = (bits & ~(0x7ffULL << 52)) | (1022ULL << 52);
    memcpy(&x, &bits, 8);
    return x;
}

double tml_ldexp(double x, int e) {
    while (e > 1000) {
        x *= 0x1p1000;
        e -= 1000;
    }
    while (e < -1000) {
        x *= 0x1p-1000;
        e += 1000;
    }
    uint64_t bits = (uint64_t)(e + 1023) << 52;
    double p;
    memcpy(&p, &bits, 8);
    return x * p;
}

double tml_round(double x) {
    if (!(x > -4503599627370496.0 && x < 4503599627370496.0)) {
        return x; /* already integral, or nan */
    }
    double t = (double)(int64_t)x; /* truncation toward zero */
    double d = x - t;              /* exact */
    if (d >= 0.5) {
        t += 1.0;
    } else if (d <= -0.5) {
        t -= 1.0;
    }
    return t;
}

float tml_roundf(float x) {
    if (!(x > -8388608.0f && x < 8388608.0f)) {
        return x;
    }
    float t = (float)(int32_t)x;
    float d = x - t;
    if (d >= 0.5f) {
        t += 1.0f;
    } else if (d <= -0.5f) {
        t -= 1.0f;
    }
    return t;
}

double tml_floor(double x) {
    if (!(x > -4503599627370496.0 && x < 4503599627370496.0)) {
        return x;
    }
    double t = (double)(int64_t)x;
    return t > x ? t - 1.0 : t;
}

void tml_quantize_multiplier(double real_multiplier, int32_t *quantized_multiplier, int *shift) {
    uint64_t bits;
    memcpy(&bits, &real_multiplier, sizeof(bits));
    const uint32_t e = (uint32_t)(bits >> 52) & 0x7FFu;
    if (!(bits >> 63) && e - 1u < 1052u) {
        /* the usual case, a positive normal value below 2^30: q * 2^shift with q in [0.5, 1) (frexp's). x = q * 2^31,
         * the value with its exponent field set, lies in [2^30, 2^31) and is a multiple of 2^-22, so x + 0.5 is
         * exact below 2^31 (and at least 2^31 where round(x) is 2^31): round half away from zero is the
         * truncation of x + 0.5, one conversion to uint32 (an instruction with double-precision hardware,
         * where tml_round's int64 conversions are library calls) */
        int sh = (int)e - 1022;
        bits = (bits & ~(0x7FFULL << 52)) | ((uint64_t)(1022 + 31) << 52);
        double x;
        memcpy(&x, &bits, sizeof(x));
        uint32_t q = (uint32_t)(x + 0.5);
        if (q == 0x80000000u) {
            q = 0x40000000u;
            ++sh;
        }
        if (sh < -31) {
            sh = 0;
            q = 0;
        }
        *quantized_multiplier = (int32_t)q;
        *shift = sh;
        return;
    }
    if (!(real_multiplier < 0.0 || real_multiplier > 0.0)) { /* zero, or NaN from a corrupt model */
        *quantized_multiplier = 0;
        *shift = 0;
        return;
    }
    if (real_multiplier > 2147483647.0 || real_multiplier < -2147483647.0) {
        /* infinite or absurd (TFLite CHECK-fails here): saturate, defined behaviour */
        *quantized_multiplier = real_multiplier > 0.0 ? INT32_MAX : -INT32_MAX;
        *shift = 31;
        return;
    }
    const double q = tml_frexp(real_multiplier, shift);
    int64_t q_fixed = (int64_t)tml_round(q * 2147483648.0);
    if (q_fixed == (1LL << 31)) {
        q_fixed /= 2;
        ++*shift;
    }
    if (*shift < -31) {
        *shift = 0;
        q_fixed = 0;
    }
    *quantized_multiplier = (int32_t)q_fixed;
}

/* A positive normal float as m * 2^e, m in [2^23, 2^24); false for anything else. */
static bool f32_parts(float x, uint32_t *m, int *e) {
    uint32_t u;
    memcpy(&u, &x, sizeof(u));
    const uint32_t ex = (u >> 23) & 0xFFu;
    if ((u >> 31) || ex == 0u || ex == 0xFFu) {
        return false;
    }
    *m = (u & 0x7FFFFFu) | 0x800000u;
    *e = (int)ex - 150;
    return true;
}

static int bit_length64(uint64_t x) {
#if defined(__GNUC__)
    return x ? 64 - __builtin_clzll(x) : 0;
#else
    int n = 0;
    while (x >> n) {
        n++;
    }
    return n;
#endif
}

/* One step of a long division by d < 2^24, a byte at a time: the remainder r (< d) times 256 plus the
 * next byte of the dividend stays below 2^32, so each step is one 32-bit division; q collects the
 * quotient's bytes. */
static uint32_t div_byte(uint32_t q, uint32_t *r, uint32_t byte, uint32_t d) {
    const uint32_t cur = (*r << 8) | byte;
    const uint32_t qd = cur / d;
    *r = cur - qd * d;
    return (q << 8) | qd;
}

void tml_quantize_multiplier_abc(float a, float b, float c, int32_t *quantized_multiplier, int *shift) {
    uint32_t ma, mb, mc;
    int ea, eb, ec;
    if (!f32_parts(a, &ma, &ea) || !f32_parts(b, &mb, &eb) || !f32_parts(c, &mc, &ec)) {
        tml_quantize_multiplier((double)a * (double)b / (double)c, quantized_multiplier, shift);
        return;
    }
    /* (double)a * (double)b is exact (48 bits); its quotient by c, to 57 bits and a sticky bit:
     * P = q1 * mc + r1, (r1 << 32) = q2 * mc + r2, by long division a byte at a time (mc < 2^24; q1 < 2^25,
     * q2 < 2^32), 10 divisions of 32 bits where a 64-bit one is a library loop on 32-bit cores (about
     * 1,000 instructions on the Cortex-M0+, twice per channel) */
    const uint64_t p = (uint64_t)ma * mb;
    const uint32_t ph = (uint32_t)(p >> 32), pl = (uint32_t)p;
    uint32_t r = 0, q1 = 0, q2 = 0;
    q1 = div_byte(q1, &r, ph >> 8, mc);
    q1 = div_byte(q1, &r, ph & 0xFFu, mc);
    for (int i = 24; i >= 0; i -= 8) {
        q1 = div_byte(q1, &r, (pl >> i) & 0xFFu, mc);
    }
    for (int i = 0; i < 4; ++i) {
        q2 = div_byte(q2, &r, 0u, mc);
    }
    const bool sticky = r != 0u;
    const uint64_t q = ((uint64_t)q1 << 32) | q2; /* p / mc * 2^32, truncated */
    /* round to the double's 53 bits, to nearest, ties to even */
    const int nb = bit_length64(q), drop = nb - 53; /* q has 55..57 bits: drop 2..4 */
    uint64_t m = q >> drop;
    const uint64_t rem = q & ((1ULL << drop) - 1u), half = 1ULL << (drop - 1);
    if (rem > half || (rem == half && (sticky || (m & 1u)))) {
        m++;
    }
    int e = ea + eb - ec - 32 + drop; /* the quotient is m * 2^e */
    if (m == (1ULL << 53)) {
        m >>= 1;
        e++;
    }
    /* frexp: m * 2^e = (m / 2^53) * 2^(e + 53); q * 2^31 rounded half away from zero */
    int sh = e + 53;
    if (sh > 31 || (sh == 31 && m > (1ULL << 53) - (1ULL << 22))) {
        /* above 2147483647: tml_quantize_multiplier saturates */
        tml_quantize_multiplier((double)a * (double)b / (double)c, quantized_multiplier, shift);
        return;
    }
    int64_t fixed = (int64_t)((m + (1ULL << 21)) >> 22);
    if (fixed == (1LL << 31)) {
        fixed /= 2;
        sh++;
    }
    if (sh < -31) {
        sh = 0;
        fixed = 0;
    }
    *quantized_multiplier = (int32_t)fixed;
    *shift = sh;
}

void tml_quantize_multiplier_smaller_than_one_exp(double real_multiplier, int32_t *quantized_multiplier, int *left_shift) {
    tml_quantize_multiplier(real_multiplier, quantized_multiplier, left_shift);
}

void tml_quantize_multiplier_greater_than_one(double real_multiplier, int32_t *quantized_multiplier, int *left_shift) {
    tml_quantize_multiplier(real_multiplier, quantized_multiplier, left_shift);
}

void tml_preprocess_softmax_scaling(double beta, double input_scale, int input_integer_bits,
    int32_t *quantized_multiplier, int *left_shift) {
    double m = beta * input_scale * (double)(1 << (31 - input_integer_bits));
    const double max = (double)(1LL << 31) - 1.0;
    if (m > max) {
        m = max;
    }
    tml_quantize_multiplier_greater_than_one(m, quantized_multiplier, left_shift);
}

int tml_calculate_input_radius(int input_integer_bits, int input_left_shift, int total_signed_bits) {
    const double max_input_rescaled = 1.0 * ((1 << input_integer_bits) - 1) *
        (double)(1LL << (total_signed_bits - input_integer_bits)) / (double)(1LL << input_left_shift);
    return (int)tml_floor(max_input_rescaled);
}

int32_t tml_saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / (1LL << 31));
}

int32_t tml_rounding_divide_by_pot(int32_t x, int exponent) {
    const int32_t mask = (int32_t)((1LL << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + ((x < 0) ? 1 : 0);
    return (x >> exponent) + ((remainder > threshold) ? 1 : 0);
}

int32_t tml_multiply_by_quantized_multiplier(int32_t x, int32_t quantized_multiplier, int shift) {
    const int left_shift = shift > 0 ? shift : 0;
    const int right_shift = shift > 0 ? 0 : -shift;
    const int32_t shifted = (int32_t)((uint32_t)x << left_shift);
    return tml_rounding_divide_by_pot(tml_saturating_rounding_doubling_high_mul(shifted, quantized_multiplier), right_shift);
}

int32_t tml_multiply_by_quantized_multiplier_64(int64_t x, int32_t quantized_multiplier, int shift) {
    const int32_t reduced = quantized_multiplier < 0x7FFF0000 ? (quantized_multiplier + (1 << 15)) >> 16 : 0x7FFF;
    const int total_shift = 15 - shift;
    /* x * reduced + round, wrapping as the reference's int64 arithmetic does in practice */
    const uint64_t v = (uint64_t)x * (uint64_t)(int64_t)reduced + ((uint64_t)1 << (total_shift - 1));
    return (int32_t)((int64_t)v >> total_shift);
}

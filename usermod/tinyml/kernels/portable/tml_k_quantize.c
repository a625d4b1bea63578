/* tinyml kernels: QUANTIZE and DEQUANTIZE, bit-exact with TFLM's
 * reference_ops::AffineQuantize, Requantize and Dequantize. */
#include <string.h>

#include "../tml_kernels.h"
#include "../tml_math.h"

/* An FPv5 FPU (Cortex-M7 with double precision, ARMv8-M with an FPU: M33, M55) converts to an
 * integer rounding half away from zero in one instruction, VCVTA. No predefined macro tells an
 * M7's single-precision FPv5 from an M4's FPv4: those take the C path. */
#if defined(__ARM_FP) && defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M' && \
    (((__ARM_FP) & 8) || (__ARM_ARCH >= 8 && ((__ARM_FP) & 4)))
#define TML_HAVE_VCVTA 1
#include <arm_acle.h>
#else
#define TML_HAVE_VCVTA 0
#endif

/* static_cast<int32_t>(TfLiteRound(val / scale)) + zero_point, clamped. The
 * float division and rounding are in float, as TFLM. Values beyond int32
 * saturate (as the float->int conversion of Arm cores); NaN gives zero_point. */
#if !TML_HAVE_VCVTA
static int32_t quantize_one(float val, float scale, int32_t zp, int32_t lo, int32_t hi) {
    const float r = tml_roundf(val / scale);
    int64_t q;
    if (r != r) {
        q = 0;
    } else if (r >= 2147483648.0f) {
        q = INT32_MAX;
    } else if (r < -2147483648.0f) {
        q = INT32_MIN;
    } else {
        q = (int32_t)r;
    }
    q += zp;
    return (int32_t)(q < lo ? lo : q > hi ? hi : q);
}
#endif

/* quantize_one in a fraction of its instructions: with VCVTA for every value; else, inlined, for
 * |val / scale| < 2^23, where the sum of the rounded value and a zero point (at most 65,535 in
 * magnitude) cannot overflow, the other values (large, infinite, NaN) taking quantize_one. */
static inline int32_t quantize_fast(float val, float scale, int32_t zp, int32_t lo, int32_t hi) {
    const float x = val / scale;
#if TML_HAVE_VCVTA
    /* VCVTA: half away from zero to int32, saturating, NaN to 0: quantize_one's rounding and
     * conversion in one instruction, for every value; SSAT then keeps the sum with the zero point
     * in range without changing which side of [lo, hi] it falls */
    float r;
    __asm__("vcvta.s32.f32 %0, %1" : "=t"(r) : "t"(x));
    int32_t t;
    memcpy(&t, &r, sizeof(t));
    t = __ssat(t, 21);
#else
    /* on the bits (no float compares: soft-float cores call a function for each): |x| is
     * m * 2^(e - 150) with m the 24-bit mantissa; below 0.5 (e < 126) it rounds to 0, else
     * half away from zero is (m + 2^(s - 1)) >> s, s = 150 - e in 1..24 */
    uint32_t u;
    memcpy(&u, &x, sizeof(u));
    if ((u & 0x7FFFFFFFu) >= 0x4B000000u) { /* |x| >= 2^23, infinite or NaN */
        return quantize_one(val, scale, zp, lo, hi);
    }
    const uint32_t e = (u >> 23) & 0xFFu;
    int32_t t = 0;
    if (e >= 126u) {
        const uint32_t sh = 150u - e;
        t = (int32_t)((((u & 0x7FFFFFu) | 0x800000u) + (1u << (sh - 1u))) >> sh);
        t = (u >> 31) ? -t : t;
    }
#endif
    t += zp;
    return t < lo ? lo : t > hi ? hi : t;
}

tml_status_t tml_quantize_f32_s8(const float *in, int8_t *out, int32_t n, float scale, int32_t zp) {
    for (int32_t i = 0; i < n; i++) {
        out[i] = (int8_t)quantize_fast(in[i], scale, zp, INT8_MIN, INT8_MAX);
    }
    return TML_OK;
}

tml_status_t tml_quantize_f32_s16(const float *in, int16_t *out, int32_t n, float scale, int32_t zp) {
    for (int32_t i = 0; i < n; i++) {
        out[i] = (int16_t)quantize_fast(in[i], scale, zp, INT16_MIN, INT16_MAX);
    }
    return TML_OK;
}

static int32_t load(const void *p, int type, int32_t i) {
    switch (type) {
        case TML_INT8:
            return ((const int8_t *)p)[i];
        case TML_UINT8:
            return ((const uint8_t *)p)[i];
        case TML_INT16:
            return ((const int16_t *)p)[i];
        default:
            return ((const int32_t *)p)[i];
    }
}

tml_status_t tml_requantize(const void *in, int in_type, void *out, int out_type, int32_t n, int32_t mult,
    int32_t shift, int32_t in_zp, int32_t out_zp) {
    int32_t lo, hi;
    switch (out_type) {
        case TML_INT8:
            lo = INT8_MIN, hi = INT8_MAX;
            break;
        case TML_UINT8:
            lo = 0, hi = UINT8_MAX;
            break;
        case TML_INT16:
            lo = INT16_MIN, hi = INT16_MAX;
            break;
        case TML_INT32:
            lo = INT32_MIN, hi = INT32_MAX;
            break;
        default:
            return TML_ERR_KERNEL;
    }
    if ((in_type != TML_INT8 && in_type != TML_UINT8 && in_type != TML_INT16 && in_type != TML_INT32) ||
        shift < -31 || shift > 30) {
        return TML_ERR_KERNEL;
    }
    for (int32_t i = 0; i < n; i++) {
        const int32_t x = (int32_t)((uint32_t)load(in, in_type, i) - (uint32_t)in_zp);
        int64_t v = (int64_t)tml_multiply_by_quantized_multiplier(x, mult, shift) + out_zp;
        v = v < lo ? lo : v > hi ? hi : v;
        switch (out_type) {
            case TML_INT8:
                ((int8_t *)out)[i] = (int8_t)v;
                break;
            case TML_UINT8:
                ((uint8_t *)out)[i] = (uint8_t)v;
                break;
            case TML_INT16:
                ((int16_t *)out)[i] = (int16_t)v;
                break;
            default:
                ((int32_t *)out)[i] = (int32_t)v;
                break;
        }
    }
    return TML_OK;
}

tml_status_t tml_dequantize_f32(const void *in, int in_type, float *out, int32_t n, double scale, int32_t zp) {
    if (in_type != TML_INT8 && in_type != TML_UINT8 && in_type != TML_INT16) {
        return TML_ERR_KERNEL;
    }
    /* one loop per input type: no type switch per element */
    if (in_type == TML_INT8) {
        const int8_t *p = in;
        for (int32_t i = 0; i < n; i++) {
            out[i] = (float)(scale * (double)(p[i] - zp));
        }
    } else if (in_type == TML_UINT8) {
        const uint8_t *p = in;
        for (int32_t i = 0; i < n; i++) {
            out[i] = (float)(scale * (double)(p[i] - zp));
        }
    } else {
        const int16_t *p = in;
        for (int32_t i = 0; i < n; i++) {
            out[i] = (float)(scale * (double)(p[i] - zp));
        }
    }
    return TML_OK;
}

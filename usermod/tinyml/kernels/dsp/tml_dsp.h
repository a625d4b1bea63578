/* tinyml kernels for Cortex-M cores with the DSP extension and without MVE
 * (ARMv7E-M: Cortex-M4, M7; ARMv8-M Mainline with DSP: M33): CONV_2D and
 * DEPTHWISE_CONV_2D, int8, byte-equal to TFLM's reference (and CMSIS-NN). The selection table
 * (kernels/tml_select.c) gives a layer to them where tml_dsp_*_ok() says so;
 * compiled in where TML_KERNELS_DSP (tml_kernels.h) is 1.
 *
 * The SIMD and DSP instructions they use (SXTB16, SXTAB16, SADD16, SMLAD, SMLABB, SMLATT,
 * SMMULR, QADD) are the small inline
 * functions below: one instruction each where __ARM_FEATURE_DSP is defined, their
 * exact C equivalent elsewhere (the host library libtinyml-dsp.so runs the same
 * kernel C through them, so the per-op grids check it).
 *
 * CONV_2D is one matrix kernel, 4 output pixels x 1 output channel per pass over
 * the patch (K = filter h * w * c; the last 1-3 pixels: 2 pixels x 2 channels):
 *  - the pixels' patches (read in place for a 1x1 filter without padding, row
 *    by row from the input where the window lies inside and a filter row is whole
 *    words, else gathered by im2col, the padding filled with the input zero point) are
 *    widened once to int16 with the input offset added, interleaved as the inner
 *    loop reads them: per 4 patch bytes, 2 words per pixel [p even, p odd]
 *    (even: bytes 0 and 2, odd: bytes 1 and 3, SXTB16's halves);
 *  - the inner loop reads the int8 weights in place (one word = 4 weights, two
 *    SXTB16) and does 8 SMLAD per 4 weights of the channel over the 4 pixels (two
 *    LDM): 13 instructions per 16 MACs besides the loop (2x2: 15; CMSIS-NN's
 *    arm_nn_mat_mult_nt_t_s8: 20);
 *  - requantization (arm_nn_requantize exactly), the output offset and the
 *    activation clamp are fused into the output loop; where a call's accumulators
 *    are bounded small enough (tml_dsp_small), the doubling high multiply is one
 *    SMMULR and the rounding shift 3 instructions (tml_dsp_requantize_s);
 *  - where, besides, every right shift is at most 22, the whole 4-pixel pass over
 *    the channels (bias, dot products, requantization, stores) is one naked
 *    assembly function (tml_dsp_mm4), the output offset folded into the rounding
 *    constant: 7 instructions per output (LSL, SMMULR, 2 ADD, ASR, SSAT, STRB).
 *
 * DEPTHWISE_CONV_2D (depth multiplier 1, tml_dsp_dw.c), 4 channels at a time:
 *  - one 32-bit load of the HWC input holds channels c..c+3 of a tap; SXTB16 and
 *    SXTB16 ror 8 make [c, c+2] and [c+1, c+3] int16 pairs, and SMLABB / SMLATT
 *    multiply them by the group's weights, widened the same way once per group into
 *    a tap table in scratch {offset, even weights, odd weights}, filter column by
 *    column: 8 instructions per tap of 4 channels (one LDM of the tap, LDR, 2 SXTB16,
 *    4 SMLAxy);
 *  - windows inside the input multiply raw int8 values, the input offset folded
 *    into the accumulators' start (bias + offset * the weights of the filter columns
 *    inside); a column of such output pixels is one inline-assembly pass; windows
 *    crossing the top or bottom edge add the offset to each input (SADD16);
 *  - a chunk of a column's accumulators waits in scratch and is requantized 4
 *    channels per row (SMMULR + ADD for the doubling high multiply, QADD + ASR for
 *    the rounding shift with the output offset folded in, SSAT for the int8 clamp:
 *    10 instructions per output)
 *    where the channels' parameters allow, else channel by channel.
 * A DEPTHWISE_CONV_2D with one input channel (micro_speech's) runs on CONV_2D's
 * kernel instead (kernels/tml_dw_conv.h).
 *
 * FULLY_CONNECTED (tml_dsp_fc.c), batch by batch, 4 output channels (filter rows)
 * per pass over the input row: per 4 input values, one LDR and two SXTAB16 (the
 * input offset added as they widen) shared by the 4 rows, and per row one LDR of 4
 * weights, 2 SXTB16 and 2 SMLAD: 26 instructions per 16 MACs with the loop and the
 * offset pair reloaded (a naked assembly function: it needs all 14 registers;
 * CMSIS-NN's arm_nn_vec_mat_mult_t_s8, 2 rows per pass: 30); no scratch.
 *
 * ADD (tml_dsp_add.c) of equal shapes: its three requantizations per element (each input's, after the
 * left shift of 20, and the sum's) are tml_dsp_requantize_s's SMMULR and 3-instruction rounding shift
 * wherever the layer's multipliers and shifts bound every value below 2^28 (tml_dsp_add_ok, checked at
 * load; CMSIS-NN's arm_elementwise_add_s8: three 64-bit arm_nn_requantize). */
#ifndef TML_DSP_H
#define TML_DSP_H

#include <string.h>
#include "../tml_kernels.h"

#if defined(__ARM_FEATURE_DSP) && !defined(TML_DSP_PORTABLE)
static inline uint32_t tml_sxtb16(uint32_t x) {
    uint32_t r;
    __asm__("sxtb16 %0, %1" : "=r"(r) : "r"(x));
    return r;
}
static inline uint32_t tml_sxtb16_ror8(uint32_t x) {
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
static inline uint32_t tml_sadd16(uint32_t a, uint32_t b) {
    uint32_t r;
    __asm__("sadd16 %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
static inline uint32_t tml_sxtab16(uint32_t a, uint32_t x) {
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2" : "=r"(r) : "r"(a), "r"(x));
    return r;
}
static inline uint32_t tml_sxtab16_ror8(uint32_t a, uint32_t x) {
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
    return r;
}
static inline int32_t tml_smlad(uint32_t a, uint32_t b, int32_t acc) {
    int32_t r;
    __asm__("smlad %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}
static inline int32_t tml_smlabb(uint32_t a, uint32_t b, int32_t acc) {
    int32_t r;
    __asm__("smlabb %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}
static inline int32_t tml_smlatt(uint32_t a, uint32_t b, int32_t acc) {
    int32_t r;
    __asm__("smlatt %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}
static inline int32_t tml_smmulr(int32_t a, int32_t b) {
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
static inline int32_t tml_qadd(int32_t a, int32_t b) {
    int32_t r;
    __asm__("qadd %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
#else
/* the same operations in C: halves are signed 16-bit lanes, sums wrap as the instructions' do */
static inline uint32_t tml_sxtb16(uint32_t x) {
    const uint32_t lo = (uint32_t)(int32_t)(int8_t)(x & 0xFFu) & 0xFFFFu;
    const uint32_t hi = (uint32_t)(int32_t)(int8_t)((x >> 16) & 0xFFu) & 0xFFFFu;
    return lo | (hi << 16);
}
static inline uint32_t tml_sxtb16_ror8(uint32_t x) {
    return tml_sxtb16((x >> 8) | (x << 24));
}
static inline uint32_t tml_sadd16(uint32_t a, uint32_t b) {
    return ((a + b) & 0xFFFFu) | (((a >> 16) + (b >> 16)) << 16);
}
/* a + SXTB16(x), lane by lane */
static inline uint32_t tml_sxtab16(uint32_t a, uint32_t x) {
    return tml_sadd16(a, tml_sxtb16(x));
}
static inline uint32_t tml_sxtab16_ror8(uint32_t a, uint32_t x) {
    return tml_sadd16(a, tml_sxtb16_ror8(x));
}
static inline int32_t tml_smlad(uint32_t a, uint32_t b, int32_t acc) {
    const int32_t lo = (int32_t)(int16_t)(a & 0xFFFFu) * (int32_t)(int16_t)(b & 0xFFFFu);
    const int32_t hi = (int32_t)(int16_t)(a >> 16) * (int32_t)(int16_t)(b >> 16);
    return (int32_t)((uint32_t)acc + (uint32_t)lo + (uint32_t)hi);
}
/* acc + the product of the bottom (SMLABB) or top (SMLATT) halves of a and b */
static inline int32_t tml_smlabb(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(a & 0xFFFFu) * (int32_t)(int16_t)(b & 0xFFFFu)));
}
static inline int32_t tml_smlatt(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(a >> 16) * (int32_t)(int16_t)(b >> 16)));
}
/* the high word of a * b, rounded: (a * b + 2^31) >> 32 */
static inline int32_t tml_smmulr(int32_t a, int32_t b) {
    return (int32_t)(((int64_t)a * b + 0x80000000LL) >> 32);
}
/* a + b saturated to the int32 range */
static inline int32_t tml_qadd(int32_t a, int32_t b) {
    const int64_t r = (int64_t)a + b;
    return r > INT32_MAX ? INT32_MAX : r < INT32_MIN ? INT32_MIN : (int32_t)r;
}
#endif

/* 4 bytes from anywhere (an LDR on cores with unaligned access, as CMSIS-NN's arm_nn_read_s8x4) */
static inline uint32_t tml_dsp_read4(const int8_t *p) {
    uint32_t x;
    memcpy(&x, p, 4);
    return x;
}

/* arm_nn_requantize(val, mult, shift) exactly (CMSIS-NN; TFLM's MultiplyByQuantizedMultiplier): the
 * doubling high multiply ((val << left) * mult + 2^30) >> 31, then the rounding right shift of
 * arm_nn_divide_by_power_of_two (half away from zero). tml_dsp_rq_t holds what depends on the channel only. */
typedef struct {
    int32_t mult, left, right, mask;
} tml_dsp_rq_t;

static inline tml_dsp_rq_t tml_dsp_rq(int32_t mult, int32_t shift) {
    tml_dsp_rq_t r;
    r.mult = mult;
    r.left = shift > 0 ? shift : 0;
    r.right = shift > 0 ? 0 : -shift;
    r.mask = (int32_t)((1u << r.right) - 1u);
    return r;
}

static inline int32_t tml_dsp_requantize_rq(int32_t val, tml_dsp_rq_t r) {
    const int32_t x = (int32_t)((uint32_t)val << r.left);
    const int32_t h = (int32_t)(((int64_t)x * r.mult + ((int64_t)1 << 30)) >> 31);
    const int32_t d = h >> r.right;
    return d + ((h & r.mask) > (r.mask >> 1) + (int32_t)((uint32_t)h >> 31));
}

/* requantized, the output offset added, clamped to [lo, hi] */
static inline int8_t tml_dsp_out(int32_t acc, tml_dsp_rq_t r, int32_t out_off, int32_t lo, int32_t hi) {
    int32_t v = tml_dsp_requantize_rq(acc, r) + out_off;
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    return (int8_t)v;
}

/* arm_nn_requantize in fewer instructions, for a layer whose accumulators are known to stay small:
 * where |x| = |acc << left| < 2^28 and right <= 30,
 *  - the doubling high multiply h = (x * mult + 2^30) >> 31 is SMMULR(acc << (left + 1), mult)
 *    (the same quotient: (2 x m + 2^31) / 2^32 = (x m + 2^30) / 2^31, both floored; 2 x fits), and
 *  - arm_nn_divide_by_power_of_two(h, right), round half away from zero, is
 *    (2 h + 2^right - (h < 0)) >> (right + 1) (|h| <= |x|: |2 h| + 2^30 < 2^31, no overflow; for
 *    right >= 1 the odd numerator floors as h + 2^(right-1) - (h < 0) >> right does, for right 0 it
 *    gives h).
 * tml_dsp_small() says whether a call's accumulators qualify: every one is bounded by
 * max |bias| + K * 255 * 128 (an input value plus the input offset is within +-255, a weight within
 * +-128), shifted by the largest left shift; else the kernel runs tml_dsp_out's exact 64-bit path. */
typedef struct {
    int32_t mult, left1, right1, c;
} tml_dsp_rqs_t;

static inline tml_dsp_rqs_t tml_dsp_rqs(int32_t mult, int32_t shift) {
    tml_dsp_rqs_t r;
    const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    r.mult = mult;
    r.left1 = left + 1;
    r.right1 = right + 1;
    r.c = (int32_t)(1u << right);
    return r;
}

/* tml_dsp_rqs with the output offset folded into the rounding constant: c = 2^right + (out_off << (right + 1)),
 * so that tml_dsp_requantize_s gives the requantized value plus out_off, exactly where the numerator stays in
 * int32 (|2 h| < 2^29: right <= 22 for any int8 offset) */
static inline tml_dsp_rqs_t tml_dsp_rqs_out(int32_t mult, int32_t shift, int32_t out_off) {
    tml_dsp_rqs_t r = tml_dsp_rqs(mult, shift);
    r.c = (int32_t)((uint32_t)r.c + ((uint32_t)out_off << r.right1));
    return r;
}

/* tml_dsp_rqs for a value shifted left by pre before it is requantized (ADD's inputs: pre 20): one shift */
static inline tml_dsp_rqs_t tml_dsp_rqs_pre(int32_t mult, int32_t shift, int32_t pre) {
    tml_dsp_rqs_t r = tml_dsp_rqs(mult, shift);
    r.left1 += pre;
    return r;
}

/* whether tml_dsp_requantize_s may run for N channels (shifts, biases or NULL) of K-term dot products; and the
 * largest left and right shift (*left, *right: 0 if none) */
static inline int tml_dsp_small_lr(const int32_t *shift, const int32_t *bias, int32_t N, int32_t K, int32_t *left,
    int32_t *right) {
    uint64_t b = 0;
    int32_t l = 0, r = 0;
    for (int32_t n = 0; n < N; ++n) {
        const int64_t v = bias ? bias[n] : 0;
        const uint64_t a = (uint64_t)(v < 0 ? -v : v);
        b = a > b ? a : b;
        l = shift[n] > l ? shift[n] : l;
        r = -shift[n] > r ? -shift[n] : r;
    }
    *left = l;
    *right = r;
    return l < 31 && r < 31 && ((b + (uint64_t)K * 255u * 128u) << l) < ((uint64_t)1 << 28);
}
static inline int tml_dsp_small(const int32_t *shift, const int32_t *bias, int32_t N, int32_t K) {
    int32_t left, right;
    return tml_dsp_small_lr(shift, bias, N, K, &left, &right);
}

/* arm_nn_requantize(acc, mult, shift) for a call tml_dsp_small() allowed */
static inline int32_t tml_dsp_requantize_s(int32_t acc, const tml_dsp_rqs_t *r) {
    const int32_t h = tml_smmulr((int32_t)((uint32_t)acc << r->left1), r->mult);
    return (int32_t)((uint32_t)h * 2u + (uint32_t)r->c + (uint32_t)(h >> 31)) >> r->right1;
}

static inline int8_t tml_dsp_out_s(int32_t acc, const tml_dsp_rqs_t *r, int32_t out_off, int32_t lo,
    int32_t hi) {
    int32_t v = tml_dsp_requantize_s(acc, r) + out_off;
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    return (int8_t)v;
}

/* Whether the DSP kernel runs a layer (the selection table's rule; the same for every row view of the
 * layer: it reads no row count, no padding.h). */
int tml_dsp_conv_ok(const tml_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f, const tml_dims_t *out);

int tml_dsp_dw_ok(const tml_dw_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f, const tml_dims_t *out);

int tml_dsp_fc_ok(const tml_fc_params_t *p, const tml_quant_params_t *q, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out);

int32_t tml_conv_s8_dsp_get_buffer_size(const tml_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out);
tml_status_t tml_conv_s8_dsp(const tml_context_t *ctx, const tml_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *in, const int8_t *input, const tml_dims_t *f,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *out, int8_t *output);

int32_t tml_depthwise_conv_s8_dsp_get_buffer_size(const tml_dw_conv_params_t *p, const tml_dims_t *in,
    const tml_dims_t *f, const tml_dims_t *out);
tml_status_t tml_depthwise_conv_s8_dsp(const tml_context_t *ctx, const tml_dw_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *in, const int8_t *input, const tml_dims_t *f,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *out, int8_t *output);

/* ADD of equal shapes (tml_dsp_add.c): where tml_dsp_add_ok() holds, every requantization is
 * tml_dsp_requantize_s; no scratch */
int tml_dsp_add_ok(const tml_add_params_t *p, const tml_shape_t *a, const tml_shape_t *b, const tml_shape_t *out);
tml_status_t tml_add_s8_dsp(const tml_add_params_t *p, const tml_shape_t *s1, const int8_t *in1,
    const tml_shape_t *s2, const int8_t *in2, const tml_shape_t *so, int8_t *out);

/* FULLY_CONNECTED (tml_dsp_fc.c): no scratch */
tml_status_t tml_fully_connected_s8_dsp(const tml_fc_params_t *p, const tml_quant_params_t *q,
    const tml_dims_t *in, const int8_t *input, const tml_dims_t *f, const int8_t *filter, const int32_t *bias,
    const tml_dims_t *out, int8_t *output);

#endif

/* tinyml kernels for DSP cores: DEPTHWISE_CONV_2D, int8, depth multiplier 1 (see tml_dsp.h). Bit-exact with
 * TFLM's reference_integer_ops::DepthwiseConvPerChannel. */
#include "tml_dsp.h"
#include "../tml_dw_conv.h"

#if TML_KERNELS_DSP

/* The loops below in Thumb-2 assembly where the compiler optimizes (at -O0 their operands do not fit in the
 * registers it leaves free), else their C (the host library's, and any -O0 build). */
#if defined(__ARM_FEATURE_DSP) && !defined(__ARM_FEATURE_MVE) && !defined(TML_DSP_PORTABLE) && defined(__thumb2__) && \
    defined(__OPTIMIZE__)
#define TML_DSP_DW_ASM 1
#else
#define TML_DSP_DW_ASM 0
#endif

/* Output rows per pass of the requantization (the accumulators of a chunk of a column wait in scratch). */
#define TML_DSP_DW_CHUNK 8

/* The padded copy. A window crossing the input's left or right edge costs about TML_DSP_DW_PAD_SIDE instructions
 * per channel group more than a full one on the M7, one crossing the top or bottom edge TML_DSP_DW_PAD_TB more (a
 * pass per filter column, the input offset added to each tap). Where those outweigh a copy (TML_DSP_DW_PAD_WORD
 * per word, TML_DSP_DW_PAD_ROW per row) by half again (small maps: 4x4 to 8x8, whose windows mostly cross an
 * edge), the kernel copies a channel group's input, TML_DSP_DW_PAD_OUT output rows' windows at a time, into
 * scratch, one word per pixel (the group's 4 channels), the padding written out as the input's zero point
 * (-input_offset, which the weights then multiply to 0 with the offset added): every window then takes the
 * full-window pass. The copy's scratch is the same for every call of 4 or more rows, so that it does not move the
 * planner's choice of rows per in-place call; at most TML_DSP_DW_PAD_BYTES; the zero point an int8. */
#ifndef TML_DSP_DW_PAD_BYTES
#define TML_DSP_DW_PAD_BYTES 1024
#endif
#define TML_DSP_DW_PAD_OUT 4
#define TML_DSP_DW_PAD_SIDE 25
#define TML_DSP_DW_PAD_TB 70
#define TML_DSP_DW_PAD_WORD 4
#define TML_DSP_DW_PAD_ROW 15

/* The words per row of the copy (the input columns a row's windows span), and the input rows `rows` output
 * rows' windows span. */
static int32_t pad_wp(const tml_dw_conv_params_t *p, const tml_dims_t *f, const tml_dims_t *out) {
    return (out->w - 1) * p->stride.w + (f->w - 1) * p->dilation.w + 1;
}
static int32_t pad_span(const tml_dw_conv_params_t *p, const tml_dims_t *f, int32_t rows) {
    return (rows - 1) * p->stride.h + (f->h - 1) * p->dilation.h + 1;
}
/* output rows per band of the copy */
static int32_t pad_band(const tml_dims_t *out) {
    return out->h < TML_DSP_DW_PAD_OUT ? out->h : TML_DSP_DW_PAD_OUT;
}

static void inside_outputs(int32_t n, int32_t s, int32_t p, int32_t n_f, int32_t d, int32_t e, int32_t *lo,
    int32_t *hi);

/* Whether a call takes the padded copy. */
static int pad_use(const tml_dw_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f, const tml_dims_t *out) {
    const int64_t wp = pad_wp(p, f, out);
    const int32_t r = pad_band(out); /* 1 to TML_DSP_DW_PAD_OUT: the division below in 32 bits */
    if (p->input_offset < -127 || p->input_offset > 128 || pad_span(p, f, r) * wp * 4 > TML_DSP_DW_PAD_BYTES) {
        return 0;
    }
    int32_t y_lo, y_hi, x_lo, x_hi;
    inside_outputs(out->h, p->stride.h, p->padding.h, f->h, p->dilation.h, in->h, &y_lo, &y_hi);
    inside_outputs(out->w, p->stride.w, p->padding.w, f->w, p->dilation.w, in->w, &x_lo, &x_hi);
    const int64_t ny = y_hi - y_lo, nx = x_hi - x_lo;
    const int64_t edges = ny * (out->w - nx) * TML_DSP_DW_PAD_SIDE + (out->h - ny) * out->w * TML_DSP_DW_PAD_TB;
    const int64_t rows = (int64_t)((out->h + r - 1) / r) * pad_span(p, f, r);
    return 2 * edges > 3 * rows * (wp * TML_DSP_DW_PAD_WORD + TML_DSP_DW_PAD_ROW);
}

/* the tap-table kernel's rule */
static int dw_taps_ok(const tml_dw_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f, const tml_dims_t *out) {
    /* depth multiplier 1; channels in groups of 4 (the layers measured: kws_ref_model's, person_detect's);
     * input + offset an int16; output rows at least 4 pixels wide, or 3 with a filter of 25 taps or more. On
     * the M7 (the vision models' layers, instructions against CMSIS-NN's): 3x3 filters on rows of 2 or 3
     * pixels took 1.03-1.89x (the group's set-up outweighs 4 or 9 pixels), on rows of 4 0.82-0.98x; 5x5 and
     * 7x7 filters on rows of 3 0.32x and 0.44x (where CMSIS-NN's buffer would be larger than the layer's
     * tensors, it runs its kernel without one, cmsis-nn-dw-no-scratch). At most 255 filter rows (a column's
     * weight sum an int16). */
    return p->ch_mult == 1 && in->c == out->c && f->c == out->c && in->n == out->n && f->h >= 1 && f->h <= 255 &&
        f->w >= 1 && in->c >= 4 && in->c % 4 == 0 && (out->w >= 4 || (out->w >= 3 && f->h * f->w >= 25)) &&
        p->input_offset >= -32640 && p->input_offset <= 32639;
}

int tml_dsp_dw_ok(const tml_dw_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f, const tml_dims_t *out) {
    if (tml_dw_is_conv(p, in, out)) { /* one input channel: CONV_2D's kernel (tml_dw_conv.h) */
        const tml_conv_params_t cp = tml_dw_conv_params(p);
        const tml_dims_t cf = tml_dw_conv_filter_dims(f);
        return tml_dsp_conv_ok(&cp, in, &cf, out);
    }
    return dw_taps_ok(p, in, f, out);
}

/* one input channel with at most TML_DSP_DW1_TAPS taps: dw1_run (below) */
#define TML_DSP_DW1_TAPS 16
static int dw1_use(const tml_dw_conv_params_t *p, const tml_dims_t *f) {
    return f->h * f->w <= TML_DSP_DW1_TAPS && p->input_offset >= -32640 && p->input_offset <= 32639;
}
/* weight pairs per channel: 5 for up to 10 taps (3x3), else 8 */
static int32_t dw1_pairs(const tml_dims_t *f) {
    return f->h * f->w <= 10 ? 5 : 8;
}
/* the weight pairs (N x dw1_pairs words) and each channel's requantization (3 words); + 3: aligned */
static int32_t dw1_size(const tml_dims_t *f, const tml_dims_t *out) {
    return out->c * (dw1_pairs(f) + 3) * 4 + 3;
}

/* scratch: the channel group's taps, column by column of the filter (fx, then fy): 3 words each {byte offset from
 * the window's origin, weights of channels c and c + 2 (SXTB16), of c + 1 and c + 3 (SXTB16 ror 8)}; per filter
 * column, input offset * its weights' sum, 4 words; the accumulators of up to TML_DSP_DW_CHUNK output pixels x 4
 * channels; + 3: aligned */
static int32_t taps_size(const tml_dims_t *f) {
    return f->h * f->w * 12 + f->w * 16 + TML_DSP_DW_CHUNK * 16 + 3;
}

/* Scratch of a call: the tap table and accumulators, and the padded copy where the call takes it. */
static int32_t pad_size(const tml_dw_conv_params_t *p, const tml_dims_t *f, const tml_dims_t *out) {
    return pad_span(p, f, pad_band(out)) * pad_wp(p, f, out) * 4;
}
static int32_t dw_buffer_size(const tml_dw_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out) {
    return taps_size(f) + (pad_use(p, in, f, out) ? pad_size(p, f, out) : 0);
}

int32_t tml_depthwise_conv_s8_dsp_get_buffer_size(const tml_dw_conv_params_t *p, const tml_dims_t *in,
    const tml_dims_t *f, const tml_dims_t *out) {
    if (tml_dw_is_conv(p, in, out)) {
        return dw1_use(p, f) ? dw1_size(f, out) : tml_dw_conv_buffer_size(p, in, f, out, tml_conv_s8_dsp_get_buffer_size);
    }
    return dw_buffer_size(p, in, f, out);
}

/* s[0..3] = k[0..3] + the n >= 1 taps of tbl (channels c..c+3) over the input at address a (the window's
 * origin, which may lie outside the input: only the taps' addresses are read); taps_4_off: with the input offset
 * pair off2 added to every input value first. */
#if TML_DSP_DW_ASM
/* per tap: LDM of {offset, weights}, LDR of 4 input bytes, 2 SXTB16, 4 SMLAxy; 3 taps per pass. The offset's
 * register takes the even lanes once the input is loaded. */
#define TML_DSP_DW_TAP \
    "ldmia %[t]!, {r0, r1, r2}\n\t" \
    "ldr %[x], [%[a], r0]\n\t" \
    "sxtb16 r0, %[x]\n\t" \
    "sxtb16 %[x], %[x], ror #8\n\t" \
    "smlabb %[s0], r0, r1, %[s0]\n\t" \
    "smlatt %[s2], r0, r1, %[s2]\n\t" \
    "smlabb %[s1], %[x], r2, %[s1]\n\t" \
    "smlatt %[s3], %[x], r2, %[s3]\n\t"
/* with the offset pair added to the input (one register more: the second weight word loaded apart) */
#define TML_DSP_DW_TAP_OFF \
    "ldmia %[t]!, {r0, r1}\n\t" \
    "ldr %[x], [%[a], r0]\n\t" \
    "sxtb16 r0, %[x]\n\t" \
    "sxtb16 %[x], %[x], ror #8\n\t" \
    "sadd16 r0, r0, %[o2]\n\t" \
    "sadd16 %[x], %[x], %[o2]\n\t" \
    "smlabb %[s0], r0, r1, %[s0]\n\t" \
    "smlatt %[s2], r0, r1, %[s2]\n\t" \
    "ldr r1, [%[t]], #4\n\t" \
    "smlabb %[s1], %[x], r1, %[s1]\n\t" \
    "smlatt %[s3], %[x], r1, %[s3]\n\t"
#define TML_DSP_DW_LOOP(TAP) \
    "subs %[n], %[n], #3\n\t" \
    "blt 3f\n\t" \
    "1:\n\t" TAP TAP TAP \
    "subs %[n], %[n], #3\n\t" \
    "bge 1b\n\t" \
    "3:\n\t" \
    "adds %[n], %[n], #3\n\t" \
    "beq 4f\n\t" \
    "2:\n\t" TAP \
    "subs %[n], %[n], #1\n\t" \
    "bne 2b\n\t" \
    "4:\n\t"
static inline void taps_4(uintptr_t a, const uint32_t *tbl, int32_t n, const int32_t *k, int32_t *s) {
    int32_t s0 = k[0], s1 = k[1], s2 = k[2], s3 = k[3];
    uint32_t x;
    __asm__ volatile(TML_DSP_DW_LOOP(TML_DSP_DW_TAP)
                     : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [t] "+r"(tbl), [n] "+r"(n),
                     [x] "=&r"(x)
                     : [a] "r"(a)
                     : "r0", "r1", "r2", "cc", "memory");
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
}
static inline void taps_4_off(uintptr_t a, const uint32_t *tbl, int32_t n, uint32_t off2, const int32_t *k,
    int32_t *s) {
    int32_t s0 = k[0], s1 = k[1], s2 = k[2], s3 = k[3];
    uint32_t x;
    __asm__ volatile(TML_DSP_DW_LOOP(TML_DSP_DW_TAP_OFF)
                     : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [t] "+r"(tbl), [n] "+r"(n),
                     [x] "=&r"(x)
                     : [a] "r"(a), [o2] "r"(off2)
                     : "r0", "r1", "cc", "memory");
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
}
/* acc[4 i .. 4 i + 3] = kc[0..3] + the N taps at tbl over the window at a + i * step, for i < rows (>= 1): a
 * column of output pixels inside the input, one pass of N taps each (N a literal) */
#define TML_DSP_DW_COL_TAP \
    "ldmia %[t]!, {r0, r1, r2}\n\t" \
    "ldr %[x], [%[a], r0]\n\t" \
    "sxtb16 r0, %[x]\n\t" \
    "sxtb16 %[x], %[x], ror #8\n\t" \
    "smlabb r4, r0, r1, r4\n\t" \
    "smlatt r6, r0, r1, r6\n\t" \
    "smlabb r5, %[x], r2, r5\n\t" \
    "smlatt r8, %[x], r2, r8\n\t"
#define TML_DSP_DW_COL(N) \
    __asm__ volatile("1:\n\t" \
                     "ldr r0, %[kcp]\n\t" \
                     "ldm r0, {r4, r5, r6, r8}\n\t" \
                     ".rept " #N "\n\t" TML_DSP_DW_COL_TAP ".endr\n\t" \
                     "sub %[t], %[t], #" #N " * 12\n\t" \
                     "stmia %[acc]!, {r4, r5, r6, r8}\n\t" \
                     "ldr r0, %[step]\n\t" \
                     "add %[a], %[a], r0\n\t" \
                     "ldr r0, %[end]\n\t" \
                     "cmp %[acc], r0\n\t" \
                     "bne 1b\n\t" \
                     : [a] "+r"(a), [t] "+r"(tbl), [acc] "+r"(acc), [x] "=&r"(x) \
                     : [step] "m"(step), [end] "m"(end), [kcp] "m"(kc) \
                     : "r0", "r1", "r2", "r4", "r5", "r6", "r8", "cc", "memory")
static void column_taps(uintptr_t a, int32_t step, const uint32_t *tbl, int32_t n, const int32_t *kc, int32_t *acc,
    int32_t rows) {
    const int32_t *const end = acc + 4 * rows;
    uint32_t x;
    switch (n) {
        case 9:
            TML_DSP_DW_COL(9);
            return;
        case 6:
            TML_DSP_DW_COL(6);
            return;
        case 3:
            TML_DSP_DW_COL(3);
            return;
        default:
            for (; acc != end; acc += 4, a += (uintptr_t)(intptr_t)step) {
                taps_4(a, tbl, n, kc, acc);
            }
            return;
    }
}
#undef TML_DSP_DW_COL
#undef TML_DSP_DW_COL_TAP
#undef TML_DSP_DW_LOOP
#undef TML_DSP_DW_TAP
#undef TML_DSP_DW_TAP_OFF
#else
static inline void taps_4_any(uintptr_t a, const uint32_t *tbl, int32_t n, uint32_t off2, int add,
    const int32_t *k, int32_t *s) {
    int32_t s0 = k[0], s1 = k[1], s2 = k[2], s3 = k[3];
    for (const uint32_t *end = tbl + 3 * n; tbl != end; tbl += 3) {
        const uint32_t x = tml_dsp_read4((const int8_t *)(a + (uintptr_t)(intptr_t)(int32_t)tbl[0]));
        uint32_t xe = tml_sxtb16(x), xo = tml_sxtb16_ror8(x);
        if (add) {
            xe = tml_sadd16(xe, off2);
            xo = tml_sadd16(xo, off2);
        }
        s0 = tml_smlabb(xe, tbl[1], s0);
        s2 = tml_smlatt(xe, tbl[1], s2);
        s1 = tml_smlabb(xo, tbl[2], s1);
        s3 = tml_smlatt(xo, tbl[2], s3);
    }
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
}
static inline void taps_4(uintptr_t a, const uint32_t *tbl, int32_t n, const int32_t *k, int32_t *s) {
    taps_4_any(a, tbl, n, 0, 0, k, s);
}
static inline void taps_4_off(uintptr_t a, const uint32_t *tbl, int32_t n, uint32_t off2, const int32_t *k,
    int32_t *s) {
    taps_4_any(a, tbl, n, off2, 1, k, s);
}
static void column_taps(uintptr_t a, int32_t step, const uint32_t *tbl, int32_t n, const int32_t *kc, int32_t *acc,
    int32_t rows) {
    for (const int32_t *end = acc + 4 * rows; acc != end; acc += 4, a += (uintptr_t)(intptr_t)step) {
        taps_4(a, tbl, n, kc, acc);
    }
}
#endif

/* The filter taps inside the input along one axis, [*lo, *hi), for a window starting at i0 (n taps, dilation d,
 * input extent e). */
static inline void inside(int32_t i0, int32_t n, int32_t d, int32_t e, int32_t *lo, int32_t *hi) {
    int32_t l = 0, h = n;
    while (l < n && i0 + l * d < 0) {
        ++l;
    }
    while (h > l && i0 + (h - 1) * d >= e) {
        --h;
    }
    *lo = l;
    *hi = h;
}

/* The first output index from which on every window lies inside [0, e) along one axis, and one past the last
 * (out of n outputs, stride s, padding p, filter n_f taps dilated by d); lo >= hi: none. */
static void inside_outputs(int32_t n, int32_t s, int32_t p, int32_t n_f, int32_t d, int32_t e, int32_t *lo,
    int32_t *hi) {
    /* l: the least with l * s >= p; h: one past the last with (h - 1) * s <= e - 1 + p - (n_f - 1) * d */
    int32_t l = p <= 0 ? 0 : (p + s - 1) / s;
    l = l < n ? l : n;
    const int32_t m = e - 1 + p - (n_f - 1) * d;
    int32_t h = m < 0 ? 0 : m / s + 1;
    h = h < n ? h : n;
    *lo = l;
    *hi = h > l ? h : l;
}

/* What the requantization of a channel takes (arm_nn_requantize: tml_dsp_requantize_rq), for the fast paths
 * below: m2 = 2 * mult mod 2^32 (as int32), mk = (2 * mult - m2) / 2^32 (-1, 0 or 1): the doubling high multiply
 * (x * mult + 2^30) >> 31 = ((x * m2 + 2^31) >> 32) + mk * x, one SMMULR and one ADD where mk is 1. */
typedef struct {
    int32_t m2, mk, left, right;
} rq_t;

static rq_t rq_of(int32_t mult, int32_t shift) {
    rq_t r;
    r.m2 = (int32_t)((uint32_t)mult << 1);
    r.mk = ((mult >> 30) + 1) >> 1; /* (2 * mult - m2) / 2^32, without 64-bit arithmetic */
    r.left = shift > 0 ? shift : 0;
    r.right = shift > 0 ? 0 : -shift;
    return r;
}

/* The requantization of the usual channel (a multiplier in [2^30, 2^31), shift in [-23, -1], as TFLM's converter
 * makes them, and an output offset that leaves the rounding below no way to matter): h = the doubling high
 * multiply, SMMULR + ADD (mk = 1, no left shift); its rounding right shift, half away from zero, as one
 * saturating add of 2^(right - 1) - (h < 0) and an arithmetic shift (exact unless the add saturates, where both
 * results are >= 2^(31 - right) - 1 >= 255, clamped to hi alike: fast_ok). */
static int fast_ok(rq_t r, int32_t out_off, int32_t hi) {
    return r.left == 0 && r.mk == 1 && r.right >= 1 && r.right <= 23 &&
        (int64_t)(INT32_MAX >> r.right) + out_off >= hi;
}

#if TML_DSP_DW_ASM
/* 17 instructions per output */
static __attribute__((noinline)) void requant_fast(const int32_t *acc, const int32_t *end, int8_t *o,
    int32_t stride, int32_t m2, int32_t rnd, int32_t right, int32_t out_off, int32_t lo, int32_t hi) {
    int32_t x, h;
    __asm__ volatile("1:\n\t"
                     "ldr %[x], [%[acc]], #16\n\t"
                     "smmulr %[h], %[x], %[m2]\n\t"
                     "add %[h], %[h], %[x]\n\t"
                     "sub %[x], %[rnd], %[h], lsr #31\n\t"
                     "qadd %[h], %[h], %[x]\n\t"
                     "asr %[h], %[h], %[r]\n\t"
                     "add %[h], %[h], %[oo]\n\t"
                     "cmp %[h], %[lo]\n\t"
                     "it lt\n\t"
                     "movlt %[h], %[lo]\n\t"
                     "cmp %[h], %[hi]\n\t"
                     "it gt\n\t"
                     "movgt %[h], %[hi]\n\t"
                     "strb %[h], [%[o]]\n\t"
                     "add %[o], %[o], %[st]\n\t"
                     "cmp %[acc], %[end]\n\t"
                     "bne 1b\n\t"
                     : [acc] "+r"(acc), [o] "+r"(o), [x] "=&r"(x), [h] "=&r"(h)
                     : [end] "r"(end), [st] "r"(stride), [m2] "r"(m2), [rnd] "r"(rnd), [r] "r"(right),
                     [oo] "r"(out_off), [lo] "r"(lo), [hi] "r"(hi)
                     : "cc", "memory");
}
#else
static void requant_fast(const int32_t *acc, const int32_t *end, int8_t *o, int32_t stride, int32_t m2, int32_t rnd,
    int32_t right, int32_t out_off, int32_t lo, int32_t hi) {
    for (; acc != end; acc += 4, o += stride) {
        const int32_t x = *acc;
        int32_t h = (int32_t)((uint32_t)tml_smmulr(x, m2) + (uint32_t)x);
        h = tml_qadd(h, rnd - (int32_t)((uint32_t)h >> 31)) >> right;
        int32_t v = (int32_t)((uint32_t)h + (uint32_t)out_off);
        v = v < lo ? lo : v;
        v = v > hi ? hi : v;
        *o = (int8_t)v;
    }
}
#endif

/* The 4 channels of n rows of a chunk at once, where each channel is fast_ok and the clamp is the int8 range
 * (lo -128, hi 127: one SSAT): o[i * stride + k] from acc[4 * i + k]; pb: per channel {m2, 2^(right - 1) + (out_off << right), right}. */
#if TML_DSP_DW_ASM
#define TML_DSP_DW_RQ(K) \
    "ldmia %[p]!, {r0, r1, r2}\n\t" \
    "ldr %[x], [%[acc]], #4\n\t" \
    "smmulr %[h], %[x], r0\n\t" \
    "add %[h], %[h], %[x]\n\t" \
    "sub %[x], r1, %[h], lsr #31\n\t" \
    "qadd %[h], %[h], %[x]\n\t" \
    "asr %[h], %[h], r2\n\t" \
    "ssat %[h], #8, %[h]\n\t" \
    "strb %[h], [%[o], #" #K "]\n\t"
/* 10 instructions per output */
static __attribute__((noinline)) void requant4_s8(const int32_t *acc, int32_t n, int8_t *o, int32_t stride,
    const int32_t *pb) {
    const int32_t *const end = acc + 4 * n;
    int32_t x, h;
    __asm__ volatile("1:\n\t" TML_DSP_DW_RQ(0) TML_DSP_DW_RQ(1) TML_DSP_DW_RQ(2) TML_DSP_DW_RQ(3)
                     "sub %[p], %[p], #48\n\t"
                     "add %[o], %[o], %[st]\n\t"
                     "cmp %[acc], %[end]\n\t"
                     "bne 1b\n\t"
                     : [acc] "+r"(acc), [o] "+r"(o), [p] "+r"(pb), [x] "=&r"(x), [h] "=&r"(h)
                     : [end] "r"(end), [st] "r"(stride)
                     : "r0", "r1", "r2", "cc", "memory");
}
#undef TML_DSP_DW_RQ
#else
static void requant4_s8(const int32_t *acc, int32_t n, int8_t *o, int32_t stride, const int32_t *pb) {
    for (const int32_t *end = acc + 4 * n; acc != end; o += stride) {
        for (int32_t k = 0; k < 4; ++k, ++acc) {
            const int32_t x = *acc;
            int32_t h = (int32_t)((uint32_t)tml_smmulr(x, pb[3 * k]) + (uint32_t)x);
            int32_t v = tml_qadd(h, pb[3 * k + 1] - (int32_t)((uint32_t)h >> 31)) >> pb[3 * k + 2];
            v = v < -128 ? -128 : v;
            v = v > 127 ? 127 : v;
            o[k] = (int8_t)v;
        }
    }
}
#endif

/* A channel's requantization for requant, chosen once per channel group: the fast path's parameters, or the
 * general one's. */
typedef struct {
    int fast;
    int32_t m2, rnd, right;
    tml_dsp_rq_t g;
} ch_rq_t;

static void ch_rq_of(int32_t mult, int32_t shift, int32_t out_off, int32_t hi, ch_rq_t *cr) {
    const rq_t r = rq_of(mult, shift);
    cr->fast = fast_ok(r, out_off, hi);
    cr->m2 = r.m2;
    cr->right = r.right;
    cr->rnd = cr->fast ? (int32_t)(1u << (r.right - 1)) : 0;
    if (!cr->fast) {
        cr->g = tml_dsp_rq(mult, shift);
    }
}

/* o[i * stride] = acc[4 * i] requantized, the output offset added, clamped, for i < n: one channel of a chunk
 * (the general path: tml_dsp_out) */
static void requant(const int32_t *acc, int32_t n, int8_t *o, int32_t stride, const ch_rq_t *cr, int32_t out_off,
    int32_t lo, int32_t hi) {
    if (cr->fast) {
        requant_fast(acc, acc + 4 * n, o, stride, cr->m2, cr->rnd, cr->right, out_off, lo, hi);
        return;
    }
    for (const int32_t *end = acc + 4 * n; acc != end; acc += 4, o += stride) {
        *o = tml_dsp_out(*acc, cr->g, out_off, lo, hi);
    }
}

/* kc[0..3] = b0 + the input offset * the weights of filter columns [l, h) (colk: per column) */
static void class_start(const int32_t *colk, int32_t l, int32_t h, const int32_t *b0, int32_t *kc) {
    int32_t k0 = b0[0], k1 = b0[1], k2 = b0[2], k3 = b0[3];
    for (const int32_t *k = colk + 4 * l; k != colk + 4 * h; k += 4) {
        k0 += k[0];
        k1 += k[1];
        k2 += k[2];
        k3 += k[3];
    }
    kc[0] = k0;
    kc[1] = k1;
    kc[2] = k2;
    kc[3] = k3;
}

/* s[0..3] for an output pixel whose window crosses the top or bottom edge: b0 + its taps inside (filter columns
 * [lx, hx), rows [ly, hy); tbl column by column, fh taps each), the input offset added to each (apart from the
 * column loop, whose registers it would need) */
static __attribute__((noinline)) void edge_row(uintptr_t a, const uint32_t *tbl, int32_t fh, int32_t lx,
    int32_t hx, int32_t ly, int32_t hy, uint32_t off2, const int32_t *b0, int32_t *s) {
    s[0] = b0[0];
    s[1] = b0[1];
    s[2] = b0[2];
    s[3] = b0[3];
    if (ly < hy) {
        for (int32_t fx = lx; fx < hx; ++fx) {
            taps_4_off(a, tbl + 3 * (fx * fh + ly), hy - ly, off2, s, s);
        }
    }
}

/* dst[j * wp + x] = the 4 channels' bytes (at src, the input + the group's first channel) of input row iy0 + j,
 * column ix0 + x, or zw outside the input, for j < rows, x < wp */
static void pad_copy(uint32_t *dst, const int8_t *src, int32_t iy0, int32_t rows, int32_t ix0, int32_t wp,
    int32_t H, int32_t W, int32_t C, uint32_t zw) {
    /* columns [xl, xr) inside the input */
    const int32_t xl = ix0 >= 0 ? 0 : -ix0 < wp ? -ix0 : wp;
    const int32_t xr = W - ix0 < xl ? xl : W - ix0 < wp ? W - ix0 : wp;
    for (int32_t j = 0; j < rows; ++j, dst += wp) {
        const int32_t iy = iy0 + j;
        if (iy < 0 || iy >= H) {
            for (int32_t x = 0; x < wp; ++x) {
                dst[x] = zw;
            }
            continue;
        }
        for (int32_t x = 0; x < xl; ++x) {
            dst[x] = zw;
        }
        const int8_t *s = src + ((int32_t)iy * W + ix0 + xl) * C;
        int32_t x = xl;
        for (; x + 2 <= xr; x += 2, s += 2 * C) {
            const uint32_t v0 = tml_dsp_read4(s), v1 = tml_dsp_read4(s + C);
            dst[x] = v0;
            dst[x + 1] = v1;
        }
        if (x < xr) {
            dst[x] = tml_dsp_read4(s);
        }
        for (int32_t x = xr; x < wp; ++x) {
            dst[x] = zw;
        }
    }
}

/* A channel group's outputs (input and output at the group's first channel) from the padded copy, a band of
 * output rows at a time: every window the full-window pass (tbl: the taps' offsets in the copy; kfull: the
 * accumulators' start; fast4, pb, cr: as in the kernel). Apart, so that the kernel's other loops compile as they
 * did without it. */
static __attribute__((noinline)) void group_padded(const tml_dw_conv_params_t *p, const tml_dims_t *in,
    const int8_t *input, const tml_dims_t *f, const tml_dims_t *out, int8_t *output, const uint32_t *tbl,
    const int32_t *kfull, int32_t *accs, uint32_t *pbuf, int fast4, const int32_t *pb, const ch_rq_t *cr) {
    const int32_t C = in->c, W = in->w, H = in->h, oh = out->h, ow = out->w, sh = p->stride.h, sw = p->stride.w;
    const int32_t wp = pad_wp(p, f, out), band = pad_band(out), taps = f->h * f->w;
    const int32_t in_px = H * W * C, out_px = oh * ow * C;
    const int32_t out_off = p->output_offset, lo = p->activation.min, hi = p->activation.max;
    /* outside the input: the zero point in each channel */
    const uint32_t zw = (uint32_t)(uint8_t)(-p->input_offset) * 0x01010101u;
    for (int32_t b = 0; b < in->n; ++b) {
        for (int32_t oy0 = 0; oy0 < oh; oy0 += band) {
            const int32_t rows = oh - oy0 < band ? oh - oy0 : band;
            pad_copy(pbuf, input + b * in_px, oy0 * sh - p->padding.h, pad_span(p, f, rows), -p->padding.w, wp, H, W,
                C, zw);
            for (int32_t oy = oy0; oy < oy0 + rows; ++oy) {
                const uint32_t *a_row = pbuf + (oy - oy0) * sh * wp;
                for (int32_t ox0 = 0; ox0 < ow; ox0 += TML_DSP_DW_CHUNK) {
                    const int32_t n = ow - ox0 < TML_DSP_DW_CHUNK ? ow - ox0 : TML_DSP_DW_CHUNK;
                    column_taps((uintptr_t)(a_row + ox0 * sw), sw * 4, tbl, taps, kfull, accs, n);
                    int8_t *o = output + b * out_px + (oy * ow + ox0) * C;
                    if (fast4) {
                        requant4_s8(accs, n, o, C, pb);
                    } else {
                        for (int32_t k = 0; k < 4; ++k) {
                            requant(accs + k, n, o + k, C, &cr[k], out_off, lo, hi);
                        }
                    }
                }
            }
        }
    }
}

/* One input channel, depth multiplier = the N >= 2 output channels, at most TML_DSP_DW1_TAPS filter taps
 * (person_detect's first layer: 3x3, stride 2, 8 outputs): per output pixel, the window's values (each + the input
 * offset; 0 for a tap outside the input, which TFLM skips) packed in int16 pairs once, then each output channel
 * as SMLADs against its weights, packed in pairs into the scratch at the call's start. The CONV_2D kernel, which
 * takes such layers otherwise (tml_dw_conv.h), gathers a patch per pixel for one MAC per value and channel: on
 * the M7 person_detect's layer took 0.695 of TFLM's instructions so. dw1_use, dw1_size: above. */

/* The outputs of one pixel (o[n], n < N) from its window's value pairs xp[0..P) and the weight pairs wp (P words per
 * channel); pb, fast: as in dw1_run. P a constant where it is inlined: the pairs stay in registers. */
static inline __attribute__((always_inline)) void dw1_pixel(const uint32_t *xp, const uint32_t *wp, int32_t P,
    int32_t N, const int32_t *bias, const int32_t *pb, int fast, const tml_per_channel_quant_params_t *q,
    int32_t out_off, int32_t lo, int32_t hi, int8_t *o) {
    for (int32_t n = 0; n < N; ++n, wp += P) {
        int32_t acc = bias ? bias[n] : 0;
        if (P == 5) { /* written out: GCC -O2 keeps the loop */
            acc = tml_smlad(xp[0], wp[0], acc);
            acc = tml_smlad(xp[1], wp[1], acc);
            acc = tml_smlad(xp[2], wp[2], acc);
            acc = tml_smlad(xp[3], wp[3], acc);
            acc = tml_smlad(xp[4], wp[4], acc);
        } else {
            for (int32_t j = 0; j < P; ++j) {
                acc = tml_smlad(xp[j], wp[j], acc);
            }
        }
        int32_t v;
        if (fast) {
            const int32_t *r = pb + 3 * n;
            const int32_t h = (int32_t)((uint32_t)tml_smmulr(acc, r[0]) + (uint32_t)acc);
            v = tml_qadd(h, r[1] - (int32_t)((uint32_t)h >> 31)) >> r[2];
            v = v < lo ? lo : v > hi ? hi : v;
        } else {
            v = tml_dsp_out(acc, tml_dsp_rq(q->multiplier[n], q->shift[n]), out_off, lo, hi);
        }
        o[n] = (int8_t)v;
    }
}

/* dw1_run's per-call set-up, apart (its loops keep their registers): each channel's requantization parameters pb
 * and weight pairs wp. Whether every channel takes the short requantization: */
static __attribute__((noinline)) int dw1_pack(const tml_per_channel_quant_params_t *q, const int8_t *filter, int32_t N,
    int32_t K, int32_t P, int32_t out_off, int32_t hi, uint32_t *wp, int32_t *pb) {
    /* fast: every channel takes the short requantization (fast_ok; pb: m2, the rounding constant with the output
     * offset folded in, the right shift), clamped to [lo, hi]; else each output tml_dsp_out */
    int fast = 1;
    for (int32_t n = 0; n < N; ++n) {
        const rq_t r = rq_of(q->multiplier[n], q->shift[n]);
        fast = fast && fast_ok(r, out_off, hi);
        pb[3 * n] = r.m2;
        pb[3 * n + 1] = fast ? (int32_t)((1u << (r.right - 1)) + ((uint32_t)out_off << r.right)) : 0;
        pb[3 * n + 2] = r.right;
    }
    /* the filter [1][h][w][N]: channel n's taps k at filter[k * N + n], in pairs (0 beyond the last tap): a pair
     * of filter rows at a time, read along the channels */
    for (int32_t j = 0; j < P; ++j) {
        const int8_t *w0 = filter + 2 * j * N, *w1 = w0 + N;
        uint32_t *d = wp + j;
        int32_t n = 0;
        /* 4 channels at a time: both rows' words widened, their lanes paired (PKHBT, PKHTB) */
        const int one = 2 * j < K, two = 2 * j + 1 < K; /* the pair's taps in the filter (0 beyond) */
        for (; n + 4 <= N; n += 4, d += 4 * P) {
            const uint32_t x = one ? tml_dsp_read4(w0 + n) : 0u, y = two ? tml_dsp_read4(w1 + n) : 0u;
            const uint32_t xe = tml_sxtb16(x), xo = tml_sxtb16_ror8(x), ye = tml_sxtb16(y), yo = tml_sxtb16_ror8(y);
            d[0] = (xe & 0xFFFFu) | (ye << 16);
            d[P] = (xo & 0xFFFFu) | (yo << 16);
            d[2 * P] = (ye & 0xFFFF0000u) | (xe >> 16);
            d[3 * P] = (yo & 0xFFFF0000u) | (xo >> 16);
        }
        if (two) {
            for (; n < N; ++n, d += P) {
                *d = ((uint32_t)w0[n] & 0xFFFFu) | ((uint32_t)w1[n] << 16);
            }
        } else {
            for (; n < N; ++n, d += P) {
                *d = one ? (uint32_t)w0[n] & 0xFFFFu : 0u;
            }
        }
    }
    return fast;
}

static __attribute__((noinline)) tml_status_t dw1_run(const tml_context_t *ctx, const tml_dw_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *in, const int8_t *input, const tml_dims_t *f,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *out, int8_t *output) {
    const int32_t N = out->c, fh = f->h, fw = f->w, K = fh * fw, P = dw1_pairs(f);
    if (!ctx || !ctx->buf || ctx->size < dw1_size(f, out) || f->c != N || in->n != out->n) {
        return TML_ERR_KERNEL;
    }
    const int32_t H = in->h, W = in->w, oh = out->h, ow = out->w;
    const int32_t sh = p->stride.h, sw = p->stride.w, dh = p->dilation.h, dw = p->dilation.w;
    const int32_t ph = p->padding.h, pw = p->padding.w, off = p->input_offset;
    const int32_t out_off = p->output_offset, lo = p->activation.min, hi = p->activation.max;
    uint32_t *wp = (uint32_t *)(((uintptr_t)ctx->buf + 3u) & ~(uintptr_t)3u);
    int32_t *pb = (int32_t *)(wp + N * P);
    const int fast = dw1_pack(q, filter, N, K, P, out_off, hi, wp, pb);
    for (int32_t b = 0; b < in->n; ++b) {
        const int8_t *in_b = input + b * H * W;
        int8_t *o = output + b * oh * ow * N;
        for (int32_t oy = 0; oy < oh; ++oy) {
            const int32_t iy0 = oy * sh - ph;
            for (int32_t ox = 0; ox < ow; ++ox, o += N) {
                const int32_t ix0 = ox * sw - pw;
                uint32_t xp[TML_DSP_DW1_TAPS / 2];
                if (fh == 3 && fw == 3 && iy0 >= 0 && iy0 + 2 * dh < H && ix0 >= 0 && ix0 + 2 * dw < W) {
                    /* a 3x3 window inside the input */
                    const int8_t *r0 = in_b + iy0 * W + ix0, *r1 = r0 + dh * W, *r2 = r1 + dh * W;
                    const int32_t d2 = 2 * dw;
#define TML_DSP_DW1_PK(a, b) (((uint32_t)((a) + off) & 0xFFFFu) | ((uint32_t)((b) + off) << 16))
                    xp[0] = TML_DSP_DW1_PK(r0[0], r0[dw]);
                    xp[1] = TML_DSP_DW1_PK(r0[d2], r1[0]);
                    xp[2] = TML_DSP_DW1_PK(r1[dw], r1[d2]);
                    xp[3] = TML_DSP_DW1_PK(r2[0], r2[dw]);
                    xp[4] = (uint32_t)(r2[d2] + off) & 0xFFFFu;
#undef TML_DSP_DW1_PK
                    dw1_pixel(xp, wp, 5, N, bias, pb, fast, q, out_off, lo, hi, o);
                    continue;
                }
                /* the window's values + the offset, 0 outside the input and beyond the last tap, in pairs */
                uint32_t pair = 0;
                int32_t k = 0;
                for (int32_t fy = 0; fy < fh; ++fy) {
                    const int32_t iy = iy0 + fy * dh;
                    const int row_in = iy >= 0 && iy < H;
                    const int8_t *row = in_b + iy * W;
                    for (int32_t fx = 0; fx < fw; ++fx, ++k) {
                        const int32_t ix = ix0 + fx * dw;
                        const uint32_t v = row_in && ix >= 0 && ix < W ? (uint32_t)(row[ix] + off) & 0xFFFFu : 0u;
                        if (k & 1) {
                            xp[k >> 1] = pair | (v << 16);
                        } else {
                            pair = v;
                        }
                    }
                }
                for (; k < 2 * P; ++k) {
                    if (k & 1) {
                        xp[k >> 1] = pair;
                    } else {
                        pair = 0;
                    }
                }
                if (P == 5) {
                    dw1_pixel(xp, wp, 5, N, bias, pb, fast, q, out_off, lo, hi, o);
                } else {
                    dw1_pixel(xp, wp, 8, N, bias, pb, fast, q, out_off, lo, hi, o);
                }
            }
        }
    }
    return TML_OK;
}

/* one input channel: the CONV_2D kernel (apart, so the depthwise loops compile as they did without it) */
static __attribute__((noinline)) tml_status_t dw_as_conv(const tml_context_t *ctx, const tml_dw_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *in, const int8_t *input, const tml_dims_t *f,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *out, int8_t *output) {
    if (!tml_dsp_dw_ok(p, in, f, out)) {
        return TML_ERR_KERNEL;
    }
    return tml_dw_conv_run(ctx, p, q, in, input, f, filter, bias, out, output, tml_conv_s8_dsp_get_buffer_size,
        tml_conv_s8_dsp);
}

tml_status_t tml_depthwise_conv_s8_dsp(const tml_context_t *ctx, const tml_dw_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *in, const int8_t *input, const tml_dims_t *f,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *out, int8_t *output) {
    if (tml_dw_is_conv(p, in, out)) {
        if (dw1_use(p, f)) {
            return dw1_run(ctx, p, q, in, input, f, filter, bias, out, output);
        }
        return dw_as_conv(ctx, p, q, in, input, f, filter, bias, out, output);
    }
    if (!dw_taps_ok(p, in, f, out) || !ctx || !ctx->buf ||
        ctx->size < taps_size(f)) {
        return TML_ERR_KERNEL;
    }
    const int padded = pad_use(p, in, f, out) && ctx->size >= taps_size(f) + pad_size(p, f, out);
    const int32_t wp = pad_wp(p, f, out);
    const int32_t C = in->c, W = in->w, H = in->h, fh = f->h, fw = f->w;
    const int32_t oh = out->h, ow = out->w;
    const int32_t sh = p->stride.h, sw = p->stride.w, dh = p->dilation.h, dw = p->dilation.w;
    const int32_t ph = p->padding.h, pw = p->padding.w;
    const int32_t off = p->input_offset, out_off = p->output_offset;
    const int32_t lo = p->activation.min, hi = p->activation.max;
    const uint32_t off2 = ((uint32_t)off & 0xFFFFu) * 0x10001u;
    const int32_t rs = W * C, in_px = H * rs, ors = ow * C, out_px = oh * ors, step = sh * rs;
    uint32_t *tbl = (uint32_t *)(((uintptr_t)ctx->buf + 3u) & ~(uintptr_t)3u);
    int32_t *colk = (int32_t *)(tbl + 3 * fh * fw);
    int32_t *accs = colk + 4 * fw;
    uint32_t *pbuf = (uint32_t *)(accs + 4 * TML_DSP_DW_CHUNK);
    /* output rows [y_lo, y_hi) have their windows inside vertically, columns [x_lo, x_hi) horizontally */
    int32_t y_lo, y_hi, x_lo, x_hi;
    inside_outputs(oh, sh, ph, fh, dh, H, &y_lo, &y_hi);
    inside_outputs(ow, sw, pw, fw, dw, W, &x_lo, &x_hi);
    /* row by row where that makes fewer passes (a pass per edge pixel and per chunk of a row, one per chunk of
     * a row to requantize) than column by column (2 per chunk of a column): the bands and small in-place calls
     * of wide layers */
    const int32_t nx = x_hi > x_lo ? x_hi - x_lo : 0, chunks_x = (ow + TML_DSP_DW_CHUNK - 1) / TML_DSP_DW_CHUNK;
    const int by_rows = (int64_t)oh * (ow - nx + 2 * chunks_x) < 2 * (int64_t)ow * ((oh + TML_DSP_DW_CHUNK - 1) /
        TML_DSP_DW_CHUNK);
    for (int32_t c = 0; c < C; c += 4) {
        int32_t b0[4], pb[12];
        /* fast4: the 4 channels requantized together (requant4_s8; pb its parameters); else each alone (cr) */
        int fast4 = lo == -128 && hi == 127;
        ch_rq_t cr[4];
        for (int32_t k = 0; k < 4; ++k) {
            b0[k] = bias ? bias[c + k] : 0;
            const rq_t r = rq_of(q->multiplier[c + k], q->shift[c + k]);
            fast4 = fast4 && fast_ok(r, out_off, hi);
            pb[3 * k] = r.m2;
            /* the output offset folded into the rounding constant: 2^(right - 1) + (out_off << right) (where
             * QADD saturates, |value| >= 2^(31 - right) >= 256 both ways: SSAT clamps alike) */
            pb[3 * k + 1] = fast4 ? (int32_t)((1u << (r.right - 1)) + ((uint32_t)out_off << r.right)) : 0;
            pb[3 * k + 2] = r.right;
        }
        for (int32_t k = 0; !fast4 && k < 4; ++k) {
            ch_rq_of(q->multiplier[c + k], q->shift[c + k], out_off, hi, &cr[k]);
        }
        /* the group's taps, column by column, and each column's input offset * weights */
        uint32_t *t = tbl;
        /* the taps' byte offsets: in the input, or (padded) in the copy, one word per pixel */
        const int32_t t_col = padded ? dw * 4 : dw * C, t_row = padded ? dh * wp * 4 : dh * rs;
        for (int32_t fx = 0; fx < fw; ++fx) {
            const int8_t *w = filter + fx * C + c;
            uint32_t o = (uint32_t)(fx * t_col);
            /* the column's weight sums, channels c and c + 2 in se, c + 1 and c + 3 in so (16-bit lanes: at most
             * 255 taps of -128..127 each, the rule's filters) */
            uint32_t se = 0, so = 0;
            for (int32_t fy = 0; fy < fh; ++fy, t += 3, w += fw * C, o += (uint32_t)t_row) {
                const uint32_t wv = tml_dsp_read4(w);
                const uint32_t we = tml_sxtb16(wv), wo = tml_sxtb16_ror8(wv);
                t[0] = o;
                t[1] = we;
                t[2] = wo;
                se = tml_sadd16(se, we);
                so = tml_sadd16(so, wo);
            }
            int32_t *k = colk + 4 * fx;
            k[0] = tml_smlabb(se, off2, 0);
            k[1] = tml_smlabb(so, off2, 0);
            k[2] = tml_smlatt(se, off2, 0);
            k[3] = tml_smlatt(so, off2, 0);
        }
        if (padded) {
            int32_t kfull[4];
            class_start(colk, 0, fw, b0, kfull);
            group_padded(p, in, input + c, f, out, output + c, tbl, kfull, accs, pbuf, fast4, pb, cr);
            continue;
        }
        for (int32_t b = 0; by_rows && b < in->n; ++b) {
            /* row by row, a chunk of a row's pixels at a time, the run of them inside the input one pass */
            const uintptr_t in_b = (uintptr_t)(input + b * in_px + c);
            int8_t *out_b = output + b * out_px + c;
            int32_t kfull[4];
            class_start(colk, 0, fw, b0, kfull);
            for (int32_t oy = 0; oy < oh; ++oy) {
                const int32_t iy0 = oy * sh - ph;
                const int row_in = oy >= y_lo && oy < y_hi;
                int32_t ly, hy;
                inside(iy0, fh, dh, H, &ly, &hy);
                const uintptr_t a_row = in_b + (uintptr_t)(intptr_t)(iy0 * rs);
                for (int32_t ox0 = 0; ox0 < ow; ox0 += TML_DSP_DW_CHUNK) {
                    const int32_t n = ow - ox0 < TML_DSP_DW_CHUNK ? ow - ox0 : TML_DSP_DW_CHUNK;
                    /* pixels [r0, r1) of the chunk: inside the input */
                    const int32_t r0 = !row_in ? ox0 + n : x_lo > ox0 ? (x_lo < ox0 + n ? x_lo : ox0 + n) : ox0;
                    const int32_t r1 = !row_in ? ox0 + n : x_hi < ox0 + n ? (x_hi > r0 ? x_hi : r0) : ox0 + n;
                    for (int32_t ox = ox0;; ++ox) {
                        ox = ox == r0 ? r1 : ox;
                        if (ox >= ox0 + n) {
                            break;
                        }
                        /* a pixel whose window crosses an edge */
                        const int32_t ix0 = ox * sw - pw;
                        const uintptr_t a = a_row + (uintptr_t)(intptr_t)(ix0 * C);
                        int32_t *s = accs + 4 * (ox - ox0);
                        int32_t l, h;
                        inside(ix0, fw, dw, W, &l, &h);
                        if (row_in) {
                            int32_t kc[4];
                            class_start(colk, l, h, b0, kc);
                            if (h > l) {
                                column_taps(a, 0, tbl + 3 * l * fh, (h - l) * fh, kc, s, 1);
                            } else {
                                memcpy(s, kc, sizeof(kc));
                            }
                        } else {
                            edge_row(a, tbl, fh, l, h, ly, hy, off2, b0, s);
                        }
                    }
                    if (r1 > r0) {
                        column_taps(a_row + (uintptr_t)(intptr_t)((r0 * sw - pw) * C), sw * C, tbl, fh * fw, kfull,
                            accs + 4 * (r0 - ox0), r1 - r0);
                    }
                    int8_t *o = out_b + (oy * ow + ox0) * C;
                    if (fast4) {
                        requant4_s8(accs, n, o, C, pb);
                    } else {
                        for (int32_t k = 0; k < 4; ++k) {
                            requant(accs + k, n, o + k, C, &cr[k], out_off, lo, hi);
                        }
                    }
                }
            }
        }
        for (int32_t b = 0; !by_rows && b < in->n; ++b) {
            /* by columns: a chunk of a column's pixels at a time, the run of them inside the input one pass */
            const uintptr_t in_b = (uintptr_t)(input + b * in_px + c);
            int8_t *out_b = output + b * out_px + c;
            int32_t lx = -1, hx = -1;
            int32_t kc[4] = {0, 0, 0, 0};
            for (int32_t ox = 0; ox < ow; ++ox) {
                const int32_t ix0 = ox * sw - pw;
                int32_t l, h;
                inside(ix0, fw, dw, W, &l, &h);
                if (l != lx || h != hx) {
                    /* the accumulators' start for a window inside vertically: bias + input offset * the weights of
                     * the filter columns [l, h) (those inside the input) */
                    lx = l;
                    hx = h;
                    class_start(colk, l, h, b0, kc);
                }
                const uintptr_t a_col = in_b + (uintptr_t)(intptr_t)(ix0 * C);
                for (int32_t oy0 = 0; oy0 < oh; oy0 += TML_DSP_DW_CHUNK) {
                    const int32_t n = oh - oy0 < TML_DSP_DW_CHUNK ? oh - oy0 : TML_DSP_DW_CHUNK;
                    /* rows [r0, r1) of the chunk: inside vertically */
                    const int32_t r0 = y_lo > oy0 ? (y_lo < oy0 + n ? y_lo : oy0 + n) : oy0;
                    const int32_t r1 = y_hi < oy0 + n ? (y_hi > r0 ? y_hi : r0) : oy0 + n;
                    for (int32_t oy = oy0;; ++oy) {
                        oy = oy == r0 ? r1 : oy;
                        if (oy >= oy0 + n) {
                            break;
                        }
                        /* a row whose windows cross the top or bottom edge */
                        const int32_t iy0 = oy * sh - ph;
                        int32_t ly, hy;
                        inside(iy0, fh, dh, H, &ly, &hy);
                        edge_row(a_col + (uintptr_t)(intptr_t)(iy0 * rs), tbl, fh, lx, hx, ly, hy, off2, b0,
                            accs + 4 * (oy - oy0));
                    }
                    if (r1 > r0) {
                        int32_t *s0 = accs + 4 * (r0 - oy0);
                        if (hx > lx) {
                            column_taps(a_col + (uintptr_t)(intptr_t)((r0 * sh - ph) * rs), step, tbl + 3 * lx * fh,
                                (hx - lx) * fh, kc, s0, r1 - r0);
                        } else {
                            for (int32_t i = 0; i < r1 - r0; ++i) {
                                memcpy(s0 + 4 * i, kc, sizeof(kc));
                            }
                        }
                    }
                    int8_t *o = out_b + oy0 * ors + ox * C;
                    if (fast4) {
                        requant4_s8(accs, n, o, ors, pb);
                    } else {
                        for (int32_t k = 0; k < 4; ++k) {
                            requant(accs + k, n, o + k, ors, &cr[k], out_off, lo, hi);
                        }
                    }
                }
            }
        }
    }
    return TML_OK;
}

#else
typedef int tml_dsp_dw_is_for_dsp; /* ISO C: a translation unit is not empty */
#endif

/* tinyml kernels for DSP cores: CONV_2D, int8, on one matrix kernel (see tml_dsp.h). Bit-exact with
 * TFLM's reference_integer_ops::ConvPerChannel. */
#include "tml_dsp.h"
#include "../tml_im2col.h"

#if TML_KERNELS_DSP

int tml_dsp_conv_ok(const tml_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f, const tml_dims_t *out) {
    /* not grouped; the padding value (the input zero point) an int8; at least one word of patch */
    return f->c == in->c && f->n == out->c && in->n == out->n && p->input_offset >= -127 &&
        p->input_offset <= 128 && (int64_t)f->h * f->w * f->c >= 4;
}

static int conv_direct(const tml_conv_params_t *p, const tml_dims_t *f) {
    return f->h == 1 && f->w == 1 && p->padding.h == 0 && p->padding.w == 0;
}

/* scratch: four pixels' widened patches (K / 4 blocks of 8 words, then 4 x 3 int16 of tail; two
 * pixels use the first half of each block's words: blocks of 4 words), then (im2col only) one pixel's
 * int8 patch */
static int32_t wide_bytes(int32_t K) {
    return (K >> 2) * 32 + 24 + 3; /* + 3: aligned to a word inside the buffer */
}

int32_t tml_conv_s8_dsp_get_buffer_size(const tml_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out) {
    (void)in;
    (void)out;
    const int32_t K = f->h * f->w * f->c;
    return wide_bytes(K) + (conv_direct(p, f) ? 0 : K);
}

/* Widen K int8 patch values + the input offset into pixel slot s (0 .. np - 1) of the interleaved
 * buffer of np (2 or 4) pixels: per 4 values, 2 words per pixel. */
static void widen(uint32_t *wide, const int8_t *src, int32_t K, int32_t off, int s, int np) {
    const uint32_t off2 = ((uint32_t)off & 0xFFFFu) * 0x10001u;
    uint32_t *d = wide + 2 * s;
    for (int32_t j = K >> 2; j > 0; --j, src += 4, d += 2 * np) {
        const uint32_t x = tml_dsp_read4(src);
        d[0] = tml_sadd16(tml_sxtb16(x), off2);
        d[1] = tml_sadd16(tml_sxtb16_ror8(x), off2);
    }
    int16_t *t = (int16_t *)(wide + 2 * np * (K >> 2)) + 3 * s;
    for (int32_t i = 0; i < (K & 3); ++i) {
        t[i] = (int16_t)(src[i] + off);
    }
}

/* Widen the patches of 4 pixels whose K values lie one after the other from src (a 1x1 convolution of stride 1
 * without padding: consecutive output pixels read consecutive input pixels) into the 4-pixel buffer, as widen
 * does for slots 0..3: one pass, without the pixels' patch() and widen() calls (about 30 instructions a pixel). */
static void widen4(uint32_t *wide, const int8_t *src, int32_t K, int32_t off) {
    const uint32_t off2 = ((uint32_t)off & 0xFFFFu) * 0x10001u;
    uint32_t *d = wide;
    const int8_t *a = src;
    for (int32_t j = K >> 2; j > 0; --j, a += 4, d += 8) {
        uint32_t x = tml_dsp_read4(a);
        d[0] = tml_sadd16(tml_sxtb16(x), off2);
        d[1] = tml_sadd16(tml_sxtb16_ror8(x), off2);
        x = tml_dsp_read4(a + K);
        d[2] = tml_sadd16(tml_sxtb16(x), off2);
        d[3] = tml_sadd16(tml_sxtb16_ror8(x), off2);
        x = tml_dsp_read4(a + 2 * K);
        d[4] = tml_sadd16(tml_sxtb16(x), off2);
        d[5] = tml_sadd16(tml_sxtb16_ror8(x), off2);
        x = tml_dsp_read4(a + 3 * K);
        d[6] = tml_sadd16(tml_sxtb16(x), off2);
        d[7] = tml_sadd16(tml_sxtb16_ror8(x), off2);
    }
    int16_t *t = (int16_t *)d;
    for (int s = 0; s < 4; ++s) {
        for (int32_t i = 0; i < (K & 3); ++i) {
            t[3 * s + i] = (int16_t)(a[s * K + i] + off);
        }
    }
}

/* Widen the patch of a window inside the input straight from it into slot s: fh rows of n words (4 values)
 * each, step bytes apart (no im2col copy). */
static void widen_rows(uint32_t *wide, const int8_t *src, int32_t step, int32_t fh, int32_t n, int32_t off, int s,
    int np) {
    const uint32_t off2 = ((uint32_t)off & 0xFFFFu) * 0x10001u;
    uint32_t *d = wide + 2 * s;
    for (int32_t fy = 0; fy < fh; ++fy, src += step - 4 * n) {
        for (int32_t j = n; j > 0; --j, src += 4, d += 2 * np) {
            const uint32_t x = tml_dsp_read4(src);
            d[0] = tml_sadd16(tml_sxtb16(x), off2);
            d[1] = tml_sadd16(tml_sxtb16_ror8(x), off2);
        }
    }
}

/* The patch of output pixel (oy, ox), to widen into slot s of np: read in place (direct: a 1x1 filter without
 * padding), or gathered by im2col into col; NULL where it was widened row by row straight from the input
 * (rows: dilation.w 1 and a filter row of whole words, and the window inside the input). */
static inline __attribute__((always_inline)) const int8_t *patch(uint32_t *wide, int8_t *col, const int8_t *in_b,
    const tml_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f, int direct, int rows, int32_t oy,
    int32_t ox, int s, int np) {
    if (direct) {
        return in_b + (oy * p->stride.h * in->w + ox * p->stride.w) * in->c;
    }
    const int32_t iy0 = oy * p->stride.h - p->padding.h, ix0 = ox * p->stride.w - p->padding.w;
    if (rows && iy0 >= 0 && iy0 + (f->h - 1) * p->dilation.h < in->h && ix0 >= 0 && ix0 + f->w <= in->w) {
        widen_rows(wide, in_b + (iy0 * in->w + ix0) * in->c, p->dilation.h * in->w * in->c, f->h,
            (f->w * in->c) >> 2, p->input_offset, s, np);
        return NULL;
    }
    tml_im2col_s8(col, in_b, p, in, f, oy, ox);
    return col;
}

/* s[0..3] += the dot products of pixel slots 0, 0, 1, 1 (the widened patches) with the K weights at w0,
 * w1, w0, w1. */
static inline void dot_2x2(const uint32_t *wide, int32_t K, const int8_t *w0, const int8_t *w1, int32_t *s) {
    const int32_t K4 = K >> 2, Kt = K & 3;
    const int16_t *t = (const int16_t *)(wide + 4 * K4);
    const uint32_t *end = wide + 4 * K4;
    int32_t s00 = s[0], s01 = s[1], s10 = s[2], s11 = s[3];
#if defined(__ARM_FEATURE_DSP) && !defined(TML_DSP_PORTABLE) && defined(__thumb2__)
    {
        /* the loop below in Thumb-2, two blocks per pass (an odd count enters at the second): per 4
         * weights of 2 channels, 1 LDM, 2 x (LDR, 2 SXTB16, 4 SMLAD); 31 instructions per 32 MACs
         * besides the end test. The LDM's registers are fixed (its list goes up in memory order). */
        register uint32_t x0 __asm__("r0"), x1 __asm__("r1"), y0 __asm__("r2"), y1 __asm__("r3");
        const uint32_t *a = wide;
        uint32_t v = (uint32_t)(K4 & 1), ve;
        const uint32_t *const end_v = end;
#define TML_DSP_BLOCK \
        "ldmia %[a]!, {r0, r1, r2, r3}\n\t" \
        "ldr %[v], [%[w0]], #4\n\t" \
        "sxtb16 %[ve], %[v]\n\t" \
        "sxtb16 %[v], %[v], ror #8\n\t" \
        "smlad %[s00], %[x0], %[ve], %[s00]\n\t" \
        "smlad %[s10], %[y0], %[ve], %[s10]\n\t" \
        "smlad %[s00], %[x1], %[v], %[s00]\n\t" \
        "smlad %[s10], %[y1], %[v], %[s10]\n\t" \
        "ldr %[v], [%[w1]], #4\n\t" \
        "sxtb16 %[ve], %[v]\n\t" \
        "sxtb16 %[v], %[v], ror #8\n\t" \
        "smlad %[s01], %[x0], %[ve], %[s01]\n\t" \
        "smlad %[s11], %[y0], %[ve], %[s11]\n\t" \
        "smlad %[s01], %[x1], %[v], %[s01]\n\t" \
        "smlad %[s11], %[y1], %[v], %[s11]\n\t"
        __asm__ volatile(
            "cmp %[v], #0\n\t"
            "bne 2f\n\t"
            "1:\n\t" TML_DSP_BLOCK
            "2:\n\t" TML_DSP_BLOCK
            "ldr %[v], %[end]\n\t"
            "cmp %[a], %[v]\n\t"
            "bne 1b\n\t"
            : [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10), [s11] "+r"(s11), [a] "+r"(a), [w0] "+r"(w0),
              [w1] "+r"(w1), [v] "+r"(v), [ve] "=&r"(ve), [x0] "=&r"(x0), [x1] "=&r"(x1), [y0] "=&r"(y0),
              [y1] "=&r"(y1)
            : [end] "m"(end_v)
            : "cc", "memory");
#undef TML_DSP_BLOCK
    }
#else
    for (const uint32_t *a = wide; a != end; a += 4, w0 += 4, w1 += 4) {
        const uint32_t x0 = a[0], x1 = a[1], y0 = a[2], y1 = a[3];
        uint32_t v = tml_dsp_read4(w0);
        uint32_t ve = tml_sxtb16(v), vo = tml_sxtb16_ror8(v);
        s00 = tml_smlad(x0, ve, s00);
        s10 = tml_smlad(y0, ve, s10);
        s00 = tml_smlad(x1, vo, s00);
        s10 = tml_smlad(y1, vo, s10);
        v = tml_dsp_read4(w1);
        ve = tml_sxtb16(v);
        vo = tml_sxtb16_ror8(v);
        s01 = tml_smlad(x0, ve, s01);
        s11 = tml_smlad(y0, ve, s11);
        s01 = tml_smlad(x1, vo, s01);
        s11 = tml_smlad(y1, vo, s11);
    }
#endif
    for (int32_t i = 0; i < Kt; ++i) {
        s00 += t[i] * w0[i];
        s10 += t[3 + i] * w0[i];
        s01 += t[i] * w1[i];
        s11 += t[3 + i] * w1[i];
    }
    s[0] = s00;
    s[1] = s01;
    s[2] = s10;
    s[3] = s11;
}

/* s[0..3] += the dot products of pixel slots 0..3 (the 4-pixel widened patches) with the K weights at w. */
static inline void dot_4x1(const uint32_t *wide, int32_t K, const int8_t *w, int32_t *s) {
    const int32_t K4 = K >> 2, Kt = K & 3;
    const int16_t *t = (const int16_t *)(wide + 8 * K4);
    const uint32_t *end = wide + 8 * K4;
    int32_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
#if defined(__ARM_FEATURE_DSP) && !defined(TML_DSP_PORTABLE) && defined(__thumb2__)
    {
        /* two blocks per pass (an odd count enters at the second): per 4 weights of one channel, 1 LDR,
         * 2 SXTB16, 2 x (LDM, 4 SMLAD); 26 instructions per 32 MACs besides the end test */
        register uint32_t x0 __asm__("r0"), x1 __asm__("r1"), y0 __asm__("r2"), y1 __asm__("r3");
        const uint32_t *a = wide;
        uint32_t v = (uint32_t)(K4 & 1), ve;
        const uint32_t *const end_v = end;
#define TML_DSP_BLOCK4 \
        "ldr %[v], [%[w]], #4\n\t" \
        "sxtb16 %[ve], %[v]\n\t" \
        "sxtb16 %[v], %[v], ror #8\n\t" \
        "ldmia %[a]!, {r0, r1, r2, r3}\n\t" \
        "smlad %[s0], %[x0], %[ve], %[s0]\n\t" \
        "smlad %[s1], %[y0], %[ve], %[s1]\n\t" \
        "smlad %[s0], %[x1], %[v], %[s0]\n\t" \
        "smlad %[s1], %[y1], %[v], %[s1]\n\t" \
        "ldmia %[a]!, {r0, r1, r2, r3}\n\t" \
        "smlad %[s2], %[x0], %[ve], %[s2]\n\t" \
        "smlad %[s3], %[y0], %[ve], %[s3]\n\t" \
        "smlad %[s2], %[x1], %[v], %[s2]\n\t" \
        "smlad %[s3], %[y1], %[v], %[s3]\n\t"
        __asm__ volatile(
            "cmp %[v], #0\n\t"
            "bne 2f\n\t"
            "1:\n\t" TML_DSP_BLOCK4
            "2:\n\t" TML_DSP_BLOCK4
            "ldr %[v], %[end]\n\t"
            "cmp %[a], %[v]\n\t"
            "bne 1b\n\t"
            : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [a] "+r"(a), [w] "+r"(w),
              [v] "+r"(v), [ve] "=&r"(ve), [x0] "=&r"(x0), [x1] "=&r"(x1), [y0] "=&r"(y0), [y1] "=&r"(y1)
            : [end] "m"(end_v)
            : "cc", "memory");
#undef TML_DSP_BLOCK4
    }
#else
    for (const uint32_t *a = wide; a != end; a += 8, w += 4) {
        const uint32_t v = tml_dsp_read4(w);
        const uint32_t ve = tml_sxtb16(v), vo = tml_sxtb16_ror8(v);
        s0 = tml_smlad(a[0], ve, s0);
        s0 = tml_smlad(a[1], vo, s0);
        s1 = tml_smlad(a[2], ve, s1);
        s1 = tml_smlad(a[3], vo, s1);
        s2 = tml_smlad(a[4], ve, s2);
        s2 = tml_smlad(a[5], vo, s2);
        s3 = tml_smlad(a[6], ve, s3);
        s3 = tml_smlad(a[7], vo, s3);
    }
#endif
    for (int32_t i = 0; i < Kt; ++i) {
        s0 += t[i] * w[i];
        s1 += t[3 + i] * w[i];
        s2 += t[6 + i] * w[i];
        s3 += t[9 + i] * w[i];
    }
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
}

/* The 4-pixel pass over every channel in one function (tml_dsp_mm4), where the call allows it
 * (mm4_ok: the patch whole words, tml_dsp_small, every shift in [-22, 0]). Its requantization
 * folds the output offset into tml_dsp_requantize_s's rounding constant: c = (1 + 2 out_off) << right,
 * that is 2^right + (out_off << (right + 1)), so that v = (2 h + c + (h < 0 ? -1 : 0)) >> (right + 1) is
 * the requantized value plus the offset (|2 h| < 2^29, 2^right <= 2^22, |out_off << (right + 1)| <= 2^30:
 * the sum stays in int32, and a multiple of 2^(right + 1) added before the floor shift adds its quotient
 * after it). SSAT makes it int8; only an activation narrower than [-128, 127] is clamped again. Per
 * output 7 instructions (LSL, SMMULR, 2 ADD, ASR, SSAT, STRB), against about 30 for mm_pixels4's code. */
typedef struct {
    const uint32_t *wide;  /* 0: the 4-pixel widened patches */
    int32_t blocks;        /* 4: K / 4 (at least 1) rounded up to a multiple of 4: passes of 4 blocks */
    const int32_t *bias;   /* 8: the next channel's bias (advanced per channel; mm4_zeros without bias) */
    const int32_t *mult;   /* 12: the next channel's multiplier (advanced) */
    const int32_t *shift;  /* 16: the next channel's shift (advanced) */
    int8_t *out;           /* 20: pixel 0's output of the next channel (advanced) */
    int32_t stride;        /* 24: bytes from one pixel's outputs to the next's (N) */
    int32_t n;             /* 28: channels left, at least 1 */
    int32_t off1;          /* 32: 1 + 2 * the output offset */
    int32_t clamp;         /* 36: 0 where [lo, hi] is [-128, 127] */
    int32_t lo, hi;        /* 40, 44 */
    int32_t kt;            /* 48: K % 4, the tail's values (int16 after the blocks: 3 per pixel) */
    int32_t entry;         /* 52: (K / 4) % 4: the first pass enters at the block that leaves a multiple of 4 */
    int8_t *end;           /* 56: pixel 0's output of channel N (out's end) */
    int32_t k4;            /* 60: K / 4 (the C version's) */
} tml_dsp_mm4_t;

/* The biases tml_dsp_mm4 reads for a convolution without bias (its channel loop reads one per channel). */
#define TML_DSP_MM4_ZEROS 64
static const int32_t mm4_zeros[TML_DSP_MM4_ZEROS];

/* whether tml_dsp_mm4 may run a call: see above (small: tml_dsp_small_lr's answer, left and right its largest
 * shifts; without bias at most TML_DSP_MM4_ZEROS channels) */
static int mm4_ok(int small, int32_t left, int32_t right, const int32_t *bias, int32_t N, int32_t K) {
    return small && K >= 4 && (bias || N <= TML_DSP_MM4_ZEROS) && left == 0 && right <= 22;
}

#if defined(__ARM_FEATURE_DSP) && !defined(TML_DSP_PORTABLE) && defined(__thumb2__)
#define TML_UNUSED __attribute__((unused))
/* Naked: the dot-product loop takes 14 registers (r0-r3 a pixel pair's widened words, r4-r7 the 4
 * pixels' accumulators, r8 the patches, r9 the weights, r10 r11 the weights widened, r12 the count, lr
 * the state). Per 4 weights 13 instructions, four blocks per pass: a count that is not a multiple of 4
 * enters at the block that leaves a multiple (TBB); a tail of 1-3 values takes LDRSB, 4 LDRSH and 4 MLA
 * per value. The channel loop is written four times: with and without the tail, and the clamp to [lo, hi]. */
#define TML_DSP_MM4_BLOCK \
        "ldr r10, [r9], #4\n\t" \
        "sxtb16 r11, r10\n\t" \
        "sxtb16 r10, r10, ror #8\n\t" \
        "ldmia r8!, {r0, r1, r2, r3}\n\t" \
        "smlad r4, r0, r11, r4\n\t" \
        "smlad r5, r2, r11, r5\n\t" \
        "smlad r4, r1, r10, r4\n\t" \
        "smlad r5, r3, r10, r5\n\t" \
        "ldmia r8!, {r0, r1, r2, r3}\n\t" \
        "smlad r6, r0, r11, r6\n\t" \
        "smlad r7, r2, r11, r7\n\t" \
        "smlad r6, r1, r10, r6\n\t" \
        "smlad r7, r3, r10, r7\n\t"
#define TML_DSP_MM4_RQ(A) \
        "lsls " A ", " A ", #1\n\t" \
        "smmulr " A ", " A ", r2\n\t" \
        "add r0, r11, " A ", lsl #1\n\t" \
        "add " A ", r0, " A ", asr #31\n\t" \
        "asrs " A ", " A ", r1\n\t" \
        "ssat " A ", #8, " A "\n\t"
#define TML_DSP_MM4_CLAMP1(A) \
        "cmp " A ", r0\n\t" \
        "it lt\n\t" \
        "movlt " A ", r0\n\t" \
        "cmp " A ", r1\n\t" \
        "it gt\n\t" \
        "movgt " A ", r1\n\t"
#define TML_DSP_MM4_CLAMP \
        "ldr r0, [lr, #40]\n\t" \
        "ldr r1, [lr, #44]\n\t" \
        TML_DSP_MM4_CLAMP1("r4") TML_DSP_MM4_CLAMP1("r5") TML_DSP_MM4_CLAMP1("r6") TML_DSP_MM4_CLAMP1("r7")
#define TML_DSP_MM4_TAIL \
        "ldr r0, [lr, #48]\n\t" \
        "10:\n\t" /* the tail: pixel s's values at r8 + 6 s */ \
        "ldrsb r10, [r9], #1\n\t" \
        "ldrsh r1, [r8, #6]\n\t" \
        "ldrsh r2, [r8, #12]\n\t" \
        "ldrsh r3, [r8, #18]\n\t" \
        "ldrsh r11, [r8], #2\n\t" \
        "mla r4, r11, r10, r4\n\t" \
        "mla r5, r1, r10, r5\n\t" \
        "mla r6, r2, r10, r6\n\t" \
        "mla r7, r3, r10, r7\n\t" \
        "subs r0, r0, #1\n\t" \
        "bne 10b\n\t"
#define TML_DSP_MM4_CHANNELS(TAIL, CLAMP) \
        "1:\n\t" /* a channel: the accumulators start at its bias */ \
        "ldr r8, [lr, #0]\n\t" \
        "ldr r12, [lr, #4]\n\t" \
        "ldr r0, [lr, #8]\n\t" \
        "ldr r4, [r0], #4\n\t" \
        "str r0, [lr, #8]\n\t" \
        "mov r5, r4\n\t" \
        "mov r6, r4\n\t" \
        "mov r7, r4\n\t" \
        "ldr r0, [lr, #52]\n\t" \
        "tbb [pc, r0]\n\t" \
        "0:\n\t" \
        ".byte (4f - 0b) / 2, (7f - 0b) / 2, (6f - 0b) / 2, (5f - 0b) / 2\n\t" \
        ".p2align 1\n\t" \
        "4:\n\t" TML_DSP_MM4_BLOCK \
        "5:\n\t" TML_DSP_MM4_BLOCK \
        "6:\n\t" TML_DSP_MM4_BLOCK \
        "7:\n\t" TML_DSP_MM4_BLOCK \
        "subs r12, r12, #4\n\t" \
        "bne 4b\n\t" \
        TAIL \
        /* the channel's constants: r1 right + 1 (the shift at most 0: right = -shift), r11 c, r2 the \
         * multiplier */ \
        "ldr r0, [lr, #16]\n\t" \
        "ldr r1, [r0], #4\n\t" \
        "str r0, [lr, #16]\n\t" \
        "ldr r0, [lr, #12]\n\t" \
        "ldr r2, [r0], #4\n\t" \
        "str r0, [lr, #12]\n\t" \
        "rsbs r1, r1, #0\n\t" \
        "ldr r11, [lr, #32]\n\t" \
        "lsl r11, r11, r1\n\t" \
        "adds r1, r1, #1\n\t" \
        TML_DSP_MM4_RQ("r4") TML_DSP_MM4_RQ("r5") TML_DSP_MM4_RQ("r6") TML_DSP_MM4_RQ("r7") \
        CLAMP \
        "ldr r12, [lr, #20]\n\t" \
        "ldr r8, [lr, #24]\n\t" \
        "strb r4, [r12]\n\t" \
        "strb r5, [r12, r8]\n\t" \
        "strb r6, [r12, r8, lsl #1]\n\t" \
        "adds r0, r12, #1\n\t" \
        "str r0, [lr, #20]\n\t" \
        "add r12, r12, r8\n\t" \
        "strb r7, [r12, r8, lsl #1]\n\t" \
        "ldr r1, [lr, #56]\n\t" \
        "cmp r0, r1\n\t" \
        "bne 1b\n\t" \
        "pop {r4-r11, pc}\n\t"
__attribute__((naked, noinline)) static void tml_dsp_mm4(TML_UNUSED tml_dsp_mm4_t *st, TML_UNUSED const int8_t *w) {
    __asm__(
        ".syntax unified\n\t"
        "push {r4-r11, lr}\n\t"
        "mov lr, r0\n\t"
        "mov r9, r1\n\t"
        "ldr r0, [lr, #36]\n\t"
        "ldr r1, [lr, #48]\n\t"
        "cmp r1, #0\n\t"
        "bne.w 30f\n\t"
        "cmp r0, #0\n\t"
        "bne.w 31f\n\t"
        TML_DSP_MM4_CHANNELS("", "")
        "31:\n\t"
        TML_DSP_MM4_CHANNELS("", TML_DSP_MM4_CLAMP)
        "30:\n\t"
        "cmp r0, #0\n\t"
        "bne.w 32f\n\t"
        TML_DSP_MM4_CHANNELS(TML_DSP_MM4_TAIL, "")
        "32:\n\t"
        TML_DSP_MM4_CHANNELS(TML_DSP_MM4_TAIL, TML_DSP_MM4_CLAMP));
}
#undef TML_DSP_MM4_CHANNELS
#undef TML_DSP_MM4_TAIL
#undef TML_DSP_MM4_CLAMP
#undef TML_DSP_MM4_CLAMP1
#undef TML_DSP_MM4_RQ
#undef TML_DSP_MM4_BLOCK
#undef TML_UNUSED
#else
/* the same in C (the host library runs it) */
static void tml_dsp_mm4(tml_dsp_mm4_t *st, const int8_t *w) {
    const int32_t K = 4 * st->k4 + st->kt;
    for (; st->n > 0; --st->n, w += K) {
        const int32_t b = st->bias ? *st->bias++ : 0;
        int32_t s[4] = {b, b, b, b};
        dot_4x1(st->wide, K, w, s);
        const tml_dsp_rqs_t r = tml_dsp_rqs_out(*st->mult++, *st->shift++, (st->off1 - 1) / 2); /* off1 odd */
        for (int i = 0; i < 4; ++i) {
            int32_t v = tml_dsp_requantize_s(s[i], &r);
            v = v < -128 ? -128 : v > 127 ? 127 : v;
            if (st->clamp) {
                v = v < st->lo ? st->lo : v > st->hi ? st->hi : v;
            }
            st->out[i * st->stride] = (int8_t)v;
        }
        ++st->out;
    }
}
#endif

/* Output pixels o[0..3] of N channels, from the 4-pixel widened patches (see mm_pixels). */
static inline __attribute__((always_inline)) void mm_pixels4(const uint32_t *wide, int8_t *const *o,
    const int8_t *w, int32_t K, int32_t N, const int32_t *bias, const tml_per_channel_quant_params_t *q,
    int32_t out_off, int32_t lo, int32_t hi, const int small) {
    for (int32_t n = 0; n < N; ++n, w += K) {
        const int32_t b0 = bias ? bias[n] : 0;
        int32_t s[4] = {b0, b0, b0, b0};
        dot_4x1(wide, K, w, s);
        int8_t v0, v1, v2, v3;
        if (small) {
            const tml_dsp_rqs_t r = tml_dsp_rqs(q->multiplier[n], q->shift[n]);
            v0 = tml_dsp_out_s(s[0], &r, out_off, lo, hi);
            v1 = tml_dsp_out_s(s[1], &r, out_off, lo, hi);
            v2 = tml_dsp_out_s(s[2], &r, out_off, lo, hi);
            v3 = tml_dsp_out_s(s[3], &r, out_off, lo, hi);
        } else {
            const tml_dsp_rq_t r = tml_dsp_rq(q->multiplier[n], q->shift[n]);
            v0 = tml_dsp_out(s[0], r, out_off, lo, hi);
            v1 = tml_dsp_out(s[1], r, out_off, lo, hi);
            v2 = tml_dsp_out(s[2], r, out_off, lo, hi);
            v3 = tml_dsp_out(s[3], r, out_off, lo, hi);
        }
        o[0][n] = v0;
        o[1][n] = v1;
        o[2][n] = v2;
        o[3][n] = v3;
    }
}

/* Output pixels o0 and o1 (o1 == o0: one pixel, both slots hold it, its values are written twice) of N
 * channels, from the widened patches; small: requantized by tml_dsp_out_s (the call's accumulators
 * allow it, tml_dsp_small), else by tml_dsp_out. Inlined twice, once per value of small. */
static inline __attribute__((always_inline)) void mm_pixels(const uint32_t *wide, int8_t *o0, int8_t *o1,
    const int8_t *w, int32_t K, int32_t N, const int32_t *bias, const tml_per_channel_quant_params_t *q,
    int32_t out_off, int32_t lo, int32_t hi, const int small) {
    int32_t n = 0;
    for (; n + 2 <= N; n += 2, w += 2 * K) {
        const int32_t b0 = bias ? bias[n] : 0, b1 = bias ? bias[n + 1] : 0;
        int32_t s[4] = {b0, b1, b0, b1};
        dot_2x2(wide, K, w, w + K, s);
        /* the channels' parameters read before the stores (which may alias them, for the compiler) */
        int8_t v00, v01, v10, v11;
        if (small) {
            const tml_dsp_rqs_t r0 = tml_dsp_rqs(q->multiplier[n], q->shift[n]);
            const tml_dsp_rqs_t r1 = tml_dsp_rqs(q->multiplier[n + 1], q->shift[n + 1]);
            v00 = tml_dsp_out_s(s[0], &r0, out_off, lo, hi);
            v01 = tml_dsp_out_s(s[1], &r1, out_off, lo, hi);
            v10 = tml_dsp_out_s(s[2], &r0, out_off, lo, hi);
            v11 = tml_dsp_out_s(s[3], &r1, out_off, lo, hi);
        } else {
            const tml_dsp_rq_t r0 = tml_dsp_rq(q->multiplier[n], q->shift[n]);
            const tml_dsp_rq_t r1 = tml_dsp_rq(q->multiplier[n + 1], q->shift[n + 1]);
            v00 = tml_dsp_out(s[0], r0, out_off, lo, hi);
            v01 = tml_dsp_out(s[1], r1, out_off, lo, hi);
            v10 = tml_dsp_out(s[2], r0, out_off, lo, hi);
            v11 = tml_dsp_out(s[3], r1, out_off, lo, hi);
        }
        o0[n] = v00;
        o0[n + 1] = v01;
        o1[n] = v10;
        o1[n + 1] = v11;
    }
    if (n < N) { /* the last of an odd count: its weights in both columns */
        const int32_t b0 = bias ? bias[n] : 0;
        int32_t s[4] = {b0, b0, b0, b0};
        dot_2x2(wide, K, w, w, s);
        const tml_dsp_rq_t r0 = tml_dsp_rq(q->multiplier[n], q->shift[n]);
        const int8_t v00 = tml_dsp_out(s[0], r0, out_off, lo, hi), v10 = tml_dsp_out(s[2], r0, out_off, lo, hi);
        o0[n] = v00;
        o1[n] = v10;
    }
}

/* Output pixel o (the 2-pixel widened patch of one pixel: slot 0 read) of N channels, four channels per pass
 * over its values (per 4 values 1 LDRD, then per channel LDR, 2 SXTB16, 2 SMLAD: 21 instructions per 16 MACs,
 * where a 2-pixel pass over one pixel spends 15 on 8), then the last 1 to 3 channels one at a time. */
static __attribute__((noinline)) void mm_pixel1(const uint32_t *wide, int8_t *o, const int8_t *w, int32_t K, int32_t N,
    const int32_t *bias, const tml_per_channel_quant_params_t *q, int32_t out_off, int32_t lo, int32_t hi, int small) {
    const int32_t K4 = K >> 2, Kt = K & 3;
    const int16_t *t = (const int16_t *)(wide + 4 * K4);
    int32_t n = 0;
    for (; n + 4 <= N; n += 4, w += 4 * K) {
        const int8_t *w0 = w, *w1 = w + K, *w2 = w + 2 * K, *w3 = w + 3 * K;
        int32_t s0 = bias ? bias[n] : 0, s1 = bias ? bias[n + 1] : 0, s2 = bias ? bias[n + 2] : 0,
                s3 = bias ? bias[n + 3] : 0;
        const uint32_t *a = wide, *const end = wide + 4 * K4;
#if defined(__ARM_FEATURE_DSP) && !defined(TML_DSP_PORTABLE) && defined(__thumb2__)
        {
            /* two blocks per pass (an odd count enters at the second); GCC's code of the C below spills. Channels
             * 1 and 2 read at K and 2K from channel 0's pointer, channel 3 by a pointer of its own. */
            uint32_t v = (uint32_t)(K4 & 1), ve, x0, x1;
            const uint32_t *const end_v = end;
            const int8_t *p0 = w0, *p3 = w3;
#define TML_DSP_CH(LOAD, S) \
            LOAD \
            "sxtb16 %[ve], %[v]\n\t" \
            "sxtb16 %[v], %[v], ror #8\n\t" \
            "smlad %[" S "], %[x0], %[ve], %[" S "]\n\t" \
            "smlad %[" S "], %[x1], %[v], %[" S "]\n\t"
#define TML_DSP_BLOCK1 \
            "ldrd %[x0], %[x1], [%[a]], #16\n\t" \
            TML_DSP_CH("ldr %[v], [%[p0], %[kk]]\n\t", "s1") \
            TML_DSP_CH("ldr %[v], [%[p0], %[kk], lsl #1]\n\t", "s2") \
            TML_DSP_CH("ldr %[v], [%[p0]], #4\n\t", "s0") \
            TML_DSP_CH("ldr %[v], [%[p3]], #4\n\t", "s3")
            __asm__ volatile(
                "cmp %[v], #0\n\t"
                "bne 2f\n\t"
                "1:\n\t" TML_DSP_BLOCK1
                "2:\n\t" TML_DSP_BLOCK1
                "ldr %[v], %[end]\n\t"
                "cmp %[a], %[v]\n\t"
                "bne 1b\n\t"
                : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [a] "+r"(a), [p0] "+r"(p0),
                  [p3] "+r"(p3), [v] "+r"(v), [ve] "=&r"(ve), [x0] "=&r"(x0), [x1] "=&r"(x1)
                : [end] "m"(end_v), [kk] "r"(K)
                : "cc", "memory");
            w0 = p0;
            w1 = p0 + K;
            w2 = p0 + 2 * K;
            w3 = p3;
#undef TML_DSP_BLOCK1
#undef TML_DSP_CH
        }
#else
        for (; a != end; a += 4, w0 += 4, w1 += 4, w2 += 4, w3 += 4) {
            const uint32_t x0 = a[0], x1 = a[1];
            uint32_t v = tml_dsp_read4(w0);
            s0 = tml_smlad(x1, tml_sxtb16_ror8(v), tml_smlad(x0, tml_sxtb16(v), s0));
            v = tml_dsp_read4(w1);
            s1 = tml_smlad(x1, tml_sxtb16_ror8(v), tml_smlad(x0, tml_sxtb16(v), s1));
            v = tml_dsp_read4(w2);
            s2 = tml_smlad(x1, tml_sxtb16_ror8(v), tml_smlad(x0, tml_sxtb16(v), s2));
            v = tml_dsp_read4(w3);
            s3 = tml_smlad(x1, tml_sxtb16_ror8(v), tml_smlad(x0, tml_sxtb16(v), s3));
        }
#endif
        for (int32_t i = 0; i < Kt; ++i) {
            s0 += t[i] * w0[i];
            s1 += t[i] * w1[i];
            s2 += t[i] * w2[i];
            s3 += t[i] * w3[i];
        }
        const int32_t s4[4] = {s0, s1, s2, s3};
        for (int32_t k = 0; k < 4; ++k) {
            if (small) {
                const tml_dsp_rqs_t r = tml_dsp_rqs(q->multiplier[n + k], q->shift[n + k]);
                o[n + k] = tml_dsp_out_s(s4[k], &r, out_off, lo, hi);
            } else {
                o[n + k] = tml_dsp_out(s4[k], tml_dsp_rq(q->multiplier[n + k], q->shift[n + k]), out_off, lo, hi);
            }
        }
    }
    for (; n < N; ++n, w += K) { /* the last 1 to 3 channels, one at a time (small code: a rare tail) */
        int32_t s0 = bias ? bias[n] : 0;
        const int8_t *w0 = w;
        for (const uint32_t *a = wide, *const end = wide + 4 * K4; a != end; a += 4, w0 += 4) {
            const uint32_t v = tml_dsp_read4(w0);
            s0 = tml_smlad(a[1], tml_sxtb16_ror8(v), tml_smlad(a[0], tml_sxtb16(v), s0));
        }
        for (int32_t i = 0; i < Kt; ++i) {
            s0 += t[i] * w0[i];
        }
        if (small) {
            const tml_dsp_rqs_t r = tml_dsp_rqs(q->multiplier[n], q->shift[n]);
            o[n] = tml_dsp_out_s(s0, &r, out_off, lo, hi);
        } else {
            o[n] = tml_dsp_out(s0, tml_dsp_rq(q->multiplier[n], q->shift[n]), out_off, lo, hi);
        }
    }
}

tml_status_t tml_conv_s8_dsp(const tml_context_t *ctx, const tml_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *in, const int8_t *input, const tml_dims_t *f,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *out, int8_t *output) {
    const int32_t K = f->h * f->w * f->c, N = out->c;
    const int direct = conv_direct(p, f), rows = !direct && p->dilation.w == 1 && (f->w * in->c) % 4 == 0;
    if (!tml_dsp_conv_ok(p, in, f, out) || !ctx || !ctx->buf ||
        ctx->size < tml_conv_s8_dsp_get_buffer_size(p, in, f, out)) {
        return TML_ERR_KERNEL;
    }
    uint32_t *wide = (uint32_t *)(((uintptr_t)ctx->buf + 3u) & ~(uintptr_t)3u);
    int8_t *col = (int8_t *)ctx->buf + wide_bytes(K);
    const int32_t off = p->input_offset, out_off = p->output_offset;
    const int32_t lo = p->activation.min, hi = p->activation.max;
    const int32_t P = out->h * out->w, in_px = in->h * in->w * in->c;
    int32_t left, right;
    const int small = tml_dsp_small_lr(q->shift, bias, N, K, &left, &right);
    const int fast = mm4_ok(small, left, right, bias, N, K);
    /* serial: output pixel i reads input pixel i (its K = C values at i * K) */
    const int serial = direct && p->stride.h == 1 && p->stride.w == 1 && in->w == out->w && in->h >= out->h;
    for (int32_t b = 0; b < in->n; ++b) {
        const int8_t *in_b = input + b * in_px;
        int8_t *out_b = output + b * P * N;
        int32_t px = 0;
        for (; px + 4 <= P; px += 4) { /* four pixels per pass over the weights */
            int8_t *o[4];
            for (int s = 0; s < 4; ++s) {
                o[s] = out_b + (px + s) * N;
            }
            if (serial) {
                widen4(wide, in_b + px * K, K, off);
            } else {
                for (int s = 0; s < 4; ++s) {
                    const int8_t *src = patch(wide, col, in_b, p, in, f, direct, rows, (px + s) / out->w,
                        (px + s) % out->w, s, 4);
                    if (src) {
                        widen(wide, src, K, off, s, 4);
                    }
                }
            }
            if (fast) {
                tml_dsp_mm4_t st = {wide, ((K >> 2) + 3) & ~3, bias ? bias : mm4_zeros, q->multiplier, q->shift, o[0], N, N,
                    1 + 2 * out_off, lo != -128 || hi != 127, lo, hi, K & 3, (K >> 2) & 3, o[0] + N, K >> 2};
                tml_dsp_mm4(&st, filter);
            } else if (small) {
                mm_pixels4(wide, o, filter, K, N, bias, q, out_off, lo, hi, 1);
            } else {
                mm_pixels4(wide, o, filter, K, N, bias, q, out_off, lo, hi, 0);
            }
        }
        for (; px < P; px += 2) { /* the last 1 to 3 */
            const int two = px + 1 < P;
            for (int s = 0; s < 2; ++s) {
                const int32_t i = two ? px + s : px;
                const int8_t *src = patch(wide, col, in_b, p, in, f, direct, rows, i / out->w, i % out->w, s, 2);
                if (src) {
                    widen(wide, src, K, off, s, 2);
                }
            }
            int8_t *o0 = out_b + px * N, *o1 = out_b + (two ? px + 1 : px) * N;
            if (!two) {
                mm_pixel1(wide, o0, filter, K, N, bias, q, out_off, lo, hi, small);
            } else if (small) {
                mm_pixels(wide, o0, o1, filter, K, N, bias, q, out_off, lo, hi, 1);
            } else {
                mm_pixels(wide, o0, o1, filter, K, N, bias, q, out_off, lo, hi, 0);
            }
        }
    }
    return TML_OK;
}

#else
typedef int tml_dsp_conv_is_for_dsp; /* ISO C: a translation unit is not empty */
#endif

/* tinyml kernels for ARMv6-M: CONV_2D and FULLY_CONNECTED, int8, on one matrix
 * kernel (see tml_armv6m.h). CONV_2D: a 1x1 filter without padding reads the
 * input pixels in place; other filters copy two pixels' patches (im2col, the
 * padding filled with the input zero point) into scratch. Bit-exact with TFLM's
 * reference_integer_ops::ConvPerChannel and FullyConnected (per-channel and
 * per-tensor, filter zero point 0). */
#include "tml_armv6m.h"
#include "../tml_im2col.h"
#include "../dsp/tml_dsp.h" /* the short requantization (tml_dsp_requantize_s) on ARMv7-M */

#if TML_KERNELS_ARMV6M
#include <string.h>

#if TML_ARMV7M_ASM
#define TML_UNUSED __attribute__((unused))
#define TML_T2_STEP                                                                                        \
    "ldrsb r8, [r0], #1\n\t"                                                                              \
    "ldrsb r9, [r2], #1\n\t"                                                                              \
    "ldrsb r10, [r1], #1\n\t"                                                                             \
    "ldrsb r11, [r3], #1\n\t"                                                                             \
    "mla r4, r8, r9, r4\n\t"                                                                              \
    "mla r5, r8, r11, r5\n\t"                                                                             \
    "mla r6, r10, r9, r6\n\t"                                                                             \
    "mla r7, r10, r11, r7\n\t"
/* ARMv7-M (Thumb-2): s[0..3] = sum_k a0[k] w0[k], a0 w1, a1 w0, a1 w1 (k < K, K >= 1; K and s on the
 * stack). Per k 4 post-indexed LDRSB and 4 MLA; K % 4 steps first, then 4 steps per pass (34 instructions
 * per 16 MACs). r0-r3 the pointers, r4-r7 the sums, r8-r11 the values, r12 and lr the counters. */
__attribute__((naked, noinline)) static void dot_2x2_t2(TML_UNUSED const int8_t *a0, TML_UNUSED const int8_t *a1,
    TML_UNUSED const int8_t *w0, TML_UNUSED const int8_t *w1, TML_UNUSED int32_t K, TML_UNUSED int32_t *s) {
    __asm__(
        ".syntax unified\n\t"
        "push {r4-r11, lr}\n\t"
        "ldr r12, [sp, #36]\n\t"
        "movs r4, #0\n\t"
        "movs r5, #0\n\t"
        "movs r6, #0\n\t"
        "movs r7, #0\n\t"
        "ands lr, r12, #3\n\t"
        "beq 2f\n\t"
        "1:\n\t" TML_T2_STEP
        "subs lr, lr, #1\n\t"
        "bne 1b\n\t"
        "2:\n\t"
        "lsrs r12, r12, #2\n\t"
        "beq 4f\n\t"
        "3:\n\t" TML_T2_STEP TML_T2_STEP TML_T2_STEP TML_T2_STEP
        "subs r12, r12, #1\n\t"
        "bne 3b\n\t"
        "4:\n\t"
        "ldr r12, [sp, #40]\n\t"
        "stm r12, {r4-r7}\n\t"
        "pop {r4-r11, pc}\n\t");
}
#undef TML_T2_STEP
#define TML_T2_STEP3                                                                                       \
    "ldrsb r10, [r3, r12]\n\t"                                                                             \
    "ldrsb r11, [r3], #1\n\t"                                                                             \
    "ldrsb lr, [r1], #1\n\t"                                                                              \
    "mla r6, lr, r11, r6\n\t"                                                                             \
    "mla r7, lr, r10, r7\n\t"                                                                             \
    "ldrsb lr, [r2], #1\n\t"                                                                              \
    "mla r8, lr, r11, r8\n\t"                                                                             \
    "mla r9, lr, r10, r9\n\t"                                                                             \
    "ldrsb lr, [r0], #1\n\t"                                                                              \
    "mla r4, lr, r11, r4\n\t"                                                                             \
    "mla r5, lr, r10, r5\n\t"
/* ARMv7-M (Thumb-2), CONV_2D's 3 pixels x 2 channels: s[0..5] = sum_k a0[k] w0[k], a0 w1, a1 w0, a1 w1,
 * a2 w0, a2 w1, w1 = w0 + wstep (k < K, K >= 1; K, wstep and s on the stack). Per k 5 LDRSB (w1 at the
 * register offset wstep) and 6 MLA; K % 4 steps first, then 4 steps per pass (47 instructions per 24
 * MACs: the loop's end is on the stack, since the 6 sums take the registers). r0-r2 the pixels, r3 w0,
 * r12 wstep, r4-r9 the sums, r10 w1[k], r11 w0[k], lr the pixel value. */
__attribute__((naked, noinline)) static void dot_3x2_t2(TML_UNUSED const int8_t *a0, TML_UNUSED const int8_t *a1,
    TML_UNUSED const int8_t *a2, TML_UNUSED const int8_t *w0, TML_UNUSED int32_t K, TML_UNUSED int32_t wstep,
    TML_UNUSED int32_t *s) {
    __asm__(
        ".syntax unified\n\t"
        "push {r4-r11, lr}\n\t"
        "sub sp, sp, #8\n\t"
        "ldr r12, [sp, #44]\n\t"
        "and lr, r12, #3\n\t"
        "add lr, r0, lr\n\t"
        "str lr, [sp]\n\t"          /* the end of the K % 4 single steps */
        "add lr, r0, r12\n\t"
        "str lr, [sp, #4]\n\t"      /* the end */
        "ldr r12, [sp, #48]\n\t"
        "movs r4, #0\n\t"
        "movs r5, #0\n\t"
        "movs r6, #0\n\t"
        "movs r7, #0\n\t"
        "movs r8, #0\n\t"
        "movs r9, #0\n\t"
        "ldr lr, [sp]\n\t"
        "cmp r0, lr\n\t"
        "beq 2f\n\t"
        "1:\n\t" TML_T2_STEP3
        "ldr lr, [sp]\n\t"
        "cmp r0, lr\n\t"
        "bne 1b\n\t"
        "2:\n\t"
        "ldr lr, [sp, #4]\n\t"
        "cmp r0, lr\n\t"
        "beq 4f\n\t"
        "3:\n\t" TML_T2_STEP3 TML_T2_STEP3 TML_T2_STEP3 TML_T2_STEP3
        "ldr lr, [sp, #4]\n\t"
        "cmp r0, lr\n\t"
        "bne 3b\n\t"
        "4:\n\t"
        "ldr r12, [sp, #52]\n\t"
        "stm r12, {r4-r9}\n\t"
        "add sp, sp, #8\n\t"
        "pop {r4-r11, pc}\n\t");
}
#undef TML_T2_STEP3
#undef TML_UNUSED
#endif

/* s[0..3] = sum_k a0[k] w0[k], a0 w1, a1 w0, a1 w1 (k < K, K >= 1). */
static void dot_2x2(const int8_t *a0, const int8_t *a1, const int8_t *w0, const int8_t *w1, int32_t K, int32_t *s) {
#if defined(__ARM_ARCH_6M__) && defined(__OPTIMIZE__) && !defined(__OPTIMIZE_SIZE__) && !defined(TML_ARMV6M_NO_ASM)
    /* 21 cycles per 4 MACs on the Cortex-M0+: 4 LDRSB (2), 4 MULS (1), 4 ADD to high registers,
     * one register copy through ip, the counter. Seven low registers (r7 may be the frame pointer). */
    register int32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0;
    int32_t k = -K, x, y;
    a0 += K;
    a1 += K;
    w0 += K;
    w1 += K;
    __asm__ volatile(
        ".syntax unified\n\t"
        "1:\n\t"
        "ldrsb %[x], [%[a0], %[k]]\n\t"
        "ldrsb %[y], [%[w0], %[k]]\n\t"
        "mov ip, %[x]\n\t"
        "muls %[x], %[y], %[x]\n\t"
        "add %[s00], %[x]\n\t"
        "ldrsb %[x], [%[a1], %[k]]\n\t"
        "muls %[y], %[x], %[y]\n\t"
        "add %[s10], %[y]\n\t"
        "ldrsb %[y], [%[w1], %[k]]\n\t"
        "muls %[x], %[y], %[x]\n\t"
        "add %[s11], %[x]\n\t"
        "mov %[x], ip\n\t"
        "muls %[x], %[y], %[x]\n\t"
        "add %[s01], %[x]\n\t"
        "adds %[k], #1\n\t"
        "bne 1b\n\t"
        : [s00] "+h"(s00), [s01] "+h"(s01), [s10] "+h"(s10), [s11] "+h"(s11), [k] "+l"(k), [x] "=&l"(x),
          [y] "=&l"(y)
        : [a0] "l"(a0), [a1] "l"(a1), [w0] "l"(w0), [w1] "l"(w1)
        : "cc", "memory", "ip");
    s[0] = s00;
    s[1] = s01;
    s[2] = s10;
    s[3] = s11;
#elif TML_ARMV7M_ASM
    dot_2x2_t2(a0, a1, w0, w1, K, s);
#else
    int32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0;
    for (int32_t k = 0; k < K; ++k) {
        const int32_t x0 = a0[k], x1 = a1[k], y0 = w0[k], y1 = w1[k];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
    }
    s[0] = s00;
    s[1] = s01;
    s[2] = s10;
    s[3] = s11;
#endif
}

/* bias[n] + input_offset * sum_k w[n][k]: the constant part of output channel n's accumulator. */
static void channel_sums(int32_t *sums, const int8_t *w, int32_t K, int32_t N, const int32_t *bias,
    int32_t input_offset) {
    for (int32_t n = 0; n < N; ++n) {
        int32_t s = 0;
        for (int32_t k = 0; k < K; ++k) {
            s += *w++;
        }
        sums[n] = (bias ? bias[n] : 0) + s * input_offset;
    }
}

typedef struct {
    const int32_t *sums;
    const int32_t *mult, *shift;
    int32_t per_channel; /* mult/shift: one per channel, else one */
    int32_t lim[3];      /* output offset, activation min, max */
    int32_t fold;        /* ARMv7-M CONV_2D: 0, or 1 + (whether [min, max] is narrower than int8): out_sq */
} mm_out_t;

#if TML_ARMV6M_OUT_ASM
#define TML_UNUSED __attribute__((unused))
/* tml_armv6m_out (tml_armv6m.h) on ARMv6-M: about 50 instructions, where GCC's code for the C takes about
 * 75 (it keeps the 64-bit sum in pieces). The product's 64 bits are summed with ADCS: xl * ml + (xh * ml +
 * xl * mh) * 2^16 + xh * mh * 2^32 (x and mult split into signed high and unsigned low halves), then
 * r = 2 * hi + ((lo >> 30) + 1) >> 1, which is (x * mult + 2^30) >> 31; then
 * arm_nn_divide_by_power_of_two. */
__attribute__((naked, noinline)) int32_t tml_armv6m_out_asm(TML_UNUSED int32_t acc, TML_UNUSED int32_t mult,
    TML_UNUSED int32_t shift, TML_UNUSED const int32_t *lim) {
    __asm__(
        ".syntax unified\n\t"
        "push {r4-r6, lr}\n\t"
        "cmp r2, #0\n\t"
        "ble 1f\n\t"
        "lsls r0, r2\n\t"          /* left shift; right 0 */
        "movs r2, #0\n\t"
        "b 2f\n\t"
        "1:\n\t"
        "rsbs r2, r2, #0\n\t"      /* right = -shift */
        "2:\n\t"
        "asrs r5, r1, #16\n\t"     /* mh */
        "uxth r1, r1\n\t"          /* ml */
        "asrs r4, r0, #16\n\t"     /* xh */
        "uxth r0, r0\n\t"          /* xl */
        "movs r6, r0\n\t"
        "muls r6, r1\n\t"          /* lo = xl * ml */
        "muls r0, r5\n\t"          /* xl * mh */
        "muls r1, r4\n\t"          /* xh * ml */
        "muls r4, r5\n\t"          /* hi = xh * mh */
        "lsls r5, r1, #16\n\t"
        "asrs r1, r1, #16\n\t"
        "adds r6, r6, r5\n\t"
        "adcs r4, r1\n\t"
        "lsls r5, r0, #16\n\t"
        "asrs r0, r0, #16\n\t"
        "adds r6, r6, r5\n\t"
        "adcs r4, r0\n\t"
        "lsrs r6, r6, #30\n\t"
        "adds r6, #1\n\t"
        "lsrs r6, r6, #1\n\t"
        "lsls r4, r4, #1\n\t"
        "adds r4, r4, r6\n\t"      /* r */
        "movs r5, #1\n\t"
        "lsls r5, r2\n\t"
        "subs r5, #1\n\t"          /* mask */
        "movs r6, r4\n\t"
        "ands r6, r5\n\t"          /* remainder */
        "asrs r5, r5, #1\n\t"      /* half */
        "asrs r4, r2\n\t"          /* d = r >> right */
        "lsrs r0, r4, #31\n\t"
        "adds r5, r5, r0\n\t"      /* threshold: half + (d < 0) */
        "cmp r6, r5\n\t"
        "ble 3f\n\t"
        "adds r4, #1\n\t"
        "3:\n\t"
        "ldm r3!, {r0, r1, r2}\n\t" /* output offset, min, max */
        "adds r4, r4, r0\n\t"
        "cmp r4, r1\n\t"
        "bge 4f\n\t"
        "movs r4, r1\n\t"
        "4:\n\t"
        "cmp r4, r2\n\t"
        "ble 5f\n\t"
        "movs r4, r2\n\t"
        "5:\n\t"
        "movs r0, r4\n\t"
        "pop {r4-r6, pc}\n\t");
}
#undef TML_UNUSED
#endif

static inline int8_t out_s8(const mm_out_t *o, int32_t acc, int32_t n) {
    const int32_t i = o->per_channel ? n : 0;
    return tml_armv6m_out(acc + o->sums[n], o->mult[i], o->shift[i], o->lim);
}

/* Output pixels o0 (from activations a0) and o1 (from a1; NULL: one pixel) of N channels. */
static void mm_pixels(const int8_t *a0, const int8_t *a1, int8_t *o0, int8_t *o1, const int8_t *w, int32_t K,
    int32_t N, const mm_out_t *o) {
    int32_t s[4];
    const int8_t *b1 = o1 ? a1 : a0;
    int32_t n = 0;
    for (; n + 1 < N; n += 2, w += 2 * K) {
        dot_2x2(a0, b1, w, w + K, K, s);
        o0[n] = out_s8(o, s[0], n);
        o0[n + 1] = out_s8(o, s[1], n + 1);
        if (o1) {
            o1[n] = out_s8(o, s[2], n);
            o1[n + 1] = out_s8(o, s[3], n + 1);
        }
    }
    if (n < N) {
        dot_2x2(a0, b1, w, w, K, s);
        o0[n] = out_s8(o, s[0], n);
        if (o1) {
            o1[n] = out_s8(o, s[2], n);
        }
    }
}

#if TML_ARMV7M_ASM
/* CONV_2D's pixels per matrix pass: 3 on ARMv7-M (dot_3x2_t2), else 2 */
#define CONV_PIX 3

/* The short requantization of ARMv7-M CONV_2D, where a call's accumulators stay small (|acc << left| < 2^28:
 * sq_fold) and every right shift is at most 22: kernels/dsp's tml_dsp_requantize_s with the output offset
 * folded into its rounding constant (tml_dsp_rqs_out; its SMMULR is SMULL and a rounding add here), then
 * SSAT, and the clamp only for an activation narrower than int8. About 10 instructions per output instead
 * of about 35. */
static inline int8_t out_sq(const mm_out_t *m, int32_t acc, int32_t n, const tml_dsp_rqs_t *r, const int clamp) {
    int32_t v = tml_dsp_requantize_s(acc + m->sums[n], r);
    v = v < -128 ? -128 : v > 127 ? 127 : v;
    if (clamp) {
        v = v < m->lim[1] ? m->lim[1] : v > m->lim[2] ? m->lim[2] : v;
    }
    return (int8_t)v;
}

/* whether a per-channel call may take out_sq: 1 + (its clamp narrower than int8), else 0 */
static int32_t sq_fold(const int32_t *sums, const int32_t *shift, int32_t N, int32_t K, const int32_t *lim) {
    uint32_t b = 0;
    int32_t left = 0;
    for (int32_t n = 0; n < N; ++n) {
        const uint32_t a = sums[n] < 0 ? 0u - (uint32_t)sums[n] : (uint32_t)sums[n];
        b = a > b ? a : b;
        left = shift[n] > left ? shift[n] : left;
        if (shift[n] < -22) {
            return 0;
        }
    }
    /* |acc| <= max |sums| + K * 128 * 128 (raw int8 products); left shifts above 2 never qualify */
    if (left > 2 || ((uint64_t)b + (uint64_t)K * 16384u) << left >= ((uint64_t)1 << 28)) {
        return 0;
    }
    return 1 + (lim[1] != -128 || lim[2] != 127);
}

/* Output pixels o[0..2] from activations a[0..2] of N channels; fold: m->fold (a literal, inlined thrice). */
static inline __attribute__((always_inline)) void mm_pixels3_f(const int8_t *const *a, int8_t *const *o,
    const int8_t *w, int32_t K, int32_t N, const mm_out_t *m, const int fold) {
    int32_t s[6];
    int32_t c = 0;
    for (; c + 1 < N; c += 2, w += 2 * K) {
        dot_3x2_t2(a[0], a[1], a[2], w, K, K, s);
        if (fold) {
            const tml_dsp_rqs_t r0 = tml_dsp_rqs_out(m->mult[c], m->shift[c], m->lim[0]),
                r1 = tml_dsp_rqs_out(m->mult[c + 1], m->shift[c + 1], m->lim[0]);
            for (int i = 0; i < 3; ++i) {
                o[i][c] = out_sq(m, s[2 * i], c, &r0, fold == 2);
                o[i][c + 1] = out_sq(m, s[2 * i + 1], c + 1, &r1, fold == 2);
            }
        } else {
            for (int i = 0; i < 3; ++i) {
                o[i][c] = out_s8(m, s[2 * i], c);
                o[i][c + 1] = out_s8(m, s[2 * i + 1], c + 1);
            }
        }
    }
    if (c < N) {
        dot_3x2_t2(a[0], a[1], a[2], w, K, 0, s);
        for (int i = 0; i < 3; ++i) {
            o[i][c] = out_s8(m, s[2 * i], c);
        }
    }
}

static void mm_pixels3(const int8_t *const *a, int8_t *const *o, const int8_t *w, int32_t K, int32_t N,
    const mm_out_t *m) {
    if (m->fold == 1) {
        mm_pixels3_f(a, o, w, K, N, m, 1);
    } else if (m->fold == 2) {
        mm_pixels3_f(a, o, w, K, N, m, 2);
    } else {
        mm_pixels3_f(a, o, w, K, N, m, 0);
    }
}
#else
#define CONV_PIX 2
#endif

/* ---- CONV_2D ---- */

/* The fewest MACs per output a layer needs to run here. ARMv6-M: 2 (a 1-MAC layer gains nothing from
 * the channel sums). ARMv7-M (Cortex-M3): CONV_2D 24, FULLY_CONNECTED 16: CMSIS-NN's plain C wins where
 * the products per output are few, its per-output work being shorter. On MPS2_AN385,
 * pretrainedResnet_quant's 1x1 layer of depth 16 took 1.126x its instructions here and ad01_int8's
 * FULLY_CONNECTED of depth 8 1.184x, while resnet's first layer (3x3x3: 27) took 0.897x and its 1x1
 * layer of depth 32 0.943x. */
#if defined(__ARM_ARCH_7M__)
#define TML_ARMV6M_MIN_K 24
#define TML_ARMV6M_MIN_FC_K 16
#else
#define TML_ARMV6M_MIN_K 2
#define TML_ARMV6M_MIN_FC_K 1
#endif

int tml_armv6m_conv_ok(const tml_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out) {
    /* not grouped; the padding value (the input zero point) an int8; at least 2 MACs per output
     * (a 1-MAC layer gains nothing from the channel sums) */
    return f->c == in->c && f->n == out->c && in->n == out->n && p->input_offset >= -127 &&
        p->input_offset <= 128 && (int64_t)f->h * f->w * f->c >= TML_ARMV6M_MIN_K;
}

static int conv_direct(const tml_conv_params_t *p, const tml_dims_t *f) {
    return f->h == 1 && f->w == 1 && p->padding.h == 0 && p->padding.w == 0;
}

/* GCC turns a copy loop into a memcpy call (-ftree-loop-distribute-patterns), which patch_rows avoids */
#if defined(__GNUC__) && !defined(__clang__)
#define TML_NO_MEMCPY_IDIOM __attribute__((noinline, optimize("no-tree-loop-distribute-patterns")))
#else
#define TML_NO_MEMCPY_IDIOM __attribute__((noinline))
#endif

/* A window inside the input: fh rows of n bytes (n <= PATCH_ROW_MAX), step bytes apart, into dst, byte by
 * byte. A memcpy call per row costs more than such a row (micro_speech's 10x8 filter of one channel: per
 * 8-byte row about 58 instructions in newlib's memcpy on ARMv6-M and 64 in tml_im2col_s8 around it). */
#define PATCH_ROW_MAX 32
static TML_NO_MEMCPY_IDIOM void patch_rows(int8_t *dst, const int8_t *src, int32_t step, int32_t fh, int32_t n) {
    uint8_t *d = (uint8_t *)dst; /* unsigned bytes: LDRB/STRB take immediate offsets on ARMv6-M, LDRSB not */
    for (int32_t fy = 0; fy < fh; ++fy, src += step) {
        const uint8_t *s = (const uint8_t *)src, *end4 = s + (n & ~3), *end = s + n;
        for (; s != end4; s += 4, d += 4) {
            const uint8_t a = s[0], b = s[1], c = s[2], e = s[3];
            d[0] = a;
            d[1] = b;
            d[2] = c;
            d[3] = e;
        }
        while (s != end) {
            *d++ = *s++;
        }
    }
}

/* A window across the input's edge: fh rows of n bytes into dst, row fy from in + off + fy * step where
 * rows [y_lo, y_hi) are inside, bytes [lo, hi) of each such row inside, the rest the padding value; as
 * patch_rows, byte by byte. off may be negative: only the bytes inside are addressed. */
static TML_NO_MEMCPY_IDIOM void patch_rows_clipped(int8_t *dst, const int8_t *in, int32_t off, int32_t step,
    int32_t fh, int32_t n, int32_t y_lo, int32_t y_hi, int32_t lo, int32_t hi, int8_t pad) {
    for (int32_t fy = 0; fy < fh; ++fy, off += step, dst += n) {
        const int inside = fy >= y_lo && fy < y_hi;
        const int32_t a = inside ? lo : n, b = inside ? hi : n;
        int32_t i = 0;
        for (; i < a; ++i) {
            dst[i] = pad;
        }
        for (; i < b; ++i) {
            dst[i] = in[off + i];
        }
        for (; i < n; ++i) {
            dst[i] = pad;
        }
    }
}

/* The patch of output pixel (oy, ox) into col: where its rows are short and contiguous (dilation.w 1),
 * patch_rows (the window inside the input) or patch_rows_clipped; else tml_im2col_s8. */
static void patch(int8_t *col, const int8_t *in_b, const tml_conv_params_t *p, const tml_dims_t *in,
    const tml_dims_t *f, int32_t oy, int32_t ox) {
    const int32_t iy0 = oy * p->stride.h - p->padding.h, ix0 = ox * p->stride.w - p->padding.w;
    const int32_t C = in->c, n = f->w * C, dh = p->dilation.h, step = dh * in->w * C;
    if (p->dilation.w != 1 || n > PATCH_ROW_MAX) {
        tml_im2col_s8(col, in_b, p, in, f, oy, ox);
        return;
    }
    if (iy0 >= 0 && iy0 + (f->h - 1) * dh < in->h && ix0 >= 0 && ix0 + f->w <= in->w) {
        patch_rows(col, in_b + (iy0 * in->w + ix0) * C, step, f->h, n);
        return;
    }
    /* filter rows [y_lo, y_hi) inside (iy0 + fy * dh in [0, h)); columns [x_lo, x_hi) inside */
    int32_t y_lo = 0, y_hi = f->h, x_lo = ix0 < 0 ? -ix0 : 0, x_hi = in->w - ix0;
    while (y_lo < f->h && iy0 + y_lo * dh < 0) {
        ++y_lo;
    }
    while (y_hi > y_lo && iy0 + (y_hi - 1) * dh >= in->h) {
        --y_hi;
    }
    x_lo = x_lo < f->w ? x_lo : f->w;
    x_hi = x_hi > f->w ? f->w : x_hi < x_lo ? x_lo : x_hi;
    patch_rows_clipped(col, in_b, (iy0 * in->w + ix0) * C, step, f->h, n, y_lo, y_hi, x_lo * C, x_hi * C,
        (int8_t)-p->input_offset);
}

int32_t tml_conv_s8_armv6m_get_buffer_size(const tml_conv_params_t *p, const tml_dims_t *in,
    const tml_dims_t *f, const tml_dims_t *out) {
    (void)in;
    const int32_t K = f->h * f->w * f->c;
    return out->c * (int32_t)sizeof(int32_t) + (conv_direct(p, f) ? 0 : CONV_PIX * K);
}

tml_status_t tml_conv_s8_armv6m(const tml_context_t *ctx, const tml_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *in, const int8_t *input, const tml_dims_t *f,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *out, int8_t *output) {
    const int32_t K = f->h * f->w * f->c, N = out->c;
    const int direct = conv_direct(p, f);
    if (f->c != in->c || in->n != out->n || f->n != N || K < 1 || !ctx || !ctx->buf ||
        ctx->size < tml_conv_s8_armv6m_get_buffer_size(p, in, f, out)) {
        return TML_ERR_KERNEL;
    }
    int32_t *sums = (int32_t *)ctx->buf;
    int8_t *col = (int8_t *)(sums + N);
    if (!ctx->again) { /* else the previous row call's, at the scratch's start whatever its size */
        channel_sums(sums, filter, K, N, bias, p->input_offset);
    }
    mm_out_t o = {sums, q->multiplier, q->shift, 1, {p->output_offset, p->activation.min, p->activation.max}, 0};
#if CONV_PIX == 3
    o.fold = sq_fold(sums, q->shift, N, K, o.lim);
#endif
    const int32_t P = out->h * out->w, in_px = in->h * in->w * in->c;
    for (int32_t b = 0; b < in->n; ++b) {
        const int8_t *in_b = input + b * in_px;
        int8_t *out_b = output + b * P * N;
#if CONV_PIX == 3
        for (int32_t px = 0; px < P; px += 3) {
            const int n = P - px < 3 ? (int)(P - px) : 3;
            const int8_t *a[3];
            int8_t *op[3];
            for (int i = 0; i < 3; ++i) { /* pixels past the last (n < 3): the last's again, for mm_pixels's a1 */
                const int32_t q = px + (i < n ? i : n - 1), oy = q / out->w, ox = q % out->w;
                if (direct) {
                    a[i] = in_b + (oy * p->stride.h * in->w + ox * p->stride.w) * in->c;
                } else {
                    if (i < n) {
                        patch(col + i * K, in_b, p, in, f, oy, ox);
                    }
                    a[i] = col + (i < n ? i : n - 1) * K;
                }
                op[i] = out_b + q * N;
            }
            if (n == 3) {
                mm_pixels3(a, op, filter, K, N, &o);
            } else { /* the last 1 or 2 pixels (of a layer, or of a row call): the 2 x 2 loop wastes less */
                mm_pixels(a[0], a[1], op[0], n > 1 ? op[1] : NULL, filter, K, N, &o);
            }
        }
#else
        /* two pixels per pass, written out (as an array loop like the one above, ARMv6-M code took
         * micro_speech_quantized from 2,088,040 to 2,108,960 instructions) */
        for (int32_t px = 0; px < P; px += 2) {
            const int two = px + 1 < P;
            const int32_t oy0 = px / out->w, ox0 = px % out->w;
            const int32_t oy1 = two ? (px + 1) / out->w : oy0, ox1 = two ? (px + 1) % out->w : ox0;
            const int8_t *a0, *a1;
            if (direct) {
                a0 = in_b + (oy0 * p->stride.h * in->w + ox0 * p->stride.w) * in->c;
                a1 = in_b + (oy1 * p->stride.h * in->w + ox1 * p->stride.w) * in->c;
            } else {
                patch(col, in_b, p, in, f, oy0, ox0);
                if (two) {
                    patch(col + K, in_b, p, in, f, oy1, ox1);
                }
                a0 = col;
                a1 = col + K;
            }
            mm_pixels(a0, a1, out_b + px * N, two ? out_b + (px + 1) * N : NULL, filter, K, N, &o);
        }
#endif
    }
    return TML_OK;
}

/* ---- FULLY_CONNECTED: batches are the pixels; one batch, one row of input against the filter rows ---- */

#if defined(__ARM_ARCH_6M__) && !defined(TML_ARMV6M_NO_ASM)
#define TML_ARMV6M_FC_ASM 1
#define TML_UNUSED __attribute__((unused))
/* st[0..3] += sum_k (x[k] + off) * w_r[k], k < K, for the 4 rows w_r = w + r * K; st[4]: off; K >= 1.
 * A function of its own in assembly (naked: it saves what it uses), since the loop takes all eight low
 * registers, r7 (a frame pointer in some builds) included: per 4 MACs 16 instructions, 22 cycles on the
 * Cortex-M0+ (5 LDRSB, the offset's ADD, 4 MULS, 4 ADD to high registers, the counter). r0 the input's
 * end, r4-r7 the rows' ends, r3 the index k (-K .. -1), r1 x + off, r2 a product, r8-r11 the sums, r12
 * the offset. */
__attribute__((naked, noinline)) static void dot_1x4_asm(TML_UNUSED int32_t *st, TML_UNUSED const int8_t *x,
    TML_UNUSED const int8_t *w, TML_UNUSED int32_t K) {
    __asm__(
        ".syntax unified\n\t"
        "push {r4-r7, lr}\n\t"
        "mov r4, r8\n\t"
        "mov r5, r9\n\t"
        "mov r6, r10\n\t"
        "mov r7, r11\n\t"
        "push {r0, r4-r7}\n\t" /* st at [sp, #0] */
        "ldr r4, [r0, #0]\n\t"
        "mov r8, r4\n\t"
        "ldr r4, [r0, #4]\n\t"
        "mov r9, r4\n\t"
        "ldr r4, [r0, #8]\n\t"
        "mov r10, r4\n\t"
        "ldr r4, [r0, #12]\n\t"
        "mov r11, r4\n\t"
        "ldr r4, [r0, #16]\n\t"
        "mov r12, r4\n\t"
        "adds r0, r1, r3\n\t"
        "adds r4, r2, r3\n\t"
        "adds r5, r4, r3\n\t"
        "adds r6, r5, r3\n\t"
        "adds r7, r6, r3\n\t"
        "rsbs r3, r3, #0\n\t"
        "1:\n\t"
        "ldrsb r1, [r0, r3]\n\t"
        "add r1, r12\n\t"
        "ldrsb r2, [r4, r3]\n\t"
        "muls r2, r1, r2\n\t"
        "add r8, r2\n\t"
        "ldrsb r2, [r5, r3]\n\t"
        "muls r2, r1, r2\n\t"
        "add r9, r2\n\t"
        "ldrsb r2, [r6, r3]\n\t"
        "muls r2, r1, r2\n\t"
        "add r10, r2\n\t"
        "ldrsb r2, [r7, r3]\n\t"
        "muls r2, r1, r2\n\t"
        "add r11, r2\n\t"
        "adds r3, #1\n\t"
        "bne 1b\n\t"
        "pop {r0}\n\t"
        "mov r1, r8\n\t"
        "str r1, [r0, #0]\n\t"
        "mov r1, r9\n\t"
        "str r1, [r0, #4]\n\t"
        "mov r1, r10\n\t"
        "str r1, [r0, #8]\n\t"
        "mov r1, r11\n\t"
        "str r1, [r0, #12]\n\t"
        "pop {r4-r7}\n\t"
        "mov r8, r4\n\t"
        "mov r9, r5\n\t"
        "mov r10, r6\n\t"
        "mov r11, r7\n\t"
        "pop {r4-r7, pc}\n\t");
}
#undef TML_UNUSED
#elif TML_ARMV7M_ASM
#define TML_ARMV6M_FC_ASM 1
#define TML_UNUSED __attribute__((unused))
/* ARMv7-M (Thumb-2): st[0..3] += sum_k (x[k] + off) * w_r[k] for the 4 rows w_r = w + r * K; st[4]: off;
 * K >= 1. Per 4 MACs 12 instructions: 5 post-indexed LDRSB, the offset's ADD, 4 MLA, the compare and
 * branch. r1 x, r12 its end, r2 and r9-r11 the rows, r4-r7 the sums, r8 the offset, lr x + off. */
__attribute__((naked, noinline)) static void dot_1x4_asm(TML_UNUSED int32_t *st, TML_UNUSED const int8_t *x,
    TML_UNUSED const int8_t *w, TML_UNUSED int32_t K) {
    __asm__(
        ".syntax unified\n\t"
        "push {r4-r11, lr}\n\t"
        "ldm r0, {r4-r8}\n\t"
        "add r9, r2, r3\n\t"
        "add r10, r9, r3\n\t"
        "add r11, r10, r3\n\t"
        "add r12, r1, r3\n\t"
        "1:\n\t"
        "ldrsb lr, [r1], #1\n\t"
        "add lr, lr, r8\n\t"
        "ldrsb r3, [r2], #1\n\t"
        "mla r4, lr, r3, r4\n\t"
        "ldrsb r3, [r9], #1\n\t"
        "mla r5, lr, r3, r5\n\t"
        "ldrsb r3, [r10], #1\n\t"
        "mla r6, lr, r3, r6\n\t"
        "ldrsb r3, [r11], #1\n\t"
        "mla r7, lr, r3, r7\n\t"
        "cmp r1, r12\n\t"
        "bne 1b\n\t"
        "stm r0, {r4-r7}\n\t"
        "pop {r4-r11, pc}\n\t");
}
#undef TML_UNUSED
#else
#define TML_ARMV6M_FC_ASM 0
#endif

/* s[r] += sum_k (x[k] + off) * w_r[k] for the 4 rows w_r = w + r * K (K >= 1): the input offset added to
 * each input value once for the 4 rows (one batch: channel sums would cost a pass over the weights).
 * s[4] is scratch. */
static void dot_1x4(const int8_t *x, const int8_t *w, int32_t K, int32_t off, int32_t *s) {
#if TML_ARMV6M_FC_ASM
    s[4] = off;
    dot_1x4_asm(s, x, w, K);
#else
    const int8_t *w1 = w + K, *w2 = w + 2 * K, *w3 = w + 3 * K;
    int32_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    for (int32_t k = 0; k < K; ++k) {
        const int32_t v = x[k] + off;
        s0 += v * w[k];
        s1 += v * w1[k];
        s2 += v * w2[k];
        s3 += v * w3[k];
    }
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
#endif
}

static inline int8_t vec_out(const tml_quant_params_t *q, const int32_t *lim, int32_t acc, int32_t n) {
    const int32_t i = q->is_per_channel ? n : 0;
    return tml_armv6m_out(acc, q->multiplier[i], q->shift[i], lim);
}

/* one batch: N outputs from the K inputs x */
static void fc_vec(const tml_fc_params_t *p, const tml_quant_params_t *q, const int8_t *x, const int8_t *w,
    const int32_t *bias, int32_t K, int32_t N, int8_t *y) {
    const int32_t off = p->input_offset;
    const int32_t lim[3] = {p->output_offset, p->activation.min, p->activation.max};
    int32_t n = 0;
    for (; n + 4 <= N; n += 4, w += 4 * K) {
        int32_t s[5];
        for (int i = 0; i < 4; ++i) {
            s[i] = bias ? bias[n + i] : 0;
        }
        dot_1x4(x, w, K, off, s);
        y[n] = vec_out(q, lim, s[0], n);
        y[n + 1] = vec_out(q, lim, s[1], n + 1);
        y[n + 2] = vec_out(q, lim, s[2], n + 2);
        y[n + 3] = vec_out(q, lim, s[3], n + 3);
    }
    for (; n < N; ++n, w += K) {
        int32_t acc = bias ? bias[n] : 0;
        for (int32_t k = 0; k < K; ++k) {
            acc += (x[k] + off) * w[k];
        }
        y[n] = vec_out(q, lim, acc, n);
    }
}

int tml_armv6m_fc_ok(const tml_fc_params_t *p, const tml_quant_params_t *q, const tml_dims_t *in,
    const tml_dims_t *f, const tml_dims_t *out) {
    /* the filter zero point only where it is 0 (per-tensor) or ignored (per-channel); one batch runs
     * fc_vec (the two-pixel kernel would run its one row twice: rp2040js, kws_ref_model's 64x12 layer,
     * 135 us against CMSIS-NN's 67 us); depth 1 only there (more batches: a 1-MAC output gains nothing
     * from the channel sums) */
    return (q->is_per_channel || p->filter_offset == 0) && in->c == f->n && f->c == out->c && in->n == out->n &&
        (f->n >= 2 || in->n == 1) && f->n >= TML_ARMV6M_MIN_FC_K;
}

int32_t tml_fully_connected_s8_armv6m_get_buffer_size(const tml_fc_params_t *p, const tml_dims_t *f,
    const tml_dims_t *out) {
    (void)p;
    (void)f;
    return out->n == 1 ? 0 : out->c * (int32_t)sizeof(int32_t);
}

tml_status_t tml_fully_connected_s8_armv6m(const tml_context_t *ctx, const tml_fc_params_t *p,
    const tml_quant_params_t *q, const tml_dims_t *in, const int8_t *input, const tml_dims_t *f,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *out, int8_t *output) {
    const int32_t K = f->n, N = out->c;
    if (in->c != K || f->c != N || in->n != out->n || K < 1) {
        return TML_ERR_KERNEL;
    }
    if (in->n == 1) {
        fc_vec(p, q, input, filter, bias, K, N, output);
        return TML_OK;
    }
    if (!ctx || !ctx->buf || ctx->size < N * (int32_t)sizeof(int32_t)) {
        return TML_ERR_KERNEL;
    }
    int32_t *sums = (int32_t *)ctx->buf;
    channel_sums(sums, filter, K, N, bias, p->input_offset);
    const mm_out_t o = {sums, q->multiplier, q->shift, q->is_per_channel,
        {p->output_offset, p->activation.min, p->activation.max}, 0};
    for (int32_t b = 0; b < in->n; b += 2) {
        const int two = b + 1 < in->n;
        mm_pixels(input + b * K, input + (two ? b + 1 : b) * K, output + b * N, two ? output + (b + 1) * N : NULL,
            filter, K, N, &o);
    }
    return TML_OK;
}

#else
typedef int tml_armv6m_conv_is_for_armv6m; /* ISO C: a translation unit is not empty */
#endif

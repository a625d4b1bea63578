/* tinyml kernels for DSP cores: FULLY_CONNECTED, int8 (see tml_dsp.h). Bit-exact with TFLM's
 * reference_integer_ops::FullyConnected (per-tensor and per-channel, filter zero point 0). */
#include "tml_dsp.h"

#if TML_KERNELS_DSP

int tml_dsp_fc_ok(const tml_fc_params_t *p, const tml_quant_params_t *q, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out) {
    /* the filter zero point only where it is 0 (per-tensor) or ignored (per-channel); an int8 input zero
     * point (its offset is added to int16 lanes); at least one word of input per row */
    return (q->is_per_channel || p->filter_offset == 0) && in->c == f->n && f->c == out->c && in->n == out->n &&
        p->input_offset >= -127 && p->input_offset <= 128 && f->n >= 4;
}

#if defined(__ARM_FEATURE_DSP) && !defined(TML_DSP_PORTABLE) && (defined(__thumb2__) || defined(__thumb__))
#define TML_DSP_FC_ASM 1
/* st[0..3] += sum_k (x[k] + off) * w_r[k], k < 4 j, for rows w_r = w + r * K (r < 4); st[4]: the offset as
 * an int16 pair; j >= 1. A function of its own in assembly (naked: it saves what it uses), since the loop
 * takes 14 registers, r7 (a frame pointer in some builds) included: per 4 inputs 26 instructions (the
 * offset pair reloaded from the stack). r0 xe, r11 xo, r3 and r12 temporaries, r1 x, r2 r4 r5 r6 the rows,
 * r7-r10 the accumulators, lr the count. */
#define TML_UNUSED __attribute__((unused))
__attribute__((naked, noinline)) static void rows4_asm(TML_UNUSED int32_t *st, TML_UNUSED const int8_t *x,
    TML_UNUSED const int8_t *w, TML_UNUSED int32_t K, TML_UNUSED int32_t j) {
    __asm__(
        ".syntax unified\n\t"
        "push {r4-r11, lr}\n\t"
        "ldr lr, [sp, #36]\n\t" /* j, the fifth argument */
        "add r4, r2, r3\n\t"
        "add r5, r4, r3\n\t"
        "add r6, r5, r3\n\t"
        "ldr r12, [r0, #16]\n\t"
        "push {r0, r12}\n\t" /* st at [sp, #0], the offset pair at [sp, #4] */
        "ldm r0, {r7-r10}\n\t"
        "1:\n\t"
        "ldr r12, [sp, #4]\n\t"
        "ldr r11, [r1], #4\n\t"
        "sxtab16 r0, r12, r11\n\t"
        "sxtab16 r11, r12, r11, ror #8\n\t"
#define TML_DSP_FC_ROW(A, W)               \
        "ldr r3, [" W "], #4\n\t"          \
        "sxtb16 r12, r3\n\t"               \
        "smlad " A ", r12, r0, " A "\n\t"  \
        "sxtb16 r3, r3, ror #8\n\t"        \
        "smlad " A ", r3, r11, " A "\n\t"
        TML_DSP_FC_ROW("r7", "r2") TML_DSP_FC_ROW("r8", "r4") TML_DSP_FC_ROW("r9", "r5")
        TML_DSP_FC_ROW("r10", "r6")
#undef TML_DSP_FC_ROW
        "subs lr, lr, #1\n\t"
        "bne 1b\n\t"
        "pop {r0, r12}\n\t"
        "stm r0, {r7-r10}\n\t"
        "pop {r4-r11, pc}\n\t");
}
/* st[0..1] += sum_k (x[k] + off) * w_r[k], k < 4 j, for rows w_r = w + r * K (r < 2); st[2]: the offset as
 * an int16 pair, st[3]: j >= 1. The last 2 rows of a layer whose rows are not a multiple of 4 (the MobileNets'
 * 2-class layer: 1,280 inputs), in a function of its own in assembly so that the 4-row loop's code stays as it
 * is: the input's word extended once for both rows, per 8 inputs 28 instructions (row1: 2 x 22). r4 r5 the
 * accumulators, r6 the offset pair, r1 x, r2 r3 the rows, r7 r12 the input's halves, r8 r9 temporaries, lr the
 * count. */
#define TML_DSP_FC_ROWS2 \
    "ldr r12, [r1], #4\n\t" \
    "sxtab16 r7, r6, r12\n\t" \
    "sxtab16 r12, r6, r12, ror #8\n\t" \
    "ldr r8, [r2], #4\n\t" \
    "sxtb16 r9, r8\n\t" \
    "smlad r4, r9, r7, r4\n\t" \
    "sxtb16 r8, r8, ror #8\n\t" \
    "smlad r4, r8, r12, r4\n\t" \
    "ldr r8, [r3], #4\n\t" \
    "sxtb16 r9, r8\n\t" \
    "smlad r5, r9, r7, r5\n\t" \
    "sxtb16 r8, r8, ror #8\n\t" \
    "smlad r5, r8, r12, r5\n\t"
__attribute__((naked, noinline)) static void rows2_asm(TML_UNUSED int32_t *st, TML_UNUSED const int8_t *x,
    TML_UNUSED const int8_t *w, TML_UNUSED int32_t K) {
    __asm__(
        ".syntax unified\n\t"
        "push {r4-r9, lr}\n\t"
        "add r3, r2, r3\n\t"
        "ldm r0, {r4, r5, r6, lr}\n\t"
        "lsrs lr, lr, #1\n\t"
        "bcc 2f\n\t"
        TML_DSP_FC_ROWS2
        "2:\n\t"
        "cmp lr, #0\n\t"
        "beq 3f\n\t"
        "1:\n\t"
        TML_DSP_FC_ROWS2 TML_DSP_FC_ROWS2
        "subs lr, lr, #1\n\t"
        "bne 1b\n\t"
        "3:\n\t"
        "stm r0, {r4, r5}\n\t"
        "pop {r4-r9, pc}\n\t");
}
#undef TML_DSP_FC_ROWS2
#undef TML_UNUSED
#else
#define TML_DSP_FC_ASM 0
#endif

/* a[0..3] += sum_k (x[k] + off) * w_r[k] for rows w_r = w + r * K (r < 4); a[4] is scratch */
static void rows4(const int8_t *x, const int8_t *w, int32_t K, int32_t off, int32_t *a) {
    const uint32_t off2 = ((uint32_t)off & 0xFFFFu) * 0x10001u;
    const int8_t *w0 = w, *w1 = w + K, *w2 = w + 2 * K, *w3 = w + 3 * K;
    int32_t j = K >> 2;
#if TML_DSP_FC_ASM
    if (j > 0) {
        a[4] = (int32_t)off2;
        rows4_asm(a, x, w, K, j);
        x += 4 * j;
        w0 += 4 * j;
        w1 += 4 * j;
        w2 += 4 * j;
        w3 += 4 * j;
    }
    int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
#else
    int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
    for (; j > 0; --j) {
        const uint32_t v = tml_dsp_read4(x);
        const uint32_t xe = tml_sxtab16(off2, v), xo = tml_sxtab16_ror8(off2, v);
        uint32_t u = tml_dsp_read4(w0);
        a0 = tml_smlad(tml_sxtb16(u), xe, a0);
        a0 = tml_smlad(tml_sxtb16_ror8(u), xo, a0);
        u = tml_dsp_read4(w1);
        a1 = tml_smlad(tml_sxtb16(u), xe, a1);
        a1 = tml_smlad(tml_sxtb16_ror8(u), xo, a1);
        u = tml_dsp_read4(w2);
        a2 = tml_smlad(tml_sxtb16(u), xe, a2);
        a2 = tml_smlad(tml_sxtb16_ror8(u), xo, a2);
        u = tml_dsp_read4(w3);
        a3 = tml_smlad(tml_sxtb16(u), xe, a3);
        a3 = tml_smlad(tml_sxtb16_ror8(u), xo, a3);
        x += 4;
        w0 += 4;
        w1 += 4;
        w2 += 4;
        w3 += 4;
    }
#endif
    for (int32_t k = K & 3; k > 0; --k) {
        const int32_t v = *x++ + off;
        a0 += v * *w0++;
        a1 += v * *w1++;
        a2 += v * *w2++;
        a3 += v * *w3++;
    }
    a[0] = a0;
    a[1] = a1;
    a[2] = a2;
    a[3] = a3;
}

/* sum_k (x[k] + off) * w[k] + acc */
static int32_t row1(const int8_t *x, const int8_t *w, int32_t K, int32_t off, int32_t acc) {
    const uint32_t off2 = ((uint32_t)off & 0xFFFFu) * 0x10001u;
    for (int32_t j = K >> 2; j > 0; --j, x += 4, w += 4) {
        const uint32_t v = tml_dsp_read4(x), u = tml_dsp_read4(w);
        acc = tml_smlad(tml_sxtb16(u), tml_sxtab16(off2, v), acc);
        acc = tml_smlad(tml_sxtb16_ror8(u), tml_sxtab16_ror8(off2, v), acc);
    }
    for (int32_t k = K & 3; k > 0; --k) {
        acc += (*x++ + off) * *w++;
    }
    return acc;
}

#if TML_DSP_FC_ASM
/* Rows n and n + 1 of a layer (K >= 4 inputs), the tail after its blocks of 4 rows: y[n], y[n + 1]; returns
 * n + 2. Apart, so that the 4-row loop compiles as it did without it. */
static __attribute__((noinline)) int32_t rows2_tail(const int8_t *x, const int8_t *filter, int32_t K, int32_t off,
    const int32_t *bias, const tml_quant_params_t *q, tml_dsp_rq_t r0, int32_t oo, int32_t lo, int32_t hi, int8_t *y,
    int32_t n) {
    const int32_t j = K >> 2;
    const int8_t *w0 = filter + n * K, *w1 = w0 + K;
    int32_t a[4] = {bias ? bias[n] : 0, bias ? bias[n + 1] : 0, (int32_t)(((uint32_t)off & 0xFFFFu) * 0x10001u), j};
    rows2_asm(a, x, w0, K);
    x += 4 * j;
    w0 += 4 * j;
    w1 += 4 * j;
    for (int32_t k = K & 3; k > 0; --k) {
        const int32_t v = *x++ + off;
        a[0] += v * *w0++;
        a[1] += v * *w1++;
    }
    for (int32_t i = 0; i < 2; ++i) {
        const tml_dsp_rq_t r = q->is_per_channel ? tml_dsp_rq(q->multiplier[n + i], q->shift[n + i]) : r0;
        y[n + i] = tml_dsp_out(a[i], r, oo, lo, hi);
    }
    return n + 2;
}
#endif

tml_status_t tml_fully_connected_s8_dsp(const tml_fc_params_t *p, const tml_quant_params_t *q,
    const tml_dims_t *in, const int8_t *input, const tml_dims_t *f, const int8_t *filter, const int32_t *bias,
    const tml_dims_t *out, int8_t *output) {
    const int32_t K = f->n, N = out->c;
    if (in->c != K || f->c != N || in->n != out->n || K < 1) {
        return TML_ERR_KERNEL;
    }
    const int32_t off = p->input_offset, oo = p->output_offset, lo = p->activation.min, hi = p->activation.max;
    const int pc = q->is_per_channel != 0;
    const tml_dsp_rq_t r0 = tml_dsp_rq(q->multiplier[0], q->shift[0]);
    for (int32_t b = 0; b < in->n; ++b) {
        const int8_t *x = input + b * K;
        int8_t *y = output + b * N;
        int32_t n = 0;
        for (; n + 4 <= N; n += 4) {
            int32_t a[5];
            if (bias) {
                memcpy(a, bias + n, 4 * sizeof(int32_t));
            } else {
                memset(a, 0, 4 * sizeof(int32_t));
            }
            rows4(x, filter + n * K, K, off, a);
            if (pc) {
                for (int i = 0; i < 4; ++i) {
                    y[n + i] = tml_dsp_out(a[i], tml_dsp_rq(q->multiplier[n + i], q->shift[n + i]), oo, lo, hi);
                }
            } else {
                for (int i = 0; i < 4; ++i) {
                    y[n + i] = tml_dsp_out(a[i], r0, oo, lo, hi);
                }
            }
        }
#if TML_DSP_FC_ASM
        if (N - n >= 2 && K >= 4) {
            n = rows2_tail(x, filter, K, off, bias, q, r0, oo, lo, hi, y, n);
        }
#endif
        for (; n < N; ++n) {
            const int32_t acc = row1(x, filter + n * K, K, off, bias ? bias[n] : 0);
            y[n] = tml_dsp_out(acc, pc ? tml_dsp_rq(q->multiplier[n], q->shift[n]) : r0, oo, lo, hi);
        }
    }
    return TML_OK;
}

#else
typedef int tml_dsp_fc_is_for_dsp; /* ISO C: a translation unit is not empty */
#endif

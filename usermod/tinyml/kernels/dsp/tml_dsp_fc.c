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

/* a[0..3] += sum_k (x[k] + off) * w_r[k] for rows w_r = w + r * K (r < 4) */
static void rows4(const int8_t *x, const int8_t *w, int32_t K, int32_t off, int32_t *a) {
    uint32_t off2 = ((uint32_t)off & 0xFFFFu) * 0x10001u;
    const int8_t *w0 = w, *w1 = w + K, *w2 = w + 2 * K, *w3 = w + 3 * K;
    int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
    int32_t j = K >> 2;
#if defined(__ARM_FEATURE_DSP) && !defined(TML_DSP_PORTABLE) && defined(__OPTIMIZE__)
    if (j > 0) {
        /* per 4 inputs: 26 instructions, all 14 registers (the offset pair reloaded from the stack) */
        uint32_t xe, xo, u, t;
#define TML_DSP_FC_ROW(A, W)                  \
    "ldr %[u], [%[" W "]], #4\n\t"           \
    "sxtb16 %[t], %[u]\n\t"                  \
    "smlad %[" A "], %[t], %[xe], %[" A "]\n\t" \
    "sxtb16 %[u], %[u], ror #8\n\t"          \
    "smlad %[" A "], %[u], %[xo], %[" A "]\n\t"
        __asm__ volatile(
            "1:\n\t"
            "ldr %[t], %[o2]\n\t"
            "ldr %[xo], [%[x]], #4\n\t"
            "sxtab16 %[xe], %[t], %[xo]\n\t"
            "sxtab16 %[xo], %[t], %[xo], ror #8\n\t"
            TML_DSP_FC_ROW("a0", "w0") TML_DSP_FC_ROW("a1", "w1") TML_DSP_FC_ROW("a2", "w2")
            TML_DSP_FC_ROW("a3", "w3")
            "subs %[j], %[j], #1\n\t"
            "bne 1b\n\t"
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [w0] "+r"(w0),
              [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), [j] "+r"(j), [xe] "=&r"(xe), [xo] "=&r"(xo),
              [u] "=&r"(u), [t] "=&r"(t)
            : [o2] "m"(off2)
            : "cc", "memory");
#undef TML_DSP_FC_ROW
    }
#else
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
            int32_t a[4] = {0, 0, 0, 0};
            if (bias) {
                a[0] = bias[n];
                a[1] = bias[n + 1];
                a[2] = bias[n + 2];
                a[3] = bias[n + 3];
            }
            rows4(x, filter + n * K, K, off, a);
            for (int i = 0; i < 4; ++i) {
                y[n + i] = tml_dsp_out(a[i], pc ? tml_dsp_rq(q->multiplier[n + i], q->shift[n + i]) : r0, oo, lo, hi);
            }
        }
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

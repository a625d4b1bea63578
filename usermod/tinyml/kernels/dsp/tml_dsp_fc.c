/* tinyml kernels for DSP cores: FULLY_CONNECTED, int8 (see tml_dsp.h). Bit-exact with TFLM's
 * reference_integer_ops::FullyConnected (per-tensor and per-channel; filter zero point 0). */
#include "tml_dsp.h"

#if TML_KERNELS_DSP

int tml_dsp_fc_ok(const tml_fc_params_t *p, const tml_quant_params_t *q, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out) {
    /* the filter zero point only where it is 0 (per-tensor) or ignored (per-channel); depth >= 32 and output
     * channels in whole groups of 4, >= 8: where it measured faster than CMSIS-NN on the M7 (README; shallower
     * or narrower layers spend more on the row's widening and the requantization than they save: kws 64x12 0.95x,
     * ad01 8x128 1.22x, micro_speech 4000x4 1.08x, resnet 64x10 1.19x TFLM's instructions) */
    return (q->is_per_channel || p->filter_offset == 0) && in->c == f->n && f->c == out->c && in->n == out->n &&
        f->n >= 32 && out->c >= 8 && out->c % 4 == 0;
}

/* scratch: one row widened (K / 4 blocks of 2 words, then 3 int16 of tail), word-aligned inside */
int32_t tml_fully_connected_s8_dsp_get_buffer_size(const tml_fc_params_t *p, const tml_dims_t *f,
    const tml_dims_t *out) {
    (void)p;
    (void)out;
    return (f->n >> 2) * 8 + 6 + 3;
}

/* s[i] += the widened row (K values) . the K weights of row i at w (rows K bytes apart; the last rows of a
 * count below 4 repeat: row i at w + r[i] * K) */
static inline void dot_1x4(const uint32_t *wide, int32_t K, const int8_t *w, const int32_t *r, int32_t *s) {
    const int32_t K4 = K >> 2, Kt = K & 3;
    const int16_t *t = (const int16_t *)(wide + 2 * K4);
    const int8_t *w0 = w + r[0] * K, *w1 = w + r[1] * K, *w2 = w + r[2] * K, *w3 = w + r[3] * K;
    int32_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
#if defined(__ARM_FEATURE_DSP) && !defined(TML_DSP_PORTABLE) && defined(__thumb2__)
    if (w1 - w0 == w3 - w2) {
        /* rows 1 and 3 read at a register offset from rows 0 and 2 (one register fewer: 12 for 13 values);
         * two blocks per pass (an odd count enters at the second); the LDM's registers fixed */
        register uint32_t x0 __asm__("r0"), x1 __asm__("r1");
        const uint32_t *a = wide;
        uint32_t v = (uint32_t)(K4 & 1), ve;
        const int32_t d = (int32_t)(w1 - w0);
        const uint32_t *const end_v = wide + 2 * K4;
        const int8_t *p0 = w0, *p2 = w2;
#define TML_DSP_CH(load, acc) \
        load "\n\t" \
        "sxtb16 %[ve], %[v]\n\t" \
        "sxtb16 %[v], %[v], ror #8\n\t" \
        "smlad %[" acc "], %[x0], %[ve], %[" acc "]\n\t" \
        "smlad %[" acc "], %[x1], %[v], %[" acc "]\n\t"
#define TML_DSP_BLOCK "ldmia %[a]!, {r0, r1}\n\t" \
        TML_DSP_CH("ldr %[v], [%[p0], %[d]]", "s1") TML_DSP_CH("ldr %[v], [%[p0]], #4", "s0") \
        TML_DSP_CH("ldr %[v], [%[p2], %[d]]", "s3") TML_DSP_CH("ldr %[v], [%[p2]], #4", "s2")
        __asm__ volatile(
            "cmp %[v], #0\n\t"
            "bne 2f\n\t"
            "1:\n\t" TML_DSP_BLOCK
            "2:\n\t" TML_DSP_BLOCK
            "ldr %[v], %[end]\n\t"
            "cmp %[a], %[v]\n\t"
            "bne 1b\n\t"
            : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [a] "+r"(a), [p0] "+r"(p0),
              [p2] "+r"(p2), [v] "+r"(v), [ve] "=&r"(ve), [x0] "=&r"(x0), [x1] "=&r"(x1)
            : [end] "m"(end_v), [d] "r"(d)
            : "cc", "memory");
#undef TML_DSP_BLOCK
#undef TML_DSP_CH
        w0 = p0;
        w1 = p0 + d;
        w2 = p2;
        w3 = p2 + d;
    } else
#endif
    {
        for (const uint32_t *a = wide; a != wide + 2 * K4; a += 2, w0 += 4, w1 += 4, w2 += 4, w3 += 4) {
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
    }
    for (int32_t i = 0; i < Kt; ++i) {
        s0 += t[i] * w0[i];
        s1 += t[i] * w1[i];
        s2 += t[i] * w2[i];
        s3 += t[i] * w3[i];
    }
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
}

tml_status_t tml_fully_connected_s8_dsp(const tml_context_t *ctx, const tml_fc_params_t *p,
    const tml_quant_params_t *q, const tml_dims_t *in, const int8_t *input, const tml_dims_t *f,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *out, int8_t *output) {
    const int32_t K = f->n, N = out->c;
    if (!tml_dsp_fc_ok(p, q, in, f, out) || !ctx || !ctx->buf ||
        ctx->size < tml_fully_connected_s8_dsp_get_buffer_size(p, f, out)) {
        return TML_ERR_KERNEL;
    }
    uint32_t *wide = (uint32_t *)(((uintptr_t)ctx->buf + 3u) & ~(uintptr_t)3u);
    const int32_t out_off = p->output_offset, lo = p->activation.min, hi = p->activation.max;
    const int pc = q->is_per_channel;
    const tml_dsp_rq_t r_tensor = tml_dsp_rq(q->multiplier[0], q->shift[0]);
    for (int32_t b = 0; b < in->n; ++b) {
        tml_dsp_widen(wide, 2, input + b * K, K, p->input_offset, 0);
        int8_t *o = output + b * N;
        for (int32_t n = 0; n < N; n += 4) {
            /* the last channels of a count not a multiple of 4 repeat the last row (stored once) */
            const int32_t n1 = n + 1 < N ? n + 1 : N - 1, n2 = n + 2 < N ? n + 2 : N - 1;
            const int32_t n3 = n + 3 < N ? n + 3 : N - 1;
            const int32_t r[4] = {0, n1 - n, n2 - n, n3 - n};
            int32_t s[4] = {bias ? bias[n] : 0, bias ? bias[n1] : 0, bias ? bias[n2] : 0, bias ? bias[n3] : 0};
            dot_1x4(wide, K, filter + n * K, r, s);
            int8_t v[4];
            for (int i = 0; i < 4; ++i) {
                const int32_t c = i == 0 ? n : i == 1 ? n1 : i == 2 ? n2 : n3;
                v[i] = tml_dsp_out(s[i], pc ? tml_dsp_rq(q->multiplier[c], q->shift[c]) : r_tensor, out_off, lo, hi);
            }
            for (int i = 0; i < 4 && n + i < N; ++i) {
                o[n + i] = v[i];
            }
        }
    }
    return TML_OK;
}

#else
typedef int tml_dsp_fc_is_for_dsp; /* ISO C: a translation unit is not empty */
#endif

/* tinyml kernels for ARMv6-M: DEPTHWISE_CONV_2D, int8, depth multiplier 1, bit-exact with TFLM's
 * reference_integer_ops::DepthwiseConvPerChannel. One channel at a time: its taps go into a table
 * (offset, weight) in scratch once per call, filter column by filter column, with the running sums
 * of the columns' weights. Then one output column at a time: the taps of the filter columns that lie
 * inside the input horizontally are a contiguous part of the table, and the constant part of the
 * accumulator is bias + input_offset * their weights' sum (two running sums apart); the rows whose
 * window lies inside vertically multiply raw int8 values, four output rows per pass over the taps
 * (inline assembly on ARMv6-M), and the rows at the top and bottom edges add the input offset to the
 * taps that are inside. A layer with one input channel (micro_speech's: depth multiplier 8) runs on
 * the CONV_2D kernel instead (kernels/tml_dw_conv.h). */
#include "tml_armv6m.h"
#include "../tml_dw_conv.h"

#if TML_KERNELS_ARMV6M

/* the tap-table kernel's rule */
static int dw_taps_ok(const tml_dw_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f, const tml_dims_t *out) {
    return p->ch_mult == 1 && in->c == out->c && f->c == out->c && in->n == out->n && f->h >= 1 && f->w >= 1;
}

int tml_armv6m_dw_ok(const tml_dw_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out) {
    if (tml_dw_is_conv(p, in, out)) { /* one input channel: CONV_2D's kernel (tml_dw_conv.h) */
        const tml_conv_params_t cp = tml_dw_conv_params(p);
        const tml_dims_t cf = tml_dw_conv_filter_dims(f);
        return tml_armv6m_conv_ok(&cp, in, &cf, out);
    }
#if defined(__ARM_ARCH_7M__)
    /* ARMv7-M (Cortex-M3): CMSIS-NN's. The tap-table kernel took 1.46x its instructions on
     * kws_ref_model's 3x3 layers (MPS2_AN385), which the in-place plan runs 4 output rows per call: its
     * 4-row passes seldom run there, and each call rebuilds every channel's taps. */
    return 0;
#else
    return dw_taps_ok(p, in, f, out);
#endif
}

/* One tap of a window: its byte offset from the window's first input row, channel c, and its weight. */
typedef struct {
    int32_t off, w;
} tap_t;

/* the tap-table kernel's scratch: the taps, then the running sums of the filter columns' weights (f->w + 1) */
static int32_t taps_size(const tml_dims_t *f) {
    return f->h * f->w * (int32_t)sizeof(tap_t) + (f->w + 1) * (int32_t)sizeof(int32_t);
}

int32_t tml_depthwise_conv_s8_armv6m_get_buffer_size(const tml_dw_conv_params_t *p, const tml_dims_t *in,
    const tml_dims_t *f, const tml_dims_t *out) {
    if (tml_dw_is_conv(p, in, out)) {
        return tml_dw_conv_buffer_size(p, in, f, out, tml_conv_s8_armv6m_get_buffer_size);
    }
    return taps_size(f);
}

/* acc[i] += sum over the n >= 1 taps of tap.w * a[i * step + tap.off], i < 4: four output pixels
 * (a column of them) that share their taps. */
static void taps_4(const int8_t *a, int32_t step, const tap_t *tbl, int32_t n, int32_t *acc) {
#if defined(__ARM_ARCH_6M__) && defined(__OPTIMIZE__) && !defined(__OPTIMIZE_SIZE__) && !defined(TML_ARMV6M_NO_ASM)
    /* 25 cycles per tap (4 MACs) on the Cortex-M0+: LDM of the tap, 4 x (LDRSB, MULS, ADD to a high
     * register, step), the counter */
    register int32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3];
    register int32_t o __asm__("r4");
    register int32_t w __asm__("r5");
    int32_t t;
    __asm__ volatile(
        ".syntax unified\n\t"
        "1:\n\t"
        "ldm %[tbl]!, {%[o], %[w]}\n\t"
        "ldrsb %[t], [%[a], %[o]]\n\t"
        "muls %[t], %[w], %[t]\n\t"
        "add %[s0], %[t]\n\t"
        "adds %[o], %[o], %[st]\n\t"
        "ldrsb %[t], [%[a], %[o]]\n\t"
        "muls %[t], %[w], %[t]\n\t"
        "add %[s1], %[t]\n\t"
        "adds %[o], %[o], %[st]\n\t"
        "ldrsb %[t], [%[a], %[o]]\n\t"
        "muls %[t], %[w], %[t]\n\t"
        "add %[s2], %[t]\n\t"
        "adds %[o], %[o], %[st]\n\t"
        "ldrsb %[t], [%[a], %[o]]\n\t"
        "muls %[t], %[w], %[t]\n\t"
        "add %[s3], %[t]\n\t"
        "subs %[n], #1\n\t"
        "bne 1b\n\t"
        : [s0] "+h"(s0), [s1] "+h"(s1), [s2] "+h"(s2), [s3] "+h"(s3), [tbl] "+l"(tbl), [n] "+l"(n), [o] "=&l"(o),
          [w] "=&l"(w), [t] "=&l"(t)
        : [a] "l"(a), [st] "l"(step)
        : "cc", "memory");
    acc[0] = s0;
    acc[1] = s1;
    acc[2] = s2;
    acc[3] = s3;
#else
    for (int32_t k = 0; k < n; ++k, ++tbl) {
        const int8_t *x = a + tbl->off;
        acc[0] += tbl->w * x[0];
        acc[1] += tbl->w * x[step];
        acc[2] += tbl->w * x[2 * step];
        acc[3] += tbl->w * x[3 * step];
    }
#endif
}

/* one input channel: the CONV_2D kernel (apart, so the depthwise loops compile as they did without it) */
static __attribute__((noinline)) tml_status_t dw_as_conv(const tml_context_t *ctx, const tml_dw_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *in, const int8_t *input, const tml_dims_t *f,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *out, int8_t *output) {
    if (!tml_armv6m_dw_ok(p, in, f, out)) {
        return TML_ERR_KERNEL;
    }
    return tml_dw_conv_run(ctx, p, q, in, input, f, filter, bias, out, output, tml_conv_s8_armv6m_get_buffer_size,
        tml_conv_s8_armv6m);
}

tml_status_t tml_depthwise_conv_s8_armv6m(const tml_context_t *ctx, const tml_dw_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *in, const int8_t *input, const tml_dims_t *f,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *out, int8_t *output) {
    if (tml_dw_is_conv(p, in, out)) {
        return dw_as_conv(ctx, p, q, in, input, f, filter, bias, out, output);
    }
    if (!dw_taps_ok(p, in, f, out) || !ctx || !ctx->buf ||
        ctx->size < taps_size(f)) {
        return TML_ERR_KERNEL;
    }
    tap_t *tbl = (tap_t *)ctx->buf;
    int32_t *wsum = (int32_t *)(tbl + f->h * f->w); /* wsum[x]: the weights of filter columns < x */
    const int32_t C = in->c, W = in->w, H = in->h, fh = f->h, fw = f->w, ow = out->w;
    const int32_t sh = p->stride.h, sw = p->stride.w, dh = p->dilation.h, dw = p->dilation.w;
    const int32_t off = p->input_offset;
    const int32_t lim[3] = {p->output_offset, p->activation.min, p->activation.max};
    const int32_t rs = W * C, step = sh * rs, orow = ow * C;
    /* output rows [y_lo, y_hi) have their whole window inside the input vertically */
    int32_t y_lo = 0, y_hi = out->h;
    while (y_lo < out->h && y_lo * sh - p->padding.h < 0) {
        ++y_lo;
    }
    while (y_hi > y_lo && (y_hi - 1) * sh - p->padding.h + (fh - 1) * dh >= H) {
        --y_hi;
    }
    for (int32_t b = 0; b < in->n; ++b) {
        const int8_t *in_b = input + b * H * rs;
        int8_t *out_b = output + b * out->h * orow;
        for (int32_t c = 0; c < C; ++c) {
            const int8_t *wc = filter + c;
            const int32_t base = bias ? bias[c] : 0;
            const int32_t mult = q->multiplier[c], shift = q->shift[c];
            /* the channel's taps (offsets from the window's origin), filter column by column */
            tap_t *t = tbl;
            wsum[0] = 0;
            for (int32_t fx = 0; fx < fw; ++fx) {
                int32_t sum = 0;
                for (int32_t fy = 0; fy < fh; ++fy, ++t) {
                    const int32_t wv = wc[(fy * fw + fx) * C];
                    t->off = fy * dh * rs + fx * dw * C;
                    t->w = wv;
                    sum += wv;
                }
                wsum[fx + 1] = wsum[fx] + sum;
            }
            for (int32_t ox = 0; ox < ow; ++ox) {
                const int32_t ix0 = ox * sw - p->padding.w;
                /* the filter columns inside the input, [lo_x, hi_x): taps [lo_x * fh, hi_x * fh) */
                int32_t lo_x = 0, hi_x = fw;
                while (lo_x < fw && ix0 + lo_x * dw < 0) {
                    ++lo_x;
                }
                while (hi_x > lo_x && ix0 + (hi_x - 1) * dw >= W) {
                    --hi_x;
                }
                const tap_t *tc = tbl + lo_x * fh;
                const int32_t n = (hi_x - lo_x) * fh;
                const int32_t k0 = base + off * (wsum[hi_x] - wsum[lo_x]);
                int8_t *o = out_b + ox * C + c;
                int32_t oy = y_lo;
                const int8_t *a = in_b + (y_lo * sh - p->padding.h) * rs + ix0 * C + c;
                if (n > 0) {
                    for (; oy + 4 <= y_hi; oy += 4, a += 4 * step) {
                        int32_t acc[4] = {k0, k0, k0, k0};
                        taps_4(a, step, tc, n, acc);
                        for (int32_t i = 0; i < 4; ++i) {
                            o[(oy + i) * orow] = tml_armv6m_out(acc[i], mult, shift, lim);
                        }
                    }
                }
                for (; oy < y_hi; ++oy, a += step) {
                    int32_t acc = k0;
                    for (int32_t k = 0; k < n; ++k) {
                        acc += tc[k].w * a[tc[k].off];
                    }
                    o[oy * orow] = tml_armv6m_out(acc, mult, shift, lim);
                }
                /* rows whose window crosses the top or bottom edge */
                for (oy = 0; oy < out->h; oy = oy + 1 == y_lo ? y_hi : oy + 1) {
                    if (oy == y_lo) {
                        oy = y_hi; /* y_lo == 0: the first row already inside */
                        if (oy >= out->h) {
                            break;
                        }
                    }
                    const int32_t iy0 = oy * sh - p->padding.h;
                    int32_t acc = base;
                    for (int32_t fy = 0; fy < fh; ++fy) {
                        const int32_t iy = iy0 + fy * dh;
                        if (iy < 0 || iy >= H) {
                            continue;
                        }
                        for (int32_t fx = 0; fx < fw; ++fx) {
                            const int32_t ix = ix0 + fx * dw;
                            if (ix >= 0 && ix < W) {
                                acc += wc[(fy * fw + fx) * C] * (in_b[iy * rs + ix * C + c] + off);
                            }
                        }
                    }
                    o[oy * orow] = tml_armv6m_out(acc, mult, shift, lim);
                }
            }
        }
    }
    return TML_OK;
}

#else
typedef int tml_armv6m_dw_is_for_armv6m; /* ISO C: a translation unit is not empty */
#endif

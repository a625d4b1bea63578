/* tinyml kernels: a DEPTHWISE_CONV_2D with one input channel (depth multiplier = output channels, e.g.
 * micro_speech's 10x8 layer with 8) is a CONV_2D of one group: the same windows, padding, dilation and
 * per-channel requantization, its filter [1][h][w][N] read as [N][h][w][1]. Kernels with a fast CONV_2D
 * and a depthwise kernel that needs channels in groups (kernels/dsp, kernels/armv6m) run such layers
 * through their CONV_2D code with the filter transposed into the end of their scratch. */
#ifndef TML_DW_CONV_H
#define TML_DW_CONV_H

#include "tml_kernels.h"

/* Whether the layer is one of those (input channels 1, at least 2 output channels: with one, the
 * CONV_2D kernels' pass over a patch would serve a single MAC per value). */
static inline int tml_dw_is_conv(const tml_dw_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *out) {
    return in->c == 1 && p->ch_mult == out->c && out->c >= 2;
}

static inline tml_conv_params_t tml_dw_conv_params(const tml_dw_conv_params_t *p) {
    tml_conv_params_t c;
    c.input_offset = p->input_offset;
    c.output_offset = p->output_offset;
    c.stride = p->stride;
    c.padding = p->padding;
    c.dilation = p->dilation;
    c.activation = p->activation;
    c.kernel = p->kernel;
    return c;
}

/* the CONV_2D filter's dims: N x h x w x 1 */
static inline tml_dims_t tml_dw_conv_filter_dims(const tml_dims_t *f) {
    tml_dims_t d = *f;
    d.n = f->c;
    d.c = 1;
    return d;
}

/* dst[n][k] = filter[k][n] for the K = h * w taps of N channels */
static inline void tml_dw_conv_filter(int8_t *dst, const int8_t *filter, int32_t K, int32_t N) {
    for (int32_t n = 0; n < N; ++n) {
        const int8_t *src = filter + n;
        for (int32_t k = 0; k < K; ++k, src += N) {
            *dst++ = *src;
        }
    }
}

typedef int32_t (*tml_dw_conv_size_fn_t)(const tml_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out);
typedef tml_status_t (*tml_dw_conv_fn_t)(const tml_context_t *ctx, const tml_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *in, const int8_t *input, const tml_dims_t *f,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *out, int8_t *output);

/* The scratch of such a layer run by a CONV_2D kernel (SIZE: its *_get_buffer_size): the kernel's, then
 * the transposed filter. */
static inline int32_t tml_dw_conv_buffer_size(const tml_dw_conv_params_t *p, const tml_dims_t *in,
    const tml_dims_t *f, const tml_dims_t *out, tml_dw_conv_size_fn_t size) {
    const tml_conv_params_t cp = tml_dw_conv_params(p);
    const tml_dims_t cf = tml_dw_conv_filter_dims(f);
    return size(&cp, in, &cf, out) + f->h * f->w * out->c;
}

/* Run such a layer by the CONV_2D kernel CONV, the filter transposed into the scratch's end (kept from
 * the previous row call of an in-place layer: ctx->again). */
static inline tml_status_t tml_dw_conv_run(const tml_context_t *ctx, const tml_dw_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *in, const int8_t *input, const tml_dims_t *f,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *out, int8_t *output, tml_dw_conv_size_fn_t size,
    tml_dw_conv_fn_t conv) {
    const tml_conv_params_t cp = tml_dw_conv_params(p);
    const tml_dims_t cf = tml_dw_conv_filter_dims(f);
    const int32_t K = f->h * f->w, n = size(&cp, in, &cf, out);
    if (!ctx || !ctx->buf || ctx->size < n + K * out->c) {
        return TML_ERR_KERNEL;
    }
    int8_t *w = (int8_t *)ctx->buf + n;
    if (!ctx->again) {
        tml_dw_conv_filter(w, filter, K, out->c);
    }
    return conv(ctx, &cp, q, in, input, &cf, w, bias, out, output);
}

#endif

/* tinyml kernels (esp-nn backend): the load-time routing of each layer to
 * ESP-NN or to the portable kernels, rules 1-8 of tml_esp_nn.h. */
#include "tml_esp_nn.h"

#if defined(TML_ESP_NN_ANSI)
#define FAST_REQUANT 0 /* ESP-NN's ANSI C convolutions requantize as TFLM (rule 4) */
#else
#define FAST_REQUANT 1 /* generic-optimisation (and S3) convolutions: *_fast requantization */
#endif
/* FULLY_CONNECTED: ESP-NN's C flavours run it in ANSI C (exact requantization);
 * the S3 assembly's is not verified here: it gets the fast margin (rule 4). */
#if defined(TML_ESP_NN_S3)
#define FC_FAST_REQUANT 1
#else
#define FC_FAST_REQUANT 0
#endif

static int64_t abs64(int64_t v) {
    return v < 0 ? -v : v;
}

static int dim_ok(int32_t v) {
    return v >= 0 && v <= TML_ESP_NN_MAX_DIM;
}

/* Rule 3 for a 2-D window operator (convolution, pooling); origins
 * (out - 1) * stride - pad are computed in int16_t by some ESP-NN kernels. */
static int window_ok(const tml_dims_t *in, const tml_dims_t *f, const tml_dims_t *out, tml_tile_t stride,
    tml_tile_t pad) {
    return in->n >= 1 && in->n == out->n && dim_ok(in->h) && dim_ok(in->w) && dim_ok(in->c) && dim_ok(out->h) &&
        dim_ok(out->w) && dim_ok(out->c) && dim_ok(f->h) && dim_ok(f->w) && dim_ok(stride.h) && dim_ok(stride.w) &&
        dim_ok(pad.h) && dim_ok(pad.w) && (int64_t)(out->h - 1) * stride.h <= TML_ESP_NN_MAX_DIM &&
        (int64_t)(out->w - 1) * stride.w <= TML_ESP_NN_MAX_DIM;
}

/* Rule 4: output channel c's accumulator bound A_c = |bias_c| + a_max *
 * sum|w + filter_offset| against INT32_MAX, less the fast rounding's 2^(s-1).
 * Weights of channel c: w[c * c_stride + k * k_stride], k < k_count. */
static int accumulators_ok(const int8_t *w, int32_t channels, int32_t c_stride, int32_t k_count, int32_t k_stride,
    int32_t filter_offset, const int32_t *bias, int32_t input_offset, const int32_t *shift, int shift_per_channel,
    int fast) {
    if (!w) {
        return 0; /* weights or bias computed at run time: no bound */
    }
    /* the largest |x + input_offset| over int8 x */
    const int64_t lo = abs64(-128 + (int64_t)input_offset), hi = abs64(127 + (int64_t)input_offset);
    const int64_t a_max = lo > hi ? lo : hi;
    for (int32_t c = 0; c < channels; ++c) {
        int64_t sum = 0;
        for (int32_t k = 0; k < k_count; ++k) {
            sum += abs64((int64_t)w[(int64_t)c * c_stride + (int64_t)k * k_stride] + filter_offset);
        }
        const int64_t b = bias ? abs64(bias[c]) : 0;
        const int32_t s = shift[shift_per_channel ? c : 0];
        if (s < -31) {
            return 0;
        }
        const int64_t margin = fast && s < 0 ? (int64_t)1 << (-s - 1) : 0;
        if (b + a_max * sum > (int64_t)INT32_MAX - margin) {
            return 0;
        }
    }
    return 1;
}

int32_t tml_esp_nn_conv_s8_select(const tml_conv_params_t *p, const tml_per_channel_quant_params_t *q,
    const tml_dims_t *in, const tml_dims_t *f, const int8_t *filter, const int32_t *bias, const tml_dims_t *out) {
    const int is_1x1 = f->h == 1 && f->w == 1;
    if (p->dilation.h != 1 || p->dilation.w != 1 ||                         /* rule 1 */
        f->c != in->c ||                                                     /* rule 2 */
        !window_ok(in, f, out, p->stride, p->padding) ||                     /* rule 3 */
        (is_1x1 && (p->padding.h != 0 || p->padding.w != 0)) ||              /* opt 1x1 path ignores padding */
        !accumulators_ok(filter, out->c, f->h * f->w * f->c, f->h * f->w * f->c, 1, 0, bias, p->input_offset,
            q->shift, 1, FAST_REQUANT)) {                                    /* rule 4 */
        return TML_KERNEL_PORTABLE;
    }
    return TML_KERNEL_BACKEND;
}

int32_t tml_esp_nn_depthwise_conv_s8_select(const tml_dw_conv_params_t *p, const tml_per_channel_quant_params_t *q,
    const tml_dims_t *in, const tml_dims_t *f, const int8_t *filter, const int32_t *bias, const tml_dims_t *out) {
    if (p->dilation.h != 1 || p->dilation.w != 1 ||                               /* rule 1 */
        p->ch_mult < 1 || !dim_ok(p->ch_mult) || out->c != in->c * p->ch_mult || f->c != out->c ||
        !window_ok(in, f, out, p->stride, p->padding) ||                           /* rule 3 */
        !accumulators_ok(filter, out->c, 1, f->h * f->w, out->c, 0, bias, p->input_offset, q->shift, 1,
            FAST_REQUANT)) {                                                       /* rule 4 */
        return TML_KERNEL_PORTABLE;
    }
    return TML_KERNEL_BACKEND;
}

int32_t tml_esp_nn_fully_connected_s8_select(const tml_fc_params_t *p, const tml_quant_params_t *q, const tml_dims_t *in,
    const tml_dims_t *f, const int8_t *filter, const int32_t *bias, const tml_dims_t *out) {
    const int32_t accum = f->n, units = f->c;
    const int32_t filter_offset = q->is_per_channel ? 0 : p->filter_offset;
    if (in->n < 1 || in->c != accum || out->n != in->n || out->c != units || accum < 1 || accum > 65535 ||
        units < 1 || units > 65535 ||                                               /* rule 3 */
        !accumulators_ok(filter, units, accum, accum, 1, filter_offset, bias, p->input_offset, q->shift,
            q->is_per_channel, FC_FAST_REQUANT)) {                                             /* rule 4 */
        return TML_KERNEL_PORTABLE;
    }
    return TML_KERNEL_BACKEND;
}

/* Rule 5: every window covers input (windows move monotonically, so the first
 * and the last of each axis decide). */
static int windows_cover_input(int32_t in, int32_t f, int32_t out, int32_t stride, int32_t pad) {
    const int64_t first = -(int64_t)pad, last = (int64_t)(out - 1) * stride - pad;
    return out >= 1 && first + f > 0 && first < in && last + f > 0 && last < in;
}

static int32_t pool_select(const tml_pool_params_t *p, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out, int is_avg) {
    if (in->c != out->c || !window_ok(in, f, out, p->stride, p->padding)) {       /* rule 3 */
        return TML_KERNEL_PORTABLE;
    }
    if (is_avg && (!windows_cover_input(in->h, f->h, out->h, p->stride.h, p->padding.h) ||
        !windows_cover_input(in->w, f->w, out->w, p->stride.w, p->padding.w))) {  /* rule 5 */
        return TML_KERNEL_PORTABLE;
    }
#if defined(TML_ESP_NN_S3)
    if (in->c % 4 != 0) {
        return TML_ESP_NN_KERNEL_ANSI;                                            /* rule 8 */
    }
#endif
    return TML_KERNEL_BACKEND;
}

int32_t tml_esp_nn_avgpool_s8_select(const tml_pool_params_t *p, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out) {
    return pool_select(p, in, f, out, 1);
}

int32_t tml_esp_nn_maxpool_s8_select(const tml_pool_params_t *p, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out) {
    return pool_select(p, in, f, out, 0);
}

/* Rule 6: sum of exps < 2^28 for rows of up to 511 values. */
int32_t tml_esp_nn_softmax_s8_select(const tml_softmax_params_t *p) {
    if (p->row_size < 1 || p->row_size > 511 || p->shift < 0 || p->shift > 31) {
        return TML_KERNEL_PORTABLE;
    }
    return TML_KERNEL_BACKEND;
}

int32_t tml_esp_nn_softmax_s8_s16_select(const tml_softmax_params_t *p) {
    (void)p;
    return TML_KERNEL_PORTABLE; /* ESP-NN has no int16-output softmax */
}

/* Rule 7. */
static int32_t elementwise_select(const tml_shape_t *a, const tml_shape_t *b, const tml_shape_t *out) {
    return tml_shapes_match_extended(a, b) && tml_shapes_match_extended(a, out) ? TML_KERNEL_BACKEND
                                                                              : TML_KERNEL_PORTABLE;
}

int32_t tml_esp_nn_add_s8_select(const tml_add_params_t *p, const tml_shape_t *a, const tml_shape_t *b,
    const tml_shape_t *out) {
    (void)p;
    return elementwise_select(a, b, out);
}

int32_t tml_esp_nn_mul_s8_select(const tml_mul_params_t *p, const tml_shape_t *a, const tml_shape_t *b,
    const tml_shape_t *out) {
    (void)p;
    return elementwise_select(a, b, out);
}

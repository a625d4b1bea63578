/* tinyml kernels: portable 16x8 convolutions (int16 activations, int8
 * weights) shared by both backends, bit-exact transcriptions of TFLM's
 * reference_integer_ops (tensorflow/lite/kernels/internal/reference/integer_ops/):
 * ConvPerChannel<AccumScalar> (conv.h), DepthwiseConvPerChannel for int16
 * (depthwise_conv.h) and TransposeConv<int64_t> / TransposeConv int8
 * (transpose_conv.h). The ref backend runs them for every case; the CMSIS-NN
 * backend for the cases TFLM's cmsis_nn kernels do not send to CMSIS-NN. */
#include <string.h>
#include "../tml_kernels.h"
#include "../tml_math.h"

/* An int64 bias element: model constants are read in place and may be only
 * 4-byte aligned (as TFLM reads them), so load it without assuming 8. */
static int64_t bias64(const void *bias, int32_t i) {
    int64_t v;
    memcpy(&v, (const int8_t *)bias + (size_t)i * sizeof(int64_t), sizeof(v));
    return v;
}

static int16_t clamp_s16(int32_t v, const tml_activation_t *act) {
    v = v < act->min ? act->min : v;
    v = v > act->max ? act->max : v;
    return (int16_t)v;
}

/* The accumulator (kept in int64) requantized as the reference's AccumScalar:
 * int32 accumulation wraps modulo 2^32, so truncating the int64 sum plus the
 * int32 bias gives the int32 accumulator exactly. */
static int32_t requantize(int64_t acc, const tml_bias_data_t *bias, int32_t c, int32_t mult, int32_t shift) {
    if (bias->is_int32_bias) {
        uint32_t a = (uint32_t)acc;
        if (bias->data) {
            a += (uint32_t)((const int32_t *)bias->data)[c];
        }
        return tml_multiply_by_quantized_multiplier((int32_t)a, mult, shift);
    }
    if (bias->data) {
        acc = (int64_t)((uint64_t)acc + (uint64_t)bias64(bias->data, c));
    }
    return tml_multiply_by_quantized_multiplier_64(acc, mult, shift);
}

tml_status_t tml_conv_s16_portable(const tml_conv_params_t *p, const tml_per_channel_quant_params_t *q,
    const tml_dims_t *input_dims, const int16_t *input, const tml_dims_t *filter_dims, const int8_t *filter,
    const tml_bias_data_t *bias, const tml_dims_t *output_dims, int16_t *output) {
    const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t f_h = filter_dims->h, f_w = filter_dims->w, f_c = filter_dims->c;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    if (f_c <= 0 || in_c % f_c != 0 || input_dims->n != output_dims->n) {
        return TML_ERR_KERNEL;
    }
    const int32_t groups = in_c / f_c;
    if (groups <= 0 || out_c % groups != 0 || out_c / groups == 0) {
        return TML_ERR_KERNEL;
    }
    const int32_t filters_per_group = out_c / groups;
    for (int32_t b = 0; b < input_dims->n; ++b) {
        const int16_t *in_b = input + (int64_t)b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; ++oy) {
            const int32_t iy0 = oy * p->stride.h - p->padding.h;
            for (int32_t ox = 0; ox < out_w; ++ox) {
                const int32_t ix0 = ox * p->stride.w - p->padding.w;
                for (int32_t oc = 0; oc < out_c; ++oc) {
                    const int32_t group = oc / filters_per_group;
                    int64_t acc = 0;
                    for (int32_t fy = 0; fy < f_h; ++fy) {
                        const int32_t iy = iy0 + p->dilation.h * fy;
                        for (int32_t fx = 0; fx < f_w; ++fx) {
                            const int32_t ix = ix0 + p->dilation.w * fx;
                            if (ix < 0 || ix >= in_w || iy < 0 || iy >= in_h) {
                                continue;
                            }
                            const int16_t *iv = in_b + (iy * in_w + ix) * in_c + group * f_c;
                            const int8_t *fv = filter + ((oc * f_h + fy) * f_w + fx) * f_c;
                            for (int32_t ic = 0; ic < f_c; ++ic) {
                                acc += (int32_t)fv[ic] * (int32_t)iv[ic];
                            }
                        }
                    }
                    *output++ = clamp_s16(requantize(acc, bias, oc, q->multiplier[oc], q->shift[oc]), &p->activation);
                }
            }
        }
    }
    return TML_OK;
}

tml_status_t tml_depthwise_conv_s16_portable(const tml_dw_conv_params_t *p, const tml_per_channel_quant_params_t *q,
    const tml_dims_t *input_dims, const int16_t *input, const tml_dims_t *filter_dims, const int8_t *filter,
    const int64_t *bias, const tml_dims_t *output_dims, int16_t *output) {
    const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t f_h = filter_dims->h, f_w = filter_dims->w;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    const int32_t dm = p->ch_mult;
    if (dm <= 0 || out_c != in_c * dm || filter_dims->c != out_c || input_dims->n != output_dims->n) {
        return TML_ERR_KERNEL;
    }
    const tml_bias_data_t b64 = {bias, 0};
    for (int32_t b = 0; b < input_dims->n; ++b) {
        const int16_t *in_b = input + (int64_t)b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; ++oy) {
            const int32_t iy0 = oy * p->stride.h - p->padding.h;
            for (int32_t ox = 0; ox < out_w; ++ox) {
                const int32_t ix0 = ox * p->stride.w - p->padding.w;
                for (int32_t ic = 0; ic < in_c; ++ic) {
                    for (int32_t m = 0; m < dm; ++m) {
                        const int32_t oc = m + ic * dm;
                        int64_t acc = 0;
                        for (int32_t fy = 0; fy < f_h; ++fy) {
                            const int32_t iy = iy0 + p->dilation.h * fy;
                            for (int32_t fx = 0; fx < f_w; ++fx) {
                                const int32_t ix = ix0 + p->dilation.w * fx;
                                if (ix >= 0 && ix < in_w && iy >= 0 && iy < in_h) {
                                    acc += (int64_t)filter[(fy * f_w + fx) * out_c + oc] *
                                        (int64_t)in_b[(iy * in_w + ix) * in_c + ic];
                                }
                            }
                        }
                        *output++ =
                            clamp_s16(requantize(acc, &b64, oc, q->multiplier[oc], q->shift[oc]), &p->activation);
                    }
                }
            }
        }
    }
    return TML_OK;
}

/* Shared scatter of TransposeConv: for each input element, its products with
 * the filter taps added to the output positions they reach (int64 or int32). */
#define SCATTER(ACC_T, IN_EXPR)                                                                        \
    for (int32_t b = 0; b < n; ++b) {                                                                  \
        for (int32_t iy = 0; iy < in_h; ++iy) {                                                        \
            for (int32_t ix = 0; ix < in_w; ++ix) {                                                    \
                for (int32_t ic = 0; ic < in_c; ++ic) {                                                \
                    const int32_t ox0 = ix * p->stride.w - p->padding.w;                               \
                    const int32_t oy0 = iy * p->stride.h - p->padding.h;                               \
                    const int32_t iv = IN_EXPR;                                                        \
                    for (int32_t fy = 0; fy < f_h; ++fy) {                                             \
                        for (int32_t fx = 0; fx < f_w; ++fx) {                                         \
                            const int32_t ox = ox0 + fx, oy = oy0 + fy;                                \
                            if (ox < 0 || ox >= out_w || oy < 0 || oy >= out_h) {                      \
                                continue;                                                              \
                            }                                                                          \
                            ACC_T *dst = scratch + ((b * out_h + oy) * out_w + ox) * out_c;            \
                            for (int32_t oc = 0; oc < out_c; ++oc) {                                   \
                                dst[oc] += (ACC_T)(iv * (int32_t)filter[((oc * f_h + fy) * f_w + fx) * in_c + ic]); \
                            }                                                                          \
                        }                                                                              \
                    }                                                                                  \
                }                                                                                      \
            }                                                                                          \
        }                                                                                              \
    }

static tml_status_t check_transpose(const tml_dims_t *input_dims, const tml_dims_t *filter_dims,
    const tml_dims_t *output_dims) {
    if (input_dims->n != output_dims->n || input_dims->c != filter_dims->c || filter_dims->n != output_dims->c) {
        return TML_ERR_KERNEL;
    }
    return TML_OK;
}

int32_t tml_transpose_conv_s16_get_buffer_size(const tml_dims_t *output_dims) {
    const int64_t n = (int64_t)output_dims->n * output_dims->h * output_dims->w * output_dims->c * 8;
    return n > INT32_MAX ? -1 : (int32_t)n;
}

tml_status_t tml_transpose_conv_s16(const tml_context_t *ctx, const tml_transpose_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *input_dims, const int16_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const void *bias, int32_t bias_is_int16,
    const tml_dims_t *output_dims, int16_t *output) {
    const int32_t n = input_dims->n, in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t f_h = filter_dims->h, f_w = filter_dims->w;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    const int32_t total = n * out_h * out_w * out_c;
    if (check_transpose(input_dims, filter_dims, output_dims) != TML_OK || !ctx || !ctx->buf ||
        ctx->size < tml_transpose_conv_s16_get_buffer_size(output_dims)) {
        return TML_ERR_KERNEL;
    }
    int64_t *scratch = ctx->buf;
    memset(scratch, 0, (size_t)total * sizeof(int64_t));
    SCATTER(int64_t, input[((b * in_h + iy) * in_w + ix) * in_c + ic])
    for (int32_t i = 0; i < total; ++i) {
        const int32_t oc = i % out_c;
        int64_t acc = scratch[i];
        if (bias) {
            acc += bias_is_int16 ? (int64_t)((const int16_t *)bias)[oc] : bias64(bias, oc);
        }
        output[i] = clamp_s16(tml_multiply_by_quantized_multiplier_64(acc, q->multiplier[oc], q->shift[oc]),
            &p->activation);
    }
    return TML_OK;
}

tml_status_t tml_transpose_conv_s8_portable(int32_t *scratch, const tml_transpose_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output) {
    const int32_t n = input_dims->n, in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t f_h = filter_dims->h, f_w = filter_dims->w;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    const int32_t total = n * out_h * out_w * out_c;
    if (check_transpose(input_dims, filter_dims, output_dims) != TML_OK || !scratch) {
        return TML_ERR_KERNEL;
    }
    memset(scratch, 0, (size_t)total * sizeof(int32_t));
    SCATTER(int32_t, input[((b * in_h + iy) * in_w + ix) * in_c + ic] + p->input_offset)
    for (int32_t i = 0; i < total; ++i) {
        const int32_t oc = i % out_c;
        int32_t acc = scratch[i];
        if (bias) {
            acc += bias[oc];
        }
        acc = tml_multiply_by_quantized_multiplier(acc, q->multiplier[oc], q->shift[oc]) + p->output_offset;
        acc = acc < p->activation.min ? p->activation.min : acc;
        acc = acc > p->activation.max ? p->activation.max : acc;
        output[i] = (int8_t)acc;
    }
    return TML_OK;
}

tml_status_t tml_fully_connected_s16_portable(const tml_fc_params_t *p, const tml_quant_params_t *q,
    const tml_dims_t *input_dims, const int16_t *input, const tml_dims_t *filter_dims, const int8_t *filter,
    const tml_bias_data_t *bias, const tml_dims_t *output_dims, int16_t *output) {
    const int32_t batches = output_dims->n, depth = filter_dims->n, units = output_dims->c;
    if (input_dims->n != batches || input_dims->c != depth || filter_dims->c != units) {
        return TML_ERR_KERNEL;
    }
    /* FullyConnectedPerChannel ignores the filter offset; FullyConnected applies it. */
    const int32_t f_off = q->is_per_channel ? 0 : p->filter_offset;
    for (int32_t b = 0; b < batches; ++b) {
        const int16_t *x = input + (int64_t)b * depth;
        for (int32_t u = 0; u < units; ++u) {
            const int8_t *w = filter + (int64_t)u * depth;
            int64_t acc = 0;
            for (int32_t d = 0; d < depth; ++d) {
                acc += (int64_t)((int32_t)w[d] + f_off) * (int64_t)((int32_t)x[d] + p->input_offset);
            }
            const int32_t c = q->is_per_channel ? u : 0;
            int32_t v = requantize(acc, bias, u, q->multiplier[c], q->shift[c]) + p->output_offset;
            output[(int64_t)b * units + u] = clamp_s16(v, &p->activation);
        }
    }
    return TML_OK;
}

tml_status_t tml_pool_s16_portable(const tml_pool_params_t *p, const tml_dims_t *input_dims, const int16_t *input,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims, int16_t *output, int32_t is_max) {
    const int32_t in_h = input_dims->h, in_w = input_dims->w, depth = input_dims->c;
    const int32_t f_h = filter_dims->h, f_w = filter_dims->w;
    if (input_dims->n != output_dims->n || output_dims->c != depth) {
        return TML_ERR_KERNEL;
    }
    for (int32_t b = 0; b < input_dims->n; ++b) {
        const int16_t *in_b = input + (int64_t)b * in_h * in_w * depth;
        for (int32_t oy = 0; oy < output_dims->h; ++oy) {
            const int32_t iy0 = oy * p->stride.h - p->padding.h;
            const int32_t fy0 = iy0 < 0 ? -iy0 : 0;
            const int32_t fy1 = f_h < in_h - iy0 ? f_h : in_h - iy0;
            for (int32_t ox = 0; ox < output_dims->w; ++ox) {
                const int32_t ix0 = ox * p->stride.w - p->padding.w;
                const int32_t fx0 = ix0 < 0 ? -ix0 : 0;
                const int32_t fx1 = f_w < in_w - ix0 ? f_w : in_w - ix0;
                for (int32_t c = 0; c < depth; ++c) {
                    int32_t acc = is_max ? -32768 : 0;
                    int32_t count = 0;
                    for (int32_t fy = fy0; fy < fy1; ++fy) {
                        for (int32_t fx = fx0; fx < fx1; ++fx) {
                            const int32_t v = in_b[((iy0 + fy) * in_w + ix0 + fx) * depth + c];
                            if (is_max) {
                                acc = v > acc ? v : acc;
                            } else {
                                acc += v;
                            }
                            ++count;
                        }
                    }
                    if (!is_max) {
                        if (count == 0) {
                            return TML_ERR_KERNEL;
                        }
                        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    }
                    *output++ = clamp_s16(acc, &p->activation);
                }
            }
        }
    }
    return TML_OK;
}

/* tinyml kernels: portable CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED with
 * packed int4 weights (TFLM's INT4: two weights per byte, element 2k in the low
 * nibble of byte k, element 2k+1 in its high nibble, each sign-extended). TFLM
 * unpacks the whole filter into an arena buffer (UnpackDenseInt4IntoInt8) and
 * runs its int8 reference kernels; these read each weight's nibble in place,
 * with the same arithmetic as those kernels (reference_integer_ops::
 * ConvPerChannel, DepthwiseConvPerChannel, FullyConnected), so the results are
 * the same bytes and no scratch is needed. The ref backend's s4 kernels; the
 * CMSIS-NN backend's where CMSIS-NN's s4 kernels differ from TFLM's reference
 * (grouped convolutions, a per-tensor filter zero point). */
#include "../tml_kernels.h"
#include "../tml_math.h"

/* Weight i of a packed int4 tensor. */
static inline int32_t s4_at(const int8_t *packed, int32_t i) {
    const int32_t byte = packed[i >> 1];
    /* arithmetic shifts sign-extend the nibble, as TFLM's (int8_t)(b << 4) >> 4 and b >> 4 */
    return (i & 1) ? (int32_t)((int8_t)byte >> 4) : (int32_t)((int8_t)(uint8_t)((uint32_t)byte << 4) >> 4);
}

static int8_t requantize(int32_t acc, int32_t mult, int32_t shift, const tml_activation_t *act, int32_t out_off) {
    acc = tml_multiply_by_quantized_multiplier(acc, mult, shift) + out_off;
    acc = acc < act->min ? act->min : acc;
    acc = acc > act->max ? act->max : acc;
    return (int8_t)acc;
}

tml_status_t tml_conv_s4_portable(const tml_conv_params_t *p, const tml_per_channel_quant_params_t *q,
    const tml_dims_t *input_dims, const int8_t *input, const tml_dims_t *filter_dims, const int8_t *filter,
    const int32_t *bias, const tml_dims_t *output_dims, int8_t *output) {
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
        const int8_t *in_b = input + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; ++oy) {
            const int32_t iy0 = oy * p->stride.h - p->padding.h;
            for (int32_t ox = 0; ox < out_w; ++ox) {
                const int32_t ix0 = ox * p->stride.w - p->padding.w;
                for (int32_t oc = 0; oc < out_c; ++oc) {
                    const int32_t group = oc / filters_per_group;
                    const int32_t flt = oc * f_h * f_w * f_c; /* element index of the channel's first weight */
                    int32_t acc = 0;
                    for (int32_t fy = 0; fy < f_h; ++fy) {
                        const int32_t iy = iy0 + p->dilation.h * fy;
                        for (int32_t fx = 0; fx < f_w; ++fx) {
                            const int32_t ix = ix0 + p->dilation.w * fx;
                            if (ix < 0 || ix >= in_w || iy < 0 || iy >= in_h) {
                                continue;
                            }
                            const int8_t *px = in_b + (iy * in_w + ix) * in_c + group * f_c;
                            const int32_t pf = flt + (fy * f_w + fx) * f_c;
                            for (int32_t ic = 0; ic < f_c; ++ic) {
                                acc += s4_at(filter, pf + ic) * (px[ic] + p->input_offset);
                            }
                        }
                    }
                    if (bias) {
                        acc += bias[oc];
                    }
                    *output++ = requantize(acc, q->multiplier[oc], q->shift[oc], &p->activation, p->output_offset);
                }
            }
        }
    }
    return TML_OK;
}

tml_status_t tml_depthwise_conv_s4_portable(const tml_dw_conv_params_t *p, const tml_per_channel_quant_params_t *q,
    const tml_dims_t *input_dims, const int8_t *input, const tml_dims_t *filter_dims, const int8_t *filter,
    const int32_t *bias, const tml_dims_t *output_dims, int8_t *output) {
    const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t f_h = filter_dims->h, f_w = filter_dims->w;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    const int32_t dm = p->ch_mult;
    if (dm <= 0 || out_c != in_c * dm || filter_dims->c != out_c || input_dims->n != output_dims->n) {
        return TML_ERR_KERNEL;
    }
    for (int32_t b = 0; b < input_dims->n; ++b) {
        const int8_t *in_b = input + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; ++oy) {
            const int32_t iy0 = oy * p->stride.h - p->padding.h;
            for (int32_t ox = 0; ox < out_w; ++ox) {
                const int32_t ix0 = ox * p->stride.w - p->padding.w;
                for (int32_t ic = 0; ic < in_c; ++ic) {
                    for (int32_t m = 0; m < dm; ++m) {
                        const int32_t oc = m + ic * dm;
                        int32_t acc = 0;
                        for (int32_t fy = 0; fy < f_h; ++fy) {
                            const int32_t iy = iy0 + p->dilation.h * fy;
                            for (int32_t fx = 0; fx < f_w; ++fx) {
                                const int32_t ix = ix0 + p->dilation.w * fx;
                                if (ix >= 0 && ix < in_w && iy >= 0 && iy < in_h) {
                                    const int32_t iv = in_b[(iy * in_w + ix) * in_c + ic];
                                    acc += s4_at(filter, (fy * f_w + fx) * out_c + oc) * (iv + p->input_offset);
                                }
                            }
                        }
                        if (bias) {
                            acc += bias[oc];
                        }
                        *output++ =
                            requantize(acc, q->multiplier[oc], q->shift[oc], &p->activation, p->output_offset);
                    }
                }
            }
        }
    }
    return TML_OK;
}

tml_status_t tml_fully_connected_s4_portable(const tml_fc_params_t *p, const tml_quant_params_t *q,
    const tml_dims_t *input_dims, const int8_t *input, const tml_dims_t *filter_dims, const int8_t *filter,
    const int32_t *bias, const tml_dims_t *output_dims, int8_t *output) {
    const int32_t batches = output_dims->n, out_depth = output_dims->c, accum = filter_dims->n;
    if (input_dims->n != batches || input_dims->c != accum || filter_dims->c != out_depth) {
        return TML_ERR_KERNEL;
    }
    for (int32_t b = 0; b < batches; ++b) {
        const int8_t *in = input + b * accum;
        for (int32_t oc = 0; oc < out_depth; ++oc) {
            const int32_t w = oc * accum;
            int32_t acc = 0;
            for (int32_t d = 0; d < accum; ++d) {
                acc += (s4_at(filter, w + d) + p->filter_offset) * (in[d] + p->input_offset);
            }
            if (bias) {
                acc += bias[oc];
            }
            const int32_t k = q->is_per_channel ? oc : 0;
            acc = tml_multiply_by_quantized_multiplier(acc, q->multiplier[k], q->shift[k]) + p->output_offset;
            acc = acc < p->activation.min ? p->activation.min : acc;
            acc = acc > p->activation.max ? p->activation.max : acc;
            *output++ = (int8_t)acc;
        }
    }
    return TML_OK;
}

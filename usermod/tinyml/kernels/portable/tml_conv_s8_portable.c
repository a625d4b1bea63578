/* tinyml kernels: portable int8 CONV_2D (per-channel requantization, groups)
 * and DEPTHWISE_CONV_2D, bit-exact transcriptions of TFLM's
 * reference_integer_ops::ConvPerChannel and DepthwiseConvPerChannel
 * (tensorflow/lite/kernels/internal/reference/integer_ops/conv.h,
 * depthwise_conv.h). The ref backend's tml_conv_s8 and tml_depthwise_conv_s8;
 * the CMSIS-NN backend's for grouped convolutions; the esp-nn backend's where
 * ESP-NN does not run a layer. */
#include "../tml_kernels.h"
#include "../tml_math.h"

static int8_t requantize(int32_t acc, int32_t mult, int32_t shift, const tml_activation_t *act, int32_t out_off) {
    acc = tml_multiply_by_quantized_multiplier(acc, mult, shift) + out_off;
    acc = acc < act->min ? act->min : acc;
    acc = acc > act->max ? act->max : acc;
    return (int8_t)acc;
}

tml_status_t tml_conv_s8_portable(const tml_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output) {
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
                    const int8_t *flt = filter + oc * f_h * f_w * f_c;
                    int32_t acc = 0;
                    for (int32_t fy = 0; fy < f_h; ++fy) {
                        const int32_t iy = iy0 + p->dilation.h * fy;
                        for (int32_t fx = 0; fx < f_w; ++fx) {
                            const int32_t ix = ix0 + p->dilation.w * fx;
                            if (ix < 0 || ix >= in_w || iy < 0 || iy >= in_h) {
                                continue;
                            }
                            const int8_t *px = in_b + (iy * in_w + ix) * in_c + group * f_c;
                            const int8_t *pf = flt + (fy * f_w + fx) * f_c;
                            for (int32_t ic = 0; ic < f_c; ++ic) {
                                acc += pf[ic] * (px[ic] + p->input_offset);
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

/* reference_integer_ops::DepthwiseConvPerChannel
 * (tensorflow/lite/kernels/internal/reference/integer_ops/depthwise_conv.h). */
tml_status_t tml_depthwise_conv_s8_portable(const tml_dw_conv_params_t *p, const tml_per_channel_quant_params_t *q,
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
                                    const int32_t fv = filter[(fy * f_w + fx) * out_c + oc];
                                    acc += fv * (iv + p->input_offset);
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

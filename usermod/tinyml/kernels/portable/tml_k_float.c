/* tinyml kernels: float32 CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV,
 * FULLY_CONNECTED and pooling for both backends (CMSIS-NN has no float
 * kernels), transcriptions of TFLM's reference_ops (tensorflow/lite/kernels/
 * internal/reference/conv.h, depthwise_conv.h (DepthwiseConvBasicKernel<float>),
 * transpose_conv.h, fully_connected.h, pooling.h) that keep their loop and
 * summation order, so that results are bit-equal with TFLM when neither side
 * contracts a*b+c into a fused multiply-add (C99 mode: -ffp-contract=off). */
#include "../tml_kernels.h"

/* ActivationFunctionWithMinMax: std::min(std::max(x, lo), hi), NaN kept as std:: does. */
static float act_f32(float x, const tml_activation_f32_t *a) {
    const float y = x < a->min ? a->min : x;
    return a->max < y ? a->max : y;
}

tml_status_t tml_conv_f32(const tml_conv_params_t *p, const tml_activation_f32_t *act, const tml_dims_t *input_dims,
    const float *input, const tml_dims_t *filter_dims, const float *filter, const float *bias,
    const tml_dims_t *output_dims, float *output) {
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
        const float *in_b = input + (int64_t)b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; ++oy) {
            const int32_t iy0 = oy * p->stride.h - p->padding.h;
            for (int32_t ox = 0; ox < out_w; ++ox) {
                const int32_t ix0 = ox * p->stride.w - p->padding.w;
                for (int32_t oc = 0; oc < out_c; ++oc) {
                    const int32_t group = oc / filters_per_group;
                    float total = 0.f;
                    for (int32_t fy = 0; fy < f_h; ++fy) {
                        const int32_t iy = iy0 + p->dilation.h * fy;
                        for (int32_t fx = 0; fx < f_w; ++fx) {
                            const int32_t ix = ix0 + p->dilation.w * fx;
                            if (ix < 0 || ix >= in_w || iy < 0 || iy >= in_h) {
                                continue;
                            }
                            const float *iv = in_b + (iy * in_w + ix) * in_c + group * f_c;
                            const float *fv = filter + ((oc * f_h + fy) * f_w + fx) * f_c;
                            for (int32_t ic = 0; ic < f_c; ++ic) {
                                total += iv[ic] * fv[ic];
                            }
                        }
                    }
                    const float bias_value = bias ? bias[oc] : 0.0f;
                    *output++ = act_f32(total + bias_value, act);
                }
            }
        }
    }
    return TML_OK;
}

tml_status_t tml_depthwise_conv_f32(const tml_dw_conv_params_t *p, const tml_activation_f32_t *act,
    const tml_dims_t *input_dims, const float *input, const tml_dims_t *filter_dims, const float *filter,
    const float *bias, const tml_dims_t *output_dims, float *output) {
    const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t f_h = filter_dims->h, f_w = filter_dims->w;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    const int32_t dm = p->ch_mult;
    if (dm <= 0 || out_c != in_c * dm || filter_dims->c != out_c || input_dims->n != output_dims->n) {
        return TML_ERR_KERNEL;
    }
    for (int32_t b = 0; b < input_dims->n; ++b) {
        const float *in_b = input + (int64_t)b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; ++oy) {
            for (int32_t ox = 0; ox < out_w; ++ox) {
                for (int32_t ic = 0; ic < in_c; ++ic) {
                    for (int32_t m = 0; m < dm; ++m) {
                        const int32_t oc = m + ic * dm;
                        const int32_t ix0 = ox * p->stride.w - p->padding.w;
                        const int32_t iy0 = oy * p->stride.h - p->padding.h;
                        float total = 0.f;
                        for (int32_t fy = 0; fy < f_h; ++fy) {
                            for (int32_t fx = 0; fx < f_w; ++fx) {
                                const int32_t ix = ix0 + p->dilation.w * fx;
                                const int32_t iy = iy0 + p->dilation.h * fy;
                                if (ix >= 0 && ix < in_w && iy >= 0 && iy < in_h) {
                                    total += in_b[(iy * in_w + ix) * in_c + ic] * filter[(fy * f_w + fx) * out_c + oc];
                                }
                            }
                        }
                        const float bias_value = bias ? bias[oc] : 0.0f;
                        output[((b * out_h + oy) * out_w + ox) * out_c + oc] = act_f32(total + bias_value, act);
                    }
                }
            }
        }
    }
    return TML_OK;
}

tml_status_t tml_transpose_conv_f32(const tml_transpose_conv_params_t *p, const tml_activation_f32_t *act,
    const tml_dims_t *input_dims, const float *input, const tml_dims_t *filter_dims, const float *filter,
    const float *bias, const tml_dims_t *output_dims, float *output) {
    const int32_t n = input_dims->n, in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t f_h = filter_dims->h, f_w = filter_dims->w;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    if (n != output_dims->n || in_c != filter_dims->c || filter_dims->n != out_c) {
        return TML_ERR_KERNEL;
    }
    const int32_t total = n * out_h * out_w * out_c;
    for (int32_t i = 0; i < total; i++) {
        output[i] = 0.0f;
    }
    for (int32_t b = 0; b < n; ++b) {
        for (int32_t iy = 0; iy < in_h; ++iy) {
            for (int32_t ix = 0; ix < in_w; ++ix) {
                for (int32_t ic = 0; ic < in_c; ++ic) {
                    const int32_t ox0 = ix * p->stride.w - p->padding.w;
                    const int32_t oy0 = iy * p->stride.h - p->padding.h;
                    const float iv = input[((b * in_h + iy) * in_w + ix) * in_c + ic];
                    for (int32_t fy = 0; fy < f_h; ++fy) {
                        for (int32_t fx = 0; fx < f_w; ++fx) {
                            const int32_t ox = ox0 + fx, oy = oy0 + fy;
                            if (ox < 0 || ox >= out_w || oy < 0 || oy >= out_h) {
                                continue;
                            }
                            float *dst = output + ((b * out_h + oy) * out_w + ox) * out_c;
                            for (int32_t oc = 0; oc < out_c; ++oc) {
                                dst[oc] += iv * filter[((oc * f_h + fy) * f_w + fx) * in_c + ic];
                            }
                        }
                    }
                }
            }
        }
    }
    for (int32_t i = 0; i < total; i++) {
        float acc = output[i];
        if (bias) {
            acc += bias[i % out_c];
        }
        output[i] = act_f32(acc, act);
    }
    return TML_OK;
}

tml_status_t tml_fully_connected_f32(const tml_activation_f32_t *act, int32_t batches, int32_t depth, int32_t units,
    const float *input, const float *weights, const float *bias, float *output) {
    for (int32_t b = 0; b < batches; ++b) {
        for (int32_t u = 0; u < units; ++u) {
            float total = 0.f;
            for (int32_t d = 0; d < depth; ++d) {
                total += input[(int64_t)b * depth + d] * weights[(int64_t)u * depth + d];
            }
            const float bias_value = bias ? bias[u] : 0.0f;
            output[(int64_t)b * units + u] = act_f32(total + bias_value, act);
        }
    }
    return TML_OK;
}

static tml_status_t pool_f32(const tml_pool_params_t *p, const tml_activation_f32_t *act, const tml_dims_t *input_dims,
    const float *input, const tml_dims_t *filter_dims, const tml_dims_t *output_dims, float *output, int is_max) {
    const int32_t in_h = input_dims->h, in_w = input_dims->w, depth = input_dims->c;
    const int32_t f_h = filter_dims->h, f_w = filter_dims->w;
    if (input_dims->n != output_dims->n || output_dims->c != depth) {
        return TML_ERR_KERNEL;
    }
    for (int32_t b = 0; b < input_dims->n; ++b) {
        const float *in_b = input + (int64_t)b * in_h * in_w * depth;
        for (int32_t oy = 0; oy < output_dims->h; ++oy) {
            const int32_t iy0 = oy * p->stride.h - p->padding.h;
            const int32_t fy0 = iy0 < 0 ? -iy0 : 0;
            const int32_t fy1 = f_h < in_h - iy0 ? f_h : in_h - iy0;
            for (int32_t ox = 0; ox < output_dims->w; ++ox) {
                const int32_t ix0 = ox * p->stride.w - p->padding.w;
                const int32_t fx0 = ix0 < 0 ? -ix0 : 0;
                const int32_t fx1 = f_w < in_w - ix0 ? f_w : in_w - ix0;
                for (int32_t c = 0; c < depth; ++c) {
                    float acc = is_max ? -3.40282347e+38f : 0.f; /* std::numeric_limits<float>::lowest() */
                    float count = 0;
                    for (int32_t fy = fy0; fy < fy1; ++fy) {
                        for (int32_t fx = fx0; fx < fx1; ++fx) {
                            const float v = in_b[((iy0 + fy) * in_w + ix0 + fx) * depth + c];
                            if (is_max) {
                                acc = acc < v ? v : acc; /* std::max(max, v) */
                            } else {
                                acc += v;
                            }
                            count++;
                        }
                    }
                    if (!is_max) {
                        if (count == 0) {
                            return TML_ERR_KERNEL;
                        }
                        acc = acc / count;
                    }
                    *output++ = act_f32(acc, act);
                }
            }
        }
    }
    return TML_OK;
}

tml_status_t tml_avgpool_f32(const tml_pool_params_t *p, const tml_activation_f32_t *act, const tml_dims_t *input_dims,
    const float *input, const tml_dims_t *filter_dims, const tml_dims_t *output_dims, float *output) {
    return pool_f32(p, act, input_dims, input, filter_dims, output_dims, output, 0);
}

tml_status_t tml_maxpool_f32(const tml_pool_params_t *p, const tml_activation_f32_t *act, const tml_dims_t *input_dims,
    const float *input, const tml_dims_t *filter_dims, const tml_dims_t *output_dims, float *output) {
    return pool_f32(p, act, input_dims, input, filter_dims, output_dims, output, 1);
}

/* tinyml kernels: portable AVERAGE_POOL_2D and MAX_POOL_2D, int8. Bit-exact
 * transcriptions of TFLM's reference_integer_ops::AveragePool and MaxPool
 * (tensorflow/lite/kernels/internal/reference/integer_ops/pooling.h). The ref
 * backend's pooling, and the esp-nn backend's where ESP-NN does not run a layer. */
#include "../tml_kernels.h"

tml_status_t tml_pool_s8_portable(const tml_pool_params_t *p, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims, int8_t *output, int32_t is_max) {
    const int32_t in_h = input_dims->h, in_w = input_dims->w, depth = input_dims->c;
    const int32_t f_h = filter_dims->h, f_w = filter_dims->w;
    if (input_dims->n != output_dims->n || output_dims->c != depth) {
        return TML_ERR_KERNEL;
    }
    for (int32_t b = 0; b < input_dims->n; ++b) {
        const int8_t *in_b = input + b * in_h * in_w * depth;
        for (int32_t oy = 0; oy < output_dims->h; ++oy) {
            const int32_t iy0 = oy * p->stride.h - p->padding.h;
            const int32_t fy0 = iy0 < 0 ? -iy0 : 0;
            const int32_t fy1 = f_h < in_h - iy0 ? f_h : in_h - iy0;
            for (int32_t ox = 0; ox < output_dims->w; ++ox) {
                const int32_t ix0 = ox * p->stride.w - p->padding.w;
                const int32_t fx0 = ix0 < 0 ? -ix0 : 0;
                const int32_t fx1 = f_w < in_w - ix0 ? f_w : in_w - ix0;
                for (int32_t c = 0; c < depth; ++c) {
                    int32_t acc = is_max ? -128 : 0;
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
                    acc = acc < p->activation.min ? p->activation.min : acc;
                    acc = acc > p->activation.max ? p->activation.max : acc;
                    *output++ = (int8_t)acc;
                }
            }
        }
    }
    return TML_OK;
}

/* tinyml kernels: portable FULLY_CONNECTED, int8. Bit-exact transcription of
 * TFLM's reference_integer_ops::FullyConnected (per-tensor, applies the filter
 * offset) and FullyConnectedPerChannel (ignores it)
 * (tensorflow/lite/kernels/internal/reference/integer_ops/fully_connected.h).
 * The ref backend's tml_fully_connected_s8, and the esp-nn backend's where
 * ESP-NN does not run a layer. */
#include "../tml_kernels.h"
#include "../tml_math.h"

tml_status_t tml_fully_connected_s8_portable(const tml_fc_params_t *p, const tml_quant_params_t *q,
    const tml_dims_t *input_dims, const int8_t *input, const tml_dims_t *filter_dims, const int8_t *filter,
    const int32_t *bias, const tml_dims_t *output_dims, int8_t *output) {
    const int32_t batches = output_dims->n, out_depth = output_dims->c, accum = filter_dims->n;
    if (input_dims->n != batches || input_dims->c != accum || filter_dims->c != out_depth) {
        return TML_ERR_KERNEL;
    }
    const int32_t filter_offset = q->is_per_channel ? 0 : p->filter_offset;
    for (int32_t b = 0; b < batches; ++b) {
        const int8_t *in = input + b * accum;
        for (int32_t oc = 0; oc < out_depth; ++oc) {
            const int8_t *w = filter + oc * accum;
            int32_t acc = 0;
            for (int32_t d = 0; d < accum; ++d) {
                acc += (w[d] + filter_offset) * (in[d] + p->input_offset);
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

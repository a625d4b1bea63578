/* tinyml kernels (esp-nn backend): FULLY_CONNECTED, int8, as esp-tflite-micro's
 * esp_nn/fully_connected.cc calls esp_nn_fully_connected_s8 (per-tensor) and
 * esp_nn_fully_connected_per_ch_s8 (per-channel), one call per batch row. One
 * deviation, for TFLM's reference result: per-channel layers get filter offset
 * 0 (FullyConnectedPerChannel ignores the filter zero point; esp-tflite-micro
 * passes it). Routed layers run the portable kernel. No precomputation. */
#include "tml_esp_nn.h"

int32_t tml_fully_connected_s8_kernel_sums_size(const tml_fc_params_t *fc_params,
    const tml_quant_params_t *quant_params, const tml_dims_t *filter_dims, const tml_dims_t *output_dims, int for_mve) {
    (void)for_mve;
    (void)fc_params;
    (void)quant_params;
    (void)filter_dims;
    (void)output_dims;
    return 0;
}

tml_status_t tml_fully_connected_s8_kernel_sums(const tml_fc_params_t *fc_params,
    const tml_quant_params_t *quant_params, const tml_dims_t *filter_dims, const int8_t *filter,
    const int32_t *bias, int32_t *kernel_sums) {
    (void)fc_params;
    (void)quant_params;
    (void)filter_dims;
    (void)filter;
    (void)bias;
    (void)kernel_sums;
    return TML_OK;
}

int32_t tml_fully_connected_s8_get_buffer_size(const tml_fc_params_t *fc_params,
    const tml_quant_params_t *quant_params, const tml_dims_t *input_dims, const tml_dims_t *filter_dims,
    const tml_dims_t *output_dims) {
    (void)fc_params;
    (void)quant_params;
    (void)input_dims;
    (void)filter_dims;
    (void)output_dims;
    return 0;
}

tml_status_t tml_fully_connected_s8(const tml_context_t *ctx, const tml_fc_params_t *p,
    const tml_quant_params_t *q, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output) {
    (void)ctx;
    if (p->kernel != TML_KERNEL_BACKEND) {
        return tml_fully_connected_s8_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims,
            output);
    }
    const int32_t batches = output_dims->n, units = output_dims->c, accum = filter_dims->n;
    if (input_dims->n != batches || input_dims->c != accum || filter_dims->c != units) {
        return TML_ERR_KERNEL;
    }
    for (int32_t b = 0; b < batches; ++b) {
        if (q->is_per_channel) {
            esp_nn_fully_connected_per_ch_s8(input, p->input_offset, (uint16_t)accum, filter, 0, bias, output,
                (uint16_t)units, p->output_offset, q->shift, q->multiplier, p->activation.min, p->activation.max);
        } else {
            esp_nn_fully_connected_s8(input, p->input_offset, (uint16_t)accum, filter, p->filter_offset, bias, output,
                (uint16_t)units, p->output_offset, q->shift[0], q->multiplier[0], p->activation.min,
                p->activation.max);
        }
        input += accum;
        output += units;
    }
    return TML_OK;
}

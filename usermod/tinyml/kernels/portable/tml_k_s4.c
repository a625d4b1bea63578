/* tinyml kernels (portable reference): CONV_2D, DEPTHWISE_CONV_2D and
 * FULLY_CONNECTED with packed int4 weights: the portable kernels of
 * kernels/portable/tml_k_s4_portable.c, which read the weights in place (no scratch). */
#include "../tml_kernels.h"

int32_t tml_conv_s4_get_buffer_size(const tml_conv_params_t *conv_params, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
    (void)conv_params;
    (void)input_dims;
    (void)filter_dims;
    (void)output_dims;
    return 0;
}

tml_status_t tml_conv_s4(const tml_context_t *ctx, const tml_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output) {
    (void)ctx;
    return tml_conv_s4_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims, output);
}

int32_t tml_depthwise_conv_s4_get_buffer_size(const tml_dw_conv_params_t *dw_conv_params,
    const tml_dims_t *input_dims, const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
    (void)dw_conv_params;
    (void)input_dims;
    (void)filter_dims;
    (void)output_dims;
    return 0;
}

tml_status_t tml_depthwise_conv_s4(const tml_context_t *ctx, const tml_dw_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output) {
    (void)ctx;
    return tml_depthwise_conv_s4_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims, output);
}

int32_t tml_fully_connected_s4_get_buffer_size(const tml_fc_params_t *fc_params,
    const tml_quant_params_t *quant_params, const tml_dims_t *input_dims, const tml_dims_t *filter_dims,
    const tml_dims_t *output_dims) {
    (void)fc_params;
    (void)quant_params;
    (void)input_dims;
    (void)filter_dims;
    (void)output_dims;
    return 0;
}

tml_status_t tml_fully_connected_s4(const tml_context_t *ctx, const tml_fc_params_t *p,
    const tml_quant_params_t *q, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output) {
    (void)ctx;
    return tml_fully_connected_s4_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims, output);
}

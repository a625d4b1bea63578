/* tinyml kernels (portable reference backend): 16x8 CONV_2D,
 * DEPTHWISE_CONV_2D, FULLY_CONNECTED and pooling, int8 TRANSPOSE_CONV and
 * integer SVDF and BATCH_MATMUL: the shared portable kernels of kernels/portable, which
 * transcribe TFLM's reference kernels. */
#include "../tml_kernels.h"

int32_t tml_conv_s16_get_buffer_size(const tml_conv_params_t *conv_params, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
    (void)conv_params;
    (void)input_dims;
    (void)filter_dims;
    (void)output_dims;
    return 0;
}

tml_status_t tml_conv_s16(const tml_context_t *ctx, const tml_conv_params_t *p, const tml_per_channel_quant_params_t *q,
    const tml_dims_t *input_dims, const int16_t *input, const tml_dims_t *filter_dims, const int8_t *filter,
    const tml_bias_data_t *bias, const tml_dims_t *output_dims, int16_t *output) {
    (void)ctx;
    return tml_conv_s16_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims, output);
}

int32_t tml_depthwise_conv_s16_get_buffer_size(const tml_dw_conv_params_t *dw_conv_params,
    const tml_dims_t *input_dims, const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
    (void)dw_conv_params;
    (void)input_dims;
    (void)filter_dims;
    (void)output_dims;
    return 0;
}

tml_status_t tml_depthwise_conv_s16(const tml_context_t *ctx, const tml_dw_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *input_dims, const int16_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int64_t *bias, const tml_dims_t *output_dims,
    int16_t *output) {
    (void)ctx;
    return tml_depthwise_conv_s16_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims, output);
}

int32_t tml_fully_connected_s16_get_buffer_size(const tml_fc_params_t *fc_params,
    const tml_quant_params_t *quant_params, const tml_dims_t *filter_dims, const tml_bias_data_t *bias) {
    (void)fc_params;
    (void)quant_params;
    (void)filter_dims;
    (void)bias;
    return 0;
}

tml_status_t tml_fully_connected_s16(const tml_context_t *ctx, const tml_fc_params_t *p, const tml_quant_params_t *q,
    const tml_dims_t *input_dims, const int16_t *input, const tml_dims_t *filter_dims, const int8_t *filter,
    const tml_bias_data_t *bias, const tml_dims_t *output_dims, int16_t *output) {
    (void)ctx;
    return tml_fully_connected_s16_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims, output);
}

int32_t tml_avgpool_s16_get_buffer_size(int32_t output_w, int32_t channels) {
    (void)output_w;
    (void)channels;
    return 0;
}

int32_t tml_maxpool_s16_get_buffer_size(int32_t output_w, int32_t channels) {
    (void)output_w;
    (void)channels;
    return 0;
}

tml_status_t tml_avgpool_s16(const tml_context_t *ctx, const tml_pool_params_t *p, const tml_dims_t *input_dims,
    const int16_t *input, const tml_dims_t *filter_dims, const tml_dims_t *output_dims, int16_t *output) {
    (void)ctx;
    return tml_pool_s16_portable(p, input_dims, input, filter_dims, output_dims, output, 0);
}

tml_status_t tml_maxpool_s16(const tml_context_t *ctx, const tml_pool_params_t *p, const tml_dims_t *input_dims,
    const int16_t *input, const tml_dims_t *filter_dims, const tml_dims_t *output_dims, int16_t *output) {
    (void)ctx;
    return tml_pool_s16_portable(p, input_dims, input, filter_dims, output_dims, output, 1);
}

/* reference_integer_ops::TransposeConv needs an int32 accumulator per output element. */
int32_t tml_transpose_conv_s8_get_buffer_size(const tml_transpose_conv_params_t *params,
    const tml_dims_t *input_dims, const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
    (void)params;
    (void)input_dims;
    (void)filter_dims;
    const int64_t n = (int64_t)output_dims->n * output_dims->h * output_dims->w * output_dims->c * 4;
    return n > INT32_MAX ? -1 : (int32_t)n;
}

tml_status_t tml_transpose_conv_s8(const tml_context_t *ctx, const tml_transpose_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output) {
    if (!ctx || ctx->size < tml_transpose_conv_s8_get_buffer_size(p, input_dims, filter_dims, output_dims)) {
        return TML_ERR_KERNEL;
    }
    return tml_transpose_conv_s8_portable(ctx->buf, p, q, input_dims, input, filter_dims, filter, bias, output_dims,
        output);
}

int32_t tml_svdf_s8_kernel_sums_size(const tml_svdf_params_t *params, int for_mve) {
    (void)params;
    (void)for_mve;
    return 0;
}

tml_status_t tml_svdf_s8_kernel_sums(const tml_svdf_params_t *params, const int8_t *weights_feature,
    int32_t *kernel_sums) {
    (void)params;
    (void)weights_feature;
    (void)kernel_sums;
    return TML_OK;
}

tml_status_t tml_svdf_s8(const tml_context_t *ctx, const tml_svdf_params_t *p, const int8_t *input, int8_t *state,
    const int8_t *weights_feature, const int8_t *weights_time, const int32_t *bias, int8_t *output) {
    return tml_svdf_s8_portable(ctx, p, input, state, weights_feature, weights_time, bias, output);
}

tml_status_t tml_svdf_state_s16_s8(const tml_context_t *ctx, const tml_svdf_params_t *p, const int8_t *input,
    int16_t *state, const int8_t *weights_feature, const int16_t *weights_time, const int32_t *bias,
    int8_t *output) {
    return tml_svdf_state_s16_s8_portable(ctx, p, input, state, weights_feature, weights_time, bias, output);
}

int32_t tml_batch_matmul_s8_get_buffer_size(const tml_bmm_params_t *params) {
    (void)params;
    return 0;
}

tml_status_t tml_batch_matmul_s8(const tml_context_t *ctx, const tml_bmm_params_t *params, const int8_t *lhs,
    const int8_t *rhs, int8_t *output) {
    (void)ctx;
    return tml_batch_matmul_s8_portable(params, lhs, rhs, output);
}

int32_t tml_batch_matmul_s16_get_buffer_size(const tml_bmm_params_t *params) {
    (void)params;
    return 0;
}

tml_status_t tml_batch_matmul_s16(const tml_context_t *ctx, const tml_bmm_params_t *params, const int16_t *lhs,
    const int16_t *rhs, int16_t *output) {
    (void)ctx;
    return tml_batch_matmul_s16_portable(params, lhs, rhs, output);
}

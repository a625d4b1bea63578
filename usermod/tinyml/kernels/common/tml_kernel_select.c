/* tinyml kernels: the load-time kernel choice (tml_kernel_t) of the backends
 * with one kernel per operator, ref and CMSIS-NN: always TML_KERNEL_BACKEND.
 * The esp-nn backend chooses per layer (kernels/esp_nn/tml_esp_nn_select.c). */
#include "../tml_kernels.h"

#if !defined(TML_BACKEND_ESP_NN)

int32_t tml_conv_s8_select(const tml_conv_params_t *conv_params, const tml_per_channel_quant_params_t *quant_params,
    const tml_dims_t *input_dims, const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias,
    const tml_dims_t *output_dims) {
    (void)conv_params;
    (void)quant_params;
    (void)input_dims;
    (void)filter_dims;
    (void)filter;
    (void)bias;
    (void)output_dims;
    return TML_KERNEL_BACKEND;
}

#if !defined(TML_BACKEND_CMSIS_NN) /* kernels/cmsis_nn/tml_conv_s8.c chooses per layer */
int32_t tml_depthwise_conv_s8_select(const tml_dw_conv_params_t *dw_conv_params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const tml_dims_t *filter_dims,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims) {
    (void)dw_conv_params;
    (void)quant_params;
    (void)input_dims;
    (void)filter_dims;
    (void)filter;
    (void)bias;
    (void)output_dims;
    return TML_KERNEL_BACKEND;
}
#endif

int32_t tml_fully_connected_s8_select(const tml_fc_params_t *fc_params, const tml_quant_params_t *quant_params,
    const tml_dims_t *input_dims, const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias,
    const tml_dims_t *output_dims) {
    (void)fc_params;
    (void)quant_params;
    (void)input_dims;
    (void)filter_dims;
    (void)filter;
    (void)bias;
    (void)output_dims;
    return TML_KERNEL_BACKEND;
}

static int32_t pool_select(const tml_pool_params_t *pool_params, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
    (void)pool_params;
    (void)input_dims;
    (void)filter_dims;
    (void)output_dims;
    return TML_KERNEL_BACKEND;
}

int32_t tml_avgpool_s8_select(const tml_pool_params_t *pool_params, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
    return pool_select(pool_params, input_dims, filter_dims, output_dims);
}

int32_t tml_maxpool_s8_select(const tml_pool_params_t *pool_params, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
    return pool_select(pool_params, input_dims, filter_dims, output_dims);
}

int32_t tml_softmax_s8_select(const tml_softmax_params_t *params) {
    (void)params;
    return TML_KERNEL_BACKEND;
}

int32_t tml_softmax_s8_s16_select(const tml_softmax_params_t *params) {
    (void)params;
    return TML_KERNEL_BACKEND;
}

int32_t tml_add_s8_select(const tml_add_params_t *params, const tml_shape_t *input1_shape,
    const tml_shape_t *input2_shape, const tml_shape_t *output_shape) {
    (void)params;
    (void)input1_shape;
    (void)input2_shape;
    (void)output_shape;
    return TML_KERNEL_BACKEND;
}

int32_t tml_mul_s8_select(const tml_mul_params_t *params, const tml_shape_t *input1_shape,
    const tml_shape_t *input2_shape, const tml_shape_t *output_shape) {
    (void)params;
    (void)input1_shape;
    (void)input2_shape;
    (void)output_shape;
    return TML_KERNEL_BACKEND;
}

#else
typedef int tml_kernel_select_is_in_kernels_esp_nn; /* ISO C: a translation unit is not empty */
#endif

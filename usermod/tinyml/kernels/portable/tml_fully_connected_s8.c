/* tinyml kernels (portable reference backend): FULLY_CONNECTED, int8: the
 * portable kernel of kernels/portable/tml_fully_connected_s8_portable.c (TFLM's
 * reference_integer_ops::FullyConnected / FullyConnectedPerChannel); no
 * precomputation, no scratch. */
#include "../tml_kernels.h"
#include "../armv6m/tml_armv6m.h"
#include "../dsp/tml_dsp.h"

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
#if TML_KERNELS_ARMV6M
    if (fc_params->kernel == TML_KERNEL_ARMV6M) {
        return tml_fully_connected_s8_armv6m_get_buffer_size(fc_params, filter_dims, output_dims);
    }
#endif
#if TML_KERNELS_DSP
    if (fc_params->kernel == TML_KERNEL_DSP) {
        return 0;
    }
#endif
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
#if TML_KERNELS_ARMV6M
    if (p->kernel == TML_KERNEL_ARMV6M) {
        return tml_fully_connected_s8_armv6m(ctx, p, q, input_dims, input, filter_dims, filter, bias, output_dims,
            output);
    }
#endif
#if TML_KERNELS_DSP
    if (p->kernel == TML_KERNEL_DSP) {
        return tml_fully_connected_s8_dsp(p, q, input_dims, input, filter_dims, filter, bias, output_dims, output);
    }
#endif
    (void)ctx;
    return tml_fully_connected_s8_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims, output);
}

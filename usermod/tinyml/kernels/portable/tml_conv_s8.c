/* tinyml kernels (portable reference backend): CONV_2D and DEPTHWISE_CONV_2D,
 * int8, per-channel requantization: the portable kernels of
 * kernels/portable/tml_conv_s8_portable.c (TFLM's reference_integer_ops). */
#include "../tml_kernels.h"
#include "../armv6m/tml_armv6m.h"
#include "../dsp/tml_dsp.h"

int32_t tml_conv_s8_get_buffer_size(const tml_conv_params_t *conv_params, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
#if TML_KERNELS_ARMV6M
    if (conv_params->kernel == TML_KERNEL_ARMV6M) {
        return tml_conv_s8_armv6m_get_buffer_size(conv_params, input_dims, filter_dims, output_dims);
    }
#endif
#if TML_KERNELS_DSP
    if (conv_params->kernel == TML_KERNEL_DSP) {
        return tml_conv_s8_dsp_get_buffer_size(conv_params, input_dims, filter_dims, output_dims);
    }
#endif
    (void)conv_params;
    (void)input_dims;
    (void)filter_dims;
    (void)output_dims;
    return 0;
}

tml_status_t tml_conv_s8(const tml_context_t *ctx, const tml_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output) {
#if TML_KERNELS_ARMV6M
    if (p->kernel == TML_KERNEL_ARMV6M) {
        return tml_conv_s8_armv6m(ctx, p, q, input_dims, input, filter_dims, filter, bias, output_dims, output);
    }
#endif
#if TML_KERNELS_DSP
    if (p->kernel == TML_KERNEL_DSP) {
        return tml_conv_s8_dsp(ctx, p, q, input_dims, input, filter_dims, filter, bias, output_dims, output);
    }
#endif
    (void)ctx;
    return tml_conv_s8_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims, output);
}

int32_t tml_depthwise_conv_s8_get_buffer_size(const tml_dw_conv_params_t *dw_conv_params,
    const tml_dims_t *input_dims, const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
#if TML_KERNELS_ARMV6M
    if (dw_conv_params->kernel == TML_KERNEL_ARMV6M) {
        return tml_depthwise_conv_s8_armv6m_get_buffer_size(dw_conv_params, input_dims, filter_dims, output_dims);
    }
#endif
#if TML_KERNELS_DSP
    if (dw_conv_params->kernel == TML_KERNEL_DSP) {
        return tml_depthwise_conv_s8_dsp_get_buffer_size(dw_conv_params, input_dims, filter_dims, output_dims);
    }
#endif
    (void)dw_conv_params;
    (void)input_dims;
    (void)filter_dims;
    (void)output_dims;
    return 0;
}

tml_status_t tml_depthwise_conv_s8(const tml_context_t *ctx, const tml_dw_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output) {
#if TML_KERNELS_ARMV6M
    if (p->kernel == TML_KERNEL_ARMV6M) {
        return tml_depthwise_conv_s8_armv6m(ctx, p, q, input_dims, input, filter_dims, filter, bias, output_dims,
            output);
    }
#endif
#if TML_KERNELS_DSP
    if (p->kernel == TML_KERNEL_DSP) {
        return tml_depthwise_conv_s8_dsp(ctx, p, q, input_dims, input, filter_dims, filter, bias, output_dims,
            output);
    }
#endif
    (void)ctx;
    return tml_depthwise_conv_s8_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims, output);
}

/* tinyml kernels (CMSIS-NN backend): CONV_2D and DEPTHWISE_CONV_2D, int8, as
 * TFLM's tensorflow/lite/micro/kernels/cmsis_nn/conv.cc and depthwise_conv.cc
 * call arm_convolve_wrapper_s8 / arm_depthwise_conv_wrapper_s8, except grouped
 * convolutions, which run the portable kernel (see tml_conv_s8). */
#include "tml_cmsis_nn.h"
#include "../armv6m/tml_armv6m.h"
#include "../dsp/tml_dsp.h"
#include "arm_nnsupportfunctions.h"

static cmsis_nn_conv_params conv_params(const tml_conv_params_t *p) {
    cmsis_nn_conv_params c;
    c.input_offset = p->input_offset;
    c.output_offset = p->output_offset;
    c.stride = tml_cmsis_tile(p->stride);
    c.padding = tml_cmsis_tile(p->padding);
    c.dilation = tml_cmsis_tile(p->dilation);
    c.activation = tml_cmsis_act(p->activation);
    return c;
}

/* TFLM passes filter_dims.n = 1 (arm_convolve_* take output channels from output_dims). */
static cmsis_nn_dims conv_filter_dims(const tml_dims_t *f) {
    cmsis_nn_dims r = {1, f->h, f->w, f->c};
    return r;
}

/* CMSIS-NN v7.0.0's MVE arm_convolve_1_x_n_s8 (chosen by the wrapper for 1xN
 * filters on 1-row inputs) sizes its padded edge windows for stride 1 only: with
 * a larger stride it fails or reads past the input (found by randomized tests
 * against the reference on the Cortex-M55 model). Run arm_convolve_s8 then. */
static int mve_1xn_unsafe(const tml_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f) {
#if defined(ARM_MATH_MVEI)
    const int is_1x1 = p->padding.w == 0 && p->padding.h == 0 && f->w == 1 && f->h == 1 && p->dilation.w == 1 &&
        p->dilation.h == 1;
    const int is_1xn = in->h == 1 && p->dilation.w == 1 && f->h == 1 && (p->stride.w * in->c) % 4 == 0;
    return !is_1x1 && is_1xn && p->stride.w != 1;
#else
    (void)p;
    (void)in;
    (void)f;
    return 0;
#endif
}

int32_t tml_conv_s8_get_buffer_size(const tml_conv_params_t *p, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
#if TML_KERNELS_ARMV6M
    if (p->kernel == TML_KERNEL_ARMV6M) {
        return tml_conv_s8_armv6m_get_buffer_size(p, input_dims, filter_dims, output_dims);
    }
#endif
#if TML_KERNELS_DSP
    if (p->kernel == TML_KERNEL_DSP) {
        return tml_conv_s8_dsp_get_buffer_size(p, input_dims, filter_dims, output_dims);
    }
#endif
    const cmsis_nn_conv_params cp = conv_params(p);
    const cmsis_nn_dims id = tml_cmsis_dims(input_dims), fd = conv_filter_dims(filter_dims);
    const cmsis_nn_dims od = tml_cmsis_dims(output_dims);
    if (input_dims->c != filter_dims->c) {
        return 0; /* grouped: portable kernel */
    }
    if (mve_1xn_unsafe(p, input_dims, filter_dims)) {
        return arm_convolve_s8_get_buffer_size(&id, &fd);
    }
    return arm_convolve_wrapper_s8_get_buffer_size(&cp, &id, &fd, &od);
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
    if (input_dims->c != filter_dims->c) {
        /* Grouped: CMSIS-NN v7.0.0's arm_convolve_s8 DSP path (Cortex-M4/M7/M33)
         * gives results that differ from TFLM's reference; TFLM's glue would
         * call it (and misses its im2col buffer for 1x1 filters). */
        return tml_conv_s8_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims, output);
    }
    const cmsis_nn_context c = tml_cmsis_ctx(ctx);
    const cmsis_nn_conv_params cp = conv_params(p);
    const cmsis_nn_per_channel_quant_params qp = {q->multiplier, q->shift};
    const cmsis_nn_dims id = tml_cmsis_dims(input_dims), fd = conv_filter_dims(filter_dims);
    const cmsis_nn_dims bd = {1, 1, 1, output_dims->c}, od = tml_cmsis_dims(output_dims);
    if (mve_1xn_unsafe(p, input_dims, filter_dims)) {
        return tml_cmsis_status(arm_convolve_s8(&c, &cp, &qp, &id, input, &fd, filter, &bd, bias, NULL, &od, output));
    }
    return tml_cmsis_status(arm_convolve_wrapper_s8(&c, &cp, &qp, &id, input, &fd, filter, &bd, bias, &od, output));
}

static cmsis_nn_dw_conv_params dw_params(const tml_dw_conv_params_t *p) {
    cmsis_nn_dw_conv_params c;
    c.input_offset = p->input_offset;
    c.output_offset = p->output_offset;
    c.ch_mult = p->ch_mult;
    c.stride = tml_cmsis_tile(p->stride);
    c.padding = tml_cmsis_tile(p->padding);
    c.dilation = tml_cmsis_tile(p->dilation);
    c.activation = tml_cmsis_act(p->activation);
    return c;
}

/* The MVE wrapper runs 1-input-channel depthwise convolutions as convolutions,
 * which may hit the 1xN issue above: run arm_depthwise_conv_s8 for those. */
static int dw_mve_unsafe(const tml_dw_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out) {
#if defined(ARM_MATH_MVEI)
    const tml_conv_params_t cp = {p->input_offset, p->output_offset, p->stride, p->padding, p->dilation, p->activation,
        TML_KERNEL_BACKEND};
    const tml_dims_t cf = {f->c, f->h, f->w, 1};
    return in->c == 1 && out->c > CONVERT_DW_CONV_WITH_ONE_INPUT_CH_AND_OUTPUT_CH_ABOVE_THRESHOLD &&
        mve_1xn_unsafe(&cp, in, &cf);
#else
    (void)p;
    (void)in;
    (void)f;
    (void)out;
    return 0;
#endif
}

/* The wrapper's optimized depthwise kernel takes a scratch buffer of
 * channels x filter height x filter width int16 with the DSP extension (a
 * fixed 4 x 124 x filter area with MVE). On a late layer with many channels
 * and a large filter that buffer can exceed the layer's own tensors and set the
 * model's arena (mcunet_vww_r80 on the M7: 56,448 scratch bytes for a 7x7, 576
 * channel layer whose input and output take 10,368). There the layer runs
 * arm_depthwise_conv_s8, which needs no buffer (the same results: CMSIS-NN's
 * kernels all round as TFLM's reference). */
int32_t tml_cmsis_nn_depthwise_conv_s8_select(const tml_dw_conv_params_t *dw_conv_params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const tml_dims_t *filter_dims,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims) {
    (void)quant_params;
    (void)filter;
    (void)bias;
    tml_dw_conv_params_t p = *dw_conv_params;
    p.kernel = TML_KERNEL_BACKEND;
    const int64_t buf = tml_depthwise_conv_s8_get_buffer_size(&p, input_dims, filter_dims, output_dims);
    const int64_t tensors = (int64_t)input_dims->n * input_dims->h * input_dims->w * input_dims->c +
        (int64_t)output_dims->n * output_dims->h * output_dims->w * output_dims->c;
    return buf > tensors ? TML_CMSIS_KERNEL_DW_PLAIN : TML_KERNEL_BACKEND;
}

int32_t tml_depthwise_conv_s8_get_buffer_size(const tml_dw_conv_params_t *p, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
#if TML_KERNELS_ARMV6M
    if (p->kernel == TML_KERNEL_ARMV6M) {
        return tml_depthwise_conv_s8_armv6m_get_buffer_size(p, input_dims, filter_dims, output_dims);
    }
#endif
#if TML_KERNELS_DSP
    if (p->kernel == TML_KERNEL_DSP) {
        return tml_depthwise_conv_s8_dsp_get_buffer_size(p, input_dims, filter_dims, output_dims);
    }
#endif
    const cmsis_nn_dw_conv_params dp = dw_params(p);
    const cmsis_nn_dims id = tml_cmsis_dims(input_dims), fd = tml_cmsis_dims(filter_dims);
    const cmsis_nn_dims od = tml_cmsis_dims(output_dims);
    if (p->kernel == TML_CMSIS_KERNEL_DW_PLAIN || dw_mve_unsafe(p, input_dims, filter_dims, output_dims)) {
        return 0;
    }
    return arm_depthwise_conv_wrapper_s8_get_buffer_size(&dp, &id, &fd, &od);
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
    const cmsis_nn_context c = tml_cmsis_ctx(ctx);
    const cmsis_nn_dw_conv_params dp = dw_params(p);
    const cmsis_nn_per_channel_quant_params qp = {q->multiplier, q->shift};
    const cmsis_nn_dims id = tml_cmsis_dims(input_dims), fd = tml_cmsis_dims(filter_dims);
    const cmsis_nn_dims bd = {1, 1, 1, output_dims->c}, od = tml_cmsis_dims(output_dims);
    if (p->kernel == TML_CMSIS_KERNEL_DW_PLAIN || dw_mve_unsafe(p, input_dims, filter_dims, output_dims)) {
        return tml_cmsis_status(arm_depthwise_conv_s8(&c, &dp, &qp, &id, input, &fd, filter, &bd, bias, &od, output));
    }
    return tml_cmsis_status(
        arm_depthwise_conv_wrapper_s8(&c, &dp, &qp, &id, input, &fd, filter, &bd, bias, &od, output));
}

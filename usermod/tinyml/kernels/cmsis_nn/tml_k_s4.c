/* tinyml kernels (CMSIS-NN backend): CONV_2D, DEPTHWISE_CONV_2D and
 * FULLY_CONNECTED with packed int4 weights, as TFLM's
 * tensorflow/lite/micro/kernels/cmsis_nn/conv.cc, depthwise_conv.cc and
 * fully_connected.cc call arm_convolve_wrapper_s4, arm_depthwise_conv_wrapper_s4
 * and arm_fully_connected_s4. Where CMSIS-NN's s4 kernels would differ from
 * TFLM's reference, the portable kernels of kernels/portable/tml_k_s4_portable.c run:
 * grouped convolutions (arm_convolve_s4 has no groups), some depthwise
 * convolutions (see dw_path) and a per-tensor FULLY_CONNECTED filter zero point
 * (arm_fully_connected_s4 ignores it). */
#include "tml_cmsis_nn.h"

/* TML_S4_PORTABLE=1 (the firmware's TINYML_INT4_KERNELS=portable): every s4 kernel is the portable one, so
 * none of CMSIS-NN's s4 code is linked (about 20 KB of flash on a Cortex-M4, for boards that cannot spare it). */
#ifndef TML_S4_PORTABLE
#define TML_S4_PORTABLE 0
#endif

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

/* TFLM passes filter_dims.n = 1 (the kernels take the output channels from output_dims). */
static cmsis_nn_dims conv_filter_dims(const tml_dims_t *f) {
    cmsis_nn_dims r = {1, f->h, f->w, f->c};
    return r;
}

int32_t tml_conv_s4_get_buffer_size(const tml_conv_params_t *p, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
    if (TML_S4_PORTABLE || input_dims->c != filter_dims->c) {
        return 0; /* grouped: portable kernel */
    }
    const cmsis_nn_conv_params cp = conv_params(p);
    const cmsis_nn_dims id = tml_cmsis_dims(input_dims), fd = conv_filter_dims(filter_dims);
    const cmsis_nn_dims od = tml_cmsis_dims(output_dims);
    return arm_convolve_wrapper_s4_get_buffer_size(&cp, &id, &fd, &od);
}

tml_status_t tml_conv_s4(const tml_context_t *ctx, const tml_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output) {
    if (TML_S4_PORTABLE || input_dims->c != filter_dims->c) {
        return tml_conv_s4_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims, output);
    }
    const cmsis_nn_context c = tml_cmsis_ctx(ctx);
    const cmsis_nn_conv_params cp = conv_params(p);
    const cmsis_nn_per_channel_quant_params qp = {q->multiplier, q->shift};
    const cmsis_nn_dims id = tml_cmsis_dims(input_dims), fd = conv_filter_dims(filter_dims);
    const cmsis_nn_dims bd = {1, 1, 1, output_dims->c}, od = tml_cmsis_dims(output_dims);
    return tml_cmsis_status(arm_convolve_wrapper_s4(&c, &cp, &qp, &id, input, &fd, filter, &bd, bias, &od, output));
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

/* Which depthwise kernel runs. arm_depthwise_conv_wrapper_s4 picks
 * arm_depthwise_conv_s4_opt for ch_mult 1, batch 1 and dilation 1, else
 * arm_depthwise_conv_s4 (generic, plain C on every core). In CMSIS-NN v7.0.0:
 *  - the generic kernel walks the packed filter wrongly when the input channels
 *    are odd: every channel multiplier above 1, and with ch_mult 1 any batch above
 *    1 or a dilated window clipped by the padding, gives outputs that differ from
 *    TFLM's reference (found by sweeping shapes against it on the host); even
 *    input channels match;
 *  - the MVE (Cortex-M55) opt kernel differs from TFLM's reference for every
 *    per-op case that reaches it (MPS3_AN547 in QEMU, the M55 we run), so MVE
 *    builds run the generic kernel there (even channels) or the portable one.
 * The DSP and plain-C opt kernels match (MPS2_AN500, NETDUINO_PLUS_2, the host). */
typedef enum { DW_WRAPPER, DW_GENERIC, DW_PORTABLE } dw_path_t;

static dw_path_t dw_path(const tml_dw_conv_params_t *p, const tml_dims_t *in) {
    const int opt = p->ch_mult == 1 && in->n == 1 && p->dilation.w == 1 && p->dilation.h == 1;
    const int odd = in->c & 1;
    if (TML_S4_PORTABLE) {
        return DW_PORTABLE;
    }
#if defined(ARM_MATH_MVEI)
    if (opt) {
        return odd ? DW_PORTABLE : DW_GENERIC;
    }
#endif
    return odd && !opt ? DW_PORTABLE : DW_WRAPPER;
}

int32_t tml_depthwise_conv_s4_get_buffer_size(const tml_dw_conv_params_t *p, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
    if (dw_path(p, input_dims) != DW_WRAPPER) {
        return 0; /* the portable and generic kernels take no buffer */
    }
    const cmsis_nn_dw_conv_params dp = dw_params(p);
    const cmsis_nn_dims id = tml_cmsis_dims(input_dims), fd = tml_cmsis_dims(filter_dims);
    const cmsis_nn_dims od = tml_cmsis_dims(output_dims);
    return arm_depthwise_conv_wrapper_s4_get_buffer_size(&dp, &id, &fd, &od);
}

tml_status_t tml_depthwise_conv_s4(const tml_context_t *ctx, const tml_dw_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output) {
    const dw_path_t path = dw_path(p, input_dims);
    if (path == DW_PORTABLE) {
        return tml_depthwise_conv_s4_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims,
            output);
    }
    const cmsis_nn_context c = tml_cmsis_ctx(ctx);
    const cmsis_nn_dw_conv_params dp = dw_params(p);
    const cmsis_nn_per_channel_quant_params qp = {q->multiplier, q->shift};
    const cmsis_nn_dims id = tml_cmsis_dims(input_dims), fd = tml_cmsis_dims(filter_dims);
    const cmsis_nn_dims bd = {1, 1, 1, output_dims->c}, od = tml_cmsis_dims(output_dims);
    if (path == DW_GENERIC) {
        return tml_cmsis_status(arm_depthwise_conv_s4(&c, &dp, &qp, &id, input, &fd, filter, &bd, bias, &od, output));
    }
    return tml_cmsis_status(
        arm_depthwise_conv_wrapper_s4(&c, &dp, &qp, &id, input, &fd, filter, &bd, bias, &od, output));
}

int32_t tml_fully_connected_s4_get_buffer_size(const tml_fc_params_t *fc_params,
    const tml_quant_params_t *quant_params, const tml_dims_t *input_dims, const tml_dims_t *filter_dims,
    const tml_dims_t *output_dims) {
    (void)fc_params;
    (void)quant_params;
    (void)input_dims;
    (void)filter_dims;
    (void)output_dims;
    return 0; /* arm_fully_connected_s4 takes no buffer */
}

tml_status_t tml_fully_connected_s4(const tml_context_t *ctx, const tml_fc_params_t *p,
    const tml_quant_params_t *q, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output) {
    const int32_t out_depth = output_dims->c;
    if (input_dims->n != output_dims->n || input_dims->c != filter_dims->n || filter_dims->c != out_depth ||
        q->is_per_channel) {
        return TML_ERR_KERNEL;
    }
    if (TML_S4_PORTABLE || p->filter_offset != 0) {
        return tml_fully_connected_s4_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims,
            output);
    }
    const cmsis_nn_context c = tml_cmsis_ctx(ctx);
    cmsis_nn_fc_params fp;
    fp.input_offset = p->input_offset;
    fp.filter_offset = 0;
    fp.output_offset = p->output_offset;
    fp.activation = tml_cmsis_act(p->activation);
    const cmsis_nn_per_tensor_quant_params qp = {q->multiplier[0], q->shift[0]};
    const cmsis_nn_dims id = {output_dims->n, 1, 1, filter_dims->n};
    const cmsis_nn_dims fd = tml_cmsis_dims(filter_dims);
    const cmsis_nn_dims bd = {1, 1, 1, out_depth};
    const cmsis_nn_dims od = {output_dims->n, 1, 1, out_depth};
    return tml_cmsis_status(arm_fully_connected_s4(&c, &fp, &qp, &id, input, &fd, filter, &bd, bias, &od, output));
}

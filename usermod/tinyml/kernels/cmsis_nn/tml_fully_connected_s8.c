/* tinyml kernels (CMSIS-NN backend): FULLY_CONNECTED, int8, as TFLM's
 * tensorflow/lite/micro/kernels/cmsis_nn/fully_connected.cc: outputs of rank > 2
 * with accum_depth % 4 == 0 run as arm_convolve_1x1_s8_fast (per-tensor
 * quantization expanded to per-channel arrays in scratch), the rest through
 * arm_fully_connected_wrapper_s8 with kernel sums (arm_vector_sum_s8)
 * precomputed at prepare time when the target needs them (MVE), else computed
 * into scratch. Deviation from TFLM, for bit-exactness with its reference: a
 * per-tensor filter zero point is never sent down the 1x1-conv path (which
 * ignores it), and per-channel layers get filter_offset 0 (the reference
 * ignores it there). */
#include "tml_cmsis_nn.h"
#include "../armv6m/tml_armv6m.h"
#include "../dsp/tml_dsp.h"

static int32_t filter_offset(const tml_fc_params_t *p, const tml_quant_params_t *q) {
    return q->is_per_channel ? 0 : p->filter_offset;
}

static int use_conv_1x1(const tml_fc_params_t *p, const tml_quant_params_t *q, const tml_dims_t *filter_dims) {
    return p->output_rank > 2 && filter_dims->n % 4 == 0 && filter_offset(p, q) == 0;
}

static cmsis_nn_dims fc_input_dims(const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
    cmsis_nn_dims r = {output_dims->n, 1, 1, filter_dims->n};
    return r;
}

int32_t tml_fully_connected_s8_kernel_sums_size(const tml_fc_params_t *p, const tml_quant_params_t *q,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims, int for_mve) {
    (void)output_dims;
    if (use_conv_1x1(p, q, filter_dims)) {
        return 0;
    }
    const cmsis_nn_dims fd = tml_cmsis_dims(filter_dims);
    return for_mve ? arm_fully_connected_s8_get_buffer_size_mve(&fd) : arm_fully_connected_s8_get_buffer_size(&fd);
}

tml_status_t tml_fully_connected_s8_kernel_sums(const tml_fc_params_t *p, const tml_quant_params_t *q,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, int32_t *kernel_sums) {
    return tml_cmsis_status(arm_vector_sum_s8(
        kernel_sums, filter_dims->n, filter_dims->c, filter, p->input_offset, filter_offset(p, q), bias));
}

int32_t tml_fully_connected_s8_get_buffer_size(const tml_fc_params_t *p, const tml_quant_params_t *q,
    const tml_dims_t *input_dims, const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
#if TML_KERNELS_ARMV6M
    if (p->kernel == TML_KERNEL_ARMV6M) {
        return tml_fully_connected_s8_armv6m_get_buffer_size(p, filter_dims, output_dims);
    }
#endif
#if TML_KERNELS_DSP
    if (p->kernel == TML_KERNEL_DSP) {
        return 0;
    }
#endif
    (void)input_dims;
    if (use_conv_1x1(p, q, filter_dims)) {
        const cmsis_nn_dims id = fc_input_dims(filter_dims, output_dims);
        const int32_t quant = q->is_per_channel ? 0 : output_dims->c * 2 * (int32_t)sizeof(int32_t);
        return quant + arm_convolve_1x1_s8_fast_get_buffer_size(&id);
    }
    if (p->kernel_sums) {
        return 0;
    }
    const cmsis_nn_dims fd = tml_cmsis_dims(filter_dims);
    return arm_fully_connected_s8_get_buffer_size(&fd);
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
    const int32_t out_depth = output_dims->c;
    if (input_dims->n != output_dims->n || input_dims->c != filter_dims->n || filter_dims->c != out_depth) {
        return TML_ERR_KERNEL;
    }
    const cmsis_nn_dims id = fc_input_dims(filter_dims, output_dims);
    const cmsis_nn_dims fd = tml_cmsis_dims(filter_dims);
    const cmsis_nn_dims bd = {1, 1, 1, out_depth};
    const cmsis_nn_dims od = {output_dims->n, 1, 1, out_depth};
    cmsis_nn_context c = tml_cmsis_ctx(ctx);
    if (use_conv_1x1(p, q, filter_dims)) {
        cmsis_nn_conv_params cp;
        cp.input_offset = p->input_offset;
        cp.output_offset = p->output_offset;
        cp.stride.w = cp.stride.h = 1;
        cp.padding.w = cp.padding.h = 0;
        cp.dilation.w = cp.dilation.h = 1;
        cp.activation = tml_cmsis_act(p->activation);
        cmsis_nn_per_channel_quant_params qp = {q->multiplier, q->shift};
        if (!q->is_per_channel) {
            if (c.buf == NULL) {
                return TML_ERR_KERNEL;
            }
            qp.multiplier = (int32_t *)c.buf;
            qp.shift = qp.multiplier + out_depth;
            for (int32_t i = 0; i < out_depth; ++i) {
                qp.multiplier[i] = q->multiplier[0];
                qp.shift[i] = q->shift[0];
            }
            const int32_t used = out_depth * 2 * (int32_t)sizeof(int32_t);
            c.buf = arm_convolve_1x1_s8_fast_get_buffer_size(&id) > 0 ? (int8_t *)c.buf + used : NULL;
            c.size = c.buf ? c.size - used : 0;
        }
        return tml_cmsis_status(arm_convolve_1x1_s8_fast(&c, &cp, &qp, &id, input, &fd, filter, &bd, bias, &od, output));
    }
    cmsis_nn_fc_params fp;
    fp.input_offset = p->input_offset;
    fp.filter_offset = filter_offset(p, q);
    fp.output_offset = p->output_offset;
    fp.activation = tml_cmsis_act(p->activation);
    const cmsis_nn_quant_params qp = {q->multiplier, q->shift, q->is_per_channel};
    if (p->kernel_sums) {
        c.buf = (void *)(uintptr_t)p->kernel_sums;
    } else if (c.buf != NULL) {
        arm_vector_sum_s8((int32_t *)c.buf, filter_dims->n, out_depth, filter, fp.input_offset, fp.filter_offset,
            bias);
    }
    return tml_cmsis_status(arm_fully_connected_wrapper_s8(&c, &fp, &qp, &id, input, &fd, filter, &bd, bias, &od,
        output));
}

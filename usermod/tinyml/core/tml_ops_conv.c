/* tinyml ops: CONV_2D and DEPTHWISE_CONV_2D (int8 activations and weights,
 * int32 bias, per-tensor or per-channel), as TFLM's conv.cc / conv_common.cc
 * and depthwise_conv.cc / depthwise_conv_common.cc (padding as
 * ComputePaddingHeightWidth, multipliers as PopulateConvolutionQuantizationParams). */
#include "tml_op.h"
#include "../kernels/tml_math.h"
#include "../kernels/tml_kernels.h"

enum { OPT_CONV_2D = 1, OPT_DEPTHWISE_CONV_2D = 2 };

typedef struct {
    union {
        tml_conv_params_t p;
        tml_dw_conv_params_t dw;
    } u;
    tml_per_channel_quant_params_t q;
} conv_data_t;

/* Kernel dims are the tensors' own 4-D shapes (filter: OHWI / 1HWC). */
static tml_dims_t dims4(const tml_tensor_t *t) {
    const tml_dims_t d = {t->dims[0], t->dims[1], t->dims[2], t->dims[3]};
    return d;
}

/* Output size as TFLM's ComputeOutSizeChecked; false if invalid or empty. */
static bool out_size(int padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation, int32_t *out) {
    const int64_t eff = (int64_t)(filter - 1) * dilation + 1;
    const int64_t v = padding == TML_PAD_SAME ? ((int64_t)in + stride - 1) / stride : ((int64_t)in + stride - eff) / stride;
    *out = (int32_t)v;
    return v > 0 && v <= INT32_MAX;
}

/* Leading padding as TFLM's ComputePaddingWithOffsetChecked. */
static int32_t pad_before(int32_t stride, int32_t dilation, int32_t in, int32_t filter, int32_t out) {
    const int64_t eff = (int64_t)(filter - 1) * dilation + 1;
    const int64_t total = ((int64_t)out - 1) * stride + eff - in;
    return total > 0 ? (int32_t)(total / 2) : 0;
}

typedef struct {
    tml_tensor_t *in, *filter, *bias, *out;
    int padding, activation;
    int32_t stride_w, stride_h, dil_w, dil_h, depth_multiplier;
} conv_args_t;

/* Checks shared by both ops: counts, options table, types, ranks, options. */
static tml_status_t common_checks(tml_model_t *m, tml_op_t *op, tml_error_t *err, bool dw, conv_args_t *a) {
    tml_status_t s = tml_check_io_count(err, op, 2, 3, 1);
    if (s != TML_OK) {
        return s;
    }
    const int opt_type = dw ? OPT_DEPTHWISE_CONV_2D : OPT_CONV_2D;
    if (op->options.pos && op->options_type != opt_type) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, opt_type);
    }
    a->in = tml_op_input(m, op, 0);
    a->filter = tml_op_input(m, op, 1);
    a->bias = tml_op_input(m, op, 2);
    a->out = tml_op_output(m, op, 0);
    if ((s = tml_check_type(err, op, a->in, "input", TML_INT8)) != TML_OK ||
        (s = tml_check_type(err, op, a->filter, "filter", TML_INT8)) != TML_OK ||
        (s = tml_check_type(err, op, a->out, "output", TML_INT8)) != TML_OK ||
        (a->bias && (s = tml_check_type(err, op, a->bias, "bias", TML_INT32)) != TML_OK)) {
        return s;
    }
    if (a->in->ndims != 4 || a->filter->ndims != 4 || a->out->ndims != 4) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input, filter and output must be 4-D (got %d-D, %d-D, %d-D)",
            a->in->ndims, a->filter->ndims, a->out->ndims);
    }
    const tml_fb_table_t *o = &op->options;
    a->padding = tml_fb_u8(o, 0, TML_PAD_SAME);
    a->stride_w = tml_fb_i32(o, 1, 0);
    a->stride_h = tml_fb_i32(o, 2, 0);
    a->depth_multiplier = dw ? tml_fb_i32(o, 3, 0) : 1;
    a->activation = tml_fb_u8(o, dw ? 4 : 3, TML_ACT_NONE);
    a->dil_w = tml_fb_i32(o, dw ? 5 : 4, 1);
    a->dil_h = tml_fb_i32(o, dw ? 6 : 5, 1);
    if (a->padding != TML_PAD_SAME && a->padding != TML_PAD_VALID) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "padding %d is not SAME or VALID", a->padding);
    }
    if (a->stride_w <= 0 || a->stride_h <= 0 || a->dil_w <= 0 || a->dil_h <= 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "stride (%d, %d) and dilation (%d, %d) must be positive",
            (int)a->stride_h, (int)a->stride_w, (int)a->dil_h, (int)a->dil_w);
    }
    if ((s = tml_check_q8(err, op, a->in, "input")) != TML_OK || (s = tml_check_q8(err, op, a->out, "output")) != TML_OK) {
        return s;
    }
    return TML_OK;
}

/* Per-channel multipliers/shifts (PopulateConvolutionQuantizationParams),
 * activation range; fills d->q. */
static tml_status_t quantize(tml_model_t *m, tml_op_t *op, tml_error_t *err, const conv_args_t *a, int32_t channels,
    conv_data_t *d, tml_activation_t *act) {
    tml_status_t s;
    const int n = tml_tensor_num_scales(m, a->filter);
    if (n != 1 && n != channels) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "filter has %d quantization scales, expected 1 or %d", n,
            (int)channels);
    }
    if (n > 1 && (s = tml_check_channel_dim(m, err, op, a->filter, "filter", channels)) != TML_OK) {
        return s;
    }
    d->q.multiplier = (int32_t *)(d + 1); /* allocated with d, see alloc_data */
    d->q.shift = d->q.multiplier + channels;
    for (int32_t c = 0; c < channels; ++c) {
        const double fs = (double)tml_tensor_scale_at(m, a->filter, n > 1 ? c : 0);
        const double eff = (double)a->in->scale * fs / (double)a->out->scale;
        int shift;
        tml_quantize_multiplier(eff, &d->q.multiplier[c], &shift);
        if (shift > 31) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "channel %d effective scale %f is too large", (int)c, eff);
        }
        d->q.shift[c] = shift;
    }
    if (!tml_activation_range_s8(a->activation, a->out->scale, a->out->zero_point, &act->min, &act->max)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fused activation %d is not supported", a->activation);
    }
    return TML_OK;
}

/* Op data followed by the per-channel multipliers and shifts, one block. */
static conv_data_t *alloc_data(tml_model_t *m, int32_t channels, tml_error_t *err) {
    return tml_persistent_alloc(m, sizeof(conv_data_t) + 2 * (size_t)channels * sizeof(int32_t), err);
}

static tml_status_t check_bias(tml_error_t *err, const tml_op_t *op, const tml_tensor_t *bias, int32_t channels) {
    if (bias && tml_tensor_elements(bias) != channels) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "bias has %d elements, expected %d",
            (int)tml_tensor_elements(bias), (int)channels);
    }
    return TML_OK;
}

/* Shared by both ops after their filter checks: the output's declared shape,
 * the bias, then the op data with per-channel multipliers and the clamp. */
static tml_status_t prepare_output(tml_model_t *m, tml_op_t *op, tml_error_t *err, const conv_args_t *a,
    int32_t f_h, int32_t f_w, int32_t out_c, bool dw, conv_data_t **out_d) {
    const int32_t *id = a->in->dims;
    int32_t out_h, out_w;
    tml_status_t s;
    if (!out_size(a->padding, id[1], f_h, a->stride_h, a->dil_h, &out_h) ||
        !out_size(a->padding, id[2], f_w, a->stride_w, a->dil_w, &out_w)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "filter %dx%d does not fit the %dx%d input", (int)f_h,
            (int)f_w, (int)id[1], (int)id[2]);
    }
    const int32_t expect[4] = {id[0], out_h, out_w, out_c};
    if ((s = tml_check_shape(err, op, a->out, "output", expect, 4)) != TML_OK ||
        (s = check_bias(err, op, a->bias, out_c)) != TML_OK) {
        return s;
    }
    conv_data_t *d = alloc_data(m, out_c, err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    *out_d = d;
    return quantize(m, op, err, a, out_c, d, dw ? &d->u.dw.activation : &d->u.p.activation);
}

/* ---- CONV_2D ---- */

tml_status_t tml_conv_2d_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    conv_args_t a;
    tml_status_t s = common_checks(m, op, err, false, &a);
    if (s != TML_OK) {
        return s;
    }
    const int32_t *id = a.in->dims, *fd = a.filter->dims;
    const int32_t out_c = fd[0], f_h = fd[1], f_w = fd[2], f_c = fd[3];
    if (f_c <= 0 || id[3] <= 0 || id[3] % f_c != 0 || out_c <= 0 || out_c % (id[3] / f_c) != 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
            "filter shape [%d, %d, %d, %d] does not fit %d input channels", (int)out_c, (int)f_h, (int)f_w, (int)f_c,
            (int)id[3]);
    }
    conv_data_t *d = NULL;
    if ((s = prepare_output(m, op, err, &a, f_h, f_w, out_c, false, &d)) != TML_OK) {
        return s;
    }
    d->u.p.input_offset = -a.in->zero_point;
    d->u.p.output_offset = a.out->zero_point;
    d->u.p.stride.w = a.stride_w;
    d->u.p.stride.h = a.stride_h;
    d->u.p.dilation.w = a.dil_w;
    d->u.p.dilation.h = a.dil_h;
    d->u.p.padding.h = pad_before(a.stride_h, a.dil_h, id[1], f_h, a.out->dims[1]);
    d->u.p.padding.w = pad_before(a.stride_w, a.dil_w, id[2], f_w, a.out->dims[2]);
    const tml_dims_t in_d = dims4(a.in), f_d = dims4(a.filter), out_d = dims4(a.out);
    const int32_t scratch = tml_conv_s8_get_buffer_size(&d->u.p, &in_d, &f_d, &out_d);
    if (scratch < 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "the kernel rejects these dimensions");
    }
    op->data = d;
    op->scratch_size = scratch;
    op->macs = (uint64_t)tml_tensor_elements(a.out) * (uint64_t)(f_h * f_w) * (uint64_t)f_c;
    return TML_OK;
}

tml_status_t tml_conv_2d_eval(tml_model_t *m, tml_op_t *op) {
    const conv_data_t *d = op->data;
    const tml_tensor_t *bias = tml_op_input(m, op, 2);
    const tml_tensor_t *in = tml_op_input(m, op, 0), *filter = tml_op_input(m, op, 1), *out = tml_op_output(m, op, 0);
    const tml_dims_t in_d = dims4(in), f_d = dims4(filter), out_d = dims4(out);
    const tml_context_t ctx = {op->scratch_size > 0 ? op->scratch : NULL, op->scratch_size};
    return tml_conv_s8(&ctx, &d->u.p, &d->q, &in_d, in->data, &f_d, filter->data, bias ? bias->data : NULL, &out_d,
        out->data);
}


/* ---- DEPTHWISE_CONV_2D ---- */

tml_status_t tml_depthwise_conv_2d_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    conv_args_t a;
    tml_status_t s = common_checks(m, op, err, true, &a);
    if (s != TML_OK) {
        return s;
    }
    const int32_t *id = a.in->dims, *fd = a.filter->dims;
    const int32_t f_h = fd[1], f_w = fd[2], out_c = fd[3], in_c = id[3];
    if (fd[0] != 1 || in_c <= 0 || out_c <= 0 || out_c % in_c != 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
            "filter shape [%d, %d, %d, %d] does not fit %d input channels (expected [1, h, w, %d * multiplier])",
            (int)fd[0], (int)f_h, (int)f_w, (int)out_c, (int)in_c, (int)in_c);
    }
    const int32_t mult = out_c / in_c;
    if (a.depth_multiplier != 0 && a.depth_multiplier != mult) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
            "depth_multiplier option is %d but the shapes give %d (%d output / %d input channels)",
            (int)a.depth_multiplier, (int)mult, (int)out_c, (int)in_c);
    }
    conv_data_t *d = NULL;
    if ((s = prepare_output(m, op, err, &a, f_h, f_w, out_c, true, &d)) != TML_OK) {
        return s;
    }
    d->u.dw.input_offset = -a.in->zero_point;
    d->u.dw.output_offset = a.out->zero_point;
    d->u.dw.ch_mult = mult;
    d->u.dw.stride.w = a.stride_w;
    d->u.dw.stride.h = a.stride_h;
    d->u.dw.dilation.w = a.dil_w;
    d->u.dw.dilation.h = a.dil_h;
    d->u.dw.padding.h = pad_before(a.stride_h, a.dil_h, id[1], f_h, a.out->dims[1]);
    d->u.dw.padding.w = pad_before(a.stride_w, a.dil_w, id[2], f_w, a.out->dims[2]);
    const tml_dims_t in_d = dims4(a.in), f_d = dims4(a.filter), out_d = dims4(a.out);
    const int32_t scratch = tml_depthwise_conv_s8_get_buffer_size(&d->u.dw, &in_d, &f_d, &out_d);
    if (scratch < 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "the kernel rejects these dimensions");
    }
    op->data = d;
    op->scratch_size = scratch;
    op->macs = (uint64_t)tml_tensor_elements(a.out) * (uint64_t)(f_h * f_w);
    return TML_OK;
}

tml_status_t tml_depthwise_conv_2d_eval(tml_model_t *m, tml_op_t *op) {
    const conv_data_t *d = op->data;
    const tml_tensor_t *bias = tml_op_input(m, op, 2);
    const tml_tensor_t *in = tml_op_input(m, op, 0), *filter = tml_op_input(m, op, 1), *out = tml_op_output(m, op, 0);
    const tml_dims_t in_d = dims4(in), f_d = dims4(filter), out_d = dims4(out);
    const tml_context_t ctx = {op->scratch_size > 0 ? op->scratch : NULL, op->scratch_size};
    return tml_depthwise_conv_s8(&ctx, &d->u.dw, &d->q, &in_d, in->data, &f_d, filter->data, bias ? bias->data : NULL,
        &out_d, out->data);
}


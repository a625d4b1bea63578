/* tinyml ops: MEAN, SUM, REDUCE_MAX, REDUCE_MIN, ARG_MAX and ARG_MIN, as TFLM's
 * reduce.cc / reduce_common.cc (PrepareMeanOrSumHelper, PrepareMinMaxHelper,
 * EvalMeanHelper, EvalSumHelper, EvalMinMaxHelper) and arg_min_max.cc.
 * The axis tensor may be computed by the graph (TFLM reads it at every run):
 * a constant one is checked against the output shape here, a computed one by
 * the kernels on every run (axes outside the input or a reduced shape that is
 * not the output's fail the run instead of writing out of bounds). */
#include "tml_ops.h"
#include "../kernels/tml_math.h"
#include "../kernels/tml_kernels.h"

enum { OPT_REDUCER = 27, OPT_ARG_MAX = 40, OPT_ARG_MIN = 57 };

/* int8/int16 MEAN and SUM: QuantizeMultiplier(input scale / output scale) */
typedef struct {
    int32_t multiplier, shift;
} reduce_data_t;

/* reference_ops::ResolveAxis: negative axes wrap, duplicates are dropped, a
 * scalar input reduces nothing. Returns the number of axes, or -1 if one is
 * outside the input (then *bad is its value). */
static int resolve_axes(const tml_tensor_t *in, const tml_tensor_t *axis, int32_t axes[TML_MAX_DIMS], int32_t *bad) {
    const int nd = in->ndims;
    const int32_t n_axis = tml_tensor_elements(axis);
    int n = 0;
    for (int32_t k = 0; nd > 0 && k < n_axis; k++) {
        const int32_t a = ((const int32_t *)axis->data)[k];
        const int32_t c = a < 0 ? a + nd : a;
        if (c < 0 || c >= nd) {
            *bad = a;
            return -1;
        }
        bool dup = false;
        for (int j = 0; j < n; j++) {
            dup = dup || axes[j] == c;
        }
        if (!dup) {
            axes[n++] = c;
        }
    }
    return n;
}

static tml_status_t reduce_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = tml_check_io_count(err, op, 2, 2, 1);
    if (s != TML_OK) {
        return s;
    }
    if (op->options_pos && op->options_type != OPT_REDUCER) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, OPT_REDUCER);
    }
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *axis = tml_op_input(m, op, 1);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    if ((s = tml_check_type(err, op, out, "output", in->type)) != TML_OK ||
        (s = tml_check_type(err, op, axis, "axis", TML_INT32)) != TML_OK) {
        return s;
    }
    if (axis->ndims > 1) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "axis has %d dimensions; at most 1 is expected",
            (int)axis->ndims);
    }
    const bool keep_dims = tml_fb_u8(TML_OPTIONS(m, op), 0, 0) != 0;
    int32_t shape[TML_MAX_DIMS];
    int n = 0;
    if (axis->kind == TML_TENSOR_CONST) {
        int32_t axes[TML_MAX_DIMS], bad = 0;
        const int n_axes = resolve_axes(in, axis, axes, &bad);
        if (n_axes < 0) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "axis %d is out of range for a %d-D input", (int)bad,
                (int)in->ndims);
        }
        for (int k = 0; k < in->ndims; k++) {
            bool reduced = false;
            for (int j = 0; j < n_axes; j++) {
                reduced = reduced || axes[j] == k;
            }
            if (!reduced) {
                shape[n++] = in->dims[k];
            } else if (keep_dims) {
                shape[n++] = 1;
            }
        }
        if ((s = tml_check_shape(err, op, out, "output", shape, n)) != TML_OK) {
            return s;
        }
    }
    op->macs = (uint32_t)tml_tensor_elements(in);
    return TML_OK;
}

/* int8/int16 MEAN and SUM requantize (PrepareMeanOrSumHelper). */
static tml_status_t quantized_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = reduce_prepare(m, op, err);
    if (s != TML_OK) {
        return s;
    }
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    if (in->type == TML_FLOAT32) {
        return TML_OK;
    }
    if (!(in->scale > 0.0f) || !(out->scale > 0.0f)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input and output scales must be positive, got %f and %f",
            (double)in->scale, (double)out->scale);
    }
    reduce_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    int shift;
    tml_quantize_multiplier((double)in->scale / (double)out->scale, &d->multiplier, &shift);
    if (shift < -31 || shift > 30) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input/output scale ratio %f is out of range",
            (double)in->scale / (double)out->scale);
    }
    d->shift = shift;
    op->scratch_size = tml_mean_s8_get_buffer_size(tml_tensor_elements(out));
    op->data = d;
    return TML_OK;
}

/* The resolved axes at eval (the kernels check them against the output). */
static int eval_axes(tml_model_t *m, const tml_op_t *op, int32_t axes[TML_MAX_DIMS]) {
    int32_t bad;
    return resolve_axes(tml_op_input(m, op, 0), tml_op_input(m, op, 1), axes, &bad);
}

static tml_status_t quantized_eval(tml_model_t *m, tml_op_t *op, bool sum) {
    const reduce_data_t *d = op->data;
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    tml_tensor_t *out = tml_op_output(m, op, 0);
    int32_t axes[TML_MAX_DIMS];
    const int n_axes = eval_axes(m, op, axes);
    const int32_t n_out = tml_tensor_elements(out);
    if (n_axes < 0) {
        return TML_ERR_KERNEL;
    }
    if (in->type == TML_INT8) {
        return (sum ? tml_sum_s8 : tml_mean_s8)(in->data, in->dims, in->ndims, axes, n_axes, out->data, n_out,
            in->zero_point, out->zero_point, d->multiplier, d->shift, op->scratch);
    }
    return (sum ? tml_sum_s16 : tml_mean_s16)(in->data, in->dims, in->ndims, axes, n_axes, out->data, n_out,
        in->zero_point, out->zero_point, d->multiplier, d->shift, op->scratch);
}

/* ---- MEAN, SUM ---- */

tml_status_t tml_mean_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return quantized_prepare(m, op, err);
}

tml_status_t tml_mean_eval(tml_model_t *m, tml_op_t *op) {
    return quantized_eval(m, op, false);
}

tml_status_t tml_mean_eval_f32(tml_model_t *m, tml_op_t *op) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    tml_tensor_t *out = tml_op_output(m, op, 0);
    int32_t axes[TML_MAX_DIMS];
    const int n_axes = eval_axes(m, op, axes);
    if (n_axes < 0) {
        return TML_ERR_KERNEL;
    }
    return tml_mean_f32(in->data, in->dims, in->ndims, axes, n_axes, out->data, tml_tensor_elements(out));
}

tml_status_t tml_sum_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return quantized_prepare(m, op, err);
}

tml_status_t tml_sum_eval(tml_model_t *m, tml_op_t *op) {
    return quantized_eval(m, op, true);
}

tml_status_t tml_sum_eval_f32(tml_model_t *m, tml_op_t *op) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    tml_tensor_t *out = tml_op_output(m, op, 0);
    int32_t axes[TML_MAX_DIMS];
    const int n_axes = eval_axes(m, op, axes);
    if (n_axes < 0) {
        return TML_ERR_KERNEL;
    }
    return tml_sum_f32(in->data, in->dims, in->ndims, axes, n_axes, out->data, tml_tensor_elements(out));
}

/* ---- REDUCE_MAX, REDUCE_MIN ---- */

static tml_status_t min_max_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = reduce_prepare(m, op, err);
    if (s != TML_OK) {
        return s;
    }
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    if (in->type == TML_INT8 && (in->scale != out->scale || in->zero_point != out->zero_point)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input quantization (scale %f, zero point %d) differs from "
            "the output's (scale %f, zero point %d); int8 %s does not requantize", (double)in->scale,
            (int)in->zero_point, (double)out->scale, (int)out->zero_point, tml_builtin_name(op->builtin));
    }
    return TML_OK;
}

static tml_status_t min_max_eval(tml_model_t *m, tml_op_t *op, int32_t is_max) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    tml_tensor_t *out = tml_op_output(m, op, 0);
    int32_t axes[TML_MAX_DIMS];
    const int n_axes = eval_axes(m, op, axes);
    const int32_t n_out = tml_tensor_elements(out);
    if (n_axes < 0) {
        return TML_ERR_KERNEL;
    }
    if (in->type == TML_INT8) {
        return tml_reduce_min_max_s8(in->data, in->dims, in->ndims, axes, n_axes, out->data, n_out, is_max);
    }
    return tml_reduce_min_max_f32(in->data, in->dims, in->ndims, axes, n_axes, out->data, n_out, is_max);
}

tml_status_t tml_reduce_max_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return min_max_prepare(m, op, err);
}

tml_status_t tml_reduce_max_eval(tml_model_t *m, tml_op_t *op) {
    return min_max_eval(m, op, 1);
}

tml_status_t tml_reduce_min_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return min_max_prepare(m, op, err);
}

tml_status_t tml_reduce_min_eval(tml_model_t *m, tml_op_t *op) {
    return min_max_eval(m, op, 0);
}

/* ---- ARG_MAX, ARG_MIN ---- */

/* The axis (its first value, as ArgMinMax reads it) and the sizes around it,
 * checked against the output: false if the axis is outside the input or the
 * output is not the input without that axis. */
static bool arg_axis(tml_model_t *m, const tml_op_t *op, int32_t *outer, int32_t *axis_size, int32_t *inner) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *axis = tml_op_input(m, op, 1);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    const int nd = in->ndims;
    if (tml_tensor_elements(axis) < 1 || out->ndims != nd - 1) {
        return false;
    }
    int32_t a = ((const int32_t *)axis->data)[0];
    a = a < 0 ? a + nd : a;
    if (a < 0 || a >= nd || in->dims[a] < 1) {
        return false;
    }
    int64_t o = 1, i = 1;
    for (int k = 0; k < nd; k++) {
        if (k != a && out->dims[k < a ? k : k - 1] != in->dims[k]) {
            return false;
        }
        if (k < a) {
            o *= in->dims[k];
        } else if (k > a) {
            i *= in->dims[k];
        }
    }
    *outer = (int32_t)o;
    *axis_size = in->dims[a];
    *inner = (int32_t)i;
    return true;
}

static tml_status_t arg_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = tml_check_io_count(err, op, 2, 2, 1);
    if (s != TML_OK) {
        return s;
    }
    const int opt = op->builtin == TML_OP_ARG_MAX ? OPT_ARG_MAX : OPT_ARG_MIN;
    if (op->options_pos && op->options_type != opt) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, opt);
    }
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *axis = tml_op_input(m, op, 1);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    if (out->type != TML_INT32) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "output type %s is not supported; int32 is",
            tml_type_name(out->type));
    }
    if ((s = tml_check_type(err, op, axis, "axis", TML_INT32)) != TML_OK) {
        return s;
    }
    if (in->ndims < 1 || out->ndims != in->ndims - 1 || tml_tensor_elements(axis) < 1) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "expected an axis value and a %d-D output for the %d-D "
            "input", in->ndims - 1, (int)in->ndims);
    }
    int32_t outer, axis_size, inner;
    if (axis->kind == TML_TENSOR_CONST && !arg_axis(m, op, &outer, &axis_size, &inner)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "axis %d does not reduce the input shape to the output's",
            (int)((const int32_t *)axis->data)[0]);
    }
    op->macs = (uint32_t)tml_tensor_elements(in);
    return TML_OK;
}

static tml_status_t arg_eval(tml_model_t *m, tml_op_t *op, int32_t is_max) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    int32_t outer, axis_size, inner;
    if (!arg_axis(m, op, &outer, &axis_size, &inner)) {
        return TML_ERR_KERNEL;
    }
    int32_t *out = tml_op_output(m, op, 0)->data;
    if (in->type == TML_INT8) {
        return tml_arg_min_max_s8(in->data, outer, axis_size, inner, out, is_max);
    }
    return tml_arg_min_max_f32(in->data, outer, axis_size, inner, out, is_max);
}

tml_status_t tml_arg_max_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return arg_prepare(m, op, err);
}

tml_status_t tml_arg_max_eval(tml_model_t *m, tml_op_t *op) {
    return arg_eval(m, op, 1);
}

tml_status_t tml_arg_min_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return arg_prepare(m, op, err);
}

tml_status_t tml_arg_min_eval(tml_model_t *m, tml_op_t *op) {
    return arg_eval(m, op, 0);
}

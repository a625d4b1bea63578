/* tinyml ops: CONCATENATION and PAD, as TFLM's concatenation.cc and
 * pad_common.cc (data movement; int8 needs no requantization). */
#include "tml_op.h"
#include "../kernels/tml_kernels.h"

enum { OPT_CONCATENATION = 10, OPT_PAD = 22, CONCAT_MAX_INPUTS = 10, PAD_MAX_DIMS = 5 };

static bool movable_type(int type) {
    return type == TML_INT8 || type == TML_INT16 || type == TML_INT32 || type == TML_FLOAT32 ||
        type == TML_INT64 || type == TML_BOOL;
}

/* ---- CONCATENATION ---- */

typedef struct {
    int32_t outer;
    int32_t row_bytes[CONCAT_MAX_INPUTS];
} concat_data_t;

tml_status_t tml_concatenation_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = tml_check_io_count(err, op, 1, CONCAT_MAX_INPUTS, 1);
    if (s != TML_OK) {
        return s;
    }
    for (int i = 0; i < op->n_inputs; i++) {
        if (!tml_op_input(m, op, i)) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input %d is missing", i);
        }
    }
    if (op->options.pos && op->options_type != OPT_CONCATENATION) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, OPT_CONCATENATION);
    }
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    const int activation = tml_fb_u8(&op->options, 1, 0);
    if (activation != TML_ACT_NONE) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fused activation %d is not supported", activation);
    }
    if (!movable_type(out->type)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "type %s is not supported", tml_type_name(out->type));
    }
    const int nd = out->ndims;
    const int32_t axis_opt = tml_fb_i32(&op->options, 0, 0);
    const int32_t axis = axis_opt < 0 ? axis_opt + nd : axis_opt;
    if (axis < 0 || axis >= nd) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "axis %d is out of range for %d-D output", (int)axis_opt,
            nd);
    }
    concat_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    int64_t inner = (int64_t)tml_type_size(out->type);
    d->outer = 1;
    for (int k = 0; k < nd; k++) {
        if (k < axis) {
            d->outer *= out->dims[k];
        } else if (k > axis) {
            inner *= out->dims[k];
        }
    }
    int32_t shape[TML_MAX_DIMS];
    for (int k = 0; k < nd; k++) {
        shape[k] = out->dims[k];
    }
    int64_t axis_sum = 0;
    for (int i = 0; i < op->n_inputs; i++) {
        const tml_tensor_t *in = tml_op_input(m, op, i);
        if (in->type != out->type) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input %d has type %s, output has %s", i,
                tml_type_name(in->type), tml_type_name(out->type));
        }
        if (in->type == TML_INT8 && (in->scale != out->scale || in->zero_point != out->zero_point)) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
                "input %d quantization (scale %f, zero point %d) differs from the output's (scale %f, zero point %d);"
                " int8 CONCATENATION does not requantize",
                i, (double)in->scale, (int)in->zero_point, (double)out->scale, (int)out->zero_point);
        }
        if (in->type == TML_INT16 && (in->zero_point != 0 || out->zero_point != 0)) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "int16 zero points must be 0");
        }
        /* same shape as the output except along axis */
        shape[axis] = in->ndims == nd ? in->dims[axis] : 0;
        char what[16] = "input 0";
        what[6] = (char)('0' + i);
        if ((s = tml_check_shape(err, op, in, what, shape, nd)) != TML_OK) {
            return s;
        }
        axis_sum += in->dims[axis];
        d->row_bytes[i] = (int32_t)(inner * in->dims[axis]);
    }
    if (axis_sum != out->dims[axis]) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "output dimension %d is %d, inputs sum to %d", (int)axis,
            (int)out->dims[axis], (int)axis_sum);
    }
    op->data = d;
    return TML_OK;
}

tml_status_t tml_concatenation_eval(tml_model_t *m, tml_op_t *op) {
    const concat_data_t *d = op->data;
    const void *inputs[CONCAT_MAX_INPUTS];
    for (int i = 0; i < op->n_inputs; i++) {
        inputs[i] = tml_op_input(m, op, i)->data;
    }
    return tml_concat(inputs, d->row_bytes, op->n_inputs, d->outer, tml_op_output(m, op, 0)->data);
}


/* ---- PAD (and the optional PADV2-style constant_values input) ---- */

typedef struct {
    int32_t in_dims[PAD_MAX_DIMS], before[PAD_MAX_DIMS], after[PAD_MAX_DIMS];
    uint8_t pad_value[8]; /* one element, used when there is no constant_values input */
} pad_data_t;

tml_status_t tml_pad_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = tml_check_io_count(err, op, 2, 3, 1);
    if (s != TML_OK) {
        return s;
    }
    if (op->options.pos && op->options_type != OPT_PAD) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, OPT_PAD);
    }
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *pads = tml_op_input(m, op, 1);
    const tml_tensor_t *cv = tml_op_input(m, op, 2);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    if (in->type != TML_INT8 && in->type != TML_INT16 && in->type != TML_INT32 && in->type != TML_FLOAT32) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input has type %s; int8, int16, int32 and float32 are "
            "supported", tml_type_name(in->type));
    }
    if ((s = tml_check_type(err, op, out, "output", in->type)) != TML_OK) {
        return s;
    }
    const int nd = in->ndims;
    if (nd > PAD_MAX_DIMS) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input has %d dimensions; at most %d supported", nd,
            PAD_MAX_DIMS);
    }
    if (pads->kind != TML_TENSOR_CONST) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "paddings tensor must be constant");
    }
    if (pads->type != TML_INT32 && pads->type != TML_INT64) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "paddings has type %s; int32 or int64 expected",
            tml_type_name(pads->type));
    }
    if (tml_tensor_elements(pads) != 2 * nd) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "paddings has %d values, expected %d for a %d-D input",
            (int)tml_tensor_elements(pads), 2 * nd, nd);
    }
    if (cv) {
        if (cv->type != in->type || tml_tensor_elements(cv) != 1) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "constant_values must be one %s value",
                tml_type_name(in->type));
        }
        if (in->type == TML_INT8 && (cv->zero_point != out->zero_point || cv->scale != out->scale)) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "constant_values quantization differs from the output's");
        }
    }
    pad_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    int32_t shape[PAD_MAX_DIMS];
    const int lead = PAD_MAX_DIMS - nd;
    for (int k = 0; k < PAD_MAX_DIMS; k++) {
        d->in_dims[k] = 1;
    }
    for (int k = 0; k < nd; k++) {
        int64_t b, a;
        if (pads->type == TML_INT32) {
            b = ((const int32_t *)pads->data)[2 * k];
            a = ((const int32_t *)pads->data)[2 * k + 1];
        } else {
            b = ((const int64_t *)pads->data)[2 * k];
            a = ((const int64_t *)pads->data)[2 * k + 1];
        }
        if (b < 0 || a < 0 || b > 0x7fffffff - (int64_t)in->dims[k] - a) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "paddings for dimension %d are (%ld, %ld); they must "
                "be non-negative and small", k, (long)b, (long)a);
        }
        d->in_dims[lead + k] = in->dims[k];
        d->before[lead + k] = (int32_t)b;
        d->after[lead + k] = (int32_t)a;
        shape[k] = (int32_t)(in->dims[k] + b + a);
    }
    if ((s = tml_check_shape(err, op, out, "output", shape, nd)) != TML_OK) {
        return s;
    }
    if (in->type == TML_INT8 && !cv) {
        if (out->zero_point < -128 || out->zero_point > 127) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "output zero point %d is not an int8 value",
                (int)out->zero_point);
        }
        d->pad_value[0] = (uint8_t)(int8_t)out->zero_point;
    }
    op->data = d;
    return TML_OK;
}

tml_status_t tml_pad_eval(tml_model_t *m, tml_op_t *op) {
    const pad_data_t *d = op->data;
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *cv = tml_op_input(m, op, 2);
    return tml_pad(in->data, d->in_dims, d->before, d->after, cv ? cv->data : d->pad_value,
        (int32_t)tml_type_size(in->type), tml_op_output(m, op, 0)->data);
}


/* tinyml ops: CONCATENATION, PAD (and PADV2), TRANSPOSE, PACK, UNPACK, SPLIT
 * and SPLIT_V, as TFLM's concatenation.cc, pad_common.cc, transpose_common.cc,
 * pack.cc, unpack.cc, split.cc and split_v.cc (data movement; int8 needs no
 * requantization). */
#include <string.h>
#include "tml_ops.h"
#include "../kernels/tml_kernels.h"

enum {
    OPT_CONCATENATION = 10, OPT_PAD = 22, OPT_TRANSPOSE = 26, OPT_SPLIT = 35, OPT_PADV2 = 43, OPT_PACK = 59,
    OPT_UNPACK = 64, OPT_SPLIT_V = 79, CONCAT_MAX_INPUTS = 10, PAD_MAX_DIMS = 5, TRANSPOSE_MAX_DIMS = 5
};

static tml_status_t check_options(tml_error_t *err, const tml_op_t *op, int type) {
    if (op->options_pos && op->options_type != type) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, type);
    }
    return TML_OK;
}

/* Product of dims[from..to) (64-bit: shapes are checked against int32 sizes elsewhere). */
static int64_t span(const int32_t *dims, int from, int to) {
    int64_t n = 1;
    for (int k = from; k < to; k++) {
        n *= dims[k];
    }
    return n;
}

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
    if (op->options_pos && op->options_type != OPT_CONCATENATION) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, OPT_CONCATENATION);
    }
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    const int activation = tml_fb_u8(TML_OPTIONS(m, op), 1, 0);
    if (activation != TML_ACT_NONE) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fused activation %d is not supported", activation);
    }
    if (!movable_type(out->type)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "type %s is not supported", tml_type_name(out->type));
    }
    const int nd = out->ndims;
    const int32_t axis_opt = tml_fb_i32(TML_OPTIONS(m, op), 0, 0);
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
    if ((s = check_options(err, op, op->builtin == TML_OP_PADV2 ? OPT_PADV2 : OPT_PAD)) != TML_OK) {
        return s;
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
    if (pads->type != TML_INT32) { /* TFLM's PadPrepare reads int32 whatever the type (int64 fails its checks) */
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "paddings has type %s; only int32 is supported",
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
        const int64_t b = ((const int32_t *)pads->data)[2 * k];
        const int64_t a = ((const int32_t *)pads->data)[2 * k + 1];
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
    const void *value = cv ? cv->data : d->pad_value;
    if (in->type == TML_INT8) { /* TFLM's cmsis_nn PadEvalInt8: arm_pad_s8 on that backend */
        return tml_pad_s8(in->data, d->in_dims, d->before, d->after, *(const int8_t *)value,
            tml_op_output(m, op, 0)->data);
    }
    return tml_pad(in->data, d->in_dims, d->before, d->after, value, (int32_t)tml_type_size(in->type),
        tml_op_output(m, op, 0)->data);
}


/* ---- TRANSPOSE (transpose_common.cc TransposePrepare, transpose.cc) ---- */

tml_status_t tml_transpose_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = tml_check_io_count(err, op, 2, 2, 1);
    if (s != TML_OK || (s = check_options(err, op, OPT_TRANSPOSE)) != TML_OK) {
        return s;
    }
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *perm = tml_op_input(m, op, 1);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    if ((s = tml_check_type(err, op, out, "output", in->type)) != TML_OK) {
        return s;
    }
    const int nd = in->ndims;
    if (nd > TRANSPOSE_MAX_DIMS) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input has %d dimensions; at most %d are supported", nd,
            TRANSPOSE_MAX_DIMS);
    }
    if (perm->kind != TML_TENSOR_CONST && perm->bytes > 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "perm tensor must be constant");
    }
    if ((s = tml_check_type(err, op, perm, "perm", TML_INT32)) != TML_OK) {
        return s;
    }
    if (perm->ndims != 1 || perm->dims[0] != nd) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "perm has %d entries; the input has %d dimensions",
            (int)tml_tensor_elements(perm), nd);
    }
    const int32_t *p = (const int32_t *)perm->data;
    int32_t shape[TML_MAX_DIMS];
    unsigned seen = 0;
    int last_moved = -1;
    bool in_order = true; /* the dimensions larger than 1 keep their order: same bytes */
    for (int i = 0; i < nd; i++) {
        if (p[i] < 0 || p[i] >= nd || (seen & (1u << p[i]))) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "perm entry %d is %d: not a permutation of 0..%d", i,
                (int)p[i], nd - 1);
        }
        seen |= 1u << p[i];
        shape[i] = in->dims[p[i]];
        if (shape[i] != 1) {
            in_order = in_order && p[i] > last_moved;
            last_moved = p[i];
        }
    }
    if ((s = tml_check_shape(err, op, out, "output", shape, nd)) != TML_OK) {
        return s;
    }
    if (in_order && out->bytes > 0) {
        op->eval = tml_alias_eval;
        return tml_alias_tensor(m, op, 0, 0, err);
    }
    return TML_OK;
}

tml_status_t tml_transpose_eval(tml_model_t *m, tml_op_t *op) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const int32_t *perm = (const int32_t *)tml_op_input(m, op, 1)->data;
    void *out = tml_op_output(m, op, 0)->data;
    if (in->type == TML_INT8) { /* TFLM's cmsis_nn TransposeEvalInt8: arm_transpose_s8 on that backend */
        return tml_transpose_s8(in->data, in->dims, perm, in->ndims, out);
    }
    return tml_transpose(in->data, in->dims, perm, in->ndims, (int32_t)tml_type_size(in->type), out);
}


/* ---- PACK and UNPACK (pack.cc PackImpl, unpack.cc UnpackImpl) ---- */

/* rows: product of the dimensions before the axis; row_bytes: one input's
 * (PACK) or output's (UNPACK) part of a row */
typedef struct {
    int32_t rows, row_bytes;
} stack_data_t;

/* The shape of a slice of `whole` along axis (whole without dimension axis). */
static void drop_axis(const tml_tensor_t *whole, int axis, int32_t *shape) {
    for (int k = 0, j = 0; k < whole->ndims; k++) {
        if (k != axis) {
            shape[j++] = whole->dims[k];
        }
    }
}

static bool stack_type(int type) {
    return type == TML_INT8 || type == TML_INT16 || type == TML_INT32 || type == TML_FLOAT32 || type == TML_INT64;
}

/* PACK: n_inputs slices (n_outputs 1), UNPACK: n_outputs slices (n_inputs 1);
 * `whole` is the packed tensor, the slices all have its shape without `axis`. */
static tml_status_t stack_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err, bool pack) {
    tml_status_t s;
    if (pack) {
        if (op->n_inputs < 1 || op->n_outputs != 1) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "expected 1 or more inputs and 1 output, got %d and %d",
                op->n_inputs, op->n_outputs);
        }
    } else if (op->n_inputs != 1 || op->n_outputs < 1) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "expected 1 input and 1 or more outputs, got %d and %d",
            op->n_inputs, op->n_outputs);
    }
    if ((s = check_options(err, op, pack ? OPT_PACK : OPT_UNPACK)) != TML_OK) {
        return s;
    }
    const int n = pack ? op->n_inputs : op->n_outputs;
    const int32_t count = tml_fb_i32(TML_OPTIONS(m, op), 0, 0);
    if (count != n) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s is %d but the operator has %d %s",
            pack ? "values_count" : "num", (int)count, n, pack ? "inputs" : "outputs");
    }
    const tml_tensor_t *whole = pack ? tml_op_output(m, op, 0) : tml_op_input(m, op, 0);
    if (!whole) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s is missing", pack ? "output" : "input");
    }
    if (!stack_type(whole->type) || (!pack && whole->type == TML_INT64)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "type %s is not supported", tml_type_name(whole->type));
    }
    const int nd = whole->ndims;
    const int32_t axis_opt = tml_fb_i32(TML_OPTIONS(m, op), 1, 0);
    const int axis = axis_opt < 0 ? axis_opt + nd : axis_opt;
    if (nd < 1 || axis < 0 || axis >= nd) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "axis %d is out of range for the %d-D %s", (int)axis_opt,
            nd, pack ? "output" : "input");
    }
    if (whole->dims[axis] != n) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s dimension %d is %d, expected %d",
            pack ? "output" : "input", axis, (int)whole->dims[axis], n);
    }
    int32_t shape[TML_MAX_DIMS];
    drop_axis(whole, axis, shape);
    for (int i = 0; i < n; i++) {
        const tml_tensor_t *t = pack ? tml_op_input(m, op, i) : tml_op_output(m, op, i);
        if (!t) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s %d is missing", pack ? "input" : "output", i);
        }
        if (t->type != whole->type) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s %d has type %s, expected %s",
                pack ? "input" : "output", i, tml_type_name(t->type), tml_type_name(whole->type));
        }
        if ((s = tml_check_shape(err, op, t, pack ? "input" : "output", shape, nd - 1)) != TML_OK) {
            return s;
        }
    }
    if (n == 1 && whole->bytes > 0) { /* a single slice: the same bytes */
        op->eval = tml_alias_eval;
        return tml_alias_tensor(m, op, 0, 0, err);
    }
    stack_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    d->rows = (int32_t)span(whole->dims, 0, axis);
    d->row_bytes = (int32_t)(span(whole->dims, axis + 1, nd) * (int64_t)tml_type_size(whole->type));
    op->data = d;
    return TML_OK;
}

tml_status_t tml_pack_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return stack_prepare(m, op, err, true);
}

tml_status_t tml_pack_eval(tml_model_t *m, tml_op_t *op) {
    const stack_data_t *d = op->data;
    uint8_t *out = tml_op_output(m, op, 0)->data;
    const int32_t out_row = d->row_bytes * op->n_inputs;
    for (int i = 0; i < op->n_inputs; i++) {
        tml_status_t s = tml_copy_rows(tml_op_input(m, op, i)->data, d->row_bytes, out + (size_t)i * d->row_bytes,
            out_row, d->row_bytes, d->rows);
        if (s != TML_OK) {
            return s;
        }
    }
    return TML_OK;
}

tml_status_t tml_unpack_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return stack_prepare(m, op, err, false);
}

tml_status_t tml_unpack_eval(tml_model_t *m, tml_op_t *op) {
    const stack_data_t *d = op->data;
    const uint8_t *in = tml_op_input(m, op, 0)->data;
    const int32_t in_row = d->row_bytes * op->n_outputs;
    for (int i = 0; i < op->n_outputs; i++) {
        tml_status_t s = tml_copy_rows(in + (size_t)i * d->row_bytes, in_row, tml_op_output(m, op, i)->data,
            d->row_bytes, d->row_bytes, d->rows);
        if (s != TML_OK) {
            return s;
        }
    }
    return TML_OK;
}


/* ---- SPLIT and SPLIT_V (split.cc, split_v.cc SplitImpl) ---- */

/* rows: product of the dimensions before the axis; in_row: bytes of one
 * input row (the axis and the dimensions after it) */
typedef struct {
    int32_t rows, in_row;
} split_data_t;

static tml_status_t split_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err, bool split_v) {
    tml_status_t s;
    if (op->n_inputs != (split_v ? 3 : 2) || op->n_outputs < 1) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "expected %d inputs and 1 or more outputs, got %d and %d",
            split_v ? 3 : 2, op->n_inputs, op->n_outputs);
    }
    if ((s = check_options(err, op, split_v ? OPT_SPLIT_V : OPT_SPLIT)) != TML_OK) {
        return s;
    }
    const tml_tensor_t *in = tml_op_input(m, op, split_v ? 0 : 1);
    const tml_tensor_t *axis_t = tml_op_input(m, op, split_v ? 2 : 0);
    if (!in || !axis_t) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s is missing", in ? "axis" : "input");
    }
    if (in->type != TML_INT8 && in->type != TML_INT16 && in->type != TML_INT32 && in->type != TML_FLOAT32) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input has type %s; int8, int16, int32 and float32 are "
            "supported", tml_type_name(in->type));
    }
    if (axis_t->kind != TML_TENSOR_CONST || axis_t->bytes == 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "axis tensor must be constant");
    }
    if ((s = tml_check_type(err, op, axis_t, "axis", TML_INT32)) != TML_OK) {
        return s;
    }
    const int nd = in->ndims;
    const int32_t axis_v = *(const int32_t *)axis_t->data;
    const int axis = axis_v < 0 ? axis_v + nd : axis_v;
    if (axis < 0 || axis >= nd) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "axis %d is out of range for a %d-D input", (int)axis_v,
            nd);
    }
    const int n = op->n_outputs;
    if (!split_v && in->dims[axis] % n != 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input dimension %d (%d) does not split into %d outputs",
            axis, (int)in->dims[axis], n);
    }
    int32_t shape[TML_MAX_DIMS];
    memcpy(shape, in->dims, sizeof(int32_t) * (size_t)nd);
    int64_t sum = 0;
    for (int i = 0; i < n; i++) {
        const tml_tensor_t *t = tml_op_output(m, op, i);
        if (!t) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "output %d is missing", i);
        }
        if (t->type != in->type) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "output %d has type %s, expected %s", i,
                tml_type_name(t->type), tml_type_name(in->type));
        }
        shape[axis] = split_v ? (t->ndims == nd ? t->dims[axis] : -1) : in->dims[axis] / n;
        if ((s = tml_check_shape(err, op, t, "output", shape, nd)) != TML_OK) {
            return s;
        }
        sum += shape[axis];
    }
    if (sum != in->dims[axis]) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "outputs' dimension %d sums to %d; the input's is %d", axis,
            (int)sum, (int)in->dims[axis]);
    }
    if (n == 1 && in->bytes > 0) {
        op->eval = tml_alias_eval;
        return tml_alias_tensor(m, op, 0, split_v ? 0 : 1, err);
    }
    split_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    d->rows = (int32_t)span(in->dims, 0, axis);
    d->in_row = (int32_t)(span(in->dims, axis, nd) * (int64_t)tml_type_size(in->type));
    op->data = d;
    return TML_OK;
}

static tml_status_t split_eval(tml_model_t *m, tml_op_t *op, const tml_tensor_t *in) {
    const split_data_t *d = op->data;
    int32_t at = 0;
    for (int i = 0; i < op->n_outputs; i++) {
        tml_tensor_t *t = tml_op_output(m, op, i);
        const int32_t row = d->rows > 0 ? t->bytes / d->rows : 0;
        tml_status_t s = tml_copy_rows((const uint8_t *)in->data + at, d->in_row, t->data, row, row, d->rows);
        if (s != TML_OK) {
            return s;
        }
        at += row;
    }
    return TML_OK;
}

tml_status_t tml_split_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return split_prepare(m, op, err, false);
}

tml_status_t tml_split_eval(tml_model_t *m, tml_op_t *op) {
    return split_eval(m, op, tml_op_input(m, op, 1));
}

tml_status_t tml_split_v_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return split_prepare(m, op, err, true);
}

tml_status_t tml_split_v_eval(tml_model_t *m, tml_op_t *op) {
    return split_eval(m, op, tml_op_input(m, op, 0));
}

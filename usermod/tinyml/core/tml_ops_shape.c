/* tinyml ops: RESHAPE, SQUEEZE and EXPAND_DIMS are no-copy: the output
 * aliases the input's bytes (TFLM copies them; the values are the same).
 * SHAPE, FILL and ZEROS_LIKE as TFLM's shape.cc, fill.cc and zeros_like.cc. */
#include "tml_op.h"
#include "../kernels/tml_kernels.h"

enum { OPT_RESHAPE = 17, OPT_SQUEEZE = 30, OPT_EXPAND_DIMS = 52, OPT_SHAPE = 55, OPT_ZEROS_LIKE = 67, OPT_FILL = 68 };

static tml_status_t check_options(tml_error_t *err, const tml_op_t *op, int type) {
    if (op->options_pos && op->options_type != type) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, type);
    }
    return TML_OK;
}

static tml_status_t prepare_common(tml_model_t *m, tml_op_t *op, tml_error_t *err, int max_in, int opt_type,
    tml_tensor_t **in, tml_tensor_t **out) {
    tml_status_t s = tml_check_io_count(err, op, 1, max_in, 1);
    if (s != TML_OK) {
        return s;
    }
    if (op->options_pos && op->options_type != opt_type) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, opt_type);
    }
    *in = tml_op_input(m, op, 0);
    *out = tml_op_output(m, op, 0);
    if ((*in)->type != (*out)->type) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input type %s differs from output type %s",
            tml_type_name((*in)->type), tml_type_name((*out)->type));
    }
    if (tml_tensor_elements(*in) != tml_tensor_elements(*out)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input has %d elements but output has %d",
            (int)tml_tensor_elements(*in), (int)tml_tensor_elements(*out));
    }
    return TML_OK;
}

tml_status_t tml_alias_eval(tml_model_t *m, tml_op_t *op) {
    (void)m;
    (void)op;
    return TML_OK;
}

/* ---- RESHAPE ---- */

tml_status_t tml_reshape_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *in, *out;
    tml_status_t s = prepare_common(m, op, err, 2, OPT_RESHAPE, &in, &out);
    if (s != TML_OK) {
        return s;
    }
    /* The requested shape: the shape tensor if it is constant, otherwise the
     * options' new_shape. TFLM uses only the output's declared shape; the
     * request is checked for consistency with it. */
    int32_t shape[TML_MAX_DIMS];
    int64_t n = -1;
    const tml_tensor_t *st = tml_op_input(m, op, 1);
    tml_fb_vec_t v;
    if (st && st->kind == TML_TENSOR_CONST) {
        if (st->type != TML_INT32 || st->ndims > 1) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "shape tensor must be 1-D int32, got %s with %d dims",
                tml_type_name(st->type), (int)st->ndims);
        }
        n = tml_tensor_elements(st);
        if (n > TML_MAX_DIMS) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "shape tensor has %d entries; at most %d supported",
                (int)n, TML_MAX_DIMS);
        }
        for (int i = 0; i < (int)n; i++) {
            shape[i] = ((const int32_t *)st->data)[i];
        }
    } else if (!st && tml_fb_has(TML_OPTIONS(m, op), 0)) {
        if (!tml_fb_vector(TML_OPTIONS(m, op), 0, 4, &v)) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "new_shape option is malformed");
        }
        if (v.len > TML_MAX_DIMS) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "new_shape has %d entries; at most %d supported",
                (int)v.len, TML_MAX_DIMS);
        }
        n = v.len;
        for (uint32_t i = 0; i < v.len; i++) {
            shape[i] = tml_fb_vec_i32((&m->fb), &v, i);
        }
    }
    if (n >= 0) {
        int stretch = -1;
        int64_t known = 1;
        for (int i = 0; i < (int)n; i++) {
            if (shape[i] == -1 && stretch < 0) {
                stretch = i;
            } else if (shape[i] < 0) {
                return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "requested shape has invalid dimension %d%s",
                    (int)shape[i], shape[i] == -1 ? " (only one -1 is allowed)" : "");
            } else {
                known *= shape[i];
                if (known > 0x7fffffff) {
                    return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "requested shape is too large");
                }
            }
        }
        if (stretch >= 0) {
            const int32_t elements = tml_tensor_elements(in);
            if (known == 0 || elements % known != 0) {
                return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
                    "cannot reshape %d elements with a -1 dimension and %d other elements", (int)elements,
                    (int)known);
            }
            shape[stretch] = (int32_t)(elements / known);
        }
        if ((s = tml_check_shape(err, op, out, "output", shape, (int)n)) != TML_OK) {
            return s;
        }
    }
    return tml_alias_tensor(m, op, 0, 0, err);
}


/* ---- SQUEEZE ---- */

tml_status_t tml_squeeze_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *in, *out;
    tml_status_t s = prepare_common(m, op, err, 1, OPT_SQUEEZE, &in, &out);
    if (s != TML_OK) {
        return s;
    }
    bool squeeze[TML_MAX_DIMS] = { false };
    const int nd = in->ndims;
    tml_fb_vec_t v;
    if (!tml_fb_vector(TML_OPTIONS(m, op), 0, 4, &v)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "squeeze_dims option is malformed");
    }
    if (v.len == 0) {
        for (int i = 0; i < nd; i++) {
            squeeze[i] = in->dims[i] == 1;
        }
    }
    for (uint32_t k = 0; k < v.len; k++) {
        const int32_t a = tml_fb_vec_i32((&m->fb), &v, k);
        const int32_t c = a < 0 ? a + nd : a;
        if (c < 0 || c >= nd || in->dims[c] != 1) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
                "squeeze_dims entry %d is not a dimension of size 1 of the %d-D input", (int)a, nd);
        }
        squeeze[c] = true;
    }
    int32_t shape[TML_MAX_DIMS];
    int n = 0;
    for (int i = 0; i < nd; i++) {
        if (!squeeze[i]) {
            shape[n++] = in->dims[i];
        }
    }
    if ((s = tml_check_shape(err, op, out, "output", shape, n)) != TML_OK) {
        return s;
    }
    return tml_alias_tensor(m, op, 0, 0, err);
}


/* ---- EXPAND_DIMS (expand_dims.cc ExpandDimsPrepare / VerifyTensorDim) ---- */

tml_status_t tml_expand_dims_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *in, *out;
    tml_status_t s = tml_check_io_count(err, op, 2, 2, 1);
    if (s != TML_OK || (s = prepare_common(m, op, err, 2, OPT_EXPAND_DIMS, &in, &out)) != TML_OK) {
        return s;
    }
    const tml_tensor_t *axis_t = tml_op_input(m, op, 1);
    if (axis_t->kind != TML_TENSOR_CONST || axis_t->bytes == 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "axis tensor must be constant");
    }
    if ((s = tml_check_type(err, op, axis_t, "axis", TML_INT32)) != TML_OK) {
        return s;
    }
    if (axis_t->ndims > 1) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "axis must have one element, got %d dimensions",
            (int)axis_t->ndims);
    }
    const int nd = in->ndims;
    const int32_t a = *(const int32_t *)axis_t->data;
    const int32_t axis = a < 0 ? a + nd + 1 : a;
    if (axis < 0 || axis > nd || nd + 1 > TML_MAX_DIMS) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "axis %d is out of range for a %d-D input", (int)a, nd);
    }
    int32_t shape[TML_MAX_DIMS];
    for (int k = 0, j = 0; k <= nd; k++) {
        shape[k] = k == axis ? 1 : in->dims[j++];
    }
    if ((s = tml_check_shape(err, op, out, "output", shape, nd + 1)) != TML_OK || out->bytes == 0) {
        return s;
    }
    return tml_alias_tensor(m, op, 0, 0, err);
}


/* ---- SHAPE ---- */

tml_status_t tml_shape_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = tml_check_io_count(err, op, 1, 1, 1);
    if (s != TML_OK || (s = check_options(err, op, OPT_SHAPE)) != TML_OK) {
        return s;
    }
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    if (out->type != TML_INT32) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "output type %s is not supported; int32 is",
            tml_type_name(out->type));
    }
    const int32_t shape[1] = { in->ndims };
    return tml_check_shape(err, op, out, "output", shape, 1);
}

tml_status_t tml_shape_eval(tml_model_t *m, tml_op_t *op) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    int32_t *out = tml_op_output(m, op, 0)->data;
    for (int k = 0; k < in->ndims; k++) {
        out[k] = in->dims[k];
    }
    return TML_OK;
}


/* ---- FILL (fill.cc FillPrepare / EnsureEq) ---- */

tml_status_t tml_fill_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = tml_check_io_count(err, op, 2, 2, 1);
    if (s != TML_OK || (s = check_options(err, op, OPT_FILL)) != TML_OK) {
        return s;
    }
    const tml_tensor_t *dims = tml_op_input(m, op, 0);
    const tml_tensor_t *value = tml_op_input(m, op, 1);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    if (value->ndims != 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "value must be a scalar, got %d dimensions",
            (int)value->ndims);
    }
    if (value->type != TML_INT8 && value->type != TML_INT32 && value->type != TML_FLOAT32) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "value has type %s; int8, int32 and float32 are supported",
            tml_type_name(value->type));
    }
    if ((s = tml_check_type(err, op, out, "output", value->type)) != TML_OK) {
        return s;
    }
    if (dims->kind != TML_TENSOR_CONST && dims->bytes > 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "dims tensor must be constant");
    }
    if (dims->type != TML_INT8 && dims->type != TML_INT16 && dims->type != TML_INT32 && dims->type != TML_INT64) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "dims has type %s; an integer type is expected",
            tml_type_name(dims->type));
    }
    if (dims->ndims != 1 || dims->dims[0] != out->ndims) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "dims has %d entries; the output has %d dimensions",
            (int)tml_tensor_elements(dims), (int)out->ndims);
    }
    for (int k = 0; k < out->ndims; k++) {
        int64_t v;
        switch (dims->type) {
            case TML_INT8:
                v = ((const int8_t *)dims->data)[k];
                break;
            case TML_INT16:
                v = ((const int16_t *)dims->data)[k];
                break;
            case TML_INT32:
                v = ((const int32_t *)dims->data)[k];
                break;
            default:
                v = ((const int64_t *)dims->data)[k];
                break;
        }
        if (v != out->dims[k]) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "dims entry %d is %ld; the output's is %d", k, (long)v,
                (int)out->dims[k]);
        }
    }
    return TML_OK;
}

tml_status_t tml_fill_eval(tml_model_t *m, tml_op_t *op) {
    const tml_tensor_t *value = tml_op_input(m, op, 1);
    tml_tensor_t *out = tml_op_output(m, op, 0);
    return tml_fill(out->data, value->data, (int32_t)tml_type_size(out->type), tml_tensor_elements(out));
}


/* ---- ZEROS_LIKE ---- */

tml_status_t tml_zeros_like_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = tml_check_io_count(err, op, 1, 1, 1);
    if (s != TML_OK || (s = check_options(err, op, OPT_ZEROS_LIKE)) != TML_OK) {
        return s;
    }
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    if ((s = tml_check_type(err, op, out, "output", in->type)) != TML_OK) {
        return s;
    }
    return tml_check_shape(err, op, out, "output", in->dims, in->ndims);
}

tml_status_t tml_zeros_like_eval(tml_model_t *m, tml_op_t *op) {
    static const uint8_t zero[8] = { 0 };
    tml_tensor_t *out = tml_op_output(m, op, 0);
    return tml_fill(out->data, zero, (int32_t)tml_type_size(out->type), tml_tensor_elements(out));
}

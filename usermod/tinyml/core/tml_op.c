/* tinyml core: helpers for operator implementations (tml_op.h): messages,
 * checks, tensor accessors, aliasing; and the type names. */
#include <stdarg.h>
#include <string.h>
#include "tml_fmt.h"
#include "tml_internal.h"
#include "tml_rows.h"

/* ---- messages ------------------------------------------------------------ */

static tml_status_t vfail(tml_error_t *err, tml_status_t status, const tml_op_t *op, const char *fmt, va_list ap) {
    if (err) {
        size_t at = 0;
        err->status = status;
        err->msg[0] = 0;
        if (op) {
            const tml_op_impl_t *row = tml_op_row(op->row); /* custom ops: their name */
            at = tml_fmt(err->msg, sizeof(err->msg), 0, "operator %d '%s': ", (int)op->index,
                row && row->custom ? row->custom : tml_builtin_name(op->builtin));
        }
        tml_vfmt(err->msg, sizeof(err->msg), at, fmt, ap);
    }
    return status;
}

tml_status_t tml_fail(tml_error_t *err, tml_status_t status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail(err, status, NULL, fmt, ap);
    va_end(ap);
    return status;
}

tml_status_t tml_invalid(tml_error_t *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t at = tml_fmt(err->msg, sizeof(err->msg), 0, "invalid model: ");
    err->status = TML_ERR_INVALID_MODEL;
    tml_vfmt(err->msg, sizeof(err->msg), at, fmt, ap);
    va_end(ap);
    return TML_ERR_INVALID_MODEL;
}

tml_status_t tml_op_fail(tml_error_t *err, tml_status_t status, const tml_op_t *op, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail(err, status, op, fmt, ap);
    va_end(ap);
    return status;
}


bool tml_op_custom_options(const tml_model_t *m, const tml_op_t *op, const uint8_t **data, uint32_t *len) {
    const tml_fb_vec_t ops = { m->operators_pos, m->n_ops };
    tml_fb_table_t ot;
    tml_fb_vec_t v;
    *data = NULL;
    *len = 0;
    if (!tml_fb_vec_table(&m->fb, &ops, op->index, &ot) || !tml_fb_vector(&ot, OP_CUSTOM_OPTIONS, 1, &v)) {
        return false;
    }
    *data = m->fb.buf + v.pos;
    *len = v.len;
    return true;
}

/* ---- small helpers ------------------------------------------------------ */

size_t tml_type_size(int type) {
    switch (type) {
        case TML_FLOAT32:
        case TML_INT32:
        case TML_UINT32:
            return 4;
        case TML_INT64:
        case TML_UINT64:
            return 8;
        case TML_INT16:
        case TML_UINT16:
        case TML_FLOAT16:
            return 2;
        case TML_INT8:
        case TML_UINT8:
        case TML_BOOL:
            return 1;
        default:
            return 0;
    }
}

const char *tml_type_name(int type) {
    switch (type) {
        case TML_FLOAT32:
            return "float32";
        case TML_FLOAT16:
            return "float16";
        case TML_INT32:
            return "int32";
        case TML_UINT8:
            return "uint8";
        case TML_INT64:
            return "int64";
        case TML_STRING:
            return "string";
        case TML_BOOL:
            return "bool";
        case TML_INT16:
            return "int16";
        case TML_INT8:
            return "int8";
        case TML_UINT16:
            return "uint16";
        case TML_UINT32:
            return "uint32";
        case TML_UINT64:
            return "uint64";
        case TML_INT4:
            return "int4";
        default:
            return "unknown";
    }
}

int32_t tml_tensor_elements(const tml_tensor_t *t) {
    int32_t n = 1;
    for (int i = 0; i < t->ndims; i++) {
        n *= t->dims[i];
    }
    return n;
}

bool tml_tensor_table(const tml_model_t *m, int index, tml_fb_table_t *out) {
    tml_fb_vec_t v = { m->tensors_pos, m->n_tensors };
    return tml_fb_vec_table(&m->fb, &v, (uint32_t)index, out);
}

static bool quant_table(const tml_model_t *m, const tml_tensor_t *t, tml_fb_table_t *q) {
    tml_fb_table_t tt;
    memset(q, 0, sizeof(*q));
    q->fb = &m->fb;
    if (t < m->tensors || t >= m->tensors + m->n_tensors || !tml_tensor_table(m, (int)(t - m->tensors), &tt)) {
        return false;
    }
    return tml_fb_table(&tt, T_QUANT, q) && q->pos != 0;
}

int tml_tensor_num_scales(const tml_model_t *m, const tml_tensor_t *t) {
    tml_fb_table_t q;
    tml_fb_vec_t v;
    if (!quant_table(m, t, &q) || !tml_fb_vector(&q, Q_SCALE, 4, &v)) {
        return 0;
    }
    return (int)v.len;
}

bool tml_tensor_scales(const tml_model_t *m, const tml_tensor_t *t, tml_fb_vec_t *v) {
    tml_fb_table_t q;
    if (!quant_table(m, t, &q) || !tml_fb_vector(&q, Q_SCALE, 4, v)) {
        v->pos = v->len = 0;
        return false;
    }
    return true;
}

float tml_tensor_scale_at(const tml_model_t *m, const tml_tensor_t *t, int i) {
    tml_fb_table_t q;
    tml_fb_vec_t v;
    if (!quant_table(m, t, &q) || !tml_fb_vector(&q, Q_SCALE, 4, &v) || i < 0 || (uint32_t)i >= v.len) {
        return 0.0f;
    }
    return tml_fb_vec_f32(&m->fb, &v, (uint32_t)i);
}

int32_t tml_tensor_zero_point_at(const tml_model_t *m, const tml_tensor_t *t, int i) {
    tml_fb_table_t q;
    tml_fb_vec_t v;
    if (!quant_table(m, t, &q) || !tml_fb_vector(&q, Q_ZERO_POINT, 8, &v) || i < 0 || v.len == 0) {
        return 0;
    }
    if ((uint32_t)i >= v.len) {
        i = 0; /* one zero point for every channel, as TFLM reads it */
    }
    return (int32_t)tml_fb_vec_i64(&m->fb, &v, (uint32_t)i);
}

int tml_tensor_quantized_dimension(const tml_model_t *m, const tml_tensor_t *t) {
    tml_fb_table_t q;
    if (!quant_table(m, t, &q)) {
        return 0;
    }
    return tml_fb_i32(&q, Q_QDIM, 0);
}

tml_tensor_t *tml_op_input(tml_model_t *m, const tml_op_t *op, int k) {
    if (k < 0 || k >= op->n_inputs || op->inputs[k] < 0) {
        return NULL;
    }
    return &m->tensors[op->inputs[k]];
}

tml_tensor_t *tml_op_output(tml_model_t *m, const tml_op_t *op, int k) {
    if (k < 0 || k >= op->n_outputs || OUTS(op)[k] < 0) {
        return NULL;
    }
    return &m->tensors[OUTS(op)[k]];
}

static void fmt_shape(char *buf, size_t n, const int32_t *dims, int nd) {
    size_t at = tml_fmt(buf, n, 0, "[");
    for (int i = 0; i < nd; i++) {
        at = tml_fmt(buf, n, at, i ? ", %d" : "%d", (int)dims[i]);
    }
    tml_fmt(buf, n, at, "]");
}

tml_status_t tml_check_io_count(tml_error_t *err, const tml_op_t *op, int min_in, int max_in, int n_out) {
    if (op->n_inputs < min_in || op->n_inputs > max_in) {
        if (min_in == max_in) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "expected %d inputs, got %d", min_in, op->n_inputs);
        }
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "expected %d to %d inputs, got %d", min_in, max_in,
            op->n_inputs);
    }
    if (op->n_outputs != n_out) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "expected %d outputs, got %d", n_out, op->n_outputs);
    }
    for (int i = 0; i < min_in; i++) {
        if (op->inputs[i] < 0) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "required input %d is missing", i);
        }
    }
    for (int i = 0; i < n_out; i++) {
        if (OUTS(op)[i] < 0) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "output %d is missing", i);
        }
    }
    return TML_OK;
}

tml_status_t tml_check_type(tml_error_t *err, const tml_op_t *op, const tml_tensor_t *t, const char *what, int type) {
    if (!t) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s is missing", what);
    }
    if (t->type != type) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "%s has type %s; only %s is supported", what,
            tml_type_name(t->type), tml_type_name(type));
    }
    return TML_OK;
}

tml_status_t tml_check_q8(tml_error_t *err, const tml_op_t *op, const tml_tensor_t *t, const char *what) {
    if (!(t->scale > 0.0f)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s has no valid quantization scale", what);
    }
    if (t->zero_point < -128 || t->zero_point > 127) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s zero point %d is outside the int8 range", what,
            (int)t->zero_point);
    }
    return TML_OK;
}

tml_status_t tml_check_channel_dim(const tml_model_t *m, tml_error_t *err, const tml_op_t *op, const tml_tensor_t *t,
    const char *what, int32_t channels) {
    const int qdim = tml_tensor_quantized_dimension(m, t);
    if (qdim < 0 || qdim >= t->ndims || t->dims[qdim] != channels) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
            "%s is quantized per channel along dimension %d, which is not its %d channels", what, qdim, (int)channels);
    }
    return TML_OK;
}

tml_status_t tml_check_shape(tml_error_t *err, const tml_op_t *op, const tml_tensor_t *t, const char *what,
    const int32_t *dims, int n) {
    bool same = t->ndims == n;
    for (int i = 0; same && i < n; i++) {
        same = t->dims[i] == dims[i];
    }
    if (!same) {
        char want[64], got[64];
        fmt_shape(want, sizeof(want), dims, n);
        fmt_shape(got, sizeof(got), t->dims, t->ndims);
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s shape is %s, expected %s", what, got, want);
    }
    return TML_OK;
}

tml_status_t tml_alias_tensor(tml_model_t *m, tml_op_t *op, int out, int in, tml_error_t *err) {
    tml_tensor_t *o = tml_op_output(m, op, out);
    tml_tensor_t *i = tml_op_input(m, op, in);
    if (!o || !i) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "missing tensor for alias");
    }
    if (o->bytes != i->bytes) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "output has %d bytes but input has %d", (int)o->bytes,
            (int)i->bytes);
    }
    if (o->kind != TML_TENSOR_ARENA) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "output tensor cannot be a constant or variable");
    }
    int target = op->inputs[in];
    while (m->tensors[target].kind == TML_TENSOR_ALIAS) {
        target = m->alias[target];
    }
    if (m->tensors[target].kind == TML_TENSOR_CONST) {
        o->kind = TML_TENSOR_CONST; /* a view of a constant is a constant */
        o->data = m->tensors[target].data;
    } else {
        o->kind = TML_TENSOR_ALIAS;
        m->alias[OUTS(op)[out]] = (int16_t)target;
    }
    return TML_OK;
}


int32_t tml_tensor_rows(const tml_tensor_t *t) {
    return t->ndims == 4 ? t->dims[1] : 0;
}

int32_t tml_tensor_row_bytes(const tml_tensor_t *t) {
    return t->ndims == 4 ? t->dims[2] * t->dims[3] * (int32_t)tml_type_size(t->type) : 0;
}

void tml_op_folded_pad(const tml_model_t *m, const tml_op_t *op, int32_t pad[4]) {
    for (int i = 0; i < 4; i++) {
        pad[i] = m->folded ? m->folded[4 * op->index + i] : 0;
    }
}

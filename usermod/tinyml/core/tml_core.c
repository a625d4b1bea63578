/*
 * tinyml core: model loader, memory planner and interpreter loop.
 *
 * Load validates the whole flatbuffer structure before anything is used, so
 * that operators can trust tensor indices, shapes and constant data.
 */
#include <stdarg.h>
#include <string.h>
#include "tml_core.h"
#include "tml_fmt.h"
#include "tml_op.h"

/* Schema field indices (tensorflow/lite/schema/schema.fbs). */
enum { MODEL_VERSION = 0, MODEL_OPCODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4 };
enum { OPCODE_DEPRECATED = 0, OPCODE_CUSTOM = 1, OPCODE_VERSION = 2, OPCODE_BUILTIN = 3 };
enum { SG_TENSORS = 0, SG_INPUTS = 1, SG_OUTPUTS = 2, SG_OPERATORS = 3 };
enum { T_SHAPE = 0, T_TYPE = 1, T_BUFFER = 2, T_NAME = 3, T_QUANT = 4, T_IS_VARIABLE = 5, T_SPARSITY = 6 };
enum { Q_SCALE = 2, Q_ZERO_POINT = 3, Q_DETAILS_TYPE = 4, Q_QDIM = 6 };
enum { OP_OPCODE = 0, OP_INPUTS = 1, OP_OUTPUTS = 2, OP_OPTIONS_TYPE = 3, OP_OPTIONS = 4 };
enum { BUF_DATA = 0, BUF_OFFSET = 1, BUF_SIZE = 2 };

#define MAX_TENSORS 32767
#define MAX_OPS 32767
#define MAX_OP_IO 64
#define OUTS(op) ((op)->inputs + (op)->n_inputs)

static const int32_t no_dims[1] = { 0 };

struct tml_block {
    struct tml_block *next;
    size_t size; /* including this header */
};

/* ---- messages ------------------------------------------------------------ */

static tml_status_t vfail(tml_error_t *err, tml_status_t status, const tml_op_t *op, const char *fmt, va_list ap) {
    if (err) {
        size_t at = 0;
        err->status = status;
        err->msg[0] = 0;
        if (op) {
            at = tml_fmt(err->msg, sizeof(err->msg), 0, "operator %d '%s': ", (int)op->index, tml_builtin_name(op->builtin));
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

tml_status_t tml_op_fail(tml_error_t *err, tml_status_t status, const tml_op_t *op, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail(err, status, op, fmt, ap);
    va_end(ap);
    return status;
}

static tml_status_t invalid(tml_error_t *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t at = tml_fmt(err->msg, sizeof(err->msg), 0, "invalid model: ");
    err->status = TML_ERR_INVALID_MODEL;
    tml_vfmt(err->msg, sizeof(err->msg), at, fmt, ap);
    va_end(ap);
    return TML_ERR_INVALID_MODEL;
}

/* ---- persistent memory ------------------------------------------------- */

static void *raw_alloc(tml_model_t *m, size_t size, tml_error_t *err) {
    void *p = m->allocator.alloc(m->allocator.ctx, size);
    if (!p && err) {
        err->bytes_needed = size;
        tml_fail(err, TML_ERR_NO_MEMORY, "out of memory: %lu bytes of model metadata could not be allocated",
            (unsigned long)size);
    }
    return p;
}

/* Loading runs twice: the first pass measures, allocating each request on its
 * own (with a small header); the second runs in one block of exactly the
 * measured size, so the metadata costs no allocator overhead. */
void *tml_persistent_alloc(tml_model_t *m, size_t size, tml_error_t *err) {
    const size_t hdr = (sizeof(struct tml_block) + 7) & ~(size_t)7;
    if (size > (size_t)0x7fffffff) {
        tml_fail(err, TML_ERR_NO_MEMORY, "out of memory: %lu bytes requested", (unsigned long)size);
        return NULL;
    }
    size = (size + 7) & ~(size_t)7;
    uint8_t *p;
    if (m->persistent) {
        if (size > m->persistent_size - m->persistent_used) {
            tml_fail(err, TML_ERR_STATE, "internal error: the second loading pass needs more than the first");
            return NULL;
        }
        p = m->persistent + m->persistent_used;
    } else {
        struct tml_block *b = raw_alloc(m, hdr + size, err);
        if (!b) {
            return NULL;
        }
        b->next = m->blocks;
        b->size = hdr + size;
        m->blocks = b;
        p = (uint8_t *)b + hdr;
    }
    m->persistent_used += size;
    memset(p, 0, size);
    return p;
}

static void free_blocks(tml_model_t *m) {
    struct tml_block *b = m->blocks;
    while (b) {
        struct tml_block *next = b->next;
        m->allocator.free(m->allocator.ctx, b, b->size);
        b = next;
    }
    m->blocks = NULL;
    if (m->alias) {
        m->allocator.free(m->allocator.ctx, m->alias, sizeof(int16_t) * m->n_tensors);
        m->alias = NULL;
    }
}

void tml_model_free(tml_model_t *m) {
    free_blocks(m);
    if (m->persistent) {
        m->allocator.free(m->allocator.ctx, m->persistent, m->persistent_size);
    }
    tml_allocator_t a = m->allocator;
    memset(m, 0, sizeof(*m));
    m->allocator = a;
}

/* ---- small helpers ------------------------------------------------------ */

size_t tml_type_size(int type) {
    switch (type) {
        case TML_FLOAT32:
        case TML_INT32:
            return 4;
        case TML_INT64:
            return 8;
        case TML_INT16:
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

static bool tensor_table(const tml_model_t *m, int index, tml_fb_table_t *out) {
    tml_fb_vec_t v = { m->tensors_pos, m->n_tensors };
    return tml_fb_vec_table(&m->fb, &v, (uint32_t)index, out);
}

static bool quant_table(const tml_model_t *m, const tml_tensor_t *t, tml_fb_table_t *q) {
    tml_fb_table_t tt;
    memset(q, 0, sizeof(*q));
    q->fb = &m->fb;
    if (t < m->tensors || t >= m->tensors + m->n_tensors || !tensor_table(m, (int)(t - m->tensors), &tt)) {
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
    if (!quant_table(m, t, &q) || !tml_fb_vector(&q, Q_ZERO_POINT, 8, &v) || i < 0 || (uint32_t)i >= v.len) {
        return 0;
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

/* ---- the op registry ---------------------------------------------------- */

extern const tml_op_impl_t *const tml_op_registry[];

static const tml_op_impl_t *find_impl(int32_t builtin) {
    for (int i = 0; tml_op_registry[i]; i++) {
        if (tml_op_registry[i]->builtin == builtin) {
            return tml_op_registry[i];
        }
    }
    return NULL;
}

const char *tml_supported_op(int i) {
    for (int k = 0; tml_op_registry[k]; k++) {
        if (k == i) {
            return tml_builtin_name(tml_op_registry[k]->builtin);
        }
    }
    return NULL;
}

/* ---- loading ------------------------------------------------------------ */

static tml_status_t read_index_vector(tml_model_t *m, const tml_fb_table_t *t, int field, int16_t *out,
    uint32_t n, bool allow_absent, const char *what, int owner, tml_error_t *err) {
    tml_fb_vec_t v;
    if (!tml_fb_vector(t, field, 4, &v) || v.len != n) {
        return invalid(err, "%s %d: bad index vector", what, owner);
    }
    for (uint32_t i = 0; i < n; i++) {
        int32_t idx = tml_fb_vec_i32(&m->fb, &v, i);
        if (idx == -1 && allow_absent) {
            out[i] = -1;
        } else if (idx < 0 || idx >= m->n_tensors) {
            return invalid(err, "%s %d refers to tensor %d, but the model has %d tensors", what, owner, (int)idx,
                (int)m->n_tensors);
        } else {
            out[i] = (int16_t)idx;
        }
    }
    return TML_OK;
}

static tml_status_t load_tensor(tml_model_t *m, int index, tml_error_t *err) {
    tml_tensor_t *t = &m->tensors[index];
    tml_fb_table_t tt, q;
    tml_fb_vec_t shape;
    const char *name;
    uint32_t name_len;
    if (!tensor_table(m, index, &tt) || !tml_fb_vector(&tt, T_SHAPE, 4, &shape) ||
        !tml_fb_string(&tt, T_NAME, &name, &name_len) || !tml_fb_table(&tt, T_QUANT, &q)) {
        return invalid(err, "tensor %d is malformed", index);
    }
    if (shape.len > TML_MAX_DIMS) {
        return tml_fail(err, TML_ERR_UNSUPPORTED, "tensor %d '%.*s' has %d dimensions; at most %d are supported",
            index, (int)(name_len > 40 ? 40 : name_len), name, (int)shape.len, TML_MAX_DIMS);
    }
    t->ndims = (uint8_t)shape.len;
    t->type = tml_fb_u8(&tt, T_TYPE, 0);
    t->dims = no_dims;
    if (shape.len) {
        /* dims stay in the model buffer unless it is misaligned (then: a copy) */
        const uint8_t *at = m->fb.buf + shape.pos;
        if ((uintptr_t)at & 3) {
            int32_t *copy = tml_persistent_alloc(m, 4 * shape.len, err);
            if (!copy) {
                return TML_ERR_NO_MEMORY;
            }
            memcpy(copy, at, 4 * shape.len);
            at = (const uint8_t *)copy;
        }
        t->dims = (const int32_t *)(const void *)at;
    }
    int64_t elements = 1;
    for (uint32_t i = 0; i < shape.len; i++) {
        int32_t d = t->dims[i];
        if (d < 0) {
            return invalid(err, "tensor %d '%.*s' has negative dimension %d", index,
                (int)(name_len > 40 ? 40 : name_len), name, (int)d);
        }
        elements *= d;
        if (elements > 0x7fffffff) {
            return invalid(err, "tensor %d '%.*s' shape is too large", index, (int)(name_len > 40 ? 40 : name_len),
                name);
        }
    }
    size_t es = tml_type_size(t->type);
    if (es == 0) {
        return tml_fail(err, TML_ERR_UNSUPPORTED, "tensor %d '%.*s' has type %s (%d), which is not supported", index,
            (int)(name_len > 40 ? 40 : name_len), name, tml_type_name(t->type), (int)t->type);
    }
    if (elements * (int64_t)es > 0x7fffffff) {
        return invalid(err, "tensor %d '%.*s' shape is too large", index, (int)(name_len > 40 ? 40 : name_len), name);
    }
    t->bytes = (int32_t)(elements * (int64_t)es);
    if (tml_fb_has(&tt, T_SPARSITY)) {
        return tml_fail(err, TML_ERR_UNSUPPORTED, "tensor %d '%.*s' is sparse; sparse tensors are not supported",
            index, (int)(name_len > 40 ? 40 : name_len), name);
    }
    /* quantization */
    tml_fb_vec_t sv, zv;
    if (!tml_fb_vector(&q, Q_SCALE, 4, &sv) || !tml_fb_vector(&q, Q_ZERO_POINT, 8, &zv)) {
        return invalid(err, "tensor %d quantization is malformed", index);
    }
    if (sv.len) {
        t->scale = tml_fb_vec_f32(&m->fb, &sv, 0);
        t->per_channel = sv.len > 1;
        int qdim = tml_fb_i32(&q, Q_QDIM, 0);
        if (sv.len > 1 && (qdim < 0 || qdim >= t->ndims || (int32_t)sv.len != t->dims[qdim])) {
            return invalid(err, "tensor %d has %d scales but quantized dimension %d does not match its shape",
                index, (int)sv.len, qdim);
        }
        if (zv.len && zv.len != sv.len) {
            return invalid(err, "tensor %d has %d scales but %d zero points", index, (int)sv.len, (int)zv.len);
        }
        for (uint32_t i = 0; i < sv.len; i++) {
            float s = tml_fb_vec_f32(&m->fb, &sv, i);
            if (!(s >= 0.0f && s < 3.0e38f)) {
                return invalid(err, "tensor %d has invalid scale", index);
            }
        }
    }
    if (zv.len) {
        int64_t zp = tml_fb_vec_i64(&m->fb, &zv, 0);
        if (zp < -32768 || zp > 65535) {
            return invalid(err, "tensor %d has zero point %ld out of range", index, (long)zp);
        }
        t->zero_point = (int32_t)zp;
    }
    /* data */
    uint32_t buffer = tml_fb_u32(&tt, T_BUFFER, 0);
    if (buffer >= m->n_buffers) {
        return invalid(err, "tensor %d refers to buffer %u, but the model has %u buffers", index, (unsigned)buffer,
            (unsigned)m->n_buffers);
    }
    tml_fb_vec_t bv = { m->buffers_pos, m->n_buffers };
    tml_fb_table_t bt;
    tml_fb_vec_t data = { 0, 0 };
    if (!tml_fb_vec_table(&m->fb, &bv, buffer, &bt) || !tml_fb_vector(&bt, BUF_DATA, 1, &data)) {
        return invalid(err, "buffer %u is malformed", (unsigned)buffer);
    }
    const uint8_t *bytes = data.len ? m->fb.buf + data.pos : NULL;
    uint64_t len = data.len;
    uint64_t off = tml_fb_u64(&bt, BUF_OFFSET, 0);
    if (!bytes && off > 1) {
        len = tml_fb_u64(&bt, BUF_SIZE, 0);
        if (off > m->fb.size || len > m->fb.size - off) {
            return invalid(err, "buffer %u lies outside the file", (unsigned)buffer);
        }
        bytes = m->fb.buf + off;
    }
    if (tml_fb_u8(&tt, T_IS_VARIABLE, 0)) {
        t->kind = TML_TENSOR_VARIABLE;
    } else if (bytes && len) {
        if (len != (uint64_t)t->bytes) {
            return invalid(err, "tensor %d '%.*s': buffer holds %lu bytes, its shape needs %ld", index,
                (int)(name_len > 40 ? 40 : name_len), name, (unsigned long)len, (long)t->bytes);
        }
        t->kind = TML_TENSOR_CONST;
        if (((uintptr_t)bytes & (es >= 4 ? 3 : es - 1)) != 0) {
            /* misaligned wide constants: keep an aligned copy */
            void *copy = tml_persistent_alloc(m, (size_t)t->bytes, err);
            if (!copy) {
                return TML_ERR_NO_MEMORY;
            }
            memcpy(copy, bytes, (size_t)t->bytes);
            bytes = copy;
        }
        t->data = (void *)bytes;
    } else if (t->bytes == 0) {
        t->kind = TML_TENSOR_CONST; /* no elements (e.g. an empty axis list): nothing to store */
    } else {
        t->kind = TML_TENSOR_ARENA;
    }
    return TML_OK;
}

static tml_status_t load_structure(tml_model_t *m, tml_error_t *err, tml_fb_table_t *sg, tml_fb_vec_t *ops_v,
    tml_fb_vec_t *opcodes) {
    tml_fb_table_t root;
    const tml_fb_t *fb = &m->fb;
    if (fb->size < 8) {
        return invalid(err, "truncated: %u bytes is too short for a TFLite model", (unsigned)fb->size);
    }
    if (memcmp(fb->buf + 4, "TFL3", 4) != 0) {
        return tml_fail(err, TML_ERR_INVALID_MODEL,
            "not a TFLite model: the file identifier is not 'TFL3' (is this a .tflite flatbuffer?)");
    }
    if (!tml_fb_root(fb, &root)) {
        return invalid(err, "truncated or corrupt: the root table lies outside the %u-byte file", (unsigned)fb->size);
    }
    uint32_t version = tml_fb_u32(&root, MODEL_VERSION, 0);
    if (version != 3) {
        return tml_fail(err, TML_ERR_UNSUPPORTED, "schema version %u is not supported (expected 3)", (unsigned)version);
    }
    tml_fb_vec_t subgraphs, buffers;
    if (!tml_fb_vector(&root, MODEL_OPCODES, 4, opcodes) || !tml_fb_vector(&root, MODEL_SUBGRAPHS, 4, &subgraphs) ||
        !tml_fb_vector(&root, MODEL_BUFFERS, 4, &buffers)) {
        return invalid(err, "truncated or corrupt: model vectors lie outside the file");
    }
    if (subgraphs.len != 1) {
        return tml_fail(err, subgraphs.len ? TML_ERR_UNSUPPORTED : TML_ERR_INVALID_MODEL,
            "the model has %u subgraphs; exactly 1 is supported", (unsigned)subgraphs.len);
    }
    if (!tml_fb_vec_table(fb, &subgraphs, 0, sg)) {
        return invalid(err, "subgraph 0 is malformed");
    }
    tml_fb_vec_t tensors;
    if (!tml_fb_vector(sg, SG_TENSORS, 4, &tensors) || !tml_fb_vector(sg, SG_OPERATORS, 4, ops_v)) {
        return invalid(err, "subgraph 0 vectors lie outside the file");
    }
    if (tensors.len > MAX_TENSORS || ops_v->len > MAX_OPS) {
        return tml_fail(err, TML_ERR_UNSUPPORTED, "the model has %u tensors and %u operators; at most %d of each",
            (unsigned)tensors.len, (unsigned)ops_v->len, MAX_TENSORS);
    }
    m->tensors_pos = tensors.pos;
    m->n_tensors = (uint16_t)tensors.len;
    m->n_ops = (uint16_t)ops_v->len;
    m->buffers_pos = buffers.pos;
    m->n_buffers = buffers.len;
    m->opcodes_pos = opcodes->pos;
    return TML_OK;
}

/* Resolve operator codes; list every unsupported op in one message. */
static tml_status_t resolve_ops(tml_model_t *m, const tml_fb_vec_t *ops_v, const tml_fb_vec_t *opcodes, bool inspect,
    tml_error_t *err) {
    size_t at = 0;
    int n_bad = 0;
    char *msg = err->msg;
    for (uint16_t i = 0; i < m->n_ops; i++) {
        tml_op_t *op = &m->ops[i];
        tml_fb_table_t ot, ct;
        op->index = i;
        if (!tml_fb_vec_table(&m->fb, ops_v, i, &ot)) {
            return invalid(err, "operator %d is malformed", i);
        }
        uint32_t oc = tml_fb_u32(&ot, OP_OPCODE, 0);
        if (oc >= opcodes->len) {
            return invalid(err, "operator %d uses opcode %u, but the model has %u", i, (unsigned)oc,
                (unsigned)opcodes->len);
        }
        if (!tml_fb_vec_table(&m->fb, opcodes, oc, &ct)) {
            return invalid(err, "operator code %u is malformed", (unsigned)oc);
        }
        int32_t code = tml_fb_i32(&ct, OPCODE_BUILTIN, 0);
        int32_t dep = (int8_t)tml_fb_u8(&ct, OPCODE_DEPRECATED, 0);
        if (dep > code) {
            code = dep;
        }
        op->builtin = code;
        op->options_type = tml_fb_u8(&ot, OP_OPTIONS_TYPE, 0);
        if (!tml_fb_table(&ot, OP_OPTIONS, &op->options)) {
            return invalid(err, "operator %d options are malformed", i);
        }
        op->options.fb = &m->fb;
        op->impl = find_impl(code);
        if (op->impl) {
            continue;
        }
        /* unsupported: add its name once */
        char name[48];
        if (code == TML_OP_CUSTOM) {
            const char *s;
            uint32_t len;
            if (!tml_fb_string(&ct, OPCODE_CUSTOM, &s, &len)) {
                return invalid(err, "operator code %u name is malformed", (unsigned)oc);
            }
            tml_fmt(name, sizeof(name), 0, "CUSTOM '%.*s'", (int)(len > 30 ? 30 : len), s);
        } else if (code < 0 || strcmp(tml_builtin_name(code), "UNKNOWN") == 0) {
            tml_fmt(name, sizeof(name), 0, "builtin %d", (int)code);
        } else {
            tml_fmt(name, sizeof(name), 0, "%s", tml_builtin_name(code));
        }
        bool seen = false;
        for (uint16_t k = 0; k < i && !seen; k++) {
            seen = !m->ops[k].impl && m->ops[k].builtin == code && code != TML_OP_CUSTOM;
        }
        if (seen) {
            continue;
        }
        if (n_bad == 0) {
            at = tml_fmt(msg, sizeof(err->msg), 0, "unsupported operators: %s (operator %d)", name, i);
        } else {
            at = tml_fmt(msg, sizeof(err->msg), at, ", %s (operator %d)", name, i);
        }
        n_bad++;
    }
    if (n_bad) {
        at = tml_fmt(msg, sizeof(err->msg), at, "; supported: see tinyml.supported_ops()");
        err->status = TML_ERR_UNSUPPORTED;
        if (!inspect) {
            return TML_ERR_UNSUPPORTED;
        }
        m->unsupported = tml_persistent_alloc(m, at + 1, err);
        if (!m->unsupported) {
            return TML_ERR_NO_MEMORY;
        }
        memcpy(m->unsupported, msg, at + 1);
        msg[0] = 0;
        err->status = TML_OK;
    }
    return TML_OK;
}

/* Operator i's table and its input/output index vectors, checked. */
static tml_status_t op_io_vectors(tml_model_t *m, const tml_fb_vec_t *ops_v, uint16_t i, tml_fb_table_t *ot,
    tml_fb_vec_t *in, tml_fb_vec_t *out, tml_error_t *err) {
    if (!tml_fb_vec_table(&m->fb, ops_v, i, ot) || !tml_fb_vector(ot, OP_INPUTS, 4, in) ||
        !tml_fb_vector(ot, OP_OUTPUTS, 4, out)) {
        return invalid(err, "operator %d is malformed", i);
    }
    if (in->len > MAX_OP_IO || out->len > MAX_OP_IO) {
        return invalid(err, "operator %d has %u inputs and %u outputs", i, (unsigned)in->len, (unsigned)out->len);
    }
    return TML_OK;
}

static tml_status_t load_op_io(tml_model_t *m, const tml_fb_vec_t *ops_v, tml_error_t *err) {
    tml_fb_table_t ot;
    tml_fb_vec_t in, out;
    tml_status_t s;
    /* one block for every operator's tensor indices */
    size_t total = 1;
    for (uint16_t i = 0; i < m->n_ops; i++) {
        if ((s = op_io_vectors(m, ops_v, i, &ot, &in, &out, err)) != TML_OK) {
            return s;
        }
        total += in.len + out.len;
    }
    int16_t *pool = tml_persistent_alloc(m, sizeof(int16_t) * total, err);
    if (!pool) {
        return TML_ERR_NO_MEMORY;
    }
    for (uint16_t i = 0; i < m->n_ops; i++) {
        tml_op_t *op = &m->ops[i];
        if ((s = op_io_vectors(m, ops_v, i, &ot, &in, &out, err)) != TML_OK) {
            return s;
        }
        op->n_inputs = (uint8_t)in.len;
        op->n_outputs = (uint8_t)out.len;
        op->inputs = pool;
        pool += in.len + out.len;
        s = read_index_vector(m, &ot, OP_INPUTS, op->inputs, in.len, true, "operator", i, err);
        if (s == TML_OK) {
            s = read_index_vector(m, &ot, OP_OUTPUTS, OUTS(op), out.len, false, "operator", i, err);
        }
        if (s != TML_OK) {
            return s;
        }
    }
    return TML_OK;
}

/* Every tensor an operator reads is a constant, a variable, a model input or
 * written by an earlier operator; every tensor is written at most once. (So
 * the graph runs in order, and an op never reads its own output.) Uses
 * m->alias as scratch and leaves it all -1. */
static tml_status_t check_order(tml_model_t *m, tml_error_t *err) {
    int16_t *written = m->alias;
    for (int i = 0; i < m->n_tensors; i++) {
        written[i] = 0;
    }
    for (int i = 0; i < m->n_inputs; i++) {
        written[m->io[i]] = 1;
    }
    tml_status_t s = TML_OK;
    for (int k = 0; k < m->n_ops && s == TML_OK; k++) {
        const tml_op_t *op = &m->ops[k];
        for (int j = 0; j < op->n_inputs && s == TML_OK; j++) {
            int idx = op->inputs[j];
            const tml_tensor_t *t = idx >= 0 ? &m->tensors[idx] : NULL;
            if (t && t->kind == TML_TENSOR_ARENA && t->bytes > 0 && !written[idx]) {
                s = tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
                    "input %d (tensor %d) is read before any operator writes it", j, idx);
            }
        }
        for (int j = 0; j < op->n_outputs && s == TML_OK; j++) {
            int idx = OUTS(op)[j];
            const tml_tensor_t *t = &m->tensors[idx];
            if (t->kind == TML_TENSOR_CONST && t->bytes > 0) {
                s = tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "output %d (tensor %d) is a constant", j, idx);
            } else if (written[idx] && t->kind != TML_TENSOR_VARIABLE) {
                s = tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
                    "output %d (tensor %d) is already written by an earlier operator or is a model input", j, idx);
            }
            written[idx] = 1;
        }
    }
    for (int i = 0; i < m->n_tensors; i++) {
        written[i] = -1;
    }
    return s;
}

/* ---- memory planning ---------------------------------------------------- */

typedef struct {
    int64_t size, offset;
    int32_t first, last;
} plan_item_t;

typedef struct {
    int16_t first, last; /* op indices; last == n_ops: alive after the last op */
} lifetime_t;

/* Lifetimes of arena tensors; every tensor read is written first. */
static tml_status_t compute_lifetimes(tml_model_t *m, lifetime_t *life, tml_error_t *err) {
    const int16_t end = (int16_t)m->n_ops; /* "after the last op" */
    for (int i = 0; i < m->n_tensors; i++) {
        life[i].first = -1;
        life[i].last = -1;
    }
    for (int i = 0; i < m->n_inputs; i++) {
        life[m->io[i]].first = 0;
        life[m->io[i]].last = 0;
    }
    for (int16_t k = 0; k < (int16_t)m->n_ops; k++) {
        tml_op_t *op = &m->ops[k];
        for (int j = 0; j < op->n_inputs; j++) {
            if (op->inputs[j] < 0) {
                continue;
            }
            int idx = op->inputs[j];
            while (m->tensors[idx].kind == TML_TENSOR_ALIAS) {
                idx = m->alias[idx];
            }
            tml_tensor_t *t = &m->tensors[idx];
            lifetime_t *L = &life[idx];
            if (t->kind == TML_TENSOR_ARENA && t->bytes > 0 && L->first < 0) {
                return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
                    "input %d (tensor %d) is read before any operator writes it", j, (int)op->inputs[j]);
            }
            if (L->last < k) {
                L->last = k;
            }
        }
        for (int j = 0; j < op->n_outputs; j++) {
            int idx = OUTS(op)[j];
            tml_tensor_t *o = &m->tensors[idx];
            if (o->kind == TML_TENSOR_CONST && o->bytes > 0) {
                return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "output %d (tensor %d) is a constant", j, idx);
            }
            while (m->tensors[idx].kind == TML_TENSOR_ALIAS) {
                idx = m->alias[idx];
            }
            lifetime_t *L = &life[idx];
            if (L->first < 0) {
                L->first = k;
            }
            if (L->last < k) {
                L->last = k;
            }
        }
    }
    for (int i = 0; i < m->n_outputs; i++) {
        int idx = m->io[m->n_inputs + i];
        while (m->tensors[idx].kind == TML_TENSOR_ALIAS) {
            idx = m->alias[idx];
        }
        if (m->tensors[idx].kind == TML_TENSOR_ARENA && m->tensors[idx].bytes > 0 && life[idx].first < 0) {
            return invalid(err, "output %d (tensor %d) is never written", i, idx);
        }
        life[idx].last = end;
    }
    for (int i = 0; i < m->n_tensors; i++) {
        if (m->tensors[i].kind == TML_TENSOR_VARIABLE) {
            life[i].first = 0;
            life[i].last = end;
        }
    }
    return TML_OK;
}

/* Greedy by size (as TFLM's GreedyMemoryPlanner): each buffer, largest first,
 * goes at the lowest offset that no time-overlapping placed buffer covers. */
static int64_t plan_greedy(plan_item_t *items, int n, int *order) {
    for (int i = 0; i < n; i++) {
        order[i] = i;
    }
    for (int i = 1; i < n; i++) { /* insertion sort: size desc, index asc */
        int v = order[i], j = i;
        while (j > 0 && items[order[j - 1]].size < items[v].size) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    int64_t total = 0;
    for (int a = 0; a < n; a++) {
        plan_item_t *it = &items[order[a]];
        int64_t offset = 0;
        bool moved = true;
        while (moved) { /* bump past any overlapping placed buffer until a gap fits */
            moved = false;
            for (int b = 0; b < a; b++) {
                const plan_item_t *p = &items[order[b]];
                if (p->first > it->last || p->last < it->first) {
                    continue;
                }
                if (offset < p->offset + p->size && p->offset < offset + it->size) {
                    offset = (p->offset + p->size + TML_ARENA_ALIGN - 1) & ~(int64_t)(TML_ARENA_ALIGN - 1);
                    moved = true;
                }
            }
        }
        it->offset = offset;
        if (offset + it->size > total) {
            total = offset + it->size;
        }
    }
    return (total + TML_ARENA_ALIGN - 1) & ~(int64_t)(TML_ARENA_ALIGN - 1);
}

static bool planned(const tml_tensor_t *t, const lifetime_t *L) {
    return (t->kind == TML_TENSOR_ARENA || t->kind == TML_TENSOR_VARIABLE) && L->first >= 0 && t->bytes > 0;
}

static int64_t align_up(int64_t n) {
    return (n + TML_ARENA_ALIGN - 1) & ~(int64_t)(TML_ARENA_ALIGN - 1);
}

static tml_status_t plan(tml_model_t *m, tml_error_t *err) {
    /* temporary: lifetimes, then plan items and their order (freed at the end) */
    size_t life_bytes = sizeof(lifetime_t) * (m->n_tensors + 1u);
    lifetime_t *life = raw_alloc(m, life_bytes, err);
    if (!life) {
        return TML_ERR_NO_MEMORY;
    }
    tml_status_t s = compute_lifetimes(m, life, err);
    int n = 0;
    for (int i = 0; s == TML_OK && i < m->n_tensors; i++) {
        n += planned(&m->tensors[i], &life[i]);
    }
    for (int k = 0; k < m->n_ops; k++) {
        n += m->ops[k].scratch_size > 0;
    }
    size_t bytes = (sizeof(plan_item_t) + sizeof(int)) * (size_t)(n + 1);
    plan_item_t *items = s == TML_OK ? raw_alloc(m, bytes, err) : NULL;
    if (!items) {
        m->allocator.free(m->allocator.ctx, life, life_bytes);
        return s == TML_OK ? TML_ERR_NO_MEMORY : s;
    }
    int *order = (int *)(items + n + 1);
    int j = 0;
    for (int i = 0; i < m->n_tensors; i++) {
        if (planned(&m->tensors[i], &life[i])) {
            items[j++] = (plan_item_t) { .size = align_up(m->tensors[i].bytes), .first = life[i].first, .last = life[i].last };
        }
    }
    for (int k = 0; k < m->n_ops; k++) {
        if (m->ops[k].scratch_size > 0) {
            items[j++] = (plan_item_t) { .size = align_up(m->ops[k].scratch_size), .first = k, .last = k };
        }
    }
    const int64_t total = plan_greedy(items, n, order);
    if (total > 0x7fffffff) {
        m->allocator.free(m->allocator.ctx, items, bytes);
        m->allocator.free(m->allocator.ctx, life, life_bytes);
        return tml_fail(err, TML_ERR_UNSUPPORTED, "the model needs an arena of %lld bytes, more than 2 GB",
            (long long)total);
    }
    m->arena_size = (size_t)total;
    j = 0;
    for (int i = 0; i < m->n_tensors; i++) {
        tml_tensor_t *t = &m->tensors[i];
        m->offsets[i] = planned(t, &life[i]) ? (int32_t)items[j++].offset : -1;
        if (t->kind == TML_TENSOR_CONST && life[i].last >= 0) {
            m->weights_size += (size_t)t->bytes;
        }
    }
    for (int i = 0; i < m->n_tensors; i++) {
        if (m->tensors[i].kind == TML_TENSOR_ALIAS) {
            m->offsets[i] = m->offsets[m->alias[i]];
        }
    }
    for (int k = 0; k < m->n_ops; k++) {
        if (m->ops[k].scratch_size > 0) {
            m->ops[k].scratch_offset = (int32_t)items[j++].offset;
        }
    }
    m->allocator.free(m->allocator.ctx, items, bytes);
    m->allocator.free(m->allocator.ctx, life, life_bytes);
    return TML_OK;
}

/* ---- public API --------------------------------------------------------- */

static tml_status_t load(tml_model_t *m, bool inspect, tml_error_t *err) {
    tml_fb_table_t sg;
    tml_fb_vec_t ops_v, opcodes, in_v, out_v;
    tml_status_t s = load_structure(m, err, &sg, &ops_v, &opcodes);
    if (s != TML_OK) {
        return s;
    }
    if (!tml_fb_vector(&sg, SG_INPUTS, 4, &in_v) || !tml_fb_vector(&sg, SG_OUTPUTS, 4, &out_v) ||
        in_v.len > MAX_OP_IO || out_v.len > MAX_OP_IO) {
        return invalid(err, "subgraph inputs/outputs are malformed");
    }
    m->n_inputs = (uint16_t)in_v.len;
    m->n_outputs = (uint16_t)out_v.len;
    m->ops = tml_persistent_alloc(m, sizeof(tml_op_t) * (m->n_ops + 1u), err);
    if (!m->ops) {
        return TML_ERR_NO_MEMORY;
    }
    s = resolve_ops(m, &ops_v, &opcodes, inspect, err);
    if (s != TML_OK) {
        return s;
    }
    m->tensors = tml_persistent_alloc(m, sizeof(tml_tensor_t) * (m->n_tensors + 1u), err);
    m->io = tml_persistent_alloc(m, sizeof(int32_t) * (m->n_inputs + m->n_outputs + 1u), err);
    if (!m->tensors || !m->io) {
        return TML_ERR_NO_MEMORY;
    }
    int16_t io16[2 * MAX_OP_IO];
    s = read_index_vector(m, &sg, SG_INPUTS, io16, m->n_inputs, false, "subgraph input", 0, err);
    if (s == TML_OK) {
        s = read_index_vector(m, &sg, SG_OUTPUTS, io16 + m->n_inputs, m->n_outputs, false, "subgraph output", 0, err);
    }
    if (s != TML_OK) {
        return s;
    }
    for (int i = 0; i < m->n_inputs + m->n_outputs; i++) {
        m->io[i] = io16[i];
    }
    for (int i = 0; i < m->n_tensors; i++) {
        s = load_tensor(m, i, err);
        if (s != TML_OK) {
            return s;
        }
    }
    for (int i = 0; i < m->n_inputs; i++) {
        if (m->tensors[m->io[i]].kind != TML_TENSOR_ARENA) {
            return invalid(err, "model input %d (tensor %d) is a constant or variable", i, (int)m->io[i]);
        }
    }
    s = load_op_io(m, &ops_v, err);
    if (s != TML_OK) {
        return s;
    }
    m->offsets = tml_persistent_alloc(m, sizeof(int32_t) * (m->n_tensors + 1u), err);
    m->alias = raw_alloc(m, sizeof(int16_t) * m->n_tensors + 1, err);
    if (!m->offsets || !m->alias) {
        return TML_ERR_NO_MEMORY;
    }
    s = check_order(m, err);
    if (s != TML_OK) {
        return s;
    }
    for (int i = 0; i < m->n_ops; i++) {
        tml_op_t *op = &m->ops[i];
        if (!op->impl) {
            continue; /* inspect mode: unsupported op */
        }
        s = op->impl->prepare(m, op, err);
        if (s != TML_OK) {
            if (err->msg[0] == 0) {
                tml_op_fail(err, s, op, "prepare failed");
            }
            return s;
        }
    }
    return plan(m, err);
}

tml_status_t tml_model_load(tml_model_t *m, const uint8_t *data, size_t size, const tml_allocator_t *allocator,
    tml_error_t *err) {
    return tml_model_load_ex(m, data, size, allocator, 0, err);
}

tml_status_t tml_model_load_ex(tml_model_t *m, const uint8_t *data, size_t size, const tml_allocator_t *allocator,
    unsigned flags, tml_error_t *err) {
    memset(m, 0, sizeof(*m));
    memset(err, 0, sizeof(*err));
    if (!allocator || !allocator->alloc || !allocator->free || (!data && size)) {
        return tml_fail(err, TML_ERR_ARGUMENT, "bad arguments to tml_model_load");
    }
    m->allocator = *allocator;
    if (size > 0x7fffffff) {
        return tml_fail(err, TML_ERR_UNSUPPORTED, "model of %lu bytes is too large", (unsigned long)size);
    }
    m->fb.buf = data;
    m->fb.size = (uint32_t)size;
    const bool inspect = (flags & TML_LOAD_INSPECT) != 0;
    tml_status_t s = load(m, inspect, err);
    if (s == TML_OK) {
        /* second pass, in one block of the measured size */
        size_t need = m->persistent_used;
        free_blocks(m);
        memset(m, 0, sizeof(*m));
        m->allocator = *allocator;
        m->fb.buf = data;
        m->fb.size = (uint32_t)size;
        m->persistent = raw_alloc(m, need ? need : 8, err);
        m->persistent_size = need ? need : 8;
        s = m->persistent ? load(m, inspect, err) : TML_ERR_NO_MEMORY;
    }
    free_blocks(m);
    if (s != TML_OK) {
        tml_model_free(m);
        err->status = s;
        return s;
    }
    m->state = m->unsupported ? 3 : 1;
    err->status = TML_OK;
    return TML_OK;
}

size_t tml_model_arena_size(const tml_model_t *m) {
    return m->state ? m->arena_size : 0;
}

size_t tml_model_persistent_size(const tml_model_t *m) {
    return m->state ? m->persistent_size : 0;
}

void tml_model_reset(tml_model_t *m) {
    if (m->state != 2) {
        return;
    }
    for (int i = 0; i < m->n_tensors; i++) {
        tml_tensor_t *t = &m->tensors[i];
        if (t->kind == TML_TENSOR_VARIABLE && t->data) {
            /* as TFLM's ResetVariableTensors: int8 state starts at its zero point */
            memset(t->data, t->type == TML_INT8 ? (int)(uint8_t)t->zero_point : 0, (size_t)t->bytes);
        }
    }
}

tml_status_t tml_model_set_arena(tml_model_t *m, void *arena, size_t size, tml_error_t *err) {
    memset(err, 0, sizeof(*err));
    if (m->state < 1) {
        return tml_fail(err, TML_ERR_STATE, "no model is loaded");
    }
    if (m->state == 3) {
        return tml_fail(err, TML_ERR_UNSUPPORTED, "%s", m->unsupported);
    }
    uintptr_t p = (uintptr_t)arena;
    size_t pad = (TML_ARENA_ALIGN - (p & (TML_ARENA_ALIGN - 1))) & (TML_ARENA_ALIGN - 1);
    if (!arena || size < pad || size - pad < m->arena_size) {
        err->bytes_needed = m->arena_size + pad;
        return tml_fail(err, TML_ERR_NO_MEMORY, "arena of %lu bytes is too small: the model needs %lu bytes",
            (unsigned long)size, (unsigned long)(m->arena_size + pad));
    }
    m->arena = (uint8_t *)arena + pad;
    for (int i = 0; i < m->n_tensors; i++) {
        tml_tensor_t *t = &m->tensors[i];
        if (t->kind == TML_TENSOR_ARENA || t->kind == TML_TENSOR_VARIABLE || t->kind == TML_TENSOR_ALIAS) {
            t->data = m->offsets[i] >= 0 ? m->arena + m->offsets[i] : NULL;
        }
    }
    for (int k = 0; k < m->n_ops; k++) {
        tml_op_t *op = &m->ops[k];
        op->scratch = op->scratch_size > 0 ? m->arena + op->scratch_offset : NULL;
    }
    m->state = 2;
    tml_model_reset(m);
    return TML_OK;
}

tml_status_t tml_model_invoke_hooked(tml_model_t *m, tml_op_hook_t hook, void *ctx, tml_error_t *err) {
    if (m->state != 2) {
        if (m->state == 3) {
            return tml_fail(err, TML_ERR_UNSUPPORTED, "%s", m->unsupported);
        }
        return tml_fail(err, TML_ERR_STATE, m->state ? "no arena is set" : "no model is loaded");
    }
    for (int k = 0; k < m->n_ops; k++) {
        tml_op_t *op = &m->ops[k];
        if (hook) {
            hook(ctx, k, 0);
        }
        tml_status_t s = op->impl->eval(m, op);
        if (hook) {
            hook(ctx, k, 1);
        }
        if (s != TML_OK) {
            return tml_op_fail(err, s, op, "kernel failed with status %d", (int)s);
        }
    }
    if (err) {
        err->status = TML_OK;
        err->msg[0] = 0;
    }
    return TML_OK;
}

tml_status_t tml_model_invoke(tml_model_t *m, tml_error_t *err) {
    return tml_model_invoke_hooked(m, NULL, NULL, err);
}

int tml_model_num_inputs(const tml_model_t *m) {
    return m->state ? m->n_inputs : 0;
}

int tml_model_num_outputs(const tml_model_t *m) {
    return m->state ? m->n_outputs : 0;
}

tml_tensor_t *tml_model_input(tml_model_t *m, int i) {
    return (m->state && i >= 0 && i < m->n_inputs) ? &m->tensors[m->io[i]] : NULL;
}

tml_tensor_t *tml_model_output(tml_model_t *m, int i) {
    return (m->state && i >= 0 && i < m->n_outputs) ? &m->tensors[m->io[m->n_inputs + i]] : NULL;
}

int tml_model_num_ops(const tml_model_t *m) {
    return m->state ? m->n_ops : 0;
}

const char *tml_model_op_name(const tml_model_t *m, int i) {
    return (m->state && i >= 0 && i < m->n_ops) ? tml_builtin_name(m->ops[i].builtin) : NULL;
}

uint64_t tml_model_op_macs(const tml_model_t *m, int i) {
    return (m->state && i >= 0 && i < m->n_ops) ? m->ops[i].macs : 0;
}

size_t tml_model_weights_size(const tml_model_t *m) {
    return m->state ? m->weights_size : 0;
}

const char *tml_model_unsupported(const tml_model_t *m) {
    return m->unsupported;
}

int tml_model_op_num_io(const tml_model_t *m, int i, int is_output) {
    if (!m->state || i < 0 || i >= m->n_ops) {
        return 0;
    }
    return is_output ? m->ops[i].n_outputs : m->ops[i].n_inputs;
}

int tml_model_op_io(const tml_model_t *m, int i, int is_output, int k) {
    if (k < 0 || k >= tml_model_op_num_io(m, i, is_output)) {
        return -1;
    }
    return is_output ? OUTS(&m->ops[i])[k] : m->ops[i].inputs[k];
}

int tml_model_num_tensors(const tml_model_t *m) {
    return m->state ? m->n_tensors : 0;
}

tml_tensor_t *tml_model_tensor(tml_model_t *m, int index) {
    return (m->state && index >= 0 && index < m->n_tensors) ? &m->tensors[index] : NULL;
}

void tml_model_tensor_name(const tml_model_t *m, int index, char *buf, size_t n) {
    tml_fb_table_t t;
    const char *s;
    uint32_t len;
    if (!n) {
        return;
    }
    buf[0] = 0;
    if (!m->state || index < 0 || index >= m->n_tensors || !tensor_table(m, index, &t) ||
        !tml_fb_string(&t, T_NAME, &s, &len)) {
        return;
    }
    if (len > n - 1) {
        len = (uint32_t)(n - 1);
    }
    memcpy(buf, s, len);
    buf[len] = 0;
}

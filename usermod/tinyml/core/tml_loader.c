/*
 * tinyml core: the model loader. Validates the whole flatbuffer structure
 * before anything is used, so that operators can trust tensor indices, shapes
 * and constant data; resolves each operator in the registry (tml_ops.c),
 * prepares it and has the arena planned (tml_planner.c). All metadata lives in
 * one block, measured by a first loading pass.
 */
#include <string.h>
#include "tml_fmt.h"
#include "tml_internal.h"
#include "tml_mem.h"
#include "tml_fmeta.h"
#include "tml_planner.h"
#include "tml_ops.h"

static const int32_t no_dims[1] = { 0 };

void tml_model_free(tml_model_t *m) {
    tml_mem_free_blocks(m);
    if (m->persistent) {
        tml_raw_free(m, m->persistent, m->persistent_size);
    }
    tml_allocator_t a = m->allocator;
    memset(m, 0, sizeof(*m));
    m->allocator = a;
}
/* ---- loading ------------------------------------------------------------ */

static tml_status_t read_index_vector(tml_model_t *m, const tml_fb_table_t *t, int field, int16_t *out,
    uint32_t n, bool allow_absent, const char *what, int owner, tml_error_t *err) {
    tml_fb_vec_t v;
    if (!tml_fb_vector(t, field, 4, &v) || v.len != n) {
        return tml_invalid(err, "%s %d: bad index vector", what, owner);
    }
    for (uint32_t i = 0; i < n; i++) {
        int32_t idx = tml_fb_vec_i32(&m->fb, &v, i);
        if (idx == -1 && allow_absent) {
            out[i] = -1;
        } else if (idx < 0 || idx >= m->n_tensors) {
            return tml_invalid(err, "%s %d refers to tensor %d, but the model has %d tensors", what, owner, (int)idx,
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
    if (!tml_tensor_table(m, index, &tt) || !tml_fb_vector(&tt, T_SHAPE, 4, &shape) ||
        !tml_fb_string(&tt, T_NAME, &name, &name_len) || !tml_fb_table(&tt, T_QUANT, &q)) {
        return tml_invalid(err, "tensor %d is malformed", index);
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
            int32_t *copy = tml_persistent_alloc_as(m, 4 * shape.len, TML_META_TENSORS, err);
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
            return tml_invalid(err, "tensor %d '%.*s' has negative dimension %d", index,
                (int)(name_len > 40 ? 40 : name_len), name, (int)d);
        }
        elements *= d;
        if (elements > 0x7fffffff) {
            return tml_invalid(err, "tensor %d '%.*s' shape is too large", index, (int)(name_len > 40 ? 40 : name_len),
                name);
        }
    }
    /* int4 tensors are packed two per byte (TFLM's INT4): ceil(elements / 2) bytes */
    const bool int4 = t->type == TML_INT4;
    size_t es = int4 ? 1 : tml_type_size(t->type);
    if (es == 0) {
        return tml_fail(err, TML_ERR_UNSUPPORTED, "tensor %d '%.*s' has type %s (%d), which is not supported", index,
            (int)(name_len > 40 ? 40 : name_len), name, tml_type_name(t->type), (int)t->type);
    }
    if (elements * (int64_t)es > 0x7fffffff) {
        return tml_invalid(err, "tensor %d '%.*s' shape is too large", index, (int)(name_len > 40 ? 40 : name_len), name);
    }
    t->bytes = (int32_t)(int4 ? (elements + 1) / 2 : elements * (int64_t)es);
    if (tml_fb_has(&tt, T_SPARSITY)) {
        return tml_fail(err, TML_ERR_UNSUPPORTED, "tensor %d '%.*s' is sparse; sparse tensors are not supported",
            index, (int)(name_len > 40 ? 40 : name_len), name);
    }
    /* quantization */
    tml_fb_vec_t sv, zv;
    if (!tml_fb_vector(&q, Q_SCALE, 4, &sv) || !tml_fb_vector(&q, Q_ZERO_POINT, 8, &zv)) {
        return tml_invalid(err, "tensor %d quantization is malformed", index);
    }
    if (sv.len) {
        t->scale = tml_fb_vec_f32(&m->fb, &sv, 0);
        /* quantized_dimension is not checked against the shape, as in TFLM: the
         * operators that use per-channel scales (conv, FC weights) check the
         * scale count against their channel count; others (e.g. a bias with its
         * filter's dimension 3, in TFLM's person_detect model) ignore it */
        t->per_channel = sv.len > 1;
        if (zv.len != 1 && zv.len != sv.len) { /* TFLM: one zero point per scale, or one for all */
            return tml_invalid(err, "tensor %d has %d scales but %d zero points", index, (int)sv.len, (int)zv.len);
        }
        for (uint32_t i = 0; i < sv.len; i++) {
            float s = tml_fb_vec_f32(&m->fb, &sv, i);
            if (!(s >= 0.0f && s < 3.0e38f)) {
                return tml_invalid(err, "tensor %d has invalid scale", index);
            }
        }
    }
    if (zv.len) {
        int64_t zp = tml_fb_vec_i64(&m->fb, &zv, 0);
        if (zp < -32768 || zp > 65535) {
            return tml_invalid(err, "tensor %d has zero point %ld out of range", index, (long)zp);
        }
        t->zero_point = (int32_t)zp;
    }
    /* data */
    uint32_t buffer = tml_fb_u32(&tt, T_BUFFER, 0);
    if (buffer >= m->n_buffers) {
        return tml_invalid(err, "tensor %d refers to buffer %u, but the model has %u buffers", index, (unsigned)buffer,
            (unsigned)m->n_buffers);
    }
    tml_fb_vec_t bv = { m->buffers_pos, m->n_buffers };
    tml_fb_table_t bt;
    tml_fb_vec_t data = { 0, 0 };
    if (!tml_fb_vec_table(&m->fb, &bv, buffer, &bt) || !tml_fb_vector(&bt, BUF_DATA, 1, &data)) {
        return tml_invalid(err, "buffer %u is malformed", (unsigned)buffer);
    }
    const uint8_t *bytes = data.len ? m->fb.buf + data.pos : NULL;
    uint64_t len = data.len;
    uint64_t off = tml_fb_u64(&bt, BUF_OFFSET, 0);
    if (!bytes && off > 1) {
        len = tml_fb_u64(&bt, BUF_SIZE, 0);
        if (off > m->fb.size || len > m->fb.size - off) {
            return tml_invalid(err, "buffer %u lies outside the file", (unsigned)buffer);
        }
        bytes = m->fb.buf + off;
    }
    if (tml_fb_u8(&tt, T_IS_VARIABLE, 0)) {
        t->kind = TML_TENSOR_VARIABLE;
    } else if (bytes && len) {
        if (len != (uint64_t)t->bytes) {
            return tml_invalid(err, "tensor %d '%.*s': buffer holds %lu bytes, its shape needs %ld", index,
                (int)(name_len > 40 ? 40 : name_len), name, (unsigned long)len, (long)t->bytes);
        }
        t->kind = TML_TENSOR_CONST;
        if (((uintptr_t)bytes & (es >= 4 ? 3 : es - 1)) != 0) {
            /* misaligned wide constants: keep an aligned copy */
            void *copy = tml_persistent_alloc_as(m, (size_t)t->bytes, TML_META_OTHER, err);
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
    if (int4 && t->kind != TML_TENSOR_CONST) {
        return tml_fail(err, TML_ERR_UNSUPPORTED,
            "tensor %d '%.*s' has type int4 but no constant data: int4 tensors are supported only as constant "
            "weights", index, (int)(name_len > 40 ? 40 : name_len), name);
    }
    return TML_OK;
}

static tml_status_t load_structure(tml_model_t *m, tml_error_t *err, tml_fb_table_t *sg, tml_fb_vec_t *ops_v,
    tml_fb_vec_t *opcodes) {
    tml_fb_table_t root;
    const tml_fb_t *fb = &m->fb;
    if (fb->size < 8) {
        return tml_invalid(err, "truncated: %u bytes is too short for a TFLite model", (unsigned)fb->size);
    }
    if (memcmp(fb->buf + 4, "TFL3", 4) != 0) {
        return tml_fail(err, TML_ERR_INVALID_MODEL,
            "not a TFLite model: the file identifier is not 'TFL3' (is this a .tflite flatbuffer?)");
    }
    if (!tml_fb_root(fb, &root)) {
        return tml_invalid(err, "truncated or corrupt: the root table lies outside the %u-byte file", (unsigned)fb->size);
    }
    uint32_t version = tml_fb_u32(&root, MODEL_VERSION, 0);
    if (version != 3) {
        return tml_fail(err, TML_ERR_UNSUPPORTED, "schema version %u is not supported (expected 3)", (unsigned)version);
    }
    tml_fb_vec_t subgraphs, buffers;
    if (!tml_fb_vector(&root, MODEL_OPCODES, 4, opcodes) || !tml_fb_vector(&root, MODEL_SUBGRAPHS, 4, &subgraphs) ||
        !tml_fb_vector(&root, MODEL_BUFFERS, 4, &buffers)) {
        return tml_invalid(err, "truncated or corrupt: model vectors lie outside the file");
    }
    if (subgraphs.len != 1) {
        return tml_fail(err, subgraphs.len ? TML_ERR_UNSUPPORTED : TML_ERR_INVALID_MODEL,
            "the model has %u subgraphs; exactly 1 is supported", (unsigned)subgraphs.len);
    }
    if (!tml_fb_vec_table(fb, &subgraphs, 0, sg)) {
        return tml_invalid(err, "subgraph 0 is malformed");
    }
    tml_fb_vec_t tensors;
    if (!tml_fb_vector(sg, SG_TENSORS, 4, &tensors) || !tml_fb_vector(sg, SG_OPERATORS, 4, ops_v)) {
        return tml_invalid(err, "subgraph 0 vectors lie outside the file");
    }
    if (tensors.len > TML_MAX_TENSORS || ops_v->len > TML_MAX_OPS) {
        return tml_fail(err, TML_ERR_UNSUPPORTED, "the model has %u tensors and %u operators; at most %d of each",
            (unsigned)tensors.len, (unsigned)ops_v->len, TML_MAX_TENSORS);
    }
    m->tensors_pos = tensors.pos;
    m->n_tensors = (uint16_t)tensors.len;
    m->n_ops = (uint16_t)ops_v->len;
    m->operators_pos = ops_v->pos;
    m->buffers_pos = buffers.pos;
    m->n_buffers = buffers.len;
    m->opcodes_pos = opcodes->pos;
    return TML_OK;
}

/* Each operator's code and options. */
static tml_status_t read_ops(tml_model_t *m, const tml_fb_vec_t *ops_v, const tml_fb_vec_t *opcodes, tml_error_t *err) {
    for (uint16_t i = 0; i < m->n_ops; i++) {
        tml_op_t *op = &m->ops[i];
        tml_fb_table_t ot, ct;
        op->index = i;
        if (!tml_fb_vec_table(&m->fb, ops_v, i, &ot)) {
            return tml_invalid(err, "operator %d is malformed", i);
        }
        uint32_t oc = tml_fb_u32(&ot, OP_OPCODE, 0);
        if (oc >= opcodes->len) {
            return tml_invalid(err, "operator %d uses opcode %u, but the model has %u", i, (unsigned)oc,
                (unsigned)opcodes->len);
        }
        if (!tml_fb_vec_table(&m->fb, opcodes, oc, &ct)) {
            return tml_invalid(err, "operator code %u is malformed", (unsigned)oc);
        }
        int32_t code = tml_fb_i32(&ct, OPCODE_BUILTIN, 0);
        int32_t dep = (int8_t)tml_fb_u8(&ct, OPCODE_DEPRECATED, 0);
        if (dep > code) {
            code = dep;
        }
        op->builtin = (int16_t)(code >= 0 && code <= 0x7fff ? code : -1);
        op->row = TML_NO_ROW;
        op->options_type = tml_fb_u8(&ot, OP_OPTIONS_TYPE, 0);
        tml_fb_table_t options;
        if (!tml_fb_table(&ot, OP_OPTIONS, &options)) {
            return tml_invalid(err, "operator %d options are malformed", i);
        }
        op->options_pos = options.pos;
        tml_fb_vec_t custom; /* read again by tml_op_custom_options */
        if (!tml_fb_vector(&ot, OP_CUSTOM_OPTIONS, 1, &custom)) {
            return tml_invalid(err, "operator %d custom options are malformed", i);
        }
    }
    return TML_OK;
}

/* Type of the operator's first present input (what the registry keys on). */
static int first_input_type(const tml_model_t *m, const tml_op_t *op) {
    for (int k = 0; k < op->n_inputs; k++) {
        if (op->inputs[k] >= 0) {
            return m->tensors[op->inputs[k]].type;
        }
    }
    return TML_ANY_TYPE;
}

/* "CONV_2D for int64 input (runs int8, int16)": what an unsupported op is. */
static void describe_unsupported(char *name, size_t n, int32_t code, const char *custom, uint32_t custom_len,
    bool known, int type) {
    size_t at;
    if (code == TML_OP_CUSTOM) {
        at = tml_fmt(name, n, 0, "CUSTOM '%.*s'", (int)(custom_len > 40 ? 40 : custom_len), custom);
        if (custom_len == 7 && memcmp(custom, "ethos-u", 7) == 0) {
            tml_fmt(name, n, at, " (compiled by Vela for an Arm Ethos-U NPU: use the model as it was before Vela)");
        }
    } else if (code < 0 || strcmp(tml_builtin_name(code), "UNKNOWN") == 0) {
        at = tml_fmt(name, n, 0, "builtin %d", (int)code);
    } else {
        at = tml_fmt(name, n, 0, "%s", tml_builtin_name(code));
    }
    if (known) {
        uint8_t types[16];
        const int nt = tml_op_types(code, custom, custom_len, types, 16);
        at = tml_fmt(name, n, at, " for %s input (runs", tml_type_name(type));
        for (int k = 0; k < nt; k++) {
            at = tml_fmt(name, n, at, "%s %s", k ? "," : "", tml_type_name(types[k]));
        }
        tml_fmt(name, n, at, ")");
    }
}

/* Find each operator's implementation for its input type; list every
 * unsupported operator in one message. */
static tml_status_t resolve_ops(tml_model_t *m, const tml_fb_vec_t *ops_v, const tml_fb_vec_t *opcodes, bool inspect,
    tml_error_t *err) {
    size_t at = 0;
    int n_bad = 0;
    char *msg = err->msg;
    for (uint16_t i = 0; i < m->n_ops; i++) {
        tml_op_t *op = &m->ops[i];
        tml_fb_table_t ot, ct;
        const char *custom = NULL;
        uint32_t custom_len = 0;
        /* read_ops checked these */
        if (!tml_fb_vec_table(&m->fb, ops_v, i, &ot) ||
            !tml_fb_vec_table(&m->fb, opcodes, tml_fb_u32(&ot, OP_OPCODE, 0), &ct)) {
            return tml_invalid(err, "operator %d is malformed", i);
        }
        int32_t code = tml_fb_i32(&ct, OPCODE_BUILTIN, 0);
        const int32_t dep = (int8_t)tml_fb_u8(&ct, OPCODE_DEPRECATED, 0);
        code = dep > code ? dep : code;
        if (code == TML_OP_CUSTOM && !tml_fb_string(&ct, OPCODE_CUSTOM, &custom, &custom_len)) {
            return tml_invalid(err, "operator %d: its custom operator name is malformed", i);
        }
        const int type = first_input_type(m, op);
        bool known;
        const int row = tml_op_find(code, custom, custom_len, type, &known);
        if (row != TML_NO_ROW) {
            op->row = (uint16_t)row;
            op->eval = tml_op_row(row)->eval;
            continue;
        }
        /* unsupported: list each (operator, type) once */
        bool seen = false;
        for (uint16_t k = 0; k < i && !seen; k++) {
            const tml_op_t *o = &m->ops[k];
            seen = o->row == TML_NO_ROW && o->builtin == op->builtin && code != TML_OP_CUSTOM && code >= 0 &&
                first_input_type(m, o) == type;
        }
        if (seen) {
            continue;
        }
        char name[128];
        describe_unsupported(name, sizeof(name), code, custom, custom_len, known, type);
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
        m->unsupported = tml_persistent_alloc_as(m, at + 1, TML_META_OTHER, err);
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
        return tml_invalid(err, "operator %d is malformed", i);
    }
    if (in->len > TML_MAX_OP_IO || out->len > TML_MAX_OP_IO) {
        return tml_invalid(err, "operator %d has %u inputs and %u outputs", i, (unsigned)in->len, (unsigned)out->len);
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
    int16_t *pool = tml_persistent_alloc_as(m, sizeof(int16_t) * total, TML_META_OPS, err);
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

/* ---- PAD folded into the convolution it feeds ------------------------------ */

/* The one reader of tensor t (operator index), -1 if none or several, or if t is a model output. */
static int only_reader(const tml_model_t *m, int t) {
    for (int i = 0; i < m->n_outputs; i++) {
        if (m->io[m->n_inputs + i] == t) {
            return -1;
        }
    }
    int reader = -1;
    for (int k = 0; k < m->n_ops; k++) {
        const tml_op_t *op = &m->ops[k];
        for (int j = 0; j < op->n_inputs; j++) {
            if (op->inputs[j] == t) {
                if (reader >= 0 && reader != k) {
                    return -1;
                }
                reader = k;
            }
        }
    }
    return reader;
}

/* A PAD (or PADV2 padding with the zero point) of the rows and columns of an int8 or int16 4-D
 * tensor, read only by an int8 or int16 CONV_2D / DEPTHWISE_CONV_2D with VALID padding as its
 * input, becomes that convolution's padding: the kernels pad with the input's zero point, which is
 * what the PAD wrote (same type, scale and zero point on both sides of the PAD), so every output
 * byte is the same. The convolution then reads the PAD's input; the PAD does nothing and its output
 * takes no arena. Not into a convolution with packed int4 weights (its kernels are not checked with
 * the larger or uneven padding a fold gives). Anything else (or a malformed PAD: its prepare says why) stays as it is. */
static tml_status_t fold_pads(tml_model_t *m, tml_error_t *err) {
    (void)err;
    for (int k = 0; k < m->n_ops; k++) {
        tml_op_t *pad = &m->ops[k];
        if ((pad->builtin != TML_OP_PAD && pad->builtin != TML_OP_PADV2) || pad->row == TML_NO_ROW ||
            pad->n_inputs < 2 || pad->n_inputs > 3 || pad->n_outputs != 1 || pad->inputs[0] < 0 ||
            pad->inputs[1] < 0) {
            continue;
        }
        const tml_tensor_t *in = &m->tensors[pad->inputs[0]], *pads = &m->tensors[pad->inputs[1]];
        const int out_idx = OUTS(pad)[0];
        tml_tensor_t *out = &m->tensors[out_idx];
        if ((in->type != TML_INT8 && in->type != TML_INT16) || out->type != in->type || in->ndims != 4 ||
            out->ndims != 4 || out->kind != TML_TENSOR_ARENA || in->scale != out->scale ||
            in->zero_point != out->zero_point || in->per_channel || out->per_channel ||
            pads->kind != TML_TENSOR_CONST || pads->type != TML_INT32 || !pads->data ||
            tml_tensor_elements(pads) != 8) {
            continue;
        }
        if (pad->n_inputs == 3 && pad->inputs[2] >= 0) {
            const tml_tensor_t *cv = &m->tensors[pad->inputs[2]];
            if (cv->kind != TML_TENSOR_CONST || cv->type != in->type || !cv->data || tml_tensor_elements(cv) != 1 ||
                (in->type == TML_INT8 ? *(const int8_t *)cv->data : *(const int16_t *)cv->data) != out->zero_point) {
                continue;
            }
        }
        const int32_t *p = pads->data;
        bool ok = p[0] == 0 && p[1] == 0 && p[6] == 0 && p[7] == 0;
        for (int i = 2; ok && i < 6; i++) {
            ok = p[i] >= 0 && p[i] <= 0x7fff;
        }
        if (!ok || out->dims[0] != in->dims[0] || out->dims[1] != in->dims[1] + p[2] + p[3] ||
            out->dims[2] != in->dims[2] + p[4] + p[5] || out->dims[3] != in->dims[3]) {
            continue;
        }
        const int r = only_reader(m, out_idx);
        if (r < 0) {
            continue;
        }
        tml_op_t *conv = &m->ops[r];
        const tml_op_impl_t *row = tml_op_row(conv->row);
        if (!row || (conv->builtin != TML_OP_CONV_2D && conv->builtin != TML_OP_DEPTHWISE_CONV_2D) ||
            (row->type != TML_INT8 && row->type != TML_INT16) || conv->n_inputs < 2 || conv->inputs[0] != out_idx ||
            conv->inputs[1] < 0 || m->tensors[conv->inputs[1]].type == TML_INT4 ||
            tml_fb_u8(TML_OPTIONS(m, conv), 0, TML_PAD_SAME) != TML_PAD_VALID) {
            continue;
        }
        for (int j = 1; j < conv->n_inputs; j++) {
            ok = ok && conv->inputs[j] != out_idx;
        }
        if (!ok) {
            continue;
        }
        if (!m->folded) {
            m->folded = tml_raw_alloc(m, sizeof(int32_t) * 4 * m->n_ops + 1, err);
            if (!m->folded) {
                return TML_ERR_NO_MEMORY;
            }
            memset(m->folded, 0, sizeof(int32_t) * 4 * m->n_ops);
        }
        int32_t *f = &m->folded[4 * r];
        f[0] = p[2];
        f[1] = p[3];
        f[2] = p[4];
        f[3] = p[5];
        conv->inputs[0] = pad->inputs[0];
        pad->eval = tml_alias_eval; /* nothing to do */
        pad->row = TML_FOLDED_ROW;  /* not prepared (see load) */
        out->kind = TML_TENSOR_NONE;
    }
    return TML_OK;
}

/* int4 (packed) tensors are read only by the kernels made for them: the
 * weights (input 1) of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED, as in
 * TFLM. Any other reader is refused here, before its prepare sees them. */
static tml_status_t check_int4_readers(tml_model_t *m, const tml_op_t *op, tml_error_t *err) {
    const bool weights_op = op->builtin == TML_OP_CONV_2D || op->builtin == TML_OP_DEPTHWISE_CONV_2D ||
        op->builtin == TML_OP_FULLY_CONNECTED;
    for (int j = 0; j < op->n_inputs; j++) {
        const tml_tensor_t *t = tml_op_input(m, op, j);
        if (t && t->type == TML_INT4 && !(weights_op && j == 1)) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
                "input %d has type int4; int4 is supported only for the weights (input 1) of CONV_2D, "
                "DEPTHWISE_CONV_2D and FULLY_CONNECTED", j);
        }
    }
    return TML_OK;
}

static tml_status_t load(tml_model_t *m, bool inspect, tml_plan_hint_t *hint, tml_error_t *err) {
    tml_fb_table_t sg;
    tml_fb_vec_t ops_v, opcodes, in_v, out_v;
    tml_status_t s = load_structure(m, err, &sg, &ops_v, &opcodes);
    if (s != TML_OK) {
        return s;
    }
    if (!tml_fb_vector(&sg, SG_INPUTS, 4, &in_v) || !tml_fb_vector(&sg, SG_OUTPUTS, 4, &out_v) ||
        in_v.len > TML_MAX_OP_IO || out_v.len > TML_MAX_OP_IO) {
        return tml_invalid(err, "subgraph inputs/outputs are malformed");
    }
    m->n_inputs = (uint16_t)in_v.len;
    m->n_outputs = (uint16_t)out_v.len;
    m->ops = tml_persistent_alloc_as(m, sizeof(tml_op_t) * (m->n_ops ? m->n_ops : 1u), TML_META_OPS, err);
    if (!m->ops) {
        return TML_ERR_NO_MEMORY;
    }
    s = read_ops(m, &ops_v, &opcodes, err);
    if (s != TML_OK) {
        return s;
    }
    m->tensors = tml_persistent_alloc_as(m, sizeof(tml_tensor_t) * (m->n_tensors ? m->n_tensors : 1u), TML_META_TENSORS,
        err);
    m->io = tml_persistent_alloc_as(m, sizeof(int16_t) * (m->n_inputs + m->n_outputs + 1u), TML_META_TENSORS, err);
    if (!m->tensors || !m->io) {
        return TML_ERR_NO_MEMORY;
    }
    int16_t io16[2 * TML_MAX_OP_IO];
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
            return tml_invalid(err, "model input %d (tensor %d) is a constant or variable", i, (int)m->io[i]);
        }
    }
    s = load_op_io(m, &ops_v, err);
    if (s == TML_OK) {
        s = resolve_ops(m, &ops_v, &opcodes, inspect, err);
    }
    if (s != TML_OK) {
        return s;
    }
    m->alias = tml_raw_alloc(m, sizeof(int16_t) * m->n_tensors + 1, err);
    if (!m->alias) {
        return TML_ERR_NO_MEMORY;
    }
    s = check_order(m, err);
    if (s == TML_OK) {
        s = fold_pads(m, err);
    }
    if (s != TML_OK) {
        return s;
    }
    for (int i = 0; i < m->n_ops; i++) {
        tml_op_t *op = &m->ops[i];
        if (op->row == TML_NO_ROW || op->row == TML_FOLDED_ROW) {
            continue; /* inspect mode: unsupported op; a PAD folded into its reader */
        }
        s = check_int4_readers(m, op, err);
        if (s == TML_OK) {
            s = tml_op_row(op->row)->prepare(m, op, err);
        }
        if (s != TML_OK) {
            if (err->msg[0] == 0) {
                tml_op_fail(err, s, op, "prepare failed");
            }
            return s;
        }
    }
    return tml_plan(m, hint, err);
}

tml_status_t tml_model_load(tml_model_t *m, const uint8_t *data, size_t size, const tml_allocator_t *allocator,
    tml_error_t *err) {
    return tml_model_load_ex(m, data, size, allocator, 0, err);
}

tml_status_t tml_model_load_ex(tml_model_t *m, const uint8_t *data, size_t size, const tml_allocator_t *allocator,
    unsigned flags, tml_error_t *err) {
    return tml_model_load_meta(m, data, size, allocator, flags, NULL, 0, err);
}

/* A model struct ready for a loading pass (the blob's verdict carried over). */
static void start_pass(tml_model_t *m, const uint8_t *data, size_t size, const tml_allocator_t *allocator,
    unsigned flags, const uint8_t *fmeta, uint8_t fmeta_status) {
    memset(m, 0, sizeof(*m));
    m->allocator = *allocator;
    m->fb.buf = data;
    m->fb.size = (uint32_t)size;
    m->load_flags = (uint16_t)flags;
    m->fmeta.blob = fmeta;
    m->fmeta_status = fmeta_status;
}

tml_status_t tml_model_load_meta(tml_model_t *m, const uint8_t *data, size_t size, const tml_allocator_t *allocator,
    unsigned flags, const uint8_t *meta, size_t meta_size, tml_error_t *err) {
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
    m->load_flags = (uint16_t)flags;
    tml_fmeta_attach(m, meta, meta_size, meta ? tml_fnv1a(data, size, 2166136261u) : 0);
    /* (recording: NULL, the list each pass starts empty) */
    const uint8_t *fmeta = m->fmeta.blob, fmeta_status = m->fmeta_status;
    const bool inspect = (flags & TML_LOAD_INSPECT) != 0;
    tml_plan_hint_t hint = {NULL, 0};
    tml_status_t s = load(m, inspect, &hint, err);
    if (s == TML_OK) {
        /* second pass, in one block of the measured size, with the first pass's plan */
        size_t need = m->persistent_used;
        tml_mem_free_blocks(m);
        if (hint.data) {
            /* the hint was allocated after every block of the first pass: moved to the (first-fit) front of
             * the space they left, it does not split that space, which the second pass's block needs whole */
            uint8_t *moved = allocator->alloc(allocator->ctx, hint.size);
            if (moved) {
                memcpy(moved, hint.data, hint.size);
                allocator->free(allocator->ctx, hint.data, hint.size);
                hint.data = moved;
            }
        }
        start_pass(m, data, size, allocator, flags, fmeta, fmeta_status);
        m->persistent = tml_raw_alloc(m, need ? need : 8, err);
        m->persistent_size = need ? need : 8;
        s = m->persistent ? load(m, inspect, &hint, err) : TML_ERR_NO_MEMORY;
    }
    tml_mem_free_blocks(m);
    if (hint.data) {
        allocator->free(allocator->ctx, hint.data, hint.size);
    }
    if (s != TML_OK) {
        tml_model_free(m);
        err->status = s;
        return s;
    }
    /* the block's bytes no allocation asked for (a model with no metadata still gets 8) */
    m->meta[TML_META_OTHER] += (uint32_t)(m->persistent_size - m->persistent_used);
    m->state = m->unsupported ? 3 : 1;
    err->status = TML_OK;
    return TML_OK;
}

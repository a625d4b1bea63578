/* tinyml core: the interpreter (bind the arena, invoke, reset) and the
 * read-only model accessors of the public API. */
#include <string.h>
#include "tml_exec.h"
#include "tml_internal.h"
#include "../kernels/tml_kernels.h"

size_t tml_model_arena_size(const tml_model_t *m) {
    return m->state ? m->arena_size : 0;
}

size_t tml_model_persistent_size(const tml_model_t *m) {
    return m->state ? m->persistent_size : 0;
}

size_t tml_model_meta_bytes(const tml_model_t *m, int category) {
    return m->state && category >= 0 && category < TML_META_COUNT ? m->meta[category] : 0;
}

const char *tml_meta_name(int category) {
    static const char *const names[TML_META_COUNT] = {
        "tensors", "ops", "op_data", "quant", "kernel_sums", "plan", "other",
    };
    return category >= 0 && category < TML_META_COUNT ? names[category] : NULL;
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
    /* and the state stateful operators keep in persistent memory (the signal library's) */
    for (int k = 0; k < m->n_ops; k++) {
        const tml_op_impl_t *row = tml_op_row(m->ops[k].row);
        if (row && row->reset && m->ops[k].data) {
            row->reset(&m->ops[k]);
        }
    }
}

/* The arena offset a tensor's data or an op's scratch pointer stands for: before the first binding
 * the planner's offset + 1, then an address in the arena `old`. */
static size_t arena_offset(const tml_model_t *m, const uint8_t *old, const void *p) {
    return m->state == 2 ? (size_t)((const uint8_t *)p - old) : (size_t)((uintptr_t)p - 1u);
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
    uint8_t *old = m->arena;
    m->arena = (uint8_t *)arena + pad;
    for (int i = 0; i < m->n_tensors; i++) {
        tml_tensor_t *t = &m->tensors[i];
        if (t->kind == TML_TENSOR_ARENA || t->kind == TML_TENSOR_VARIABLE || t->kind == TML_TENSOR_ALIAS) {
            t->data = t->data ? m->arena + arena_offset(m, old, t->data) : NULL;
        }
    }
    for (int k = 0; k < m->n_ops; k++) {
        tml_op_t *op = &m->ops[k];
        op->scratch = op->scratch ? m->arena + arena_offset(m, old, op->scratch) : NULL;
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
        tml_status_t s;
        if (op->eval == tml_exec_skip_eval) {
            continue; /* run by its stage */
        }
        if (op->eval == tml_exec_stage_eval) {
            /* the stage calls the hook around each of its kernel calls */
            int failed = k;
            s = tml_exec_stage_run(m, op, hook, ctx, &failed);
            op = &m->ops[failed];
        } else {
            if (hook) {
                hook(ctx, k, 0);
            }
            s = op->eval(m, op);
            if (hook) {
                hook(ctx, k, 1);
            }
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
    if (!m->state || i < 0 || i >= m->n_ops) {
        return NULL;
    }
    const tml_op_impl_t *row = tml_op_row(m->ops[i].row); /* custom ops: their name */
    return row && row->custom ? row->custom : tml_builtin_name(m->ops[i].builtin);
}

int tml_model_op_supported(const tml_model_t *m, int i) {
    return m->state && i >= 0 && i < m->n_ops && m->ops[i].row != TML_NO_ROW;
}

const char *tml_model_op_kernel(const tml_model_t *m, int i) {
    if (!m->state || i < 0 || i >= m->n_ops || m->ops[i].kernel == 0) {
        return NULL;
    }
    switch (m->ops[i].kernel - 1) {
        case TML_KERNEL_BACKEND:
            return tml_backend_name();
        case TML_KERNEL_PORTABLE:
            return "portable";
        case TML_KERNEL_ARMV6M:
            return "armv6m";
        case TML_KERNEL_DSP:
            return "dsp";
        default: /* the backends' variants: one each */
#if defined(TML_BACKEND_ESP_NN)
            return "esp-nn-ansi"; /* TML_ESP_NN_KERNEL_ANSI */
#else
            return "cmsis-nn-dw-no-scratch"; /* TML_CMSIS_KERNEL_DW_PLAIN: arm_depthwise_conv_s8 */
#endif
    }
}

uint64_t tml_model_op_macs(const tml_model_t *m, int i) {
    return (m->state && i >= 0 && i < m->n_ops) ? m->ops[i].macs : 0;
}

size_t tml_model_op_scratch(const tml_model_t *m, int i) {
    return (m->state && i >= 0 && i < m->n_ops && m->ops[i].scratch_size > 0) ? (size_t)m->ops[i].scratch_size : 0;
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
    if (!m->state || index < 0 || index >= m->n_tensors || !tml_tensor_table(m, index, &t) ||
        !tml_fb_string(&t, T_NAME, &s, &len)) {
        return;
    }
    if (len > n - 1) {
        len = (uint32_t)(n - 1);
    }
    memcpy(buf, s, len);
    buf[len] = 0;
}

int tml_model_num_plans(const tml_model_t *m) {
    return m->state ? m->n_exec : 0;
}

int tml_model_plan(const tml_model_t *m, int i, int *first, int *last, int *kind, int *rows, int32_t *temp_bytes) {
    if (!m->state || i < 0 || i >= m->n_exec) {
        return -1;
    }
    const tml_exec_t *e = &m->exec[i];
    *first = e->first;
    *last = e->last;
    *kind = e->kind;
    *rows = e->rows;
    *temp_bytes = e->temp_size;
    return 0;
}

int tml_model_tensor_arena(const tml_model_t *m, int index, int32_t *offset, int32_t *bytes) {
    if (!m->state || index < 0 || index >= m->n_tensors) {
        return -1;
    }
    const tml_tensor_t *t = &m->tensors[index];
    if ((t->kind != TML_TENSOR_ARENA && t->kind != TML_TENSOR_VARIABLE && t->kind != TML_TENSOR_ALIAS) || !t->data) {
        return -1;
    }
    *offset = (int32_t)arena_offset(m, m->arena, t->data);
    *bytes = t->bytes;
    for (int i = 0; i < m->n_exec; i++) {
        const tml_exec_t *e = &m->exec[i];
        for (int k = e->first; e->kind == TML_EXEC_STAGE && k < e->last; k++) {
            if (OUTS(&m->ops[k])[0] == index) {
                *bytes = e->u.win[k - e->first] * tml_tensor_row_bytes(t);
            }
        }
    }
    return 0;
}

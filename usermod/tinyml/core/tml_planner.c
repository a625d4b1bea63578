/* tinyml core: the arena planner. Tensor lifetimes over the op sequence,
 * then TFLM's greedy-by-size placement; op scratch buffers live for their op. */
#include "tml_planner.h"
#include "tml_internal.h"
#include "tml_mem.h"

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
            return tml_invalid(err, "output %d (tensor %d) is never written", i, idx);
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

tml_status_t tml_plan(tml_model_t *m, tml_error_t *err) {
    /* temporary: lifetimes, then plan items and their order (freed at the end) */
    size_t life_bytes = sizeof(lifetime_t) * (m->n_tensors + 1u);
    lifetime_t *life = tml_raw_alloc(m, life_bytes, err);
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
    plan_item_t *items = s == TML_OK ? tml_raw_alloc(m, bytes, err) : NULL;
    if (!items) {
        tml_raw_free(m, life, life_bytes);
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
        tml_raw_free(m, items, bytes);
        tml_raw_free(m, life, life_bytes);
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
    tml_raw_free(m, items, bytes);
    tml_raw_free(m, life, life_bytes);
    return TML_OK;
}


/* tinyml core: executors of the planner's in-place and stage plans (tml_exec.h). */
#include <string.h>
#include "tml_exec.h"
#include "tml_internal.h"

/* A non-NULL base for the views of simulated calls (their pointers are never dereferenced). */
static uint8_t dry_base[16];

static const tml_rows_impl_t *rows_impl(const tml_op_t *op) {
    const tml_op_impl_t *r = tml_op_row(op->row);
    return r ? r->rows : NULL;
}

const tml_exec_t *tml_exec_find(const tml_model_t *m, int op) {
    for (int i = 0; i < m->n_exec; i++) {
        if (m->exec[i].first == op) {
            return &m->exec[i];
        }
    }
    return NULL;
}

/* Bytes of the multipliers and shifts op computes in each eval (tml_rows_call_t.quant), aligned. */
static int32_t quant_bytes(const tml_op_t *op) {
    return 8 * (int32_t)op->quant_channels;
}

/* Every output row of op reads at least one row of spatial input k (else a call could get an
 * empty window). */
static bool rows_nonempty(const tml_row_geom_t *g, int32_t out_rows, int32_t in_rows) {
    return g->span > g->pad && (int64_t)(out_rows - 1) * g->stride - g->pad < in_rows && g->stride > 0 &&
        g->span > 0;
}

/* ---- one operator in place ---------------------------------------------- */

int32_t tml_exec_rows_max_offset(const tml_model_t *m, const tml_op_t *op, int32_t rows) {
    const tml_rows_impl_t *impl = rows_impl(op);
    const tml_tensor_t *in = &m->tensors[op->inputs[0]], *out = &m->tensors[OUTS(op)[0]];
    const int32_t h_out = tml_tensor_rows(out), r_in = tml_tensor_row_bytes(in), r_out = tml_tensor_row_bytes(out);
    if (!impl || rows <= 0 || h_out <= rows) {
        return INT32_MIN;
    }
    tml_row_geom_t g;
    impl->geom(m, op, 0, &g);
    int64_t best = INT32_MAX;
    for (int32_t b = rows; b < h_out; b += rows) {
        const int64_t d = (int64_t)tml_row_first(&g, b) * r_in - (int64_t)b * r_out;
        best = d < best ? d : best;
    }
    return best < INT32_MIN ? INT32_MIN : (int32_t)best;
}

/* Run (or, dry, simulate) op in place: see tml_exec_rows_plan. temp: the row buffer; quant: the
 * op's multipliers and shifts if it computes them per eval (else NULL); kscratch: the kernel
 * scratch. */
static tml_status_t rows_run(tml_model_t *m, const tml_op_t *op, int32_t offset, int32_t rows, uint8_t *temp,
    int32_t *quant, uint8_t *kscratch, int32_t kscratch_size, bool dry, int32_t *temp_rows, int32_t *scratch) {
    const tml_rows_impl_t *impl = rows_impl(op);
    const tml_tensor_t *in = &m->tensors[op->inputs[0]], *out = &m->tensors[OUTS(op)[0]];
    const int32_t h_in = tml_tensor_rows(in), h_out = tml_tensor_rows(out);
    const int32_t r_in = tml_tensor_row_bytes(in), r_out = tml_tensor_row_bytes(out);
    tml_row_geom_t g;
    impl->geom(m, op, 0, &g);
    if (!rows_nonempty(&g, h_out, h_in) || rows <= 0) {
        return TML_ERR_STATE;
    }
    uint8_t *x = dry ? dry_base : (uint8_t *)in->data;
    uint8_t *y = x + offset;
    int32_t w = 0, b = 0, max_temp = 0, max_scratch = 0;
    while (b < h_out) {
        const int32_t n = rows < h_out - b ? rows : h_out - b;
        tml_rows_call_t c;
        c.y0 = b;
        c.y1 = b + n;
        c.in[0] = x;
        c.in[1] = NULL;
        c.in_y0[0] = c.in_y0[1] = c.in_y1[1] = 0;
        c.in_y1[0] = h_in;
        c.out = dry ? dry_base : temp + (size_t)(b - w) * (size_t)r_out;
        c.scratch = kscratch;
        c.scratch_size = kscratch_size;
        c.quant = quant;
        c.again = b > 0; /* the same op's calls in a row, one kernel scratch (the row buffer is apart) */
        if (dry) {
            const int32_t s = impl->scratch(m, op, &c);
            if (s < 0) {
                return TML_ERR_KERNEL;
            }
            max_scratch = s > max_scratch ? s : max_scratch;
        } else {
            const tml_status_t s = impl->run(m, op, &c);
            if (s != TML_OK) {
                return s;
            }
        }
        b += n;
        max_temp = b - w > max_temp ? b - w : max_temp;
        /* the rows now computed whose place no input row still to be read lies under */
        const int64_t limit = b < h_out ? (int64_t)tml_row_first(&g, b) * r_in : INT64_MAX;
        int32_t w2 = w;
        while (w2 < b && (int64_t)offset + (int64_t)(w2 + 1) * r_out <= limit) {
            w2++;
        }
        if (!dry && w2 > w) {
            memcpy(y + (size_t)w * (size_t)r_out, temp, (size_t)(w2 - w) * (size_t)r_out);
            memmove(temp, temp + (size_t)(w2 - w) * (size_t)r_out, (size_t)(b - w2) * (size_t)r_out);
        }
        w = w2;
    }
    if (temp_rows) {
        *temp_rows = max_temp;
    }
    if (scratch) {
        *scratch = max_scratch;
    }
    return TML_OK;
}

bool tml_exec_rows_plan(tml_model_t *m, const tml_op_t *op, int32_t offset, int32_t rows, int32_t *temp_rows,
    int32_t *scratch) {
    if (!tml_op_rows(m, op) || op->n_outputs != 1) {
        return false;
    }
    if (rows_run(m, op, offset, rows, NULL, NULL, NULL, 0, true, temp_rows, scratch) != TML_OK) {
        return false;
    }
    *scratch += quant_bytes(op); /* the multipliers and shifts, before the kernel scratch */
    return true;
}

tml_status_t tml_exec_rows_eval(tml_model_t *m, tml_op_t *op) {
    const tml_exec_t *e = tml_exec_find(m, op->index);
    if (!e || e->kind != TML_EXEC_ROWS) {
        return TML_ERR_STATE;
    }
    /* the area: row buffer (its bytes as the planner's simulation found them), the multipliers and
     * shifts (if computed per eval), kernel scratch (the rest: the simulation's largest call) */
    uint8_t *temp = m->arena + e->temp;
    const int32_t rb = e->u.buf, qb = quant_bytes(op);
    if (rb < 0 || rb + qb > e->temp_size) {
        return TML_ERR_STATE;
    }
    return rows_run(m, op, e->offset, e->rows, temp, qb ? (int32_t *)(void *)(temp + rb) : NULL, temp + rb + qb,
        e->temp_size - rb - qb, false, NULL, NULL);
}

/* ---- stages ---------------------------------------------------------- */

/* State of op j of a stage, in the arena while the stage runs. */
typedef struct {
    int32_t done;       /* output rows computed */
    int32_t lo;         /* first output row its window holds (0 for the last op, whose output is whole) */
    int16_t prod[2];    /* stage op (index - first) producing spatial input k, -1 if produced before the stage */
    int16_t next[2];    /* the next reader of the same producer: edge 2 * op + k, -1 at the end */
    int16_t readers;    /* its first reader: edge 2 * op + k (-1: none) */
    int16_t stack;      /* the schedule's stack (one slot per op) */
} stage_op_t;

#define STAGE_MAX_OPS 128

/* The op of [first, last] writing tensor t, as an index from first; -1 if none. */
static int producer_in(const tml_model_t *m, int first, int last, int t) {
    for (int j = first; j <= last; j++) {
        const tml_op_t *o = &m->ops[j];
        if (o->n_outputs == 1 && OUTS(o)[0] == t) {
            return j - first;
        }
    }
    return -1;
}

bool tml_exec_stage_ok(tml_model_t *m, int first, int last, const int16_t *last_reader) {
    if (first < 0 || last >= m->n_ops || last < first || last - first + 1 > STAGE_MAX_OPS) {
        return false;
    }
    for (int j = first; j <= last; j++) {
        const tml_op_t *op = &m->ops[j];
        if (op->row == TML_FOLDED_ROW && j < last) {
            continue; /* a PAD folded into the convolution after it: nothing to run */
        }
        const tml_rows_impl_t *impl = tml_op_rows(m, op);
        if (!impl || op->n_outputs != 1 || op->eval != tml_op_row(op->row)->eval) {
            return false;
        }
        const int t = OUTS(op)[0];
        if (m->tensors[t].kind != TML_TENSOR_ARENA) {
            return false;
        }
        for (int k = 0; k < op->n_inputs; k++) {
            const int idx = op->inputs[k];
            if (idx < 0) {
                continue;
            }
            const int p = producer_in(m, first, last, idx);
            if (p >= 0 && k >= impl->n_spatial) {
                return false; /* a filter or bias computed inside the stage */
            }
            if (k < impl->n_spatial) {
                tml_row_geom_t g;
                impl->geom(m, op, k, &g);
                if (!rows_nonempty(&g, tml_tensor_rows(&m->tensors[t]), tml_tensor_rows(&m->tensors[idx]))) {
                    return false;
                }
            }
        }
        if (j == last) {
            break;
        }
        /* read only inside the stage, and not a model output */
        if (last_reader) {
            if (last_reader[t] > last) {
                return false;
            }
            continue;
        }
        for (int i = 0; i < m->n_outputs; i++) {
            if (m->io[m->n_inputs + i] == t) {
                return false;
            }
        }
        for (int k = 0; k < m->n_ops; k++) {
            const tml_op_t *o = &m->ops[k];
            for (int i = 0; i < o->n_inputs; i++) {
                if (o->inputs[i] == t && (k < first || k > last)) {
                    return false;
                }
            }
        }
    }
    return true;
}

static void stage_init(tml_model_t *m, int first, int n, stage_op_t *st) {
    for (int j = 0; j < n; j++) {
        st[j].done = 0;
        st[j].lo = 0;
        st[j].prod[0] = st[j].prod[1] = -1;
        st[j].next[0] = st[j].next[1] = -1;
        st[j].readers = -1;
    }
    for (int j = 0; j < n; j++) {
        const tml_op_t *op = &m->ops[first + j];
        const tml_rows_impl_t *impl = rows_impl(op);
        for (int k = 0; impl && k < impl->n_spatial && k < 2; k++) {
            const int p = producer_in(m, first, first + n - 1, op->inputs[k]);
            if (p < 0 || p >= j) {
                continue; /* produced before the stage (an op never reads its own output: checked graph) */
            }
            st[j].prod[k] = (int16_t)p;
            st[j].next[k] = st[p].readers;
            st[p].readers = (int16_t)(2 * j + k);
        }
    }
}

/* The first row of op p's output that a reader still reads. */
static int32_t still_read(tml_model_t *m, int first, const stage_op_t *st, int p) {
    int32_t keep = st[p].done;
    for (int e = st[p].readers; e >= 0; e = st[e / 2].next[e % 2]) {
        const int j = e / 2, k = e % 2;
        const tml_op_t *op = &m->ops[first + j];
        if (st[j].done >= tml_tensor_rows(&m->tensors[OUTS(op)[0]])) {
            continue; /* done reading */
        }
        tml_row_geom_t g;
        rows_impl(op)->geom(m, op, k, &g);
        const int32_t r = tml_row_first(&g, st[j].done);
        keep = r < keep ? r : keep;
    }
    return keep;
}

/* Run (or, dry, simulate) a stage: depth first, each op computing `band` rows per kernel call
 * once its readers need them, so that a window holds about the rows one call of each reader
 * reads. Dry: win_rows[j] = rows op j's window must hold, scratch[j] the largest kernel scratch of
 * op j's calls. */
static tml_status_t stage_run(tml_model_t *m, int first, int last, int32_t band, stage_op_t *st, uint8_t *quant,
    uint8_t *kscratch, int32_t kscratch_size, bool dry, int32_t *win_rows, int32_t *scratch, tml_op_hook_t hook, void *ctx, int *failed) {
    const int n = last - first + 1;
    const int32_t h_last = tml_tensor_rows(&m->tensors[OUTS(&m->ops[last])[0]]);
    if (band <= 0) {
        return TML_ERR_STATE;
    }
    stage_init(m, first, n, st);
    if (dry) {
        for (int j = 0; j < n; j++) {
            win_rows[j] = 0;
            scratch[j] = 0;
        }
    }
    int sp = 0;
    st[sp++].stack = (int16_t)(n - 1);
    while (sp > 0) {
        const int j = st[sp - 1].stack;
        tml_op_t *op = &m->ops[first + j];
        const tml_rows_impl_t *impl = rows_impl(op);
        const tml_tensor_t *out = &m->tensors[OUTS(op)[0]];
        const int32_t h = tml_tensor_rows(out);
        if (st[j].done >= h) {
            sp--; /* the last op is done (an inner op is never asked for more than it has) */
            continue;
        }
        const int32_t target = st[j].done + band < h ? st[j].done + band : h;
        /* the input rows this call reads: computed first, by the producers' own calls */
        int waiting = -1;
        for (int k = 0; k < impl->n_spatial && waiting < 0; k++) {
            const int p = st[j].prod[k];
            if (p >= 0) {
                tml_row_geom_t g;
                impl->geom(m, op, k, &g);
                if (st[p].done < tml_row_end(&g, target - 1, tml_tensor_rows(&m->tensors[op->inputs[k]]))) {
                    waiting = p;
                }
            }
        }
        if (waiting >= 0) {
            if (sp >= n) {
                return TML_ERR_STATE; /* cannot happen: producers precede their readers */
            }
            st[sp++].stack = (int16_t)waiting;
            continue;
        }
        const int32_t r_out = tml_tensor_row_bytes(out);
        uint8_t *base = dry ? dry_base : (uint8_t *)out->data;
        if (j < n - 1) {
            /* drop the rows no reader reads any more */
            const int32_t keep = still_read(m, first, st, j);
            if (keep > st[j].lo) {
                if (!dry) {
                    memmove(base, base + (size_t)(keep - st[j].lo) * (size_t)r_out,
                        (size_t)(st[j].done - keep) * (size_t)r_out);
                }
                st[j].lo = keep;
            }
            if (dry) {
                const int32_t hold = target - st[j].lo;
                win_rows[j] = hold > win_rows[j] ? hold : win_rows[j];
            } else if (target - st[j].lo > win_rows[j]) {
                return TML_ERR_STATE; /* the plan's window is too small: cannot happen */
            }
        }
        tml_rows_call_t c;
        c.y0 = st[j].done;
        c.y1 = target;
        c.in[1] = NULL;
        c.in_y0[1] = c.in_y1[1] = 0;
        c.out = base + (size_t)(st[j].done - st[j].lo) * (size_t)r_out;
        c.scratch = kscratch;
        c.scratch_size = kscratch_size;
        c.quant = NULL;
        c.again = false;
        if (!dry && op->quant_channels) {
            /* the op's multipliers and shifts: after those of the stage's ops before it */
            int32_t at = 0;
            for (int i = 0; i < j; i++) {
                at += quant_bytes(&m->ops[first + i]);
            }
            c.quant = (int32_t *)(void *)(quant + at);
        }
        for (int k = 0; k < impl->n_spatial; k++) {
            const tml_tensor_t *in = &m->tensors[op->inputs[k]];
            const int p = st[j].prod[k];
            c.in[k] = dry ? dry_base : in->data;
            c.in_y0[k] = p >= 0 ? st[p].lo : 0;
            c.in_y1[k] = p >= 0 ? st[p].done : tml_tensor_rows(in);
        }
        if (dry) {
            const int32_t s = impl->scratch(m, op, &c);
            if (s < 0) {
                return TML_ERR_KERNEL;
            }
            scratch[j] = s > scratch[j] ? s : scratch[j];
        } else {
            if (hook) {
                hook(ctx, first + j, 0);
            }
            const tml_status_t s = impl->run(m, op, &c);
            if (hook) {
                hook(ctx, first + j, 1);
            }
            if (s != TML_OK) {
                if (failed) {
                    *failed = first + j;
                }
                return s;
            }
        }
        st[j].done = target;
        if (j < n - 1) {
            sp--; /* back to the reader that asked */
        }
    }
    if (st[n - 1].done < h_last) {
        return TML_ERR_STATE;
    }
    return TML_OK;
}

static int32_t state_bytes(int n) {
    return ((int32_t)sizeof(stage_op_t) * n + TML_ARENA_ALIGN - 1) & ~(TML_ARENA_ALIGN - 1);
}

bool tml_exec_stage_plan(tml_model_t *m, int first, int last, int32_t band, int32_t *win_rows, int32_t *scratch) {
    stage_op_t st[STAGE_MAX_OPS];
    if (!tml_exec_stage_ok(m, first, last, NULL)) {
        return false;
    }
    return stage_run(m, first, last, band, st, NULL, NULL, 0, true, win_rows, scratch, NULL, NULL, NULL) == TML_OK;
}

/* The stage's state, then each op's multipliers and shifts (those computed per eval), kept while
 * the stage runs; then the kernel scratch. */
static int32_t stage_state(const tml_model_t *m, int first, int n) {
    int32_t bytes = state_bytes(n);
    for (int j = 0; j < n; j++) {
        bytes += quant_bytes(&m->ops[first + j]);
    }
    return bytes;
}

int32_t tml_exec_stage_state(const tml_model_t *m, int first, int n) {
    return stage_state(m, first, n);
}

tml_status_t tml_exec_stage_run(tml_model_t *m, tml_op_t *op, tml_op_hook_t hook, void *ctx, int *failed) {
    const tml_exec_t *e = tml_exec_find(m, op->index);
    if (!e || e->kind != TML_EXEC_STAGE) {
        return TML_ERR_STATE;
    }
    const int n = e->last - e->first + 1;
    stage_op_t *st = (stage_op_t *)(void *)(m->arena + e->temp);
    const int32_t state = stage_state(m, e->first, n);
    return stage_run(m, e->first, e->last, e->rows, st, m->arena + e->temp + state_bytes(n), m->arena + e->temp + state,
        e->temp_size - state, false, e->u.win, NULL, hook, ctx, failed);
}

tml_status_t tml_exec_stage_eval(tml_model_t *m, tml_op_t *op) {
    int failed = op->index;
    return tml_exec_stage_run(m, op, NULL, NULL, &failed);
}

tml_status_t tml_exec_skip_eval(tml_model_t *m, tml_op_t *op) {
    (void)m;
    (void)op;
    return TML_OK;
}

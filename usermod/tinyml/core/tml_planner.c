/* tinyml core: the arena planner.
 *
 * Tensor lifetimes over the op sequence, then TFLM's greedy-by-size placement
 * (op scratch buffers live for their op). On top of that plan it tries, within
 * a bounded number of placements, cheap alternatives that never change a
 * result (tml_exec.h) and keeps the smallest arena:
 *  - in place: an elementwise operator's output over its dying input
 *    (TML_INPLACE_SAME / _RESIZE: the kernel's forward loop allows it), and a
 *    row-local operator's output overlapping its dying input at the offset its
 *    row dependencies allow (TML_EXEC_ROWS, a small row buffer);
 *  - a stage: the run of row-local operators at the start of a CNN executed
 *    band by band of its last output (TML_EXEC_STAGE), its inner tensors in
 *    windows of a few rows (not with TML_LOAD_NO_PATCHES).
 * Then it writes the offsets, the plan records (m->exec) and the evals of the
 * operators the records run. */
#include <string.h>
#ifdef TML_PLAN_DEBUG
#include <stdio.h>
#endif
#include "tml_planner.h"
#include "tml_exec.h"
#include "tml_internal.h"
#include "tml_mem.h"

typedef struct {
    int16_t first, last; /* op indices; last == n_ops: alive after the last op */
} lifetime_t;

/* A candidate: op's output placed relative to its dying input `x` (tensor roots). */
typedef struct {
    uint16_t op;
    uint8_t kind;      /* 0: elementwise (no record), TML_EXEC_ROWS */
    int16_t x, y;      /* input root and output tensors */
    int32_t offset;    /* y's offset minus x's */
    int32_t rows;      /* ROWS: output rows per call */
    int32_t temp;      /* ROWS: bytes of its temporary area (replaces the op's scratch) */
    int32_t buf;       /* ROWS: bytes of the row buffer at the area's start */
} cand_t;

typedef struct {
    int16_t first, last; /* -1: no stage */
    int32_t band;
    int32_t state_scratch; /* bytes of state + kernel scratch */
    int32_t *win;          /* rows per op window (planner's copy) */
} stage_cfg_t;

/* One arena item while placing: a tensor (tensor >= 0) or a scratch area. A tensor may be tied to
 * the tensor it is placed over (parent, at offset poff from it) and to the one placed over it. */
typedef struct {
    int64_t size, offset;
    int32_t first, last;
    int16_t tensor;
    uint8_t placed;
} item_t;

typedef struct {
    tml_model_t *m;
    lifetime_t *life;   /* per tensor (roots) */
    int16_t *root;      /* per tensor: its alias root */
    cand_t *cands;
    uint8_t *on;        /* per candidate: enabled (then the best set so far) */
    int n_cands;
    uint8_t *eff;       /* per candidate: in place in the last placement (its tie held) */
    /* per tensor, for one placement */
    int32_t *tsize;     /* planned bytes (0: not planned) */
    int16_t *tfirst, *tlast;
    int16_t *cand_of;   /* the enabled candidate placing this tensor over another (-1: none) */
    int16_t *child_of;  /* the enabled candidate placing another tensor over this one (-1: none) */
    int16_t *item_of;   /* its item (-1: none) */
    int16_t *comp;      /* the top tensor of its ties (itself if none) */
    int64_t *rel, *cmin; /* its offset from the ties' lowest byte; per top tensor: the lowest offset */
    item_t *items;
    int *order;
    int32_t *offsets;     /* per tensor: arena offset (-1: none) */
    int32_t *scr;         /* per op: scratch bytes of this placement */
    int32_t *scratch_off; /* per op + the stage */
    int32_t *win, *best_win, *next_win; /* per op of a stage: window rows */
    int deep;                /* the deepest end of a stage from the first row-local op */
    int16_t *last_reader;    /* per tensor: the last op reading it (n_ops: a model output) */
    int32_t *sim_win[4], *sim_scr[4]; /* its simulation per band (1, 2, 4, 8): windows, scratch per op */
    uint8_t sim_done[4], sim_ok[4];
    int evals;
} plan_t;

/* At most this many placements while searching (bounds the load time). */
#define PLAN_MAX_EVALS 200

static int64_t align_up(int64_t n) {
    return (n + TML_ARENA_ALIGN - 1) & ~(int64_t)(TML_ARENA_ALIGN - 1);
}

static int root_of(const tml_model_t *m, int idx) {
    while (m->tensors[idx].kind == TML_TENSOR_ALIAS) {
        idx = m->alias[idx];
    }
    return idx;
}

/* ---- lifetimes --------------------------------------------------------- */

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
            int idx = root_of(m, op->inputs[j]);
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
            idx = root_of(m, idx);
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
        int idx = root_of(m, m->io[m->n_inputs + i]);
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

static bool planned(const tml_tensor_t *t, const lifetime_t *L) {
    return (t->kind == TML_TENSOR_ARENA || t->kind == TML_TENSOR_VARIABLE) && L->first >= 0 && t->bytes > 0;
}

/* ---- placement ---------------------------------------------------------- */

static bool overlaps(const item_t *a, int64_t offset, const item_t *p) {
    return !(p->first > a->last || p->last < a->first) && offset < p->offset + p->size && p->offset < offset + a->size;
}

/* Greedy by size (as TFLM's GreedyMemoryPlanner): each item, largest first, goes at the lowest
 * offset that no time-overlapping placed item covers. Tensors tied together (one placed over the
 * other's dying bytes at a fixed offset) go as one: at the lowest base where each of them, at its
 * offset from the base and over its own lifetime only, meets nothing placed. */
static int64_t place_items(plan_t *P, int n) {
    item_t *items = P->items;
    int *order = P->order;
    for (int i = 0; i < n; i++) {
        order[i] = i;
        items[i].placed = 0;
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
    const int nt = P->m->n_tensors;
    for (int a = 0; a < n; a++) {
        item_t *it = &items[order[a]];
        if (it->placed) {
            continue;
        }
        /* the members: the item, or every item tied to it (same top tensor) */
        const int root = it->tensor >= 0 ? P->comp[it->tensor] : -1;
        int64_t base = 0;
        bool moved = true;
        while (moved) { /* bump the base past any overlap of any member */
            moved = false;
            for (int t = 0; t < (root < 0 ? 1 : nt); t++) {
                const item_t *mi = root < 0 ? it : (P->item_of[t] >= 0 && P->comp[t] == root ? &items[P->item_of[t]] : NULL);
                if (!mi) {
                    continue;
                }
                const int64_t rel = root < 0 ? 0 : P->rel[t];
                for (int b = 0; b < n; b++) { /* members of earlier ties may be placed out of order */
                    const item_t *p = &items[b];
                    if (p->placed && overlaps(mi, base + rel, p)) {
                        base = align_up(p->offset + p->size - rel);
                        moved = true;
                    }
                }
            }
        }
        for (int t = 0; t < (root < 0 ? 1 : nt); t++) {
            item_t *mi = root < 0 ? it : (P->item_of[t] >= 0 && P->comp[t] == root ? &items[P->item_of[t]] : NULL);
            if (!mi) {
                continue;
            }
            mi->offset = base + (root < 0 ? 0 : P->rel[t]);
            mi->placed = 1;
            total = mi->offset + mi->size > total ? mi->offset + mi->size : total;
        }
    }
    return align_up(total);
}

/* The arena for the enabled candidates (P->on) and stage (sc NULL or first < 0: none); P->eff says
 * which ties held. With `apply`, also the offsets of planned tensors (P->offsets) and of the scratch
 * areas (scratch_off[k] per op, -1: none; scratch_off[n_ops]: the stage's area). */
static int64_t evaluate(plan_t *P, const stage_cfg_t *sc, bool apply, int32_t *scratch_off) {
    tml_model_t *m = P->m;
    const int nt = m->n_tensors, no = m->n_ops;
    P->evals++;
    for (int i = 0; i < nt; i++) {
        const bool is_planned = P->root[i] == i && planned(&m->tensors[i], &P->life[i]);
        P->tsize[i] = is_planned ? m->tensors[i].bytes : 0;
        P->tfirst[i] = P->life[i].first;
        P->tlast[i] = P->life[i].last;
        P->cand_of[i] = P->child_of[i] = P->item_of[i] = -1;
    }
    int32_t *scr = P->scr;
    for (int k = 0; k < no; k++) {
        scr[k] = m->ops[k].scratch_size > 0 ? m->ops[k].scratch_size : 0;
    }
    int32_t stage_scr = 0;
    const bool stage = sc && sc->first >= 0;
    if (stage) {
        const int n = sc->last - sc->first + 1;
        for (int j = 0; j < n; j++) {
            const tml_op_t *op = &m->ops[sc->first + j];
            scr[sc->first + j] = 0;
            if (op->row == TML_FOLDED_ROW) {
                continue;
            }
            const int t = OUTS(op)[0];
            if (j < n - 1) {
                P->tsize[t] = sc->win[j] * tml_tensor_row_bytes(&m->tensors[t]);
                P->tfirst[t] = sc->first;
                P->tlast[t] = sc->last;
            } else if (P->tfirst[t] > sc->first) {
                P->tfirst[t] = sc->first;
            }
        }
        for (int j = 0; j < n; j++) {
            const tml_op_t *op = &m->ops[sc->first + j];
            for (int k = 0; k < op->n_inputs; k++) {
                if (op->inputs[k] < 0) {
                    continue;
                }
                const int r = P->root[op->inputs[k]];
                if (P->tfirst[r] < sc->first && P->tlast[r] < sc->last) {
                    P->tlast[r] = sc->last; /* read all along the stage */
                }
            }
        }
        stage_scr = sc->state_scratch;
    }
    for (int c = 0; c < P->n_cands; c++) {
        const cand_t *cd = &P->cands[c];
        P->eff[c] = P->on[c];
        if (P->on[c]) {
            P->cand_of[cd->y] = (int16_t)c;
            P->child_of[cd->x] = (int16_t)c;
            if (cd->kind == TML_EXEC_ROWS) {
                scr[cd->op] = cd->temp;
            }
        }
    }
    /* ties: each tensor's top tensor (comp) and offset from it, normalized so that the smallest is 0 */
    for (int i = 0; i < nt; i++) {
        int t = i;
        int64_t rel = 0;
        while (P->cand_of[t] >= 0) {
            rel += P->cands[P->cand_of[t]].offset;
            t = P->cands[P->cand_of[t]].x;
        }
        P->comp[i] = (int16_t)t;
        P->rel[i] = rel;
    }
    for (int i = 0; i < nt; i++) {
        P->cmin[i] = 0;
    }
    for (int i = 0; i < nt; i++) {
        if (P->tsize[i] > 0 && P->rel[i] < P->cmin[P->comp[i]]) {
            P->cmin[P->comp[i]] = P->rel[i];
        }
    }
    for (int i = 0; i < nt; i++) {
        P->rel[i] -= P->cmin[P->comp[i]];
    }
    int n = 0;
    for (int i = 0; i < nt; i++) {
        if (P->tsize[i] > 0) {
            P->item_of[i] = (int16_t)n;
            P->items[n++] = (item_t){align_up(P->tsize[i]), 0, P->tfirst[i], P->tlast[i], (int16_t)i, 0};
        }
    }
    const int n_tensor_items = n;
    for (int k = 0; k < no; k++) {
        if (scr[k] > 0) {
            P->items[n++] = (item_t){align_up(scr[k]), 0, k, k, -1, 0};
        }
    }
    if (stage_scr > 0) {
        P->items[n++] = (item_t){align_up(stage_scr), 0, sc->first, sc->last, -1, 0};
    }
    int64_t total = place_items(P, n);
    /* a candidate whose tie broke runs as usual: its row buffer is not needed (a smaller area
     * placed again would not move anything that matters: keep the placement, drop the buffer's
     * record only when applying) */
    if (apply) {
        for (int i = 0; i < nt; i++) {
            if (P->item_of[i] >= 0) {
                P->offsets[i] = (int32_t)P->items[P->item_of[i]].offset;
            }
        }
        int j = n_tensor_items;
        for (int k = 0; k < no; k++) {
            scratch_off[k] = scr[k] > 0 ? (int32_t)P->items[j++].offset : -1;
        }
        scratch_off[no] = stage_scr > 0 ? (int32_t)P->items[j].offset : -1;
    }
    return total;
}

/* ---- candidates --------------------------------------------------------- */

/* x: a planned arena tensor (root) that op k reads for the last time, through input `in` only. */
static bool dies_at(const plan_t *P, const tml_op_t *op, int in, int k) {
    const tml_model_t *m = P->m;
    if (in >= op->n_inputs || op->inputs[in] < 0) {
        return false;
    }
    const int x = P->root[op->inputs[in]];
    const tml_tensor_t *t = &m->tensors[x];
    if (t->kind != TML_TENSOR_ARENA || !planned(t, &P->life[x]) || P->life[x].last != k) {
        return false;
    }
    return true;
}

/* Bytes of the row buffer of an in-place op (as tml_exec.c lays out its area). */
static int32_t row_buffer_bytes(int32_t rows, int32_t row_bytes) {
    return (rows * row_bytes + TML_ARENA_ALIGN - 1) & ~(TML_ARENA_ALIGN - 1);
}

/* Output rows per kernel call of an operator in place, for speed: an eighth of its rows, and a
 * multiple of 4 output pixels (CMSIS-NN's matrix kernels take pixels by 2 or 4; a leftover one runs
 * a slower path) - at most all rows but one. */
static int32_t rows_align(const tml_tensor_t *y) {
    if (y->ndims != 4) {
        return 1; /* no rows (tml_tensor_rows 0): such an output is never run by rows */
    }
    const int32_t w = y->dims[2];
    return (w & 3) == 0 ? 1 : (w & 1) == 0 ? 2 : 4;
}

static int32_t fast_rows(const tml_tensor_t *y) {
    const int32_t h = tml_tensor_rows(y), align = rows_align(y);
    int32_t r = (h + 7) / 8;
    r = (r + align - 1) / align * align;
    return r < h ? r : (h > 1 ? h - 1 : 1);
}

/* The in-place candidate of op k, if any (rows_per_call: 0 = fast_rows). */
static bool candidate(plan_t *P, int k, int32_t rows_per_call, cand_t *c) {
    tml_model_t *m = P->m;
    const tml_op_t *op = &m->ops[k];
    const tml_op_impl_t *impl = tml_op_row(op->row);
    if (!impl || op->n_outputs != 1 || !op->data) {
        return false;
    }
    const int y = OUTS(op)[0];
    const tml_tensor_t *ty = &m->tensors[y];
    if (P->root[y] != y || ty->kind != TML_TENSOR_ARENA || !planned(ty, &P->life[y]) || P->life[y].first != k) {
        return false;
    }
    memset(c, 0, sizeof(*c));
    c->op = (uint16_t)k;
    c->y = (int16_t)y;
    if (impl->inplace == TML_INPLACE_SAME || impl->inplace == TML_INPLACE_RESIZE) {
        if (op->eval != impl->eval && impl->inplace == TML_INPLACE_SAME) {
            return false;
        }
        const int n_in = impl->inplace == TML_INPLACE_SAME ? 2 : 1;
        for (int i = 0; i < n_in; i++) {
            if (!dies_at(P, op, i, k)) {
                continue;
            }
            const tml_tensor_t *tx = &m->tensors[P->root[op->inputs[i]]];
            const int32_t ex = (int32_t)tml_type_size(tx->type), ey = (int32_t)tml_type_size(ty->type);
            if (ex == 0 || ey == 0 || tx->bytes / ex != ty->bytes / ey) {
                continue;
            }
            if (impl->inplace == TML_INPLACE_SAME && (ex != ey || tx->bytes != ty->bytes)) {
                continue;
            }
            c->x = (int16_t)P->root[op->inputs[i]];
            c->offset = ey <= ex ? 0 : -(int32_t)align_up(ty->bytes - tx->bytes);
            return true;
        }
        return false;
    }
    const tml_rows_impl_t *rows = tml_op_rows(m, op);
    if (!rows || rows->n_spatial != 1 || !dies_at(P, op, 0, k)) {
        return false;
    }
    const int x = P->root[op->inputs[0]];
    for (int i = 1; i < op->n_inputs; i++) {
        if (op->inputs[i] >= 0 && P->root[op->inputs[i]] == x) {
            return false;
        }
    }
    const tml_tensor_t *tx = &m->tensors[x];
    const int32_t h = tml_tensor_rows(ty);
    if (h < 2) {
        return false;
    }
    const int32_t per = rows_per_call > 0 ? rows_per_call : fast_rows(ty);
    const int32_t dmax = tml_exec_rows_max_offset(m, op, per);
    if (dmax == INT32_MIN) {
        return false;
    }
    /* output not larger than the input: start it where the input starts and hold back the rows
     * that would land on input rows still to be read; larger: as far in as the rows allow */
    /* (offsets a multiple of TML_ARENA_ALIGN, as every arena offset) */
    const int32_t offset = dmax >= 0 || ty->bytes <= tx->bytes ? 0 : -(int32_t)align_up(-(int64_t)dmax);
    int32_t temp_rows, scratch;
    if (!tml_exec_rows_plan(m, op, offset, per, &temp_rows, &scratch)) {
        return false;
    }
    c->kind = TML_EXEC_ROWS;
    c->x = (int16_t)x;
    c->offset = offset;
    c->rows = per;
    c->buf = row_buffer_bytes(temp_rows, tml_tensor_row_bytes(ty));
    c->temp = c->buf + scratch;
    return true;
}

/* ---- the search -------------------------------------------------------- */

typedef struct {
    int64_t arena;
    int specials; /* plan records: fewer is faster */
} cost_t;

static bool better(cost_t a, cost_t b) {
    return a.arena < b.arena || (a.arena == b.arena && a.specials < b.specials);
}

static int specials(const plan_t *P, const stage_cfg_t *sc) {
    int n = sc && sc->first >= 0 ? 1 : 0;
    for (int c = 0; c < P->n_cands; c++) {
        n += P->on[c] && P->cands[c].kind == TML_EXEC_ROWS;
    }
    return n;
}

/* The cost of P->on with sc; the candidates whose ties broke are turned off (they would not run in
 * place), so that P->on is what the cost is for. */
static cost_t cost_of(plan_t *P, const stage_cfg_t *sc) {
    int64_t arena = evaluate(P, sc, false, NULL);
    for (int round = 0; round < 4; round++) {
        bool broke = false;
        for (int c = 0; c < P->n_cands; c++) {
            if (P->on[c] && !P->eff[c]) {
                P->on[c] = 0;
                broke = true;
            }
        }
        if (!broke) {
            break;
        }
        arena = evaluate(P, sc, false, NULL);
    }
    for (int c = 0; c < P->n_cands; c++) {
        P->on[c] = P->on[c] && P->eff[c];
    }
    cost_t c = {arena, specials(P, sc)};
    return c;
}

/* Candidates inside the stage cannot be in place (the stage runs them). */
static void drop_stage_cands(plan_t *P, const stage_cfg_t *sc) {
    for (int c = 0; c < P->n_cands; c++) {
        if (sc && sc->first >= 0 && P->cands[c].op >= sc->first && P->cands[c].op <= sc->last) {
            P->on[c] = 0;
        }
    }
}

/* Turn candidates off one at a time where that costs no arena (in place runs more kernel calls). */
static cost_t prune(plan_t *P, const stage_cfg_t *sc, cost_t cur) {
    uint8_t *keep = P->on + 2 * P->n_cands;
    for (int c = 0; c < P->n_cands && P->evals < PLAN_MAX_EVALS; c++) {
        if (!P->on[c]) {
            continue;
        }
        memcpy(keep, P->on, (size_t)P->n_cands);
        P->on[c] = 0;
        const cost_t t = cost_of(P, sc);
        if (t.arena <= cur.arena) {
            cur = t;
        } else {
            memcpy(P->on, keep, (size_t)P->n_cands);
        }
    }
    return cur;
}

/* Row-local operators op..: the end of the run (inclusive). */
static int run_end(tml_model_t *m, int k) {
    int e = k;
    while (e + 1 < m->n_ops && ((tml_op_rows(m, &m->ops[e + 1]) && m->ops[e + 1].n_outputs == 1) ||
                                   m->ops[e + 1].row == TML_FOLDED_ROW)) {
        e++;
    }
    while (e > k && m->ops[e].row == TML_FOLDED_ROW) {
        e--;
    }
    return e;
}

/* Fill sc for stage [first, last] with `band` rows (windows into P->win); false if it cannot run. */
static bool stage_cfg(plan_t *P, int first, int last, int32_t band, stage_cfg_t *sc) {
    /* one simulation per band of the deepest stage gives every shorter one (tml_exec_stage_plan) */
    int slot = band == 1 ? 0 : band == 2 ? 1 : band == 4 ? 2 : band == 8 ? 3 : -1;
    if (slot < 0 || P->deep < last) {
        return false;
    }
    int32_t *win = P->sim_win[slot], *scr = P->sim_scr[slot];
    if (!P->sim_done[slot]) {
        P->sim_ok[slot] = tml_exec_stage_plan(P->m, first, P->deep, band, win, scr);
        P->sim_done[slot] = 1;
    }
    if (!P->sim_ok[slot] || !tml_exec_stage_ok(P->m, first, last, P->last_reader)) {
        return false;
    }
    const int n = last - first + 1;
    int32_t scratch = 0;
    for (int j = 0; j < n; j++) {
        P->win[j] = j < n - 1 ? win[j] : 0;
        scratch = scr[j] > scratch ? scr[j] : scratch;
    }
    sc->first = (int16_t)first;
    sc->last = (int16_t)last;
    sc->band = band;
    sc->state_scratch = tml_exec_stage_state(P->m, first, n) + scratch;
    sc->win = P->win;
    return true;
}

/* *dst = sc, its windows copied to win and the candidates src_on (P->n_cands) to on. */
static void keep_cfg(const plan_t *P, stage_cfg_t *dst, int32_t *win, uint8_t *on, const stage_cfg_t *sc,
    const uint8_t *src_on) {
    *dst = *sc;
    memcpy(win, sc->win, sizeof(int32_t) * (size_t)(sc->last - sc->first + 1));
    dst->win = win;
    memcpy(on, src_on, (size_t)P->n_cands);
}

/* The operators' evals and the plan records for the chosen plan. */
static tml_status_t apply_plan(plan_t *P, const stage_cfg_t *sc, tml_error_t *err) {
    tml_model_t *m = P->m;
    const int no = m->n_ops;
    int32_t *scratch_off = P->scratch_off;
    (void)cost_of(P, sc); /* settle the ties */
    const int64_t total = evaluate(P, sc, true, scratch_off);
    for (int c = 0; c < P->n_cands; c++) {
        if (P->on[c] && !P->eff[c]) {
            return tml_fail(err, TML_ERR_STATE, "internal error: the planner's placement is not stable");
        }
    }
    if (total > 0x7fffffff) {
        return tml_fail(err, TML_ERR_UNSUPPORTED, "the model needs an arena of %lld bytes, more than 2 GB",
            (long long)total);
    }
    m->arena_size = (size_t)total;
    const int n_exec = specials(P, sc);
    m->n_exec = 0;
    m->exec = NULL;
    if (n_exec > 0) {
        m->exec = tml_persistent_alloc_as(m, sizeof(tml_exec_t) * (size_t)n_exec, TML_META_PLAN, err);
        if (!m->exec) {
            return TML_ERR_NO_MEMORY;
        }
    }
    for (int k = 0; k < no; k++) {
        tml_op_t *op = &m->ops[k];
        /* the scratch's arena offset + 1 until the arena is bound */
        op->scratch = op->scratch_size > 0
            ? (void *)(uintptr_t)((uintptr_t)(scratch_off[k] >= 0 ? scratch_off[k] : 0) + 1u) : NULL;
        if (sc && sc->first >= 0 && k == sc->first) {
            const int n = sc->last - sc->first + 1;
            tml_exec_t *e = &m->exec[m->n_exec++];
            e->first = (uint16_t)sc->first;
            e->last = (uint16_t)sc->last;
            e->kind = TML_EXEC_STAGE;
            e->rows = (uint16_t)sc->band;
            e->temp = scratch_off[no] >= 0 ? scratch_off[no] : 0;
            e->temp_size = sc->state_scratch;
            e->u.win = tml_persistent_alloc_as(m, sizeof(int32_t) * (size_t)n, TML_META_PLAN, err);
            if (!e->u.win) {
                return TML_ERR_NO_MEMORY;
            }
            memcpy(e->u.win, sc->win, sizeof(int32_t) * (size_t)n);
            for (int j = 0; j < n; j++) {
                m->ops[sc->first + j].eval = j == 0 ? tml_exec_stage_eval : tml_exec_skip_eval;
            }
        }
        for (int c = 0; c < P->n_cands; c++) {
            const cand_t *cd = &P->cands[c];
            if (P->on[c] && cd->op == k && cd->kind == TML_EXEC_ROWS) {
                tml_exec_t *e = &m->exec[m->n_exec++];
                e->first = e->last = (uint16_t)k;
                e->kind = TML_EXEC_ROWS;
                e->rows = (uint16_t)cd->rows;
                e->offset = cd->offset;
                e->temp = scratch_off[k] >= 0 ? scratch_off[k] : 0;
                e->temp_size = cd->temp;
                e->u.buf = cd->buf;
                op->eval = tml_exec_rows_eval;
            }
        }
    }
    return TML_OK;
}

/* The stage candidates: [first, e] for the ends e where a stage can end (at most 24, spread). */
static int stage_ends(plan_t *P, int first, bool force, int *ends) {
    tml_model_t *m = P->m;
    const int end = run_end(m, first);
    const int lo = first + (force ? 0 : 1);
    int n = 0, valid = 0;
    P->deep = -1;
    for (int e = lo; e <= end; e++) {
        if (tml_exec_stage_ok(m, first, e, P->last_reader)) {
            valid++;
            P->deep = e;
        }
    }
    const int step = valid > 24 ? (valid + 23) / 24 : 1;
    for (int e = lo, seen = 0; e <= end && n < 24; e++) {
        if (tml_exec_stage_ok(m, first, e, P->last_reader) && seen++ % step == 0) {
            ends[n++] = e;
        }
    }
    if (force && n > 0) {
        /* the deepest end whose last output has several rows (so that it runs in several bands) */
        int pick = ends[0];
        for (int i = 0; i < n; i++) {
            if (tml_tensor_rows(&m->tensors[OUTS(&m->ops[ends[i]])[0]]) >= 2) {
                pick = ends[i];
            }
        }
        ends[0] = pick;
        n = 1;
    }
    return n;
}

static tml_status_t search(plan_t *P, tml_plan_hint_t *hint, tml_error_t *err) {
    tml_model_t *m = P->m;
    const unsigned flags = m->load_flags;
    const bool force_inplace = (flags & TML_LOAD_FORCE_INPLACE) != 0;
    const bool force_patches = (flags & TML_LOAD_FORCE_PATCHES) != 0;
    const size_t nc_bytes = (size_t)m->n_ops;
    P->n_cands = 0;
    if (!(flags & TML_LOAD_NO_INPLACE)) {
        for (int k = 0; k < m->n_ops; k++) {
            if (candidate(P, k, force_inplace ? 1 : 0, &P->cands[P->n_cands])) {
                P->n_cands++;
            }
        }
    }
    uint8_t *best_on = P->on + P->n_cands, *all = P->on + 3 * nc_bytes;
    stage_cfg_t none = {-1, -1, 0, 0, NULL}, best_sc = none, sc = none;
    if (hint && hint->data) {
        /* the second loading pass: the first pass's choices (the same model, the same search) */
        const uint8_t *h = hint->data;
        int16_t sf, sl, nc, rows;
        int32_t band;
        memcpy(&sf, h, 2);
        memcpy(&sl, h + 2, 2);
        memcpy(&band, h + 4, 4);
        memcpy(&nc, h + 8, 2);
        if (nc != P->n_cands) {
            return tml_fail(err, TML_ERR_STATE, "internal error: the second loading pass plans differently");
        }
        for (int c = 0; c < nc; c++) {
            P->on[c] = h[12 + c];
            memcpy(&rows, h + 12 + nc + 2 * c, 2);
            if (rows != P->cands[c].rows && !candidate(P, P->cands[c].op, rows, &P->cands[c])) {
                return tml_fail(err, TML_ERR_STATE, "internal error: the second loading pass plans differently");
            }
        }
        if (sf >= 0) {
            int ends[24];
            (void)stage_ends(P, sf, force_patches, ends); /* P->deep */
            if (!stage_cfg(P, sf, sl, band, &best_sc)) {
                return tml_fail(err, TML_ERR_STATE, "internal error: the second loading pass plans differently");
            }
        }
        return apply_plan(P, &best_sc, err);
    }
    /* nothing in place */
    memset(P->on, 0, (size_t)P->n_cands);
    cost_t best = cost_of(P, &none);
    memset(best_on, 0, (size_t)P->n_cands);
    /* everything in place, then back out what lowers nothing */
    if (P->n_cands > 0) {
        memset(P->on, 1, (size_t)P->n_cands);
        cost_t c = cost_of(P, &none);
        memcpy(all, P->on, (size_t)P->n_cands); /* the ties that can hold */
        if (!force_inplace) {
            c = prune(P, &none, c);
        }
        if (force_inplace || better(c, best)) {
            best = c;
            memcpy(best_on, P->on, (size_t)P->n_cands);
        }
    } else {
        memset(all, 0, nc_bytes);
    }
    int first = 0;
    while (first < m->n_ops && !(tml_op_rows(m, &m->ops[first]) && m->ops[first].n_outputs == 1)) {
        first++;
    }
    if (!(flags & TML_LOAD_NO_PATCHES) && first < m->n_ops) {
        /* stages from the first row-local operator: each end with one row per band and every tie
         * outside it; the best 3 ends with 1, 2, 4 rows per band; the best of those pruned */
        int ends[24];
        const int n_ends = stage_ends(P, first, force_patches, ends);
        int top_end[3] = {-1, -1, -1};
        cost_t top_cost[3] = {{INT64_MAX, 0}, {INT64_MAX, 0}, {INT64_MAX, 0}};
        for (int i = 0; i < n_ends && P->evals < PLAN_MAX_EVALS; i++) {
            if (!stage_cfg(P, first, ends[i], 1, &sc)) {
                continue;
            }
            memcpy(P->on, force_patches && !force_inplace ? best_on : all, (size_t)P->n_cands);
            drop_stage_cands(P, &sc);
            const cost_t c = cost_of(P, &sc);
#ifdef TML_PLAN_DEBUG
            fprintf(stderr, "stage %d..%d: arena %lld\n", first, ends[i], (long long)c.arena);
#endif
            for (int t = 0; t < 3; t++) {
                if (better(c, top_cost[t])) {
                    for (int u = 2; u > t; u--) {
                        top_end[u] = top_end[u - 1];
                        top_cost[u] = top_cost[u - 1];
                    }
                    top_end[t] = ends[i];
                    top_cost[t] = c;
                    break;
                }
            }
        }
        static const int32_t bands[] = {1, 2, 4};
        const int n_bands = force_patches ? 1 : (int)(sizeof(bands) / sizeof(bands[0]));
        stage_cfg_t found = none, next = none; /* the best and the runner-up (on: slots 4 and 5) */
        cost_t found_cost = {INT64_MAX, 0}, next_cost = {INT64_MAX, 0};
        uint8_t *found_on = P->on + 4 * nc_bytes, *next_on = P->on + 5 * nc_bytes;
        for (int i = 0; i < 3 && top_end[i] >= 0; i++) {
            for (int b = 0; b < n_bands && P->evals < PLAN_MAX_EVALS; b++) {
                if (!stage_cfg(P, first, top_end[i], bands[b], &sc)) {
                    continue;
                }
                memcpy(P->on, force_patches && !force_inplace ? best_on : all, (size_t)P->n_cands);
                drop_stage_cands(P, &sc);
                const cost_t c = cost_of(P, &sc);
#ifdef TML_PLAN_DEBUG
                fprintf(stderr, "stage %d..%d band %d pruned: arena %lld\n", first, top_end[i], (int)bands[b],
                    (long long)c.arena);
#endif
                if (better(c, found_cost)) {
                    if (found.first >= 0) {
                        next_cost = found_cost;
                        keep_cfg(P, &next, P->next_win, next_on, &found, found_on);
                    }
                    found_cost = c;
                    keep_cfg(P, &found, P->best_win, found_on, &sc, P->on);
                } else if (better(c, next_cost)) {
                    next_cost = c;
                    keep_cfg(P, &next, P->next_win, next_on, &sc, P->on);
                }
            }
        }
        /* the runner-up pruned too where it was within 1/64 of the best: pruning can lower one more
         * than the other (person_detect [dsp] with its flash metadata: 24,472 -> 23,424 B) */
        const bool near = next.first >= 0 && next_cost.arena - found_cost.arena <= found_cost.arena / 64;
        if (found.first >= 0 && !force_inplace && !force_patches) {
            memcpy(P->on, found_on, (size_t)P->n_cands);
            found_cost = prune(P, &found, found_cost);
            memcpy(found_on, P->on, (size_t)P->n_cands);
            if (near) {
                memcpy(P->on, next_on, (size_t)P->n_cands);
                next_cost = prune(P, &next, next_cost);
                if (better(next_cost, found_cost)) {
                    found_cost = next_cost;
                    keep_cfg(P, &found, P->best_win, found_on, &next, P->on);
                }
            }
        }
        if (found.first >= 0 && (force_patches || better(found_cost, best))) {
            best = found_cost;
            best_sc = found;
            memcpy(best_on, found_on, (size_t)P->n_cands);
        }
    }
    /* the fewest output rows per kernel call that keep whole groups of 4 pixels, where that lowers the
     * arena by 1/32 or more (more calls: slower) */
    memcpy(P->on, best_on, (size_t)P->n_cands);
    for (int c = 0; !force_inplace && c < P->n_cands && P->evals < PLAN_MAX_EVALS; c++) {
        cand_t saved = P->cands[c];
        const int32_t few = rows_align(&m->tensors[saved.y]);
        if (!P->on[c] || saved.kind != TML_EXEC_ROWS || saved.rows <= few || !candidate(P, saved.op, few, &P->cands[c])) {
            P->cands[c] = saved;
            continue;
        }
        const cost_t t = cost_of(P, &best_sc);
        if (P->on[c] && t.arena <= best.arena - best.arena / 32) {
            best = t;
        } else {
            P->cands[c] = saved;
        }
        memcpy(P->on, best_on, (size_t)P->n_cands);
    }
    /* then larger calls where the arena grows by at most an eighth of the smallest found: a 1x1
     * convolution recomputes its weight sums at every call (CMSIS-NN), a few calls cost ~10% */
    const int64_t budget = best.arena + best.arena / 8;
    for (int32_t band = best_sc.band * 2; !force_patches && best_sc.first >= 0 && band <= 8 &&
         P->evals < PLAN_MAX_EVALS; band *= 2) {
        stage_cfg_t sc;
        if (!stage_cfg(P, best_sc.first, best_sc.last, band, &sc)) {
            break;
        }
        memcpy(P->on, best_on, (size_t)P->n_cands);
        const cost_t t = cost_of(P, &sc);
        if (t.arena > budget) {
            break;
        }
        best = t;
        memcpy(P->best_win, sc.win, sizeof(int32_t) * (size_t)(sc.last - sc.first + 1));
        best_sc = sc;
        best_sc.win = P->best_win;
        memcpy(best_on, P->on, (size_t)P->n_cands);
    }
    for (int c = 0; !force_inplace && c < P->n_cands && P->evals < PLAN_MAX_EVALS; c++) {
        const cand_t saved = P->cands[c];
        if (!P->on[c] || saved.kind != TML_EXEC_ROWS) {
            continue;
        }
        const tml_tensor_t *y = &m->tensors[saved.y];
        const int32_t h = tml_tensor_rows(y), align = rows_align(y);
        for (int parts = 2; parts <= 16; parts *= 2) {
            int32_t r = ((h + parts - 1) / parts + align - 1) / align * align;
            r = r < h ? r : h - 1;
            if (r <= saved.rows || !candidate(P, saved.op, r, &P->cands[c])) {
                P->cands[c] = saved;
                continue;
            }
            const cost_t t = cost_of(P, &best_sc);
            if (P->on[c] && t.arena <= budget) {
                best = t;
                memcpy(best_on, P->on, (size_t)P->n_cands);
                break;
            }
            P->cands[c] = saved;
            memcpy(P->on, best_on, (size_t)P->n_cands);
        }
    }
    memcpy(P->on, best_on, (size_t)P->n_cands);
#ifdef TML_PLAN_DEBUG
    fprintf(stderr, "plan: arena %lld after %d placements\n", (long long)best.arena, P->evals);
#endif
    /* the choices, for the second loading pass (tml_model_load_ex) */
    const size_t hint_size = 12 + 3 * (size_t)P->n_cands;
    if (!hint) {
        return apply_plan(P, &best_sc, err);
    }
    uint8_t *h = tml_raw_alloc(m, hint_size, err);
    if (!h) {
        return TML_ERR_NO_MEMORY;
    }
    const int16_t sf = best_sc.first, sl = best_sc.last, nc = (int16_t)P->n_cands;
    memset(h, 0, hint_size);
    memcpy(h, &sf, 2);
    memcpy(h + 2, &sl, 2);
    memcpy(h + 4, &best_sc.band, 4);
    memcpy(h + 8, &nc, 2);
    for (int c = 0; c < P->n_cands; c++) {
        const int16_t rows = (int16_t)P->cands[c].rows;
        h[12 + c] = P->on[c];
        memcpy(h + 12 + P->n_cands + 2 * c, &rows, 2);
    }
    hint->data = h;
    hint->size = hint_size;
    return apply_plan(P, &best_sc, err);
}

/* ---- a model the search cannot change ------------------------------------------------------------
 * Where no operator could run in place or by rows, every plan is the plain one: the greedy placement
 * of the planned tensors and op scratch areas, with temporaries for those alone (a lifetime per tensor,
 * an item per planned tensor or scratch), so that loading such a model peaks no higher than it keeps
 * (the search's per-tensor tables would cost several times the arena of a small fully-connected model). */
static bool searchable(tml_model_t *m) {
    for (int k = 0; k < m->n_ops; k++) {
        const tml_op_t *op = &m->ops[k];
        const tml_op_impl_t *impl = tml_op_row(op->row);
        if (impl && (impl->inplace != TML_INPLACE_NONE || tml_op_rows(m, op))) {
            return true;
        }
    }
    return false;
}

static tml_status_t plan_plain(tml_model_t *m, tml_error_t *err) {
    const int nt = m->n_tensors, no = m->n_ops;
    int n = 0;
    for (int k = 0; k < no; k++) {
        n += m->ops[k].scratch_size > 0;
    }
    const size_t life_bytes = sizeof(lifetime_t) * ((size_t)nt + 1);
    lifetime_t *life = tml_raw_alloc(m, life_bytes, err);
    if (!life) {
        return TML_ERR_NO_MEMORY;
    }
    tml_status_t s = compute_lifetimes(m, life, err);
    for (int i = 0; s == TML_OK && i < nt; i++) {
        n += planned(&m->tensors[i], &life[i]);
    }
    const size_t bytes = (sizeof(item_t) + sizeof(int)) * ((size_t)n + 1);
    item_t *items = s == TML_OK ? tml_raw_alloc(m, bytes, err) : NULL;
    if (!items) {
        tml_raw_free(m, life, life_bytes);
        return s == TML_OK ? TML_ERR_NO_MEMORY : s;
    }
    int *order = (int *)(void *)(items + n + 1);
    int j = 0;
    for (int i = 0; i < nt; i++) {
        if (planned(&m->tensors[i], &life[i])) {
            items[j++] = (item_t){align_up(m->tensors[i].bytes), 0, life[i].first, life[i].last, (int16_t)i, 0};
        }
    }
    for (int k = 0; k < no; k++) {
        if (m->ops[k].scratch_size > 0) {
            items[j++] = (item_t){align_up(m->ops[k].scratch_size), 0, k, k, -1, 0};
        }
    }
    /* place_items without ties */
    for (int i = 0; i < n; i++) {
        order[i] = i;
    }
    for (int i = 1; i < n; i++) { /* insertion sort: size desc, index asc */
        int v = order[i], q = i;
        while (q > 0 && items[order[q - 1]].size < items[v].size) {
            order[q] = order[q - 1];
            q--;
        }
        order[q] = v;
    }
    int64_t total = 0;
    for (int a = 0; a < n; a++) {
        item_t *it = &items[order[a]];
        int64_t base = 0;
        bool moved = true;
        while (moved) {
            moved = false;
            for (int b = 0; b < n; b++) {
                const item_t *p = &items[b];
                if (p->placed && overlaps(it, base, p)) {
                    base = align_up(p->offset + p->size);
                    moved = true;
                }
            }
        }
        it->offset = base;
        it->placed = 1;
        total = base + it->size > total ? base + it->size : total;
    }
    total = align_up(total);
    if (total > 0x7fffffff) {
        s = tml_fail(err, TML_ERR_UNSUPPORTED, "the model needs an arena of %lld bytes, more than 2 GB",
            (long long)total);
    }
    if (s == TML_OK) {
        m->arena_size = (size_t)total;
        m->n_exec = 0;
        m->exec = NULL;
        j = 0;
        /* offsets + 1 until the arena is bound (NULL: no arena bytes); aliases take their root's */
        for (int i = 0; i < nt; i++) {
            tml_tensor_t *t = &m->tensors[i];
            if (planned(t, &life[i])) {
                t->data = (void *)(uintptr_t)((uintptr_t)items[j++].offset + 1u);
            } else if (t->kind == TML_TENSOR_ARENA || t->kind == TML_TENSOR_VARIABLE) {
                t->data = NULL;
            }
            if (t->kind == TML_TENSOR_CONST && life[i].last >= 0) {
                m->weights_size += (size_t)t->bytes;
            }
        }
        for (int i = 0; i < nt; i++) {
            tml_tensor_t *t = &m->tensors[i];
            const int r = root_of(m, i);
            if (t->kind == TML_TENSOR_ALIAS) {
                t->data = planned(&m->tensors[r], &life[r]) ? m->tensors[r].data : NULL;
            }
        }
        for (int k = 0; k < no; k++) {
            tml_op_t *op = &m->ops[k];
            op->scratch = op->scratch_size > 0 ? (void *)(uintptr_t)((uintptr_t)items[j++].offset + 1u) : NULL;
        }
    }
    tml_raw_free(m, items, bytes);
    tml_raw_free(m, life, life_bytes);
    return s;
}

/* TML_PLAN_ROWS=0 (TINYML_PLAN_ROWS=0): the build leaves in-place and band-by-band execution out, every
 * model is planned plainly (for a board whose flash cannot hold the search and the executors). */
#ifndef TML_PLAN_ROWS
#define TML_PLAN_ROWS 1
#endif

tml_status_t tml_plan(tml_model_t *m, tml_plan_hint_t *hint, tml_error_t *err) {
    if (!TML_PLAN_ROWS || !searchable(m)) {
        return plan_plain(m, err);
    }
    const int nt = m->n_tensors, no = m->n_ops;
    /* temporaries, one block */
    const size_t n_items = (size_t)nt + (size_t)no + 2;
    const size_t bytes = sizeof(item_t) * n_items + sizeof(lifetime_t) * (size_t)nt + sizeof(cand_t) * (size_t)no +
        sizeof(int32_t) * (size_t)nt * 2 + sizeof(int32_t) * ((size_t)no + 1) * 13 + sizeof(int) * n_items +
        sizeof(int16_t) * (size_t)nt * 8 + sizeof(int64_t) * (size_t)nt * 2 + 7 * (size_t)no + 8 * 29;
    uint8_t *block = tml_raw_alloc(m, bytes, err);
    if (!block) {
        return TML_ERR_NO_MEMORY;
    }
    memset(block, 0, bytes);
    plan_t P;
    memset(&P, 0, sizeof(P));
    P.m = m;
    uint8_t *at = block;
#define TAKE(ptr, type, count) \
    do { \
        at = (uint8_t *)(((uintptr_t)at + 7) & ~(uintptr_t)7); \
        (ptr) = (type *)(void *)at; \
        at += sizeof(type) * (size_t)(count); \
    } while (0)
    TAKE(P.items, item_t, n_items);
    TAKE(P.rel, int64_t, nt);
    TAKE(P.cmin, int64_t, nt);
    TAKE(P.life, lifetime_t, nt);
    TAKE(P.cands, cand_t, no);
    TAKE(P.tsize, int32_t, nt);
    TAKE(P.scr, int32_t, no + 1);
    TAKE(P.offsets, int32_t, nt);
    TAKE(P.scratch_off, int32_t, no + 1);
    TAKE(P.win, int32_t, no + 1);
    TAKE(P.best_win, int32_t, no + 1);
    TAKE(P.next_win, int32_t, no + 1);
    for (int b = 0; b < 4; b++) {
        TAKE(P.sim_win[b], int32_t, no + 1);
        TAKE(P.sim_scr[b], int32_t, no + 1);
    }
    TAKE(P.order, int, n_items);
    TAKE(P.root, int16_t, nt);
    TAKE(P.tfirst, int16_t, nt);
    TAKE(P.tlast, int16_t, nt);
    TAKE(P.cand_of, int16_t, nt);
    TAKE(P.child_of, int16_t, nt);
    TAKE(P.item_of, int16_t, nt);
    TAKE(P.last_reader, int16_t, nt);
    TAKE(P.comp, int16_t, nt);
    TAKE(P.on, uint8_t, 6 * no);
    TAKE(P.eff, uint8_t, no);
#undef TAKE
    tml_status_t s = TML_OK;
    if ((size_t)(at - block) > bytes) {
        s = tml_fail(err, TML_ERR_STATE, "internal error: planner scratch");
    }
    for (int i = 0; s == TML_OK && i < nt; i++) {
        P.root[i] = (int16_t)root_of(m, i);
    }
    if (s == TML_OK) {
        s = compute_lifetimes(m, P.life, err);
    }
    for (int i = 0; s == TML_OK && i < nt; i++) {
        P.last_reader[i] = -1;
    }
    for (int k = 0; s == TML_OK && k < no; k++) {
        const tml_op_t *op = &m->ops[k];
        for (int j = 0; j < op->n_inputs; j++) {
            if (op->inputs[j] >= 0) {
                P.last_reader[op->inputs[j]] = (int16_t)k;
            }
        }
    }
    for (int i = 0; s == TML_OK && i < m->n_outputs; i++) {
        P.last_reader[m->io[m->n_inputs + i]] = (int16_t)no;
    }
    if (s == TML_OK) {
        for (int i = 0; i < nt; i++) {
            P.offsets[i] = -1;
        }
        s = search(&P, hint, err);
    }
    if (s == TML_OK) {
        for (int i = 0; i < nt; i++) {
            tml_tensor_t *t = &m->tensors[i];
            if (t->kind == TML_TENSOR_ALIAS) {
                P.offsets[i] = P.offsets[P.root[i]];
            } else if (!planned(t, &P.life[i])) {
                P.offsets[i] = -1;
            }
            /* the arena tensors' data: offset + 1 until the arena is bound (NULL: no arena bytes) */
            if (t->kind == TML_TENSOR_ARENA || t->kind == TML_TENSOR_VARIABLE || t->kind == TML_TENSOR_ALIAS) {
                t->data = P.offsets[i] >= 0 ? (void *)(uintptr_t)((uintptr_t)P.offsets[i] + 1u) : NULL;
            }
            if (t->kind == TML_TENSOR_CONST && P.life[i].last >= 0) {
                m->weights_size += (size_t)t->bytes;
            }
        }
    }
    tml_raw_free(m, block, bytes);
    return s;
}

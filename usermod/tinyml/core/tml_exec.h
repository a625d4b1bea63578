/*
 * tinyml core: execution plans beyond one kernel call per operator, chosen by
 * the planner (tml_planner.c) where they lower the arena, run by the
 * interpreter (tml_interp.c). Not part of the public API.
 *
 *  - TML_EXEC_ROWS: a row-local operator (tml_rows.h) whose output overlaps
 *    its input, which dies there ("in place"): output row bands are computed
 *    into a small temporary buffer and copied to their place once the input
 *    rows under that place are read for the last time.
 *  - TML_EXEC_STAGE: a run of row-local operators executed band by band of
 *    the stage's last output ("patches"): each tensor inside the stage lives
 *    in a window of the few rows its consumers still need; halo rows (the rows
 *    two neighbouring bands both read) stay in the window instead of being
 *    recomputed, so the stage computes every output row once.
 * Both compute every output byte with the operator's own kernel, so the
 * results are those of whole-tensor calls.
 */
#ifndef TML_EXEC_H
#define TML_EXEC_H

#include "tml_rows.h"

enum { TML_EXEC_ROWS = 1, TML_EXEC_STAGE = 2 };

typedef struct tml_exec {
    uint16_t first, last; /* operators [first, last] (ROWS: first == last) */
    uint8_t kind;         /* TML_EXEC_* */
    uint8_t reserved;
    uint16_t rows;        /* ROWS: output rows per kernel call; STAGE: output rows of the last op per band */
    int32_t offset;       /* ROWS: output start minus input start, bytes */
    int32_t temp;         /* arena offset of the temporary area (ROWS: row buffer + kernel scratch;
                           * STAGE: state + kernel scratch) */
    int32_t temp_size;
    union {
        int32_t *win; /* STAGE: rows each op's output window holds (ops first..last-1) */
        int32_t buf;  /* ROWS: bytes of the row buffer at the area's start (the planner's simulation: an
                       * eval need not run it again) */
    } u;
} tml_exec_t;

/* ---- one operator in place (TML_EXEC_ROWS) ---- */

/* Simulate op's in-place run with output offset `offset` (bytes, from the input's start) and
 * `rows` output rows per call: the rows the temporary buffer must hold (*temp_rows) and the
 * largest kernel scratch of its calls (*scratch), plus the multipliers and shifts the op computes
 * per eval (op->quant_channels). False if the op cannot run so. */
bool tml_exec_rows_plan(tml_model_t *m, const tml_op_t *op, int32_t offset, int32_t rows, int32_t *temp_rows,
    int32_t *scratch);
/* The largest output offset (bytes from the input's start) at which op can run in place with
 * `rows` output rows per call and no row held back; INT32_MIN if none. */
int32_t tml_exec_rows_max_offset(const tml_model_t *m, const tml_op_t *op, int32_t rows);

/* ---- a stage (TML_EXEC_STAGE) ---- */

/* Whether ops [first, last] can run as a stage: row-local operators, every tensor they produce
 * read only inside the stage except the last op's output. last_reader (NULL: found here): per
 * tensor, the last op reading it (n_ops for a model output). */
bool tml_exec_stage_ok(tml_model_t *m, int first, int last, const int16_t *last_reader);
/* Simulate the stage with `band` output rows per kernel call: per op of the stage (index - first),
 * the rows its output window must hold (win_rows; the last op's output is whole) and the largest
 * kernel scratch of its calls (scratch). A stage [first, e] that ends where this one may end has
 * the same windows and scratch for its ops before e (no op before e is read after e, and e computes
 * `band` rows per call either way). */
bool tml_exec_stage_plan(tml_model_t *m, int first, int last, int32_t band, int32_t *win_rows, int32_t *scratch);
/* Bytes of a stage's state in the arena (ops first.. first + n - 1), before its kernel scratch: the
 * executor's records and the multipliers and shifts of the ops that compute them per eval. */
int32_t tml_exec_stage_state(const tml_model_t *m, int first, int n);

/* ---- the interpreter's side ---- */

/* The eval an operator gets when a plan runs it: the record's first op runs the plan, the
 * others of a stage do nothing on their own. */
tml_status_t tml_exec_rows_eval(tml_model_t *m, tml_op_t *op);
tml_status_t tml_exec_stage_eval(tml_model_t *m, tml_op_t *op);
tml_status_t tml_exec_skip_eval(tml_model_t *m, tml_op_t *op);
/* Run the stage starting at op, calling hook around each kernel call (with the op's index);
 * on failure *failed is the op whose kernel failed. */
tml_status_t tml_exec_stage_run(tml_model_t *m, tml_op_t *op, tml_op_hook_t hook, void *ctx, int *failed);
/* The plan record whose first op is op (NULL: none). */
const tml_exec_t *tml_exec_find(const tml_model_t *m, int op);

#endif

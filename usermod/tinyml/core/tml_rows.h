/*
 * tinyml core: row-local operators, run a range of output rows at a time.
 * Not part of the public API.
 *
 * An operator is row-local when row y of its output (NHWC, batch 1, H rows of
 * W * C elements) depends only on input rows [y * stride - pad,
 * y * stride - pad + span) of each of its spatial inputs, clipped to the
 * input: convolutions, depthwise convolutions and pools (span = the dilated
 * filter height), elementwise operators on equal shapes (1, 0, 1). Such an
 * operator can compute any range of its output rows from any window of input
 * rows that holds the rows the range needs. The executors (tml_exec.c) use this
 * to run an operator whose output overlaps its dying input (in place), and a
 * stage of operators a band of rows at a time (patches), with kernels that are
 * the operator's own, called on fewer rows: every output byte is computed by
 * the same arithmetic as in a whole-tensor call.
 */
#ifndef TML_ROWS_H
#define TML_ROWS_H

#include "tml_op.h"

/* Which input rows an output row reads (see above). */
typedef struct {
    int32_t stride, pad, span;
} tml_row_geom_t;

/* One call: output rows [y0, y1) of output 0, written from `out` on (row y0
 * first, rows contiguous). Spatial input k (k < n_spatial) is a window of its
 * rows [in_y0[k], in_y1[k]) starting at in[k]; the window holds every row the
 * range needs that lies in the tensor. scratch: the kernel's scratch, at least
 * what tml_rows_impl_t.scratch() says for this call. Calls of one op's eval come in
 * order of y0, from 0. */
typedef struct {
    int32_t y0, y1;
    const void *in[2];
    int32_t in_y0[2], in_y1[2];
    void *out;
    void *scratch;
    int32_t scratch_size; /* bytes at scratch: at least what tml_rows_impl_t.scratch() says for the call (the
                           * executor's area for the largest call of the op's plan) */
    int32_t *quant; /* op->quant_channels != 0: the op's 8 * quant_channels bytes, kept by the executor
                     * across the calls of one eval (the call with y0 == 0 fills them) */
    bool again;     /* the previous call was this op's, with the same scratch, untouched since (in place,
                     * after the first call): tml_context_t.again */
} tml_rows_call_t;

typedef struct tml_rows_impl {
    uint8_t n_spatial; /* spatial inputs: inputs 0..n_spatial-1 */
    /* whether this op (after prepare) can run by rows: 4-D spatial tensors of batch 1 (and any
     * operator-specific condition, e.g. equal shapes for elementwise operators) */
    bool (*ok)(const tml_model_t *m, const tml_op_t *op);
    /* geometry of spatial input k (after prepare) */
    void (*geom)(const tml_model_t *m, const tml_op_t *op, int k, tml_row_geom_t *g);
    /* bytes of kernel scratch the call needs */
    int32_t (*scratch)(tml_model_t *m, const tml_op_t *op, const tml_rows_call_t *c);
    tml_status_t (*run)(tml_model_t *m, const tml_op_t *op, const tml_rows_call_t *c);
} tml_rows_impl_t;

/* tml_op_impl_t.inplace: how an elementwise operator's output may share its
 * input's bytes (its kernel reads element i of every input before it writes
 * element i, and nothing else of that input afterwards). */
enum {
    TML_INPLACE_NONE = 0,
    TML_INPLACE_SAME = 1,  /* output element i over input element i (equal element sizes) */
    TML_INPLACE_RESIZE = 2 /* input 0 and output of different element sizes, laid out so that a forward
                            * loop never overwrites an element it has yet to read (tml_exec_resize_offset) */
};

/* The row-local implementation of op (NULL: none). Only for operators whose
 * spatial tensors are 4-D with batch 1. */
const tml_rows_impl_t *tml_op_rows(const tml_model_t *m, const tml_op_t *op);

/* Rows and bytes per row of a 4-D tensor (dims[1], dims[2] * dims[3] * element size). */
int32_t tml_tensor_rows(const tml_tensor_t *t);
int32_t tml_tensor_row_bytes(const tml_tensor_t *t);

/* First input row output row y reads, clipped to 0; and one past the last, clipped to `rows`. */
static inline int32_t tml_row_first(const tml_row_geom_t *g, int32_t y) {
    const int32_t r = y * g->stride - g->pad;
    return r > 0 ? r : 0;
}
static inline int32_t tml_row_end(const tml_row_geom_t *g, int32_t y, int32_t rows) {
    const int32_t r = y * g->stride - g->pad + g->span;
    return r < rows ? r : rows;
}

#endif

/* tinyml ops: STRIDED_SLICE, SLICE and GATHER, as TFLM's
 * strided_slice_common.cc / strided_slice.cc (reference_ops::StridedSlice),
 * slice.cc (reference_ops::Slice) and gather.cc. */
#include <string.h>
#include "tml_ops.h"
#include "../kernels/tml_kernels.h"

enum { OPT_GATHER = 23, OPT_STRIDED_SLICE = 32, OPT_SLICE = 48, STRIDED_SLICE_MAX_DIMS = 4, SLICE_MAX_DIMS = 5 };

static tml_status_t check_options(tml_error_t *err, const tml_op_t *op, int type) {
    if (op->options_pos && op->options_type != type) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, type);
    }
    return TML_OK;
}

static int32_t clamp(int32_t v, int32_t lo, int32_t hi) {
    return v > hi ? hi : v < lo ? lo : v;
}

/* The input shape extended on the left to 5 dimensions. */
static void extend5(const tml_tensor_t *t, int32_t dims[5]) {
    const int lead = 5 - t->ndims;
    for (int d = 0; d < 5; d++) {
        dims[d] = d < lead ? 1 : t->dims[d - lead];
    }
}

/* Elements the 5-D loop of tml_strided_slice visits. */
static int64_t slice_count(const int32_t start[5], const int32_t stop[5], const int32_t stride[5]) {
    int64_t n = 1;
    for (int d = 0; d < 5; d++) {
        const int64_t sp = stride[d] > 0 ? (int64_t)stop[d] - start[d] : (int64_t)start[d] - stop[d];
        const int64_t st = stride[d] > 0 ? stride[d] : -(int64_t)stride[d];
        n *= sp > 0 ? (sp + st - 1) / st : 0;
    }
    return n;
}

/* ---- STRIDED_SLICE ---- */

/* The eval parameters of the 5-D loop from the constant begin/end/strides
 * tensors and the masks: StridedSlicePadIndices, StridedSliceStartForAxis,
 * StridedSliceEndForAxis (ellipsis and new-axis masks are ignored, as TFLM's
 * BuildStridedSliceParams sets them to 0; so is the offset option). With
 * `shape` (prepare), also the output shape of CheckOutputSize (StartForAxis,
 * StopForAxis, ceil((end - begin) / stride) per kept axis) into shape[*n]. */
static tml_status_t strided_params(tml_model_t *m, const tml_op_t *op, int32_t start[5], int32_t stop[5],
    int32_t stride[5], int32_t *shape, int *n, tml_error_t *err) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const int nd = in->ndims, lead = 5 - nd;
    const int32_t *b = (const int32_t *)tml_op_input(m, op, 1)->data;
    const int32_t *e = (const int32_t *)tml_op_input(m, op, 2)->data;
    const int32_t *st = (const int32_t *)tml_op_input(m, op, 3)->data;
    const uint32_t begin_mask = (uint32_t)tml_fb_i32(TML_OPTIONS(m, op), 0, 0);
    const uint32_t end_mask = (uint32_t)tml_fb_i32(TML_OPTIONS(m, op), 1, 0);
    const uint32_t shrink_mask = (uint32_t)tml_fb_i32(TML_OPTIONS(m, op), 4, 0);
    if (n) {
        *n = 0;
    }
    for (int d = 0; d < lead; d++) {
        start[d] = 0;
        stop[d] = 1;
        stride[d] = 1;
    }
    for (int k = 0; k < nd; k++) {
        const int32_t size = in->dims[k], s = st[k];
        const bool shrink = (shrink_mask >> k) & 1u;
        if (s == 0) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "stride value has to be non-zero (dimension %d)", k);
        }
        /* eval: StridedSliceStartForAxis / StridedSliceEndForAxis */
        int32_t a = b[k] < 0 ? b[k] + size : b[k];
        a = s > 0 ? clamp(a, 0, size) : clamp(a, -1, size - 1);
        if ((begin_mask >> k) & 1u) {
            a = s > 0 ? 0 : size - 1;
        }
        int32_t z;
        if (shrink) {
            z = a >= size ? a : a + 1;
        } else {
            z = e[k] < 0 ? e[k] + size : e[k];
            z = s > 0 ? clamp(z, 0, size) : clamp(z, -1, size - 1);
            if ((end_mask >> k) & 1u) {
                z = s > 0 ? size : -1;
            }
        }
        start[lead + k] = a;
        stop[lead + k] = z;
        stride[lead + k] = s;
        if (!shape) {
            continue;
        }
        /* prepare: CheckOutputSize with StartForAxis / StopForAxis */
        int64_t a2 = 0, z2 = 0;
        if (size != 0) {
            a2 = (begin_mask >> k) & 1u ? (s > 0 ? INT32_MIN : INT32_MAX) : b[k];
            if (a2 < 0) {
                a2 += size;
            }
            a2 = s > 0 ? (a2 < 0 ? 0 : a2 > size ? size : a2) : (a2 < -1 ? -1 : a2 > size - 1 ? size - 1 : a2);
            z2 = (end_mask >> k) & 1u ? (s > 0 ? INT32_MAX : INT32_MIN) : e[k];
            if (z2 < 0) {
                z2 += size;
            }
            z2 = s > 0 ? (z2 < 0 ? 0 : z2 > size ? size : z2) : (z2 < -1 ? -1 : z2 > size - 1 ? size - 1 : z2);
        }
        if (shrink) {
            /* a shrunk axis is one element in the output shape; TFLM's loop then
             * copies nothing (and leaves the output unwritten) when that
             * element is outside the axis or the stride is negative */
            if (s < 0 || a < 0 || a >= size) {
                return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
                    "shrink_axis_mask on dimension %d selects no element (begin %d, stride %d, size %d)", k,
                    (int)b[k], (int)s, (int)size);
            }
            continue;
        }
        const int64_t sp = s > 0 ? z2 - a2 : a2 - z2, as = s > 0 ? s : -(int64_t)s;
        shape[(*n)++] = (int32_t)(sp > 0 ? (sp + as - 1) / as : 0);
    }
    return TML_OK;
}

tml_status_t tml_strided_slice_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = tml_check_io_count(err, op, 4, 4, 1);
    if (s != TML_OK || (s = check_options(err, op, OPT_STRIDED_SLICE)) != TML_OK) {
        return s;
    }
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    if ((s = tml_check_type(err, op, out, "output", in->type)) != TML_OK) {
        return s;
    }
    const int nd = in->ndims;
    if (nd > STRIDED_SLICE_MAX_DIMS) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input has %d dimensions; at most %d are supported", nd,
            STRIDED_SLICE_MAX_DIMS);
    }
    static const char *const names[3] = { "begin", "end", "strides" };
    for (int i = 1; i <= 3; i++) {
        const tml_tensor_t *t = tml_op_input(m, op, i);
        if (t->kind != TML_TENSOR_CONST || (t->bytes == 0 && nd > 0)) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "%s tensor must be constant", names[i - 1]);
        }
        if ((s = tml_check_type(err, op, t, names[i - 1], TML_INT32)) != TML_OK) {
            return s;
        }
        if (t->ndims > 1 || tml_tensor_elements(t) < nd) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s has %d entries; the input has %d dimensions",
                names[i - 1], (int)tml_tensor_elements(t), nd);
        }
    }
    int32_t start[5], stop[5], stride[5], shape[TML_MAX_DIMS];
    int n;
    if ((s = strided_params(m, op, start, stop, stride, shape, &n, err)) != TML_OK ||
        (s = tml_check_shape(err, op, out, "output", shape, n)) != TML_OK) {
        return s;
    }
    if (slice_count(start, stop, stride) != tml_tensor_elements(out)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "the slice has %d elements; the output has %d",
            (int)slice_count(start, stop, stride), (int)tml_tensor_elements(out));
    }
    /* the whole input in order: no copy */
    bool whole = out->bytes == in->bytes && out->bytes > 0;
    for (int d = 0; d < 5 && whole; d++) {
        whole = stride[d] == 1 && start[d] == 0;
    }
    if (whole) {
        op->eval = tml_alias_eval;
        return tml_alias_tensor(m, op, 0, 0, err);
    }
    return TML_OK;
}

tml_status_t tml_strided_slice_eval(tml_model_t *m, tml_op_t *op) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    int32_t dims[5], start[5], stop[5], stride[5];
    tml_status_t s = strided_params(m, op, start, stop, stride, NULL, NULL, NULL);
    if (s != TML_OK) {
        return s;
    }
    extend5(in, dims);
    return tml_strided_slice(in->data, dims, start, stop, stride, (int32_t)tml_type_size(in->type),
        tml_op_output(m, op, 0)->data);
}


/* ---- SLICE ---- */

/* The 5-D loop of reference_ops::Slice from begin/size (int32 or int64),
 * checked against the input and the output shape (TFLM only DCHECKs them). */
static tml_status_t slice_params(tml_model_t *m, const tml_op_t *op, int32_t start[5], int32_t stop[5],
    tml_error_t *err) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *begin = tml_op_input(m, op, 1);
    const tml_tensor_t *size = tml_op_input(m, op, 2);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    const int nd = in->ndims, lead = 5 - nd;
    for (int d = 0; d < 5; d++) {
        start[d] = 0;
        stop[d] = 1;
    }
    for (int k = 0; k < nd; k++) {
        const int64_t b = begin->type == TML_INT32 ? ((const int32_t *)begin->data)[k]
                                                   : ((const int64_t *)begin->data)[k];
        const int64_t z = size->type == TML_INT32 ? ((const int32_t *)size->data)[k] : ((const int64_t *)size->data)[k];
        const int64_t e = z == -1 ? in->dims[k] : b + z;
        if (b < 0 || b > in->dims[k] || e < b || e > in->dims[k]) {
            return err ? tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
                             "begin %ld and size %ld are outside dimension %d of size %d", (long)b, (long)z, k,
                             (int)in->dims[k])
                       : TML_ERR_KERNEL;
        }
        if (out->ndims != nd || out->dims[k] != e - b) {
            return err ? tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
                             "the slice has %ld elements in dimension %d; the output has %d", (long)(e - b), k,
                             out->ndims == nd ? (int)out->dims[k] : -1)
                       : TML_ERR_KERNEL;
        }
        start[lead + k] = (int32_t)b;
        stop[lead + k] = (int32_t)e;
    }
    return TML_OK;
}

tml_status_t tml_slice_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = tml_check_io_count(err, op, 3, 3, 1);
    if (s != TML_OK || (s = check_options(err, op, OPT_SLICE)) != TML_OK) {
        return s;
    }
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *begin = tml_op_input(m, op, 1);
    const tml_tensor_t *size = tml_op_input(m, op, 2);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    if ((s = tml_check_type(err, op, out, "output", in->type)) != TML_OK) {
        return s;
    }
    const int nd = in->ndims;
    if (nd > SLICE_MAX_DIMS) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input has %d dimensions; at most %d are supported", nd,
            SLICE_MAX_DIMS);
    }
    if ((begin->type != TML_INT32 && begin->type != TML_INT64) || size->type != begin->type) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "begin and size have types %s and %s; both int32 or both "
            "int64 are supported", tml_type_name(begin->type), tml_type_name(size->type));
    }
    if (begin->ndims != 1 || size->ndims != 1 || begin->dims[0] != nd || size->dims[0] != nd) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "begin and size have %d and %d entries; the input has %d "
            "dimensions", (int)tml_tensor_elements(begin), (int)tml_tensor_elements(size), nd);
    }
    if (out->ndims != nd) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "output has %d dimensions; the input has %d",
            (int)out->ndims, nd);
    }
    if (begin->kind == TML_TENSOR_CONST && size->kind == TML_TENSOR_CONST) {
        int32_t start[5], stop[5];
        if ((s = slice_params(m, op, start, stop, err)) != TML_OK) {
            return s;
        }
        if (out->bytes == in->bytes && out->bytes > 0) { /* the whole input: no copy */
            op->eval = tml_alias_eval;
            return tml_alias_tensor(m, op, 0, 0, err);
        }
    }
    return TML_OK;
}

tml_status_t tml_slice_eval(tml_model_t *m, tml_op_t *op) {
    static const int32_t one[5] = { 1, 1, 1, 1, 1 };
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    int32_t dims[5], start[5], stop[5];
    /* begin/size may be computed by the graph: checked on every run */
    tml_status_t s = slice_params(m, op, start, stop, NULL);
    if (s != TML_OK) {
        return s;
    }
    extend5(in, dims);
    return tml_strided_slice(in->data, dims, start, stop, one, (int32_t)tml_type_size(in->type),
        tml_op_output(m, op, 0)->data);
}


/* ---- GATHER ---- */

typedef struct {
    int32_t axis, batch_dims; /* resolved */
} gather_data_t;

static int64_t dims_product(const int32_t *dims, int from, int to) {
    int64_t n = 1;
    for (int k = from; k < to; k++) {
        n *= dims[k];
    }
    return n;
}

tml_status_t tml_gather_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = tml_check_io_count(err, op, 2, 2, 1);
    if (s != TML_OK || (s = check_options(err, op, OPT_GATHER)) != TML_OK) {
        return s;
    }
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *coords = tml_op_input(m, op, 1);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    if (coords->type != TML_INT32) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "positions of type %s are not supported; int32 is",
            tml_type_name(coords->type));
    }
    if ((s = tml_check_type(err, op, out, "output", in->type)) != TML_OK) {
        return s;
    }
    const int nd = in->ndims, cd = coords->ndims;
    const int32_t axis_opt = tml_fb_i32(TML_OPTIONS(m, op), 0, 0), batch_opt = tml_fb_i32(TML_OPTIONS(m, op), 1, 0);
    const int axis = axis_opt < 0 ? axis_opt + nd : axis_opt;
    const int batch_dims = batch_opt < 0 ? batch_opt + cd : batch_opt;
    if (axis < 0 || axis >= nd) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "axis %d is out of range for a %d-D input", (int)axis_opt,
            nd);
    }
    if (batch_dims < 0 || batch_dims > axis || batch_dims > cd) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "batch_dims %d is out of range (axis %d, %d-D positions)",
            (int)batch_opt, axis, cd);
    }
    int32_t shape[2 * TML_MAX_DIMS];
    int n = 0;
    for (int k = 0; k < batch_dims; k++) {
        if (in->dims[k] != coords->dims[k]) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input and positions differ in batch dimension %d", k);
        }
    }
    for (int k = 0; k < axis; k++) {
        shape[n++] = in->dims[k];
    }
    for (int k = batch_dims; k < cd; k++) {
        shape[n++] = coords->dims[k];
    }
    for (int k = axis + 1; k < nd; k++) {
        shape[n++] = in->dims[k];
    }
    if ((s = tml_check_shape(err, op, out, "output", shape, n)) != TML_OK) {
        return s;
    }
    if (coords->kind == TML_TENSOR_CONST) {
        const int32_t *c = (const int32_t *)coords->data;
        for (int32_t i = 0; i < tml_tensor_elements(coords); i++) {
            if (c[i] < 0 || c[i] >= in->dims[axis]) {
                return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "position %d is %d; dimension %d has size %d",
                    (int)i, (int)c[i], axis, (int)in->dims[axis]);
            }
        }
    }
    gather_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    d->axis = axis;
    d->batch_dims = batch_dims;
    op->data = d;
    return TML_OK;
}

tml_status_t tml_gather_eval(tml_model_t *m, tml_op_t *op) {
    const gather_data_t *d = op->data;
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *coords = tml_op_input(m, op, 1);
    /* positions computed by the graph are checked by the kernel (TFLM reads
     * out of bounds): an invalid one fails the run */
    return tml_gather(in->data, (int32_t)dims_product(in->dims, 0, d->batch_dims),
        (int32_t)dims_product(in->dims, d->batch_dims, d->axis), in->dims[d->axis],
        (int32_t)dims_product(in->dims, d->axis + 1, in->ndims), coords->data,
        (int32_t)dims_product(coords->dims, d->batch_dims, coords->ndims), (int32_t)tml_type_size(in->type),
        tml_op_output(m, op, 0)->data);
}

/* tinyml ops: BATCH_TO_SPACE_ND, SPACE_TO_BATCH_ND, DEPTH_TO_SPACE and
 * SPACE_TO_DEPTH, as TFLM's batch_to_space_nd.cc, space_to_batch_nd.cc,
 * depth_to_space.cc and space_to_depth.cc. */
#include "tml_ops.h"
#include "../kernels/tml_kernels.h"

enum { OPT_SPACE_TO_DEPTH = 19, OPT_BATCH_TO_SPACE_ND = 24, OPT_SPACE_TO_BATCH_ND = 25, OPT_DEPTH_TO_SPACE = 94 };

static tml_status_t check_options(tml_error_t *err, const tml_op_t *op, int type) {
    if (op->options_pos && op->options_type != type) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, type);
    }
    return TML_OK;
}

/* 3-D NHC shapes as NH1C (ExtendShapeBatchToSpace / ExtendShapeSpaceToBatch). */
static void nhwc(const tml_tensor_t *t, int32_t d[4]) {
    d[0] = t->dims[0];
    d[1] = t->dims[1];
    d[2] = t->ndims == 4 ? t->dims[2] : 1;
    d[3] = t->dims[t->ndims - 1];
}

/* ---- BATCH_TO_SPACE_ND / SPACE_TO_BATCH_ND ---- */

/* Block shape and the top/left crops (or paddings), checked against the
 * shapes: TFLM reads them at every run without checks; here constant ones are
 * checked by prepare (err set) and the others on every run (err NULL). */
static tml_status_t block_params(tml_model_t *m, const tml_op_t *op, bool to_space, int32_t p[4],
    tml_error_t *err) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    const int32_t *block = (const int32_t *)tml_op_input(m, op, 1)->data;
    const int32_t *pads = (const int32_t *)tml_op_input(m, op, 2)->data;
    const bool four = in->ndims == 4;
    const int32_t bh = block[0], bw = four ? block[1] : 1;
    const int32_t top = pads[0], bottom = pads[1], left = four ? pads[2] : 0, right = four ? pads[3] : 0;
    const char *what = to_space ? "crops" : "paddings";
    if (bh < 1 || bw < 1 || top < 0 || bottom < 0 || left < 0 || right < 0) {
        return err ? tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "block shape must be positive and %s non-negative",
                         what)
                   : TML_ERR_KERNEL;
    }
    int32_t i[4], o[4], want[4];
    nhwc(in, i);
    nhwc(out, o);
    const int64_t blocks = (int64_t)bh * bw;
    if (to_space) {
        want[0] = (int32_t)(i[0] / blocks);
        want[1] = (int32_t)((int64_t)i[1] * bh - top - bottom);
        want[2] = (int32_t)((int64_t)i[2] * bw - left - right);
    } else {
        want[0] = (int32_t)(i[0] * blocks);
        want[1] = (int32_t)(((int64_t)i[1] + top + bottom) / bh);
        want[2] = (int32_t)(((int64_t)i[2] + left + right) / bw);
    }
    want[3] = i[3];
    const bool exact = to_space ? i[0] % blocks == 0 && want[1] >= 0 && want[2] >= 0
                                : ((int64_t)i[1] + top + bottom) % bh == 0 && ((int64_t)i[2] + left + right) % bw == 0;
    if (!exact || want[0] != o[0] || want[1] != o[1] || want[2] != o[2] || want[3] != o[3]) {
        return err ? tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
                         "block shape (%d, %d) and %s (%d, %d, %d, %d) do not turn the input shape into the output's",
                         (int)bh, (int)bw, what, (int)top, (int)bottom, (int)left, (int)right)
                   : TML_ERR_KERNEL;
    }
    p[0] = bh;
    p[1] = bw;
    p[2] = top;
    p[3] = left;
    return TML_OK;
}

static tml_status_t block_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err, bool to_space) {
    tml_status_t s = tml_check_io_count(err, op, 3, 3, 1);
    if (s != TML_OK ||
        (s = check_options(err, op, to_space ? OPT_BATCH_TO_SPACE_ND : OPT_SPACE_TO_BATCH_ND)) != TML_OK) {
        return s;
    }
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *block = tml_op_input(m, op, 1);
    const tml_tensor_t *pads = tml_op_input(m, op, 2);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    if ((s = tml_check_type(err, op, out, "output", in->type)) != TML_OK) {
        return s;
    }
    if (in->ndims < 3 || in->ndims > 4 || out->ndims != in->ndims) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input and output have %d and %d dimensions; 3 or 4 "
            "(the same) are supported", (int)in->ndims, (int)out->ndims);
    }
    const int spatial = in->ndims - 2;
    if ((s = tml_check_type(err, op, block, "block_shape", TML_INT32)) != TML_OK ||
        (s = tml_check_type(err, op, pads, to_space ? "crops" : "paddings", TML_INT32)) != TML_OK) {
        return s;
    }
    if (block->ndims != 1 || block->dims[0] != spatial || pads->ndims != 2 || pads->dims[0] != spatial ||
        pads->dims[1] != 2) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "block_shape must be [%d] and %s [%d, 2] for a %d-D input",
            spatial, to_space ? "crops" : "paddings", spatial, (int)in->ndims);
    }
    if (block->kind == TML_TENSOR_CONST && pads->kind == TML_TENSOR_CONST) {
        int32_t p[4];
        return block_params(m, op, to_space, p, err);
    }
    return TML_OK;
}

static tml_status_t block_eval(tml_model_t *m, tml_op_t *op, bool to_space) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    int32_t p[4], id[4], od[4];
    tml_status_t s = block_params(m, op, to_space, p, NULL);
    if (s != TML_OK) {
        return s;
    }
    nhwc(in, id);
    nhwc(out, od);
    const int32_t es = (int32_t)tml_type_size(in->type);
    return to_space ? tml_batch_to_space_nd(in->data, id, od, p[0], p[1], p[2], p[3], es, out->data)
                    : tml_space_to_batch_nd(in->data, id, od, p[0], p[1], p[2], p[3], es, out->data);
}

tml_status_t tml_batch_to_space_nd_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return block_prepare(m, op, err, true);
}

tml_status_t tml_batch_to_space_nd_eval(tml_model_t *m, tml_op_t *op) {
    return block_eval(m, op, true);
}

tml_status_t tml_space_to_batch_nd_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return block_prepare(m, op, err, false);
}

tml_status_t tml_space_to_batch_nd_eval(tml_model_t *m, tml_op_t *op) {
    return block_eval(m, op, false);
}


/* ---- DEPTH_TO_SPACE / SPACE_TO_DEPTH ---- */

static tml_status_t depth_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err, bool to_space) {
    tml_status_t s = tml_check_io_count(err, op, 1, 1, 1);
    if (s != TML_OK || (s = check_options(err, op, to_space ? OPT_DEPTH_TO_SPACE : OPT_SPACE_TO_DEPTH)) != TML_OK) {
        return s;
    }
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    if ((s = tml_check_type(err, op, out, "output", in->type)) != TML_OK) {
        return s;
    }
    if (in->ndims != 4) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input has %d dimensions; 4 are supported", (int)in->ndims);
    }
    const int32_t b = tml_fb_i32(TML_OPTIONS(m, op), 0, 0);
    if (b < 1 || b > 0xffff) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "block_size %d must be positive", (int)b);
    }
    int32_t shape[4] = { in->dims[0], 0, 0, 0 };
    if (to_space) {
        if (in->dims[3] % (b * b) != 0) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input depth %d is not a multiple of block_size^2 (%d)",
                (int)in->dims[3], (int)(b * b));
        }
        shape[1] = in->dims[1] * b;
        shape[2] = in->dims[2] * b;
        shape[3] = in->dims[3] / (b * b);
    } else {
        if (in->dims[1] % b != 0 || in->dims[2] % b != 0) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input height %d and width %d are not multiples of "
                "block_size %d", (int)in->dims[1], (int)in->dims[2], (int)b);
        }
        shape[1] = in->dims[1] / b;
        shape[2] = in->dims[2] / b;
        shape[3] = in->dims[3] * b * b;
    }
    return tml_check_shape(err, op, out, "output", shape, 4);
}

tml_status_t tml_depth_to_space_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return depth_prepare(m, op, err, true);
}

tml_status_t tml_depth_to_space_eval(tml_model_t *m, tml_op_t *op) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    return tml_depth_to_space(in->data, in->dims, tml_fb_i32(TML_OPTIONS(m, op), 0, 0), (int32_t)tml_type_size(in->type),
        tml_op_output(m, op, 0)->data);
}

tml_status_t tml_space_to_depth_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return depth_prepare(m, op, err, false);
}

tml_status_t tml_space_to_depth_eval(tml_model_t *m, tml_op_t *op) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    return tml_space_to_depth(in->data, in->dims, tml_fb_i32(TML_OPTIONS(m, op), 0, 0), (int32_t)tml_type_size(in->type),
        tml_op_output(m, op, 0)->data);
}

/* tinyml op: BATCH_MATMUL (int8, 16x8 int16, float32), as TFLM's
 * batch_matmul.cc / batch_matmul_common.cc (BatchMatMulPrepare,
 * ReshapeOutputTensor) with reference_ops::BatchMatMul: ranks 2 to 5, batch
 * dimensions broadcast, adj_x / adj_y, per-tensor quantization, no fused
 * activation. TFLM keeps transposed copies of the operands in persistent
 * memory; here the kernels read them in place (CMSIS-NN: copies in scratch). */
#include "tml_op.h"
#include "../kernels/tml_math.h"
#include "../kernels/tml_kernels.h"

enum { OPT_BATCH_MATMUL = 101 };

static tml_status_t bmm_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err, int type) {
    tml_status_t s = tml_check_io_count(err, op, 2, 2, 1);
    if (s != TML_OK) {
        return s;
    }
    if (op->options_pos && op->options_type != OPT_BATCH_MATMUL) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, OPT_BATCH_MATMUL);
    }
    const tml_tensor_t *lhs = tml_op_input(m, op, 0), *rhs = tml_op_input(m, op, 1), *out = tml_op_output(m, op, 0);
    if ((s = tml_check_type(err, op, rhs, "rhs", type)) != TML_OK ||
        (s = tml_check_type(err, op, out, "output", type)) != TML_OK) {
        return s;
    }
    const int lr = lhs->ndims, rr = rhs->ndims;
    if (lr < 2 || lr > 5 || rr < 2 || rr > 5) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "lhs and rhs must have 2 to 5 dimensions (got %d and %d)",
            lr, rr);
    }
    const bool adj_x = tml_fb_u8(TML_OPTIONS(m, op), 0, 0) != 0, adj_y = tml_fb_u8(TML_OPTIONS(m, op), 1, 0) != 0;
    /* shapes extended to 5-D with leading 1s */
    int32_t l5[5], r5[5];
    for (int i = 0; i < 5; ++i) {
        l5[i] = i < 5 - lr ? 1 : lhs->dims[i - (5 - lr)];
        r5[i] = i < 5 - rr ? 1 : rhs->dims[i - (5 - rr)];
    }
    tml_bmm_params_t p;
    const int rank = lr > rr ? lr : rr;
    int32_t expect[5];
    for (int i = 0; i < 3; ++i) {
        if (l5[i] != r5[i] && l5[i] != 1 && r5[i] != 1) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "batch dimensions %d and %d do not broadcast",
                (int)l5[i], (int)r5[i]);
        }
        p.batch[i] = l5[i] == 1 ? r5[i] : l5[i];
    }
    p.rows = adj_x ? l5[4] : l5[3];
    p.depth = adj_x ? l5[3] : l5[4];
    p.cols = adj_y ? r5[3] : r5[4];
    const int32_t depth_rhs = adj_y ? r5[4] : r5[3];
    if (p.depth != depth_rhs || p.rows <= 0 || p.cols <= 0 || p.depth <= 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "lhs has depth %d but rhs %d", (int)p.depth,
            (int)depth_rhs);
    }
    for (int i = 0; i < rank - 2; ++i) {
        expect[i] = p.batch[3 - (rank - 2) + i];
    }
    expect[rank - 2] = p.rows;
    expect[rank - 1] = p.cols;
    if ((s = tml_check_shape(err, op, out, "output", expect, rank)) != TML_OK) {
        return s;
    }
    /* batch_matmul::extent: elements per step of batch dim i, 0 if broadcast */
    for (int i = 0; i < 3; ++i) {
        int64_t le = 1, re = 1;
        for (int j = i + 1; j < 5; ++j) {
            le *= l5[j];
            re *= r5[j];
        }
        p.lhs_stride[i] = l5[i] == 1 ? 0 : (int32_t)le;
        p.rhs_stride[i] = r5[i] == 1 ? 0 : (int32_t)re;
    }
    p.adj_x = adj_x;
    p.adj_y = adj_y;
    p.lhs_offset = p.rhs_offset = p.output_offset = 0;
    p.multiplier = p.shift = 0;
    p.activation.min = type == TML_INT8 ? -128 : -32768;
    p.activation.max = type == TML_INT8 ? 127 : 32767;
    if (type != TML_FLOAT32) {
        const int32_t zp_min = type == TML_INT8 ? -128 : 0, zp_max = type == TML_INT8 ? 127 : 0;
        const tml_tensor_t *ts[3] = {lhs, rhs, out};
        const char *names[3] = {"lhs", "rhs", "output"};
        for (int i = 0; i < 3; ++i) {
            if (!(ts[i]->scale > 0.0f)) {
                return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s has no valid quantization scale", names[i]);
            }
            if (ts[i]->zero_point < zp_min || ts[i]->zero_point > zp_max) {
                return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "%s zero point %d is not supported (%s)", names[i],
                    (int)ts[i]->zero_point, type == TML_INT8 ? "int8 range" : "int16 needs 0");
            }
        }
        /* GetQuantizedConvolutionMultipler (see FULLY_CONNECTED: the product in double) */
        const double real = (double)lhs->scale * (double)rhs->scale / (double)out->scale;
        int shift;
        tml_quantize_multiplier(real, &p.multiplier, &shift);
        if (shift > (type == TML_INT8 ? 31 : 14)) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "effective scale %f is too large", real);
        }
        p.shift = shift;
        p.lhs_offset = -lhs->zero_point;
        p.rhs_offset = -rhs->zero_point;
        p.output_offset = out->zero_point;
    }
    tml_bmm_params_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    *d = p;
    op->data = d;
    op->scratch_size = type == TML_INT8 ? tml_batch_matmul_s8_get_buffer_size(d)
        : type == TML_INT16            ? tml_batch_matmul_s16_get_buffer_size(d)
                                       : 0;
    op->macs = (uint64_t)p.batch[0] * (uint64_t)p.batch[1] * (uint64_t)p.batch[2] * (uint64_t)p.rows *
        (uint64_t)p.cols * (uint64_t)p.depth;
    return TML_OK;
}

tml_status_t tml_batch_matmul_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return bmm_prepare(m, op, err, TML_INT8);
}

tml_status_t tml_batch_matmul_eval(tml_model_t *m, tml_op_t *op) {
    const tml_context_t ctx = {op->scratch_size > 0 ? op->scratch : NULL, op->scratch_size, 0};
    return tml_batch_matmul_s8(&ctx, op->data, tml_op_input(m, op, 0)->data, tml_op_input(m, op, 1)->data,
        tml_op_output(m, op, 0)->data);
}

tml_status_t tml_batch_matmul_s16_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return bmm_prepare(m, op, err, TML_INT16);
}

tml_status_t tml_batch_matmul_s16_eval(tml_model_t *m, tml_op_t *op) {
    const tml_context_t ctx = {op->scratch_size > 0 ? op->scratch : NULL, op->scratch_size, 0};
    return tml_batch_matmul_s16(&ctx, op->data, tml_op_input(m, op, 0)->data, tml_op_input(m, op, 1)->data,
        tml_op_output(m, op, 0)->data);
}

tml_status_t tml_batch_matmul_f32_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return bmm_prepare(m, op, err, TML_FLOAT32);
}

tml_status_t tml_batch_matmul_f32_eval(tml_model_t *m, tml_op_t *op) {
    return tml_batch_matmul_f32(op->data, tml_op_input(m, op, 0)->data, tml_op_input(m, op, 1)->data,
        tml_op_output(m, op, 0)->data);
}

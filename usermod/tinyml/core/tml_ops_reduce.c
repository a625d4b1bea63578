/* tinyml ops: MEAN (int8), as TFLM's reduce_common.cc (PrepareMeanOrSumHelper,
 * EvalMeanHelper -> reference_ops::QuantizedMeanOrSum). */
#include "tml_op.h"
#include "../kernels/tml_math.h"
#include "../kernels/tml_kernels.h"

enum { OPT_REDUCER = 27 };

typedef struct {
    int32_t axes[TML_MAX_DIMS];
    int32_t n_axes, n_out, multiplier, shift;
} mean_data_t;

tml_status_t tml_mean_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = tml_check_io_count(err, op, 2, 2, 1);
    if (s != TML_OK) {
        return s;
    }
    if (op->options.pos && op->options_type != OPT_REDUCER) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, OPT_REDUCER);
    }
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *axis = tml_op_input(m, op, 1);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    if ((s = tml_check_type(err, op, in, "input", TML_INT8)) != TML_OK ||
        (s = tml_check_type(err, op, out, "output", TML_INT8)) != TML_OK ||
        (s = tml_check_type(err, op, axis, "axis", TML_INT32)) != TML_OK) {
        return s;
    }
    const int32_t n_axis = tml_tensor_elements(axis);
    if (axis->kind != TML_TENSOR_CONST && n_axis > 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "axis tensor must be constant");
    }
    if (!(out->scale > 0.0f)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "output scale must be positive, got %f", (double)out->scale);
    }
    mean_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    const int nd = in->ndims;
    bool reduced[TML_MAX_DIMS] = { false };
    /* ResolveAxis: negative axes wrap, duplicates are dropped; scalars reduce nothing */
    for (int32_t k = 0; nd > 0 && k < n_axis; k++) {
        const int32_t a = ((const int32_t *)axis->data)[k];
        const int32_t c = a < 0 ? a + nd : a;
        if (c < 0 || c >= nd) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "axis %d is out of range for a %d-D input", (int)a, nd);
        }
        if (!reduced[c]) {
            reduced[c] = true;
            d->axes[d->n_axes++] = c;
        }
    }
    const bool keep_dims = tml_fb_u8(&op->options, 0, 0) != 0;
    int32_t shape[TML_MAX_DIMS];
    int n = 0;
    for (int k = 0; k < nd; k++) {
        if (!reduced[k]) {
            shape[n++] = in->dims[k];
        } else if (keep_dims) {
            shape[n++] = 1;
        }
    }
    if ((s = tml_check_shape(err, op, out, "output", shape, n)) != TML_OK) {
        return s;
    }
    int shift;
    tml_quantize_multiplier((double)in->scale / (double)out->scale, &d->multiplier, &shift);
    if (shift < -31 || shift > 30) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input/output scale ratio %f is out of range",
            (double)in->scale / (double)out->scale);
    }
    d->shift = shift;
    d->n_out = tml_tensor_elements(out);
    op->scratch_size = tml_mean_s8_get_buffer_size(d->n_out);
    op->macs = (uint64_t)tml_tensor_elements(in);
    op->data = d;
    return TML_OK;
}

tml_status_t tml_mean_eval(tml_model_t *m, tml_op_t *op) {
    const mean_data_t *d = op->data;
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    return tml_mean_s8(in->data, in->dims, in->ndims, d->axes, d->n_axes, out->data, d->n_out, in->zero_point,
        out->zero_point, d->multiplier, d->shift, op->scratch);
}


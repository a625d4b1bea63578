/* tinyml ops: QUANTIZE and DEQUANTIZE, as TFLM's quantize_common.cc and
 * dequantize_common.cc. */
#include "tml_op.h"
#include "../kernels/tml_math.h"
#include "../kernels/tml_kernels.h"

typedef struct {
    float scale;  /* output scale (float -> int) */
    int32_t in_zp, out_zp, multiplier, shift;
} quantize_data_t;

static tml_status_t prepare_unary(tml_model_t *m, tml_op_t *op, tml_error_t *err, tml_tensor_t **in,
    tml_tensor_t **out) {
    tml_status_t s = tml_check_io_count(err, op, 1, 1, 1);
    if (s != TML_OK) {
        return s;
    }
    *in = tml_op_input(m, op, 0);
    *out = tml_op_output(m, op, 0);
    return tml_check_shape(err, op, *out, "output", (*in)->dims, (*in)->ndims);
}

static bool int_type(int t) {
    return t == TML_INT8 || t == TML_UINT8 || t == TML_INT16 || t == TML_INT32;
}

tml_status_t tml_quantize_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *in, *out;
    tml_status_t s = prepare_unary(m, op, err, &in, &out);
    if (s != TML_OK) {
        return s;
    }
    const int it = in->type, ot = out->type;
    /* the pairs TFLM's EvalQuantizeReference runs */
    const bool from_float = it == TML_FLOAT32 && (ot == TML_INT8 || ot == TML_INT16);
    const bool requant = (it == TML_INT8 && int_type(ot)) || (it == TML_INT16 && ot != TML_UINT8 && int_type(ot)) ||
        (it == TML_INT32 && (ot == TML_INT8 || ot == TML_INT16)) || (it == TML_UINT8 && ot == TML_INT8);
    if (!from_float && !requant) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "%s to %s is not supported", tml_type_name(it),
            tml_type_name(ot));
    }
    if (tml_tensor_num_scales(m, out) != 1) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "output needs one (per-tensor) scale, has %d",
            tml_tensor_num_scales(m, out));
    }
    if (!(out->scale > 0.0f)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "output scale must be positive, got %f", (double)out->scale);
    }
    quantize_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    d->scale = out->scale;
    d->in_zp = in->zero_point;
    d->out_zp = out->zero_point;
    if (requant) {
        int shift;
        const double eff = (double)in->scale / (double)out->scale;
        tml_quantize_multiplier(eff, &d->multiplier, &shift);
        if (shift < -31 || shift > 30) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input/output scale ratio %f is out of range", eff);
        }
        d->shift = shift;
    }
    op->data = d;
    return TML_OK;
}

tml_status_t tml_quantize_eval(tml_model_t *m, tml_op_t *op) {
    const quantize_data_t *d = op->data;
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    tml_tensor_t *out = tml_op_output(m, op, 0);
    const int32_t n = tml_tensor_elements(in);
    if (in->type == TML_FLOAT32) {
        return out->type == TML_INT8 ? tml_quantize_f32_s8(in->data, out->data, n, d->scale, d->out_zp)
                                     : tml_quantize_f32_s16(in->data, out->data, n, d->scale, d->out_zp);
    }
    return tml_requantize(in->data, in->type, out->data, out->type, n, d->multiplier, d->shift, d->in_zp, d->out_zp);
}


tml_status_t tml_dequantize_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *in, *out;
    tml_status_t s = prepare_unary(m, op, err, &in, &out);
    if (s != TML_OK) {
        return s;
    }
    if (in->type != TML_INT8 && in->type != TML_INT16 && in->type != TML_UINT8) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input has type %s; int8, int16 or uint8 expected",
            tml_type_name(in->type));
    }
    return tml_check_type(err, op, out, "output", TML_FLOAT32);
}

tml_status_t tml_dequantize_eval(tml_model_t *m, tml_op_t *op) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    return tml_dequantize_f32(in->data, in->type, tml_op_output(m, op, 0)->data, tml_tensor_elements(in),
        (double)in->scale, in->zero_point);
}


/* tinyml ops: ADD and MUL (int8, numpy-style broadcasting up to TML_MAX_DIMS
 * dimensions, fused activation), as TFLM's add.cc / add_common.cc and mul.cc /
 * mul_common.cc. */
#include "tml_op.h"
#include "../kernels/tml_math.h"
#include "../kernels/tml_kernels.h"

enum { OPT_ADD = 11, OPT_MUL = 21 };

typedef struct {
    union {
        tml_add_params_t add;
        tml_mul_params_t mul;
    } u;
    tml_shape_t in1, in2, out;
} arith_data_t;

static void to_shape(const tml_tensor_t *t, tml_shape_t *s) {
    s->ndims = t->ndims;
    for (int i = 0; i < TML_MAX_DIMS; ++i) {
        s->dims[i] = i < t->ndims ? t->dims[i] : 1;
    }
}

/* Shared checks; the output shape must be the broadcast of the input shapes. */
static tml_status_t arith_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err, int opt_type, arith_data_t **out_d,
    int *activation) {
    tml_status_t s = tml_check_io_count(err, op, 2, 2, 1);
    if (s != TML_OK) {
        return s;
    }
    if (op->options.pos && op->options_type != opt_type) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, opt_type);
    }
    const tml_tensor_t *a = tml_op_input(m, op, 0), *b = tml_op_input(m, op, 1), *o = tml_op_output(m, op, 0);
    if ((s = tml_check_type(err, op, a, "input 1", TML_INT8)) != TML_OK ||
        (s = tml_check_type(err, op, b, "input 2", TML_INT8)) != TML_OK ||
        (s = tml_check_type(err, op, o, "output", TML_INT8)) != TML_OK) {
        return s;
    }
    const int n = a->ndims > b->ndims ? a->ndims : b->ndims;
    int32_t expect[TML_MAX_DIMS];
    for (int i = 0; i < n; ++i) {
        const int ka = i - (n - a->ndims), kb = i - (n - b->ndims);
        const int32_t da = ka < 0 ? 1 : a->dims[ka], db = kb < 0 ? 1 : b->dims[kb];
        if (da != db && da != 1 && db != 1) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
                "input shapes do not broadcast (dimension %d: %d vs %d)", i, (int)da, (int)db);
        }
        expect[i] = da == 1 ? db : da;
    }
    if ((s = tml_check_shape(err, op, o, "output", expect, n)) != TML_OK ||
        (s = tml_check_q8(err, op, a, "input 1")) != TML_OK || (s = tml_check_q8(err, op, b, "input 2")) != TML_OK ||
        (s = tml_check_q8(err, op, o, "output")) != TML_OK) {
        return s;
    }
    arith_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    to_shape(a, &d->in1);
    to_shape(b, &d->in2);
    to_shape(o, &d->out);
    *activation = tml_fb_u8(&op->options, 0, TML_ACT_NONE);
    *out_d = d;
    op->data = d;
    op->scratch_size = 0;
    op->macs = (uint64_t)tml_tensor_elements(o);
    return TML_OK;
}

/* QuantizeMultiplierSmallerThanOneExp: TFLM requires 0 < x < 1 and shift <= 0. */
static bool smaller_than_one(double x, int32_t *mult, int32_t *shift) {
    int sh;
    if (!(x > 0.0 && x < 1.0)) {
        return false;
    }
    tml_quantize_multiplier_smaller_than_one_exp(x, mult, &sh);
    *shift = sh;
    return sh <= 0;
}

tml_status_t tml_add_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    arith_data_t *d;
    int activation;
    tml_status_t s = arith_prepare(m, op, err, OPT_ADD, &d, &activation);
    if (s != TML_OK) {
        return s;
    }
    const tml_tensor_t *a = tml_op_input(m, op, 0), *b = tml_op_input(m, op, 1), *o = tml_op_output(m, op, 0);
    tml_add_params_t *p = &d->u.add;
    p->input1_offset = -a->zero_point;
    p->input2_offset = -b->zero_point;
    p->output_offset = o->zero_point;
    p->left_shift = 20;
    const double twice_max = 2 * (double)(a->scale > b->scale ? a->scale : b->scale);
    const double real_out = twice_max / ((double)(1 << p->left_shift) * (double)o->scale);
    if (!smaller_than_one((double)a->scale / twice_max, &p->input1_multiplier, &p->input1_shift) ||
        !smaller_than_one((double)b->scale / twice_max, &p->input2_multiplier, &p->input2_shift) ||
        !smaller_than_one(real_out, &p->output_multiplier, &p->output_shift)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
            "scales (inputs %f, %f, output %f) give an output multiplier %f outside (0, 1)", (double)a->scale,
            (double)b->scale, (double)o->scale, real_out);
    }
    if (!tml_activation_range_s8(activation, o->scale, o->zero_point, &p->activation.min, &p->activation.max)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fused activation %d is not supported", activation);
    }
    return TML_OK;
}

tml_status_t tml_add_eval(tml_model_t *m, tml_op_t *op) {
    const arith_data_t *d = op->data;
    return tml_add_s8(&d->u.add, &d->in1, tml_op_input(m, op, 0)->data, &d->in2, tml_op_input(m, op, 1)->data,
        &d->out, tml_op_output(m, op, 0)->data);
}

tml_status_t tml_mul_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    arith_data_t *d;
    int activation;
    tml_status_t s = arith_prepare(m, op, err, OPT_MUL, &d, &activation);
    if (s != TML_OK) {
        return s;
    }
    const tml_tensor_t *a = tml_op_input(m, op, 0), *b = tml_op_input(m, op, 1), *o = tml_op_output(m, op, 0);
    tml_mul_params_t *p = &d->u.mul;
    p->input1_offset = -a->zero_point;
    p->input2_offset = -b->zero_point;
    p->output_offset = o->zero_point;
    const double real = (double)a->scale * (double)b->scale / (double)o->scale;
    int shift;
    tml_quantize_multiplier(real, &p->output_multiplier, &shift);
    if (shift > 31) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "effective scale %f is too large", real);
    }
    p->output_shift = shift;
    if (!tml_activation_range_s8(activation, o->scale, o->zero_point, &p->activation.min, &p->activation.max)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fused activation %d is not supported", activation);
    }
    return TML_OK;
}

tml_status_t tml_mul_eval(tml_model_t *m, tml_op_t *op) {
    const arith_data_t *d = op->data;
    return tml_mul_s8(&d->u.mul, &d->in1, tml_op_input(m, op, 0)->data, &d->in2, tml_op_input(m, op, 1)->data,
        &d->out, tml_op_output(m, op, 0)->data);
}


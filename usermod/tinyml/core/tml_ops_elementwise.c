/* tinyml ops: binary elementwise operators with numpy-style broadcasting up to
 * TML_MAX_DIMS dimensions, as TFLM's micro kernels:
 *   ADD    int8 int16 int32 float32   add.cc, add_common.cc (cmsis_nn/add.cc)
 *   SUB    int8 int16 int32 float32   sub.cc, sub_common.cc
 *   MUL    int8 int16 int32 float32   mul.cc, mul_common.cc (cmsis_nn/mul.cc)
 *   DIV    int8 int32 float32         div.cc
 *   MAXIMUM, MINIMUM  int8 int16 int32 int64 float32   maximum_minimum.cc
 *   SQUARED_DIFFERENCE  int8 int16 int32 float32       squared_difference.cc
 *   PRELU  int8 int16 (int8 alpha) float32             prelu.cc, prelu_common.cc
 * Prepare computes TFLM's multipliers and clamp ranges; eval calls one kernel
 * per (operator, type), so the registry rows of a left-out type group leave
 * their kernels unreferenced. */
#include "tml_ops.h"
#include "tml_rows.h"
#include "../kernels/tml_math.h"
#include "../kernels/tml_kernels.h"

enum {
    OPT_ADD = 11, OPT_MUL = 21, OPT_SUB = 28, OPT_DIV = 29, OPT_MAXMIN = 39, OPT_SQDIFF = 76,
};

static void to_shape(const tml_tensor_t *t, tml_shape_t *s) {
    s->ndims = t->ndims;
    for (int i = 0; i < TML_MAX_DIMS; ++i) {
        s->dims[i] = i < t->ndims ? t->dims[i] : 1;
    }
}

static tml_status_t check_options(tml_error_t *err, const tml_op_t *op, int opt_type) {
    if (op->options_pos && op->options_type != opt_type) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, opt_type);
    }
    return TML_OK;
}

/* A quantized tensor of type `type`: scale > 0, zero point in the type's range
 * (zero if zero_zp: TFLM's int16 kernels require it). */
static tml_status_t check_quant(tml_error_t *err, const tml_op_t *op, const tml_tensor_t *t, const char *what,
    bool zero_zp) {
    const int32_t lo = t->type == TML_INT8 ? INT8_MIN : INT16_MIN, hi = t->type == TML_INT8 ? INT8_MAX : INT16_MAX;
    if (!(t->scale > 0.0f)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s has no valid quantization scale", what);
    }
    if (zero_zp && t->zero_point != 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "%s zero point is %d; %s requires 0", what,
            (int)t->zero_point, tml_type_name(t->type));
    }
    if (t->zero_point < lo || t->zero_point > hi) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s zero point %d is outside the %s range", what,
            (int)t->zero_point, tml_type_name(t->type));
    }
    return TML_OK;
}

/* int32 arithmetic is unquantized in TFLM (it requires no quantization). */
static tml_status_t check_unquantized(tml_error_t *err, tml_model_t *m, const tml_op_t *op, const tml_tensor_t *t,
    const char *what) {
    if (tml_tensor_num_scales(m, t) != 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "%s is quantized; only unquantized int32 is supported", what);
    }
    return TML_OK;
}

static bool has_type(int type, const uint8_t *types) {
    for (; *types != 0xff; ++types) {
        if (*types == type) {
            return true;
        }
    }
    return false;
}

/* Shared checks: 2 inputs, 1 output, option table type, input 1 of a type in
 * `types` (0xff-terminated), input 2 (of alpha_type if >= 0, else input 1's)
 * and output of input 1's type, output shape = broadcast of the inputs. */
static tml_status_t binary_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err, int opt_type,
    const uint8_t *types, int alpha_type, tml_tensor_t **a, tml_tensor_t **b, tml_tensor_t **o) {
    tml_status_t s = tml_check_io_count(err, op, 2, 2, 1);
    if (s != TML_OK || (opt_type >= 0 && (s = check_options(err, op, opt_type)) != TML_OK)) {
        return s;
    }
    *a = tml_op_input(m, op, 0);
    *b = tml_op_input(m, op, 1);
    *o = tml_op_output(m, op, 0);
    const int type = (*a)->type;
    if (!has_type(type, types)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input 1 has type %s, which this operator does not support",
            tml_type_name(type));
    }
    if ((s = tml_check_type(err, op, *b, "input 2", alpha_type >= 0 ? alpha_type : type)) != TML_OK ||
        (s = tml_check_type(err, op, *o, "output", type)) != TML_OK) {
        return s;
    }
    const int n = (*a)->ndims > (*b)->ndims ? (*a)->ndims : (*b)->ndims;
    int32_t expect[TML_MAX_DIMS];
    for (int i = 0; i < n; ++i) {
        const int ka = i - (n - (*a)->ndims), kb = i - (n - (*b)->ndims);
        const int32_t da = ka < 0 ? 1 : (*a)->dims[ka], db = kb < 0 ? 1 : (*b)->dims[kb];
        if (da != db && da != 1 && db != 1) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
                "input shapes do not broadcast (dimension %d: %d vs %d)", i, (int)da, (int)db);
        }
        expect[i] = da == 1 ? db : da;
    }
    if ((s = tml_check_shape(err, op, *o, "output", expect, n)) != TML_OK) {
        return s;
    }
    op->scratch_size = 0;
    op->macs = (uint32_t)tml_tensor_elements(*o);
    return TML_OK;
}

static void *alloc_data(tml_model_t *m, tml_op_t *op, size_t size, tml_error_t *err) {
    op->data = tml_persistent_alloc(m, size, err);
    return op->data;
}

static tml_status_t activation_fail(tml_error_t *err, const tml_op_t *op, int activation) {
    return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fused activation %d is not supported", activation);
}

/* Quantized clamp range of the output's type. */
static bool activation_q(int activation, const tml_tensor_t *o, tml_activation_t *act) {
    const bool s8 = o->type == TML_INT8;
    return tml_activation_range_q(activation, o->scale, o->zero_point, s8 ? INT8_MIN : INT16_MIN,
        s8 ? INT8_MAX : INT16_MAX, &act->min, &act->max);
}

/* float32 / int32 data: the fused activation's clamp (ADD int32: none, as TFLM). */
static tml_status_t unquantized_data(tml_model_t *m, tml_op_t *op, tml_error_t *err, const tml_tensor_t *o,
    int activation, bool ignore_activation) {
    if (o->type == TML_FLOAT32) {
        tml_activation_f32_t *act = alloc_data(m, op, sizeof(*act), err);
        if (!act) {
            return TML_ERR_NO_MEMORY;
        }
        return tml_activation_range_f32(activation, &act->min, &act->max) ? TML_OK
                                                                          : activation_fail(err, op, activation);
    }
    tml_activation_t *act = alloc_data(m, op, sizeof(*act), err);
    if (!act) {
        return TML_ERR_NO_MEMORY;
    }
    if (ignore_activation) {
        act->min = INT32_MIN;
        act->max = INT32_MAX;
        return TML_OK;
    }
    return tml_activation_range_s32(activation, &act->min, &act->max) ? TML_OK : activation_fail(err, op, activation);
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

/* QuantizeMultiplier with the shift MultiplyByQuantizedMultiplier can apply. */
static bool multiplier(double x, int32_t *mult, int32_t *shift, int max_shift) {
    int sh;
    tml_quantize_multiplier(x, mult, &sh);
    *shift = sh;
    return sh >= -31 && sh <= max_shift;
}

static tml_status_t scales_fail(tml_error_t *err, const tml_op_t *op, const tml_tensor_t *a, const tml_tensor_t *b,
    const tml_tensor_t *o) {
    return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
        "scales (inputs %f, %f, output %f) give a multiplier outside the supported range", (double)a->scale,
        (double)b->scale, (double)o->scale);
}

/* The operands of a binary eval: shapes from the tensors (not kept in op data). */
typedef struct {
    tml_shape_t s1, s2, so;
    const void *in1, *in2;
    void *out;
} binary_args_t;

static void binary_args(tml_model_t *m, const tml_op_t *op, binary_args_t *a) {
    const tml_tensor_t *t1 = tml_op_input(m, op, 0), *t2 = tml_op_input(m, op, 1);
    tml_tensor_t *to = tml_op_output(m, op, 0);
    to_shape(t1, &a->s1);
    to_shape(t2, &a->s2);
    to_shape(to, &a->so);
    a->in1 = t1->data;
    a->in2 = t2->data;
    a->out = to->data;
}

#define EVAL_ARGS(T1, T2, TO) \
    binary_args_t a_; \
    binary_args(m, op, &a_); \
    const tml_shape_t *s1p = &a_.s1, *s2p = &a_.s2, *sop = &a_.so; \
    const T1 *in1 = (const T1 *)a_.in1; \
    const T2 *in2 = (const T2 *)a_.in2; \
    TO *out = (TO *)a_.out

/* ---- ADD / SUB ---- */

static const uint8_t ADD_TYPES[] = {TML_INT8, TML_INT16, TML_INT32, TML_FLOAT32, 0xff};

/* CalculateOpDataAdd / CalculateOpDataSub: left shift 20 (int8) or 15 (int16),
 * the multipliers in double (SUB: as the tflite-micro package we test against,
 * which has TFLM's "Fixed all foubles" change; its git HEAD still divides in
 * float there, as it does for DIV, RELU, ABS, RSQRT, LEAKY_RELU, HARD_SWISH). */
static tml_status_t add_sub_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err, bool sub) {
    tml_tensor_t *a, *b, *o;
    tml_status_t s = binary_prepare(m, op, err, sub ? OPT_SUB : OPT_ADD, ADD_TYPES, -1, &a, &b, &o);
    if (s != TML_OK) {
        return s;
    }
    const int activation = tml_fb_u8(TML_OPTIONS(m, op), 0, TML_ACT_NONE);
    if (a->type == TML_FLOAT32 || a->type == TML_INT32) {
        if (a->type == TML_INT32 && ((s = check_unquantized(err, m, op, a, "input 1")) != TML_OK ||
            (s = check_unquantized(err, m, op, b, "input 2")) != TML_OK ||
            (sub && (s = check_unquantized(err, m, op, o, "output")) != TML_OK))) {
            return s;
        }
        return unquantized_data(m, op, err, o, activation, !sub);
    }
    if ((s = check_quant(err, op, a, "input 1", false)) != TML_OK ||
        (s = check_quant(err, op, b, "input 2", false)) != TML_OK ||
        (s = check_quant(err, op, o, "output", false)) != TML_OK) {
        return s;
    }
    tml_add_params_t *p = alloc_data(m, op, sizeof(*p), err);
    if (!p) {
        return TML_ERR_NO_MEMORY;
    }
    p->input1_offset = -a->zero_point;
    p->input2_offset = -b->zero_point;
    p->output_offset = o->zero_point;
    p->left_shift = a->type == TML_INT16 ? 15 : 20;
    const double twice_max = 2 * (double)(a->scale > b->scale ? a->scale : b->scale);
    const double real1 = (double)a->scale / twice_max;
    const double real2 = (double)b->scale / twice_max;
    const double real_out = twice_max / ((double)(1 << p->left_shift) * (double)o->scale);
    if (!smaller_than_one(real1, &p->input1_multiplier, &p->input1_shift) ||
        !smaller_than_one(real2, &p->input2_multiplier, &p->input2_shift) ||
        !smaller_than_one(real_out, &p->output_multiplier, &p->output_shift)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
            "scales (inputs %f, %f, output %f) give an output multiplier %f outside (0, 1)", (double)a->scale,
            (double)b->scale, (double)o->scale, real_out);
    }
    if (!sub && a->type == TML_INT8) {
        tml_shape_t s1, s2, so;
        to_shape(a, &s1);
        to_shape(b, &s2);
        to_shape(o, &so);
        p->kernel = tml_add_s8_select(p, &s1, &s2, &so);
        tml_op_set_kernel(op, p->kernel);
    }
    return activation_q(activation, o, &p->activation) ? TML_OK : activation_fail(err, op, activation);
}

tml_status_t tml_add_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return add_sub_prepare(m, op, err, false);
}

tml_status_t tml_sub_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return add_sub_prepare(m, op, err, true);
}

tml_status_t tml_add_eval(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(int8_t, int8_t, int8_t);
    return tml_add_s8(op->data, s1p, in1, s2p, in2, sop, out);
}

/* ADD int8 by rows (tml_rows.h): inputs and output of one 4-D shape, batch 1 (no broadcast). */
static bool add_rows_ok(const tml_model_t *m, const tml_op_t *op) {
    const tml_tensor_t *a = &m->tensors[op->inputs[0]], *b = &m->tensors[op->inputs[1]];
    const tml_tensor_t *o = &m->tensors[OUTS(op)[0]];
    if (o->ndims != 4 || a->ndims != 4 || b->ndims != 4 || o->dims[0] != 1) {
        return false;
    }
    for (int i = 0; i < 4; ++i) {
        if (a->dims[i] != o->dims[i] || b->dims[i] != o->dims[i]) {
            return false;
        }
    }
    return true;
}

static void add_geom(const tml_model_t *m, const tml_op_t *op, int k, tml_row_geom_t *g) {
    (void)m;
    (void)op;
    (void)k;
    g->stride = 1;
    g->pad = 0;
    g->span = 1;
}

static int32_t add_rows_scratch(tml_model_t *m, const tml_op_t *op, const tml_rows_call_t *c) {
    (void)m;
    (void)op;
    (void)c;
    return tml_add_s8_get_buffer_size();
}

static tml_status_t add_rows_run(tml_model_t *m, const tml_op_t *op, const tml_rows_call_t *c) {
    const tml_tensor_t *o = tml_op_output(m, op, 0);
    const int32_t row = tml_tensor_row_bytes(o);
    tml_shape_t s = {4, {1, c->y1 - c->y0, o->dims[2], o->dims[3], 1, 1}};
    return tml_add_s8(op->data, &s, (const int8_t *)c->in[0] + (c->y0 - c->in_y0[0]) * row, &s,
        (const int8_t *)c->in[1] + (c->y0 - c->in_y0[1]) * row, &s, c->out);
}

const tml_rows_impl_t tml_add_rows = {2, add_rows_ok, add_geom, add_rows_scratch, add_rows_run};

tml_status_t tml_add_eval_s16(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(int16_t, int16_t, int16_t);
    return tml_add_s16(op->data, s1p, in1, s2p, in2, sop, out);
}

tml_status_t tml_add_eval_s32(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(int32_t, int32_t, int32_t);
    return tml_add_s32(op->data, s1p, in1, s2p, in2, sop, out);
}

tml_status_t tml_add_eval_f32(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(float, float, float);
    return tml_add_f32(op->data, s1p, in1, s2p, in2, sop, out);
}

tml_status_t tml_sub_eval(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(int8_t, int8_t, int8_t);
    return tml_sub_s8(op->data, s1p, in1, s2p, in2, sop, out);
}

tml_status_t tml_sub_eval_s16(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(int16_t, int16_t, int16_t);
    return tml_sub_s16(op->data, s1p, in1, s2p, in2, sop, out);
}

tml_status_t tml_sub_eval_s32(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(int32_t, int32_t, int32_t);
    return tml_sub_s32(op->data, s1p, in1, s2p, in2, sop, out);
}

tml_status_t tml_sub_eval_f32(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(float, float, float);
    return tml_sub_f32(op->data, s1p, in1, s2p, in2, sop, out);
}

/* ---- MUL (CalculateOpDataMul) ---- */

tml_status_t tml_mul_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *a, *b, *o;
    tml_status_t s = binary_prepare(m, op, err, OPT_MUL, ADD_TYPES, -1, &a, &b, &o);
    if (s != TML_OK) {
        return s;
    }
    const int activation = tml_fb_u8(TML_OPTIONS(m, op), 0, TML_ACT_NONE);
    if (a->type == TML_FLOAT32 || a->type == TML_INT32) {
        return unquantized_data(m, op, err, o, activation, false);
    }
    const bool s16 = a->type == TML_INT16;
    if ((s = check_quant(err, op, a, "input 1", s16)) != TML_OK ||
        (s = check_quant(err, op, b, "input 2", s16)) != TML_OK ||
        (s = check_quant(err, op, o, "output", s16)) != TML_OK) {
        return s;
    }
    tml_mul_params_t *p = alloc_data(m, op, sizeof(*p), err);
    if (!p) {
        return TML_ERR_NO_MEMORY;
    }
    p->input1_offset = -a->zero_point;
    p->input2_offset = -b->zero_point;
    p->output_offset = o->zero_point;
    if (!multiplier((double)a->scale * (double)b->scale / (double)o->scale, &p->output_multiplier,
        &p->output_shift, 31)) {
        return scales_fail(err, op, a, b, o);
    }
    if (!s16) {
        tml_shape_t s1, s2, so;
        to_shape(a, &s1);
        to_shape(b, &s2);
        to_shape(o, &so);
        p->kernel = tml_mul_s8_select(p, &s1, &s2, &so);
        tml_op_set_kernel(op, p->kernel);
    }
    return activation_q(activation, o, &p->activation) ? TML_OK : activation_fail(err, op, activation);
}

tml_status_t tml_mul_eval(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(int8_t, int8_t, int8_t);
    return tml_mul_s8(op->data, s1p, in1, s2p, in2, sop, out);
}

tml_status_t tml_mul_eval_s16(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(int16_t, int16_t, int16_t);
    return tml_mul_s16(op->data, s1p, in1, s2p, in2, sop, out);
}

tml_status_t tml_mul_eval_s32(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(int32_t, int32_t, int32_t);
    return tml_mul_s32(op->data, s1p, in1, s2p, in2, sop, out);
}

tml_status_t tml_mul_eval_f32(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(float, float, float);
    return tml_mul_f32(op->data, s1p, in1, s2p, in2, sop, out);
}

/* ---- DIV (CalculateOpDataDiv) ---- */

static const uint8_t DIV_TYPES[] = {TML_INT8, TML_INT32, TML_FLOAT32, 0xff};

tml_status_t tml_div_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *a, *b, *o;
    tml_status_t s = binary_prepare(m, op, err, OPT_DIV, DIV_TYPES, -1, &a, &b, &o);
    if (s != TML_OK) {
        return s;
    }
    const int activation = tml_fb_u8(TML_OPTIONS(m, op), 0, TML_ACT_NONE);
    if (a->type == TML_FLOAT32 || a->type == TML_INT32) {
        if (a->type == TML_INT32 && ((s = check_unquantized(err, m, op, a, "input 1")) != TML_OK ||
            (s = check_unquantized(err, m, op, b, "input 2")) != TML_OK)) {
            return s;
        }
        return unquantized_data(m, op, err, o, activation, false);
    }
    if ((s = check_quant(err, op, a, "input 1", false)) != TML_OK ||
        (s = check_quant(err, op, b, "input 2", false)) != TML_OK ||
        (s = check_quant(err, op, o, "output", false)) != TML_OK) {
        return s;
    }
    tml_mul_params_t *p = alloc_data(m, op, sizeof(*p), err);
    if (!p) {
        return TML_ERR_NO_MEMORY;
    }
    p->input1_offset = -a->zero_point;
    p->input2_offset = -b->zero_point;
    p->output_offset = o->zero_point;
    /* The kernel's final shift, output_shift - (reciprocal and headroom shifts
     * of 22..38), must be a right shift of at most 62 bits. */
    if (!multiplier((double)a->scale / ((double)b->scale * (double)o->scale), &p->output_multiplier,
            &p->output_shift, 22) ||
        p->output_shift < -24) {
        return scales_fail(err, op, a, b, o);
    }
    return activation_q(activation, o, &p->activation) ? TML_OK : activation_fail(err, op, activation);
}

tml_status_t tml_div_eval(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(int8_t, int8_t, int8_t);
    return tml_div_s8(op->data, s1p, in1, s2p, in2, sop, out);
}

tml_status_t tml_div_eval_s32(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(int32_t, int32_t, int32_t);
    return tml_div_s32(op->data, s1p, in1, s2p, in2, sop, out);
}

tml_status_t tml_div_eval_f32(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(float, float, float);
    return tml_div_f32(op->data, s1p, in1, s2p, in2, sop, out);
}

/* ---- MAXIMUM / MINIMUM: raw values, no parameters (TFLM has no prepare) ---- */

static const uint8_t MAXMIN_TYPES[] = {TML_INT8, TML_INT16, TML_INT32, TML_INT64, TML_FLOAT32, 0xff};

static tml_status_t maxmin_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *a, *b, *o;
    return binary_prepare(m, op, err, OPT_MAXMIN, MAXMIN_TYPES, -1, &a, &b, &o);
}

tml_status_t tml_maximum_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return maxmin_prepare(m, op, err);
}

tml_status_t tml_minimum_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return maxmin_prepare(m, op, err);
}

#define MAXMIN_EVAL(name, kernel, T) \
    tml_status_t name(tml_model_t *m, tml_op_t *op) { \
        EVAL_ARGS(T, T, T); \
        return kernel(s1p, in1, s2p, in2, sop, out); \
    }
MAXMIN_EVAL(tml_maximum_eval, tml_maximum_s8, int8_t)
MAXMIN_EVAL(tml_maximum_eval_s16, tml_maximum_s16, int16_t)
MAXMIN_EVAL(tml_maximum_eval_s32, tml_maximum_s32, int32_t)
MAXMIN_EVAL(tml_maximum_eval_s64, tml_maximum_s64, int64_t)
MAXMIN_EVAL(tml_maximum_eval_f32, tml_maximum_f32, float)
MAXMIN_EVAL(tml_minimum_eval, tml_minimum_s8, int8_t)
MAXMIN_EVAL(tml_minimum_eval_s16, tml_minimum_s16, int16_t)
MAXMIN_EVAL(tml_minimum_eval_s32, tml_minimum_s32, int32_t)
MAXMIN_EVAL(tml_minimum_eval_s64, tml_minimum_s64, int64_t)
MAXMIN_EVAL(tml_minimum_eval_f32, tml_minimum_f32, float)

/* ---- SQUARED_DIFFERENCE (SquaredDifferencePrepare, PrepareQuantized) ---- */

tml_status_t tml_squared_difference_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *a, *b, *o;
    tml_status_t s = binary_prepare(m, op, err, OPT_SQDIFF, ADD_TYPES, -1, &a, &b, &o);
    if (s != TML_OK || a->type == TML_FLOAT32 || a->type == TML_INT32) {
        return s;
    }
    const bool s16 = a->type == TML_INT16;
    if ((s = check_quant(err, op, a, "input 1", s16)) != TML_OK ||
        (s = check_quant(err, op, b, "input 2", s16)) != TML_OK ||
        (s = check_quant(err, op, o, "output", s16)) != TML_OK) {
        return s;
    }
    tml_add_params_t *p = alloc_data(m, op, sizeof(*p), err);
    if (!p) {
        return TML_ERR_NO_MEMORY;
    }
    p->input1_offset = -a->zero_point;
    p->input2_offset = -b->zero_point;
    p->output_offset = o->zero_point;
    p->left_shift = s16 ? 0 : 7;
    const double twice_max = 2.0 * (double)(a->scale > b->scale ? a->scale : b->scale);
    const double real_out = (twice_max * twice_max) / ((double)(1 << p->left_shift * 2) * (double)o->scale);
    if (!smaller_than_one((double)a->scale / twice_max, &p->input1_multiplier, &p->input1_shift) ||
        !smaller_than_one((double)b->scale / twice_max, &p->input2_multiplier, &p->input2_shift) ||
        !multiplier(real_out, &p->output_multiplier, &p->output_shift, 30)) {
        return scales_fail(err, op, a, b, o);
    }
    p->activation.min = s16 ? INT16_MIN : INT8_MIN;
    p->activation.max = s16 ? INT16_MAX : INT8_MAX;
    return TML_OK;
}

tml_status_t tml_squared_difference_eval(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(int8_t, int8_t, int8_t);
    return tml_squared_difference_s8(op->data, s1p, in1, s2p, in2, sop, out);
}

tml_status_t tml_squared_difference_eval_s16(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(int16_t, int16_t, int16_t);
    return tml_squared_difference_s16(op->data, s1p, in1, s2p, in2, sop, out);
}

tml_status_t tml_squared_difference_eval_s32(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(int32_t, int32_t, int32_t);
    return tml_squared_difference_s32(s1p, in1, s2p, in2, sop, out);
}

tml_status_t tml_squared_difference_eval_f32(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(float, float, float);
    return tml_squared_difference_f32(s1p, in1, s2p, in2, sop, out);
}

/* ---- PRELU (CalculatePreluParams): alpha broadcasts against the input ---- */

static const uint8_t PRELU_TYPES[] = {TML_INT8, TML_INT16, TML_FLOAT32, 0xff};

tml_status_t tml_prelu_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *a, *b, *o;
    const int type = op->n_inputs > 0 && tml_op_input(m, op, 0) ? tml_op_input(m, op, 0)->type : TML_INT8;
    tml_status_t s = binary_prepare(m, op, err, -1, PRELU_TYPES, type == TML_INT16 ? TML_INT8 : -1, &a, &b, &o);
    if (s != TML_OK || a->type == TML_FLOAT32) {
        return s;
    }
    if ((s = check_quant(err, op, a, "input", false)) != TML_OK ||
        (s = check_quant(err, op, b, "alpha", false)) != TML_OK ||
        (s = check_quant(err, op, o, "output", false)) != TML_OK) {
        return s;
    }
    tml_prelu_params_t *p = alloc_data(m, op, sizeof(*p), err);
    if (!p) {
        return TML_ERR_NO_MEMORY;
    }
    p->input_offset = -a->zero_point;
    p->alpha_offset = -b->zero_point;
    p->output_offset = o->zero_point;
    if (!multiplier((double)a->scale / (double)o->scale, &p->output_multiplier_1, &p->output_shift_1, 30) ||
        !multiplier((double)a->scale * (double)b->scale / (double)o->scale, &p->output_multiplier_2,
            &p->output_shift_2, 30)) {
        return scales_fail(err, op, a, b, o);
    }
    return TML_OK;
}

tml_status_t tml_prelu_eval(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(int8_t, int8_t, int8_t);
    return tml_prelu_s8(op->data, s1p, in1, s2p, in2, sop, out);
}

tml_status_t tml_prelu_eval_s16(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(int16_t, int8_t, int16_t);
    return tml_prelu_s16(op->data, s1p, in1, s2p, in2, sop, out);
}

tml_status_t tml_prelu_eval_f32(tml_model_t *m, tml_op_t *op) {
    EVAL_ARGS(float, float, float);
    return tml_prelu_f32(s1p, in1, s2p, in2, sop, out);
}

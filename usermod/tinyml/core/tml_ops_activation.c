/* tinyml ops: activations, as TFLM's micro kernels:
 *   LOGISTIC, TANH  int8 int16 float32   logistic_common.cc, logistic.cc, tanh.cc
 *   RELU, RELU6     int8 int16 float32   activations_common.cc, activations.cc
 *   LEAKY_RELU      int8 int16 float32   leaky_relu_common.cc, leaky_relu.cc
 *   HARD_SWISH      int8 float32         hard_swish_common.cc, hard_swish.cc
 *   ELU             int8 float32         elu.cc (int8: a 256-entry table, as TFLM)
 * and the fused-activation range helpers. */
#include <math.h>
#include "tml_ops.h"
#include "../kernels/tml_math.h"
#include "../kernels/tml_kernels.h"

/* TFLM kernel_util.cc Quantize(): zero_point + (int32_t)round(f / scale), in float. */
static bool quantize_act(float scale, int32_t zero_point, float f, int32_t *q) {
    const float tmp = tml_roundf(f / scale);
    if (!(tmp >= -2147483648.0f && tmp < 2147483648.0f)) {
        return false;
    }
    const int64_t v = (int64_t)zero_point + (int64_t)tmp;
    if (v < INT32_MIN || v > INT32_MAX) {
        return false;
    }
    *q = (int32_t)v;
    return true;
}

/* CalculateActivationRangeQuantized (tensorflow/lite/kernels/kernel_util.cc)
 * for an output range [qmin, qmax]. TFLM treats TANH and SIGN_BIT as no
 * activation; we refuse them (the model asks for an activation no kernel
 * applies). */
bool tml_activation_range_q(int activation, float scale, int32_t zero_point, int32_t qmin, int32_t qmax,
    int32_t *act_min, int32_t *act_max) {
    int32_t lo = qmin, hi = qmax, q;
    switch (activation) {
        case TML_ACT_NONE:
            break;
        case TML_ACT_RELU:
            if (!quantize_act(scale, zero_point, 0.0f, &q)) {
                return false;
            }
            lo = q > lo ? q : lo;
            break;
        case TML_ACT_RELU6:
        case TML_ACT_RELU_N1_TO_1: {
            const bool six = activation == TML_ACT_RELU6;
            if (!quantize_act(scale, zero_point, six ? 0.0f : -1.0f, &q)) {
                return false;
            }
            lo = q > lo ? q : lo;
            if (!quantize_act(scale, zero_point, six ? 6.0f : 1.0f, &q)) {
                return false;
            }
            hi = q < hi ? q : hi;
            break;
        }
        default:
            return false;
    }
    *act_min = lo;
    *act_max = hi;
    return true;
}

bool tml_activation_range_s8(int activation, float scale, int32_t zero_point, int32_t *act_min, int32_t *act_max) {
    return tml_activation_range_q(activation, scale, zero_point, -128, 127, act_min, act_max);
}

bool tml_activation_range_s16(int activation, float scale, int32_t zero_point, int32_t *act_min, int32_t *act_max) {
    return tml_activation_range_q(activation, scale, zero_point, -32768, 32767, act_min, act_max);
}

/* CalculateActivationRange<float> and <int32_t> (kernel_util.h). */
bool tml_activation_range_f32(int activation, float *act_min, float *act_max) {
    switch (activation) {
        case TML_ACT_NONE:
            *act_min = -3.40282347e38f; /* std::numeric_limits<float>::lowest() */
            *act_max = 3.40282347e38f;
            return true;
        case TML_ACT_RELU:
            *act_min = 0.0f;
            *act_max = 3.40282347e38f;
            return true;
        case TML_ACT_RELU6:
            *act_min = 0.0f;
            *act_max = 6.0f;
            return true;
        case TML_ACT_RELU_N1_TO_1:
            *act_min = -1.0f;
            *act_max = 1.0f;
            return true;
        default:
            return false;
    }
}

bool tml_activation_range_s32(int activation, int32_t *act_min, int32_t *act_max) {
    switch (activation) {
        case TML_ACT_NONE:
            *act_min = INT32_MIN;
            *act_max = INT32_MAX;
            return true;
        case TML_ACT_RELU:
            *act_min = 0;
            *act_max = INT32_MAX;
            return true;
        case TML_ACT_RELU6:
            *act_min = 0;
            *act_max = 6;
            return true;
        case TML_ACT_RELU_N1_TO_1:
            *act_min = -1;
            *act_max = 1;
            return true;
        default:
            return false;
    }
}

/* One input, one output of the same type and shape; input of a type in
 * `types` (0xff-terminated). */
static tml_status_t prepare_unary(tml_model_t *m, tml_op_t *op, tml_error_t *err, const uint8_t *types,
    tml_tensor_t **in, tml_tensor_t **out) {
    tml_status_t s = tml_check_io_count(err, op, 1, 1, 1);
    if (s != TML_OK) {
        return s;
    }
    *in = tml_op_input(m, op, 0);
    *out = tml_op_output(m, op, 0);
    bool ok = false;
    for (const uint8_t *t = types; *t != 0xff; ++t) {
        ok = ok || *t == (*in)->type;
    }
    if (!ok) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input has type %s, which this operator does not support",
            tml_type_name((*in)->type));
    }
    if ((s = tml_check_type(err, op, *out, "output", (*in)->type)) != TML_OK) {
        return s;
    }
    op->macs = (uint32_t)tml_tensor_elements(*in);
    return tml_check_shape(err, op, *out, "output", (*in)->dims, (*in)->ndims);
}

static const uint8_t TYPES_S8_S16_F32[] = {TML_INT8, TML_INT16, TML_FLOAT32, 0xff};
static const uint8_t TYPES_S8_F32[] = {TML_INT8, TML_FLOAT32, 0xff};

/* Quantized input/output: scale > 0, zero point in the type's range, or 0. */
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

static tml_status_t check_quant_io(tml_error_t *err, const tml_op_t *op, const tml_tensor_t *in,
    const tml_tensor_t *out, bool zero_zp) {
    tml_status_t s = check_quant(err, op, in, "input", zero_zp);
    return s != TML_OK ? s : check_quant(err, op, out, "output", zero_zp);
}

/* QuantizeMultiplier(x) with a shift MultiplyByQuantizedMultiplier can apply. */
static bool multiplier(double x, int32_t *mult, int32_t *shift) {
    int sh;
    tml_quantize_multiplier(x, mult, &sh);
    *shift = sh;
    return sh >= -31 && sh <= 30;
}

static tml_status_t ratio_fail(tml_error_t *err, const tml_op_t *op, const tml_tensor_t *in, const tml_tensor_t *out) {
    return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input/output scale ratio %f is out of range",
        (double)(in->scale / out->scale));
}

#define UNARY_IO(TI, TO) \
    const tml_tensor_t *in_ = tml_op_input(m, op, 0); \
    const TI *in = (const TI *)in_->data; \
    TO *out = (TO *)tml_op_output(m, op, 0)->data; \
    const int32_t n = tml_tensor_elements(in_)

/* ---- LOGISTIC, TANH ---- */

typedef struct {
    int32_t zero_point, range_radius, multiplier, left_shift;
} sigmoid_data_t;

/* CheckedLog2 (quantization_util.cc): log2 of x rounded, and whether x is a
 * power of two (within 1e-3 in the log). */
static bool checked_log2(float x, int *log2_result) {
    const float x_log2 = logf(x) * (1.0f / logf(2.0f));
    const float x_log2_rounded = tml_roundf(x_log2);
    const float x_log2_fracpart = x_log2 - x_log2_rounded;
    *log2_result = (int)x_log2_rounded;
    return (x_log2_fracpart < 0 ? -x_log2_fracpart : x_log2_fracpart) < 1e-3f;
}

/* int16 (CalculateArithmeticOpDataLogistic / tanh.cc CalculateArithmeticOpData):
 * 3 input integer bits, output scale 2^-15, zero points 0. */
static tml_status_t prepare_sigmoid_s16(tml_op_t *op, tml_error_t *err, const tml_tensor_t *in,
    const tml_tensor_t *out, bool logistic, sigmoid_data_t *d) {
    tml_status_t s = check_quant_io(err, op, in, out, true);
    if (s != TML_OK) {
        return s;
    }
    if (!(in->scale < 1e30f) || !(out->scale < 1e30f)) {
        return ratio_fail(err, op, in, out);
    }
    int input_scale_log2_rounded;
    bool param_scale_pot = checked_log2(in->scale, &input_scale_log2_rounded);
    d->left_shift = (15 - 3) + input_scale_log2_rounded;
    param_scale_pot = param_scale_pot && (d->left_shift == 0 || (!logistic && d->left_shift == 1));
    if (param_scale_pot) {
        d->multiplier = 0;
    } else {
        double mult = (double)in->scale * 4096.0 * 3.0;
        d->left_shift = 0;
        while (mult <= 32767.0 / 2.0 && d->left_shift <= 30) {
            d->left_shift++;
            mult = mult * 2.0;
        }
        /* TFLM only DCHECKs <= 32767; beyond 65535 its int32 product overflows */
        if (mult > 65535.0) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input scale %f is too large for int16", (double)in->scale);
        }
        d->multiplier = (int32_t)mult;
    }
    int output_scale_log2_rounded;
    if (!checked_log2(out->scale, &output_scale_log2_rounded) || output_scale_log2_rounded != -15) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "int16 output scale must be 1/32768, got %f",
            (double)out->scale);
    }
    return TML_OK;
}

static tml_status_t prepare_sigmoid(tml_model_t *m, tml_op_t *op, tml_error_t *err, bool logistic) {
    tml_tensor_t *in, *out;
    tml_status_t s = prepare_unary(m, op, err, TYPES_S8_S16_F32, &in, &out);
    if (s != TML_OK || in->type == TML_FLOAT32) {
        return s;
    }
    sigmoid_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    op->data = d;
    if (in->type == TML_INT16) {
        return prepare_sigmoid_s16(op, err, in, out, logistic, d);
    }
    if (logistic && out->zero_point != -128) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "output zero point is %d; int8 LOGISTIC requires -128",
            (int)out->zero_point);
    }
    /* kInputIntegerBits = 4: multiplier = scale * 2^27 as frexp, without the
     * Q31 overflow fix-up of QuantizeMultiplier (exact as TFLM) */
    int shift;
    const double q = tml_frexp((double)in->scale * (double)(1 << 27), &shift);
    const double qf = tml_round(q * 2147483648.0);
    d->zero_point = in->zero_point;
    d->multiplier = qf >= 2147483648.0 ? INT32_MIN : (int32_t)qf;
    d->left_shift = shift;
    /* CalculateInputRadius(4, shift, 31) divides by (1LL << shift); for shifts
     * outside [0, 63) that is undefined in C++, and TFLM's reference (x86)
     * masks the count to 6 bits: reproduce that (only absurd scales get here) */
    const int sh = shift & 63;
    d->range_radius = sh == 63 ? -1 : tml_calculate_input_radius(4, sh, 31);
    if (d->range_radius > 0 && (shift < 0 || shift > 30)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input scale %f is out of range", (double)in->scale);
    }
    return TML_OK;
}

tml_status_t tml_logistic_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return prepare_sigmoid(m, op, err, true);
}

tml_status_t tml_tanh_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return prepare_sigmoid(m, op, err, false);
}

tml_status_t tml_logistic_eval(tml_model_t *m, tml_op_t *op) {
    const sigmoid_data_t *d = op->data;
    UNARY_IO(int8_t, int8_t);
    return tml_logistic_s8(in, out, n, d->zero_point, d->range_radius, d->multiplier, d->left_shift);
}

tml_status_t tml_tanh_eval(tml_model_t *m, tml_op_t *op) {
    const sigmoid_data_t *d = op->data;
    UNARY_IO(int8_t, int8_t);
    return tml_tanh_s8(in, out, n, d->zero_point, d->range_radius, d->multiplier, d->left_shift);
}

tml_status_t tml_logistic_eval_s16(tml_model_t *m, tml_op_t *op) {
    const sigmoid_data_t *d = op->data;
    UNARY_IO(int16_t, int16_t);
    return tml_logistic_s16(d->multiplier, d->left_shift, in, out, n);
}

tml_status_t tml_tanh_eval_s16(tml_model_t *m, tml_op_t *op) {
    const sigmoid_data_t *d = op->data;
    UNARY_IO(int16_t, int16_t);
    return tml_tanh_s16(d->multiplier, d->left_shift, in, out, n);
}

tml_status_t tml_logistic_eval_f32(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(float, float);
    return tml_unary_f32(TML_UNARY_LOGISTIC, in, out, n);
}

tml_status_t tml_tanh_eval_f32(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(float, float);
    return tml_unary_f32(TML_UNARY_TANH, in, out, n);
}


/* ---- RELU: requantizes input -> output, clamps at the output's zero
 * (CalculateReluOpData; int16 zero points 0) ---- */

typedef struct {
    int32_t in_zp, out_zp, multiplier, shift, act_min, act_max;
} relu_data_t;

tml_status_t tml_relu_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *in, *out;
    tml_status_t s = prepare_unary(m, op, err, TYPES_S8_S16_F32, &in, &out);
    if (s != TML_OK || in->type == TML_FLOAT32) {
        return s;
    }
    const bool s16 = in->type == TML_INT16;
    if (s16 && (s = check_quant_io(err, op, in, out, true)) != TML_OK) {
        return s;
    }
    if (!(out->scale > 0.0f)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "output scale must be positive, got %f",
            (double)out->scale);
    }
    relu_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    if (!multiplier((double)in->scale / (double)out->scale, &d->multiplier, &d->shift)) {
        return ratio_fail(err, op, in, out);
    }
    d->in_zp = in->zero_point;
    d->out_zp = out->zero_point;
    const int32_t zero = out->zero_point + (int32_t)tml_roundf(0.0f / out->scale);
    const int32_t qmin = s16 ? INT16_MIN : INT8_MIN;
    d->act_min = zero > qmin ? zero : qmin;
    d->act_max = s16 ? INT16_MAX : INT8_MAX;
    op->data = d;
    return TML_OK;
}

tml_status_t tml_relu_eval(tml_model_t *m, tml_op_t *op) {
    const relu_data_t *d = op->data;
    UNARY_IO(int8_t, int8_t);
    return tml_relu_s8(in, out, n, d->in_zp, d->out_zp, d->multiplier, d->shift, d->act_min, d->act_max);
}

tml_status_t tml_relu_eval_s16(tml_model_t *m, tml_op_t *op) {
    const relu_data_t *d = op->data;
    UNARY_IO(int16_t, int16_t);
    return tml_relu_s16(in, out, n, d->in_zp, d->out_zp, d->multiplier, d->shift, d->act_min, d->act_max);
}

tml_status_t tml_relu_eval_f32(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(float, float);
    return tml_unary_f32(TML_UNARY_RELU, in, out, n);
}


/* ---- RELU6: TFLM clamps to [zp, quantized 6] of the input, no requantization ---- */

typedef struct {
    int16_t lo, hi;
} relu6_data_t;

tml_status_t tml_relu6_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *in, *out;
    tml_status_t s = prepare_unary(m, op, err, TYPES_S8_S16_F32, &in, &out);
    if (s != TML_OK || in->type == TML_FLOAT32) {
        return s;
    }
    if (!(in->scale > 0.0f)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input scale must be positive, got %f", (double)in->scale);
    }
    relu6_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    /* FloatToQuantizedType<T>(6.0f, scale, zp); the lower bound is the zero
     * point converted to T */
    const bool s16 = in->type == TML_INT16;
    double six = tml_round((double)(6.0f / in->scale)) + (double)in->zero_point;
    six = six < (s16 ? -32768.0 : -128.0) ? (s16 ? -32768.0 : -128.0) : six > (s16 ? 32767.0 : 127.0) ? (s16 ? 32767.0 : 127.0) : six;
    d->hi = (int16_t)six;
    d->lo = s16 ? (int16_t)(uint16_t)((uint32_t)in->zero_point & 0xffffu)
                : (int16_t)(int8_t)(uint8_t)((uint32_t)in->zero_point & 0xffu);
    op->data = d;
    return TML_OK;
}

tml_status_t tml_relu6_eval(tml_model_t *m, tml_op_t *op) {
    const relu6_data_t *d = op->data;
    UNARY_IO(int8_t, int8_t);
    return tml_relu6_s8(in, out, n, (int8_t)d->lo, (int8_t)d->hi);
}

tml_status_t tml_relu6_eval_s16(tml_model_t *m, tml_op_t *op) {
    const relu6_data_t *d = op->data;
    UNARY_IO(int16_t, int16_t);
    return tml_relu6_s16(in, out, n, d->lo, d->hi);
}

tml_status_t tml_relu6_eval_f32(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(float, float);
    return tml_unary_f32(TML_UNARY_RELU6, in, out, n);
}


/* ---- LEAKY_RELU (CalculateOpDataLeakyRelu) ---- */

enum { OPT_LEAKY_RELU = 75 };

tml_status_t tml_leaky_relu_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *in, *out;
    tml_status_t s = prepare_unary(m, op, err, TYPES_S8_S16_F32, &in, &out);
    if (s != TML_OK) {
        return s;
    }
    if (op->options_pos && op->options_type != OPT_LEAKY_RELU) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, OPT_LEAKY_RELU);
    }
    const float alpha = tml_fb_f32(TML_OPTIONS(m, op), 0, 0.0f);
    if (in->type == TML_FLOAT32) {
        float *d = tml_persistent_alloc(m, sizeof(*d), err);
        if (!d) {
            return TML_ERR_NO_MEMORY;
        }
        *d = alpha;
        op->data = d;
        return TML_OK;
    }
    if ((s = check_quant_io(err, op, in, out, false)) != TML_OK) {
        return s;
    }
    tml_leaky_relu_params_t *p = tml_persistent_alloc(m, sizeof(*p), err);
    if (!p) {
        return TML_ERR_NO_MEMORY;
    }
    p->input_offset = in->zero_point;
    p->output_offset = out->zero_point;
    if (!multiplier((double)in->scale * (double)alpha / (double)out->scale, &p->multiplier_alpha, &p->shift_alpha) ||
        !multiplier((double)in->scale / (double)out->scale, &p->multiplier_identity, &p->shift_identity)) {
        return ratio_fail(err, op, in, out);
    }
    op->data = p;
    return TML_OK;
}

tml_status_t tml_leaky_relu_eval(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(int8_t, int8_t);
    return tml_leaky_relu_s8(op->data, in, out, n);
}

tml_status_t tml_leaky_relu_eval_s16(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(int16_t, int16_t);
    return tml_leaky_relu_s16(op->data, in, out, n);
}

tml_status_t tml_leaky_relu_eval_f32(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(float, float);
    return tml_leaky_relu_f32(*(const float *)op->data, in, out, n);
}


/* ---- HARD_SWISH (HardSwishPrepare) ---- */

/* DownScaleInt32ToInt16Multiplier (kernels/internal/common.h) */
static int16_t downscale_multiplier(int32_t m32) {
    if (m32 >= INT32_MAX - (1 << 15)) {
        return INT16_MAX;
    }
    return (int16_t)((m32 + (1 << 15)) >> 16);
}

tml_status_t tml_hard_swish_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *in, *out;
    tml_status_t s = prepare_unary(m, op, err, TYPES_S8_F32, &in, &out);
    if (s != TML_OK || in->type == TML_FLOAT32) {
        return s;
    }
    if ((s = check_quant_io(err, op, in, out, false)) != TML_OK) {
        return s;
    }
    tml_hard_swish_params_t *p = tml_persistent_alloc(m, sizeof(*p), err);
    if (!p) {
        return TML_ERR_NO_MEMORY;
    }
    p->input_zero_point = (int16_t)in->zero_point;
    p->output_zero_point = (int16_t)out->zero_point;
    const float hires_input_scale = (1.0f / 128.0f) * in->scale;
    const float reluish_scale = 3.0f / 32768.0f;
    int32_t m32;
    int exponent;
    tml_quantize_multiplier((double)hires_input_scale / (double)out->scale, &m32, &exponent);
    p->output_multiplier_fixedpoint_int16 = downscale_multiplier(m32);
    p->output_multiplier_exponent = exponent;
    if (exponent > 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
            "input scale / 128 / output scale is %f; it must be below 1", (double)hires_input_scale / (double)out->scale);
    }
    tml_quantize_multiplier((double)hires_input_scale / (double)reluish_scale, &m32, &exponent);
    p->reluish_multiplier_fixedpoint_int16 = downscale_multiplier(m32);
    p->reluish_multiplier_exponent = exponent;
    if (exponent > 31) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input scale %f is out of range", (double)in->scale);
    }
    op->data = p;
    return TML_OK;
}

tml_status_t tml_hard_swish_eval(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(int8_t, int8_t);
    return tml_hard_swish_s8(op->data, in, out, n);
}

tml_status_t tml_hard_swish_eval_f32(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(float, float);
    return tml_unary_f32(TML_UNARY_HARD_SWISH, in, out, n);
}


/* ---- ELU: int8 through a table (elu.cc PopulateLookupTable) ---- */

tml_status_t tml_elu_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *in, *out;
    tml_status_t s = prepare_unary(m, op, err, TYPES_S8_F32, &in, &out);
    if (s != TML_OK || in->type == TML_FLOAT32) {
        return s;
    }
    if ((s = check_quant_io(err, op, in, out, false)) != TML_OK) {
        return s;
    }
    int8_t *lut = tml_persistent_alloc(m, 256, err);
    if (!lut) {
        return TML_ERR_NO_MEMORY;
    }
    const float inverse_scale = 1 / out->scale;
    for (int32_t val = INT8_MIN; val <= INT8_MAX; ++val) {
        const float dequantized = in->scale * (float)(val - in->zero_point);
        const float transformed = dequantized < 0.0f ? expf(dequantized) - 1.0f : dequantized;
        const float rescaled = tml_roundf(transformed * inverse_scale) + (float)out->zero_point;
        /* static_cast<int32_t>; beyond int32 it saturates (Arm's conversion) */
        const int32_t q = rescaled != rescaled ? 0 : rescaled >= 2147483648.0f ? INT32_MAX
            : rescaled < -2147483648.0f ? INT32_MIN : (int32_t)rescaled;
        lut[(uint8_t)(int8_t)val] = (int8_t)(q < INT8_MIN ? INT8_MIN : q > INT8_MAX ? INT8_MAX : q);
    }
    op->data = lut;
    return TML_OK;
}

tml_status_t tml_elu_eval(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(int8_t, int8_t);
    return tml_lut_s8(op->data, in, out, n);
}

tml_status_t tml_elu_eval_f32(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(float, float);
    return tml_unary_f32(TML_UNARY_ELU, in, out, n);
}

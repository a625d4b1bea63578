/* tinyml ops: LOGISTIC, TANH, RELU, RELU6 (int8), as TFLM's logistic_common.cc,
 * tanh.cc and activations_common.cc; and the fused-activation range helper. */
#include "tml_op.h"
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

/* One int8 input, one int8 output of the same shape. */
static tml_status_t prepare_unary_s8(tml_model_t *m, tml_op_t *op, tml_error_t *err, tml_tensor_t **in,
    tml_tensor_t **out) {
    tml_status_t s = tml_check_io_count(err, op, 1, 1, 1);
    if (s != TML_OK) {
        return s;
    }
    *in = tml_op_input(m, op, 0);
    *out = tml_op_output(m, op, 0);
    if ((s = tml_check_type(err, op, *in, "input", TML_INT8)) != TML_OK ||
        (s = tml_check_type(err, op, *out, "output", TML_INT8)) != TML_OK) {
        return s;
    }
    return tml_check_shape(err, op, *out, "output", (*in)->dims, (*in)->ndims);
}

/* ---- LOGISTIC, TANH ---- */

typedef struct {
    int32_t zero_point, range_radius, multiplier, left_shift;
} sigmoid_data_t;

static tml_status_t prepare_sigmoid(tml_model_t *m, tml_op_t *op, tml_error_t *err, bool logistic) {
    tml_tensor_t *in, *out;
    tml_status_t s = prepare_unary_s8(m, op, err, &in, &out);
    if (s != TML_OK) {
        return s;
    }
    if (logistic && out->zero_point != -128) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "output zero point is %d; int8 LOGISTIC requires -128",
            (int)out->zero_point);
    }
    sigmoid_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
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
    op->data = d;
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
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    return tml_logistic_s8(in->data, tml_op_output(m, op, 0)->data, tml_tensor_elements(in), d->zero_point,
        d->range_radius, d->multiplier, d->left_shift);
}

tml_status_t tml_tanh_eval(tml_model_t *m, tml_op_t *op) {
    const sigmoid_data_t *d = op->data;
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    return tml_tanh_s8(in->data, tml_op_output(m, op, 0)->data, tml_tensor_elements(in), d->zero_point,
        d->range_radius, d->multiplier, d->left_shift);
}


/* ---- RELU: requantizes input -> output, clamps at the output's zero ---- */

typedef struct {
    int32_t in_zp, out_zp, multiplier, shift, act_min, act_max;
} relu_data_t;

tml_status_t tml_relu_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *in, *out;
    tml_status_t s = prepare_unary_s8(m, op, err, &in, &out);
    if (s != TML_OK) {
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
    int shift;
    tml_quantize_multiplier((double)(in->scale / out->scale), &d->multiplier, &shift);
    if (shift < -31 || shift > 30) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input/output scale ratio %f is out of range",
            (double)(in->scale / out->scale));
    }
    d->shift = shift;
    d->in_zp = in->zero_point;
    d->out_zp = out->zero_point;
    const int32_t zero = out->zero_point + (int32_t)tml_roundf(0.0f / out->scale);
    d->act_min = zero > -128 ? zero : -128;
    d->act_max = 127;
    op->data = d;
    return TML_OK;
}

tml_status_t tml_relu_eval(tml_model_t *m, tml_op_t *op) {
    const relu_data_t *d = op->data;
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    return tml_relu_s8(in->data, tml_op_output(m, op, 0)->data, tml_tensor_elements(in), d->in_zp, d->out_zp,
        d->multiplier, d->shift, d->act_min, d->act_max);
}


/* ---- RELU6: TFLM clamps to [zp, quantized 6] of the input, no requantization ---- */

typedef struct {
    int8_t lo, hi;
} relu6_data_t;

tml_status_t tml_relu6_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *in, *out;
    tml_status_t s = prepare_unary_s8(m, op, err, &in, &out);
    if (s != TML_OK) {
        return s;
    }
    if (!(in->scale > 0.0f)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input scale must be positive, got %f", (double)in->scale);
    }
    relu6_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    /* FloatToQuantizedType<int8_t>(6.0f, scale, zp) */
    double six = tml_round((double)(6.0f / in->scale)) + (double)in->zero_point;
    six = six < -128.0 ? -128.0 : six > 127.0 ? 127.0 : six;
    d->hi = (int8_t)six;
    d->lo = (int8_t)(uint8_t)((uint32_t)in->zero_point & 0xffu);
    op->data = d;
    return TML_OK;
}

tml_status_t tml_relu6_eval(tml_model_t *m, tml_op_t *op) {
    const relu6_data_t *d = op->data;
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    return tml_relu6_s8(in->data, tml_op_output(m, op, 0)->data, tml_tensor_elements(in), d->lo, d->hi);
}


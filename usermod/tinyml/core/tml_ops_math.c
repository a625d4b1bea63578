/* tinyml ops: unary math, as TFLM's micro kernels:
 *   ABS       int8 int16 float32   elementwise.cc (int16: quantized, or raw)
 *   RSQRT     int8 float32         elementwise.cc
 *   LOG, SQRT, SQUARE  float32     elementwise.cc (not SIN, COS: their C library
 *                                  argument reduction alone is ~3.5 KB of flash)
 *   EXP       float32              exp.cc
 *   NEG       float32              neg.cc
 *   L2_NORMALIZATION  int8 float32 l2norm.cc (at most 4 dimensions)
 */
#include "tml_ops.h"
#include "../kernels/tml_math.h"
#include "../kernels/tml_kernels.h"

enum { OPT_L2NORM = 12, OPT_EXP = 33, OPT_NEG = 42, OPT_ABS = 78 };

/* One input, one output of the same type and shape, input of a type in
 * `types` (0xff-terminated); opt_type: the options table type (-1: none). */
static tml_status_t prepare_unary(tml_model_t *m, tml_op_t *op, tml_error_t *err, const uint8_t *types,
    int opt_type, tml_tensor_t **in, tml_tensor_t **out) {
    tml_status_t s = tml_check_io_count(err, op, 1, 1, 1);
    if (s != TML_OK) {
        return s;
    }
    if (opt_type >= 0 && op->options_pos && op->options_type != opt_type) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, opt_type);
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

static const uint8_t TYPES_F32[] = {TML_FLOAT32, 0xff};

#define UNARY_IO(TI, TO) \
    const tml_tensor_t *in_ = tml_op_input(m, op, 0); \
    const TI *in = (const TI *)in_->data; \
    TO *out = (TO *)tml_op_output(m, op, 0)->data; \
    const int32_t n = tml_tensor_elements(in_)

/* ---- float32-only operators ---- */

#define FLOAT_OP(name, opt, unary) \
    tml_status_t tml_##name##_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) { \
        tml_tensor_t *in, *out; \
        return prepare_unary(m, op, err, TYPES_F32, opt, &in, &out); \
    } \
    tml_status_t tml_##name##_eval(tml_model_t *m, tml_op_t *op) { \
        UNARY_IO(float, float); \
        return tml_unary_f32(unary, in, out, n); \
    }

FLOAT_OP(exp, OPT_EXP, TML_UNARY_EXP)
FLOAT_OP(neg, OPT_NEG, TML_UNARY_NEG)
FLOAT_OP(log, -1, TML_UNARY_LOG)
FLOAT_OP(sqrt, -1, TML_UNARY_SQRT)
FLOAT_OP(square, -1, TML_UNARY_SQUARE)

/* ---- ABS, RSQRT (PrepareAbsRsqrt) ---- */

static const uint8_t ABS_TYPES[] = {TML_INT8, TML_INT16, TML_FLOAT32, 0xff};
static const uint8_t RSQRT_TYPES[] = {TML_INT8, TML_FLOAT32, 0xff};

static tml_status_t check_quant(tml_error_t *err, tml_model_t *m, const tml_op_t *op, const tml_tensor_t *t,
    const char *what, bool s16) {
    if (tml_tensor_num_scales(m, t) < 1 || !(t->scale > 0.0f)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s has no valid quantization scale", what);
    }
    if (s16 ? t->zero_point != 0 : (t->zero_point < INT8_MIN || t->zero_point > INT8_MAX)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "%s zero point %d is not supported (%s)", what,
            (int)t->zero_point, s16 ? "int16 requires 0" : "outside the int8 range");
    }
    return TML_OK;
}

/* sqrt((double)x) correctly rounded, as IEEE sqrt, for a float x > 0: digit by
 * digit on integers (the MicroPython float builds link no double sqrt). */
static double sqrt_of_float(float x) {
    int e;
    uint64_t m = (uint64_t)(tml_frexp((double)x, &e) * 16777216.0); /* x = m * 2^(e - 24), m < 2^24 */
    int exp2 = e - 24;
    if (exp2 & 1) {
        m <<= 1;
        exp2 -= 1;
    }
    /* root = floor(sqrt(m * 4^43)): 55 or 56 bits; rem != 0 if inexact */
    uint64_t root = 0, rem = 0;
    for (int i = 12 + 43; i >= 0; --i) {
        rem = (rem << 2) | (i >= 43 ? (m >> (2 * (i - 43))) & 3u : 0u);
        const uint64_t cand = (root << 2) | 1u;
        if (rem >= cand) {
            rem -= cand;
            root = (root << 1) | 1u;
        } else {
            root <<= 1;
        }
    }
    int shift = root >> 55 ? 3 : 2; /* keep 53 bits */
    uint64_t mant = root >> shift;
    const uint64_t half = (uint64_t)1 << (shift - 1);
    const uint64_t low = root & ((half << 1) - 1);
    if (low > half || (low == half && (rem != 0 || (mant & 1)))) {
        if (++mant >> 53) {
            mant >>= 1;
            ++shift;
        }
    }
    return tml_ldexp((double)mant, shift + exp2 / 2 - 43);
}

static tml_status_t abs_rsqrt_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err, bool rsqrt) {
    tml_tensor_t *in, *out;
    tml_status_t s = prepare_unary(m, op, err, rsqrt ? RSQRT_TYPES : ABS_TYPES, rsqrt ? -1 : OPT_ABS, &in, &out);
    if (s != TML_OK || in->type == TML_FLOAT32) {
        return s;
    }
    /* int16 without quantization: a plain std::abs (op->data stays NULL) */
    if (in->type == TML_INT16 && tml_tensor_num_scales(m, in) == 0) {
        return TML_OK;
    }
    const bool s16 = in->type == TML_INT16;
    if ((s = check_quant(err, m, op, in, "input", s16)) != TML_OK ||
        (s = check_quant(err, m, op, out, "output", s16)) != TML_OK) {
        return s;
    }
    tml_abs_params_t *p = tml_persistent_alloc(m, sizeof(*p), err);
    if (!p) {
        return TML_ERR_NO_MEMORY;
    }
    p->input_offset = in->zero_point;
    p->output_offset = out->zero_point;
    p->needs_rescale = in->scale != out->scale;
    int shift = 0;
    if (rsqrt) {
        /* SetRsqrtOutputMultiplier: 1 / (sqrt(input scale) * output scale) in
         * double; the kernel applies shift - 20 */
        tml_quantize_multiplier(1.0 / (sqrt_of_float(in->scale) * (double)out->scale), &p->multiplier, &shift);
        if (shift - 20 < -31 || shift - 20 > 30) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input scale %f and output scale %f are out of range",
                (double)in->scale, (double)out->scale);
        }
    } else if (p->needs_rescale) {
        tml_quantize_multiplier((double)in->scale / (double)out->scale, &p->multiplier, &shift);
        if (shift < -31 || shift > 30) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input/output scale ratio %f is out of range",
                (double)(in->scale / out->scale));
        }
    }
    p->shift = shift;
    op->data = p;
    return TML_OK;
}

tml_status_t tml_abs_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return abs_rsqrt_prepare(m, op, err, false);
}

tml_status_t tml_rsqrt_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return abs_rsqrt_prepare(m, op, err, true);
}

tml_status_t tml_abs_eval(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(int8_t, int8_t);
    return tml_abs_s8(op->data, in, out, n);
}

tml_status_t tml_abs_eval_s16(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(int16_t, int16_t);
    return op->data ? tml_abs_s16(op->data, in, out, n) : tml_abs_s16_raw(in, out, n);
}

tml_status_t tml_abs_eval_f32(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(float, float);
    return tml_unary_f32(TML_UNARY_ABS, in, out, n);
}

/* An input below the zero point fails the invoke, as in TFLM ("Rsqrt is only
 * defined for positive values"). */
tml_status_t tml_rsqrt_eval(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(int8_t, int8_t);
    return tml_rsqrt_s8(op->data, in, out, n);
}

tml_status_t tml_rsqrt_eval_f32(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(float, float);
    return tml_unary_f32(TML_UNARY_RSQRT, in, out, n);
}

/* ---- L2_NORMALIZATION (L2NormPrepare) over the last dimension ---- */

static const uint8_t L2_TYPES[] = {TML_INT8, TML_FLOAT32, 0xff};

tml_status_t tml_l2_normalization_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *in, *out;
    tml_status_t s = prepare_unary(m, op, err, L2_TYPES, OPT_L2NORM, &in, &out);
    if (s != TML_OK) {
        return s;
    }
    if (in->ndims < 1 || in->ndims > 4) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input has %d dimensions; 1 to 4 are supported",
            (int)in->ndims);
    }
    const int activation = tml_fb_u8(TML_OPTIONS(m, op), 0, TML_ACT_NONE);
    if (activation != TML_ACT_NONE) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fused activation %d is not supported", activation);
    }
    if (in->type == TML_INT8 && (in->zero_point < INT8_MIN || in->zero_point > INT8_MAX)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input zero point %d is outside the int8 range",
            (int)in->zero_point);
    }
    return TML_OK;
}

tml_status_t tml_l2_normalization_eval(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(int8_t, int8_t);
    const int32_t depth = in_->dims[in_->ndims - 1];
    return tml_l2_normalization_s8(in_->zero_point, in, out, depth ? n / depth : 0, depth);
}

tml_status_t tml_l2_normalization_eval_f32(tml_model_t *m, tml_op_t *op) {
    UNARY_IO(float, float);
    const int32_t depth = in_->dims[in_->ndims - 1];
    return tml_l2_normalization_f32(in, out, depth ? n / depth : 0, depth);
}

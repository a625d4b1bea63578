/* tinyml ops: SOFTMAX int8 -> int8, int8 -> int16, int16 -> int16 and float32,
 * and LOG_SOFTMAX int8 and float32, over the last dimension, as TFLM's
 * softmax.cc, softmax_common.cc (CalculateSoftmaxParams, InitializeLutForInt16),
 * cmsis_nn/softmax.cc and log_softmax.cc. */
#include "tml_ops.h"
#include "../kernels/tml_math.h"
#include "../kernels/tml_kernels.h"

enum { OPT_SOFTMAX = 9, SCALED_DIFF_INTEGER_BITS = 5 };

/* Checks shared by every type: one input and output, the options table. */
static tml_status_t softmax_io(tml_model_t *m, tml_op_t *op, tml_error_t *err, tml_tensor_t **in, tml_tensor_t **out,
    float *beta) {
    tml_status_t s = tml_check_io_count(err, op, 1, 1, 1);
    if (s != TML_OK) {
        return s;
    }
    if (op->options_pos && op->options_type != OPT_SOFTMAX) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, OPT_SOFTMAX);
    }
    *in = tml_op_input(m, op, 0);
    *out = tml_op_output(m, op, 0);
    *beta = tml_fb_f32(TML_OPTIONS(m, op), 0, 0.0f);
    return TML_OK;
}

tml_status_t tml_softmax_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *in, *out;
    float beta;
    tml_status_t s = softmax_io(m, op, err, &in, &out, &beta);
    if (s != TML_OK) {
        return s;
    }
    if ((s = tml_check_type(err, op, in, "input", TML_INT8)) != TML_OK) {
        return s;
    }
    if (out->type == TML_INT8) {
        if (out->zero_point != -128 || out->scale != 1.0f / 256) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
                "int8 output must have scale 1/256 and zero point -128 (got %f, %d)", (double)out->scale,
                (int)out->zero_point);
        }
    } else if (out->type == TML_INT16) {
        const float d = out->scale - 1.0f / 65536;
        if (out->zero_point != -32768 || (d < 0 ? -d : d) > 0.001f * 1.0f / 65536) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
                "int16 output must have scale 1/65536 and zero point -32768 (got %f, %d)", (double)out->scale,
                (int)out->zero_point);
        }
    } else {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "output has type %s; only int8 and int16 are supported",
            tml_type_name(out->type));
    }
    if (in->ndims < 1) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input must have at least 1 dimension");
    }
    if ((s = tml_check_shape(err, op, out, "output", in->dims, in->ndims)) != TML_OK) {
        return s;
    }
    const int32_t row_size = in->dims[in->ndims - 1];
    if (row_size <= 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "last dimension %d must be positive", (int)row_size);
    }
    if (!(in->scale > 0.0f)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input has no valid quantization scale");
    }
    tml_softmax_params_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    /* QuantizeMultiplierGreaterThanOne (TFLM aborts unless beta * scale * 2^26 > 1). */
    const double real = (double)beta * (double)in->scale * (double)(1 << (31 - SCALED_DIFF_INTEGER_BITS));
    int shift;
    tml_preprocess_softmax_scaling((double)beta, (double)in->scale, SCALED_DIFF_INTEGER_BITS, &d->mult, &shift);
    if (!(real > 1.0) || shift < 0 || shift > 31) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "beta %f times input scale %f is too small", (double)beta,
            (double)in->scale);
    }
    d->shift = shift;
    d->diff_min = (int32_t)(-1.0 * tml_calculate_input_radius(SCALED_DIFF_INTEGER_BITS, shift, 31));
    d->row_size = row_size;
    d->num_rows = tml_tensor_elements(in) / row_size;
    d->kernel = out->type == TML_INT16 ? tml_softmax_s8_s16_select(d) : tml_softmax_s8_select(d);
    tml_op_set_kernel(op, d->kernel);
    const int32_t scratch = tml_softmax_s8_get_buffer_size(d);
    if (scratch < 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "the kernel rejects these dimensions");
    }
    op->data = d;
    op->scratch_size = scratch;
    op->macs = (uint64_t)tml_tensor_elements(in);
    return TML_OK;
}

tml_status_t tml_softmax_eval(tml_model_t *m, tml_op_t *op) {
    const tml_softmax_params_t *d = op->data;
    const tml_tensor_t *in = tml_op_input(m, op, 0), *out = tml_op_output(m, op, 0);
    const tml_context_t ctx = {op->scratch_size > 0 ? op->scratch : NULL, op->scratch_size, 0};
    if (out->type == TML_INT16) {
        return tml_softmax_s8_s16(&ctx, d, in->data, out->data);
    }
    return tml_softmax_s8(&ctx, d, in->data, out->data);
}


/* Rows and row size of the last dimension; the output has the input's shape. */
static tml_status_t rows_of(tml_error_t *err, const tml_op_t *op, const tml_tensor_t *in, const tml_tensor_t *out,
    int32_t *rows, int32_t *row_size) {
    tml_status_t s = tml_check_type(err, op, out, "output", in->type);
    if (s != TML_OK) {
        return s;
    }
    if (in->ndims < 1) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input must have at least 1 dimension");
    }
    if ((s = tml_check_shape(err, op, out, "output", in->dims, in->ndims)) != TML_OK) {
        return s;
    }
    *row_size = in->dims[in->ndims - 1];
    if (*row_size <= 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "last dimension %d must be positive", (int)*row_size);
    }
    *rows = tml_tensor_elements(in) / *row_size;
    return TML_OK;
}

/* ---- SOFTMAX int16: TFLM's exp and 1/(1+x) tables, built here at prepare ---- */

typedef struct {
    int32_t mult, shift, rows, row_size;
    int16_t exp_lut[TML_SOFTMAX_S16_LUT_SIZE];
    int16_t one_over_one_plus_x_lut[TML_SOFTMAX_S16_LUT_SIZE];
} softmax_s16_data_t;

tml_status_t tml_softmax_prepare_s16(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *in, *out;
    float beta;
    int32_t rows, row_size;
    tml_status_t s = softmax_io(m, op, err, &in, &out, &beta);
    if (s != TML_OK || (s = rows_of(err, op, in, out, &rows, &row_size)) != TML_OK) {
        return s;
    }
    if (s != TML_OK) {
        return s;
    }
    const float d_scale = out->scale - 1.0f / 32768;
    if (in->zero_point != 0 || out->zero_point != 0 || (d_scale < 0 ? -d_scale : d_scale) > 0.001f * 1.0f / 32768) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
            "int16 needs zero points 0 and output scale 1/32768 (got input zero point %d, output %f, %d)",
            (int)in->zero_point, (double)out->scale, (int)out->zero_point);
    }
    if (row_size > 65536) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "last dimension %d is larger than 65536", (int)row_size);
    }
    softmax_s16_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    /* scale the input difference so that [-65535, 0] maps to [-10, 0] */
    int shift;
    tml_quantize_multiplier((double)in->scale * (double)beta / (10.0 / 65535.0), &d->mult, &shift);
    if (shift < -31 || shift > 30) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "beta %f times input scale %f is out of range", (double)beta,
            (double)in->scale);
    }
    d->shift = shift;
    d->rows = rows;
    d->row_size = row_size;
    tml_softmax_s16_luts(d->exp_lut, d->one_over_one_plus_x_lut);
    op->data = d;
    op->macs = (uint32_t)tml_tensor_elements(in);
    return TML_OK;
}

tml_status_t tml_softmax_eval_s16(tml_model_t *m, tml_op_t *op) {
    const softmax_s16_data_t *d = op->data;
    return tml_softmax_s16(tml_op_input(m, op, 0)->data, d->rows, d->row_size, d->mult, d->shift, d->exp_lut,
        d->one_over_one_plus_x_lut, tml_op_output(m, op, 0)->data);
}

/* ---- SOFTMAX float32 ---- */

typedef struct {
    float beta;
    int32_t rows, row_size;
} softmax_f32_data_t;

tml_status_t tml_softmax_prepare_f32(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *in, *out;
    float beta;
    int32_t rows, row_size;
    tml_status_t s = softmax_io(m, op, err, &in, &out, &beta);
    if (s != TML_OK || (s = rows_of(err, op, in, out, &rows, &row_size)) != TML_OK) {
        return s;
    }
    if (s != TML_OK) {
        return s;
    }
    softmax_f32_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    d->beta = beta;
    d->rows = rows;
    d->row_size = row_size;
    op->data = d;
    op->macs = (uint32_t)tml_tensor_elements(in);
    return TML_OK;
}

tml_status_t tml_softmax_eval_f32(tml_model_t *m, tml_op_t *op) {
    const softmax_f32_data_t *d = op->data;
    return tml_softmax_f32(d->beta, tml_op_input(m, op, 0)->data, tml_op_output(m, op, 0)->data, d->rows,
        d->row_size);
}

/* ---- LOG_SOFTMAX (log_softmax.cc CalculateOpData) ---- */

enum { OPT_LOG_SOFTMAX = 36 };

typedef struct {
    tml_log_softmax_params_t p;
    int32_t rows, row_size;
} log_softmax_data_t;

tml_status_t tml_log_softmax_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = tml_check_io_count(err, op, 1, 1, 1);
    if (s != TML_OK) {
        return s;
    }
    if (op->options_pos && op->options_type != OPT_LOG_SOFTMAX) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, OPT_LOG_SOFTMAX);
    }
    tml_tensor_t *in = tml_op_input(m, op, 0), *out = tml_op_output(m, op, 0);
    if (in->type != TML_INT8 && in->type != TML_FLOAT32) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input has type %s; int8 and float32 are supported",
            tml_type_name(in->type));
    }
    log_softmax_data_t *d = tml_persistent_alloc(m, in->type == TML_INT8 ? sizeof(*d) : 2 * sizeof(int32_t), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    /* float32 data: the rows and row size only (at the start of the block) */
    int32_t *rows = in->type == TML_INT8 ? &d->rows : (int32_t *)d;
    if ((s = rows_of(err, op, in, out, rows, rows + 1)) != TML_OK) {
        return s;
    }
    op->data = d;
    op->macs = (uint32_t)tml_tensor_elements(in);
    if (in->type == TML_FLOAT32) {
        return TML_OK;
    }
    if (out->scale != 16.0f / 256 || out->zero_point != 127) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
            "int8 output must have scale 16/256 and zero point 127 (got %f, %d)", (double)out->scale,
            (int)out->zero_point);
    }
    if (!(in->scale > 0.0f)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input has no valid quantization scale");
    }
    /* PreprocessLogSoftmaxScalingExp(beta 1, input scale, 5 integer bits) */
    int left_shift, reverse_shift;
    tml_preprocess_softmax_scaling(1.0, (double)in->scale, SCALED_DIFF_INTEGER_BITS, &d->p.input_multiplier,
        &left_shift);
    if (left_shift < 1 || left_shift > 30) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input scale %f is out of range", (double)in->scale);
    }
    const double real_reverse = (double)(1 << (31 - left_shift)) / (double)d->p.input_multiplier;
    tml_quantize_multiplier_smaller_than_one_exp(real_reverse, &d->p.reverse_scaling_divisor, &reverse_shift);
    d->p.input_left_shift = left_shift;
    d->p.reverse_scaling_right_shift = -reverse_shift;
    d->p.diff_min = -tml_calculate_input_radius(SCALED_DIFF_INTEGER_BITS, left_shift, 31);
    if (reverse_shift > 0 || reverse_shift < -31) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input scale %f is out of range", (double)in->scale);
    }
    return TML_OK;
}

tml_status_t tml_log_softmax_eval(tml_model_t *m, tml_op_t *op) {
    const log_softmax_data_t *d = op->data;
    return tml_log_softmax_s8(&d->p, tml_op_input(m, op, 0)->data, tml_op_output(m, op, 0)->data, d->rows,
        d->row_size);
}

tml_status_t tml_log_softmax_eval_f32(tml_model_t *m, tml_op_t *op) {
    const int32_t *d = op->data;
    return tml_log_softmax_f32(tml_op_input(m, op, 0)->data, tml_op_output(m, op, 0)->data, d[0], d[1]);
}

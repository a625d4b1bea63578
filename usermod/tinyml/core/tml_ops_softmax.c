/* tinyml ops: SOFTMAX int8 -> int8 and int8 -> int16 over the last dimension,
 * as TFLM's softmax.cc and softmax_common.cc (CalculateSoftmaxParams). */
#include "tml_op.h"
#include "../kernels/tml_math.h"
#include "../kernels/tml_kernels.h"

enum { OPT_SOFTMAX = 9, SCALED_DIFF_INTEGER_BITS = 5 };

typedef struct {
    int32_t mult, shift, diff_min, rows, row_size;
} softmax_data_t;

tml_status_t tml_softmax_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = tml_check_io_count(err, op, 1, 1, 1);
    if (s != TML_OK) {
        return s;
    }
    if (op->options.pos && op->options_type != OPT_SOFTMAX) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, OPT_SOFTMAX);
    }
    tml_tensor_t *in = tml_op_input(m, op, 0), *out = tml_op_output(m, op, 0);
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
    const float beta = tml_fb_f32(&op->options, 0, 0.0f);
    softmax_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
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
    d->rows = tml_tensor_elements(in) / row_size;
    const int32_t scratch = tml_softmax_s8_get_buffer_size(d->rows, d->row_size);
    if (scratch < 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "the kernel rejects these dimensions");
    }
    op->data = d;
    op->scratch_size = scratch;
    op->macs = (uint64_t)tml_tensor_elements(in);
    return TML_OK;
}

tml_status_t tml_softmax_eval(tml_model_t *m, tml_op_t *op) {
    const softmax_data_t *d = op->data;
    const tml_tensor_t *in = tml_op_input(m, op, 0), *out = tml_op_output(m, op, 0);
    if (out->type == TML_INT16) {
        return tml_softmax_s8_s16(in->data, d->rows, d->row_size, d->mult, d->shift, d->diff_min, out->data);
    }
    return tml_softmax_s8(in->data, d->rows, d->row_size, d->mult, d->shift, d->diff_min, out->data);
}


/* tinyml kernels (CMSIS-NN backend): ADD/MUL int16, MAXIMUM/MINIMUM int8 and
 * SOFTMAX int16 as TFLM's tensorflow/lite/micro/kernels/cmsis_nn/add.cc,
 * mul.cc, maximum_minimum.cc and softmax.cc call CMSIS-NN; what TFLM runs
 * through its reference code (broadcasts) runs the portable routines of
 * kernels/portable. */
#include "tml_cmsis_nn.h"
#include "arm_nnsupportfunctions.h"

/* arm_elementwise_add_s16 ignores the offsets: TFLM's cmsis_nn add.cc only
 * accepts int16 zero points of 0, its reference add.cc any; nonzero zero
 * points take the portable routine. */
tml_status_t tml_add_s16(const tml_add_params_t *p, const tml_shape_t *input1_shape, const int16_t *input1,
    const tml_shape_t *input2_shape, const int16_t *input2, const tml_shape_t *output_shape, int16_t *output) {
    if (!tml_shapes_match_extended(input1_shape, input2_shape) || p->input1_offset != 0 || p->input2_offset != 0 ||
        p->output_offset != 0) {
        return tml_add_s16_portable(p, input1_shape, input1, input2_shape, input2, output_shape, output);
    }
    const int32_t n = tml_shape_elements(input1_shape);
    if (n != tml_shape_elements(output_shape)) {
        return TML_ERR_KERNEL;
    }
    return tml_cmsis_status(arm_elementwise_add_s16(input1, input2, p->input1_offset, p->input1_multiplier,
        p->input1_shift, p->input2_offset, p->input2_multiplier, p->input2_shift, p->left_shift, output,
        p->output_offset, p->output_multiplier, p->output_shift, p->activation.min, p->activation.max, n));
}

tml_status_t tml_mul_s16(const tml_mul_params_t *p, const tml_shape_t *input1_shape, const int16_t *input1,
    const tml_shape_t *input2_shape, const int16_t *input2, const tml_shape_t *output_shape, int16_t *output) {
    if (!tml_shapes_match_extended(input1_shape, input2_shape) || p->input1_offset != 0 || p->input2_offset != 0 ||
        p->output_offset != 0) {
        return tml_mul_s16_portable(p, input1_shape, input1, input2_shape, input2, output_shape, output);
    }
    const int32_t n = tml_shape_elements(input1_shape);
    if (n != tml_shape_elements(output_shape)) {
        return TML_ERR_KERNEL;
    }
    return tml_cmsis_status(arm_elementwise_mul_s16(input1, input2, p->input1_offset, p->input2_offset, output,
        p->output_offset, p->output_multiplier, p->output_shift, p->activation.min, p->activation.max, n));
}

/* TFLM passes the shapes extended to 4-D (RuntimeShape::ExtendedShape(4, ..)),
 * so more dimensions take the portable routine. */
static int dims4(const tml_shape_t *s, cmsis_nn_dims *d) {
    int32_t v[4] = {1, 1, 1, 1};
    if (s->ndims > 4) {
        return 0;
    }
    for (int32_t i = 0; i < s->ndims; ++i) {
        v[4 - s->ndims + i] = s->dims[i];
    }
    d->n = v[0];
    d->h = v[1];
    d->w = v[2];
    d->c = v[3];
    return 1;
}

/* CMSIS-NN v7.0.0 arm_maximum_s8 / arm_minimum_s8 mis-step (and read past
 * the end of) an input whose width x channels is a single element while the
 * other input has width > 1 (e.g. [1, 4, 1, 1] against [1, 4, 5, 3]): in that
 * branch the pointer advances once for the row and again by its height
 * step. Those broadcasts take the portable routine. */
static int cmsis_maxmin_ok(const cmsis_nn_dims *a, const cmsis_nn_dims *b) {
    const int32_t fa = a->n * a->h * a->w * a->c, fb = b->n * b->h * b->w * b->c;
    const int same = a->n == b->n && a->h == b->h && a->w == b->w && a->c == b->c;
    const int hwc_same = a->h == b->h && a->w == b->w && a->c == b->c;
    if (same || fa == 1 || fb == 1 || hwc_same || a->h * a->w * a->c == 1 || b->h * b->w * b->c == 1) {
        return 1;
    }
    return !((a->w * a->c == 1 && b->w > 1) || (b->w * b->c == 1 && a->w > 1));
}

tml_status_t tml_maximum_s8(const tml_shape_t *input1_shape, const int8_t *input1, const tml_shape_t *input2_shape,
    const int8_t *input2, const tml_shape_t *output_shape, int8_t *output) {
    cmsis_nn_dims d1, d2, d0;
    if (!dims4(input1_shape, &d1) || !dims4(input2_shape, &d2) || !dims4(output_shape, &d0) ||
        !cmsis_maxmin_ok(&d1, &d2)) {
        return tml_maximum_s8_portable(input1_shape, input1, input2_shape, input2, output_shape, output);
    }
    const cmsis_nn_context ctx = {NULL, 0};
    return tml_cmsis_status(arm_maximum_s8(&ctx, input1, &d1, input2, &d2, output, &d0));
}

tml_status_t tml_minimum_s8(const tml_shape_t *input1_shape, const int8_t *input1, const tml_shape_t *input2_shape,
    const int8_t *input2, const tml_shape_t *output_shape, int8_t *output) {
    cmsis_nn_dims d1, d2, d0;
    if (!dims4(input1_shape, &d1) || !dims4(input2_shape, &d2) || !dims4(output_shape, &d0) ||
        !cmsis_maxmin_ok(&d1, &d2)) {
        return tml_minimum_s8_portable(input1_shape, input1, input2_shape, input2, output_shape, output);
    }
    const cmsis_nn_context ctx = {NULL, 0};
    return tml_cmsis_status(arm_minimum_s8(&ctx, input1, &d1, input2, &d2, output, &d0));
}

/* CMSIS-NN v7.0.0 arm_softmax_s16 differs from TFLM's SoftmaxInt16 on two
 * kinds of rows: (1) it computes (sum << (headroom - 1)) + (1 << 13) in int32
 * and truncates the recentred sum to int16 where TFLM uses int64 and
 * saturates, so a row whose sum of exponentials normalizes to 2^31 - 2^13 or
 * more (a sum just below a power of two, such as 2^18 - 1 = 8 x 32767 + 7)
 * gets a reciprocal off by a factor of about 2; (2) it casts each result to
 * int16 where TFLM clamps to [0, 32767], so a row whose largest result rounds
 * to 32768 (a row of one element) wraps to -32768. Each row's sum and largest
 * result are computed first (table lookups, as both do); such rows take the
 * portable routine, the others arm_softmax_s16. */
static int16_t lut_lookup(int32_t value, const int16_t *lut) {
    const int16_t index = (int16_t)(256 + (value >> 7));
    const int16_t offset = (int16_t)(value & 0x7f);
    const int16_t slope = (int16_t)(lut[index + 1] - lut[index]);
    return (int16_t)(lut[index] + (int16_t)((slope * offset + 64) >> 7));
}

static int16_t exp_lookup(int32_t diff, int32_t mult, int32_t shift, const int16_t *lut) {
    int32_t sym = arm_nn_requantize(diff, mult, shift) + NN_Q15_MAX;
    sym = sym < NN_Q15_MIN ? NN_Q15_MIN : sym > NN_Q15_MAX ? NN_Q15_MAX : sym;
    return lut_lookup(sym, lut);
}

static int cmsis_softmax_s16_row_ok(const int16_t *in, int32_t row_size, int32_t mult, int32_t shift,
    const int16_t *exp_lut, const int16_t *one_over_one_plus_x_lut) {
    int16_t max = in[0];
    for (int32_t c = 1; c < row_size; ++c) {
        max = in[c] > max ? in[c] : max;
    }
    int32_t sum = 0;
    for (int32_t c = 0; c < row_size; ++c) {
        sum += exp_lookup(in[c] - max, mult, shift, exp_lut);
    }
    int headroom = 0;
    while (headroom < 32 && !((uint32_t)sum & (0x80000000u >> headroom))) {
        ++headroom;
    }
    if (headroom < 1 || headroom > 30) {
        return 0;
    }
    const int64_t shifted_sum = (((int64_t)sum << (headroom - 1)) + (1 << 13)) >> 14;
    if (shifted_sum - 98304 > NN_Q15_MAX) {
        return 0;
    }
    const int32_t recip = lut_lookup((int32_t)shifted_sum - 98304, one_over_one_plus_x_lut);
    const int64_t largest = ((int64_t)exp_lookup(0, mult, shift, exp_lut) * recip + (1 << (30 - headroom))) >>
        (31 - headroom);
    return largest <= NN_Q15_MAX;
}

tml_status_t tml_softmax_s16(const int16_t *input, int32_t num_rows, int32_t row_size, int32_t mult, int32_t shift,
    const int16_t *exp_lut, const int16_t *one_over_one_plus_x_lut, int16_t *output) {
    const cmsis_nn_softmax_lut_s16 luts = {exp_lut, one_over_one_plus_x_lut};
    if (row_size <= 0 || row_size > 65536 || shift < -31 || shift > 30) {
        return TML_ERR_KERNEL;
    }
    for (int32_t r = 0; r < num_rows; ++r) {
        const int16_t *in = input + (size_t)r * row_size;
        int16_t *out = output + (size_t)r * row_size;
        tml_status_t s;
        if (cmsis_softmax_s16_row_ok(in, row_size, mult, shift, exp_lut, one_over_one_plus_x_lut)) {
            s = tml_cmsis_status(arm_softmax_s16(in, 1, row_size, mult, shift, &luts, out));
        } else {
            s = tml_softmax_s16_portable(in, 1, row_size, mult, shift, exp_lut, one_over_one_plus_x_lut, out);
        }
        if (s != TML_OK) {
            return s;
        }
    }
    return TML_OK;
}

/* tinyml kernels: SOFTMAX float32 and int16, LOG_SOFTMAX float32, bit-exact
 * with TFLM's reference kernels (tensorflow/lite/kernels/internal/reference/
 * softmax.h Softmax<float> and SoftmaxInt16, log_softmax.h LogSoftmax<float>,
 * micro/kernels/softmax_common.cc for the int16 tables, built by common.h's
 * LUTPopulateInt16<float>). Float exp/log are the C library's (expf, logf),
 * as TFLM's std::exp / std::log on float. */
#include <math.h>
#include <stddef.h>
#include "../tml_kernels.h"
#include "../tml_math.h"

tml_status_t tml_softmax_f32(float beta, const float *input, float *output, int32_t num_rows, int32_t row_size) {
    for (int32_t i = 0; i < num_rows; ++i) {
        const float *in = input + (size_t)i * row_size;
        float *out = output + (size_t)i * row_size;
        float max = -3.40282347e38f; /* std::numeric_limits<float>::lowest() */
        for (int32_t c = 0; c < row_size; ++c) {
            max = max < in[c] ? in[c] : max; /* std::max(max, in[c]) */
        }
        float sum = 0.f;
        for (int32_t c = 0; c < row_size; ++c) {
            const float exp_c = tml_expf((in[c] - max) * beta);
            out[c] = exp_c;
            sum += exp_c;
        }
        for (int32_t c = 0; c < row_size; ++c) {
            out[c] = out[c] / sum;
        }
    }
    return TML_OK;
}

tml_status_t tml_log_softmax_f32(const float *input, float *output, int32_t num_rows, int32_t row_size) {
    for (int32_t i = 0; i < num_rows; ++i) {
        const float *in = input + (size_t)i * row_size;
        float *out = output + (size_t)i * row_size;
        float max = -3.40282347e38f;
        for (int32_t c = 0; c < row_size; ++c) {
            max = max < in[c] ? in[c] : max;
        }
        float sum = 0.f;
        for (int32_t c = 0; c < row_size; ++c) {
            sum += tml_expf(in[c] - max);
        }
        const float log_sum = logf(sum);
        for (int32_t c = 0; c < row_size; ++c) {
            out[c] = in[c] - max - log_sum;
        }
    }
    return TML_OK;
}

/* ---- int16 ---- */

static float exp_transform(float x) {
    return tml_expf(x);
}

static float one_over_one_plus_x_transform(float x) {
    return 1.0f / (1.0f + x);
}

static float max_f(float a, float b) { /* std::max<float> */
    return a < b ? b : a;
}

static float min_f(float a, float b) { /* std::min<float> */
    return b < a ? b : a;
}

/* LUTPopulateInt16<float> (kernels/internal/common.h): 512 samples with a
 * midpoint bias correction, and the end point. */
static void lut_populate_s16(float input_scale, int32_t input_zero_point, float output_scale,
    int32_t output_zero_point, float (*transform)(float), int16_t *lut) {
    const float input_min = input_scale * (float)(INT16_MIN - input_zero_point);
    const float input_max = input_scale * (float)(INT16_MAX - input_zero_point);
    const float output_min = output_scale * (float)(INT16_MIN - output_zero_point);
    const float output_max = output_scale * (float)(INT16_MAX - output_zero_point);
    const int nb_steps = 512;
    const float step = (input_max - input_min) / (float)nb_steps;
    const float half_step = step / 2;
    const float output_scaling_inv = 65536.0f / (output_max - output_min);
    const float table_min = (float)INT16_MIN;
    const float table_max = (float)INT16_MAX;
    for (int i = 0; i < nb_steps; i++) {
        const float val = transform(input_min + (float)i * step);
        const float val_midpoint = transform(input_min + (float)i * step + half_step);
        const float val_next = transform(input_min + (float)(i + 1) * step);
        const float sample_val = tml_roundf(val * output_scaling_inv);
        const float midpoint_interp_val =
            tml_roundf((val_next * output_scaling_inv + tml_roundf(val * output_scaling_inv)) / 2);
        const float midpoint_val = tml_roundf(val_midpoint * output_scaling_inv);
        const float midpoint_err = midpoint_interp_val - midpoint_val;
        const float bias = tml_roundf(midpoint_err / 2);
        lut[i] = (int16_t)min_f(max_f(sample_val - bias, table_min), table_max);
    }
    lut[nb_steps] = (int16_t)min_f(max_f(tml_roundf(transform(input_max) * output_scaling_inv), table_min), table_max);
}

/* InitializeLutForInt16 (softmax_common.cc). */
void tml_softmax_s16_luts(int16_t *exp_lut, int16_t *one_over_one_plus_x_lut) {
    const int32_t range = INT16_MAX - INT16_MIN;
    lut_populate_s16(10.0f / (float)range, INT16_MAX, 2.0f / (float)range, 0, exp_transform, exp_lut);
    lut_populate_s16(1.0f / (float)range, INT16_MIN, 2.0f / (float)range, 0, one_over_one_plus_x_transform,
        one_over_one_plus_x_lut);
}

/* LUTLookup(int16_t, const int16_t *) with interpolation. */
static int16_t lut_lookup(int16_t value, const int16_t *lut) {
    const uint16_t index = (uint16_t)(256 + (value >> 7));
    const int16_t offset = (int16_t)(value & 0x7f);
    const int16_t base = lut[index];
    const int16_t slope = (int16_t)(lut[index + 1] - lut[index]);
    const int delta = (slope * offset + 64) >> 7;
    return (int16_t)(base + delta);
}

static int clz32(uint32_t x) {
    int n = 0;
    if (x == 0) {
        return 32;
    }
    while (!(x & 0x80000000u)) {
        x <<= 1;
        ++n;
    }
    return n;
}

tml_status_t tml_softmax_s16_portable(const int16_t *input, int32_t num_rows, int32_t row_size, int32_t mult,
    int32_t shift, const int16_t *exp_lut, const int16_t *one_over_one_plus_x_lut, int16_t *output) {
    if (row_size <= 0 || row_size > 65536 || shift < -31 || shift > 30) {
        return TML_ERR_KERNEL;
    }
    for (int32_t i = 0; i < num_rows; ++i) {
        const int16_t *in = input + (size_t)i * row_size;
        int16_t *out = output + (size_t)i * row_size;
        int16_t max_in_row = INT16_MIN;
        for (int32_t c = 0; c < row_size; ++c) {
            max_in_row = max_in_row < in[c] ? in[c] : max_in_row;
        }
        /* SoftMaxCalculateExp, cached in the output */
        int32_t sum_of_exps = 0;
        for (int32_t c = 0; c < row_size; ++c) {
            const int32_t input_diff = in[c] - max_in_row;
            const int32_t scaled_diff = tml_multiply_by_quantized_multiplier(input_diff, mult, shift);
            int32_t sym = (int32_t)((uint32_t)scaled_diff + 32767u);
            sym = sym < -32768 ? -32768 : sym > 32767 ? 32767 : sym;
            out[c] = lut_lookup((int16_t)sym, exp_lut);
            sum_of_exps += out[c];
        }
        const int headroom_plus_one = clz32((uint32_t)sum_of_exps);
        if (headroom_plus_one < 1 || headroom_plus_one > 30) {
            return TML_ERR_KERNEL; /* the exp table makes 32767 <= sum < 2^31 */
        }
        const int32_t shifted_sum = (int32_t)((((int64_t)sum_of_exps << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
        int32_t sym_shifted_sum = shifted_sum + (-((1 << 15) + (1 << 16)));
        sym_shifted_sum = sym_shifted_sum < -32768 ? -32768 : sym_shifted_sum > 32767 ? 32767 : sym_shifted_sum;
        const int16_t reciprocal_scale_q015 = lut_lookup((int16_t)sym_shifted_sum, one_over_one_plus_x_lut);
        const int right_shift = 31 - headroom_plus_one;
        const int64_t round = (int64_t)1 << (right_shift - 1);
        for (int32_t c = 0; c < row_size; ++c) {
            int32_t result = (int32_t)(((int64_t)out[c] * (int64_t)reciprocal_scale_q015 + round) >> right_shift);
            result = result < 0 ? 0 : result > 32767 ? 32767 : result;
            out[c] = (int16_t)result;
        }
    }
    return TML_OK;
}

/* tinyml kernels: portable SVDF for both backends, bit-exact transcriptions
 * of TFLM's tensorflow/lite/micro/kernels/svdf_common.cc:
 * EvalIntegerSvdfReference<T> (int8 or int16 state and time weights) and
 * EvalFloatSvdfReference (with ApplyTimeWeightsBiasAndActivation). The ref
 * backend runs them; the CMSIS-NN backend where CMSIS-NN's arm_svdf_* differ
 * (non-zero state zero point). Scratch: batches * (filters + units) words. */
#include "../tml_kernels.h"
#include "../tml_math.h"

int32_t tml_svdf_s8_get_buffer_size(const tml_svdf_params_t *p) {
    const int32_t units = p->rank > 0 ? p->filters / p->rank : 0;
    return p->batches * (p->filters + units) * (int32_t)sizeof(int32_t);
}

int32_t tml_svdf_f32_get_buffer_size(const tml_svdf_params_t *p) {
    return p->batches * p->filters * (int32_t)sizeof(float);
}

/* One reference step for state element type T (int8_t or int16_t). */
#define SVDF_INTEGER(T, T_MIN, T_MAX)                                                                          \
    const int32_t n_batch = p->batches, n_input = p->input_size, n_filter = p->filters;                     \
    const int32_t n_memory = p->memory, n_rank = p->rank;                                                   \
    if (n_rank <= 0 || n_filter % n_rank != 0 || !ctx || !ctx->buf ||                                       \
        ctx->size < tml_svdf_s8_get_buffer_size(p)) {                                                       \
        return TML_ERR_KERNEL;                                                                               \
    }                                                                                                        \
    const int32_t n_unit = n_filter / n_rank;                                                               \
    int32_t *scratch = ctx->buf;                                                                             \
    int32_t *scratch_output = scratch + n_batch * n_filter;                                                 \
    /* shift the whole state left by one */                                                                  \
    for (int32_t i = 0; i + 1 < n_batch * n_filter * n_memory; ++i) {                                        \
        state[i] = state[i + 1];                                                                             \
    }                                                                                                        \
    /* feature matmul into the newest state column */                                                        \
    T *result_in_batch = state + (n_memory - 1);                                                             \
    for (int32_t b = 0; b < n_batch; b++) {                                                                  \
        const int8_t *matrix_ptr = weights_feature;                                                          \
        for (int32_t r = 0; r < n_filter; r++) {                                                             \
            int32_t dot_prod = 0;                                                                            \
            const int8_t *vector_in_batch = input + b * n_input;                                             \
            for (int32_t c = 0; c < n_input; c++) {                                                          \
                dot_prod += *matrix_ptr++ * (*vector_in_batch++ - p->input_zero_point);                      \
            }                                                                                                \
            dot_prod = tml_multiply_by_quantized_multiplier(dot_prod, p->multiplier_1, p->shift_1);          \
            dot_prod = dot_prod < (T_MIN) ? (T_MIN) : dot_prod;                                              \
            dot_prod = dot_prod > (T_MAX) ? (T_MAX) : dot_prod;                                              \
            *result_in_batch = (T)(p->state_zero_point + dot_prod);                                          \
            result_in_batch += n_memory;                                                                     \
        }                                                                                                    \
    }                                                                                                        \
    /* time weights x state */                                                                               \
    for (int32_t b = 0; b < n_batch; ++b) {                                                                  \
        int32_t *scratch_ptr_batch = scratch + b * n_filter;                                                 \
        const T *vector1_ptr = weights_time;                                                                 \
        const T *vector2_ptr = state + b * n_memory * n_filter;                                              \
        for (int32_t i = 0; i < n_filter; i++) {                                                             \
            int32_t acc = 0;                                                                                 \
            for (int32_t j = 0; j < n_memory; j++) {                                                         \
                acc += *vector1_ptr++ * (*vector2_ptr++ - p->state_zero_point);                              \
            }                                                                                                \
            *scratch_ptr_batch++ = acc;                                                                      \
        }                                                                                                    \
    }                                                                                                        \
    /* bias, rank reduction, requantization to int8 */                                                       \
    for (int32_t b = 0; b < n_batch; ++b) {                                                                  \
        int32_t *output_ptr = scratch_output + b * n_unit;                                                   \
        for (int32_t j = 0; j < n_unit; ++j) {                                                               \
            output_ptr[j] = bias ? bias[j] : 0;                                                              \
        }                                                                                                    \
    }                                                                                                        \
    for (int32_t b = 0; b < n_batch; ++b) {                                                                  \
        int32_t *output_temp_ptr = scratch_output + b * n_unit;                                              \
        const int32_t *scratch_ptr_batch = scratch + b * n_filter;                                           \
        for (int32_t i = 0; i < n_unit; ++i) {                                                               \
            for (int32_t j = 0; j < n_rank; ++j) {                                                           \
                output_temp_ptr[i] += *scratch_ptr_batch++;                                                  \
            }                                                                                                \
        }                                                                                                    \
    }                                                                                                        \
    for (int32_t i = 0; i < n_batch * n_unit; ++i) {                                                         \
        int32_t x = tml_multiply_by_quantized_multiplier(scratch_output[i], p->multiplier_2, p->shift_2) +   \
            p->output_zero_point;                                                                            \
        x = x < -128 ? -128 : x;                                                                             \
        x = x > 127 ? 127 : x;                                                                               \
        output[i] = (int8_t)x;                                                                               \
    }                                                                                                        \
    return TML_OK;

tml_status_t tml_svdf_s8_portable(const tml_context_t *ctx, const tml_svdf_params_t *p, const int8_t *input,
    int8_t *state, const int8_t *weights_feature, const int8_t *weights_time, const int32_t *bias, int8_t *output) {
    SVDF_INTEGER(int8_t, -128, 127)
}

tml_status_t tml_svdf_state_s16_s8_portable(const tml_context_t *ctx, const tml_svdf_params_t *p,
    const int8_t *input, int16_t *state, const int8_t *weights_feature, const int16_t *weights_time,
    const int32_t *bias, int8_t *output) {
    SVDF_INTEGER(int16_t, -32768, 32767)
}

/* std::fmax / std::fmin (TfLiteMax / TfLiteMin): a NaN operand yields the other. */
static float fmax_f(float x, float y) {
    if (x != x) {
        return y;
    }
    if (y != y) {
        return x;
    }
    return x > y ? x : y;
}

static float fmin_f(float x, float y) {
    if (x != x) {
        return y;
    }
    if (y != y) {
        return x;
    }
    return x < y ? x : y;
}

tml_status_t tml_svdf_f32(const tml_context_t *ctx, const tml_svdf_params_t *p, int32_t activation,
    const float *input, float *state, const float *weights_feature, const float *weights_time, const float *bias,
    float *output) {
    const int32_t batch_size = p->batches, input_size = p->input_size, num_filters = p->filters;
    const int32_t memory_size = p->memory, rank = p->rank;
    if (rank <= 0 || num_filters % rank != 0 || !ctx || !ctx->buf || ctx->size < tml_svdf_f32_get_buffer_size(p)) {
        return TML_ERR_KERNEL;
    }
    const int32_t num_units = num_filters / rank;
    float *scratch = ctx->buf;
    for (int32_t i = 0; i + 1 < batch_size * num_filters * memory_size; ++i) {
        state[i] = state[i + 1];
    }
    float *result_in_batch = state + (memory_size - 1);
    for (int32_t i = 0; i < batch_size; ++i) {
        const float *matrix_ptr = weights_feature;
        for (int32_t j = 0; j < num_filters; ++j) {
            float dot_prod = 0.0f;
            const float *vector_in_batch = input + i * input_size;
            for (int32_t k = 0; k < input_size; ++k) {
                dot_prod += *matrix_ptr++ * *vector_in_batch++;
            }
            *result_in_batch = dot_prod;
            result_in_batch += memory_size;
        }
    }
    for (int32_t b = 0; b < batch_size; ++b) {
        float *scratch_ptr_batch = scratch + b * num_filters;
        const float *vector1_ptr = weights_time;
        const float *vector2_ptr = state + b * memory_size * num_filters;
        for (int32_t i = 0; i < num_filters; ++i) {
            *scratch_ptr_batch = 0.f;
            for (int32_t j = 0; j < memory_size; ++j) {
                *scratch_ptr_batch += *vector1_ptr++ * *vector2_ptr++;
            }
            scratch_ptr_batch++;
        }
    }
    for (int32_t i = 0; i < batch_size; ++i) {
        for (int32_t j = 0; j < num_units; ++j) {
            output[i * num_units + j] = bias ? bias[j] : 0.0f;
        }
    }
    for (int32_t b = 0; b < batch_size; ++b) {
        float *output_ptr_batch = output + b * num_units;
        const float *scratch_ptr_batch = scratch + b * num_filters;
        for (int32_t i = 0; i < num_units; ++i) {
            for (int32_t j = 0; j < rank; j++) {
                output_ptr_batch[i] += *scratch_ptr_batch++;
            }
        }
    }
    for (int32_t i = 0; i < batch_size * num_units; ++i) {
        const float a = output[i];
        switch (activation) {
            case 1: /* RELU */
                output[i] = fmax_f(0.0f, a);
                break;
            case 2: /* RELU_N1_TO_1 */
                output[i] = fmax_f(-1.0f, fmin_f(a, 1.0f));
                break;
            case 3: /* RELU6 */
                output[i] = fmax_f(0.0f, fmin_f(a, 6.0f));
                break;
            default: /* NONE (prepare refuses the others) */
                break;
        }
    }
    return TML_OK;
}

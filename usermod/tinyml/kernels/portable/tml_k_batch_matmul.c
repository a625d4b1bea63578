/* tinyml kernels: portable BATCH_MATMUL for both backends, the arithmetic of
 * TFLM's reference_ops::BatchMatMul (tensorflow/lite/kernels/internal/
 * reference/batch_matmul.h) as micro/kernels/batch_matmul.cc calls it, with
 * the transposed operands read in place instead of copied (TFLM copies them
 * into persistent buffers; each output is the same k-ordered sum either way). */
#include "../tml_kernels.h"
#include "../tml_math.h"

#define BMM_LOOP(BODY)                                                                                       \
    const int32_t M = p->rows, N = p->cols, K = p->depth;                                                  \
    for (int32_t b0 = 0; b0 < p->batch[0]; ++b0) {                                                         \
        for (int32_t b1 = 0; b1 < p->batch[1]; ++b1) {                                                     \
            for (int32_t b2 = 0; b2 < p->batch[2]; ++b2) {                                                 \
                const int64_t lb = (int64_t)b0 * p->lhs_stride[0] + (int64_t)b1 * p->lhs_stride[1] +       \
                    (int64_t)b2 * p->lhs_stride[2];                                                        \
                const int64_t rb = (int64_t)b0 * p->rhs_stride[0] + (int64_t)b1 * p->rhs_stride[1] +       \
                    (int64_t)b2 * p->rhs_stride[2];                                                        \
                const int64_t ob = (((int64_t)b0 * p->batch[1] + b1) * p->batch[2] + b2) * M * N;          \
                for (int32_t m = 0; m < M; ++m) {                                                          \
                    for (int32_t n = 0; n < N; ++n) {                                                      \
                        BODY                                                                               \
                    }                                                                                      \
                }                                                                                          \
            }                                                                                              \
        }                                                                                                  \
    }

#define LHS(k) lhs[lb + (p->adj_x ? (int64_t)(k) * M + m : (int64_t)m * K + (k))]
#define RHS(k) rhs[rb + (p->adj_y ? (int64_t)n * K + (k) : (int64_t)(k) * N + n)]

static int32_t clamp(int32_t v, const tml_activation_t *a) {
    v = v < a->min ? a->min : v;
    return v > a->max ? a->max : v;
}

tml_status_t tml_batch_matmul_s8_portable(const tml_bmm_params_t *p, const int8_t *lhs, const int8_t *rhs,
    int8_t *output) {
    BMM_LOOP({
        int32_t total = 0;
        for (int32_t k = 0; k < K; ++k) {
            total += ((int32_t)RHS(k) + p->rhs_offset) * ((int32_t)LHS(k) + p->lhs_offset);
        }
        const int32_t v = tml_multiply_by_quantized_multiplier(total, p->multiplier, p->shift) + p->output_offset;
        output[ob + (int64_t)m * N + n] = (int8_t)clamp(v, &p->activation);
    })
    return TML_OK;
}

tml_status_t tml_batch_matmul_s16_portable(const tml_bmm_params_t *p, const int16_t *lhs, const int16_t *rhs,
    int16_t *output) {
    BMM_LOOP({
        int64_t total = 0;
        for (int32_t k = 0; k < K; ++k) {
            total += ((int64_t)RHS(k) + p->rhs_offset) * ((int64_t)LHS(k) + p->lhs_offset);
        }
        const int32_t v = tml_multiply_by_quantized_multiplier_64(total, p->multiplier, p->shift) + p->output_offset;
        output[ob + (int64_t)m * N + n] = (int16_t)clamp(v, &p->activation);
    })
    return TML_OK;
}

tml_status_t tml_batch_matmul_f32(const tml_bmm_params_t *p, const float *lhs, const float *rhs, float *output) {
    BMM_LOOP({
        float total = 0;
        for (int32_t k = 0; k < K; ++k) {
            total += RHS(k) * LHS(k);
        }
        output[ob + (int64_t)m * N + n] = total;
    })
    return TML_OK;
}

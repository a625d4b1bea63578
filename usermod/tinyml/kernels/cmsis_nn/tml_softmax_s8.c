/* tinyml kernels (CMSIS-NN backend): SOFTMAX int8 -> int8 / int16, as TFLM's
 * tensorflow/lite/micro/kernels/cmsis_nn/softmax.cc. */
#include "tml_cmsis_nn.h"

int32_t tml_softmax_s8_get_buffer_size(const tml_softmax_params_t *params) {
    (void)params;
    return 0;
}

tml_status_t tml_softmax_s8(const tml_context_t *ctx, const tml_softmax_params_t *p, const int8_t *input,
    int8_t *output) {
    (void)ctx;
    arm_softmax_s8(input, p->num_rows, p->row_size, p->mult, p->shift, p->diff_min, output);
    return TML_OK;
}

tml_status_t tml_softmax_s8_s16(const tml_context_t *ctx, const tml_softmax_params_t *p, const int8_t *input,
    int16_t *output) {
    (void)ctx;
    arm_softmax_s8_s16(input, p->num_rows, p->row_size, p->mult, p->shift, p->diff_min, output);
    return TML_OK;
}

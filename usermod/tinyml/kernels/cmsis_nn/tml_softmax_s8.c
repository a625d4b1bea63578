/* tinyml kernels (CMSIS-NN backend): SOFTMAX int8 -> int8 / int16, as TFLM's
 * tensorflow/lite/micro/kernels/cmsis_nn/softmax.cc. */
#include "tml_cmsis_nn.h"

int32_t tml_softmax_s8_get_buffer_size(int32_t num_rows, int32_t row_size) {
    (void)num_rows;
    (void)row_size;
    return 0;
}

tml_status_t tml_softmax_s8(const int8_t *input, int32_t num_rows, int32_t row_size, int32_t mult, int32_t shift,
    int32_t diff_min, int8_t *output) {
    arm_softmax_s8(input, num_rows, row_size, mult, shift, diff_min, output);
    return TML_OK;
}

tml_status_t tml_softmax_s8_s16(const int8_t *input, int32_t num_rows, int32_t row_size, int32_t mult,
    int32_t shift, int32_t diff_min, int16_t *output) {
    arm_softmax_s8_s16(input, num_rows, row_size, mult, shift, diff_min, output);
    return TML_OK;
}

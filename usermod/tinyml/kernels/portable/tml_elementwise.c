/* tinyml kernels (portable reference): the elementwise kernels the CMSIS-NN
 * backend maps to CMSIS-NN functions (ADD/MUL int16, MAXIMUM/MINIMUM int8,
 * SOFTMAX int16) run the shared portable routines of kernels/portable. */
#include "../tml_kernels.h"

tml_status_t tml_add_s16(const tml_add_params_t *params, const tml_shape_t *input1_shape, const int16_t *input1,
    const tml_shape_t *input2_shape, const int16_t *input2, const tml_shape_t *output_shape, int16_t *output) {
    return tml_add_s16_portable(params, input1_shape, input1, input2_shape, input2, output_shape, output);
}

tml_status_t tml_mul_s16(const tml_mul_params_t *params, const tml_shape_t *input1_shape, const int16_t *input1,
    const tml_shape_t *input2_shape, const int16_t *input2, const tml_shape_t *output_shape, int16_t *output) {
    return tml_mul_s16_portable(params, input1_shape, input1, input2_shape, input2, output_shape, output);
}

tml_status_t tml_maximum_s8(const tml_shape_t *input1_shape, const int8_t *input1, const tml_shape_t *input2_shape,
    const int8_t *input2, const tml_shape_t *output_shape, int8_t *output) {
    return tml_maximum_s8_portable(input1_shape, input1, input2_shape, input2, output_shape, output);
}

tml_status_t tml_minimum_s8(const tml_shape_t *input1_shape, const int8_t *input1, const tml_shape_t *input2_shape,
    const int8_t *input2, const tml_shape_t *output_shape, int8_t *output) {
    return tml_minimum_s8_portable(input1_shape, input1, input2_shape, input2, output_shape, output);
}

tml_status_t tml_softmax_s16(const int16_t *input, int32_t num_rows, int32_t row_size, int32_t mult, int32_t shift,
    const int16_t *exp_lut, const int16_t *one_over_one_plus_x_lut, int16_t *output) {
    return tml_softmax_s16_portable(input, num_rows, row_size, mult, shift, exp_lut, one_over_one_plus_x_lut,
        output);
}

/* tinyml kernels (portable reference): ADD and MUL, int8, with broadcasting:
 * the shared portable routines of kernels/portable/tml_arith_s8.c. */
#include "../tml_kernels.h"
#include "../dsp/tml_dsp.h"

int32_t tml_add_s8_get_buffer_size(void) {
    return 0;
}

int32_t tml_mul_s8_get_buffer_size(void) {
    return 0;
}

tml_status_t tml_add_s8(const tml_add_params_t *params, const tml_shape_t *input1_shape, const int8_t *input1,
    const tml_shape_t *input2_shape, const int8_t *input2, const tml_shape_t *output_shape, int8_t *output) {
#if TML_KERNELS_DSP_ADD
    if (params->kernel == TML_KERNEL_DSP) {
        return tml_add_s8_dsp(params, input1_shape, input1, input2_shape, input2, output_shape, output);
    }
#endif
    return tml_add_s8_portable(params, input1_shape, input1, input2_shape, input2, output_shape, output);
}

tml_status_t tml_mul_s8(const tml_mul_params_t *params, const tml_shape_t *input1_shape, const int8_t *input1,
    const tml_shape_t *input2_shape, const int8_t *input2, const tml_shape_t *output_shape, int8_t *output) {
    return tml_mul_s8_portable(params, input1_shape, input1, input2_shape, input2, output_shape, output);
}

/* tinyml kernels (CMSIS-NN backend): ADD and MUL, int8, as TFLM's
 * tensorflow/lite/micro/kernels/cmsis_nn/add.cc and mul.cc: equal (extended)
 * shapes run arm_elementwise_add_s8 / arm_elementwise_mul_s8, broadcasts the
 * portable reference routine (kernels/portable/tml_arith_s8.c). */
#include "tml_cmsis_nn.h"
#include "../dsp/tml_dsp.h"

int32_t tml_add_s8_get_buffer_size(void) {
    return 0;
}

int32_t tml_mul_s8_get_buffer_size(void) {
    return 0;
}

tml_status_t tml_add_s8(const tml_add_params_t *p, const tml_shape_t *input1_shape, const int8_t *input1,
    const tml_shape_t *input2_shape, const int8_t *input2, const tml_shape_t *output_shape, int8_t *output) {
#if TML_KERNELS_DSP_ADD
    if (p->kernel == TML_KERNEL_DSP) {
        return tml_add_s8_dsp(p, input1_shape, input1, input2_shape, input2, output_shape, output);
    }
#endif
    if (!tml_shapes_match_extended(input1_shape, input2_shape)) {
        return tml_add_s8_portable(p, input1_shape, input1, input2_shape, input2, output_shape, output);
    }
    const int32_t n = tml_shape_elements(input1_shape);
    if (n != tml_shape_elements(output_shape)) {
        return TML_ERR_KERNEL;
    }
    return tml_cmsis_status(arm_elementwise_add_s8(input1, input2, p->input1_offset, p->input1_multiplier,
        p->input1_shift, p->input2_offset, p->input2_multiplier, p->input2_shift, p->left_shift, output,
        p->output_offset, p->output_multiplier, p->output_shift, p->activation.min, p->activation.max, n));
}

tml_status_t tml_mul_s8(const tml_mul_params_t *p, const tml_shape_t *input1_shape, const int8_t *input1,
    const tml_shape_t *input2_shape, const int8_t *input2, const tml_shape_t *output_shape, int8_t *output) {
    if (!tml_shapes_match_extended(input1_shape, input2_shape)) {
        return tml_mul_s8_portable(p, input1_shape, input1, input2_shape, input2, output_shape, output);
    }
    const int32_t n = tml_shape_elements(input1_shape);
    if (n != tml_shape_elements(output_shape)) {
        return TML_ERR_KERNEL;
    }
    return tml_cmsis_status(arm_elementwise_mul_s8(input1, input2, p->input1_offset, p->input2_offset, output,
        p->output_offset, p->output_multiplier, p->output_shift, p->activation.min, p->activation.max, n));
}

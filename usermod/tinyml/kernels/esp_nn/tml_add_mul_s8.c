/* tinyml kernels (esp-nn backend): ADD and MUL, int8, as esp-tflite-micro's
 * esp_nn/add.cc and mul.cc: equal (extended) shapes run
 * esp_nn_add_elementwise_s8 / esp_nn_mul_elementwise_s8, broadcasts the
 * portable kernels (kernels/portable). */
#include "tml_esp_nn.h"

int32_t tml_add_s8_get_buffer_size(void) {
    return 0;
}

int32_t tml_mul_s8_get_buffer_size(void) {
    return 0;
}

tml_status_t tml_add_s8(const tml_add_params_t *p, const tml_shape_t *input1_shape, const int8_t *input1,
    const tml_shape_t *input2_shape, const int8_t *input2, const tml_shape_t *output_shape, int8_t *output) {
    if (p->kernel != TML_KERNEL_BACKEND) {
        return tml_add_s8_portable(p, input1_shape, input1, input2_shape, input2, output_shape, output);
    }
    esp_nn_add_elementwise_s8(input1, input2, p->input1_offset, p->input2_offset, p->input1_multiplier,
        p->input2_multiplier, p->input1_shift, p->input2_shift, p->left_shift, output, p->output_offset,
        p->output_multiplier, p->output_shift, p->activation.min, p->activation.max, tml_shape_elements(output_shape));
    return TML_OK;
}

tml_status_t tml_mul_s8(const tml_mul_params_t *p, const tml_shape_t *input1_shape, const int8_t *input1,
    const tml_shape_t *input2_shape, const int8_t *input2, const tml_shape_t *output_shape, int8_t *output) {
    if (p->kernel != TML_KERNEL_BACKEND) {
        return tml_mul_s8_portable(p, input1_shape, input1, input2_shape, input2, output_shape, output);
    }
    esp_nn_mul_elementwise_s8(input1, input2, p->input1_offset, p->input2_offset, output, p->output_offset,
        p->output_multiplier, p->output_shift, p->activation.min, p->activation.max, tml_shape_elements(output_shape));
    return TML_OK;
}

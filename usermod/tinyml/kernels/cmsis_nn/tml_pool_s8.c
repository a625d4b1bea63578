/* tinyml kernels (CMSIS-NN backend): AVERAGE_POOL_2D and MAX_POOL_2D, int8, as
 * TFLM's tensorflow/lite/micro/kernels/cmsis_nn/pooling.cc. */
#include "tml_cmsis_nn.h"

static cmsis_nn_pool_params pool_params(const tml_pool_params_t *p) {
    cmsis_nn_pool_params c;
    c.stride = tml_cmsis_tile(p->stride);
    c.padding = tml_cmsis_tile(p->padding);
    c.activation = tml_cmsis_act(p->activation);
    return c;
}

int32_t tml_avgpool_s8_get_buffer_size(int32_t output_w, int32_t channels) {
    return arm_avgpool_s8_get_buffer_size(output_w, channels);
}

int32_t tml_maxpool_s8_get_buffer_size(int32_t output_w, int32_t channels) {
    (void)output_w;
    (void)channels;
    return 0;
}

tml_status_t tml_avgpool_s8(const tml_context_t *ctx, const tml_pool_params_t *p, const tml_dims_t *input_dims,
    const int8_t *input, const tml_dims_t *filter_dims, const tml_dims_t *output_dims, int8_t *output) {
    const cmsis_nn_context c = tml_cmsis_ctx(ctx);
    const cmsis_nn_pool_params pp = pool_params(p);
    const cmsis_nn_dims id = tml_cmsis_dims(input_dims), fd = tml_cmsis_dims(filter_dims);
    const cmsis_nn_dims od = tml_cmsis_dims(output_dims);
    return tml_cmsis_status(arm_avgpool_s8(&c, &pp, &id, input, &fd, &od, output));
}

tml_status_t tml_maxpool_s8(const tml_context_t *ctx, const tml_pool_params_t *p, const tml_dims_t *input_dims,
    const int8_t *input, const tml_dims_t *filter_dims, const tml_dims_t *output_dims, int8_t *output) {
    const cmsis_nn_context c = tml_cmsis_ctx(ctx);
    const cmsis_nn_pool_params pp = pool_params(p);
    const cmsis_nn_dims id = tml_cmsis_dims(input_dims), fd = tml_cmsis_dims(filter_dims);
    const cmsis_nn_dims od = tml_cmsis_dims(output_dims);
    return tml_cmsis_status(arm_max_pool_s8(&c, &pp, &id, input, &fd, &od, output));
}

/* tinyml kernels (portable reference backend): AVERAGE_POOL_2D and MAX_POOL_2D,
 * int8: the portable kernel of kernels/portable/tml_pool_s8_portable.c. */
#include "../tml_kernels.h"

int32_t tml_avgpool_s8_get_buffer_size(int32_t output_w, int32_t channels) {
    (void)output_w;
    (void)channels;
    return 0;
}

int32_t tml_maxpool_s8_get_buffer_size(int32_t output_w, int32_t channels) {
    (void)output_w;
    (void)channels;
    return 0;
}

tml_status_t tml_avgpool_s8(const tml_context_t *ctx, const tml_pool_params_t *pool_params,
    const tml_dims_t *input_dims, const int8_t *input, const tml_dims_t *filter_dims,
    const tml_dims_t *output_dims, int8_t *output) {
    (void)ctx;
    return tml_pool_s8_portable(pool_params, input_dims, input, filter_dims, output_dims, output, 0);
}

tml_status_t tml_maxpool_s8(const tml_context_t *ctx, const tml_pool_params_t *pool_params,
    const tml_dims_t *input_dims, const int8_t *input, const tml_dims_t *filter_dims,
    const tml_dims_t *output_dims, int8_t *output) {
    (void)ctx;
    return tml_pool_s8_portable(pool_params, input_dims, input, filter_dims, output_dims, output, 1);
}

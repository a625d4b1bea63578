/* tinyml kernels (portable reference backend): SOFTMAX int8 -> int8 / int16:
 * the portable kernel of kernels/portable/tml_softmax_s8_portable.c. */
#include "../tml_kernels.h"

int32_t tml_softmax_s8_get_buffer_size(const tml_softmax_params_t *params) {
    (void)params;
    return 0;
}

tml_status_t tml_softmax_s8(const tml_context_t *ctx, const tml_softmax_params_t *params, const int8_t *input,
    int8_t *output) {
    (void)ctx;
    return tml_softmax_s8_portable(params, input, output);
}

tml_status_t tml_softmax_s8_s16(const tml_context_t *ctx, const tml_softmax_params_t *params, const int8_t *input,
    int16_t *output) {
    (void)ctx;
    return tml_softmax_s8_s16_portable(params, input, output);
}

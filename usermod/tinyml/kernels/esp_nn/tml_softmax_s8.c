/* tinyml kernels (esp-nn backend): SOFTMAX int8 -> int8 as esp-tflite-micro's
 * esp_nn/softmax.cc calls esp_nn_softmax_s8 (the generic optimisation keeps
 * each row's exps in a scratch of 4 bytes per column, set before each call);
 * int8 -> int16 and the rows tml_esp_nn_select.c routes away run the portable
 * kernel. */
#include "tml_esp_nn.h"

int32_t tml_softmax_s8_get_buffer_size(const tml_softmax_params_t *p) {
    return p->kernel == TML_KERNEL_BACKEND ? esp_nn_get_softmax_scratch_size(p->row_size, p->num_rows) : 0;
}

tml_status_t tml_softmax_s8(const tml_context_t *ctx, const tml_softmax_params_t *p, const int8_t *input,
    int8_t *output) {
    if (p->kernel != TML_KERNEL_BACKEND) {
        return tml_softmax_s8_portable(p, input, output);
    }
    const int32_t needed = esp_nn_get_softmax_scratch_size(p->row_size, p->num_rows);
    if (needed > 0 && (!ctx || !ctx->buf || ctx->size < needed)) {
        return TML_ERR_KERNEL; /* ESP-NN would print an error and write nothing */
    }
    esp_nn_set_softmax_scratch_buf(ctx ? ctx->buf : NULL);
    esp_nn_softmax_s8(input, p->num_rows, p->row_size, p->mult, p->shift, p->diff_min, output);
    return TML_OK;
}

tml_status_t tml_softmax_s8_s16(const tml_context_t *ctx, const tml_softmax_params_t *p, const int8_t *input,
    int16_t *output) {
    (void)ctx;
    return tml_softmax_s8_s16_portable(p, input, output);
}

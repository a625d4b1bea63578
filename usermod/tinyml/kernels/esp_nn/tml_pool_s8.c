/* tinyml kernels (esp-nn backend): AVERAGE_POOL_2D and MAX_POOL_2D, int8, as
 * esp-tflite-micro's esp_nn/pooling.cc calls esp_nn_avg_pool_s8 /
 * esp_nn_max_pool_s8 (one call per batch; the S3 flavour's layers with
 * channels % 4 != 0 on the ANSI C kernels); routed layers run the portable
 * kernel. No scratch. */
#include "tml_esp_nn.h"

typedef void (*esp_nn_pool_fn)(const int8_t *input, const uint16_t input_wd, const uint16_t input_ht,
    int8_t *output, const uint16_t output_wd, const uint16_t output_ht, const uint16_t stride_wd,
    const uint16_t stride_ht, const uint16_t filter_wd, const uint16_t filter_ht, const uint16_t pad_wd,
    const uint16_t pad_ht, const int32_t activation_min, const int32_t activation_max, const uint16_t channels);

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

static tml_status_t pool(esp_nn_pool_fn fn, const tml_pool_params_t *p, const tml_dims_t *in, const int8_t *input,
    const tml_dims_t *f, const tml_dims_t *out, int8_t *output) {
    if (in->n != out->n || in->c != out->c) {
        return TML_ERR_KERNEL;
    }
    const int32_t in_size = in->h * in->w * in->c, out_size = out->h * out->w * out->c;
    for (int32_t b = 0; b < in->n; ++b) {
        fn(input + b * in_size, (uint16_t)in->w, (uint16_t)in->h, output + b * out_size, (uint16_t)out->w,
            (uint16_t)out->h, (uint16_t)p->stride.w, (uint16_t)p->stride.h, (uint16_t)f->w, (uint16_t)f->h,
            (uint16_t)p->padding.w, (uint16_t)p->padding.h, p->activation.min, p->activation.max, (uint16_t)in->c);
    }
    return TML_OK;
}

tml_status_t tml_avgpool_s8(const tml_context_t *ctx, const tml_pool_params_t *p, const tml_dims_t *input_dims,
    const int8_t *input, const tml_dims_t *filter_dims, const tml_dims_t *output_dims, int8_t *output) {
    (void)ctx;
    switch (p->kernel) {
        case TML_KERNEL_BACKEND:
            return pool(esp_nn_avg_pool_s8, p, input_dims, input, filter_dims, output_dims, output);
        case TML_ESP_NN_KERNEL_ANSI:
            return pool(esp_nn_avg_pool_s8_ansi, p, input_dims, input, filter_dims, output_dims, output);
        default:
            return tml_pool_s8_portable(p, input_dims, input, filter_dims, output_dims, output, 0);
    }
}

tml_status_t tml_maxpool_s8(const tml_context_t *ctx, const tml_pool_params_t *p, const tml_dims_t *input_dims,
    const int8_t *input, const tml_dims_t *filter_dims, const tml_dims_t *output_dims, int8_t *output) {
    (void)ctx;
    switch (p->kernel) {
        case TML_KERNEL_BACKEND:
            return pool(esp_nn_max_pool_s8, p, input_dims, input, filter_dims, output_dims, output);
        case TML_ESP_NN_KERNEL_ANSI:
            return pool(esp_nn_max_pool_s8_ansi, p, input_dims, input, filter_dims, output_dims, output);
        default:
            return tml_pool_s8_portable(p, input_dims, input, filter_dims, output_dims, output, 1);
    }
}

/* tinyml kernels: the selection table. Per operator and shape, which
 * implementation runs a layer; chosen once, at load (tml_kernel_t in
 * tml_kernels.h: the op's prepare calls tml_*_select() and stores the value in
 * the kernel parameters' `kernel` field, which every call follows).
 *
 *   operator (int8)     build                  implementation: where
 *   ------------------  ---------------------  --------------------------------------------
 *   every operator      ref                    portable/ (TML_KERNEL_BACKEND: the portable kernel)
 *   every operator      cmsis-nn               cmsis_nn/ (CMSIS-NN; its shape-dependent paths
 *                                              stay inside its wrappers, as TFLM's cmsis_nn
 *                                              kernels pick them; grouped CONV_2D: portable)
 *   CONV_2D, DEPTHWISE, esp-nn                 ESP-NN where rules 1-8 of esp_nn/tml_esp_nn.h
 *   FULLY_CONNECTED,                           hold (esp_nn/tml_esp_nn_select.c), else
 *   pools, SOFTMAX,                            TML_KERNEL_PORTABLE (S3: some pools
 *   ADD, MUL                                   TML_ESP_NN_KERNEL_ANSI)
 */
#include "tml_kernels.h"
#if defined(TML_BACKEND_ESP_NN)
#include "esp_nn/tml_esp_nn.h"
#endif

int32_t tml_conv_s8_select(const tml_conv_params_t *p, const tml_per_channel_quant_params_t *q,
    const tml_dims_t *in, const tml_dims_t *f, const int8_t *filter, const int32_t *bias, const tml_dims_t *out) {
#if defined(TML_BACKEND_ESP_NN)
    return tml_esp_nn_conv_s8_select(p, q, in, f, filter, bias, out);
#else
    (void)p;
    (void)q;
    (void)in;
    (void)f;
    (void)filter;
    (void)bias;
    (void)out;
    return TML_KERNEL_BACKEND;
#endif
}

int32_t tml_depthwise_conv_s8_select(const tml_dw_conv_params_t *p, const tml_per_channel_quant_params_t *q,
    const tml_dims_t *in, const tml_dims_t *f, const int8_t *filter, const int32_t *bias, const tml_dims_t *out) {
#if defined(TML_BACKEND_ESP_NN)
    return tml_esp_nn_depthwise_conv_s8_select(p, q, in, f, filter, bias, out);
#else
    (void)p;
    (void)q;
    (void)in;
    (void)f;
    (void)filter;
    (void)bias;
    (void)out;
    return TML_KERNEL_BACKEND;
#endif
}

int32_t tml_fully_connected_s8_select(const tml_fc_params_t *p, const tml_quant_params_t *q,
    const tml_dims_t *in, const tml_dims_t *f, const int8_t *filter, const int32_t *bias, const tml_dims_t *out) {
#if defined(TML_BACKEND_ESP_NN)
    return tml_esp_nn_fully_connected_s8_select(p, q, in, f, filter, bias, out);
#else
    (void)p;
    (void)q;
    (void)in;
    (void)f;
    (void)filter;
    (void)bias;
    (void)out;
    return TML_KERNEL_BACKEND;
#endif
}

int32_t tml_avgpool_s8_select(const tml_pool_params_t *p, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out) {
#if defined(TML_BACKEND_ESP_NN)
    return tml_esp_nn_avgpool_s8_select(p, in, f, out);
#else
    (void)p;
    (void)in;
    (void)f;
    (void)out;
    return TML_KERNEL_BACKEND;
#endif
}

int32_t tml_maxpool_s8_select(const tml_pool_params_t *p, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out) {
#if defined(TML_BACKEND_ESP_NN)
    return tml_esp_nn_maxpool_s8_select(p, in, f, out);
#else
    (void)p;
    (void)in;
    (void)f;
    (void)out;
    return TML_KERNEL_BACKEND;
#endif
}

int32_t tml_softmax_s8_select(const tml_softmax_params_t *p) {
#if defined(TML_BACKEND_ESP_NN)
    return tml_esp_nn_softmax_s8_select(p);
#else
    (void)p;
    return TML_KERNEL_BACKEND;
#endif
}

int32_t tml_softmax_s8_s16_select(const tml_softmax_params_t *p) {
#if defined(TML_BACKEND_ESP_NN)
    return tml_esp_nn_softmax_s8_s16_select(p);
#else
    (void)p;
    return TML_KERNEL_BACKEND;
#endif
}

int32_t tml_add_s8_select(const tml_add_params_t *p, const tml_shape_t *a, const tml_shape_t *b,
    const tml_shape_t *out) {
#if defined(TML_BACKEND_ESP_NN)
    return tml_esp_nn_add_s8_select(p, a, b, out);
#else
    (void)p;
    (void)a;
    (void)b;
    (void)out;
    return TML_KERNEL_BACKEND;
#endif
}

int32_t tml_mul_s8_select(const tml_mul_params_t *p, const tml_shape_t *a, const tml_shape_t *b,
    const tml_shape_t *out) {
#if defined(TML_BACKEND_ESP_NN)
    return tml_esp_nn_mul_s8_select(p, a, b, out);
#else
    (void)p;
    (void)a;
    (void)b;
    (void)out;
    return TML_KERNEL_BACKEND;
#endif
}

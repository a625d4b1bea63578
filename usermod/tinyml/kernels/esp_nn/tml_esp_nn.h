/* tinyml kernels (esp-nn backend): Espressif's ESP-NN behind tml_kernels.h, as
 * esp-tflite-micro's tensorflow/lite/micro/kernels/esp_nn/ call it (CONV_2D,
 * DEPTHWISE_CONV_2D, FULLY_CONNECTED, AVERAGE/MAX_POOL_2D, SOFTMAX, ADD, MUL, all
 * int8); every other kernel is the ref backend's (kernels/portable, kernels/portable).
 *
 * Flavour (compile time), ESP-NN's own choice in esp_nn.h made explicit:
 *  - default: its "generic optimisations" (esp_nn_generic_opt.h: *_opt.c for
 *    CONV_2D, DEPTHWISE_CONV_2D and SOFTMAX, *_ansi.c for the rest), what
 *    esp-tflite-micro runs on the ESP32;
 *  - TML_ESP_NN_ANSI: its plain C (esp_nn_ansi_c.h, *_ansi.c);
 *  - TML_ESP_NN_S3: its ESP32-S3 assembly (esp_nn_esp32s3.h), ESP32-S3 builds
 *    only; compiled and linked here, never executed (no emulator has the S3's
 *    vector extension).
 *
 * Load-time routing (tml_esp_nn_select.c; tml_kernel_t in tml_kernels.h): a
 * layer runs on ESP-NN only where ESP-NN gives TFLM's reference result byte for
 * byte; the others run the portable kernels. From reading ESP-NN v1.2.0 (every
 * rule is exercised by tests/host/test_esp_nn.py):
 *  1. Dilation: ESP-NN's convolutions ignore it (they assume 1).
 *  2. Grouped CONV_2D: ESP-NN assumes filter channels == input channels.
 *  3. Sizes: ESP-NN takes dimensions, strides and paddings as uint16_t and
 *     computes some window origins in int16_t: every one must be <= 32767
 *     (FULLY_CONNECTED: depth and units <= 65535).
 *  4. Accumulator range (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED): from the
 *     constant weights and bias, the largest |accumulator| of output channel c
 *     over all inputs is A_c = |bias_c| + max|x + input_offset| * sum_k
 *     |w_ck + filter_offset|. The generic-optimisation convolutions requantize
 *     with esp_nn_multiply_by_quantized_mult_fast, whose rounding divide adds
 *     2^(s-1) (s = -shift_c > 0) without TFLM's overflow care: for a rounded
 *     product above INT32_MAX - 2^(s-1) it wraps to a large negative value, and
 *     the output is act_min where TFLM gives act_max. The product is at most
 *     A_c, so ESP-NN runs the layer only if A_c <= INT32_MAX - 2^(s-1) (opt and
 *     S3 flavours; the S3 assembly's rounding is not verified here, so it gets
 *     the same margin) and, for every flavour, A_c <= INT32_MAX: ESP-NN is
 *     compiled as esp-tflite-micro compiles it (no -fwrapv), so its int32 sums
 *     must not overflow, while TFLM's wrap (our portable kernels use -fwrapv).
 *     Weights or bias computed at run time: portable (no bound known).
 *  5. AVERAGE_POOL_2D with a window that covers no input (TFLM divides by the
 *     count 0; ESP-NN too: undefined): portable, which reports an error.
 *  6. SOFTMAX: ESP-NN's result shift 35 - clz(sum of exps) exceeds 31 when the
 *     sum reaches 2^28, possible from 512 columns on (each term <= 2^19), where
 *     the reference's RoundingDivideByPOT is undefined and the portable kernel
 *     reports an error: rows of 512 or more values run portable. int8 -> int16
 *     output: ESP-NN has none, portable.
 *  7. ADD / MUL: ESP-NN is element-wise only: broadcasts run portable (as TFLM's
 *     esp_nn add.cc / mul.cc call the reference's broadcast kernels).
 *  8. S3 pooling: ESP-NN's S3 pooling needs channels % 4 == 0 (as esp-tflite-micro
 *     checks); other layers run its ANSI C pooling (TML_ESP_NN_KERNEL_ANSI).
 * ESP-NN's requantization and softmax arithmetic were otherwise checked equal to
 * TFLM's (esp_nn_sat_round_doubling_high_mul, esp_nn_div_by_power_of_two,
 * esp_nn_multiply_by_quantized_mult: the same roundings; the _fast variant's
 * always-positive nudge with a floor shift equals TFLM's sign-dependent nudge
 * with a truncating division), and the host and Xtensa conformance tests run
 * every shared model and per-op grid on this backend byte-equal to TFLM. */
#ifndef TML_ESP_NN_H
#define TML_ESP_NN_H

#include <stddef.h>
#include "../tml_kernels.h"
#include "esp_nn_defs.h"
#include "esp_nn_ansi_headers.h"
#if defined(TML_ESP_NN_S3)
#include "esp_nn_esp32s3.h"
#elif defined(TML_ESP_NN_ANSI)
#include "esp_nn_ansi_c.h"
#else
#include "esp_nn_generic_opt.h"
#endif

/* tml_kernel_t variant of the S3 flavour: ESP-NN's ANSI C kernel (rule 8). */
enum { TML_ESP_NN_KERNEL_ANSI = 2 };

/* The rules 1-8 for each operator (tml_esp_nn_select.c), which the selection
 * table (kernels/tml_select.c) consults in esp-nn builds: TML_KERNEL_BACKEND
 * (ESP-NN), TML_ESP_NN_KERNEL_ANSI or TML_KERNEL_PORTABLE. */
int32_t tml_esp_nn_conv_s8_select(const tml_conv_params_t *p, const tml_per_channel_quant_params_t *q,
    const tml_dims_t *in, const tml_dims_t *f, const int8_t *filter, const int32_t *bias, const tml_dims_t *out);
int32_t tml_esp_nn_depthwise_conv_s8_select(const tml_dw_conv_params_t *p, const tml_per_channel_quant_params_t *q,
    const tml_dims_t *in, const tml_dims_t *f, const int8_t *filter, const int32_t *bias, const tml_dims_t *out);
int32_t tml_esp_nn_fully_connected_s8_select(const tml_fc_params_t *p, const tml_quant_params_t *q,
    const tml_dims_t *in, const tml_dims_t *f, const int8_t *filter, const int32_t *bias, const tml_dims_t *out);
int32_t tml_esp_nn_avgpool_s8_select(const tml_pool_params_t *p, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out);
int32_t tml_esp_nn_maxpool_s8_select(const tml_pool_params_t *p, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out);
int32_t tml_esp_nn_softmax_s8_select(const tml_softmax_params_t *p);
int32_t tml_esp_nn_softmax_s8_s16_select(const tml_softmax_params_t *p);
int32_t tml_esp_nn_add_s8_select(const tml_add_params_t *p, const tml_shape_t *a, const tml_shape_t *b,
    const tml_shape_t *out);
int32_t tml_esp_nn_mul_s8_select(const tml_mul_params_t *p, const tml_shape_t *a, const tml_shape_t *b,
    const tml_shape_t *out);

/* The largest dimension, stride or padding ESP-NN handles (rule 3). */
#define TML_ESP_NN_MAX_DIM 32767

static inline data_dims_t tml_esp_nn_dims(const tml_dims_t *d) {
    data_dims_t r;
    r.width = d->w;
    r.height = d->h;
    r.channels = d->c;
    r.extra = 1;
    return r;
}

static inline data_2d_t tml_esp_nn_2d(tml_tile_t t) {
    data_2d_t r;
    r.width = t.w;
    r.height = t.h;
    return r;
}

static inline act_params_t tml_esp_nn_act(tml_activation_t a) {
    act_params_t r;
    r.min = a.min;
    r.max = a.max;
    return r;
}

/* ESP-NN's quant_data_t holds non-const pointers; it only reads them. */
static inline quant_data_t tml_esp_nn_quant(const tml_per_channel_quant_params_t *q) {
    quant_data_t r;
    r.shift = q->shift;
    r.mult = q->multiplier;
    return r;
}

#endif

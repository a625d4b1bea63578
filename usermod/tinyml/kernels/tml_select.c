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
 *   CONV_2D             ARMv6-M (ref,          armv6m/ (TML_KERNEL_ARMV6M) where tml_armv6m_conv_ok:
 *                       cmsis-nn)              not grouped, >= 2 MACs per output, the input zero
 *                                              point an int8; else the backend's
 *   CONV_2D             DSP, no MVE (ref,      dsp/ (TML_KERNEL_DSP) where tml_dsp_conv_ok: not
 *                       cmsis-nn: Cortex-M4,   grouped, >= 4 MACs per output, the input zero point
 *                       M7, M33)               an int8; else the backend's
 *   DEPTHWISE_CONV_2D   cmsis-nn               arm_depthwise_conv_s8 (TML_CMSIS_KERNEL_DW_PLAIN,
 *                                              cmsis_nn/tml_conv_s8.c) where the wrapper's scratch
 *                                              buffer exceeds the layer's input and output bytes
 *   DEPTHWISE_CONV_2D   ARMv6-M                armv6m/ where depth multiplier 1, or one input channel
 *                                              and 2 or more outputs (CONV_2D's kernel and rule,
 *                                              tml_dw_conv.h); else the backend's
 *   DEPTHWISE_CONV_2D   DSP, no MVE (ref,      dsp/ (TML_KERNEL_DSP) where tml_dsp_dw_ok: depth
 *                       cmsis-nn: Cortex-M4,   multiplier 1, channels a multiple of 4, output rows
 *                       M7, M33)               >= 4 pixels wide (3 with >= 25 taps), the input offset
 *                                              an int16 plus any int8 (small maps: the padded copy,
 *                                              dsp/tml_dsp_dw.c); or one input channel and 2 or more outputs
 *                                              (CONV_2D's rule; up to 16 taps the window's pairs against
 *                                              each channel, dw1_run: person_detect's first layer; more,
 *                                              CONV_2D's kernel, tml_dw_conv.h: micro_speech's layer); else
 *                                              the backend's
 *   FULLY_CONNECTED     ARMv6-M                armv6m/ where the filter zero point is 0 (or per
 *                                              channel), depth >= 2 or one batch; else the
 *                                              backend's
 *   ADD                 DSP, no MVE (ref,      dsp/ (TML_KERNEL_DSP) where tml_dsp_add_ok: equal
 *                       cmsis-nn: Cortex-M4,   shapes, int8 zero points, and multipliers and shifts
 *                       M7, M33); ARMv7-M      that keep every value below 2^28 (the short
 *                       without DSP (M3)       requantization is exact); else the backend's
 *   FULLY_CONNECTED     DSP, no MVE (ref,      dsp/ (TML_KERNEL_DSP) where tml_dsp_fc_ok: the filter
 *                       cmsis-nn: Cortex-M4,   zero point 0 (or per channel), the input zero point
 *                       M7, M33)               an int8, depth >= 4; else the backend's
 * ARMv6-M builds (TML_KERNELS_ARMV6M, tml_kernels.h: __ARM_ARCH_6M__, or forced on in
 * the host library libtinyml-armv6m.so) take our kernels wherever the rule allows:
 * CMSIS-NN has only plain C there, and ours ran kws_ref_model's CONV_2D and
 * DEPTHWISE_CONV_2D layers in 0.75-0.80 of its cycles, micro_speech's FULLY_CONNECTED in 0.63
 * (rp2040js; README). ARMv7-M builds without DSP (__ARM_ARCH_7M__: the Cortex-M3) take the same
 * kernels, with Thumb-2 loops, under stricter rules (armv6m/: CONV_2D from 24 MACs per output,
 * FULLY_CONNECTED from 16, DEPTHWISE_CONV_2D only with one input channel), and ADD on the DSP
 * kernels' C (TML_KERNELS_DSP_ADD): 0.73-0.92 of TFLM's instructions on the shared models
 * (MPS2_AN385; README).
 * DSP builds (TML_KERNELS_DSP, tml_kernels.h: __ARM_FEATURE_DSP without MVE, or forced
 * on in the host library libtinyml-dsp.so) take our CONV_2D, DEPTHWISE_CONV_2D,
 * FULLY_CONNECTED and ADD kernels wherever their rules allow: they ran the convolutions of
 * kws_ref_model and pretrainedResnet_quant in fewer instructions than CMSIS-NN on the M4 and M7
 * (README; kws's 3x3 depthwise layers on the M7: 383,600 instead of 586,280 each), ad01_int8's
 * fully-connected layers in 0.84-0.90 of its, pretrainedResnet_quant's ADD layers in 0.48. The rules read no row
 * count and no padding.h, so a layer's choice holds for every row view the planner
 * runs (tml_rows.h).
 */
#include "tml_kernels.h"
#if defined(TML_BACKEND_ESP_NN)
#include "esp_nn/tml_esp_nn.h"
#elif defined(TML_BACKEND_CMSIS_NN)
#include "cmsis_nn/tml_cmsis_nn.h"
#endif
#include "armv6m/tml_armv6m.h"
#include "dsp/tml_dsp.h"

int32_t tml_conv_s8_select(const tml_conv_params_t *p, const tml_per_channel_quant_params_t *q,
    const tml_dims_t *in, const tml_dims_t *f, const int8_t *filter, const int32_t *bias, const tml_dims_t *out) {
#if defined(TML_BACKEND_ESP_NN)
    return tml_esp_nn_conv_s8_select(p, q, in, f, filter, bias, out);
#else
#if TML_KERNELS_ARMV6M
    if (tml_armv6m_conv_ok(p, in, f, out)) {
        return TML_KERNEL_ARMV6M;
    }
#endif
#if TML_KERNELS_DSP
    if (tml_dsp_conv_ok(p, in, f, out)) {
        return TML_KERNEL_DSP;
    }
#endif
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
#if TML_KERNELS_ARMV6M
    if (tml_armv6m_dw_ok(p, in, f, out)) {
        return TML_KERNEL_ARMV6M;
    }
#endif
#if TML_KERNELS_DSP
    if (tml_dsp_dw_ok(p, in, f, out)) {
        return TML_KERNEL_DSP;
    }
#endif
#if defined(TML_BACKEND_CMSIS_NN)
    return tml_cmsis_nn_depthwise_conv_s8_select(p, q, in, f, filter, bias, out);
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
#endif
}

int32_t tml_fully_connected_s8_select(const tml_fc_params_t *p, const tml_quant_params_t *q,
    const tml_dims_t *in, const tml_dims_t *f, const int8_t *filter, const int32_t *bias, const tml_dims_t *out) {
#if defined(TML_BACKEND_ESP_NN)
    return tml_esp_nn_fully_connected_s8_select(p, q, in, f, filter, bias, out);
#else
#if TML_KERNELS_ARMV6M
    if (tml_armv6m_fc_ok(p, q, in, f, out)) {
        return TML_KERNEL_ARMV6M;
    }
#endif
#if TML_KERNELS_DSP
    if (tml_dsp_fc_ok(p, q, in, f, out)) {
        return TML_KERNEL_DSP;
    }
#endif
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
#if TML_KERNELS_DSP_ADD
    if (tml_dsp_add_ok(p, a, b, out)) {
        return TML_KERNEL_DSP;
    }
#endif
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

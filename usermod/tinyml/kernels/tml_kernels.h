/*
 * tinyml kernels: the one header every operator calls.
 *
 * Conventions (as CMSIS-NN):
 *  - every kernel returns tml_status_t (TML_OK, or TML_ERR_KERNEL for
 *    arguments it cannot handle) and allocates nothing;
 *  - every kernel that needs scratch memory has a
 *    int32_t <kernel>_get_buffer_size(...) returning bytes (0 if none); the
 *    caller passes a buffer at least that large (8-byte aligned);
 *  - activations NHWC int8; conv filters OHWI, depthwise 1HW(C*M), FC [out][in];
 *  - quantized multipliers/shifts as TFLite: shift > 0 is a left shift.
 *
 * Layout: kernels/portable/ is the portable C of every operator (the
 * reference; the ref backend is portable/ alone). A backend folder wraps a
 * kernel library and its file X.c replaces portable/X.c; the other portable
 * files serve the operators the library lacks. Backend selection is at compile
 * time:
 *  - TML_BACKEND_CMSIS_NN defined: kernels/cmsis_nn/ wraps ARM CMSIS-NN;
 *  - TML_BACKEND_ESP_NN defined: kernels/esp_nn/ wraps Espressif's ESP-NN
 *    (flavour: TML_ESP_NN_ANSI its plain C, TML_ESP_NN_S3 its ESP32-S3
 *    assembly, else its "generic optimisations" C);
 *  - otherwise kernels/portable/ alone.
 * A core family folder (kernels/armv6m/) holds kernels of our own for that
 * core, compiled in for it only. All must be bit-exact with TFLM's reference.
 *
 * Kernel choice per layer is made once, at load: see tml_kernel_t.
 */
#ifndef TML_KERNELS_H
#define TML_KERNELS_H

#include <stdint.h>
#include "tml_types.h"

typedef struct {
    int32_t n, h, w, c;
} tml_dims_t;

/* ===== Section A: convolution, fully connected, pooling, softmax, add, mul =====
 * (implemented in kernels/portable/ and the backend folders; the portable CONV_2D and
 * broadcast ADD/MUL serve every backend)
 * Structs mirror CMSIS-NN's cmsis_nn_* types field for field. Offsets follow
 * CMSIS-NN: input_offset = -input zero point, output_offset = +output zero
 * point, filter_offset = -filter zero point. */

typedef struct {
    int32_t w, h;
} tml_tile_t;

typedef struct {
    int32_t min, max; /* output clamp (fused activation) */
} tml_activation_t;

/* float32 fused-activation clamp (TFLM CalculateActivationRange<float>). */
typedef struct {
    float min, max;
} tml_activation_f32_t;

typedef struct {
    void *buf;    /* scratch of *_get_buffer_size() bytes, or NULL if 0 */
    int32_t size;
    /* Nonzero: this call continues the previous kernel call of the same layer in one eval, with the
     * same scratch, which nothing has written since (the in-place executor's row calls after the
     * first, tml_exec.c): a kernel may reuse what it left there that does not depend on the rows
     * (kernels/armv6m: the channel constants). 0 (every other call): the scratch holds nothing. */
    int32_t again;
} tml_context_t;

/* Load-time kernel choice. A backend may run some layers of an operator on its
 * library's kernel and others on the portable kernels of kernels/portable/: the
 * esp-nn backend sends the layers that ESP-NN cannot run exactly as TFLM's
 * reference to the portable ones (kernels/esp_nn/tml_esp_nn.h says which and
 * why). The op's prepare calls the kernel's tml_*_select() once, with the
 * layer's parameters (and its constant weights where the choice depends on
 * them), stores the result in the parameters' `kernel` field before calling
 * *_get_buffer_size(), and every call follows that field: nothing is chosen per
 * call. The ref and CMSIS-NN backends select TML_KERNEL_BACKEND everywhere
 * (CMSIS-NN's shape-dependent paths stay inside its wrappers, as TFLM's
 * cmsis_nn kernels pick them). Values above TML_KERNEL_PORTABLE are backend
 * variants (esp-nn: TML_ESP_NN_KERNEL_ANSI). */
typedef enum {
    TML_KERNEL_BACKEND = 0,  /* the backend's kernel (the library's, for esp-nn) */
    TML_KERNEL_PORTABLE = 1, /* the portable kernel of kernels/portable */
    TML_KERNEL_ARMV6M = 3,   /* ours for ARMv6-M (kernels/armv6m; 2 is TML_ESP_NN_KERNEL_ANSI) */
    TML_KERNEL_DSP = 4,      /* ours for DSP cores without MVE (kernels/dsp: Cortex-M4, M7, M33) */
} tml_kernel_t;

/* The ARMv6-M kernels (kernels/armv6m/): on for ARMv6-M targets (Cortex-M0/M0+,
 * e.g. the RP2040) and ARMv7-M ones without the DSP extension (Cortex-M3: its own
 * Thumb-2 loops, tml_armv6m.h) with the ref or cmsis-nn backend; -DTML_KERNELS_ARMV6M=1
 * forces their C on elsewhere (the host library libtinyml-armv6m.so, so the
 * per-op grids run them), -DTML_KERNELS_ARMV6M=0 leaves them out. */
#if !defined(TML_KERNELS_ARMV6M)
#if (defined(__ARM_ARCH_6M__) || defined(__ARM_ARCH_7M__)) && !defined(TML_BACKEND_ESP_NN)
#define TML_KERNELS_ARMV6M 1
#else
#define TML_KERNELS_ARMV6M 0
#endif
#endif

/* The DSP kernels (kernels/dsp/): on for cores with the DSP extension and without
 * MVE (Cortex-M4, M7, M33) with the ref or cmsis-nn backend; -DTML_KERNELS_DSP=1
 * forces their C on elsewhere (the host library libtinyml-dsp.so, so the per-op
 * grids run them, through the C equivalents of the SIMD instructions),
 * -DTML_KERNELS_DSP=0 leaves them out (e.g. a board short of flash). */
#if !defined(TML_KERNELS_DSP)
#if defined(__ARM_FEATURE_DSP) && !defined(__ARM_FEATURE_MVE) && !defined(TML_BACKEND_ESP_NN)
#define TML_KERNELS_DSP 1
#else
#define TML_KERNELS_DSP 0
#endif
#endif

/* The DSP kernels' ADD (kernels/dsp/tml_dsp_add.c) also runs on ARMv7-M without DSP (the Cortex-M3, with
 * the ARMv6-M kernels): its SMMULR is SMULL and a rounding add there, its requantization still about half
 * of CMSIS-NN's plain C. */
#if TML_KERNELS_DSP || (TML_KERNELS_ARMV6M && defined(__ARM_ARCH_7M__))
#define TML_KERNELS_DSP_ADD 1
#else
#define TML_KERNELS_DSP_ADD 0
#endif

typedef struct {
    int32_t *multiplier; /* one per output channel */
    int32_t *shift;
} tml_per_channel_quant_params_t;

typedef struct {
    int32_t *multiplier; /* output_depth entries if is_per_channel, else 1 */
    int32_t *shift;
    int32_t is_per_channel;
} tml_quant_params_t;

typedef struct {
    int32_t input_offset;
    int32_t output_offset;
    tml_tile_t stride;
    tml_tile_t padding;
    tml_tile_t dilation;
    tml_activation_t activation;
    int32_t kernel; /* tml_kernel_t from tml_conv_s8_select() (int8 only) */
} tml_conv_params_t;

typedef struct {
    int32_t input_offset;
    int32_t output_offset;
    int32_t ch_mult; /* output channels = input channels * ch_mult */
    tml_tile_t stride;
    tml_tile_t padding;
    tml_tile_t dilation;
    tml_activation_t activation;
    int32_t kernel; /* tml_kernel_t from tml_depthwise_conv_s8_select() (int8 only) */
} tml_dw_conv_params_t;

typedef struct {
    int32_t input_offset;
    int32_t filter_offset;
    int32_t output_offset;
    tml_activation_t activation;
    int32_t output_rank;         /* rank of the output tensor (CMSIS-NN: rank > 2 may run as 1x1 conv, as TFLM) */
    const int32_t *kernel_sums;  /* from tml_fully_connected_s8_kernel_sums(), or NULL */
    int32_t kernel;              /* tml_kernel_t from tml_fully_connected_s8_select() (int8 only) */
} tml_fc_params_t;

typedef struct {
    tml_tile_t stride;
    tml_tile_t padding;
    tml_activation_t activation;
    int32_t kernel; /* tml_kernel_t from tml_avgpool_s8_select() / tml_maxpool_s8_select() (int8 only) */
} tml_pool_params_t;

typedef struct {
    int32_t input1_offset, input1_multiplier, input1_shift;
    int32_t input2_offset, input2_multiplier, input2_shift;
    int32_t left_shift;
    int32_t output_offset, output_multiplier, output_shift;
    tml_activation_t activation;
    int32_t kernel; /* tml_kernel_t from tml_add_s8_select() (int8 ADD only) */
} tml_add_params_t;

typedef struct {
    int32_t input1_offset, input2_offset;
    int32_t output_offset, output_multiplier, output_shift;
    tml_activation_t activation;
    int32_t kernel; /* tml_kernel_t from tml_mul_s8_select() (int8 MUL only) */
} tml_mul_params_t;

/* Shape of up to TML_MAX_DIMS dimensions (ADD/MUL broadcasting). */
typedef struct {
    int32_t ndims;
    int32_t dims[TML_MAX_DIMS];
} tml_shape_t;

/* CONV_2D. input NHWC, filter OHWI with filter_dims {n = out channels, h, w,
 * c = input channels per group}; groups = input_dims->c / filter_dims->c.
 * bias may be NULL. select: filter and bias are the layer's constant weights
 * and bias (bias NULL if the layer has none), filter NULL if either is not a
 * constant tensor (the same for DEPTHWISE_CONV_2D and FULLY_CONNECTED). */
int32_t tml_conv_s8_select(const tml_conv_params_t *conv_params, const tml_per_channel_quant_params_t *quant_params,
    const tml_dims_t *input_dims, const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias,
    const tml_dims_t *output_dims);
int32_t tml_conv_s8_get_buffer_size(const tml_conv_params_t *conv_params, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims);
tml_status_t tml_conv_s8(const tml_context_t *ctx, const tml_conv_params_t *conv_params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output);

/* Portable CONV_2D shared by both backends (kernels/portable); the CMSIS-NN
 * backend uses it for grouped convolutions, whose DSP path in CMSIS-NN v7.0.0
 * differs from TFLM's reference. */
tml_status_t tml_conv_s8_portable(const tml_conv_params_t *conv_params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output);

/* DEPTHWISE_CONV_2D. filter_dims {1, h, w, c = output channels}. bias may be NULL. */
int32_t tml_depthwise_conv_s8_select(const tml_dw_conv_params_t *dw_conv_params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const tml_dims_t *filter_dims,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims);
int32_t tml_depthwise_conv_s8_get_buffer_size(const tml_dw_conv_params_t *dw_conv_params,
    const tml_dims_t *input_dims, const tml_dims_t *filter_dims, const tml_dims_t *output_dims);
tml_status_t tml_depthwise_conv_s8(const tml_context_t *ctx, const tml_dw_conv_params_t *dw_conv_params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output);
/* Portable DEPTHWISE_CONV_2D (kernels/portable). */
tml_status_t tml_depthwise_conv_s8_portable(const tml_dw_conv_params_t *dw_conv_params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output);

/* FULLY_CONNECTED. input_dims {batches, 1, 1, accum_depth}, filter_dims
 * {accum_depth, 1, 1, output_depth} (weights [output_depth][accum_depth]),
 * output_dims {batches, 1, 1, output_depth}. bias may be NULL. Per-tensor:
 * filter_offset is applied; per-channel: it is ignored (as TFLM's reference).
 * Optional precomputation (constant weights): if kernel_sums_size() > 0, fill
 * that many bytes with kernel_sums() at prepare time and set
 * fc_params->kernel_sums before get_buffer_size() and every call. for_mve 1: the
 * size an MVE (Cortex-M55) build of this backend precomputes, whatever this build is
 * (flash metadata written on the host; kernels of other builds ignore the sums). */
int32_t tml_fully_connected_s8_select(const tml_fc_params_t *fc_params, const tml_quant_params_t *quant_params,
    const tml_dims_t *input_dims, const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias,
    const tml_dims_t *output_dims);
int32_t tml_fully_connected_s8_kernel_sums_size(const tml_fc_params_t *fc_params,
    const tml_quant_params_t *quant_params, const tml_dims_t *filter_dims, const tml_dims_t *output_dims, int for_mve);
tml_status_t tml_fully_connected_s8_kernel_sums(const tml_fc_params_t *fc_params,
    const tml_quant_params_t *quant_params, const tml_dims_t *filter_dims, const int8_t *filter,
    const int32_t *bias, int32_t *kernel_sums);
int32_t tml_fully_connected_s8_get_buffer_size(const tml_fc_params_t *fc_params,
    const tml_quant_params_t *quant_params, const tml_dims_t *input_dims, const tml_dims_t *filter_dims,
    const tml_dims_t *output_dims);
tml_status_t tml_fully_connected_s8(const tml_context_t *ctx, const tml_fc_params_t *fc_params,
    const tml_quant_params_t *quant_params, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output);
/* Portable FULLY_CONNECTED (kernels/portable). */
tml_status_t tml_fully_connected_s8_portable(const tml_fc_params_t *fc_params, const tml_quant_params_t *quant_params,
    const tml_dims_t *input_dims, const int8_t *input, const tml_dims_t *filter_dims, const int8_t *filter,
    const int32_t *bias, const tml_dims_t *output_dims, int8_t *output);

/* AVERAGE_POOL_2D / MAX_POOL_2D. filter_dims {1, filter_h, filter_w, 1}. */
int32_t tml_avgpool_s8_select(const tml_pool_params_t *pool_params, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims);
int32_t tml_maxpool_s8_select(const tml_pool_params_t *pool_params, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims);
int32_t tml_avgpool_s8_get_buffer_size(int32_t output_w, int32_t channels);
tml_status_t tml_avgpool_s8(const tml_context_t *ctx, const tml_pool_params_t *pool_params,
    const tml_dims_t *input_dims, const int8_t *input, const tml_dims_t *filter_dims,
    const tml_dims_t *output_dims, int8_t *output);
int32_t tml_maxpool_s8_get_buffer_size(int32_t output_w, int32_t channels);
tml_status_t tml_maxpool_s8(const tml_context_t *ctx, const tml_pool_params_t *pool_params,
    const tml_dims_t *input_dims, const int8_t *input, const tml_dims_t *filter_dims,
    const tml_dims_t *output_dims, int8_t *output);
/* Portable int8 pooling (kernels/portable): average, or max if is_max. */
tml_status_t tml_pool_s8_portable(const tml_pool_params_t *pool_params, const tml_dims_t *input_dims,
    const int8_t *input, const tml_dims_t *filter_dims, const tml_dims_t *output_dims, int8_t *output,
    int32_t is_max);

/* SOFTMAX over the last dimension (row_size), num_rows rows. mult/shift from
 * tml_preprocess_softmax_scaling (beta, 5 integer bits), diff_min =
 * -tml_calculate_input_radius(5, shift, 31). Output int8 (zero point -128,
 * scale 1/256: tml_softmax_s8) or int16 (zero point -32768, scale 1/65536:
 * tml_softmax_s8_s16); kernel from the select of that output type. */
typedef struct {
    int32_t num_rows, row_size;
    int32_t mult, shift, diff_min;
    int32_t kernel;
} tml_softmax_params_t;
int32_t tml_softmax_s8_select(const tml_softmax_params_t *params);
int32_t tml_softmax_s8_s16_select(const tml_softmax_params_t *params);
int32_t tml_softmax_s8_get_buffer_size(const tml_softmax_params_t *params);
tml_status_t tml_softmax_s8(const tml_context_t *ctx, const tml_softmax_params_t *params, const int8_t *input,
    int8_t *output);
tml_status_t tml_softmax_s8_s16(const tml_context_t *ctx, const tml_softmax_params_t *params, const int8_t *input,
    int16_t *output);
/* Portable int8 SOFTMAX (kernels/portable). */
tml_status_t tml_softmax_s8_portable(const tml_softmax_params_t *params, const int8_t *input, int8_t *output);
tml_status_t tml_softmax_s8_s16_portable(const tml_softmax_params_t *params, const int8_t *input, int16_t *output);

/* ADD / MUL with numpy-style broadcasting of up to TML_MAX_DIMS dimensions
 * (output_shape must be the broadcast shape). Shifts: TFLite convention; ADD's
 * input/output shifts are <= 0 (QuantizeMultiplierSmallerThanOneExp). */
int32_t tml_add_s8_select(const tml_add_params_t *params, const tml_shape_t *input1_shape,
    const tml_shape_t *input2_shape, const tml_shape_t *output_shape);
int32_t tml_mul_s8_select(const tml_mul_params_t *params, const tml_shape_t *input1_shape,
    const tml_shape_t *input2_shape, const tml_shape_t *output_shape);
int32_t tml_add_s8_get_buffer_size(void);
tml_status_t tml_add_s8(const tml_add_params_t *params, const tml_shape_t *input1_shape, const int8_t *input1,
    const tml_shape_t *input2_shape, const int8_t *input2, const tml_shape_t *output_shape, int8_t *output);
int32_t tml_mul_s8_get_buffer_size(void);
tml_status_t tml_mul_s8(const tml_mul_params_t *params, const tml_shape_t *input1_shape, const int8_t *input1,
    const tml_shape_t *input2_shape, const int8_t *input2, const tml_shape_t *output_shape, int8_t *output);
/* Portable implementations shared by both backends (kernels/portable). */
tml_status_t tml_add_s8_portable(const tml_add_params_t *params, const tml_shape_t *input1_shape,
    const int8_t *input1, const tml_shape_t *input2_shape, const int8_t *input2, const tml_shape_t *output_shape,
    int8_t *output);
tml_status_t tml_mul_s8_portable(const tml_mul_params_t *params, const tml_shape_t *input1_shape,
    const int8_t *input1, const tml_shape_t *input2_shape, const int8_t *input2, const tml_shape_t *output_shape,
    int8_t *output);
/* True if the shapes, right-aligned and padded with leading 1s, are equal
 * (then ADD/MUL run element-wise, as TFLM's ProcessBroadcastShapes). */
int tml_shapes_match_extended(const tml_shape_t *a, const tml_shape_t *b);
/* The number of elements of a shape. */
static inline int32_t tml_shape_elements(const tml_shape_t *s) {
    int32_t n = 1;
    for (int32_t i = 0; i < s->ndims; ++i) {
        n *= s->dims[i];
    }
    return n;
}

/* ===== Section B: activations, data movement, reductions, (de)quantization =====
 * (implemented in kernels/portable/) */

/* RELU int8 with requantization (TFLM ReluQuantized):
 * out = clamp(out_zp + MBQM(in - in_zp, mult, shift), act_min, act_max). */
tml_status_t tml_relu_s8(const int8_t *in, int8_t *out, int32_t n, int32_t in_zp, int32_t out_zp,
    int32_t mult, int32_t shift, int32_t act_min, int32_t act_max);
/* RELU6 int8 (TFLM Relu6Quantized): clamp to [lo, hi], no requantization. */
tml_status_t tml_relu6_s8(const int8_t *in, int8_t *out, int32_t n, int8_t lo, int8_t hi);
/* LOGISTIC / TANH int8 (TFLM reference_integer_ops, gemmlowp fixed point, 4
 * integer bits): output scale 1/256 zp -128 (logistic), 1/128 zp 0 (tanh). */
tml_status_t tml_logistic_s8(const int8_t *in, int8_t *out, int32_t n, int32_t in_zp, int32_t range_radius,
    int32_t mult, int32_t left_shift);
tml_status_t tml_tanh_s8(const int8_t *in, int8_t *out, int32_t n, int32_t in_zp, int32_t range_radius,
    int32_t mult, int32_t left_shift);

/* CONCATENATION of any element type, as bytes: for each of `outer` rows, input
 * i contributes row_bytes[i] bytes (axis dim * inner dims * element size). */
tml_status_t tml_concat(const void *const *inputs, const int32_t *row_bytes, int32_t n_inputs, int32_t outer,
    void *out);
/* PAD of any element type (<= 5 dims, shapes extended on the left with 1s):
 * out dim d = in_dims[d] + before[d] + after[d]; pad_value points to one
 * element of elem_size bytes. */
tml_status_t tml_pad(const void *in, const int32_t in_dims[5], const int32_t before[5], const int32_t after[5],
    const void *pad_value, int32_t elem_size, void *out);

/* MEAN int8 (TFLM QuantizedMeanOrSum, compute_sum = false). axes are resolved
 * (0 <= axis < ndims, no duplicates); out has n_out elements in the order of
 * the non-reduced dims; mult/shift = QuantizeMultiplier(in_scale / out_scale).
 * scratch: tml_mean_s8_get_buffer_size(n_out) bytes. */
int32_t tml_mean_s8_get_buffer_size(int32_t n_out);
tml_status_t tml_mean_s8(const int8_t *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, int8_t *out, int32_t n_out, int32_t in_zp, int32_t out_zp, int32_t mult, int32_t shift,
    int32_t *scratch);

/* QUANTIZE float32 -> int8/int16 (TFLM AffineQuantize: round(in / scale) in
 * float, + zp, saturated). */
tml_status_t tml_quantize_f32_s8(const float *in, int8_t *out, int32_t n, float scale, int32_t zp);
tml_status_t tml_quantize_f32_s16(const float *in, int16_t *out, int32_t n, float scale, int32_t zp);
/* QUANTIZE between integer types (TFLM Requantize): in_type/out_type are
 * TML_INT8, TML_UINT8, TML_INT16 or TML_INT32 (tml_type_t). */
tml_status_t tml_requantize(const void *in, int in_type, void *out, int out_type, int32_t n, int32_t mult,
    int32_t shift, int32_t in_zp, int32_t out_zp);
/* DEQUANTIZE int8/uint8/int16 -> float32 (TFLM Dequantize: (float)(scale * (q - zp))
 * computed in double). */
tml_status_t tml_dequantize_f32(const void *in, int in_type, float *out, int32_t n, double scale, int32_t zp);

/* ===== Section C: UNIDIRECTIONAL_SEQUENCE_LSTM =====
 * (implemented in kernels/portable/ and kernels/cmsis_nn/, or portable/ alone)
 * TFLM's integer LSTM: int8 input/output/hidden state, int8 weights, int32
 * biases, int16 cell state; gate pre-activations at scale 2^-12, gate outputs
 * at 2^-15. Standard LSTM only (no CIFG, peephole, projection, layer norm). */

/* One gate: act(sat16(FC(x) + FC(h))), each FC int8 -> int16 saturated. */
typedef struct {
    const int8_t *input_weights;     /* [hidden_size][input_size] */
    const int8_t *recurrent_weights; /* [hidden_size][hidden_size] */
    const int32_t *input_sum;        /* bias + input_offset * row sums of input_weights */
    const int32_t *recurrent_sum;    /* hidden_offset * row sums of recurrent_weights */
    int32_t input_multiplier, input_shift;
    int32_t recurrent_multiplier, recurrent_shift;
} tml_lstm_gate_t;

typedef struct {
    int32_t time_major;    /* input [time][batch][in], else [batch][time][in] */
    int32_t batch_size, time_steps, input_size, hidden_size;
    int32_t hidden_zero_point;
    int32_t forget_cell_multiplier, forget_cell_shift; /* forget gate * cell -> cell */
    int32_t input_cell_multiplier, input_cell_shift;   /* input gate * cell gate -> cell */
    int32_t hidden_multiplier, hidden_shift;           /* output gate * tanh(cell) -> hidden */
    int32_t cell_clip;         /* quantized clip; < 0: no clipping */
    int32_t cell_scale_power;  /* cell state scale = 2^cell_scale_power */
    tml_lstm_gate_t forget, input, cell, output; /* cell gate: tanh, others: sigmoid */
} tml_lstm_params_t;

/* Runs all time steps; hidden_state [batch][hidden] int8 and cell_state
 * [batch][hidden] int16 carry over between calls. Output [.., hidden]. */
tml_status_t tml_lstm_s8(const tml_lstm_params_t *p, const int8_t *input, int8_t *output,
    int8_t *hidden_state, int16_t *cell_state, void *buffer);
int32_t tml_lstm_s8_get_buffer_size(const tml_lstm_params_t *p);
/* float32 LSTM (TFLM's EvalLstm<float, float, float, float>): float weights,
 * biases, hidden and cell state; gates FC(x) + FC(h) then logistic / tanh,
 * cell = forget * cell + input * cell gate (clipped to +-cell_clip if > 0),
 * hidden = tanh(cell) * output gate. Same layout and sizes as the int8 one. */
typedef struct {
    int32_t time_major;
    int32_t batch_size, time_steps, input_size, hidden_size;
    float cell_clip; /* <= 0: no clipping */
    /* input-to-gate [hidden][input] and recurrent-to-gate [hidden][hidden]
     * weights and gate biases [hidden], gates in the order input, forget,
     * cell, output */
    const float *input_weights[4], *recurrent_weights[4], *bias[4];
} tml_lstm_f32_params_t;
int32_t tml_lstm_f32_get_buffer_size(const tml_lstm_f32_params_t *p);
tml_status_t tml_lstm_f32(const tml_lstm_f32_params_t *p, const float *input, float *output, float *hidden_state,
    float *cell_state, float *buffer);
/* One time step for n batch rows (backend-specific; tml_lstm_s8 loops over it). */
void tml_lstm_s8_step(const tml_lstm_params_t *p, const int8_t *x, int8_t *h, int16_t *c, int8_t *y, int n,
    int16_t *buf);


/* ===== Section D: 16x8 and float convolution family, FULLY_CONNECTED,
 * pooling, TRANSPOSE_CONV, SVDF, BATCH_MATMUL =====
 * (16x8: int16 activations, int8 weights; CMSIS-NN wrappers in kernels/cmsis_nn/
 * where TFLM's cmsis_nn kernels call CMSIS-NN, portable kernels in
 * kernels/portable/ for both backends; float kernels in kernels/portable/,
 * summing in TFLM's reference order, so results are bit-equal when built
 * without fused multiply-add contraction, as -std=c99 does.)
 * 16x8 requantization follows the accumulator type, as TFLM's templates:
 * int64 accumulators use MultiplyByQuantizedMultiplier(int64_t) (16-bit
 * reduced multiplier, tml_multiply_by_quantized_multiplier_64), int32 ones the
 * int32 overload. int16 outputs add no zero point (TFLM's conv kernels assume
 * 0); FULLY_CONNECTED adds both offsets, as its reference does. */

/* Bias of a 16x8 kernel, as CMSIS-NN's cmsis_nn_bias_data: is_int32_bias
 * selects int32 bias and accumulation (else int64); data may be NULL. */
typedef struct {
    const void *data;
    int32_t is_int32_bias;
} tml_bias_data_t;


/* CONV_2D 16x8 (groups as tml_conv_s8; offsets in conv_params are ignored). */
int32_t tml_conv_s16_get_buffer_size(const tml_conv_params_t *conv_params, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims);
tml_status_t tml_conv_s16(const tml_context_t *ctx, const tml_conv_params_t *conv_params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const int16_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const tml_bias_data_t *bias, const tml_dims_t *output_dims,
    int16_t *output);
tml_status_t tml_conv_s16_portable(const tml_conv_params_t *conv_params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const int16_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const tml_bias_data_t *bias, const tml_dims_t *output_dims,
    int16_t *output);
/* CONV_2D float32 (reference_ops::Conv); bias may be NULL. */
tml_status_t tml_conv_f32(const tml_conv_params_t *conv_params, const tml_activation_f32_t *act,
    const tml_dims_t *input_dims, const float *input, const tml_dims_t *filter_dims, const float *filter,
    const float *bias, const tml_dims_t *output_dims, float *output);

/* DEPTHWISE_CONV_2D 16x8, int64 bias (may be NULL). */
int32_t tml_depthwise_conv_s16_get_buffer_size(const tml_dw_conv_params_t *dw_conv_params,
    const tml_dims_t *input_dims, const tml_dims_t *filter_dims, const tml_dims_t *output_dims);
tml_status_t tml_depthwise_conv_s16(const tml_context_t *ctx, const tml_dw_conv_params_t *dw_conv_params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const int16_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int64_t *bias, const tml_dims_t *output_dims,
    int16_t *output);
tml_status_t tml_depthwise_conv_s16_portable(const tml_dw_conv_params_t *dw_conv_params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const int16_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int64_t *bias, const tml_dims_t *output_dims,
    int16_t *output);
/* DEPTHWISE_CONV_2D float32 (reference_ops::DepthwiseConv). */
tml_status_t tml_depthwise_conv_f32(const tml_dw_conv_params_t *dw_conv_params, const tml_activation_f32_t *act,
    const tml_dims_t *input_dims, const float *input, const tml_dims_t *filter_dims, const float *filter,
    const float *bias, const tml_dims_t *output_dims, float *output);

/* FULLY_CONNECTED 16x8 (dims as tml_fully_connected_s8; input/output offsets
 * applied, filter offset applied per-tensor only). */
int32_t tml_fully_connected_s16_get_buffer_size(const tml_fc_params_t *fc_params,
    const tml_quant_params_t *quant_params, const tml_dims_t *filter_dims, const tml_bias_data_t *bias);
tml_status_t tml_fully_connected_s16(const tml_context_t *ctx, const tml_fc_params_t *fc_params,
    const tml_quant_params_t *quant_params, const tml_dims_t *input_dims, const int16_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const tml_bias_data_t *bias, const tml_dims_t *output_dims,
    int16_t *output);
tml_status_t tml_fully_connected_s16_portable(const tml_fc_params_t *fc_params,
    const tml_quant_params_t *quant_params, const tml_dims_t *input_dims, const int16_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const tml_bias_data_t *bias, const tml_dims_t *output_dims,
    int16_t *output);
/* FULLY_CONNECTED float32 (reference_ops::FullyConnected): input [batches][depth],
 * weights [units][depth], output [batches][units]; bias may be NULL. */
tml_status_t tml_fully_connected_f32(const tml_activation_f32_t *act, int32_t batches, int32_t depth, int32_t units,
    const float *input, const float *weights, const float *bias, float *output);

/* AVERAGE_POOL_2D / MAX_POOL_2D int16 (arguments as the int8 kernels). */
int32_t tml_avgpool_s16_get_buffer_size(int32_t output_w, int32_t channels);
tml_status_t tml_avgpool_s16(const tml_context_t *ctx, const tml_pool_params_t *pool_params,
    const tml_dims_t *input_dims, const int16_t *input, const tml_dims_t *filter_dims,
    const tml_dims_t *output_dims, int16_t *output);
int32_t tml_maxpool_s16_get_buffer_size(int32_t output_w, int32_t channels);
tml_status_t tml_maxpool_s16(const tml_context_t *ctx, const tml_pool_params_t *pool_params,
    const tml_dims_t *input_dims, const int16_t *input, const tml_dims_t *filter_dims,
    const tml_dims_t *output_dims, int16_t *output);
/* Portable int16 pooling (reference_integer_ops::AveragePool / MaxPool). */
tml_status_t tml_pool_s16_portable(const tml_pool_params_t *pool_params, const tml_dims_t *input_dims,
    const int16_t *input, const tml_dims_t *filter_dims, const tml_dims_t *output_dims, int16_t *output,
    int32_t is_max);
/* Float32 pooling (reference_ops::AveragePool / MaxPool). */
tml_status_t tml_avgpool_f32(const tml_pool_params_t *pool_params, const tml_activation_f32_t *act,
    const tml_dims_t *input_dims, const float *input, const tml_dims_t *filter_dims,
    const tml_dims_t *output_dims, float *output);
tml_status_t tml_maxpool_f32(const tml_pool_params_t *pool_params, const tml_activation_f32_t *act,
    const tml_dims_t *input_dims, const float *input, const tml_dims_t *filter_dims,
    const tml_dims_t *output_dims, float *output);

/* TRANSPOSE_CONV. input NHWC, filter OHWI {n = output channels, h, w, c = input
 * channels}, output NHWC; padding from ComputePaddingHeightWidth on the output
 * size; dilation 1. */
typedef struct {
    int32_t input_offset;  /* -input zero point */
    int32_t output_offset; /* output zero point (int8 only) */
    tml_tile_t stride;
    tml_tile_t padding;
    tml_activation_t activation;
} tml_transpose_conv_params_t;
int32_t tml_transpose_conv_s8_get_buffer_size(const tml_transpose_conv_params_t *params,
    const tml_dims_t *input_dims, const tml_dims_t *filter_dims, const tml_dims_t *output_dims);
tml_status_t tml_transpose_conv_s8(const tml_context_t *ctx, const tml_transpose_conv_params_t *params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output);
/* Portable int8 (reference_integer_ops::TransposeConv), scratch: output
 * elements * 4 bytes. */
tml_status_t tml_transpose_conv_s8_portable(int32_t *scratch, const tml_transpose_conv_params_t *params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output);
/* 16x8 with int64 accumulation; bias int64, or int16 if bias_is_int16 (TFLM
 * widens it), or NULL. Scratch: output elements * 8 bytes. */
int32_t tml_transpose_conv_s16_get_buffer_size(const tml_dims_t *output_dims);
tml_status_t tml_transpose_conv_s16(const tml_context_t *ctx, const tml_transpose_conv_params_t *params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const int16_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const void *bias, int32_t bias_is_int16,
    const tml_dims_t *output_dims, int16_t *output);
/* float32 (reference_ops::TransposeConv, accumulating in the output). */
tml_status_t tml_transpose_conv_f32(const tml_transpose_conv_params_t *params, const tml_activation_f32_t *act,
    const tml_dims_t *input_dims, const float *input, const tml_dims_t *filter_dims, const float *filter,
    const float *bias, const tml_dims_t *output_dims, float *output);

/* SVDF (TFLM svdf_common.cc). input [batches][input_size], weights_feature
 * [filters][input_size], weights_time [filters][memory], bias [units] (may be
 * NULL), state [batches][filters * memory] (variable), output [batches][units],
 * units = filters / rank. Integer: int8 input/output/weights_feature, int32
 * bias, state and weights_time int8 (tml_svdf_s8) or int16
 * (tml_svdf_state_s16_s8); no fused activation (TFLM applies none). */
typedef struct {
    int32_t batches, input_size, filters, memory, rank;
    int32_t input_zero_point, state_zero_point, output_zero_point;
    int32_t multiplier_1, shift_1; /* input * weights_feature -> state */
    int32_t multiplier_2, shift_2; /* state * weights_time -> output */
    const int32_t *kernel_sums;    /* from tml_svdf_s8_kernel_sums(), or NULL */
} tml_svdf_params_t;
/* Precomputation for constant weights_feature (as tml_fully_connected_s8_kernel_sums, for_mve too). */
int32_t tml_svdf_s8_kernel_sums_size(const tml_svdf_params_t *params, int for_mve);
tml_status_t tml_svdf_s8_kernel_sums(const tml_svdf_params_t *params, const int8_t *weights_feature,
    int32_t *kernel_sums);
int32_t tml_svdf_s8_get_buffer_size(const tml_svdf_params_t *params);
tml_status_t tml_svdf_s8(const tml_context_t *ctx, const tml_svdf_params_t *params, const int8_t *input,
    int8_t *state, const int8_t *weights_feature, const int8_t *weights_time, const int32_t *bias, int8_t *output);
tml_status_t tml_svdf_state_s16_s8(const tml_context_t *ctx, const tml_svdf_params_t *params, const int8_t *input,
    int16_t *state, const int8_t *weights_feature, const int16_t *weights_time, const int32_t *bias,
    int8_t *output);
/* Portable versions (kernels/portable), the reference's exact steps. */
tml_status_t tml_svdf_s8_portable(const tml_context_t *ctx, const tml_svdf_params_t *params, const int8_t *input,
    int8_t *state, const int8_t *weights_feature, const int8_t *weights_time, const int32_t *bias, int8_t *output);
tml_status_t tml_svdf_state_s16_s8_portable(const tml_context_t *ctx, const tml_svdf_params_t *params,
    const int8_t *input, int16_t *state, const int8_t *weights_feature, const int16_t *weights_time,
    const int32_t *bias, int8_t *output);
/* float32; activation is the fused ActivationFunctionType (ActivationValFloat). */
int32_t tml_svdf_f32_get_buffer_size(const tml_svdf_params_t *params);
tml_status_t tml_svdf_f32(const tml_context_t *ctx, const tml_svdf_params_t *params, int32_t activation,
    const float *input, float *state, const float *weights_feature, const float *weights_time, const float *bias,
    float *output);


/* BATCH_MATMUL (TFLM batch_matmul.cc, reference_ops::BatchMatMul): out[b][m][n]
 * = sum_k lhs[b][m][k] * rhs[b][k][n] over up to three broadcast batch
 * dimensions; lhs is stored [K][M] if adj_x, rhs [N][K] if adj_y. Integer:
 * (lhs - lhs_zp)(rhs - rhs_zp) accumulated in int32 (int8) or int64 (int16,
 * zero points 0), one per-tensor multiplier, output clamped to the type. */
typedef struct {
    int32_t batch[3];                  /* output batch dims (leading 1s) */
    int32_t lhs_stride[3], rhs_stride[3]; /* elements per batch step, 0 where broadcast */
    int32_t rows, cols, depth;         /* M, N, K */
    int32_t adj_x, adj_y;
    int32_t lhs_offset, rhs_offset, output_offset; /* -lhs zp, -rhs zp, output zp */
    int32_t multiplier, shift;
    tml_activation_t activation;
} tml_bmm_params_t;
int32_t tml_batch_matmul_s8_get_buffer_size(const tml_bmm_params_t *params);
tml_status_t tml_batch_matmul_s8(const tml_context_t *ctx, const tml_bmm_params_t *params, const int8_t *lhs,
    const int8_t *rhs, int8_t *output);
int32_t tml_batch_matmul_s16_get_buffer_size(const tml_bmm_params_t *params);
tml_status_t tml_batch_matmul_s16(const tml_context_t *ctx, const tml_bmm_params_t *params, const int16_t *lhs,
    const int16_t *rhs, int16_t *output);
/* Portable (kernels/portable): the reference's arithmetic, no scratch. */
tml_status_t tml_batch_matmul_s8_portable(const tml_bmm_params_t *params, const int8_t *lhs, const int8_t *rhs,
    int8_t *output);
tml_status_t tml_batch_matmul_s16_portable(const tml_bmm_params_t *params, const int16_t *lhs, const int16_t *rhs,
    int16_t *output);
tml_status_t tml_batch_matmul_f32(const tml_bmm_params_t *params, const float *lhs, const float *rhs, float *output);

/* ===== Section E: elementwise arithmetic, math and activations =====
 * Binary operators broadcast numpy-style over up to TML_MAX_DIMS dimensions
 * (output_shape is the broadcast shape), as TFLM's BroadcastBinaryOpSimple;
 * they are implemented in kernels/portable/ (the *_portable ones), except
 * tml_add_s16 / tml_mul_s16 / tml_maximum_s8 / tml_minimum_s8, which the
 * CMSIS-NN backend maps to arm_elementwise_add_s16 / arm_elementwise_mul_s16 /
 * arm_maximum_s8 / arm_minimum_s8 where those are bit-exact with TFLM's
 * reference (kernels/cmsis_nn/tml_elementwise.c). Integer arithmetic wraps
 * where TFLM's does (int32 ADD/SUB/MUL). */

/* Quantized PRELU (TFLM PreluParams): input >= 0 scales by multiplier_1,
 * input < 0 multiplies by (alpha + alpha_offset) and scales by multiplier_2. */
typedef struct {
    int32_t input_offset, alpha_offset, output_offset;
    int32_t output_multiplier_1, output_shift_1;
    int32_t output_multiplier_2, output_shift_2;
} tml_prelu_params_t;

/* ADD / SUB int8 and int16 (TFLM AddElementwise / SubElementwise, general
 * scales: params as tml_add_s8; int16 left_shift 15). tml_add_s16 runs
 * arm_elementwise_add_s16 on the CMSIS-NN backend for equal shapes when all
 * zero points are 0 (it ignores offsets). */
tml_status_t tml_add_s16(const tml_add_params_t *params, const tml_shape_t *input1_shape, const int16_t *input1,
    const tml_shape_t *input2_shape, const int16_t *input2, const tml_shape_t *output_shape, int16_t *output);
tml_status_t tml_add_s16_portable(const tml_add_params_t *params, const tml_shape_t *input1_shape,
    const int16_t *input1, const tml_shape_t *input2_shape, const int16_t *input2, const tml_shape_t *output_shape,
    int16_t *output);
tml_status_t tml_sub_s8(const tml_add_params_t *params, const tml_shape_t *input1_shape, const int8_t *input1,
    const tml_shape_t *input2_shape, const int8_t *input2, const tml_shape_t *output_shape, int8_t *output);
tml_status_t tml_sub_s16(const tml_add_params_t *params, const tml_shape_t *input1_shape, const int16_t *input1,
    const tml_shape_t *input2_shape, const int16_t *input2, const tml_shape_t *output_shape, int16_t *output);
/* MUL int16 (zero points 0, as TFLM requires): arm_elementwise_mul_s16 on the
 * CMSIS-NN backend for equal shapes. */
tml_status_t tml_mul_s16(const tml_mul_params_t *params, const tml_shape_t *input1_shape, const int16_t *input1,
    const tml_shape_t *input2_shape, const int16_t *input2, const tml_shape_t *output_shape, int16_t *output);
tml_status_t tml_mul_s16_portable(const tml_mul_params_t *params, const tml_shape_t *input1_shape,
    const int16_t *input1, const tml_shape_t *input2_shape, const int16_t *input2, const tml_shape_t *output_shape,
    int16_t *output);
/* DIV int8 (TFLM DivElementwise: reciprocal of input 2, params as tml_mul_s8
 * with QuantizeMultiplier(s1 / (s2 * s_out))). */
tml_status_t tml_div_s8(const tml_mul_params_t *params, const tml_shape_t *input1_shape, const int8_t *input1,
    const tml_shape_t *input2_shape, const int8_t *input2, const tml_shape_t *output_shape, int8_t *output);
/* SQUARED_DIFFERENCE int8 / int16 (TFLM squared_difference.cc: left_shift 7 /
 * 0, output multiplier from QuantizeMultiplier, activation = type range). */
tml_status_t tml_squared_difference_s8(const tml_add_params_t *params, const tml_shape_t *input1_shape,
    const int8_t *input1, const tml_shape_t *input2_shape, const int8_t *input2, const tml_shape_t *output_shape,
    int8_t *output);
tml_status_t tml_squared_difference_s16(const tml_add_params_t *params, const tml_shape_t *input1_shape,
    const int16_t *input1, const tml_shape_t *input2_shape, const int16_t *input2, const tml_shape_t *output_shape,
    int16_t *output);
/* PRELU int8 (int8 alpha) and int16 (int8 alpha). */
tml_status_t tml_prelu_s8(const tml_prelu_params_t *params, const tml_shape_t *input_shape, const int8_t *input,
    const tml_shape_t *alpha_shape, const int8_t *alpha, const tml_shape_t *output_shape, int8_t *output);
tml_status_t tml_prelu_s16(const tml_prelu_params_t *params, const tml_shape_t *input_shape, const int16_t *input,
    const tml_shape_t *alpha_shape, const int8_t *alpha, const tml_shape_t *output_shape, int16_t *output);

/* float32: clamp(a op b) for ADD, SUB, MUL, DIV; no clamp for the others. */
tml_status_t tml_add_f32(const tml_activation_f32_t *act, const tml_shape_t *input1_shape, const float *input1,
    const tml_shape_t *input2_shape, const float *input2, const tml_shape_t *output_shape, float *output);
tml_status_t tml_sub_f32(const tml_activation_f32_t *act, const tml_shape_t *input1_shape, const float *input1,
    const tml_shape_t *input2_shape, const float *input2, const tml_shape_t *output_shape, float *output);
tml_status_t tml_mul_f32(const tml_activation_f32_t *act, const tml_shape_t *input1_shape, const float *input1,
    const tml_shape_t *input2_shape, const float *input2, const tml_shape_t *output_shape, float *output);
tml_status_t tml_div_f32(const tml_activation_f32_t *act, const tml_shape_t *input1_shape, const float *input1,
    const tml_shape_t *input2_shape, const float *input2, const tml_shape_t *output_shape, float *output);
tml_status_t tml_squared_difference_f32(const tml_shape_t *input1_shape, const float *input1,
    const tml_shape_t *input2_shape, const float *input2, const tml_shape_t *output_shape, float *output);
tml_status_t tml_prelu_f32(const tml_shape_t *input_shape, const float *input, const tml_shape_t *alpha_shape,
    const float *alpha, const tml_shape_t *output_shape, float *output);

/* int32 (unquantized): clamp(a op b) with act (ADD: TFLM ignores the fused
 * activation, pass the full range); DIV: x / 0 = 0 and INT32_MIN / -1 =
 * INT32_MIN (Cortex-M SDIV; TFLM traps). */
tml_status_t tml_add_s32(const tml_activation_t *act, const tml_shape_t *input1_shape, const int32_t *input1,
    const tml_shape_t *input2_shape, const int32_t *input2, const tml_shape_t *output_shape, int32_t *output);
tml_status_t tml_sub_s32(const tml_activation_t *act, const tml_shape_t *input1_shape, const int32_t *input1,
    const tml_shape_t *input2_shape, const int32_t *input2, const tml_shape_t *output_shape, int32_t *output);
tml_status_t tml_mul_s32(const tml_activation_t *act, const tml_shape_t *input1_shape, const int32_t *input1,
    const tml_shape_t *input2_shape, const int32_t *input2, const tml_shape_t *output_shape, int32_t *output);
tml_status_t tml_div_s32(const tml_activation_t *act, const tml_shape_t *input1_shape, const int32_t *input1,
    const tml_shape_t *input2_shape, const int32_t *input2, const tml_shape_t *output_shape, int32_t *output);
tml_status_t tml_squared_difference_s32(const tml_shape_t *input1_shape, const int32_t *input1,
    const tml_shape_t *input2_shape, const int32_t *input2, const tml_shape_t *output_shape, int32_t *output);

/* MAXIMUM / MINIMUM on raw values (TFLM applies no requantization):
 * el1 > el2 ? el1 : el2 and el1 < el2 ? el1 : el2. */
#define TML_MAXMIN_DECL(op, T, suffix) \
    tml_status_t tml_##op##_##suffix(const tml_shape_t *input1_shape, const T *input1, \
        const tml_shape_t *input2_shape, const T *input2, const tml_shape_t *output_shape, T *output)
TML_MAXMIN_DECL(maximum, int8_t, s8);
TML_MAXMIN_DECL(minimum, int8_t, s8);
TML_MAXMIN_DECL(maximum, int8_t, s8_portable);
TML_MAXMIN_DECL(minimum, int8_t, s8_portable);
TML_MAXMIN_DECL(maximum, int16_t, s16);
TML_MAXMIN_DECL(minimum, int16_t, s16);
TML_MAXMIN_DECL(maximum, int32_t, s32);
TML_MAXMIN_DECL(minimum, int32_t, s32);
TML_MAXMIN_DECL(maximum, int64_t, s64);
TML_MAXMIN_DECL(minimum, int64_t, s64);
TML_MAXMIN_DECL(maximum, float, f32);
TML_MAXMIN_DECL(minimum, float, f32);

/* ---- unary (kernels/portable) ---- */

/* ABS / RSQRT int8, int16 (TFLM elementwise.cc): out = clamp(out_offset +
 * f(in - in_offset) rescaled by multiplier/shift). ABS skips the rescale when
 * needs_rescale is 0; RSQRT returns TML_ERR_KERNEL for an input below its
 * zero point (TFLM: "Rsqrt is only defined for positive values"). */
typedef struct {
    int32_t input_offset, output_offset, multiplier, shift, needs_rescale;
} tml_abs_params_t;
tml_status_t tml_abs_s8(const tml_abs_params_t *params, const int8_t *input, int8_t *output, int32_t size);
tml_status_t tml_abs_s16(const tml_abs_params_t *params, const int16_t *input, int16_t *output, int32_t size);
/* int16 without quantization: std::abs wrapped to int16 (-32768 stays). */
tml_status_t tml_abs_s16_raw(const int16_t *input, int16_t *output, int32_t size);
tml_status_t tml_rsqrt_s8(const tml_abs_params_t *params, const int8_t *input, int8_t *output, int32_t size);

/* float32, elementwise through the C library as TFLM's std:: calls:
 * fabsf, -x, expf, logf, sqrtf, 1/sqrtf, x*x, tanhf, expm1f (ELU),
 * TFLM's logistic (expf with its cut-offs), RELU, RELU6, LEAKY_RELU, HARD_SWISH. */
typedef enum {
    TML_UNARY_ABS, TML_UNARY_NEG, TML_UNARY_EXP, TML_UNARY_LOG, TML_UNARY_SQRT, TML_UNARY_RSQRT,
    TML_UNARY_SQUARE, TML_UNARY_TANH, TML_UNARY_LOGISTIC, TML_UNARY_ELU,
    TML_UNARY_RELU, TML_UNARY_RELU6, TML_UNARY_HARD_SWISH,
} tml_unary_op_t;
tml_status_t tml_unary_f32(tml_unary_op_t op, const float *input, float *output, int32_t size);
tml_status_t tml_leaky_relu_f32(float alpha, const float *input, float *output, int32_t size);

/* int8 through a 256-entry table indexed by (uint8_t)input (TFLM LUTPopulate /
 * ELU's PopulateLookupTable ordering). */
tml_status_t tml_lut_s8(const int8_t *lut, const int8_t *input, int8_t *output, int32_t size);

/* LEAKY_RELU int8 / int16 (TFLM QuantizeLeakyRelu; a negative alpha
 * multiplier is applied as the negated product of its magnitude). */
typedef struct {
    int32_t input_offset, output_offset;
    int32_t multiplier_alpha, shift_alpha, multiplier_identity, shift_identity;
} tml_leaky_relu_params_t;
tml_status_t tml_leaky_relu_s8(const tml_leaky_relu_params_t *params, const int8_t *input, int8_t *output,
    int32_t size);
tml_status_t tml_leaky_relu_s16(const tml_leaky_relu_params_t *params, const int16_t *input, int16_t *output,
    int32_t size);

/* HARD_SWISH int8 (TFLM reference_ops::HardSwish<int8_t>, int16 fixed point). */
typedef struct {
    int16_t input_zero_point, output_zero_point;
    int16_t reluish_multiplier_fixedpoint_int16, output_multiplier_fixedpoint_int16;
    int32_t reluish_multiplier_exponent, output_multiplier_exponent;
} tml_hard_swish_params_t;
tml_status_t tml_hard_swish_s8(const tml_hard_swish_params_t *params, const int8_t *input, int8_t *output,
    int32_t size);

/* RELU int16 (params as tml_relu_s8, zero points 0) and RELU6 int16. */
tml_status_t tml_relu_s16(const int16_t *in, int16_t *out, int32_t n, int32_t in_zp, int32_t out_zp, int32_t mult,
    int32_t shift, int32_t act_min, int32_t act_max);
tml_status_t tml_relu6_s16(const int16_t *in, int16_t *out, int32_t n, int16_t lo, int16_t hi);

/* LOGISTIC / TANH int16 (TFLM reference_integer_ops::Logistic / Tanh int16:
 * sigmoid table with interpolation). multiplier 0: power-of-two input scale,
 * as TFLM (then 3 << left_shift). */
tml_status_t tml_logistic_s16(int32_t input_multiplier, int32_t input_left_shift, const int16_t *input,
    int16_t *output, int32_t size);
tml_status_t tml_tanh_s16(int32_t input_multiplier, int32_t input_left_shift, const int16_t *input,
    int16_t *output, int32_t size);

/* L2_NORMALIZATION over the last dimension (depth), outer_size rows: float
 * (TFLM reference_ops::L2Normalization, epsilon 1e-6) and int8 (output scale
 * 1/128, zero point 0). */
tml_status_t tml_l2_normalization_f32(const float *input, float *output, int32_t outer_size, int32_t depth);
tml_status_t tml_l2_normalization_s8(int32_t input_zero_point, const int8_t *input, int8_t *output,
    int32_t outer_size, int32_t depth);

/* SOFTMAX float (beta) and LOG_SOFTMAX float / int8 over the last dimension. */
tml_status_t tml_softmax_f32(float beta, const float *input, float *output, int32_t num_rows, int32_t row_size);
tml_status_t tml_log_softmax_f32(const float *input, float *output, int32_t num_rows, int32_t row_size);
typedef struct {
    int32_t input_multiplier, input_left_shift;
    int32_t reverse_scaling_divisor, reverse_scaling_right_shift;
    int32_t diff_min;
} tml_log_softmax_params_t;
tml_status_t tml_log_softmax_s8(const tml_log_softmax_params_t *params, const int8_t *input, int8_t *output,
    int32_t num_rows, int32_t row_size);

/* SOFTMAX int16 -> int16 (TFLM SoftmaxInt16 with its exp and 1/(1+x) tables of
 * 513 entries, computed at prepare by tml_softmax_s16_luts): arm_softmax_s16 on
 * the CMSIS-NN backend. mult/shift = QuantizeMultiplier(scale * beta / (10 /
 * 65535)). */
#define TML_SOFTMAX_S16_LUT_SIZE 513
void tml_softmax_s16_luts(int16_t *exp_lut, int16_t *one_over_one_plus_x_lut);
tml_status_t tml_softmax_s16(const int16_t *input, int32_t num_rows, int32_t row_size, int32_t mult, int32_t shift,
    const int16_t *exp_lut, const int16_t *one_over_one_plus_x_lut, int16_t *output);
tml_status_t tml_softmax_s16_portable(const int16_t *input, int32_t num_rows, int32_t row_size, int32_t mult,
    int32_t shift, const int16_t *exp_lut, const int16_t *one_over_one_plus_x_lut, int16_t *output);

/* ===== Section F: data movement, shape, resize and reduction operators =====
 * TRANSPOSE, STRIDED_SLICE, SLICE, SPLIT(_V), PACK, UNPACK, GATHER, *_TO_*
 * (space/batch/depth), RESIZE_*, CAST, FILL, SUM, MEAN, REDUCE_MAX/MIN,
 * ARG_MAX/MIN. Element-type-generic kernels move elem_size-byte elements in
 * the order of TFLM's reference_ops. All in kernels/portable except
 * tml_transpose_s8 and tml_pad_s8, which each backend provides (the CMSIS-NN
 * backend calls arm_transpose_s8 / arm_pad_s8, as TFLM's cmsis_nn kernels). */

/* Copy `rows` rows of row_bytes bytes: row r from src + r * src_stride to
 * dst + r * dst_stride (SPLIT, SPLIT_V, UNPACK, PACK). */
tml_status_t tml_copy_rows(const void *src, int32_t src_stride, void *dst, int32_t dst_stride, int32_t row_bytes,
    int32_t rows);

/* TRANSPOSE (reference_ops::Transpose): ndims <= TML_MAX_DIMS; output
 * dimension i is input dimension perm[i] (a permutation of 0..ndims-1). */
tml_status_t tml_transpose(const void *in, const int32_t *in_dims, const int32_t *perm, int32_t ndims,
    int32_t elem_size, void *out);
/* int8 TRANSPOSE, per backend (CMSIS-NN: arm_transpose_s8 for 1..4 dims). */
tml_status_t tml_transpose_s8(const int8_t *in, const int32_t *in_dims, const int32_t *perm, int32_t ndims,
    int8_t *out);
/* int8 PAD, per backend (CMSIS-NN: arm_pad_s8 when in_dims[0] == 1 and the
 * first dimension is not padded, i.e. up to 4 dimensions); arguments as tml_pad. */
tml_status_t tml_pad_s8(const int8_t *in, const int32_t in_dims[5], const int32_t before[5], const int32_t after[5],
    int8_t pad_value, int8_t *out);

/* STRIDED_SLICE and SLICE on shapes extended to 5 dimensions
 * (reference_ops::StridedSlice's 5-D loop): along dimension d, indices
 * start[d], start[d] + stride[d], ... while < stop[d] (stride > 0) or
 * > stop[d] (stride < 0); start/stop already clamped (StridedSliceStartForAxis
 * / StridedSliceEndForAxis) so every index is in [0, in_dims[d]). */
tml_status_t tml_strided_slice(const void *in, const int32_t in_dims[5], const int32_t start[5],
    const int32_t stop[5], const int32_t stride[5], int32_t elem_size, void *out);

/* GATHER (TFLM gather.cc): input [batch][outer][axis_size][inner] elements,
 * coords [batch][coord_size] int32, output [batch][outer][coord_size][inner].
 * TML_ERR_KERNEL (and nothing written) if a coordinate is outside [0, axis_size). */
tml_status_t tml_gather(const void *in, int32_t batch, int32_t outer, int32_t axis_size, int32_t inner,
    const int32_t *coords, int32_t coord_size, int32_t elem_size, void *out);

/* BATCH_TO_SPACE_ND / SPACE_TO_BATCH_ND on NHWC (3-D inputs as NH1C, block
 * width 1), as reference_ops::BatchToSpaceND / SpaceToBatchND: crops and
 * paddings are the top and left ones; padding elements are zero bytes (TFLM's
 * never-set SpaceToBatchParams::output_offset). */
tml_status_t tml_batch_to_space_nd(const void *in, const int32_t in_dims[4], const int32_t out_dims[4],
    int32_t block_h, int32_t block_w, int32_t crop_top, int32_t crop_left, int32_t elem_size, void *out);
tml_status_t tml_space_to_batch_nd(const void *in, const int32_t in_dims[4], const int32_t out_dims[4],
    int32_t block_h, int32_t block_w, int32_t pad_top, int32_t pad_left, int32_t elem_size, void *out);
/* DEPTH_TO_SPACE / SPACE_TO_DEPTH (NHWC, DCR order), as reference_ops. */
tml_status_t tml_depth_to_space(const void *in, const int32_t in_dims[4], int32_t block, int32_t elem_size,
    void *out);
tml_status_t tml_space_to_depth(const void *in, const int32_t in_dims[4], int32_t block, int32_t elem_size,
    void *out);

/* RESIZE_NEAREST_NEIGHBOR (reference_ops::ResizeNearestNeighbor, float
 * coordinates): NHWC in, out [N][out_h][out_w][C]. */
int32_t tml_resize_nearest_index(int32_t value, int32_t in_size, int32_t out_size, int32_t align_corners,
    int32_t half_pixel_centers);
tml_status_t tml_resize_nearest(const void *in, const int32_t in_dims[4], int32_t out_h, int32_t out_w,
    int32_t align_corners, int32_t half_pixel_centers, int32_t elem_size, void *out);
/* RESIZE_BILINEAR float32 (reference_ops::ResizeBilinear) and int8
 * (ResizeBilinearInteger, 10-bit fixed point, double rounding). The *_rows
 * helpers give the first lower-bound row/column index an output coordinate
 * uses, for prepare to check it lies inside the input. */
tml_status_t tml_resize_bilinear_f32(const float *in, const int32_t in_dims[4], int32_t out_h, int32_t out_w,
    int32_t align_corners, int32_t half_pixel_centers, float *out);
tml_status_t tml_resize_bilinear_s8(const int8_t *in, const int32_t in_dims[4], int32_t out_h, int32_t out_w,
    int32_t align_corners, int32_t half_pixel_centers, int8_t *out);
int32_t tml_resize_bilinear_f32_lower(int32_t value, int32_t in_size, int32_t out_size, int32_t align_corners,
    int32_t half_pixel_centers);
int32_t tml_resize_bilinear_s8_lower(int32_t value, int32_t in_size, int32_t out_size, int32_t align_corners,
    int32_t half_pixel_centers);

/* CAST between TML_INT8, TML_INT16, TML_INT32, TML_UINT32, TML_FLOAT32 and
 * TML_BOOL (tml_type_t), as the tflite-micro cast: integers wrap, float to
 * integer truncates and saturates (NaN -> 0), bool reads as its byte value,
 * anything to bool is (x != 0). */
tml_status_t tml_cast(const void *in, int in_type, void *out, int out_type, int32_t n);

/* FILL: n copies of one elem_size-byte value. */
tml_status_t tml_fill(void *out, const void *value, int32_t elem_size, int32_t n);

/* Reductions over resolved axes (0 <= axis < ndims, no duplicates), output
 * elements in the order of the kept dimensions (reference_ops::ReduceGeneric,
 * Mean, QuantizedMeanOrSum). n_out must be the product of the kept dims.
 * SUM/MEAN int8/int16: mult/shift = QuantizeMultiplier(in_scale / out_scale),
 * scratch tml_mean_s8_get_buffer_size(n_out) bytes; MEAN folds 1/count into
 * the multiplier, SUM does not (compute_sum). */
tml_status_t tml_sum_s8(const int8_t *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, int8_t *out, int32_t n_out, int32_t in_zp, int32_t out_zp, int32_t mult, int32_t shift,
    int32_t *scratch);
tml_status_t tml_mean_s16(const int16_t *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, int16_t *out, int32_t n_out, int32_t in_zp, int32_t out_zp, int32_t mult, int32_t shift,
    int32_t *scratch);
tml_status_t tml_sum_s16(const int16_t *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, int16_t *out, int32_t n_out, int32_t in_zp, int32_t out_zp, int32_t mult, int32_t shift,
    int32_t *scratch);
/* float32 SUM / MEAN: float sums in input order (MEAN then divides by the count). */
tml_status_t tml_sum_f32(const float *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, float *out, int32_t n_out);
tml_status_t tml_mean_f32(const float *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, float *out, int32_t n_out);
/* REDUCE_MAX / REDUCE_MIN (is_max 1 / 0), int8 (no requantization) and
 * float32 (starting from -FLT_MAX / FLT_MAX, as TFLM's lowest() / max()). */
tml_status_t tml_reduce_min_max_s8(const int8_t *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, int8_t *out, int32_t n_out, int32_t is_max);
tml_status_t tml_reduce_min_max_f32(const float *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, float *out, int32_t n_out, int32_t is_max);
/* ARG_MAX / ARG_MIN (is_max 1 / 0) over the middle dimension of
 * [outer][axis_size][inner], int32 indices; the first extreme wins (strict
 * comparison, as reference_ops::ArgMinMax with GreaterFn / LessFn). */
tml_status_t tml_arg_min_max_s8(const int8_t *in, int32_t outer, int32_t axis_size, int32_t inner, int32_t *out,
    int32_t is_max);
tml_status_t tml_arg_min_max_f32(const float *in, int32_t outer, int32_t axis_size, int32_t inner, int32_t *out,
    int32_t is_max);

/* ===== Section: the TFLM signal library (audio front end; kernels/portable/
 * tml_k_signal.c, tml_k_fft.c), bit-exact with signal/src. ===== */
/* SignalWindow: out = saturate16((in * window) >> shift), the window repeated
 * over n samples (n a multiple of size). */
tml_status_t tml_signal_window_s16(const int16_t *in, const int16_t *window, int32_t size, int32_t n, int32_t shift,
    int16_t *out);
/* SignalFftAutoScale: shift left as far as the largest magnitude allows;
 * returns the shift. */
int32_t tml_signal_fft_auto_scale_s16(const int16_t *in, int32_t n, int16_t *out);
/* SignalEnergy: re^2 + im^2 of n complex values for start <= i < end (others 0). */
void tml_signal_energy_s16(const int16_t *in_cpx, int32_t n, int32_t start, int32_t end, uint32_t *out);
/* SignalFilterBank: triangular mel bands; scratch: n_channels + 1 uint64.
 * TML_ERR_KERNEL if a band lies outside the input or the weights. */
tml_status_t tml_signal_filter_bank(const uint32_t *in, int32_t n_in, const int16_t *weights,
    const int16_t *unweights, int32_t n_weights, const int16_t *freq_starts, const int16_t *weight_starts,
    const int16_t *widths, int32_t n_channels, uint64_t *out, uint64_t *scratch);
/* SignalFilterBankSquareRoot: integer sqrt, then >> scale_down_bits. */
void tml_signal_filter_bank_sqrt(const uint64_t *in, int32_t n, int32_t scale_down_bits, uint32_t *out);
typedef struct {
    uint32_t smoothing, one_minus_smoothing, alternate_smoothing, alternate_one_minus_smoothing;
    uint32_t min_signal_remaining, smoothing_bits, spectral_subtraction_bits; /* bits < 32 */
    int32_t clamping;
} tml_spectral_subtraction_t;
/* SignalFilterBankSpectralSubtraction: updates the noise estimate (state). */
void tml_signal_spectral_subtraction(const tml_spectral_subtraction_t *c, const uint32_t *in, uint32_t *out,
    uint32_t *noise, int32_t n);
/* SignalPCAN: per-channel automatic gain control; gain_lut has >= 125 entries,
 * 0 <= snr_shift < 64. */
void tml_signal_pcan(const uint32_t *in, const uint32_t *noise, const int16_t *gain_lut, int32_t snr_shift,
    uint32_t *out, int32_t n);
/* SignalFilterBankLog: min(ln(in << correction_bits) * output_scale, 32767)
 * in fixed point; 0 <= correction_bits < 32. */
void tml_signal_filter_bank_log(const uint32_t *in, int32_t n, int32_t output_scale, int32_t correction_bits,
    int16_t *out);
/* SignalOverlapAdd, one frame: buffer (frame_size, state) += in; out = its
 * first frame_step values, which leave it. */
void tml_signal_overlap_add_s16(const int16_t *in, int16_t *buffer, int32_t frame_size, int16_t *out,
    int32_t frame_step);
void tml_signal_overlap_add_f32(const float *in, float *buffer, int32_t frame_size, float *out, int32_t frame_step);
/* SignalDelay, one row: out = the last `delay` samples seen (line, state), then in. */
void tml_signal_delay_s16(const int16_t *in, int16_t *line, int32_t frame, int32_t delay, int16_t *out);
/* A sample queue (SignalFramer, SignalStacker state); callers keep count within
 * the data's capacity. */
typedef struct {
    int16_t *data;
    int32_t count;
} tml_signal_queue_t;
void tml_signal_queue_push(tml_signal_queue_t *q, const int16_t *v, int32_t n);
void tml_signal_queue_pop(tml_signal_queue_t *q, int32_t n);

/* SignalRfft / SignalIrfft of fft_length real points (even, at most 16384,
 * fft_length / 2 a product of 2, 3 and 5: tml_rfft_length_ok; the twiddles of
 * every such length equal the reference's, checked against glibc's cos/sin). The state (tml_rfft_state_size
 * bytes, 8-aligned, filled once by tml_rfft_init_*) holds the twiddles;
 * elem_size is the scalar's bytes. rfft: in has fft_length values (zero padded
 * by the caller), out fft_length / 2 + 1 complex (re, im) values; irfft the
 * reverse (no 1/n scaling: the float op divides after). */
typedef struct {
    int32_t nfft;    /* complex FFT length: fft_length / 2 */
    int32_t inverse;
    int32_t factors[64];
} tml_fft_state_t;
int32_t tml_rfft_length_ok(int32_t fft_length);
int32_t tml_rfft_state_size(int32_t fft_length, int32_t elem_size);
int32_t tml_rfft_get_buffer_size(int32_t fft_length, int32_t elem_size);
int32_t tml_irfft_get_buffer_size(int32_t fft_length, int32_t elem_size);
void tml_rfft_init_s16(void *state, int32_t fft_length, int32_t inverse);
void tml_rfft_init_s32(void *state, int32_t fft_length, int32_t inverse);
void tml_rfft_init_f32(void *state, int32_t fft_length, int32_t inverse);
void tml_rfft_s16(const void *state, const int16_t *in, int16_t *out_cpx, int16_t *scratch);
void tml_rfft_s32(const void *state, const int32_t *in, int32_t *out_cpx, int32_t *scratch);
void tml_rfft_f32(const void *state, const float *in, float *out_cpx, float *scratch);
void tml_irfft_s16(const void *state, const int16_t *in_cpx, int16_t *out, int16_t *scratch);
void tml_irfft_s32(const void *state, const int32_t *in_cpx, int32_t *out, int32_t *scratch);
void tml_irfft_f32(const void *state, const float *in_cpx, float *out, float *scratch);

/* ===== Section E: packed int4 weights =====
 * CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED with int8 activations, int32
 * bias and weights of TFLM's INT4 type: two weights per byte, weight 2k in the
 * low nibble of byte k and weight 2k+1 in its high nibble, each a signed 4-bit
 * value (-8..7), packed over the whole tensor in its element order (a tensor
 * with an odd number of weights leaves the last high nibble unused). Arguments
 * as the int8 kernels of Section A, `filter` pointing at the packed bytes.
 * the ref backend runs the portable kernels (portable/tml_k_s4_portable.c: each nibble read in
 * place, no scratch); kernels/cmsis_nn/ wraps CMSIS-NN's arm_convolve_wrapper_s4,
 * arm_depthwise_conv_wrapper_s4 and arm_fully_connected_s4, as TFLM's cmsis_nn
 * kernels call them, except where those differ from TFLM's reference (then the
 * portable kernel). FULLY_CONNECTED: per-tensor quantization only (TFLM refuses
 * per-channel int4 weights); the filter offset applies, as in the int8
 * per-tensor case. */
int32_t tml_conv_s4_get_buffer_size(const tml_conv_params_t *conv_params, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims);
tml_status_t tml_conv_s4(const tml_context_t *ctx, const tml_conv_params_t *conv_params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output);
tml_status_t tml_conv_s4_portable(const tml_conv_params_t *conv_params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output);

int32_t tml_depthwise_conv_s4_get_buffer_size(const tml_dw_conv_params_t *dw_conv_params,
    const tml_dims_t *input_dims, const tml_dims_t *filter_dims, const tml_dims_t *output_dims);
tml_status_t tml_depthwise_conv_s4(const tml_context_t *ctx, const tml_dw_conv_params_t *dw_conv_params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output);
tml_status_t tml_depthwise_conv_s4_portable(const tml_dw_conv_params_t *dw_conv_params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output);

int32_t tml_fully_connected_s4_get_buffer_size(const tml_fc_params_t *fc_params,
    const tml_quant_params_t *quant_params, const tml_dims_t *input_dims, const tml_dims_t *filter_dims,
    const tml_dims_t *output_dims);
tml_status_t tml_fully_connected_s4(const tml_context_t *ctx, const tml_fc_params_t *fc_params,
    const tml_quant_params_t *quant_params, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output);
tml_status_t tml_fully_connected_s4_portable(const tml_fc_params_t *fc_params,
    const tml_quant_params_t *quant_params, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output);

#endif

/* tinyml kernels for ARMv6-M (Cortex-M0/M0+, e.g. the RP2040): CONV_2D,
 * DEPTHWISE_CONV_2D and FULLY_CONNECTED, int8, byte-equal to TFLM's reference
 * (and CMSIS-NN). The selection table (kernels/tml_select.c) gives a layer to
 * them where tml_armv6m_*_ok() says so; compiled in where TML_KERNELS_ARMV6M
 * (tml_kernels.h) is 1. The C is what every build runs, except the
 * multiply-accumulate loops (matrix, depthwise), which ARMv6-M builds at -O2/-O3 run as
 * inline assembly (the same operations; -Os, -O0 and the host library libtinyml-armv6m.so
 * runs the C), and the one-batch FULLY_CONNECTED loop and the output requantization
 * (tml_armv6m_out), naked assembly functions on every ARMv6-M build (the host library runs their C).
 *
 * What the M0+ has and CMSIS-NN's plain C does not use: a 1-cycle MULS, eight
 * low registers (loads take register offsets), and no 32x32->64 multiply (a
 * libgcc call): here
 *  - the input offset is folded into a per-channel constant, bias[n] +
 *    input_offset * sum_k w[n][k] (padding then reads the input zero point,
 *    which adds nothing), so the inner loop multiplies raw int8 values;
 *  - CONV_2D and FULLY_CONNECTED are one matrix kernel, 2 pixels x 2 output
 *    channels per pass over K (4 MACs per 4 loads); a FULLY_CONNECTED of one
 *    batch runs 4 filter rows per pass over its input instead (4 MACs per 5
 *    loads), the input offset added to each input value (channel sums would cost
 *    as much as the layer's MACs);
 *  - requantization (arm_nn_requantize: the 64-bit product rounded at bit 31,
 *    then a rounding right shift) computes the product's high part from four
 *    16x16 multiplies, exactly. */
#ifndef TML_ARMV6M_H
#define TML_ARMV6M_H

#include "../tml_kernels.h"

/* ARMv7-M without DSP (Cortex-M3) runs the same kernels (DEPTHWISE_CONV_2D only with one input channel) with
 * Thumb-2 loops of their own (CONV_2D 3 pixels x 2 channels, the other matrix loop 2 x 2, the one-batch
 * FULLY_CONNECTED loop): naked assembly
 * functions (they save what they use, so every -O level and frame-pointer choice compiles them) with
 * post-indexed LDRSB and MLA, which ARMv6-M lacks, and the requantization's product from SMLAL; CONV_2D's
 * outputs, where a call's accumulators stay small, by the short requantization (out_sq: SMULL, the output
 * offset folded into the rounding constant, SSAT). */
#if defined(__ARM_ARCH_7M__) && !defined(TML_ARMV6M_NO_ASM)
#define TML_ARMV7M_ASM 1
#else
#define TML_ARMV7M_ASM 0
#endif

/* arm_nn_requantize(val, mult, shift) (CMSIS-NN, TFLM's MultiplyByQuantizedMultiplier): the
 * doubling high multiply (val << left) * mult + 2^30 >> 31, then the rounding right shift. */
static inline int32_t tml_armv6m_requantize(int32_t val, int32_t mult, int32_t shift) {
    const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    const int32_t x = (int32_t)((uint32_t)val << left);
#if defined(__ARM_ARCH_7M__)
    /* ARMv7-M multiplies 32x32 -> 64 in one instruction (SMLAL): arm_nn_doubling_high_mult_no_sat as is */
    const int32_t r = (int32_t)(((int64_t)x * mult + (1 << 30)) >> 31);
#else
    /* ARMv6-M has no 32x32 -> 64 multiply (a libgcc call): the high word from four 16x16 products */
    const int32_t mh = mult >> 16, xh = x >> 16;
    const uint32_t ml = (uint32_t)mult & 0xFFFFu, xl = (uint32_t)x & 0xFFFFu;
    const uint32_t lo = xl * ml;
    const int32_t mid1 = xh * (int32_t)ml, mid2 = (int32_t)xl * mh;
    /* x * mult = (xh*mh + mid1_hi + mid2_hi) * 2^32 + c * 2^16 + (lo & 0xFFFF): the low 16 bits
     * never reach bit 31 of x * mult + 2^30 */
    const uint32_t c = (lo >> 16) + ((uint32_t)mid1 & 0xFFFFu) + ((uint32_t)mid2 & 0xFFFFu);
    const int32_t r = (int32_t)((uint32_t)(xh * mh + (mid1 >> 16) + (mid2 >> 16)) * 2u + ((c + 0x4000u) >> 15));
#endif
    /* arm_nn_divide_by_power_of_two: round half away from zero (mask 0: r) */
    const int32_t mask = (int32_t)((1u << right) - 1u);
    const int32_t rem = r & mask;
    const int32_t d = r >> right;
    return d + (rem > (mask >> 1) + (int32_t)((uint32_t)d >> 31));
}

/* requantize(acc, mult, shift) + lim[0], clamped to [lim[1], lim[2]] (lim: output offset, activation min,
 * max): an output value. ARMv6-M builds run it as an assembly function (tml_armv6m_conv.c). */
#if defined(__ARM_ARCH_6M__) && !defined(TML_ARMV6M_NO_ASM)
#define TML_ARMV6M_OUT_ASM 1
int32_t tml_armv6m_out_asm(int32_t acc, int32_t mult, int32_t shift, const int32_t *lim);
#else
#define TML_ARMV6M_OUT_ASM 0
#endif

static inline int8_t tml_armv6m_out(int32_t acc, int32_t mult, int32_t shift, const int32_t *lim) {
#if TML_ARMV6M_OUT_ASM
    return (int8_t)tml_armv6m_out_asm(acc, mult, shift, lim);
#else
    int32_t v = tml_armv6m_requantize(acc, mult, shift) + lim[0];
    v = v < lim[1] ? lim[1] : v;
    v = v > lim[2] ? lim[2] : v;
    return (int8_t)v;
#endif
}

/* Whether the ARMv6-M kernel runs a layer (the selection table's rule; the same for every row view
 * of the layer: it reads no row count, no padding.h). */
int tml_armv6m_conv_ok(const tml_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out);
int tml_armv6m_dw_ok(const tml_dw_conv_params_t *p, const tml_dims_t *in, const tml_dims_t *f,
    const tml_dims_t *out);
int tml_armv6m_fc_ok(const tml_fc_params_t *p, const tml_quant_params_t *q, const tml_dims_t *in,
    const tml_dims_t *f, const tml_dims_t *out);

int32_t tml_conv_s8_armv6m_get_buffer_size(const tml_conv_params_t *p, const tml_dims_t *in,
    const tml_dims_t *f, const tml_dims_t *out);
tml_status_t tml_conv_s8_armv6m(const tml_context_t *ctx, const tml_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *in, const int8_t *input, const tml_dims_t *f,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *out, int8_t *output);
int32_t tml_depthwise_conv_s8_armv6m_get_buffer_size(const tml_dw_conv_params_t *p, const tml_dims_t *in,
    const tml_dims_t *f, const tml_dims_t *out);
tml_status_t tml_depthwise_conv_s8_armv6m(const tml_context_t *ctx, const tml_dw_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *in, const int8_t *input, const tml_dims_t *f,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *out, int8_t *output);
int32_t tml_fully_connected_s8_armv6m_get_buffer_size(const tml_fc_params_t *p, const tml_dims_t *f,
    const tml_dims_t *out);
tml_status_t tml_fully_connected_s8_armv6m(const tml_context_t *ctx, const tml_fc_params_t *p,
    const tml_quant_params_t *q, const tml_dims_t *in, const int8_t *input, const tml_dims_t *f,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *out, int8_t *output);

#endif

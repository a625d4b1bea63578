/* tinyml kernels for DSP cores: ADD, int8, of equal (extended) shapes (see tml_dsp.h). Bit-exact with
 * TFLM's reference_integer_ops::Add and CMSIS-NN's arm_elementwise_add_s8. */
#include "tml_dsp.h"

#if TML_KERNELS_DSP_ADD

/* A bound on |requantized input|: v << left_shift (|v| <= 255) through the doubling high multiply by mult
 * (< 2^31), then the rounding right shift by -shift; each rounding adds at most 1. */
static uint64_t input_bound(int32_t left_shift, int32_t mult, int32_t shift) {
    const uint64_t h = ((((uint64_t)255 << left_shift) * (uint64_t)mult) >> 31) + 1;
    return (h >> -shift) + 1;
}

int tml_dsp_add_ok(const tml_add_params_t *p, const tml_shape_t *a, const tml_shape_t *b, const tml_shape_t *out) {
    (void)out;
    /* element by element; int8 zero points (|input + offset| <= 255), so with the left shift of 20 (int8
     * ADD's, a constant of the kernel) each input's shifted value is below 2^28, and input shifts in
     * [-30, 0]: tml_dsp_requantize_s is exact for them; the sum of the two requantized inputs below 2^28
     * and the output's shift in [-30, 0] (an ADD's output multiplier is below 1): exact for the output
     * too (tml_dsp.h) */
    if (!tml_shapes_match_extended(a, b) || p->input1_offset < -127 || p->input1_offset > 128 ||
        p->input2_offset < -127 || p->input2_offset > 128 || p->left_shift != 20 || p->input1_shift > 0 ||
        p->input1_shift < -30 || p->input2_shift > 0 || p->input2_shift < -30 || p->input1_multiplier < 0 ||
        p->input2_multiplier < 0 || p->output_shift < -30 || p->output_shift > 0) {
        return 0;
    }
    const uint64_t sum = input_bound(p->left_shift, p->input1_multiplier, p->input1_shift) +
        input_bound(p->left_shift, p->input2_multiplier, p->input2_shift);
    /* the output offset rides in the output's rounding constant: |offset| << (right + 1) with the rest of
     * the numerator (|2 h| < 2^29, 2^right) stays below 2^31 */
    const int32_t right = -p->output_shift;
    const uint64_t oo = (uint64_t)(p->output_offset < 0 ? -(int64_t)p->output_offset : p->output_offset);
    return sum < ((uint64_t)1 << 28) &&
        (oo << (right + 1)) + ((uint64_t)1 << 29) + ((uint64_t)1 << right) < ((uint64_t)1 << 31);
}

tml_status_t tml_add_s8_dsp(const tml_add_params_t *p, const tml_shape_t *s1, const int8_t *in1,
    const tml_shape_t *s2, const int8_t *in2, const tml_shape_t *so, int8_t *out) {
    const int32_t n = tml_shape_elements(so);
    if (!tml_shapes_match_extended(s1, s2) || tml_shape_elements(s1) != n) {
        return TML_ERR_KERNEL;
    }
    /* arm_nn_requantize((v + off) << 20, mult, shift) for an input is tml_dsp_requantize_s(v + off) with the
     * left shift folded in (tml_dsp_rqs_pre: left1 21 for a shift <= 0, set as a constant the compiler folds
     * into the instruction); the output offset rides in the output's rounding constant (tml_dsp_add_ok
     * checked that it cannot overflow). Blocks of 64 elements in two passes (the inputs' sum into a block
     * on the stack, then the output), so that each pass's constants fit in registers. */
    tml_dsp_rqs_t r1 = tml_dsp_rqs_pre(p->input1_multiplier, p->input1_shift, 20);
    tml_dsp_rqs_t r2 = tml_dsp_rqs_pre(p->input2_multiplier, p->input2_shift, 20);
    tml_dsp_rqs_t ro = tml_dsp_rqs_out(p->output_multiplier, p->output_shift, p->output_offset);
    r1.left1 = r2.left1 = 21;
    ro.left1 = 1;
    const int32_t off1 = p->input1_offset, off2 = p->input2_offset;
    const int32_t lo = p->activation.min, hi = p->activation.max;
    int32_t sum[64];
    for (int32_t i0 = 0; i0 < n; i0 += 64) {
        int32_t *const end = sum + (n - i0 < 64 ? n - i0 : 64);
        const int8_t *a = in1 + i0, *b = in2 + i0;
        for (int32_t *d = sum; d < end; ++d) {
            *d = tml_dsp_requantize_s(*a++ + off1, &r1) + tml_dsp_requantize_s(*b++ + off2, &r2);
        }
        int8_t *y = out + i0;
        for (const int32_t *d = sum; d < end; ++d) {
            int32_t v = tml_dsp_requantize_s(*d, &ro);
            v = v < lo ? lo : v;
            v = v > hi ? hi : v;
            *y++ = (int8_t)v;
        }
    }
    return TML_OK;
}

#else
typedef int tml_dsp_add_is_for_dsp; /* ISO C: a translation unit is not empty */
#endif

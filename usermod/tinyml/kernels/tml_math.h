/*
 * tinyml core: quantization arithmetic shared by ops, identical to TFLite's
 * (tensorflow/lite/kernels/internal/quantization_util.cc and common.h).
 * No libm: frexp/round/floor are implemented here so bare-metal builds with a
 * single-precision libm still get TFLite's double-precision results.
 */
#ifndef TML_MATH_H
#define TML_MATH_H

#include <stdint.h>

double tml_frexp(double x, int *exp);
double tml_round(double x);   /* half away from zero, as std::round */
float tml_roundf(float x);    /* half away from zero, as std::round(float) */
double tml_floor(double x);
double tml_ldexp(double x, int e);
/* expf (TFLM's std::exp) that returns a NaN argument itself, as glibc's does: the float kernels call
 * this. MicroPython's single-precision libm (lib/libm, linked by the stm32 and rp2 ports) returns 0
 * for a NaN with its sign bit set, which made LOGISTIC(NaN) 1.0 there instead of NaN. */
float tml_expf(float x);

/* TFLite QuantizeMultiplier: multiplier in Q31, shift (positive = left). */
void tml_quantize_multiplier(double real_multiplier, int32_t *quantized_multiplier, int *shift);
/* tml_quantize_multiplier((double)a * (double)b / (double)c) with integer operations only (for cores
 * without double-precision hardware, where the double arithmetic is a library call per operation):
 * the same result for every input; non-normal or non-positive a, b, c take the double path. */
void tml_quantize_multiplier_abc(float a, float b, float c, int32_t *quantized_multiplier, int *shift);
void tml_quantize_multiplier_smaller_than_one_exp(double real_multiplier, int32_t *quantized_multiplier, int *left_shift);
void tml_quantize_multiplier_greater_than_one(double real_multiplier, int32_t *quantized_multiplier, int *left_shift);
void tml_preprocess_softmax_scaling(double beta, double input_scale, int input_integer_bits,
    int32_t *quantized_multiplier, int *left_shift);
int tml_calculate_input_radius(int input_integer_bits, int input_left_shift, int total_signed_bits);

/* gemmlowp / TFLite fixed-point primitives. */
int32_t tml_saturating_rounding_doubling_high_mul(int32_t a, int32_t b);
int32_t tml_rounding_divide_by_pot(int32_t x, int exponent);
/* MultiplyByQuantizedMultiplier (TFLite's default double-rounding version). */
int32_t tml_multiply_by_quantized_multiplier(int32_t x, int32_t quantized_multiplier, int shift);
/* MultiplyByQuantizedMultiplier(int64_t x, ...): 16-bit reduced multiplier,
 * one rounding, result truncated to int32 (TFLite's double-rounding build);
 * shift must be in [-48, 14]. */
int32_t tml_multiply_by_quantized_multiplier_64(int64_t x, int32_t quantized_multiplier, int shift);

#endif

/*
 * tinyml firmware: the single-precision C library functions the core's float
 * kernels call (expf, logf, tanhf, expm1f, sqrtf, as TFLM's std:: calls), for
 * the bare-metal MicroPython ports built with double-precision floats (the
 * QEMU MPS2/MPS3 boards, and stm32 boards with MICROPY_FLOAT_IMPL=double),
 * whose libm (lib/libm_dbl) has only the double ones.
 *
 * Weak: wherever a single-precision libm is linked (float ports' lib/libm,
 * newlib), its functions are used instead. These round the double result to
 * float, so they may differ from another libm in the last bit of a float
 * result (float outputs on devices are compared within a tolerance; see
 * tests/device/t_ops.py). Not part of the host library, which uses the host's libm.
 */
#include <math.h>

#define TML_WEAK __attribute__((weak))

TML_WEAK float expf(float x) {
    return (float)exp((double)x);
}

TML_WEAK float logf(float x) {
    return (float)log((double)x);
}

TML_WEAK float tanhf(float x) {
    return (float)tanh((double)x);
}

TML_WEAK float expm1f(float x) {
    return (float)expm1((double)x);
}

TML_WEAK float sqrtf(float x) {
    return (float)sqrt((double)x);
}

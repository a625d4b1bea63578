/* arm_nn_requantize as CMSIS-NN writes it (the 64-bit doubling high multiply rounded at bit 31, then
 * arm_nn_divide_by_power_of_two): the reference of the requantization checks (check_armv6m_requant.c here,
 * tests/cross/c/check_armv6m_out.c on the cores). */
#ifndef ARM_NN_REQUANTIZE_REF_H
#define ARM_NN_REQUANTIZE_REF_H
#include <stdint.h>

static int32_t arm_nn_requantize_ref(int32_t val, int32_t mult, int32_t shift) {
    const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    const int64_t p = (int64_t)(1 << 30) + (int64_t)(int32_t)((uint32_t)val << left) * mult;
    const int32_t r = (int32_t)(p >> 31);
    const int32_t mask = (int32_t)((1u << right) - 1u);
    const int32_t rem = r & mask;
    int32_t d = r >> right, thr = mask >> 1;
    if (d < 0) {
        thr++;
    }
    if (rem > thr) {
        d++;
    }
    return d;
}

#endif

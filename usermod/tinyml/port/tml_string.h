/*
 * Force-included (-include) into the core, kernels and CMSIS-NN by
 * micropython.mk on Cortex-M make ports. Those ports link MicroPython's own
 * memcpy/memset (shared/libc/string0.c: byte loops when a pointer is
 * unaligned), which CMSIS-NN's im2col convolutions call on unaligned rows
 * (ResNet-8 on the M7: +1.7% instructions against newlib's). Where the core
 * allows unaligned word access (Armv7-M and later), copies and fills of a
 * size not known at compile time go to the word-wise versions in
 * tml_string.c; constant sizes stay GCC builtins (single loads and stores).
 */
#ifndef TML_STRING_H
#define TML_STRING_H
#include <stddef.h>
#include <string.h>

#if defined(__ARM_FEATURE_UNALIGNED) && defined(__GNUC__)
void *tml_memcpy(void *dst, const void *src, size_t n);
void *tml_memset(void *dst, int c, size_t n);

static inline __attribute__((always_inline)) void *tml_memcpy_dispatch(void *dst, const void *src, size_t n) {
    if (__builtin_constant_p(n)) {
        return __builtin_memcpy(dst, src, n);
    }
    return tml_memcpy(dst, src, n);
}

static inline __attribute__((always_inline)) void *tml_memset_dispatch(void *dst, int c, size_t n) {
    if (__builtin_constant_p(n)) {
        return __builtin_memset(dst, c, n);
    }
    return tml_memset(dst, c, n);
}

#define memcpy tml_memcpy_dispatch
#define memset tml_memset_dispatch
#endif

#endif

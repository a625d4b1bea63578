/*
 * Word-wise memcpy/memset for the Cortex-M make ports (see tml_string.h):
 * unaligned 32-bit loads and stores, which Armv7-M and later perform in
 * hardware. Compiled without tml_string.h's macros.
 */
#include <stddef.h>
#include <stdint.h>

#if defined(__ARM_FEATURE_UNALIGNED) && defined(__GNUC__)
typedef uint32_t __attribute__((aligned(1), may_alias)) tml_u32_unaligned_t;

void *tml_memcpy(void *dst, const void *src, size_t n);
void *tml_memset(void *dst, int c, size_t n);

/* no loop-to-memcpy/memset idiom recognition: that would call the slow ones */
__attribute__((optimize("no-tree-loop-distribute-patterns")))
void *tml_memcpy(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    for (; n >= 16; n -= 16, d += 16, s += 16) {
        uint32_t a = ((const tml_u32_unaligned_t *)s)[0];
        uint32_t b = ((const tml_u32_unaligned_t *)s)[1];
        uint32_t c = ((const tml_u32_unaligned_t *)s)[2];
        uint32_t e = ((const tml_u32_unaligned_t *)s)[3];
        ((tml_u32_unaligned_t *)d)[0] = a;
        ((tml_u32_unaligned_t *)d)[1] = b;
        ((tml_u32_unaligned_t *)d)[2] = c;
        ((tml_u32_unaligned_t *)d)[3] = e;
    }
    for (; n >= 4; n -= 4, d += 4, s += 4) {
        *(tml_u32_unaligned_t *)d = *(const tml_u32_unaligned_t *)s;
    }
    for (; n; n--) {
        *d++ = *s++;
    }
    return dst;
}

__attribute__((optimize("no-tree-loop-distribute-patterns")))
void *tml_memset(void *dst, int c, size_t n) {
    uint8_t *d = dst;
    uint32_t w = (uint8_t)c * 0x01010101u;
    for (; n >= 16; n -= 16, d += 16) {
        ((tml_u32_unaligned_t *)d)[0] = w;
        ((tml_u32_unaligned_t *)d)[1] = w;
        ((tml_u32_unaligned_t *)d)[2] = w;
        ((tml_u32_unaligned_t *)d)[3] = w;
    }
    for (; n >= 4; n -= 4, d += 4) {
        *(tml_u32_unaligned_t *)d = w;
    }
    for (; n; n--) {
        *d++ = (uint8_t)c;
    }
    return dst;
}
#else
typedef int tml_string_unused_t; /* ISO C: no empty translation unit */
#endif

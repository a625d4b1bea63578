/* tml_quantize_multiplier_abc against tml_quantize_multiplier((double)a * b / c): random positive normal
 * floats (typical scales, every exponent, mantissas with few bits); exit status 1 on any difference. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include "tml_math.h"
static uint64_t s = 88172645463325252ULL;
static uint64_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
static float rf(int lo, int hi) { /* random positive float, exponent in [lo, hi] */
    uint32_t u = ((uint32_t)(lo + (int)(rnd() % (uint64_t)(hi - lo + 1))) << 23) | (uint32_t)(rnd() & 0x7FFFFF);
    float f; memcpy(&f, &u, 4); return f;
}
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000, bad = 0;
    for (long i = 0; i < n; i++) {
        float a, b, c;
        if (i % 3 == 0) { a = rf(100, 130); b = rf(100, 135); c = rf(100, 135); }      /* typical scales */
        else if (i % 3 == 1) { a = rf(1, 254); b = rf(1, 254); c = rf(1, 254); }       /* anything normal */
        else { a = rf(120, 127); b = rf(110, 125); c = rf(115, 127);                    /* near ties: mantissas with few bits */
               uint32_t u; memcpy(&u, &b, 4); u &= ~0xFFFFu; memcpy(&b, &u, 4); memcpy(&u, &c, 4); u &= ~0x3FFFFu; memcpy(&c, &u, 4); }
        int32_t m1, m2; int s1, s2;
        tml_quantize_multiplier((double)a * (double)b / (double)c, &m1, &s1);
        tml_quantize_multiplier_abc(a, b, c, &m2, &s2);
        if (m1 != m2 || s1 != s2) { if (bad < 10) printf("%a %a %a: %d %d vs %d %d\n", a, b, c, m1, s1, m2, s2); bad++; }
    }
    printf("%ld of %ld differ\n", bad, n);
    return bad != 0;
}

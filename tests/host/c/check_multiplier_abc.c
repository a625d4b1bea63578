/* tml_quantize_multiplier_abc against tml_quantize_multiplier((double)a * b / c): random positive normal
 * floats (typical scales, every exponent, mantissas with few bits); and tml_quantize_multiplier against
 * TFLite's formula written out (frexp, round half away from zero of q * 2^31 as tml_round does it) on
 * the same values and on the ties and the values next to 2^31 - 0.5 that its uint32 fast path must
 * round alike. Exit status 1 on any difference. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <math.h>
#include "tml_math.h"
static uint64_t s = 88172645463325252ULL;
static uint64_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
static float rf(int lo, int hi) { /* random positive float, exponent in [lo, hi] */
    uint32_t u = ((uint32_t)(lo + (int)(rnd() % (uint64_t)(hi - lo + 1))) << 23) | (uint32_t)(rnd() & 0x7FFFFF);
    float f; memcpy(&f, &u, 4); return f;
}
/* QuantizeMultiplier as TFLite writes it, with tml_frexp and tml_round (and the core's answers to what TFLite
 * rejects: zero, and values beyond int32) */
static void ref_multiplier(double r, int32_t *m, int *sh) {
    if (r == 0.0) { *m = 0; *sh = 0; return; }
    if (r > 2147483647.0) { *m = INT32_MAX; *sh = 31; return; }
    const double q = tml_frexp(r, sh);
    int64_t f = (int64_t)tml_round(q * 2147483648.0);
    if (f == (1LL << 31)) { f /= 2; ++*sh; }
    if (*sh < -31) { *sh = 0; f = 0; }
    *m = (int32_t)f;
}
static long fast_bad = 0, fast_n = 0;
static void check_fast(double r) {
    int32_t m1, m2; int s1, s2;
    tml_quantize_multiplier(r, &m1, &s1);
    ref_multiplier(r, &m2, &s2);
    fast_n++;
    if (m1 != m2 || s1 != s2) { if (fast_bad < 10) printf("%a: %d %d vs %d %d\n", r, m1, s1, m2, s2); fast_bad++; }
}
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000, bad = 0;
    /* q * 2^31 = k + 0.5 (ties), and the doubles next to 2^31 - 0.5 and to 2^31, at several exponents */
    for (int e = -40; e <= 10; e += 5) {
        const double scale = e >= 0 ? (double)(1LL << e) : 1.0 / (double)(1LL << -e);
        for (uint32_t k = (1u << 30); k < (1u << 30) + 2000u; k++) {
            check_fast(((double)k + 0.5) / 2147483648.0 * scale);
        }
        for (uint32_t k = 0x7FFFFFFFu - 2000u; k <= 0x7FFFFFFFu; k++) {
            check_fast(((double)k + 0.5) / 2147483648.0 * scale);
            check_fast((double)k / 2147483648.0 * scale);
        }
        double x = (2147483648.0 - 0.5) / 2147483648.0 * scale, y = x, z = 1.0 * scale;
        for (int i = 0; i < 64; i++) {
            check_fast(x); check_fast(y); check_fast(z);
            x = nextafter(x, 0.0); y = nextafter(y, 10.0 * scale); z = nextafter(z, 0.0);
        }
    }
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
        check_fast((double)a * (double)b / (double)c);
    }
    printf("fast path: %ld of %ld differ\n", fast_bad, fast_n);
    printf("%ld of %ld differ\n", bad, n);
    return bad != 0 || fast_bad != 0;
}

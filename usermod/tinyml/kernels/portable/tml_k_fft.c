/*
 * tinyml kernels: the signal library's real FFTs (SignalRfft, SignalIrfft)
 * for int16, int32 and float32, bit-exact with TFLM's (see tml_k_fft_impl.h).
 */
#include <string.h>
#include "../tml_kernels.h"

/* Factor n as KissFFT does: fours, then twos, then odd primes up to sqrt(n);
 * each entry is (radix, remaining length). */
static void tml_fft_factor(int32_t n, int32_t *facbuf) {
    int32_t p = 4;
    const int32_t n0 = n;
    do {
        while (n % p) {
            switch (p) {
                case 4: p = 2; break;
                case 2: p = 3; break;
                default: p += 2; break;
            }
            if ((int64_t)p * p > n0) { /* p > floor(sqrt(n0)) */
                p = n;
            }
        }
        n /= p;
        *facbuf++ = p;
        *facbuf++ = n;
    } while (n > 1);
}

/* ---- double-precision cos, sin and floor for the twiddles --------------------
 * The reference computes its twiddles with the C library's double cos and sin.
 * Ports with a float-only libm have neither, so here are fdlibm's (Sun
 * Microsystems' freely distributable algorithms, under 1 ulp): the argument
 * reduced by pi/2 in up to three steps (exact near multiples of pi/2), then
 * the minimax kernels. Twiddle phases are within [-2 pi, 2 pi]. */

static int32_t hi_exponent(double x) {
    uint64_t b;
    memcpy(&b, &x, sizeof(b));
    return (int32_t)((b >> 52) & 0x7ff);
}

static double k_sin(double x, double y, int iy) {
    const double s1 = -1.66666666666666324348e-01, s2 = 8.33333333332248946124e-03,
                 s3 = -1.98412698298579493134e-04, s4 = 2.75573137070700676789e-06,
                 s5 = -2.50507602534068634195e-08, s6 = 1.58969099521155010221e-10;
    if (hi_exponent(x) < 1023 - 27) {
        return x;
    }
    const double z = x * x, v = z * x;
    const double r = s2 + z * (s3 + z * (s4 + z * (s5 + z * s6)));
    if (iy == 0) {
        return x + v * (s1 + z * r);
    }
    return x - ((z * (0.5 * y - v * r) - y) - v * s1);
}

static double k_cos(double x, double y) {
    const double c1 = 4.16666666666666019037e-02, c2 = -1.38888888888741095749e-03,
                 c3 = 2.48015872894767294178e-05, c4 = -2.75573143513906633035e-07,
                 c5 = 2.08757232129817482790e-09, c6 = -1.13596475577881948265e-11;
    const double ax = x < 0 ? -x : x;
    if (hi_exponent(x) < 1023 - 27) {
        return 1.0;
    }
    const double z = x * x;
    const double r = z * (c1 + z * (c2 + z * (c3 + z * (c4 + z * (c5 + z * c6)))));
    if (ax < 0.3) {
        return 1.0 - (0.5 * z - (z * r - x * y));
    }
    double qx;
    if (ax > 0.78125) {
        qx = 0.28125;
    } else {
        /* x / 4 with its low word cleared, as fdlibm */
        uint64_t b;
        memcpy(&b, &ax, sizeof(b));
        b = ((b >> 32) - 0x00200000u) << 32;
        memcpy(&qx, &b, sizeof(qx));
    }
    const double hz = 0.5 * z - qx;
    const double a = 1.0 - qx;
    return a - (hz - (z * r - x * y));
}

/* x = n * pi / 2 + (y0 + y1), |y0 + y1| <= pi / 4; returns n. */
static int32_t rem_pio2(double x, double *y) {
    const double invpio2 = 6.36619772367581382433e-01, pio2_1 = 1.57079632673412561417e+00,
                 pio2_1t = 6.07710050650619224932e-11, pio2_2 = 6.07710050630396597660e-11,
                 pio2_2t = 2.02226624879595063154e-21, pio2_3 = 2.02226624871116645580e-21,
                 pio2_3t = 8.47842766036889956997e-32;
    const double t = x < 0 ? -x : x;
    const int32_t n = (int32_t)(t * invpio2 + 0.5);
    const double fn = (double)n;
    double r = t - fn * pio2_1;
    double w = fn * pio2_1t;
    const int32_t j = hi_exponent(t);
    y[0] = r - w;
    if (j - hi_exponent(y[0]) > 16) { /* cancellation: a second step */
        double t2 = r;
        w = fn * pio2_2;
        r = t2 - w;
        w = fn * pio2_2t - ((t2 - r) - w);
        y[0] = r - w;
        if (j - hi_exponent(y[0]) > 49) { /* and a third */
            t2 = r;
            w = fn * pio2_3;
            r = t2 - w;
            w = fn * pio2_3t - ((t2 - r) - w);
            y[0] = r - w;
        }
    }
    y[1] = (r - y[0]) - w;
    if (x < 0) {
        y[0] = -y[0];
        y[1] = -y[1];
        return -n;
    }
    return n;
}

static double tml_cos(double x) {
    if ((x < 0 ? -x : x) <= 7.85398163397448278999e-01) {
        return k_cos(x, 0.0);
    }
    double y[2];
    switch (rem_pio2(x, y) & 3) {
        case 0: return k_cos(y[0], y[1]);
        case 1: return -k_sin(y[0], y[1], 1);
        case 2: return -k_cos(y[0], y[1]);
        default: return k_sin(y[0], y[1], 1);
    }
}

static double tml_sin(double x) {
    if ((x < 0 ? -x : x) <= 7.85398163397448278999e-01) {
        return k_sin(x, 0.0, 0);
    }
    double y[2];
    switch (rem_pio2(x, y) & 3) {
        case 0: return k_sin(y[0], y[1], 1);
        case 1: return k_cos(y[0], y[1]);
        case 2: return -k_sin(y[0], y[1], 1);
        default: return -k_cos(y[0], y[1]);
    }
}

/* floor for |v| < 2^62 (twiddles: |v| <= 2^31) */
static double tml_floor(double v) {
    const double t = (double)(int64_t)v;
    return t > v ? t - 1.0 : t;
}

int32_t tml_rfft_length_ok(int32_t fft_length) {
    if (fft_length < 4 || fft_length > 16384 || (fft_length & 1)) {
        return 0;
    }
    int32_t n = fft_length / 2;
    static const int32_t radix[] = { 2, 3, 5 };
    for (int i = 0; i < 3; i++) {
        while (n % radix[i] == 0) {
            n /= radix[i];
        }
    }
    return n == 1 ? 1 : 0;
}

int32_t tml_rfft_state_size(int32_t fft_length, int32_t elem_size) {
    const int32_t n = fft_length / 2;
    return (int32_t)sizeof(tml_fft_state_t) + (n + n / 2) * 2 * elem_size;
}

int32_t tml_rfft_get_buffer_size(int32_t fft_length, int32_t elem_size) {
    /* the zero-padded input, then the complex FFT's output */
    return 2 * fft_length * elem_size;
}

int32_t tml_irfft_get_buffer_size(int32_t fft_length, int32_t elem_size) {
    return fft_length * elem_size;
}

#define FFT_T int16_t
#define FFT_SUF s16
#define FFT_FIXED 1
#define FFT_PROD int32_t
#define FFT_FRAC 15
#define FFT_MAX 32767
#include "tml_k_fft_impl.h"
#undef FFT_T
#undef FFT_SUF
#undef FFT_PROD
#undef FFT_FRAC
#undef FFT_MAX

#define FFT_T int32_t
#define FFT_SUF s32
#define FFT_PROD int64_t
#define FFT_FRAC 31
#define FFT_MAX 2147483647
#include "tml_k_fft_impl.h"
#undef FFT_T
#undef FFT_SUF
#undef FFT_FIXED
#undef FFT_PROD
#undef FFT_FRAC
#undef FFT_MAX

#define FFT_T float
#define FFT_SUF f32
#define FFT_FIXED 0
#include "tml_k_fft_impl.h"
#undef FFT_T
#undef FFT_SUF
#undef FFT_FIXED

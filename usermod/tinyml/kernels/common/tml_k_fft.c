/*
 * tinyml kernels: the signal library's real FFTs (SignalRfft, SignalIrfft)
 * for int16, int32 and float32, bit-exact with TFLM's (see tml_k_fft_impl.h).
 */
#include <math.h>
#include <string.h>
#include "../tml_kernels.h"

/* Factor n as KissFFT does: fours, then twos, then odd primes; each entry is
 * (radix, remaining length). */
static void tml_fft_factor(int32_t n, int32_t *facbuf) {
    int32_t p = 4;
    const double floor_sqrt = floor(sqrt((double)n));
    do {
        while (n % p) {
            switch (p) {
                case 4: p = 2; break;
                case 2: p = 3; break;
                default: p += 2; break;
            }
            if (p > floor_sqrt) {
                p = n;
            }
        }
        n /= p;
        *facbuf++ = p;
        *facbuf++ = n;
    } while (n > 1);
}

int32_t tml_rfft_length_ok(int32_t fft_length) {
    if (fft_length < 4 || fft_length > (1 << 20) || (fft_length & 1)) {
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

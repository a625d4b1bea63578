/*
 * tinyml kernels: one real FFT / inverse real FFT, instantiated by
 * tml_k_fft.c for int16 (Q15), int32 (Q31) and float32. Bit-exact with the
 * FFT TFLM's signal library runs (KissFFT v130 as TFLM patches it): mixed
 * radix 4, 2, 3, 5 decimation in time over fft_length / 2 complex points, the
 * same twiddles (computed in double), the same per-stage scaling (fixed
 * point: each stage divides by its radix, rounding), the same order of every
 * operation. Expects before inclusion:
 *   FFT_T      scalar type          FFT_SUF   function name suffix
 *   FFT_FIXED  1 fixed point, 0 float
 *   FFT_PROD   fixed: product type  FFT_FRAC  fixed: fraction bits
 *   FFT_MAX    fixed: largest scalar
 * and tml_cos, tml_sin, tml_floor (double precision, as the C library's).
 */
#define FFT_CAT2(a, b) a##b
#define FFT_CAT(a, b) FFT_CAT2(a, b)
#define FFT_FN(name) FFT_CAT(name, FFT_SUF)
#define FFT_CPX FFT_CAT(tml_cpx, FFT_SUF)

typedef struct {
    FFT_T r, i;
} FFT_CPX;

#if FFT_FIXED
#define SMUL(a, b) ((FFT_PROD)(a) * (b))
#define SROUND(x) ((FFT_T)(((x) + ((FFT_PROD)1 << (FFT_FRAC - 1))) >> FFT_FRAC))
#define S_MUL(a, b) SROUND(SMUL(a, b))
#define C_MUL(m, a, b) \
    do { \
        (m).r = SROUND(SMUL((a).r, (b).r) - SMUL((a).i, (b).i)); \
        (m).i = SROUND(SMUL((a).r, (b).i) + SMUL((a).i, (b).r)); \
    } while (0)
#define C_FIXDIV(c, div) \
    do { \
        (c).r = SROUND(SMUL((c).r, FFT_MAX / (div))); \
        (c).i = SROUND(SMUL((c).i, FFT_MAX / (div))); \
    } while (0)
#define C_MULBYSCALAR(c, s) \
    do { \
        (c).r = SROUND(SMUL((c).r, s)); \
        (c).i = SROUND(SMUL((c).i, s)); \
    } while (0)
#define HALF_OF(x) ((x) >> 1)
#else
#define S_MUL(a, b) ((a) * (b))
#define C_MUL(m, a, b) \
    do { \
        (m).r = (a).r * (b).r - (a).i * (b).i; \
        (m).i = (a).r * (b).i + (a).i * (b).r; \
    } while (0)
#define C_FIXDIV(c, div) ((void)0)
#define C_MULBYSCALAR(c, s) \
    do { \
        (c).r *= (s); \
        (c).i *= (s); \
    } while (0)
#define HALF_OF(x) ((x) * (FFT_T)0.5)
#endif
#define C_ADD(res, a, b) \
    do { \
        (res).r = (FFT_T)((a).r + (b).r); \
        (res).i = (FFT_T)((a).i + (b).i); \
    } while (0)
#define C_SUB(res, a, b) \
    do { \
        (res).r = (FFT_T)((a).r - (b).r); \
        (res).i = (FFT_T)((a).i - (b).i); \
    } while (0)
#define C_ADDTO(res, a) C_ADD(res, res, a)

static FFT_T FFT_FN(fft_trig_)(double v) {
#if FFT_FIXED
    return (FFT_T)tml_floor(0.5 + FFT_MAX * v);
#else
    return (FFT_T)v;
#endif
}

static void FFT_FN(fft_twiddle_)(FFT_CPX *x, double phase) {
    x->r = FFT_FN(fft_trig_)(tml_cos(phase));
    x->i = FFT_FN(fft_trig_)(tml_sin(phase));
}

static void FFT_FN(bfly2_)(FFT_CPX *fout, size_t fstride, const tml_fft_state_t *st, const FFT_CPX *tw, int m) {
    (void)st;
    FFT_CPX *fout2 = fout + m;
    const FFT_CPX *tw1 = tw;
    FFT_CPX t;
    do {
        C_FIXDIV(*fout, 2);
        C_FIXDIV(*fout2, 2);
        C_MUL(t, *fout2, *tw1);
        tw1 += fstride;
        C_SUB(*fout2, *fout, t);
        C_ADDTO(*fout, t);
        ++fout2;
        ++fout;
    } while (--m);
}

static void FFT_FN(bfly4_)(FFT_CPX *fout, size_t fstride, const tml_fft_state_t *st, const FFT_CPX *tw, size_t m) {
    const FFT_CPX *tw1 = tw, *tw2 = tw, *tw3 = tw;
    FFT_CPX s[6];
    size_t k = m;
    const size_t m2 = 2 * m, m3 = 3 * m;
    do {
        C_FIXDIV(*fout, 4);
        C_FIXDIV(fout[m], 4);
        C_FIXDIV(fout[m2], 4);
        C_FIXDIV(fout[m3], 4);
        C_MUL(s[0], fout[m], *tw1);
        C_MUL(s[1], fout[m2], *tw2);
        C_MUL(s[2], fout[m3], *tw3);
        C_SUB(s[5], *fout, s[1]);
        C_ADDTO(*fout, s[1]);
        C_ADD(s[3], s[0], s[2]);
        C_SUB(s[4], s[0], s[2]);
        C_SUB(fout[m2], *fout, s[3]);
        tw1 += fstride;
        tw2 += fstride * 2;
        tw3 += fstride * 3;
        C_ADDTO(*fout, s[3]);
        if (st->inverse) {
            fout[m].r = (FFT_T)(s[5].r - s[4].i);
            fout[m].i = (FFT_T)(s[5].i + s[4].r);
            fout[m3].r = (FFT_T)(s[5].r + s[4].i);
            fout[m3].i = (FFT_T)(s[5].i - s[4].r);
        } else {
            fout[m].r = (FFT_T)(s[5].r + s[4].i);
            fout[m].i = (FFT_T)(s[5].i - s[4].r);
            fout[m3].r = (FFT_T)(s[5].r - s[4].i);
            fout[m3].i = (FFT_T)(s[5].i + s[4].r);
        }
        ++fout;
    } while (--k);
}

static void FFT_FN(bfly3_)(FFT_CPX *fout, size_t fstride, const tml_fft_state_t *st, const FFT_CPX *tw, size_t m) {
    (void)st;
    size_t k = m;
    const size_t m2 = 2 * m;
    const FFT_CPX *tw1 = tw, *tw2 = tw;
    FFT_CPX s[5];
    const FFT_CPX epi3 = tw[fstride * m];
    do {
        C_FIXDIV(*fout, 3);
        C_FIXDIV(fout[m], 3);
        C_FIXDIV(fout[m2], 3);
        C_MUL(s[1], fout[m], *tw1);
        C_MUL(s[2], fout[m2], *tw2);
        C_ADD(s[3], s[1], s[2]);
        C_SUB(s[0], s[1], s[2]);
        tw1 += fstride;
        tw2 += fstride * 2;
        fout[m].r = (FFT_T)(fout->r - HALF_OF(s[3].r));
        fout[m].i = (FFT_T)(fout->i - HALF_OF(s[3].i));
        C_MULBYSCALAR(s[0], epi3.i);
        C_ADDTO(*fout, s[3]);
        fout[m2].r = (FFT_T)(fout[m].r + s[0].i);
        fout[m2].i = (FFT_T)(fout[m].i - s[0].r);
        fout[m].r = (FFT_T)(fout[m].r - s[0].i);
        fout[m].i = (FFT_T)(fout[m].i + s[0].r);
        ++fout;
    } while (--k);
}

static void FFT_FN(bfly5_)(FFT_CPX *fout, size_t fstride, const tml_fft_state_t *st, const FFT_CPX *tw, int m) {
    (void)st;
    FFT_CPX s[13];
    const FFT_CPX ya = tw[fstride * m];
    const FFT_CPX yb = tw[fstride * 2 * m];
    FFT_CPX *f0 = fout, *f1 = fout + m, *f2 = fout + 2 * m, *f3 = fout + 3 * m, *f4 = fout + 4 * m;
    for (int u = 0; u < m; ++u) {
        C_FIXDIV(*f0, 5);
        C_FIXDIV(*f1, 5);
        C_FIXDIV(*f2, 5);
        C_FIXDIV(*f3, 5);
        C_FIXDIV(*f4, 5);
        s[0] = *f0;
        C_MUL(s[1], *f1, tw[u * fstride]);
        C_MUL(s[2], *f2, tw[2 * u * fstride]);
        C_MUL(s[3], *f3, tw[3 * u * fstride]);
        C_MUL(s[4], *f4, tw[4 * u * fstride]);
        C_ADD(s[7], s[1], s[4]);
        C_SUB(s[10], s[1], s[4]);
        C_ADD(s[8], s[2], s[3]);
        C_SUB(s[9], s[2], s[3]);
        f0->r = (FFT_T)(f0->r + (s[7].r + s[8].r));
        f0->i = (FFT_T)(f0->i + (s[7].i + s[8].i));
        s[5].r = (FFT_T)(s[0].r + S_MUL(s[7].r, ya.r) + S_MUL(s[8].r, yb.r));
        s[5].i = (FFT_T)(s[0].i + S_MUL(s[7].i, ya.r) + S_MUL(s[8].i, yb.r));
        s[6].r = (FFT_T)(S_MUL(s[10].i, ya.i) + S_MUL(s[9].i, yb.i));
        s[6].i = (FFT_T)(-S_MUL(s[10].r, ya.i) - S_MUL(s[9].r, yb.i));
        C_SUB(*f1, s[5], s[6]);
        C_ADD(*f4, s[5], s[6]);
        s[11].r = (FFT_T)(s[0].r + S_MUL(s[7].r, yb.r) + S_MUL(s[8].r, ya.r));
        s[11].i = (FFT_T)(s[0].i + S_MUL(s[7].i, yb.r) + S_MUL(s[8].i, ya.r));
        s[12].r = (FFT_T)(-S_MUL(s[10].i, yb.i) + S_MUL(s[9].i, ya.i));
        s[12].i = (FFT_T)(S_MUL(s[10].r, yb.i) - S_MUL(s[9].r, ya.i));
        C_ADD(*f2, s[11], s[12]);
        C_SUB(*f3, s[11], s[12]);
        ++f0;
        ++f1;
        ++f2;
        ++f3;
        ++f4;
    }
}

static void FFT_FN(work_)(FFT_CPX *fout, const FFT_CPX *f, size_t fstride, const int32_t *factors,
    const tml_fft_state_t *st, const FFT_CPX *tw) {
    FFT_CPX *const beg = fout;
    const int p = *factors++;
    const int m = *factors++;
    const FFT_CPX *const end = fout + p * m;
    if (m == 1) {
        do {
            *fout = *f;
            f += fstride;
        } while (++fout != end);
    } else {
        do {
            FFT_FN(work_)(fout, f, fstride * p, factors, st, tw);
            f += fstride;
        } while ((fout += m) != end);
    }
    fout = beg;
    switch (p) {
        case 2: FFT_FN(bfly2_)(fout, fstride, st, tw, m); break;
        case 3: FFT_FN(bfly3_)(fout, fstride, st, tw, (size_t)m); break;
        case 4: FFT_FN(bfly4_)(fout, fstride, st, tw, (size_t)m); break;
        default: FFT_FN(bfly5_)(fout, fstride, st, tw, m); break; /* init allows only 2..5 */
    }
}

/* state layout: tml_fft_state_t, twiddles[n], super twiddles[n / 2] */
void FFT_FN(tml_rfft_init_)(void *state, int32_t fft_length, int32_t inverse) {
    tml_fft_state_t *st = (tml_fft_state_t *)state;
    const int32_t n = fft_length / 2;
    FFT_CPX *tw = (FFT_CPX *)(st + 1);
    FFT_CPX *super = tw + n;
    st->nfft = n;
    st->inverse = inverse;
    tml_fft_factor(n, st->factors);
    for (int32_t i = 0; i < n; ++i) {
        const double pi = 3.141592653589793238462643383279502884197169399375105820974944;
        double phase = -2 * pi * i / n;
        if (inverse) {
            phase *= -1;
        }
        FFT_FN(fft_twiddle_)(&tw[i], phase);
    }
    for (int32_t i = 0; i < n / 2; ++i) {
        double phase = -3.14159265358979323846264338327 * ((double)(i + 1) / n + .5);
        if (inverse) {
            phase *= -1;
        }
        FFT_FN(fft_twiddle_)(&super[i], phase);
    }
}

void FFT_FN(tml_rfft_)(const void *state, const FFT_T *in, FFT_T *out_cpx, FFT_T *scratch) {
    const tml_fft_state_t *st = (const tml_fft_state_t *)state;
    const FFT_CPX *tw = (const FFT_CPX *)(st + 1);
    const FFT_CPX *super = tw + st->nfft;
    FFT_CPX *tmp = (FFT_CPX *)scratch;
    FFT_CPX *freq = (FFT_CPX *)out_cpx;
    const int ncfft = st->nfft;
    FFT_CPX tdc, fpk, fpnk, f1k, f2k, t;
    FFT_FN(work_)(tmp, (const FFT_CPX *)in, 1, st->factors, st, tw);
    tdc = tmp[0];
    C_FIXDIV(tdc, 2);
    freq[0].r = (FFT_T)(tdc.r + tdc.i);
    freq[ncfft].r = (FFT_T)(tdc.r - tdc.i);
    freq[ncfft].i = freq[0].i = 0;
    for (int k = 1; k <= ncfft / 2; ++k) {
        fpk = tmp[k];
        fpnk.r = tmp[ncfft - k].r;
        fpnk.i = (FFT_T)-tmp[ncfft - k].i;
        C_FIXDIV(fpk, 2);
        C_FIXDIV(fpnk, 2);
        C_ADD(f1k, fpk, fpnk);
        C_SUB(f2k, fpk, fpnk);
        C_MUL(t, f2k, super[k - 1]);
        freq[k].r = (FFT_T)HALF_OF(f1k.r + t.r);
        freq[k].i = (FFT_T)HALF_OF(f1k.i + t.i);
        freq[ncfft - k].r = (FFT_T)HALF_OF(f1k.r - t.r);
        freq[ncfft - k].i = (FFT_T)HALF_OF(t.i - f1k.i);
    }
}

void FFT_FN(tml_irfft_)(const void *state, const FFT_T *in_cpx, FFT_T *out, FFT_T *scratch) {
    const tml_fft_state_t *st = (const tml_fft_state_t *)state;
    const FFT_CPX *tw = (const FFT_CPX *)(st + 1);
    const FFT_CPX *super = tw + st->nfft;
    FFT_CPX *tmp = (FFT_CPX *)scratch;
    const FFT_CPX *freq = (const FFT_CPX *)in_cpx;
    const int ncfft = st->nfft;
    tmp[0].r = (FFT_T)(freq[0].r + freq[ncfft].r);
    tmp[0].i = (FFT_T)(freq[0].r - freq[ncfft].r);
    C_FIXDIV(tmp[0], 2);
    for (int k = 1; k <= ncfft / 2; ++k) {
        FFT_CPX fk, fnkc, fek, fok, d;
        fk = freq[k];
        fnkc.r = freq[ncfft - k].r;
        fnkc.i = (FFT_T)-freq[ncfft - k].i;
        C_FIXDIV(fk, 2);
        C_FIXDIV(fnkc, 2);
        C_ADD(fek, fk, fnkc);
        C_SUB(d, fk, fnkc);
        C_MUL(fok, d, super[k - 1]);
        C_ADD(tmp[k], fek, fok);
        C_SUB(tmp[ncfft - k], fek, fok);
        tmp[ncfft - k].i = (FFT_T)(tmp[ncfft - k].i * -1);
    }
    FFT_FN(work_)((FFT_CPX *)out, tmp, 1, st->factors, st, tw);
}

#undef SMUL
#undef SROUND
#undef S_MUL
#undef C_MUL
#undef C_FIXDIV
#undef C_MULBYSCALAR
#undef HALF_OF
#undef C_ADD
#undef C_SUB
#undef C_ADDTO
#undef FFT_CPX
#undef FFT_FN
#undef FFT_CAT
#undef FFT_CAT2

/* tinyml kernels: reductions, bit-exact with TFLM's reference_ops (reduce.h):
 * QuantizedMeanOrSum for int8/int16 MEAN and SUM (int32 wrapping sums, 1/count
 * folded into the output multiplier for MEAN), Mean / ReduceGeneric for
 * float32 (float sums in input order), ReduceGeneric min/max, and ArgMinMax. */
#include <stdbool.h>
#include <string.h>
#include "../tml_kernels.h"
#include "../tml_math.h"

/* Row-major walk over the input one innermost row at a time, with the output
 * offset of each row start (reduced dimensions have output stride 0). */
typedef struct {
    int32_t nd, dims[TML_MAX_DIMS], ostride[TML_MAX_DIMS], idx[TML_MAX_DIMS];
    int64_t count; /* input elements per output element */
} reduce_iter_t;

/* 1: walk the input; 0: the input is empty (nothing to reduce); -1: bad arguments. */
static int reduce_begin(reduce_iter_t *it, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, int32_t n_out) {
    bool reduced[TML_MAX_DIMS] = { false };
    if (ndims < 0 || ndims > TML_MAX_DIMS || n_axes < 0 || n_axes > ndims || n_out < 0) {
        return -1;
    }
    it->nd = ndims > 0 ? ndims : 1;
    it->count = 1;
    for (int32_t a = 0; a < n_axes; a++) {
        if (axes[a] < 0 || axes[a] >= ndims || reduced[axes[a]]) {
            return -1;
        }
        reduced[axes[a]] = true;
        it->count *= in_dims[axes[a]];
    }
    int64_t stride = 1;
    bool empty = false;
    for (int32_t d = it->nd - 1; d >= 0; d--) {
        it->dims[d] = ndims > 0 ? in_dims[d] : 1;
        it->idx[d] = 0;
        empty = empty || it->dims[d] <= 0;
        it->ostride[d] = reduced[d] ? 0 : (int32_t)stride;
        stride *= reduced[d] ? 1 : it->dims[d];
    }
    if (stride != n_out) {
        return -1;
    }
    return empty ? 0 : 1;
}

/* Output offset of the current row's first element. */
static int32_t reduce_row(const reduce_iter_t *it) {
    int32_t base = 0;
    for (int32_t d = 0; d < it->nd - 1; d++) {
        base += it->idx[d] * it->ostride[d];
    }
    return base;
}

/* Advance to the next row; false after the last one. */
static bool reduce_next(reduce_iter_t *it) {
    int32_t d = it->nd - 2;
    while (d >= 0 && ++it->idx[d] == it->dims[d]) {
        it->idx[d--] = 0;
    }
    return d >= 0;
}

#define ROW_LEN(it) ((it)->dims[(it)->nd - 1])
#define ROW_STRIDE(it) ((it)->ostride[(it)->nd - 1])

/* ---- int8 / int16 MEAN and SUM: reference_ops::QuantizedMeanOrSum ---- */

int32_t tml_mean_s8_get_buffer_size(int32_t n_out) {
    return n_out > 0 ? n_out * (int32_t)sizeof(int32_t) : 0;
}

/* Where the reduced axes are one run of dimensions that leaves out the last (a MEAN over a map's rows and
 * columns, NHWC), the input is O blocks of R x I elements, out[o * I + i] = sum_r in[(o * R + r) * I + i]: *o, *r,
 * *inner. False otherwise (or with no axes). */
static bool reduce_run(const int32_t *in_dims, int32_t ndims, const int32_t *axes, int32_t n_axes, int32_t *o,
    int32_t *r, int32_t *inner) {
    int32_t lo = ndims, hi = -1;
    for (int32_t a = 0; a < n_axes; a++) {
        lo = axes[a] < lo ? axes[a] : lo;
        hi = axes[a] > hi ? axes[a] : hi;
    }
    if (n_axes < 1 || hi >= ndims - 1 || hi - lo + 1 != n_axes) { /* the axes are distinct (reduce_begin) */
        return false;
    }
    int64_t no = 1, nr = 1, ni = 1;
    for (int32_t d = 0; d < ndims; d++) {
        int64_t *n = d < lo ? &no : d <= hi ? &nr : &ni;
        *n *= in_dims[d];
    }
    *o = (int32_t)no;
    *r = (int32_t)nr;
    *inner = (int32_t)ni;
    return true;
}

/* The requantized output of a sum (int32, wrapping as TFLM's): the input zero point's share (zpc = in_zp x count,
 * wrapped) taken off, multiplied, the output zero point added, clamped */
static inline int32_t mean_out(uint32_t sum, uint32_t zpc, int32_t m, int s, int32_t out_zp, int32_t lo, int32_t hi) {
    const int64_t v = (int64_t)tml_multiply_by_quantized_multiplier((int32_t)(sum - zpc), m, s) + out_zp;
    return (int32_t)(v < lo ? lo : v > hi ? hi : v);
}

/* reduce_run's layout: each output's sum in a register, 4 inner elements at a time (no scratch pass) */
#define TML_MEAN_RUN(T)                                                                                            \
    static void mean_run_##T(const T *in, int32_t no, int32_t nr, int32_t ni, T *out, uint32_t zpc, int32_t m,    \
        int s, int32_t out_zp, int32_t lo, int32_t hi) {                                                          \
        for (int32_t o = 0; o < no; o++, in += nr * ni, out += ni) {                                              \
            int32_t i = 0;                                                                                        \
            for (; i + 4 <= ni; i += 4) {                                                                         \
                uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                                          \
                const T *p = in + i;                                                                              \
                for (int32_t k = 0; k < nr; k++, p += ni) {                                                       \
                    s0 += (uint32_t)(int32_t)p[0];                                                                \
                    s1 += (uint32_t)(int32_t)p[1];                                                                \
                    s2 += (uint32_t)(int32_t)p[2];                                                                \
                    s3 += (uint32_t)(int32_t)p[3];                                                                \
                }                                                                                                 \
                out[i] = (T)mean_out(s0, zpc, m, s, out_zp, lo, hi);                                              \
                out[i + 1] = (T)mean_out(s1, zpc, m, s, out_zp, lo, hi);                                          \
                out[i + 2] = (T)mean_out(s2, zpc, m, s, out_zp, lo, hi);                                          \
                out[i + 3] = (T)mean_out(s3, zpc, m, s, out_zp, lo, hi);                                          \
            }                                                                                                     \
            for (; i < ni; i++) {                                                                                 \
                uint32_t s0 = 0;                                                                                  \
                const T *p = in + i;                                                                              \
                for (int32_t k = 0; k < nr; k++, p += ni) {                                                       \
                    s0 += (uint32_t)(int32_t)*p;                                                                  \
                }                                                                                                 \
                out[i] = (T)mean_out(s0, zpc, m, s, out_zp, lo, hi);                                              \
            }                                                                                                     \
        }                                                                                                         \
    }
TML_MEAN_RUN(int8_t)
TML_MEAN_RUN(int16_t)
#undef TML_MEAN_RUN

static tml_status_t mean_or_sum(const void *in, int elem_size, const int32_t *in_dims, int32_t ndims,
    const int32_t *axes, int32_t n_axes, void *out, int32_t n_out, int32_t in_zp, int32_t out_zp, int32_t mult,
    int32_t shift, int32_t *scratch, bool compute_sum) {
    reduce_iter_t it;
    const int r = reduce_begin(&it, in_dims, ndims, axes, n_axes, n_out);
    if (r < 0 || shift < -31 || shift > 30 || mult < 0) {
        return TML_ERR_KERNEL;
    }
    /* reduce_run's layout (a non-empty input): summed with the requantization below, no scratch */
    int32_t no = 0, nr = 0, ni = 0;
    const bool run = r == 1 && it.count != 0 && reduce_run(in_dims, ndims, axes, n_axes, &no, &nr, &ni);
    if (n_out > 0 && !run) {
        memset(out, 0, (size_t)n_out * (size_t)elem_size);
        memset(scratch, 0, (size_t)n_out * sizeof(int32_t));
    }
    if (r == 0 || it.count == 0) {
        return TML_OK; /* TFLM: an empty input leaves zeros */
    }
    const int8_t *p8 = (const int8_t *)in;
    const int16_t *p16 = (const int16_t *)in;
    const int32_t last = ROW_LEN(&it), ls = ROW_STRIDE(&it);
    if (!run) {
        do {
            int32_t *acc = scratch + reduce_row(&it);
            for (int32_t j = 0; j < last; j++) {
                const int32_t v = elem_size == 1 ? *p8++ : *p16++;
                acc[j * ls] = (int32_t)((uint32_t)acc[j * ls] + (uint32_t)v); /* wraps, as TFLM's */
            }
        } while (reduce_next(&it));
    }
    int32_t m = mult;
    int s = shift;
    if (!compute_sum) {
        /* fold 1/count into the multiplier as TFLM does */
        int log2n = 0;
        while (((uint64_t)it.count >> (log2n + 1)) != 0) {
            log2n++;
        }
        if (log2n > 32) {
            log2n = 32;
        }
        if (log2n > 31 + shift) {
            log2n = 31 + shift;
        }
        m = (int32_t)(((int64_t)mult << log2n) / it.count);
        s = shift - log2n;
    }
    const int32_t lo = elem_size == 1 ? -128 : -32768, hi = elem_size == 1 ? 127 : 32767;
    const uint32_t zpc = (uint32_t)((uint64_t)(int64_t)in_zp * (uint64_t)it.count);
    if (run) {
        if (elem_size == 1) {
            mean_run_int8_t(p8, no, nr, ni, (int8_t *)out, zpc, m, s, out_zp, lo, hi);
        } else {
            mean_run_int16_t(p16, no, nr, ni, (int16_t *)out, zpc, m, s, out_zp, lo, hi);
        }
        return TML_OK;
    }
    for (int32_t i = 0; i < n_out; i++) {
        const int32_t c = mean_out((uint32_t)scratch[i], zpc, m, s, out_zp, lo, hi);
        if (elem_size == 1) {
            ((int8_t *)out)[i] = (int8_t)c;
        } else {
            ((int16_t *)out)[i] = (int16_t)c;
        }
    }
    return TML_OK;
}

tml_status_t tml_mean_s8(const int8_t *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, int8_t *out, int32_t n_out, int32_t in_zp, int32_t out_zp, int32_t mult, int32_t shift,
    int32_t *scratch) {
    return mean_or_sum(in, 1, in_dims, ndims, axes, n_axes, out, n_out, in_zp, out_zp, mult, shift, scratch, false);
}

tml_status_t tml_sum_s8(const int8_t *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, int8_t *out, int32_t n_out, int32_t in_zp, int32_t out_zp, int32_t mult, int32_t shift,
    int32_t *scratch) {
    return mean_or_sum(in, 1, in_dims, ndims, axes, n_axes, out, n_out, in_zp, out_zp, mult, shift, scratch, true);
}

tml_status_t tml_mean_s16(const int16_t *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, int16_t *out, int32_t n_out, int32_t in_zp, int32_t out_zp, int32_t mult, int32_t shift,
    int32_t *scratch) {
    return mean_or_sum(in, 2, in_dims, ndims, axes, n_axes, out, n_out, in_zp, out_zp, mult, shift, scratch, false);
}

tml_status_t tml_sum_s16(const int16_t *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, int16_t *out, int32_t n_out, int32_t in_zp, int32_t out_zp, int32_t mult, int32_t shift,
    int32_t *scratch) {
    return mean_or_sum(in, 2, in_dims, ndims, axes, n_axes, out, n_out, in_zp, out_zp, mult, shift, scratch, true);
}

/* ---- float32 SUM and MEAN: ReduceGeneric (sum) and Mean ---- */

static tml_status_t sum_f32(const float *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, float *out, int32_t n_out, int64_t *count) {
    reduce_iter_t it;
    const int r = reduce_begin(&it, in_dims, ndims, axes, n_axes, n_out);
    if (r < 0) {
        return TML_ERR_KERNEL;
    }
    for (int32_t i = 0; i < n_out; i++) {
        out[i] = 0.0f;
    }
    *count = it.count;
    if (r == 0) {
        return TML_OK;
    }
    const int32_t last = ROW_LEN(&it), ls = ROW_STRIDE(&it);
    do {
        float *acc = out + reduce_row(&it);
        for (int32_t j = 0; j < last; j++) {
            acc[j * ls] = *in++ + acc[j * ls];
        }
    } while (reduce_next(&it));
    return TML_OK;
}

tml_status_t tml_sum_f32(const float *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, float *out, int32_t n_out) {
    int64_t count;
    return sum_f32(in, in_dims, ndims, axes, n_axes, out, n_out, &count);
}

tml_status_t tml_mean_f32(const float *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, float *out, int32_t n_out) {
    int64_t count;
    const tml_status_t s = sum_f32(in, in_dims, ndims, axes, n_axes, out, n_out, &count);
    if (s == TML_OK && count > 0) {
        const float c = (float)count;
        for (int32_t i = 0; i < n_out; i++) {
            out[i] = out[i] / c;
        }
    }
    return s;
}

/* ---- REDUCE_MAX / REDUCE_MIN: ReduceGeneric with MinMaxReducerCompare ---- */

tml_status_t tml_reduce_min_max_s8(const int8_t *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, int8_t *out, int32_t n_out, int32_t is_max) {
    reduce_iter_t it;
    const int r = reduce_begin(&it, in_dims, ndims, axes, n_axes, n_out);
    if (r < 0) {
        return TML_ERR_KERNEL;
    }
    if (n_out > 0) {
        memset(out, is_max ? 0x80 : 0x7f, (size_t)n_out);
    }
    if (r == 0) {
        return TML_OK;
    }
    const int32_t last = ROW_LEN(&it), ls = ROW_STRIDE(&it);
    do {
        int8_t *acc = out + reduce_row(&it);
        for (int32_t j = 0; j < last; j++) {
            const int8_t v = *in++;
            if (is_max ? v > acc[j * ls] : v < acc[j * ls]) {
                acc[j * ls] = v;
            }
        }
    } while (reduce_next(&it));
    return TML_OK;
}

tml_status_t tml_reduce_min_max_f32(const float *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, float *out, int32_t n_out, int32_t is_max) {
    reduce_iter_t it;
    const int r = reduce_begin(&it, in_dims, ndims, axes, n_axes, n_out);
    if (r < 0) {
        return TML_ERR_KERNEL;
    }
    const float init = is_max ? -3.40282347e+38f : 3.40282347e+38f; /* lowest() / max() */
    for (int32_t i = 0; i < n_out; i++) {
        out[i] = init;
    }
    if (r == 0) {
        return TML_OK;
    }
    const int32_t last = ROW_LEN(&it), ls = ROW_STRIDE(&it);
    do {
        float *acc = out + reduce_row(&it);
        for (int32_t j = 0; j < last; j++) {
            const float v = *in++;
            if (is_max ? v > acc[j * ls] : v < acc[j * ls]) {
                acc[j * ls] = v;
            }
        }
    } while (reduce_next(&it));
    return TML_OK;
}

/* ---- ARG_MAX / ARG_MIN: reference_ops::ArgMinMax ---- */

tml_status_t tml_arg_min_max_s8(const int8_t *in, int32_t outer, int32_t axis_size, int32_t inner, int32_t *out,
    int32_t is_max) {
    if (axis_size <= 0) {
        return TML_ERR_KERNEL;
    }
    for (int32_t o = 0; o < outer; o++) {
        const int8_t *slab = in + (size_t)o * (size_t)axis_size * (size_t)inner;
        for (int32_t k = 0; k < inner; k++) {
            int8_t best = slab[k];
            int32_t at = 0;
            for (int32_t i = 1; i < axis_size; i++) {
                const int8_t v = slab[(size_t)i * (size_t)inner + (size_t)k];
                if (is_max ? v > best : v < best) {
                    best = v;
                    at = i;
                }
            }
            *out++ = at;
        }
    }
    return TML_OK;
}

tml_status_t tml_arg_min_max_f32(const float *in, int32_t outer, int32_t axis_size, int32_t inner, int32_t *out,
    int32_t is_max) {
    if (axis_size <= 0) {
        return TML_ERR_KERNEL;
    }
    for (int32_t o = 0; o < outer; o++) {
        const float *slab = in + (size_t)o * (size_t)axis_size * (size_t)inner;
        for (int32_t k = 0; k < inner; k++) {
            float best = slab[k];
            int32_t at = 0;
            for (int32_t i = 1; i < axis_size; i++) {
                const float v = slab[(size_t)i * (size_t)inner + (size_t)k];
                if (is_max ? v > best : v < best) {
                    best = v;
                    at = i;
                }
            }
            *out++ = at;
        }
    }
    return TML_OK;
}

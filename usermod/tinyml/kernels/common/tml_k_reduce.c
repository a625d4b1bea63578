/* tinyml kernels: int8 MEAN, bit-exact with TFLM reference_ops::QuantizedMeanOrSum
 * (int32 wrapping sums, 1/count folded into the output multiplier). */
#include <stdbool.h>
#include "../tml_kernels.h"
#include "../tml_math.h"

int32_t tml_mean_s8_get_buffer_size(int32_t n_out) {
    return n_out > 0 ? n_out * (int32_t)sizeof(int32_t) : 0;
}

tml_status_t tml_mean_s8(const int8_t *in, const int32_t *in_dims, int32_t ndims, const int32_t *axes,
    int32_t n_axes, int8_t *out, int32_t n_out, int32_t in_zp, int32_t out_zp, int32_t mult, int32_t shift,
    int32_t *scratch) {
    if (ndims < 0 || ndims > TML_MAX_DIMS || n_axes < 0 || n_axes > ndims || shift < -31 || shift > 30 || mult < 0) {
        return TML_ERR_KERNEL;
    }
    for (int32_t i = 0; i < n_out; i++) {
        out[i] = 0;
        scratch[i] = 0;
    }
    int32_t dims[TML_MAX_DIMS], ostride[TML_MAX_DIMS], idx[TML_MAX_DIMS];
    bool reduced[TML_MAX_DIMS];
    const int32_t nd = ndims > 0 ? ndims : 1;
    for (int32_t d = 0; d < nd; d++) {
        dims[d] = ndims > 0 ? in_dims[d] : 1;
        reduced[d] = false;
        idx[d] = 0;
        if (dims[d] == 0) {
            return TML_OK;
        }
    }
    int64_t count = 1;
    for (int32_t a = 0; a < n_axes; a++) {
        if (axes[a] < 0 || axes[a] >= ndims || reduced[axes[a]]) {
            return TML_ERR_KERNEL;
        }
        reduced[axes[a]] = true;
        count *= dims[axes[a]];
    }
    int64_t stride = 1;
    for (int32_t d = nd - 1; d >= 0; d--) {
        ostride[d] = reduced[d] ? 0 : (int32_t)stride;
        stride *= reduced[d] ? 1 : dims[d];
    }
    if (stride != n_out) {
        return TML_ERR_KERNEL;
    }
    /* sum over the input in row-major order; rows of the innermost dim */
    const int32_t last = dims[nd - 1], last_stride = ostride[nd - 1];
    for (;;) {
        int32_t base = 0;
        for (int32_t d = 0; d < nd - 1; d++) {
            base += idx[d] * ostride[d];
        }
        for (int32_t j = 0; j < last; j++) {
            int32_t *acc = &scratch[base + j * last_stride];
            *acc = (int32_t)((uint32_t)*acc + (uint32_t)(int32_t)*in++);
        }
        int32_t d = nd - 2;
        while (d >= 0 && ++idx[d] == dims[d]) {
            idx[d--] = 0;
        }
        if (d < 0) {
            break;
        }
    }
    /* fold 1/count into the multiplier as TFLM does */
    int log2n = 0;
    while (((uint64_t)count >> (log2n + 1)) != 0) {
        log2n++;
    }
    if (log2n > 32) {
        log2n = 32;
    }
    if (log2n > 31 + shift) {
        log2n = 31 + shift;
    }
    const int32_t m = (int32_t)(((int64_t)mult << log2n) / count);
    const int s = shift - log2n;
    for (int32_t i = 0; i < n_out; i++) {
        const int32_t shifted = (int32_t)(uint32_t)((uint64_t)(int64_t)scratch[i] - (uint64_t)((int64_t)in_zp * count));
        const int64_t v = (int64_t)tml_multiply_by_quantized_multiplier(shifted, m, s) + out_zp;
        out[i] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
    }
    return TML_OK;
}

/* tinyml kernels: byte movement of any element type, in the element order of
 * TFLM's reference_ops: Concatenation, PadImpl, Transpose, StridedSlice (and
 * Slice), Gather, Fill, and the row copies of Split/SplitV/Pack/Unpack. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "../tml_kernels.h"

tml_status_t tml_concat(const void *const *inputs, const int32_t *row_bytes, int32_t n_inputs, int32_t outer,
    void *out) {
    uint8_t *o = (uint8_t *)out;
    for (int32_t k = 0; k < outer; k++) {
        for (int32_t i = 0; i < n_inputs; i++) {
            const size_t len = (size_t)row_bytes[i];
            if (len) {
                memcpy(o, (const uint8_t *)inputs[i] + (size_t)k * len, len);
                o += len;
            }
        }
    }
    return TML_OK;
}

static uint8_t *fill(uint8_t *o, const uint8_t *value, int32_t count, int32_t elem_size) {
    if (elem_size == 1) {
        memset(o, value[0], (size_t)count);
        return o + count;
    }
    for (int32_t i = 0; i < count; i++) {
        memcpy(o, value, (size_t)elem_size);
        o += elem_size;
    }
    return o;
}

tml_status_t tml_pad(const void *in, const int32_t in_dims[5], const int32_t before[5], const int32_t after[5],
    const void *pad_value, int32_t elem_size, void *out) {
    int32_t od[5];
    for (int d = 0; d < 5; d++) {
        if (in_dims[d] < 0 || before[d] < 0 || after[d] < 0) {
            return TML_ERR_KERNEL;
        }
        od[d] = in_dims[d] + before[d] + after[d];
    }
    const uint8_t *pv = (const uint8_t *)pad_value;
    const uint8_t *ip = (const uint8_t *)in;
    uint8_t *o = (uint8_t *)out;
    const size_t row = (size_t)in_dims[4] * (size_t)elem_size;
    for (int32_t b = 0; b < od[0]; b++) {
        const bool ib = b >= before[0] && b < before[0] + in_dims[0];
        for (int32_t p = 0; p < od[1]; p++) {
            const bool ipl = ib && p >= before[1] && p < before[1] + in_dims[1];
            for (int32_t h = 0; h < od[2]; h++) {
                const bool ih = ipl && h >= before[2] && h < before[2] + in_dims[2];
                for (int32_t w = 0; w < od[3]; w++) {
                    if (ih && w >= before[3] && w < before[3] + in_dims[3]) {
                        o = fill(o, pv, before[4], elem_size);
                        if (row) {
                            memcpy(o, ip, row);
                            o += row;
                            ip += row;
                        }
                        o = fill(o, pv, after[4], elem_size);
                    } else {
                        o = fill(o, pv, od[4], elem_size);
                    }
                }
            }
        }
    }
    return TML_OK;
}


tml_status_t tml_copy_rows(const void *src, int32_t src_stride, void *dst, int32_t dst_stride, int32_t row_bytes,
    int32_t rows) {
    if (row_bytes < 0 || rows < 0) {
        return TML_ERR_KERNEL;
    }
    const uint8_t *s = (const uint8_t *)src;
    uint8_t *d = (uint8_t *)dst;
    for (int32_t r = 0; r < rows && row_bytes > 0; r++) {
        memcpy(d + (ptrdiff_t)r * dst_stride, s + (ptrdiff_t)r * src_stride, (size_t)row_bytes);
    }
    return TML_OK;
}

/* Copy one row of n elements taken every `step` elements of src to dst. */
static void copy_strided_row(const uint8_t *src, ptrdiff_t step, int32_t n, int32_t elem_size, uint8_t *dst) {
    if (step == 1) {
        memcpy(dst, src, (size_t)n * (size_t)elem_size);
        return;
    }
    switch (elem_size) {
        case 1:
            for (int32_t j = 0; j < n; j++) {
                dst[j] = src[(ptrdiff_t)j * step];
            }
            break;
        case 2: {
            uint16_t *d = (uint16_t *)(void *)dst;
            const uint16_t *s = (const uint16_t *)(const void *)src;
            for (int32_t j = 0; j < n; j++) {
                d[j] = s[(ptrdiff_t)j * step];
            }
        } break;
        case 4: {
            uint32_t *d = (uint32_t *)(void *)dst;
            const uint32_t *s = (const uint32_t *)(const void *)src;
            for (int32_t j = 0; j < n; j++) {
                d[j] = s[(ptrdiff_t)j * step];
            }
        } break;
        default:
            for (int32_t j = 0; j < n; j++) {
                memcpy(dst + (size_t)j * (size_t)elem_size, src + (ptrdiff_t)j * step * elem_size, (size_t)elem_size);
            }
            break;
    }
}

/* out, in row-major order over count[0..nd), takes the element of `in` at
 * element offset sum(i[d] * step[d]) (steps may be negative): the loop nest of
 * reference_ops::TransposeImpl and StridedSlice, one innermost row at a time. */
static void strided_copy(const uint8_t *in, const int32_t *count, const int32_t *step, int32_t nd,
    int32_t elem_size, uint8_t *out) {
    int32_t idx[TML_MAX_DIMS] = { 0 };
    for (int32_t d = 0; d < nd; d++) {
        if (count[d] <= 0) {
            return;
        }
    }
    if (nd == 0) {
        memcpy(out, in, (size_t)elem_size);
        return;
    }
    const int32_t n = count[nd - 1];
    const size_t row = (size_t)n * (size_t)elem_size;
    ptrdiff_t off = 0; /* element offset of the current row's first element */
    for (;;) {
        copy_strided_row(in + off * elem_size, step[nd - 1], n, elem_size, out);
        out += row;
        int32_t d = nd - 2;
        for (; d >= 0; d--) {
            off += step[d];
            if (++idx[d] < count[d]) {
                break;
            }
            off -= (ptrdiff_t)step[d] * count[d];
            idx[d] = 0;
        }
        if (d < 0) {
            return;
        }
    }
}

tml_status_t tml_transpose(const void *in, const int32_t *in_dims, const int32_t *perm, int32_t ndims,
    int32_t elem_size, void *out) {
    if (ndims < 0 || ndims > TML_MAX_DIMS || elem_size <= 0) {
        return TML_ERR_KERNEL;
    }
    int32_t in_stride[TML_MAX_DIMS], count[TML_MAX_DIMS], step[TML_MAX_DIMS];
    int32_t stride = 1;
    for (int32_t d = ndims - 1; d >= 0; d--) {
        in_stride[d] = stride;
        stride *= in_dims[d];
    }
    uint32_t seen = 0;
    for (int32_t d = 0; d < ndims; d++) {
        if (perm[d] < 0 || perm[d] >= ndims || (seen & (1u << perm[d]))) {
            return TML_ERR_KERNEL;
        }
        seen |= 1u << perm[d];
        count[d] = in_dims[perm[d]];
        step[d] = in_stride[perm[d]];
    }
    strided_copy((const uint8_t *)in, count, step, ndims, elem_size, (uint8_t *)out);
    return TML_OK;
}

tml_status_t tml_strided_slice(const void *in, const int32_t in_dims[5], const int32_t start[5],
    const int32_t stop[5], const int32_t stride[5], int32_t elem_size, void *out) {
    int32_t count[5], step[5];
    int32_t in_stride = 1;
    ptrdiff_t base = 0;
    for (int32_t d = 4; d >= 0; d--) {
        if (stride[d] == 0) {
            return TML_ERR_KERNEL;
        }
        /* iterations of: for (i = start; stride > 0 ? i < stop : i > stop; i += stride) */
        const int64_t span = stride[d] > 0 ? (int64_t)stop[d] - start[d] : (int64_t)start[d] - stop[d];
        const int64_t s = stride[d] > 0 ? stride[d] : -(int64_t)stride[d];
        count[d] = span > 0 ? (int32_t)((span + s - 1) / s) : 0;
        if (count[d] > 0 && (start[d] < 0 || start[d] >= in_dims[d] ||
            start[d] + (int64_t)(count[d] - 1) * stride[d] < 0 ||
            start[d] + (int64_t)(count[d] - 1) * stride[d] >= in_dims[d])) {
            return TML_ERR_KERNEL;
        }
        if (count[d] == 0) {
            return TML_OK; /* nothing selected */
        }
        step[d] = stride[d] * in_stride;
        base += (ptrdiff_t)start[d] * in_stride;
        in_stride *= in_dims[d];
    }
    strided_copy((const uint8_t *)in + base * elem_size, count, step, 5, elem_size, (uint8_t *)out);
    return TML_OK;
}

tml_status_t tml_gather(const void *in, int32_t batch, int32_t outer, int32_t axis_size, int32_t inner,
    const int32_t *coords, int32_t coord_size, int32_t elem_size, void *out) {
    /* TFLM only DCHECKs the coordinates; an index outside the axis fails here
     * before anything is written */
    for (int32_t i = 0; i < batch * coord_size; i++) {
        if (coords[i] < 0 || coords[i] >= axis_size) {
            return TML_ERR_KERNEL;
        }
    }
    const size_t chunk = (size_t)inner * (size_t)elem_size;
    const uint8_t *ip = (const uint8_t *)in;
    uint8_t *op = (uint8_t *)out;
    if (chunk == 0) {
        return TML_OK;
    }
    for (int32_t b = 0; b < batch; b++) {
        for (int32_t o = 0; o < outer; o++) {
            const uint8_t *slab = ip + ((size_t)b * (size_t)outer + (size_t)o) * (size_t)axis_size * chunk;
            for (int32_t c = 0; c < coord_size; c++) {
                memcpy(op, slab + (size_t)coords[b * coord_size + c] * chunk, chunk);
                op += chunk;
            }
        }
    }
    return TML_OK;
}

tml_status_t tml_fill(void *out, const void *value, int32_t elem_size, int32_t n) {
    if (n < 0 || elem_size <= 0) {
        return TML_ERR_KERNEL;
    }
    if (n == 0) {
        return TML_OK;
    }
    fill((uint8_t *)out, (const uint8_t *)value, n, elem_size);
    return TML_OK;
}

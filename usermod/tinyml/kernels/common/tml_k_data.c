/* tinyml kernels: CONCATENATION and PAD (byte movement, any element type),
 * same element order as TFLM reference_ops::Concatenation and PadImpl. */
#include <stdbool.h>
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

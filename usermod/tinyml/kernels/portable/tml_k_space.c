/* tinyml kernels: BATCH_TO_SPACE_ND, SPACE_TO_BATCH_ND, DEPTH_TO_SPACE and
 * SPACE_TO_DEPTH of any element type, in the loop order of TFLM's
 * reference_ops (batch_to_space_nd.h, space_to_batch_nd.h, depth_to_space.h,
 * space_to_depth.h); each innermost run of channels is one memcpy. */
#include <string.h>
#include "../tml_kernels.h"

static size_t offset4(const int32_t d[4], int32_t b, int32_t h, int32_t w) {
    return (((size_t)b * (size_t)d[1] + (size_t)h) * (size_t)d[2] + (size_t)w) * (size_t)d[3];
}

tml_status_t tml_batch_to_space_nd(const void *in, const int32_t in_dims[4], const int32_t out_dims[4],
    int32_t block_h, int32_t block_w, int32_t crop_top, int32_t crop_left, int32_t elem_size, void *out) {
    if (block_h <= 0 || block_w <= 0 || out_dims[0] <= 0 || in_dims[3] != out_dims[3]) {
        return TML_ERR_KERNEL;
    }
    const size_t run = (size_t)in_dims[3] * (size_t)elem_size;
    const uint8_t *ip = (const uint8_t *)in;
    uint8_t *op = (uint8_t *)out;
    for (int32_t in_b = 0; in_b < in_dims[0]; in_b++) {
        const int32_t out_b = in_b % out_dims[0];
        const int32_t spatial = in_b / out_dims[0];
        for (int32_t in_h = 0; in_h < in_dims[1]; in_h++) {
            const int32_t out_h = in_h * block_h + spatial / block_w - crop_top;
            if (out_h < 0 || out_h >= out_dims[1]) {
                continue;
            }
            for (int32_t in_w = 0; in_w < in_dims[2]; in_w++) {
                const int32_t out_w = in_w * block_w + spatial % block_w - crop_left;
                if (out_w < 0 || out_w >= out_dims[2] || run == 0) {
                    continue;
                }
                memcpy(op + offset4(out_dims, out_b, out_h, out_w) * (size_t)elem_size,
                    ip + offset4(in_dims, in_b, in_h, in_w) * (size_t)elem_size, run);
            }
        }
    }
    return TML_OK;
}

tml_status_t tml_space_to_batch_nd(const void *in, const int32_t in_dims[4], const int32_t out_dims[4],
    int32_t block_h, int32_t block_w, int32_t pad_top, int32_t pad_left, int32_t elem_size, void *out) {
    if (block_h <= 0 || block_w <= 0 || in_dims[0] <= 0 || in_dims[3] != out_dims[3]) {
        return TML_ERR_KERNEL;
    }
    const size_t run = (size_t)in_dims[3] * (size_t)elem_size;
    const uint8_t *ip = (const uint8_t *)in;
    uint8_t *op = (uint8_t *)out;
    for (int32_t out_b = 0; out_b < out_dims[0]; out_b++) {
        const int32_t in_b = out_b % in_dims[0];
        const int32_t shift_w = (out_b / in_dims[0]) % block_w;
        const int32_t shift_h = (out_b / in_dims[0]) / block_w;
        for (int32_t out_h = 0; out_h < out_dims[1]; out_h++) {
            const int32_t in_h = out_h * block_h + shift_h - pad_top;
            for (int32_t out_w = 0; out_w < out_dims[2]; out_w++) {
                const int32_t in_w = out_w * block_w + shift_w - pad_left;
                uint8_t *o = op + offset4(out_dims, out_b, out_h, out_w) * (size_t)elem_size;
                if (run == 0) {
                    continue;
                }
                if (in_h < 0 || in_h >= in_dims[1] || in_w < 0 || in_w >= in_dims[2]) {
                    memset(o, 0, run);
                } else {
                    memcpy(o, ip + offset4(in_dims, in_b, in_h, in_w) * (size_t)elem_size, run);
                }
            }
        }
    }
    return TML_OK;
}

tml_status_t tml_depth_to_space(const void *in, const int32_t in_dims[4], int32_t block, int32_t elem_size,
    void *out) {
    if (block <= 0 || in_dims[3] % (block * block) != 0) {
        return TML_ERR_KERNEL;
    }
    const int32_t out_dims[4] = { in_dims[0], in_dims[1] * block, in_dims[2] * block, in_dims[3] / (block * block) };
    const size_t run = (size_t)out_dims[3] * (size_t)elem_size;
    const uint8_t *ip = (const uint8_t *)in;
    uint8_t *op = (uint8_t *)out;
    if (run == 0) {
        return TML_OK;
    }
    for (int32_t b = 0; b < out_dims[0]; b++) {
        for (int32_t h = 0; h < out_dims[1]; h++) {
            for (int32_t w = 0; w < out_dims[2]; w++) {
                const int32_t in_d = ((h % block) * block + w % block) * out_dims[3];
                memcpy(op, ip + (offset4(in_dims, b, h / block, w / block) + (size_t)in_d) * (size_t)elem_size, run);
                op += run;
            }
        }
    }
    return TML_OK;
}

tml_status_t tml_space_to_depth(const void *in, const int32_t in_dims[4], int32_t block, int32_t elem_size,
    void *out) {
    if (block <= 0 || in_dims[1] % block != 0 || in_dims[2] % block != 0) {
        return TML_ERR_KERNEL;
    }
    const int32_t out_dims[4] = { in_dims[0], in_dims[1] / block, in_dims[2] / block, in_dims[3] * block * block };
    const size_t run = (size_t)in_dims[3] * (size_t)elem_size;
    const uint8_t *ip = (const uint8_t *)in;
    uint8_t *op = (uint8_t *)out;
    if (run == 0) {
        return TML_OK;
    }
    for (int32_t b = 0; b < in_dims[0]; b++) {
        for (int32_t h = 0; h < in_dims[1]; h++) {
            for (int32_t w = 0; w < in_dims[2]; w++) {
                const int32_t out_d = ((h % block) * block + w % block) * in_dims[3];
                memcpy(op + (offset4(out_dims, b, h / block, w / block) + (size_t)out_d) * (size_t)elem_size, ip, run);
                ip += run;
            }
        }
    }
    return TML_OK;
}

/* tinyml kernels: RESIZE_NEAREST_NEIGHBOR (any element type) and
 * RESIZE_BILINEAR (float32, int8), bit-exact with TFLM's
 * reference_ops::ResizeNearestNeighbor, ResizeBilinear and
 * ResizeBilinearInteger: the same single-precision float expressions, in the
 * same order (the core is built with -ffp-contract=off, so no fused
 * multiply-adds), and the same 10-bit fixed point. */
#include <string.h>
#include "../tml_kernels.h"
#include "../tml_math.h"

static float floor_f(float x) {
    return (float)tml_floor((double)x);
}

static float ceil_f(float x) {
    return -(float)tml_floor(-(double)x);
}

/* reference_ops::GetNearestNeighbor */
int32_t tml_resize_nearest_index(int32_t value, int32_t in_size, int32_t out_size, int32_t align_corners,
    int32_t half_pixel_centers) {
    const float scale = (align_corners && out_size > 1) ? (float)(in_size - 1) / (float)(out_size - 1)
                                                        : (float)in_size / (float)out_size;
    const float offset = half_pixel_centers ? 0.5f : 0.0f;
    const float x = ((float)value + offset) * scale;
    int32_t v = align_corners ? (int32_t)tml_roundf(x) : (int32_t)floor_f(x);
    if (v > in_size - 1) {
        v = in_size - 1;
    }
    if (half_pixel_centers && v < 0) {
        v = 0;
    }
    return v;
}

tml_status_t tml_resize_nearest(const void *in, const int32_t in_dims[4], int32_t out_h, int32_t out_w,
    int32_t align_corners, int32_t half_pixel_centers, int32_t elem_size, void *out) {
    const size_t col = (size_t)in_dims[3] * (size_t)elem_size;
    const size_t row = (size_t)in_dims[2] * col;
    const uint8_t *ip = (const uint8_t *)in;
    uint8_t *op = (uint8_t *)out;
    if (col == 0) {
        return TML_OK;
    }
    for (int32_t b = 0; b < in_dims[0]; b++) {
        for (int32_t y = 0; y < out_h; y++) {
            const int32_t in_y = tml_resize_nearest_index(y, in_dims[1], out_h, align_corners, half_pixel_centers);
            if (in_y < 0 || in_y >= in_dims[1]) {
                return TML_ERR_KERNEL;
            }
            for (int32_t x = 0; x < out_w; x++) {
                const int32_t in_x =
                    tml_resize_nearest_index(x, in_dims[2], out_w, align_corners, half_pixel_centers);
                if (in_x < 0 || in_x >= in_dims[2]) {
                    return TML_ERR_KERNEL;
                }
                memcpy(op, ip + (size_t)in_y * row + (size_t)in_x * col, col);
                op += col;
            }
        }
        ip += (size_t)in_dims[1] * row;
    }
    return TML_OK;
}

/* ---- float32 ---- */

static float bilinear_scale_f32(int32_t in_size, int32_t out_size, int32_t align_corners) {
    if (align_corners && out_size > 1) {
        return (float)(in_size - 1) / (float)(out_size - 1);
    }
    return (float)in_size / (float)out_size;
}

/* reference_ops::ComputeInterpolationValues */
static void interp_f32(int32_t value, float scale, int32_t half_pixel_centers, int32_t in_size, float *scaled,
    int32_t *lower, int32_t *upper) {
    if (half_pixel_centers) {
        *scaled = ((float)value + 0.5f) * scale - 0.5f;
    } else {
        *scaled = (float)value * scale;
    }
    const int32_t lo = (int32_t)floor_f(*scaled);
    const int32_t hi = (int32_t)ceil_f(*scaled);
    *lower = lo > 0 ? lo : 0;
    *upper = hi < in_size - 1 ? hi : in_size - 1;
}

int32_t tml_resize_bilinear_f32_lower(int32_t value, int32_t in_size, int32_t out_size, int32_t align_corners,
    int32_t half_pixel_centers) {
    float s;
    int32_t lo, hi;
    interp_f32(value, bilinear_scale_f32(in_size, out_size, align_corners), half_pixel_centers, in_size, &s, &lo,
        &hi);
    return lo;
}

tml_status_t tml_resize_bilinear_f32(const float *in, const int32_t in_dims[4], int32_t out_h, int32_t out_w,
    int32_t align_corners, int32_t half_pixel_centers, float *out) {
    const int32_t ih = in_dims[1], iw = in_dims[2], depth = in_dims[3];
    const float hs = bilinear_scale_f32(ih, out_h, align_corners);
    const float ws = bilinear_scale_f32(iw, out_w, align_corners);
    for (int32_t b = 0; b < in_dims[0]; b++) {
        const float *img = in + (size_t)b * (size_t)ih * (size_t)iw * (size_t)depth;
        for (int32_t y = 0; y < out_h; y++) {
            float input_y;
            int32_t y0, y1;
            interp_f32(y, hs, half_pixel_centers, ih, &input_y, &y0, &y1);
            if (y0 >= ih || y1 < 0) {
                return TML_ERR_KERNEL;
            }
            for (int32_t x = 0; x < out_w; x++) {
                float input_x;
                int32_t x0, x1;
                interp_f32(x, ws, half_pixel_centers, iw, &input_x, &x0, &x1);
                if (x0 >= iw || x1 < 0) {
                    return TML_ERR_KERNEL;
                }
                const float *p00 = img + ((size_t)y0 * (size_t)iw + (size_t)x0) * (size_t)depth;
                const float *p10 = img + ((size_t)y1 * (size_t)iw + (size_t)x0) * (size_t)depth;
                const float *p01 = img + ((size_t)y0 * (size_t)iw + (size_t)x1) * (size_t)depth;
                const float *p11 = img + ((size_t)y1 * (size_t)iw + (size_t)x1) * (size_t)depth;
                const float dy = input_y - (float)y0, dx = input_x - (float)x0;
                for (int32_t c = 0; c < depth; c++) {
                    /* the expression of ResizeBilinear, rounding_offset 0 for float
                     * (adding +0.0f is kept: it turns -0 into +0 as TFLM's does) */
                    *out++ = p00[c] * (1 - dy) * (1 - dx) + p10[c] * dy * (1 - dx) + p01[c] * (1 - dy) * dx +
                        p11[c] * dy * dx + 0.0f;
                }
            }
        }
    }
    return TML_OK;
}

/* ---- int8 (ResizeBilinearInteger) ---- */

static int32_t bilinear_scale_10(int32_t in_size, int32_t out_size, int32_t align_corners) {
    if (align_corners && out_size > 1) {
        return ((1 << 10) * (in_size - 1) + (out_size - 1) / 2) / (out_size - 1);
    }
    return ((1 << 10) * in_size + out_size / 2) / out_size;
}

/* reference_ops::ComputeInterpolationValuesInteger */
static void interp_10(int32_t value, int32_t scale_10, int32_t half_pixel_centers, int32_t in_size, int32_t *scaled,
    int32_t *lower, int32_t *upper) {
    if (half_pixel_centers) {
        *scaled = value * scale_10 + scale_10 / 2 - (1 << 9);
    } else {
        *scaled = value * scale_10;
    }
    const int32_t lo = *scaled / (1 << 10);
    const int32_t hi = (*scaled + (1 << 10) - 1) / (1 << 10);
    *lower = lo > 0 ? lo : 0;
    *upper = hi < in_size - 1 ? hi : in_size - 1;
}

int32_t tml_resize_bilinear_s8_lower(int32_t value, int32_t in_size, int32_t out_size, int32_t align_corners,
    int32_t half_pixel_centers) {
    int32_t s, lo, hi;
    interp_10(value, bilinear_scale_10(in_size, out_size, align_corners), half_pixel_centers, in_size, &s, &lo, &hi);
    return lo;
}

tml_status_t tml_resize_bilinear_s8(const int8_t *in, const int32_t in_dims[4], int32_t out_h, int32_t out_w,
    int32_t align_corners, int32_t half_pixel_centers, int8_t *out) {
    const int32_t ih = in_dims[1], iw = in_dims[2], depth = in_dims[3];
    const int32_t hs = bilinear_scale_10(ih, out_h, align_corners);
    const int32_t ws = bilinear_scale_10(iw, out_w, align_corners);
    for (int32_t b = 0; b < in_dims[0]; b++) {
        const int8_t *img = in + (size_t)b * (size_t)ih * (size_t)iw * (size_t)depth;
        for (int32_t y = 0; y < out_h; y++) {
            int32_t input_y, y0, y1;
            interp_10(y, hs, half_pixel_centers, ih, &input_y, &y0, &y1);
            if (y0 >= ih || y1 < 0) {
                return TML_ERR_KERNEL;
            }
            const int64_t fy = input_y - (1 << 10) * y0;
            for (int32_t x = 0; x < out_w; x++) {
                int32_t input_x, x0, x1;
                interp_10(x, ws, half_pixel_centers, iw, &input_x, &x0, &x1);
                if (x0 >= iw || x1 < 0) {
                    return TML_ERR_KERNEL;
                }
                const int64_t fx = input_x - (1 << 10) * x0;
                const int8_t *p00 = img + ((size_t)y0 * (size_t)iw + (size_t)x0) * (size_t)depth;
                const int8_t *p10 = img + ((size_t)y1 * (size_t)iw + (size_t)x0) * (size_t)depth;
                const int8_t *p01 = img + ((size_t)y0 * (size_t)iw + (size_t)x1) * (size_t)depth;
                const int8_t *p11 = img + ((size_t)y1 * (size_t)iw + (size_t)x1) * (size_t)depth;
                for (int32_t c = 0; c < depth; c++) {
                    const int64_t v = (int64_t)p00[c] * ((1 << 10) - fy) * ((1 << 10) - fx) +
                        (int64_t)p10[c] * fy * ((1 << 10) - fx) + (int64_t)p01[c] * ((1 << 10) - fy) * fx +
                        (int64_t)p11[c] * fy * fx;
                    /* TFLM's default (double rounding) build: round half away from zero */
                    const int64_t round = v > 0 ? (1 << 19) : -(1 << 19);
                    *out++ = (int8_t)((v + round) / (1 << 20));
                }
            }
        }
    }
    return TML_OK;
}

/* tinyml kernels: CAST, as the tflite-micro interpreter's cast kernel
 * (tensorflow/lite/micro/kernels/cast.cc, measured on the tflite-micro
 * wheel): integer to integer wraps (two's complement), float to integer
 * truncates towards zero and saturates with NaN -> 0, integer to float
 * rounds to nearest, bool reads as its byte value, and any value to bool is
 * (value != 0). */
#include <stddef.h>
#include "../tml_kernels.h"

/* float -> integer in [lo, hi], truncating; NaN -> 0 */
static int64_t sat_f32(float x, int64_t lo, int64_t hi) {
    if (x != x) {
        return 0;
    }
    if (x <= (float)lo) {
        return lo;
    }
    if (x >= (float)hi) {
        return hi;
    }
    return (int64_t)x;
}

static int64_t load_int(const void *in, int type, int32_t i) {
    switch (type) {
        case TML_INT8:
            return ((const int8_t *)in)[i];
        case TML_INT16:
            return ((const int16_t *)in)[i];
        case TML_INT32:
            return ((const int32_t *)in)[i];
        case TML_UINT32:
            return ((const uint32_t *)in)[i];
        default: /* TML_BOOL: its byte */
            return ((const uint8_t *)in)[i];
    }
}

static float load_float(const void *in, int type, int32_t i) {
    switch (type) {
        case TML_FLOAT32:
            return ((const float *)in)[i];
        case TML_UINT32:
            return (float)((const uint32_t *)in)[i];
        default:
            return (float)load_int(in, type, i);
    }
}

static int known_type(int type) {
    return type == TML_INT8 || type == TML_INT16 || type == TML_INT32 || type == TML_UINT32 ||
        type == TML_FLOAT32 || type == TML_BOOL;
}

/* v modulo 2^bits, as a signed two's complement value */
static int64_t wrap(int64_t v, int bits) {
    const uint64_t m = ((uint64_t)1 << bits) - 1;
    const uint64_t u = (uint64_t)v & m;
    return (u >> (bits - 1)) ? (int64_t)u - (int64_t)(m + 1) : (int64_t)u;
}

tml_status_t tml_cast(const void *in, int in_type, void *out, int out_type, int32_t n) {
    if (!known_type(in_type) || !known_type(out_type) || n < 0) {
        return TML_ERR_KERNEL;
    }
    const float *f = in_type == TML_FLOAT32 ? (const float *)in : NULL;
    for (int32_t i = 0; i < n; i++) {
        switch (out_type) {
            case TML_FLOAT32:
                ((float *)out)[i] = load_float(in, in_type, i);
                break;
            case TML_BOOL:
                ((uint8_t *)out)[i] = (uint8_t)(f ? f[i] != 0.0f : load_int(in, in_type, i) != 0);
                break;
            case TML_INT8:
                ((int8_t *)out)[i] = (int8_t)(f ? sat_f32(f[i], INT8_MIN, INT8_MAX) : wrap(load_int(in, in_type, i), 8));
                break;
            case TML_INT16:
                ((int16_t *)out)[i] =
                    (int16_t)(f ? sat_f32(f[i], INT16_MIN, INT16_MAX) : wrap(load_int(in, in_type, i), 16));
                break;
            case TML_INT32:
                ((int32_t *)out)[i] =
                    (int32_t)(f ? sat_f32(f[i], INT32_MIN, INT32_MAX) : wrap(load_int(in, in_type, i), 32));
                break;
            default: /* TML_UINT32 */
                ((uint32_t *)out)[i] = (uint32_t)(f ? sat_f32(f[i], 0, UINT32_MAX) : load_int(in, in_type, i));
                break;
        }
    }
    return TML_OK;
}

/* tinyml kernels (portable backend): int8 TRANSPOSE and PAD are the
 * type-generic movers of kernels/portable (TFLM reference_ops::Transpose and
 * PadImpl); the CMSIS-NN backend calls arm_transpose_s8 / arm_pad_s8 instead. */
#include "../tml_kernels.h"

tml_status_t tml_transpose_s8(const int8_t *in, const int32_t *in_dims, const int32_t *perm, int32_t ndims,
    int8_t *out) {
    return tml_transpose(in, in_dims, perm, ndims, 1, out);
}

tml_status_t tml_pad_s8(const int8_t *in, const int32_t in_dims[5], const int32_t before[5], const int32_t after[5],
    int8_t pad_value, int8_t *out) {
    return tml_pad(in, in_dims, before, after, &pad_value, 1, out);
}

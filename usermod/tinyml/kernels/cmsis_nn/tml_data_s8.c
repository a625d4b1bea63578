/* tinyml kernels (CMSIS-NN backend): int8 TRANSPOSE and PAD, as TFLM's
 * tensorflow/lite/micro/kernels/cmsis_nn/transpose.cc (arm_transpose_s8) and
 * cmsis_nn/pad.cc (arm_pad_s8).
 *
 * Cases routed to the portable kernels instead, where arm_transpose_s8 of
 * CMSIS-NN v7.0.0 is not a transpose of the tensor:
 *  - more than 4 dimensions (TFLM's cmsis_nn kernel refuses them);
 *  - the identity permutation: its 2-D path always swaps the two dimensions,
 *    and its MVE 4-D path for perm {0, 1, ...} always swaps the last two
 *    (the core aliases identity transposes, so this only guards direct calls);
 *  - dimensions its uint16_t row/column counters (2-D path, MVE path) or its
 *    MVE uint16 gather offsets (7 * channels) cannot hold. */
#include <stdbool.h>
#include "tml_cmsis_nn.h"

tml_status_t tml_transpose_s8(const int8_t *in, const int32_t *in_dims, const int32_t *perm, int32_t ndims,
    int8_t *out) {
    if (ndims < 1 || ndims > 4) {
        return tml_transpose(in, in_dims, perm, ndims, 1, out);
    }
    int32_t id[4] = { 1, 1, 1, 1 }, od[4] = { 1, 1, 1, 1 };
    uint32_t p[4] = { 0, 1, 2, 3 };
    bool identity = true;
    for (int32_t d = 0; d < ndims; d++) {
        if (perm[d] < 0 || perm[d] >= ndims) {
            return TML_ERR_KERNEL;
        }
        id[d] = in_dims[d];
        od[d] = in_dims[perm[d]];
        p[d] = (uint32_t)perm[d];
        identity = identity && perm[d] == d;
    }
    bool narrow = ndims == 2 && (id[0] > 0xffff || id[1] > 0xffff);
#if defined(ARM_MATH_MVEI)
    /* its MVE path (2-D, and 4-D with perm {0, 1, 3, 2}) gathers 8 rows at uint16 offsets 0..7 * columns */
    narrow = narrow || (ndims == 2 && id[1] > 0xffff / 7) ||
        (ndims == 4 && perm[0] == 0 && perm[1] == 1 && (id[2] > 0xffff || id[3] > 0xffff / 7));
#endif
    if (identity || narrow) {
        return tml_transpose(in, in_dims, perm, ndims, 1, out);
    }
    const cmsis_nn_dims input_dims = { id[0], id[1], id[2], id[3] };
    const cmsis_nn_dims output_dims = { od[0], od[1], od[2], od[3] };
    const cmsis_nn_transpose_params params = { ndims, p };
    return tml_cmsis_status(arm_transpose_s8(in, out, &input_dims, &output_dims, &params));
}

tml_status_t tml_pad_s8(const int8_t *in, const int32_t in_dims[5], const int32_t before[5], const int32_t after[5],
    int8_t pad_value, int8_t *out) {
    /* TFLM's PadEvalInt8 passes the last 4 dimensions: valid when the 5-D
     * shape's first dimension is 1 and unpadded */
    if (in_dims[0] != 1 || before[0] != 0 || after[0] != 0) {
        return tml_pad(in, in_dims, before, after, &pad_value, 1, out);
    }
    for (int d = 1; d < 5; d++) {
        if (in_dims[d] < 0 || before[d] < 0 || after[d] < 0) {
            return TML_ERR_KERNEL;
        }
    }
    const cmsis_nn_dims input_size = { in_dims[1], in_dims[2], in_dims[3], in_dims[4] };
    const cmsis_nn_dims pre_pad = { before[1], before[2], before[3], before[4] };
    const cmsis_nn_dims post_pad = { after[1], after[2], after[3], after[4] };
    return tml_cmsis_status(arm_pad_s8(in, out, pad_value, &input_size, &pre_pad, &post_pad));
}

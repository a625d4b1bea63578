/* tinyml ops: RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR, as TFLM's
 * resize_nearest_neighbor.cc and resize_bilinear.cc. */
#include "tml_ops.h"
#include "../kernels/tml_kernels.h"

enum { OPT_RESIZE_BILINEAR = 15, OPT_RESIZE_NEAREST_NEIGHBOR = 74, RESIZE_MAX_SIZE = 1 << 20 };

/* align_corners and half_pixel_centers option fields of each options table */
static void resize_options(const tml_model_t *m, const tml_op_t *op, int32_t *align_corners, int32_t *half_pixel_centers) {
    const int first = op->builtin == TML_OP_RESIZE_BILINEAR ? 2 : 0; /* after the deprecated new_height/width */
    *align_corners = tml_fb_u8(TML_OPTIONS(m, op), first, 0) != 0;
    *half_pixel_centers = tml_fb_u8(TML_OPTIONS(m, op), first + 1, 0) != 0;
}

static tml_status_t resize_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err, bool bilinear) {
    tml_status_t s = tml_check_io_count(err, op, 2, 2, 1);
    if (s != TML_OK) {
        return s;
    }
    const int opt = bilinear ? OPT_RESIZE_BILINEAR : OPT_RESIZE_NEAREST_NEIGHBOR;
    if (op->options_pos && op->options_type != opt) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, opt);
    }
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *size = tml_op_input(m, op, 1);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    if ((s = tml_check_type(err, op, out, "output", in->type)) != TML_OK) {
        return s;
    }
    if (in->ndims != 4) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input has %d dimensions; 4 are supported", (int)in->ndims);
    }
    if ((s = tml_check_type(err, op, size, "size", TML_INT32)) != TML_OK) {
        return s;
    }
    if (size->ndims != 1 || size->dims[0] != 2) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "size must hold 2 values (height, width)");
    }
    if (size->kind != TML_TENSOR_CONST) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "size tensor must be constant");
    }
    int32_t align, half;
    resize_options(m, op, &align, &half);
    if (bilinear && align && half) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
            "if half_pixel_centers is true, align_corners must be false");
    }
    const int32_t *hw = (const int32_t *)size->data;
    if (hw[0] < 1 || hw[1] < 1 || hw[0] > RESIZE_MAX_SIZE || hw[1] > RESIZE_MAX_SIZE || in->dims[1] < 1 ||
        in->dims[2] < 1 || in->dims[1] > RESIZE_MAX_SIZE || in->dims[2] > RESIZE_MAX_SIZE) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "sizes %dx%d -> %dx%d are not supported (1 to %d)",
            (int)in->dims[1], (int)in->dims[2], (int)hw[0], (int)hw[1], RESIZE_MAX_SIZE);
    }
    const int32_t shape[4] = { in->dims[0], hw[0], hw[1], in->dims[3] };
    if ((s = tml_check_shape(err, op, out, "output", shape, 4)) != TML_OK) {
        return s;
    }
    /* TFLM never clamps the lower interpolation index to the input: check
     * that the last output row/column does not read past it (indices grow
     * with the output coordinate) */
    for (int k = 0; k < 2; k++) {
        const int32_t n_in = in->dims[1 + k], n_out = hw[k];
        int32_t lo;
        if (!bilinear) {
            lo = tml_resize_nearest_index(n_out - 1, n_in, n_out, align, half);
        } else if (in->type == TML_FLOAT32) {
            lo = tml_resize_bilinear_f32_lower(n_out - 1, n_in, n_out, align, half);
        } else {
            /* sizes up to 2^20 keep ResizeBilinearInteger's value * scale_10 in int32 */
            lo = tml_resize_bilinear_s8_lower(n_out - 1, n_in, n_out, align, half);
        }
        if (lo < 0 || lo >= n_in) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "output %s %d maps to input index %d outside [0, %d)",
                k ? "column" : "row", (int)(n_out - 1), (int)lo, (int)n_in);
        }
    }
    return TML_OK;
}

tml_status_t tml_resize_nearest_neighbor_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return resize_prepare(m, op, err, false);
}

tml_status_t tml_resize_nearest_neighbor_eval(tml_model_t *m, tml_op_t *op) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    int32_t align, half;
    resize_options(m, op, &align, &half);
    /* float32 is copied as int32, as TFLM does */
    return tml_resize_nearest(in->data, in->dims, out->dims[1], out->dims[2], align, half,
        (int32_t)tml_type_size(in->type), out->data);
}

tml_status_t tml_resize_bilinear_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return resize_prepare(m, op, err, true);
}

tml_status_t tml_resize_bilinear_eval(tml_model_t *m, tml_op_t *op) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    int32_t align, half;
    resize_options(m, op, &align, &half);
    if (in->type == TML_FLOAT32) {
        return tml_resize_bilinear_f32(in->data, in->dims, out->dims[1], out->dims[2], align, half, out->data);
    }
    return tml_resize_bilinear_s8(in->data, in->dims, out->dims[1], out->dims[2], align, half, out->data);
}

/* tinyml kernels: portable int8 ADD and MUL with broadcasting, bit-exact with
 * TFLM's reference_integer_ops::Add/Mul and BroadcastBinaryOpSimple
 * (tensorflow/lite/kernels/internal/reference/integer_ops/add.h, mul.h,
 * reference/broadcast_loop.h). Used by both backends. */
#include <stdbool.h>
#include "../tml_kernels.h"
#include "../tml_math.h"

typedef void (*tml_row_fn_t)(const void *params, const int8_t *a, int32_t sa, const int8_t *b, int32_t sb,
    int8_t *out, int32_t n);

static void add_row(const void *params, const int8_t *a, int32_t sa, const int8_t *b, int32_t sb, int8_t *out,
    int32_t n) {
    const tml_add_params_t *p = (const tml_add_params_t *)params;
    for (int32_t i = 0; i < n; ++i, a += sa, b += sb) {
        const int32_t in1 = (p->input1_offset + *a) * (1 << p->left_shift);
        const int32_t in2 = (p->input2_offset + *b) * (1 << p->left_shift);
        const int32_t s1 = tml_rounding_divide_by_pot(
            tml_saturating_rounding_doubling_high_mul(in1, p->input1_multiplier), -p->input1_shift);
        const int32_t s2 = tml_rounding_divide_by_pot(
            tml_saturating_rounding_doubling_high_mul(in2, p->input2_multiplier), -p->input2_shift);
        int32_t r = tml_rounding_divide_by_pot(
            tml_saturating_rounding_doubling_high_mul(s1 + s2, p->output_multiplier), -p->output_shift);
        r += p->output_offset;
        r = r < p->activation.min ? p->activation.min : r;
        r = r > p->activation.max ? p->activation.max : r;
        out[i] = (int8_t)r;
    }
}

static void mul_row(const void *params, const int8_t *a, int32_t sa, const int8_t *b, int32_t sb, int8_t *out,
    int32_t n) {
    const tml_mul_params_t *p = (const tml_mul_params_t *)params;
    for (int32_t i = 0; i < n; ++i, a += sa, b += sb) {
        const int32_t in1 = p->input1_offset + *a;
        const int32_t in2 = p->input2_offset + *b;
        int32_t r = p->output_offset +
            tml_multiply_by_quantized_multiplier(in1 * in2, p->output_multiplier, p->output_shift);
        r = r < p->activation.min ? p->activation.min : r;
        r = r > p->activation.max ? p->activation.max : r;
        out[i] = (int8_t)r;
    }
}

static int32_t dim_ext(const tml_shape_t *s, int n, int i) {
    const int k = i - (n - s->ndims);
    return k < 0 ? 1 : s->dims[k];
}

int tml_shapes_match_extended(const tml_shape_t *a, const tml_shape_t *b) {
    const int n = a->ndims > b->ndims ? a->ndims : b->ndims;
    for (int i = 0; i < n; ++i) {
        if (dim_ext(a, n, i) != dim_ext(b, n, i)) {
            return 0;
        }
    }
    return 1;
}

/* Loop nest as BroadcastBinaryOpSimple: dimensions fused where strides allow,
 * loop 0 innermost. */
static tml_status_t broadcast_run(const void *params, tml_row_fn_t row, const tml_shape_t *s1, const int8_t *in1,
    const tml_shape_t *s2, const int8_t *in2, const tml_shape_t *so, int8_t *out) {
    int n = so->ndims;
    n = s1->ndims > n ? s1->ndims : n;
    n = s2->ndims > n ? s2->ndims : n;
    if (n > TML_MAX_DIMS || s1->ndims < 0 || s2->ndims < 0 || so->ndims < 0) {
        return TML_ERR_KERNEL;
    }
    if (n == 0) {
        row(params, in1, 0, in2, 0, out, 1);
        return TML_OK;
    }
    int32_t sa[TML_MAX_DIMS], sb[TML_MAX_DIMS], shape[TML_MAX_DIMS];
    int32_t acc_a = 1, acc_b = 1;
    int loops = 0;
    for (int i = n - 1; i >= 0; --i) {
        const int32_t d1 = dim_ext(s1, n, i), d2 = dim_ext(s2, n, i), d = dim_ext(so, n, i);
        if (d1 <= 0 || d2 <= 0 || d <= 0) {
            return TML_OK; /* empty */
        }
        if ((d1 != d && d1 != 1) || (d2 != d && d2 != 1)) {
            return TML_ERR_KERNEL;
        }
        const int32_t a = (d1 == 1 && d != 1) ? 0 : acc_a;
        const int32_t b = (d2 == 1 && d != 1) ? 0 : acc_b;
        /* Fusable with the previous (inner) loop: extent 1, or both strides
         * continue it (0 stays 0). The output is dense. */
        const int k = loops - 1;
        const bool fuse = loops > 0 && (d == 1 || (a == sa[k] * shape[k] && b == sb[k] * shape[k]));
        if (fuse) {
            shape[loops - 1] *= d;
        } else {
            sa[loops] = a;
            sb[loops] = b;
            shape[loops] = d;
            ++loops;
        }
        acc_a *= d1;
        acc_b *= d2;
    }
    /* Odometer over loops 1..loops-1; loop 0 is one row call. */
    int32_t idx[TML_MAX_DIMS] = {0};
    const int8_t *pa = in1, *pb = in2;
    for (;;) {
        row(params, pa, sa[0], pb, sb[0], out, shape[0]);
        out += shape[0];
        int k = 1;
        for (; k < loops; ++k) {
            pa += sa[k];
            pb += sb[k];
            if (++idx[k] < shape[k]) {
                break;
            }
            pa -= sa[k] * shape[k];
            pb -= sb[k] * shape[k];
            idx[k] = 0;
        }
        if (k >= loops) {
            return TML_OK;
        }
    }
}

tml_status_t tml_add_s8_portable(const tml_add_params_t *params, const tml_shape_t *input1_shape,
    const int8_t *input1, const tml_shape_t *input2_shape, const int8_t *input2, const tml_shape_t *output_shape,
    int8_t *output) {
    return broadcast_run(params, add_row, input1_shape, input1, input2_shape, input2, output_shape, output);
}

tml_status_t tml_mul_s8_portable(const tml_mul_params_t *params, const tml_shape_t *input1_shape,
    const int8_t *input1, const tml_shape_t *input2_shape, const int8_t *input2, const tml_shape_t *output_shape,
    int8_t *output) {
    return broadcast_run(params, mul_row, input1_shape, input1, input2_shape, input2, output_shape, output);
}

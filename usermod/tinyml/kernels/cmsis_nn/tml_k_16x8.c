/* tinyml kernels (CMSIS-NN backend): 16x8 CONV_2D, DEPTHWISE_CONV_2D,
 * FULLY_CONNECTED and pooling, int8 TRANSPOSE_CONV and integer SVDF, calling
 * what TFLM's tensorflow/lite/micro/kernels/cmsis_nn/ kernels call:
 * arm_convolve_wrapper_s16 (conv.cc), arm_depthwise_conv_s16
 * (depthwise_conv.cc), arm_fully_connected_s16 (fully_connected.cc),
 * arm_avgpool_s16 / arm_max_pool_s16 (pooling.cc),
 * arm_transpose_conv_wrapper_s8 (transpose_conv.cc), arm_svdf_s8 /
 * arm_svdf_state_s16_s8 (svdf.cc), arm_batch_matmul_s8 / _s16
 * (batch_matmul.cc). The cases where those CMSIS-NN v7.0.0
 * functions are not bit-exact with TFLM's reference kernels (which the
 * tflite-micro interpreter runs) go to the portable kernels of kernels/portable;
 * each case says why. */
#include <stdbool.h>
#include "tml_cmsis_nn.h"
#include "arm_nnsupportfunctions.h"

/* ---- CONV_2D 16x8 ---- */

static cmsis_nn_conv_params conv_params(const tml_conv_params_t *p) {
    cmsis_nn_conv_params c;
    c.input_offset = 0; /* arm_convolve_s16 takes no offsets (TFLM: zero points 0) */
    c.output_offset = 0;
    c.stride = tml_cmsis_tile(p->stride);
    c.padding = tml_cmsis_tile(p->padding);
    c.dilation = tml_cmsis_tile(p->dilation);
    c.activation = tml_cmsis_act(p->activation);
    return c;
}

/* Portable instead of arm_convolve_s16 when:
 *  - grouped (input channels != filter channels): arm_convolve_s16 has no
 *    groups (TFLM's glue would call it anyway and compute garbage);
 *  - DSP (not MVE), int64 bias, an odd number of output channels and more than
 *    MAX_COL_COUNT (512) columns not a multiple of 4: arm_nn_mat_mult_kernel_s16's
 *    last-row loop takes its leftover count from the full column count after
 *    the capped fast loop, so it reads past the row and double counts. */
static bool conv_s16_portable(const tml_dims_t *input_dims, const tml_dims_t *filter_dims,
    const tml_dims_t *output_dims, const tml_bias_data_t *bias) {
    if (input_dims->c != filter_dims->c) {
        return true;
    }
#if defined(ARM_MATH_DSP) && !defined(ARM_MATH_MVEI)
    const int32_t cols = filter_dims->h * filter_dims->w * filter_dims->c;
    return !bias->is_int32_bias && (output_dims->c & 1) && cols > MAX_COL_COUNT && (cols & 3) != 0;
#else
    (void)output_dims;
    (void)bias;
    return false;
#endif
}

int32_t tml_conv_s16_get_buffer_size(const tml_conv_params_t *p, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
    if (input_dims->c != filter_dims->c) {
        return 0; /* grouped: portable kernel, no scratch */
    }
    const cmsis_nn_conv_params cp = conv_params(p);
    const cmsis_nn_dims id = tml_cmsis_dims(input_dims), od = tml_cmsis_dims(output_dims);
    const cmsis_nn_dims fd = {1, filter_dims->h, filter_dims->w, filter_dims->c};
    return arm_convolve_wrapper_s16_get_buffer_size(&cp, &id, &fd, &od);
}

tml_status_t tml_conv_s16(const tml_context_t *ctx, const tml_conv_params_t *p, const tml_per_channel_quant_params_t *q,
    const tml_dims_t *input_dims, const int16_t *input, const tml_dims_t *filter_dims, const int8_t *filter,
    const tml_bias_data_t *bias, const tml_dims_t *output_dims, int16_t *output) {
    if (conv_s16_portable(input_dims, filter_dims, output_dims, bias)) {
        return tml_conv_s16_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims, output);
    }
    const cmsis_nn_context c = tml_cmsis_ctx(ctx);
    const cmsis_nn_conv_params cp = conv_params(p);
    const cmsis_nn_per_channel_quant_params qp = {q->multiplier, q->shift};
    const cmsis_nn_dims id = tml_cmsis_dims(input_dims), od = tml_cmsis_dims(output_dims);
    const cmsis_nn_dims fd = {1, filter_dims->h, filter_dims->w, filter_dims->c}; /* as TFLM */
    const cmsis_nn_dims bd = {1, 1, 1, output_dims->c};
    const cmsis_nn_bias_data bias_data = {bias->data, bias->is_int32_bias != 0};
    return tml_cmsis_status(
        arm_convolve_wrapper_s16(&c, &cp, &qp, &id, input, &fd, filter, &bd, &bias_data, &od, output));
}

/* ---- DEPTHWISE_CONV_2D 16x8: arm_depthwise_conv_s16, no scratch ---- */

int32_t tml_depthwise_conv_s16_get_buffer_size(const tml_dw_conv_params_t *dw_conv_params,
    const tml_dims_t *input_dims, const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
    (void)dw_conv_params;
    (void)input_dims;
    (void)filter_dims;
    (void)output_dims;
    return 0;
}

tml_status_t tml_depthwise_conv_s16(const tml_context_t *ctx, const tml_dw_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *input_dims, const int16_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int64_t *bias, const tml_dims_t *output_dims,
    int16_t *output) {
    const cmsis_nn_context c = tml_cmsis_ctx(ctx);
    cmsis_nn_dw_conv_params dp;
    dp.input_offset = 0;
    dp.output_offset = 0;
    dp.ch_mult = p->ch_mult;
    dp.stride = tml_cmsis_tile(p->stride);
    dp.padding = tml_cmsis_tile(p->padding);
    dp.dilation = tml_cmsis_tile(p->dilation);
    dp.activation = tml_cmsis_act(p->activation);
    const cmsis_nn_per_channel_quant_params qp = {q->multiplier, q->shift};
    const cmsis_nn_dims id = tml_cmsis_dims(input_dims), fd = tml_cmsis_dims(filter_dims);
    const cmsis_nn_dims bd = {1, 1, 1, output_dims->c}, od = tml_cmsis_dims(output_dims);
    return tml_cmsis_status(arm_depthwise_conv_s16(&c, &dp, &qp, &id, input, &fd, filter, &bd, bias, &od, output));
}

/* ---- FULLY_CONNECTED 16x8 ---- */

/* TFLM's cmsis_nn glue runs arm_fully_connected_s16 for per-tensor weights
 * with an int64 bias and zero points 0 (it refuses others); per-channel
 * weights, int32 accumulation and non-zero zero points run the portable
 * kernel (arm_fully_connected_s16 has no per-channel multipliers, int32
 * requantization or offsets). */
static bool fc_s16_cmsis(const tml_fc_params_t *p, const tml_quant_params_t *q, const tml_bias_data_t *bias) {
    return !q->is_per_channel && !bias->is_int32_bias && p->input_offset == 0 && p->output_offset == 0 &&
        p->filter_offset == 0;
}

int32_t tml_fully_connected_s16_get_buffer_size(const tml_fc_params_t *p, const tml_quant_params_t *q,
    const tml_dims_t *filter_dims, const tml_bias_data_t *bias) {
    if (!fc_s16_cmsis(p, q, bias)) {
        return 0;
    }
    const cmsis_nn_dims fd = tml_cmsis_dims(filter_dims);
    return arm_fully_connected_s16_get_buffer_size(&fd);
}

tml_status_t tml_fully_connected_s16(const tml_context_t *ctx, const tml_fc_params_t *p, const tml_quant_params_t *q,
    const tml_dims_t *input_dims, const int16_t *input, const tml_dims_t *filter_dims, const int8_t *filter,
    const tml_bias_data_t *bias, const tml_dims_t *output_dims, int16_t *output) {
    if (!fc_s16_cmsis(p, q, bias)) {
        return tml_fully_connected_s16_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims,
            output);
    }
    if (input_dims->n != output_dims->n || input_dims->c != filter_dims->n || filter_dims->c != output_dims->c) {
        return TML_ERR_KERNEL;
    }
    const cmsis_nn_context c = tml_cmsis_ctx(ctx);
    cmsis_nn_fc_params fp;
    fp.input_offset = 0;
    fp.filter_offset = 0;
    fp.output_offset = 0;
    fp.activation = tml_cmsis_act(p->activation);
    const cmsis_nn_per_tensor_quant_params qp = {q->multiplier[0], q->shift[0]};
    const cmsis_nn_dims id = {input_dims->n, 1, 1, filter_dims->n};
    const cmsis_nn_dims fd = tml_cmsis_dims(filter_dims);
    const cmsis_nn_dims bd = {1, 1, 1, output_dims->c};
    const cmsis_nn_dims od = {output_dims->n, 1, 1, output_dims->c};
    return tml_cmsis_status(arm_fully_connected_s16(&c, &fp, &qp, &id, input, &fd, filter, &bd,
        (const int64_t *)bias->data, &od, output));
}

/* ---- AVERAGE_POOL_2D / MAX_POOL_2D int16 ---- */

static cmsis_nn_pool_params pool_params(const tml_pool_params_t *p) {
    cmsis_nn_pool_params c;
    c.stride = tml_cmsis_tile(p->stride);
    c.padding = tml_cmsis_tile(p->padding);
    c.activation = tml_cmsis_act(p->activation);
    return c;
}

int32_t tml_avgpool_s16_get_buffer_size(int32_t output_w, int32_t channels) {
    return arm_avgpool_s16_get_buffer_size(output_w, channels);
}

int32_t tml_maxpool_s16_get_buffer_size(int32_t output_w, int32_t channels) {
    (void)output_w;
    (void)channels;
    return 0;
}

tml_status_t tml_avgpool_s16(const tml_context_t *ctx, const tml_pool_params_t *p, const tml_dims_t *input_dims,
    const int16_t *input, const tml_dims_t *filter_dims, const tml_dims_t *output_dims, int16_t *output) {
    const cmsis_nn_context c = tml_cmsis_ctx(ctx);
    const cmsis_nn_pool_params pp = pool_params(p);
    const cmsis_nn_dims id = tml_cmsis_dims(input_dims), fd = tml_cmsis_dims(filter_dims);
    const cmsis_nn_dims od = tml_cmsis_dims(output_dims);
    return tml_cmsis_status(arm_avgpool_s16(&c, &pp, &id, input, &fd, &od, output));
}

tml_status_t tml_maxpool_s16(const tml_context_t *ctx, const tml_pool_params_t *p, const tml_dims_t *input_dims,
    const int16_t *input, const tml_dims_t *filter_dims, const tml_dims_t *output_dims, int16_t *output) {
    const cmsis_nn_context c = tml_cmsis_ctx(ctx);
    const cmsis_nn_pool_params pp = pool_params(p);
    const cmsis_nn_dims id = tml_cmsis_dims(input_dims), fd = tml_cmsis_dims(filter_dims);
    const cmsis_nn_dims od = tml_cmsis_dims(output_dims);
    return tml_cmsis_status(arm_max_pool_s16(&c, &pp, &id, input, &fd, &od, output));
}

/* ---- TRANSPOSE_CONV int8 ---- */

static cmsis_nn_transpose_conv_params tconv_params(const tml_transpose_conv_params_t *p) {
    cmsis_nn_transpose_conv_params c;
    c.input_offset = p->input_offset;
    c.output_offset = p->output_offset;
    c.stride = tml_cmsis_tile(p->stride);
    c.padding = tml_cmsis_tile(p->padding);
    c.padding_offsets.w = c.padding_offsets.h = 0; /* unused by v7.0.0 */
    c.dilation.w = c.dilation.h = 1;
    c.activation = tml_cmsis_act(p->activation);
    return c;
}

static int32_t align8(int32_t n) {
    return (n + 7) & ~7;
}

/* Both buffers TFLM requests (the main one and the reversed filter), one
 * after the other. The main size is arm_transpose_conv_s8_get_buffer_size's
 * except that its column-buffer width uses the x stride (v7.0.0 uses the y
 * stride there, undersizing the buffer arm_transpose_conv_s8 fills when
 * stride.w > max(filter w, stride.h)). */
static int32_t tconv_main_size(const cmsis_nn_transpose_conv_params *cp, const cmsis_nn_dims *id,
    const cmsis_nn_dims *fd, const cmsis_nn_dims *od) {
    const int32_t reverse = arm_transpose_conv_s8_get_reverse_conv_buffer_size(cp, id, fd);
    if (reverse > 0) {
        return arm_transpose_conv_s8_get_buffer_size(cp, id, fd, od);
    }
    const int32_t buf_x = ((id->w - 1) * cp->stride.w + MAX(fd->w, cp->stride.w)) * od->c;
    return buf_x * MAX(fd->h, cp->stride.h) * (int32_t)sizeof(int32_t);
}

/* arm_transpose_conv_s8 (the path for strides > 2 or at most 16 input
 * channels) emits stride.h output rows per input row once the rows above
 * the top padding are passed, then filter.h - stride.h leftover rows, and
 * reads output.w columns from its row buffer after padding.w: it is right
 * only when that row count is the output height, the top padding is a
 * multiple of stride.h, and the columns fit the buffer (as for the output
 * sizes TFLite's converter makes when filter >= stride). Otherwise it writes
 * wrong rows, or past the output (found by randomized tests against the
 * reference); those cases run the portable kernel. */
static bool tconv_s8_rows_ok(const cmsis_nn_transpose_conv_params *cp, const cmsis_nn_dims *id,
    const cmsis_nn_dims *fd, const cmsis_nn_dims *od) {
    if (arm_transpose_conv_s8_get_reverse_conv_buffer_size(cp, id, fd) > 0) {
        return true; /* reverse-convolution path: a plain convolution */
    }
    const int32_t s_y = cp->stride.h, pad_y = cp->padding.h;
    if (pad_y % s_y != 0 || (int64_t)id->h * s_y > (int64_t)pad_y + od->h) {
        return false;
    }
    int64_t rows = (int64_t)(id->h - pad_y / s_y) * s_y;
    for (int32_t y = 0; y < fd->h - s_y; y++) {
        const int64_t g = (int64_t)id->h * s_y + y;
        rows += g >= pad_y && g < (int64_t)pad_y + od->h;
    }
    const int64_t buf_x = (int64_t)(id->w - 1) * cp->stride.w + MAX(fd->w, cp->stride.w);
    return rows == od->h && (int64_t)cp->padding.w + od->w <= buf_x;
}

static int32_t portable_size(const tml_dims_t *output_dims) {
    const int64_t n = (int64_t)output_dims->n * output_dims->h * output_dims->w * output_dims->c * 4;
    return n > INT32_MAX ? -1 : (int32_t)n;
}

int32_t tml_transpose_conv_s8_get_buffer_size(const tml_transpose_conv_params_t *p, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
    const cmsis_nn_transpose_conv_params cp = tconv_params(p);
    const cmsis_nn_dims id = tml_cmsis_dims(input_dims), fd = tml_cmsis_dims(filter_dims);
    const cmsis_nn_dims od = tml_cmsis_dims(output_dims);
    if (!tconv_s8_rows_ok(&cp, &id, &fd, &od)) {
        return portable_size(output_dims);
    }
    return align8(tconv_main_size(&cp, &id, &fd, &od)) + arm_transpose_conv_s8_get_reverse_conv_buffer_size(&cp, &id, &fd);
}

tml_status_t tml_transpose_conv_s8(const tml_context_t *ctx, const tml_transpose_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output) {
    const cmsis_nn_transpose_conv_params cp = tconv_params(p);
    const cmsis_nn_dims id = tml_cmsis_dims(input_dims), fd = tml_cmsis_dims(filter_dims);
    const cmsis_nn_dims od = tml_cmsis_dims(output_dims);
    if (!tconv_s8_rows_ok(&cp, &id, &fd, &od)) {
        if (!ctx || ctx->size < portable_size(output_dims)) {
            return TML_ERR_KERNEL;
        }
        return tml_transpose_conv_s8_portable(ctx->buf, p, q, input_dims, input, filter_dims, filter, bias,
            output_dims, output);
    }
    const cmsis_nn_dims bd = {1, 1, 1, output_dims->c};
    const int32_t main_size = align8(tconv_main_size(&cp, &id, &fd, &od));
    if (!ctx || !ctx->buf || ctx->size < main_size) {
        return TML_ERR_KERNEL;
    }
    const cmsis_nn_context c = {ctx->buf, main_size};
    const cmsis_nn_context reverse = {(int8_t *)ctx->buf + main_size, ctx->size - main_size};
    const cmsis_nn_per_channel_quant_params qp = {q->multiplier, q->shift};
    return tml_cmsis_status(
        arm_transpose_conv_wrapper_s8(&c, &reverse, &cp, &qp, &id, input, &fd, filter, &bd, bias, &od, output));
}

/* ---- SVDF ---- */

/* arm_svdf_* subtract no state zero point (TFLM's reference does, twice):
 * equal only when it is 0; the others run the portable kernel. */
static cmsis_nn_svdf_params svdf_params(const tml_svdf_params_t *p, int32_t state_min, int32_t state_max) {
    cmsis_nn_svdf_params s;
    s.rank = p->rank;
    s.input_offset = p->input_zero_point; /* CMSIS-NN negates it, as TFLM passes it */
    s.output_offset = p->output_zero_point;
    /* The reference clamps the feature products to the state type's range
     * (TFLM's glue passes the int16 range for int8 state too). */
    s.input_activation.min = state_min;
    s.input_activation.max = state_max;
    s.output_activation.min = -128;
    s.output_activation.max = 127;
    return s;
}

static void svdf_dims(const tml_svdf_params_t *p, cmsis_nn_dims *in, cmsis_nn_dims *wf, cmsis_nn_dims *wt,
    cmsis_nn_dims *out) {
    const cmsis_nn_dims i = {p->batches, p->input_size, 1, 1}, f = {p->filters, p->input_size, 1, 1};
    const cmsis_nn_dims t = {p->filters, p->memory, 1, 1}, o = {p->batches, p->filters / p->rank, 1, 1};
    *in = i;
    *wf = f;
    *wt = t;
    *out = o;
}

int32_t tml_svdf_s8_kernel_sums_size(const tml_svdf_params_t *p, int for_mve) {
    const cmsis_nn_dims wf = {p->filters, p->input_size, 1, 1};
    return for_mve ? arm_svdf_s8_get_buffer_size_mve(&wf) : arm_svdf_s8_get_buffer_size(&wf);
}

tml_status_t tml_svdf_s8_kernel_sums(const tml_svdf_params_t *p, const int8_t *weights_feature, int32_t *kernel_sums) {
    return tml_cmsis_status(arm_vector_sum_s8(kernel_sums, p->input_size, p->filters, weights_feature,
        -p->input_zero_point, -p->state_zero_point, NULL));
}

tml_status_t tml_svdf_s8(const tml_context_t *ctx, const tml_svdf_params_t *p, const int8_t *input, int8_t *state,
    const int8_t *weights_feature, const int8_t *weights_time, const int32_t *bias, int8_t *output) {
    if (p->state_zero_point != 0 || p->rank <= 0 || !ctx || !ctx->buf || ctx->size < tml_svdf_s8_get_buffer_size(p)) {
        return tml_svdf_s8_portable(ctx, p, input, state, weights_feature, weights_time, bias, output);
    }
    cmsis_nn_dims id, fd, td, od, bd = {p->filters / p->rank, 1, 1, 1}, sd = {p->batches, p->filters * p->memory, 1, 1};
    svdf_dims(p, &id, &fd, &td, &od);
    const cmsis_nn_svdf_params sp = svdf_params(p, -128, 127);
    const cmsis_nn_per_tensor_quant_params q1 = {p->multiplier_1, p->shift_1}, q2 = {p->multiplier_2, p->shift_2};
    const cmsis_nn_context sums = {(void *)(uintptr_t)p->kernel_sums, 0};
    const cmsis_nn_context a = {ctx->buf, p->batches * p->filters * (int32_t)sizeof(int32_t)};
    const cmsis_nn_context b = {(int32_t *)ctx->buf + p->batches * p->filters, ctx->size - a.size};
    return tml_cmsis_status(arm_svdf_s8(&sums, &a, &b, &sp, &q1, &q2, &id, input, &sd, state, &fd, weights_feature,
        &td, weights_time, &bd, bias, &od, output));
}

tml_status_t tml_svdf_state_s16_s8(const tml_context_t *ctx, const tml_svdf_params_t *p, const int8_t *input,
    int16_t *state, const int8_t *weights_feature, const int16_t *weights_time, const int32_t *bias,
    int8_t *output) {
    if (p->state_zero_point != 0 || p->rank <= 0 || !ctx || !ctx->buf || ctx->size < tml_svdf_s8_get_buffer_size(p)) {
        return tml_svdf_state_s16_s8_portable(ctx, p, input, state, weights_feature, weights_time, bias, output);
    }
    cmsis_nn_dims id, fd, td, od, bd = {p->filters / p->rank, 1, 1, 1}, sd = {p->batches, p->filters * p->memory, 1, 1};
    svdf_dims(p, &id, &fd, &td, &od);
    const cmsis_nn_svdf_params sp = svdf_params(p, -32768, 32767);
    const cmsis_nn_per_tensor_quant_params q1 = {p->multiplier_1, p->shift_1}, q2 = {p->multiplier_2, p->shift_2};
    const cmsis_nn_context a = {ctx->buf, p->batches * p->filters * (int32_t)sizeof(int32_t)};
    const cmsis_nn_context b = {(int32_t *)ctx->buf + p->batches * p->filters, ctx->size - a.size};
    return tml_cmsis_status(arm_svdf_state_s16_s8(&a, &b, &sp, &q1, &q2, &id, input, &sd, state, &fd,
        weights_feature, &td, weights_time, &bd, bias, &od, output));
}

/* ---- BATCH_MATMUL ----
 * TFLM's cmsis_nn/batch_matmul.cc hands arm_batch_matmul_s8 / _s16 the lhs
 * as [M][K] and the rhs transposed to [N][K] (copies of adj_x lhs and non-adj_y
 * rhs). Here the copies go to scratch, one matrix at a time, and CMSIS-NN runs
 * each output matrix of the broadcast batch (dims {1, 1, rows, depth}). */

static int32_t bmm_copies(const tml_bmm_params_t *p, int32_t elem) {
    const int32_t lhs = p->adj_x ? align8(p->rows * p->depth * elem) : 0;
    const int32_t rhs = p->adj_y ? 0 : align8(p->cols * p->depth * elem);
    return lhs + rhs;
}

int32_t tml_batch_matmul_s8_get_buffer_size(const tml_bmm_params_t *p) {
    const cmsis_nn_dims od = {1, 1, 1, p->cols}; /* MVE: one column sum per rhs row */
    return bmm_copies(p, 1) + arm_fully_connected_s8_get_buffer_size(&od);
}

int32_t tml_batch_matmul_s16_get_buffer_size(const tml_bmm_params_t *p) {
    return bmm_copies(p, 2);
}

#define BMM_TRANSPOSE(T, dst, src, rows, cols) /* src [rows][cols] -> dst [cols][rows] */ \
    for (int32_t r_ = 0; r_ < (rows); ++r_) {                                            \
        for (int32_t c_ = 0; c_ < (cols); ++c_) {                                        \
            ((T *)(dst))[(int64_t)c_ * (rows) + r_] = (src)[(int64_t)r_ * (cols) + c_];   \
        }                                                                                \
    }

#define BMM_CMSIS(T, FN, SUMS)                                                                               \
    const int32_t M = p->rows, N = p->cols, K = p->depth;                                                  \
    int8_t *buf = ctx ? ctx->buf : NULL;                                                                    \
    if (!buf && bmm_copies(p, (int32_t)sizeof(T)) + (SUMS) > 0) {                                           \
        return TML_ERR_KERNEL;                                                                              \
    }                                                                                                       \
    T *lhs_t = p->adj_x ? (T *)buf : NULL;                                                                  \
    T *rhs_t = p->adj_y ? NULL : (T *)(buf + (p->adj_x ? align8(M * K * (int32_t)sizeof(T)) : 0));          \
    const cmsis_nn_context sums = {buf ? buf + bmm_copies(p, (int32_t)sizeof(T)) : NULL, SUMS};             \
    cmsis_nn_fc_params fp;                                                                                  \
    fp.input_offset = p->lhs_offset;                                                                        \
    fp.filter_offset = p->rhs_offset;                                                                       \
    fp.output_offset = p->output_offset;                                                                    \
    fp.activation = tml_cmsis_act(p->activation);                                                           \
    const cmsis_nn_bmm_params bp = {p->adj_x != 0, p->adj_y != 0, fp}; /* as TFLM; v7.0.0 reads neither */  \
    const cmsis_nn_per_tensor_quant_params qp = {p->multiplier, p->shift};                                  \
    const cmsis_nn_dims ld = {1, 1, M, K}, rd = {1, 1, N, K}, od = {1, 1, M, N};                           \
    for (int32_t b0 = 0; b0 < p->batch[0]; ++b0) {                                                          \
        for (int32_t b1 = 0; b1 < p->batch[1]; ++b1) {                                                      \
            for (int32_t b2 = 0; b2 < p->batch[2]; ++b2) {                                                  \
                const T *l = lhs + (int64_t)b0 * p->lhs_stride[0] + (int64_t)b1 * p->lhs_stride[1] +        \
                    (int64_t)b2 * p->lhs_stride[2];                                                         \
                const T *r = rhs + (int64_t)b0 * p->rhs_stride[0] + (int64_t)b1 * p->rhs_stride[1] +        \
                    (int64_t)b2 * p->rhs_stride[2];                                                         \
                T *o = output + (((int64_t)b0 * p->batch[1] + b1) * p->batch[2] + b2) * M * N;              \
                if (lhs_t) {                                                                                \
                    BMM_TRANSPOSE(T, lhs_t, l, K, M)                                                         \
                    l = lhs_t;                                                                              \
                }                                                                                           \
                if (rhs_t) {                                                                                \
                    BMM_TRANSPOSE(T, rhs_t, r, K, N)                                                         \
                    r = rhs_t;                                                                              \
                }                                                                                           \
                const arm_cmsis_nn_status st = FN(&sums, &bp, &qp, &ld, l, &rd, r, &od, o);                 \
                if (st != ARM_CMSIS_NN_SUCCESS) {                                                           \
                    return TML_ERR_KERNEL;                                                                  \
                }                                                                                           \
            }                                                                                               \
        }                                                                                                   \
    }                                                                                                       \
    return TML_OK;

tml_status_t tml_batch_matmul_s8(const tml_context_t *ctx, const tml_bmm_params_t *p, const int8_t *lhs,
    const int8_t *rhs, int8_t *output) {
    const cmsis_nn_dims sum_dims = {1, 1, 1, p->cols};
    BMM_CMSIS(int8_t, arm_batch_matmul_s8, arm_fully_connected_s8_get_buffer_size(&sum_dims))
}

tml_status_t tml_batch_matmul_s16(const tml_context_t *ctx, const tml_bmm_params_t *p, const int16_t *lhs,
    const int16_t *rhs, int16_t *output) {
    BMM_CMSIS(int16_t, arm_batch_matmul_s16, 0)
}

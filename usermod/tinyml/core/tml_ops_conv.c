/* tinyml ops: CONV_2D, DEPTHWISE_CONV_2D and TRANSPOSE_CONV, as TFLM's
 * conv.cc / conv_common.cc, depthwise_conv.cc / depthwise_conv_common.cc and
 * transpose_conv.cc (padding as ComputePaddingHeightWidth, multipliers as
 * PopulateConvolutionQuantizationParams):
 *  - int8 activations and weights, int32 bias, per-tensor or per-channel;
 *  - int8 activations with packed int4 weights (TFLM's INT4), as int8;
 *  - 16x8: int16 activations, int8 weights, int64 bias (CONV_2D also int32,
 *    TRANSPOSE_CONV also int16), zero points 0;
 *  - float32. */
#include <stddef.h>
#include <string.h>
#include "tml_op.h"
#include "tml_fmeta.h"
#include "tml_ops.h"
#include "tml_rows.h"
#include "tml_mem.h"
#include "../kernels/tml_math.h"
#include "../kernels/tml_kernels.h"

enum { OPT_CONV_2D = 1, OPT_DEPTHWISE_CONV_2D = 2, OPT_TRANSPOSE_CONV = 49 };

/* Op groups (see tml_ops.c): TRANSPOSE_CONV picks its kernel at prepare. */
#ifndef TML_OPS_INT16
#define TML_OPS_INT16 1
#endif
#ifndef TML_OPS_FLOAT
#define TML_OPS_FLOAT 1
#endif
#ifndef TML_OPS_INT4
#define TML_OPS_INT4 1
#endif

/* Integer op data: kernel parameters, then the per-channel multipliers and
 * shifts (allocated with it, see alloc_data); or, where each eval computes them
 * (op->quant_channels, TML_LOAD_QUANT_PER_CALL), the filter's scales. */
typedef struct {
    union {
        tml_conv_params_t p;
        tml_dw_conv_params_t dw;
    } u;
    union {
        tml_per_channel_quant_params_t q; /* kept: the arrays */
        tml_fb_vec_t scales;              /* per call: the filter's scales in the model bytes */
    } k;
} conv_data_t;

/* 16x8 CONV_2D: which accumulator the reference uses. */
typedef struct {
    conv_data_t c;
    int32_t is_int32_bias;
} conv16_data_t;

typedef struct {
    union {
        tml_conv_params_t p;
        tml_dw_conv_params_t dw;
    } u;
    tml_activation_f32_t act;
} conv_f32_data_t;

typedef struct {
    tml_transpose_conv_params_t p;
    tml_per_channel_quant_params_t q;
    tml_activation_f32_t act; /* float32 */
    int32_t bias_is_int16;    /* 16x8 */
} tconv_data_t;

/* Kernel dims are the tensors' own 4-D shapes (filter: OHWI / 1HWC). */
static tml_dims_t dims4(const tml_tensor_t *t) {
    const tml_dims_t d = {t->dims[0], t->dims[1], t->dims[2], t->dims[3]};
    return d;
}

/* Output size as TFLM's ComputeOutSizeChecked; false if invalid or empty. */
static bool out_size(int padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation, int32_t *out) {
    const int64_t eff = (int64_t)(filter - 1) * dilation + 1;
    const int64_t v = padding == TML_PAD_SAME ? ((int64_t)in + stride - 1) / stride : ((int64_t)in + stride - eff) / stride;
    *out = (int32_t)v;
    return v > 0 && v <= INT32_MAX;
}

/* Leading padding as TFLM's ComputePaddingWithOffsetChecked. */
static int32_t pad_before(int32_t stride, int32_t dilation, int32_t in, int32_t filter, int32_t out) {
    const int64_t eff = (int64_t)(filter - 1) * dilation + 1;
    const int64_t total = ((int64_t)out - 1) * stride + eff - in;
    return total > 0 ? (int32_t)(total / 2) : 0;
}

/* ---- shared checks ---- */

typedef struct {
    tml_tensor_t *in, *filter, *bias, *out;
    int padding, activation;
    int32_t stride_w, stride_h, dil_w, dil_h, depth_multiplier;
    int type;            /* the input type: TML_INT8, TML_INT16 or TML_FLOAT32 */
    int quant_bias_type; /* quantized_bias_type option (CONV_2D) */
    int32_t fold[4];     /* a PAD folded into this op (tml_op_folded_pad): top, bottom, left, right */
} conv_args_t;

/* Checks shared by CONV_2D and DEPTHWISE_CONV_2D: counts, options table,
 * types, ranks, options. */
static tml_status_t common_checks(tml_model_t *m, tml_op_t *op, tml_error_t *err, bool dw, int type, conv_args_t *a) {
    tml_status_t s = tml_check_io_count(err, op, 2, 3, 1);
    if (s != TML_OK) {
        return s;
    }
    const int opt_type = dw ? OPT_DEPTHWISE_CONV_2D : OPT_CONV_2D;
    if (op->options_pos && op->options_type != opt_type) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, opt_type);
    }
    a->type = type;
    tml_op_folded_pad(m, op, a->fold);
    a->in = tml_op_input(m, op, 0);
    a->filter = tml_op_input(m, op, 1);
    a->bias = tml_op_input(m, op, 2);
    a->out = tml_op_output(m, op, 0);
#if !TML_OPS_INT4
    if (type == TML_INT8 && a->filter && a->filter->type == TML_INT4) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
            "filter has type int4; this build leaves int4 weights out (TINYML_OPS_EXCLUDE=int4)");
    }
#endif
    /* int8 activations take int8 or packed int4 weights (TFLM), where the build has them (group INT4) */
    const int w_type = type == TML_FLOAT32 ? TML_FLOAT32
        : TML_OPS_INT4 && type == TML_INT8 && a->filter && a->filter->type == TML_INT4 ? TML_INT4 : TML_INT8;
    if ((s = tml_check_type(err, op, a->in, "input", type)) != TML_OK ||
        (s = tml_check_type(err, op, a->filter, "filter", w_type)) != TML_OK ||
        (s = tml_check_type(err, op, a->out, "output", type)) != TML_OK) {
        return s;
    }
    if (a->bias) {
        if (type == TML_INT16) {
            /* TFLM: int64, or (CONV_2D) int32 with an int32 accumulator */
            if (a->bias->type != TML_INT64 && (dw || a->bias->type != TML_INT32)) {
                return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "bias has type %s; only %s is supported",
                    tml_type_name(a->bias->type), dw ? "int64" : "int64 or int32");
            }
        } else if ((s = tml_check_type(err, op, a->bias, "bias", type == TML_INT8 ? TML_INT32 : TML_FLOAT32)) != TML_OK) {
            return s;
        }
    }
    if (a->in->ndims != 4 || a->filter->ndims != 4 || a->out->ndims != 4) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input, filter and output must be 4-D (got %d-D, %d-D, %d-D)",
            a->in->ndims, a->filter->ndims, a->out->ndims);
    }
    const tml_fb_table_t *o = TML_OPTIONS(m, op);
    a->padding = tml_fb_u8(o, 0, TML_PAD_SAME);
    a->stride_w = tml_fb_i32(o, 1, 0);
    a->stride_h = tml_fb_i32(o, 2, 0);
    a->depth_multiplier = dw ? tml_fb_i32(o, 3, 0) : 1;
    a->activation = tml_fb_u8(o, dw ? 4 : 3, TML_ACT_NONE);
    a->dil_w = tml_fb_i32(o, dw ? 5 : 4, 1);
    a->dil_h = tml_fb_i32(o, dw ? 6 : 5, 1);
    a->quant_bias_type = dw ? TML_FLOAT32 : tml_fb_u8(o, 6, TML_FLOAT32);
    if (a->padding != TML_PAD_SAME && a->padding != TML_PAD_VALID) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "padding %d is not SAME or VALID", a->padding);
    }
    if (a->stride_w <= 0 || a->stride_h <= 0 || a->dil_w <= 0 || a->dil_h <= 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "stride (%d, %d) and dilation (%d, %d) must be positive",
            (int)a->stride_h, (int)a->stride_w, (int)a->dil_h, (int)a->dil_w);
    }
    return TML_OK;
}

/* Quantization of the activations: int8 as tml_check_q8; 16x8: a scale, and
 * zero points 0 (TFLM's 16x8 conv kernels apply none; its CMSIS-NN kernels
 * require 0). */
static tml_status_t check_q(tml_error_t *err, const tml_op_t *op, const tml_tensor_t *t, const char *what) {
    if (t->type == TML_INT8) {
        return tml_check_q8(err, op, t, what);
    }
    if (!(t->scale > 0.0f)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s has no valid quantization scale", what);
    }
    if (t->zero_point != 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "%s zero point is %d; int16 activations need 0", what,
            (int)t->zero_point);
    }
    return TML_OK;
}

/* Multipliers and shifts of `channels` output channels from the filter's scales
 * (one, or one per channel), as PopulateConvolutionQuantizationParams: at load,
 * and in each eval of an op that keeps none (op->quant_channels), the same
 * function on the same values. */
static void conv_multipliers(const tml_fb_t *fb, const tml_fb_vec_t *scales, float in_scale, float out_scale,
    int32_t channels, int32_t *multiplier, int32_t *shift) {
    /* the scales read in place (tml_fb_vec_f32's read, without a call per channel: each eval of an op computing
     * them per call runs this loop) */
    const uint8_t *sp = fb->buf + scales->pos;
    const size_t step = scales->len > 1 ? 4u : 0u;
    for (int32_t c = 0; c < channels; ++c, sp += step) {
        float fs;
        memcpy(&fs, sp, sizeof(fs));
        int sh;
#if defined(__ARM_FP) && ((__ARM_FP) & 8)
        /* double-precision hardware: three double operations */
        tml_quantize_multiplier((double)in_scale * (double)fs / (double)out_scale, &multiplier[c], &sh);
#else
        /* the same result with integer operations (soft double costs a library call per operation) */
        tml_quantize_multiplier_abc(in_scale, fs, out_scale, &multiplier[c], &sh);
#endif
        shift[c] = sh;
    }
}

/* The multipliers and shifts while an op prepares. */
typedef struct {
    tml_per_channel_quant_params_t q; /* the arrays (kept: in the op data; per call: in tmp) */
    tml_fb_vec_t scales;              /* the filter's scales */
    void *tmp;                        /* per call: a temporary block for the arrays, freed by quant_finish */
    int32_t channels;
    bool flash;                       /* the arrays are the flash metadata's (read only, computed on the host) */
} quant_t;

/* Per-channel multipliers/shifts and the activation range, into qa->q (arrays
 * of `channels`) and act. */
static tml_status_t quantize(tml_model_t *m, tml_op_t *op, tml_error_t *err, const tml_tensor_t *in,
    const tml_tensor_t *filter, const tml_tensor_t *out, int activation, int32_t channels, quant_t *qa,
    tml_activation_t *act) {
    tml_status_t s;
    if ((s = check_q(err, op, in, "input")) != TML_OK || (s = check_q(err, op, out, "output")) != TML_OK) {
        return s;
    }
    tml_tensor_scales(m, filter, &qa->scales);
    const int n = (int)qa->scales.len;
    if (n != 1 && n != channels) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "filter has %d quantization scales, expected 1 or %d", n,
            (int)channels);
    }
    if (n > 1 && (s = tml_check_channel_dim(m, err, op, filter, "filter", channels)) != TML_OK) {
        return s;
    }
    if (!qa->flash) {
        conv_multipliers(&m->fb, &qa->scales, in->scale, out->scale, channels, qa->q.multiplier, qa->q.shift);
        if (!qa->tmp && (s = tml_fmeta_note(m, op, TML_FMETA_SLOT_QUANT, TML_META_QUANT, qa->q.multiplier,
                              2 * (size_t)channels * sizeof(int32_t), err)) != TML_OK) {
            return s;
        }
    }
    /* int16 outputs requantize through MultiplyByQuantizedMultiplier(int64_t),
     * which needs shift < 15 (TFLM asserts < 8 in debug builds). */
    const int max_shift = in->type == TML_INT16 ? 14 : 31;
    for (int32_t c = 0; c < channels; ++c) {
        if (qa->q.shift[c] > max_shift) {
            const double fs = (double)tml_fb_vec_f32(&m->fb, &qa->scales, n > 1 ? (uint32_t)c : 0u);
            const double eff = (double)in->scale * fs / (double)out->scale;
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "channel %d effective scale %f is too large", (int)c, eff);
        }
    }
    const bool ok = out->type == TML_INT8
        ? tml_activation_range_s8(activation, out->scale, out->zero_point, &act->min, &act->max)
        : tml_activation_range_s16(activation, out->scale, out->zero_point, &act->min, &act->max);
    if (!ok) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fused activation %d is not supported", activation);
    }
    return TML_OK;
}

/* Op data of `header` bytes followed by the per-channel multipliers and
 * shifts, one block; q points at the arrays. With flash metadata holding them (*flash set), the
 * header only, and q points into the blob. */
static void *alloc_data(tml_model_t *m, const tml_op_t *op, size_t header, int32_t channels,
    tml_per_channel_quant_params_t **q, size_t q_offset, bool *flash, tml_error_t *err) {
    const size_t bytes = 2 * (size_t)channels * sizeof(int32_t);
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const int32_t *f = tml_fmeta_quant(m, op, channels, in && in->type == TML_INT16 ? 14 : 31);
    *flash = f != NULL;
    uint8_t *d = tml_persistent_alloc(m, header + (f ? 0 : bytes), err);
    if (d) {
        tml_meta_move(m, TML_META_QUANT, f ? 0 : bytes);
        *q = (tml_per_channel_quant_params_t *)(d + q_offset);
        /* the kernels only read them */
        (*q)->multiplier = f ? (int32_t *)(uintptr_t)f : (int32_t *)(d + header);
        (*q)->shift = (*q)->multiplier + channels;
    }
    return d;
}

/* Below this many MACs per output channel, an op keeps its multipliers and shifts by default.
 * Computing them (tml_quantize_multiplier, double arithmetic) costs about 180 instructions per
 * channel and eval on a Cortex-M7 with its double-precision FPU, about 1,650 on a Cortex-M3 (soft
 * double); 8 bytes per channel saved (make bench-tflm, BENCH_LOAD_FLAGS=32). With 512, no shared
 * or vision model of the benchmarks pays more than 1.7% on the M7; on the M3 kws pays +8.8%
 * (README, "Multipliers and shifts per call"). One bar for every target: the host tools plan a
 * board's arena with the host library. */
#ifndef TML_QUANT_PER_CALL_MIN_MACS
#define TML_QUANT_PER_CALL_MIN_MACS 512
#endif

/* Whether op (macs set) computes its multipliers and shifts in each eval (TML_LOAD_QUANT_*). */
static bool quant_per_call(const tml_model_t *m, const tml_op_t *op, int32_t channels) {
    if (channels <= 0 || channels > UINT16_MAX || (m->load_flags & TML_LOAD_QUANT_KEEP)) {
        return false;
    }
    if (m->load_flags & TML_LOAD_QUANT_PER_CALL) {
        return true;
    }
    /* flash metadata holds them (or they are being recorded for it): no RAM, no per-call work */
    return !tml_fmeta_active(m) && (uint64_t)op->macs >= (uint64_t)TML_QUANT_PER_CALL_MIN_MACS * (uint64_t)channels;
}

/* The integer op data (header bytes, conv_data_t at k_offset) and room for the multipliers and
 * shifts while preparing (qa): kept after the header, or (per call) in a temporary block. */
static void *alloc_quant(tml_model_t *m, tml_op_t *op, size_t header, int32_t channels, size_t k_offset, quant_t *qa,
    tml_error_t *err) {
    qa->tmp = NULL;
    qa->channels = channels;
    qa->flash = false;
    if (!quant_per_call(m, op, channels)) {
        tml_per_channel_quant_params_t *q;
        void *d = alloc_data(m, op, header, channels, &q, k_offset + offsetof(conv_data_t, k.q), &qa->flash, err);
        if (d) {
            qa->q = *q;
        }
        return d;
    }
    void *d = tml_persistent_alloc(m, header, err);
    if (d && !(qa->tmp = tml_raw_alloc(m, 2 * (size_t)channels * sizeof(int32_t), err))) {
        return NULL;
    }
    if (d) {
        qa->q.multiplier = qa->tmp;
        qa->q.shift = qa->q.multiplier + channels;
    }
    return d;
}

/* After prepare's last use of qa (status s): per call, give the temporary block back and keep the
 * scales instead; the op's eval then needs 8 bytes per channel more scratch (scratch: the kernel's). */
static tml_status_t quant_finish(tml_model_t *m, tml_op_t *op, quant_t *qa, conv_data_t *k, tml_status_t s,
    int32_t scratch) {
    if (qa->tmp) {
        tml_raw_free(m, qa->tmp, 2 * (size_t)qa->channels * sizeof(int32_t));
        qa->tmp = NULL;
        k->k.scales = qa->scales;
        op->quant_channels = (uint16_t)qa->channels;
    }
    if (s == TML_OK) {
        op->scratch_size = scratch + 8 * (int32_t)op->quant_channels;
    }
    return s;
}

/* The multipliers and shifts of op (per call) computed into area (8 * quant_channels bytes). */
static void fill_quant(tml_model_t *m, const tml_op_t *op, const conv_data_t *d, int32_t *area,
    tml_per_channel_quant_params_t *q) {
    const int32_t ch = op->quant_channels;
    q->multiplier = area;
    q->shift = area + ch;
    conv_multipliers(&m->fb, &d->k.scales, tml_op_input(m, op, 0)->scale, tml_op_output(m, op, 0)->scale, ch,
        q->multiplier, q->shift);
}

/* What a whole-op eval passes the kernel: the kept multipliers and shifts, or those computed now
 * into the first 8 * quant_channels bytes of the op's scratch; and the rest of the scratch. */
static const tml_per_channel_quant_params_t *eval_quant(tml_model_t *m, const tml_op_t *op, const conv_data_t *d,
    tml_per_channel_quant_params_t *q, tml_context_t *ctx) {
    uint8_t *buf = op->scratch;
    const int32_t qb = 8 * (int32_t)op->quant_channels, size = op->scratch_size - qb;
    ctx->buf = size > 0 ? buf + qb : NULL;
    ctx->size = size;
    ctx->again = 0;
    if (qb == 0) {
        return &d->k.q;
    }
    fill_quant(m, op, d, (int32_t *)(void *)buf, q);
    return q;
}

static tml_status_t check_bias(tml_error_t *err, const tml_op_t *op, const tml_tensor_t *bias, int32_t channels) {
    if (bias && tml_tensor_elements(bias) != channels) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "bias has %d elements, expected %d",
            (int)tml_tensor_elements(bias), (int)channels);
    }
    return TML_OK;
}

/* The output's declared shape and the bias size, shared by CONV_2D and
 * DEPTHWISE_CONV_2D after their filter checks; sets the padding. */
static tml_status_t check_output(tml_op_t *op, tml_error_t *err, const conv_args_t *a, int32_t f_h, int32_t f_w,
    int32_t out_c, tml_tile_t *padding) {
    const int32_t *id = a->in->dims;
    /* with a folded PAD, the input as the PAD made it: its rows and columns beyond the input's are
     * the input's zero point, which the kernels' padding stands for */
    const int32_t in_h = id[1] + a->fold[0] + a->fold[1], in_w = id[2] + a->fold[2] + a->fold[3];
    int32_t out_h, out_w;
    tml_status_t s;
    if (!out_size(a->padding, in_h, f_h, a->stride_h, a->dil_h, &out_h) ||
        !out_size(a->padding, in_w, f_w, a->stride_w, a->dil_w, &out_w)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "filter %dx%d does not fit the %dx%d input", (int)f_h,
            (int)f_w, (int)in_h, (int)in_w);
    }
    const int32_t expect[4] = {id[0], out_h, out_w, out_c};
    if ((s = tml_check_shape(err, op, a->out, "output", expect, 4)) != TML_OK ||
        (s = check_bias(err, op, a->bias, out_c)) != TML_OK) {
        return s;
    }
    padding->h = pad_before(a->stride_h, a->dil_h, in_h, f_h, out_h) + a->fold[0];
    padding->w = pad_before(a->stride_w, a->dil_w, in_w, f_w, out_w) + a->fold[2];
    return TML_OK;
}

/* The weights a kernel's load-time select may inspect (tml_kernels.h): the
 * constant filter, or NULL if the filter or the bias is computed at run time. */
static const int8_t *const_filter(const conv_args_t *a) {
    const bool ok = a->filter->kind == TML_TENSOR_CONST && a->filter->data &&
        (!a->bias || (a->bias->kind == TML_TENSOR_CONST && a->bias->data));
    return ok ? a->filter->data : NULL;
}

static void fill_conv_params(const conv_args_t *a, const tml_tile_t *padding, tml_conv_params_t *p) {
    p->input_offset = -a->in->zero_point;
    p->output_offset = a->out->zero_point;
    p->stride.w = a->stride_w;
    p->stride.h = a->stride_h;
    p->dilation.w = a->dil_w;
    p->dilation.h = a->dil_h;
    p->padding = *padding;
}

static void fill_dw_params(const conv_args_t *a, const tml_tile_t *padding, int32_t mult, tml_dw_conv_params_t *p) {
    p->input_offset = -a->in->zero_point;
    p->output_offset = a->out->zero_point;
    p->ch_mult = mult;
    p->stride.w = a->stride_w;
    p->stride.h = a->stride_h;
    p->dilation.w = a->dil_w;
    p->dilation.h = a->dil_h;
    p->padding = *padding;
}

/* ---- CONV_2D ---- */

/* Filter shape against the input channels (groups allowed, as TFLM). */
static tml_status_t conv_filter_checks(tml_op_t *op, tml_error_t *err, const conv_args_t *a, tml_tile_t *padding) {
    const int32_t *id = a->in->dims, *fd = a->filter->dims;
    const int32_t out_c = fd[0], f_h = fd[1], f_w = fd[2], f_c = fd[3];
    if (f_c <= 0 || id[3] <= 0 || id[3] % f_c != 0 || out_c <= 0 || out_c % (id[3] / f_c) != 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
            "filter shape [%d, %d, %d, %d] does not fit %d input channels", (int)out_c, (int)f_h, (int)f_w, (int)f_c,
            (int)id[3]);
    }
    return check_output(op, err, a, f_h, f_w, out_c, padding);
}

static void conv_macs(tml_op_t *op, const conv_args_t *a) {
    const int32_t *fd = a->filter->dims;
    op->macs = (uint64_t)tml_tensor_elements(a->out) * (uint64_t)(fd[1] * fd[2]) * (uint64_t)fd[3];
}

#if TML_OPS_INT4
/* int4 weights: the kernel chosen at prepare (the registry row is int8's). */
static tml_status_t conv_2d_eval_s4(tml_model_t *m, tml_op_t *op) {
    const conv_data_t *d = op->data;
    const tml_tensor_t *bias = tml_op_input(m, op, 2);
    const tml_tensor_t *in = tml_op_input(m, op, 0), *filter = tml_op_input(m, op, 1), *out = tml_op_output(m, op, 0);
    const tml_dims_t in_d = dims4(in), f_d = dims4(filter), out_d = dims4(out);
    tml_context_t ctx;
    tml_per_channel_quant_params_t pq;
    const tml_per_channel_quant_params_t *q = eval_quant(m, op, d, &pq, &ctx);
    return tml_conv_s4(&ctx, &d->u.p, q, &in_d, in->data, &f_d, filter->data, bias ? bias->data : NULL, &out_d,
        out->data);
}
#endif

tml_status_t tml_conv_2d_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    conv_args_t a;
    tml_tile_t padding;
    tml_status_t s = common_checks(m, op, err, false, TML_INT8, &a);
    if (s != TML_OK || (s = conv_filter_checks(op, err, &a, &padding)) != TML_OK) {
        return s;
    }
    const int32_t out_c = a.filter->dims[0];
    conv_macs(op, &a);
    quant_t qa;
    conv_data_t *d = alloc_quant(m, op, sizeof(conv_data_t), out_c, 0, &qa, err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    if ((s = quantize(m, op, err, a.in, a.filter, a.out, a.activation, out_c, &qa, &d->u.p.activation)) != TML_OK) {
        return quant_finish(m, op, &qa, d, s, 0);
    }
    const tml_per_channel_quant_params_t *q = &qa.q;
    fill_conv_params(&a, &padding, &d->u.p);
    const tml_dims_t in_d = dims4(a.in), f_d = dims4(a.filter), out_d = dims4(a.out);
#if TML_OPS_INT4
    const bool s4 = a.filter->type == TML_INT4;
#else
    const bool s4 = false;
#endif
    if (!s4) { /* int4 filters: one kernel (the backend's s4 kernel) */
        d->u.p.kernel =
            tml_conv_s8_select(&d->u.p, q, &in_d, &f_d, const_filter(&a), a.bias ? a.bias->data : NULL, &out_d);
        tml_op_set_kernel(op, d->u.p.kernel);
    }
#if TML_OPS_INT4
    const int32_t scratch = s4 ? tml_conv_s4_get_buffer_size(&d->u.p, &in_d, &f_d, &out_d)
                               : tml_conv_s8_get_buffer_size(&d->u.p, &in_d, &f_d, &out_d);
    if (s4) {
        op->eval = conv_2d_eval_s4;
    }
#else
    const int32_t scratch = tml_conv_s8_get_buffer_size(&d->u.p, &in_d, &f_d, &out_d);
#endif
    if (scratch < 0) {
        s = tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "the kernel rejects these dimensions");
        return quant_finish(m, op, &qa, d, s, 0);
    }
    op->data = d;
    return quant_finish(m, op, &qa, d, TML_OK, scratch);
}

tml_status_t tml_conv_2d_eval(tml_model_t *m, tml_op_t *op) {
    const conv_data_t *d = op->data;
    const tml_tensor_t *bias = tml_op_input(m, op, 2);
    const tml_tensor_t *in = tml_op_input(m, op, 0), *filter = tml_op_input(m, op, 1), *out = tml_op_output(m, op, 0);
    const tml_dims_t in_d = dims4(in), f_d = dims4(filter), out_d = dims4(out);
    tml_context_t ctx;
    tml_per_channel_quant_params_t pq;
    const tml_per_channel_quant_params_t *q = eval_quant(m, op, d, &pq, &ctx);
    return tml_conv_s8(&ctx, &d->u.p, q, &in_d, in->data, &f_d, filter->data, bias ? bias->data : NULL, &out_d,
        out->data);
}

/* 16x8: TFLM's ConvEval accumulates in int32 (requantizing with the int32
 * MultiplyByQuantizedMultiplier) when the bias is int32, or when there is no
 * bias and the quantized_bias_type option says int32; else in int64. */
tml_status_t tml_conv_2d_s16_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    conv_args_t a;
    tml_tile_t padding;
    tml_status_t s = common_checks(m, op, err, false, TML_INT16, &a);
    if (s != TML_OK || (s = conv_filter_checks(op, err, &a, &padding)) != TML_OK) {
        return s;
    }
    const int32_t out_c = a.filter->dims[0];
    conv_macs(op, &a);
    quant_t qa;
    conv16_data_t *d = alloc_quant(m, op, sizeof(conv16_data_t), out_c, offsetof(conv16_data_t, c), &qa, err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    if ((s = quantize(m, op, err, a.in, a.filter, a.out, a.activation, out_c, &qa, &d->c.u.p.activation)) != TML_OK) {
        return quant_finish(m, op, &qa, &d->c, s, 0);
    }
    fill_conv_params(&a, &padding, &d->c.u.p);
    d->is_int32_bias = a.bias ? a.bias->type == TML_INT32 : a.quant_bias_type == TML_INT32;
    const tml_dims_t in_d = dims4(a.in), f_d = dims4(a.filter), out_d = dims4(a.out);
    const int32_t scratch = tml_conv_s16_get_buffer_size(&d->c.u.p, &in_d, &f_d, &out_d);
    if (scratch < 0) {
        s = tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "the kernel rejects these dimensions");
        return quant_finish(m, op, &qa, &d->c, s, 0);
    }
    op->data = d;
    return quant_finish(m, op, &qa, &d->c, TML_OK, scratch);
}

tml_status_t tml_conv_2d_s16_eval(tml_model_t *m, tml_op_t *op) {
    const conv16_data_t *d = op->data;
    const tml_tensor_t *bias = tml_op_input(m, op, 2);
    const tml_tensor_t *in = tml_op_input(m, op, 0), *filter = tml_op_input(m, op, 1), *out = tml_op_output(m, op, 0);
    const tml_dims_t in_d = dims4(in), f_d = dims4(filter), out_d = dims4(out);
    tml_context_t ctx;
    tml_per_channel_quant_params_t pq;
    const tml_per_channel_quant_params_t *q = eval_quant(m, op, &d->c, &pq, &ctx);
    const tml_bias_data_t b = {bias ? bias->data : NULL, d->is_int32_bias};
    return tml_conv_s16(&ctx, &d->c.u.p, q, &in_d, in->data, &f_d, filter->data, &b, &out_d, out->data);
}

/* float32: reference_ops::Conv; TFLM's CalculateActivationRange ignores fused
 * activations other than the RELUs (so does this). */
tml_status_t tml_conv_2d_f32_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    conv_args_t a;
    tml_tile_t padding;
    tml_status_t s = common_checks(m, op, err, false, TML_FLOAT32, &a);
    if (s != TML_OK || (s = conv_filter_checks(op, err, &a, &padding)) != TML_OK) {
        return s;
    }
    conv_f32_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    fill_conv_params(&a, &padding, &d->u.p);
    if (!tml_activation_range_f32(a.activation, &d->act.min, &d->act.max)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fused activation %d is not supported", a.activation);
    }
    op->data = d;
    conv_macs(op, &a);
    return TML_OK;
}

tml_status_t tml_conv_2d_f32_eval(tml_model_t *m, tml_op_t *op) {
    const conv_f32_data_t *d = op->data;
    const tml_tensor_t *bias = tml_op_input(m, op, 2);
    const tml_tensor_t *in = tml_op_input(m, op, 0), *filter = tml_op_input(m, op, 1), *out = tml_op_output(m, op, 0);
    const tml_dims_t in_d = dims4(in), f_d = dims4(filter), out_d = dims4(out);
    return tml_conv_f32(&d->u.p, &d->act, &in_d, in->data, &f_d, filter->data, bias ? bias->data : NULL, &out_d,
        out->data);
}

/* ---- DEPTHWISE_CONV_2D ---- */

static tml_status_t dw_filter_checks(tml_op_t *op, tml_error_t *err, const conv_args_t *a, tml_tile_t *padding,
    int32_t *mult) {
    const int32_t *id = a->in->dims, *fd = a->filter->dims;
    const int32_t f_h = fd[1], f_w = fd[2], out_c = fd[3], in_c = id[3];
    if (fd[0] != 1 || in_c <= 0 || out_c <= 0 || out_c % in_c != 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
            "filter shape [%d, %d, %d, %d] does not fit %d input channels (expected [1, h, w, %d * multiplier])",
            (int)fd[0], (int)f_h, (int)f_w, (int)out_c, (int)in_c, (int)in_c);
    }
    *mult = out_c / in_c;
    if (a->depth_multiplier != 0 && a->depth_multiplier != *mult) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
            "depth_multiplier option is %d but the shapes give %d (%d output / %d input channels)",
            (int)a->depth_multiplier, (int)*mult, (int)out_c, (int)in_c);
    }
    return check_output(op, err, a, f_h, f_w, out_c, padding);
}

static void dw_macs(tml_op_t *op, const conv_args_t *a) {
    op->macs = (uint64_t)tml_tensor_elements(a->out) * (uint64_t)(a->filter->dims[1] * a->filter->dims[2]);
}

#if TML_OPS_INT4
/* int4 weights (int8 activations): the kernel chosen at prepare. */
static tml_status_t depthwise_conv_2d_eval_s4(tml_model_t *m, tml_op_t *op) {
    const conv_data_t *d = op->data;
    const tml_tensor_t *bias = tml_op_input(m, op, 2);
    const tml_tensor_t *in = tml_op_input(m, op, 0), *filter = tml_op_input(m, op, 1), *out = tml_op_output(m, op, 0);
    const tml_dims_t in_d = dims4(in), f_d = dims4(filter), out_d = dims4(out);
    tml_context_t ctx;
    tml_per_channel_quant_params_t pq;
    const tml_per_channel_quant_params_t *q = eval_quant(m, op, d, &pq, &ctx);
    return tml_depthwise_conv_s4(&ctx, &d->u.dw, q, &in_d, in->data, &f_d, filter->data,
        bias ? bias->data : NULL, &out_d, out->data);
}
#endif

/* int8 (with int8 or int4 weights) and 16x8 share the integer op data. */
static tml_status_t dw_prepare_q(tml_model_t *m, tml_op_t *op, tml_error_t *err, int type) {
    conv_args_t a;
    tml_tile_t padding;
    int32_t mult;
    tml_status_t s = common_checks(m, op, err, true, type, &a);
    if (s != TML_OK || (s = dw_filter_checks(op, err, &a, &padding, &mult)) != TML_OK) {
        return s;
    }
    const int32_t out_c = a.filter->dims[3];
    dw_macs(op, &a);
    quant_t qa;
    conv_data_t *d = alloc_quant(m, op, sizeof(conv_data_t), out_c, 0, &qa, err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    if ((s = quantize(m, op, err, a.in, a.filter, a.out, a.activation, out_c, &qa, &d->u.dw.activation)) != TML_OK) {
        return quant_finish(m, op, &qa, d, s, 0);
    }
    const tml_per_channel_quant_params_t *q = &qa.q;
    fill_dw_params(&a, &padding, mult, &d->u.dw);
    const tml_dims_t in_d = dims4(a.in), f_d = dims4(a.filter), out_d = dims4(a.out);
    int32_t scratch;
#if TML_OPS_INT4
    if (a.filter->type == TML_INT4) {
        scratch = tml_depthwise_conv_s4_get_buffer_size(&d->u.dw, &in_d, &f_d, &out_d);
        op->eval = depthwise_conv_2d_eval_s4;
    } else
#endif
    if (type == TML_INT8) {
        d->u.dw.kernel = tml_depthwise_conv_s8_select(&d->u.dw, q, &in_d, &f_d, const_filter(&a),
            a.bias ? a.bias->data : NULL, &out_d);
        tml_op_set_kernel(op, d->u.dw.kernel);
        scratch = tml_depthwise_conv_s8_get_buffer_size(&d->u.dw, &in_d, &f_d, &out_d);
    } else {
        scratch = tml_depthwise_conv_s16_get_buffer_size(&d->u.dw, &in_d, &f_d, &out_d);
    }
    if (scratch < 0) {
        s = tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "the kernel rejects these dimensions");
        return quant_finish(m, op, &qa, d, s, 0);
    }
    op->data = d;
    return quant_finish(m, op, &qa, d, TML_OK, scratch);
}

tml_status_t tml_depthwise_conv_2d_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return dw_prepare_q(m, op, err, TML_INT8);
}

tml_status_t tml_depthwise_conv_2d_eval(tml_model_t *m, tml_op_t *op) {
    const conv_data_t *d = op->data;
    const tml_tensor_t *bias = tml_op_input(m, op, 2);
    const tml_tensor_t *in = tml_op_input(m, op, 0), *filter = tml_op_input(m, op, 1), *out = tml_op_output(m, op, 0);
    const tml_dims_t in_d = dims4(in), f_d = dims4(filter), out_d = dims4(out);
    tml_context_t ctx;
    tml_per_channel_quant_params_t pq;
    const tml_per_channel_quant_params_t *q = eval_quant(m, op, d, &pq, &ctx);
    return tml_depthwise_conv_s8(&ctx, &d->u.dw, q, &in_d, in->data, &f_d, filter->data, bias ? bias->data : NULL,
        &out_d, out->data);
}

tml_status_t tml_depthwise_conv_2d_s16_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return dw_prepare_q(m, op, err, TML_INT16);
}

tml_status_t tml_depthwise_conv_2d_s16_eval(tml_model_t *m, tml_op_t *op) {
    const conv_data_t *d = op->data;
    const tml_tensor_t *bias = tml_op_input(m, op, 2);
    const tml_tensor_t *in = tml_op_input(m, op, 0), *filter = tml_op_input(m, op, 1), *out = tml_op_output(m, op, 0);
    const tml_dims_t in_d = dims4(in), f_d = dims4(filter), out_d = dims4(out);
    tml_context_t ctx;
    tml_per_channel_quant_params_t pq;
    const tml_per_channel_quant_params_t *q = eval_quant(m, op, d, &pq, &ctx);
    return tml_depthwise_conv_s16(&ctx, &d->u.dw, q, &in_d, in->data, &f_d, filter->data,
        bias ? bias->data : NULL, &out_d, out->data);
}

tml_status_t tml_depthwise_conv_2d_f32_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    conv_args_t a;
    tml_tile_t padding;
    int32_t mult;
    tml_status_t s = common_checks(m, op, err, true, TML_FLOAT32, &a);
    if (s != TML_OK || (s = dw_filter_checks(op, err, &a, &padding, &mult)) != TML_OK) {
        return s;
    }
    conv_f32_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    fill_dw_params(&a, &padding, mult, &d->u.dw);
    if (!tml_activation_range_f32(a.activation, &d->act.min, &d->act.max)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fused activation %d is not supported", a.activation);
    }
    op->data = d;
    dw_macs(op, &a);
    return TML_OK;
}

tml_status_t tml_depthwise_conv_2d_f32_eval(tml_model_t *m, tml_op_t *op) {
    const conv_f32_data_t *d = op->data;
    const tml_tensor_t *bias = tml_op_input(m, op, 2);
    const tml_tensor_t *in = tml_op_input(m, op, 0), *filter = tml_op_input(m, op, 1), *out = tml_op_output(m, op, 0);
    const tml_dims_t in_d = dims4(in), f_d = dims4(filter), out_d = dims4(out);
    return tml_depthwise_conv_f32(&d->u.dw, &d->act, &in_d, in->data, &f_d, filter->data, bias ? bias->data : NULL,
        &out_d, out->data);
}

/* ---- by rows (tml_rows.h): int8 CONV_2D and DEPTHWISE_CONV_2D ---- */

/* Not with packed int4 weights: their kernels (tml_conv_s4, tml_depthwise_conv_s4) are not called by rows,
 * so those convolutions run whole, never in place or in a stage (tml_op_rows refuses them already, as
 * their prepare replaces the row's eval; this says so where the kernels are called). */
static bool conv_rows_ok(const tml_model_t *m, const tml_op_t *op) {
    const tml_tensor_t *in = &m->tensors[op->inputs[0]], *out = &m->tensors[OUTS(op)[0]];
    return in->dims[0] == 1 && out->dims[0] == 1 && m->tensors[op->inputs[1]].type != TML_INT4;
}

/* Stride, padding and dilated filter height of the rows (conv and depthwise share the layout of these
 * fields: tml_conv_params_t and tml_dw_conv_params_t differ before them only by ch_mult). */
static void conv_geom_of(const tml_model_t *m, const tml_op_t *op, bool dw, tml_row_geom_t *g) {
    const conv_data_t *d = op->data;
    const int32_t f_h = m->tensors[op->inputs[1]].dims[1];
    g->stride = dw ? d->u.dw.stride.h : d->u.p.stride.h;
    g->pad = dw ? d->u.dw.padding.h : d->u.p.padding.h;
    g->span = (f_h - 1) * (dw ? d->u.dw.dilation.h : d->u.p.dilation.h) + 1;
}

static void conv_geom(const tml_model_t *m, const tml_op_t *op, int k, tml_row_geom_t *g) {
    (void)k;
    conv_geom_of(m, op, false, g);
}

static void dw_geom(const tml_model_t *m, const tml_op_t *op, int k, tml_row_geom_t *g) {
    (void)k;
    conv_geom_of(m, op, true, g);
}

/* The kernel's view of a call: input dims and pointer from the first row the range reads, the
 * leading padding that row leaves, output dims of the range. */
typedef struct {
    tml_dims_t in, filter, out;
    const int8_t *input;
    int32_t pad_h;
} conv_view_t;

static void conv_view(tml_model_t *m, const tml_op_t *op, bool dw, const tml_rows_call_t *c, conv_view_t *v) {
    const tml_tensor_t *in = tml_op_input(m, op, 0), *filter = tml_op_input(m, op, 1);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    tml_row_geom_t g;
    conv_geom_of(m, op, dw, &g);
    const int32_t start = tml_row_first(&g, c->y0);
    v->in = dims4(in);
    /* exactly the rows the range reads: some kernels size their work by the input (the 1x1 ones) */
    v->in.h = tml_row_end(&g, c->y1 - 1, in->dims[1]) - start;
    v->input = (const int8_t *)c->in[0] + (start - c->in_y0[0]) * tml_tensor_row_bytes(in);
    v->pad_h = start - (c->y0 * g.stride - g.pad);
    v->filter = dims4(filter);
    v->out = dims4(out);
    v->out.h = c->y1 - c->y0;
}

static int32_t conv_rows_scratch(tml_model_t *m, const tml_op_t *op, const tml_rows_call_t *c) {
    const conv_data_t *d = op->data;
    conv_view_t v;
    conv_view(m, op, false, c, &v);
    tml_conv_params_t p = d->u.p;
    p.padding.h = v.pad_h;
    return tml_conv_s8_get_buffer_size(&p, &v.in, &v.filter, &v.out);
}

/* The multipliers and shifts of a call: kept, or (per call) in the executor's area for the op,
 * computed by the eval's first call. NULL if the executor gave none. */
static const tml_per_channel_quant_params_t *rows_quant(tml_model_t *m, const tml_op_t *op, const tml_rows_call_t *c,
    tml_per_channel_quant_params_t *q) {
    const conv_data_t *d = op->data;
    if (op->quant_channels == 0) {
        return &d->k.q;
    }
    if (!c->quant) {
        return NULL;
    }
    if (c->y0 == 0) {
        fill_quant(m, op, d, c->quant, q);
    } else {
        q->multiplier = c->quant;
        q->shift = c->quant + op->quant_channels;
    }
    return q;
}

static tml_status_t conv_rows_run(tml_model_t *m, const tml_op_t *op, const tml_rows_call_t *c) {
    const conv_data_t *d = op->data;
    tml_per_channel_quant_params_t pq;
    const tml_per_channel_quant_params_t *q = rows_quant(m, op, c, &pq);
    if (!q) {
        return TML_ERR_STATE;
    }
    const tml_tensor_t *bias = tml_op_input(m, op, 2);
    conv_view_t v;
    conv_view(m, op, false, c, &v);
    tml_conv_params_t p = d->u.p;
    p.padding.h = v.pad_h;
    /* the executor's area (the plan's largest call: at least this call's) */
    const tml_context_t ctx = {c->scratch_size > 0 ? c->scratch : NULL, c->scratch_size, c->again};
    return tml_conv_s8(&ctx, &p, q, &v.in, v.input, &v.filter, tml_op_input(m, op, 1)->data,
        bias ? bias->data : NULL, &v.out, c->out);
}

static int32_t dw_rows_scratch(tml_model_t *m, const tml_op_t *op, const tml_rows_call_t *c) {
    const conv_data_t *d = op->data;
    conv_view_t v;
    conv_view(m, op, true, c, &v);
    tml_dw_conv_params_t p = d->u.dw;
    p.padding.h = v.pad_h;
    return tml_depthwise_conv_s8_get_buffer_size(&p, &v.in, &v.filter, &v.out);
}

static tml_status_t dw_rows_run(tml_model_t *m, const tml_op_t *op, const tml_rows_call_t *c) {
    const conv_data_t *d = op->data;
    tml_per_channel_quant_params_t pq;
    const tml_per_channel_quant_params_t *q = rows_quant(m, op, c, &pq);
    if (!q) {
        return TML_ERR_STATE;
    }
    const tml_tensor_t *bias = tml_op_input(m, op, 2);
    conv_view_t v;
    conv_view(m, op, true, c, &v);
    tml_dw_conv_params_t p = d->u.dw;
    p.padding.h = v.pad_h;
    /* the executor's area (the plan's largest call: at least this call's) */
    const tml_context_t ctx = {c->scratch_size > 0 ? c->scratch : NULL, c->scratch_size, c->again};
    return tml_depthwise_conv_s8(&ctx, &p, q, &v.in, v.input, &v.filter, tml_op_input(m, op, 1)->data,
        bias ? bias->data : NULL, &v.out, c->out);
}

const tml_rows_impl_t tml_conv_2d_rows = {1, conv_rows_ok, conv_geom, conv_rows_scratch, conv_rows_run};
const tml_rows_impl_t tml_depthwise_conv_2d_rows = {1, conv_rows_ok, dw_geom, dw_rows_scratch, dw_rows_run};

/* ---- TRANSPOSE_CONV ----
 * Inputs: 0 output_shape (int32 [4]), 1 filter [out_c, h, w, in_c], 2 input,
 * 3 bias (optional). The output tensor's own shape is the output size, as in
 * TFLM (a constant output_shape must agree with it). */
enum { TC_SHAPE = 0, TC_FILTER = 1, TC_INPUT = 2, TC_BIAS = 3 };

static tml_status_t tconv_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err, int type) {
    tml_status_t s = tml_check_io_count(err, op, 3, 4, 1);
    if (s != TML_OK) {
        return s;
    }
    if (op->options_pos && op->options_type != OPT_TRANSPOSE_CONV) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, OPT_TRANSPOSE_CONV);
    }
    tml_tensor_t *shape = tml_op_input(m, op, TC_SHAPE), *filter = tml_op_input(m, op, TC_FILTER);
    tml_tensor_t *in = tml_op_input(m, op, TC_INPUT), *bias = tml_op_input(m, op, TC_BIAS);
    tml_tensor_t *out = tml_op_output(m, op, 0);
    if ((s = tml_check_type(err, op, in, "input", type)) != TML_OK ||
        (s = tml_check_type(err, op, filter, "filter", type == TML_FLOAT32 ? TML_FLOAT32 : TML_INT8)) != TML_OK ||
        (s = tml_check_type(err, op, out, "output", type)) != TML_OK ||
        (s = tml_check_type(err, op, shape, "output_shape", TML_INT32)) != TML_OK) {
        return s;
    }
    int32_t bias_is_int16 = 0;
    if (bias) {
        if (type == TML_INT16) {
            if (bias->type != TML_INT64 && bias->type != TML_INT16) {
                return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "bias has type %s; only int64 or int16 is supported",
                    tml_type_name(bias->type));
            }
            bias_is_int16 = bias->type == TML_INT16;
        } else if ((s = tml_check_type(err, op, bias, "bias", type == TML_INT8 ? TML_INT32 : TML_FLOAT32)) != TML_OK) {
            return s;
        }
    }
    if (in->ndims != 4 || filter->ndims != 4 || out->ndims != 4) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input, filter and output must be 4-D (got %d-D, %d-D, %d-D)",
            in->ndims, filter->ndims, out->ndims);
    }
    if (shape->ndims != 1 || shape->dims[0] != 4) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "output_shape must be a 1-D tensor of 4 values");
    }
    if (shape->kind == TML_TENSOR_CONST && shape->data) {
        const int32_t *v = shape->data;
        for (int i = 0; i < 4; ++i) {
            if (v[i] != out->dims[i]) {
                return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
                    "output_shape [%d, %d, %d, %d] differs from the output tensor's shape", (int)v[0], (int)v[1],
                    (int)v[2], (int)v[3]);
            }
        }
    }
    const int32_t *id = in->dims, *fd = filter->dims, *od = out->dims;
    if (id[0] != od[0] || fd[3] != id[3] || fd[0] != od[3] || fd[0] <= 0 || fd[1] <= 0 || fd[2] <= 0 || id[3] <= 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
            "filter [%d, %d, %d, %d] does not map the input [%d, %d, %d, %d] to the output [%d, %d, %d, %d]",
            (int)fd[0], (int)fd[1], (int)fd[2], (int)fd[3], (int)id[0], (int)id[1], (int)id[2], (int)id[3],
            (int)od[0], (int)od[1], (int)od[2], (int)od[3]);
    }
    if ((s = check_bias(err, op, bias, od[3])) != TML_OK) {
        return s;
    }
    const tml_fb_table_t *o = TML_OPTIONS(m, op);
    const int padding = tml_fb_u8(o, 0, TML_PAD_SAME);
    const int32_t stride_w = tml_fb_i32(o, 1, 0), stride_h = tml_fb_i32(o, 2, 0);
    const int activation = tml_fb_u8(o, 3, TML_ACT_NONE);
    if (padding != TML_PAD_SAME && padding != TML_PAD_VALID) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "padding %d is not SAME or VALID", padding);
    }
    if (stride_w <= 0 || stride_h <= 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "stride (%d, %d) must be positive", (int)stride_h,
            (int)stride_w);
    }
    /* ComputePaddingHeightWidth over the output size, as for a convolution
     * from the output back to the input. */
    int32_t conv_h, conv_w;
    if (!out_size(padding, od[1], fd[1], stride_h, 1, &conv_h) || !out_size(padding, od[2], fd[2], stride_w, 1, &conv_w)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "filter %dx%d does not fit the %dx%d output", (int)fd[1],
            (int)fd[2], (int)od[1], (int)od[2]);
    }
    const int32_t channels = od[3];
    tconv_data_t *d;
    tml_per_channel_quant_params_t *q = NULL;
    quant_t qa;
    qa.tmp = NULL;
    qa.flash = false;
    if (type == TML_FLOAT32) {
        d = tml_persistent_alloc(m, sizeof(*d), err);
    } else {
        d = alloc_data(m, op, sizeof(*d), channels, &q, offsetof(tconv_data_t, q), &qa.flash, err);
    }
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    d->p.stride.w = stride_w;
    d->p.stride.h = stride_h;
    d->p.padding.h = pad_before(stride_h, 1, od[1], fd[1], conv_h);
    d->p.padding.w = pad_before(stride_w, 1, od[2], fd[2], conv_w);
    d->bias_is_int16 = bias_is_int16;
    const tml_dims_t in_d = dims4(in), f_d = dims4(filter), out_d = dims4(out);
    int32_t scratch = 0;
    if (type == TML_FLOAT32) {
        if (!tml_activation_range_f32(activation, &d->act.min, &d->act.max)) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fused activation %d is not supported", activation);
        }
    } else {
        qa.q = *q;
        if ((s = quantize(m, op, err, in, filter, out, activation, channels, &qa, &d->p.activation)) != TML_OK) {
            return s;
        }
        d->p.input_offset = -in->zero_point;
        d->p.output_offset = out->zero_point;
        scratch = type == TML_INT8 ? tml_transpose_conv_s8_get_buffer_size(&d->p, &in_d, &f_d, &out_d)
                                   : tml_transpose_conv_s16_get_buffer_size(&out_d);
        if (scratch < 0) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "the kernel rejects these dimensions");
        }
    }
    op->data = d;
    op->scratch_size = scratch;
    op->macs = (uint64_t)tml_tensor_elements(in) * (uint64_t)fd[0] * (uint64_t)fd[1] * (uint64_t)fd[2];
    return TML_OK;
}

static tml_status_t tconv_eval_s8(tml_model_t *m, tml_op_t *op) {
    const tconv_data_t *d = op->data;
    const tml_tensor_t *bias = tml_op_input(m, op, TC_BIAS);
    const tml_tensor_t *in = tml_op_input(m, op, TC_INPUT), *filter = tml_op_input(m, op, TC_FILTER);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    const tml_dims_t in_d = dims4(in), f_d = dims4(filter), out_d = dims4(out);
    const tml_context_t ctx = {op->scratch_size > 0 ? op->scratch : NULL, op->scratch_size, 0};
    return tml_transpose_conv_s8(&ctx, &d->p, &d->q, &in_d, in->data, &f_d, filter->data, bias ? bias->data : NULL,
        &out_d, out->data);
}

#if TML_OPS_INT16
static tml_status_t tconv_eval_s16(tml_model_t *m, tml_op_t *op) {
    const tconv_data_t *d = op->data;
    const tml_tensor_t *bias = tml_op_input(m, op, TC_BIAS);
    const tml_tensor_t *in = tml_op_input(m, op, TC_INPUT), *filter = tml_op_input(m, op, TC_FILTER);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    const tml_dims_t in_d = dims4(in), f_d = dims4(filter), out_d = dims4(out);
    const tml_context_t ctx = {op->scratch_size > 0 ? op->scratch : NULL, op->scratch_size, 0};
    return tml_transpose_conv_s16(&ctx, &d->p, &d->q, &in_d, in->data, &f_d, filter->data, bias ? bias->data : NULL,
        d->bias_is_int16, &out_d, out->data);
}
#endif

#if TML_OPS_FLOAT
static tml_status_t tconv_eval_f32(tml_model_t *m, tml_op_t *op) {
    const tconv_data_t *d = op->data;
    const tml_tensor_t *bias = tml_op_input(m, op, TC_BIAS);
    const tml_tensor_t *in = tml_op_input(m, op, TC_INPUT), *filter = tml_op_input(m, op, TC_FILTER);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    const tml_dims_t in_d = dims4(in), f_d = dims4(filter), out_d = dims4(out);
    return tml_transpose_conv_f32(&d->p, &d->act, &in_d, in->data, &f_d, filter->data, bias ? bias->data : NULL,
        &out_d, out->data);
}
#endif

/* The kernel for the data input's type (the registry row is keyed on input
 * 0, the int32 output shape). */
tml_status_t tml_transpose_conv_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    const tml_tensor_t *in = op->n_inputs > TC_INPUT ? tml_op_input(m, op, TC_INPUT) : NULL;
    const int type = in ? in->type : -1;
    switch (type) {
        case TML_INT8:
            op->eval = tconv_eval_s8;
            return tconv_prepare(m, op, err, TML_INT8);
#if TML_OPS_INT16
        case TML_INT16:
            op->eval = tconv_eval_s16;
            return tconv_prepare(m, op, err, TML_INT16);
#endif
#if TML_OPS_FLOAT
        case TML_FLOAT32:
            op->eval = tconv_eval_f32;
            return tconv_prepare(m, op, err, TML_FLOAT32);
#endif
        default:
            if (!in) {
                return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input (input 2) is missing");
            }
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input has type %s; this build runs int8%s%s",
                tml_type_name(type), TML_OPS_INT16 ? ", int16" : "", TML_OPS_FLOAT ? ", float32" : "");
    }
}

tml_status_t tml_transpose_conv_eval(tml_model_t *m, tml_op_t *op) {
    return op->eval == tml_transpose_conv_eval ? TML_ERR_STATE : op->eval(m, op);
}

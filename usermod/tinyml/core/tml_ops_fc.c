/* tinyml ops: FULLY_CONNECTED (int8 activations and weights, optional int32
 * bias, per-tensor or per-channel; int8 activations with packed int4 weights,
 * per-tensor as TFLM; 16x8 with int64 or int32 bias; float32),
 * as TFLM's fully_connected.cc and
 * fully_connected_common.cc (CalculateOpDataFullyConnected). The input is
 * flattened to [batches, accum_depth]; the output shape follows keep_num_dims
 * as TFLite's FullyConnected Prepare computes it. */
#include <string.h>
#include "tml_op.h"
#include "tml_fmeta.h"
#include "../kernels/tml_math.h"
#include "../kernels/tml_kernels.h"

enum { OPT_FULLY_CONNECTED = 8 };

/* Where the backend's kernels want kernel sums (CMSIS-NN on MVE): 1 precomputes them at load into
 * the op's record (persistent: 4 bytes per output unit), 0 has the kernel compute them at each call
 * into its scratch (shared by every operator; TFLM's default). Built with 0 only to measure the trade
 * (README, "Benchmarks vs TFLM", MPS3_AN547). */
#ifndef TML_FC_SUMS_AT_LOAD
#define TML_FC_SUMS_AT_LOAD 1
#endif

/* Op group INT4 (see tml_ops.c): packed int4 weights. */
#ifndef TML_OPS_INT4
#define TML_OPS_INT4 1
#endif

/* 16x8: one persistent block, this struct, then the multipliers and shifts (1 or units each). */
typedef struct {
    tml_fc_params_t p;
    tml_quant_params_t q;
    int32_t batches, accum, units;
} fc_data_t;

static void fc_dims(const fc_data_t *d, tml_dims_t *in, tml_dims_t *filter, tml_dims_t *out) {
    *in = (tml_dims_t){d->batches, 1, 1, d->accum};
    *filter = (tml_dims_t){d->accum, 1, 1, d->units};
    *out = (tml_dims_t){d->batches, 1, 1, d->units};
}

/* int8 activations (int8 or packed int4 weights): only what invoke reads, compactly (24 bytes, with
 * the per-tensor multiplier and shift, instead of fc_data_t's 56 and 8 on a 32-bit core); each call
 * builds the kernel's parameter structs from it and the filter's dims [units, depth] on the stack.
 * Per tensor the multiplier and shift are here; per channel `units` multipliers then `units` shifts
 * follow the record; then the kernel sums, where the backend precomputes them. FC8_EXTERN (flash
 * metadata): two pointers follow the record instead, to the multipliers and shifts and to the sums,
 * in the blob or (an array it lacked) after the pointers. */
enum { FC8_PER_CHANNEL = 1, FC8_SUMS = 2, FC8_EXTERN = 4 };
typedef struct {
    int32_t batches;
    int32_t multiplier;     /* per tensor */
    int32_t filter_offset;  /* any zero point the model gives its weights */
    int16_t input_offset, output_offset; /* int8 zero points, negated for the input */
    int8_t act_min, act_max; /* an int8 output's clamp */
    int8_t shift;           /* per tensor */
    uint8_t output_rank, kernel, flags; /* flags: FC8_* */
} fc8_data_t;

/* The kernel's parameters from the record (units: the filter's); shift: storage for the per-tensor shift. */
static inline void fc8_params(fc8_data_t *d, int32_t units, tml_fc_params_t *p, tml_quant_params_t *q,
    int32_t *shift) {
    const int32_t n_q = d->flags & FC8_PER_CHANNEL ? units : 0;
    int32_t *arrays = (int32_t *)(d + 1), *sums = arrays + 2 * n_q;
    if (d->flags & FC8_EXTERN) {
        int32_t *const *ext = (int32_t *const *)(void *)(d + 1);
        arrays = ext[0];
        sums = ext[1];
    }
    p->input_offset = d->input_offset;
    p->filter_offset = d->filter_offset;
    p->output_offset = d->output_offset;
    p->activation.min = d->act_min;
    p->activation.max = d->act_max;
    p->output_rank = d->output_rank;
    p->kernel = d->kernel;
    p->kernel_sums = d->flags & FC8_SUMS ? sums : NULL;
    *shift = d->shift;
    q->is_per_channel = n_q > 0;
    q->multiplier = n_q ? arrays : &d->multiplier;
    q->shift = n_q ? arrays + n_q : shift;
}

typedef struct {
    tml_tensor_t *in, *filter, *bias, *out;
    int activation, quant_bias_type;
    int32_t batches, accum, units;
} fc_args_t;

/* Counts, options, types (input type `type`; int8 weights for the integer
 * types; bias int32, int64/int32 for 16x8, float32) and shapes, as
 * CalculateOpDataFullyConnected and TFLite's FullyConnected Prepare. */
static tml_status_t fc_checks(tml_model_t *m, tml_op_t *op, tml_error_t *err, int type, fc_args_t *a) {
    tml_status_t s = tml_check_io_count(err, op, 2, 3, 1);
    if (s != TML_OK) {
        return s;
    }
    if (op->options_pos && op->options_type != OPT_FULLY_CONNECTED) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, OPT_FULLY_CONNECTED);
    }
    tml_tensor_t *in = tml_op_input(m, op, 0), *filter = tml_op_input(m, op, 1);
    tml_tensor_t *bias = tml_op_input(m, op, 2), *out = tml_op_output(m, op, 0);
#if !TML_OPS_INT4
    if (type == TML_INT8 && filter && filter->type == TML_INT4) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
            "filter has type int4; this build leaves int4 weights out (TINYML_OPS_EXCLUDE=int4)");
    }
#endif
    /* int8 activations take int8 or packed int4 weights (TFLM), where the build has them (group INT4) */
    const int w_type = type == TML_FLOAT32 ? TML_FLOAT32
        : TML_OPS_INT4 && type == TML_INT8 && filter && filter->type == TML_INT4 ? TML_INT4 : TML_INT8;
    if ((s = tml_check_type(err, op, in, "input", type)) != TML_OK ||
        (s = tml_check_type(err, op, filter, "filter", w_type)) != TML_OK ||
        (s = tml_check_type(err, op, out, "output", type)) != TML_OK) {
        return s;
    }
    if (bias && type == TML_INT16) {
        if (bias->type != TML_INT64 && bias->type != TML_INT32) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "bias has type %s; only int64 or int32 is supported",
                tml_type_name(bias->type));
        }
    } else if (bias && (s = tml_check_type(err, op, bias, "bias", type == TML_INT8 ? TML_INT32 : TML_FLOAT32)) != TML_OK) {
        return s;
    }
    const int activation = tml_fb_u8(TML_OPTIONS(m, op), 0, TML_ACT_NONE);
    const int weights_format = tml_fb_u8(TML_OPTIONS(m, op), 1, 0);
    const bool keep_num_dims = tml_fb_u8(TML_OPTIONS(m, op), 2, 0) != 0;
    if (weights_format != 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "weights format %d is not supported (only DEFAULT)",
            weights_format);
    }
    if (filter->ndims != 2 || filter->dims[0] <= 0 || filter->dims[1] <= 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "filter must be 2-D [units, depth], got %d-D",
            filter->ndims);
    }
    const int32_t units = filter->dims[0], accum = filter->dims[1];
    const int32_t in_elems = tml_tensor_elements(in);
    if (in->ndims < 1 || in_elems % accum != 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input of %d elements is not a multiple of depth %d",
            (int)in_elems, (int)accum);
    }
    const int32_t batches = in_elems / accum;
    int32_t expect[TML_MAX_DIMS];
    int n_expect = 2;
    if (keep_num_dims) {
        if (in->dims[in->ndims - 1] != accum) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
                "keep_num_dims: input's last dimension %d differs from the filter depth %d",
                (int)in->dims[in->ndims - 1], (int)accum);
        }
        n_expect = in->ndims;
        for (int i = 0; i < n_expect; ++i) {
            expect[i] = in->dims[i];
        }
        expect[n_expect - 1] = units;
    } else {
        expect[0] = batches;
        expect[1] = units;
    }
    if ((s = tml_check_shape(err, op, out, "output", expect, n_expect)) != TML_OK) {
        return s;
    }
    if (bias && tml_tensor_elements(bias) != units) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "bias has %d elements, expected %d",
            (int)tml_tensor_elements(bias), (int)units);
    }
    a->in = in;
    a->filter = filter;
    a->bias = bias;
    a->out = out;
    a->activation = activation;
    a->quant_bias_type = tml_fb_u8(TML_OPTIONS(m, op), 4, TML_FLOAT32);
    a->batches = batches;
    a->accum = accum;
    a->units = units;
    return TML_OK;
}

/* Multipliers and shifts into q (n_q entries), as CalculateOpDataFullyConnected:
 * per-channel from each filter scale, per-tensor through
 * GetQuantizedConvolutionMultipler (bias scale checked). */
static tml_status_t fc_multipliers(tml_model_t *m, tml_op_t *op, tml_error_t *err, const fc_args_t *a, int n_scales,
    int max_shift, tml_quant_params_t *q) {
    const tml_tensor_t *in = a->in, *filter = a->filter, *bias = a->bias, *out = a->out;
    int shift;
    if (n_scales > 1) {
        for (int32_t c = 0; c < a->units; ++c) {
            const double eff = (double)in->scale * (double)tml_tensor_scale_at(m, filter, c) / (double)out->scale;
            tml_quantize_multiplier(eff, &q->multiplier[c], &shift);
            if (shift > max_shift) {
                return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "channel %d effective scale %f is too large", (int)c,
                    eff);
            }
            q->shift[c] = shift;
        }
        return TML_OK;
    }
    /* GetQuantizedConvolutionMultipler: bias scale must match input*filter. */
    const double product = (double)in->scale * (double)filter->scale;
    if (bias) {
        const double diff = product > (double)bias->scale ? product - bias->scale : bias->scale - product;
        if (diff / (double)out->scale > 0.02) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
                "bias scale %f differs from input scale * filter scale %f", (double)bias->scale, product);
        }
    }
    /* The source reads static_cast<double>(input_scale * filter_scale) (a
     * float product), but the reference interpreter (tflite-micro
     * 0.dev20261023) computes the product in double: match it. */
    const double real = product / (double)out->scale;
    tml_quantize_multiplier(real, &q->multiplier[0], &shift);
    if (shift > max_shift) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "effective scale %f is too large", real);
    }
    q->shift[0] = shift;
    return TML_OK;
}

static int fc_num_scales(tml_model_t *m, tml_op_t *op, tml_error_t *err, const fc_args_t *a, tml_status_t *s) {
    const int n_scales = tml_tensor_num_scales(m, a->filter);
    *s = TML_OK;
    if (n_scales < 1 || (n_scales > 1 && n_scales != a->units)) {
        *s = tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "filter has %d quantization scales, expected 1 or %d",
            n_scales, (int)a->units);
    }
    return n_scales;
}

#if TML_OPS_INT4
/* int4 weights: the kernel chosen at prepare (the registry row is int8's). */
static tml_status_t fully_connected_eval_s4(tml_model_t *m, tml_op_t *op) {
    fc8_data_t *d = op->data;
    const tml_tensor_t *bias = tml_op_input(m, op, 2), *filter = tml_op_input(m, op, 1);
    const tml_context_t ctx = {op->scratch_size > 0 ? op->scratch : NULL, op->scratch_size, 0};
    const int32_t units = filter->dims[0], accum = filter->dims[1];
    tml_fc_params_t p;
    tml_quant_params_t q;
    int32_t shift;
    fc8_params(d, units, &p, &q, &shift);
    const tml_dims_t in_d = {d->batches, 1, 1, accum}, f_d = {accum, 1, 1, units}, out_d = {d->batches, 1, 1, units};
    return tml_fully_connected_s4(&ctx, &p, &q, &in_d, tml_op_input(m, op, 0)->data, &f_d, filter->data,
        bias ? bias->data : NULL, &out_d, tml_op_output(m, op, 0)->data);
}
#endif

tml_status_t tml_fully_connected_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    fc_args_t a;
    tml_status_t s = fc_checks(m, op, err, TML_INT8, &a);
    if (s != TML_OK) {
        return s;
    }
    tml_tensor_t *in = a.in, *filter = a.filter, *bias = a.bias, *out = a.out;
    const int32_t units = a.units, accum = a.accum, batches = a.batches;
    if ((s = tml_check_q8(err, op, in, "input")) != TML_OK || (s = tml_check_q8(err, op, out, "output")) != TML_OK) {
        return s;
    }
    const int n_scales = fc_num_scales(m, op, err, &a, &s);
    if (s != TML_OK) {
        return s;
    }
    if (n_scales > 1 && (s = tml_check_channel_dim(m, err, op, filter, "filter", units)) != TML_OK) {
        return s;
    }
    const bool s4 = filter->type == TML_INT4;
    if (s4 && n_scales > 1) {
        /* TFLM's CalculateOpDataFullyConnected refuses it too */
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
            "int4 weights are quantized per channel (%d scales); int4 FULLY_CONNECTED needs one scale per tensor",
            n_scales);
    }
    fc_data_t f;
    memset(&f, 0, sizeof(f));
    if (!tml_activation_range_s8(a.activation, out->scale, out->zero_point, &f.p.activation.min, &f.p.activation.max)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fused activation %d is not supported", a.activation);
    }
    f.p.input_offset = -in->zero_point;
    f.p.filter_offset = -filter->zero_point;
    f.p.output_offset = out->zero_point;
    f.p.output_rank = out->ndims;
    f.q.is_per_channel = n_scales > 1;
    f.batches = batches;
    f.accum = accum;
    f.units = units;
    tml_dims_t in_d, f_d, out_d;
    fc_dims(&f, &in_d, &f_d, &out_d);
    const bool const_weights =
        filter->kind == TML_TENSOR_CONST && filter->data && (!bias || (bias->kind == TML_TENSOR_CONST && bias->data));
    const int32_t sums = TML_FC_SUMS_AT_LOAD && const_weights && !s4
        ? tml_fully_connected_s8_kernel_sums_size(&f.p, &f.q, &f_d, &out_d, tml_fmeta_mve(m)) : 0;
    if (sums < 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "the kernel rejects these dimensions");
    }
    /* the quantization arrays after the record only per channel (per tensor: in it) */
    const size_t n_q = (size_t)(n_scales > 1 ? units : 0);
    const size_t q_bytes = 2 * n_q * sizeof(int32_t), s_bytes = (size_t)(sums > 0 ? sums : 0);
    /* the arrays the flash metadata holds (NULL: computed here into RAM) */
    const int32_t *q_flash = n_q ? tml_fmeta_quant(m, op, (int32_t)n_q, 31) : NULL;
    const int32_t *s_flash = tml_fmeta_array(m, op, TML_FMETA_SLOT_SUMS, TML_META_KERNEL_SUMS, s_bytes);
    const size_t ext = q_flash || s_flash ? 2 * sizeof(int32_t *) : 0;
    const size_t q_ram = q_flash ? 0 : q_bytes, s_ram = s_flash ? 0 : s_bytes;
    fc8_data_t *d = tml_persistent_alloc(m, sizeof(*d) + ext + q_ram + s_ram, err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    tml_meta_move(m, TML_META_QUANT, n_q ? q_ram : sizeof(int32_t) + 1);
    tml_meta_move(m, TML_META_KERNEL_SUMS, s_ram);
    if (ext) {
        const int32_t **e = (const int32_t **)(void *)(d + 1);
        int32_t *ram = (int32_t *)(void *)((uint8_t *)(d + 1) + ext);
        e[0] = q_flash ? q_flash : ram;
        e[1] = s_flash ? s_flash : ram + q_ram / sizeof(int32_t);
    }
    d->batches = batches;
    d->input_offset = (int16_t)f.p.input_offset;
    d->filter_offset = f.p.filter_offset;
    d->output_offset = (int16_t)f.p.output_offset;
    d->act_min = (int8_t)f.p.activation.min;
    d->act_max = (int8_t)f.p.activation.max;
    d->output_rank = (uint8_t)f.p.output_rank;
    d->flags = (uint8_t)((n_q ? FC8_PER_CHANNEL : 0) | (sums > 0 ? FC8_SUMS : 0) | (ext ? FC8_EXTERN : 0));
    tml_fc_params_t p;
    tml_quant_params_t q;
    int32_t shift;
    fc8_params(d, units, &p, &q, &shift);
    if (!q_flash && (s = fc_multipliers(m, op, err, &a, n_scales, 31, &q)) != TML_OK) {
        return s;
    }
    if (n_q && (s = tml_fmeta_note(m, op, TML_FMETA_SLOT_QUANT, TML_META_QUANT, q.multiplier, q_bytes, err)) != TML_OK) {
        return s;
    }
    /* per tensor: the shift into the record (in [-31, 31]: tml_quantize_multiplier gives at least -31,
     * fc_multipliers refused more than 31) */
    d->shift = (int8_t)shift;
    p.kernel = tml_fully_connected_s8_select(&p, &q, &in_d, &f_d, const_weights ? filter->data : NULL,
        bias ? bias->data : NULL, &out_d);
    d->kernel = (uint8_t)p.kernel;
    tml_op_set_kernel(op, p.kernel);
    if (sums > 0 && !s_flash) {
        if (tml_fully_connected_s8_kernel_sums(&p, &q, &f_d, filter->data, bias ? bias->data : NULL,
                (int32_t *)(uintptr_t)p.kernel_sums) != TML_OK) {
            return tml_op_fail(err, TML_ERR_KERNEL, op, "kernel sum precomputation failed");
        }
        if ((s = tml_fmeta_note(m, op, TML_FMETA_SLOT_SUMS, TML_META_KERNEL_SUMS, p.kernel_sums, s_bytes, err)) !=
            TML_OK) {
            return s;
        }
    }
#if TML_OPS_INT4
    const int32_t scratch = s4 ? tml_fully_connected_s4_get_buffer_size(&p, &q, &in_d, &f_d, &out_d)
                               : tml_fully_connected_s8_get_buffer_size(&p, &q, &in_d, &f_d, &out_d);
    if (s4) {
        op->eval = fully_connected_eval_s4;
    }
#else
    const int32_t scratch = tml_fully_connected_s8_get_buffer_size(&p, &q, &in_d, &f_d, &out_d);
#endif
    if (scratch < 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "the kernel rejects these dimensions");
    }
    op->data = d;
    op->scratch_size = scratch;
    op->macs = (uint64_t)batches * (uint64_t)units * (uint64_t)accum;
    return TML_OK;
}

tml_status_t tml_fully_connected_eval(tml_model_t *m, tml_op_t *op) {
    fc8_data_t *d = op->data;
    const tml_tensor_t *bias = tml_op_input(m, op, 2), *filter = tml_op_input(m, op, 1);
    const tml_context_t ctx = {op->scratch_size > 0 ? op->scratch : NULL, op->scratch_size, 0};
    const int32_t units = filter->dims[0], accum = filter->dims[1];
    tml_fc_params_t p;
    tml_quant_params_t q;
    int32_t shift;
    fc8_params(d, units, &p, &q, &shift);
    const tml_dims_t in_d = {d->batches, 1, 1, accum}, f_d = {accum, 1, 1, units}, out_d = {d->batches, 1, 1, units};
    return tml_fully_connected_s8(&ctx, &p, &q, &in_d, tml_op_input(m, op, 0)->data, &f_d, filter->data,
        bias ? bias->data : NULL, &out_d, tml_op_output(m, op, 0)->data);
}


/* ---- 16x8: reference_integer_ops::FullyConnected[PerChannel]<int16_t,
 * int8_t, int16_t, AccumScalar>, int32 accumulation for an int32 bias (or no
 * bias with quantized_bias_type int32), else int64 ---- */

typedef struct {
    fc_data_t f;
    int32_t is_int32_bias;
} fc16_data_t;

static tml_status_t check_q16(tml_error_t *err, const tml_op_t *op, const tml_tensor_t *t, const char *what) {
    if (!(t->scale > 0.0f)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s has no valid quantization scale", what);
    }
    if (t->zero_point < -32768 || t->zero_point > 32767) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s zero point %d is outside the int16 range", what,
            (int)t->zero_point);
    }
    return TML_OK;
}

tml_status_t tml_fully_connected_s16_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    fc_args_t a;
    tml_status_t s = fc_checks(m, op, err, TML_INT16, &a);
    if (s != TML_OK || (s = check_q16(err, op, a.in, "input")) != TML_OK ||
        (s = check_q16(err, op, a.out, "output")) != TML_OK) {
        return s;
    }
    const int n_scales = fc_num_scales(m, op, err, &a, &s);
    if (s != TML_OK) {
        return s;
    }
    const int32_t is_int32_bias = a.bias ? a.bias->type == TML_INT32 : a.quant_bias_type == TML_INT32;
    const size_t n_q = (size_t)(n_scales > 1 ? a.units : 1);
    fc16_data_t *d = tml_persistent_alloc(m, sizeof(*d) + 2 * n_q * sizeof(int32_t), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    tml_meta_move(m, TML_META_QUANT, 2 * n_q * sizeof(int32_t));
    d->is_int32_bias = is_int32_bias;
    d->f.q.multiplier = (int32_t *)(d + 1);
    d->f.q.shift = d->f.q.multiplier + n_q;
    d->f.q.is_per_channel = n_scales > 1;
    /* MultiplyByQuantizedMultiplier(int64_t) needs shift < 15. */
    if ((s = fc_multipliers(m, op, err, &a, n_scales, is_int32_bias ? 31 : 14, &d->f.q)) != TML_OK) {
        return s;
    }
    if (!tml_activation_range_s16(a.activation, a.out->scale, a.out->zero_point, &d->f.p.activation.min,
            &d->f.p.activation.max)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fused activation %d is not supported", a.activation);
    }
    d->f.p.input_offset = -a.in->zero_point;
    d->f.p.filter_offset = -a.filter->zero_point;
    d->f.p.output_offset = a.out->zero_point;
    d->f.p.output_rank = a.out->ndims;
    d->f.batches = a.batches;
    d->f.accum = a.accum;
    d->f.units = a.units;
    tml_dims_t in_d, f_d, out_d;
    fc_dims(&d->f, &in_d, &f_d, &out_d);
    const tml_bias_data_t b = {NULL, is_int32_bias};
    const int32_t scratch = tml_fully_connected_s16_get_buffer_size(&d->f.p, &d->f.q, &f_d, &b);
    if (scratch < 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "the kernel rejects these dimensions");
    }
    op->data = d;
    op->scratch_size = scratch;
    op->macs = (uint64_t)a.batches * (uint64_t)a.units * (uint64_t)a.accum;
    return TML_OK;
}

tml_status_t tml_fully_connected_s16_eval(tml_model_t *m, tml_op_t *op) {
    const fc16_data_t *d = op->data;
    const tml_tensor_t *bias = tml_op_input(m, op, 2);
    const tml_context_t ctx = {op->scratch_size > 0 ? op->scratch : NULL, op->scratch_size, 0};
    const tml_bias_data_t b = {bias ? bias->data : NULL, d->is_int32_bias};
    tml_dims_t in_d, f_d, out_d;
    fc_dims(&d->f, &in_d, &f_d, &out_d);
    return tml_fully_connected_s16(&ctx, &d->f.p, &d->f.q, &in_d, tml_op_input(m, op, 0)->data, &f_d,
        tml_op_input(m, op, 1)->data, &b, &out_d, tml_op_output(m, op, 0)->data);
}

/* ---- float32: reference_ops::FullyConnected ---- */

typedef struct {
    tml_activation_f32_t act;
    int32_t batches, accum, units;
} fc_f32_data_t;

tml_status_t tml_fully_connected_f32_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    fc_args_t a;
    tml_status_t s = fc_checks(m, op, err, TML_FLOAT32, &a);
    if (s != TML_OK) {
        return s;
    }
    fc_f32_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    if (!tml_activation_range_f32(a.activation, &d->act.min, &d->act.max)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fused activation %d is not supported", a.activation);
    }
    d->batches = a.batches;
    d->accum = a.accum;
    d->units = a.units;
    op->data = d;
    op->macs = (uint64_t)a.batches * (uint64_t)a.units * (uint64_t)a.accum;
    return TML_OK;
}

tml_status_t tml_fully_connected_f32_eval(tml_model_t *m, tml_op_t *op) {
    const fc_f32_data_t *d = op->data;
    const tml_tensor_t *bias = tml_op_input(m, op, 2);
    return tml_fully_connected_f32(&d->act, d->batches, d->accum, d->units, tml_op_input(m, op, 0)->data,
        tml_op_input(m, op, 1)->data, bias ? bias->data : NULL, tml_op_output(m, op, 0)->data);
}

/* tinyml ops: AVERAGE_POOL_2D and MAX_POOL_2D (int8, int16, float32), as
 * TFLM's pooling.cc and pooling_common.cc (PoolingPrepare: same input/output
 * quantization). */
#include "tml_op.h"
#include "tml_ops.h"
#include "tml_rows.h"
#include "../kernels/tml_kernels.h"

enum { OPT_POOL_2D = 5 };

typedef struct {
    tml_pool_params_t p;
    tml_dims_t in, filter, out;
} pool_data_t;

typedef struct {
    pool_data_t q;
    tml_activation_f32_t act;
} pool_f32_data_t;

static bool out_size(int padding, int32_t in, int32_t filter, int32_t stride, int32_t *out) {
    const int64_t v = padding == TML_PAD_SAME ? ((int64_t)in + stride - 1) / stride : ((int64_t)in + stride - filter) / stride;
    *out = (int32_t)v;
    return v > 0 && v <= INT32_MAX;
}

static int32_t pad_before(int32_t stride, int32_t in, int32_t filter, int32_t out) {
    const int64_t total = ((int64_t)out - 1) * stride + filter - in;
    return total > 0 ? (int32_t)(total / 2) : 0;
}

static tml_status_t pool_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err, bool is_avg, int type) {
    tml_status_t s = tml_check_io_count(err, op, 1, 1, 1);
    if (s != TML_OK) {
        return s;
    }
    if (op->options_pos && op->options_type != OPT_POOL_2D) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, OPT_POOL_2D);
    }
    tml_tensor_t *in = tml_op_input(m, op, 0), *out = tml_op_output(m, op, 0);
    if ((s = tml_check_type(err, op, in, "input", type)) != TML_OK ||
        (s = tml_check_type(err, op, out, "output", type)) != TML_OK) {
        return s;
    }
    if (in->ndims != 4) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input must be 4-D, got %d-D", in->ndims);
    }
    const tml_fb_table_t *o = TML_OPTIONS(m, op);
    const int padding = tml_fb_u8(o, 0, TML_PAD_SAME);
    const int32_t stride_w = tml_fb_i32(o, 1, 0), stride_h = tml_fb_i32(o, 2, 0);
    const int32_t f_w = tml_fb_i32(o, 3, 0), f_h = tml_fb_i32(o, 4, 0);
    const int activation = tml_fb_u8(o, 5, TML_ACT_NONE);
    if (padding != TML_PAD_SAME && padding != TML_PAD_VALID) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "padding %d is not SAME or VALID", padding);
    }
    if (stride_w <= 0 || stride_h <= 0 || f_w <= 0 || f_h <= 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "stride (%d, %d) and filter (%d, %d) must be positive",
            (int)stride_h, (int)stride_w, (int)f_h, (int)f_w);
    }
    const int32_t *id = in->dims;
    int32_t out_h, out_w;
    if (!out_size(padding, id[1], f_h, stride_h, &out_h) || !out_size(padding, id[2], f_w, stride_w, &out_w)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "filter %dx%d does not fit the %dx%d input", (int)f_h,
            (int)f_w, (int)id[1], (int)id[2]);
    }
    const int32_t expect[4] = {id[0], out_h, out_w, id[3]};
    if ((s = tml_check_shape(err, op, out, "output", expect, 4)) != TML_OK) {
        return s;
    }
    const float ds = in->scale > out->scale ? in->scale - out->scale : out->scale - in->scale;
    if (type != TML_FLOAT32 && ((double)ds > 1.0e-6 || in->zero_point != out->zero_point)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
            "input quantization (scale %f, zero point %d) differs from the output's (scale %f, zero point %d)",
            (double)in->scale, (int)in->zero_point, (double)out->scale, (int)out->zero_point);
    }
    const int32_t zp_min = type == TML_INT8 ? -128 : -32768, zp_max = type == TML_INT8 ? 127 : 32767;
    if (type != TML_FLOAT32 && (out->zero_point < zp_min || out->zero_point > zp_max)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "output zero point %d is outside the %s range",
            (int)out->zero_point, tml_type_name(type));
    }
    pool_data_t *d = tml_persistent_alloc(m, type == TML_FLOAT32 ? sizeof(pool_f32_data_t) : sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    if (type == TML_FLOAT32) {
        pool_f32_data_t *f = (pool_f32_data_t *)d;
        if (!tml_activation_range_f32(activation, &f->act.min, &f->act.max)) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fused activation %d is not supported", activation);
        }
    } else {
        const bool ok = type == TML_INT8
            ? tml_activation_range_s8(activation, out->scale, out->zero_point, &d->p.activation.min, &d->p.activation.max)
            : tml_activation_range_s16(activation, out->scale, out->zero_point, &d->p.activation.min,
                  &d->p.activation.max);
        if (!ok) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fused activation %d is not supported", activation);
        }
    }
    d->p.stride.w = stride_w;
    d->p.stride.h = stride_h;
    d->p.padding.h = pad_before(stride_h, id[1], f_h, out_h);
    d->p.padding.w = pad_before(stride_w, id[2], f_w, out_w);
    d->in = (tml_dims_t){id[0], id[1], id[2], id[3]};
    d->filter = (tml_dims_t){1, f_h, f_w, 1};
    d->out = (tml_dims_t){id[0], out_h, out_w, id[3]};
    int32_t scratch = 0;
    if (type == TML_INT8) {
        d->p.kernel = is_avg ? tml_avgpool_s8_select(&d->p, &d->in, &d->filter, &d->out)
                             : tml_maxpool_s8_select(&d->p, &d->in, &d->filter, &d->out);
        tml_op_set_kernel(op, d->p.kernel);
        scratch = is_avg ? tml_avgpool_s8_get_buffer_size(out_w, id[3]) : tml_maxpool_s8_get_buffer_size(out_w, id[3]);
    } else if (type == TML_INT16) {
        scratch = is_avg ? tml_avgpool_s16_get_buffer_size(out_w, id[3]) : tml_maxpool_s16_get_buffer_size(out_w, id[3]);
    }
    if (scratch < 0) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "the kernel rejects these dimensions");
    }
    op->data = d;
    op->scratch_size = scratch;
    op->macs = (uint64_t)tml_tensor_elements(out) * (uint64_t)f_h * (uint64_t)f_w;
    return TML_OK;
}

tml_status_t tml_average_pool_2d_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return pool_prepare(m, op, err, true, TML_INT8);
}

tml_status_t tml_max_pool_2d_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return pool_prepare(m, op, err, false, TML_INT8);
}

tml_status_t tml_average_pool_2d_eval(tml_model_t *m, tml_op_t *op) {
    const pool_data_t *d = op->data;
    const tml_context_t ctx = {op->scratch_size > 0 ? op->scratch : NULL, op->scratch_size, 0};
    return tml_avgpool_s8(&ctx, &d->p, &d->in, tml_op_input(m, op, 0)->data, &d->filter, &d->out,
        tml_op_output(m, op, 0)->data);
}

tml_status_t tml_max_pool_2d_eval(tml_model_t *m, tml_op_t *op) {
    const pool_data_t *d = op->data;
    const tml_context_t ctx = {op->scratch_size > 0 ? op->scratch : NULL, op->scratch_size, 0};
    return tml_maxpool_s8(&ctx, &d->p, &d->in, tml_op_input(m, op, 0)->data, &d->filter, &d->out,
        tml_op_output(m, op, 0)->data);
}


/* ---- by rows (tml_rows.h): int8 ---- */

static bool pool_rows_ok(const tml_model_t *m, const tml_op_t *op) {
    (void)m;
    const pool_data_t *d = op->data;
    return d->in.n == 1;
}

static void pool_geom(const tml_model_t *m, const tml_op_t *op, int k, tml_row_geom_t *g) {
    (void)m;
    (void)k;
    const pool_data_t *d = op->data;
    g->stride = d->p.stride.h;
    g->pad = d->p.padding.h;
    g->span = d->filter.h;
}

/* The call's dims, input pointer and parameters (see conv_view in tml_ops_conv.c). */
static const int8_t *pool_view(const tml_op_t *op, const tml_rows_call_t *c, tml_pool_params_t *p, tml_dims_t *in,
    tml_dims_t *out) {
    const pool_data_t *d = op->data;
    tml_row_geom_t g;
    pool_geom(NULL, op, 0, &g);
    const int32_t start = tml_row_first(&g, c->y0);
    *p = d->p;
    p->padding.h = start - (c->y0 * g.stride - g.pad);
    *in = d->in;
    in->h = tml_row_end(&g, c->y1 - 1, d->in.h) - start;
    *out = d->out;
    out->h = c->y1 - c->y0;
    return (const int8_t *)c->in[0] + (start - c->in_y0[0]) * d->in.w * d->in.c;
}

static int32_t pool_rows_scratch(tml_model_t *m, const tml_op_t *op, const tml_rows_call_t *c) {
    (void)m;
    (void)c;
    const pool_data_t *d = op->data;
    return tml_avgpool_s8_get_buffer_size(d->out.w, d->out.c);
}

static tml_status_t avg_rows_run(tml_model_t *m, const tml_op_t *op, const tml_rows_call_t *c) {
    (void)m;
    const pool_data_t *d = op->data;
    tml_pool_params_t p;
    tml_dims_t in, out;
    const int8_t *input = pool_view(op, c, &p, &in, &out);
    const int32_t size = tml_avgpool_s8_get_buffer_size(d->out.w, d->out.c);
    const tml_context_t ctx = {size > 0 ? c->scratch : NULL, size, 0};
    return tml_avgpool_s8(&ctx, &p, &in, input, &d->filter, &out, c->out);
}

static int32_t max_rows_scratch(tml_model_t *m, const tml_op_t *op, const tml_rows_call_t *c) {
    (void)m;
    (void)c;
    const pool_data_t *d = op->data;
    return tml_maxpool_s8_get_buffer_size(d->out.w, d->out.c);
}

static tml_status_t max_rows_run(tml_model_t *m, const tml_op_t *op, const tml_rows_call_t *c) {
    (void)m;
    const pool_data_t *d = op->data;
    tml_pool_params_t p;
    tml_dims_t in, out;
    const int8_t *input = pool_view(op, c, &p, &in, &out);
    const int32_t size = tml_maxpool_s8_get_buffer_size(d->out.w, d->out.c);
    const tml_context_t ctx = {size > 0 ? c->scratch : NULL, size, 0};
    return tml_maxpool_s8(&ctx, &p, &in, input, &d->filter, &out, c->out);
}

const tml_rows_impl_t tml_average_pool_2d_rows = {1, pool_rows_ok, pool_geom, pool_rows_scratch, avg_rows_run};
const tml_rows_impl_t tml_max_pool_2d_rows = {1, pool_rows_ok, pool_geom, max_rows_scratch, max_rows_run};

tml_status_t tml_average_pool_2d_s16_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return pool_prepare(m, op, err, true, TML_INT16);
}

tml_status_t tml_max_pool_2d_s16_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return pool_prepare(m, op, err, false, TML_INT16);
}

tml_status_t tml_average_pool_2d_s16_eval(tml_model_t *m, tml_op_t *op) {
    const pool_data_t *d = op->data;
    const tml_context_t ctx = {op->scratch_size > 0 ? op->scratch : NULL, op->scratch_size, 0};
    return tml_avgpool_s16(&ctx, &d->p, &d->in, tml_op_input(m, op, 0)->data, &d->filter, &d->out,
        tml_op_output(m, op, 0)->data);
}

tml_status_t tml_max_pool_2d_s16_eval(tml_model_t *m, tml_op_t *op) {
    const pool_data_t *d = op->data;
    const tml_context_t ctx = {op->scratch_size > 0 ? op->scratch : NULL, op->scratch_size, 0};
    return tml_maxpool_s16(&ctx, &d->p, &d->in, tml_op_input(m, op, 0)->data, &d->filter, &d->out,
        tml_op_output(m, op, 0)->data);
}

/* float32: reference_ops::AveragePool / MaxPool; CalculateActivationRange. */
tml_status_t tml_average_pool_2d_f32_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return pool_prepare(m, op, err, true, TML_FLOAT32);
}

tml_status_t tml_max_pool_2d_f32_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    return pool_prepare(m, op, err, false, TML_FLOAT32);
}

tml_status_t tml_average_pool_2d_f32_eval(tml_model_t *m, tml_op_t *op) {
    const pool_f32_data_t *d = op->data;
    return tml_avgpool_f32(&d->q.p, &d->act, &d->q.in, tml_op_input(m, op, 0)->data, &d->q.filter, &d->q.out,
        tml_op_output(m, op, 0)->data);
}

tml_status_t tml_max_pool_2d_f32_eval(tml_model_t *m, tml_op_t *op) {
    const pool_f32_data_t *d = op->data;
    return tml_maxpool_f32(&d->q.p, &d->act, &d->q.in, tml_op_input(m, op, 0)->data, &d->q.filter, &d->q.out,
        tml_op_output(m, op, 0)->data);
}

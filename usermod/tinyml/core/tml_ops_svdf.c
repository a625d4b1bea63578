/* tinyml op: SVDF, as TFLM's svdf.cc / svdf_common.cc (PrepareSvdf,
 * EvalIntegerSvdfReference, EvalFloatSvdfReference) and cmsis_nn/svdf.cc:
 *  - int8 input/output and weights_feature, int32 bias, with int8 or int16
 *    state and weights_time (the state tensor is a variable: kept across
 *    invocations, zeroed by tml_model_reset as TFLM's ResetVariableTensors);
 *  - float32.
 * Inputs: 0 input [batches, input_size], 1 weights_feature [filters,
 * input_size], 2 weights_time [filters, memory], 3 bias [units] (optional),
 * 4 activation state [batches, filters * memory]. */
#include "tml_op.h"
#include "tml_fmeta.h"
#include "../kernels/tml_math.h"
#include "../kernels/tml_kernels.h"

enum { OPT_SVDF = 6 };
enum { S_INPUT = 0, S_FEATURE = 1, S_TIME = 2, S_BIAS = 3, S_STATE = 4 };

/* Op data kept small (keyword models have many SVDF ops): the quantization;
 * the shapes are read from the tensors at eval. Precomputed kernel sums, if
 * any, follow it. */
typedef struct {
    int32_t multiplier_1, multiplier_2;
    int16_t input_zero_point, state_zero_point, output_zero_point;
    int8_t shift_1, shift_2;
    uint8_t activation; /* float32 */
    uint8_t has_kernel_sums; /* 1: they follow the record; 2: a pointer to them (flash metadata) does */
} svdf_data_t;

/* The kernel parameters from the tensors' shapes, the rank option and d. */
static void svdf_params(tml_model_t *m, const tml_op_t *op, const svdf_data_t *d, tml_svdf_params_t *p) {
    const tml_tensor_t *in = tml_op_input(m, op, S_INPUT), *wf = tml_op_input(m, op, S_FEATURE);
    const tml_tensor_t *wt = tml_op_input(m, op, S_TIME);
    p->batches = in->dims[0];
    p->input_size = in->dims[1];
    p->filters = wf->dims[0];
    p->memory = wt->dims[1];
    p->rank = tml_fb_i32(TML_OPTIONS(m, op), 0, 0);
    p->input_zero_point = d->input_zero_point;
    p->state_zero_point = d->state_zero_point;
    p->output_zero_point = d->output_zero_point;
    p->multiplier_1 = d->multiplier_1;
    p->shift_1 = d->shift_1;
    p->multiplier_2 = d->multiplier_2;
    p->shift_2 = d->shift_2;
    p->kernel_sums = d->has_kernel_sums == 2 ? *(const int32_t *const *)(const void *)(d + 1)
        : d->has_kernel_sums ? (const int32_t *)(d + 1) : NULL;
}

/* Counts, options, shapes and the state variable, as PrepareSvdf. */
static tml_status_t svdf_checks(tml_model_t *m, tml_op_t *op, tml_error_t *err, int type, tml_svdf_params_t *p,
    int *activation) {
    tml_status_t s = tml_check_io_count(err, op, 3, 5, 1);
    if (s != TML_OK) {
        return s;
    }
    if (op->n_inputs != 5) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "expected 5 inputs, got %d", op->n_inputs);
    }
    if (op->options_pos && op->options_type != OPT_SVDF) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, OPT_SVDF);
    }
    const tml_tensor_t *in = tml_op_input(m, op, S_INPUT), *wf = tml_op_input(m, op, S_FEATURE);
    const tml_tensor_t *wt = tml_op_input(m, op, S_TIME), *bias = tml_op_input(m, op, S_BIAS);
    const tml_tensor_t *state = tml_op_input(m, op, S_STATE), *out = tml_op_output(m, op, 0);
    if (!wt || !state) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "weights_time and the state are required");
    }
    const int rank = tml_fb_i32(TML_OPTIONS(m, op), 0, 0);
    *activation = tml_fb_u8(TML_OPTIONS(m, op), 1, TML_ACT_NONE);
    if (in->ndims != 2 || out->ndims != 2 || wf->ndims != 2 || wt->ndims != 2 || state->ndims != 2) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
            "input, weights_feature, weights_time, state and output must be 2-D");
    }
    const int32_t batches = in->dims[0], input_size = in->dims[1], filters = wf->dims[0], memory = wt->dims[1];
    if (rank <= 0 || filters <= 0 || filters % rank != 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "rank %d does not divide the %d filters", rank,
            (int)filters);
    }
    const int32_t units = filters / rank;
    if (batches <= 0 || input_size <= 0 || memory <= 0 || wf->dims[1] != input_size || wt->dims[0] != filters ||
        out->dims[0] != batches || out->dims[1] != units || state->dims[0] != batches ||
        (int64_t)state->dims[1] != (int64_t)memory * filters || (bias && tml_tensor_elements(bias) != units)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
            "shapes do not match: input [%d, %d], weights_feature [%d, %d], weights_time [%d, %d], state [%d, %d], "
            "output [%d, %d], rank %d",
            (int)in->dims[0], (int)in->dims[1], (int)wf->dims[0], (int)wf->dims[1], (int)wt->dims[0],
            (int)wt->dims[1], (int)state->dims[0], (int)state->dims[1], (int)out->dims[0], (int)out->dims[1], rank);
    }
    if (state->kind != TML_TENSOR_VARIABLE) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "the state (input 4) must be a variable tensor");
    }
    (void)type;
    p->batches = batches;
    p->input_size = input_size;
    p->filters = filters;
    p->memory = memory;
    p->rank = rank;
    return TML_OK;
}

tml_status_t tml_svdf_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_svdf_params_t p = {0};
    int activation;
    tml_status_t s = svdf_checks(m, op, err, TML_INT8, &p, &activation);
    if (s != TML_OK) {
        return s;
    }
    const tml_tensor_t *in = tml_op_input(m, op, S_INPUT), *wf = tml_op_input(m, op, S_FEATURE);
    const tml_tensor_t *wt = tml_op_input(m, op, S_TIME), *bias = tml_op_input(m, op, S_BIAS);
    const tml_tensor_t *state = tml_op_input(m, op, S_STATE), *out = tml_op_output(m, op, 0);
    if ((s = tml_check_type(err, op, wf, "weights_feature", TML_INT8)) != TML_OK ||
        (s = tml_check_type(err, op, out, "output", TML_INT8)) != TML_OK) {
        return s;
    }
    if ((wt->type != TML_INT8 && wt->type != TML_INT16) || state->type != wt->type) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
            "weights_time (%s) and state (%s) must both be int8 or both int16", tml_type_name(wt->type),
            tml_type_name(state->type));
    }
    /* TFLM's PrepareSvdf reads the bias scale unconditionally: a bias is required. */
    if ((s = tml_check_type(err, op, bias, "bias", TML_INT32)) != TML_OK) {
        return s;
    }
    if ((s = tml_check_q8(err, op, in, "input")) != TML_OK || (s = tml_check_q8(err, op, out, "output")) != TML_OK) {
        return s;
    }
    const int32_t zp_lim = state->type == TML_INT8 ? 128 : 32768;
    if (!(state->scale > 0.0f) || !(wt->scale > 0.0f) || !(wf->scale > 0.0f) || state->zero_point < -zp_lim ||
        state->zero_point >= zp_lim) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "weights and state need valid quantization");
    }
    /* Scales multiplied in float, as PrepareSvdf. */
    const float state_time = state->scale * wt->scale;
    const double bias_diff = (double)bias->scale - (double)state_time;
    if (!(bias_diff < 1e-5 && bias_diff > -1e-5)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
            "bias scale %f differs from state scale * weights_time scale %f", (double)bias->scale, (double)state_time);
    }
    const double eff_1 = (double)(in->scale * wf->scale / state->scale);
    const double eff_2 = (double)(state->scale * wt->scale / out->scale);
    int shift_1, shift_2;
    tml_quantize_multiplier(eff_1, &p.multiplier_1, &shift_1);
    tml_quantize_multiplier(eff_2, &p.multiplier_2, &shift_2);
    if (shift_1 > 31 || shift_2 > 31) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "effective scales %f, %f are too large", eff_1, eff_2);
    }
    p.shift_1 = shift_1;
    p.shift_2 = shift_2;
    p.input_zero_point = in->zero_point;
    p.state_zero_point = state->zero_point;
    p.output_zero_point = out->zero_point;
    /* CMSIS-NN on MVE: kernel sums of the constant feature weights, as TFLM's
     * KERNELS_OPTIMIZED_FOR_SPEED build precomputes them. */
    int32_t sums = wt->type == TML_INT8 ? tml_svdf_s8_kernel_sums_size(&p, tml_fmeta_mve(m)) : 0;
    if (sums > 0 && !(wf->kind == TML_TENSOR_CONST && wf->data)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "weights_feature must be constant");
    }
    const size_t s_bytes = (size_t)(sums > 0 ? sums : 0);
    const int32_t *s_flash = tml_fmeta_array(m, op, TML_FMETA_SLOT_SUMS, TML_META_KERNEL_SUMS, s_bytes);
    svdf_data_t *d = tml_persistent_alloc(m, sizeof(*d) + (s_flash ? sizeof(s_flash) : s_bytes), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    tml_meta_move(m, TML_META_KERNEL_SUMS, s_flash ? 0 : s_bytes);
    d->multiplier_1 = p.multiplier_1;
    d->multiplier_2 = p.multiplier_2;
    d->shift_1 = (int8_t)p.shift_1;
    d->shift_2 = (int8_t)p.shift_2;
    d->input_zero_point = (int16_t)p.input_zero_point;
    d->state_zero_point = (int16_t)p.state_zero_point;
    d->output_zero_point = (int16_t)p.output_zero_point;
    if (s_flash) {
        *(const int32_t **)(void *)(d + 1) = s_flash;
        d->has_kernel_sums = 2;
    } else if (sums > 0) {
        if (tml_svdf_s8_kernel_sums(&p, wf->data, (int32_t *)(d + 1)) != TML_OK) {
            return tml_op_fail(err, TML_ERR_KERNEL, op, "kernel sum precomputation failed");
        }
        d->has_kernel_sums = 1;
        tml_status_t ns = tml_fmeta_note(m, op, TML_FMETA_SLOT_SUMS, TML_META_KERNEL_SUMS, d + 1, s_bytes, err);
        if (ns != TML_OK) {
            return ns;
        }
    }
    op->data = d;
    op->scratch_size = tml_svdf_s8_get_buffer_size(&p);
    op->macs = (uint64_t)p.batches * (uint64_t)p.filters * (uint64_t)(p.input_size + p.memory);
    return TML_OK;
}

tml_status_t tml_svdf_eval(tml_model_t *m, tml_op_t *op) {
    tml_svdf_params_t p;
    svdf_params(m, op, op->data, &p);
    const tml_tensor_t *wt = tml_op_input(m, op, S_TIME), *bias = tml_op_input(m, op, S_BIAS);
    tml_tensor_t *state = tml_op_input(m, op, S_STATE);
    const tml_context_t ctx = {op->scratch, op->scratch_size, 0};
    const int8_t *in = tml_op_input(m, op, S_INPUT)->data, *wf = tml_op_input(m, op, S_FEATURE)->data;
    int8_t *out = tml_op_output(m, op, 0)->data;
    if (wt->type == TML_INT16) {
        return tml_svdf_state_s16_s8(&ctx, &p, in, state->data, wf, wt->data, bias->data, out);
    }
    return tml_svdf_s8(&ctx, &p, in, state->data, wf, wt->data, bias->data, out);
}

tml_status_t tml_svdf_f32_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_svdf_params_t p = {0};
    int activation;
    tml_status_t s = svdf_checks(m, op, err, TML_FLOAT32, &p, &activation);
    if (s != TML_OK) {
        return s;
    }
    const tml_tensor_t *bias = tml_op_input(m, op, S_BIAS);
    if ((s = tml_check_type(err, op, tml_op_input(m, op, S_FEATURE), "weights_feature", TML_FLOAT32)) != TML_OK ||
        (s = tml_check_type(err, op, tml_op_input(m, op, S_TIME), "weights_time", TML_FLOAT32)) != TML_OK ||
        (s = tml_check_type(err, op, tml_op_input(m, op, S_STATE), "state", TML_FLOAT32)) != TML_OK ||
        (s = tml_check_type(err, op, tml_op_output(m, op, 0), "output", TML_FLOAT32)) != TML_OK ||
        (bias && (s = tml_check_type(err, op, bias, "bias", TML_FLOAT32)) != TML_OK)) {
        return s;
    }
    /* ActivationValFloat: the RELUs are exact; TANH/SIGMOID would need libm's
     * results bit for bit. */
    if (activation != TML_ACT_NONE && activation != TML_ACT_RELU && activation != TML_ACT_RELU_N1_TO_1 &&
        activation != TML_ACT_RELU6) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fused activation %d is not supported", activation);
    }
    svdf_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    d->activation = (uint8_t)activation;
    op->data = d;
    op->scratch_size = tml_svdf_f32_get_buffer_size(&p);
    op->macs = (uint64_t)p.batches * (uint64_t)p.filters * (uint64_t)(p.input_size + p.memory);
    return TML_OK;
}

tml_status_t tml_svdf_f32_eval(tml_model_t *m, tml_op_t *op) {
    const svdf_data_t *d = op->data;
    tml_svdf_params_t p;
    svdf_params(m, op, d, &p);
    const tml_tensor_t *bias = tml_op_input(m, op, S_BIAS);
    const tml_context_t ctx = {op->scratch, op->scratch_size, 0};
    return tml_svdf_f32(&ctx, &p, d->activation, tml_op_input(m, op, S_INPUT)->data,
        tml_op_input(m, op, S_STATE)->data, tml_op_input(m, op, S_FEATURE)->data, tml_op_input(m, op, S_TIME)->data,
        bias ? bias->data : NULL, tml_op_output(m, op, 0)->data);
}

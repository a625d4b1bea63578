/* tinyml op: UNIDIRECTIONAL_SEQUENCE_LSTM, as TFLM's
 * unidirectional_sequence_lstm.cc: int8 activations and weights with an int16
 * cell state (lstm_eval_common.cc: PrepareGateParametersInteger,
 * CreateLstmCellStateInfo), or float32 throughout. */
#include "tml_ops.h"
#include "tml_fmeta.h"
#include "../kernels/tml_math.h"
#include "../kernels/tml_kernels.h"

/* Input indices (lstm_shared.h). */
enum {
    L_INPUT = 0, L_I2I = 1, L_I2F = 2, L_I2C = 3, L_I2O = 4, L_R2I = 5, L_R2F = 6, L_R2C = 7, L_R2O = 8,
    L_C2I = 9, L_C2O = 11, L_BI = 12, L_BF = 13, L_BC = 14, L_BO = 15, L_PROJ_W = 16, L_PROJ_B = 17,
    L_HIDDEN = 18, L_CELL = 19, L_LN_I = 20, L_LN_O = 23
};
/* UnidirectionalSequenceLSTMOptions fields. */
enum { O_ACTIVATION = 0, O_CELL_CLIP = 1, O_TIME_MAJOR = 3 };

static const char *const input_names[24] = {
    "input", "input_to_input_weights", "input_to_forget_weights", "input_to_cell_weights",
    "input_to_output_weights", "recurrent_to_input_weights", "recurrent_to_forget_weights",
    "recurrent_to_cell_weights", "recurrent_to_output_weights", "cell_to_input_weights",
    "cell_to_forget_weights", "cell_to_output_weights", "input_gate_bias", "forget_gate_bias",
    "cell_gate_bias", "output_gate_bias", "projection_weights", "projection_bias", "output_state",
    "cell_state", "input_layer_norm_coefficients", "forget_layer_norm_coefficients",
    "cell_layer_norm_coefficients", "output_layer_norm_coefficients",
};

/* TFLite CheckedLog2's rounded result: round(log2(x)), x > 0. */
static int rounded_log2(float x) {
    int e;
    double f = tml_frexp((double)x, &e); /* x = f * 2^e, f in [0.5, 1) */
    return f * f < 0.5 ? e - 1 : e;
}

static bool good_scale(float s) {
    return s > 0.0f && s < 3.0e38f;
}

static void quantize(double real, int32_t *mult, int32_t *shift) {
    int s;
    tml_quantize_multiplier(real, mult, &s);
    *shift = s;
}

/* Gate parameters as TFLM's CreateGateParams: FC outputs at scale 2^-12, the
 * multiplier from the float product of the scales (GetQuantizedConvolutionMultipler);
 * the zero-point terms folded into per-row sums as CMSIS-NN's kernel sums. */
static tml_status_t make_gate(tml_model_t *m, const tml_op_t *op, int gate, tml_tensor_t *const *t, int wi, int wr,
    int bi, tml_lstm_gate_t *g, tml_error_t *err) {
    const tml_tensor_t *in = t[L_INPUT], *h = t[L_HIDDEN], *w = t[wi], *r = t[wr];
    const int32_t nh = w->dims[0], ni = w->dims[1];
    const double gate_scale = 0.000244140625; /* 2^-12 */
    quantize((double)(float)(in->scale * w->scale) / gate_scale, &g->input_multiplier, &g->input_shift);
    quantize((double)(float)(h->scale * r->scale) / gate_scale, &g->recurrent_multiplier, &g->recurrent_shift);
    const int8_t *wd = w->data, *rd = r->data;
    g->input_weights = wd;
    g->recurrent_weights = rd;
    /* the sums of gate `gate` (0..3): in the flash metadata (slot TML_FMETA_SLOT_SUMS + gate), or here */
    const size_t bytes = 2 * (size_t)nh * sizeof(int32_t);
    const int32_t *flash = tml_fmeta_array(m, op, TML_FMETA_SLOT_SUMS + gate, TML_META_KERNEL_SUMS, bytes);
    if (flash) {
        g->input_sum = flash;
        g->recurrent_sum = flash + nh;
        return TML_OK;
    }
    int32_t *sums = tml_persistent_alloc(m, bytes, err);
    if (!sums) {
        return TML_ERR_NO_MEMORY;
    }
    tml_meta_move(m, TML_META_KERNEL_SUMS, bytes);
    const int32_t *bias = t[bi]->data;
    for (int32_t j = 0; j < nh; j++) {
        uint32_t sw = 0, sr = 0;
        for (int32_t k = 0; k < ni; k++) {
            sw += (uint32_t)(int32_t)wd[j * ni + k];
        }
        for (int32_t k = 0; k < nh; k++) {
            sr += (uint32_t)(int32_t)rd[j * nh + k];
        }
        sums[j] = (int32_t)((uint32_t)bias[j] - (uint32_t)in->zero_point * sw);
        sums[nh + j] = (int32_t)(0u - (uint32_t)h->zero_point * sr);
    }
    g->input_sum = sums;
    g->recurrent_sum = sums + nh;
    return tml_fmeta_note(m, op, TML_FMETA_SLOT_SUMS + gate, TML_META_KERNEL_SUMS, sums, bytes, err);
}

/* Sizes and options common to both types. */
typedef struct {
    int32_t nb, nt, ni, nh;
    int time_major;
    float cell_clip;
} lstm_shape_t;

/* The checks both types share: inputs present (no peephole, projection, layer
 * norm or CIFG: TFLM has none), state tensors variable, weights and biases
 * constant, TANH cell activation, shapes consistent. Fills t[], *out, *sh. */
static tml_status_t check_common(tml_model_t *m, tml_op_t *op, tml_tensor_t **t, tml_tensor_t **out, lstm_shape_t *sh,
    tml_error_t *err) {
    if (op->n_inputs != 24 || op->n_outputs != 1) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "needs 24 inputs and 1 output, has %d and %d",
            (int)op->n_inputs, (int)op->n_outputs);
    }
    for (int k = 0; k < 24; k++) {
        t[k] = tml_op_input(m, op, k);
    }
    *out = tml_op_output(m, op, 0);
    for (int k = L_C2I; k <= L_C2O; k++) {
        if (t[k]) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
                "peephole input %d (%s) is not supported (TFLM's LSTM has no peephole)", k, input_names[k]);
        }
    }
    for (int k = L_PROJ_W; k <= L_PROJ_B; k++) {
        if (t[k]) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
                "projection input %d (%s) is not supported (TFLM's LSTM has no projection)", k, input_names[k]);
        }
    }
    for (int k = L_LN_I; k <= L_LN_O; k++) {
        if (t[k]) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
                "layer norm input %d (%s) is not supported (TFLM's LSTM has no layer norm)", k, input_names[k]);
        }
    }
    if (!t[L_I2I] || !t[L_R2I] || !t[L_BI]) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
            "CIFG LSTM (no input gate) is not supported (TFLM's LSTM needs all input gate tensors)");
    }
    for (int k = 0; k <= L_CELL; k++) {
        if (!t[k] && !(k >= L_C2I && k <= L_C2O) && k != L_PROJ_W && k != L_PROJ_B) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input %d (%s) is missing", k, input_names[k]);
        }
    }
    if (!*out) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "output is missing");
    }
    for (int k = L_HIDDEN; k <= L_CELL; k++) {
        if (t[k]->kind != TML_TENSOR_VARIABLE) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s must be a variable tensor", input_names[k]);
        }
    }
    for (int k = L_I2I; k <= L_BO; k++) {
        if (!(k >= L_C2I && k <= L_C2O) && t[k]->kind != TML_TENSOR_CONST) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "%s must be constant", input_names[k]);
        }
    }
    const int act = tml_fb_u8(TML_OPTIONS(m, op), O_ACTIVATION, 0);
    sh->cell_clip = tml_fb_f32(TML_OPTIONS(m, op), O_CELL_CLIP, 0.0f);
    sh->time_major = tml_fb_u8(TML_OPTIONS(m, op), O_TIME_MAJOR, 0) != 0;
    if (act != TML_ACT_TANH) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
            "fused_activation_function %d: only TANH (4) is supported as the cell gate activation", act);
    }
    const tml_tensor_t *in = t[L_INPUT], *hid = t[L_HIDDEN], *cell = t[L_CELL];
    if (in->ndims != 3) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input must have 3 dimensions, has %d", (int)in->ndims);
    }
    if (hid->ndims != 2) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "output_state must have 2 dimensions, has %d",
            (int)hid->ndims);
    }
    const int32_t nb = sh->time_major ? in->dims[1] : in->dims[0];
    const int32_t nt = sh->time_major ? in->dims[0] : in->dims[1];
    const int32_t ni = in->dims[2], nh = hid->dims[1];
    if (nb <= 0 || nt <= 0 || ni <= 0 || nh <= 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "bad sizes: batch %ld, time %ld, input %ld, units %ld",
            (long)nb, (long)nt, (long)ni, (long)nh);
    }
    for (int k = L_I2I; k <= L_R2O; k++) {
        const int32_t cols = k <= L_I2O ? ni : nh;
        if (t[k]->ndims != 2 || t[k]->dims[0] != nh || t[k]->dims[1] != cols) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s must have shape [%ld, %ld]", input_names[k],
                (long)nh, (long)cols);
        }
    }
    for (int k = L_BI; k <= L_BO; k++) {
        if (t[k]->ndims != 1 || t[k]->dims[0] != nh) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s must have shape [%ld]", input_names[k], (long)nh);
        }
    }
    if (tml_tensor_elements(hid) != nb * nh || tml_tensor_elements(cell) != nb * nh) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
            "output_state and cell_state must hold batch*units = %ld elements, have %ld and %ld", (long)(nb * nh),
            (long)tml_tensor_elements(hid), (long)tml_tensor_elements(cell));
    }
    const int32_t odims[3] = { in->dims[0], in->dims[1], nh };
    sh->nb = nb, sh->nt = nt, sh->ni = ni, sh->nh = nh;
    op->macs = (uint64_t)nb * (uint64_t)nt * 4u * (uint64_t)nh * (uint64_t)(ni + nh);
    return tml_check_shape(err, op, *out, "output", odims, 3);
}

/* Every tensor but the input has the input's type, biases included (float32)
 * or as TFLM's integer LSTM wants them (int8; int32 biases, int16 cell). */
static tml_status_t check_types(tml_op_t *op, tml_tensor_t *const *t, const tml_tensor_t *out, int type,
    tml_error_t *err) {
    const bool f = type == TML_FLOAT32;
    tml_status_t s;
    if ((s = tml_check_type(err, op, out, "output", type)) != TML_OK ||
        (s = tml_check_type(err, op, t[L_HIDDEN], "output_state", type)) != TML_OK ||
        (s = tml_check_type(err, op, t[L_CELL], "cell_state", f ? TML_FLOAT32 : TML_INT16)) != TML_OK) {
        return s;
    }
    for (int k = L_I2I; k <= L_BO; k++) {
        if ((k < L_C2I || k > L_C2O) &&
            (s = tml_check_type(err, op, t[k], input_names[k], f || k <= L_R2O ? type : TML_INT32)) != TML_OK) {
            return s;
        }
    }
    return TML_OK;
}

static tml_status_t prepare_f32(tml_model_t *m, tml_op_t *op, tml_tensor_t *const *t, const lstm_shape_t *sh,
    tml_error_t *err) {
    tml_lstm_f32_params_t *p = tml_persistent_alloc(m, sizeof(*p), err);
    if (!p) {
        return TML_ERR_NO_MEMORY;
    }
    p->time_major = sh->time_major;
    p->batch_size = sh->nb;
    p->time_steps = sh->nt;
    p->input_size = sh->ni;
    p->hidden_size = sh->nh;
    p->cell_clip = sh->cell_clip;
    for (int g = 0; g < 4; g++) { /* input, forget, cell, output: tensors L_I2I + g, L_R2I + g, L_BI + g */
        p->input_weights[g] = t[L_I2I + g]->data;
        p->recurrent_weights[g] = t[L_R2I + g]->data;
        p->bias[g] = t[L_BI + g]->data;
    }
    op->data = p;
    op->eval = tml_unidirectional_sequence_lstm_eval_f32;
    op->scratch_size = tml_lstm_f32_get_buffer_size(p);
    return TML_OK;
}

tml_status_t tml_unidirectional_sequence_lstm_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_tensor_t *t[24], *out = NULL;
    lstm_shape_t sh = { 0, 0, 0, 0, 0, 0.0f };
    tml_status_t s = check_common(m, op, t, &out, &sh, err);
    if (s != TML_OK) {
        return s;
    }
    const int type = t[L_INPUT]->type;
    if (type != TML_INT8 && type != TML_FLOAT32) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "input type %s: only int8 and float32 LSTMs are supported",
            tml_type_name(type));
    }
    if ((s = check_types(op, t, out, type, err)) != TML_OK) {
        return s;
    }
    if (type == TML_FLOAT32) {
        return prepare_f32(m, op, t, &sh, err);
    }
    for (int k = L_I2I; k <= L_R2O; k++) {
        if (tml_tensor_num_scales(m, t[k]) > 1) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op,
                "%s is quantized per channel (%d scales); TFLM's LSTM needs per-tensor weights", input_names[k],
                tml_tensor_num_scales(m, t[k]));
        }
        if (t[k]->zero_point != 0) {
            return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "%s has zero point %ld; weights must be symmetric",
                input_names[k], (long)t[k]->zero_point);
        }
        if (!good_scale(t[k]->scale)) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s has scale %f", input_names[k], (double)t[k]->scale);
        }
    }
    const tml_tensor_t *in = t[L_INPUT], *hid = t[L_HIDDEN], *cell = t[L_CELL];
    if (!good_scale(in->scale) || !good_scale(hid->scale) || !good_scale(cell->scale)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "bad scale: input %f, output_state %f, cell_state %f",
            (double)in->scale, (double)hid->scale, (double)cell->scale);
    }
    tml_lstm_params_t *p = tml_persistent_alloc(m, sizeof(*p), err);
    if (!p) {
        return TML_ERR_NO_MEMORY;
    }
    p->time_major = sh.time_major;
    p->batch_size = sh.nb;
    p->time_steps = sh.nt;
    p->input_size = sh.ni;
    p->hidden_size = sh.nh;
    p->hidden_zero_point = hid->zero_point;
    p->cell_scale_power = rounded_log2(cell->scale);
    if (p->cell_scale_power + 12 > 14 || p->cell_scale_power + 12 < -31) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "cell_state scale %f (2^%d) is out of range",
            (double)cell->scale, (int)p->cell_scale_power);
    }
    /* CreateLstmCellStateInfo: clip only when the float cell_clip > 0. */
    p->cell_clip = -1;
    if (sh.cell_clip > 0.0f) {
        double q = (double)sh.cell_clip / (double)cell->scale;
        p->cell_clip = (int16_t)(q < -32768.0 ? -32768.0 : (q > 32767.0 ? 32767.0 : q));
    }
    /* CreateInterGateMulParams: gate outputs at 2^-15. */
    const double q15 = (double)0.000030517578125f;
    quantize(q15 * (double)cell->scale / (double)cell->scale, &p->forget_cell_multiplier, &p->forget_cell_shift);
    quantize(q15 * q15 / (double)cell->scale, &p->input_cell_multiplier, &p->input_cell_shift);
    quantize(q15 * q15 / (double)hid->scale, &p->hidden_multiplier, &p->hidden_shift);
    if ((s = make_gate(m, op, 0, t, L_I2F, L_R2F, L_BF, &p->forget, err)) != TML_OK
        || (s = make_gate(m, op, 1, t, L_I2I, L_R2I, L_BI, &p->input, err)) != TML_OK
        || (s = make_gate(m, op, 2, t, L_I2C, L_R2C, L_BC, &p->cell, err)) != TML_OK
        || (s = make_gate(m, op, 3, t, L_I2O, L_R2O, L_BO, &p->output, err)) != TML_OK) {
        return s;
    }
    op->data = p;
    op->scratch_size = tml_lstm_s8_get_buffer_size(p);
    return TML_OK;
}

tml_status_t tml_unidirectional_sequence_lstm_eval(tml_model_t *m, tml_op_t *op) {
    return tml_lstm_s8(op->data, tml_op_input(m, op, L_INPUT)->data, tml_op_output(m, op, 0)->data,
        tml_op_input(m, op, L_HIDDEN)->data, tml_op_input(m, op, L_CELL)->data, op->scratch);
}

tml_status_t tml_unidirectional_sequence_lstm_eval_f32(tml_model_t *m, tml_op_t *op) {
    return tml_lstm_f32(op->data, tml_op_input(m, op, L_INPUT)->data, tml_op_output(m, op, 0)->data,
        tml_op_input(m, op, L_HIDDEN)->data, tml_op_input(m, op, L_CELL)->data, op->scratch);
}

/* tinyml kernels: float32 UNIDIRECTIONAL_SEQUENCE_LSTM, as TFLM's
 * lstm_eval.h LstmStep/EvalLstm with float activations, weights and cell
 * state (lstm_eval.cc: reference_ops FullyConnected, Logistic, Tanh and Mul
 * with the full float range, AddElementWise, Clipping). */
#include <stddef.h>
#include "../tml_kernels.h"

enum { GATE_INPUT = 0, GATE_FORGET = 1, GATE_CELL = 2, GATE_OUTPUT = 3 };

/* ActivationFunctionWithMinMax over the full float range: +-inf become
 * +-FLT_MAX, NaN passes (std::min/std::max as TFLM calls them). */
static float clamp_full(float x) {
    const float lo = -3.40282347e38f, hi = 3.40282347e38f;
    const float y = x < lo ? lo : x;
    return hi < y ? hi : y;
}

static const tml_activation_f32_t full_range = { -3.40282347e38f, 3.40282347e38f };

/* CalculateLstmGate: act(FC(x, W, bias) + FC(h, R, no bias)) into out. */
static void gate(const tml_lstm_f32_params_t *p, int g, const float *x, const float *h, int n, float *out,
    float *fc_buf, tml_unary_op_t act) {
    const int ni = p->input_size, nh = p->hidden_size;
    tml_fully_connected_f32(&full_range, n, ni, nh, x, p->input_weights[g], p->bias[g], out);
    tml_fully_connected_f32(&full_range, n, nh, nh, h, p->recurrent_weights[g], NULL, fc_buf);
    for (int i = 0; i < n * nh; i++) {
        out[i] = out[i] + fc_buf[i];
    }
    tml_unary_f32(act, out, out, n * nh);
}

/* One time step of n batch rows (LstmStep). */
static void step(const tml_lstm_f32_params_t *p, const float *x, float *h, float *c, float *y, int n, float *buf) {
    const int size = n * p->hidden_size;
    float *forget = buf, *input = buf + size, *cell_gate = buf + 2 * size, *scratch = buf + 3 * size;
    gate(p, GATE_FORGET, x, h, n, forget, scratch, TML_UNARY_LOGISTIC);
    gate(p, GATE_INPUT, x, h, n, input, scratch, TML_UNARY_LOGISTIC);
    gate(p, GATE_CELL, x, h, n, cell_gate, scratch, TML_UNARY_TANH);
    /* UpdateLstmCell */
    for (int i = 0; i < size; i++) {
        c[i] = clamp_full(forget[i] * c[i]);
        input[i] = clamp_full(input[i] * cell_gate[i]);
        c[i] = c[i] + input[i];
    }
    if (p->cell_clip > 0.0f) {
        const float clip = p->cell_clip;
        for (int i = 0; i < size; i++) {
            const float lo = c[i] < clip ? c[i] : clip; /* std::min(clip, v) */
            c[i] = lo < -clip ? -clip : lo;             /* std::max(.., -clip) */
        }
    }
    /* UpdateLstmHidden (output gate in `input`, tanh(cell) in `forget`) */
    gate(p, GATE_OUTPUT, x, h, n, input, scratch, TML_UNARY_LOGISTIC);
    tml_unary_f32(TML_UNARY_TANH, c, forget, size);
    for (int i = 0; i < size; i++) {
        h[i] = clamp_full(forget[i] * input[i]);
        y[i] = h[i];
    }
}

int32_t tml_lstm_f32_get_buffer_size(const tml_lstm_f32_params_t *p) {
    return 4 * (p->time_major ? p->batch_size : 1) * p->hidden_size * (int32_t)sizeof(float);
}

tml_status_t tml_lstm_f32(const tml_lstm_f32_params_t *p, const float *input, float *output, float *hidden_state,
    float *cell_state, float *buffer) {
    const int nb = p->batch_size, nt = p->time_steps, ni = p->input_size, nh = p->hidden_size;
    if (nb <= 0 || nt <= 0 || ni <= 0 || nh <= 0 || !input || !output || !hidden_state || !cell_state || !buffer) {
        return TML_ERR_KERNEL;
    }
    if (p->time_major) {
        for (int t = 0; t < nt; t++) {
            step(p, input + t * nb * ni, hidden_state, cell_state, output + t * nb * nh, nb, buffer);
        }
    } else {
        for (int b = 0; b < nb; b++) {
            for (int t = 0; t < nt; t++) {
                step(p, input + (b * nt + t) * ni, hidden_state + b * nh, cell_state + b * nh,
                    output + (b * nt + t) * nh, 1, buffer);
            }
        }
    }
    return TML_OK;
}

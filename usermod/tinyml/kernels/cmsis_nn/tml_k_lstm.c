/* tinyml kernels (CMSIS-NN): integer UNIDIRECTIONAL_SEQUENCE_LSTM.
 *
 * TFLM's cmsis_nn glue calls arm_lstm_unidirectional_s8(), which zeroes the
 * cell state and starts from a zero hidden state on every call, and adds the
 * recurrent FC to the input FC before saturating it (the reference saturates
 * each FC to int16 first). To stay bit-exact with TFLM's reference LSTM
 * (state kept across invocations), each step is built here from the same
 * CMSIS-NN pieces arm_nn_lstm_step_s8() uses, with the reference's order of
 * saturation. Effective biases are the kernel sums TFLM's glue precomputes. */
#include <string.h>
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"
#include "../tml_kernels.h"

static void add_sat16(int16_t *a, const int16_t *b, int n) {
    for (int i = 0; i < n; i++) {
        int32_t v = a[i] + b[i];
        a[i] = (int16_t)(v < NN_Q15_MIN ? NN_Q15_MIN : (v > NN_Q15_MAX ? NN_Q15_MAX : v));
    }
}

static void gate(const tml_lstm_params_t *p, const tml_lstm_gate_t *g, const int8_t *x, const int8_t *h,
    int n, arm_nn_activation_type act, int16_t *out, int16_t *tmp) {
    const int32_t hs = p->hidden_size, cnt = n * hs;
    memset(out, 0, (size_t)cnt * sizeof(int16_t));
    memset(tmp, 0, (size_t)cnt * sizeof(int16_t));
    arm_nn_vec_mat_mul_result_acc_s8_s16(x, g->input_weights, g->input_sum, out, g->input_multiplier,
        g->input_shift, p->input_size, hs, n, 1);
    arm_nn_vec_mat_mul_result_acc_s8_s16(h, g->recurrent_weights, g->recurrent_sum, tmp,
        g->recurrent_multiplier, g->recurrent_shift, hs, hs, n, 1);
    add_sat16(out, tmp, cnt);
    arm_nn_activation_s16(out, out, cnt, 0, act);
}

void tml_lstm_s8_step(const tml_lstm_params_t *p, const int8_t *x, int8_t *h, int16_t *c, int8_t *y, int n,
    int16_t *buf) {
    const int32_t cnt = n * p->hidden_size;
    int16_t *fg = buf, *ig = buf + cnt, *cg = buf + 2 * cnt, *tmp = buf + 3 * cnt;
    gate(p, &p->forget, x, h, n, ARM_SIGMOID, fg, tmp);
    gate(p, &p->input, x, h, n, ARM_SIGMOID, ig, tmp);
    gate(p, &p->cell, x, h, n, ARM_TANH, cg, tmp);
    arm_elementwise_mul_s16(fg, c, 0, 0, c, 0, p->forget_cell_multiplier, p->forget_cell_shift, NN_Q15_MIN,
        NN_Q15_MAX, cnt);
    arm_elementwise_mul_s16(ig, cg, 0, 0, tmp, 0, p->input_cell_multiplier, p->input_cell_shift, NN_Q15_MIN,
        NN_Q15_MAX, cnt);
    add_sat16(c, tmp, cnt);
    if (p->cell_clip >= 0) {
        for (int32_t i = 0; i < cnt; i++) {
            c[i] = (int16_t)(c[i] > p->cell_clip ? p->cell_clip : (c[i] < -p->cell_clip ? -p->cell_clip : c[i]));
        }
    }
    gate(p, &p->output, x, h, n, ARM_SIGMOID, ig, tmp);
    arm_nn_activation_s16(c, fg, cnt, p->cell_scale_power + 12, ARM_TANH);
    arm_elementwise_mul_s16_s8(ig, fg, h, p->hidden_zero_point, p->hidden_multiplier, p->hidden_shift, cnt, 1, 1);
    memcpy(y, h, (size_t)cnt);
}

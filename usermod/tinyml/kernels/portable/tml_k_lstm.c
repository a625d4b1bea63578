/* tinyml kernels (portable): integer UNIDIRECTIONAL_SEQUENCE_LSTM, bit-exact
 * with TFLM's lstm_eval (8x8->16 path with reference_integer_ops kernels). */
#include <string.h>
#include "../tml_kernels.h"
#include "../tml_math.h"

/* sigmoid(i/24) in 0.16 format, TFLite's sigmoid_table_uint16. */
static const uint16_t sigmoid_table[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535};

static int16_t sat16(int32_t v) {
    return (int16_t)(v < -32768 ? -32768 : (v > 32767 ? 32767 : v));
}

/* reference_integer_ops::FullyConnected, int8 -> int16, no zero points:
 * the input offset is folded into sum (per output row). */
static void fc(const int8_t *x, const int8_t *w, const int32_t *sum, int32_t mult, int32_t shift,
    int rows, int cols, int n, int16_t *out) {
    for (int b = 0; b < n; b++, x += cols) {
        const int8_t *wr = w;
        for (int r = 0; r < rows; r++, wr += cols) {
            int32_t acc = sum[r];
            for (int c = 0; c < cols; c++) {
                acc += (int32_t)wr[c] * x[c];
            }
            *out++ = sat16(tml_multiply_by_quantized_multiplier(acc, mult, shift));
        }
    }
}

/* reference_integer_ops::Logistic (int16) with input_multiplier 3, shift 0. */
static void sigmoid16(int16_t *d, int n) {
    for (int i = 0; i < n; i++) {
        int32_t v = d[i] * 3;
        uint32_t a = (uint32_t)(v < 0 ? -v : v);
        uint32_t uh = a >> 9, r;
        if (uh >= 255) {
            r = 0x7FFFu << 10;
        } else {
            uint32_t ua = sigmoid_table[uh], ub = sigmoid_table[uh + 1];
            r = (ua << 9) + (a & 0x1ff) * (ub - ua);
        }
        r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1;
        d[i] = (int16_t)(r >> 10);
    }
}

/* reference_integer_ops::Tanh (int16) as called by TFLM's lstm_internal::Tanh
 * with left shift (15 + cell_scale_power) - 3. */
static void tanh16(const int16_t *in, int16_t *out, int n, int32_t left_shift) {
    int32_t mult = 3, rshift = 0, round = 0;
    if (left_shift >= 0) {
        mult = 3 << left_shift;
    } else {
        rshift = -left_shift;
        round = 1 << (rshift - 1);
    }
    for (int i = 0; i < n; i++) {
        int32_t v = (in[i] * mult + round) >> rshift;
        uint32_t a = (uint32_t)(v < 0 ? -v : v);
        uint32_t uh = a >> 8, r;
        if (uh >= 255) {
            r = 0xFFFFu << 8;
        } else {
            uint32_t ua = sigmoid_table[uh], ub = sigmoid_table[uh + 1];
            r = (ua << 8) + (a & 0xff) * (ub - ua);
        }
        r = v >= 0 ? r - (1u << 23) + (1u << 7) : (1u << 23) - r + (1u << 7) - 1;
        out[i] = (int16_t)(uint16_t)(r >> 8);
    }
}

static void gate(const tml_lstm_params_t *p, const tml_lstm_gate_t *g, const int8_t *x, const int8_t *h,
    int n, int is_tanh, int16_t *out, int16_t *tmp) {
    const int hs = p->hidden_size, cnt = n * hs;
    fc(x, g->input_weights, g->input_sum, g->input_multiplier, g->input_shift, hs, p->input_size, n, out);
    fc(h, g->recurrent_weights, g->recurrent_sum, g->recurrent_multiplier, g->recurrent_shift, hs, hs, n, tmp);
    for (int i = 0; i < cnt; i++) {
        out[i] = sat16(out[i] + tmp[i]);
    }
    if (is_tanh) {
        tanh16(out, out, cnt, 0);
    } else {
        sigmoid16(out, cnt);
    }
}

static void mul16(const int16_t *a, const int16_t *b, int16_t *out, int n, int32_t mult, int32_t shift) {
    for (int i = 0; i < n; i++) {
        out[i] = sat16(tml_multiply_by_quantized_multiplier((int32_t)a[i] * b[i], mult, shift));
    }
}

void tml_lstm_s8_step(const tml_lstm_params_t *p, const int8_t *x, int8_t *h, int16_t *c, int8_t *y, int n,
    int16_t *buf) {
    const int cnt = n * p->hidden_size;
    int16_t *fg = buf, *ig = buf + cnt, *cg = buf + 2 * cnt, *tmp = buf + 3 * cnt;
    gate(p, &p->forget, x, h, n, 0, fg, tmp);
    gate(p, &p->input, x, h, n, 0, ig, tmp);
    gate(p, &p->cell, x, h, n, 1, cg, tmp);
    mul16(fg, c, c, cnt, p->forget_cell_multiplier, p->forget_cell_shift);
    mul16(ig, cg, tmp, cnt, p->input_cell_multiplier, p->input_cell_shift);
    for (int i = 0; i < cnt; i++) {
        int32_t v = sat16(c[i] + tmp[i]);
        if (p->cell_clip >= 0) {
            v = v > p->cell_clip ? p->cell_clip : (v < -p->cell_clip ? -p->cell_clip : v);
        }
        c[i] = (int16_t)v;
    }
    gate(p, &p->output, x, h, n, 0, ig, tmp);
    tanh16(c, fg, cnt, p->cell_scale_power + 12);
    for (int i = 0; i < cnt; i++) {
        int32_t v = tml_multiply_by_quantized_multiplier((int32_t)fg[i] * ig[i], p->hidden_multiplier,
            p->hidden_shift) + p->hidden_zero_point;
        h[i] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
    }
    memcpy(y, h, (size_t)cnt);
}

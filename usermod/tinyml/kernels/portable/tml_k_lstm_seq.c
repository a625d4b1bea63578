/* tinyml kernels: the UNIDIRECTIONAL_SEQUENCE_LSTM sequence loop, shared by
 * both backends; each backend provides tml_lstm_s8_step(). */
#include "../tml_kernels.h"

int32_t tml_lstm_s8_get_buffer_size(const tml_lstm_params_t *p) {
    return 4 * (p->time_major ? p->batch_size : 1) * p->hidden_size * (int32_t)sizeof(int16_t);
}

tml_status_t tml_lstm_s8(const tml_lstm_params_t *p, const int8_t *input, int8_t *output,
    int8_t *hidden_state, int16_t *cell_state, void *buffer) {
    const int nb = p->batch_size, nt = p->time_steps, ni = p->input_size, nh = p->hidden_size;
    if (nb <= 0 || nt <= 0 || ni <= 0 || nh <= 0 || !input || !output || !hidden_state || !cell_state || !buffer
        || p->cell_scale_power + 12 > 14 || p->cell_scale_power + 12 < -31) {
        return TML_ERR_KERNEL;
    }
    if (p->time_major) {
        for (int t = 0; t < nt; t++) {
            tml_lstm_s8_step(p, input + t * nb * ni, hidden_state, cell_state, output + t * nb * nh, nb, buffer);
        }
    } else {
        for (int b = 0; b < nb; b++) {
            for (int t = 0; t < nt; t++) {
                tml_lstm_s8_step(p, input + (b * nt + t) * ni, hidden_state + b * nh, cell_state + b * nh,
                    output + (b * nt + t) * nh, 1, buffer);
            }
        }
    }
    return TML_OK;
}

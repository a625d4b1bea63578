/*
 * tinyml kernels: the TFLM signal library's audio front-end arithmetic
 * (signal/src), bit-exact: window, FFT auto scale, energy, filter bank
 * (accumulate, square root, spectral subtraction, log), PCAN gain control,
 * overlap-add, and the sample queues of delay, framer and stacker.
 */
#include <string.h>
#include "../tml_kernels.h"

/* Index of the most significant bit, 1-based; 32 (64) for 0, as the signal
 * library's GCC build (MostSignificantBit32/64 with __builtin_clz). */
static uint32_t msb64(uint64_t x) {
    uint32_t n = 0;
    if (x == 0) {
        return 64;
    }
    while (x) {
        x >>= 1;
        n++;
    }
    return n;
}

static uint32_t msb32(uint32_t x) {
    return x ? msb64(x) : 32;
}

static int16_t sat16(int32_t v) {
    return (int16_t)(v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v);
}

tml_status_t tml_signal_window_s16(const int16_t *in, const int16_t *window, int32_t size, int32_t n, int32_t shift,
    int16_t *out) {
    if (size <= 0 || shift < 0 || shift > 31) {
        return TML_ERR_KERNEL;
    }
    for (int32_t base = 0; base < n; base += size) {
        for (int32_t i = 0; i < size; i++) {
            out[base + i] = sat16(((int32_t)in[base + i] * window[i]) >> shift);
        }
    }
    return TML_OK;
}

int32_t tml_signal_fft_auto_scale_s16(const int16_t *in, int32_t n, int16_t *out) {
    int16_t max = 0;
    for (int32_t i = 0; i < n; i++) {
        const int16_t v = in[i];
        if (v > max) {
            max = v;
        } else if (-v > max) {
            max = (int16_t)-v; /* -(-32768) wraps to -32768, as the reference's int16_t */
        }
    }
    int32_t bits = 16 - (int32_t)msb32((uint32_t)(int32_t)max) - 1;
    if (bits <= 0) {
        bits = 0;
    }
    for (int32_t i = 0; i < n; i++) {
        out[i] = (int16_t)(in[i] * (1 << bits));
    }
    return bits;
}

void tml_signal_energy_s16(const int16_t *in_cpx, int32_t n, int32_t start, int32_t end, uint32_t *out) {
    for (int32_t i = 0; i < n; i++) {
        if (i < start || i >= end) {
            out[i] = 0;
            continue;
        }
        const int32_t re = in_cpx[2 * i], im = in_cpx[2 * i + 1];
        out[i] = (uint32_t)(re * re) + (uint32_t)(im * im);
    }
}

tml_status_t tml_signal_filter_bank(const uint32_t *in, int32_t n_in, const int16_t *weights,
    const int16_t *unweights, int32_t n_weights, const int16_t *freq_starts, const int16_t *weight_starts,
    const int16_t *widths, int32_t n_channels, uint64_t *out, uint64_t *scratch) {
    /* the index tensors may be computed: check every band lies inside its arrays */
    for (int32_t i = 0; i <= n_channels; i++) {
        const int32_t f = freq_starts[i], w = weight_starts[i], k = widths[i];
        if (f < 0 || w < 0 || k < 0 || f + k > n_in || w + k > n_weights) {
            return TML_ERR_KERNEL;
        }
    }
    uint64_t acc = 0, unacc = 0;
    for (int32_t i = 0; i <= n_channels; i++) {
        const int32_t f = freq_starts[i], w = weight_starts[i];
        for (int32_t j = 0; j < widths[i]; j++) {
            acc += (uint64_t)(int64_t)weights[w + j] * (uint64_t)in[f + j];
            unacc += (uint64_t)(int64_t)unweights[w + j] * (uint64_t)in[f + j];
        }
        scratch[i] = acc;
        acc = unacc;
        unacc = 0;
    }
    memcpy(out, scratch + 1, sizeof(uint64_t) * (size_t)n_channels);
    return TML_OK;
}

static uint16_t sqrt32(uint32_t num) {
    if (num == 0) {
        return 0;
    }
    uint32_t res = 0;
    int max_bit = (32 - (int)msb32(num)) | 1;
    uint32_t bit = 1u << (31 - max_bit);
    int iterations = (31 - max_bit) / 2 + 1;
    while (iterations--) {
        if (num >= res + bit) {
            num -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    if (num > res && res != 0xFFFF) {
        ++res;
    }
    return (uint16_t)res;
}

static uint32_t sqrt64(uint64_t num) {
    if ((num >> 32) == 0) {
        return sqrt32((uint32_t)num);
    }
    uint64_t res = 0;
    int max_bit = (64 - (int)msb64(num)) | 1;
    uint64_t bit = (uint64_t)1 << (63 - max_bit);
    int iterations = (63 - max_bit) / 2 + 1;
    while (iterations--) {
        if (num >= res + bit) {
            num -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    if (num > res && res != 0xFFFFFFFFu) {
        ++res;
    }
    return (uint32_t)res;
}

void tml_signal_filter_bank_sqrt(const uint64_t *in, int32_t n, int32_t scale_down_bits, uint32_t *out) {
    /* a shift count of 32 or more is masked, as the x86 and Arm shifters the reference runs on */
    const uint32_t s = (uint32_t)scale_down_bits & 31;
    for (int32_t i = 0; i < n; i++) {
        out[i] = sqrt64(in[i]) >> s;
    }
}

void tml_signal_spectral_subtraction(const tml_spectral_subtraction_t *c, const uint32_t *in, uint32_t *out,
    uint32_t *noise, int32_t n) {
    for (int32_t i = 0; i < n; ++i) {
        const uint32_t sm = (i & 1) == 0 ? c->smoothing : c->alternate_smoothing;
        const uint32_t one_minus = (i & 1) == 0 ? c->one_minus_smoothing : c->alternate_one_minus_smoothing;
        const uint32_t up = in[i] << c->smoothing_bits;
        noise[i] = (uint32_t)(((uint64_t)up * sm + (uint64_t)noise[i] * one_minus) >> c->spectral_subtraction_bits);
        uint32_t est = noise[i];
        if (est > up) {
            est = up;
            if (c->clamping) {
                noise[i] = est;
            }
        }
        const uint32_t fl = (uint32_t)(((uint64_t)in[i] * c->min_signal_remaining) >> c->spectral_subtraction_bits);
        const uint32_t sub = (up - est) >> c->smoothing_bits;
        out[i] = sub > fl ? sub : fl;
    }
}

/* PCAN's gain: a piecewise polynomial of the noise estimate (WideDynamicFunction). */
static int16_t pcan_gain(uint32_t x, const int16_t *lut) {
    if (x <= 2) {
        return lut[x];
    }
    const int16_t interval = (int16_t)msb32(x);
    lut += 4 * interval - 6;
    const int16_t frac = (int16_t)(((interval < 11) ? (x << (11 - interval)) : (x >> (interval - 11))) & 0x3FF);
    int32_t r = ((int32_t)lut[2] * frac) >> 5;
    r += (int32_t)((uint32_t)(int32_t)lut[1] << 5);
    r *= frac;
    r = (r + (1 << 14)) >> 15;
    r += lut[0];
    return (int16_t)r;
}

#define PCAN_SNR_BITS 12
#define PCAN_OUTPUT_BITS 6

void tml_signal_pcan(const uint32_t *in, const uint32_t *noise, const int16_t *gain_lut, int32_t snr_shift,
    uint32_t *out, int32_t n) {
    for (int32_t i = 0; i < n; ++i) {
        const uint32_t gain = (uint32_t)(int32_t)pcan_gain(noise[i], gain_lut);
        const uint32_t snr = (uint32_t)(((uint64_t)in[i] * gain) >> snr_shift);
        if (snr < (2u << PCAN_SNR_BITS)) {
            out[i] = (snr * snr) >> (2 + 2 * PCAN_SNR_BITS - PCAN_OUTPUT_BITS);
        } else {
            out[i] = (snr >> (PCAN_SNR_BITS - PCAN_OUTPUT_BITS)) - (1u << PCAN_OUTPUT_BITS);
        }
    }
}

static const uint16_t log_lut[] = {
    0, 224, 442, 654, 861, 1063, 1259, 1450, 1636, 1817, 1992, 2163, 2329, 2490, 2646, 2797, 2944, 3087, 3224,
    3358, 3487, 3611, 3732, 3848, 3960, 4068, 4172, 4272, 4368, 4460, 4549, 4633, 4714, 4791, 4864, 4934, 5001,
    5063, 5123, 5178, 5231, 5280, 5326, 5368, 5408, 5444, 5477, 5507, 5533, 5557, 5578, 5595, 5610, 5622, 5631,
    5637, 5640, 5641, 5638, 5633, 5626, 5615, 5602, 5586, 5568, 5547, 5524, 5498, 5470, 5439, 5406, 5370, 5332,
    5291, 5249, 5203, 5156, 5106, 5054, 5000, 4944, 4885, 4825, 4762, 4697, 4630, 4561, 4490, 4416, 4341, 4264,
    4184, 4103, 4020, 3935, 3848, 3759, 3668, 3575, 3481, 3384, 3286, 3186, 3084, 2981, 2875, 2768, 2659, 2549,
    2437, 2323, 2207, 2090, 1971, 1851, 1729, 1605, 1480, 1353, 1224, 1094, 963, 830, 695, 559, 421, 282, 142,
    0, 0,
};

/* ln(x) * out_scale in Q16 fixed point via a log2 table (the signal library's Log32). */
static uint32_t log32(uint32_t x, uint32_t out_scale) {
    const uint32_t integer = msb32(x) - 1;
    int32_t frac = (int32_t)((int64_t)x - ((int64_t)1 << integer));
    if (integer < 16) {
        frac = (int32_t)((uint32_t)frac << (16 - integer));
    } else {
        frac >>= integer - 16;
    }
    const uint32_t base_seg = (uint32_t)frac >> 9;
    const int32_t c0 = log_lut[base_seg];
    const int32_t c1 = log_lut[base_seg + 1];
    const int32_t seg_base = (int32_t)(512u * base_seg);
    const int32_t rel_pos = ((c1 - c0) * (frac - seg_base)) >> 16;
    const uint32_t fraction = (uint32_t)(frac + c0 + rel_pos);
    const uint32_t log2 = (integer << 16) + fraction;
    const uint32_t loge = (uint32_t)(((uint64_t)45426 * log2 + 32768) >> 16);
    return (out_scale * loge + 32768) >> 16;
}

void tml_signal_filter_bank_log(const uint32_t *in, int32_t n, int32_t output_scale, int32_t correction_bits,
    int16_t *out) {
    for (int32_t i = 0; i < n; ++i) {
        const uint32_t scaled = in[i] << correction_bits;
        if (scaled > 1) {
            const uint32_t v = log32(scaled, (uint32_t)output_scale);
            out[i] = (int16_t)(v < (uint32_t)INT16_MAX ? v : (uint32_t)INT16_MAX);
        } else {
            out[i] = 0;
        }
    }
}

void tml_signal_overlap_add_s16(const int16_t *in, int16_t *buffer, int32_t frame_size, int16_t *out,
    int32_t frame_step) {
    for (int32_t i = 0; i < frame_size; ++i) {
        buffer[i] = sat16((int32_t)in[i] + buffer[i]);
    }
    memcpy(out, buffer, sizeof(int16_t) * (size_t)frame_step);
    memmove(buffer, buffer + frame_step, sizeof(int16_t) * (size_t)(frame_size - frame_step));
    memset(buffer + frame_size - frame_step, 0, sizeof(int16_t) * (size_t)frame_step);
}

void tml_signal_overlap_add_f32(const float *in, float *buffer, int32_t frame_size, float *out, int32_t frame_step) {
    for (int32_t i = 0; i < frame_size; ++i) {
        buffer[i] += in[i];
    }
    memcpy(out, buffer, sizeof(float) * (size_t)frame_step);
    memmove(buffer, buffer + frame_step, sizeof(float) * (size_t)(frame_size - frame_step));
    memset(buffer + frame_size - frame_step, 0, sizeof(float) * (size_t)frame_step);
}

void tml_signal_delay_s16(const int16_t *in, int16_t *line, int32_t frame, int32_t delay, int16_t *out) {
    if (delay <= frame) {
        memcpy(out, line, sizeof(int16_t) * (size_t)delay);
        memcpy(out + delay, in, sizeof(int16_t) * (size_t)(frame - delay));
        memcpy(line, in + frame - delay, sizeof(int16_t) * (size_t)delay);
    } else {
        memcpy(out, line, sizeof(int16_t) * (size_t)frame);
        memmove(line, line + frame, sizeof(int16_t) * (size_t)(delay - frame));
        memcpy(line + delay - frame, in, sizeof(int16_t) * (size_t)frame);
    }
}

void tml_signal_queue_push(tml_signal_queue_t *q, const int16_t *v, int32_t n) {
    memcpy(q->data + q->count, v, sizeof(int16_t) * (size_t)n);
    q->count += n;
}

void tml_signal_queue_pop(tml_signal_queue_t *q, int32_t n) {
    memmove(q->data, q->data + n, sizeof(int16_t) * (size_t)(q->count - n));
    q->count -= n;
}

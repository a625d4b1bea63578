/* kernels/dsp's CONV_2D (tml_conv_s8_dsp; with CHECK_ARMV6M kernels/armv6m's) against the portable reference (tml_conv_s8_portable, TFLM's
 * ConvPerChannel) on random layers: patches of 1x1 and 3x3 filters with and without padding and stride,
 * depths that are and are not whole words, 1-9 output channels, per-channel multipliers and shifts (down to
 * -24, past the 4-pixel path's limit of -22), biases small, large (past tml_dsp_small's bound) or absent,
 * input and output offsets over their whole ranges, and activations full or narrower. On a DSP core
 * (QEMU's mps2-an500, Cortex-M7, a bare-metal program on the benchmarks' runtime) it checks the assembly
 * (tml_dsp_mm4's naked function), and on the Cortex-M3 (mps2-an385) the ARMv6-M kernel's Thumb-2 loops and
 * short requantization; on the host, the kernel's C. Prints "N of M layers differ (F on the short path)":
 * F of the layers meet the rule of tml_dsp_mm4 (mm4_ok) or of out_sq (sq_fold). */
#include <stdint.h>
#include <string.h>
#if defined(CHECK_ARMV6M)
/* kernels/armv6m's CONV_2D instead (on the Cortex-M3: its short requantization, out_sq) */
#include "armv6m/tml_armv6m.h"
#define CONV_OK tml_armv6m_conv_ok
#define CONV tml_conv_s8_armv6m
#define CONV_BUF tml_conv_s8_armv6m_get_buffer_size
#else
#include "dsp/tml_dsp.h"
#define CONV_OK tml_dsp_conv_ok
#define CONV tml_conv_s8_dsp
#define CONV_BUF tml_conv_s8_dsp_get_buffer_size
#endif
#if defined(__arm__)
#include "bench_rt.h"
#define PRINTF bench_printf
const bench_model_t bench_models[1];
const uint32_t bench_num_models = 0;
#else
#include <stdio.h>
#define PRINTF printf
#endif

static uint32_t st = 0x2545F491u;
static uint32_t rnd(void) {
    st ^= st << 13;
    st ^= st >> 17;
    st ^= st << 5;
    return st;
}
static int32_t range(int32_t lo, int32_t hi) {
    return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1));
}

#define MAX_IN (8 * 8 * 32)
#define MAX_N 9
#define MAX_OUT (8 * 8 * MAX_N)
static int8_t input[MAX_IN], filter[MAX_N * 3 * 3 * 32], got[MAX_OUT + 1], want[MAX_OUT];
static int32_t bias_v[MAX_N], mult[MAX_N], shift[MAX_N];
static uint8_t scratch[8192];

int main(void) {
    const long layers = 3000;
    long bad = 0, fast = 0;
    for (long i = 0; i < layers; i++) {
        const int32_t fh = rnd() % 2 ? 3 : 1, fw = fh, cin = i % 3 ? 4 * range(fh == 1 ? 6 : 1, 8) : range(fh == 1 ? 24 : 3, 31);
        const int32_t pad = fh == 3 && rnd() % 2, stride = range(1, 2);
        const int32_t ih = range(fh, 8), iw = range(fh, 8), N = range(1, MAX_N);
        const tml_dims_t in = {1, ih, iw, cin}, f = {N, fh, fw, cin};
        const tml_dims_t out = {1, (ih + 2 * pad - fh) / stride + 1, (iw + 2 * pad - fw) / stride + 1, N};
        tml_conv_params_t p;
        memset(&p, 0, sizeof(p));
        p.input_offset = range(-127, 128);
        p.output_offset = range(-128, 127);
        p.stride.h = p.stride.w = stride;
        p.padding.h = p.padding.w = pad;
        p.dilation.h = p.dilation.w = 1;
        p.activation.min = rnd() % 2 ? -128 : range(-128, 0);
        p.activation.max = rnd() % 2 ? 127 : range(p.activation.min, 127);
        const int32_t K = fh * fw * cin;
        for (int32_t k = 0; k < ih * iw * cin; k++) {
            input[k] = (int8_t)range(-128, 127);
        }
        for (int32_t k = 0; k < N * K; k++) {
            filter[k] = (int8_t)range(-127, 127);
        }
        /* shifts: mostly the usual few bits right, some channels far right or left */
        const int bias_kind = (int)(rnd() % 4); /* 0 none, 1 small, 2 medium, 3 large */
        for (int32_t n = 0; n < N; n++) {
            mult[n] = (int32_t)(0x40000000u + (rnd() & 0x3FFFFFFFu));
            const uint32_t r = rnd() % 16;
            shift[n] = r == 0 ? range(-24, -21) : r == 1 ? range(1, 3) : range(-12, 0);
            bias_v[n] = bias_kind == 1 ? range(-5000, 5000) : bias_kind == 2 ? range(-(1 << 22), 1 << 22) :
                range(-(1 << 28), 1 << 28);
        }
        const int32_t *bias = bias_kind ? bias_v : NULL;
        tml_per_channel_quant_params_t q = {mult, shift};
        const tml_context_t ctx = {scratch, CONV_BUF(&p, &in, &f, &out), 0};
        if (!CONV_OK(&p, &in, &f, &out) || ctx.size > (int32_t)sizeof(scratch)) {
            PRINTF("layer %ld: not a DSP layer\n", i);
            return 1;
        }
        int32_t min_shift = 0;
        for (int32_t n = 0; n < N; n++) {
            min_shift = shift[n] < min_shift ? shift[n] : min_shift;
        }
#if defined(CHECK_ARMV6M)
        /* the short requantization's rule (sq_fold in tml_armv6m_conv.c), where a call has 3 or more pixels:
         * |bias + input offset * the channel's weight sum| + K * 2^14, shifted left, below 2^28 */
        int64_t max_sum = 0;
        int32_t max_left = 0;
        for (int32_t n = 0; n < N; n++) {
            int64_t sum = bias ? bias[n] : 0;
            for (int32_t k = 0; k < K; k++) {
                sum += (int64_t)p.input_offset * filter[n * K + k];
            }
            max_sum = (sum < 0 ? -sum : sum) > max_sum ? (sum < 0 ? -sum : sum) : max_sum;
            max_left = shift[n] > max_left ? shift[n] : max_left;
        }
        fast += min_shift >= -22 && max_left <= 2 && out.h * out.w >= 3 &&
            (max_sum + (int64_t)K * 16384) << max_left < ((int64_t)1 << 28);
#else
        /* the 4-pixel path's rule (mm4_ok in tml_dsp_conv.c), where a call has 4 or more pixels */
        fast += tml_dsp_small(shift, bias, N, K) && min_shift >= -22 && out.h * out.w >= 4;
#endif
        const int32_t n_out = out.h * out.w * N;
        memset(got, 0x55, sizeof(got));
        const tml_status_t s1 = CONV(&ctx, &p, &q, &in, input, &f, filter, bias, &out, got);
        const tml_status_t s2 = tml_conv_s8_portable(&p, &q, &in, input, &f, filter, bias, &out, want);
        int32_t diff = s1 != TML_OK || s2 != TML_OK || got[n_out] != 0x55;
        for (int32_t k = 0; k < n_out && !diff; k++) {
            diff = got[k] != want[k];
        }
        if (diff) {
            if (bad < 5) {
                PRINTF("layer %ld: %ldx%ldx%ld filter %ldx%ld N %ld stride %ld pad %ld bias %d differs\n", i,
                    (long)ih, (long)iw, (long)cin, (long)fh, (long)fw, (long)N, (long)stride, (long)pad, bias_kind);
            }
            bad++;
        }
    }
    PRINTF("%ld of %ld layers differ (%ld on the short path)\n", bad, layers, fast);
    return 0;
}

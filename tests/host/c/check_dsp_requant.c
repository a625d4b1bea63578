/* tml_dsp_requantize_s (SMMULR and a shorter rounding shift, for accumulators within the bound
 * tml_dsp_small checks) against tml_dsp_requantize_rq (arm_nn_requantize exactly): random multipliers
 * (also ones with many trailing zero bits, whose products tie at bit 30 for every odd accumulator),
 * every shift, random biases and patch sizes, accumulators anywhere within the channel's bound and at
 * its ends, wherever tml_dsp_small() allows the short path; then ADD's inputs (every value, shifted left by
 * 20 through tml_dsp_rqs_pre); then the depthwise kernel's 4-channel requantization (requant4_s8, the output
 * offset folded into its rounding constant) against arm_nn_requantize + the offset, clamped to int8, for
 * accumulators anywhere in int32 (its QADD saturating at both ends) wherever fast_ok allows it; exit
 * status 1 on any difference, 2 if too few cases took the SMMULR path. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#define TML_KERNELS_DSP 1 /* the kernels' C (their statics: the depthwise kernel's requantization) */
#include "dsp/tml_dsp_conv.c"
#include "dsp/tml_dsp_dw.c"
static uint64_t s = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000, bad = 0, small = 0;
    for (long i = 0; i < n; i++) {
        int32_t mult = (int32_t)(rnd() & 0x7FFFFFFFu);
        if (i % 4 == 1) mult = (int32_t)(((uint32_t)mult >> (rnd() % 31)) << (rnd() % 31)) & 0x7FFFFFFF;
        if (i % 8 == 3) mult = -mult;
        const int32_t shift = (int32_t)(rnd() % 63) - 31;                 /* -31 .. 31 */
        const int32_t K = 1 + (int32_t)(rnd() % (i % 2 ? 64 : 5000));
        const int32_t bias = (int32_t)(rnd() % 3 ? (int32_t)(rnd() % 200001) - 100000 : (int32_t)rnd());
        const tml_dsp_rqs_t r = tml_dsp_rqs(mult, shift);
        const tml_dsp_rq_t rq = tml_dsp_rq(mult, shift);
        const int ok = tml_dsp_small(&shift, &bias, 1, K);
        const int64_t bound = (int64_t)(bias < 0 ? -(int64_t)bias : bias) + (int64_t)K * 255 * 128;
        for (int j = 0; j < 8; j++) {
            int64_t a;
            if (j == 0) a = bound; else if (j == 1) a = -bound;
            else if (j < 5) a = (int64_t)(rnd() % 4001) - 2000;
            else a = (int64_t)(rnd() % (uint64_t)(2 * bound + 1)) - bound;
            if (a > INT32_MAX || a < INT32_MIN) continue;
            const int32_t acc = (int32_t)a;
            if (!ok) { /* the exact path runs: nothing to compare */
                continue;
            }
            small++;
            const int32_t want = tml_dsp_requantize_rq(acc, rq), got = tml_dsp_requantize_s(acc, &r);
            if (want != got) {
                if (bad < 10) printf("acc %ld mult %ld shift %ld: %ld vs %ld\n", (long)acc, (long)mult, (long)shift, (long)want, (long)got);
                bad++;
            }
        }
    }
    /* ADD's inputs (tml_dsp_add.c): every value v + offset in [-255, 255], shifted left by 20 first
     * (tml_dsp_rqs_pre), every shift in [-30, 0], random multipliers and ones with trailing zero bits */
    for (long i = 0; i < 2000; i++) {
        int32_t mult = (int32_t)(rnd() & 0x7FFFFFFFu);
        if (i % 2) mult = (int32_t)(((uint32_t)mult >> (rnd() % 31)) << (rnd() % 31)) & 0x7FFFFFFF;
        const int32_t shift = -(int32_t)(i % 31);
        const tml_dsp_rqs_t r = tml_dsp_rqs_pre(mult, shift, 20);
        const tml_dsp_rq_t rq = tml_dsp_rq(mult, shift);
        for (int32_t v = -255; v <= 255; v++) {
            small++;
            const int32_t want = tml_dsp_requantize_rq((int32_t)((uint32_t)v << 20), rq);
            const int32_t got = tml_dsp_requantize_s(v, &r);
            if (want != got) {
                if (bad < 10) printf("add input %ld mult %ld shift %ld: %ld vs %ld\n", (long)v, (long)mult, (long)shift, (long)want, (long)got);
                bad++;
            }
        }
    }
    /* the depthwise kernel's fast 4-channel requantization: 4 channels per row, each with its multiplier
     * in [2^30, 2^31) and shift in [-23, -1] (fast_ok), every output offset */
    long dw = 0;
    for (long i = 0; i < 20000; i++) {
        int32_t pb[12], mult[4], shift[4], acc[4 * 8];
        const int32_t out_off = (int32_t)(i % 256) - 128;
        int fast4 = 1;
        for (int k = 0; k < 4; k++) {
            mult[k] = (int32_t)(0x40000000u | (uint32_t)(rnd() & 0x3FFFFFFFu));
            if (i % 3 == 1) mult[k] = (int32_t)(0x40000000u | ((uint32_t)mult[k] >> (rnd() % 30)) << (rnd() % 30));
            shift[k] = -1 - (int32_t)(rnd() % 23);
            const rq_t r = rq_of(mult[k], shift[k]);
            fast4 = fast4 && fast_ok(r, out_off, 127);
            pb[3 * k] = r.m2;
            pb[3 * k + 1] = (int32_t)((1u << (r.right - 1)) + ((uint32_t)out_off << r.right));
            pb[3 * k + 2] = r.right;
        }
        if (!fast4) {
            continue;
        }
        for (int j = 0; j < 32; j++) {
            const uint32_t u = (uint32_t)rnd();
            acc[j] = j == 0 ? INT32_MAX : j == 1 ? INT32_MIN : j % 3 ? (int32_t)u : (int32_t)(u % 2000001) - 1000000;
        }
        int8_t o[32];
        requant4_s8(acc, 8, o, 4, pb);
        for (int j = 0; j < 32; j++) {
            const int32_t want = tml_dsp_out(acc[j], tml_dsp_rq(mult[j % 4], shift[j % 4]), out_off, -128, 127);
            dw++;
            if (o[j] != want) {
                if (bad < 10) printf("depthwise acc %ld mult %ld shift %ld offset %ld: %d vs %ld\n", (long)acc[j],
                    (long)mult[j % 4], (long)shift[j % 4], (long)out_off, o[j], (long)want);
                bad++;
            }
        }
    }
    small += dw;
    printf("%ld of %ld differ\n", bad, small);
    return bad ? 1 : small < n ? 2 : 0;
}

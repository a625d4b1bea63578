/*
 * libFuzzer target: the model reader, prepare, planning and invoke.
 * The input is a .tflite file; if it loads, it is run once on input bytes
 * derived from the file, so prepare/eval paths are covered too. The file's
 * size (its low 4 bits) picks the planner's mode: as it plans by default, every
 * operator in place that can run so, the longest stage band by band, or both
 * (tml_core.h TML_LOAD_FORCE_*), so that mutated models reach in-place and
 * patch execution even where the default plan would not choose them; the
 * forced in-place and patch modes also compute every convolution's
 * multipliers and shifts per call (TML_LOAD_QUANT_PER_CALL).
 * FUZZ_PLAN_STATS set: one line per loaded input on stderr,
 * "plan <flags> <in-place records> <stage records>".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tml_core.h"

static void *fz_alloc(void *ctx, size_t n) {
    (void)ctx;
    return n > (64u << 20) ? NULL : malloc(n ? n : 1);
}

static void fz_free(void *ctx, void *p, size_t n) {
    (void)ctx;
    (void)n;
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const tml_allocator_t a = { fz_alloc, fz_free, NULL };
    tml_model_t m;
    tml_error_t err;
    /* an exact-size heap copy, so ASan sees any read past the model's end */
    static const unsigned modes[4] = {0, TML_LOAD_FORCE_INPLACE | TML_LOAD_QUANT_PER_CALL,
        TML_LOAD_FORCE_PATCHES | TML_LOAD_QUANT_PER_CALL, TML_LOAD_FORCE_INPLACE | TML_LOAD_FORCE_PATCHES};
    const unsigned flags = modes[(size ^ (size >> 2)) & 3]; /* flatbuffer sizes are often multiples of 4 */
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    if (tml_model_load_ex(&m, copy, size, &a, flags, &err) == TML_OK) {
        if (getenv("FUZZ_PLAN_STATS")) {
            int counts[3] = {0, 0, 0};
            for (int i = 0; i < tml_model_num_plans(&m); i++) {
                int first, last, kind, rows;
                int32_t temp;
                if (tml_model_plan(&m, i, &first, &last, &kind, &rows, &temp) == 0 && kind >= 1 && kind <= 2) {
                    counts[kind]++;
                }
            }
            fprintf(stderr, "plan %u %d %d\n", flags, counts[1], counts[2]);
        }
        size_t n = tml_model_arena_size(&m);
        if (n <= (64u << 20)) {
            uint8_t *arena = malloc(n ? n : 1);
            if (tml_model_set_arena(&m, arena, n, &err) == TML_OK) {
                for (int i = 0; i < tml_model_num_inputs(&m); i++) {
                    tml_tensor_t *t = tml_model_input(&m, i);
                    for (int32_t b = 0; t->data && b < t->bytes; b++) {
                        ((uint8_t *)t->data)[b] = size ? data[(size_t)b % size] : 0;
                    }
                }
                tml_model_invoke(&m, &err);
            }
            free(arena);
        }
        tml_model_free(&m);
    }
    free(copy);
    return 0;
}

/*
 * libFuzzer target: the model reader, prepare, planning and invoke.
 * The input is a .tflite file; if it loads, it is run once on input bytes
 * derived from the file, so prepare/eval paths are covered too.
 */
#include <stdint.h>
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
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    if (tml_model_load(&m, copy, size, &a, &err) == TML_OK) {
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

#define _POSIX_C_SOURCE 200809L
/*
 * libFuzzer target: invoke with arbitrary input tensor bytes on fixed models
 * (the seed models listed in the file FUZZ_MODELS names, one path per line,
 * loaded once: a file, not the paths themselves, because a thousand seed
 * paths exceed the kernel's limit on one environment string). The first two
 * bytes pick the model, the rest fills the inputs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tml_core.h"

#define MAX_MODELS 1024

static void *fz_alloc(void *ctx, size_t n) {
    (void)ctx;
    return malloc(n ? n : 1);
}

static void fz_free(void *ctx, void *p, size_t n) {
    (void)ctx;
    (void)n;
    free(p);
}

static tml_model_t models[MAX_MODELS];
static int n_models;

static void load_models(void) {
    static const tml_allocator_t a = { fz_alloc, fz_free, NULL };
    const char *list = getenv("FUZZ_MODELS");
    FILE *lf = list ? fopen(list, "r") : NULL;
    if (!lf) {
        fprintf(stderr, "fuzz_input: set FUZZ_MODELS to a file listing .tflite files, one per line\n");
        exit(2);
    }
    char p[4096];
    while (n_models < MAX_MODELS && fgets(p, sizeof(p), lf)) {
        p[strcspn(p, "\r\n")] = '\0';
        if (!p[0]) {
            continue;
        }
        FILE *f = fopen(p, "rb");
        if (!f) {
            continue;
        }
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *buf = malloc((size_t)len);
        if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
            fclose(f);
            free(buf);
            continue;
        }
        fclose(f);
        tml_error_t err;
        tml_model_t *m = &models[n_models];
        if (tml_model_load(m, buf, (size_t)len, &a, &err) != TML_OK) {
            fprintf(stderr, "fuzz_input: %s: %s\n", p, err.msg);
            free(buf);
            continue;
        }
        size_t n = tml_model_arena_size(m);
        if (tml_model_set_arena(m, malloc(n ? n : 1), n, &err) == TML_OK) {
            n_models++;
        }
    }
    fclose(lf);
    if (!n_models) {
        fprintf(stderr, "fuzz_input: no model from FUZZ_MODELS loaded\n");
        exit(2);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!n_models) {
        load_models();
    }
    if (size < 2) {
        return 0;
    }
    tml_model_t *m = &models[(data[0] | (unsigned)data[1] << 8) % (unsigned)n_models];
    data += 2;
    size -= 2;
    for (int i = 0; i < tml_model_num_inputs(m); i++) {
        tml_tensor_t *t = tml_model_input(m, i);
        for (int32_t b = 0; b < t->bytes; b++) {
            ((uint8_t *)t->data)[b] = size ? data[(size_t)b % size] : 0; /* any bytes: NaN, inf too */
        }
    }
    tml_error_t err;
    tml_model_invoke(m, &err);
    return 0;
}

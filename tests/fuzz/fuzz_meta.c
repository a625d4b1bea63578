#define _POSIX_C_SOURCE 200809L
/*
 * libFuzzer target: flash metadata blobs (tml_model_load_meta) for fixed models (the files FUZZ_MODELS
 * lists, one path per line, read once). Input: two bytes pick the model, one mode byte, then the blob.
 * Mode bits make the harness repair what would stop the blob at the first checks, so that the fuzzer
 * reaches the entry table and the arrays: 1 the model size and hash fields, 2 the configuration id,
 * 4 the checksum (last). Every blob must load (used, in part or ignored) and run without a crash.
 * Mode 8: the harness writes the model's blob itself (TML_LOAD_META_RECORD), xors one byte past its
 * header (position and mask from the input) and reseals it: out-of-range multipliers and shifts must be
 * refused, entries that no longer match ignored; with mask 0 (the blob as written) the outputs must equal
 * those of the model loaded without it.
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

static const tml_allocator_t alloc = { fz_alloc, fz_free, NULL };
static uint8_t *model_data[MAX_MODELS];
static size_t model_size[MAX_MODELS];
static int n_models;

static void read_models(void) {
    const char *list = getenv("FUZZ_MODELS");
    FILE *lf = list ? fopen(list, "r") : NULL;
    if (!lf) {
        fprintf(stderr, "fuzz_meta: set FUZZ_MODELS to a file listing .tflite files, one per line\n");
        exit(2);
    }
    char p[4096];
    while (n_models < MAX_MODELS && fgets(p, sizeof(p), lf)) {
        p[strcspn(p, "\r\n")] = '\0';
        FILE *f = p[0] ? fopen(p, "rb") : NULL;
        if (!f) {
            continue;
        }
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
        if (len <= 0 || len > (1 << 20) || fread(buf, 1, (size_t)len, f) != (size_t)len) {
            free(buf);
        } else {
            model_data[n_models] = buf;
            model_size[n_models++] = (size_t)len;
        }
        fclose(f);
    }
    fclose(lf);
    if (!n_models) {
        fprintf(stderr, "fuzz_meta: no model read from FUZZ_MODELS\n");
        exit(2);
    }
}

static uint32_t fnv1a(const uint8_t *p, size_t n, uint32_t h) {
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 16777619u;
    }
    return h;
}

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Load model k (with blob, or none), run it once on input bytes `fill`; the outputs into out (cap bytes). */
static int run(int k, const uint8_t *blob, size_t blob_size, uint8_t fill, uint8_t *out, size_t cap, size_t *n_out) {
    tml_model_t m;
    tml_error_t err;
    *n_out = 0;
    if (tml_model_load_meta(&m, model_data[k], model_size[k], &alloc, 0, blob, blob_size, &err) != TML_OK) {
        return -1;
    }
    const char *why = tml_model_flash_meta(&m);
    if (blob && !why) {
        abort(); /* a blob was given: the core must say what became of it */
    }
    int used = why && (strcmp(why, "used") == 0 || strncmp(why, "used in part", 12) == 0);
    size_t n = tml_model_arena_size(&m);
    void *arena = malloc(n ? n : 1);
    if (tml_model_set_arena(&m, arena, n, &err) == TML_OK) {
        for (int i = 0; i < tml_model_num_inputs(&m); i++) {
            tml_tensor_t *t = tml_model_input(&m, i);
            memset(t->data, fill, (size_t)t->bytes);
        }
        if (tml_model_invoke(&m, &err) == TML_OK) {
            for (int i = 0; i < tml_model_num_outputs(&m); i++) {
                tml_tensor_t *t = tml_model_output(&m, i);
                if (*n_out + (size_t)t->bytes <= cap) {
                    memcpy(out + *n_out, t->data, (size_t)t->bytes);
                    *n_out += (size_t)t->bytes;
                }
            }
        }
    }
    tml_model_free(&m);
    free(arena);
    return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!n_models) {
        read_models();
    }
    if (size < 3) {
        return 0;
    }
    const int k = (int)((data[0] | (unsigned)data[1] << 8) % (unsigned)n_models);
    const uint8_t mode = data[2];
    data += 3;
    size -= 3;
    uint8_t *blob;
    size_t n;
    if (mode & 8) {
        /* the core's own blob, one byte of it changed (input: position, xor mask), resealed */
        tml_model_t w;
        tml_error_t err;
        if (size < 5 || tml_model_load_meta(&w, model_data[k], model_size[k], &alloc, TML_LOAD_META_RECORD, NULL, 0,
                &err) != TML_OK) {
            return 0;
        }
        n = tml_model_meta_write(&w, NULL, 0);
        blob = malloc(n);
        tml_model_meta_write(&w, blob, n);
        tml_model_free(&w);
        const uint32_t pos = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16;
        if (n > 32) {
            blob[32 + pos % (n - 32)] ^= data[3];
        }
    } else {
        n = size;
        blob = malloc(n ? n : 1);
        memcpy(blob, data, n);
    }
    if (n >= 32) {
        if (mode & 1) {
            put32(blob + 12, (uint32_t)model_size[k]);
            put32(blob + 16, fnv1a(model_data[k], model_size[k], 2166136261u));
        }
        if (mode & 2) {
            put32(blob + 20, tml_flash_meta_config(0));
        }
        if (mode & 12) {
            put32(blob + 28, fnv1a(blob + 32, n - 32, fnv1a(blob, 28, 2166136261u)));
        }
    }
    static uint8_t with[1 << 16], without[1 << 16];
    size_t n_with, n_without;
    const uint8_t fill = size ? data[size - 1] : 0;
    const int used = run(k, blob, n, fill, with, sizeof(with), &n_with);
    if ((mode & 8) && data[3] == 0 && !(mode & 3)) {
        /* the core's own blob: used, and the same outputs as without it */
        run(k, NULL, 0, fill, without, sizeof(without), &n_without);
        if (used != 1 || n_with != n_without || memcmp(with, without, n_with) != 0) {
            fprintf(stderr, "fuzz_meta: model %d: its own blob %s, or the outputs differ\n", k,
                used == 1 ? "used" : "not used");
            abort();
        }
    }
    free(blob);
    return 0;
}

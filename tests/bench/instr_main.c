/* Driver of tests/bench/bench_instructions.py: load a model with one host
 * library (dlopen), fill every input with seeded bytes, invoke once. Run under
 * valgrind --tool=callgrind --toggle-collect=tml_model_invoke, which counts the
 * instructions of that one inference.
 *   instr_main LIB.so MODEL.tflite */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "tml_core.h"

typedef tml_model_t *(*load_fn)(const uint8_t *, size_t, tml_error_t *);
typedef tml_status_t (*invoke_fn)(tml_model_t *, tml_error_t *);
typedef int (*info_fn)(tml_model_t *, int, int, int32_t *, int *, int *, float *, int32_t *, void **, int32_t *);

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s LIB.so MODEL.tflite\n", argv[0]);
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW);
    FILE *f = fopen(argv[2], "rb");
    if (!lib || !f) {
        fprintf(stderr, "cannot open %s or %s\n", argv[1], argv[2]);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = malloc((size_t)n);
    if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) {
        return 2;
    }
    fclose(f);
    load_fn load = (load_fn)(uintptr_t)dlsym(lib, "tml_host_load");
    invoke_fn invoke = (invoke_fn)(uintptr_t)dlsym(lib, "tml_model_invoke");
    info_fn info = (info_fn)(uintptr_t)dlsym(lib, "tml_host_tensor_info");
    tml_error_t err;
    tml_model_t *m = load(data, (size_t)n, &err);
    if (!m) {
        fprintf(stderr, "load: %s\n", err.msg);
        return 1;
    }
    uint32_t s = 12345u; /* the same bytes for every backend */
    int32_t dims[8], bytes, zp;
    int nd, type;
    float scale;
    void *p;
    for (int i = 0; info(m, 0, i, dims, &nd, &type, &scale, &zp, &p, &bytes) == 0; ++i) {
        for (int32_t k = 0; k < bytes; ++k) {
            s = s * 1103515245u + 12345u;
            /* integers: random bytes; floats: small values (a byte's worth, scaled) */
            ((uint8_t *)p)[k] = type == TML_FLOAT32 ? (uint8_t)(k % 4 == 3 ? 0x3e : s >> 24) : (uint8_t)(s >> 24);
        }
    }
    if (invoke(m, &err) != TML_OK) {
        fprintf(stderr, "invoke: %s\n", err.msg);
        return 1;
    }
    return 0;
}

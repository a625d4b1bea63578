/* Minimal program that pulls in the whole core through its public API, so that
 * a --gc-sections link shows what core + kernels cost in flash. */
#include <stddef.h>
#include "tml_core.h"

static unsigned char heap[4096];
static size_t used;

static void *bump(void *ctx, size_t n) {
    (void)ctx;
    if (n > sizeof(heap) - used) {
        return NULL;
    }
    used += (n + 7) & ~(size_t)7;
    return heap + used - ((n + 7) & ~(size_t)7);
}

static void nofree(void *ctx, void *p, size_t n) {
    (void)ctx;
    (void)p;
    (void)n;
}

extern const unsigned char model_data[];
extern const unsigned int model_size;
const unsigned char model_data[16] = { 0 };
const unsigned int model_size = sizeof(model_data);

int main(void) {
    static const tml_allocator_t a = { bump, nofree, NULL };
    static tml_model_t m;
    static tml_error_t err;
    static unsigned char arena[1024];
    if (tml_model_load(&m, model_data, model_size, &a, &err) != TML_OK) {
        return 1;
    }
    if (tml_model_set_arena(&m, arena, sizeof(arena), &err) != TML_OK) {
        return 2;
    }
    return tml_model_invoke(&m, &err) == TML_OK ? 0 : 3;
}

/* tinyml host shim: malloc-backed loading for the host shared library
 * (host tools and tests). The device binding does the same with the GC heap. */
#include <stdlib.h>
#include <string.h>
#include "../core/tml_core.h"

typedef struct {
    tml_model_t model;
    void *arena;
} tml_host_model_t;

static void *host_alloc(void *ctx, size_t size) {
    (void)ctx;
    return malloc(size ? size : 1);
}

static void host_free(void *ctx, void *ptr, size_t size) {
    (void)ctx;
    (void)size;
    free(ptr);
}

/* Load (TML_LOAD_* flags; meta: flash metadata, or NULL) and bind a malloc'd arena. NULL on failure
 * (err says why). */
tml_model_t *tml_host_load_meta(const uint8_t *data, size_t size, unsigned flags, const uint8_t *meta,
    size_t meta_size, tml_error_t *err) {
    static const tml_allocator_t a = { host_alloc, host_free, NULL };
    tml_host_model_t *h = calloc(1, sizeof(*h));
    if (!h) {
        memset(err, 0, sizeof(*err));
        err->status = TML_ERR_NO_MEMORY;
        strcpy(err->msg, "out of memory");
        return NULL;
    }
    if (tml_model_load_meta(&h->model, data, size, &a, flags, meta, meta_size, err) != TML_OK) {
        free(h);
        return NULL;
    }
    size_t n = tml_model_arena_size(&h->model);
    h->arena = malloc(n ? n : 1);
    if (!h->arena || tml_model_set_arena(&h->model, h->arena, n, err) != TML_OK) {
        tml_model_free(&h->model);
        free(h->arena);
        free(h);
        return NULL;
    }
    return &h->model;
}

tml_model_t *tml_host_load_ex(const uint8_t *data, size_t size, unsigned flags, tml_error_t *err) {
    return tml_host_load_meta(data, size, flags, NULL, 0, err);
}

tml_model_t *tml_host_load(const uint8_t *data, size_t size, tml_error_t *err) {
    return tml_host_load_ex(data, size, 0, err);
}

void tml_host_free(tml_model_t *m) {
    tml_host_model_t *h = (tml_host_model_t *)m;
    if (h) {
        tml_model_free(&h->model);
        free(h->arena);
        free(h);
    }
}

/* Describe input (is_output 0) or output i. Returns 0, or -1 if i is out of range. */
int tml_host_tensor_info(tml_model_t *m, int is_output, int i, int32_t *dims, int *ndims, int *type, float *scale,
    int32_t *zero_point, void **data, int32_t *bytes) {
    tml_tensor_t *t = is_output ? tml_model_output(m, i) : tml_model_input(m, i);
    if (!t) {
        return -1;
    }
    memcpy(dims, t->dims, sizeof(int32_t) * t->ndims);
    *ndims = t->ndims;
    *type = t->type;
    *scale = t->scale;
    *zero_point = t->zero_point;
    *data = t->data;
    *bytes = t->bytes;
    return 0;
}

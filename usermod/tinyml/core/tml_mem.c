/* tinyml core: memory of a model while it loads (tml_mem.h). */
#include <string.h>
#include "tml_mem.h"
#include "tml_op.h"

struct tml_block {
    struct tml_block *next;
    size_t size; /* including this header */
};

void *tml_raw_alloc(tml_model_t *m, size_t size, tml_error_t *err) {
    void *p = m->allocator.alloc(m->allocator.ctx, size);
    if (!p && err) {
        err->bytes_needed = size;
        tml_fail(err, TML_ERR_NO_MEMORY, "out of memory: %lu bytes of model metadata could not be allocated",
            (unsigned long)size);
    }
    return p;
}

void tml_raw_free(tml_model_t *m, void *p, size_t size) {
    if (p) {
        m->allocator.free(m->allocator.ctx, p, size);
    }
}

/* Loading runs twice: the first pass measures, allocating each request on its
 * own (with a small header); the second runs in one block of exactly the
 * measured size, so the metadata costs no allocator overhead. */
void *tml_persistent_alloc(tml_model_t *m, size_t size, tml_error_t *err) {
    return tml_persistent_alloc_as(m, size, TML_META_OP_DATA, err);
}

void tml_meta_move(tml_model_t *m, int category, size_t bytes) {
    if (bytes > m->meta[TML_META_OP_DATA]) {
        bytes = m->meta[TML_META_OP_DATA];
    }
    m->meta[TML_META_OP_DATA] -= (uint32_t)bytes;
    m->meta[category] += (uint32_t)bytes;
}

void *tml_persistent_alloc_as(tml_model_t *m, size_t size, int category, tml_error_t *err) {
    const size_t hdr = (sizeof(struct tml_block) + 7) & ~(size_t)7;
    if (size > (size_t)0x7fffffff) {
        tml_fail(err, TML_ERR_NO_MEMORY, "out of memory: %lu bytes requested", (unsigned long)size);
        return NULL;
    }
    size = (size + 7) & ~(size_t)7;
    uint8_t *p;
    if (m->persistent) {
        if (size > m->persistent_size - m->persistent_used) {
            tml_fail(err, TML_ERR_STATE, "internal error: the second loading pass needs more than the first");
            return NULL;
        }
        p = m->persistent + m->persistent_used;
    } else {
        struct tml_block *b = tml_raw_alloc(m, hdr + size, err);
        if (!b) {
            return NULL;
        }
        b->next = m->blocks;
        b->size = hdr + size;
        m->blocks = b;
        p = (uint8_t *)b + hdr;
    }
    m->persistent_used += size;
    m->meta[category] += (uint32_t)size;
    memset(p, 0, size);
    return p;
}

void tml_mem_free_blocks(tml_model_t *m) {
    struct tml_block *b = m->blocks;
    while (b) {
        struct tml_block *next = b->next;
        m->allocator.free(m->allocator.ctx, b, b->size);
        b = next;
    }
    m->blocks = NULL;
    if (m->alias) {
        m->allocator.free(m->allocator.ctx, m->alias, sizeof(int16_t) * m->n_tensors + 1);
        m->alias = NULL;
    }
    if (m->folded) {
        m->allocator.free(m->allocator.ctx, m->folded, sizeof(int32_t) * 4 * m->n_ops + 1);
        m->folded = NULL;
    }
}

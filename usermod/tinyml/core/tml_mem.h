/*
 * tinyml core: memory of a model while it loads, below the loader and the
 * planner (both call it; it calls neither). Not part of the public API.
 *  - raw allocations through the caller's allocator, with a message on failure;
 *  - persistent metadata: loading runs twice, the first pass measures (each
 *    request allocated on its own, with a small header, on a block list), the
 *    second runs in one block of exactly the measured size.
 */
#ifndef TML_MEM_H
#define TML_MEM_H

#include "tml_core.h"

/* The allocator, with a "cannot allocate" message and bytes_needed on failure. */
void *tml_raw_alloc(tml_model_t *m, size_t size, tml_error_t *err);
/* Give back what tml_raw_alloc returned (NULL: nothing). */
void tml_raw_free(tml_model_t *m, void *p, size_t size);
/* Persistent memory for metadata, zeroed, aligned to 8 (declared for operators in tml_op.h), counted
 * as TML_META_OP_DATA; tml_persistent_alloc_as counts it (rounded up to 8) in `category`. */
void *tml_persistent_alloc(tml_model_t *m, size_t size, tml_error_t *err);
void *tml_persistent_alloc_as(tml_model_t *m, size_t size, int category, tml_error_t *err);
/* Free the first pass's blocks (and the loader's temporary tables: alias, folded). */
void tml_mem_free_blocks(tml_model_t *m);

#endif

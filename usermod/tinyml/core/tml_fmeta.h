/*
 * tinyml core: flash metadata (the ".tmx" blob beside a model in flash, see tml_model_load_meta).
 * Below the loader and the operators (it calls tml_mem.h only). Not part of the public API.
 *
 * Format (little-endian, version 1):
 *   0  magic "TMX1"            4 bytes
 *   4  u16 format version (1), u16 header size (32)
 *   8  u32 total size of the blob
 *  12  u32 model size,  16 u32 FNV-1a 32 of the model bytes
 *  20  u32 configuration id (tml_flash_meta_config)
 *  24  u32 number of entries
 *  28  u32 checksum: FNV-1a 32 of bytes [0, 28) then [32, total)
 *  32  entries, 12 bytes each: u16 operator index, u8 slot, u8 category (TML_META_*),
 *      u32 offset of the array in the blob (a multiple of 8), u32 its bytes (a multiple of 4)
 *      arrays (int32 values, in the byte order of the target: little-endian)
 * Slots of an operator: TML_FMETA_SLOT_QUANT (multipliers then shifts, int32 each),
 * TML_FMETA_SLOT_SUMS (kernel sums, int32).
 */
#ifndef TML_FMETA_H
#define TML_FMETA_H

#include <stdbool.h>
#include "tml_op.h"

#define TML_FMETA_VERSION 1
#define TML_FMETA_HEADER 32
#define TML_FMETA_ENTRY 12

enum { TML_FMETA_SLOT_QUANT = 0, TML_FMETA_SLOT_SUMS = 1 };

/* m->fmeta_status */
enum {
    TML_FMETA_NONE = 0,    /* no blob given */
    TML_FMETA_USED,
    TML_FMETA_PARTLY,      /* used, but some arrays load asked for were not in it (computed into RAM) */
    TML_FMETA_RECORDING,   /* TML_LOAD_META_RECORD */
    TML_FMETA_SHORT,
    TML_FMETA_MAGIC,
    TML_FMETA_VERSION_BAD,
    TML_FMETA_SIZE,        /* total size field differs from the bytes given (truncated or padded) */
    TML_FMETA_CHECKSUM,
    TML_FMETA_MODEL,       /* model size or hash */
    TML_FMETA_CONFIG,
    TML_FMETA_ENTRIES,     /* entry table or offsets out of range */
    TML_FMETA_ALIGN,       /* not 4-byte aligned in memory */
    TML_FMETA_FLAGS,       /* loaded with TML_LOAD_QUANT_PER_CALL or TML_LOAD_INSPECT */
    TML_FMETA_COUNT_
};

/* One array noted by TML_LOAD_META_RECORD (in the persistent block, counted as TML_META_OTHER). */
struct tml_fmeta_rec {
    struct tml_fmeta_rec *next;
    const void *data;
    uint32_t bytes;
    uint16_t op;
    uint8_t slot, category;
};

/* FNV-1a 32 of n bytes, continuing from h (start: 2166136261). */
uint32_t tml_fnv1a(const uint8_t *p, size_t n, uint32_t h);

/* Check the blob against model m (its fb and load_flags set): sets m->fmeta.blob (NULL if ignored) and
 * m->fmeta_status. `model_hash`: the model bytes' FNV-1a (computed once by the caller). */
void tml_fmeta_attach(tml_model_t *m, const uint8_t *blob, size_t size, uint32_t model_hash);

/* Whether load keeps every constant array (a blob was accepted or arrays are being recorded): the
 * convolutions then compute no multipliers per call. */
bool tml_fmeta_active(const tml_model_t *m);

/* The array (slot) of op of exactly `bytes` bytes in the accepted blob (counted in m->meta_flash),
 * or NULL: the op then computes it into RAM and calls tml_fmeta_note. */
const int32_t *tml_fmeta_array(tml_model_t *m, const tml_op_t *op, int slot, int category, size_t bytes);

/* The multipliers then shifts of op's n channels (slot TML_FMETA_SLOT_QUANT), checked as
 * tml_quantize_multiplier gives them (multipliers >= 0, shifts in [-31, max_shift]); NULL as
 * tml_fmeta_array, or if any is out of range (a blob not written by this core: used in part). */
const int32_t *tml_fmeta_quant(tml_model_t *m, const tml_op_t *op, int32_t n, int max_shift);

/* TML_LOAD_META_RECORD: note array `data` (bytes, kept after load) for the blob; otherwise nothing. */
tml_status_t tml_fmeta_note(tml_model_t *m, const tml_op_t *op, int slot, int category, const void *data,
    size_t bytes, tml_error_t *err);

/* Whether load lays out the constant arrays as an MVE build does (this is one, or TML_LOAD_META_MVE). */
bool tml_fmeta_mve(const tml_model_t *m);

#endif

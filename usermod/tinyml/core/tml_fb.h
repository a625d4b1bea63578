/*
 * tinyml core: bounds-checked, zero-copy flatbuffer reader.
 *
 * Every read is checked against the buffer: a table whose vtable, fields or
 * vectors fall outside the buffer is reported as invalid, never read. Scalars
 * are read with memcpy (the model may be unaligned, in flash). Little-endian
 * targets only (all supported MCUs and hosts).
 */
#ifndef TML_FB_H
#define TML_FB_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const uint8_t *buf;
    uint32_t size;
} tml_fb_t;

/* A table: pos == 0 means "absent" (an absent table reads as all defaults). Its vtable is found
 * again (and checked again) at each field read: operators keep their options table, and 8 bytes
 * per operator are RAM the model holds. */
typedef struct {
    const tml_fb_t *fb;
    uint32_t pos;      /* table start */
} tml_fb_table_t;

typedef struct {
    uint32_t pos; /* first element; 0 if absent */
    uint32_t len; /* element count; 0 if absent */
} tml_fb_vec_t;

/* Root table at offset 0. False if the buffer cannot hold it. */
bool tml_fb_root(const tml_fb_t *fb, tml_fb_table_t *out);
/* Open the table at absolute position pos (validates vtable and size). */
bool tml_fb_table_at(const tml_fb_t *fb, uint32_t pos, tml_fb_table_t *out);

/* Scalar fields: the default when absent; also the default (and *ok=false if
 * ok != NULL) when the field lies outside the table. */
uint8_t tml_fb_u8(const tml_fb_table_t *t, int field, uint8_t def);
int32_t tml_fb_i32(const tml_fb_table_t *t, int field, int32_t def);
uint32_t tml_fb_u32(const tml_fb_table_t *t, int field, uint32_t def);
float tml_fb_f32(const tml_fb_table_t *t, int field, float def);
uint64_t tml_fb_u64(const tml_fb_table_t *t, int field, uint64_t def);
/* True if the field is present in the vtable. */
bool tml_fb_has(const tml_fb_table_t *t, int field);

/* Sub-table field. Returns false if malformed; out->pos == 0 if absent. */
bool tml_fb_table(const tml_fb_table_t *t, int field, tml_fb_table_t *out);
/* Vector field of elem_size-byte scalars or offsets (4 for tables/strings).
 * False if malformed (out of bounds, length overflow). Absent: len 0. */
bool tml_fb_vector(const tml_fb_table_t *t, int field, uint32_t elem_size, tml_fb_vec_t *out);
/* String field: pointer and length (not NUL-terminated). False if malformed. */
bool tml_fb_string(const tml_fb_table_t *t, int field, const char **s, uint32_t *len);

/* Elements of a checked vector (i < v->len is the caller's job). */
int32_t tml_fb_vec_i32(const tml_fb_t *fb, const tml_fb_vec_t *v, uint32_t i);
int64_t tml_fb_vec_i64(const tml_fb_t *fb, const tml_fb_vec_t *v, uint32_t i);
float tml_fb_vec_f32(const tml_fb_t *fb, const tml_fb_vec_t *v, uint32_t i);
/* Table element i of a vector of tables. False if malformed. */
bool tml_fb_vec_table(const tml_fb_t *fb, const tml_fb_vec_t *v, uint32_t i, tml_fb_table_t *out);

#endif

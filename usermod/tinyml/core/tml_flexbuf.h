/*
 * tinyml core: a bounds-checked reader of FlexBuffer maps, the format of the
 * custom_options of custom operators (the TFLM signal library's options).
 *
 * Only what operator options need: the root must be a map with string keys;
 * its values are read by key as integers (INT, UINT, BOOL, FLOAT and their
 * indirect forms convert). Every offset is checked against the buffer: a
 * truncated or malformed buffer is reported, never read past.
 */
#ifndef TML_FLEXBUF_H
#define TML_FLEXBUF_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const uint8_t *buf;
    uint32_t size;
    uint32_t values; /* first value slot */
    uint32_t keys;   /* first key offset slot */
    uint32_t len;    /* entries */
    uint8_t width;   /* bytes per value slot */
    uint8_t kwidth;  /* bytes per key slot */
} tml_flex_map_t;

/* Open the root map of buf[0..size). False if it is not a well-formed map. */
bool tml_flex_map(const uint8_t *buf, uint32_t size, tml_flex_map_t *map);

typedef enum {
    TML_FLEX_OK = 0,      /* found, *out set */
    TML_FLEX_ABSENT = 1,  /* no such key */
    TML_FLEX_BAD = 2,     /* the value is malformed, or not a number */
} tml_flex_status_t;

/* Value of `key` as an integer (floats truncate toward zero, as FlexBuffers'
 * AsInt64; bools are 0/1). */
tml_flex_status_t tml_flex_int(const tml_flex_map_t *map, const char *key, int64_t *out);

#endif

/* tinyml core: bounds-checked FlexBuffer map reader (see tml_flexbuf.h). */
#include <string.h>
#include "tml_flexbuf.h"

/* FlexBuffer value types used here */
enum {
    FX_NULL = 0, FX_INT = 1, FX_UINT = 2, FX_FLOAT = 3, FX_KEY = 4, FX_INDIRECT_INT = 6, FX_INDIRECT_UINT = 7,
    FX_INDIRECT_FLOAT = 8, FX_MAP = 9, FX_VECTOR_KEY = 14, FX_BOOL = 26,
};

static bool in_buf(const tml_flex_map_t *m, uint32_t pos, uint32_t n) {
    return pos <= m->size && n <= m->size - pos;
}

static uint64_t read_uint(const uint8_t *p, uint32_t width) {
    uint64_t v = 0;
    for (uint32_t i = 0; i < width; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static int64_t read_int(const uint8_t *p, uint32_t width) {
    uint64_t v = read_uint(p, width);
    if (width < 8 && (v >> (8 * width - 1)) & 1) {
        v |= ~(uint64_t)0 << (8 * width);
    }
    return (int64_t)v;
}

static bool valid_width(uint32_t w) {
    return w == 1 || w == 2 || w == 4 || w == 8;
}

/* The position `off` bytes before slot `pos` (an offset field), checked. */
static bool deref(const tml_flex_map_t *m, uint32_t pos, uint32_t width, uint32_t *target) {
    if (!in_buf(m, pos, width)) {
        return false;
    }
    const uint64_t off = read_uint(m->buf + pos, width);
    if (off > pos) {
        return false;
    }
    *target = pos - (uint32_t)off;
    return true;
}

bool tml_flex_map(const uint8_t *buf, uint32_t size, tml_flex_map_t *map) {
    memset(map, 0, sizeof(*map));
    map->buf = buf;
    map->size = size;
    if (!buf || size < 3) {
        return false;
    }
    const uint32_t root_width = buf[size - 1];
    const uint8_t root_type = buf[size - 2];
    if (!valid_width(root_width) || size - 2 < root_width || (root_type >> 2) != FX_MAP) {
        return false;
    }
    const uint32_t width = 1u << (root_type & 3);
    uint32_t pos;
    if (!deref(map, size - 2 - root_width, root_width, &pos)) {
        return false;
    }
    /* before the values: keys offset, keys width, length (each `width` bytes) */
    if (pos < 3 * width) {
        return false;
    }
    const uint64_t len = read_uint(buf + pos - width, width);
    const uint64_t kwidth = read_uint(buf + pos - 2 * width, width);
    uint32_t keys;
    if (!valid_width((uint32_t)kwidth) || kwidth > 8 || !deref(map, pos - 3 * width, width, &keys)) {
        return false;
    }
    /* values, then one type byte per value; keys: length, then offsets */
    if (len > size || !in_buf(map, pos, (uint32_t)len * (width + 1)) || keys < kwidth ||
        !in_buf(map, keys, (uint32_t)len * (uint32_t)kwidth) || read_uint(buf + keys - kwidth, (uint32_t)kwidth) != len) {
        return false;
    }
    map->values = pos;
    map->keys = keys;
    map->len = (uint32_t)len;
    map->width = (uint8_t)width;
    map->kwidth = (uint8_t)kwidth;
    return true;
}

/* Compare key i with the NUL-terminated `key`: <0, 0, >0; 2 if malformed. */
static int key_cmp(const tml_flex_map_t *m, uint32_t i, const char *key, bool *bad) {
    uint32_t at;
    if (!deref(m, m->keys + i * m->kwidth, m->kwidth, &at)) {
        *bad = true;
        return 0;
    }
    for (uint32_t k = 0;; k++) {
        if (at + k >= m->size) {
            *bad = true;
            return 0;
        }
        const uint8_t a = m->buf[at + k];
        const uint8_t b = (uint8_t)key[k];
        if (a != b || a == 0) {
            return (int)a - (int)b;
        }
    }
}

tml_flex_status_t tml_flex_int(const tml_flex_map_t *m, const char *key, int64_t *out) {
    /* keys are sorted (strcmp order): binary search */
    uint32_t lo = 0, hi = m->len;
    bool bad = false;
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        const int c = key_cmp(m, mid, key, &bad);
        if (bad) {
            return TML_FLEX_BAD;
        }
        if (c == 0) {
            lo = mid;
            hi = mid + 1;
            break;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo >= hi) {
        return TML_FLEX_ABSENT;
    }
    const uint32_t slot = m->values + lo * m->width;
    const uint8_t packed = m->buf[m->values + m->len * m->width + lo];
    const uint32_t type = packed >> 2;
    uint32_t width = m->width;
    uint32_t at = slot;
    if (type == FX_INDIRECT_INT || type == FX_INDIRECT_UINT || type == FX_INDIRECT_FLOAT) {
        width = 1u << (packed & 3);
        if (!deref(m, slot, m->width, &at) || !in_buf(m, at, width)) {
            return TML_FLEX_BAD;
        }
    }
    const uint8_t *p = m->buf + at;
    switch (type) {
        case FX_INT:
        case FX_INDIRECT_INT:
            *out = read_int(p, width);
            return TML_FLEX_OK;
        case FX_UINT:
        case FX_INDIRECT_UINT:
        case FX_BOOL: {
            const uint64_t v = read_uint(p, width);
            *out = v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
            return TML_FLEX_OK;
        }
        case FX_FLOAT:
        case FX_INDIRECT_FLOAT: {
            double d;
            if (width == 4) {
                float f;
                memcpy(&f, p, 4);
                d = f;
            } else if (width == 8) {
                memcpy(&d, p, 8);
            } else {
                return TML_FLEX_BAD;
            }
            if (!(d > -9.2e18 && d < 9.2e18)) {
                return TML_FLEX_BAD;
            }
            *out = (int64_t)d;
            return TML_FLEX_OK;
        }
        default:
            return TML_FLEX_BAD;
    }
}

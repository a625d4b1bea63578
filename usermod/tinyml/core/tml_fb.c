/* tinyml core: bounds-checked flatbuffer reader (see tml_fb.h). */
#include <string.h>
#include "tml_fb.h"

static uint32_t rd_u32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint16_t rd_u16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* [pos, pos + len) inside the buffer, without overflow. */
static bool in_bounds(const tml_fb_t *fb, uint32_t pos, uint32_t len) {
    return pos <= fb->size && len <= fb->size - pos;
}

/* The vtable of the table at pos, checked: start, bytes in it, bytes in the table's inline part. */
static bool table_geom(const tml_fb_t *fb, uint32_t pos, uint32_t *vt_out, uint16_t *vt_size_out,
    uint16_t *tbl_size_out) {
    if (pos == 0 || (pos & 3) || !in_bounds(fb, pos, 4)) {
        return false;
    }
    int32_t soff = (int32_t)rd_u32(fb->buf + pos);
    int64_t vt = (int64_t)pos - soff;
    if (vt < 0 || vt > (int64_t)fb->size || (vt & 1) || !in_bounds(fb, (uint32_t)vt, 4)) {
        return false;
    }
    uint16_t vt_size = rd_u16(fb->buf + vt);
    uint16_t tbl_size = rd_u16(fb->buf + vt + 2);
    if (vt_size < 4 || (vt_size & 1) || !in_bounds(fb, (uint32_t)vt, vt_size) || tbl_size < 4 ||
        !in_bounds(fb, pos, tbl_size)) {
        return false;
    }
    *vt_out = (uint32_t)vt;
    *vt_size_out = vt_size;
    *tbl_size_out = tbl_size;
    return true;
}

bool tml_fb_table_at(const tml_fb_t *fb, uint32_t pos, tml_fb_table_t *out) {
    uint32_t vt;
    uint16_t vt_size, tbl_size;
    memset(out, 0, sizeof(*out));
    out->fb = fb;
    if (!table_geom(fb, pos, &vt, &vt_size, &tbl_size)) {
        return false;
    }
    out->pos = pos;
    return true;
}

bool tml_fb_root(const tml_fb_t *fb, tml_fb_table_t *out) {
    if (!in_bounds(fb, 0, 8)) {
        memset(out, 0, sizeof(*out));
        return false;
    }
    return tml_fb_table_at(fb, rd_u32(fb->buf), out);
}

/* Offset of field inside the table, 0 if absent; *bad set if it cannot hold n bytes. */
static uint32_t field_off(const tml_fb_table_t *t, int field, uint32_t n, bool *bad) {
    *bad = false;
    uint32_t vt;
    uint16_t vt_size, tbl_size;
    if (t->pos == 0 || field < 0 || !table_geom(t->fb, t->pos, &vt, &vt_size, &tbl_size)) {
        return 0;
    }
    uint32_t e = 4 + 2 * (uint32_t)field;
    if (e + 2 > vt_size) {
        return 0;
    }
    uint16_t off = rd_u16(t->fb->buf + vt + e);
    if (off == 0) {
        return 0;
    }
    if (off < 4 || (uint32_t)off + n > tbl_size) {
        *bad = true;
        return 0;
    }
    return off;
}

bool tml_fb_has(const tml_fb_table_t *t, int field) {
    bool bad;
    return field_off(t, field, 1, &bad) != 0;
}

uint8_t tml_fb_u8(const tml_fb_table_t *t, int field, uint8_t def) {
    bool bad;
    uint32_t o = field_off(t, field, 1, &bad);
    return o ? t->fb->buf[t->pos + o] : def;
}

uint32_t tml_fb_u32(const tml_fb_table_t *t, int field, uint32_t def) {
    bool bad;
    uint32_t o = field_off(t, field, 4, &bad);
    return o ? rd_u32(t->fb->buf + t->pos + o) : def;
}

int32_t tml_fb_i32(const tml_fb_table_t *t, int field, int32_t def) {
    return (int32_t)tml_fb_u32(t, field, (uint32_t)def);
}

float tml_fb_f32(const tml_fb_table_t *t, int field, float def) {
    bool bad;
    uint32_t o = field_off(t, field, 4, &bad);
    float f = def;
    if (o) {
        memcpy(&f, t->fb->buf + t->pos + o, 4);
    }
    return f;
}

uint64_t tml_fb_u64(const tml_fb_table_t *t, int field, uint64_t def) {
    bool bad;
    uint32_t o = field_off(t, field, 8, &bad);
    uint64_t v = def;
    if (o) {
        memcpy(&v, t->fb->buf + t->pos + o, 8);
    }
    return v;
}

/* Follow a uoffset field; returns target position or 0 (absent). */
static bool follow(const tml_fb_table_t *t, int field, uint32_t *target) {
    bool bad;
    *target = 0;
    uint32_t o = field_off(t, field, 4, &bad);
    if (bad) {
        return false;
    }
    if (!o) {
        return true;
    }
    uint32_t at = t->pos + o;
    uint32_t rel = rd_u32(t->fb->buf + at);
    if (rel == 0 || rel > t->fb->size - at) {
        return false;
    }
    *target = at + rel;
    return true;
}

bool tml_fb_table(const tml_fb_table_t *t, int field, tml_fb_table_t *out) {
    uint32_t target;
    memset(out, 0, sizeof(*out));
    out->fb = t->fb;
    if (!follow(t, field, &target)) {
        return false;
    }
    return target == 0 || tml_fb_table_at(t->fb, target, out);
}

bool tml_fb_vector(const tml_fb_table_t *t, int field, uint32_t elem_size, tml_fb_vec_t *out) {
    uint32_t target;
    out->pos = 0;
    out->len = 0;
    if (!follow(t, field, &target)) {
        return false;
    }
    if (target == 0) {
        return true;
    }
    if ((target & 3) || !in_bounds(t->fb, target, 4)) {
        return false;
    }
    uint32_t len = rd_u32(t->fb->buf + target);
    if (elem_size && len > (t->fb->size - target - 4) / elem_size) {
        return false;
    }
    out->pos = target + 4;
    out->len = len;
    return true;
}

bool tml_fb_string(const tml_fb_table_t *t, int field, const char **s, uint32_t *len) {
    tml_fb_vec_t v;
    *s = "";
    *len = 0;
    if (!tml_fb_vector(t, field, 1, &v)) {
        return false;
    }
    if (v.pos) {
        *s = (const char *)t->fb->buf + v.pos;
        *len = v.len;
    }
    return true;
}

int32_t tml_fb_vec_i32(const tml_fb_t *fb, const tml_fb_vec_t *v, uint32_t i) {
    return (int32_t)rd_u32(fb->buf + v->pos + 4 * i);
}

int64_t tml_fb_vec_i64(const tml_fb_t *fb, const tml_fb_vec_t *v, uint32_t i) {
    int64_t x;
    memcpy(&x, fb->buf + v->pos + 8 * i, 8);
    return x;
}

float tml_fb_vec_f32(const tml_fb_t *fb, const tml_fb_vec_t *v, uint32_t i) {
    float x;
    memcpy(&x, fb->buf + v->pos + 4 * i, 4);
    return x;
}

bool tml_fb_vec_table(const tml_fb_t *fb, const tml_fb_vec_t *v, uint32_t i, tml_fb_table_t *out) {
    uint32_t at = v->pos + 4 * i;
    uint32_t rel = rd_u32(fb->buf + at);
    memset(out, 0, sizeof(*out));
    out->fb = fb;
    if (rel == 0 || rel > fb->size - at) {
        return false;
    }
    return tml_fb_table_at(fb, at + rel, out);
}

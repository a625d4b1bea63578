/* tinyml core: flash metadata (tml_fmeta.h). */
#include <string.h>
#include "tml_fmeta.h"
#include "tml_mem.h"

#if defined(TML_BACKEND_CMSIS_NN) && defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#define TML_FMETA_NATIVE_MVE 1
#else
#define TML_FMETA_NATIVE_MVE 0
#endif

uint32_t tml_fnv1a(const uint8_t *p, size_t n, uint32_t h) {
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 16777619u;
    }
    return h;
}

static uint32_t rd16(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr16(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v) {
    wr16(p, v);
    wr16(p + 2, v >> 16);
}

/* The backend in the low byte (its name's FNV-1a, folded), bit 8: MVE kernel sums, bits 16-23: the
 * format version (arrays' meaning). */
uint32_t tml_flash_meta_config(unsigned flags) {
    const char *b = tml_backend_name();
    const uint32_t h = tml_fnv1a((const uint8_t *)b, strlen(b), 2166136261u);
    const bool mve = TML_FMETA_NATIVE_MVE || ((flags & TML_LOAD_META_MVE) != 0);
    return ((h ^ (h >> 8) ^ (h >> 16) ^ (h >> 24)) & 0xffu) | (mve ? 0x100u : 0u) | (uint32_t)TML_FMETA_VERSION << 16;
}

bool tml_fmeta_mve(const tml_model_t *m) {
    return TML_FMETA_NATIVE_MVE || (m->load_flags & TML_LOAD_META_MVE) != 0;
}

static int check(const tml_model_t *m, const uint8_t *b, size_t size, uint32_t model_hash) {
    if (m->load_flags & (TML_LOAD_QUANT_PER_CALL | TML_LOAD_INSPECT)) {
        return TML_FMETA_FLAGS;
    }
    if (size < TML_FMETA_HEADER) {
        return TML_FMETA_SHORT;
    }
    if (memcmp(b, "TMX1", 4) != 0) {
        return TML_FMETA_MAGIC;
    }
    if (rd16(b + 4) != TML_FMETA_VERSION || rd16(b + 6) != TML_FMETA_HEADER) {
        return TML_FMETA_VERSION_BAD;
    }
    if (rd32(b + 8) != size) {
        return TML_FMETA_SIZE;
    }
    uint32_t h = tml_fnv1a(b, 28, 2166136261u);
    if (tml_fnv1a(b + TML_FMETA_HEADER, size - TML_FMETA_HEADER, h) != rd32(b + 28)) {
        return TML_FMETA_CHECKSUM;
    }
    if (rd32(b + 12) != m->fb.size || rd32(b + 16) != model_hash) {
        return TML_FMETA_MODEL;
    }
    if (rd32(b + 20) != tml_flash_meta_config(m->load_flags)) {
        return TML_FMETA_CONFIG;
    }
    if (((uintptr_t)b & 3u) != 0) {
        return TML_FMETA_ALIGN;
    }
    const uint32_t n = rd32(b + 24);
    if (n > (size - TML_FMETA_HEADER) / TML_FMETA_ENTRY) {
        return TML_FMETA_ENTRIES;
    }
    const uint32_t data_at = TML_FMETA_HEADER + n * TML_FMETA_ENTRY;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = b + TML_FMETA_HEADER + i * TML_FMETA_ENTRY;
        const uint32_t off = rd32(e + 4), bytes = rd32(e + 8);
        if ((e[3] != TML_META_QUANT && e[3] != TML_META_KERNEL_SUMS) || off < data_at || (off & 7u) || (bytes & 3u) || off > size || bytes > size - off) {
            return TML_FMETA_ENTRIES;
        }
    }
    return TML_FMETA_USED;
}

/* m->meta_flash's counter of category (TML_META_QUANT or TML_META_KERNEL_SUMS) */
static uint32_t *flash_bytes(tml_model_t *m, int category) {
    return &m->meta_flash[category == TML_META_QUANT ? 0 : 1];
}

static bool recording(const tml_model_t *m) {
    return (m->load_flags & TML_LOAD_META_RECORD) != 0;
}

void tml_fmeta_attach(tml_model_t *m, const uint8_t *blob, size_t size, uint32_t model_hash) {
    m->fmeta.blob = NULL;
    if (m->load_flags & TML_LOAD_META_RECORD) {
        m->fmeta_status = TML_FMETA_RECORDING;
        return;
    }
    if (!blob) {
        m->fmeta_status = TML_FMETA_NONE;
        return;
    }
    m->fmeta_status = (uint8_t)check(m, blob, size, model_hash);
    if (m->fmeta_status == TML_FMETA_USED) {
        m->fmeta.blob = blob;
    }
}

bool tml_fmeta_active(const tml_model_t *m) {
    return recording(m) || m->fmeta.blob != NULL;
}

const int32_t *tml_fmeta_array(tml_model_t *m, const tml_op_t *op, int slot, int category, size_t bytes) {
    if (recording(m) || !m->fmeta.blob || bytes == 0 ||
        (category != TML_META_QUANT && category != TML_META_KERNEL_SUMS)) {
        return NULL;
    }
    const uint8_t *b = m->fmeta.blob;
    const uint32_t n = rd32(b + 24);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = b + TML_FMETA_HEADER + i * TML_FMETA_ENTRY;
        if (rd16(e) == op->index && e[2] == slot && e[3] == category) {
            if (rd32(e + 8) != bytes) {
                break;
            }
            *flash_bytes(m, category) += (uint32_t)bytes;
            return (const int32_t *)(const void *)(b + rd32(e + 4));
        }
    }
    m->fmeta_status = TML_FMETA_PARTLY;
    return NULL;
}

const int32_t *tml_fmeta_quant(tml_model_t *m, const tml_op_t *op, int32_t n, int max_shift) {
    const int32_t *q = tml_fmeta_array(m, op, TML_FMETA_SLOT_QUANT, TML_META_QUANT, 2 * (size_t)n * sizeof(int32_t));
    for (int32_t i = 0; q && i < n; i++) {
        if (q[i] < 0 || q[n + i] < -31 || q[n + i] > max_shift) {
            /* not what tml_quantize_multiplier gives: the blob is not this core's (never fed to a kernel) */
            *flash_bytes(m, TML_META_QUANT) -= 2 * (uint32_t)n * (uint32_t)sizeof(int32_t);
            m->fmeta_status = TML_FMETA_PARTLY;
            return NULL;
        }
    }
    return q;
}

tml_status_t tml_fmeta_note(tml_model_t *m, const tml_op_t *op, int slot, int category, const void *data,
    size_t bytes, tml_error_t *err) {
    if (!recording(m) || bytes == 0) {
        return TML_OK;
    }
    struct tml_fmeta_rec *r = tml_persistent_alloc_as(m, sizeof(*r), TML_META_OTHER, err);
    if (!r) {
        return TML_ERR_NO_MEMORY;
    }
    r->data = data;
    r->bytes = (uint32_t)bytes;
    r->op = op->index;
    r->slot = (uint8_t)slot;
    r->category = (uint8_t)category;
    /* appended, so that the blob lists the arrays in load order */
    struct tml_fmeta_rec **at = &m->fmeta.recs;
    while (*at) {
        at = &(*at)->next;
    }
    *at = r;
    return TML_OK;
}

size_t tml_model_meta_write(const tml_model_t *m, uint8_t *buf, size_t cap) {
    if (!m->state || !recording(m)) {
        return 0;
    }
    uint32_t n = 0;
    size_t data = 0;
    for (const struct tml_fmeta_rec *r = m->fmeta.recs; r; r = r->next) {
        n++;
        data += ((size_t)r->bytes + 7u) & ~(size_t)7u;
    }
    const size_t data_at = ((size_t)TML_FMETA_HEADER + (size_t)n * TML_FMETA_ENTRY + 7u) & ~(size_t)7u;
    const size_t total = data_at + data;
    if (!buf || cap < total) {
        return total;
    }
    memset(buf, 0, total);
    memcpy(buf, "TMX1", 4);
    wr16(buf + 4, TML_FMETA_VERSION);
    wr16(buf + 6, TML_FMETA_HEADER);
    wr32(buf + 8, (uint32_t)total);
    wr32(buf + 12, m->fb.size);
    wr32(buf + 16, tml_fnv1a(m->fb.buf, m->fb.size, 2166136261u));
    wr32(buf + 20, tml_flash_meta_config(m->load_flags));
    wr32(buf + 24, n);
    size_t at = data_at;
    uint8_t *e = buf + TML_FMETA_HEADER;
    for (const struct tml_fmeta_rec *r = m->fmeta.recs; r; r = r->next, e += TML_FMETA_ENTRY) {
        wr16(e, r->op);
        e[2] = r->slot;
        e[3] = r->category;
        wr32(e + 4, (uint32_t)at);
        wr32(e + 8, r->bytes);
        memcpy(buf + at, r->data, r->bytes);
        at += ((size_t)r->bytes + 7u) & ~(size_t)7u;
    }
    wr32(buf + 28, tml_fnv1a(buf + TML_FMETA_HEADER, total - TML_FMETA_HEADER, tml_fnv1a(buf, 28, 2166136261u)));
    return total;
}

const char *tml_model_flash_meta(const tml_model_t *m) {
    static const char *const text[TML_FMETA_COUNT_] = {
        NULL,
        "used",
        "used in part: some arrays load needed were not in it (computed into RAM)",
        "recording (TML_LOAD_META_RECORD)",
        "ignored: shorter than its header",
        "ignored: not tinyml flash metadata (bad magic)",
        "ignored: unsupported format version (rewrite it with this version's host tools)",
        "ignored: truncated or padded (its size field differs from its bytes)",
        "ignored: corrupt (checksum mismatch)",
        "ignored: written for another model (size or hash of the model bytes differ)",
        "ignored: written for another build (backend or kernel-sum configuration differs)",
        "ignored: corrupt (entry table or offsets out of range)",
        "ignored: not 4-byte aligned in memory",
        "ignored: loaded with per-call multipliers or in inspect mode",
    };
    return m->fmeta_status < TML_FMETA_COUNT_ ? text[m->fmeta_status] : NULL;
}

size_t tml_model_meta_flash_bytes(const tml_model_t *m, int category) {
    if (!m->state || (category != TML_META_QUANT && category != TML_META_KERNEL_SUMS)) {
        return 0;
    }
    return *flash_bytes((tml_model_t *)(uintptr_t)m, category);
}

const uint8_t *tml_model_flash_meta_blob(const tml_model_t *m, size_t *size) {
    const uint8_t *b = m->state && !recording(m) ? m->fmeta.blob : NULL;
    *size = b ? rd32(b + 8) : 0;
    return b;
}

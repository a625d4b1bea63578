/* tinyml over-the-air updates: streaming parser and Ed25519 verifier of
 * signed model bundles (format: tml_bundle.h). */
#include <stdarg.h>
#include <string.h>

#include "monocypher.h"
#include "monocypher-ed25519.h"

#include "../core/tml_fmt.h"
#include "tml_bundle.h"

typedef char tml_bundle_hash_fits[sizeof(crypto_sha512_ctx) <= sizeof(((tml_bundle_verifier_t *)0)->hash) ? 1 : -1];

enum { ST_HEADER = 0, ST_BODY = 1, ST_REFUSED = 2, ST_VERIFIED = 3 };

static const uint8_t tml_bundle_magic[4] = { 'T', 'M', 'L', 'B' };

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t head_size(uint8_t name_len) {
    return ((uint32_t)TML_BUNDLE_FIXED + name_len + 15u) & ~15u;
}

static tml_status_t fail(tml_error_t *err, tml_status_t status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    err->status = status;
    err->bytes_needed = 0;
    err->msg[0] = 0;
    tml_vfmt(err->msg, sizeof(err->msg), 0, fmt, ap);
    va_end(ap);
    return status;
}

static void hex(char *out, const uint8_t *p, size_t n) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = 0;
}

static int name_char(uint8_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* The first 8 bytes: magic, format, name length, header size. */
static tml_status_t check_prefix(const uint8_t *d, tml_error_t *err) {
    if (memcmp(d, tml_bundle_magic, 4) != 0) {
        return fail(err, TML_ERR_INVALID_MODEL, "not a tinyml model bundle (it does not start with 'TMLB')");
    }
    if (d[4] != TML_BUNDLE_FORMAT) {
        return fail(err, TML_ERR_UNSUPPORTED,
            "bundle format %u: this firmware reads format %u (update the firmware, or sign the model with a matching "
            "tinyml)", (unsigned)d[4], (unsigned)TML_BUNDLE_FORMAT);
    }
    uint8_t name_len = d[5];
    uint32_t hb = (uint32_t)d[6] | (uint32_t)d[7] << 8;
    if (name_len < 1 || name_len > TML_BUNDLE_NAME_MAX) {
        return fail(err, TML_ERR_INVALID_MODEL, "corrupt bundle header: name length %u (1 to %u)", (unsigned)name_len,
            (unsigned)TML_BUNDLE_NAME_MAX);
    }
    if (hb != head_size(name_len)) {
        return fail(err, TML_ERR_INVALID_MODEL, "corrupt bundle header: header size %u, expected %u for a %u-byte name",
            (unsigned)hb, (unsigned)head_size(name_len), (unsigned)name_len);
    }
    return TML_OK;
}

tml_status_t tml_bundle_parse_header(const uint8_t *d, size_t len, tml_bundle_info_t *info, tml_error_t *err) {
    memset(info, 0, sizeof(*info));
    if (len < 8) {
        return fail(err, TML_ERR_INVALID_MODEL, "truncated bundle: %u bytes, its header alone takes at least %u",
            (unsigned)len, (unsigned)TML_BUNDLE_FIXED);
    }
    tml_status_t s = check_prefix(d, err);
    if (s != TML_OK) {
        return s;
    }
    uint8_t name_len = d[5];
    uint32_t hb = head_size(name_len);
    if (len < hb) {
        return fail(err, TML_ERR_INVALID_MODEL, "truncated bundle: %u bytes, its header takes %u", (unsigned)len,
            (unsigned)hb);
    }
    info->header_bytes = hb;
    memcpy(info->key_id, d + 72, TML_BUNDLE_KEY_ID_BYTES);
    info->version = rd32(d + 80);
    info->model_bytes = rd32(d + 84);
    info->test_count = rd32(d + 88);
    info->test_in_bytes = rd32(d + 92);
    info->test_out_bytes = rd32(d + 96);
    if (rd32(d + 100) != 0) {
        return fail(err, TML_ERR_INVALID_MODEL, "corrupt bundle header: reserved field is %u, not 0",
            (unsigned)rd32(d + 100));
    }
    for (uint32_t i = 0; i < name_len; i++) {
        if (!name_char(d[TML_BUNDLE_FIXED + i])) {
            return fail(err, TML_ERR_INVALID_MODEL,
                "corrupt bundle header: byte %u of the name is %u (names take letters, digits, '.', '_', '-')",
                (unsigned)i, (unsigned)d[TML_BUNDLE_FIXED + i]);
        }
        info->name[i] = (char)d[TML_BUNDLE_FIXED + i];
    }
    info->name[name_len] = 0;
    for (uint32_t i = TML_BUNDLE_FIXED + name_len; i < hb; i++) {
        if (d[i] != 0) {
            return fail(err, TML_ERR_INVALID_MODEL, "corrupt bundle header: padding byte %u is not 0", (unsigned)i);
        }
    }
    if (info->version == 0) {
        return fail(err, TML_ERR_INVALID_MODEL, "corrupt bundle header: version 0 (versions start at 1)");
    }
    if (info->model_bytes < 16) {
        return fail(err, TML_ERR_INVALID_MODEL, "corrupt bundle header: a %u-byte model", (unsigned)info->model_bytes);
    }
    if (info->test_count > 0 && (info->test_in_bytes == 0 || info->test_out_bytes == 0)) {
        return fail(err, TML_ERR_INVALID_MODEL, "corrupt bundle header: self-test cases of %u input and %u output bytes",
            (unsigned)info->test_in_bytes, (unsigned)info->test_out_bytes);
    }
    uint64_t tests = (uint64_t)info->test_count * ((uint64_t)info->test_in_bytes + info->test_out_bytes);
    uint64_t total = (uint64_t)hb + info->model_bytes + tests;
    if (total > TML_BUNDLE_MAX_BYTES) {
        return fail(err, TML_ERR_INVALID_MODEL, "corrupt bundle header: it announces %llu bytes (at most %u)",
            (unsigned long long)total, (unsigned)TML_BUNDLE_MAX_BYTES);
    }
    info->total_bytes = (uint32_t)total;
    return TML_OK;
}

void tml_bundle_begin(tml_bundle_verifier_t *v, const uint8_t *keys, size_t n_keys) {
    memset(v, 0, sizeof(*v));
    v->keys = keys;
    v->n_keys = n_keys;
    v->state = ST_HEADER;
}

static tml_status_t refuse(tml_bundle_verifier_t *v, tml_bundle_failure_t why, tml_status_t status) {
    v->state = ST_REFUSED;
    v->failure = (uint8_t)why;
    return status;
}

/* The header is complete: check it, pick the key it names, start the hash. */
static tml_status_t start_body(tml_bundle_verifier_t *v, tml_error_t *err) {
    tml_status_t s = tml_bundle_parse_header(v->head, v->info.header_bytes, &v->info, err);
    if (s != TML_OK) {
        return refuse(v, s == TML_ERR_UNSUPPORTED ? TML_BUNDLE_FORMAT_NEW : TML_BUNDLE_CORRUPT, s);
    }
    size_t k = 0;
    while (k < v->n_keys && memcmp(v->keys + k * TML_BUNDLE_KEY_BYTES, v->info.key_id, TML_BUNDLE_KEY_ID_BYTES) != 0) {
        k++;
    }
    if (k == v->n_keys) {
        char id[2 * TML_BUNDLE_KEY_ID_BYTES + 1], trusted[3 * (2 * TML_BUNDLE_KEY_ID_BYTES + 2)];
        hex(id, v->info.key_id, TML_BUNDLE_KEY_ID_BYTES);
        size_t at = 0;
        trusted[0] = 0;
        for (size_t i = 0; i < v->n_keys && i < 3; i++) {
            if (i > 0) {
                trusted[at++] = ',';
                trusted[at++] = ' ';
            }
            hex(trusted + at, v->keys + i * TML_BUNDLE_KEY_BYTES, TML_BUNDLE_KEY_ID_BYTES);
            at += 2 * TML_BUNDLE_KEY_ID_BYTES;
        }
        fail(err, TML_ERR_ARGUMENT, v->n_keys ? "the bundle is signed by key %s, which this device does not trust "
            "(trusted: %s%s)" : "the bundle is signed by key %s, and this device trusts no key%s%s", id, trusted,
            v->n_keys > 3 ? ", ..." : "");
        return refuse(v, TML_BUNDLE_KEY, TML_ERR_ARGUMENT);
    }
    memcpy(v->key, v->keys + k * TML_BUNDLE_KEY_BYTES, TML_BUNDLE_KEY_BYTES);
    crypto_sha512_ctx *h = (crypto_sha512_ctx *)(void *)v->hash;
    crypto_sha512_init(h);
    crypto_sha512_update(h, v->head + TML_BUNDLE_SIG_OFFSET, 32); /* R */
    crypto_sha512_update(h, v->key, TML_BUNDLE_KEY_BYTES);        /* A */
    crypto_sha512_update(h, v->head, TML_BUNDLE_SIG_OFFSET);      /* M: the bundle without its signature */
    uint32_t signed_from = TML_BUNDLE_SIG_OFFSET + TML_BUNDLE_SIG_BYTES;
    crypto_sha512_update(h, v->head + signed_from, v->info.header_bytes - signed_from);
    v->state = ST_BODY;
    return TML_OK;
}

tml_status_t tml_bundle_update(tml_bundle_verifier_t *v, const uint8_t *data, size_t len, tml_error_t *err) {
    if (v->state == ST_REFUSED || v->state == ST_VERIFIED) {
        return fail(err, TML_ERR_STATE, v->state == ST_REFUSED ? "the bundle was refused already"
            : "the bundle was verified already");
    }
    while (len > 0) {
        if (v->state == ST_HEADER) {
            /* first the 8-byte prefix (it gives the header size), then the rest of the header */
            size_t want = v->received < 8 ? 8 : v->info.header_bytes;
            size_t take = want - (size_t)v->received < len ? want - (size_t)v->received : len;
            memcpy(v->head + v->received, data, take);
            v->received += take;
            data += take;
            len -= take;
            if (v->received == 8) {
                tml_status_t s = check_prefix(v->head, err);
                if (s != TML_OK) {
                    return refuse(v, s == TML_ERR_UNSUPPORTED ? TML_BUNDLE_FORMAT_NEW : TML_BUNDLE_CORRUPT, s);
                }
                v->info.header_bytes = head_size(v->head[5]);
            } else if (v->received == v->info.header_bytes) {
                tml_status_t s = start_body(v, err);
                if (s != TML_OK) {
                    return s;
                }
            }
            continue;
        }
        uint64_t left = v->info.total_bytes - v->received;
        if (len > left) {
            fail(err, TML_ERR_INVALID_MODEL, "the bundle is longer than its header says: more than %u bytes",
                (unsigned)v->info.total_bytes);
            return refuse(v, TML_BUNDLE_TOO_LONG, TML_ERR_INVALID_MODEL);
        }
        crypto_sha512_update((crypto_sha512_ctx *)(void *)v->hash, data, len);
        v->received += len;
        len = 0;
    }
    return TML_OK;
}

int tml_bundle_have_header(const tml_bundle_verifier_t *v) {
    return v->state == ST_BODY || v->state == ST_VERIFIED;
}

const tml_bundle_info_t *tml_bundle_info(const tml_bundle_verifier_t *v) {
    return &v->info;
}

tml_status_t tml_bundle_finish(tml_bundle_verifier_t *v, tml_error_t *err) {
    if (v->state == ST_REFUSED || v->state == ST_VERIFIED) {
        return tml_bundle_update(v, NULL, 1, err); /* the same message */
    }
    if (v->state == ST_HEADER) {
        fail(err, TML_ERR_INVALID_MODEL, "truncated bundle: %u bytes, its header takes %u", (unsigned)v->received,
            (unsigned)(v->received >= 8 ? v->info.header_bytes : TML_BUNDLE_FIXED));
        return refuse(v, v->received ? TML_BUNDLE_TRUNCATED : TML_BUNDLE_CORRUPT, TML_ERR_INVALID_MODEL);
    }
    if (v->received < v->info.total_bytes) {
        fail(err, TML_ERR_INVALID_MODEL, "truncated bundle: %u of its %u bytes", (unsigned)v->received,
            (unsigned)v->info.total_bytes);
        return refuse(v, TML_BUNDLE_TRUNCATED, TML_ERR_INVALID_MODEL);
    }
    uint8_t digest[64], h_ram[32];
    crypto_sha512_final((crypto_sha512_ctx *)(void *)v->hash, digest);
    crypto_eddsa_reduce(h_ram, digest);
    if (crypto_eddsa_check_equation(v->head + TML_BUNDLE_SIG_OFFSET, v->key, h_ram) != 0) {
        char id[2 * TML_BUNDLE_KEY_ID_BYTES + 1];
        hex(id, v->info.key_id, TML_BUNDLE_KEY_ID_BYTES);
        fail(err, TML_ERR_INVALID_MODEL, "bad signature: the bundle was not signed by key %s, or was changed or "
            "corrupted after signing", id);
        return refuse(v, TML_BUNDLE_SIGNATURE, TML_ERR_INVALID_MODEL);
    }
    v->state = ST_VERIFIED;
    return TML_OK;
}

tml_status_t tml_bundle_verify(const uint8_t *data, size_t len, const uint8_t *keys, size_t n_keys,
    tml_bundle_info_t *info, tml_error_t *err) {
    tml_bundle_verifier_t v;
    tml_bundle_begin(&v, keys, n_keys);
    tml_status_t s = tml_bundle_update(&v, data, len, err);
    if (s == TML_OK) {
        s = tml_bundle_finish(&v, err);
    }
    *info = v.info;
    return s;
}

void tml_bundle_sha512(uint8_t out[64], const uint8_t *data, size_t len) {
    crypto_sha512(out, data, len);
}

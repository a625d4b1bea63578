/*
 * libFuzzer target: the signed-bundle parser and signature path of over-the-air updates
 * (usermod/tinyml/ota/tml_bundle.c, Monocypher's Ed25519).
 *
 * Input: one mode byte, then the bundle. The mode chooses how the bytes are streamed into the
 * verifier (chunk size) and whether the harness first points the key id at its test key and re-signs
 * the bytes with it, so that well-formed inputs reach the accepting path too. Checked each run:
 * - streamed in chunks or verified whole, the verdict is the same;
 * - an accepted bundle has a valid Ed25519 signature (Monocypher's one-shot crypto_ed25519_check over
 *   the bundle without its signature field) by a trusted key, and its header's sizes add up to its length;
 * - flipping any one bit of an accepted bundle gets it refused;
 * - every refusal has a NUL-terminated message and a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monocypher-ed25519.h"
#include "tml_bundle.h"

#define CHECK(c) do { if (!(c)) { __builtin_trap(); } } while (0)

static uint8_t secret_key[64], public_key[32];

static void keys(void) {
    static int done;
    if (!done) {
        uint8_t seed[32];
        for (int i = 0; i < 32; i++) {
            seed[i] = (uint8_t)(i * 7 + 1);
        }
        crypto_ed25519_key_pair(secret_key, public_key, seed);
        done = 1;
    }
}

/* The signed message: the bundle without its signature field. */
static uint8_t *message(const uint8_t *b, size_t size, size_t *len) {
    *len = size - TML_BUNDLE_SIG_BYTES;
    uint8_t *m = malloc(*len ? *len : 1);
    memcpy(m, b, TML_BUNDLE_SIG_OFFSET);
    memcpy(m + TML_BUNDLE_SIG_OFFSET, b + TML_BUNDLE_SIG_OFFSET + TML_BUNDLE_SIG_BYTES, *len - TML_BUNDLE_SIG_OFFSET);
    return m;
}

static tml_status_t streamed(const uint8_t *b, size_t size, size_t chunk, tml_bundle_verifier_t *v, tml_error_t *err) {
    tml_status_t s = TML_OK;
    tml_bundle_begin(v, public_key, 1);
    for (size_t at = 0; at < size && s == TML_OK; at += chunk) {
        s = tml_bundle_update(v, b + at, size - at < chunk ? size - at : chunk, err);
    }
    if (s == TML_OK) {
        s = tml_bundle_finish(v, err);
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) {
        return 0;
    }
    keys();
    uint8_t mode = data[0];
    size--;
    /* an exact-size heap copy, so ASan sees any read past the end */
    uint8_t *b = malloc(size ? size : 1);
    memcpy(b, data + 1, size);
    if ((mode & 1) && size >= 80) {
        memcpy(b + 72, public_key, TML_BUNDLE_KEY_ID_BYTES);
    }
    if ((mode & 2) && size >= TML_BUNDLE_SIG_OFFSET + TML_BUNDLE_SIG_BYTES) {
        size_t len;
        uint8_t *m = message(b, size, &len);
        crypto_ed25519_sign(b + TML_BUNDLE_SIG_OFFSET, secret_key, m, len);
        free(m);
    }
    size_t chunk = 1 + (size_t)(mode >> 2) * 29;
    tml_bundle_verifier_t v;
    tml_error_t err;
    memset(&err, 0x55, sizeof(err));
    tml_status_t s = streamed(b, size, chunk, &v, &err);
    tml_bundle_info_t info;
    tml_error_t err2;
    memset(&err2, 0x55, sizeof(err2));
    tml_status_t whole = tml_bundle_verify(b, size, public_key, 1, &info, &err2);
    CHECK((s == TML_OK) == (whole == TML_OK));
    if (s != TML_OK) {
        CHECK(memchr(err.msg, 0, sizeof(err.msg)) != NULL && err.msg[0] != 0);
        CHECK(memchr(err2.msg, 0, sizeof(err2.msg)) != NULL && err2.msg[0] != 0);
        CHECK(v.failure != TML_BUNDLE_OK);
    } else {
        size_t len;
        uint8_t *m = message(b, size, &len);
        CHECK(crypto_ed25519_check(b + TML_BUNDLE_SIG_OFFSET, public_key, m, len) == 0);
        free(m);
        CHECK(memcmp(info.key_id, public_key, TML_BUNDLE_KEY_ID_BYTES) == 0);
        CHECK(info.total_bytes == size && info.header_bytes + (uint64_t)info.model_bytes
            + (uint64_t)info.test_count * (info.test_in_bytes + info.test_out_bytes) == size);
        CHECK(info.model_bytes >= 16 && info.version >= 1 && strlen(info.name) >= 1);
        size_t pos = ((size_t)mode * 2654435761u) % size;
        b[pos] ^= (uint8_t)(1u << (mode % 8));
        CHECK(tml_bundle_verify(b, size, public_key, 1, &info, &err2) != TML_OK);
    }
    free(b);
    return 0;
}

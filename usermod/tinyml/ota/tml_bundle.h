/*
 * tinyml over-the-air updates: the signed model bundle, parsed and verified
 * as its bytes stream in (never held whole in memory).
 *
 * Plain C99, no MicroPython header; the Ed25519 check is Monocypher's
 * (crypto_eddsa_check_equation, SHA-512 from its optional ed25519 file).
 *
 * Bundle format 1 (all integers little-endian):
 *
 *   offset size
 *     0     4   magic "TMLB"
 *     4     1   format (1)
 *     5     1   name_len (1..63)
 *     6     2   header_bytes: offset of the model, 104 + name_len rounded up to 16
 *     8    64   Ed25519 signature (R, S)
 *    72     8   key id: the first 8 bytes of the signer's public key
 *    80     4   version (>= 1; a device installs only versions above the newest it has accepted)
 *    84     4   model_bytes (the .tflite)
 *    88     4   test_count: self-test cases
 *    92     4   test_in_bytes: per case, the bytes of every input, concatenated
 *    96     4   test_out_bytes: per case, the expected bytes of every output, concatenated
 *   100     4   reserved (0)
 *   104     -   name (letters, digits, '.', '_', '-'), zero padding up to header_bytes
 *   header_bytes          the model (16-byte aligned in the bundle)
 *   header_bytes + model  test_count cases of test_in_bytes + test_out_bytes
 *
 * The signature is pure Ed25519 (RFC 8032) over the bundle without its
 * signature field: bytes [0, 8) followed by bytes [72, end). The signature
 * comes first so that the message can be hashed as it arrives.
 */
#ifndef TML_BUNDLE_H
#define TML_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include "../core/tml_core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TML_BUNDLE_FORMAT 1
#define TML_BUNDLE_FIXED 104     /* bytes of the fixed header */
#define TML_BUNDLE_NAME_MAX 63
#define TML_BUNDLE_HEAD_MAX 176  /* the longest header: 104 + 63, rounded up to 16 */
#define TML_BUNDLE_KEY_BYTES 32
#define TML_BUNDLE_SIG_OFFSET 8
#define TML_BUNDLE_SIG_BYTES 64
#define TML_BUNDLE_KEY_ID_BYTES 8
#define TML_BUNDLE_MAX_BYTES 0x40000000u /* 1 GiB: larger bundles are refused as corrupt */

/* Why a bundle was refused (tml_bundle_verifier_t.failure). */
typedef enum {
    TML_BUNDLE_OK = 0,
    TML_BUNDLE_CORRUPT = 1,   /* not a bundle, or a malformed header */
    TML_BUNDLE_FORMAT_NEW = 2, /* a bundle format this code does not read */
    TML_BUNDLE_TRUNCATED = 3, /* fewer bytes than the header announces */
    TML_BUNDLE_TOO_LONG = 4,  /* more bytes than the header announces */
    TML_BUNDLE_KEY = 5,       /* signed by a key that is not trusted */
    TML_BUNDLE_SIGNATURE = 6, /* the signature does not match the bytes */
} tml_bundle_failure_t;

typedef struct {
    uint32_t version;
    uint32_t header_bytes;    /* offset of the model */
    uint32_t model_bytes;
    uint32_t test_count;
    uint32_t test_in_bytes;
    uint32_t test_out_bytes;
    uint32_t total_bytes;     /* the whole bundle */
    uint8_t key_id[TML_BUNDLE_KEY_ID_BYTES];
    char name[TML_BUNDLE_NAME_MAX + 1];
} tml_bundle_info_t;

typedef struct {
    /* private */
    uint64_t hash[27];        /* Monocypher's crypto_sha512_ctx (checked in tml_bundle.c) */
    const uint8_t *keys;      /* trusted public keys, 32 bytes each (not copied) */
    size_t n_keys;
    uint64_t received;        /* bytes taken so far */
    tml_bundle_info_t info;
    uint8_t head[TML_BUNDLE_HEAD_MAX];
    uint8_t key[TML_BUNDLE_KEY_BYTES]; /* the key the header names */
    uint8_t state;            /* 0 header, 1 body, 2 refused, 3 verified */
    uint8_t failure;          /* tml_bundle_failure_t */
} tml_bundle_verifier_t;

/* Start verifying a bundle signed by one of `n_keys` public keys (32 bytes
 * each, back to back; they must stay alive until the header is complete). */
void tml_bundle_begin(tml_bundle_verifier_t *v, const uint8_t *keys, size_t n_keys);

/* Take the next `len` bytes of the bundle. Fails (and stays failed) on a
 * malformed header, an untrusted key or bytes beyond the announced end. */
tml_status_t tml_bundle_update(tml_bundle_verifier_t *v, const uint8_t *data, size_t len, tml_error_t *err);

/* 1 once the whole header is in and has been checked: tml_bundle_info() is valid. */
int tml_bundle_have_header(const tml_bundle_verifier_t *v);
const tml_bundle_info_t *tml_bundle_info(const tml_bundle_verifier_t *v);

/* All bytes in: check the length and the signature. TML_OK only for a
 * complete bundle whose signature matches a trusted key. */
tml_status_t tml_bundle_finish(tml_bundle_verifier_t *v, tml_error_t *err);

/* Check a header alone (data: at least its header_bytes); no key, no signature. */
tml_status_t tml_bundle_parse_header(const uint8_t *data, size_t len, tml_bundle_info_t *info, tml_error_t *err);

/* The whole bundle in memory: begin + update + finish. */
tml_status_t tml_bundle_verify(const uint8_t *data, size_t len, const uint8_t *keys, size_t n_keys,
    tml_bundle_info_t *info, tml_error_t *err);

/* SHA-512 of a buffer (the state records of the device's update code are checked with it). */
void tml_bundle_sha512(uint8_t out[64], const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif

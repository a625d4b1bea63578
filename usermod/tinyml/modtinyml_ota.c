// _tinyml_ota: the MicroPython binding of the bundle verifier (ota/tml_bundle.h),
// used by tinyml.ota (lib/tinyml/ota.py). Built when TINYML_OTA=1 (Monocypher present).
//
//   v = _tinyml_ota.Verifier(keys)  keys: 32-byte public keys, back to back (bytes)
//   v.update(buf)                   the next bytes of the bundle (ValueError when refused)
//   v.info()                        None until the header is in, then a dict (name, version, ...)
//   v.finish()                      length and signature checked (ValueError), returns info()
//   v.failure                       None, or why it was refused: 'corrupt', 'format', 'truncated',
//                                   'too_long', 'key', 'signature'
//   _tinyml_ota.sha512(buf)         64-byte digest
//   _tinyml_ota.read(stream, buf, timeout_ms)  fill buf from a stream (sys.stdin.buffer), waiting at
//                                   most timeout_ms for each byte; returns the bytes read
#include <string.h>

#include "py/mphal.h"
#include "py/runtime.h"
#include "py/stream.h"

#include "ota/tml_bundle.h"

typedef struct _tinyml_ota_verifier_obj_t {
    mp_obj_base_t base;
    mp_obj_t keys; // bytes object holding the trusted keys (tml_bundle_verifier_t points into it)
    tml_bundle_verifier_t v;
} tinyml_ota_verifier_obj_t;

// tml_bundle_failure_t 1.. by name
static const qstr tinyml_ota_failures[] = {
    MP_QSTR_corrupt, MP_QSTR_format, MP_QSTR_truncated, MP_QSTR_too_long, MP_QSTR_key, MP_QSTR_signature,
};

static MP_NORETURN void tinyml_ota_raise(const tml_error_t *err) {
    mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s"), err->msg);
}

static mp_obj_t tinyml_ota_verifier_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw,
    const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 1, 1, false);
    mp_buffer_info_t keys;
    mp_get_buffer_raise(args[0], &keys, MP_BUFFER_READ);
    if (keys.len % TML_BUNDLE_KEY_BYTES != 0) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("keys: %u bytes, not a multiple of %d (Ed25519 public keys)"),
            (unsigned)keys.len, TML_BUNDLE_KEY_BYTES);
    }
    tinyml_ota_verifier_obj_t *self = mp_obj_malloc(tinyml_ota_verifier_obj_t, type);
    self->keys = mp_obj_new_bytes(keys.buf, keys.len); // a copy: the caller's buffer may change
    mp_buffer_info_t own;
    mp_get_buffer_raise(self->keys, &own, MP_BUFFER_READ);
    tml_bundle_begin(&self->v, own.buf, own.len / TML_BUNDLE_KEY_BYTES);
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t tinyml_ota_verifier_update(mp_obj_t self_in, mp_obj_t buf_in) {
    tinyml_ota_verifier_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_buffer_info_t b;
    mp_get_buffer_raise(buf_in, &b, MP_BUFFER_READ);
    tml_error_t err;
    if (tml_bundle_update(&self->v, b.buf, b.len, &err) != TML_OK) {
        tinyml_ota_raise(&err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(tinyml_ota_verifier_update_obj, tinyml_ota_verifier_update);

static mp_obj_t tinyml_ota_verifier_info(mp_obj_t self_in) {
    tinyml_ota_verifier_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (!tml_bundle_have_header(&self->v)) {
        return mp_const_none;
    }
    const tml_bundle_info_t *i = tml_bundle_info(&self->v);
    mp_obj_t d = mp_obj_new_dict(9);
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_name), mp_obj_new_str_from_cstr(i->name));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_version), mp_obj_new_int_from_uint(i->version));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_header_bytes), mp_obj_new_int_from_uint(i->header_bytes));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_model_bytes), mp_obj_new_int_from_uint(i->model_bytes));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_test_count), mp_obj_new_int_from_uint(i->test_count));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_test_in_bytes), mp_obj_new_int_from_uint(i->test_in_bytes));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_test_out_bytes), mp_obj_new_int_from_uint(i->test_out_bytes));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_total_bytes), mp_obj_new_int_from_uint(i->total_bytes));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_key_id), mp_obj_new_bytes(i->key_id, TML_BUNDLE_KEY_ID_BYTES));
    return d;
}
static MP_DEFINE_CONST_FUN_OBJ_1(tinyml_ota_verifier_info_obj, tinyml_ota_verifier_info);

static mp_obj_t tinyml_ota_verifier_finish(mp_obj_t self_in) {
    tinyml_ota_verifier_obj_t *self = MP_OBJ_TO_PTR(self_in);
    tml_error_t err;
    if (tml_bundle_finish(&self->v, &err) != TML_OK) {
        tinyml_ota_raise(&err);
    }
    return tinyml_ota_verifier_info(self_in);
}
static MP_DEFINE_CONST_FUN_OBJ_1(tinyml_ota_verifier_finish_obj, tinyml_ota_verifier_finish);

static void tinyml_ota_verifier_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    if (dest[0] == MP_OBJ_NULL && attr == MP_QSTR_failure) {
        tinyml_ota_verifier_obj_t *self = MP_OBJ_TO_PTR(self_in);
        uint8_t f = self->v.failure;
        dest[0] = f == TML_BUNDLE_OK || f > MP_ARRAY_SIZE(tinyml_ota_failures)
            ? mp_const_none : MP_OBJ_NEW_QSTR(tinyml_ota_failures[f - 1]);
        return;
    }
    dest[1] = MP_OBJ_SENTINEL; // methods: continue lookup in locals_dict
}

static const mp_rom_map_elem_t tinyml_ota_verifier_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_update), MP_ROM_PTR(&tinyml_ota_verifier_update_obj) },
    { MP_ROM_QSTR(MP_QSTR_info), MP_ROM_PTR(&tinyml_ota_verifier_info_obj) },
    { MP_ROM_QSTR(MP_QSTR_finish), MP_ROM_PTR(&tinyml_ota_verifier_finish_obj) },
};
static MP_DEFINE_CONST_DICT(tinyml_ota_verifier_locals_dict, tinyml_ota_verifier_locals_dict_table);

static MP_DEFINE_CONST_OBJ_TYPE(
    tinyml_ota_type_verifier,
    MP_QSTR_Verifier,
    MP_TYPE_FLAG_NONE,
    make_new, tinyml_ota_verifier_make_new,
    attr, tinyml_ota_verifier_attr,
    locals_dict, &tinyml_ota_verifier_locals_dict
    );

static mp_obj_t tinyml_ota_sha512(mp_obj_t buf_in) {
    mp_buffer_info_t b;
    mp_get_buffer_raise(buf_in, &b, MP_BUFFER_READ);
    uint8_t digest[64];
    tml_bundle_sha512(digest, b.buf, b.len);
    return mp_obj_new_bytes(digest, sizeof(digest));
}
static MP_DEFINE_CONST_FUN_OBJ_1(tinyml_ota_sha512_obj, tinyml_ota_sha512);

// read(stream, buf, timeout_ms) -> n: one byte at a time, each once the stream polls readable, so a
// sender that stops (killed mid-transfer) leaves the device waiting timeout_ms, never forever.
static mp_obj_t tinyml_ota_read(mp_obj_t stream_in, mp_obj_t buf_in, mp_obj_t timeout_in) {
    const mp_stream_p_t *s = mp_get_stream_raise(stream_in, MP_STREAM_OP_READ | MP_STREAM_OP_IOCTL);
    mp_buffer_info_t b;
    mp_get_buffer_raise(buf_in, &b, MP_BUFFER_WRITE);
    mp_uint_t timeout = (mp_uint_t)mp_obj_get_int(timeout_in);
    size_t got = 0;
    // empty polls since the last byte: spin a while (the next byte of a chunk comes soon: sleeping per
    // byte would halve the rate on the QEMU boards), then wait for an interrupt between polls
    unsigned polls = 0;
    mp_uint_t since = mp_hal_ticks_ms();
    while (got < b.len) {
        int errcode = 0;
        mp_uint_t ready = s->ioctl(stream_in, MP_STREAM_POLL, MP_STREAM_POLL_RD, &errcode);
        if (ready == MP_STREAM_ERROR) {
            mp_raise_OSError(errcode);
        }
        if (ready & MP_STREAM_POLL_RD) {
            mp_uint_t n = s->read(stream_in, (uint8_t *)b.buf + got, 1, &errcode);
            if (n == MP_STREAM_ERROR) {
                if (mp_is_nonblocking_error(errcode)) {
                    continue;
                }
                mp_raise_OSError(errcode);
            }
            if (n == 0) {
                break; // end of stream
            }
            got += n;
            polls = 0;
            since = mp_hal_ticks_ms();
            continue;
        }
        if ((mp_uint_t)(mp_hal_ticks_ms() - since) >= timeout) {
            break;
        }
        if (++polls < 1000) {
            continue;
        }
        mp_event_wait_ms(1);
    }
    return mp_obj_new_int_from_uint(got);
}
static MP_DEFINE_CONST_FUN_OBJ_3(tinyml_ota_read_obj, tinyml_ota_read);

static const mp_rom_map_elem_t tinyml_ota_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR__tinyml_ota) },
    { MP_ROM_QSTR(MP_QSTR_Verifier), MP_ROM_PTR(&tinyml_ota_type_verifier) },
    { MP_ROM_QSTR(MP_QSTR_sha512), MP_ROM_PTR(&tinyml_ota_sha512_obj) },
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&tinyml_ota_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_FORMAT), MP_ROM_INT(TML_BUNDLE_FORMAT) },
};
static MP_DEFINE_CONST_DICT(tinyml_ota_module_globals, tinyml_ota_module_globals_table);

const mp_obj_module_t tinyml_ota_user_cmodule = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&tinyml_ota_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR__tinyml_ota, tinyml_ota_user_cmodule);

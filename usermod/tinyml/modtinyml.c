// _tinyml: the MicroPython binding of the tinyml C core (core/tml_core.h).
// The only file of the module that includes MicroPython headers.
#include <string.h>

#include "py/binary.h"
#include "py/builtin.h"
#include "py/gc.h"
#include "py/mphal.h"
#include "py/objarray.h"
#include "py/objstr.h"
#include "py/runtime.h"
#include "py/stream.h"

#include "core/tml_core.h"
#include "port/tml_systick.h"

// ---- cycle counter for profile() --------------------------------------------
// DWT CYCCNT on cores that have one (when it counts: QEMU's does not), else
// the SysTick of boards that run it as the 1 ms tick (TINYML_PROFILE_SYSTICK,
// the QEMU boards: deterministic under -icount), else mp_hal_ticks_us().

#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
#define TINYML_HAVE_DWT (1)
#else
#define TINYML_HAVE_DWT (0)
#endif
#if defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M' && defined(TINYML_PROFILE_SYSTICK) && TINYML_PROFILE_SYSTICK
#define TINYML_HAVE_SYSTICK (1)
#else
#define TINYML_HAVE_SYSTICK (0)
#endif

#define TINYML_REG(addr) (*(volatile uint32_t *)(addr))
#define TINYML_DEMCR TINYML_REG(0xE000EDFC)
#define TINYML_DWT_CTRL TINYML_REG(0xE0001000)
#define TINYML_DWT_CYCCNT TINYML_REG(0xE0001004)
#define TINYML_DWT_LAR TINYML_REG(0xE0001FB0)
#define TINYML_SYST_CSR TINYML_REG(0xE000E010)
#define TINYML_SYST_RVR TINYML_REG(0xE000E014)
#define TINYML_SYST_CVR TINYML_REG(0xE000E018)
#define TINYML_SCB_ICSR TINYML_REG(0xE000ED04)

enum { CLOCK_UNKNOWN, CLOCK_DWT, CLOCK_SYSTICK, CLOCK_TICKS_US };
static uint8_t tinyml_clock_kind = CLOCK_UNKNOWN;

static void tinyml_clock_init(void) {
    if (tinyml_clock_kind != CLOCK_UNKNOWN) {
        return;
    }
    #if TINYML_HAVE_DWT
    TINYML_DEMCR |= 1u << 24; // TRCENA
    TINYML_DWT_LAR = 0xC5ACCE55; // unlock (Cortex-M7)
    TINYML_DWT_CTRL |= 1u; // CYCCNTENA
    uint32_t c0 = TINYML_DWT_CYCCNT;
    for (volatile int i = 0; i < 64; i++) {
    }
    if (TINYML_DWT_CYCCNT != c0) {
        tinyml_clock_kind = CLOCK_DWT;
        return;
    }
    #endif
    #if TINYML_HAVE_SYSTICK
    if (TINYML_SYST_CSR & 1u) {
        tinyml_clock_kind = CLOCK_SYSTICK;
        return;
    }
    #endif
    tinyml_clock_kind = CLOCK_TICKS_US;
}

#if TINYML_HAVE_SYSTICK
// SysTick cycles since boot (mod 2^32): the port counts its 1 ms interrupts.
static uint32_t tinyml_systick_ticks(void) {
    uint32_t rvr = TINYML_SYST_RVR, ms, cvr, pending;
    do {
        ms = mp_hal_ticks_ms();
        cvr = TINYML_SYST_CVR;
        pending = TINYML_SCB_ICSR & (1u << 26); // PENDSTSET
    } while (ms != (uint32_t)mp_hal_ticks_ms());
    return tml_systick_count(ms, rvr, cvr, pending != 0);
}
#endif

static uint32_t tinyml_ticks(void) {
    switch (tinyml_clock_kind) {
        #if TINYML_HAVE_DWT
        case CLOCK_DWT:
            return TINYML_DWT_CYCCNT;
        #endif
        #if TINYML_HAVE_SYSTICK
        case CLOCK_SYSTICK:
            return tinyml_systick_ticks();
        #endif
        default:
            return (uint32_t)mp_hal_ticks_us();
    }
}

// ---- allocator and errors ----------------------------------------------------

static size_t tinyml_gc_free(void) {
    #if MICROPY_ENABLE_GC
    gc_info_t info;
    gc_info(&info);
    return info.free;
    #else
    return 0;
    #endif
}

// Free heap bytes when an allocation for the core last failed (SIZE_MAX: none
// failed). A MemoryError reports the heap as it was then, not after the failed
// load has given back what it had taken.
static size_t tinyml_free_at_failure = SIZE_MAX;

static void *tinyml_alloc(void *ctx, size_t size) {
    (void)ctx;
    void *p = m_malloc_maybe(size);
    if (p == NULL) {
        tinyml_free_at_failure = tinyml_gc_free();
    }
    return p;
}

static void tinyml_free(void *ctx, void *ptr, size_t size) {
    (void)ctx;
    #if MICROPY_MALLOC_USES_ALLOCATED_SIZE
    m_free(ptr, size);
    #else
    (void)size;
    m_free(ptr);
    #endif
}

static const tml_allocator_t tinyml_allocator = { tinyml_alloc, tinyml_free, NULL };

static MP_NORETURN void tinyml_raise_no_memory(const char *what, size_t needed) {
    size_t avail = tinyml_free_at_failure != SIZE_MAX ? tinyml_free_at_failure : tinyml_gc_free();
    tinyml_free_at_failure = SIZE_MAX;
    mp_raise_msg_varg(&mp_type_MemoryError, MP_ERROR_TEXT("%s (%u bytes needed, %u bytes free in the heap)"),
        what, (unsigned)needed, (unsigned)avail);
}

static MP_NORETURN void tinyml_raise(const tml_error_t *err) {
    switch (err->status) {
        case TML_ERR_NO_MEMORY:
            tinyml_raise_no_memory(err->msg, err->bytes_needed);
        case TML_ERR_INVALID_MODEL:
        case TML_ERR_UNSUPPORTED:
        case TML_ERR_ARGUMENT:
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s"), err->msg);
        default:
            mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("%s"), err->msg);
    }
}

// ---- helpers -----------------------------------------------------------------

// The bytes of the file at `path`: a file that exposes its bytes through the
// buffer protocol (ROMFS, under /rom) is returned as it is, used in place with
// no copy (the model object keeps the open file, so its memory stays mapped);
// any other file is read into a bytes object of its exact size (no regrowing).
static mp_obj_t tinyml_read_file(mp_obj_t path) {
    mp_obj_t open_args[2] = { path, MP_OBJ_NEW_QSTR(MP_QSTR_rb) };
    mp_obj_t f = mp_call_function_n_kw(MP_OBJ_FROM_PTR(&mp_builtin_open_obj), 2, 0, open_args);
    mp_buffer_info_t in_place;
    if (mp_get_buffer(f, &in_place, MP_BUFFER_READ)) {
        return f;
    }
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        int errcode;
        mp_off_t size = mp_stream_seek(f, 0, MP_SEEK_END, &errcode);
        if (size == (mp_off_t)-1 || mp_stream_seek(f, 0, MP_SEEK_SET, &errcode) == (mp_off_t)-1) {
            mp_raise_OSError(errcode);
        }
        vstr_t vstr;
        vstr_init_len(&vstr, (size_t)size);
        mp_uint_t got = mp_stream_rw(f, vstr.buf, (mp_uint_t)size, &errcode, MP_STREAM_RW_READ);
        if (errcode != 0 && got != (mp_uint_t)size) {
            mp_raise_OSError(errcode);
        }
        vstr.len = got;
        mp_stream_close(f);
        nlr_pop();
        return mp_obj_new_bytes_from_vstr(&vstr);
    } else {
        mp_stream_close(f);
        nlr_jump(nlr.ret_val);
    }
}

static mp_obj_array_t *tinyml_new_array(char typecode, size_t n) {
    size_t item = mp_binary_get_size('@', typecode, NULL);
    mp_obj_array_t *o = m_new_obj(mp_obj_array_t);
    o->base.type = &mp_type_array;
    o->typecode = typecode;
    o->free = 0;
    o->len = n;
    o->items = m_new(byte, item * n);
    return o;
}

static size_t tinyml_elements(const tml_tensor_t *t) {
    size_t size = tml_type_size(t->type);
    return size ? (size_t)t->bytes / size : 0;
}

static char tinyml_typecode(int type) {
    switch (type) {
        case TML_INT8:
            return 'b';
        case TML_UINT8:
        case TML_BOOL:
            return 'B';
        case TML_INT16:
            return 'h';
        case TML_UINT16:
            return 'H';
        case TML_INT32:
            return 'i';
        case TML_UINT32:
            return 'I';
        case TML_FLOAT32:
            return 'f';
        #if MICROPY_LONGINT_IMPL != MICROPY_LONGINT_IMPL_NONE
        case TML_INT64:
            return 'q';
        case TML_UINT64:
            return 'Q';
        #endif
        default:
            return 0;
    }
}

// Quantize one real value into element i: round half away from zero, clamp
// (t: a type tinyml_check_quantized accepts).
static void tinyml_store(tml_tensor_t *t, size_t i, mp_float_t v) {
    if (t->type == TML_FLOAT32) {
        ((float *)t->data)[i] = (float)v;
        return;
    }
    mp_float_t r = v / (mp_float_t)t->scale;
    int32_t lo, hi;
    switch (t->type) {
        case TML_INT8:
            lo = -128, hi = 127;
            break;
        case TML_UINT8:
            lo = 0, hi = 255;
            break;
        case TML_INT16:
            lo = -32768, hi = 32767;
            break;
        default:
            lo = INT32_MIN, hi = INT32_MAX;
            break;
    }
    int64_t q;
    if (r != r) {
        q = 0;
    } else if (r > (mp_float_t)4e9) {
        q = (int64_t)4000000000LL;
    } else if (r < (mp_float_t)-4e9) {
        q = -(int64_t)4000000000LL;
    } else {
        q = (int64_t)(r + (r >= 0 ? (mp_float_t)0.5 : (mp_float_t)-0.5));
    }
    q += t->zero_point;
    int32_t c = (int32_t)(q < lo ? lo : q > hi ? hi : q);
    switch (t->type) {
        case TML_INT8:
            ((int8_t *)t->data)[i] = (int8_t)c;
            break;
        case TML_UINT8:
            ((uint8_t *)t->data)[i] = (uint8_t)c;
            break;
        case TML_INT16:
            ((int16_t *)t->data)[i] = (int16_t)c;
            break;
        default:
            ((int32_t *)t->data)[i] = c;
            break;
    }
}

// The real value of element i (t: a type tinyml_check_quantized accepts).
static mp_float_t tinyml_load(const tml_tensor_t *t, size_t i) {
    int32_t q;
    switch (t->type) {
        case TML_FLOAT32:
            return (mp_float_t)((const float *)t->data)[i];
        case TML_INT8:
            q = ((const int8_t *)t->data)[i];
            break;
        case TML_UINT8:
        case TML_BOOL:
            q = ((const uint8_t *)t->data)[i];
            break;
        case TML_INT16:
            q = ((const int16_t *)t->data)[i];
            break;
        default:
            q = ((const int32_t *)t->data)[i];
            break;
    }
    return (mp_float_t)(q - t->zero_point) * (mp_float_t)t->scale;
}

// Real values can be given for (or returned from) float32 tensors and quantized
// int8/uint8/int16/int32 tensors; other types (bool, uint16/32, int64) take raw data.
static void tinyml_check_quantized(const tml_tensor_t *t, const char *what, int index) {
    const int ty = t->type;
    if (ty != TML_FLOAT32 && ty != TML_INT8 && ty != TML_UINT8 && ty != TML_INT16 && ty != TML_INT32) {
        char tc = tinyml_typecode(ty);
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s %d (%s) takes raw data (array('%c')), not real values"),
            what, index, tml_type_name(ty), tc ? tc : 'B');
    }
    if (ty != TML_FLOAT32 && !(t->scale > 0)) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s %d (%s) has no quantization scale"),
            what, index, tml_type_name(t->type));
    }
}

static MP_NORETURN void tinyml_raise_size(const char *what, int index, size_t expected, size_t given, const char *unit) {
    mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s %d: expected %u %s, got %u"),
        what, index, (unsigned)expected, unit, (unsigned)given);
}

// The buffer of input/output data x for tensor t; a TypeError naming what is expected otherwise.
static void tinyml_get_buffer(const tml_tensor_t *t, const char *what, int index, mp_obj_t x, mp_buffer_info_t *b, mp_uint_t flags) {
    if (!mp_get_buffer(x, b, flags)) {
        char tc = tinyml_typecode(t->type);
        mp_raise_msg_varg(&mp_type_TypeError,
            MP_ERROR_TEXT("%s %d: expected %s data (a %sbyte buffer or array('%c')) or real values, got %s"),
            what, index, tml_type_name(t->type), flags == MP_BUFFER_WRITE ? "writable " : "", tc ? tc : 'B',
            mp_obj_get_type_str(x));
    }
}

// Raw (not real-valued) data for tensor t: any byte buffer, or an array of t's
// element type (either signedness); e.g. array('h') is refused for an int8 tensor.
static void tinyml_check_raw(const tml_tensor_t *t, const char *what, int index, int typecode) {
    char tc = tinyml_typecode(t->type);
    if (typecode == 'b' || typecode == 'B' || typecode == BYTEARRAY_TYPECODE
        || (tc != 0 && (typecode == tc || typecode == (tc ^ 0x20)))) {
        return;
    }
    mp_raise_msg_varg(&mp_type_ValueError,
        MP_ERROR_TEXT("%s %d: expected %s data (a byte buffer or array('%c')) or real values, got array('%c')"),
        what, index, tml_type_name(t->type), tc ? tc : 'B', typecode);
}

// Fill input tensor t from x: real values (list/tuple of numbers, array('f'),
// array('d')) are quantized with the tensor's scale and zero point; any other
// buffer is raw data of the tensor's type (bytes, bytearray, array('b'), ...).
static void tinyml_fill_input(tml_tensor_t *t, int index, mp_obj_t x) {
    size_t n = tinyml_elements(t);
    if (mp_obj_is_type(x, &mp_type_list) || mp_obj_is_type(x, &mp_type_tuple)) {
        size_t len;
        mp_obj_t *items;
        mp_obj_get_array(x, &len, &items);
        if (len != n) {
            tinyml_raise_size("input", index, n, len, "values");
        }
        tinyml_check_quantized(t, "input", index);
        for (size_t i = 0; i < n; i++) {
            tinyml_store(t, i, mp_obj_get_float(items[i]));
        }
        return;
    }
    mp_buffer_info_t b;
    tinyml_get_buffer(t, "input", index, x, &b, MP_BUFFER_READ);
    if (b.typecode == 'f' || b.typecode == 'd') {
        size_t item = b.typecode == 'f' ? sizeof(float) : sizeof(double);
        if (b.len / item != n) {
            tinyml_raise_size("input", index, n, b.len / item, "values");
        }
        tinyml_check_quantized(t, "input", index);
        for (size_t i = 0; i < n; i++) {
            mp_float_t v = b.typecode == 'f' ? (mp_float_t)((const float *)b.buf)[i] : (mp_float_t)((const double *)b.buf)[i];
            tinyml_store(t, i, v);
        }
        return;
    }
    tinyml_check_raw(t, "input", index, b.typecode);
    if (b.len != (size_t)t->bytes) {
        tinyml_raise_size("input", index, (size_t)t->bytes, b.len, "bytes");
    }
    memcpy(t->data, b.buf, b.len);
}

// ---- the Model type ----------------------------------------------------------

typedef struct _tinyml_model_obj_t {
    mp_obj_base_t base;
    mp_obj_t source; // the model bytes: read in place, so kept alive here
    mp_obj_t arena;  // the activation arena (a bytearray, or the user's buffer)
    const void *buf;       // where the source's bytes were at load, and how many: a bytearray
    size_t len;            // resized since may have moved, cut or grown them (checked before each use)
    const void *arena_buf; // the same for the arena
    size_t arena_len;
    mp_obj_t meta;         // the flash metadata blob (read in place where the core accepted it), or None
    bool loaded;
    tml_model_t model;
} tinyml_model_obj_t;

static tinyml_model_obj_t *tinyml_get(mp_obj_t self_in) {
    tinyml_model_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (!self->loaded) {
        mp_raise_ValueError(MP_ERROR_TEXT("the model was freed"));
    }
    // the model and its arena are used in place: a bytearray resized after
    // loading (extend, slice assignment) may have moved or cut their bytes, or
    // changed what they hold; any change of address or length is refused
    mp_buffer_info_t b;
    if (!mp_get_buffer(self->source, &b, MP_BUFFER_READ) || b.buf != self->buf || b.len != self->len) {
        mp_raise_ValueError(MP_ERROR_TEXT("the model's source buffer was resized after loading: load the model again"));
    }
    if (!mp_get_buffer(self->arena, &b, MP_BUFFER_WRITE) || b.buf != self->arena_buf || b.len != self->arena_len) {
        mp_raise_ValueError(MP_ERROR_TEXT("the model's arena buffer was resized after loading: load the model again"));
    }
    size_t meta_size;
    const uint8_t *meta = tml_model_flash_meta_blob(&self->model, &meta_size);
    if (meta && (!mp_get_buffer(self->meta, &b, MP_BUFFER_READ) || b.buf != meta || b.len < meta_size)) {
        mp_raise_ValueError(MP_ERROR_TEXT("the model's flash_meta buffer was resized after loading: load the model again"));
    }
    return self;
}

static mp_obj_t tinyml_model_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *all_args) {
    enum { ARG_source, ARG_arena, ARG_patches, ARG_flash_meta };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_source, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL} },
        // (positional too: the tinyml package calls it so, keeping its frame small)
        { MP_QSTR_arena, MP_ARG_OBJ, {.u_obj = mp_const_none} },
        // patches=False: the planner never runs a stage band by band (in-place operators stay)
        { MP_QSTR_patches, MP_ARG_BOOL, {.u_bool = true} },
        // the flash metadata (.tmx) of the model: a path or a buffer (read in place), or None
        { MP_QSTR_flash_meta, MP_ARG_OBJ, {.u_obj = mp_const_none} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);

    mp_obj_t source = args[ARG_source].u_obj;
    if (mp_obj_is_str(source)) {
        source = tinyml_read_file(source);
    }
    mp_buffer_info_t src;
    mp_get_buffer_raise(source, &src, MP_BUFFER_READ);
    mp_obj_t meta = args[ARG_flash_meta].u_obj;
    if (mp_obj_is_str(meta)) {
        meta = tinyml_read_file(meta);
    }
    mp_buffer_info_t mb = { .buf = NULL, .len = 0 };
    if (meta != mp_const_none) {
        mp_get_buffer_raise(meta, &mb, MP_BUFFER_READ);
    }

    tinyml_model_obj_t *self = mp_obj_malloc_with_finaliser(tinyml_model_obj_t, type);
    self->source = source;
    self->meta = meta;
    self->arena = mp_const_none;
    self->buf = src.buf;
    self->len = src.len;
    self->loaded = false;
    tml_error_t err;
    tinyml_free_at_failure = SIZE_MAX;
    unsigned flags = args[ARG_patches].u_bool ? 0u : TML_LOAD_NO_PATCHES;
    if (tml_model_load_meta(&self->model, src.buf, src.len, &tinyml_allocator, flags,
            meta != mp_const_none ? mb.buf : NULL, mb.len, &err) != TML_OK) {
        // nothing refers to the object: its blocks go back to the heap (gc_free clears its finaliser
        // bit) before the message is made, which a heap the failed load found nearly full may need
        m_del_obj(tinyml_model_obj_t, self);
        tinyml_raise(&err);
    }
    self->loaded = true;

    size_t needed = tml_model_arena_size(&self->model);
    mp_obj_t arena = args[ARG_arena].u_obj;
    mp_buffer_info_t ab;
    if (arena == mp_const_none) {
        // GC blocks are at least 8-byte aligned: no padding needed
        ab.len = needed > TML_ARENA_ALIGN ? needed : TML_ARENA_ALIGN;
        // the bytearray object first, its bytes last: a heap too small for the model fails at the
        // arena, with the binding's message, not at the small object after it
        mp_obj_array_t *wrap = m_new_obj_maybe(mp_obj_array_t);
        if (wrap) {
            wrap->base.type = &mp_type_bytearray;
            wrap->typecode = BYTEARRAY_TYPECODE;
            wrap->free = 0;
            wrap->len = 0;
            wrap->items = NULL;
        }
        ab.buf = wrap ? tinyml_alloc(NULL, ab.len) : NULL;
        if (ab.buf == NULL) {
            if (wrap) {
                m_del_obj(mp_obj_array_t, wrap);
            }
            tml_model_free(&self->model);
            self->loaded = false;
            tinyml_raise_no_memory(wrap ? "cannot allocate the tensor arena" : "cannot allocate the arena's bytearray",
                wrap ? ab.len : sizeof(mp_obj_array_t));
        }
        wrap->len = ab.len;
        wrap->items = ab.buf;
        arena = MP_OBJ_FROM_PTR(wrap);
    } else {
        mp_get_buffer_raise(arena, &ab, MP_BUFFER_WRITE);
    }
    if (tml_model_set_arena(&self->model, ab.buf, ab.len, &err) != TML_OK) {
        tml_model_free(&self->model);
        self->loaded = false;
        if (err.status == TML_ERR_NO_MEMORY) {
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("arena too small: %u bytes needed, %u given"),
                (unsigned)err.bytes_needed, (unsigned)ab.len);
        }
        tinyml_raise(&err);
    }
    self->arena = arena;
    self->arena_buf = ab.buf;
    self->arena_len = ab.len;
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t tinyml_model_del(mp_obj_t self_in) {
    tinyml_model_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->loaded) {
        self->loaded = false;
        tml_model_free(&self->model);
    }
    self->source = mp_const_none;
    self->arena = mp_const_none;
    self->meta = mp_const_none;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(tinyml_model_del_obj, tinyml_model_del);

static void tinyml_model_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    tinyml_model_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (!self->loaded) {
        mp_printf(print, "<Model (freed)>");
        return;
    }
    tml_model_t *m = &self->model;
    mp_printf(print, "<Model %d ops, %d inputs, %d outputs, arena %u bytes, %s>",
        tml_model_num_ops(m), tml_model_num_inputs(m), tml_model_num_outputs(m),
        (unsigned)tml_model_arena_size(m), tml_backend_name());
}

// inputs/outputs: tuple of (shape, dtype, scale, zero_point) per tensor
static mp_obj_t tinyml_io_info(tml_model_t *m, bool outputs) {
    int n = outputs ? tml_model_num_outputs(m) : tml_model_num_inputs(m);
    mp_obj_t list = mp_obj_new_tuple(n, NULL);
    mp_obj_tuple_t *tuple = MP_OBJ_TO_PTR(list);
    for (int i = 0; i < n; i++) {
        tml_tensor_t *t = outputs ? tml_model_output(m, i) : tml_model_input(m, i);
        mp_obj_t dims[TML_MAX_DIMS];
        for (int d = 0; d < t->ndims; d++) {
            dims[d] = MP_OBJ_NEW_SMALL_INT(t->dims[d]);
        }
        mp_obj_t info[4] = {
            mp_obj_new_tuple(t->ndims, dims),
            mp_obj_new_str_from_cstr(tml_type_name(t->type)),
            mp_obj_new_float((mp_float_t)t->scale),
            mp_obj_new_int(t->zero_point),
        };
        tuple->items[i] = mp_obj_new_tuple(4, info);
    }
    return list;
}

static mp_obj_t tinyml_ops_tuple(tml_model_t *m) {
    int n = tml_model_num_ops(m);
    mp_obj_t list = mp_obj_new_tuple(n, NULL);
    mp_obj_tuple_t *tuple = MP_OBJ_TO_PTR(list);
    for (int i = 0; i < n; i++) {
        tuple->items[i] = MP_OBJ_NEW_QSTR(qstr_from_str(tml_model_op_name(m, i)));
    }
    return list;
}

// The planner's records: (("inplace" | "stage"), first op, last op, rows per call or band)
static mp_obj_t tinyml_plans_tuple(tml_model_t *m) {
    int n = tml_model_num_plans(m);
    mp_obj_t list = mp_obj_new_tuple(n, NULL);
    mp_obj_tuple_t *tuple = MP_OBJ_TO_PTR(list);
    for (int i = 0; i < n; i++) {
        int first = 0, last = 0, kind = 0, rows = 0;
        int32_t temp = 0;
        tml_model_plan(m, i, &first, &last, &kind, &rows, &temp);
        mp_obj_t rec[4] = {
            MP_OBJ_NEW_QSTR(kind == 2 ? MP_QSTR_stage : MP_QSTR_inplace),
            MP_OBJ_NEW_SMALL_INT(first), MP_OBJ_NEW_SMALL_INT(last), MP_OBJ_NEW_SMALL_INT(rows),
        };
        tuple->items[i] = mp_obj_new_tuple(4, rec);
    }
    return list;
}

static void tinyml_model_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    if (dest[0] != MP_OBJ_NULL) {
        dest[1] = MP_OBJ_SENTINEL; // store/delete: not supported, continue lookup
        return;
    }
    tinyml_model_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (!self->loaded) {
        switch (attr) {
            case MP_QSTR_inputs:
            case MP_QSTR_outputs:
            case MP_QSTR_arena_size:
            case MP_QSTR_persistent_size:
            case MP_QSTR_weights_size:
            case MP_QSTR_ops:
            case MP_QSTR_plans:
            case MP_QSTR_arena:
                // AttributeError, not ValueError: hasattr() and dir() expect it
                mp_raise_msg(&mp_type_AttributeError, MP_ERROR_TEXT("the model was freed"));
            default:
                break;
        }
        dest[1] = MP_OBJ_SENTINEL;
        return;
    }
    tml_model_t *m = &self->model;
    switch (attr) {
        case MP_QSTR_inputs:
            dest[0] = tinyml_io_info(m, false);
            break;
        case MP_QSTR_outputs:
            dest[0] = tinyml_io_info(m, true);
            break;
        case MP_QSTR_arena_size:
            dest[0] = mp_obj_new_int_from_uint(tml_model_arena_size(m));
            break;
        case MP_QSTR_persistent_size:
            dest[0] = mp_obj_new_int_from_uint(tml_model_persistent_size(m));
            break;
        case MP_QSTR_weights_size:
            dest[0] = mp_obj_new_int_from_uint(tml_model_weights_size(m));
            break;
        case MP_QSTR_flash_meta: {
            // None: no flash metadata given; "used", or why it was ignored
            const char *fm = tml_model_flash_meta(m);
            dest[0] = fm ? mp_obj_new_str_from_cstr(fm) : mp_const_none;
            break;
        }
        case MP_QSTR_ops:
            dest[0] = tinyml_ops_tuple(m);
            break;
        case MP_QSTR_plans:
            dest[0] = tinyml_plans_tuple(m);
            break;
        case MP_QSTR_arena:
            dest[0] = self->arena;
            break;
        default:
            dest[1] = MP_OBJ_SENTINEL; // methods: continue lookup in locals_dict
            break;
    }
}

// x: the input data, or (when the model has several inputs) a tuple of them
static void tinyml_set_inputs(tml_model_t *m, mp_obj_t x) {
    int n = tml_model_num_inputs(m);
    if (n == 1) {
        tinyml_fill_input(tml_model_input(m, 0), 0, x);
        return;
    }
    if (!mp_obj_is_type(x, &mp_type_tuple)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("the model has %d inputs: give a tuple of %d"), n, n);
    }
    size_t len;
    mp_obj_t *items;
    mp_obj_get_array(x, &len, &items);
    if (len != (size_t)n) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("expected %d inputs, got %u"), n, (unsigned)len);
    }
    for (int i = 0; i < n; i++) {
        tinyml_fill_input(tml_model_input(m, i), i, items[i]);
    }
}

static void tinyml_invoke(tml_model_t *m, tml_op_hook_t hook, void *ctx) {
    tml_error_t err;
    if (tml_model_invoke_hooked(m, hook, ctx, &err) != TML_OK) {
        tinyml_raise(&err);
    }
}

static mp_obj_t tinyml_output_obj(tml_tensor_t *t, int index, bool dequantize) {
    size_t n = tinyml_elements(t);
    char tc = tinyml_typecode(t->type);
    if (tc == 0) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("output %d: type %s is not supported"),
            index, tml_type_name(t->type));
    }
    if (dequantize && t->type != TML_FLOAT32) {
        tinyml_check_quantized(t, "output", index);
        mp_obj_array_t *a = tinyml_new_array('f', n);
        for (size_t i = 0; i < n; i++) {
            ((float *)a->items)[i] = (float)tinyml_load(t, i);
        }
        return MP_OBJ_FROM_PTR(a);
    }
    mp_obj_array_t *a = tinyml_new_array(tc, n);
    memcpy(a->items, t->data, (size_t)t->bytes);
    return MP_OBJ_FROM_PTR(a);
}

// predict(x, *, dequantize=False) -> array (or a tuple of arrays for several outputs)
static mp_obj_t tinyml_model_predict(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_x, ARG_dequantize };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_x, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL} },
        { MP_QSTR_dequantize, MP_ARG_KW_ONLY | MP_ARG_BOOL, {.u_bool = false} },
    };
    tinyml_model_obj_t *self = tinyml_get(pos_args[0]);
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args - 1, pos_args + 1, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    tml_model_t *m = &self->model;
    tinyml_set_inputs(m, args[ARG_x].u_obj);
    tinyml_invoke(m, NULL, NULL);
    int n = tml_model_num_outputs(m);
    bool deq = args[ARG_dequantize].u_bool;
    if (n == 1) {
        return tinyml_output_obj(tml_model_output(m, 0), 0, deq);
    }
    mp_obj_t result = mp_obj_new_tuple(n, NULL);
    mp_obj_tuple_t *tuple = MP_OBJ_TO_PTR(result);
    for (int i = 0; i < n; i++) {
        tuple->items[i] = tinyml_output_obj(tml_model_output(m, i), i, deq);
    }
    return result;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(tinyml_model_predict_obj, 2, tinyml_model_predict);

// Copy output t into buffer `out`: array('f')/('d') gets real values, any
// other writable buffer the raw data (its byte size must match). With
// copy == false only check that it would succeed.
static void tinyml_copy_output(tml_tensor_t *t, int index, mp_obj_t out, bool copy) {
    mp_buffer_info_t b;
    tinyml_get_buffer(t, "output", index, out, &b, MP_BUFFER_WRITE);
    size_t n = tinyml_elements(t);
    if (b.typecode == 'f' || b.typecode == 'd') {
        size_t item = b.typecode == 'f' ? sizeof(float) : sizeof(double);
        if (b.len / item != n) {
            tinyml_raise_size("output", index, n, b.len / item, "values");
        }
        tinyml_check_quantized(t, "output", index);
        for (size_t i = 0; copy && i < n; i++) {
            mp_float_t v = tinyml_load(t, i);
            if (b.typecode == 'f') {
                ((float *)b.buf)[i] = (float)v;
            } else {
                ((double *)b.buf)[i] = (double)v;
            }
        }
        return;
    }
    tinyml_check_raw(t, "output", index, b.typecode);
    if (b.len != (size_t)t->bytes) {
        tinyml_raise_size("output", index, (size_t)t->bytes, b.len, "bytes");
    }
    if (copy) {
        memcpy(b.buf, t->data, b.len);
    }
}

// predict_into(x, out): like predict() into existing buffers; allocates nothing
static mp_obj_t tinyml_model_predict_into(mp_obj_t self_in, mp_obj_t x, mp_obj_t out) {
    tinyml_model_obj_t *self = tinyml_get(self_in);
    tml_model_t *m = &self->model;
    int n = tml_model_num_outputs(m);
    size_t len = 1;
    mp_obj_t *outs = &out;
    if (n != 1) {
        if (!mp_obj_is_type(out, &mp_type_tuple) && !mp_obj_is_type(out, &mp_type_list)) {
            mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("the model has %d outputs: give a tuple of %d buffers"), n, n);
        }
        mp_obj_get_array(out, &len, &outs);
        if (len != (size_t)n) {
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("expected %d output buffers, got %u"), n, (unsigned)len);
        }
    }
    // check the output buffers before running
    for (int i = 0; i < n; i++) {
        tinyml_copy_output(tml_model_output(m, i), i, outs[i], false);
    }
    tinyml_set_inputs(m, x);
    tinyml_invoke(m, NULL, NULL);
    for (int i = 0; i < n; i++) {
        tinyml_copy_output(tml_model_output(m, i), i, outs[i], true);
    }
    return out;
}
static MP_DEFINE_CONST_FUN_OBJ_3(tinyml_model_predict_into_obj, tinyml_model_predict_into);

typedef struct {
    uint64_t *ticks;
    uint32_t start;
} tinyml_profile_t;

static void tinyml_profile_hook(void *ctx, int op, int phase) {
    tinyml_profile_t *p = ctx;
    if (phase == 0) {
        #if TINYML_HAVE_SYSTICK
        if (tinyml_clock_kind == CLOCK_SYSTICK) {
            // start on a SysTick edge: under QEMU -icount the counts then do
            // not depend on the phase at which the op happens to start
            uint32_t c = TINYML_SYST_CVR;
            while (TINYML_SYST_CVR == c) {
            }
        }
        #endif
        p->start = tinyml_ticks();
    } else {
        p->ticks[op] += (uint32_t)(tinyml_ticks() - p->start);
    }
}

// profile(x) -> [(op name, macs, ticks), ...]; ticks from _tinyml.clock()
static mp_obj_t tinyml_model_profile(mp_obj_t self_in, mp_obj_t x) {
    tinyml_model_obj_t *self = tinyml_get(self_in);
    tml_model_t *m = &self->model;
    int n = tml_model_num_ops(m);
    mp_obj_t result = mp_obj_new_list(n, NULL);
    tinyml_profile_t prof = { m_new0(uint64_t, n ? n : 1), 0 };
    tinyml_set_inputs(m, x);
    tinyml_clock_init();
    tinyml_invoke(m, tinyml_profile_hook, &prof);
    mp_obj_list_t *list = MP_OBJ_TO_PTR(result);
    for (int i = 0; i < n; i++) {
        mp_obj_t row[3] = {
            MP_OBJ_NEW_QSTR(qstr_from_str(tml_model_op_name(m, i))),
            mp_obj_new_int_from_ull(tml_model_op_macs(m, i)),
            mp_obj_new_int_from_ull(prof.ticks[i]),
        };
        list->items[i] = mp_obj_new_tuple(3, row);
    }
    m_del(uint64_t, prof.ticks, n ? n : 1);
    return result;
}
static MP_DEFINE_CONST_FUN_OBJ_2(tinyml_model_profile_obj, tinyml_model_profile);

// reset(): zero the state (variable) tensors
static mp_obj_t tinyml_model_reset(mp_obj_t self_in) {
    tml_model_reset(&tinyml_get(self_in)->model);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(tinyml_model_reset_obj, tinyml_model_reset);

static const mp_rom_map_elem_t tinyml_model_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_predict), MP_ROM_PTR(&tinyml_model_predict_obj) },
    { MP_ROM_QSTR(MP_QSTR_predict_into), MP_ROM_PTR(&tinyml_model_predict_into_obj) },
    { MP_ROM_QSTR(MP_QSTR_profile), MP_ROM_PTR(&tinyml_model_profile_obj) },
    { MP_ROM_QSTR(MP_QSTR_reset), MP_ROM_PTR(&tinyml_model_reset_obj) },
    { MP_ROM_QSTR(MP_QSTR_free), MP_ROM_PTR(&tinyml_model_del_obj) },
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&tinyml_model_del_obj) },
};
static MP_DEFINE_CONST_DICT(tinyml_model_locals_dict, tinyml_model_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    tinyml_type_model,
    MP_QSTR_Model,
    MP_TYPE_FLAG_NONE,
    make_new, tinyml_model_make_new,
    print, tinyml_model_print,
    attr, tinyml_model_attr,
    locals_dict, &tinyml_model_locals_dict
    );

// ---- module ------------------------------------------------------------------

static mp_obj_t tinyml_supported_ops(void) {
    mp_obj_t list = mp_obj_new_list(0, NULL);
    for (int i = 0; tml_supported_op(i) != NULL; i++) {
        mp_obj_list_append(list, MP_OBJ_NEW_QSTR(qstr_from_str(tml_supported_op(i))));
    }
    return list;
}
static MP_DEFINE_CONST_FUN_OBJ_0(tinyml_supported_ops_obj, tinyml_supported_ops);

// clock() -> (name, hz): the counter profile() reports ticks of; hz is None
// where unknown (DWT counts CPU cycles at the core clock)
static mp_obj_t tinyml_clock(void) {
    tinyml_clock_init();
    mp_obj_t info[2];
    switch (tinyml_clock_kind) {
        case CLOCK_DWT:
            info[0] = MP_OBJ_NEW_QSTR(MP_QSTR_dwt);
            info[1] = mp_const_none;
            break;
        #if TINYML_HAVE_SYSTICK
        case CLOCK_SYSTICK:
            info[0] = MP_OBJ_NEW_QSTR(MP_QSTR_systick);
            info[1] = mp_obj_new_int_from_uint((TINYML_SYST_RVR + 1) * 1000u);
            break;
        #endif
        default:
            info[0] = MP_OBJ_NEW_QSTR(MP_QSTR_ticks_us);
            info[1] = MP_OBJ_NEW_SMALL_INT(1000000);
            break;
    }
    return mp_obj_new_tuple(2, info);
}
static MP_DEFINE_CONST_FUN_OBJ_0(tinyml_clock_obj, tinyml_clock);

// The configuration id a flash metadata blob needs on this build (tinyml upload --romfs checks that
// the blobs it writes on the host are this build's).
static mp_obj_t tinyml_flash_meta_config(void) {
    return mp_obj_new_int_from_uint(tml_flash_meta_config(0));
}
static MP_DEFINE_CONST_FUN_OBJ_0(tinyml_flash_meta_config_obj, tinyml_flash_meta_config);

static const MP_DEFINE_STR_OBJ(tinyml_version_obj, TML_VERSION);
#if defined(TML_BACKEND_CMSIS_NN)
static const MP_DEFINE_STR_OBJ(tinyml_backend_obj, "cmsis-nn");
#elif defined(TML_BACKEND_ESP_NN) && defined(TML_ESP_NN_ANSI)
static const MP_DEFINE_STR_OBJ(tinyml_backend_obj, "esp-nn-ansi");
#elif defined(TML_BACKEND_ESP_NN) && defined(TML_ESP_NN_S3)
static const MP_DEFINE_STR_OBJ(tinyml_backend_obj, "esp-nn-s3");
#elif defined(TML_BACKEND_ESP_NN)
static const MP_DEFINE_STR_OBJ(tinyml_backend_obj, "esp-nn");
#else
static const MP_DEFINE_STR_OBJ(tinyml_backend_obj, "ref");
#endif

static const mp_rom_map_elem_t tinyml_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR__tinyml) },
    { MP_ROM_QSTR(MP_QSTR_Model), MP_ROM_PTR(&tinyml_type_model) },
    { MP_ROM_QSTR(MP_QSTR_version), MP_ROM_PTR(&tinyml_version_obj) },
    { MP_ROM_QSTR(MP_QSTR_backend), MP_ROM_PTR(&tinyml_backend_obj) },
    { MP_ROM_QSTR(MP_QSTR_supported_ops), MP_ROM_PTR(&tinyml_supported_ops_obj) },
    { MP_ROM_QSTR(MP_QSTR_clock), MP_ROM_PTR(&tinyml_clock_obj) },
    { MP_ROM_QSTR(MP_QSTR_flash_meta_config), MP_ROM_PTR(&tinyml_flash_meta_config_obj) },
};
static MP_DEFINE_CONST_DICT(tinyml_module_globals, tinyml_module_globals_table);

const mp_obj_module_t tinyml_user_cmodule = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&tinyml_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR__tinyml, tinyml_user_cmodule);

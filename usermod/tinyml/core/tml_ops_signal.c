/*
 * tinyml ops: the TFLM signal library (signal/micro/kernels), custom
 * operators whose options are FlexBuffer maps in custom_options (read with
 * tml_flexbuf.h: a missing, malformed or out-of-range option is an error
 * naming the operator). The stateful ones (SignalFilterBankSpectralSubtraction,
 * SignalDelay, SignalFramer, SignalOverlapAdd, SignalStacker) keep their state
 * in persistent memory allocated here, restarted by tml_model_reset (the reset
 * function of their registry rows) as TFLM's reset does.
 */
#include <string.h>
#include "tml_ops.h"
#include "tml_flexbuf.h"
#include "../kernels/tml_kernels.h"

/* ---- options ------------------------------------------------------------- */

static tml_status_t open_options(const tml_model_t *m, const tml_op_t *op, tml_flex_map_t *map, tml_error_t *err) {
    const uint8_t *data;
    uint32_t len;
    if (!tml_op_custom_options(m, op, &data, &len) || len == 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has no custom options (expected a FlexBuffer map)");
    }
    if (!tml_flex_map(data, len, map)) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op,
            "custom options (%u bytes) are not a well-formed FlexBuffer map", (unsigned)len);
    }
    return TML_OK;
}

/* Required integer option `key` in [lo, hi]. */
static tml_status_t option(const tml_flex_map_t *map, const tml_op_t *op, const char *key, int32_t lo, int32_t hi,
    int32_t *out, tml_error_t *err) {
    int64_t v = 0;
    switch (tml_flex_int(map, key, &v)) {
        case TML_FLEX_OK:
            break;
        case TML_FLEX_ABSENT:
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "custom option '%s' is missing", key);
        default:
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "custom option '%s' is malformed or not a number", key);
    }
    if (v < lo || v > hi) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "custom option '%s' is %ld, outside [%ld, %ld]", key,
            (long)v, (long)lo, (long)hi);
    }
    *out = (int32_t)v;
    return TML_OK;
}

#define OPTION(key, lo, hi, dst) \
    do { \
        if ((s = option(&map, op, key, lo, hi, dst, err)) != TML_OK) { \
            return s; \
        } \
    } while (0)
#define CHECK(expr) \
    do { \
        if ((s = (expr)) != TML_OK) { \
            return s; \
        } \
    } while (0)

static tml_status_t check_ndims(tml_error_t *err, const tml_op_t *op, const tml_tensor_t *t, const char *what, int n) {
    if (t->ndims != n) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s has %d dimensions, expected %d", what, (int)t->ndims, n);
    }
    return TML_OK;
}

/* Elements before the last dimension. */
static int32_t outer_elements(const tml_tensor_t *t, int skip) {
    int32_t n = 1;
    for (int i = 0; i < t->ndims - skip; i++) {
        n *= t->dims[i];
    }
    return n;
}

/* The 'T' option (a TensorType) must be the input's type. */
static tml_status_t check_t_option(const tml_flex_map_t *map, const tml_op_t *op, const tml_tensor_t *in,
    tml_error_t *err) {
    int32_t t;
    tml_status_t s = option(map, op, "T", 0, 255, &t, err);
    if (s == TML_OK && t != in->type) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "custom option 'T' is %s, the input is %s",
            tml_type_name(t), tml_type_name(in->type));
    }
    return s;
}

/* ---- SignalWindow ---------------------------------------------------------- */

typedef struct {
    int32_t shift, n, size;
} window_data_t;

tml_status_t tml_signal_window_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s;
    tml_flex_map_t map;
    CHECK(tml_check_io_count(err, op, 2, 2, 1));
    const tml_tensor_t *in = tml_op_input(m, op, 0), *w = tml_op_input(m, op, 1), *out = tml_op_output(m, op, 0);
    CHECK(tml_check_type(err, op, w, "weights", TML_INT16));
    CHECK(tml_check_type(err, op, out, "output", TML_INT16));
    CHECK(check_ndims(err, op, w, "weights", 1));
    CHECK(tml_check_shape(err, op, out, "output", in->dims, in->ndims));
    CHECK(open_options(m, op, &map, err));
    window_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    OPTION("shift", 0, 31, &d->shift);
    d->n = tml_tensor_elements(in);
    d->size = w->dims[0];
    if (in->ndims < 1 || d->size <= 0 || d->n % d->size != 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input of %ld samples is not a whole number of windows "
            "of %ld", (long)d->n, (long)d->size);
    }
    op->data = d;
    op->macs = (uint32_t)d->n;
    return TML_OK;
}

tml_status_t tml_signal_window_eval(tml_model_t *m, tml_op_t *op) {
    const window_data_t *d = op->data;
    return tml_signal_window_s16(tml_op_input(m, op, 0)->data, tml_op_input(m, op, 1)->data, d->size, d->n,
        d->shift, tml_op_output(m, op, 0)->data);
}

/* ---- SignalFftAutoScale ------------------------------------------------------ */

tml_status_t tml_signal_fft_auto_scale_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s;
    CHECK(tml_check_io_count(err, op, 1, 1, 2));
    const tml_tensor_t *in = tml_op_input(m, op, 0), *out = tml_op_output(m, op, 0);
    const tml_tensor_t *bits = tml_op_output(m, op, 1);
    CHECK(check_ndims(err, op, in, "input", 1));
    CHECK(tml_check_type(err, op, out, "output", TML_INT16));
    CHECK(tml_check_shape(err, op, out, "output", in->dims, 1));
    CHECK(tml_check_type(err, op, bits, "scale bits output", TML_INT32));
    return check_ndims(err, op, bits, "scale bits output", 0);
}

tml_status_t tml_signal_fft_auto_scale_eval(tml_model_t *m, tml_op_t *op) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const int32_t bits = tml_signal_fft_auto_scale_s16(in->data, in->dims[0], tml_op_output(m, op, 0)->data);
    memcpy(tml_op_output(m, op, 1)->data, &bits, sizeof(bits));
    return TML_OK;
}

/* ---- SignalRfft / SignalIrfft ------------------------------------------------ */

typedef struct {
    void *state;
    int32_t fft_length, rows, in_len, out_len;
} fft_data_t;

static tml_status_t fft_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err, bool inverse) {
    tml_status_t s;
    tml_flex_map_t map;
    CHECK(tml_check_io_count(err, op, 1, 1, 1));
    const tml_tensor_t *in = tml_op_input(m, op, 0), *out = tml_op_output(m, op, 0);
    CHECK(open_options(m, op, &map, err));
    CHECK(check_t_option(&map, op, in, err));
    CHECK(tml_check_type(err, op, out, "output", in->type));
    fft_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    OPTION("fft_length", 4, 16384, &d->fft_length);
    if (!tml_rfft_length_ok(d->fft_length)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "fft_length %ld is not supported (even, half of it a "
            "product of 2, 3 and 5)", (long)d->fft_length);
    }
    if (in->ndims < 1 || in->ndims > TML_MAX_DIMS) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input has %d dimensions", (int)in->ndims);
    }
    int32_t dims[TML_MAX_DIMS];
    memcpy(dims, in->dims, sizeof(int32_t) * in->ndims);
    const int32_t last = in->dims[in->ndims - 1];
    if (inverse) {
        if (last != d->fft_length + 2) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input's last dimension is %ld, expected %ld "
                "(fft_length / 2 + 1 complex values)", (long)last, (long)(d->fft_length + 2));
        }
        dims[in->ndims - 1] = d->fft_length;
    } else {
        if (last < 1 || last > d->fft_length) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input's last dimension is %ld, expected 1 to "
                "fft_length %ld", (long)last, (long)d->fft_length);
        }
        dims[in->ndims - 1] = d->fft_length + 2;
    }
    CHECK(tml_check_shape(err, op, out, "output", dims, in->ndims));
    const int32_t esize = (int32_t)tml_type_size(in->type);
    d->state = tml_persistent_alloc(m, (size_t)tml_rfft_state_size(d->fft_length, esize), err);
    if (!d->state) {
        return TML_ERR_NO_MEMORY;
    }
    if (in->type == TML_INT16) {
        tml_rfft_init_s16(d->state, d->fft_length, inverse);
    } else if (in->type == TML_INT32) {
        tml_rfft_init_s32(d->state, d->fft_length, inverse);
    } else {
        tml_rfft_init_f32(d->state, d->fft_length, inverse);
    }
    d->rows = outer_elements(in, 1);
    d->in_len = last;
    d->out_len = dims[in->ndims - 1];
    op->scratch_size = inverse ? tml_irfft_get_buffer_size(d->fft_length, esize)
                               : tml_rfft_get_buffer_size(d->fft_length, esize);
    op->data = d;
    return TML_OK;
}

tml_status_t tml_signal_rfft_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = fft_prepare(m, op, err, false);
    if (s == TML_OK) {
        const int type = tml_op_input(m, op, 0)->type;
        op->eval = type == TML_INT16 ? tml_signal_rfft_eval : type == TML_INT32 ? tml_signal_rfft_eval_s32
                                                                                : tml_signal_rfft_eval_f32;
    }
    return s;
}

tml_status_t tml_signal_irfft_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = fft_prepare(m, op, err, true);
    if (s == TML_OK) {
        const int type = tml_op_input(m, op, 0)->type;
        op->eval = type == TML_INT16 ? tml_signal_irfft_eval : type == TML_INT32 ? tml_signal_irfft_eval_s32
                                                                                 : tml_signal_irfft_eval_f32;
    }
    return s;
}

/* each row: copy and zero-pad to fft_length in scratch, then transform */
#define RFFT_EVAL(name, T, fn) \
    tml_status_t name(tml_model_t *m, tml_op_t *op) { \
        const fft_data_t *d = op->data; \
        const T *in = tml_op_input(m, op, 0)->data; \
        T *out = tml_op_output(m, op, 0)->data; \
        T *work = op->scratch; \
        for (int32_t r = 0; r < d->rows; r++) { \
            memcpy(work, in + (size_t)r * d->in_len, sizeof(T) * (size_t)d->in_len); \
            memset(work + d->in_len, 0, sizeof(T) * (size_t)(d->fft_length - d->in_len)); \
            fn(d->state, work, out + (size_t)r * d->out_len, work + d->fft_length); \
        } \
        return TML_OK; \
    }
RFFT_EVAL(tml_signal_rfft_eval, int16_t, tml_rfft_s16)
RFFT_EVAL(tml_signal_rfft_eval_s32, int32_t, tml_rfft_s32)
RFFT_EVAL(tml_signal_rfft_eval_f32, float, tml_rfft_f32)

tml_status_t tml_signal_irfft_eval(tml_model_t *m, tml_op_t *op) {
    const fft_data_t *d = op->data;
    const int16_t *in = tml_op_input(m, op, 0)->data;
    int16_t *out = tml_op_output(m, op, 0)->data;
    for (int32_t r = 0; r < d->rows; r++) {
        tml_irfft_s16(d->state, in + (size_t)r * d->in_len, out + (size_t)r * d->out_len, op->scratch);
    }
    return TML_OK;
}

tml_status_t tml_signal_irfft_eval_s32(tml_model_t *m, tml_op_t *op) {
    const fft_data_t *d = op->data;
    const int32_t *in = tml_op_input(m, op, 0)->data;
    int32_t *out = tml_op_output(m, op, 0)->data;
    for (int32_t r = 0; r < d->rows; r++) {
        tml_irfft_s32(d->state, in + (size_t)r * d->in_len, out + (size_t)r * d->out_len, op->scratch);
    }
    return TML_OK;
}

tml_status_t tml_signal_irfft_eval_f32(tml_model_t *m, tml_op_t *op) {
    const fft_data_t *d = op->data;
    const float *in = tml_op_input(m, op, 0)->data;
    float *out = tml_op_output(m, op, 0)->data;
    for (int32_t r = 0; r < d->rows; r++) {
        float *o = out + (size_t)r * d->out_len;
        tml_irfft_f32(d->state, in + (size_t)r * d->in_len, o, op->scratch);
        /* the transform is unscaled: divide by the length, as the signal library */
        for (int32_t i = 0; i < d->fft_length; i++) {
            o[i] /= (float)d->fft_length;
        }
    }
    return TML_OK;
}

/* ---- SignalEnergy ------------------------------------------------------------- */

typedef struct {
    int32_t start, end, n;
} energy_data_t;

tml_status_t tml_signal_energy_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s;
    tml_flex_map_t map;
    CHECK(tml_check_io_count(err, op, 1, 1, 1));
    const tml_tensor_t *in = tml_op_input(m, op, 0), *out = tml_op_output(m, op, 0);
    CHECK(check_ndims(err, op, in, "input", 1));
    CHECK(tml_check_type(err, op, out, "output", TML_UINT32));
    if (in->dims[0] % 2 != 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input of %ld values is not complex (re, im) pairs",
            (long)in->dims[0]);
    }
    const int32_t n = in->dims[0] / 2;
    CHECK(tml_check_shape(err, op, out, "output", &n, 1));
    CHECK(open_options(m, op, &map, err));
    energy_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    OPTION("start_index", 0, n, &d->start);
    OPTION("end_index", d->start, n, &d->end);
    d->n = n;
    op->data = d;
    op->macs = (uint32_t)(2 * (d->end - d->start));
    return TML_OK;
}

tml_status_t tml_signal_energy_eval(tml_model_t *m, tml_op_t *op) {
    const energy_data_t *d = op->data;
    tml_signal_energy_s16(tml_op_input(m, op, 0)->data, d->n, d->start, d->end, tml_op_output(m, op, 0)->data);
    return TML_OK;
}

/* ---- SignalFilterBank ------------------------------------------------------------ */

tml_status_t tml_signal_filter_bank_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s;
    tml_flex_map_t map;
    static const char *const what[] = { "input", "weights", "unweights", "channel frequency starts",
        "channel weight starts", "channel widths" };
    CHECK(tml_check_io_count(err, op, 6, 6, 1));
    for (int k = 0; k < 6; k++) {
        const tml_tensor_t *t = tml_op_input(m, op, k);
        CHECK(check_ndims(err, op, t, what[k], 1));
        CHECK(tml_check_type(err, op, t, what[k], k == 0 ? TML_UINT32 : TML_INT16));
    }
    CHECK(open_options(m, op, &map, err));
    int32_t channels;
    OPTION("num_channels", 1, 1 << 16, &channels);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    CHECK(tml_check_type(err, op, out, "output", TML_UINT64));
    CHECK(tml_check_shape(err, op, out, "output", &channels, 1));
    if (tml_op_input(m, op, 2)->dims[0] != tml_op_input(m, op, 1)->dims[0]) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "weights and unweights differ in length");
    }
    for (int k = 3; k < 6; k++) {
        if (tml_op_input(m, op, k)->dims[0] < channels + 1) {
            return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "%s has %ld entries, num_channels + 1 = %ld needed",
                what[k], (long)tml_op_input(m, op, k)->dims[0], (long)(channels + 1));
        }
    }
    op->scratch_size = (int32_t)sizeof(uint64_t) * (channels + 1);
    op->macs = (uint32_t)(2 * tml_op_input(m, op, 1)->dims[0]);
    return TML_OK;
}

tml_status_t tml_signal_filter_bank_eval(tml_model_t *m, tml_op_t *op) {
    const tml_tensor_t *in = tml_op_input(m, op, 0), *w = tml_op_input(m, op, 1);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    return tml_signal_filter_bank(in->data, in->dims[0], w->data, tml_op_input(m, op, 2)->data, w->dims[0],
        tml_op_input(m, op, 3)->data, tml_op_input(m, op, 4)->data, tml_op_input(m, op, 5)->data, out->dims[0],
        out->data, op->scratch);
}

/* ---- SignalFilterBankSquareRoot ------------------------------------------------------ */

tml_status_t tml_signal_filter_bank_square_root_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s;
    CHECK(tml_check_io_count(err, op, 2, 2, 1));
    const tml_tensor_t *in = tml_op_input(m, op, 0), *bits = tml_op_input(m, op, 1);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    CHECK(check_ndims(err, op, in, "input", 1));
    CHECK(tml_check_type(err, op, bits, "scale bits", TML_INT32));
    CHECK(check_ndims(err, op, bits, "scale bits", 0));
    CHECK(tml_check_type(err, op, out, "output", TML_UINT32));
    return tml_check_shape(err, op, out, "output", in->dims, 1);
}

tml_status_t tml_signal_filter_bank_square_root_eval(tml_model_t *m, tml_op_t *op) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    int32_t bits;
    memcpy(&bits, tml_op_input(m, op, 1)->data, sizeof(bits));
    tml_signal_filter_bank_sqrt(in->data, in->dims[0], bits, tml_op_output(m, op, 0)->data);
    return TML_OK;
}

/* ---- SignalFilterBankSpectralSubtraction ---------------------------------------------- */

typedef struct {
    tml_spectral_subtraction_t config;
    uint32_t *noise; /* state */
    int32_t n;
} spectral_data_t;

void tml_signal_spectral_reset(tml_op_t *op) {
    spectral_data_t *d = op->data;
    memset(d->noise, 0, sizeof(uint32_t) * (size_t)d->n);
}

tml_status_t tml_signal_filter_bank_spectral_subtraction_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s;
    tml_flex_map_t map;
    CHECK(tml_check_io_count(err, op, 1, 1, 2));
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    CHECK(check_ndims(err, op, in, "input", 1));
    for (int k = 0; k < 2; k++) {
        const char *what = k ? "noise estimate output" : "output";
        CHECK(tml_check_type(err, op, tml_op_output(m, op, k), what, TML_UINT32));
        CHECK(tml_check_shape(err, op, tml_op_output(m, op, k), what, in->dims, 1));
    }
    CHECK(open_options(m, op, &map, err));
    spectral_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    int32_t v[9];
    static const char *const keys[] = { "alternate_one_minus_smoothing", "alternate_smoothing",
        "min_signal_remaining", "num_channels", "one_minus_smoothing", "smoothing", "smoothing_bits",
        "spectral_subtraction_bits", "clamping" };
    for (int k = 0; k < 9; k++) {
        const int32_t hi = k >= 6 && k < 8 ? 31 : k == 8 ? 1 : INT32_MAX;
        OPTION(keys[k], k == 3 ? 1 : 0, hi, &v[k]);
    }
    if (v[3] != in->dims[0]) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "num_channels is %ld, the input has %ld", (long)v[3],
            (long)in->dims[0]);
    }
    tml_spectral_subtraction_t *c = &d->config;
    c->alternate_one_minus_smoothing = (uint32_t)v[0];
    c->alternate_smoothing = (uint32_t)v[1];
    c->min_signal_remaining = (uint32_t)v[2];
    c->one_minus_smoothing = (uint32_t)v[4];
    c->smoothing = (uint32_t)v[5];
    c->smoothing_bits = (uint32_t)v[6];
    c->spectral_subtraction_bits = (uint32_t)v[7];
    c->clamping = v[8];
    d->n = v[3];
    d->noise = tml_persistent_alloc(m, sizeof(uint32_t) * (size_t)d->n, err);
    if (!d->noise) {
        return TML_ERR_NO_MEMORY;
    }
    op->data = d;
    return TML_OK;
}

tml_status_t tml_signal_filter_bank_spectral_subtraction_eval(tml_model_t *m, tml_op_t *op) {
    spectral_data_t *d = op->data;
    tml_signal_spectral_subtraction(&d->config, tml_op_input(m, op, 0)->data, tml_op_output(m, op, 0)->data,
        d->noise, d->n);
    memcpy(tml_op_output(m, op, 1)->data, d->noise, sizeof(uint32_t) * (size_t)d->n);
    return TML_OK;
}

/* ---- SignalPCAN ----------------------------------------------------------------------- */

#define PCAN_LUT_MIN 125 /* the gain polynomial reads lut[4 * 32 - 6 + 2] at most */

tml_status_t tml_signal_pcan_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s;
    tml_flex_map_t map;
    CHECK(tml_check_io_count(err, op, 3, 3, 1));
    const tml_tensor_t *in = tml_op_input(m, op, 0), *noise = tml_op_input(m, op, 1);
    const tml_tensor_t *lut = tml_op_input(m, op, 2), *out = tml_op_output(m, op, 0);
    CHECK(check_ndims(err, op, in, "input", 1));
    CHECK(tml_check_type(err, op, noise, "noise estimate", TML_UINT32));
    CHECK(tml_check_shape(err, op, noise, "noise estimate", in->dims, 1));
    CHECK(tml_check_type(err, op, lut, "gain table", TML_INT16));
    CHECK(check_ndims(err, op, lut, "gain table", 1));
    if (lut->dims[0] < PCAN_LUT_MIN) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "gain table has %ld entries, at least %d needed",
            (long)lut->dims[0], PCAN_LUT_MIN);
    }
    CHECK(tml_check_type(err, op, out, "output", TML_UINT32));
    CHECK(tml_check_shape(err, op, out, "output", in->dims, 1));
    CHECK(open_options(m, op, &map, err));
    int32_t *shift = tml_persistent_alloc(m, sizeof(int32_t), err);
    if (!shift) {
        return TML_ERR_NO_MEMORY;
    }
    OPTION("snr_shift", 0, 63, shift);
    op->data = shift;
    return TML_OK;
}

tml_status_t tml_signal_pcan_eval(tml_model_t *m, tml_op_t *op) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    tml_signal_pcan(in->data, tml_op_input(m, op, 1)->data, tml_op_input(m, op, 2)->data, *(const int32_t *)op->data,
        tml_op_output(m, op, 0)->data, in->dims[0]);
    return TML_OK;
}

/* ---- SignalFilterBankLog ------------------------------------------------------------------ */

tml_status_t tml_signal_filter_bank_log_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s;
    tml_flex_map_t map;
    CHECK(tml_check_io_count(err, op, 1, 1, 1));
    const tml_tensor_t *in = tml_op_input(m, op, 0), *out = tml_op_output(m, op, 0);
    CHECK(check_ndims(err, op, in, "input", 1));
    CHECK(tml_check_type(err, op, out, "output", TML_INT16));
    CHECK(tml_check_shape(err, op, out, "output", in->dims, 1));
    CHECK(open_options(m, op, &map, err));
    int32_t *d = tml_persistent_alloc(m, 2 * sizeof(int32_t), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    OPTION("input_correction_bits", 0, 31, &d[0]);
    OPTION("output_scale", INT32_MIN, INT32_MAX, &d[1]);
    op->data = d;
    return TML_OK;
}

tml_status_t tml_signal_filter_bank_log_eval(tml_model_t *m, tml_op_t *op) {
    const int32_t *d = op->data;
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    tml_signal_filter_bank_log(in->data, in->dims[0], d[1], d[0], tml_op_output(m, op, 0)->data);
    return TML_OK;
}

/* ---- SignalDelay ------------------------------------------------------------------------------ */

typedef struct {
    int16_t *lines; /* state: rows x delay samples */
    int32_t rows, frame, delay;
} delay_data_t;

void tml_signal_delay_reset(tml_op_t *op) {
    delay_data_t *d = op->data;
    memset(d->lines, 0, sizeof(int16_t) * (size_t)d->rows * (size_t)d->delay);
}

tml_status_t tml_signal_delay_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s;
    tml_flex_map_t map;
    CHECK(tml_check_io_count(err, op, 1, 1, 1));
    const tml_tensor_t *in = tml_op_input(m, op, 0), *out = tml_op_output(m, op, 0);
    CHECK(tml_check_type(err, op, out, "output", TML_INT16));
    CHECK(tml_check_shape(err, op, out, "output", in->dims, in->ndims));
    if (in->ndims < 1) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input is a scalar");
    }
    CHECK(open_options(m, op, &map, err));
    delay_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    OPTION("delay_length", 0, 1 << 20, &d->delay);
    d->frame = in->dims[in->ndims - 1];
    d->rows = outer_elements(in, 1);
    if ((int64_t)d->rows * d->delay > INT32_MAX / 2) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "%ld rows of %ld delayed samples are too many",
            (long)d->rows, (long)d->delay);
    }
    d->lines = tml_persistent_alloc(m, sizeof(int16_t) * (size_t)d->rows * (size_t)d->delay + 1, err);
    if (!d->lines) {
        return TML_ERR_NO_MEMORY;
    }
    op->data = d;
    return TML_OK;
}

tml_status_t tml_signal_delay_eval(tml_model_t *m, tml_op_t *op) {
    delay_data_t *d = op->data;
    const int16_t *in = tml_op_input(m, op, 0)->data;
    int16_t *out = tml_op_output(m, op, 0)->data;
    for (int32_t r = 0; r < d->rows; r++) {
        tml_signal_delay_s16(in + (size_t)r * d->frame, d->lines + (size_t)r * d->delay, d->frame, d->delay,
            out + (size_t)r * d->frame);
    }
    return TML_OK;
}

/* ---- SignalFramer ----------------------------------------------------------------------------- */

typedef struct {
    tml_signal_queue_t *queues; /* state: one per row, capacity samples each */
    int32_t rows, n_frames, frame_size, frame_step, capacity, prefill;
} framer_data_t;

void tml_signal_framer_reset(tml_op_t *op) {
    framer_data_t *d = op->data;
    for (int32_t r = 0; r < d->rows; r++) {
        memset(d->queues[r].data, 0, sizeof(int16_t) * (size_t)d->capacity);
        d->queues[r].count = d->prefill ? d->frame_size - d->frame_step : 0;
    }
}

tml_status_t tml_signal_framer_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s;
    tml_flex_map_t map;
    CHECK(tml_check_io_count(err, op, 1, 1, 2));
    const tml_tensor_t *in = tml_op_input(m, op, 0), *out = tml_op_output(m, op, 0);
    const tml_tensor_t *valid = tml_op_output(m, op, 1);
    if (in->ndims < 1 || in->ndims >= TML_MAX_DIMS) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input has %d dimensions", (int)in->ndims);
    }
    CHECK(open_options(m, op, &map, err));
    framer_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    OPTION("frame_size", 1, 1 << 20, &d->frame_size);
    OPTION("frame_step", 1, 1 << 20, &d->frame_step);
    OPTION("prefill", 0, 1, &d->prefill);
    const int32_t inner = in->dims[in->ndims - 1];
    if (inner < d->frame_step || inner % d->frame_step != 0) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input's last dimension %ld is not a multiple of "
            "frame_step %ld", (long)inner, (long)d->frame_step);
    }
    if (d->prefill && d->frame_size < d->frame_step) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "prefill needs frame_size >= frame_step");
    }
    d->n_frames = inner / d->frame_step;
    int32_t dims[TML_MAX_DIMS];
    memcpy(dims, in->dims, sizeof(int32_t) * in->ndims);
    dims[in->ndims - 1] = d->n_frames;
    dims[in->ndims] = d->frame_size;
    CHECK(tml_check_type(err, op, out, "output", TML_INT16));
    CHECK(tml_check_shape(err, op, out, "output", dims, in->ndims + 1));
    CHECK(tml_check_type(err, op, valid, "valid output", TML_BOOL));
    CHECK(check_ndims(err, op, valid, "valid output", 0));
    d->rows = outer_elements(in, 1);
    d->capacity = (d->frame_size + d->frame_step - 1) / d->frame_step * d->frame_step;
    d->queues = tml_persistent_alloc(m, sizeof(tml_signal_queue_t) * (size_t)d->rows, err);
    if (!d->queues) {
        return TML_ERR_NO_MEMORY;
    }
    for (int32_t r = 0; r < d->rows; r++) {
        d->queues[r].data = tml_persistent_alloc(m, sizeof(int16_t) * (size_t)d->capacity, err);
        if (!d->queues[r].data) {
            return TML_ERR_NO_MEMORY;
        }
    }
    op->data = d;
    tml_signal_framer_reset(op);
    return TML_OK;
}

tml_status_t tml_signal_framer_eval(tml_model_t *m, tml_op_t *op) {
    framer_data_t *d = op->data;
    const int16_t *in = tml_op_input(m, op, 0)->data;
    int16_t *out = tml_op_output(m, op, 0)->data;
    uint8_t valid = 1;
    for (int32_t r = 0; r < d->rows; r++) {
        tml_signal_queue_t *q = &d->queues[r];
        for (int32_t f = 0; f < d->n_frames; f++) {
            const size_t k = (size_t)r * d->n_frames + f;
            tml_signal_queue_push(q, in + k * d->frame_step, d->frame_step);
            if (q->count >= d->frame_size) {
                memcpy(out + k * d->frame_size, q->data, sizeof(int16_t) * (size_t)d->frame_size);
                tml_signal_queue_pop(q, d->frame_step);
            } else {
                valid = 0; /* this frame of the output is left as it was, as TFLM does */
            }
        }
    }
    *(uint8_t *)tml_op_output(m, op, 1)->data = valid;
    return TML_OK;
}

/* ---- SignalOverlapAdd --------------------------------------------------------------------------- */

typedef struct {
    void *buffers; /* state: rows x frame_size values */
    int32_t rows, n_frames, frame_size, frame_step, esize;
} overlap_data_t;

void tml_signal_overlap_reset(tml_op_t *op) {
    overlap_data_t *d = op->data;
    memset(d->buffers, 0, (size_t)d->esize * (size_t)d->rows * (size_t)d->frame_size);
}

tml_status_t tml_signal_overlap_add_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s;
    tml_flex_map_t map;
    CHECK(tml_check_io_count(err, op, 1, 1, 1));
    const tml_tensor_t *in = tml_op_input(m, op, 0), *out = tml_op_output(m, op, 0);
    CHECK(open_options(m, op, &map, err));
    CHECK(check_t_option(&map, op, in, err));
    if (in->ndims < 2) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "input has %d dimensions, at least 2 needed",
            (int)in->ndims);
    }
    overlap_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    d->frame_size = in->dims[in->ndims - 1];
    d->n_frames = in->dims[in->ndims - 2];
    OPTION("frame_step", 1, d->frame_size > 1 ? d->frame_size : 1, &d->frame_step);
    int32_t dims[TML_MAX_DIMS];
    memcpy(dims, in->dims, sizeof(int32_t) * (in->ndims - 1));
    dims[in->ndims - 2] = d->n_frames * d->frame_step;
    CHECK(tml_check_type(err, op, out, "output", in->type));
    CHECK(tml_check_shape(err, op, out, "output", dims, in->ndims - 1));
    d->rows = outer_elements(in, 2);
    d->esize = (int32_t)tml_type_size(in->type);
    d->buffers = tml_persistent_alloc(m, (size_t)d->esize * (size_t)d->rows * (size_t)d->frame_size + 1, err);
    if (!d->buffers) {
        return TML_ERR_NO_MEMORY;
    }
    op->data = d;
    if (in->type == TML_FLOAT32) {
        op->eval = tml_signal_overlap_add_eval_f32;
    }
    return TML_OK;
}

tml_status_t tml_signal_overlap_add_eval(tml_model_t *m, tml_op_t *op) {
    overlap_data_t *d = op->data;
    const int16_t *in = tml_op_input(m, op, 0)->data;
    int16_t *out = tml_op_output(m, op, 0)->data;
    for (int32_t r = 0; r < d->rows; r++) {
        int16_t *buf = (int16_t *)d->buffers + (size_t)r * d->frame_size;
        for (int32_t f = 0; f < d->n_frames; f++) {
            const size_t k = (size_t)r * d->n_frames + f;
            tml_signal_overlap_add_s16(in + k * d->frame_size, buf, d->frame_size, out + k * d->frame_step,
                d->frame_step);
        }
    }
    return TML_OK;
}

tml_status_t tml_signal_overlap_add_eval_f32(tml_model_t *m, tml_op_t *op) {
    overlap_data_t *d = op->data;
    const float *in = tml_op_input(m, op, 0)->data;
    float *out = tml_op_output(m, op, 0)->data;
    for (int32_t r = 0; r < d->rows; r++) {
        float *buf = (float *)d->buffers + (size_t)r * d->frame_size;
        for (int32_t f = 0; f < d->n_frames; f++) {
            const size_t k = (size_t)r * d->n_frames + f;
            tml_signal_overlap_add_f32(in + k * d->frame_size, buf, d->frame_size, out + k * d->frame_step,
                d->frame_step);
        }
    }
    return TML_OK;
}

/* ---- SignalStacker -------------------------------------------------------------------------------- */

typedef struct {
    tml_signal_queue_t queue; /* state: buffer_size samples */
    int32_t channels, left, buffer_size, step_size, has_first_frame;
} stacker_data_t;

void tml_signal_stacker_reset(tml_op_t *op) {
    stacker_data_t *d = op->data;
    memset(d->queue.data, 0, sizeof(int16_t) * (size_t)d->buffer_size);
    d->queue.count = 0;
    d->has_first_frame = 0;
}

tml_status_t tml_signal_stacker_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s;
    tml_flex_map_t map;
    CHECK(tml_check_io_count(err, op, 1, 1, 2));
    const tml_tensor_t *in = tml_op_input(m, op, 0), *out = tml_op_output(m, op, 0);
    const tml_tensor_t *valid = tml_op_output(m, op, 1);
    CHECK(check_ndims(err, op, in, "input", 1));
    CHECK(open_options(m, op, &map, err));
    stacker_data_t *d = tml_persistent_alloc(m, sizeof(*d), err);
    if (!d) {
        return TML_ERR_NO_MEMORY;
    }
    int32_t right, step;
    OPTION("num_channels", 1, 1 << 16, &d->channels);
    OPTION("stacker_left_context", 0, 1 << 10, &d->left);
    OPTION("stacker_right_context", 0, 1 << 10, &right);
    OPTION("stacker_step", 1, d->left + right + 1, &step);
    if (d->channels != in->dims[0]) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "num_channels is %ld, the input has %ld",
            (long)d->channels, (long)in->dims[0]);
    }
    d->buffer_size = d->channels * (d->left + right + 1);
    d->step_size = d->channels * step;
    CHECK(tml_check_type(err, op, out, "output", TML_INT16));
    CHECK(tml_check_shape(err, op, out, "output", &d->buffer_size, 1));
    CHECK(tml_check_type(err, op, valid, "valid output", TML_BOOL));
    CHECK(check_ndims(err, op, valid, "valid output", 0));
    d->queue.data = tml_persistent_alloc(m, sizeof(int16_t) * (size_t)d->buffer_size, err);
    if (!d->queue.data) {
        return TML_ERR_NO_MEMORY;
    }
    op->data = d;
    return TML_OK;
}

tml_status_t tml_signal_stacker_eval(tml_model_t *m, tml_op_t *op) {
    stacker_data_t *d = op->data;
    tml_signal_queue_t *q = &d->queue;
    tml_signal_queue_push(q, tml_op_input(m, op, 0)->data, d->channels);
    if (!d->has_first_frame) {
        /* the first frame also fills the left context */
        for (int32_t i = 0; i < d->left; i++) {
            tml_signal_queue_push(q, q->data + q->count - d->channels, d->channels);
        }
        d->has_first_frame = 1;
    }
    uint8_t valid = 0;
    if (q->count >= d->buffer_size) {
        memcpy(tml_op_output(m, op, 0)->data, q->data, sizeof(int16_t) * (size_t)d->buffer_size);
        tml_signal_queue_pop(q, d->step_size);
        valid = 1;
    }
    *(uint8_t *)tml_op_output(m, op, 1)->data = valid;
    return TML_OK;
}

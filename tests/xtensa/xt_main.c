/*
 * The tinyml core on a bare-metal Xtensa CPU (QEMU `sim` machine; built and
 * run by xtensa_exec.py). Two parts, one JSON line per case or model on
 * semihosting stdout:
 *  - every record of one round of the per-op bundle (tests/firmware/device_ops.py:
 *    a one-operator model, its inputs, tflite-micro's outputs): load in place,
 *    run, print the outputs (the host compares them with the record);
 *  - every embedded shared model with its seeded input sets: load once, run
 *    each set, print its outputs and the CCOUNT ticks of that inference.
 * The host compares every output with the host core library's (same backend).
 */
#include <stdint.h>
#include <string.h>

#include "core/tml_core.h"
#include "xt_rt.h"

#ifndef XT_ARENA_BYTES
#define XT_ARENA_BYTES (320 * 1024)
#endif
#ifndef XT_POOL_BYTES
#define XT_POOL_BYTES (96 * 1024)
#endif

static uint8_t arena[XT_ARENA_BYTES] __attribute__((aligned(16)));
static uint8_t pool[XT_POOL_BYTES] __attribute__((aligned(16)));
static size_t pool_used;

static void *pool_alloc(void *ctx, size_t size) {
    (void)ctx;
    size_t at = (pool_used + 15u) & ~(size_t)15u;
    if (at + size > sizeof pool) {
        return NULL;
    }
    pool_used = at + size;
    return pool + at;
}

static void pool_free(void *ctx, void *ptr, size_t size) {
    (void)ctx;
    (void)ptr;
    (void)size;
}

static const tml_allocator_t allocator = { pool_alloc, pool_free, NULL };

static void put_error(const tml_error_t *err) {
    xt_puts(", \"error\": ");
    xt_put_str_json(err->msg);
    xt_puts("}\n");
}

static int load(tml_model_t *m, const uint8_t *data, size_t size) {
    tml_error_t err;
    pool_used = 0;
    if (tml_model_load(m, data, size, &allocator, &err) != TML_OK) {
        put_error(&err);
        return 0;
    }
    if (tml_model_set_arena(m, arena, sizeof arena, &err) != TML_OK) {
        put_error(&err);
        tml_model_free(m);
        return 0;
    }
    return 1;
}

/* ---- the per-op bundle ------------------------------------------------ */
/* One round of tests/firmware/device_ops.py's records (round_bytes): b"TOPS", 12 zero bytes, then
 * records on 16-byte boundaries: u32 record length, u16 name length, u8 flags, name, u8 count +
 * that many zero bytes (the model then starts on a 16-byte boundary: it is used in place), u32 model
 * length, model, then the inputs and the expected outputs: u8 count, and per array u8 kind with
 * kind 0 (raw): u32 length, bytes; kind 1 (every value, inputs): u8 item size (1: int8, 2: int16),
 * every value of the signed type ascending; kind 2 (digest, outputs): u32 length, 32-byte SHA-256.
 * The outputs are printed in hex; the host compares them with the record (device_ops.decode). */
enum { KIND_RAW = 0, KIND_EVERY = 1, KIND_DIGEST = 2 };

static uint32_t rd_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Fill the model's inputs from the record at `p` (up to `end`); the position after them, or NULL. */
static const uint8_t *feed_inputs(tml_model_t *m, int loaded, const uint8_t *p, const uint8_t *end, int *bad) {
    if (p >= end) {
        return NULL;
    }
    const uint8_t n_in = *p++;
    for (int i = 0; i < n_in; i++) {
        if (p >= end) {
            return NULL;
        }
        const uint8_t kind = *p++;
        tml_tensor_t *t = loaded && i < tml_model_num_inputs(m) ? tml_model_input(m, i) : NULL;
        if (kind == KIND_RAW) {
            if (end - p < 4 || (uint32_t)(end - p - 4) < rd_u32(p)) {
                return NULL;
            }
            const uint32_t n = rd_u32(p);
            if (t != NULL && (uint32_t)t->bytes == n) {
                memcpy(t->data, p + 4, n);
            } else if (loaded) {
                *bad = 1;
            }
            p += 4 + n;
        } else if (kind == KIND_EVERY && p < end) {
            const uint8_t size = *p++;
            const uint32_t count = size == 1 ? 256u : 65536u;
            if (t != NULL && (uint32_t)t->bytes == count * size && (size == 1 || size == 2)) {
                for (uint32_t k = 0; k < count; k++) {
                    if (size == 1) {
                        ((int8_t *)t->data)[k] = (int8_t)(k - 128u);
                    } else {
                        ((int16_t *)t->data)[k] = (int16_t)(k - 32768u);
                    }
                }
            } else if (loaded) {
                *bad = 1;
            }
        } else {
            return NULL;
        }
    }
    return p;
}

static int run_op_case(const uint8_t *rec, uint32_t len) {
    const uint8_t *end = rec + len;
    if (len < 12) {
        return 0;
    }
    const uint32_t name_len = (uint32_t)rec[4] | (uint32_t)rec[5] << 8;
    const uint8_t *p = rec + 7;
    if ((uint32_t)(end - p) < name_len + 1) {
        return 0;
    }
    xt_puts("{\"op\": \"");
    xt_write((const char *)p, name_len); /* names are plain ASCII (module:case/params) */
    xt_puts("\"");
    p += name_len;
    p += 1 + *p;
    if (end - p < 4 || (uint32_t)(end - p - 4) < rd_u32(p)) {
        return 0;
    }
    const uint32_t size = rd_u32(p);
    const uint8_t *model = p + 4;
    p = model + size;
    tml_model_t m;
    int loaded = load(&m, model, size); /* in place: the record keeps the model 16-byte aligned */
    int bad = 0;
    p = feed_inputs(&m, loaded, p, end, &bad);
    if (p == NULL) {
        if (loaded) {
            tml_model_free(&m);
        }
        return 0;
    }
    if (!loaded) {
        return 1;
    }
    if (bad) {
        xt_puts(", \"error\": \"input size differs from the record\"}\n");
        tml_model_free(&m);
        return 1;
    }
    tml_error_t err;
    uint32_t t0 = xt_sync();
    tml_status_t st = tml_model_invoke(&m, &err);
    uint32_t t1 = xt_ccount();
    if (st != TML_OK) {
        put_error(&err);
        tml_model_free(&m);
        return 1;
    }
    xt_puts(", \"ticks\": ");
    xt_put_u64(t1 - t0);
    xt_puts(", \"out\": [");
    for (int i = 0; i < tml_model_num_outputs(&m); i++) {
        tml_tensor_t *t = tml_model_output(&m, i);
        xt_puts(i ? ", \"" : "\"");
        xt_hex(t->data, (size_t)t->bytes);
        xt_puts("\"");
    }
    xt_puts("]}\n");
    tml_model_free(&m);
    return 1;
}

static void run_ops(void) {
    if (xt_ops_size == 0) {
        return;
    }
    if (xt_ops_size < 16 || memcmp(xt_ops, "TOPS", 4) != 0) {
        xt_puts("{\"ops_error\": \"bad magic\"}\n");
        return;
    }
    const uint8_t *at = xt_ops + 16;
    const uint8_t *end = xt_ops + xt_ops_size;
    int n = 0;
    while (at < end) {
        const uint32_t len = (uint32_t)(end - at) >= 4 ? rd_u32(at) : 0;
        if (len < 12 || len > (uint32_t)(end - at) || !run_op_case(at, len)) {
            xt_puts("{\"ops_error\": \"truncated record\"}\n");
            return;
        }
        at += len;
        n++;
    }
    xt_puts("{\"ops_done\": ");
    xt_put_u64((uint64_t)n);
    xt_puts("}\n");
}

/* ---- shared models ------------------------------------------------------ */
static void run_model(const xt_model_t *xm) {
    tml_model_t m;
    xt_puts("{\"model\": ");
    xt_put_str_json(xm->name);
    if (!load(&m, xm->data, xm->size)) {
        return;
    }
    xt_puts(", \"arena\": ");
    xt_put_u64(tml_model_arena_size(&m));
    xt_puts(", \"persistent\": ");
    xt_put_u64(tml_model_persistent_size(&m));
    xt_puts(", \"cases\": [");
    const uint8_t *in = xm->inputs;
    const uint8_t *in_end = xm->inputs + xm->inputs_size;
    for (uint32_t c = 0; c < xm->cases; c++) {
        for (int i = 0; i < tml_model_num_inputs(&m); i++) {
            tml_tensor_t *t = tml_model_input(&m, i);
            if ((size_t)(in_end - in) < (size_t)t->bytes) {
                xt_puts("], \"error\": \"embedded inputs too short\"}\n");
                tml_model_free(&m);
                return;
            }
            memcpy(t->data, in, (size_t)t->bytes);
            in += t->bytes;
        }
        tml_error_t err;
        uint32_t t0 = xt_sync();
        tml_status_t st = tml_model_invoke(&m, &err);
        uint32_t t1 = xt_ccount();
        if (st != TML_OK) {
            xt_puts("]");
            put_error(&err);
            tml_model_free(&m);
            return;
        }
        xt_puts(c ? ", {\"ticks\": " : "{\"ticks\": ");
        xt_put_u64(t1 - t0);
        xt_puts(", \"out\": [");
        for (int i = 0; i < tml_model_num_outputs(&m); i++) {
            tml_tensor_t *t = tml_model_output(&m, i);
            xt_puts(i ? ", \"" : "\"");
            xt_hex(t->data, (size_t)t->bytes);
            xt_puts("\"");
        }
        xt_puts("]}");
    }
    xt_puts("]}\n");
    tml_model_free(&m);
}

int main(void) {
    xt_puts("{\"backend\": ");
    xt_put_str_json(tml_backend_name());
    xt_puts("}\n");
    run_ops();
    for (uint32_t i = 0; i < xt_num_models; i++) {
        run_model(&xt_models[i]);
    }
    xt_puts("{\"done\": 1}\n");
    return 0;
}

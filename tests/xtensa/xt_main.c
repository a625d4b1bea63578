/*
 * The tinyml core on a bare-metal Xtensa CPU (QEMU `sim` machine; built and
 * run by xtensa_exec.py). Two parts, one JSON line per case or model on
 * semihosting stdout:
 *  - every record of the per-op bundle (ops.bin of tests/firmware/device_ops.py:
 *    a one-operator model, its inputs, tflite-micro's outputs): load, run,
 *    print the outputs and whether they are byte-equal to tflite-micro's;
 *  - every embedded shared model with its seeded input sets: load once, run
 *    each set, print its outputs and the CCOUNT ticks of that inference.
 * The host compares every output with the host core library's (same backend).
 */
#include <stdint.h>
#include <string.h>

#include "core/tml_core.h"
#include "xt_rt.h"

#ifndef XT_ARENA_BYTES
#define XT_ARENA_BYTES (160 * 1024)
#endif
#ifndef XT_POOL_BYTES
#define XT_POOL_BYTES (96 * 1024)
#endif
#ifndef XT_MODEL_BYTES
#define XT_MODEL_BYTES (64 * 1024)
#endif

static uint8_t arena[XT_ARENA_BYTES] __attribute__((aligned(16)));
static uint8_t pool[XT_POOL_BYTES] __attribute__((aligned(16)));
static uint8_t model_buf[XT_MODEL_BYTES] __attribute__((aligned(16)));
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
static const uint8_t *ops_at;
static const uint8_t *ops_end;

static int take(void *dst, size_t n) {
    if ((size_t)(ops_end - ops_at) < n) {
        return 0;
    }
    if (dst) {
        memcpy(dst, ops_at, n);
    }
    ops_at += n;
    return 1;
}

static uint32_t take_u32(int *ok) {
    uint8_t b[4] = { 0 };
    *ok = *ok && take(b, 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static int run_op_case(void) {
    uint8_t head[3];
    char name[160];
    int ok = take(head, 3);
    size_t name_len = (size_t)head[0] | (size_t)head[1] << 8;
    if (!ok || name_len >= sizeof name || !take(name, name_len)) {
        return 0;
    }
    name[name_len] = 0;
    uint32_t size = take_u32(&ok);
    if (!ok || size > sizeof model_buf || !take(model_buf, size)) {
        return 0;
    }
    xt_puts("{\"op\": ");
    xt_put_str_json(name);
    tml_model_t m;
    /* the record's inputs and outputs are read whether or not the model loads */
    int loaded = load(&m, model_buf, size);
    uint8_t n_in = 0;
    ok = take(&n_in, 1);
    for (int i = 0; ok && i < n_in; i++) {
        uint32_t n = take_u32(&ok);
        if (!ok || (size_t)(ops_end - ops_at) < n) {
            return 0;
        }
        if (loaded) {
            tml_tensor_t *t = i < tml_model_num_inputs(&m) ? tml_model_input(&m, i) : NULL;
            if (t == NULL || (uint32_t)t->bytes != n) {
                xt_puts(", \"error\": \"input size differs from the record\"}\n");
                tml_model_free(&m);
                loaded = 0;
            } else {
                memcpy(t->data, ops_at, n);
            }
        }
        ops_at += n;
    }
    uint8_t n_out = 0;
    ok = ok && take(&n_out, 1);
    const uint8_t *want = ops_at;
    for (int i = 0; ok && i < n_out; i++) {
        uint32_t n = take_u32(&ok);
        ok = ok && take(NULL, n);
    }
    if (!ok) {
        return 0;
    }
    if (!loaded) {
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
    int equal = n_out == tml_model_num_outputs(&m);
    xt_puts(", \"ticks\": ");
    xt_put_u64(t1 - t0);
    xt_puts(", \"out\": [");
    for (int i = 0; i < tml_model_num_outputs(&m); i++) {
        tml_tensor_t *t = tml_model_output(&m, i);
        if (equal) {
            uint32_t n = (uint32_t)want[0] | (uint32_t)want[1] << 8 | (uint32_t)want[2] << 16 | (uint32_t)want[3] << 24;
            equal = n == (uint32_t)t->bytes && memcmp(want + 4, t->data, n) == 0;
            want += 4 + n;
        }
        xt_puts(i ? ", \"" : "\"");
        xt_hex(t->data, (size_t)t->bytes);
        xt_puts("\"");
    }
    xt_puts("], \"tflm_equal\": ");
    xt_puts(equal ? "1}\n" : "0}\n");
    tml_model_free(&m);
    return 1;
}

static void run_ops(void) {
    ops_at = xt_ops;
    ops_end = xt_ops + xt_ops_size;
    if (xt_ops_size == 0) {
        return;
    }
    if (xt_ops_size < 4 || memcmp(xt_ops, "TOPS", 4) != 0) {
        xt_puts("{\"ops_error\": \"bad magic\"}\n");
        return;
    }
    ops_at += 4;
    int n = 0;
    while (ops_at < ops_end) {
        if (!run_op_case()) {
            xt_puts("{\"ops_error\": \"truncated record\"}\n");
            return;
        }
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

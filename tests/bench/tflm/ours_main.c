/*
 * The tinyml core (cmsis-nn backend) on the bare-metal benchmark runtime:
 * per embedded model, first with the planner's in-place and patch plans off
 * (load, warm up, time one inference: "plain"), then as it loads by default:
 * time the load, warm up, time one inference, then one more with the per-op
 * hook; then, where the model has a flash metadata blob beside it, loaded with it ("fm": its RAM,
 * the bytes it holds, one timed inference and the outputs). One JSON line per model on the UART
 * (bench_tflm.py), after a {"start": i} line; after an error the program stops, and bench_tflm.py
 * boots it again from the next model (bench_first_model).
 */
#include <stdint.h>
#include <string.h>

#include "bench_rt.h"
#include "core/tml_core.h"

/* TML_LOAD_* flags added to both loads (build.mk: BENCH_LOAD_FLAGS) */
#ifndef BENCH_LOAD_FLAGS
#define BENCH_LOAD_FLAGS 0u
#endif

static uint8_t arena[BENCH_ARENA_BYTES] BENCH_BIG;
static uint8_t pool[BENCH_POOL_BYTES] BENCH_BIG;
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

#define MAX_OPS 256
static uint64_t op_ticks[MAX_OPS];
static uint64_t op_start;

static void hook(void *ctx, int op, int phase) {
    (void)ctx;
    if (phase == 0) {
        bench_sync();
        op_start = bench_ticks();
    } else if (op < MAX_OPS) {
        op_ticks[op] += bench_ticks() - op_start;
    }
}

static void fill_inputs(tml_model_t *m) {
    for (int i = 0; i < tml_model_num_inputs(m); i++) {
        tml_tensor_t *t = tml_model_input(m, i);
        bench_fill_input(t->data, (size_t)t->bytes);
    }
}

static void error(const char *msg) {
    bench_puts(", \"error\": \"");
    bench_json_str(msg);
    bench_puts("\"}\n");
}

/* Load with `flags` and time one inference after a warm-up; 0 on success. */
static int load_and_time(const bench_model_t *bm, unsigned flags, const uint8_t *meta, tml_model_t *m, uint64_t *load,
    uint64_t *total) {
    tml_error_t err;
    tml_allocator_t al = { pool_alloc, pool_free, NULL };
    pool_used = 0;
    bench_sync();
    uint64_t t0 = bench_ticks();
    if (tml_model_load_meta(m, bm->data, bm->size, &al, flags, meta, meta ? bm->meta_size : 0, &err) != TML_OK) {
        error(err.msg);
        return -1;
    }
    *load = bench_ticks() - t0;
    if (tml_model_set_arena(m, arena, sizeof arena, &err) != TML_OK) {
        error(err.msg);
        tml_model_free(m);
        return -1;
    }
    /* the input is refilled before each run: the plan may reuse its bytes */
    fill_inputs(m);
    tml_status_t st = tml_model_invoke(m, &err); /* warm-up */
    fill_inputs(m);
    bench_sync();
    t0 = bench_ticks();
    st = st != TML_OK ? st : tml_model_invoke(m, &err);
    *total = bench_ticks() - t0;
    if (st != TML_OK) {
        error(err.msg);
        tml_model_free(m);
        return -1;
    }
    return 0;
}

/* 0 on success, -1 after an error (reported in the model's line) */
static int run(const bench_model_t *bm) {
    tml_model_t m;
    tml_error_t err;
    uint64_t load, total;
    memset(op_ticks, 0, sizeof op_ticks);
    bench_printf("{\"impl\": \"ours\", \"model\": \"%s\", \"clock\": %lu", bm->name, (unsigned long)bench_clock_hz());
    if (load_and_time(bm, TML_LOAD_NO_PATCHES | TML_LOAD_NO_INPLACE | BENCH_LOAD_FLAGS, NULL, &m, &load, &total) != 0) {
        return -1;
    }
    bench_printf(", \"plain_total\": %lu, \"plain_arena\": %lu, \"plain_persistent\": %lu",
        (unsigned long)total, (unsigned long)tml_model_arena_size(&m), (unsigned long)tml_model_persistent_size(&m));
    tml_model_free(&m);
    if (load_and_time(bm, BENCH_LOAD_FLAGS, NULL, &m, &load, &total) != 0) {
        return -1;
    }
    fill_inputs(&m);
    if (tml_model_invoke_hooked(&m, hook, NULL, &err) != TML_OK) {
        error(err.msg);
        tml_model_free(&m);
        return -1;
    }
    bench_printf(", \"total\": %lu, \"load\": %lu, \"arena\": %lu, \"persistent\": %lu, \"pool\": %lu, ",
        (unsigned long)total, (unsigned long)load, (unsigned long)tml_model_arena_size(&m),
        (unsigned long)tml_model_persistent_size(&m), (unsigned long)pool_used);
    /* the metadata by category (tml_model_meta_bytes), as this 32-bit build holds it */
    bench_puts("\"meta\": {");
    for (int c = 0; tml_meta_name(c); c++) {
        bench_printf("%s\"%s\": %lu", c ? ", " : "", tml_meta_name(c), (unsigned long)tml_model_meta_bytes(&m, c));
    }
    bench_puts("}, \"plans\": [");
    for (int i = 0; i < tml_model_num_plans(&m); i++) {
        int first, last, kind, rows;
        int32_t temp;
        tml_model_plan(&m, i, &first, &last, &kind, &rows, &temp);
        bench_printf("%s[%d, %d, %d, %d]", i ? ", " : "", kind, first, last, rows);
    }
    bench_puts("], \"ops\": [");
    int n = tml_model_num_ops(&m);
    for (int i = 0; i < n; i++) {
        bench_printf("%s[\"%s\", %lu, %lu]", i ? ", " : "", tml_model_op_name(&m, i),
            (unsigned long)tml_model_op_macs(&m, i), (unsigned long)(i < MAX_OPS ? op_ticks[i] : 0));
    }
    bench_puts("], \"out\": \"");
    for (int i = 0; i < tml_model_num_outputs(&m); i++) {
        tml_tensor_t *t = tml_model_output(&m, i);
        bench_hex(t->data, (size_t)t->bytes);
    }
    bench_puts("\"");
    tml_model_free(&m);
    if (bm->meta_size) {
        /* with the flash metadata blob: the same default load, the arrays it holds read in place */
        if (load_and_time(bm, BENCH_LOAD_FLAGS, bm->meta, &m, &load, &total) != 0) {
            return -1;
        }
        uint32_t flash = 0;
        for (int c = 0; tml_meta_name(c); c++) {
            flash += (uint32_t)tml_model_meta_flash_bytes(&m, c);
        }
        bench_printf(", \"fm\": {\"status\": \"%s\", \"total\": %lu, \"load\": %lu, \"arena\": %lu, "
            "\"persistent\": %lu, \"flash\": %lu, \"blob\": %lu, \"out\": \"", tml_model_flash_meta(&m),
            (unsigned long)total, (unsigned long)load, (unsigned long)tml_model_arena_size(&m),
            (unsigned long)tml_model_persistent_size(&m), (unsigned long)flash, (unsigned long)bm->meta_size);
        for (int i = 0; i < tml_model_num_outputs(&m); i++) {
            tml_tensor_t *t = tml_model_output(&m, i);
            bench_hex(t->data, (size_t)t->bytes);
        }
        bench_puts("\"}");
        tml_model_free(&m);
    }
    bench_puts("}\n");
    return 0;
}

int main(void) {
    bench_printf("{\"models\": %lu}\n", (unsigned long)bench_num_models);
    for (uint32_t i = bench_first_model(); i < bench_num_models; i++) {
        bench_printf("{\"start\": %lu, \"model\": \"%s\"}\n", (unsigned long)i, bench_models[i].name);
        if (run(&bench_models[i]) != 0) {
            bench_printf("{\"stopped\": %lu}\n", (unsigned long)i);
            return 2;
        }
    }
    bench_puts("{\"done\": 1}\n");
    return 0;
}

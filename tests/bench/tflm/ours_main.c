/*
 * The tinyml core (cmsis-nn backend) on the bare-metal benchmark runtime:
 * per embedded model, load, warm up, time one inference, then one more with
 * the per-op hook. One JSON line per model on the UART (bench_tflm.py).
 */
#include <stdint.h>
#include <string.h>

#include "bench_rt.h"
#include "core/tml_core.h"

static uint8_t arena[BENCH_ARENA_BYTES] __attribute__((aligned(16)));
static uint8_t pool[256 * 1024] __attribute__((aligned(16)));
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

static void run(const bench_model_t *bm) {
    tml_model_t m;
    tml_error_t err;
    tml_allocator_t al = { pool_alloc, pool_free, NULL };
    pool_used = 0;
    memset(op_ticks, 0, sizeof op_ticks);
    bench_printf("{\"impl\": \"ours\", \"model\": \"%s\", \"clock\": %lu", bm->name, (unsigned long)bench_clock_hz());
    if (tml_model_load(&m, bm->data, bm->size, &al, &err) != TML_OK ||
        tml_model_set_arena(&m, arena, sizeof arena, &err) != TML_OK) {
        bench_printf(", \"error\": \"%s\"}\n", err.msg);
        return;
    }
    /* the input is refilled before each run: the plan may reuse its bytes */
    fill_inputs(&m);
    tml_status_t st = tml_model_invoke(&m, &err); /* warm-up */
    fill_inputs(&m);
    bench_sync();
    uint64_t t0 = bench_ticks();
    st = st != TML_OK ? st : tml_model_invoke(&m, &err);
    uint64_t t1 = bench_ticks();
    fill_inputs(&m);
    st = st != TML_OK ? st : tml_model_invoke_hooked(&m, hook, NULL, &err);
    if (st != TML_OK) {
        bench_printf(", \"error\": \"%s\"}\n", err.msg);
        tml_model_free(&m);
        return;
    }
    bench_printf(", \"total\": %lu, \"arena\": %lu, \"persistent\": %lu, \"pool\": %lu, \"ops\": [",
        (unsigned long)(t1 - t0), (unsigned long)tml_model_arena_size(&m),
        (unsigned long)tml_model_persistent_size(&m), (unsigned long)pool_used);
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
    bench_puts("\"}\n");
    tml_model_free(&m);
}

int main(void) {
    for (uint32_t i = 0; i < bench_num_models; i++) {
        run(&bench_models[i]);
    }
    bench_puts("{\"done\": 1}\n");
    return 0;
}

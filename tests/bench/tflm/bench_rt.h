/* Bare-metal runtime of the benchmark programs (rt.c) and the embedded models (models.S). */
#ifndef BENCH_RT_H
#define BENCH_RT_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
uint64_t bench_ticks(void);  /* SysTick counts since reset */
void bench_sync(void);       /* wait for the next SysTick count */
uint32_t bench_clock_hz(void);
void bench_write(const char *s, size_t n);
void bench_puts(const char *s);
void bench_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bench_hex(const void *data, size_t n);
void bench_fill_input(void *data, size_t n);
void bench_json_str(const char *s);  /* s as the body of a JSON string (quotes, backslashes, controls escaped) */
/* The index of the first model to run: the last word of the semihosting command line
 * (bench_tflm.py passes it: after a model's error or fault it boots the program again, from the
 * next model, so that each model after an error starts in a fresh state); 0 without one. */
uint32_t bench_first_model(void);

typedef struct {
    const char *name;
    const uint8_t *data;
    uint32_t size;
    const uint8_t *meta; /* its flash metadata blob (tests/bench/flash_meta_blobs.py); meta_size 0: none */
    uint32_t meta_size;
} bench_model_t;
extern const bench_model_t bench_models[];
extern const uint32_t bench_num_models;

/* bytes of the static arena (one model at a time; TFLM needs 2.6 MB for MobileNetV2 at 224 px), of
 * our metadata pool, and where they go (the linker script's BIG region); a board with less RAM
 * (NETDUINO_PLUS_2) sets smaller ones (build.mk) */
#ifndef BENCH_ARENA_BYTES
#define BENCH_ARENA_BYTES (3 * 1024 * 1024)
#endif
#ifndef BENCH_POOL_BYTES
#define BENCH_POOL_BYTES (1024 * 1024)
#endif
#define BENCH_BIG __attribute__((section(".bench_big"), aligned(16)))
#ifdef __cplusplus
}
#endif
#endif

/* Bare-metal runtime of the Xtensa harness (xt_rt.c): semihosting output and
 * exit, the cycle counter, and the embedded data (xtensa_exec.py's data.S). */
#ifndef XT_RT_H
#define XT_RT_H
#include <stddef.h>
#include <stdint.h>

void xt_write(const char *s, size_t n);
void xt_puts(const char *s);
void xt_put_u64(uint64_t v);
void xt_put_str_json(const char *s); /* a JSON string, quotes included */
void xt_hex(const void *data, size_t n);
void xt_exit(int code) __attribute__((noreturn));
uint32_t xt_ccount(void);
uint32_t xt_sync(void); /* waits for the next CCOUNT tick; returns CCOUNT */

/* The per-op bundle (tests/firmware/device_ops.py's ops.bin, empty if size is 0). */
extern const uint8_t xt_ops[];
extern const uint32_t xt_ops_size;

/* Shared models, each with `cases` input sets (all inputs of a case concatenated). */
typedef struct {
    const char *name;
    const uint8_t *data;
    uint32_t size;
    const uint8_t *inputs;
    uint32_t inputs_size;
    uint32_t cases;
} xt_model_t;
extern const xt_model_t xt_models[];
extern const uint32_t xt_num_models;
#endif

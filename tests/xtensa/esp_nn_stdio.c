/* ESP-NN's esp_nn_softmax_s8_opt references printf (its "scratch buffer not set" path, never taken
 * here): picolibc (lx106) needs a stdout, newlib (the ESP toolchains) would pull in its syscalls */
#include <stdio.h>
#if defined(__PICOLIBC__)
static int put(char c, FILE *f) { (void)c; (void)f; return 0; }
static FILE stub = FDEV_SETUP_STREAM(put, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdout = &stub;
#else
int printf(const char *fmt, ...) { (void)fmt; return 0; }
#endif

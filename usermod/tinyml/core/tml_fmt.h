/* tinyml core: tiny formatter for messages: %d %u %ld %lu %lld %llu %s %.*s %c %f %g %%. */
#ifndef TML_FMT_H
#define TML_FMT_H
#include <stdarg.h>
#include <stddef.h>
/* Append to buf (size n) starting at offset `at`; returns the new length. */
size_t tml_vfmt(char *buf, size_t n, size_t at, const char *fmt, va_list ap);
size_t tml_fmt(char *buf, size_t n, size_t at, const char *fmt, ...);
#endif

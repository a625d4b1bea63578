/* tinyml core: a tiny printf for error messages (no libc printf needed). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "tml_fmt.h"

typedef struct {
    char *buf;
    size_t n, len;
} out_t;

static void put(out_t *o, char c) {
    if (o->len + 1 < o->n) {
        o->buf[o->len++] = c;
        o->buf[o->len] = 0;
    }
}

static void put_u(out_t *o, unsigned long long v) {
    char tmp[24];
    int i = 0;
    do {
        tmp[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (i) {
        put(o, tmp[--i]);
    }
}

static void put_i(out_t *o, long long v) {
    if (v < 0) {
        put(o, '-');
        put_u(o, (unsigned long long)(-(v + 1)) + 1);
    } else {
        put_u(o, (unsigned long long)v);
    }
}

/* %g-like with 6 significant digits, enough to name a scale in a message. */
static void put_f(out_t *o, double v) {
    if (v != v) {
        put(o, 'n'), put(o, 'a'), put(o, 'n');
        return;
    }
    if (v < 0) {
        put(o, '-');
        v = -v;
    }
    if (v > 1e18) {
        put(o, 'i'), put(o, 'n'), put(o, 'f');
        return;
    }
    int exp10 = 0;
    if (v != 0.0) {
        while (v >= 10.0) {
            v /= 10.0;
            exp10++;
        }
        while (v < 1.0) {
            v *= 10.0;
            exp10--;
        }
    }
    /* v in [1,10): 6 significant digits */
    unsigned long long digits = (unsigned long long)(v * 100000.0 + 0.5);
    if (digits >= 1000000ULL) {
        digits /= 10;
        exp10++;
    }
    char d[6];
    for (int i = 5; i >= 0; i--) {
        d[i] = (char)('0' + digits % 10);
        digits /= 10;
    }
    int last = 5;
    while (last > 0 && d[last] == '0') {
        last--;
    }
    if (exp10 >= -4 && exp10 < 6) {
        if (exp10 < 0) {
            put(o, '0'), put(o, '.');
            for (int i = -1; i > exp10; i--) {
                put(o, '0');
            }
            for (int i = 0; i <= last; i++) {
                put(o, d[i]);
            }
        } else {
            for (int i = 0; i <= exp10; i++) {
                put(o, i < 6 ? d[i] : '0');
            }
            if (last > exp10) {
                put(o, '.');
                for (int i = exp10 + 1; i <= last; i++) {
                    put(o, d[i]);
                }
            }
        }
    } else {
        put(o, d[0]);
        if (last > 0) {
            put(o, '.');
            for (int i = 1; i <= last; i++) {
                put(o, d[i]);
            }
        }
        put(o, 'e');
        put_i(o, exp10);
    }
}

size_t tml_vfmt(char *buf, size_t n, size_t at, const char *fmt, va_list ap) {
    out_t o = { buf, n, at };
    if (n == 0) {
        return 0;
    }
    if (o.len >= n) {
        o.len = n - 1;
    }
    buf[o.len] = 0;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put(&o, *p);
            continue;
        }
        p++;
        int longs = 0, prec = -1;
        if (p[0] == '.' && p[1] == '*') {
            prec = va_arg(ap, int);
            p += 2;
        }
        while (*p == 'l') {
            longs++;
            p++;
        }
        switch (*p) {
            case 'd':
                put_i(&o, longs >= 2 ? va_arg(ap, long long) : longs ? va_arg(ap, long) : va_arg(ap, int));
                break;
            case 'u':
                put_u(&o, longs >= 2 ? va_arg(ap, unsigned long long) : longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned));
                break;
            case 's': {
                const char *s = va_arg(ap, const char *);
                for (int i = 0; s && s[i] && (prec < 0 || i < prec); i++) {
                    put(&o, s[i]);
                }
                break;
            }
            case 'c':
                put(&o, (char)va_arg(ap, int));
                break;
            case 'f':
            case 'g':
                put_f(&o, va_arg(ap, double));
                break;
            case '%':
                put(&o, '%');
                break;
            case 0:
                return o.len;
            default:
                put(&o, '%');
                put(&o, *p);
        }
    }
    return o.len;
}

size_t tml_fmt(char *buf, size_t n, size_t at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t r = tml_vfmt(buf, n, at, fmt, ap);
    va_end(ap);
    return r;
}

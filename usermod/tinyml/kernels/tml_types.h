/*
 * tinyml: the types shared by the kernels and the core (the bottom of the
 * include graph: kernels include only this and tml_math.h; the core includes
 * the kernels, never the other way round).
 */
#ifndef TML_TYPES_H
#define TML_TYPES_H

#include <stdint.h>

/* Tensors have at most this many dimensions. */
#define TML_MAX_DIMS 6

typedef enum {
    TML_OK = 0,
    TML_ERR_INVALID_MODEL = 1, /* malformed flatbuffer or inconsistent graph */
    TML_ERR_UNSUPPORTED = 2,   /* valid model, but an op/type/option we do not run */
    TML_ERR_NO_MEMORY = 3,     /* allocator failed or arena too small; see bytes_needed */
    TML_ERR_ARGUMENT = 4,      /* bad argument from the caller */
    TML_ERR_STATE = 5,         /* API used in the wrong order */
    TML_ERR_KERNEL = 6,        /* a kernel rejected its arguments */
} tml_status_t;

/* Same numbering as TensorFlow Lite's TensorType. */
typedef enum {
    TML_FLOAT32 = 0,
    TML_FLOAT16 = 1,
    TML_INT32 = 2,
    TML_UINT8 = 3,
    TML_INT64 = 4,
    TML_STRING = 5,
    TML_BOOL = 6,
    TML_INT16 = 7,
    TML_INT8 = 9,
    TML_UINT64 = 12,
    TML_UINT32 = 15,
    TML_UINT16 = 16,
    TML_INT4 = 17, /* packed, two per byte: only as constant weights (see tml_kernels.h, Section E) */
} tml_type_t;

#endif

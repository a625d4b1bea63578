/*
 * tinyml core: public API.
 *
 * Plain C99, no MicroPython header. Reads an int8 TensorFlow Lite flatbuffer
 * in place, prepares every operator, plans one activation arena and runs
 * inference in it. Two phases, as in TFLM:
 *   tml_model_load()       parse + validate + prepare + plan (allocates
 *                          persistent metadata through the caller's allocator)
 *   tml_model_set_arena()  bind the caller's activation arena
 *   tml_model_invoke()     run; allocates nothing
 */
#ifndef TML_CORE_H
#define TML_CORE_H

#include <stddef.h>
#include <stdint.h>
#include "tml_fb.h"
#include "../kernels/tml_types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TML_VERSION "0.1.0"
#define TML_MSG_LEN 256
/* Offsets of arena buffers are aligned to this many bytes. */
#define TML_ARENA_ALIGN 8

typedef struct {
    tml_status_t status;
    size_t bytes_needed; /* TML_ERR_NO_MEMORY: how many bytes were asked for */
    char msg[TML_MSG_LEN];
} tml_error_t;

/* Where a tensor's bytes live. */
typedef enum {
    TML_TENSOR_NONE = 0,     /* unused by the graph */
    TML_TENSOR_CONST = 1,    /* in the model buffer (or a persistent copy) */
    TML_TENSOR_ARENA = 2,    /* planned into the activation arena */
    TML_TENSOR_ALIAS = 3,    /* shares another tensor's bytes (RESHAPE, SQUEEZE) */
    TML_TENSOR_VARIABLE = 4, /* state kept across invocations (LSTM), in the arena */
} tml_tensor_kind_t;

typedef struct {
    void *data;               /* valid after load (const) or set_arena (others) */
    const int32_t *dims;      /* ndims sizes (in the model buffer when aligned) */
    int32_t bytes;            /* product(dims) * element size */
    float scale;              /* per-tensor scale; first channel's if per-channel */
    int32_t zero_point;
    uint8_t ndims;
    uint8_t type;             /* tml_type_t */
    uint8_t kind;             /* tml_tensor_kind_t */
    uint8_t per_channel;      /* 1 if the quantization has one scale per channel */
} tml_tensor_t;

typedef struct {
    void *(*alloc)(void *ctx, size_t size);        /* returns NULL on failure */
    void (*free)(void *ctx, void *ptr, size_t size);
    void *ctx;
} tml_allocator_t;

/* What a loaded model's persistent metadata holds, by category (tml_model_meta_bytes): the
 * categories sum to tml_model_persistent_size(). */
enum {
    TML_META_TENSORS = 0,     /* tensor records (with copies of misaligned shapes), the input/output table */
    TML_META_OPS = 1,         /* operator records and their tensor index lists */
    TML_META_OP_DATA = 2,     /* operators' parameters and state (what prepare keeps), less the two below */
    TML_META_QUANT = 3,       /* requantization multipliers and shifts (per channel or per tensor) */
    TML_META_KERNEL_SUMS = 4, /* kernel sums precomputed at load (MVE fully-connected, LSTM, SVDF) */
    TML_META_PLAN = 5,        /* the planner's records (in-place operators, stages and their windows) */
    TML_META_OTHER = 6,       /* aligned copies of misaligned constants, inspect mode's message */
    TML_META_COUNT = 7
};

struct tml_op;
struct tml_block;
struct tml_exec;
struct tml_fmeta_rec;

typedef struct tml_model {
    /* private; read through the functions below */
    tml_fb_t fb;              /* the model bytes, read in place */
    tml_allocator_t allocator;
    uint8_t *persistent;      /* one block holding all metadata (see tml_model_load) */
    struct tml_block *blocks; /* first (measuring) pass: individual allocations */
    int16_t *alias;           /* while loading: per tensor, the tensor it aliases (-1: none) */
    int32_t *folded;          /* while loading: per op, the PAD folded into it (4 values, see tml_op_folded_pad) */
    tml_tensor_t *tensors;
    struct tml_op *ops;
    int16_t *io;              /* inputs then outputs (tensor indices) */
    uint8_t *arena;
    struct tml_exec *exec;    /* the planner's in-place and stage records (tml_exec.h), by first op */
    char *unsupported;        /* inspect mode: list of unsupported operators */
    union {
        const uint8_t *blob;          /* the accepted flash metadata blob, or NULL */
        struct tml_fmeta_rec *recs;   /* TML_LOAD_META_RECORD: the constant arrays noted while loading */
    } fmeta;
    /* (the pointers above, the 32-, 16- and 8-bit fields below: no padding on 64-bit hosts either) */
    uint32_t persistent_size; /* the block's size (models are at most 2 GB) */
    uint32_t persistent_used; /* bump pointer while loading */
    uint32_t weights_size;
    uint32_t arena_size;      /* planned bytes for activations + scratch */
    uint32_t buffers_pos;     /* flatbuffer vector of buffers */
    uint32_t tensors_pos;     /* flatbuffer vector of tensors */
    uint32_t opcodes_pos;     /* flatbuffer vector of operator codes */
    uint32_t operators_pos;   /* flatbuffer vector of the subgraph's operators */
    uint32_t n_buffers;
    uint32_t meta[TML_META_COUNT]; /* persistent bytes by category (TML_META_*) */
    uint32_t meta_flash[2];   /* bytes of TML_META_QUANT, TML_META_KERNEL_SUMS read from the flash metadata */
    uint16_t n_tensors;
    uint16_t n_ops;
    uint16_t n_inputs;
    uint16_t n_outputs;
    uint16_t n_exec;
    uint16_t load_flags;      /* TML_LOAD_* */
    uint8_t state;            /* 0 empty, 1 loaded, 2 arena bound, 3 inspect only */
    uint8_t fmeta_status;     /* flash metadata: TML_FMETA_* (tml_fmeta.h) */
} tml_model_t;

/* Per-op hook for profiling: called with phase 0 before and 1 after op i. */
typedef void (*tml_op_hook_t)(void *ctx, int op_index, int phase);

/* Parse, validate, prepare and plan. On failure everything allocated is freed
 * and err says why. The model bytes must stay alive and unchanged while the
 * model is used: they are read in place. */
tml_status_t tml_model_load(tml_model_t *m, const uint8_t *data, size_t size,
    const tml_allocator_t *allocator, tml_error_t *err);

/* Flags for tml_model_load_ex. TML_LOAD_INSPECT: do not fail on unsupported
 * operators (they are listed by tml_model_unsupported()); such a model can be
 * described but not run (set_arena refuses it), and its arena size counts only
 * the tensors, not the unsupported ops' scratch. */
#define TML_LOAD_INSPECT 1u
/* TML_LOAD_NO_PATCHES: never run a stage of the model band by band (tinyml.Model(..., patches=False));
 * TML_LOAD_NO_INPLACE: never place an output over its dying input. The planner still keeps the
 * smallest arena of what is left. For tests: TML_LOAD_FORCE_INPLACE runs every operator that can
 * run in place so (one output row per kernel call), TML_LOAD_FORCE_PATCHES runs the longest stage
 * the model has (from its first row-local operator; one row per band), whether or not that lowers
 * the arena. */
#define TML_LOAD_NO_PATCHES 2u
#define TML_LOAD_NO_INPLACE 4u
#define TML_LOAD_FORCE_INPLACE 8u
#define TML_LOAD_FORCE_PATCHES 16u
/* Per-channel requantization of int8 and 16x8 CONV_2D and DEPTHWISE_CONV_2D: TML_LOAD_QUANT_PER_CALL
 * keeps no multipliers and shifts after load; each eval computes them (the same function on the same
 * scales, read from the model bytes) into the op's scratch, 8 bytes per output channel, which lives
 * in the arena for that eval only. TML_LOAD_QUANT_KEEP keeps them in the metadata for every op.
 * Neither: each op computes them per call where that costs little next to its MACs
 * (TML_QUANT_PER_CALL_MIN_MACS per channel). The results are the same either way. */
#define TML_LOAD_QUANT_PER_CALL 32u
#define TML_LOAD_QUANT_KEEP 64u
tml_status_t tml_model_load_ex(tml_model_t *m, const uint8_t *data, size_t size,
    const tml_allocator_t *allocator, unsigned flags, tml_error_t *err);

/* Flash metadata: a blob (the ".tmx" file beside a model in flash) holding the constant arrays that
 * load would otherwise compute into RAM: per-channel requantization multipliers and shifts
 * (TML_META_QUANT) and kernel sums (TML_META_KERNEL_SUMS), computed on the host by this same core.
 * It is tied to the model by the model's size and FNV-1a 32 hash, to the build by a configuration id
 * (tml_flash_meta_config), and checked by its own FNV-1a 32 checksum. A blob that does not match is
 * ignored (load computes everything as without it) and tml_model_flash_meta() says why; an accepted
 * one is read in place (it must stay alive and unchanged, 4-byte aligned, as the model bytes): its
 * arrays take no RAM and no per-call work, and the convolutions keep no per-call multipliers.
 * meta/meta_size NULL/0: none. */
tml_status_t tml_model_load_meta(tml_model_t *m, const uint8_t *data, size_t size,
    const tml_allocator_t *allocator, unsigned flags, const uint8_t *meta, size_t meta_size, tml_error_t *err);
/* TML_LOAD_META_RECORD: note every constant array load computes, for tml_model_meta_write (the
 * convolutions keep theirs, as with a blob). TML_LOAD_META_MVE: lay out the arrays as an Arm
 * M-profile vector extension (Cortex-M55) build of this backend does (the kernel sums of
 * FULLY_CONNECTED and SVDF, which only its kernels read; elsewhere the results are the same), to
 * write, read or measure a blob for such a board on the host. */
#define TML_LOAD_META_RECORD 128u
#define TML_LOAD_META_MVE 256u
/* The blob of a model loaded with TML_LOAD_META_RECORD: its size, written to buf if cap is enough;
 * 0 if the model was not loaded so. */
size_t tml_model_meta_write(const tml_model_t *m, uint8_t *buf, size_t cap);
/* The configuration id a blob needs: this build's (flags 0), or the one TML_LOAD_META_RECORD with
 * `flags` writes (TML_LOAD_META_MVE). */
uint32_t tml_flash_meta_config(unsigned flags);
/* What became of the blob given to tml_model_load_meta: NULL if none was given, "used", or why it
 * was ignored (or used in part) in a sentence. */
const char *tml_model_flash_meta(const tml_model_t *m);
/* Bytes of category `category` (TML_META_*) read in place from the blob instead of RAM (not counted
 * in tml_model_meta_bytes / tml_model_persistent_size). */
size_t tml_model_meta_flash_bytes(const tml_model_t *m, int category);
/* The accepted blob the model reads in place (*size: its bytes), or NULL (none given, or ignored). */
const uint8_t *tml_model_flash_meta_blob(const tml_model_t *m, size_t *size);
/* Inspect mode: the message listing unsupported operators, or NULL if none. */
const char *tml_model_unsupported(const tml_model_t *m);

/* Bytes the activation arena needs (known after load, before any arena). */
size_t tml_model_arena_size(const tml_model_t *m);
/* Bytes of persistent metadata the model holds (tensor table, op data). */
size_t tml_model_persistent_size(const tml_model_t *m);
/* The part of it in category `category` (TML_META_*); 0 for an unknown category. */
size_t tml_model_meta_bytes(const tml_model_t *m, int category);
/* The category's name ("tensors", "ops", "op_data", "quant", "kernel_sums", "plan", "other"); NULL
 * past the last. */
const char *tml_meta_name(int category);

/* Bind an arena of at least tml_model_arena_size() bytes; if `arena` is not
 * TML_ARENA_ALIGN-aligned it needs that many extra bytes. Zeroes variable
 * tensors. */
tml_status_t tml_model_set_arena(tml_model_t *m, void *arena, size_t size, tml_error_t *err);

/* Run one inference on the input tensors' current contents. Allocates nothing. */
tml_status_t tml_model_invoke(tml_model_t *m, tml_error_t *err);
tml_status_t tml_model_invoke_hooked(tml_model_t *m, tml_op_hook_t hook, void *ctx, tml_error_t *err);

/* Zero the variable (state) tensors, as TFLM's ResetVariableTensors. */
void tml_model_reset(tml_model_t *m);

/* Free everything load allocated (not the arena, which the caller owns). */
void tml_model_free(tml_model_t *m);

int tml_model_num_inputs(const tml_model_t *m);
int tml_model_num_outputs(const tml_model_t *m);
tml_tensor_t *tml_model_input(tml_model_t *m, int i);
tml_tensor_t *tml_model_output(tml_model_t *m, int i);

int tml_model_num_ops(const tml_model_t *m);
const char *tml_model_op_name(const tml_model_t *m, int i);
uint64_t tml_model_op_macs(const tml_model_t *m, int i);
/* Bytes of kernel scratch op i asked for in prepare (its kernel's *_get_buffer_size()), placed in the
 * arena for the op's eval only. */
size_t tml_model_op_scratch(const tml_model_t *m, int i);
/* 1 if this build runs op i (for its types), 0 if not (models loaded with TML_LOAD_INSPECT). */
int tml_model_op_supported(const tml_model_t *m, int i);
/* The kernel that load chose for op i, where the backend has more than one
 * (tml_kernel_t): the backend's name (tml_backend_name()), "portable" (kernels/portable),
 * "armv6m" (kernels/armv6m), "dsp" (kernels/dsp),
 * "esp-nn-ansi" (the esp-nn S3 build's ANSI C kernels); NULL where the op has one. */
const char *tml_model_op_kernel(const tml_model_t *m, int i);
/* Weights bytes: all constant tensor data referenced by the graph. */
size_t tml_model_weights_size(const tml_model_t *m);

/* Graph structure, for tools: tensors of op i (is_output 0/1), k-th of them;
 * -1 for an absent optional input. */
int tml_model_op_num_io(const tml_model_t *m, int i, int is_output);
int tml_model_op_io(const tml_model_t *m, int i, int is_output, int k);
int tml_model_num_tensors(const tml_model_t *m);
tml_tensor_t *tml_model_tensor(tml_model_t *m, int index);
/* Copy tensor `index`'s name (NUL-terminated, truncated to n - 1). */
void tml_model_tensor_name(const tml_model_t *m, int index, char *buf, size_t n);

/* The planner's plan records (see tml_exec.h): how many, and record i: operators [first, last],
 * kind (1: one operator in place, its output overlapping its dying input, computed `rows` output
 * rows per kernel call; 2: a stage run band by band, `rows` output rows of its last operator per
 * band), the arena bytes of its temporary area. Returns -1 if i is out of range. */
int tml_model_num_plans(const tml_model_t *m);
int tml_model_plan(const tml_model_t *m, int i, int *first, int *last, int *kind, int *rows, int32_t *temp_bytes);
/* Where tensor `index` lives in the arena: offset and bytes planned for it (a stage's inner tensor:
 * its window of rows). Returns 0, or -1 if the tensor has no arena bytes. */
int tml_model_tensor_arena(const tml_model_t *m, int index, int32_t *offset, int32_t *bytes);

size_t tml_type_size(int type);
const char *tml_type_name(int type);
const char *tml_builtin_name(int32_t code); /* "CONV_2D", or "UNKNOWN" */
const char *tml_backend_name(void);         /* "ref", "cmsis-nn", "esp-nn", "esp-nn-ansi" or "esp-nn-s3" */
/* Names of supported builtin ops, i = 0.. until NULL. */
const char *tml_supported_op(int i);

#ifdef __cplusplus
}
#endif

#endif

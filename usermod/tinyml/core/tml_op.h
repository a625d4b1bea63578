/*
 * tinyml core: the interface between the graph runtime and operator
 * implementations (tml_ops_*.c). Not part of the public API.
 *
 * Each operator provides prepare() and eval():
 *  - prepare() runs once in tml_model_load(). It validates input/output types
 *    and shapes (the output tensor's declared shape must equal what the op
 *    computes: kernels trust it), reads the builtin options, precomputes
 *    multipliers/shifts into persistent op data (tml_persistent_alloc; the
 *    convolutions may instead compute them in each eval, see
 *    TML_LOAD_QUANT_PER_CALL and tml_op_t.quant_channels), sets
 *    op->scratch_size (from the kernel's *_get_buffer_size()) and op->macs.
 *    It must never write tensor data: the arena does not exist yet.
 *  - eval() runs in every tml_model_invoke(). It allocates nothing and calls
 *    the kernels from tml_kernels.h with tensor data pointers.
 */
#ifndef TML_OP_H
#define TML_OP_H

#include <stdbool.h>
#include "tml_core.h"
#include "tml_fb.h"

typedef struct tml_op tml_op_t;
typedef tml_status_t (*tml_prepare_fn)(tml_model_t *m, tml_op_t *op, tml_error_t *err);
typedef tml_status_t (*tml_eval_fn)(tml_model_t *m, tml_op_t *op);
/* Stateful operators: restart the state prepare allocated (tml_model_reset). */
typedef void (*tml_reset_fn)(tml_op_t *op);

#define TML_NO_ROW 0xffff
/* op->row of a PAD the loader folded into the convolution it feeds: not prepared, does nothing */
#define TML_FOLDED_ROW 0xfffe
/* Matches any type in tml_op_impl_t.type. */
#define TML_ANY_TYPE 0xff

/* One row of the operator registry (tml_ops.c): an implementation of a builtin
 * operator (or of a custom one, by name) for one type of its first input. The
 * loader picks the row by (operator, type of input 0) and calls prepare, which
 * may replace op->eval by a variant it chose (e.g. per output type). */
struct tml_rows_impl;
typedef struct {
    int16_t builtin;      /* TFLite BuiltinOperator code; TML_OP_CUSTOM for custom ops */
    uint8_t type;         /* tml_type_t of input 0 this row runs, or TML_ANY_TYPE */
    const char *custom;   /* custom ops: their custom_code; NULL for builtins */
    tml_prepare_fn prepare;
    tml_eval_fn eval;
    tml_reset_fn reset;   /* NULL unless the operator keeps state in op->data */
    const struct tml_rows_impl *rows; /* row-local implementation (tml_rows.h), or NULL */
    uint8_t inplace;      /* TML_INPLACE_* (tml_rows.h): how the output may share input 0's bytes */
} tml_op_impl_t;

struct tml_op {
    tml_eval_fn eval;       /* the implementation's eval (prepare may replace it) */
    void *data;             /* op-private persistent data set by prepare */
    void *scratch;          /* valid during eval when scratch_size > 0 (before the arena is bound: its
                             * arena offset, see tml_model_set_arena) */
    int16_t *inputs;        /* tensor indices, then the outputs'; -1 = optional input absent */
    uint32_t options_pos;   /* builtin_options table in the model (0 if absent): read it through TML_OPTIONS */
    int32_t scratch_size;   /* set by prepare: bytes of scratch for eval */
    uint32_t macs;          /* set by prepare (0 for data movement ops) */
    int16_t builtin;        /* BuiltinOperator code (-1: out of range, unsupported) */
    uint16_t index;         /* position in the graph */
    uint16_t row;           /* registry row (tml_op_row); TML_NO_ROW: unsupported (inspect mode) */
    uint8_t n_inputs;
    uint8_t n_outputs;
    uint8_t options_type;   /* BuiltinOptions union type (0 = none) */
    uint8_t kernel;         /* 0: one kernel for the op; else 1 + the tml_kernel_t its prepare selected */
    uint16_t quant_channels; /* 0, or the channels whose multipliers and shifts each eval computes into
                              * 8 * quant_channels bytes of its scratch (TML_LOAD_QUANT_PER_CALL) */
};

/* The builtin_options table of op in model m (a const tml_fb_table_t *, valid in the enclosing block):
 * a position is all the op record keeps of it (the table's model is m's). */
#define TML_OPTIONS(m, op) ((const tml_fb_table_t *)&(tml_fb_table_t){&(m)->fb, (op)->options_pos})

/* Output k of op is OUTS(op)[k]: outputs follow the inputs in op->inputs. */
#define OUTS(op) ((op)->inputs + (op)->n_inputs)

/* Record the load-time kernel choice (tml_kernel_t, kernels/tml_kernels.h)
 * prepare made for op (tml_model_op_kernel reports it). */
static inline void tml_op_set_kernel(tml_op_t *op, int32_t kernel) {
    op->kernel = (uint8_t)(kernel + 1);
}

/* Input/output tensor k of op, or NULL if k is out of range or optional-absent. */
tml_tensor_t *tml_op_input(tml_model_t *m, const tml_op_t *op, int k);
tml_tensor_t *tml_op_output(tml_model_t *m, const tml_op_t *op, int k);

/* The operator's custom_options bytes (custom operators' FlexBuffer options):
 * *len 0 if it has none. False if the field is malformed. */
bool tml_op_custom_options(const tml_model_t *m, const tml_op_t *op, const uint8_t **data, uint32_t *len);

/* The PAD the loader folded into this convolution (its input is then the PAD's input): pad[4] =
 * rows before, after, columns before, after; all 0 if none. */
void tml_op_folded_pad(const tml_model_t *m, const tml_op_t *op, int32_t pad[4]);

/* Persistent memory for op data, zeroed, aligned to 8. NULL on failure (then
 * return TML_ERR_NO_MEMORY; the loader already filled err). */
void *tml_persistent_alloc(tml_model_t *m, size_t size, tml_error_t *err);
/* Of the op data allocated so far, count `bytes` in `category` instead (TML_META_QUANT,
 * TML_META_KERNEL_SUMS: the parts of a block that are multipliers and shifts, or kernel sums). */
void tml_meta_move(tml_model_t *m, int category, size_t bytes);

/* Make output tensor `out` share the bytes of input tensor `in` (no copy). Only
 * for ops whose output bytes are exactly the input bytes (RESHAPE, SQUEEZE). */
tml_status_t tml_alias_tensor(tml_model_t *m, tml_op_t *op, int out, int in, tml_error_t *err);

/* Quantization parameters read from the model. Channel i in [0, n). */
int tml_tensor_num_scales(const tml_model_t *m, const tml_tensor_t *t);
float tml_tensor_scale_at(const tml_model_t *m, const tml_tensor_t *t, int i);
/* The scales vector itself, in the model bytes (read with tml_fb_vec_f32); false (len 0) if none. */
bool tml_tensor_scales(const tml_model_t *m, const tml_tensor_t *t, tml_fb_vec_t *v);
int32_t tml_tensor_zero_point_at(const tml_model_t *m, const tml_tensor_t *t, int i);
int tml_tensor_quantized_dimension(const tml_model_t *m, const tml_tensor_t *t);

/* Number of elements. */
int32_t tml_tensor_elements(const tml_tensor_t *t);

/* Format an error "operator <index> '<NAME>': <fmt...>" into err; returns status.
 * fmt supports %d %u %ld %lu %s %c %% and %g-lite (%f: 6 significant digits). */
tml_status_t tml_op_fail(tml_error_t *err, tml_status_t status, const tml_op_t *op, const char *fmt, ...);
/* Same without the operator prefix. */
tml_status_t tml_fail(tml_error_t *err, tml_status_t status, const char *fmt, ...);

/* Common checks; each formats an op-prefixed error and returns its status. */
tml_status_t tml_check_io_count(tml_error_t *err, const tml_op_t *op, int min_in, int max_in, int n_out);
tml_status_t tml_check_type(tml_error_t *err, const tml_op_t *op, const tml_tensor_t *t, const char *what, int type);
/* An int8 tensor's quantization: scale > 0 and zero point in [-128, 127]. */
tml_status_t tml_check_q8(tml_error_t *err, const tml_op_t *op, const tml_tensor_t *t, const char *what);
/* A per-channel weight tensor's quantized_dimension must index a dimension of
 * `channels` entries (TFLM's PopulateConvolutionQuantizationParams). */
tml_status_t tml_check_channel_dim(const tml_model_t *m, tml_error_t *err, const tml_op_t *op, const tml_tensor_t *t,
    const char *what, int32_t channels);
/* Output's declared shape must be exactly dims[0..n). */
tml_status_t tml_check_shape(tml_error_t *err, const tml_op_t *op, const tml_tensor_t *t, const char *what,
    const int32_t *dims, int n);

/* Fused activation (ActivationFunctionType) to an int8 [min,max] clamp range
 * for output scale/zero point, exactly as TFLM's CalculateActivationRangeQuantized.
 * Returns false for unsupported activations (TANH, SIGN_BIT). */
bool tml_activation_range_s8(int activation, float scale, int32_t zero_point, int32_t *act_min, int32_t *act_max);
/* The same for an output of range [qmin, qmax] (int8, int16). */
bool tml_activation_range_q(int activation, float scale, int32_t zero_point, int32_t qmin, int32_t qmax,
    int32_t *act_min, int32_t *act_max);
/* Fused activation to a float / int32 clamp range, as TFLM's
 * CalculateActivationRange<T> (NONE: the type's lowest and max). Returns false
 * for TANH and SIGN_BIT. */
bool tml_activation_range_f32(int activation, float *act_min, float *act_max);
bool tml_activation_range_s32(int activation, int32_t *act_min, int32_t *act_max);
/* tml_activation_range_q for an int16 output. */
bool tml_activation_range_s16(int activation, float scale, int32_t zero_point, int32_t *act_min, int32_t *act_max);

/* TFLite BuiltinOperator codes used here. */
enum {
    TML_OP_ADD = 0, TML_OP_AVERAGE_POOL_2D = 1, TML_OP_CONCATENATION = 2, TML_OP_CONV_2D = 3,
    TML_OP_DEPTHWISE_CONV_2D = 4, TML_OP_DEQUANTIZE = 6, TML_OP_FULLY_CONNECTED = 9,
    TML_OP_LOGISTIC = 14, TML_OP_MAX_POOL_2D = 17, TML_OP_MUL = 18, TML_OP_RELU = 19,
    TML_OP_RELU6 = 21, TML_OP_RESHAPE = 22, TML_OP_SOFTMAX = 25, TML_OP_TANH = 28,
    TML_OP_CUSTOM = 32, TML_OP_PAD = 34, TML_OP_MEAN = 40, TML_OP_SQUEEZE = 43,
    TML_OP_UNIDIRECTIONAL_SEQUENCE_LSTM = 44, TML_OP_QUANTIZE = 114,
    TML_OP_SVDF = 27, TML_OP_TRANSPOSE_CONV = 67, TML_OP_BATCH_MATMUL = 126,
};
/* ... elementwise arithmetic, math and activations */
enum {
    TML_OP_L2_NORMALIZATION = 11, TML_OP_SUB = 41, TML_OP_DIV = 42, TML_OP_EXP = 47, TML_OP_LOG_SOFTMAX = 50,
    TML_OP_PRELU = 54, TML_OP_MAXIMUM = 55, TML_OP_MINIMUM = 57, TML_OP_NEG = 59,
    TML_OP_LOG = 73, TML_OP_SQRT = 75, TML_OP_RSQRT = 76, TML_OP_SQUARE = 92, TML_OP_LEAKY_RELU = 98,
    TML_OP_SQUARED_DIFFERENCE = 99, TML_OP_ABS = 101, TML_OP_ELU = 111, TML_OP_HARD_SWISH = 117,
};
/* data movement, shape, resize and reduction operators */
enum {
    TML_OP_DEPTH_TO_SPACE = 5, TML_OP_RESIZE_BILINEAR = 23, TML_OP_SPACE_TO_DEPTH = 26, TML_OP_GATHER = 36,
    TML_OP_BATCH_TO_SPACE_ND = 37, TML_OP_SPACE_TO_BATCH_ND = 38, TML_OP_TRANSPOSE = 39,
    TML_OP_STRIDED_SLICE = 45, TML_OP_SPLIT = 49, TML_OP_CAST = 53, TML_OP_ARG_MAX = 56, TML_OP_PADV2 = 60,
    TML_OP_SLICE = 65, TML_OP_EXPAND_DIMS = 70, TML_OP_SUM = 74, TML_OP_SHAPE = 77, TML_OP_ARG_MIN = 79,
    TML_OP_REDUCE_MAX = 82, TML_OP_PACK = 83, TML_OP_UNPACK = 88, TML_OP_REDUCE_MIN = 89, TML_OP_ZEROS_LIKE = 93,
    TML_OP_FILL = 94, TML_OP_RESIZE_NEAREST_NEIGHBOR = 97, TML_OP_SPLIT_V = 102,
};

/* ActivationFunctionType */
enum { TML_ACT_NONE = 0, TML_ACT_RELU = 1, TML_ACT_RELU_N1_TO_1 = 2, TML_ACT_RELU6 = 3, TML_ACT_TANH = 4, TML_ACT_SIGN_BIT = 5 };
/* Padding */
enum { TML_PAD_SAME = 0, TML_PAD_VALID = 1 };

#endif

/*
 * tinyml core: the interface between the graph runtime and operator
 * implementations (tml_ops_*.c). Not part of the public API.
 *
 * Each operator provides prepare() and eval():
 *  - prepare() runs once in tml_model_load(). It validates input/output types
 *    and shapes (the output tensor's declared shape must equal what the op
 *    computes: kernels trust it), reads the builtin options, precomputes
 *    multipliers/shifts into persistent op data (tml_persistent_alloc), sets
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

typedef struct {
    int32_t builtin; /* TFLite BuiltinOperator code */
    tml_status_t (*prepare)(tml_model_t *m, tml_op_t *op, tml_error_t *err);
    tml_status_t (*eval)(tml_model_t *m, tml_op_t *op);
} tml_op_impl_t;

struct tml_op {
    const tml_op_impl_t *impl;
    void *data;             /* op-private persistent data set by prepare */
    void *scratch;          /* valid during eval when scratch_size > 0 */
    int16_t *inputs;        /* tensor indices, then the outputs'; -1 = optional input absent */
    tml_fb_table_t options; /* builtin_options table (options.pos == 0 if absent) */
    int32_t scratch_size;   /* set by prepare: bytes of scratch for eval */
    int32_t scratch_offset; /* planner */
    uint32_t macs;          /* set by prepare (0 for data movement ops) */
    int32_t builtin;        /* BuiltinOperator code */
    uint16_t index;         /* position in the graph */
    uint8_t n_inputs;
    uint8_t n_outputs;
    uint8_t options_type;   /* BuiltinOptions union type (0 = none) */
};

/* Input/output tensor k of op, or NULL if k is out of range or optional-absent. */
tml_tensor_t *tml_op_input(tml_model_t *m, const tml_op_t *op, int k);
tml_tensor_t *tml_op_output(tml_model_t *m, const tml_op_t *op, int k);

/* Persistent memory for op data, zeroed, aligned to 8. NULL on failure (then
 * return TML_ERR_NO_MEMORY; the loader already filled err). */
void *tml_persistent_alloc(tml_model_t *m, size_t size, tml_error_t *err);

/* Make output tensor `out` share the bytes of input tensor `in` (no copy). Only
 * for ops whose output bytes are exactly the input bytes (RESHAPE, SQUEEZE). */
tml_status_t tml_alias_tensor(tml_model_t *m, tml_op_t *op, int out, int in, tml_error_t *err);

/* Quantization parameters read from the model. Channel i in [0, n). */
int tml_tensor_num_scales(const tml_model_t *m, const tml_tensor_t *t);
float tml_tensor_scale_at(const tml_model_t *m, const tml_tensor_t *t, int i);
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
/* Output's declared shape must be exactly dims[0..n). */
tml_status_t tml_check_shape(tml_error_t *err, const tml_op_t *op, const tml_tensor_t *t, const char *what,
    const int32_t *dims, int n);

/* Fused activation (ActivationFunctionType) to an int8 [min,max] clamp range
 * for output scale/zero point, exactly as TFLM's CalculateActivationRangeQuantized.
 * Returns false for unsupported activations (TANH, SIGN_BIT). */
bool tml_activation_range_s8(int activation, float scale, int32_t zero_point, int32_t *act_min, int32_t *act_max);

/* Op tables; the registry in tml_ops.c lists them. */
extern const tml_op_impl_t tml_op_conv_2d, tml_op_depthwise_conv_2d, tml_op_fully_connected,
    tml_op_average_pool_2d, tml_op_max_pool_2d, tml_op_softmax, tml_op_add, tml_op_mul,
    tml_op_reshape, tml_op_squeeze, tml_op_logistic, tml_op_tanh, tml_op_relu, tml_op_relu6,
    tml_op_concatenation, tml_op_pad, tml_op_mean, tml_op_quantize, tml_op_dequantize,
    tml_op_unidirectional_sequence_lstm;

/* TFLite BuiltinOperator codes used here. */
enum {
    TML_OP_ADD = 0, TML_OP_AVERAGE_POOL_2D = 1, TML_OP_CONCATENATION = 2, TML_OP_CONV_2D = 3,
    TML_OP_DEPTHWISE_CONV_2D = 4, TML_OP_DEQUANTIZE = 6, TML_OP_FULLY_CONNECTED = 9,
    TML_OP_LOGISTIC = 14, TML_OP_MAX_POOL_2D = 17, TML_OP_MUL = 18, TML_OP_RELU = 19,
    TML_OP_RELU6 = 21, TML_OP_RESHAPE = 22, TML_OP_SOFTMAX = 25, TML_OP_TANH = 28,
    TML_OP_CUSTOM = 32, TML_OP_PAD = 34, TML_OP_MEAN = 40, TML_OP_SQUEEZE = 43,
    TML_OP_UNIDIRECTIONAL_SEQUENCE_LSTM = 44, TML_OP_QUANTIZE = 114,
};

/* ActivationFunctionType */
enum { TML_ACT_NONE = 0, TML_ACT_RELU = 1, TML_ACT_RELU_N1_TO_1 = 2, TML_ACT_RELU6 = 3, TML_ACT_TANH = 4, TML_ACT_SIGN_BIT = 5 };
/* Padding */
enum { TML_PAD_SAME = 0, TML_PAD_VALID = 1 };

#endif

/*
 * tinyml core: declarations shared by the loader (tml_loader.c), the planner
 * (tml_planner.c), the interpreter (tml_interp.c) and the operator helpers
 * (tml_op.c): the schema's field indices, the registry, messages. Layers, top
 * down: loader -> planner -> tml_mem.h / tml_op.h (memory, messages, tensor
 * accessors); nothing calls back up. Not part of the public API.
 */
#ifndef TML_INTERNAL_H
#define TML_INTERNAL_H

#include "tml_op.h"

/* Schema field indices (tensorflow/lite/schema/schema.fbs). */
enum { MODEL_VERSION = 0, MODEL_OPCODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4 };
enum { OPCODE_DEPRECATED = 0, OPCODE_CUSTOM = 1, OPCODE_VERSION = 2, OPCODE_BUILTIN = 3 };
enum { SG_TENSORS = 0, SG_INPUTS = 1, SG_OUTPUTS = 2, SG_OPERATORS = 3 };
enum { T_SHAPE = 0, T_TYPE = 1, T_BUFFER = 2, T_NAME = 3, T_QUANT = 4, T_IS_VARIABLE = 5, T_SPARSITY = 6 };
enum { Q_SCALE = 2, Q_ZERO_POINT = 3, Q_DETAILS_TYPE = 4, Q_QDIM = 6 };
enum { OP_OPCODE = 0, OP_INPUTS = 1, OP_OUTPUTS = 2, OP_OPTIONS_TYPE = 3, OP_OPTIONS = 4, OP_CUSTOM_OPTIONS = 5 };
enum { BUF_DATA = 0, BUF_OFFSET = 1, BUF_SIZE = 2 };

#define TML_MAX_TENSORS 32767
#define TML_MAX_OPS 32767
#define TML_MAX_OP_IO 64

/* "invalid model: ..." into err; returns TML_ERR_INVALID_MODEL. */
tml_status_t tml_invalid(tml_error_t *err, const char *fmt, ...);
/* Tensor `index`'s flatbuffer table. */
bool tml_tensor_table(const tml_model_t *m, int index, tml_fb_table_t *out);

/* The index of the registry row running builtin (custom: by name) for input
 * type `type`, or TML_NO_ROW; *known says whether the operator has rows for
 * other types. */
int tml_op_find(int32_t builtin, const char *custom, size_t custom_len, int type, bool *known);
/* Registry row `row` (from tml_op_find). */
const tml_op_impl_t *tml_op_row(int row);
/* The input types the registry runs the operator for (at most max). */
int tml_op_types(int32_t builtin, const char *custom, size_t custom_len, uint8_t *types, int max);

#endif

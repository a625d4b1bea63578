/*
 * tinyml core: every operator implementation, by family: the prepare and eval
 * functions the registry (tml_ops.c) lists. An operator NAME lives in
 * tml_ops_<family>.c under the functions tml_<name>_prepare / tml_<name>_eval*
 * (lower case); the registry row says which file.
 */
#ifndef TML_OPS_H
#define TML_OPS_H

#include "tml_op.h"

#define TML_OP_FUNCS(name) \
    tml_status_t tml_##name##_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err); \
    tml_status_t tml_##name##_eval(tml_model_t *m, tml_op_t *op)

/* tml_ops_conv.c */
TML_OP_FUNCS(conv_2d);
TML_OP_FUNCS(depthwise_conv_2d);
TML_OP_FUNCS(conv_2d_s16);
TML_OP_FUNCS(depthwise_conv_2d_s16);
TML_OP_FUNCS(transpose_conv);
TML_OP_FUNCS(conv_2d_f32);
TML_OP_FUNCS(depthwise_conv_2d_f32);
/* tml_ops_fc.c */
TML_OP_FUNCS(fully_connected);
TML_OP_FUNCS(fully_connected_s16);
TML_OP_FUNCS(fully_connected_f32);
/* tml_ops_pool.c */
TML_OP_FUNCS(average_pool_2d);
TML_OP_FUNCS(max_pool_2d);
TML_OP_FUNCS(average_pool_2d_s16);
TML_OP_FUNCS(max_pool_2d_s16);
TML_OP_FUNCS(average_pool_2d_f32);
TML_OP_FUNCS(max_pool_2d_f32);
/* tml_ops_softmax.c */
TML_OP_FUNCS(softmax);
/* tml_ops_elementwise.c */
TML_OP_FUNCS(add);
TML_OP_FUNCS(mul);
/* tml_ops_activation.c */
TML_OP_FUNCS(logistic);
TML_OP_FUNCS(tanh);
TML_OP_FUNCS(relu);
TML_OP_FUNCS(relu6);
/* tml_ops_shape.c: the output aliases the input (tml_alias_eval does nothing) */
tml_status_t tml_reshape_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err);
tml_status_t tml_squeeze_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err);
tml_status_t tml_alias_eval(tml_model_t *m, tml_op_t *op);
/* tml_ops_data.c */
TML_OP_FUNCS(concatenation);
TML_OP_FUNCS(pad);
/* tml_ops_reduce.c */
TML_OP_FUNCS(mean);
/* tml_ops_quantize.c */
TML_OP_FUNCS(quantize);
TML_OP_FUNCS(dequantize);
/* tml_ops_lstm.c */
TML_OP_FUNCS(unidirectional_sequence_lstm);
/* tml_ops_svdf.c */
TML_OP_FUNCS(svdf);
TML_OP_FUNCS(svdf_f32);
/* tml_ops_matmul.c */
TML_OP_FUNCS(batch_matmul);
TML_OP_FUNCS(batch_matmul_s16);
TML_OP_FUNCS(batch_matmul_f32);

#endif

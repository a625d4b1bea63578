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
/* tml_ops_fc.c */
TML_OP_FUNCS(fully_connected);
/* tml_ops_pool.c */
TML_OP_FUNCS(average_pool_2d);
TML_OP_FUNCS(max_pool_2d);
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
/* tml_ops_reduce.c (float32 rows run the *_eval_f32 variants) */
TML_OP_FUNCS(mean);
tml_status_t tml_mean_eval_f32(tml_model_t *m, tml_op_t *op);
TML_OP_FUNCS(sum);
tml_status_t tml_sum_eval_f32(tml_model_t *m, tml_op_t *op);
TML_OP_FUNCS(reduce_max);
TML_OP_FUNCS(reduce_min);
TML_OP_FUNCS(arg_max);
TML_OP_FUNCS(arg_min);
/* tml_ops_data.c (continued) */
TML_OP_FUNCS(transpose);
TML_OP_FUNCS(pack);
TML_OP_FUNCS(unpack);
TML_OP_FUNCS(split);
TML_OP_FUNCS(split_v);
/* tml_ops_slice.c */
TML_OP_FUNCS(strided_slice);
TML_OP_FUNCS(slice);
TML_OP_FUNCS(gather);
/* tml_ops_space.c */
TML_OP_FUNCS(batch_to_space_nd);
TML_OP_FUNCS(space_to_batch_nd);
TML_OP_FUNCS(depth_to_space);
TML_OP_FUNCS(space_to_depth);
/* tml_ops_resize.c */
TML_OP_FUNCS(resize_nearest_neighbor);
TML_OP_FUNCS(resize_bilinear);
/* tml_ops_shape.c (continued; EXPAND_DIMS aliases: its rows run tml_alias_eval) */
tml_status_t tml_expand_dims_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err);
TML_OP_FUNCS(shape);
TML_OP_FUNCS(fill);
TML_OP_FUNCS(zeros_like);
/* tml_ops_cast.c */
TML_OP_FUNCS(cast);
/* tml_ops_quantize.c */
TML_OP_FUNCS(quantize);
TML_OP_FUNCS(dequantize);
/* tml_ops_lstm.c */
TML_OP_FUNCS(unidirectional_sequence_lstm);

#endif

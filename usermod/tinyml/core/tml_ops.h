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
/* An eval variant (one per input type) of an operator's prepare. */
#define TML_OP_EVAL(fn) tml_status_t fn(tml_model_t *m, tml_op_t *op)
/* tml_ops_softmax.c */
TML_OP_FUNCS(softmax);
tml_status_t tml_softmax_prepare_s16(tml_model_t *m, tml_op_t *op, tml_error_t *err);
tml_status_t tml_softmax_prepare_f32(tml_model_t *m, tml_op_t *op, tml_error_t *err);
TML_OP_EVAL(tml_softmax_eval_s16);
TML_OP_EVAL(tml_softmax_eval_f32);
TML_OP_FUNCS(log_softmax);
TML_OP_EVAL(tml_log_softmax_eval_f32);
/* tml_ops_elementwise.c: tml_<op>_eval runs int8, tml_<op>_eval_<type> the others */
TML_OP_FUNCS(add);
TML_OP_EVAL(tml_add_eval_s16);
TML_OP_EVAL(tml_add_eval_s32);
TML_OP_EVAL(tml_add_eval_f32);
TML_OP_FUNCS(sub);
TML_OP_EVAL(tml_sub_eval_s16);
TML_OP_EVAL(tml_sub_eval_s32);
TML_OP_EVAL(tml_sub_eval_f32);
TML_OP_FUNCS(mul);
TML_OP_EVAL(tml_mul_eval_s16);
TML_OP_EVAL(tml_mul_eval_s32);
TML_OP_EVAL(tml_mul_eval_f32);
TML_OP_FUNCS(div);
TML_OP_EVAL(tml_div_eval_s32);
TML_OP_EVAL(tml_div_eval_f32);
TML_OP_FUNCS(maximum);
TML_OP_EVAL(tml_maximum_eval_s16);
TML_OP_EVAL(tml_maximum_eval_s32);
TML_OP_EVAL(tml_maximum_eval_s64);
TML_OP_EVAL(tml_maximum_eval_f32);
TML_OP_FUNCS(minimum);
TML_OP_EVAL(tml_minimum_eval_s16);
TML_OP_EVAL(tml_minimum_eval_s32);
TML_OP_EVAL(tml_minimum_eval_s64);
TML_OP_EVAL(tml_minimum_eval_f32);
TML_OP_FUNCS(squared_difference);
TML_OP_EVAL(tml_squared_difference_eval_s16);
TML_OP_EVAL(tml_squared_difference_eval_s32);
TML_OP_EVAL(tml_squared_difference_eval_f32);
TML_OP_FUNCS(prelu);
TML_OP_EVAL(tml_prelu_eval_s16);
TML_OP_EVAL(tml_prelu_eval_f32);
/* tml_ops_activation.c */
TML_OP_FUNCS(logistic);
TML_OP_EVAL(tml_logistic_eval_s16);
TML_OP_EVAL(tml_logistic_eval_f32);
TML_OP_FUNCS(tanh);
TML_OP_EVAL(tml_tanh_eval_s16);
TML_OP_EVAL(tml_tanh_eval_f32);
TML_OP_FUNCS(relu);
TML_OP_EVAL(tml_relu_eval_s16);
TML_OP_EVAL(tml_relu_eval_f32);
TML_OP_FUNCS(relu6);
TML_OP_EVAL(tml_relu6_eval_s16);
TML_OP_EVAL(tml_relu6_eval_f32);
TML_OP_FUNCS(leaky_relu);
TML_OP_EVAL(tml_leaky_relu_eval_s16);
TML_OP_EVAL(tml_leaky_relu_eval_f32);
TML_OP_FUNCS(hard_swish);
TML_OP_EVAL(tml_hard_swish_eval_f32);
TML_OP_FUNCS(elu);
TML_OP_EVAL(tml_elu_eval_f32);
/* tml_ops_math.c */
TML_OP_FUNCS(abs);
TML_OP_EVAL(tml_abs_eval_s16);
TML_OP_EVAL(tml_abs_eval_f32);
TML_OP_FUNCS(rsqrt);
TML_OP_EVAL(tml_rsqrt_eval_f32);
TML_OP_FUNCS(l2_normalization);
TML_OP_EVAL(tml_l2_normalization_eval_f32);
TML_OP_FUNCS(exp);
TML_OP_FUNCS(log);
TML_OP_FUNCS(neg);
TML_OP_FUNCS(sqrt);
TML_OP_FUNCS(square);
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
tml_status_t tml_unidirectional_sequence_lstm_eval_f32(tml_model_t *m, tml_op_t *op);
/* tml_ops_svdf.c */
TML_OP_FUNCS(svdf);
TML_OP_FUNCS(svdf_f32);
/* tml_ops_matmul.c */
TML_OP_FUNCS(batch_matmul);
TML_OP_FUNCS(batch_matmul_s16);
TML_OP_FUNCS(batch_matmul_f32);

/* tml_ops_signal.c: the TFLM signal library's custom operators */
TML_OP_FUNCS(signal_window);
TML_OP_FUNCS(signal_fft_auto_scale);
TML_OP_FUNCS(signal_rfft);
TML_OP_EVAL(tml_signal_rfft_eval_s32);
TML_OP_EVAL(tml_signal_rfft_eval_f32);
TML_OP_FUNCS(signal_irfft);
TML_OP_EVAL(tml_signal_irfft_eval_s32);
TML_OP_EVAL(tml_signal_irfft_eval_f32);
TML_OP_FUNCS(signal_energy);
TML_OP_FUNCS(signal_filter_bank);
TML_OP_FUNCS(signal_filter_bank_square_root);
TML_OP_FUNCS(signal_filter_bank_spectral_subtraction);
TML_OP_FUNCS(signal_pcan);
TML_OP_FUNCS(signal_filter_bank_log);
TML_OP_FUNCS(signal_delay);
TML_OP_FUNCS(signal_framer);
TML_OP_FUNCS(signal_overlap_add);
TML_OP_EVAL(tml_signal_overlap_add_eval_f32);
TML_OP_FUNCS(signal_stacker);
void tml_signal_spectral_reset(tml_op_t *op);
void tml_signal_delay_reset(tml_op_t *op);
void tml_signal_framer_reset(tml_op_t *op);
void tml_signal_overlap_reset(tml_op_t *op);
void tml_signal_stacker_reset(tml_op_t *op);

/* row-local implementations (tml_rows.h) */
struct tml_rows_impl;
extern const struct tml_rows_impl tml_conv_2d_rows;
extern const struct tml_rows_impl tml_depthwise_conv_2d_rows;
extern const struct tml_rows_impl tml_average_pool_2d_rows;
extern const struct tml_rows_impl tml_max_pool_2d_rows;
extern const struct tml_rows_impl tml_add_rows;

#endif

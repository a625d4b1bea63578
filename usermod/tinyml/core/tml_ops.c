/*
 * tinyml core: the operator registry, the one table of what this build runs.
 *
 * A row is (operator, type of its first input, prepare, eval); see
 * tml_op_impl_t. Rows are grouped by the file that implements them. Groups of
 * rows can be left out of a build to save flash (-DTML_OPS_<GROUP>=0; the
 * firmware's TINYML_OPS_EXCLUDE="int16 float ...", see README): their kernels
 * are then unreferenced and dropped by the linker (--gc-sections). The int8
 * operators of the first release are always in.
 *   INT16   int16 activations with int8 weights (16x8)
 *   FLOAT   float32 kernels
 *   MATH    elementwise math and activations beyond ADD/MUL/RELU/LOGISTIC/TANH
 *   DATA    data movement and shape operators beyond RESHAPE/SQUEEZE/CONCAT/PAD
 *   RNN     SVDF (UNIDIRECTIONAL_SEQUENCE_LSTM int8 is always in)
 *   SIGNAL  the TFLM signal library (audio front-end custom operators)
 *   INT4    packed int4 weights of CONV_2D, DEPTHWISE_CONV_2D and
 *           FULLY_CONNECTED (tml_ops_conv.c, tml_ops_fc.c test it: no row of
 *           its own, the int8 rows' prepare picks the int4 kernels)
 */
#include <string.h>
#include "tml_ops.h"
#include "tml_rows.h"

#ifndef TML_OPS_INT16
#define TML_OPS_INT16 1
#endif
#ifndef TML_OPS_FLOAT
#define TML_OPS_FLOAT 1
#endif
#ifndef TML_OPS_MATH
#define TML_OPS_MATH 1
#endif
#ifndef TML_OPS_DATA
#define TML_OPS_DATA 1
#endif
#ifndef TML_OPS_RNN
#define TML_OPS_RNN 1
#endif
#ifndef TML_OPS_SIGNAL
#define TML_OPS_SIGNAL 1
#endif

#define ROW(op, type, name) { TML_OP_##op, type, NULL, tml_##name##_prepare, tml_##name##_eval, NULL, NULL, 0 }
/* a row whose eval is not tml_<name>_eval (e.g. one per type) */
#define ROW_EVAL(op, type, name, eval) { TML_OP_##op, type, NULL, tml_##name##_prepare, eval, NULL, NULL, 0 }
/* a row with its own prepare and eval */
#define ROW_FN(op, type, prepare, eval) { TML_OP_##op, type, NULL, prepare, eval, NULL, NULL, 0 }
/* a row with a row-local implementation (tml_rows.h) and an in-place mode */
#ifndef TML_PLAN_ROWS
#define TML_PLAN_ROWS 1
#endif
#if TML_PLAN_ROWS
#define ROW_ROWS(op, type, name, rows, inplace) \
    { TML_OP_##op, type, NULL, tml_##name##_prepare, tml_##name##_eval, NULL, rows, inplace }
#else /* in-place and band-by-band execution left out (tml_planner.c): no row-local implementations */
#define ROW_ROWS(op, type, name, rows, inplace) \
    { TML_OP_##op, type, NULL, tml_##name##_prepare, tml_##name##_eval, NULL, NULL, 0 }
#endif
/* a custom operator, by its custom_code */
#define CUSTOM_ROW(custom, type, name) { TML_OP_CUSTOM, type, custom, tml_##name##_prepare, tml_##name##_eval, NULL, NULL, 0 }
/* a stateful custom operator: tml_model_reset calls reset */
#define CUSTOM_ROW_STATE(custom, type, name, reset) \
    { TML_OP_CUSTOM, type, custom, tml_##name##_prepare, tml_##name##_eval, reset, NULL, 0 }

static const tml_op_impl_t registry[] = {
    /* tml_ops_conv.c */
    ROW_ROWS(CONV_2D, TML_INT8, conv_2d, &tml_conv_2d_rows, TML_INPLACE_NONE),
    ROW_ROWS(DEPTHWISE_CONV_2D, TML_INT8, depthwise_conv_2d, &tml_depthwise_conv_2d_rows, TML_INPLACE_NONE),
    /* tml_ops_fc.c */
    ROW(FULLY_CONNECTED, TML_INT8, fully_connected),
    /* tml_ops_pool.c */
    ROW_ROWS(AVERAGE_POOL_2D, TML_INT8, average_pool_2d, &tml_average_pool_2d_rows, TML_INPLACE_NONE),
    ROW_ROWS(MAX_POOL_2D, TML_INT8, max_pool_2d, &tml_max_pool_2d_rows, TML_INPLACE_NONE),
    /* tml_ops_softmax.c */
    ROW(SOFTMAX, TML_INT8, softmax),
    /* tml_ops_elementwise.c */
    ROW_ROWS(ADD, TML_INT8, add, &tml_add_rows, TML_INPLACE_SAME),
    ROW_ROWS(MUL, TML_INT8, mul, NULL, TML_INPLACE_SAME),
    /* tml_ops_activation.c */
    ROW(LOGISTIC, TML_INT8, logistic),
    ROW(TANH, TML_INT8, tanh),
    ROW(RELU, TML_INT8, relu),
    ROW(RELU6, TML_INT8, relu6),
    /* tml_ops_shape.c */
    { TML_OP_RESHAPE, TML_ANY_TYPE, NULL, tml_reshape_prepare, tml_alias_eval, NULL, NULL, 0 },
    { TML_OP_SQUEEZE, TML_ANY_TYPE, NULL, tml_squeeze_prepare, tml_alias_eval, NULL, NULL, 0 },
    /* tml_ops_data.c */
    ROW(CONCATENATION, TML_ANY_TYPE, concatenation),
    ROW(PAD, TML_ANY_TYPE, pad),
    /* tml_ops_reduce.c */
    ROW(MEAN, TML_INT8, mean),
    /* tml_ops_quantize.c */
    ROW_ROWS(QUANTIZE, TML_FLOAT32, quantize, NULL, TML_INPLACE_RESIZE),
    ROW_ROWS(QUANTIZE, TML_INT8, quantize, NULL, TML_INPLACE_RESIZE),
    ROW_ROWS(QUANTIZE, TML_UINT8, quantize, NULL, TML_INPLACE_RESIZE),
    ROW_ROWS(QUANTIZE, TML_INT16, quantize, NULL, TML_INPLACE_RESIZE),
    ROW_ROWS(QUANTIZE, TML_INT32, quantize, NULL, TML_INPLACE_RESIZE),
    ROW_ROWS(DEQUANTIZE, TML_INT8, dequantize, NULL, TML_INPLACE_RESIZE),
    ROW_ROWS(DEQUANTIZE, TML_UINT8, dequantize, NULL, TML_INPLACE_RESIZE),
    ROW_ROWS(DEQUANTIZE, TML_INT16, dequantize, NULL, TML_INPLACE_RESIZE),
    /* tml_ops_lstm.c */
    ROW(UNIDIRECTIONAL_SEQUENCE_LSTM, TML_INT8, unidirectional_sequence_lstm),
#if TML_OPS_FLOAT
    ROW_EVAL(UNIDIRECTIONAL_SEQUENCE_LSTM, TML_FLOAT32, unidirectional_sequence_lstm,
        tml_unidirectional_sequence_lstm_eval_f32),
#endif
    /* tml_ops_conv.c: TRANSPOSE_CONV's input 0 is the int32 output shape; its
     * prepare picks the int8 / int16 (TML_OPS_INT16) / float32 (TML_OPS_FLOAT)
     * kernel from the data input's type */
    ROW(TRANSPOSE_CONV, TML_INT32, transpose_conv),
    /* tml_ops_matmul.c */
    ROW(BATCH_MATMUL, TML_INT8, batch_matmul),
#if TML_OPS_INT16
    /* tml_ops_conv.c */
    ROW(CONV_2D, TML_INT16, conv_2d_s16),
    ROW(DEPTHWISE_CONV_2D, TML_INT16, depthwise_conv_2d_s16),
    /* tml_ops_fc.c */
    ROW(FULLY_CONNECTED, TML_INT16, fully_connected_s16),
    /* tml_ops_pool.c */
    ROW(AVERAGE_POOL_2D, TML_INT16, average_pool_2d_s16),
    ROW(MAX_POOL_2D, TML_INT16, max_pool_2d_s16),
    /* tml_ops_matmul.c */
    ROW(BATCH_MATMUL, TML_INT16, batch_matmul_s16),
#endif
#if TML_OPS_FLOAT
    /* tml_ops_conv.c */
    ROW(CONV_2D, TML_FLOAT32, conv_2d_f32),
    ROW(DEPTHWISE_CONV_2D, TML_FLOAT32, depthwise_conv_2d_f32),
    /* tml_ops_fc.c */
    ROW(FULLY_CONNECTED, TML_FLOAT32, fully_connected_f32),
    /* tml_ops_pool.c */
    ROW(AVERAGE_POOL_2D, TML_FLOAT32, average_pool_2d_f32),
    ROW(MAX_POOL_2D, TML_FLOAT32, max_pool_2d_f32),
    /* tml_ops_matmul.c */
    ROW(BATCH_MATMUL, TML_FLOAT32, batch_matmul_f32),
#endif
#if TML_OPS_RNN
    /* tml_ops_svdf.c */
    ROW(SVDF, TML_INT8, svdf),
#if TML_OPS_FLOAT
    ROW(SVDF, TML_FLOAT32, svdf_f32),
#endif
#endif
#if TML_OPS_MATH
    /* tml_ops_elementwise.c */
    ROW_EVAL(ADD, TML_INT32, add, tml_add_eval_s32),
    ROW(SUB, TML_INT8, sub),
    ROW_EVAL(SUB, TML_INT32, sub, tml_sub_eval_s32),
    ROW_EVAL(MUL, TML_INT32, mul, tml_mul_eval_s32),
    ROW(DIV, TML_INT8, div),
    ROW_EVAL(DIV, TML_INT32, div, tml_div_eval_s32),
    ROW(MAXIMUM, TML_INT8, maximum),
    ROW_EVAL(MAXIMUM, TML_INT32, maximum, tml_maximum_eval_s32),
    ROW_EVAL(MAXIMUM, TML_INT64, maximum, tml_maximum_eval_s64),
    ROW(MINIMUM, TML_INT8, minimum),
    ROW_EVAL(MINIMUM, TML_INT32, minimum, tml_minimum_eval_s32),
    ROW_EVAL(MINIMUM, TML_INT64, minimum, tml_minimum_eval_s64),
    ROW(SQUARED_DIFFERENCE, TML_INT8, squared_difference),
    ROW_EVAL(SQUARED_DIFFERENCE, TML_INT32, squared_difference, tml_squared_difference_eval_s32),
    ROW(PRELU, TML_INT8, prelu),
    /* tml_ops_activation.c */
    ROW(LEAKY_RELU, TML_INT8, leaky_relu),
    ROW(HARD_SWISH, TML_INT8, hard_swish),
    ROW(ELU, TML_INT8, elu),
    /* tml_ops_math.c */
    ROW(ABS, TML_INT8, abs),
    ROW(RSQRT, TML_INT8, rsqrt),
    ROW(L2_NORMALIZATION, TML_INT8, l2_normalization),
    /* tml_ops_softmax.c */
    ROW(LOG_SOFTMAX, TML_INT8, log_softmax),
#endif
#if TML_OPS_INT16
    /* tml_ops_elementwise.c */
    ROW_EVAL(ADD, TML_INT16, add, tml_add_eval_s16),
    ROW_EVAL(SUB, TML_INT16, sub, tml_sub_eval_s16),
    ROW_EVAL(MUL, TML_INT16, mul, tml_mul_eval_s16),
    ROW_EVAL(MAXIMUM, TML_INT16, maximum, tml_maximum_eval_s16),
    ROW_EVAL(MINIMUM, TML_INT16, minimum, tml_minimum_eval_s16),
    ROW_EVAL(SQUARED_DIFFERENCE, TML_INT16, squared_difference, tml_squared_difference_eval_s16),
    ROW_EVAL(PRELU, TML_INT16, prelu, tml_prelu_eval_s16),
    /* tml_ops_activation.c */
    ROW_EVAL(LOGISTIC, TML_INT16, logistic, tml_logistic_eval_s16),
    ROW_EVAL(TANH, TML_INT16, tanh, tml_tanh_eval_s16),
    ROW_EVAL(RELU, TML_INT16, relu, tml_relu_eval_s16),
    ROW_EVAL(RELU6, TML_INT16, relu6, tml_relu6_eval_s16),
    ROW_EVAL(LEAKY_RELU, TML_INT16, leaky_relu, tml_leaky_relu_eval_s16),
    /* tml_ops_math.c */
    ROW_EVAL(ABS, TML_INT16, abs, tml_abs_eval_s16),
    /* tml_ops_softmax.c */
    ROW_FN(SOFTMAX, TML_INT16, tml_softmax_prepare_s16, tml_softmax_eval_s16),
#endif
#if TML_OPS_FLOAT
    /* tml_ops_elementwise.c */
    ROW_EVAL(ADD, TML_FLOAT32, add, tml_add_eval_f32),
    ROW_EVAL(SUB, TML_FLOAT32, sub, tml_sub_eval_f32),
    ROW_EVAL(MUL, TML_FLOAT32, mul, tml_mul_eval_f32),
    ROW_EVAL(DIV, TML_FLOAT32, div, tml_div_eval_f32),
    ROW_EVAL(MAXIMUM, TML_FLOAT32, maximum, tml_maximum_eval_f32),
    ROW_EVAL(MINIMUM, TML_FLOAT32, minimum, tml_minimum_eval_f32),
    ROW_EVAL(SQUARED_DIFFERENCE, TML_FLOAT32, squared_difference, tml_squared_difference_eval_f32),
    ROW_EVAL(PRELU, TML_FLOAT32, prelu, tml_prelu_eval_f32),
    /* tml_ops_activation.c */
    ROW_EVAL(LOGISTIC, TML_FLOAT32, logistic, tml_logistic_eval_f32),
    ROW_EVAL(TANH, TML_FLOAT32, tanh, tml_tanh_eval_f32),
    ROW_EVAL(RELU, TML_FLOAT32, relu, tml_relu_eval_f32),
    ROW_EVAL(RELU6, TML_FLOAT32, relu6, tml_relu6_eval_f32),
    ROW_EVAL(LEAKY_RELU, TML_FLOAT32, leaky_relu, tml_leaky_relu_eval_f32),
    ROW_EVAL(HARD_SWISH, TML_FLOAT32, hard_swish, tml_hard_swish_eval_f32),
    ROW_EVAL(ELU, TML_FLOAT32, elu, tml_elu_eval_f32),
    /* tml_ops_math.c */
    ROW_EVAL(ABS, TML_FLOAT32, abs, tml_abs_eval_f32),
    ROW_EVAL(RSQRT, TML_FLOAT32, rsqrt, tml_rsqrt_eval_f32),
    ROW_EVAL(L2_NORMALIZATION, TML_FLOAT32, l2_normalization, tml_l2_normalization_eval_f32),
    ROW(EXP, TML_FLOAT32, exp),
    ROW(LOG, TML_FLOAT32, log),
    ROW(NEG, TML_FLOAT32, neg),
    ROW(SQRT, TML_FLOAT32, sqrt),
    ROW(SQUARE, TML_FLOAT32, square),
    /* tml_ops_softmax.c */
    ROW_FN(SOFTMAX, TML_FLOAT32, tml_softmax_prepare_f32, tml_softmax_eval_f32),
    ROW_EVAL(LOG_SOFTMAX, TML_FLOAT32, log_softmax, tml_log_softmax_eval_f32),
#endif
    /* data movement, shape, resize and reductions: the types TFLM runs each in;
     * int16 rows also need INT16, float32 rows FLOAT */
#if TML_OPS_INT16
    ROW(MEAN, TML_INT16, mean),
#endif
#if TML_OPS_FLOAT
    ROW_EVAL(MEAN, TML_FLOAT32, mean, tml_mean_eval_f32),
#endif
#if TML_OPS_DATA
    /* tml_ops_data.c */
    ROW(PADV2, TML_ANY_TYPE, pad),
    ROW(TRANSPOSE, TML_INT8, transpose),
    ROW(PACK, TML_INT8, pack),
    ROW(PACK, TML_INT32, pack),
    ROW(PACK, TML_INT64, pack),
    ROW(UNPACK, TML_INT8, unpack),
    ROW(UNPACK, TML_INT32, unpack),
    ROW(SPLIT, TML_ANY_TYPE, split), /* input 0 is the axis: prepare checks the data's type */
    ROW(SPLIT_V, TML_INT8, split_v),
    ROW(SPLIT_V, TML_INT32, split_v),
    /* tml_ops_slice.c */
    ROW(STRIDED_SLICE, TML_INT8, strided_slice),
    ROW(STRIDED_SLICE, TML_INT32, strided_slice),
    ROW(STRIDED_SLICE, TML_BOOL, strided_slice),
    ROW(SLICE, TML_INT8, slice),
    ROW(SLICE, TML_INT32, slice),
    ROW(SLICE, TML_BOOL, slice),
    ROW(GATHER, TML_INT8, gather),
    /* tml_ops_space.c */
    ROW(BATCH_TO_SPACE_ND, TML_INT8, batch_to_space_nd),
    ROW(SPACE_TO_BATCH_ND, TML_INT8, space_to_batch_nd),
    ROW(DEPTH_TO_SPACE, TML_INT8, depth_to_space),
    ROW(SPACE_TO_DEPTH, TML_INT8, space_to_depth),
    /* tml_ops_resize.c */
    ROW(RESIZE_NEAREST_NEIGHBOR, TML_INT8, resize_nearest_neighbor),
    ROW(RESIZE_BILINEAR, TML_INT8, resize_bilinear),
    /* tml_ops_shape.c */
    ROW_EVAL(EXPAND_DIMS, TML_INT8, expand_dims, tml_alias_eval),
    ROW(SHAPE, TML_ANY_TYPE, shape),
    ROW(FILL, TML_ANY_TYPE, fill), /* input 0 is the dims: prepare checks the value's type */
    ROW(ZEROS_LIKE, TML_INT8, zeros_like),
    ROW(ZEROS_LIKE, TML_INT32, zeros_like),
    ROW(ZEROS_LIKE, TML_INT64, zeros_like),
    /* tml_ops_cast.c */
    ROW(CAST, TML_INT8, cast),
    ROW(CAST, TML_INT32, cast),
    ROW(CAST, TML_UINT32, cast),
    ROW(CAST, TML_BOOL, cast),
    /* tml_ops_reduce.c */
    ROW(SUM, TML_INT8, sum),
    ROW(REDUCE_MAX, TML_INT8, reduce_max),
    ROW(REDUCE_MIN, TML_INT8, reduce_min),
    ROW(ARG_MAX, TML_INT8, arg_max),
    ROW(ARG_MIN, TML_INT8, arg_min),
#if TML_OPS_INT16
    ROW(TRANSPOSE, TML_INT16, transpose),
    ROW(PACK, TML_INT16, pack),
    ROW(UNPACK, TML_INT16, unpack),
    ROW(SPLIT_V, TML_INT16, split_v),
    ROW(STRIDED_SLICE, TML_INT16, strided_slice),
    ROW(SLICE, TML_INT16, slice),
    ROW(RESIZE_NEAREST_NEIGHBOR, TML_INT16, resize_nearest_neighbor),
    ROW_EVAL(EXPAND_DIMS, TML_INT16, expand_dims, tml_alias_eval),
    ROW(CAST, TML_INT16, cast),
    ROW(SUM, TML_INT16, sum),
#endif
#if TML_OPS_FLOAT
    ROW(TRANSPOSE, TML_FLOAT32, transpose),
    ROW(PACK, TML_FLOAT32, pack),
    ROW(UNPACK, TML_FLOAT32, unpack),
    ROW(SPLIT_V, TML_FLOAT32, split_v),
    ROW(STRIDED_SLICE, TML_FLOAT32, strided_slice),
    ROW(SLICE, TML_FLOAT32, slice),
    ROW(GATHER, TML_FLOAT32, gather),
    ROW(BATCH_TO_SPACE_ND, TML_FLOAT32, batch_to_space_nd),
    ROW(SPACE_TO_BATCH_ND, TML_FLOAT32, space_to_batch_nd),
    ROW(DEPTH_TO_SPACE, TML_FLOAT32, depth_to_space),
    ROW(SPACE_TO_DEPTH, TML_FLOAT32, space_to_depth),
    ROW(RESIZE_NEAREST_NEIGHBOR, TML_FLOAT32, resize_nearest_neighbor),
    ROW(RESIZE_BILINEAR, TML_FLOAT32, resize_bilinear),
    ROW_EVAL(EXPAND_DIMS, TML_FLOAT32, expand_dims, tml_alias_eval),
    ROW(ZEROS_LIKE, TML_FLOAT32, zeros_like),
    ROW(CAST, TML_FLOAT32, cast),
    ROW_EVAL(SUM, TML_FLOAT32, sum, tml_sum_eval_f32),
    ROW(REDUCE_MAX, TML_FLOAT32, reduce_max),
    ROW(REDUCE_MIN, TML_FLOAT32, reduce_min),
    ROW(ARG_MAX, TML_FLOAT32, arg_max),
    ROW(ARG_MIN, TML_FLOAT32, arg_min),
#endif
#endif
#if TML_OPS_SIGNAL
    /* tml_ops_signal.c: custom operators, by name. The FFTs and OverlapAdd
     * run the int16, int32 / float32 input their 'T' option names; float32
     * rows also need FLOAT */
    CUSTOM_ROW("SignalWindow", TML_INT16, signal_window),
    CUSTOM_ROW("SignalFftAutoScale", TML_INT16, signal_fft_auto_scale),
    CUSTOM_ROW("SignalRfft", TML_INT16, signal_rfft),
    CUSTOM_ROW("SignalRfft", TML_INT32, signal_rfft),
    CUSTOM_ROW("SignalIrfft", TML_INT16, signal_irfft),
    CUSTOM_ROW("SignalIrfft", TML_INT32, signal_irfft),
    CUSTOM_ROW("SignalEnergy", TML_INT16, signal_energy),
    CUSTOM_ROW("SignalFilterBank", TML_UINT32, signal_filter_bank),
    CUSTOM_ROW("SignalFilterBankSquareRoot", TML_UINT64, signal_filter_bank_square_root),
    CUSTOM_ROW_STATE("SignalFilterBankSpectralSubtraction", TML_UINT32, signal_filter_bank_spectral_subtraction,
        tml_signal_spectral_reset),
    CUSTOM_ROW("SignalPCAN", TML_UINT32, signal_pcan),
    CUSTOM_ROW("SignalFilterBankLog", TML_UINT32, signal_filter_bank_log),
    CUSTOM_ROW_STATE("SignalDelay", TML_INT16, signal_delay, tml_signal_delay_reset),
    CUSTOM_ROW_STATE("SignalFramer", TML_INT16, signal_framer, tml_signal_framer_reset),
    CUSTOM_ROW_STATE("SignalOverlapAdd", TML_INT16, signal_overlap_add, tml_signal_overlap_reset),
    CUSTOM_ROW_STATE("SignalStacker", TML_INT16, signal_stacker, tml_signal_stacker_reset),
#if TML_OPS_FLOAT
    CUSTOM_ROW("SignalRfft", TML_FLOAT32, signal_rfft),
    CUSTOM_ROW("SignalIrfft", TML_FLOAT32, signal_irfft),
    CUSTOM_ROW_STATE("SignalOverlapAdd", TML_FLOAT32, signal_overlap_add, tml_signal_overlap_reset),
#endif
#endif
};

#define N_ROWS ((int)(sizeof(registry) / sizeof(registry[0])))

static bool same_op(const tml_op_impl_t *r, int32_t builtin, const char *custom, size_t custom_len) {
    if (r->builtin != builtin) {
        return false;
    }
    return builtin != TML_OP_CUSTOM || (strlen(r->custom) == custom_len && memcmp(r->custom, custom, custom_len) == 0);
}

int tml_op_find(int32_t builtin, const char *custom, size_t custom_len, int type, bool *known) {
    *known = false;
    for (int i = 0; i < N_ROWS; i++) {
        const tml_op_impl_t *r = &registry[i];
        if (same_op(r, builtin, custom, custom_len)) {
            *known = true;
            if (r->type == TML_ANY_TYPE || r->type == type) {
                return i;
            }
        }
    }
    return TML_NO_ROW;
}

const tml_op_impl_t *tml_op_row(int row) {
    return row >= 0 && row < N_ROWS ? &registry[row] : NULL;
}

const tml_rows_impl_t *tml_op_rows(const tml_model_t *m, const tml_op_t *op) {
    const tml_op_impl_t *r = tml_op_row(op->row);
    /* a prepare that picked another eval runs another kernel than the row's */
    if (!r || !r->rows || op->eval != r->eval || !op->data) {
        return NULL;
    }
    return r->rows->ok(m, op) ? r->rows : NULL;
}

int tml_op_types(int32_t builtin, const char *custom, size_t custom_len, uint8_t *types, int max) {
    int n = 0;
    for (int i = 0; i < N_ROWS; i++) {
        if (same_op(&registry[i], builtin, custom, custom_len) && n < max) {
            types[n++] = registry[i].type;
        }
    }
    return n;
}

/* i-th distinct operator name (builtin names, then custom ones). */
const char *tml_supported_op(int i) {
    for (int k = 0; k < N_ROWS; k++) {
        const tml_op_impl_t *r = &registry[k];
        bool first = true;
        for (int j = 0; j < k && first; j++) {
            first = !same_op(&registry[j], r->builtin, r->custom, r->custom ? strlen(r->custom) : 0);
        }
        if (first && i-- == 0) {
            return r->custom ? r->custom : tml_builtin_name(r->builtin);
        }
    }
    return NULL;
}

const char *tml_backend_name(void) {
#if defined(TML_BACKEND_CMSIS_NN)
    return "cmsis-nn";
#elif defined(TML_BACKEND_ESP_NN) && defined(TML_ESP_NN_ANSI)
    return "esp-nn-ansi";
#elif defined(TML_BACKEND_ESP_NN) && defined(TML_ESP_NN_S3)
    return "esp-nn-s3";
#elif defined(TML_BACKEND_ESP_NN)
    return "esp-nn";
#else
    return "ref";
#endif
}

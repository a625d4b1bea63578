/* tinyml core: the operator registry (the ops this build can run). */
#include "tml_op.h"


const tml_op_impl_t *const tml_op_registry[] = {
    &tml_op_add,
    &tml_op_average_pool_2d,
    &tml_op_concatenation,
    &tml_op_conv_2d,
    &tml_op_depthwise_conv_2d,
    &tml_op_dequantize,
    &tml_op_fully_connected,
    &tml_op_logistic,
    &tml_op_max_pool_2d,
    &tml_op_mul,
    &tml_op_relu,
    &tml_op_relu6,
    &tml_op_reshape,
    &tml_op_softmax,
    &tml_op_tanh,
    &tml_op_pad,
    &tml_op_mean,
    &tml_op_squeeze,
    &tml_op_unidirectional_sequence_lstm,
    &tml_op_quantize,
    NULL,
};

const char *tml_backend_name(void) {
#ifdef TML_BACKEND_CMSIS_NN
    return "cmsis-nn";
#else
    return "ref";
#endif
}

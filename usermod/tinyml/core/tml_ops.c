/* tinyml core: the operator registry (the ops this build can run). */
#include "tml_op.h"

/* DEV-ONLY (removed once every op exists): weak so partial builds link. */
extern const tml_op_impl_t tml_op_add __attribute__((weak));
extern const tml_op_impl_t tml_op_average_pool_2d __attribute__((weak));
extern const tml_op_impl_t tml_op_concatenation __attribute__((weak));
extern const tml_op_impl_t tml_op_conv_2d __attribute__((weak));
extern const tml_op_impl_t tml_op_depthwise_conv_2d __attribute__((weak));
extern const tml_op_impl_t tml_op_dequantize __attribute__((weak));
extern const tml_op_impl_t tml_op_fully_connected __attribute__((weak));
extern const tml_op_impl_t tml_op_logistic __attribute__((weak));
extern const tml_op_impl_t tml_op_max_pool_2d __attribute__((weak));
extern const tml_op_impl_t tml_op_mul __attribute__((weak));
extern const tml_op_impl_t tml_op_relu __attribute__((weak));
extern const tml_op_impl_t tml_op_relu6 __attribute__((weak));
extern const tml_op_impl_t tml_op_reshape __attribute__((weak));
extern const tml_op_impl_t tml_op_softmax __attribute__((weak));
extern const tml_op_impl_t tml_op_tanh __attribute__((weak));
extern const tml_op_impl_t tml_op_pad __attribute__((weak));
extern const tml_op_impl_t tml_op_mean __attribute__((weak));
extern const tml_op_impl_t tml_op_squeeze __attribute__((weak));
extern const tml_op_impl_t tml_op_unidirectional_sequence_lstm __attribute__((weak));
extern const tml_op_impl_t tml_op_quantize __attribute__((weak));

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
    (const tml_op_impl_t *)1, /* DEV-ONLY end marker */
};

const char *tml_backend_name(void) {
#ifdef TML_BACKEND_CMSIS_NN
    return "cmsis-nn";
#else
    return "ref";
#endif
}

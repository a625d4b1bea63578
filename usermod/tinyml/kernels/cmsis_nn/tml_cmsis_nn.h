/* tinyml kernels (CMSIS-NN backend): translation of tml_* argument structs to
 * CMSIS-NN v7 structs (field-for-field copies). */
#ifndef TML_CMSIS_NN_H
#define TML_CMSIS_NN_H

#include "arm_nnfunctions.h"
#include "../tml_kernels.h"

/* Backend kernel variants (tml_kernel_t values above TML_KERNEL_PORTABLE). */
enum {
    TML_CMSIS_KERNEL_DW_PLAIN = 2, /* arm_depthwise_conv_s8: no scratch buffer (tml_conv_s8.c) */
};

/* DEPTHWISE_CONV_2D: TML_CMSIS_KERNEL_DW_PLAIN where the wrapper's scratch
 * buffer would exceed the layer's input and output, else TML_KERNEL_BACKEND
 * (tml_conv_s8.c; consulted by the selection table, kernels/tml_select.c). */
int32_t tml_cmsis_nn_depthwise_conv_s8_select(const tml_dw_conv_params_t *dw_conv_params,
    const tml_per_channel_quant_params_t *quant_params, const tml_dims_t *input_dims, const tml_dims_t *filter_dims,
    const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims);

static inline cmsis_nn_dims tml_cmsis_dims(const tml_dims_t *d) {
    cmsis_nn_dims r = {d->n, d->h, d->w, d->c};
    return r;
}

static inline cmsis_nn_tile tml_cmsis_tile(tml_tile_t t) {
    cmsis_nn_tile r = {t.w, t.h};
    return r;
}

static inline cmsis_nn_activation tml_cmsis_act(tml_activation_t a) {
    cmsis_nn_activation r = {a.min, a.max};
    return r;
}

static inline cmsis_nn_context tml_cmsis_ctx(const tml_context_t *ctx) {
    cmsis_nn_context r = {ctx ? ctx->buf : NULL, ctx ? ctx->size : 0};
    return r;
}

static inline tml_status_t tml_cmsis_status(arm_cmsis_nn_status s) {
    return s == ARM_CMSIS_NN_SUCCESS ? TML_OK : TML_ERR_KERNEL;
}

#endif

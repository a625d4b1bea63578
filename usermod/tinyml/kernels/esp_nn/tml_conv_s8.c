/* tinyml kernels (esp-nn backend): CONV_2D and DEPTHWISE_CONV_2D, int8, as
 * esp-tflite-micro's esp_nn/conv.cc and depthwise_conv.cc call esp_nn_conv_s8 /
 * esp_nn_depthwise_conv_s8 (one call per batch, scratch set before each call);
 * the layers tml_esp_nn_select.c routes away run the portable kernels. */
#include "tml_esp_nn.h"

static conv_params_t conv_params(const tml_conv_params_t *p) {
    conv_params_t c;
    c.in_offset = p->input_offset;
    c.out_offset = p->output_offset;
    c.stride = tml_esp_nn_2d(p->stride);
    c.padding = tml_esp_nn_2d(p->padding);
    c.dilation = tml_esp_nn_2d(p->dilation);
    c.activation = tml_esp_nn_act(p->activation);
    return c;
}

static dw_conv_params_t dw_params(const tml_dw_conv_params_t *p) {
    dw_conv_params_t c;
    c.in_offset = p->input_offset;
    c.out_offset = p->output_offset;
    c.ch_mult = p->ch_mult;
    c.stride = tml_esp_nn_2d(p->stride);
    c.padding = tml_esp_nn_2d(p->padding);
    c.dilation = tml_esp_nn_2d(p->dilation);
    c.activation = tml_esp_nn_act(p->activation);
    return c;
}

/* The S3 flavour's convolutions need the scratch prepare asked for (ESP-NN's C
 * flavours ask for none). */
#if defined(TML_ESP_NN_S3)
static int scratch_ok(const tml_context_t *ctx, int32_t needed) {
    return needed <= 0 || (ctx && ctx->buf && ctx->size >= needed);
}
#define SCRATCH_OK(ctx, needed) scratch_ok(ctx, needed)
#else
#define SCRATCH_OK(ctx, needed) 1
#endif

int32_t tml_conv_s8_get_buffer_size(const tml_conv_params_t *p, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
    if (p->kernel != TML_KERNEL_BACKEND) {
        return 0;
    }
    const data_dims_t id = tml_esp_nn_dims(input_dims), fd = tml_esp_nn_dims(filter_dims);
    const data_dims_t od = tml_esp_nn_dims(output_dims);
    const conv_params_t cp = conv_params(p);
    return esp_nn_get_conv_scratch_size(&id, &fd, &od, &cp);
}

tml_status_t tml_conv_s8(const tml_context_t *ctx, const tml_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output) {
    if (p->kernel != TML_KERNEL_BACKEND) {
        return tml_conv_s8_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims, output);
    }
    const data_dims_t id = tml_esp_nn_dims(input_dims), fd = tml_esp_nn_dims(filter_dims);
    const data_dims_t od = tml_esp_nn_dims(output_dims);
    const conv_params_t cp = conv_params(p);
    const quant_data_t qd = tml_esp_nn_quant(q);
    if (input_dims->n != output_dims->n || !SCRATCH_OK(ctx, esp_nn_get_conv_scratch_size(&id, &fd, &od, &cp))) {
        return TML_ERR_KERNEL;
    }
    esp_nn_set_conv_scratch_buf(ctx ? ctx->buf : NULL);
    const int32_t in_size = input_dims->h * input_dims->w * input_dims->c;
    const int32_t out_size = output_dims->h * output_dims->w * output_dims->c;
    for (int32_t b = 0; b < input_dims->n; ++b) {
        esp_nn_conv_s8(&id, input + b * in_size, &fd, filter, bias, &od, output + b * out_size, &cp, &qd);
    }
    return TML_OK;
}

int32_t tml_depthwise_conv_s8_get_buffer_size(const tml_dw_conv_params_t *p, const tml_dims_t *input_dims,
    const tml_dims_t *filter_dims, const tml_dims_t *output_dims) {
    if (p->kernel != TML_KERNEL_BACKEND) {
        return 0;
    }
    const data_dims_t id = tml_esp_nn_dims(input_dims), fd = tml_esp_nn_dims(filter_dims);
    const data_dims_t od = tml_esp_nn_dims(output_dims);
    const dw_conv_params_t dp = dw_params(p);
    return esp_nn_get_depthwise_conv_scratch_size(&id, &fd, &od, &dp);
}

tml_status_t tml_depthwise_conv_s8(const tml_context_t *ctx, const tml_dw_conv_params_t *p,
    const tml_per_channel_quant_params_t *q, const tml_dims_t *input_dims, const int8_t *input,
    const tml_dims_t *filter_dims, const int8_t *filter, const int32_t *bias, const tml_dims_t *output_dims,
    int8_t *output) {
    if (p->kernel != TML_KERNEL_BACKEND) {
        return tml_depthwise_conv_s8_portable(p, q, input_dims, input, filter_dims, filter, bias, output_dims,
            output);
    }
    const data_dims_t id = tml_esp_nn_dims(input_dims), fd = tml_esp_nn_dims(filter_dims);
    const data_dims_t od = tml_esp_nn_dims(output_dims);
    const dw_conv_params_t dp = dw_params(p);
    const quant_data_t qd = tml_esp_nn_quant(q);
    if (input_dims->n != output_dims->n ||
        !SCRATCH_OK(ctx, esp_nn_get_depthwise_conv_scratch_size(&id, &fd, &od, &dp))) {
        return TML_ERR_KERNEL;
    }
    esp_nn_set_depthwise_conv_scratch_buf(ctx ? ctx->buf : NULL);
    const int32_t in_size = input_dims->h * input_dims->w * input_dims->c;
    const int32_t out_size = output_dims->h * output_dims->w * output_dims->c;
    for (int32_t b = 0; b < input_dims->n; ++b) {
        esp_nn_depthwise_conv_s8(&id, input + b * in_size, &fd, filter, bias, &od, output + b * out_size, &dp, &qd);
    }
    return TML_OK;
}

/* tinyml kernels: the im2col patch of one output pixel, for the core-family kernels that run a
 * CONV_2D as a matrix product over patches (kernels/armv6m, kernels/dsp). */
#ifndef TML_IM2COL_H
#define TML_IM2COL_H

#include <string.h>
#include "tml_kernels.h"

/* The patch of output pixel (oy, ox) in im2col order (fy, fx, c), padding = the input zero point
 * (-input_offset, an int8 where the callers' selection rules take the layer). */
static inline void tml_im2col_s8(int8_t *dst, const int8_t *in, const tml_conv_params_t *p, const tml_dims_t *id,
    const tml_dims_t *f, int32_t oy, int32_t ox) {
    const int32_t C = id->c, fw = f->w, dw = p->dilation.w;
    const int8_t pad = (int8_t)-p->input_offset;
    const int32_t ix0 = ox * p->stride.w - p->padding.w;
    for (int32_t fy = 0; fy < f->h; ++fy) {
        const int32_t iy = oy * p->stride.h - p->padding.h + fy * p->dilation.h;
        if (iy < 0 || iy >= id->h) {
            memset(dst, pad, (size_t)(fw * C));
            dst += fw * C;
            continue;
        }
        const int8_t *row = in + iy * id->w * C;
        if (dw == 1 && ix0 >= 0 && ix0 + fw <= id->w) {
            memcpy(dst, row + ix0 * C, (size_t)(fw * C));
            dst += fw * C;
            continue;
        }
        if (dw == 1) { /* the row's part inside the input in one copy, the padding either side in one fill each */
            const int32_t lo = ix0 < 0 ? (-ix0 < fw ? -ix0 : fw) : 0;
            const int32_t hi = ix0 + fw > id->w ? (id->w - ix0 > lo ? id->w - ix0 : lo) : fw;
            if (lo > 0) {
                memset(dst, pad, (size_t)(lo * C));
            }
            if (hi > lo) {
                memcpy(dst + lo * C, row + (ix0 + lo) * C, (size_t)((hi - lo) * C));
            }
            if (hi < fw) {
                memset(dst + hi * C, pad, (size_t)((fw - hi) * C));
            }
            dst += fw * C;
            continue;
        }
        for (int32_t fx = 0; fx < fw; ++fx, dst += C) {
            const int32_t ix = ix0 + fx * dw;
            if (ix < 0 || ix >= id->w) {
                memset(dst, pad, (size_t)C);
            } else {
                memcpy(dst, row + ix * C, (size_t)C);
            }
        }
    }
}

#endif

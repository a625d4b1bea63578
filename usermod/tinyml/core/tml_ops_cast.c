/* tinyml ops: CAST, as TFLM's cast.cc (the tflite-micro wheel's: see
 * tml_cast in kernels/portable/tml_k_cast.c for the conversions). A cast that
 * keeps every byte (same type, int32 <-> uint32) aliases its input. */
#include "tml_ops.h"
#include "../kernels/tml_kernels.h"

enum { OPT_CAST = 37 };

static bool cast_type(int type) {
    return type == TML_INT8 || type == TML_INT16 || type == TML_INT32 || type == TML_UINT32 ||
        type == TML_FLOAT32 || type == TML_BOOL;
}

tml_status_t tml_cast_prepare(tml_model_t *m, tml_op_t *op, tml_error_t *err) {
    tml_status_t s = tml_check_io_count(err, op, 1, 1, 1);
    if (s != TML_OK) {
        return s;
    }
    if (op->options_pos && op->options_type != OPT_CAST) {
        return tml_op_fail(err, TML_ERR_INVALID_MODEL, op, "has builtin options of type %d, expected %d",
            (int)op->options_type, OPT_CAST);
    }
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    const tml_tensor_t *out = tml_op_output(m, op, 0);
    if (!cast_type(out->type)) {
        return tml_op_fail(err, TML_ERR_UNSUPPORTED, op, "output type %s is not supported (int8, int16, int32, "
            "uint32, float32 and bool are)", tml_type_name(out->type));
    }
    if ((s = tml_check_shape(err, op, out, "output", in->dims, in->ndims)) != TML_OK) {
        return s;
    }
    const bool same_bits = in->type == out->type || (in->type == TML_INT32 && out->type == TML_UINT32) ||
        (in->type == TML_UINT32 && out->type == TML_INT32);
    if (same_bits && out->bytes > 0) {
        op->eval = tml_alias_eval;
        return tml_alias_tensor(m, op, 0, 0, err);
    }
    return TML_OK;
}

tml_status_t tml_cast_eval(tml_model_t *m, tml_op_t *op) {
    const tml_tensor_t *in = tml_op_input(m, op, 0);
    tml_tensor_t *out = tml_op_output(m, op, 0);
    return tml_cast(in->data, in->type, out->data, out->type, tml_tensor_elements(out));
}

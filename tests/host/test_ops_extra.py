"""More per-op conformance cases: grouped convolution, the CMSIS-NN special
paths (1xN, 1x1 stride 2, large channel counts), batch > 1, FC keep_num_dims
with rank 3/4, SOFTMAX int8 -> int16, and 5-D/6-D/scalar broadcasts."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import test_ops as T
from harness import assert_same_outputs, assert_spread, core_module, seed_of
from tflite_builder import ModelBuilder, run_tflm

CASES: dict[str, Callable] = {}


def add(name: str, fn: Callable) -> None:
    CASES[name] = fn


# grouped conv
def grouped(cin, groups, cout, k, stride, pad, batch=1, pc=True, hw=(7, 6)):
    def build(rng):
        b = ModelBuilder()
        s_in, zp = 0.04, 3
        x = b.tensor("input", (batch, *hw, cin), np.int8, s_in, zp)
        w, s_w, q = T.weights(b, rng, (cout, k, k, cin // groups), pc, 0, "NONE", s_in)
        oh, ow = T.out_size(hw[0], k, stride, 1, pad), T.out_size(hw[1], k, stride, 1, pad)
        y = b.tensor("output", (batch, oh, ow, cout), np.int8, *q)
        b.op("CONV_2D", [x, w, T.bias(b, rng, cout, k * k * cin // groups, s_in, s_w)], [y],
             {"padding": pad, "stride_w": stride, "stride_h": stride})
        return T.single(b, rng, [x], y)
    return build
add("grouped_k3_g2", grouped(4, 2, 6, 3, 1, "SAME"))
add("grouped_k1_g4", grouped(8, 4, 8, 1, 1, "VALID"))
add("grouped_k1_s2_g2", grouped(8, 2, 4, 1, 2, "VALID"))
add("grouped_k3_g3_b2", grouped(6, 3, 9, 3, 2, "SAME", batch=2))
# big convs (CMSIS multi-row paths)
add("conv_big_1x1", T.conv_case(16, 24, 1, 1, 1, 1, "VALID", True, "RELU", hw=(6, 6)))
add("conv_big_3x3", T.conv_case(8, 12, 3, 3, 1, 1, "SAME", True, "NONE", hw=(9, 7)))
add("conv_1xn", T.conv_case(4, 8, 1, 3, 1, 1, "SAME", True, "NONE", hw=(1, 12)))
add("conv_1xn_s2", T.conv_case(4, 8, 1, 5, 2, 1, "VALID", False, "RELU6", hw=(1, 17)))
add("conv_1x1_s2_b2", T.conv_case(8, 8, 1, 1, 2, 1, "VALID", False, "NONE", hw=(6, 6), batch=2))
add("conv_d3", T.conv_case(3, 5, 3, 3, 1, 3, "SAME", True, "NONE", hw=(12, 12)))

def dwb(cin, mult, k, stride, pad, batch, dil=1, pc=True, hw=(8, 7)):
    def build(rng):
        b = ModelBuilder()
        s_in = 0.05
        x = b.tensor("input", (batch, *hw, cin), np.int8, s_in, -2)
        cout = cin * mult
        w, s_w, q = T.weights(b, rng, (1, k, k, cout), pc, 3, "NONE", s_in)
        oh, ow = T.out_size(hw[0], k, stride, dil, pad), T.out_size(hw[1], k, stride, dil, pad)
        y = b.tensor("output", (batch, oh, ow, cout), np.int8, *q)
        b.op("DEPTHWISE_CONV_2D", [x, w, T.bias(b, rng, cout, k * k, s_in, s_w)], [y],
             {"padding": pad, "stride_w": stride, "stride_h": stride, "depth_multiplier": mult,
              "dilation_w_factor": dil, "dilation_h_factor": dil})
        return T.single(b, rng, [x], y)
    return build
add("dw_b2", dwb(4, 1, 3, 1, "SAME", 2))
add("dw_b2_m4", dwb(2, 4, 3, 2, "SAME", 2))
add("dw_c16_k3", dwb(16, 1, 3, 1, "SAME", 1))
add("dw_c16_k5", dwb(16, 1, 5, 1, "SAME", 1))
add("dw_c12_m4", dwb(3, 4, 3, 1, "VALID", 1))
add("dw_c8_d2", dwb(8, 1, 3, 1, "SAME", 1, dil=2))
add("dw_in1_m20", dwb(1, 20, 3, 1, "SAME", 1))

add("fc_keep4d", T.fc_case((2, 2, 3, 8), 6, False, True, True, "NONE"))
add("fc_keep4d_pc", T.fc_case((2, 2, 3, 8), 6, True, True, False, "RELU"))
add("fc_keep3d_odd", T.fc_case((2, 3, 7), 5, True, True, True, "NONE"))
add("fc_big", T.fc_case((4, 64), 33, True, False, True, "NONE"))

def pool_b(op, batch, c):
    def build(rng):
        b = ModelBuilder()
        x = b.tensor("input", (batch, 7, 6, c), np.int8, 0.05, 4)
        y = b.tensor("output", (batch, 4, 3, c), np.int8, 0.05, 4)
        b.op(op, [x], [y], {"padding": "SAME", "stride_w": 2, "stride_h": 2, "filter_width": 3, "filter_height": 3})
        return T.single(b, rng, [x], y)
    return build
add("avg_b2_c17", pool_b("AVERAGE_POOL_2D", 2, 17))
add("max_b2_c17", pool_b("MAX_POOL_2D", 2, 17))
add("avg_b1_c32", pool_b("AVERAGE_POOL_2D", 1, 32))

def sm16(shape, beta, s_in):
    def build(rng):
        b = ModelBuilder()
        x = b.tensor("input", shape, np.int8, s_in, 1)
        y = b.tensor("output", shape, np.int16, 1.0 / 65536, -32768)
        b.op("SOFTMAX", [x], [y], {"beta": beta})
        b.inputs([x]); b.outputs([y])
        span = int(min(127, max(8, 3.0 / (s_in * beta))))
        return b.build(), [T.rand_i8(rng, shape, -span, span)]
    return build
add("softmax16_3x10", sm16((3, 10), 1.0, 0.1))
add("softmax16_2x33", sm16((2, 33), 0.7, 0.05))

for op in ("ADD", "MUL"):
    add(op + "_5d", T.binary_case(op, (2, 1, 3, 1, 4), (1, 3, 1, 5, 1), (0.05, 1), (0.03, -2), "RELU"))
    add(op + "_6d", T.binary_case(op, (2, 1, 2, 3, 1, 2), (2, 2, 1, 1, 2, 1), (0.05, 1), (0.03, -2), "NONE"))
    add(op + "_rank_mismatch_same", T.binary_case(op, (1, 1, 6), (6,), (0.05, 1), (0.03, -2), "NONE"))
    add(op + "_first_bcast", T.binary_case(op, (1, 1, 5), (3, 4, 5), (0.05, 1), (0.03, -2), "RELU6"))
    add(op + "_scalar", T.binary_case(op, (3, 4), (), (0.05, 1), (0.03, -2), "NONE"))
    add(op + "_big", T.binary_case(op, (1, 8, 8, 16), (1, 8, 8, 16), (0.05, 1), (0.03, -2), "NONE"))


# Per-channel tensors whose quantized_dimension does not index their shape, accepted as TFLM
# accepts them: TFLM's person_detect has depthwise biases of shape [C] with C scales and
# quantized_dimension 3 (copied from the filter). (A per-channel *filter* whose dimension is
# wrong is refused, as by TFLM: test_bad_models.py.)
def qdim_mismatch(op):
    def build(rng):
        b = ModelBuilder()
        s_in = 0.05
        x = b.tensor("input", (1, 6, 5, 4), np.int8, s_in, 2)
        if op == "DEPTHWISE_CONV_2D":
            w, s_w, q = T.weights(b, rng, (1, 3, 3, 4), True, 3, "NONE", s_in)
            k, opts = 9, {"depth_multiplier": 1}
        else:
            w, s_w, q = T.weights(b, rng, (4, 3, 3, 4), True, 0, "NONE", s_in)
            k, opts = 36, {}
        values = rng.normal(0.0, 0.5 * np.sqrt(k) * T.X_STD * T.W_STD, 4).astype(np.int32)
        bias = b.const("bias", values, scale=s_in * s_w, zero_point=np.zeros(4, np.int64), quantized_dimension=3)
        y = b.tensor("output", (1, 6, 5, 4), np.int8, *q)
        b.op(op, [x, w, bias], [y], {"padding": "SAME", "stride_w": 1, "stride_h": 1, **opts})
        return T.single(b, rng, [x], y)
    return build
add("dwconv_bias_qdim3_like_person_detect", qdim_mismatch("DEPTHWISE_CONV_2D"))
add("conv_bias_qdim3", qdim_mismatch("CONV_2D"))


@pytest.mark.parametrize("name", list(CASES))
def test_extra_op(name: str, backend: str) -> None:
    data, inputs = CASES[name](np.random.default_rng(seed_of(name)))
    refs = run_tflm(data, inputs)
    for i, r in enumerate(refs):
        assert_spread(r, f"{name} output {i}")
    outs = core_module().Model(data, backend=backend).invoke(*inputs)
    assert_same_outputs(refs, outs, f"{name} [{backend}]")

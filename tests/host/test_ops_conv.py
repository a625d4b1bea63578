"""Per-op conformance for the convolution-like and matrix family beyond int8:
CONV_2D / DEPTHWISE_CONV_2D / TRANSPOSE_CONV / FULLY_CONNECTED / AVERAGE_POOL_2D /
MAX_POOL_2D with int16 activations and int8 weights (16x8: int64 or int32 bias) and
float32, TRANSPOSE_CONV int8 (CMSIS-NN's two transpose paths), BATCH_MATMUL int8 /
int16 / float32 (broadcast batch dimensions, adj_x / adj_y), SVDF int8 with int8 or
int16 state and float32 (state carried across invocations), and the errors prepare
raises for what is not supported. Outputs byte-equal to the tflite-micro interpreter
on every backend (float32 included: the float kernels sum in TFLM's order)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
import test_ops as T
from harness import (
    SHARED_MODELS,
    assert_same_in_every_plan,
    assert_same_outputs,
    assert_spread,
    core_module,
    seed_of,
)
from tflite_builder import ModelBuilder, Tensor, invoke_tflm, num_outputs, run_tflm

Build = Callable[[np.random.Generator], tuple[bytes, list[np.ndarray]]]
CASES: dict[str, Build] = {}
X16_STD = 18900.0  # std of a uniform int16
ACTS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def add(name: str, build: Build) -> None:
    assert name not in CASES, name
    CASES[name] = build


def rand_i16(rng: np.random.Generator, shape: Sequence[int]) -> np.ndarray:
    return rng.integers(-32768, 32767, tuple(shape), dtype=np.int16, endpoint=True)


def s_in16(k: float, s_w: float, act: str) -> float:
    """Input scale: 0.0005, or for RELU6 / RELU_N1_TO_1 one putting the real
    accumulator's std at 4 / 0.7 so that the clamps cut some outputs."""
    target = {"RELU6": 4.0, "RELU_N1_TO_1": 0.7}.get(act)
    return 0.0005 if target is None else target / (math.sqrt(max(k, 1.0)) * X16_STD * T.W_STD * s_w)


def out_scale16(k: float, s_in: float, s_w: float, act: str) -> float:
    """Output scale putting one std of a K-term 16x8 dot product at ~4000 steps."""
    return math.sqrt(max(k, 1.0)) * X16_STD * T.W_STD * s_in * s_w / 4000.0


def weights8(b: ModelBuilder, rng: np.random.Generator, shape: Sequence[int], per_channel: bool, qdim: int,
             name: str = "filter") -> tuple[Tensor, np.ndarray]:
    n = shape[qdim]
    s_w = rng.uniform(0.004, 0.02, n) if per_channel else np.array([0.01])
    w = b.const(name, T.rand_i8(rng, shape, -127, 127), scale=s_w, zero_point=np.zeros(s_w.size, np.int64),
                quantized_dimension=qdim)
    return w, s_w


def bias_q(b: ModelBuilder, rng: np.random.Generator, n: int, k: float, s_in: float, s_w: np.ndarray,
           dtype: type, x_std: float = X16_STD) -> Tensor:
    std = 0.5 * math.sqrt(max(k, 1.0)) * x_std * T.W_STD
    lim = np.iinfo(dtype).max
    values = np.clip(rng.normal(0.0, std, n), -lim, lim).astype(dtype)
    s_b = np.broadcast_to(s_in * s_w, (n,)).copy() if s_w.size > 1 else np.array([s_in * s_w[0]])
    return b.const("bias", values, scale=s_b, zero_point=np.zeros(s_b.size, np.int64))


def finish(b: ModelBuilder, inputs: list[Tensor], output: Tensor, arrays: list[np.ndarray]) -> tuple[bytes, list]:
    b.inputs(inputs)
    b.outputs([output])
    return b.build(), arrays


# ---- CONV_2D 16x8 ---------------------------------------------------------------
def conv16(cin: int, cout: int, k: tuple[int, int], stride: int, dil: int, pad: str, pc: bool, act: str,
           bias: str = "int64", batch: int = 1, hw: tuple[int, int] = (9, 8), groups: int = 1) -> Build:
    """bias: int64 / int32 / none (quantized_bias_type default: int64 accumulator) /
    none_qbt32 (no bias, quantized_bias_type INT32: int32 accumulator)."""
    def build(rng: np.random.Generator) -> tuple[bytes, list]:
        b = ModelBuilder()
        fc = cin // groups
        w, s_w = weights8(b, rng, (cout, *k, fc), pc, 0)
        kk = k[0] * k[1] * fc
        s_in = s_in16(kk, float(s_w.mean()), act)
        x = b.tensor("input", (batch, *hw, cin), np.int16, s_in, 0)
        oh, ow = T.out_size(hw[0], k[0], stride, dil, pad), T.out_size(hw[1], k[1], stride, dil, pad)
        y = b.tensor("output", (batch, oh, ow, cout), np.int16, out_scale16(kk, s_in, float(s_w.mean()), act), 0)
        ins: list = [x, w]
        if bias in ("int64", "int32"):
            ins.append(bias_q(b, rng, cout, kk, s_in, s_w, np.int64 if bias == "int64" else np.int32))
        opts = {"padding": pad, "stride_w": stride, "stride_h": stride, "dilation_w_factor": dil,
                "dilation_h_factor": dil, "activation": act}
        if bias == "none_qbt32":
            opts["quantized_bias_type"] = "INT32"
        b.op("CONV_2D", ins, [y], opts)
        return finish(b, [x], y, [rand_i16(rng, x.shape)])
    return build


_acts = iter(ACTS * 20)
_bias = iter(["int64", "int32", "none", "int64", "none_qbt32"] * 20)
for (kh, kw), stride, dil, pad, pc in [((1, 1), 1, 1, "VALID", True), ((1, 1), 2, 1, "SAME", False),
                                       ((3, 3), 1, 1, "SAME", True), ((3, 3), 2, 1, "VALID", False),
                                       ((3, 3), 1, 2, "SAME", False), ((5, 3), 2, 2, "SAME", True),
                                       ((3, 4), 1, 1, "VALID", True), ((7, 7), 1, 1, "VALID", True)]:
    act, bias = next(_acts), next(_bias)
    add(f"conv16/k{kh}x{kw}_s{stride}_d{dil}_{pad}_{'pc' if pc else 'pt'}_{act}_{bias}",
        conv16(3, 5, (kh, kw), stride, dil, pad, pc, act, bias, hw=(9, 10)))
for bias in ("int64", "int32", "none", "none_qbt32"):
    add(f"conv16/k3x3_c8x6_{bias}", conv16(8, 6, (3, 3), 1, 1, "SAME", True, "NONE", bias))
add("conv16/batch2_k3x3_s2", conv16(4, 4, (3, 3), 2, 1, "SAME", True, "RELU", batch=2))
add("conv16/grouped_g2", conv16(4, 6, (3, 3), 1, 1, "SAME", True, "NONE", groups=2))
add("conv16/grouped_g3_int32", conv16(6, 3, (1, 1), 1, 1, "VALID", False, "NONE", "int32", groups=3))
add("conv16/1xN_seanet_like", conv16(8, 8, (1, 7), 1, 1, "VALID", True, "NONE", hw=(1, 40)))
# more than MAX_COL_COUNT (512) columns, not a multiple of 4, odd output channels
add("conv16/cols_gt512_odd", conv16(65, 3, (3, 3), 1, 1, "SAME", True, "NONE", hw=(4, 5)))
add("conv16/cols_gt512_int32", conv16(65, 3, (3, 3), 1, 1, "SAME", True, "NONE", "int32", hw=(4, 5)))


# ---- DEPTHWISE_CONV_2D 16x8 ---------------------------------------------------------
def dw16(cin: int, mult: int, k: tuple[int, int], stride: int, dil: int, pad: str, pc: bool, act: str,
         with_bias: bool = True, batch: int = 1, hw: tuple[int, int] = (8, 9)) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list]:
        b = ModelBuilder()
        cout = cin * mult
        w, s_w = weights8(b, rng, (1, *k, cout), pc, 3)
        kk = k[0] * k[1]
        s_in = s_in16(kk, float(s_w.mean()), act)
        x = b.tensor("input", (batch, *hw, cin), np.int16, s_in, 0)
        oh, ow = T.out_size(hw[0], k[0], stride, dil, pad), T.out_size(hw[1], k[1], stride, dil, pad)
        y = b.tensor("output", (batch, oh, ow, cout), np.int16, out_scale16(kk, s_in, float(s_w.mean()), act), 0)
        ins = [x, w] + ([bias_q(b, rng, cout, kk, s_in, s_w, np.int64)] if with_bias else [])
        b.op("DEPTHWISE_CONV_2D", ins, [y], {
            "padding": pad, "stride_w": stride, "stride_h": stride, "depth_multiplier": mult,
            "dilation_w_factor": dil, "dilation_h_factor": dil, "activation": act})
        return finish(b, [x], y, [rand_i16(rng, x.shape)])
    return build


for mult, (kh, kw), stride, dil, pad, pc in [(1, (3, 3), 1, 1, "SAME", True), (2, (3, 3), 2, 1, "VALID", False),
                                             (3, (1, 1), 1, 1, "VALID", True), (1, (5, 3), 1, 2, "SAME", False),
                                             (2, (3, 3), 1, 2, "SAME", True), (1, (3, 3), 2, 1, "SAME", True)]:
    act = next(_acts)
    add(f"dw16/m{mult}_k{kh}x{kw}_s{stride}_d{dil}_{pad}_{'pc' if pc else 'pt'}_{act}",
        dw16(3, mult, (kh, kw), stride, dil, pad, pc, act))
add("dw16/c8_nobias", dw16(8, 1, (3, 3), 1, 1, "SAME", True, "NONE", with_bias=False))
add("dw16/batch2_c4_m2", dw16(4, 2, (3, 3), 1, 1, "SAME", True, "RELU", batch=2, hw=(5, 4)))


# ---- float CONV_2D / DEPTHWISE_CONV_2D ----------------------------------------------
def fconst(b: ModelBuilder, rng: np.random.Generator, name: str, shape: Sequence[int], std: float) -> Tensor:
    return b.const(name, rng.normal(0.0, std, tuple(shape)).astype(np.float32))


def conv_f32(cin: int, cout: int, k: tuple[int, int], stride: int, dil: int, pad: str, act: str,
             with_bias: bool = True, batch: int = 1, hw: tuple[int, int] = (9, 8), groups: int = 1) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list]:
        b = ModelBuilder()
        x = b.tensor("input", (batch, *hw, cin), np.float32)
        kk = k[0] * k[1] * cin // groups
        w = fconst(b, rng, "filter", (cout, *k, cin // groups), 1.0 / math.sqrt(kk))
        oh, ow = T.out_size(hw[0], k[0], stride, dil, pad), T.out_size(hw[1], k[1], stride, dil, pad)
        y = b.tensor("output", (batch, oh, ow, cout), np.float32)
        ins = [x, w] + ([fconst(b, rng, "bias", (cout,), 0.3)] if with_bias else [])
        b.op("CONV_2D", ins, [y], {"padding": pad, "stride_w": stride, "stride_h": stride, "dilation_w_factor": dil,
                                   "dilation_h_factor": dil, "activation": act})
        return finish(b, [x], y, [rng.normal(0.0, 1.0, x.shape).astype(np.float32)])
    return build


def dw_f32(cin: int, mult: int, k: tuple[int, int], stride: int, dil: int, pad: str, act: str,
           with_bias: bool = True, batch: int = 1, hw: tuple[int, int] = (8, 7)) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list]:
        b = ModelBuilder()
        cout = cin * mult
        x = b.tensor("input", (batch, *hw, cin), np.float32)
        w = fconst(b, rng, "filter", (1, *k, cout), 1.0 / math.sqrt(k[0] * k[1]))
        oh, ow = T.out_size(hw[0], k[0], stride, dil, pad), T.out_size(hw[1], k[1], stride, dil, pad)
        y = b.tensor("output", (batch, oh, ow, cout), np.float32)
        ins = [x, w] + ([fconst(b, rng, "bias", (cout,), 0.3)] if with_bias else [])
        b.op("DEPTHWISE_CONV_2D", ins, [y], {
            "padding": pad, "stride_w": stride, "stride_h": stride, "depth_multiplier": mult,
            "dilation_w_factor": dil, "dilation_h_factor": dil, "activation": act})
        return finish(b, [x], y, [rng.normal(0.0, 1.0, x.shape).astype(np.float32)])
    return build


for (kh, kw), stride, dil, pad in [((1, 1), 1, 1, "VALID"), ((3, 3), 1, 1, "SAME"), ((3, 3), 2, 1, "VALID"),
                                   ((5, 3), 1, 2, "SAME"), ((3, 3), 2, 2, "SAME")]:
    act = next(_acts)
    add(f"conv_f32/k{kh}x{kw}_s{stride}_d{dil}_{pad}_{act}", conv_f32(3, 4, (kh, kw), stride, dil, pad, act))
    add(f"dw_f32/m2_k{kh}x{kw}_s{stride}_d{dil}_{pad}_{act}", dw_f32(3, 2, (kh, kw), stride, dil, pad, act))
add("conv_f32/nobias_batch2_c16", conv_f32(16, 5, (3, 3), 1, 1, "SAME", "NONE", False, batch=2, hw=(5, 5)))
add("conv_f32/grouped_g2", conv_f32(4, 6, (3, 3), 1, 1, "SAME", "RELU", groups=2))
add("dw_f32/nobias_m1_c5", dw_f32(5, 1, (3, 3), 1, 1, "SAME", "NONE", False))


# ---- TRANSPOSE_CONV int8 / 16x8 / float ------------------------------------------------
def tconv_out(n: int, k: int, stride: int, pad: str) -> int:
    """The output size TFLite's converter gives (conv of the output back gives n)."""
    return n * stride if pad == "SAME" else (n - 1) * stride + k


def tconv(dtype: str, cin: int, cout: int, k: tuple[int, int], strides: tuple[int, int], pad: str, pc: bool,
          act: str, bias: str = "yes", batch: int = 1, hw: tuple[int, int] = (4, 5),
          out_hw: tuple[int, int] | None = None) -> Build:
    """dtype int8 / int16 / float32; bias yes / no / int16 (16x8 only)."""
    def build(rng: np.random.Generator) -> tuple[bytes, list]:
        b = ModelBuilder()
        oh, ow = out_hw or (tconv_out(hw[0], k[0], strides[0], pad), tconv_out(hw[1], k[1], strides[1], pad))
        contrib = cin * max(1.0, k[0] / strides[0]) * max(1.0, k[1] / strides[1])
        shape = b.const("output_shape", np.array([batch, oh, ow, cout], np.int32))
        opts = {"padding": pad, "stride_w": strides[1], "stride_h": strides[0], "activation": act}
        if dtype == "float32":
            x = b.tensor("input", (batch, *hw, cin), np.float32)
            w = fconst(b, rng, "filter", (cout, *k, cin), 1.0 / math.sqrt(contrib))
            y = b.tensor("output", (batch, oh, ow, cout), np.float32)
            bt = fconst(b, rng, "bias", (cout,), 0.3) if bias == "yes" else None
            arrays = [rng.normal(0.0, 1.0, x.shape).astype(np.float32)]
        elif dtype == "int16":
            s_in = 0.0005
            x = b.tensor("input", (batch, *hw, cin), np.int16, s_in, 0)
            w, s_w = weights8(b, rng, (cout, *k, cin), pc, 0)
            y = b.tensor("output", (batch, oh, ow, cout), np.int16, out_scale16(contrib, s_in, float(s_w.mean()), act), 0)
            bt = None
            if bias == "yes":
                bt = bias_q(b, rng, cout, contrib, s_in, s_w, np.int64)
            elif bias == "int16":
                bt = bias_q(b, rng, cout, 1.0, s_in, s_w, np.int16, x_std=200.0)
            arrays = [rand_i16(rng, x.shape)]
        else:
            s_in = 0.04
            x = b.tensor("input", (batch, *hw, cin), np.int8, s_in, int(rng.integers(-10, 10)))
            w, s_w = weights8(b, rng, (cout, *k, cin), pc, 0)
            s_out, zp_out, _ = T.out_quant(rng, "NONE", int(contrib), s_in, s_w)
            if act == "RELU6":
                s_out, zp_out = 6.0 / 255 * max(1.0, s_out / (6.0 / 255 * 4)), -128
            y = b.tensor("output", (batch, oh, ow, cout), np.int8, s_out, zp_out)
            bt = T.bias(b, rng, cout, int(contrib), s_in, s_w) if bias == "yes" else None
            arrays = [T.rand_i8(rng, x.shape)]
        b.op("TRANSPOSE_CONV", [shape, w, x] + ([bt] if bt is not None else []), [y], opts)
        return finish(b, [x], y, arrays)
    return build


for dtype in ("int8", "int16", "float32"):
    acts = ("NONE", "RELU") if dtype != "float32" else ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")
    for i, (k, strides, pad) in enumerate([((3, 3), (1, 1), "SAME"), ((3, 3), (2, 2), "SAME"),
                                           ((4, 4), (2, 2), "VALID"), ((3, 4), (1, 2), "SAME"),
                                           ((1, 1), (1, 1), "VALID"), ((2, 3), (3, 3), "VALID"),
                                           ((5, 5), (2, 1), "SAME"), ((1, 3), (1, 3), "SAME")]):
        act = acts[i % len(acts)]
        pc = i % 2 == 0
        for cin in (3, 20):  # CMSIS-NN: arm_transpose_conv_s8 up to 16 input channels, reverse conv above
            add(f"tconv_{dtype}/k{k[0]}x{k[1]}_s{strides[0]}x{strides[1]}_{pad}_c{cin}_{'pc' if pc else 'pt'}_{act}",
                tconv(dtype, cin, 4, k, strides, pad, pc, act))
    add(f"tconv_{dtype}/nobias_batch2", tconv(dtype, 5, 3, (3, 3), (2, 2), "SAME", True, "NONE", "no", batch=2))
    add(f"tconv_{dtype}/seanet_like_1x5_to_3x12",
        tconv(dtype, 24, 8, (3, 4), (1, 2), "VALID", True, "NONE", hw=(1, 5), out_hw=(3, 12)))
    # an output larger than the converter would make (TFLM accepts it: the rest is bias only)
    add(f"tconv_{dtype}/output_larger", tconv(dtype, 4, 3, (3, 3), (2, 2), "VALID", True, "NONE", hw=(3, 3),
                                              out_hw=(8, 8)))
add("tconv_int16/int16_bias", tconv("int16", 6, 4, (3, 3), (2, 2), "SAME", True, "NONE", "int16"))
add("tconv_int8/RELU6_c20", tconv("int8", 20, 4, (3, 3), (2, 2), "SAME", True, "RELU6"))


# ---- FULLY_CONNECTED 16x8 and float -------------------------------------------------------
def fc16(in_shape: tuple[int, ...], units: int, pc: bool, bias: str, act: str, keep: bool = False,
         zps: tuple[int, int] = (0, 0)) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list]:
        b = ModelBuilder()
        depth = in_shape[-1]
        w, s_w = weights8(b, rng, (units, depth), pc, 0)
        s_in = s_in16(depth, float(s_w.mean()), act)
        x = b.tensor("input", in_shape, np.int16, s_in, zps[0])
        out_shape = (*in_shape[:-1], units) if keep else (math.prod(in_shape) // depth, units)
        y = b.tensor("output", out_shape, np.int16, out_scale16(depth, s_in, float(s_w.mean()), act), zps[1])
        bt = None
        if bias in ("int64", "int32"):
            bt = bias_q(b, rng, units, depth, s_in, s_w, np.int64 if bias == "int64" else np.int32)
        opts = {"activation": act, "keep_num_dims": keep}
        if bias == "none_qbt32":
            opts["quantized_bias_type"] = "INT32"
        b.op("FULLY_CONNECTED", [x, w, bt], [y], opts)
        return finish(b, [x], y, [rand_i16(rng, in_shape)])
    return build


for pc in (False, True):
    for bias in ("int64", "int32", "none", "none_qbt32"):
        act = next(_acts)
        add(f"fc16/{'pc' if pc else 'pt'}_in3x17_u9_{bias}_{act}", fc16((3, 17), 9, pc, bias, act))
add("fc16/pt_keep_2x3x12_u5", fc16((2, 3, 12), 5, False, "int64", "NONE", keep=True))
add("fc16/pt_zero_points", fc16((2, 20), 7, False, "int64", "NONE", zps=(37, -25)))
add("fc16/pc_zero_points_int32", fc16((2, 20), 7, True, "int32", "NONE", zps=(-100, 12)))
add("fc16/pt_in1x600_u33", fc16((1, 600), 33, False, "int64", "NONE"))


def fc_f32(in_shape: tuple[int, ...], units: int, with_bias: bool, act: str, keep: bool = False) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list]:
        b = ModelBuilder()
        depth = in_shape[-1]
        x = b.tensor("input", in_shape, np.float32)
        w = fconst(b, rng, "filter", (units, depth), 1.0 / math.sqrt(depth))
        out_shape = (*in_shape[:-1], units) if keep else (math.prod(in_shape) // depth, units)
        y = b.tensor("output", out_shape, np.float32)
        bt = fconst(b, rng, "bias", (units,), 0.3) if with_bias else None
        b.op("FULLY_CONNECTED", [x, w, bt], [y], {"activation": act, "keep_num_dims": keep})
        return finish(b, [x], y, [rng.normal(0.0, 1.0, in_shape).astype(np.float32)])
    return build


for shape, units, with_bias, keep in [((1, 16), 16, True, False), ((3, 33), 7, False, False),
                                      ((2, 3, 10), 4, True, True), ((2, 2, 8), 5, True, False)]:
    act = next(_acts)
    add(f"fc_f32/in{T.dims(shape)}_u{units}_{act}{'_keep' if keep else ''}{'' if with_bias else '_nobias'}",
        fc_f32(shape, units, with_bias, act, keep))


# ---- pooling int16 / float --------------------------------------------------------------------
def pool(op: str, dtype: str, f: tuple[int, int], stride: int, pad: str, act: str, batch: int = 1) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list]:
        b = ModelBuilder()
        h, w, c = 9, 8, 3
        oh, ow = T.out_size(h, f[0], stride, 1, pad), T.out_size(w, f[1], stride, 1, pad)
        if dtype == "int16":
            q = ({"RELU6": 1.0 / 4000, "RELU_N1_TO_1": 1.0 / 25000}.get(act, 0.001), 0)
            x = b.tensor("input", (batch, h, w, c), np.int16, *q)
            y = b.tensor("output", (batch, oh, ow, c), np.int16, *q)
            arrays = [rand_i16(rng, x.shape)]
        else:
            x = b.tensor("input", (batch, h, w, c), np.float32)
            y = b.tensor("output", (batch, oh, ow, c), np.float32)
            arrays = [rng.normal(0.0, 3.0, x.shape).astype(np.float32)]
        b.op(op, [x], [y], {"padding": pad, "stride_w": stride, "stride_h": stride, "filter_width": f[1],
                            "filter_height": f[0], "activation": act})
        return finish(b, [x], y, arrays)
    return build


for op in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
    for dtype in ("int16", "float32"):
        for f, stride, pad in [((2, 2), 2, "VALID"), ((3, 3), 1, "SAME"), ((3, 2), 2, "SAME"), ((1, 1), 1, "VALID")]:
            act = next(_acts)
            add(f"{op.lower()}_{dtype}/f{f[0]}x{f[1]}_s{stride}_{pad}_{act}", pool(op, dtype, f, stride, pad, act))
        add(f"{op.lower()}_{dtype}/batch2_f3x3_s2_SAME", pool(op, dtype, (3, 3), 2, "SAME", "NONE", batch=2))


# ---- BATCH_MATMUL int8 / 16x8 / float --------------------------------------------------------
def bmm(dtype: str, lhs: tuple[int, ...], rhs: tuple[int, ...], adj_x: bool, adj_y: bool,
        zps: tuple[int, int, int] = (0, 0, 0), const_rhs: bool = False) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list]:
        b = ModelBuilder()
        rank = max(len(lhs), len(rhs))
        l5, r5 = (1,) * (rank - len(lhs)) + lhs, (1,) * (rank - len(rhs)) + rhs
        batch = tuple(max(a, c) for a, c in zip(l5[:-2], r5[:-2], strict=True))
        rows, depth = (l5[-1], l5[-2]) if adj_x else (l5[-2], l5[-1])
        cols = r5[-2] if adj_y else r5[-1]
        out_shape = (*batch, rows, cols)
        if dtype == "float32":
            x = b.tensor("lhs", lhs, np.float32)
            arrays = [rng.normal(0.0, 1.0, lhs).astype(np.float32)]
            y_arr = rng.normal(0.0, 1.0, rhs).astype(np.float32)
            y = b.const("rhs", y_arr) if const_rhs else b.tensor("rhs", rhs, np.float32)
            o = b.tensor("output", out_shape, np.float32)
        elif dtype == "int16":
            s_l, s_r = 0.001, 0.002
            x = b.tensor("lhs", lhs, np.int16, s_l, 0)
            y_arr = rand_i16(rng, rhs)
            y = b.const("rhs", y_arr, s_r, 0) if const_rhs else b.tensor("rhs", rhs, np.int16, s_r, 0)
            o = b.tensor("output", out_shape, np.int16, math.sqrt(depth) * X16_STD * X16_STD * s_l * s_r / 4000.0, 0)
            arrays = [rand_i16(rng, lhs)]
        else:
            s_l, s_r = 0.03, 0.05
            x = b.tensor("lhs", lhs, np.int8, s_l, zps[0])
            y_arr = T.rand_i8(rng, rhs)
            y = b.const("rhs", y_arr, s_r, zps[1]) if const_rhs else b.tensor("rhs", rhs, np.int8, s_r, zps[1])
            o = b.tensor("output", out_shape, np.int8, math.sqrt(depth) * T.X_STD * T.X_STD * s_l * s_r / 40.0,
                         zps[2])
            arrays = [T.rand_i8(rng, lhs)]
        b.op("BATCH_MATMUL", [x, y], [o], {"adj_x": adj_x, "adj_y": adj_y})
        ins = [x] if const_rhs else [x, y]
        return finish(b, ins, o, arrays if const_rhs else [*arrays, y_arr])
    return build


for dtype in ("int8", "int16", "float32"):
    for lhs, rhs in [((3, 5), (5, 4)), ((2, 3, 5), (2, 5, 4)), ((2, 3, 5), (5, 4)), ((1, 3, 5), (2, 5, 4)),
                     ((2, 1, 3, 5), (1, 3, 5, 4)), ((2, 1, 2, 3, 5), (3, 1, 5, 4))]:
        for adj_x, adj_y in [(False, False), (True, False), (False, True), (True, True)]:
            ll = (*lhs[:-2], lhs[-1], lhs[-2]) if adj_x else lhs
            rr = (*rhs[:-2], rhs[-1], rhs[-2]) if adj_y else rhs
            add(f"bmm_{dtype}/{T.dims(ll)}@{T.dims(rr)}{'_ax' if adj_x else ''}{'_ay' if adj_y else ''}",
                bmm(dtype, ll, rr, adj_x, adj_y))
    add(f"bmm_{dtype}/const_rhs_2x6x7@7x5", bmm(dtype, (2, 6, 7), (7, 5), False, False, const_rhs=True))
    add(f"bmm_{dtype}/deep_1x4x40@9x40_ay", bmm(dtype, (1, 4, 40), (9, 40), False, True))
add("bmm_int8/zero_points", bmm("int8", (2, 3, 6), (2, 6, 4), False, False, zps=(5, -7, 3)))
add("bmm_int8/zero_points_adj", bmm("int8", (2, 6, 3), (2, 4, 6), True, True, zps=(-20, 11, -4)))


# ---- the single-invocation test ------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CASES))
def test_conv_family_op(name: str, backend: str) -> None:
    data, inputs = CASES[name](np.random.default_rng(seed_of(name)))
    refs = run_tflm(data, inputs)
    for i, r in enumerate(refs):
        assert_spread(r, f"{name} output {i}")
    outs = core_module().Model(data, backend=backend).invoke(*inputs)
    assert_same_outputs(refs, outs, f"{name} [{backend}]")
    assert_same_in_every_plan(data, inputs, refs, backend, f"{name} [{backend}]")


# ---- SVDF: state carried across invocations -------------------------------------------------------
def svdf(dtype: str, batch: int, input_size: int, units: int, rank: int, memory: int,
         state_zp: int = 0, act: str = "NONE") -> Callable[[np.random.Generator], tuple[bytes, Callable]]:
    """dtype: int8 (int8 state), int16 (int16 state, int8 input/output) or float32."""
    def build(rng: np.random.Generator) -> tuple[bytes, Callable]:
        b = ModelBuilder()
        filters = units * rank
        if dtype == "float32":
            x = b.tensor("input", (batch, input_size), np.float32)
            wf = fconst(b, rng, "weights_feature", (filters, input_size), 1.0 / math.sqrt(input_size))
            wt = fconst(b, rng, "weights_time", (filters, memory), 1.0 / math.sqrt(memory))
            bt = fconst(b, rng, "bias", (units,), 0.3)
            state = b.tensor("state", (batch, filters * memory), np.float32, is_variable=True)
            y = b.tensor("output", (batch, units), np.float32)

            def gen(r: np.random.Generator) -> np.ndarray:
                return r.normal(0.0, 1.0, (batch, input_size)).astype(np.float32)
        else:
            st = np.int8 if dtype == "int8" else np.int16
            s_in = 0.02
            x = b.tensor("input", (batch, input_size), np.int8, s_in, int(rng.integers(-10, 10)))
            wf = b.const("weights_feature", T.rand_i8(rng, (filters, input_size), -127, 127), 0.01, 0)
            # state at ~ 3 std of the feature products over its range
            feat_std = math.sqrt(input_size) * T.X_STD * T.W_STD * s_in * 0.01
            s_state = 3.0 * feat_std / (100.0 if dtype == "int8" else 25000.0)
            t_lim = 127 if dtype == "int8" else 32767
            wt = b.const("weights_time", rng.integers(-t_lim, t_lim, (filters, memory), endpoint=True).astype(st),
                         1.0 / t_lim, 0)
            bt = b.const("bias", rng.integers(-2000, 2000, units).astype(np.int32), np.float32(s_state / t_lim), 0)
            state = b.tensor("state", (batch, filters * memory), st, s_state, state_zp, is_variable=True)
            s_out = math.sqrt(memory * rank) * 0.577 * feat_std / 40.0  # output std at ~40 steps
            y = b.tensor("output", (batch, units), np.int8, s_out, int(rng.integers(-10, 10)))

            def gen(r: np.random.Generator) -> np.ndarray:
                return T.rand_i8(r, (batch, input_size))
        b.op("SVDF", [x, wf, wt, bt, state], [y], {"rank": rank, "activation": act})
        b.inputs([x])
        b.outputs([y])
        return b.build(), gen
    return build


SVDF_CASES = {
    "svdf_int8/b1_r1": svdf("int8", 1, 12, 6, 1, 5),
    "svdf_int8/b2_r2": svdf("int8", 2, 9, 4, 2, 7),
    "svdf_int8/state_zp": svdf("int8", 1, 10, 5, 2, 4, state_zp=7),
    "svdf_int16/b1_r1": svdf("int16", 1, 16, 8, 1, 8),
    "svdf_int16/b2_r3": svdf("int16", 2, 7, 3, 3, 6),
    "svdf_int16/state_zp": svdf("int16", 1, 10, 5, 1, 4, state_zp=-300),
    "svdf_f32/b1_r1": svdf("float32", 1, 12, 6, 1, 5),
    "svdf_f32/b2_r2_relu": svdf("float32", 2, 9, 4, 2, 7, act="RELU"),
    "svdf_f32/b1_r2_relu6": svdf("float32", 1, 9, 4, 2, 3, act="RELU6"),
}


@pytest.mark.parametrize("name", list(SVDF_CASES))
def test_svdf_sequence(name: str, backend: str) -> None:
    from tflite_micro.python.tflite_micro import runtime

    data, gen = SVDF_CASES[name](np.random.default_rng(seed_of(name)))
    interp = runtime.Interpreter.from_bytes(data, arena_size=1 << 20)
    model = core_module().Model(data, backend=backend)
    rng = np.random.default_rng(seed_of(name) + 1)
    refs_all = []
    for step in range(10):  # more steps than the memory: the state wraps around
        x = gen(rng)
        refs = invoke_tflm(interp, [x], num_outputs(data))
        refs_all.append(refs[0])
        assert_same_outputs(refs, model.invoke(x), f"{name} [{backend}] step {step}")
    assert_spread(np.stack(refs_all), f"{name} outputs")


# ---- errors prepare raises --------------------------------------------------------------------------
def expect_error(data: bytes, backend: str, status: str, *parts: str) -> None:
    with pytest.raises(core_module().CoreError) as e:
        core_module().Model(data, backend=backend)
    msg = str(e.value)
    assert e.value.status == status, f"status {e.value.status}, expected {status}: {msg}"
    for p in parts:
        assert p in msg, msg


def test_conv16_nonzero_zero_point(backend: str) -> None:
    b = ModelBuilder()
    x = b.tensor("input", (1, 4, 4, 2), np.int16, 0.001, 5)
    w, _ = weights8(b, np.random.default_rng(0), (3, 3, 3, 2), True, 0)
    y = b.tensor("output", (1, 4, 4, 3), np.int16, 0.01, 0)
    b.op("CONV_2D", [x, w], [y], {"padding": "SAME", "stride_w": 1, "stride_h": 1})
    data, _ = finish(b, [x], y, [])
    expect_error(data, backend, "UNSUPPORTED", "operator 0 'CONV_2D': input zero point is 5; int16 activations need 0")


def test_dw16_int32_bias(backend: str) -> None:
    b = ModelBuilder()
    x = b.tensor("input", (1, 4, 4, 2), np.int16, 0.001, 0)
    w, s_w = weights8(b, np.random.default_rng(0), (1, 3, 3, 2), True, 3)
    bt = b.const("bias", np.zeros(2, np.int32), 0.001 * s_w, 0)
    y = b.tensor("output", (1, 4, 4, 2), np.int16, 0.01, 0)
    b.op("DEPTHWISE_CONV_2D", [x, w, bt], [y], {"padding": "SAME", "stride_w": 1, "stride_h": 1,
                                                "depth_multiplier": 1})
    data, _ = finish(b, [x], y, [])
    expect_error(data, backend, "UNSUPPORTED",
                 "operator 0 'DEPTHWISE_CONV_2D': bias has type int32; only int64 is supported")


def test_tconv16_int32_bias(backend: str) -> None:
    b = ModelBuilder()
    shape = b.const("output_shape", np.array([1, 8, 8, 2], np.int32))
    x = b.tensor("input", (1, 4, 4, 3), np.int16, 0.001, 0)
    w, s_w = weights8(b, np.random.default_rng(0), (2, 3, 3, 3), True, 0)
    bt = b.const("bias", np.zeros(2, np.int32), 0.001 * s_w, 0)
    y = b.tensor("output", (1, 8, 8, 2), np.int16, 0.01, 0)
    b.op("TRANSPOSE_CONV", [shape, w, x, bt], [y], {"padding": "SAME", "stride_w": 2, "stride_h": 2})
    data, _ = finish(b, [x], y, [])
    expect_error(data, backend, "UNSUPPORTED",
                 "operator 0 'TRANSPOSE_CONV': bias has type int32; only int64 or int16 is supported")


def test_tconv_output_shape_mismatch(backend: str) -> None:
    b = ModelBuilder()
    shape = b.const("output_shape", np.array([1, 8, 9, 2], np.int32))
    x = b.tensor("input", (1, 4, 4, 3), np.float32)
    w = b.const("filter", np.ones((2, 3, 3, 3), np.float32))
    y = b.tensor("output", (1, 8, 8, 2), np.float32)
    b.op("TRANSPOSE_CONV", [shape, w, x], [y], {"padding": "SAME", "stride_w": 2, "stride_h": 2})
    data, _ = finish(b, [x], y, [])
    expect_error(data, backend, "INVALID_MODEL",
                 "operator 0 'TRANSPOSE_CONV': output_shape [1, 8, 9, 2] differs from the output tensor's shape")


def test_tconv_uint8_input(backend: str) -> None:
    b = ModelBuilder()
    shape = b.const("output_shape", np.array([1, 8, 8, 2], np.int32))
    x = b.tensor("input", (1, 4, 4, 3), np.uint8, 0.1, 128)
    w = b.const("filter", np.ones((2, 3, 3, 3), np.uint8), 0.1, 128)
    y = b.tensor("output", (1, 8, 8, 2), np.uint8, 0.1, 128)
    b.op("TRANSPOSE_CONV", [shape, w, x], [y], {"padding": "SAME", "stride_w": 2, "stride_h": 2})
    data, _ = finish(b, [x], y, [])
    expect_error(data, backend, "UNSUPPORTED",
                 "operator 0 'TRANSPOSE_CONV': input has type uint8; this build runs int8, int16, float32")


def test_svdf_without_bias(backend: str) -> None:
    b = ModelBuilder()
    x = b.tensor("input", (1, 4), np.int8, 0.02, 0)
    wf = b.const("weights_feature", np.ones((3, 4), np.int8), 0.01, 0)
    wt = b.const("weights_time", np.ones((3, 2), np.int16), 0.001, 0)
    state = b.tensor("state", (1, 6), np.int16, 0.001, 0, is_variable=True)
    y = b.tensor("output", (1, 3), np.int8, 0.05, 0)
    b.op("SVDF", [x, wf, wt, None, state], [y], {"rank": 1})
    data, _ = finish(b, [x], y, [])
    expect_error(data, backend, "INVALID_MODEL", "operator 0 'SVDF': bias is missing")


def test_svdf_state_not_variable(backend: str) -> None:
    b = ModelBuilder()
    x = b.tensor("input", (1, 4), np.float32)
    wf = b.const("weights_feature", np.ones((3, 4), np.float32))
    wt = b.const("weights_time", np.ones((3, 2), np.float32))
    state = b.tensor("state", (1, 6), np.float32)
    y = b.tensor("output", (1, 3), np.float32)
    b.op("SVDF", [x, wf, wt, None, state], [y], {"rank": 1})
    data, _ = finish(b, [x, state], y, [])
    expect_error(data, backend, "INVALID_MODEL", "operator 0 'SVDF': the state (input 4) must be a variable tensor")


def test_svdf_f32_tanh(backend: str) -> None:
    b = ModelBuilder()
    x = b.tensor("input", (1, 4), np.float32)
    wf = b.const("weights_feature", np.ones((3, 4), np.float32))
    wt = b.const("weights_time", np.ones((3, 2), np.float32))
    state = b.tensor("state", (1, 6), np.float32, is_variable=True)
    y = b.tensor("output", (1, 3), np.float32)
    b.op("SVDF", [x, wf, wt, None, state], [y], {"rank": 1, "activation": "TANH"})
    data, _ = finish(b, [x], y, [])
    expect_error(data, backend, "UNSUPPORTED", "operator 0 'SVDF': fused activation 4 is not supported")


def test_dw_f32_fused_tanh(backend: str) -> None:
    """A fused TANH on a float convolution is refused, as on every other type (TFLM silently ignores it)."""
    data, _ = dw_f32(2, 1, (3, 3), 1, 1, "SAME", "TANH")(np.random.default_rng(1))
    expect_error(data, backend, "UNSUPPORTED", "operator 0 'DEPTHWISE_CONV_2D': fused activation 4 is not supported")


def test_svdf_rank_mismatch(backend: str) -> None:
    b = ModelBuilder()
    x = b.tensor("input", (1, 4), np.float32)
    wf = b.const("weights_feature", np.ones((3, 4), np.float32))
    wt = b.const("weights_time", np.ones((3, 2), np.float32))
    state = b.tensor("state", (1, 6), np.float32, is_variable=True)
    y = b.tensor("output", (1, 3), np.float32)
    b.op("SVDF", [x, wf, wt, None, state], [y], {"rank": 2})
    data, _ = finish(b, [x], y, [])
    expect_error(data, backend, "INVALID_MODEL", "operator 0 'SVDF': rank 2 does not divide the 3 filters")


def test_fc16_shift_too_large(backend: str) -> None:
    b = ModelBuilder()
    x = b.tensor("input", (1, 4), np.int16, 1.0, 0)
    w = b.const("filter", np.ones((2, 4), np.int8), 1.0, 0)
    y = b.tensor("output", (1, 2), np.int16, 1e-6, 0)
    b.op("FULLY_CONNECTED", [x, w, None], [y])
    data, _ = finish(b, [x], y, [])
    expect_error(data, backend, "UNSUPPORTED", "operator 0 'FULLY_CONNECTED': effective scale")


def test_svdf_reset(backend: str) -> None:
    """reset() zeroes the state: the next outputs are those of a fresh model."""
    data, gen = SVDF_CASES["svdf_int16/b1_r1"](np.random.default_rng(1))
    rng = np.random.default_rng(2)
    xs = [gen(rng) for _ in range(4)]
    model = core_module().Model(data, backend=backend)
    first = [model.invoke(x)[0].copy() for x in xs]
    model.reset()
    again = [model.invoke(x)[0] for x in xs]
    for a, b_ in zip(first, again, strict=True):
        assert a.tobytes() == b_.tobytes()
    assert any(first[0].tobytes() != f.tobytes() for f in first[1:]), "state had no effect"


def test_bmm_batch_mismatch(backend: str) -> None:
    b = ModelBuilder()
    x = b.tensor("lhs", (2, 3, 4), np.float32)
    y = b.tensor("rhs", (3, 4, 5), np.float32)
    o = b.tensor("output", (3, 3, 5), np.float32)
    b.op("BATCH_MATMUL", [x, y], [o], {"adj_x": False, "adj_y": False})
    data, _ = finish(b, [x, y], o, [])
    expect_error(data, backend, "INVALID_MODEL", "operator 0 'BATCH_MATMUL': batch dimensions 2 and 3 do not broadcast")


def test_bmm_depth_mismatch(backend: str) -> None:
    b = ModelBuilder()
    x = b.tensor("lhs", (3, 4), np.float32)
    y = b.tensor("rhs", (5, 6), np.float32)
    o = b.tensor("output", (3, 6), np.float32)
    b.op("BATCH_MATMUL", [x, y], [o], {"adj_x": False, "adj_y": False})
    data, _ = finish(b, [x, y], o, [])
    expect_error(data, backend, "INVALID_MODEL", "operator 0 'BATCH_MATMUL': lhs has depth 4 but rhs 5")


def test_bmm16_zero_point(backend: str) -> None:
    b = ModelBuilder()
    x = b.tensor("lhs", (3, 4), np.int16, 0.01, 0)
    y = b.tensor("rhs", (4, 5), np.int16, 0.01, 3)
    o = b.tensor("output", (3, 5), np.int16, 0.1, 0)
    b.op("BATCH_MATMUL", [x, y], [o], {"adj_x": False, "adj_y": False})
    data, _ = finish(b, [x, y], o, [])
    expect_error(data, backend, "UNSUPPORTED", "operator 0 'BATCH_MATMUL': rhs zero point 3 is not supported (int16 needs 0)")


def test_bmm_output_shape(backend: str) -> None:
    b = ModelBuilder()
    x = b.tensor("lhs", (2, 3, 4), np.int8, 0.1, 0)
    y = b.tensor("rhs", (4, 5), np.int8, 0.1, 0)
    o = b.tensor("output", (3, 2, 5), np.int8, 0.1, 0)
    b.op("BATCH_MATMUL", [x, y], [o], {"adj_x": False, "adj_y": False})
    data, _ = finish(b, [x, y], o, [])
    expect_error(data, backend, "INVALID_MODEL", "operator 0 'BATCH_MATMUL': output shape is [3, 2, 5], expected [2, 3, 5]")


# ---- RAM on TFLM's models of this family ------------------------------------------------------------
FAMILY_MODELS = sorted(p for p in (SHARED_MODELS / "tflm").glob("*.tflite")
                       if p.stem.startswith(("seanet__conv__", "seanet__transpose_conv__", "keyword_scrambled"))
                       or p.stem in ("hello_world__hello_world_float", "sine_float"))


@functools.cache
def tflm_arena(path: Path) -> int:
    import test_models

    return test_models.tflm_measured_arena(path)


@pytest.mark.skipif(not FAMILY_MODELS, reason="TFLM reference models folder is absent")
@pytest.mark.parametrize("path", FAMILY_MODELS, ids=[p.stem for p in FAMILY_MODELS])
def test_family_model_memory(path: Path, backend: str) -> None:
    """Our RAM (arena + metadata, less CMSIS-NN's kernel scratch) is at most TFLM's arena."""
    data = path.read_bytes()
    model = core_module().Model(data, backend=backend)
    scratch = max(0, model.arena_size - core_module().Model(data, backend="ref").arena_size)
    ours = model.arena_size + model.persistent_size - scratch
    assert ours <= tflm_arena(path), f"{path.name} [{backend}]: {ours} B > TFLM's {tflm_arena(path)} B"

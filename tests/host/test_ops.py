"""Per-op conformance: tiny one-op (and a few chained) models, outputs
byte-equal to the tflite-micro reference interpreter on every backend."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pytest
from harness import (
    assert_same_in_every_plan,
    assert_same_outputs,
    assert_spread,
    core_module,
    dsp_add_ok,
    expect_row_plans,
    seed_of,
)
from tflite_builder import ModelBuilder, Tensor, run_tflm

Build = Callable[[np.random.Generator], tuple[bytes, list[np.ndarray]]]
ACTS = ("NONE", "RELU", "RELU6")
X_STD = 74.0  # std of a uniform int8 minus a small zero point
W_STD = 73.0  # std of a uniform weight in [-127, 127]


@dataclass(frozen=True)
class Case:
    id: str
    build: Build


CASES: list[Case] = []


def case(id_: str) -> Callable[[Build], Build]:
    def register(fn: Build) -> Build:
        CASES.append(Case(id_, fn))
        return fn

    return register


def rand_i8(rng: np.random.Generator, shape: Sequence[int], lo: int = -128, hi: int = 127) -> np.ndarray:
    return rng.integers(lo, hi + 1, tuple(shape), dtype=np.int8)


def dims(shape: Sequence[int]) -> str:
    return "x".join(map(str, shape))


def out_size(n: int, k: int, stride: int, dil: int, padding: str) -> int:
    eff = (k - 1) * dil + 1
    return (n + stride - 1) // stride if padding == "SAME" else (n - eff + stride) // stride


def acc_out_scale(k: int, s_in: float, s_w: float, x_std: float = X_STD) -> float:
    """Output scale putting one standard deviation of a K-term dot product at ~40 steps."""
    return math.sqrt(k) * x_std * W_STD * s_in * s_w / 40.0


def out_quant(
    rng: np.random.Generator, act: str, k: int, s_in: float, s_w: np.ndarray
) -> tuple[float, int, np.ndarray]:
    """Output scale/zero point of a conv/FC; for RELU6 the usual (6/255, -128),
    with the weight scales shrunk so the real accumulator spans about [-6, 6]."""
    if act == "RELU6":
        s_w = s_w * (2.5 / (math.sqrt(k) * X_STD * W_STD * s_in * float(s_w.mean())))
        return 6.0 / 255, -128, s_w
    return acc_out_scale(k, s_in, float(s_w.mean())), int(rng.integers(-10, 10)), s_w


def weights(
    b: ModelBuilder, rng: np.random.Generator, shape: Sequence[int], per_channel: bool, qdim: int,
    act: str = "NONE", s_in: float = 1.0,
) -> tuple[Tensor, np.ndarray, tuple[float, int]]:
    """Random weights (and the output quantization for them, see out_quant)."""
    n = shape[qdim]
    s_w = rng.uniform(0.004, 0.02, n) if per_channel else np.array([0.01])
    k = math.prod(shape) // n
    s_out, zp_out, s_w = out_quant(rng, act, k, s_in, s_w)
    w = b.const("filter", rand_i8(rng, shape, -127, 127), scale=s_w, zero_point=np.zeros(s_w.size, np.int64),
                quantized_dimension=qdim)
    return w, s_w, (s_out, zp_out)


def bias(b: ModelBuilder, rng: np.random.Generator, n: int, k: int, s_in: float, s_w: np.ndarray) -> Tensor:
    values = rng.normal(0.0, 0.5 * math.sqrt(k) * X_STD * W_STD, n).astype(np.int32)
    s_b = np.broadcast_to(s_in * s_w, (n,)).copy() if s_w.size > 1 else np.array([s_in * s_w[0]])
    return b.const("bias", values, scale=s_b, zero_point=np.zeros(s_b.size, np.int64))


def single(
    b: ModelBuilder, rng: np.random.Generator, inputs: Sequence[Tensor], output: Tensor
) -> tuple[bytes, list[np.ndarray]]:
    """Finish a model with these graph inputs/output; random int8 inputs."""
    b.inputs(list(inputs))
    b.outputs([output])
    arrays = [rand_i8(rng, t.shape) for t in inputs]
    return b.build(), arrays


# ---- CONV_2D ----------------------------------------------------------------
def conv_case(cin: int, cout: int, kh: int, kw: int, stride: int, dil: int, padding: str, per_channel: bool,
              act: str, bias_mode: str = "bias", batch: int = 1, hw: tuple[int, int] = (11, 9)) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        s_in, zp_in = 0.04, int(rng.integers(-10, 10))
        x = b.tensor("input", (batch, *hw, cin), np.int8, s_in, zp_in)
        w, s_w, q_out = weights(b, rng, (cout, kh, kw, cin), per_channel, 0, act, s_in)
        ins = [x, w, bias(b, rng, cout, kh * kw * cin, s_in, s_w) if bias_mode == "bias" else None]
        oh, ow = (out_size(hw[0], kh, stride, dil, padding), out_size(hw[1], kw, stride, dil, padding))
        y = b.tensor("output", (batch, oh, ow, cout), np.int8, *q_out)
        b.op("CONV_2D", ins[:2] if bias_mode == "absent" else ins, [y], {
            "padding": padding, "stride_w": stride, "stride_h": stride,
            "dilation_w_factor": dil, "dilation_h_factor": dil, "activation": act})
        return single(b, rng, [x], y)

    return build


_chan = itertools.cycle([(3, 5), (1, 7), (5, 3), (2, 9), (7, 1)])
_acts = itertools.cycle(ACTS)
_bias = itertools.cycle(["bias", "bias", "none", "bias", "absent"])
for (kh, kw), stride, dil, padding, pc in itertools.product(
    [(1, 1), (3, 3), (5, 3)], [1, 2], [1, 2], ["SAME", "VALID"], [False, True]
):
    if (kh, kw) == (1, 1) and dil == 2:
        continue
    cin, cout = next(_chan)
    act, wb = next(_acts), next(_bias)
    name = f"conv/k{kh}x{kw}_s{stride}_d{dil}_{padding}_{'pc' if pc else 'pt'}_{act}_c{cin}x{cout}_{wb}"
    case(name)(conv_case(cin, cout, kh, kw, stride, dil, padding, pc, act, wb))
case("conv/batch2_k3x3_s1_SAME_pc_RELU")(conv_case(3, 4, 3, 3, 1, 1, "SAME", True, "RELU", batch=2))
case("conv/stride2x1_like_kws")(conv_case(1, 6, 5, 3, 2, 1, "SAME", True, "RELU", hw=(13, 6)))
case("conv/k3x3_s1_VALID_pc_c16x8")(conv_case(16, 8, 3, 3, 1, 1, "VALID", True, "NONE", hw=(5, 5)))
case("conv/k1x1_s1_pc_c32x16")(conv_case(32, 16, 1, 1, 1, 1, "SAME", True, "RELU6", hw=(4, 4)))
# shapes that select CMSIS-NN's special kernels (1x1 fast, 1xN, wide channels)
case("conv/k1x1_s1_VALID_pc_c8x6")(conv_case(8, 6, 1, 1, 1, 1, "VALID", True, "NONE", hw=(5, 3)))
case("conv/k1x1_s2_VALID_pc_c4x4")(conv_case(4, 4, 1, 1, 2, 1, "VALID", True, "RELU", hw=(7, 6)))
for stride, padding in itertools.product([1, 2], ["SAME", "VALID"]):
    case(f"conv/1xN_k1x5_s{stride}_{padding}_pc_c4x5")(
        conv_case(4, 5, 1, 5, stride, 1, padding, True, "NONE", hw=(1, 20)))
case("conv/k3x3_s1_SAME_pc_c64x3")(conv_case(64, 3, 3, 3, 1, 1, "SAME", True, "NONE", hw=(4, 3)))
case("conv/k3x3_s1_SAME_pt_c1x33")(conv_case(1, 33, 3, 3, 1, 1, "SAME", False, "RELU", hw=(3, 4)))


# ---- DEPTHWISE_CONV_2D ------------------------------------------------------
def dw_case(cin: int, mult: int, kh: int, kw: int, stride: int, dil: int, padding: str, per_channel: bool,
            act: str, with_bias: bool = True, batch: int = 1, hw: tuple[int, int] = (10, 9)) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        s_in, zp_in = 0.05, int(rng.integers(-10, 10))
        h, w_ = hw
        cout = cin * mult
        x = b.tensor("input", (batch, h, w_, cin), np.int8, s_in, zp_in)
        w, s_w, q_out = weights(b, rng, (1, kh, kw, cout), per_channel, 3, act, s_in)
        # Without bias: two inputs (TFLM's depthwise conv crashes on an absent, -1, bias).
        ins = [x, w, bias(b, rng, cout, kh * kw, s_in, s_w)] if with_bias else [x, w]
        oh, ow = out_size(h, kh, stride, dil, padding), out_size(w_, kw, stride, dil, padding)
        y = b.tensor("output", (batch, oh, ow, cout), np.int8, *q_out)
        b.op("DEPTHWISE_CONV_2D", ins, [y], {
            "padding": padding, "stride_w": stride, "stride_h": stride, "depth_multiplier": mult,
            "dilation_w_factor": dil, "dilation_h_factor": dil, "activation": act})
        return single(b, rng, [x], y)

    return build


_dil = itertools.cycle([1, 2, 1])
_pc = itertools.cycle([True, False])
_cin = itertools.cycle([3, 1, 5, 2, 8])
for mult, (kh, kw), stride, padding in itertools.product(
    [1, 2, 3], [(1, 1), (3, 3), (5, 3)], [1, 2], ["SAME", "VALID"]
):
    dil = 1 if (kh, kw) == (1, 1) else next(_dil)
    pc, act, cin = next(_pc), next(_acts), next(_cin)
    name = f"dwconv/m{mult}_k{kh}x{kw}_s{stride}_d{dil}_{padding}_{'pc' if pc else 'pt'}_{act}_c{cin}"
    case(name)(dw_case(cin, mult, kh, kw, stride, dil, padding, pc, act))
for cin, stride in itertools.product([4, 12, 7], [1, 2]):  # CMSIS-NN 3x3 and ch_mult 1 fast paths
    case(f"dwconv/fast_m1_k3x3_s{stride}_SAME_pc_c{cin}")(dw_case(cin, 1, 3, 3, stride, 1, "SAME", True, "NONE"))
case("dwconv/batch3_m2_k3x3_s1_SAME_pc")(dw_case(3, 2, 3, 3, 1, 1, "SAME", True, "RELU", batch=3, hw=(5, 4)))
case("dwconv/m1_k1x1_s1_VALID_pc_c16")(dw_case(16, 1, 1, 1, 1, 1, "VALID", True, "RELU6", hw=(3, 3)))
case("dwconv/m1_k3x3_s1_SAME_pc_nobias")(dw_case(4, 1, 3, 3, 1, 1, "SAME", True, "NONE", with_bias=False))
case("dwconv/m2_k3x3_s2_VALID_pt_nobias")(dw_case(3, 2, 3, 3, 2, 1, "VALID", False, "RELU", with_bias=False))
# late layers: many channels, a small map, where CMSIS-NN's optimized kernel would take a scratch buffer larger
# than the layer's tensors (DSP: channels x filter area x 2 bytes; MVE: 4 x 124 x filter area), so the cmsis-nn
# backend runs arm_depthwise_conv_s8 there (on the M7 and M55 device runs of these cases)
case("dwconv/late_m1_k7x7_s1_SAME_pc_c96")(dw_case(96, 1, 7, 7, 1, 1, "SAME", True, "RELU6", hw=(3, 3)))
case("dwconv/late_m1_k3x3_s2_SAME_pc_c64")(dw_case(64, 1, 3, 3, 2, 1, "SAME", True, "NONE", hw=(2, 2)))
# narrow maps at kernels/dsp's depthwise rule's edges: rows of 4 pixels taken, of 3 taken only with a filter of
# 25 taps or more
case("dwconv/narrow_m1_k3x3_s1_SAME_pc_c8_w4")(dw_case(8, 1, 3, 3, 1, 1, "SAME", True, "RELU", hw=(5, 4)))
case("dwconv/narrow_m1_k3x3_s1_SAME_pt_c8_w3")(dw_case(8, 1, 3, 3, 1, 1, "SAME", False, "NONE", hw=(5, 3)))
case("dwconv/narrow_m1_k5x5_s1_SAME_pc_c12_w3")(dw_case(12, 1, 5, 5, 1, 1, "SAME", True, "RELU6", hw=(4, 3)))
# small maps, whose whole-layer calls take kernels/dsp's padded copy (bands of 4 output rows and a remainder of 2;
# a per-channel requantization and a batch of 2)
case("dwconv/small_m1_k3x3_s1_SAME_pc_c16_6x6")(dw_case(16, 1, 3, 3, 1, 1, "SAME", True, "RELU6", hw=(6, 6)))
case("dwconv/small_m1_k3x3_s1_SAME_pt_c8_4x4_b2")(dw_case(8, 1, 3, 3, 1, 1, "SAME", False, "NONE", batch=2, hw=(4, 4)))
# one input channel, depth multiplier = output channels (micro_speech's 10x8, stride 2, x8): a CONV_2D of one
# group, which kernels/dsp and kernels/armv6m run through their CONV_2D code (kernels/tml_dw_conv.h); K = 4 is
# the DSP kernel's least, K = 1 stays the backend's
for mult, (kh, kw), stride, dil, padding, pc, act, batch, hw in [
    (8, (10, 8), 2, 1, "SAME", True, "RELU", 1, (15, 12)), (4, (3, 3), 1, 2, "SAME", False, "RELU6", 1, (9, 8)),
    (5, (5, 3), 2, 1, "VALID", True, "NONE", 2, (11, 9)), (2, (2, 2), 1, 1, "VALID", True, "NONE", 1, (6, 7)),
    (3, (1, 1), 1, 1, "VALID", True, "RELU", 1, (5, 6)), (16, (4, 1), 1, 1, "SAME", True, "NONE", 1, (7, 5)),
]:
    case(f"dwconv/c1_m{mult}_k{kh}x{kw}_s{stride}_d{dil}_{padding}_{'pc' if pc else 'pt'}_{act}_b{batch}")(
        dw_case(1, mult, kh, kw, stride, dil, padding, pc, act, batch=batch, hw=hw))
case("dwconv/c1_m8_k3x3_s1_SAME_pc_nobias")(dw_case(1, 8, 3, 3, 1, 1, "SAME", True, "NONE", with_bias=False))


@case("dwconv/m1_k3x3_s1_SAME_pc_c8_shifts")
def dw_shifts(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
    """Channels whose requantization leaves the usual range: channel 1 an effective scale of 1.5 (a left
    shift; weights in [-1, 1]), channel 6 one of 2^-26 (a right shift beyond 23): kernels/dsp's DEPTHWISE_CONV_2D
    requantizes their groups by the general path."""
    b = ModelBuilder()
    s_in, zp_in = 0.05, int(rng.integers(-10, 10))
    x = b.tensor("input", (1, 6, 5, 8), np.int8, s_in, zp_in)
    w_int = rand_i8(rng, (1, 3, 3, 8), -127, 127)
    w_int[..., 1] = rng.integers(-1, 2, (1, 3, 3))
    s_w = rng.uniform(0.004, 0.02, 8)
    s_out = acc_out_scale(9, s_in, float(s_w.mean()))
    s_w[1] = 1.5 * s_out / s_in
    s_w[6] = 2.0 ** -26 * s_out / s_in
    w = b.const("filter", w_int, scale=s_w, zero_point=np.zeros(8, np.int64), quantized_dimension=3)
    y = b.tensor("output", (1, 6, 5, 8), np.int8, s_out, int(rng.integers(-10, 10)))
    b.op("DEPTHWISE_CONV_2D", [x, w, bias(b, rng, 8, 9, s_in, s_w)], [y],
         {"padding": "SAME", "stride_w": 1, "stride_h": 1, "depth_multiplier": 1})
    return single(b, rng, [x], y)


# ---- FULLY_CONNECTED --------------------------------------------------------
def fc_case(in_shape: tuple[int, ...], units: int, per_channel: bool, keep: bool, with_bias: bool, act: str) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        s_in, zp_in = 0.03, int(rng.integers(-10, 10))
        depth = in_shape[-1]
        x = b.tensor("input", in_shape, np.int8, s_in, zp_in)
        w, s_w, q_out = weights(b, rng, (units, depth), per_channel, 0, act, s_in)
        bt = bias(b, rng, units, depth, s_in, s_w) if with_bias else None
        out_shape = (*in_shape[:-1], units) if keep else (math.prod(in_shape) // depth, units)
        y = b.tensor("output", out_shape, np.int8, *q_out)
        b.op("FULLY_CONNECTED", [x, w, bt], [y], {"activation": act, "keep_num_dims": keep})
        return single(b, rng, [x], y)

    return build


for pc, keep, shape, wb in itertools.product(
    [False, True], [False, True], [(1, 20), (3, 17), (2, 3, 12)], [True, False]
):
    if keep and len(shape) == 2 and shape[0] == 1:
        continue
    act = next(_acts)
    units = 9 if shape[-1] != 20 else 16
    name = f"fc/{'pc' if pc else 'pt'}_{'keep_' if keep else ''}in{dims(shape)}_u{units}_{act}{'' if wb else '_nobias'}"
    case(name)(fc_case(shape, units, pc, keep, wb, act))
case("fc/pt_in1x640_u128_RELU")(fc_case((1, 640), 128, False, False, True, "RELU"))
case("fc/pc_in1x2x2x8_u7")(fc_case((1, 2, 2, 8), 7, True, False, True, "NONE"))
case("fc/pt_in5x33_u3")(fc_case((5, 33), 3, False, False, True, "NONE"))
# depth 1 (hello_world's first layer: kernels/armv6m's one-batch path, CMSIS-NN's for more batches), depth 3
# (below kernels/dsp's word), and 13 rows of 37 (4-row passes, a row and word tail)
case("fc/pt_in1x1_u16_RELU")(fc_case((1, 1), 16, False, False, True, "RELU"))
case("fc/pc_in3x1_u5")(fc_case((3, 1), 5, True, False, True, "NONE"))
case("fc/pt_in1x3_u6_nobias")(fc_case((1, 3), 6, False, False, False, "NONE"))
case("fc/pc_in1x37_u13_RELU6")(fc_case((1, 37), 13, True, False, True, "RELU6"))
# 10 rows: kernels/dsp's 2-row tail after the 4-row passes (the MobileNets' 2-class layer), per channel, a word tail,
# 2 batches, no bias
case("fc/pc_in2x45_u10_nobias")(fc_case((2, 45), 10, True, False, False, "NONE"))


# ---- AVERAGE_POOL_2D / MAX_POOL_2D -------------------------------------------
def pool_case(op: str, fh: int, fw: int, stride: int, padding: str, act: str) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        s, zp = 0.05, int(rng.integers(-20, 20))
        h, w, c = 12, 11, 4
        x = b.tensor("input", (1, h, w, c), np.int8, s, zp)
        y = b.tensor("output", (1, out_size(h, fh, stride, 1, padding), out_size(w, fw, stride, 1, padding), c),
                     np.int8, s, zp)
        b.op(op, [x], [y], {"padding": padding, "stride_w": stride, "stride_h": stride, "filter_width": fw,
                            "filter_height": fh, "activation": act})
        return single(b, rng, [x], y)

    return build


for op, (fh, fw), stride, padding in itertools.product(
    ["AVERAGE_POOL_2D", "MAX_POOL_2D"], [(2, 2), (3, 3), (3, 2), (1, 1)], [1, 2], ["SAME", "VALID"]
):
    act = next(_acts)
    case(f"{op.lower()}/f{fh}x{fw}_s{stride}_{padding}_{act}")(pool_case(op, fh, fw, stride, padding, act))
case("average_pool_2d/global_f12x11")(pool_case("AVERAGE_POOL_2D", 12, 11, 1, "VALID", "NONE"))


# ---- SOFTMAX ----------------------------------------------------------------
def softmax_case(shape: tuple[int, ...], beta: float, s_in: float) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        x = b.tensor("input", shape, np.int8, s_in, int(rng.integers(-10, 10)))
        y = b.tensor("output", shape, np.int8, 1.0 / 256, -128)
        b.op("SOFTMAX", [x], [y], {"beta": beta})
        b.inputs([x])
        b.outputs([y])
        # Keep logits within a few units so the distribution is not one-hot.
        span = int(min(127, max(8, 3.0 / (s_in * beta))))
        return b.build(), [rand_i8(rng, shape, -span, span)]

    return build


for shape, beta, s_in in itertools.product([(10,), (3, 10), (1, 2, 3, 10)], [1.0, 0.5], [0.02, 0.1, 0.25]):
    case(f"softmax/{dims(shape)}_beta{beta:g}_s{s_in:g}")(softmax_case(shape, beta, s_in))
case("softmax/1x12_like_kws")(softmax_case((1, 12), 1.0, 0.0625))
case("softmax/2x100_beta1_s0.05")(softmax_case((2, 100), 1.0, 0.05))


# ---- ADD / MUL --------------------------------------------------------------
def binary_case(op: str, s1: tuple[int, ...], s2: tuple[int, ...], q1: tuple[float, int], q2: tuple[float, int],
                act: str, const2: bool = False) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        a = b.tensor("a", s1, np.int8, *q1)
        c = b.const("b", rand_i8(rng, s2), *q2) if const2 else b.tensor("b", s2, np.int8, *q2)
        if op == "ADD":
            s_out = math.hypot(q1[0], q2[0]) * X_STD / 40.0
        else:
            s_out = q1[0] * q2[0] * X_STD * X_STD / 40.0
        y = b.tensor("output", np.broadcast_shapes(s1, s2), np.int8, s_out, int(rng.integers(-10, 10)))
        b.op(op, [a, c], [y], {"activation": act})
        return single(b, rng, [a] if const2 else [a, c], y)

    return build


_shapes = [((1, 4, 5, 3), (1, 4, 5, 3)), ((1, 4, 5, 3), (1, 1, 1, 3)), ((1, 4, 5, 3), (1, 4, 1, 1)),
           ((1, 4, 1, 3), (1, 1, 5, 1)), ((4, 6), (6,)), ((2, 7), (1,)), ((13,), (13,))]
_quants = [((0.05, -3), (0.05, -3)), ((0.02, 5), (0.07, -10))]
for op, (s1, s2), (q1, q2) in itertools.product(["ADD", "MUL"], _shapes, _quants):
    act = next(_acts)
    shp = f"{dims(s1)}+{dims(s2)}"
    case(f"{op.lower()}/{shp}_{'same' if q1 == q2 else 'diff'}q_{act}")(binary_case(op, s1, s2, q1, q2, act))
for op in ("ADD", "MUL"):
    case(f"{op.lower()}/zp_extremes_1x4x5x3")(
        binary_case(op, (1, 4, 5, 3), (1, 4, 5, 3), (0.05, -128), (0.03, 127), "NONE"))
    case(f"{op.lower()}/scale_ratio_100_2x9")(binary_case(op, (2, 9), (2, 9), (0.5, 0), (0.005, 3), "NONE"))
    case(f"{op.lower()}/const_rhs_1x4x5x3+3")(binary_case(op, (1, 4, 5, 3), (3,), (0.04, 2), (0.01, 0), "NONE", True))


# ---- RESHAPE / SQUEEZE --------------------------------------------------------
def reshape_case(shape: tuple[int, ...], new: tuple[int, ...], mode: str) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        x = b.tensor("input", shape, np.int8, 0.1, 4)
        out = tuple(math.prod(shape) // -math.prod(new) if d == -1 else d for d in new)
        y = b.tensor("output", out, np.int8, 0.1, 4)
        if mode == "tensor":
            b.op("RESHAPE", [x, b.const("shape", np.array(new, np.int32))], [y])
        elif mode == "options":
            b.op("RESHAPE", [x], [y], {"new_shape": list(new)})
        else:
            b.op("RESHAPE", [x], [y])
        return single(b, rng, [x], y)

    return build


for shape, new in [((1, 4, 4, 3), (1, 48)), ((2, 6), (3, 4)), ((1, 2, 3, 4), (-1, 6)), ((24,), (2, 3, 4))]:
    for mode in ("tensor", "options", "none"):
        case(f"reshape/{dims(shape)}_to_{dims(new)}_{mode}")(reshape_case(shape, new, mode))


def squeeze_case(shape: tuple[int, ...], axes: Sequence[int]) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        x = b.tensor("input", shape, np.int8, 0.1, -2)
        nd = len(shape)
        drop = {d % nd for d in axes} if axes else {i for i, d in enumerate(shape) if d == 1}
        y = b.tensor("output", tuple(d for i, d in enumerate(shape) if i not in drop), np.int8, 0.1, -2)
        b.op("SQUEEZE", [x], [y], {"squeeze_dims": list(axes)} if axes else None)
        return single(b, rng, [x], y)

    return build


for shape, axes in [((1, 5, 1, 3), [0, 2]), ((1, 5, 1, 3), []), ((1, 5, 1, 3), [-2]), ((1, 1, 1, 12), [1, 2])]:
    case(f"squeeze/{dims(shape)}_dims{'_'.join(map(str, axes)) or 'all'}")(squeeze_case(shape, axes))


# ---- elementwise: LOGISTIC / TANH / RELU / RELU6 ------------------------------
def unary_case(op: str, shape: tuple[int, ...], q_in: tuple[float, int], q_out: tuple[float, int]) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        x = b.tensor("input", shape, np.int8, *q_in)
        y = b.tensor("output", shape, np.int8, *q_out)
        b.op(op, [x], [y])
        return single(b, rng, [x], y)

    return build


for s_in, zp in [(0.02, 0), (0.05, -12), (0.1, 7), (0.01, -128)]:
    case(f"logistic/s{s_in:g}_zp{zp}")(unary_case("LOGISTIC", (2, 37), (s_in, zp), (1.0 / 256, -128)))
    case(f"tanh/s{s_in:g}_zp{zp}")(unary_case("TANH", (2, 37), (s_in, zp), (1.0 / 128, 0)))
for op, q_in, q_out in [
    ("RELU", (0.05, -10), (0.05, -10)), ("RELU", (0.05, -10), (0.03, -128)), ("RELU", (0.02, 20), (0.04, -100)),
    ("RELU6", (0.05, 0), (0.05, 0)), ("RELU6", (0.06, -5), (6.0 / 255, -128)), ("RELU6", (0.1, 30), (0.03, -30)),
]:
    case(f"{op.lower()}/in{q_in[0]:g}_{q_in[1]}_out{q_out[0]:g}_{q_out[1]}")(unary_case(op, (1, 5, 4, 3), q_in, q_out))


# ---- CONCATENATION ------------------------------------------------------------
def concat_case(shape: tuple[int, ...], axis: int, n: int) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        ax = axis % len(shape)
        shapes = [tuple(d + i if j == ax else d for j, d in enumerate(shape)) for i in range(n)]
        xs = [b.tensor(f"in{i}", s, np.int8, 0.07, 3) for i, s in enumerate(shapes)]
        out = tuple(sum(s[ax] for s in shapes) if j == ax else d for j, d in enumerate(shape))
        y = b.tensor("output", out, np.int8, 0.07, 3)
        b.op("CONCATENATION", xs, [y], {"axis": axis})
        return single(b, rng, xs, y)

    return build


for shape, axis, n in [((1, 3, 4, 2), 3, 2), ((1, 3, 4, 2), -1, 3), ((1, 3, 4, 2), 1, 4), ((1, 3, 4, 2), 2, 2),
                       ((1, 3, 4, 2), 0, 3), ((1, 3, 4, 2), -3, 2), ((3, 5), 0, 2), ((3, 5), -1, 4), ((7,), 0, 3)]:
    case(f"concatenation/{dims(shape)}_axis{axis}_n{n}")(concat_case(shape, axis, n))


# ---- PAD ------------------------------------------------------------------------
def pad_case(shape: tuple[int, ...], pads: list[list[int]]) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        x = b.tensor("input", shape, np.int8, 0.05, -7)
        y = b.tensor("output", tuple(d + p[0] + p[1] for d, p in zip(shape, pads, strict=True)), np.int8, 0.05, -7)
        b.op("PAD", [x, b.const("paddings", np.array(pads, np.int32))], [y])
        return single(b, rng, [x], y)

    return build


for shape, pads in [((1, 4, 5, 3), [[0, 0], [1, 1], [1, 1], [0, 0]]), ((1, 4, 5, 3), [[0, 0], [2, 0], [0, 3], [0, 0]]),
                    ((1, 4, 5, 3), [[0, 0], [0, 0], [0, 0], [1, 2]]), ((2, 4, 5, 3), [[1, 0], [0, 1], [1, 0], [0, 0]]),
                    ((6, 5), [[1, 2], [3, 0]]), ((2, 3, 4), [[0, 1], [1, 0], [2, 2]]), ((9,), [[4, 2]])]:
    name = "_".join(f"{p[0]}{p[1]}" for p in pads)
    case(f"pad/{dims(shape)}_{name}")(pad_case(shape, pads))


# ---- PAD feeding a convolution (the loader folds it into the convolution's padding) ----------------
FOLDED: dict[str, bool] = {}  # case id -> whether the PAD must be folded


def pad_conv_case(op: str, pads: list[list[int]], cin: int, cout: int, k: int, stride: int, value: str = "pad",
                  second_reader: bool = False, hw: tuple[int, int] = (9, 8)) -> Build:
    """PAD (or PADV2 with value "zp": the zero point, or "other": not it) of an int8 NHWC tensor, read by a
    CONV_2D / DEPTHWISE_CONV_2D with VALID padding (and, second_reader, by a MAX_POOL_2D as well)."""
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        s_in, zp = 0.04, int(rng.integers(-20, 20))
        x = b.tensor("input", (1, *hw, cin), np.int8, s_in, zp)
        ph, pw = hw[0] + pads[1][0] + pads[1][1], hw[1] + pads[2][0] + pads[2][1]
        p = b.tensor("padded", (1, ph, pw, cin), np.int8, s_in, zp)
        paddings = b.const("paddings", np.array(pads, np.int32))
        if value == "pad":
            b.op("PAD", [x, paddings], [p])
        else:
            v = zp if value == "zp" else zp + 9
            b.op("PADV2", [x, paddings, b.const("value", np.array([v], np.int8), s_in, zp)], [p])
        oh, ow = (ph - k) // stride + 1, (pw - k) // stride + 1
        dw = op == "DEPTHWISE_CONV_2D"
        shape = (1, k, k, cin * cout) if dw else (cout, k, k, cin)
        w, s_w, q_out = weights(b, rng, shape, True, 3 if dw else 0, "RELU", s_in)
        n_out = cin * cout if dw else cout
        y = b.tensor("output", (1, oh, ow, n_out), np.int8, *q_out)
        opts = {"padding": "VALID", "stride_w": stride, "stride_h": stride, "activation": "RELU"}
        if dw:
            opts["depth_multiplier"] = cout
        b.op(op, [p, w, bias(b, rng, n_out, k * k * (1 if dw else cin), s_in, s_w)], [y], opts)
        outs = [y]
        if second_reader:
            mp = b.tensor("max", (1, ph // 2, pw // 2, cin), np.int8, s_in, zp)
            b.op("MAX_POOL_2D", [p], [mp], {"padding": "VALID", "stride_w": 2, "stride_h": 2, "filter_width": 2,
                                            "filter_height": 2})
            outs.append(mp)
        b.inputs([x])
        b.outputs(outs)
        return b.build(), [rand_i8(rng, x.shape)]

    return build


for op, pads, cin, cout, k, stride in [
    ("CONV_2D", [[0, 0], [1, 1], [1, 1], [0, 0]], 3, 6, 3, 2),
    ("CONV_2D", [[0, 0], [0, 1], [0, 1], [0, 0]], 4, 5, 3, 2),
    ("CONV_2D", [[0, 0], [2, 1], [1, 3], [0, 0]], 2, 4, 3, 1),
    ("DEPTHWISE_CONV_2D", [[0, 0], [1, 1], [1, 1], [0, 0]], 8, 1, 3, 1),
    ("DEPTHWISE_CONV_2D", [[0, 0], [0, 1], [0, 1], [0, 0]], 6, 1, 3, 2),
    ("DEPTHWISE_CONV_2D", [[0, 0], [3, 3], [3, 3], [0, 0]], 4, 2, 7, 2),
    # windows wholly in the padding (the first two rows and columns)
    ("DEPTHWISE_CONV_2D", [[0, 0], [4, 1], [4, 1], [0, 0]], 4, 1, 3, 1),
]:
    name = f"pad_fold/{op.lower()}_{'_'.join(f'{a}{b}' for a, b in pads[1:3])}_k{k}_s{stride}"
    case(name)(pad_conv_case(op, pads, cin, cout, k, stride))
    FOLDED[name] = True
# one output row, windows wholly in the padding at its start (kernels/dsp's depthwise runs such a call row by row)
case("pad_fold/depthwise_conv_2d_00_41_k3_s1")(pad_conv_case("DEPTHWISE_CONV_2D", [[0, 0], [0, 0], [4, 1], [0, 0]],
                                                             4, 1, 3, 1, hw=(3, 20)))
FOLDED["pad_fold/depthwise_conv_2d_00_41_k3_s1"] = True
for value, folded in (("zp", True), ("other", False)):
    name = f"pad_fold/padv2_{value}"
    case(name)(pad_conv_case("CONV_2D", [[0, 0], [1, 1], [1, 1], [0, 0]], 3, 4, 3, 1, value))
    FOLDED[name] = folded
case("pad_fold/two_readers")(pad_conv_case("CONV_2D", [[0, 0], [1, 1], [1, 1], [0, 0]], 3, 4, 3, 1,
                                           second_reader=True, hw=(8, 8)))
FOLDED["pad_fold/two_readers"] = False


# ---- MEAN -------------------------------------------------------------------------
def mean_case(shape: tuple[int, ...], axes: Sequence[int], keep: bool, same_q: bool) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        s_in, zp_in = 0.05, int(rng.integers(-10, 10))
        x = b.tensor("input", shape, np.int8, s_in, zp_in)
        red = {a % len(shape) for a in axes}
        n = math.prod(shape[a] for a in red)
        out = tuple(1 if i in red else d for i, d in enumerate(shape) if keep or i not in red)
        q_out = (s_in, zp_in) if same_q else (s_in * X_STD / math.sqrt(n) / 40.0, int(rng.integers(-10, 10)))
        y = b.tensor("output", out, np.int8, *q_out)
        b.op("MEAN", [x, b.const("axis", np.array(axes, np.int32))], [y], {"keep_dims": keep})
        return single(b, rng, [x], y)

    return build


for shape, axes in [((1, 4, 5, 6), [1, 2]), ((1, 4, 5, 6), [2, 1]), ((1, 4, 5, 6), [1]), ((1, 4, 5, 6), [3]),
                    ((1, 4, 5, 6), [-1]), ((2, 4, 5, 6), [0, 1, 2]), ((3, 8, 4), [1]), ((6, 7), [0])]:
    for keep, same_q in itertools.product([True, False], [True, False]):
        name = f"mean/{dims(shape)}_axes{'_'.join(map(str, axes))}_{'keep' if keep else 'drop'}"
        case(f"{name}_{'sameq' if same_q else 'diffq'}")(mean_case(shape, axes, keep, same_q))


# ---- QUANTIZE / DEQUANTIZE -----------------------------------------------------------
def quantize_case(src: str, q_in: tuple[float, int], q_out: tuple[float, int]) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        shape = (2, 5, 7)
        if src == "float32":
            x = b.tensor("input", shape, np.float32)
            # a third of the values on rounding ties (k + 0.5) * scale
            ties = (rng.integers(-100, 100, shape) + 0.5) * q_out[0]
            data = np.where(rng.random(shape) < 0.33, ties, rng.normal(0, 45 * q_out[0], shape)).astype(np.float32)
        else:
            x = b.tensor("input", shape, np.int8, *q_in)
            data = rand_i8(rng, shape)
        y = b.tensor("output", shape, np.int8, *q_out)
        b.op("QUANTIZE", [x], [y])
        b.inputs([x])
        b.outputs([y])
        return b.build(), [data]

    return build


for q_out in [(0.05, 0), (0.02, -17), (1.0 / 256, -128)]:
    case(f"quantize/float32_to_s{q_out[0]:g}_zp{q_out[1]}")(quantize_case("float32", (0.0, 0), q_out))


@case("quantize/float32_to_s8_large")
def _quantize_large(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
    """Values whose quotient by the scale is at and beyond 2^23 (the kernel's fast path ends there),
    up to 2e9 (beyond int32, and NaN, TFLM's cast is undefined), both signs, with ties and small ones."""
    scale = 0.25
    big = np.array([8388607, 8388608, 8388609, 8388607.5, 16777216, 3e7, 1e9, 2e9, 0.5, 1.5, 127.5, 128.5, -0.0, 1e-40])
    data = np.concatenate([big, -big, rng.normal(0, 40, 42)]).reshape(2, 5, 7) * scale
    b = ModelBuilder()
    x = b.tensor("input", (2, 5, 7), np.float32)
    y = b.tensor("output", (2, 5, 7), np.int8, scale, 3)
    b.op("QUANTIZE", [x], [y])
    b.inputs([x])
    b.outputs([y])
    return b.build(), [data.astype(np.float32)]
for q_in, q_out in [((0.05, 3), (0.08, -7)), ((0.05, 3), (0.03, 10)), ((0.05, 3), (0.05, -20)), ((0.1, 0), (0.1, 0))]:
    name = f"quantize/int8_s{q_in[0]:g}_zp{q_in[1]}_to_s{q_out[0]:g}_zp{q_out[1]}"
    case(name)(quantize_case("int8", q_in, q_out))


def dequantize_case(q_in: tuple[float, int]) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        x = b.tensor("input", (3, 11), np.int8, *q_in)
        y = b.tensor("output", (3, 11), np.float32)
        b.op("DEQUANTIZE", [x], [y])
        return single(b, rng, [x], y)

    return build


for q_in in [(0.05, 0), (0.0123, -17), (1.0 / 256, -128)]:
    case(f"dequantize/s{q_in[0]:g}_zp{q_in[1]}")(dequantize_case(q_in))


# ---- chains ---------------------------------------------------------------------------
@case("chain/conv_relu_maxpool_reshape_fc_softmax")
def chain_classifier(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
    b = ModelBuilder()
    s_in = 0.04
    x = b.tensor("input", (1, 10, 10, 2), np.int8, s_in, -5)
    w, s_w, _ = weights(b, rng, (4, 3, 3, 2), True, 0)
    s_c = acc_out_scale(18, s_in, float(s_w.mean()))
    c = b.tensor("conv", (1, 10, 10, 4), np.int8, s_c, 3)
    b.op("CONV_2D", [x, w, bias(b, rng, 4, 18, s_in, s_w)], [c], {"padding": "SAME", "stride_w": 1, "stride_h": 1})
    r = b.tensor("relu", (1, 10, 10, 4), np.int8, s_c, -128)
    b.op("RELU", [c], [r])
    p = b.tensor("pool", (1, 5, 5, 4), np.int8, s_c, -128)
    b.op("MAX_POOL_2D", [r], [p], {"padding": "VALID", "stride_w": 2, "stride_h": 2, "filter_width": 2,
                                   "filter_height": 2})
    f = b.tensor("flat", (1, 100), np.int8, s_c, -128)
    b.op("RESHAPE", [p, b.const("shape", np.array([1, 100], np.int32))], [f])
    fw, s_fw, _ = weights(b, rng, (10, 100), False, 0)
    s_l = acc_out_scale(100, s_c, float(s_fw.mean()), x_std=60.0)
    logits = b.tensor("logits", (1, 10), np.int8, s_l, 0)
    b.op("FULLY_CONNECTED", [f, fw, bias(b, rng, 10, 100, s_c, s_fw)], [logits])
    y = b.tensor("probs", (1, 10), np.int8, 1.0 / 256, -128)
    b.op("SOFTMAX", [logits], [y], {"beta": 0.03 / s_l})  # ~2.4 nats across the logits' range
    return single(b, rng, [x], y)


@case("chain/dwconv_add_mean_fc_logistic")
def chain_residual(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
    b = ModelBuilder()
    s_in = 0.05
    x = b.tensor("input", (1, 6, 6, 4), np.int8, s_in, 0)
    w, s_w, _ = weights(b, rng, (1, 3, 3, 4), True, 3)
    s_d = acc_out_scale(9, s_in, float(s_w.mean()))
    d = b.tensor("dw", (1, 6, 6, 4), np.int8, s_d, 0)
    b.op("DEPTHWISE_CONV_2D", [x, w, bias(b, rng, 4, 9, s_in, s_w)], [d],
         {"padding": "SAME", "stride_w": 1, "stride_h": 1, "depth_multiplier": 1, "activation": "RELU6"})
    s_a = math.hypot(s_in, s_d) * X_STD / 40.0
    a = b.tensor("add", (1, 6, 6, 4), np.int8, s_a, 0)
    b.op("ADD", [x, d], [a])
    s_m = s_a * 50 / 6 / 40.0
    m = b.tensor("mean", (1, 4), np.int8, s_m, 0)
    b.op("MEAN", [a, b.const("axis", np.array([1, 2], np.int32))], [m], {"keep_dims": False})
    fw, s_fw, _ = weights(b, rng, (8, 4), True, 0)
    s_l = acc_out_scale(4, s_m, float(s_fw.mean()), x_std=40.0)
    logits = b.tensor("logits", (1, 8), np.int8, s_l, 0)
    b.op("FULLY_CONNECTED", [m, fw, bias(b, rng, 8, 4, s_m, s_fw)], [logits])
    y = b.tensor("prob", (1, 8), np.int8, 1.0 / 256, -128)
    b.op("LOGISTIC", [logits], [y])
    return single(b, rng, [x], y)


@case("chain/quantize_conv_pad_avgpool_concat_dequantize")
def chain_float_io(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
    b = ModelBuilder()
    xf = b.tensor("input", (1, 8, 8, 3), np.float32)
    s_in = 0.03
    x = b.tensor("q", (1, 8, 8, 3), np.int8, s_in, 2)
    b.op("QUANTIZE", [xf], [x])
    w, s_w, _ = weights(b, rng, (5, 3, 3, 3), True, 0)
    s_c = acc_out_scale(27, s_in, float(s_w.mean()), x_std=45.0)
    c = b.tensor("conv", (1, 4, 4, 5), np.int8, s_c, -1)
    b.op("CONV_2D", [x, w, bias(b, rng, 5, 27, s_in, s_w)], [c], {"padding": "SAME", "stride_w": 2, "stride_h": 2})
    p = b.tensor("pad", (1, 6, 6, 5), np.int8, s_c, -1)
    b.op("PAD", [c, b.const("paddings", np.array([[0, 0], [1, 1], [1, 1], [0, 0]], np.int32))], [p])
    ap = b.tensor("avg", (1, 3, 3, 5), np.int8, s_c, -1)
    b.op("AVERAGE_POOL_2D", [p], [ap], {"padding": "VALID", "stride_w": 2, "stride_h": 2, "filter_width": 2,
                                        "filter_height": 2})
    mp = b.tensor("max", (1, 3, 3, 5), np.int8, s_c, -1)
    b.op("MAX_POOL_2D", [p], [mp], {"padding": "VALID", "stride_w": 2, "stride_h": 2, "filter_width": 2,
                                    "filter_height": 2})
    cat = b.tensor("cat", (1, 3, 3, 10), np.int8, s_c, -1)
    b.op("CONCATENATION", [ap, mp], [cat], {"axis": 3})
    y = b.tensor("output", (1, 3, 3, 10), np.float32)
    b.op("DEQUANTIZE", [cat], [y])
    b.inputs([xf])
    b.outputs([y])
    return b.build(), [rng.normal(0, 1.5, (1, 8, 8, 3)).astype(np.float32)]


# ---- the test -------------------------------------------------------------------------
@functools.cache
def reference(case_id: str) -> tuple[bytes, tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    c = next(c for c in CASES if c.id == case_id)
    data, inputs = c.build(np.random.default_rng(seed_of(case_id)))
    refs = run_tflm(data, inputs)
    for i, r in enumerate(refs):
        assert_spread(r, f"{case_id} output {i}")
    return data, tuple(inputs), tuple(refs)


def test_case_ids_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]


def dsp_conv_kernels(model: object) -> list[tuple[str, str | None, str]]:
    """(op name, kernel op_info reports, kernel kernels/tml_select.c's rule gives on a DSP build) of each
    int8 CONV_2D: "dsp" where tml_dsp_conv_ok holds (not grouped, >= 4 MACs per output, input zero point
    an int8), else the backend's; and of each int8 DEPTHWISE_CONV_2D: "dsp" where tml_dsp_dw_ok holds (depth
    multiplier 1, channels a multiple of 4, output rows >= 4 pixels wide, or 3 with >= 25 taps; or one input channel, 2 or more output
    channels and CONV_2D's rule), else CMSIS-NN's ("cmsis-nn", or "cmsis-nn-dw-no-scratch" where its
    wrapper's buffer would exceed the layer's tensors: either of them is what "cmsis-nn" stands for here); and of
    each int8 FULLY_CONNECTED: "dsp" where tml_dsp_fc_ok holds (filter zero point 0 or per channel, input zero
    point an int8, depth >= 4); and of each int8 ADD: "dsp" where its shapes are equal (extended) and
    tml_dsp_add_ok's bound holds (harness.dsp_add_ok)."""
    got = []
    for k, name in enumerate(model.ops):
        info = model.op_info(k)
        if name not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD") or \
                model.tensor(info.inputs[0]).dtype != "int8":
            continue
        x, w = model.tensor(info.inputs[0]), model.tensor(info.inputs[1])
        if name == "ADD":
            y = model.tensor(info.outputs[0])
            n = max(len(x.shape), len(w.shape))
            same = (1,) * (n - len(x.shape)) + x.shape == (1,) * (n - len(w.shape)) + w.shape
            ok = same and dsp_add_ok(x.scale, x.zero_point, w.scale, w.zero_point, y.scale, y.zero_point)
            got.append((name, info.kernel, "dsp" if ok else "cmsis-nn"))
        elif name == "FULLY_CONNECTED":
            ok = fc_filter_ok(w) and w.shape[1] >= 4 and -128 <= x.zero_point <= 127
            got.append((name, info.kernel, "dsp" if ok else "cmsis-nn"))
        elif name == "CONV_2D":
            ok = w.shape[3] == x.shape[3] and w.shape[1] * w.shape[2] * w.shape[3] >= 4 and -128 <= x.zero_point <= 127
            got.append((name, info.kernel, "dsp" if ok else "cmsis-nn"))
        else:
            if x.shape[3] == 1:  # one input channel: CONV_2D's rule (kernels/tml_dw_conv.h), 2 or more outputs
                ok = w.shape[3] >= 2 and w.shape[1] * w.shape[2] >= 4
            else:
                ow, taps = model.tensor(info.outputs[0]).shape[2], w.shape[1] * w.shape[2]
                ok = w.shape[3] == x.shape[3] >= 4 and x.shape[3] % 4 == 0 and (ow >= 4 or (ow >= 3 and taps >= 25))
            kernel = "cmsis-nn" if info.kernel == "cmsis-nn-dw-no-scratch" else info.kernel
            got.append((name, kernel, "dsp" if ok else "cmsis-nn"))
    return got


def fc_filter_ok(w: object) -> bool:
    """The filter rule of kernels/armv6m's and kernels/dsp's FULLY_CONNECTED: zero point 0, or per channel."""
    return w.per_channel or w.zero_point == 0


def armv6m_fc_kernels(model: object) -> list[tuple[str | None, str]]:
    """(kernel op_info reports, kernel tml_armv6m_fc_ok gives on an ARMv6-M build) of each int8 FULLY_CONNECTED:
    "armv6m" where the filter zero point is 0 (or per channel) and the depth at least 2 or the batches 1, else
    CMSIS-NN's."""
    got = []
    for k, name in enumerate(model.ops):
        info = model.op_info(k)
        if name != "FULLY_CONNECTED" or model.tensor(info.inputs[0]).dtype != "int8":
            continue
        w = model.tensor(info.inputs[1])
        batches = math.prod(model.tensor(info.outputs[0]).shape[:-1])
        ok = fc_filter_ok(w) and (w.shape[1] >= 2 or batches == 1)
        got.append((info.kernel, "armv6m" if ok else "cmsis-nn"))
    return got


@pytest.mark.parametrize("case_id", [c.id for c in CASES])
def test_op(case_id: str, backend: str) -> None:
    data, inputs, refs = reference(case_id)
    model = core_module().Model(data, backend=backend)
    outs = model.invoke(*inputs)
    assert_same_outputs(refs, outs, f"{case_id} [{backend}]")
    models = assert_same_in_every_plan(data, inputs, refs, backend, f"{case_id} [{backend}]")
    expect_row_plans(model, models, f"{case_id} [{backend}]")
    if backend == "dsp":  # the DSP kernels run every layer their rule gives them
        for name, kernel, want in dsp_conv_kernels(model):
            assert kernel == want, f"{case_id} [dsp]: {name} ran on '{kernel}', the selection rule gives '{want}'"
    if backend == "armv6m":
        for kernel, want in armv6m_fc_kernels(model):
            assert kernel == want, f"{case_id} [armv6m]: FULLY_CONNECTED ran on '{kernel}', the rule gives '{want}'"
    if case_id in FOLDED:  # the PAD's output takes no arena where it is folded into the convolution
        pad = next(model.op_info(k) for k in range(len(model.ops)) if model.ops[k] in ("PAD", "PADV2"))
        kind = model.tensor(pad.outputs[0]).kind
        assert (kind == "none") == FOLDED[case_id], f"{case_id}: PAD output is '{kind}', folded {FOLDED[case_id]}"

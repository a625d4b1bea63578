"""Per-op conformance of packed int4 weights (TFLM's INT4 type): CONV_2D, DEPTHWISE_CONV_2D and
FULLY_CONNECTED with int8 activations and int4 weights, two per byte, the first in the low nibble,
packed over the whole tensor (so a channel's weights may start in the middle of a byte). Grids over
the kernels' shapes and options, per-channel and per-tensor quantization as TFLM allows them (conv and
depthwise both; FULLY_CONNECTED per tensor only), and the shapes that pick each CMSIS-NN s4 kernel
(1x1 fast, 1x1 strided, 1xN, the depthwise opt path, batches); outputs byte-equal to the tflite-micro
interpreter on every backend. Then the errors prepare raises for int4 where TFLM runs none."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
import pytest
import test_ops as T
import tflite
from harness import assert_same_in_every_plan, assert_same_outputs, assert_spread, core_module, seed_of
from tflite_builder import ModelBuilder, Tensor, run_tflm

Build = Callable[[np.random.Generator], tuple[bytes, list[np.ndarray]]]
CASES: dict[str, Build] = {}
W4_STD = 4.6  # std of a uniform int4 weight in [-8, 7]


def add(name: str, build: Build) -> None:
    assert name not in CASES, name
    CASES[name] = build


def pack_int4(values: np.ndarray) -> bytes:
    """TFLM's packing (tensor_utils::PackInt8IntoDenseInt4): element 2k in the low nibble of byte k,
    element 2k+1 in its high nibble; an odd count leaves the last high nibble 0."""
    flat = np.asarray(values, dtype=np.int64).reshape(-1)
    assert flat.size == 0 or (flat.min() >= -8 and flat.max() <= 7), "int4 values are -8..7"
    nib = (flat & 0xF).astype(np.uint8)
    if nib.size % 2:
        nib = np.append(nib, np.uint8(0))
    return (nib[0::2] | (nib[1::2] << 4)).astype(np.uint8).tobytes()


def const_int4(b: ModelBuilder, name: str, values: np.ndarray, scale: np.ndarray, zero_point: int | np.ndarray = 0,
               qdim: int = 0) -> Tensor:
    zps = np.broadcast_to(np.asarray(zero_point, np.int64), np.shape(scale)).copy()
    return b.tensor(name, values.shape, np.int8, scale, zps, qdim, data=pack_int4(values),
                    type_code=tflite.TensorType.INT4)


def weights4(b: ModelBuilder, rng: np.random.Generator, shape: Sequence[int], per_channel: bool, qdim: int,
             act: str, s_in: float, lo: int = -8, zero_point: int = 0) -> tuple[Tensor, np.ndarray, tuple[float, int]]:
    """Random int4 weights in [lo, 7] and the output quantization for them: one std of the accumulator at
    ~40 output steps, or for RELU6 (6/255, -128) with the weight scales shrunk to put the real accumulator
    within about [-6, 6]."""
    n = shape[qdim]
    s_w = rng.uniform(0.05, 0.25, n) if per_channel else np.array([0.15])
    k = math.prod(shape) // n
    acc_std = math.sqrt(k) * T.X_STD * W4_STD * s_in
    if act == "RELU6":
        s_w = s_w * (2.5 / (acc_std * float(s_w.mean())))
        q_out = (6.0 / 255, -128)
    else:
        q_out = (acc_std * float(s_w.mean()) / 40.0, int(rng.integers(-10, 10)))
    values = rng.integers(lo, 8, tuple(shape)).astype(np.int8)
    return const_int4(b, "filter", values, s_w, zero_point, qdim), s_w, q_out


def bias4(b: ModelBuilder, rng: np.random.Generator, n: int, k: int, s_in: float, s_w: np.ndarray) -> Tensor:
    values = rng.normal(0.0, 0.5 * math.sqrt(k) * T.X_STD * W4_STD, n).astype(np.int32)
    s_b = np.broadcast_to(s_in * s_w, (n,)).copy() if s_w.size > 1 else np.array([s_in * s_w[0]])
    return b.const("bias", values, scale=s_b, zero_point=np.zeros(s_b.size, np.int64))


# ---- CONV_2D -----------------------------------------------------------------------------------
def conv4(cin: int, cout: int, k: tuple[int, int], stride: int, dil: int, pad: str, pc: bool, act: str,
          bias: str = "bias", batch: int = 1, hw: tuple[int, int] = (9, 8), groups: int = 1) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        s_in = 0.04
        x = b.tensor("input", (batch, *hw, cin), np.int8, s_in, int(rng.integers(-10, 10)))
        fc = cin // groups
        w, s_w, q_out = weights4(b, rng, (cout, *k, fc), pc, 0, act, s_in)
        oh, ow = T.out_size(hw[0], k[0], stride, dil, pad), T.out_size(hw[1], k[1], stride, dil, pad)
        y = b.tensor("output", (batch, oh, ow, cout), np.int8, *q_out)
        ins: list = [x, w]
        if bias != "absent":
            ins.append(bias4(b, rng, cout, k[0] * k[1] * fc, s_in, s_w) if bias == "bias" else None)
        b.op("CONV_2D", ins, [y], {"padding": pad, "stride_w": stride, "stride_h": stride, "dilation_w_factor": dil,
                                   "dilation_h_factor": dil, "activation": act})
        return T.single(b, rng, [x], y)
    return build


_chan = itertools.cycle([(3, 5), (1, 7), (5, 3), (2, 9), (4, 4)])
_acts = itertools.cycle(T.ACTS)
_bias = itertools.cycle(["bias", "bias", "none", "bias", "absent"])
for (kh, kw), stride, dil, pad, pc in itertools.product([(1, 1), (3, 3), (5, 3)], [1, 2], [1, 2], ["SAME", "VALID"],
                                                        [True, False]):
    if (kh, kw) == (1, 1) and dil == 2 or (stride, dil) == (2, 2) and pc:
        continue
    cin, cout = next(_chan)
    act, wb = next(_acts), next(_bias)
    add(f"conv4/k{kh}x{kw}_s{stride}_d{dil}_{pad}_{'pc' if pc else 'pt'}_{act}_c{cin}x{cout}_{wb}",
        conv4(cin, cout, (kh, kw), stride, dil, pad, pc, act, wb))
# the shapes that pick CMSIS-NN's s4 kernels: 1x1 fast (stride 1), 1x1 strided, 1xN, the generic im2col,
# wide channels, odd weights per channel (channels start mid-byte)
add("conv4/1x1_fast_c8x6", conv4(8, 6, (1, 1), 1, 1, "VALID", True, "NONE", hw=(5, 3)))
add("conv4/1x1_fast_c3x5_odd", conv4(3, 5, (1, 1), 1, 1, "VALID", True, "RELU", hw=(4, 5)))
add("conv4/1x1_s2_c4x4", conv4(4, 4, (1, 1), 2, 1, "VALID", True, "RELU", hw=(7, 6)))
for stride, pad in itertools.product([1, 2], ["SAME", "VALID"]):
    add(f"conv4/1xN_k1x5_s{stride}_{pad}_c4x5", conv4(4, 5, (1, 5), stride, 1, pad, True, "NONE", hw=(1, 20)))
add("conv4/1xN_k1x3_c3x4_odd", conv4(3, 4, (1, 3), 1, 1, "SAME", True, "NONE", hw=(1, 16)))
add("conv4/k3x3_c64x3", conv4(64, 3, (3, 3), 1, 1, "SAME", True, "NONE", hw=(4, 3)))
add("conv4/k3x3_c16x8_VALID", conv4(16, 8, (3, 3), 1, 1, "VALID", True, "NONE", hw=(5, 5)))
add("conv4/k3x3_pt_c1x33", conv4(1, 33, (3, 3), 1, 1, "SAME", False, "RELU", hw=(3, 4)))
add("conv4/k1x1_c32x16_RELU6", conv4(32, 16, (1, 1), 1, 1, "SAME", True, "RELU6", hw=(4, 4)))
add("conv4/batch2_k3x3", conv4(3, 4, (3, 3), 1, 1, "SAME", True, "RELU", batch=2))
add("conv4/batch3_1x1_fast", conv4(6, 5, (1, 1), 1, 1, "VALID", True, "NONE", batch=3, hw=(3, 3)))
add("conv4/grouped_g2", conv4(4, 6, (3, 3), 1, 1, "SAME", True, "NONE", groups=2))
add("conv4/grouped_g3_1x1", conv4(6, 3, (1, 1), 1, 1, "VALID", False, "RELU", groups=3, hw=(4, 4)))
add("conv4/kws_like_k10x4_s2", conv4(1, 8, (10, 4), 2, 1, "SAME", True, "RELU", hw=(25, 10)))


# ---- DEPTHWISE_CONV_2D ---------------------------------------------------------------------------
def dw4(cin: int, mult: int, k: tuple[int, int], stride: int, dil: int, pad: str, pc: bool, act: str,
        with_bias: bool = True, batch: int = 1, hw: tuple[int, int] = (10, 9)) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        s_in = 0.05
        cout = cin * mult
        x = b.tensor("input", (batch, *hw, cin), np.int8, s_in, int(rng.integers(-10, 10)))
        w, s_w, q_out = weights4(b, rng, (1, *k, cout), pc, 3, act, s_in)
        # without bias: two inputs (TFLM's depthwise conv crashes on an absent, -1, bias)
        ins = [x, w, bias4(b, rng, cout, k[0] * k[1], s_in, s_w)] if with_bias else [x, w]
        oh, ow = T.out_size(hw[0], k[0], stride, dil, pad), T.out_size(hw[1], k[1], stride, dil, pad)
        y = b.tensor("output", (batch, oh, ow, cout), np.int8, *q_out)
        b.op("DEPTHWISE_CONV_2D", ins, [y], {
            "padding": pad, "stride_w": stride, "stride_h": stride, "depth_multiplier": mult,
            "dilation_w_factor": dil, "dilation_h_factor": dil, "activation": act})
        return T.single(b, rng, [x], y)
    return build


_dil = itertools.cycle([1, 2, 1])
_pc = itertools.cycle([True, False])
_cin = itertools.cycle([3, 1, 5, 2, 8])
for mult, (kh, kw), stride, pad in itertools.product([1, 2, 3], [(1, 1), (3, 3), (5, 3)], [1, 2], ["SAME", "VALID"]):
    if mult == 3 and (kh, kw) == (5, 3):
        continue
    dil = 1 if (kh, kw) == (1, 1) else next(_dil)
    pc, act, cin = next(_pc), next(_acts), next(_cin)
    add(f"dw4/m{mult}_k{kh}x{kw}_s{stride}_d{dil}_{pad}_{'pc' if pc else 'pt'}_{act}_c{cin}",
        dw4(cin, mult, (kh, kw), stride, dil, pad, pc, act))
for cin, stride in itertools.product([4, 7, 12], [1, 2]):  # CMSIS-NN's s4 opt path (ch_mult 1, batch 1)
    add(f"dw4/opt_m1_k3x3_s{stride}_c{cin}", dw4(cin, 1, (3, 3), stride, 1, "SAME", True, "NONE"))
add("dw4/batch3_m1_k3x3", dw4(5, 1, (3, 3), 1, 1, "SAME", True, "RELU", batch=3, hw=(5, 4)))
add("dw4/batch2_m2_k3x3", dw4(3, 2, (3, 3), 1, 1, "SAME", True, "RELU", batch=2, hw=(5, 4)))
add("dw4/m1_k1x1_c16_RELU6", dw4(16, 1, (1, 1), 1, 1, "VALID", True, "RELU6", hw=(3, 3)))
add("dw4/m1_k3x3_nobias", dw4(4, 1, (3, 3), 1, 1, "SAME", True, "NONE", with_bias=False))
add("dw4/m2_k3x3_s2_pt_nobias", dw4(3, 2, (3, 3), 2, 1, "VALID", False, "RELU", with_bias=False))
add("dw4/m1_k1x5_c9_1row", dw4(9, 1, (1, 5), 1, 1, "SAME", True, "RELU", hw=(1, 24)))
# odd input channels: CMSIS-NN's generic s4 depthwise kernel differs from TFLM there (see kernels/cmsis_nn/tml_k_s4.c)
add("dw4/odd_m1_k3x3_d2_SAME_c5", dw4(5, 1, (3, 3), 1, 2, "SAME", True, "NONE"))
add("dw4/odd_m2_k2x3_c3", dw4(3, 2, (2, 3), 1, 1, "SAME", True, "NONE"))
add("dw4/even_m2_k3x3_d2_c4", dw4(4, 2, (3, 3), 1, 2, "SAME", True, "RELU"))


# ---- FULLY_CONNECTED (per tensor, as TFLM) ---------------------------------------------------------
def fc4(in_shape: tuple[int, ...], units: int, keep: bool, with_bias: bool, act: str, filter_zp: int = 0) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        s_in = 0.03
        depth = in_shape[-1]
        x = b.tensor("input", in_shape, np.int8, s_in, int(rng.integers(-10, 10)))
        lo = -8 + max(0, filter_zp)
        w, s_w, q_out = weights4(b, rng, (units, depth), False, 0, act, s_in, lo=lo, zero_point=filter_zp)
        bt = bias4(b, rng, units, depth, s_in, s_w) if with_bias else None
        out_shape = (*in_shape[:-1], units) if keep else (math.prod(in_shape) // depth, units)
        y = b.tensor("output", out_shape, np.int8, *q_out)
        b.op("FULLY_CONNECTED", [x, w, bt], [y], {"activation": act, "keep_num_dims": keep})
        return T.single(b, rng, [x], y)
    return build


for keep, shape, wb in itertools.product([False, True], [(1, 20), (3, 17), (2, 3, 12), (1, 33)], [True, False]):
    if keep and len(shape) == 2 and shape[0] == 1:
        continue
    act = next(_acts)
    units = {20: 16, 33: 5}.get(shape[-1], 9)
    add(f"fc4/{'keep_' if keep else ''}in{T.dims(shape)}_u{units}_{act}{'' if wb else '_nobias'}",
        fc4(shape, units, keep, wb, act))
add("fc4/in1x640_u128_RELU", fc4((1, 640), 128, False, True, "RELU"))
add("fc4/in5x33_u3", fc4((5, 33), 3, False, True, "NONE"))
add("fc4/in1x2x2x8_u7", fc4((1, 2, 2, 8), 7, False, True, "NONE"))
add("fc4/filter_zero_point", fc4((2, 24), 6, False, True, "NONE", filter_zp=2))


# ---- a small network: every int4 kernel in one graph ----------------------------------------------
def net4(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
    b = ModelBuilder()
    s_x = 0.04
    x = b.tensor("input", (1, 1, 32, 3), np.int8, s_x, 3)
    w1, s1, _ = weights4(b, rng, (8, 1, 5, 3), True, 0, "NONE", s_x)
    s_c1 = math.sqrt(15) * T.X_STD * W4_STD * s_x * float(s1.mean()) / 40.0
    c1 = b.tensor("conv1", (1, 1, 32, 8), np.int8, s_c1, -128)
    b.op("CONV_2D", [x, w1, bias4(b, rng, 8, 15, s_x, s1)], [c1], {"padding": "SAME", "stride_w": 1, "stride_h": 1,
                                                                    "activation": "RELU"})
    w2, s2, _ = weights4(b, rng, (1, 1, 5, 8), True, 3, "NONE", s_c1)
    s_c2 = math.sqrt(5) * 60.0 * W4_STD * s_c1 * float(s2.mean()) / 40.0
    c2 = b.tensor("dw", (1, 1, 32, 8), np.int8, s_c2, -128)
    b.op("DEPTHWISE_CONV_2D", [c1, w2, bias4(b, rng, 8, 5, s_c1, s2)], [c2], {
        "padding": "SAME", "stride_w": 1, "stride_h": 1, "depth_multiplier": 1, "activation": "RELU"})
    m = b.tensor("pool", (1, 1, 1, 8), np.int8, s_c2, -128)
    b.op("AVERAGE_POOL_2D", [c2], [m], {"padding": "VALID", "stride_w": 1, "stride_h": 1, "filter_width": 32,
                                        "filter_height": 1})
    f = b.tensor("flat", (1, 8), np.int8, s_c2, -128)
    b.op("RESHAPE", [m, b.const("shape", np.array([1, 8], np.int32))], [f], {"new_shape": [1, 8]})
    w3, s3, _ = weights4(b, rng, (4, 8), False, 0, "NONE", s_c2)
    s_l = math.sqrt(8) * 40.0 * W4_STD * s_c2 * float(s3.mean()) / 40.0
    logits = b.tensor("logits", (1, 4), np.int8, s_l, 0)
    b.op("FULLY_CONNECTED", [f, w3, bias4(b, rng, 4, 8, s_c2, s3)], [logits])
    y = b.tensor("prob", (1, 4), np.int8, 1.0 / 256, -128)
    b.op("SOFTMAX", [logits], [y], {"beta": 1.0})
    b.inputs([x])
    b.outputs([logits, y])
    return b.build(), [T.rand_i8(rng, (1, 1, 32, 3))]


add("net4/conv_dw_pool_fc_softmax", net4)


# ---- a PAD feeding an int4 convolution: not folded into it (tml_loader.c fold_pads) -----------------
def pad4(op: str, pads: list[list[int]], cin: int, cout: int, k: int, stride: int) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        s_in, zp, hw = 0.04, int(rng.integers(-20, 20)), (9, 8)
        x = b.tensor("input", (1, *hw, cin), np.int8, s_in, zp)
        ph, pw = hw[0] + pads[1][0] + pads[1][1], hw[1] + pads[2][0] + pads[2][1]
        p = b.tensor("padded", (1, ph, pw, cin), np.int8, s_in, zp)
        b.op("PAD", [x, b.const("paddings", np.array(pads, np.int32))], [p])
        dw = op == "DEPTHWISE_CONV_2D"
        n_out = cin * cout if dw else cout
        shape = (1, k, k, n_out) if dw else (cout, k, k, cin)
        w, s_w, q_out = weights4(b, rng, shape, True, 3 if dw else 0, "RELU", s_in)
        y = b.tensor("output", (1, (ph - k) // stride + 1, (pw - k) // stride + 1, n_out), np.int8, *q_out)
        opts = {"padding": "VALID", "stride_w": stride, "stride_h": stride, "activation": "RELU"}
        if dw:
            opts["depth_multiplier"] = cout
        b.op(op, [p, w, bias4(b, rng, n_out, k * k * (1 if dw else cin), s_in, s_w)], [y], opts)
        return T.single(b, rng, [x], y)
    return build


PAD_CASES = ["pad4/conv_k3_s1", "pad4/dw_k3_s2"]
add(PAD_CASES[0], pad4("CONV_2D", [[0, 0], [1, 1], [1, 1], [0, 0]], 3, 5, 3, 1))
add(PAD_CASES[1], pad4("DEPTHWISE_CONV_2D", [[0, 0], [0, 1], [0, 1], [0, 0]], 4, 1, 3, 2))


# ---- the single-invocation test ----------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CASES))
def test_int4_op(name: str, backend: str) -> None:
    data, inputs = CASES[name](np.random.default_rng(seed_of(name)))
    refs = run_tflm(data, inputs)
    for i, r in enumerate(refs):
        assert_spread(r, f"{name} output {i}")
    model = core_module().Model(data, backend=backend)
    assert_same_outputs(refs, model.invoke(*inputs), f"{name} [{backend}]")
    # the planner's forced alternatives give the same bytes; an int4 convolution never runs by rows (its
    # kernels have no row calls): no in-place or stage record covers it, however the plan is forced
    models = assert_same_in_every_plan(data, inputs, refs, backend, f"{name} [{backend}]")
    int4_ops = {i for i in range(len(model.ops)) if len(model.op_info(i).inputs) > 1 and
                model.op_info(i).inputs[1] >= 0 and model.tensor(model.op_info(i).inputs[1]).dtype == "int4"}
    assert int4_ops, name
    for variant, m in models.items():
        for rec in m.plans:
            assert not int4_ops & set(range(rec.first, rec.last + 1)), f"{name} [{variant}]: {rec} covers int4"
    if name in PAD_CASES:  # the PAD keeps its output: not folded into the int4 convolution
        pad = next(model.op_info(k) for k in range(len(model.ops)) if model.ops[k] == "PAD")
        assert model.tensor(pad.outputs[0]).kind != "none", name


def test_pack_int4_layout() -> None:
    """The packing these tests use is TFLM's: two weights per byte, low nibble first, odd tail in a low nibble."""
    assert pack_int4(np.array([1, -2, 7, -8, 3])) == bytes([0xE1, 0x87, 0x03])


def test_int4_weights_halve_the_model() -> None:
    """An int4 conv model stores its weights in half the bytes of the same model with int8 weights, and the core
    reports the packed size as the model's weights."""
    def model(int4: bool) -> bytes:
        b = ModelBuilder()
        x = b.tensor("input", (1, 4, 4, 16), np.int8, 0.05, 0)
        values = np.random.default_rng(0).integers(-8, 8, (32, 3, 3, 16)).astype(np.int8)
        w = const_int4(b, "filter", values, np.full(32, 0.1)) if int4 else \
            b.const("filter", values, np.full(32, 0.1), np.zeros(32, np.int64))
        y = b.tensor("output", (1, 4, 4, 32), np.int8, 1.0, 0)
        b.op("CONV_2D", [x, w], [y], {"padding": "SAME", "stride_w": 1, "stride_h": 1})
        b.inputs([x])
        b.outputs([y])
        return b.build()

    m8, m4 = core_module().Model(model(False)), core_module().Model(model(True))
    assert m8.weights_size == 32 * 9 * 16 and m4.weights_size == 32 * 9 * 16 // 2
    assert len(model(False)) - len(model(True)) >= 32 * 9 * 16 // 2


# ---- errors ----------------------------------------------------------------------------------------------
def expect_error(data: bytes, backend: str, status: str, *parts: str) -> None:
    with pytest.raises(core_module().CoreError) as e:
        core_module().Model(data, backend=backend)
    msg = str(e.value)
    assert e.value.status == status, f"status {e.value.status}, expected {status}: {msg}"
    for p in parts:
        assert p in msg, msg


def fc_model(w_factory: Callable[[ModelBuilder], Tensor], x_dtype: type = np.int8) -> bytes:
    b = ModelBuilder()
    x = b.tensor("input", (1, 6), x_dtype, 0.05, 0)
    w = w_factory(b)
    y = b.tensor("output", (1, 4), x_dtype, 0.1, 0)
    b.op("FULLY_CONNECTED", [x, w, None], [y])
    b.inputs([x])
    b.outputs([y])
    return b.build()


def test_fc_int4_per_channel_refused(backend: str) -> None:
    """TFLM runs no per-channel int4 FULLY_CONNECTED (CalculateOpDataFullyConnected refuses it): neither do we."""
    data = fc_model(lambda b: const_int4(b, "w", np.ones((4, 6), np.int8), np.array([0.1, 0.2, 0.1, 0.3])))
    with pytest.raises(Exception):  # noqa: B017 (tflite-micro raises its own RuntimeError)
        run_tflm(data, [np.zeros((1, 6), np.int8)])
    expect_error(data, backend, "UNSUPPORTED", "operator 0 'FULLY_CONNECTED': int4 weights are quantized per channel "
                 "(4 scales); int4 FULLY_CONNECTED needs one scale per tensor")


def test_int4_buffer_of_unpacked_size(backend: str) -> None:
    """An int4 tensor holding one byte per weight (not packed) is a broken model, named with both sizes."""
    def w(b: ModelBuilder) -> Tensor:
        return b.tensor("w", (4, 6), np.int8, 0.1, 0, data=np.ones((4, 6), np.int8), type_code=tflite.TensorType.INT4)
    expect_error(fc_model(w), backend, "INVALID_MODEL", "tensor 1 'w': buffer holds 24 bytes, its shape needs 12")


def test_int4_16x8_refused(backend: str) -> None:
    """int16 activations take int8 weights only (TFLM: 'Hybrid models are not supported')."""
    data = fc_model(lambda b: const_int4(b, "w", np.ones((4, 6), np.int8), np.array([0.1])), x_dtype=np.int16)
    expect_error(data, backend, "UNSUPPORTED", "operator 0 'FULLY_CONNECTED': filter has type int4")


def test_int4_activation_refused(backend: str) -> None:
    """An int4 tensor without data (an activation) is refused at load, naming the tensor."""
    b = ModelBuilder()
    x = b.tensor("input", (1, 6), np.int8, 0.05, 0)
    h = b.tensor("half", (1, 6), np.int8, 0.05, 0, type_code=tflite.TensorType.INT4)
    b.op("RELU", [x], [h])
    b.inputs([x])
    b.outputs([h])
    expect_error(b.build(), backend, "UNSUPPORTED",
                 "tensor 1 'half' has type int4 but no constant data: int4 tensors are supported only as constant "
                 "weights")


def test_int4_outside_weights_refused(backend: str) -> None:
    """A constant int4 tensor read by anything but a weights input is refused by the loader, naming the operator
    and input (RESHAPE would run any type)."""
    b = ModelBuilder()
    x = b.tensor("input", (1, 6), np.int8, 0.05, 0)
    c = const_int4(b, "c", np.ones((1, 6), np.int8), np.array([0.1]))
    y = b.tensor("y", (6,), np.int8, 0.1, 0)
    b.op("RESHAPE", [c, b.const("shape", np.array([6], np.int32))], [y], {"new_shape": [6]})
    z = b.tensor("z", (1, 6), np.int8, 0.05, 0)
    b.op("RELU", [x], [z])
    b.inputs([x])
    b.outputs([y, z])
    expect_error(b.build(), backend, "UNSUPPORTED",
                 "operator 0 'RESHAPE': input 0 has type int4; int4 is supported only for the weights (input 1) of "
                 "CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED")

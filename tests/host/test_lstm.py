"""UNIDIRECTIONAL_SEQUENCE_LSTM (int8 activations and weights, int16 cell
state): outputs byte-equal to the tflite-micro reference interpreter over
several invocations in a row (the state tensors carry over), on every backend."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from harness import assert_same_outputs, assert_spread, core_module, seed_of
from tflite_builder import ModelBuilder

INVOCATIONS = 4


@dataclass(frozen=True)
class Lstm:
    batch: int
    time: int
    n_in: int
    units: int
    time_major: bool = False
    cell_clip: float = 0.0
    gate_std: float = 1.5  # std of the gate pre-activations (real units)
    cell_scale: float = 2.0**-11
    hidden_zp: int = -3
    input_zp: int = 5

    @property
    def id(self) -> str:
        tm = "tm" if self.time_major else "bm"
        extra = f"-clip{self.cell_clip:g}" if self.cell_clip else ""
        extra += f"-g{self.gate_std:g}" if self.gate_std != 1.5 else ""
        extra += f"-cs{self.cell_scale:.3g}" if self.cell_scale != 2.0**-11 else ""
        extra += f"-hzp{self.hidden_zp}" if self.hidden_zp != -3 else ""
        return f"b{self.batch}-t{self.time}-i{self.n_in}-u{self.units}-{tm}{extra}"

    @property
    def input_shape(self) -> tuple[int, int, int]:
        if self.time_major:
            return (self.time, self.batch, self.n_in)
        return (self.batch, self.time, self.n_in)


CASES = [
    Lstm(1, 1, 3, 4),
    Lstm(1, 8, 16, 16),
    Lstm(2, 5, 7, 12, cell_clip=1.5),
    Lstm(2, 3, 10, 8, time_major=True),
    Lstm(2, 8, 3, 16, time_major=True, cell_clip=2.0),
    Lstm(1, 4, 16, 4, time_major=True, cell_clip=0.5),
    Lstm(2, 6, 5, 5, input_zp=-7),
    Lstm(2, 7, 9, 6, gate_std=12.0),  # gate FCs saturate int16
    Lstm(2, 4, 6, 10, time_major=True, gate_std=12.0, cell_clip=4.0),
    Lstm(1, 6, 8, 8, cell_scale=1 / 1500),  # not powers of two: TFLM rounds log2
    Lstm(2, 3, 5, 6, time_major=True, cell_scale=1 / 1200),
    Lstm(2, 5, 4, 7, time_major=True, cell_scale=2.0**-9, hidden_zp=0),
]

X_SCALE = 0.05
H_SCALE = 1 / 128


def build_lstm(c: Lstm, rng: np.random.Generator, *, variant: str = "") -> bytes:
    """One-op model; `variant` breaks it on purpose for the rejection tests."""
    b = ModelBuilder()
    x = b.tensor("x", c.input_shape, np.int8, scale=X_SCALE, zero_point=c.input_zp)
    x_std = 74.0 * X_SCALE  # real std of a uniform int8 input
    h_std = 0.5
    # weight scales so each FC alone has real std ~ gate_std / sqrt(2)
    wx_scale = c.gate_std / np.sqrt(2) / (x_std * np.sqrt(c.n_in) * 73.0)
    wh_scale = c.gate_std / np.sqrt(2) / (h_std * np.sqrt(c.units) * 73.0)
    ins: list = [x]
    wx_scales = []
    for g in "ifco":
        cols = c.n_in + (variant == "bad_shape" and g == "c")
        w = rng.integers(-127, 128, (c.units, cols), dtype=np.int8)
        scale = np.float32(wx_scale * rng.uniform(0.7, 1.3))
        wx_scales.append(scale)
        if variant == "per_channel" and g == "f":
            ins.append(b.const(f"wx_{g}", w, scale=np.full(c.units, scale), zero_point=0))
        else:
            ins.append(b.const(f"wx_{g}", w, scale=scale, zero_point=0))
    for g in "ifco":
        w = rng.integers(-127, 128, (c.units, c.units), dtype=np.int8)
        ins.append(b.const(f"wh_{g}", w, scale=np.float32(wh_scale * rng.uniform(0.7, 1.3)), zero_point=0))
    if variant == "peephole":
        ins += [b.const(f"peep_{g}", rng.integers(-127, 128, c.units, dtype=np.int8).astype(np.int16),
                        scale=2.0**-15, zero_point=0) for g in "ifo"]
    else:
        ins += [None, None, None]
    for k, g in enumerate("ifco"):
        bias_scale = float(np.float32(X_SCALE) * wx_scales[k])
        bias = np.round(rng.normal(1.0 if g == "f" else 0.0, 0.5, c.units) / bias_scale).astype(np.int32)
        ins.append(b.const(f"b_{g}", bias, scale=bias_scale, zero_point=0))
    if variant == "projection":
        ins += [b.const("proj_w", rng.integers(-127, 128, (c.units, c.units), dtype=np.int8), scale=0.01), None]
    else:
        ins += [None, None]
    h_var = variant != "not_variable"
    h = b.tensor("h", (c.batch, c.units), np.int8, scale=H_SCALE, zero_point=c.hidden_zp, is_variable=h_var)
    cell_type = np.int8 if variant == "cell_int8" else np.int16
    cs = b.tensor("c", (c.batch, c.units), cell_type, scale=c.cell_scale, zero_point=0, is_variable=True)
    ins += [h, cs, None, None, None, None]
    out_shape = (c.input_shape[0], c.input_shape[1], c.units)
    y = b.tensor("y", out_shape, np.int8, scale=H_SCALE, zero_point=c.hidden_zp)
    opts = {"fused_activation_function": "RELU" if variant == "relu" else "TANH",
            "cell_clip": c.cell_clip, "proj_clip": 0.0, "time_major": c.time_major}
    b.op("UNIDIRECTIONAL_SEQUENCE_LSTM", ins, [y], opts)
    b.inputs([x])
    b.outputs([y])
    return b.build()


def tflm_interpreter(data: bytes):
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(data, arena_size=1 << 18)
    interp.reset()  # variable tensors to their zero points, as TFLM's Reset
    return interp


def tflm_invoke(interp, x: np.ndarray) -> np.ndarray:
    interp.set_input(x, 0)
    interp.invoke()
    return np.array(interp.get_output(0), copy=True)


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_lstm_matches_tflm(backend: str, c: Lstm) -> None:
    core = core_module()
    rng = np.random.default_rng(seed_of(c.id))
    data = build_lstm(c, rng)
    xs = [rng.integers(-128, 128, c.input_shape, dtype=np.int8) for _ in range(INVOCATIONS)]
    interp = tflm_interpreter(data)
    refs = [tflm_invoke(interp, x) for x in xs]
    assert_spread(np.concatenate([r.reshape(-1) for r in refs]), c.id)
    m = core.Model(data, backend=backend)
    assert m.ops == ["UNIDIRECTIONAL_SEQUENCE_LSTM"]
    for k, (x, ref) in enumerate(zip(xs, refs, strict=True)):
        assert_same_outputs([ref], m.invoke(x), f"{c.id} invocation {k}")
    # reset: both start again from the zero-point state
    interp.reset()
    m.reset()
    assert_same_outputs([tflm_invoke(interp, xs[1])], m.invoke(xs[1]), f"{c.id} after reset")


@pytest.mark.parametrize(
    "variant, status, needle",
    [
        ("peephole", "UNSUPPORTED", "peephole"),
        ("projection", "UNSUPPORTED", "projection"),
        ("relu", "UNSUPPORTED", "fused_activation_function"),
        ("per_channel", "UNSUPPORTED", "per channel"),
        ("cell_int8", "UNSUPPORTED", "cell_state"),
        ("bad_shape", "INVALID_MODEL", "input_to_cell_weights"),
        ("not_variable", "INVALID_MODEL", "input 18 (tensor 13) is read before any operator writes it"),
    ],
)
def test_lstm_rejects_variants(backend: str, variant: str, status: str, needle: str) -> None:
    core = core_module()
    data = build_lstm(Lstm(1, 2, 3, 4), np.random.default_rng(1), variant=variant)
    with pytest.raises(core.CoreError) as info:
        core.Model(data, backend=backend)
    assert info.value.status == status, str(info.value)
    assert needle in str(info.value), str(info.value)


# ---- float32 LSTM (TFLM's EvalLstm<float...>): bit-equal, libm calls included ----------------
F_CASES = [
    Lstm(1, 1, 3, 4),
    Lstm(1, 8, 16, 16),
    Lstm(2, 5, 7, 12, cell_clip=1.5),
    Lstm(2, 3, 10, 8, time_major=True),
    Lstm(2, 8, 3, 16, time_major=True, cell_clip=0.8),
    Lstm(2, 6, 9, 6, gate_std=12.0),  # saturated gates, logistic cut-offs
]


def build_lstm_f32(c: Lstm, rng: np.random.Generator) -> bytes:
    b = ModelBuilder()
    x = b.tensor("x", c.input_shape, np.float32)
    wx = c.gate_std / np.sqrt(2) / np.sqrt(c.n_in)
    wh = c.gate_std / np.sqrt(2) / (0.5 * np.sqrt(c.units))
    ins: list = [x]
    ins += [b.const(f"wx_{g}", rng.normal(0, wx, (c.units, c.n_in)).astype(np.float32)) for g in "ifco"]
    ins += [b.const(f"wh_{g}", rng.normal(0, wh, (c.units, c.units)).astype(np.float32)) for g in "ifco"]
    ins += [None, None, None]
    ins += [b.const(f"b_{g}", rng.normal(1.0 if g == "f" else 0.0, 0.5, c.units).astype(np.float32))
            for g in "ifco"]
    ins += [None, None]
    h = b.tensor("h", (c.batch, c.units), np.float32, is_variable=True)
    cs = b.tensor("c", (c.batch, c.units), np.float32, is_variable=True)
    ins += [h, cs, None, None, None, None]
    y = b.tensor("y", (c.input_shape[0], c.input_shape[1], c.units), np.float32)
    b.op("UNIDIRECTIONAL_SEQUENCE_LSTM", ins, [y], {"fused_activation_function": "TANH", "cell_clip": c.cell_clip,
                                                     "proj_clip": 0.0, "time_major": c.time_major})
    b.inputs([x])
    b.outputs([y])
    return b.build()


@pytest.mark.parametrize("c", F_CASES, ids=[c.id for c in F_CASES])
def test_lstm_f32_matches_tflm(backend: str, c: Lstm) -> None:
    core = core_module()
    rng = np.random.default_rng(seed_of("f32" + c.id))
    data = build_lstm_f32(c, rng)
    xs = [rng.normal(0, 1.0, c.input_shape).astype(np.float32) for _ in range(INVOCATIONS)]
    interp = tflm_interpreter(data)
    refs = [tflm_invoke(interp, x) for x in xs]
    assert_spread(np.concatenate([r.reshape(-1) for r in refs]), c.id)
    m = core.Model(data, backend=backend)
    for k, (x, ref) in enumerate(zip(xs, refs, strict=True)):
        assert_same_outputs([ref], m.invoke(x), f"float {c.id} invocation {k}")
    interp.reset()
    m.reset()
    assert_same_outputs([tflm_invoke(interp, xs[2])], m.invoke(xs[2]), f"float {c.id} after reset")

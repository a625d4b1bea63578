"""Per-op conformance of the reductions: MEAN (int8, int16, float32), SUM (int8 and int16
requantized as TFLM's reduce_common.cc, float32), REDUCE_MAX and REDUCE_MIN (int8, float32),
ARG_MAX and ARG_MIN (int8, float32 in, int32 out), over ranks 1 to 6, negative and repeated
axes, keep_dims, and axis tensors the graph computes; byte-equal to the tflite-micro
interpreter on every backend. Then the errors prepare (or invoke, for computed axes) gives."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest
import test_ops as T
from harness import assert_same_outputs, assert_spread, core_module, seed_of
from test_ops_data import F32, I8, I16, I32, I64, Err, In, Out, check_error, i32, one_op, tname
from tflite_builder import ModelBuilder, run_tflm

Build = Callable[[np.random.Generator], tuple[bytes, list[np.ndarray]]]
CASES: dict[str, Build] = {}

# input shape, axes
REDUCTIONS = [
    ((4, 6), [1]),
    ((4, 6), [-2]),
    ((4, 6), []),
    ((3, 4, 5), [0, 2]),
    ((3, 4, 5), [1, -2]),  # the same axis twice
    ((2, 5, 6, 3), [1, 2]),  # float MEAN: TFLM's 4-D special case when keep_dims
    ((2, 5, 6, 3), [2, 1]),
    ((2, 5, 6, 3), [-3, -2]),
    ((2, 5, 6, 3), [3]),
    ((2, 3, 2, 4, 3), [1, 3]),
    ((2, 3, 2, 4, 3), [0, 2, 4]),
    ((2, 2, 3, 2, 2, 3), [5, 0, 3]),
]


def reduced_shape(shape: tuple[int, ...], axes: list[int], keep: bool) -> tuple[int, ...]:
    red = {a % len(shape) for a in axes}
    return tuple(1 if k in red else n for k, n in enumerate(shape) if keep or k not in red)


def reduce_case(op: str, dt: np.dtype, shape: tuple[int, ...], axes: list[int], keep: bool, runtime: bool) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        count = math.prod(shape[a] for a in {a % len(shape) for a in axes})
        b = ModelBuilder()
        if dt == F32:
            q_in = q_out = (None, None)
            x_data = rng.normal(0, 3, shape).astype(np.float32)
        elif dt == I8:
            q_in = (0.05, int(rng.integers(-8, 8)))
            # MEAN: the mean of count values spreads like 1/sqrt(count); SUM like sqrt(count)
            spread = math.sqrt(count) if op == "SUM" else 1 / math.sqrt(count)
            q_out = q_in if op in ("REDUCE_MAX", "REDUCE_MIN") else (0.05 * spread * 74 / 40, int(rng.integers(-8, 8)))
            x_data = rng.integers(-128, 128, shape).astype(np.int8)
        else:
            q_in = (0.001, int(rng.integers(-50, 50)))
            spread = math.sqrt(count) if op == "SUM" else 1 / math.sqrt(count)
            q_out = (0.001 * spread * 18900 / 8000, int(rng.integers(-50, 50)))
            x_data = rng.integers(-32768, 32768, shape).astype(np.int16)
        x = b.tensor("x", shape, dt, *q_in)
        ax_arr = np.array(axes, np.int32)
        ax = b.tensor("axis", ax_arr.shape, np.int32) if runtime else b.const("axis", ax_arr)
        y = b.tensor("y", reduced_shape(shape, axes, keep), dt, *q_out)
        b.op(op, [x, ax], [y], {"keep_dims": keep})
        b.inputs([x, ax] if runtime else [x])
        b.outputs([y])
        return b.build(), [x_data, ax_arr] if runtime else [x_data]
    return build


TYPES = {"MEAN": (I8, I16, F32), "SUM": (I8, I16, F32), "REDUCE_MAX": (I8, F32), "REDUCE_MIN": (I8, F32)}
for op, types in TYPES.items():
    for dt, (k, (shape, axes)), keep in itertools.product(types, enumerate(REDUCTIONS), (False, True)):
        runtime = k % 3 == 1 and bool(axes)  # every third grid row takes its axes from a graph input
        CASES[f"{op.lower()}/{tname(dt)}_{T.dims(shape)}_axes{'_'.join(map(str, axes)) or 'none'}"
              f"{'_keep' if keep else ''}{'_runtime' if runtime else ''}"] = reduce_case(op, dt, shape, axes, keep,
                                                                                        runtime)


def full_reduce_case(op: str, dt: np.dtype, shape: tuple[int, ...], axes: list[int], keep: bool) -> Build:
    """Three inputs each reduced to one value, PACKed (or, keep_dims, CONCATENATEd) into one output."""
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        count = math.prod(shape)
        b = ModelBuilder()
        if dt == F32:
            q_in = q_out = (None, None)
        elif dt == I8:
            q_in = (0.05, 2)
            q_out = q_in if op in ("REDUCE_MAX", "REDUCE_MIN") else (
                0.05 * (math.sqrt(count) if op == "SUM" else 1 / math.sqrt(count)) * 74 / 40, -3)
        else:
            q_in = (0.001, 7)
            q_out = (0.001 * (math.sqrt(count) if op == "SUM" else 1 / math.sqrt(count)) * 18900 / 8000, 0)
        xs = [b.tensor(f"x{i}", shape, dt, *q_in) for i in range(3)]
        one = reduced_shape(shape, axes, keep)
        ys = [b.tensor(f"r{i}", one, dt, *q_out) for i in range(3)]
        ax = b.const("axis", np.array(axes, np.int32))
        for x, y in zip(xs, ys, strict=True):
            b.op(op, [x, ax], [y], {"keep_dims": keep})
        out = b.tensor("y", (3, *one[1:]) if keep else (3,), dt, *q_out)
        if keep:
            b.op("CONCATENATION", ys, [out], {"axis": 0})
        else:
            b.op("PACK", ys, [out], {"values_count": 3, "axis": 0})
        b.inputs(xs)
        b.outputs([out])
        if dt == F32:
            data = [rng.normal(0, 3, shape).astype(np.float32) for _ in xs]
        else:
            info = np.iinfo(dt)
            data = [rng.integers(info.min, info.max, shape, dtype=dt, endpoint=True) for _ in xs]
        return b.build(), data
    return build


for op, types in TYPES.items():
    for dt, (shape, axes), keep in itertools.product(types, [((12,), [0]), ((4, 6), [0, -1]), ((2, 3, 4), [2, 0, 1])],
                                                    (False, True)):
        CASES[f"{op.lower()}/{tname(dt)}_{T.dims(shape)}_all_axes{'_keep' if keep else ''}"] = full_reduce_case(
            op, dt, shape, axes, keep)


# ---- ARG_MAX / ARG_MIN ------------------------------------------------------------------------
def arg_case(op: str, dt: np.dtype, shape: tuple[int, ...], axis: int, runtime: bool, nans: bool = False) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        a = axis % len(shape)
        if dt == F32:
            x = rng.normal(0, 3, shape).astype(np.float32)
            if nans:
                x.reshape(-1)[::7] = np.nan
        else:
            x = rng.integers(-128, 128, shape).astype(np.int8)
        ax = np.array([axis], np.int32)
        out = Out(shape[:a] + shape[a + 1:], I32)
        return one_op(op, [In(shape, dt, x), In((1,), I32, ax) if runtime else ax], [out],
                      {"output_type": "INT32"}, rng)
    return build


ARGS = [((12,), 0), ((4, 12), 1), ((12, 5), 0), ((3, 10, 4), 1), ((3, 4, 10), -1), ((2, 3, 11, 2), -2),
        ((2, 11, 2, 3, 2), 1), ((11, 2, 2, 1, 2, 3), 0)]
for op, dt, (k, (shape, axis)) in itertools.product(("ARG_MAX", "ARG_MIN"), (I8, F32), enumerate(ARGS)):
    if shape == (12,):
        continue  # one output value: no spread to check; 1-D inputs run in the NaN cases below
    runtime = k % 2 == 1
    CASES[f"{op.lower()}/{tname(dt)}_{T.dims(shape)}_axis{axis}{'_runtime' if runtime else ''}"] = arg_case(
        op, dt, shape, axis, runtime)
for op in ("ARG_MAX", "ARG_MIN"):
    CASES[f"{op.lower()}/float32_nans_4x12_axis1"] = arg_case(op, F32, (4, 12), 1, False, nans=True)
    CASES[f"{op.lower()}/float32_nans_12x4_axis0"] = arg_case(op, F32, (12, 4), 0, True, nans=True)


@pytest.mark.parametrize("name", list(CASES))
def test_reduce_op(name: str, backend: str) -> None:
    data, inputs = CASES[name](np.random.default_rng(seed_of(name)))
    refs = run_tflm(data, inputs)
    for i, r in enumerate(refs):
        assert_spread(r, f"{name} output {i}")
    outs = core_module().Model(data, backend=backend).invoke(*inputs)
    assert_same_outputs(refs, outs, f"{name} [{backend}]")


# ---- errors ---------------------------------------------------------------------------------
P = "operator 0 "
ERRORS: dict[str, Err] = {
    "arg_max/int64_output": Err(
        "ARG_MAX", (In((3, 4), I8), i32([1])), (Out((3,), I64),), {"output_type": "INT64"}, "UNSUPPORTED",
        P + "'ARG_MAX': output type int64 is not supported; int32 is", "rejects"),
    # TFLM reads past the input on an axis outside it
    "arg_max/axis": Err(
        "ARG_MAX", (In((3, 4), F32), i32([2])), (Out((3,), I32),), None, "INVALID_MODEL",
        P + "'ARG_MAX': axis 2 does not reduce the input shape to the output's", None),
    "arg_min/output_shape": Err(
        "ARG_MIN", (In((3, 4), F32), i32([1])), (Out((4,), I32),), None, "INVALID_MODEL",
        P + "'ARG_MIN': axis 1 does not reduce the input shape to the output's", None),
    "arg_min/runtime_axis": Err(
        "ARG_MIN", (In((3, 4), I8), In((1,), I32, i32([-3]))), (Out((4,), I32),), None, "KERNEL",
        P + "'ARG_MIN': kernel failed with status 6", None, invoke=True),
    "arg_max/int16": Err(
        "ARG_MAX", (In((3, 4), I16), i32([1])), (Out((3,), I32),), None, "UNSUPPORTED",
        "unsupported operators: ARG_MAX for int16 input (runs int8, float32) (operator 0)", "rejects"),
    "reduce_max/requantize": Err(
        "REDUCE_MAX", (In((3, 4), I8), i32([1])), (Out((3,), I8, (0.1, 3)),), None, "UNSUPPORTED",
        P + "'REDUCE_MAX': input quantization (scale 0.05, zero point 3) differs from the output's (scale 0.1, "
        "zero point 3); int8 REDUCE_MAX does not requantize", "rejects"),
    "reduce_max/output_type": Err(
        "REDUCE_MAX", (In((3, 4), I8), i32([1])), (Out((3,), I16),), None, "UNSUPPORTED",
        P + "'REDUCE_MAX': output has type int16; only int8 is supported", "rejects"),
    "mean/axis": Err(
        "MEAN", (In((3, 4), F32), i32([2])), (Out((3,), F32),), None, "INVALID_MODEL",
        P + "'MEAN': axis 2 is out of range for a 2-D input", "rejects"),
    # TFLM writes the reduction of the axes given, whatever the output's declared shape
    "mean/output_shape": Err(
        "MEAN", (In((3, 4), I8), i32([1])), (Out((1, 3), I8),), None, "INVALID_MODEL",
        P + "'MEAN': output shape is [1, 3], expected [3]", "runs"),
    "sum/runtime_axes": Err(
        "SUM", (In((3, 4), F32), In((1,), I32, i32([0]))), (Out((3,), F32),), None, "KERNEL",
        P + "'SUM': kernel failed with status 6", None, invoke=True),
    "sum/int32": Err(
        "SUM", (In((3, 4), I32), i32([1])), (Out((3,), I32),), None, "UNSUPPORTED",
        "unsupported operators: SUM for int32 input (runs int8, int16, float32) (operator 0)", "rejects"),
    "reduce_min/int64_axis": Err(
        "REDUCE_MIN", (In((3, 4), F32), np.array([1], np.int64)), (Out((3,), F32),), None, "UNSUPPORTED",
        P + "'REDUCE_MIN': axis has type int64; only int32 is supported", "rejects"),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_reduce_op_error(name: str, backend: str) -> None:
    check_error(name, ERRORS[name], backend)

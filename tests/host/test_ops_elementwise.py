"""Per-op conformance of the elementwise family (issue 9: arithmetic, math and
activations) against the tflite-micro reference interpreter, on every backend:
ADD/SUB/MUL/DIV/MAXIMUM/MINIMUM/SQUARED_DIFFERENCE/PRELU with broadcasting up to
6-D and scalars, LEAKY_RELU/HARD_SWISH/ELU/RELU/RELU6/LOGISTIC/TANH, ABS/NEG/EXP/
LOG/SQRT/RSQRT/SQUARE, L2_NORMALIZATION, SOFTMAX int16/float32,
LOG_SOFTMAX, QUANTIZE/DEQUANTIZE directions, in every type TFLM's reference
kernels run; and the errors prepare raises for what the core does not run."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from harness import assert_same_outputs, assert_spread, core_module, seed_of
from tflite_builder import ModelBuilder, Tensor, run_tflm

Build = Callable[[np.random.Generator], tuple[bytes, list[np.ndarray]]]
CASES: dict[str, Build] = {}
Q = tuple[float, int] | None  # (scale, zero point), None: unquantized
U16_STD = 18918.0  # std of a uniform int16
U8_STD = 74.0  # std of a uniform int8


def add(name: str, fn: Build) -> None:
    assert name not in CASES, name
    CASES[name] = fn


def rand(rng: np.random.Generator, shape: Sequence[int], dtype: type, lo: float | None = None,
         hi: float | None = None) -> np.ndarray:
    dt = np.dtype(dtype)
    if dt.kind == "f":
        lo = -4.0 if lo is None else lo
        hi = 4.0 if hi is None else hi
        return rng.uniform(lo, hi, tuple(shape)).astype(dt)
    info = np.iinfo(dt)
    lo = info.min if lo is None else int(lo)
    hi = info.max if hi is None else int(hi)
    return rng.integers(lo, hi, tuple(shape), dtype=dt, endpoint=True)


def tensor(b: ModelBuilder, name: str, shape: Sequence[int], dtype: type, q: Q) -> Tensor:
    return b.tensor(name, shape, dtype, *(q if q else (None, None)))


def finish(b: ModelBuilder, ins: list[Tensor], out: Tensor, data: list[np.ndarray]) -> tuple[bytes, list[np.ndarray]]:
    b.inputs(ins)
    b.outputs([out])
    return b.build(), data


# ---- binary operators ---------------------------------------------------------------
def binary(op: str, dtype: type, s1: Sequence[int], s2: Sequence[int], q1: Q = None, q2: Q = None, qo: Q = None,
           options: dict | None = None, ranges: tuple = ((None, None), (None, None)),
           alpha_dtype: type | None = None, nonzero2: bool = False, const2: bool = False) -> Build:
    """op(a, b) -> out; inputs random over `ranges` (None: the type's range / [-4, 4])."""
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        dt2 = alpha_dtype or dtype
        x1 = rand(rng, s1, dtype, *ranges[0])
        x2 = rand(rng, s2, dt2, *ranges[1])
        if nonzero2:
            x2 = np.where(x2 == 0, 1, x2).astype(dt2)
            if np.dtype(dt2) == np.int32:
                x1 = np.where(x1 == np.iinfo(np.int32).min, 7, x1).astype(dtype)
        a = tensor(b, "a", s1, dtype, q1)
        c = b.tensor("b", s2, dt2, *(q2 if q2 else (None, None)), data=x2) if const2 else tensor(b, "b", s2, dt2, q2)
        y = tensor(b, "out", np.broadcast_shapes(tuple(s1), tuple(s2)), dtype, qo)
        b.op(op, [a, c], [y], options)
        return finish(b, [a] if const2 else [a, c], y, [x1] if const2 else [x1, x2])
    return build


SHAPES = [((2, 4, 5, 3), (2, 4, 5, 3)), ((1, 4, 5, 3), (1, 1, 1, 3)), ((1, 4, 5, 3), (1, 4, 1, 1)),
          ((1, 4, 1, 3), (1, 1, 5, 1)), ((4, 6), (6,)), ((3, 7), ()), ((), (9,)), ((1, 1, 5), (3, 4, 5)),
          ((2, 1, 3, 1, 4), (1, 3, 1, 5, 1)), ((2, 1, 2, 3, 1, 2), (2, 2, 1, 1, 2, 1)), ((1, 1, 6), (6,))]
ACTS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]


def dims(shape: Sequence[int]) -> str:
    return "x".join(map(str, shape)) or "scalar"


def shape_name(s1: Sequence[int], s2: Sequence[int]) -> str:
    return f"{dims(s1)}+{dims(s2)}"


# int16 scales per fused activation: the real inputs span about +-13 / +-23 (NONE, RELU), +-3.6 / +-5.4
# (RELU6: output scale 6/32768) or +-0.6 / +-0.9 (RELU_N1_TO_1: output scale 1/32768)
S16_ADD = {"NONE": ((0.0004, 0), (0.0007, 0), (0.0011, 0)), "RELU": ((0.0004, 0), (0.0007, 0), (0.0011, 0)),
           "RELU6": ((0.00011, 0), (0.000165, 0), (6.0 / 32768, 0)),
           "RELU_N1_TO_1": ((0.6 / 32768, 0), (0.9 / 32768, 0), (1.0 / 32768, 0))}
S8_ADD = {"NONE": ((0.05, 3), (0.03, -7), (0.07, 2)), "RELU": ((0.05, 3), (0.03, -7), (0.07, 2)),
          "RELU6": ((0.03, 3), (0.01, -7), (6.0 / 255, -128)), "RELU_N1_TO_1": ((0.006, 3), (0.008, -7), (2.0 / 255, 0))}
S16_MUL = {"NONE": ((3.0 / 32768, 0), (3.0 / 32768, 0), (9.0 / 32768, 0)),
           "RELU": ((3.0 / 32768, 0), (3.0 / 32768, 0), (9.0 / 32768, 0)),
           "RELU6": ((3.0 / 32768, 0), (3.0 / 32768, 0), (6.0 / 32768, 0)),
           "RELU_N1_TO_1": ((1.5 / 32768, 0), (1.5 / 32768, 0), (1.0 / 32768, 0))}
# int32 (unquantized) input ranges per activation: RELU6 / RELU_N1_TO_1 leave a handful of values
S32_RANGE = {"NONE": (None, None), "RELU": (None, None), "RELU6": (-8, 8), "RELU_N1_TO_1": (-2, 2)}

# ADD / SUB
_acts = itertools.cycle(ACTS)
for op, (s1, s2) in itertools.product(["ADD", "SUB"], SHAPES):
    act = next(_acts) if math.prod(np.broadcast_shapes(s1, s2)) >= 30 else "NONE"
    nm = shape_name(s1, s2)
    # int16, zero points 0 (CMSIS-NN arm_elementwise_add_s16 for equal shapes)
    add(f"{op.lower()}/s16_{nm}_{act}", binary(op, np.int16, s1, s2, *S16_ADD[act], {"activation": act}))
    add(f"{op.lower()}/f32_{nm}_{act}", binary(op, np.float32, s1, s2, options={"activation": act},
                                               ranges=((-4, 4), (-1.5, 1.5))))
    if act in ("NONE", "RELU"):
        add(f"{op.lower()}/s32_{nm}_{act}", binary(op, np.int32, s1, s2, options={"activation": act}))
    if op == "SUB":
        add(f"sub/s8_{nm}_{act}", binary(op, np.int8, s1, s2, *S8_ADD[act], {"activation": act}))
for op in ("ADD", "SUB"):
    lo = op.lower()
    # nonzero int16 zero points: TFLM's reference takes them (the portable routine on both backends)
    add(f"{lo}/s16_zp_2x4x5x3", binary(op, np.int16, (2, 4, 5, 3), (2, 4, 5, 3), (0.0005, 120), (0.0003, -300),
                                       (0.0009, 55)))
    add(f"{lo}/s16_zp_bcast", binary(op, np.int16, (2, 4, 5, 3), (5, 1), (0.0005, -20), (0.0003, 7), (0.0009, 0)))
    add(f"{lo}/s16_scale_ratio_50", binary(op, np.int16, (4, 17), (4, 17), (0.01, 0), (0.0002, 0), (0.012, 0)))
    add(f"{lo}/s16_const_rhs", binary(op, np.int16, (1, 6, 5), (5,), (0.0004, 0), (0.0002, 0), (0.0006, 0),
                                      const2=True))
    add(f"{lo}/s16_big_odd", binary(op, np.int16, (1, 7, 9, 17), (1, 7, 9, 17), (0.0004, 0), (0.0004, 0),
                                    (0.0007, 0), {"activation": "RELU"}))
    add(f"{lo}/s32_small_relu6", binary(op, np.int32, (2, 9), (9,), options={"activation": "RELU6"},
                                        ranges=(S32_RANGE["RELU6"],) * 2))
    add(f"{lo}/s32_small_relu_n1_to_1", binary(op, np.int32, (3, 2), (2,), options={"activation": "RELU_N1_TO_1"},
                                               ranges=(S32_RANGE["RELU_N1_TO_1"],) * 2))
    add(f"{lo}/f32_relu_bcast_b3", binary(op, np.float32, (3, 2, 2, 4), (1, 2, 1, 4), options={"activation": "RELU"}))
add("sub/s8_zp_extremes", binary("SUB", np.int8, (2, 4, 5, 3), (2, 4, 5, 3), (0.05, -128), (0.03, 127),
                                 (0.1, -128)))
add("sub/s8_const_rhs", binary("SUB", np.int8, (1, 4, 5, 3), (3,), (0.04, 2), (0.01, 0), (0.05, -3), const2=True))

# MUL (int16: zero points 0, as TFLM requires; int32 and float32 with activations)
_acts = itertools.cycle(ACTS)
for s1, s2 in SHAPES:
    act = next(_acts) if math.prod(np.broadcast_shapes(s1, s2)) >= 30 else "NONE"
    nm = shape_name(s1, s2)
    add(f"mul/s16_{nm}_{act}", binary("MUL", np.int16, s1, s2, *S16_MUL[act], {"activation": act}))
    add(f"mul/f32_{nm}_{act}", binary("MUL", np.float32, s1, s2, options={"activation": act}))
    if act in ("NONE", "RELU"):
        add(f"mul/s32_{nm}_{act}", binary("MUL", np.int32, s1, s2, options={"activation": act},
                                          ranges=((-300, 300), (-300, 300))))
add("mul/s32_overflow_wraps", binary("MUL", np.int32, (6, 30), (6, 30)))
add("mul/s32_small_relu6", binary("MUL", np.int32, (2, 4), (4,), options={"activation": "RELU6"},
                                  ranges=((0, 3), (0, 3))))
add("mul/s16_big_odd", binary("MUL", np.int16, (1, 7, 9, 17), (1, 7, 9, 17), (0.0004, 0), (0.0004, 0), (0.003, 0)))
add("mul/s16_left_shift", binary("MUL", np.int16, (5, 21), (5, 21), (0.001, 0), (0.001, 0), (0.001 * 0.001 / 2, 0),
                                 ranges=((-150, 150), (-150, 150))))
add("mul/s16_const_rhs", binary("MUL", np.int16, (2, 6, 5), (5,), (0.0004, 0), (0.0002, 0), (5e-4, 0),
                                const2=True))

# DIV: float32, int32 (no zero divisor: TFLM traps on it), int8 (divisors of about 0.2 to 1.4)
S8_DIV = {"NONE": ((0.05, 3), (0.005, -128), (0.25, -5)), "RELU": ((0.05, 3), (0.005, -128), (0.25, -5)),
          "RELU6": ((0.01, 3), (0.005, -128), (6.0 / 255, -128)),
          "RELU_N1_TO_1": ((0.004, 3), (0.005, -128), (2.0 / 255, 0))}
_acts = itertools.cycle(ACTS)
for s1, s2 in SHAPES:
    act = next(_acts) if math.prod(np.broadcast_shapes(s1, s2)) >= 30 else "NONE"
    nm = shape_name(s1, s2)
    add(f"div/f32_{nm}_{act}", binary("DIV", np.float32, s1, s2, options={"activation": act},
                                      ranges=((-4, 4), (0.25, 4))))
    if act in ("NONE", "RELU"):
        add(f"div/s32_{nm}_{act}", binary("DIV", np.int32, s1, s2, options={"activation": act}, nonzero2=True,
                                          ranges=((-100000, 100000), (-300, 300))))
    add(f"div/s8_{nm}_{act}", binary("DIV", np.int8, s1, s2, *S8_DIV[act], {"activation": act},
                                     ranges=((None, None), (-88, 127))))
add("div/s32_full_range", binary("DIV", np.int32, (4, 50), (4, 50), nonzero2=True))
add("div/f32_signed_divisor", binary("DIV", np.float32, (4, 50), (4, 50)))
for q1, q2, qo in [((0.05, 0), (0.05, -128), (0.05, 0)), ((0.1, 10), (0.02, 0), (0.5, -20)),
                   ((0.02, -100), (0.1, 100), (0.004, 7)), ((0.05, 0), (0.05, -128), (1.0, 0))]:
    # includes zero numerators and quotients that round to zero (TFLM's shifts above 31)
    add(f"div/s8_q{q1[0]:g}_{q1[1]}_{q2[0]:g}_{q2[1]}_{qo[0]:g}_{qo[1]}",
        binary("DIV", np.int8, (8, 32), (8, 32), q1, q2, qo))

# MAXIMUM / MINIMUM (int8: CMSIS-NN arm_maximum_s8 / arm_minimum_s8 up to 4-D)
MAXMIN_SHAPES = SHAPES + [((1, 3, 1, 1), (1, 3, 4, 5)), ((1, 3, 4, 5), (1, 3, 1, 1)), ((2, 3, 4, 5), (1, 3, 4, 5)),
                          ((1, 3, 4, 5), (2, 1, 4, 1)), ((2, 1, 1, 5), (1, 3, 4, 1)), ((1, 1, 4, 5), (2, 3, 1, 5)),
                          ((2, 3, 4, 1), (2, 3, 1, 5)), ((1, 2, 3, 1), (1, 2, 1, 1)), ((3, 1, 4, 1), (1, 1, 1, 1))]
for op, (s1, s2) in itertools.product(["MAXIMUM", "MINIMUM"], MAXMIN_SHAPES):
    nm = shape_name(s1, s2)
    add(f"{op.lower()}/s8_{nm}", binary(op, np.int8, s1, s2, (0.05, 0), (0.05, 0), (0.05, 0),
                                        ranges=((None, None), (-60, 60))))
for op, (s1, s2) in itertools.product(["MAXIMUM", "MINIMUM"], SHAPES[:6]):
    nm = shape_name(s1, s2)
    add(f"{op.lower()}/s16_{nm}", binary(op, np.int16, s1, s2, (0.001, 0), (0.001, 0), (0.001, 0)))
    add(f"{op.lower()}/s32_{nm}", binary(op, np.int32, s1, s2))
    add(f"{op.lower()}/s64_{nm}", binary(op, np.int64, s1, s2))
    add(f"{op.lower()}/f32_{nm}", binary(op, np.float32, s1, s2))

# SQUARED_DIFFERENCE
for s1, s2 in SHAPES:
    nm = shape_name(s1, s2)
    add(f"squared_difference/s8_{nm}", binary("SQUARED_DIFFERENCE", np.int8, s1, s2, (0.05, 3), (0.04, -9),
                                              (0.3, -128)))
    add(f"squared_difference/s16_{nm}", binary("SQUARED_DIFFERENCE", np.int16, s1, s2, (0.001, 0), (0.0008, 0),
                                               (0.08, 0)))
    add(f"squared_difference/s32_{nm}", binary("SQUARED_DIFFERENCE", np.int32, s1, s2, ranges=((-3000, 3000),) * 2))
    add(f"squared_difference/f32_{nm}", binary("SQUARED_DIFFERENCE", np.float32, s1, s2))
add("squared_difference/s32_overflow_wraps", binary("SQUARED_DIFFERENCE", np.int32, (5, 20), (5, 20)))
add("squared_difference/s8_same_q", binary("SQUARED_DIFFERENCE", np.int8, (3, 40), (3, 40), (0.05, 0), (0.05, 0),
                                           (0.05, -128), ranges=((-40, 40), (-40, 40))))

# PRELU: alpha broadcast against the input (per channel, per row, scalar, full)
PRELU_SHAPES = [((1, 4, 5, 3), (3,)), ((1, 4, 5, 3), (1, 1, 3)), ((2, 4, 5, 3), (2, 4, 5, 3)),
                ((1, 4, 5, 3), (5, 1)), ((3, 7), ()), ((2, 3, 4), (1, 3, 1))]
for s1, s2 in PRELU_SHAPES:
    nm = shape_name(s1, s2)
    add(f"prelu/s8_{nm}", binary("PRELU", np.int8, s1, s2, (0.05, -5), (0.01, 10), (0.04, 3), const2=True))
    add(f"prelu/s16_{nm}", binary("PRELU", np.int16, s1, s2, (0.0004, 0), (0.008, -20), (0.0003, 0),
                                  alpha_dtype=np.int8, const2=True))
    add(f"prelu/f32_{nm}", binary("PRELU", np.float32, s1, s2, const2=True, ranges=((-4, 4), (-1, 1))))
add("prelu/s8_alpha_input", binary("PRELU", np.int8, (2, 5, 4), (5, 4), (0.05, 0), (0.01, -3), (0.03, -7)))
add("prelu/s8_alpha_gt1", binary("PRELU", np.int8, (2, 5, 4), (4,), (0.05, 2), (0.02, -128), (0.1, -40),
                                 const2=True))


# float32 special values in both operands (infinities clamp to +-FLT_MAX under NONE, as TFLM's lowest/max range)
def binary_special(op: str, act: str | None) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, 3e38, -3e38, 2.5, -1.5], np.float32)
        x1 = np.concatenate([np.repeat(special, special.size), rand(rng, (60,), np.float32)])
        x2 = np.concatenate([np.tile(special, special.size), rand(rng, (60,), np.float32)])
        b = ModelBuilder()
        a, c = (tensor(b, n, x1.shape, np.float32, None) for n in ("a", "b"))
        y = tensor(b, "out", x1.shape, np.float32, None)
        b.op(op, [a, c], [y], {"activation": act} if act else None)
        return finish(b, [a, c], y, [x1, x2])
    return build


for op, act in [("ADD", "NONE"), ("ADD", "RELU6"), ("SUB", "RELU"), ("MUL", "NONE"), ("MUL", "RELU_N1_TO_1"),
                ("DIV", "NONE"), ("MAXIMUM", None), ("MINIMUM", None), ("SQUARED_DIFFERENCE", None), ("PRELU", None)]:
    add(f"{op.lower()}/f32_special_values{'_' + act if act else ''}", binary_special(op, act))


# ---- unary operators ----------------------------------------------------------------
def unary(op: str, dtype: type, shape: Sequence[int], qi: Q = None, qo: Q = None, options: dict | None = None,
          lo: float | None = None, hi: float | None = None, special: Sequence[float] = (),
          exhaustive: bool = False) -> Build:
    """op(x); special: float values planted in the input (infinities, NaN, zeros); exhaustive: every value of
    the integer type, in order."""
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        if exhaustive:
            info = np.iinfo(dtype)
            x = np.arange(info.min, info.max + 1, dtype=np.int64).astype(dtype).reshape(shape)
        else:
            x = rand(rng, shape, dtype, lo, hi)
        if special:
            flat = x.reshape(-1)
            flat[: len(special)] = np.asarray(special, dtype)
        a = tensor(b, "in", shape, dtype, qi)
        y = tensor(b, "out", shape, dtype, qo)
        b.op(op, [a], [y], options)
        return finish(b, [a], y, [x])
    return build


F_SPECIAL = (0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -1e-40, 3e38, -3e38, 88.8, -104.0)
for shape in [(2, 3, 4, 5), (37,), (1, 2, 3, 4, 5, 2)]:
    nm = dims(shape)
    for op, lo, hi in [("ABS", -5, 5), ("NEG", -5, 5), ("EXP", -20, 20), ("LOG", 1e-6, 50), ("SQRT", 0, 100),
                       ("RSQRT", 1e-4, 100), ("SQUARE", -50, 50), ("TANH", -6, 6), ("LOGISTIC", -20, 20), ("ELU", -6, 6), ("RELU", -6, 6), ("RELU6", -3, 9),
                       ("HARD_SWISH", -6, 6)]:
        add(f"{op.lower()}/f32_{nm}", unary(op, np.float32, shape, lo=lo, hi=hi))
    add(f"leaky_relu/f32_{nm}", unary("LEAKY_RELU", np.float32, shape, options={"alpha": 0.2}))
for op in ["ABS", "NEG", "EXP", "LOG", "SQRT", "RSQRT", "SQUARE", "TANH", "LOGISTIC", "ELU", "RELU", "RELU6",
           "HARD_SWISH"]:
    add(f"{op.lower()}/f32_special_values", unary(op, np.float32, (6, 9), lo=-3, hi=3, special=F_SPECIAL))
add("logistic/f32_cutoffs", unary("LOGISTIC", np.float32, (64,), lo=-12, hi=20,
                                  special=(16.619047, 16.619049, -9.0, -9.000001, -8.999999)))
for alpha in (0.2, -0.5, 1.5):
    add(f"leaky_relu/f32_alpha{alpha:g}", unary("LEAKY_RELU", np.float32, (4, 25), options={"alpha": alpha},
                                                special=F_SPECIAL))

# LEAKY_RELU int8 / int16 (positive, negative and > 1 alphas; the seanet models are int16)
for alpha, qi, qo in [(0.2, (0.05, -10), (0.04, 20)), (0.3, (0.02, 0), (0.02, 0)), (-0.5, (0.05, 5), (0.06, -3)),
                      (1.5, (0.03, -20), (0.05, 10)), (0.01, (0.1, 100), (0.08, -100))]:
    add(f"leaky_relu/s8_a{alpha:g}_in{qi[0]:g}_{qi[1]}_out{qo[0]:g}_{qo[1]}",
        unary("LEAKY_RELU", np.int8, (3, 5, 17), qi, qo, {"alpha": alpha}))
for alpha, qi, qo in [(0.2, (0.0008, 0), (0.00066, 0)), (0.3, (0.0005, 0), (0.0004, 0)),
                      (-0.5, (0.0005, 0), (0.0007, 0)), (1.5, (0.0003, 0), (0.0006, 0)),
                      (0.2, (0.0005, 100), (0.0004, -50))]:
    add(f"leaky_relu/s16_a{alpha:g}_in{qi[0]:g}_{qi[1]}_out{qo[0]:g}_{qo[1]}",
        unary("LEAKY_RELU", np.int16, (3, 5, 17), qi, qo, {"alpha": alpha}))

# every int8 value through the int8 requantizing operators
for op, opts, qi, qo in [("LEAKY_RELU", {"alpha": 0.3}, (0.0473, -3), (0.0391, 5)), ("ABS", None, (0.0473, -3), (0.0391, 5)),
                         ("RELU", None, (0.0473, -3), (0.0391, 5)), ("HARD_SWISH", None, (0.0473, -3), (0.0391, -80)),
                         ("ELU", None, (0.0473, -3), (0.0391, 5)), ("RSQRT", None, (0.0473, -128), (0.0091, -128))]:
    add(f"{op.lower()}/s8_every_value", unary(op, np.int8, (16, 16), qi, qo, opts, exhaustive=True))

# HARD_SWISH int8: input scales that make the relu-ish multiplier shift left and right
for qi, qo in [((0.05, -10), (0.03, -100)), ((0.1, 0), (0.05, -128)), ((0.01, 20), (0.008, -60)),
               ((0.2, -50), (0.12, -90)), ((0.5, 3), (0.4, -110)), ((0.003, -5), (0.0025, 0))]:
    add(f"hard_swish/s8_in{qi[0]:g}_{qi[1]}_out{qo[0]:g}_{qo[1]}", unary("HARD_SWISH", np.int8, (4, 64), qi, qo))

# ELU int8 (a 256-entry table)
for qi, qo in [((0.05, -10), (0.04, 20)), ((0.1, 60), (0.03, 0)), ((0.02, -128), (0.02, -60))]:
    add(f"elu/s8_in{qi[0]:g}_{qi[1]}_out{qo[0]:g}_{qo[1]}", unary("ELU", np.int8, (4, 64), qi, qo))

# RELU / RELU6 int16 (zero points 0)
for qi, qo in [((0.0005, 0), (0.0005, 0)), ((0.0005, 0), (0.0003, 0)), ((0.0002, 0), (0.0004, 0))]:
    add(f"relu/s16_in{qi[0]:g}_out{qo[0]:g}", unary("RELU", np.int16, (3, 5, 7), qi, qo))
for qi in [(0.0005, 0), (0.0003, 10), (0.00001, -7)]:
    add(f"relu6/s16_in{qi[0]:g}_{qi[1]}", unary("RELU6", np.int16, (3, 5, 7), qi, qi))

# LOGISTIC / TANH int16: power-of-two input scales (TFLM's shift-only path) and general ones
for op, s_in in itertools.product(["LOGISTIC", "TANH"], [2.0 ** -12, 2.0 ** -11, 2.0 ** -13, 0.0003, 0.00005,
                                                         0.002, 2.0 ** -10]):
    span = int(min(32767, 8.0 / s_in))
    add(f"{op.lower()}/s16_in{s_in:g}", unary(op, np.int16, (5, 80), (s_in, 0), (1.0 / 32768, 0), lo=-span, hi=span))

# ABS int8 / int16 (quantized, with and without a rescale), int16 raw
for qi, qo in [((0.05, -10), (0.05, -10)), ((0.05, -10), (0.03, -100)), ((0.02, 100), (0.04, -128))]:
    add(f"abs/s8_in{qi[0]:g}_{qi[1]}_out{qo[0]:g}_{qo[1]}", unary("ABS", np.int8, (4, 64), qi, qo))
for qi, qo in [((0.0005, 0), (0.0005, 0)), ((0.0005, 0), (0.0003, 0)), ((0.0002, 0), (0.0004, 0))]:
    add(f"abs/s16_in{qi[0]:g}_out{qo[0]:g}", unary("ABS", np.int16, (4, 64), qi, qo, lo=-19000, hi=19000))
add("abs/s16_unquantized", unary("ABS", np.int16, (4, 64), special=(-32768, 32767, 0, -1)))

# Every int16 value through the requantizing int16 operators, with scale ratios whose float and double
# quotients give different multipliers (the reference computes them in double)
EXHAUSTIVE_S16 = [("RELU", None), ("ABS", None), ("LEAKY_RELU", {"alpha": 0.3}), ("LEAKY_RELU", {"alpha": -0.7})]
for (op, opts), (s_in, s_out) in itertools.product(EXHAUSTIVE_S16, [(0.00080693, 0.00065709), (0.0003, 0.00071)]):
    add(f"{op.lower()}/s16_every_value_{s_in:g}_{s_out:g}{'_a' + str(opts['alpha']) if opts else ''}",
        unary(op, np.int16, (256, 256), (s_in, 0), (s_out * (2 if op == "ABS" else 1), 0), opts, exhaustive=True))

# RSQRT int8 (inputs at or above the zero point)
for qi, qo in [((0.05, -10), (0.05, -128)), ((0.01, -128), (0.02, -128)), ((0.2, 0), (0.01, -100)),
               ((0.003, -50), (0.1, -128))]:
    add(f"rsqrt/s8_in{qi[0]:g}_{qi[1]}_out{qo[0]:g}_{qo[1]}",
        unary("RSQRT", np.int8, (4, 64), qi, qo, lo=qi[1], hi=127))

# L2_NORMALIZATION over the last dimension
for shape in [(1, 20), (3, 17), (2, 3, 4, 9), (2, 2, 2, 3)]:
    nm = dims(shape)
    add(f"l2_normalization/f32_{nm}", unary("L2_NORMALIZATION", np.float32, shape))
    add(f"l2_normalization/s8_{nm}", unary("L2_NORMALIZATION", np.int8, shape, (0.05, 3), (1.0 / 128, 0)))
add("l2_normalization/f32_zeros_epsilon", unary("L2_NORMALIZATION", np.float32, (4, 8), lo=-1e-7, hi=1e-7,
                                                special=(0.0,) * 8))
add("l2_normalization/s8_big_depth", unary("L2_NORMALIZATION", np.int8, (2, 1500), (0.05, -3), (1.0 / 128, 0)))


# ---- SOFTMAX / LOG_SOFTMAX ------------------------------------------------------------
def softmax(op: str, dtype: type, shape: Sequence[int], qi: Q, qo: Q, beta: float | None, span: float) -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        if np.dtype(dtype).kind == "f":
            x = rng.uniform(-span, span, tuple(shape)).astype(dtype)
        else:
            half = int(min(np.iinfo(dtype).max, span / qi[0]))
            x = rand(rng, shape, dtype, -half, half)
        a = tensor(b, "in", shape, dtype, qi)
        y = tensor(b, "out", shape, dtype, qo)
        b.op(op, [a], [y], {"beta": beta} if beta is not None else None)
        return finish(b, [a], y, [x])
    return build


for shape, beta, s_in in itertools.product([(10,), (3, 10), (1, 2, 3, 40), (2, 1000)], [1.0, 0.4],
                                           [0.0005, 0.0002, 0.002]):
    add(f"softmax/s16_{dims(shape)}_beta{beta:g}_s{s_in:g}",
        softmax("SOFTMAX", np.int16, shape, (s_in, 0), (1.0 / 32768, 0), beta, 6.0 / beta))
add("softmax/s16_full_range", softmax("SOFTMAX", np.int16, (4, 33), (0.001, 0), (1.0 / 32768, 0), 1.0, 40.0))
add("softmax/s16_near_one_hot", softmax("SOFTMAX", np.int16, (30, 3), (0.001, 0), (1.0 / 32768, 0), 1.0, 12.0))
for shape, beta in itertools.product([(10,), (3, 10), (1, 2, 3, 40)], [1.0, 0.4, 2.5]):
    add(f"softmax/f32_{dims(shape)}_beta{beta:g}", softmax("SOFTMAX", np.float32, shape, None, None, beta, 6.0))
for shape, s_in in itertools.product([(10,), (3, 10), (1, 2, 3, 40), (2, 300)], [0.05, 0.1, 0.02, 0.25]):
    add(f"log_softmax/s8_{dims(shape)}_s{s_in:g}",
        softmax("LOG_SOFTMAX", np.int8, shape, (s_in, 5), (16.0 / 256, 127), None, 6.0))
for shape in [(10,), (3, 10), (1, 2, 3, 40)]:
    add(f"log_softmax/f32_{dims(shape)}", softmax("LOG_SOFTMAX", np.float32, shape, None, None, None, 8.0))


# ---- QUANTIZE / DEQUANTIZE ------------------------------------------------------------------
def requant(src: type, dst: type, qi: Q, qo: Q, op: str = "QUANTIZE") -> Build:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        shape = (3, 5, 11)
        if np.dtype(src).kind == "f":
            x = rng.normal(0.0, 60 * qo[0], shape).astype(src)
        elif np.dtype(src) == np.int32:
            x = rand(rng, shape, src, -3 * 2 ** 16, 3 * 2 ** 16)
        else:
            x = rand(rng, shape, src)
        a = tensor(b, "in", shape, src, qi)
        y = tensor(b, "out", shape, dst, qo)
        b.op(op, [a], [y])
        return finish(b, [a], y, [x])
    return build


for src, dst, qi, qo in [(np.int16, np.int32, (0.0005, 0), (0.00001, 3)), (np.int32, np.int16, (0.00001, 0), (0.0005, 0)),
                         (np.int16, np.int8, (0.0005, 0), (0.05, -4)), (np.int8, np.int16, (0.05, 2), (0.0005, 0)),
                         (np.uint8, np.int8, (0.05, 128), (0.05, 0)), (np.int8, np.uint8, (0.05, 0), (0.05, 128)),
                         (np.uint8, np.int8, (0.05, 120), (0.03, -3)), (np.int8, np.uint8, (0.05, 3), (0.04, 130)),
                         (np.int16, np.int16, (0.0005, 0), (0.0003, 0)), (np.int8, np.int32, (0.05, -3), (0.001, 0)),
                         (np.int32, np.int8, (0.001, 0), (0.5, 3)), (np.float32, np.int16, None, (0.0005, 0)),
                         (np.float32, np.int8, None, (0.05, -9))]:
    add(f"quantize/{np.dtype(src).name}_to_{np.dtype(dst).name}_{qi[0] if qi else 'f'}_{qo[0]:g}",
        requant(src, dst, qi, qo))
for src, qi in [(np.int8, (0.05, 3)), (np.int16, (0.0005, 0)), (np.uint8, (0.05, 128))]:
    add(f"dequantize/{np.dtype(src).name}", requant(src, np.float32, qi, (1.0, 0), "DEQUANTIZE"))


# ---- the audio preprocessor's int32 tail (micro_speech__audio_preprocessor_int8: features -> int8 range) --------
def audio_tail(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
    b = ModelBuilder()
    x = b.tensor("features", (40,), np.int32)
    t = x
    for k, (op, value) in enumerate([("MUL", 256), ("ADD", 333), ("DIV", 666), ("ADD", -128), ("MINIMUM", 127),
                                     ("MAXIMUM", -128)]):
        y = b.tensor(f"t{k}", (40,), np.int32)
        b.op(op, [t, b.const(f"c{k}", np.array(value, np.int32))], [y])
        t = y
    return finish(b, [x], t, [rand(rng, (40,), np.int32, 0, 2000)])


add("chain/audio_preprocessor_int32_tail", audio_tail)
add("mul/f32_40+scalar_const", binary("MUL", np.float32, (40,), (), const2=True, ranges=((0, 30), (0.0390625, 0.0390625))))


# ---- the conformance test -----------------------------------------------------------------
@pytest.mark.parametrize("name", list(CASES))
def test_elementwise_op(name: str, backend: str) -> None:
    data, inputs = CASES[name](np.random.default_rng(seed_of(name)))
    refs = run_tflm(data, inputs)
    for i, r in enumerate(refs):
        assert_spread(r, f"{name} output {i}")
    outs = core_module().Model(data, backend=backend).invoke(*inputs)
    assert_same_outputs(refs, outs, f"{name} [{backend}]")


MAXMIN_DIMS = (2, 3, 4, 5)
# every 4-D broadcast pattern: per axis both full, input 1 of extent 1, input 2 of extent 1, or both 1
MAXMIN_PATTERNS = [p for p in itertools.product(range(4), repeat=4)
                   if math.prod(MAXMIN_DIMS[i] for i in range(4) if p[i] != 3) >= 12]


@pytest.mark.parametrize("op", ["MAXIMUM", "MINIMUM"])
@pytest.mark.parametrize("pattern", MAXMIN_PATTERNS, ids=["".join("fabo"[k] for k in p) for p in MAXMIN_PATTERNS])
def test_maxmin_s8_4d_broadcasts(op: str, pattern: tuple[int, ...], backend: str) -> None:
    """arm_maximum_s8 / arm_minimum_s8 (CMSIS-NN backend) against TFLM on every 4-D broadcast pattern."""
    s1 = tuple(1 if k in (1, 3) else d for k, d in zip(pattern, MAXMIN_DIMS, strict=True))
    s2 = tuple(1 if k in (2, 3) else d for k, d in zip(pattern, MAXMIN_DIMS, strict=True))
    name = f"{op}-{s1}-{s2}"
    build = binary(op, np.int8, s1, s2, (0.05, 0), (0.05, 0), (0.05, 0), ranges=((-60, 60), (-60, 60)))
    fn = np.maximum if op == "MAXIMUM" else np.minimum
    for k in range(10):  # the first seed where each input decides some output
        data, inputs = build(np.random.default_rng(seed_of(name) + k))
        expect = fn(*inputs)
        if all(np.count_nonzero(expect != np.broadcast_to(x, expect.shape)) for x in inputs):
            break
    refs = run_tflm(data, inputs)
    # both inputs decide some outputs (a broadcast input can be a handful of values: no assert_spread)
    out_shape = refs[0].shape
    for x in inputs:
        assert np.count_nonzero(refs[0] != np.broadcast_to(x, out_shape)) > 0, f"{name}: one input decides all"
    assert_same_outputs(refs, core_module().Model(data, backend=backend).invoke(*inputs), f"{name} [{backend}]")


def softmax_s16_model(rows: int, cols: int, s_in: float, beta: float = 1.0) -> bytes:
    b = ModelBuilder()
    x = b.tensor("x", (rows, cols), np.int16, s_in, 0)
    y = b.tensor("y", (rows, cols), np.int16, 1.0 / 32768, 0)
    b.op("SOFTMAX", [x], [y], {"beta": beta})
    return finish(b, [x], y, [])[0]


@pytest.mark.parametrize("cols,s_in", [(9, 0.0005), (17, 0.0002), (9, 0.001)])
def test_softmax_s16_sums_below_a_power_of_two(cols: int, s_in: float, backend: str) -> None:
    """Rows of cols - 1 maxima and one value swept over every int16 at or below them: some rows' sums of
    exponentials fall just below 2^18 / 2^19 (where CMSIS-NN's arm_softmax_s16 overflows; the CMSIS-NN backend
    runs those rows through the portable routine)."""
    v = np.arange(-32768, 1, dtype=np.int16)
    x = np.zeros((v.size, cols), np.int16)
    x[:, -1] = v
    data = softmax_s16_model(v.size, cols, s_in)
    ref = run_tflm(data, [x], arena_size=8 << 20)[0]
    assert np.unique(ref[:, -1]).size > 100 and np.unique(ref[:, 0]).size > 100
    assert_same_outputs([ref], core_module().Model(data, backend=backend).invoke(x), f"softmax s16 sweep [{backend}]")


def test_softmax_s16_rows_of_one(backend: str) -> None:
    """One-element rows give 32767 (TFLM clamps the rounded 32768; arm_softmax_s16 would wrap it to -32768)."""
    data = softmax_s16_model(64, 1, 0.001, 2.0)
    x = rand(np.random.default_rng(3), (64, 1), np.int16)
    ref = run_tflm(data, [x])[0]
    assert ref.tolist() == [[32767]] * 64
    assert_same_outputs([ref], core_module().Model(data, backend=backend).invoke(x), f"softmax s16 rows of one [{backend}]")


def test_rsqrt_s8_negative_input_fails_invoke(backend: str) -> None:
    """TFLM's RSQRT int8 rejects an input below the zero point at invoke time; so does the core."""
    data, inputs = unary("RSQRT", np.int8, (2, 8), (0.05, 0), (0.05, -128), lo=-5, hi=20)(np.random.default_rng(1))
    inputs[0].reshape(-1)[3] = -2
    with pytest.raises(RuntimeError):
        run_tflm(data, inputs)
    model = core_module().Model(data, backend=backend)
    with pytest.raises(core_module().CoreError, match="operator 0 'RSQRT': kernel failed"):
        model.invoke(*inputs)


def test_div_s8_tiny_quotients_follow_tflm_x86() -> None:
    """A zero numerator gives zero point + 1 in TFLM's x86 build (its RoundingDivideByPOT shifts by 32 or more);
    the core reproduces the x86-64 reference, not the exact quotient."""
    data, inputs = binary("DIV", np.int8, (1, 4), (1, 4), (0.05, 0), (0.05, -128), (10.0, 3))(np.random.default_rng(2))
    inputs = [np.zeros((1, 4), np.int8), np.array([[10, 50, 100, 127]], np.int8)]
    assert run_tflm(data, inputs)[0].tolist() == [[4, 4, 4, 4]]
    for backend in core_module().backends():
        assert core_module().Model(data, backend=backend).invoke(*inputs)[0].tolist() == [[4, 4, 4, 4]]


# ---- what prepare refuses ------------------------------------------------------------------------
def err_binary(op: str, dtype: type, s1: Sequence[int], s2: Sequence[int], q: Q, options: dict | None = None,
               out_shape: Sequence[int] | None = None, dtype2: type | None = None, qo: Q = None,
               out_dtype: type | None = None) -> bytes:
    b = ModelBuilder()
    a = tensor(b, "a", s1, dtype, q)
    c = tensor(b, "b", s2, dtype2 or dtype, q)
    shape = out_shape if out_shape is not None else np.broadcast_shapes(tuple(s1), tuple(s2))
    y = tensor(b, "out", shape, out_dtype or dtype, qo or q)
    b.op(op, [a, c], [y], options)
    return finish(b, [a, c], y, [])[0]


def err_unary(op: str, dtype: type, shape: Sequence[int], qi: Q, qo: Q, options: dict | None = None,
              out_dtype: type | None = None) -> bytes:
    b = ModelBuilder()
    a = tensor(b, "in", shape, dtype, qi)
    y = tensor(b, "out", shape, out_dtype or dtype, qo)
    b.op(op, [a], [y], options)
    return finish(b, [a], y, [])[0]


S16 = (0.0005, 0)
ERRORS: dict[str, tuple[Callable[[], bytes], str]] = {
    "sub_no_broadcast": (lambda: err_binary("SUB", np.int16, (2, 3), (2, 4), S16, out_shape=(2, 4)),
                         "operator 0 'SUB': input shapes do not broadcast (dimension 1: 3 vs 4)"),
    "add_wrong_output_shape": (lambda: err_binary("ADD", np.float32, (2, 3), (3,), None, out_shape=(2, 4)),
                               "operator 0 'ADD': output shape is [2, 4], expected [2, 3]"),
    "add_uint8": (lambda: err_binary("ADD", np.uint8, (4,), (4,), (0.1, 128)),
                  ("unsupported operators: ADD for uint8 input (runs int8, int32, int16, float32) (operator 0); "
                  "supported: see tinyml.supported_ops()")),
    "add_mixed_types": (lambda: err_binary("ADD", np.int16, (4,), (4,), S16, dtype2=np.int8),
                        "operator 0 'ADD': input 2 has type int8; only int16 is supported"),
    "add_s16_tanh_activation": (lambda: err_binary("ADD", np.int16, (4,), (4,), S16, {"activation": "TANH"}),
                                "operator 0 'ADD': fused activation 4 is not supported"),
    "sub_f32_sign_bit_activation": (lambda: err_binary("SUB", np.float32, (4,), (4,), None,
                                                       {"activation": "SIGN_BIT"}),
                                    "operator 0 'SUB': fused activation 5 is not supported"),
    "add_s32_quantized": (lambda: err_binary("ADD", np.int32, (4,), (4,), (0.5, 0)),
                          "operator 0 'ADD': input 1 is quantized; only unquantized int32 is supported"),
    "mul_s16_zero_point": (lambda: err_binary("MUL", np.int16, (4,), (4,), (0.0005, 3)),
                           "operator 0 'MUL': input 1 zero point is 3; int16 requires 0"),
    "mul_s16_no_scale": (lambda: err_binary("MUL", np.int16, (4,), (4,), None),
                         "operator 0 'MUL': input 1 has no valid quantization scale"),
    "div_s16": (lambda: err_binary("DIV", np.int16, (4,), (4,), S16),
                ("unsupported operators: DIV for int16 input (runs int8, int32, float32) (operator 0); "
                "supported: see tinyml.supported_ops()")),
    "maximum_output_type": (lambda: err_binary("MAXIMUM", np.int8, (4,), (4,), (0.1, 0), out_dtype=np.int16),
                            "operator 0 'MAXIMUM': output has type int16; only int8 is supported"),
    "squared_difference_s16_zero_point": (
        lambda: err_binary("SQUARED_DIFFERENCE", np.int16, (4,), (4,), (0.0005, 9)),
        "operator 0 'SQUARED_DIFFERENCE': input 1 zero point is 9; int16 requires 0"),
    "prelu_s16_alpha_s16": (lambda: err_binary("PRELU", np.int16, (4,), (4,), S16),
                            "operator 0 'PRELU': input 2 has type int16; only int8 is supported"),
    "add_s16_scale_ratio": (lambda: err_binary("ADD", np.int16, (4,), (4,), S16, qo=(1e-12, 0)),
                            ("operator 0 'ADD': scales (inputs 0.0005, 0.0005, output 1e-12) give an output "
                            "multiplier 30517.6 outside (0, 1)")),
    "leaky_relu_s16_zero_point_range": (lambda: err_unary("LEAKY_RELU", np.int16, (4,), (0.0005, 40000),
                                                          (0.0005, 0), {"alpha": 0.2}),
                                        "operator 0 'LEAKY_RELU': input zero point 40000 is outside the int16 range"),
    "logistic_s16_zero_point": (lambda: err_unary("LOGISTIC", np.int16, (4,), (0.0005, 5), (1.0 / 32768, 0)),
                                "operator 0 'LOGISTIC': input zero point is 5; int16 requires 0"),
    "tanh_s16_output_scale": (lambda: err_unary("TANH", np.int16, (4,), (0.0005, 0), (1.0 / 16384, 0)),
                              "operator 0 'TANH': int16 output scale must be 1/32768, got 6.10352e-5"),
    "relu_s16_zero_point": (lambda: err_unary("RELU", np.int16, (4,), (0.0005, 0), (0.0005, 1)),
                            "operator 0 'RELU': output zero point is 1; int16 requires 0"),
    "hard_swish_s16": (lambda: err_unary("HARD_SWISH", np.int16, (4,), S16, S16),
                       ("unsupported operators: HARD_SWISH for int16 input (runs int8, float32) (operator 0); "
                       "supported: see tinyml.supported_ops()")),
    "hard_swish_s8_output_scale": (lambda: err_unary("HARD_SWISH", np.int8, (4,), (0.5, 0), (0.001, 0)),
                                   ("operator 0 'HARD_SWISH': input scale / 128 / output scale is 3.90625; "
                                   "it must be below 1")),
    "exp_int8": (lambda: err_unary("EXP", np.int8, (4,), (0.1, 0), (0.1, 0)),
                 ("unsupported operators: EXP for int8 input (runs float32) (operator 0); "
                 "supported: see tinyml.supported_ops()")),
    "neg_int32": (lambda: err_unary("NEG", np.int32, (4,), None, None),
                  ("unsupported operators: NEG for int32 input (runs float32) (operator 0); "
                  "supported: see tinyml.supported_ops()")),
    "rsqrt_s16": (lambda: err_unary("RSQRT", np.int16, (4,), S16, S16),
                  ("unsupported operators: RSQRT for int16 input (runs int8, float32) (operator 0); "
                  "supported: see tinyml.supported_ops()")),
    "abs_output_type": (lambda: err_unary("ABS", np.float32, (4,), None, None, out_dtype=np.int32),
                        "operator 0 'ABS': output has type int32; only float32 is supported"),
    "l2_normalization_5d": (lambda: err_unary("L2_NORMALIZATION", np.float32, (1, 2, 2, 2, 3), None, None),
                            "operator 0 'L2_NORMALIZATION': input has 5 dimensions; 1 to 4 are supported"),
    "l2_normalization_relu": (lambda: err_unary("L2_NORMALIZATION", np.float32, (2, 3), None, None,
                                                {"activation": "RELU"}),
                              "operator 0 'L2_NORMALIZATION': fused activation 1 is not supported"),
    "softmax_s16_output_scale": (lambda: err_unary("SOFTMAX", np.int16, (2, 5), S16, (1.0 / 65536, 0), {"beta": 1.0}),
                                 ("operator 0 'SOFTMAX': int16 needs zero points 0 and output scale 1/32768 "
                                 "(got input zero point 0, output 1.52588e-5, 0)")),
    "log_softmax_s8_output": (lambda: err_unary("LOG_SOFTMAX", np.int8, (2, 5), (0.1, 0), (1.0 / 256, -128)),
                              ("operator 0 'LOG_SOFTMAX': int8 output must have scale 16/256 and zero point 127 "
                              "(got 0.00390625, -128)")),
    "log_softmax_s16": (lambda: err_unary("LOG_SOFTMAX", np.int16, (2, 5), S16, S16),
                        ("unsupported operators: LOG_SOFTMAX for int16 input (runs int8, float32) (operator 0); "
                        "supported: see tinyml.supported_ops()")),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_elementwise_prepare_error(name: str, backend: str) -> None:
    build, message = ERRORS[name]
    with pytest.raises(core_module().CoreError) as info:
        core_module().Model(build(), backend=backend)
    assert info.value.message == message


def test_case_count() -> None:
    """The grid covers every operator of the family (a guard against a loop that silently adds nothing)."""
    ops = {name.split("/")[0] for name in CASES} - {"chain"}
    assert ops == {"add", "sub", "mul", "div", "maximum", "minimum", "squared_difference", "prelu", "abs", "neg",
                   "exp", "log", "sqrt", "rsqrt", "square", "tanh", "logistic", "elu", "relu", "relu6",
                   "hard_swish", "leaky_relu", "l2_normalization", "softmax", "log_softmax", "quantize",
                   "dequantize"}
    assert len(CASES) > 500

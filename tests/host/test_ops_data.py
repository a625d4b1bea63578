"""Per-op conformance of the data movement, shape and resize operators:
TRANSPOSE, STRIDED_SLICE, SLICE, SPLIT, SPLIT_V, PACK, UNPACK, GATHER, EXPAND_DIMS,
BATCH_TO_SPACE_ND, SPACE_TO_BATCH_ND, DEPTH_TO_SPACE, SPACE_TO_DEPTH,
RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR, CAST, SHAPE, FILL, ZEROS_LIKE, and every type
of CONCATENATION, PAD/PADV2, RESHAPE and SQUEEZE: one-op models byte-equal to the
tflite-micro interpreter on every backend, in each type TFLM runs the op in; then the
errors prepare (or, for index tensors the graph computes, invoke) gives for what is
not supported or not valid."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import test_ops as T
from harness import assert_same_outputs, assert_spread, core_module, seed_of
from tflite_builder import ModelBuilder, run_tflm

Build = Callable[[np.random.Generator], tuple[bytes, list[np.ndarray]]]
CASES: dict[str, Build] = {}
I8, I16, I32, I64, U32, F32, BOOL = (np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64, np.uint32,
                                                          np.float32, np.bool_))
# quantization given to int8/int16 tensors (int16: zero point 0, as TFLM's CONCATENATION wants)
QUANT = {I8: (0.05, 3), I16: (0.001, 0)}


def add(name: str, fn: Build) -> None:
    assert name not in CASES, name
    CASES[name] = fn


@dataclass(frozen=True)
class In:
    """A graph input of the one-op model (random data unless `data` is given)."""
    shape: tuple[int, ...]
    dtype: np.dtype
    data: np.ndarray | None = None


@dataclass(frozen=True)
class Out:
    shape: tuple[int, ...]
    dtype: np.dtype
    quant: tuple[float, int] | None = None  # default: QUANT[dtype]


def random_data(rng: np.random.Generator, shape: Sequence[int], dtype: np.dtype) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype == BOOL:
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.kind == "f":
        return rng.normal(0.0, 10.0, shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(max(info.min, -(2**40)), min(info.max, 2**40), shape, dtype=dtype, endpoint=True)


def one_op(op: str, ins: Sequence[Any], outs: Sequence[Out], options: dict | None = None,
           rng: np.random.Generator | None = None) -> tuple[bytes, list[np.ndarray]]:
    """A model of one operator. ins: In (graph input), np.ndarray (constant) or None (absent)."""
    b = ModelBuilder()
    refs, arrays = [], []
    graph_inputs = []
    for i, x in enumerate(ins):
        if x is None:
            refs.append(None)
        elif isinstance(x, In):
            t = b.tensor(f"in{i}", x.shape, x.dtype, *QUANT.get(np.dtype(x.dtype), (None, None)))
            refs.append(t)
            graph_inputs.append(t)
            arrays.append(x.data if x.data is not None else random_data(rng, x.shape, x.dtype))
        else:
            arr = np.asarray(x)
            refs.append(b.const(f"c{i}", arr, *QUANT.get(arr.dtype, (None, None))))
    outputs = [b.tensor(f"out{k}", o.shape, o.dtype, *(o.quant or QUANT.get(np.dtype(o.dtype), (None, None))))
               for k, o in enumerate(outs)]
    b.op(op, refs, outputs, options)
    b.inputs(graph_inputs)
    b.outputs(outputs)
    return b.build(), arrays


def case(name: str, op: str, ins: Sequence[Any], outs: Sequence[Out], options: dict | None = None) -> None:
    add(name, lambda rng: one_op(op, ins, outs, options, rng))


def tname(dtype: np.dtype) -> str:
    return np.dtype(dtype).name


def i32(values: Any) -> np.ndarray:
    return np.array(values, np.int32)


# ---- TRANSPOSE: int8 (CMSIS-NN arm_transpose_s8 up to 4-D), int16, float32 --------------
TRANSPOSE_SHAPES = [
    ((7,), (0,)),
    ((5, 6), (1, 0)),
    ((5, 6), (0, 1)),  # identity: aliased
    ((1, 6), (1, 0)),  # only a size-1 dimension moves: aliased
    ((3, 4, 5), (2, 0, 1)),
    ((3, 4, 5), (1, 0, 2)),
    ((3, 4, 5), (0, 2, 1)),
    ((1, 3, 6, 5), (0, 2, 3, 1)),  # NCHW -> NHWC (mobilenet_v2's)
    ((2, 3, 4, 5), (3, 2, 1, 0)),
    ((2, 3, 4, 5), (0, 1, 3, 2)),
    ((2, 3, 4, 5), (1, 0, 2, 3)),
    ((2, 3, 1, 4, 3), (4, 2, 0, 3, 1)),
    ((2, 2, 3, 2, 3), (0, 1, 2, 4, 3)),
]
for dt in (I8, I16, F32):
    for shape, perm in TRANSPOSE_SHAPES:
        out = tuple(shape[p] for p in perm)
        case(f"transpose/{tname(dt)}_{T.dims(shape)}_perm{''.join(map(str, perm))}", "TRANSPOSE",
             [In(shape, dt), i32(perm)], [Out(out, dt)])


# ---- STRIDED_SLICE: int8, int16, int32, float32, bool; up to 4-D -------------------------
@dataclass(frozen=True)
class SS:
    shape: tuple[int, ...]
    begin: tuple[int, ...]
    end: tuple[int, ...]
    strides: tuple[int, ...]
    begin_mask: int = 0
    end_mask: int = 0
    shrink: int = 0
    extra: tuple[tuple[str, Any], ...] = ()


def ss_shape(s: SS) -> tuple[int, ...]:
    """Output shape: numpy slicing with TFLM's mask semantics."""
    out = []
    for k, n in enumerate(s.shape):
        b = None if s.begin_mask >> k & 1 else s.begin[k]
        e = None if s.end_mask >> k & 1 else s.end[k]
        if s.shrink >> k & 1:
            continue
        out.append(len(range(n)[slice(b, e, s.strides[k])]))
    return tuple(out)


STRIDED = [
    SS((9,), (2,), (7,), (1,)),
    SS((9,), (-2,), (-8,), (-1,)),
    SS((9,), (1,), (9,), (3,)),
    SS((9,), (0,), (0,), (-2,), begin_mask=1, end_mask=1),
    SS((9,), (-20,), (20,), (1,)),  # clamped
    SS((9,), (0,), (9,), (1,)),  # whole: aliased
    SS((6, 7), (1, -1), (5, 0), (2, -2)),
    SS((6, 7), (0, 2), (0, 3), (1, 1), begin_mask=1, end_mask=1),
    SS((6, 7), (4, 0), (5, 7), (1, 1), shrink=1),
    SS((6, 7), (-3, 1), (0, 6), (1, 2), shrink=1),  # negative begin on a shrunk axis
    SS((4, 5, 6), (0, 1, 0), (4, 4, 6), (1, 1, 1)),
    SS((4, 5, 6), (3, 0, 5), (0, 5, 0), (-1, 2, -2), end_mask=1),
    SS((4, 5, 6), (1, 2, 3), (3, 3, 6), (1, 1, 1), shrink=2),
    SS((1, 8, 10, 2), (0, 2, 0, 0), (1, 8, 10, 2), (1, 1, 1, 1)),  # seanet-like
    SS((2, 5, 6, 3), (0, 4, 1, 2), (2, 0, 6, 0), (1, -2, 3, -1), begin_mask=1, end_mask=8),
    SS((2, 5, 6, 3), (1, 0, 0, 0), (2, 5, 6, 3), (1, 1, 1, 1), shrink=1),
    SS((3, 4, 5, 2), (0, 1, 1, 0), (3, 4, 4, 2), (1, 1, 1, 1), extra=(("ellipsis_mask", 4), ("new_axis_mask", 0))),
    SS((3, 4, 5, 2), (0, 1, 1, 0), (3, 2, 4, 2), (1, 1, 1, 1), extra=(("offset", True),)),
]
for dt in (I8, I16, I32, F32, BOOL):
    for k, s in enumerate(STRIDED):
        opts = {"begin_mask": s.begin_mask, "end_mask": s.end_mask, "shrink_axis_mask": s.shrink, **dict(s.extra)}
        case(f"strided_slice/{tname(dt)}_{k}_{T.dims(s.shape)}", "STRIDED_SLICE",
             [In(s.shape, dt), i32(s.begin), i32(s.end), i32(s.strides)], [Out(ss_shape(s), dt)], opts)


# ---- SLICE: int8, int16, int32, float32, bool; up to 5-D; constant or computed begin/size --
SLICES = [
    ((9,), (2,), (5,)),
    ((9,), (3,), (-1,)),
    ((6, 7), (1, 0), (4, 7)),
    ((4, 5, 6), (1, 2, 0), (2, -1, 5)),
    ((2, 4, 5, 3), (1, 1, 2, 0), (1, 3, 3, 3)),
    ((2, 3, 4, 3, 2), (0, 1, 1, 1, 0), (2, 2, 2, -1, 1)),
    ((3, 4), (0, 0), (3, 4)),  # whole: aliased
]
for dt in (I8, I16, I32, F32, BOOL):
    for (shape, begin, size), idx in itertools.product(SLICES, ("i32", "i64", "runtime")):
        out = tuple(n - b if z == -1 else z for n, b, z in zip(shape, begin, size, strict=True))
        ity = np.int64 if idx == "i64" else np.int32
        bz = [np.array(begin, ity), np.array(size, ity)]
        if idx == "runtime":
            bz = [In((len(shape),), I32, bz[0]), In((len(shape),), I32, bz[1])]
        case(f"slice/{tname(dt)}_{T.dims(shape)}_{idx}_b{'_'.join(map(str, begin))}", "SLICE",
             [In(shape, dt), *bz], [Out(out, dt)])


# ---- SPLIT, SPLIT_V: int8, int16, int32, float32 ------------------------------------------
SPLITS = [((12,), 0, 3), ((4, 6), 1, 2), ((4, 6), -2, 4), ((3, 4, 6), -1, 3), ((2, 3, 4, 6), 2, 2),
          ((2, 2, 3, 2, 4), 4, 4), ((2, 6), 1, 1)]
for dt in (I8, I16, I32, F32):
    for shape, axis, n in SPLITS:
        piece = list(shape)
        piece[axis] //= n
        case(f"split/{tname(dt)}_{T.dims(shape)}_axis{axis}_n{n}", "SPLIT",
             [i32([axis]), In(shape, dt)], [Out(tuple(piece), dt)] * n, {"num_splits": n})
SPLITS_V = [((10,), 0, [3, 7]), ((4, 9), 1, [2, -1, 4]), ((5, 4, 3), -3, [1, 1, 3]), ((2, 3, 8, 2), 2, [8]),
            ((2, 7, 3), 1, [1, 4, 2])]
for dt in (I8, I16, I32, F32):
    for shape, axis, sizes in SPLITS_V:
        total = shape[axis] - sum(s for s in sizes if s >= 0)
        outs = []
        for s in sizes:
            o = list(shape)
            o[axis] = total if s < 0 else s
            outs.append(Out(tuple(o), dt))
        case(f"split_v/{tname(dt)}_{T.dims(shape)}_axis{axis}_{'_'.join(map(str, sizes))}", "SPLIT_V",
             [In(shape, dt), i32(sizes), i32([axis])], outs, {"num_splits": len(sizes)})


# ---- PACK (int8, int16, int32, int64, float32), UNPACK (int8, int16, int32, float32) -----
for dt in (I8, I16, I32, I64, F32):
    for shape, axis, n in [((), 0, 5), ((7,), 0, 3), ((7,), -1, 2), ((3, 4), 1, 3), ((3, 4), 2, 2),
                           ((2, 3, 4), -2, 4), ((2, 2, 3, 2), 0, 1)]:
        nd = len(shape) + 1
        a = axis % nd
        out = shape[:a] + (n,) + shape[a:]
        case(f"pack/{tname(dt)}_{T.dims(shape) or 'scalar'}_axis{axis}_n{n}", "PACK",
             [In(shape, dt) for _ in range(n)], [Out(out, dt)], {"values_count": n, "axis": axis})
for dt in (I8, I16, I32, F32):
    for shape, axis in [((3, 4), 1), ((3, 4), -2), ((2, 3, 4), 2), ((2, 3, 2, 5), -3), ((1, 6), 0)]:
        a = axis % len(shape)
        out = shape[:a] + shape[a + 1:]
        case(f"unpack/{tname(dt)}_{T.dims(shape)}_axis{axis}", "UNPACK", [In(shape, dt)],
             [Out(out, dt)] * shape[a], {"num": shape[a], "axis": axis})


def unpack_pack_case(dt: np.dtype, n: int) -> Build:
    """UNPACK of a vector into scalars, then PACK of them in reverse order."""
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        q = QUANT.get(dt, (None, None))
        x = b.tensor("x", (n,), dt, *q)
        parts = [b.tensor(f"s{i}", (), dt, *q) for i in range(n)]
        y = b.tensor("y", (n,), dt, *q)
        b.op("UNPACK", [x], parts, {"num": n, "axis": 0})
        b.op("PACK", parts[::-1], [y], {"values_count": n, "axis": 0})
        b.inputs([x])
        b.outputs([y])
        return b.build(), [random_data(rng, (n,), dt)]
    return build


for dt in (I8, I16, I32, F32):
    add(f"unpack/{tname(dt)}_{6}_to_scalars_pack_reversed", unpack_pack_case(dt, 6))


# ---- GATHER: int8, float32; int32 positions, constant or computed ----------------------------
GATHERS = [
    ((10,), (6,), 0, 0),
    ((5, 4), (3,), 0, 0),
    ((5, 4), (2, 3), 1, 0),
    ((4, 5, 3), (7,), -2, 0),
    ((3, 6, 2), (3, 4), 1, 1),
    ((2, 3, 5, 2), (2, 3, 2), 2, 2),
    ((2, 3, 5, 2), (2, 4), -2, -1),
]
for dt in (I8, F32):
    for (shape, cshape, axis, batch), runtime in itertools.product(GATHERS, (False, True)):
        nd = len(shape)
        a, bd = axis % nd, batch % len(cshape) if batch < 0 else batch
        out = shape[:a] + cshape[bd:] + shape[a + 1:]

        def build(rng: np.random.Generator, shape=shape, cshape=cshape, a=a, out=out, dt=dt, axis=axis,
                  batch=batch, runtime=runtime) -> tuple[bytes, list[np.ndarray]]:
            coords = rng.integers(0, shape[a], cshape).astype(np.int32)
            pos = In(cshape, I32, coords) if runtime else coords
            return one_op("GATHER", [In(shape, dt), pos], [Out(out, dt)], {"axis": axis, "batch_dims": batch}, rng)
        add(f"gather/{tname(dt)}_{T.dims(shape)}_pos{T.dims(cshape)}_axis{axis}_b{batch}"
            f"{'_runtime' if runtime else ''}", build)


# ---- EXPAND_DIMS: int8, int16, float32 (aliased) ----------------------------------------------
for dt in (I8, I16, F32):
    for shape, axis in [((6,), 0), ((6,), 1), ((6,), -1), ((3, 4), 1), ((3, 4), -3), ((2, 3, 4), 3), ((2, 1, 3, 2), 2)]:
        a = axis % (len(shape) + 1)
        case(f"expand_dims/{tname(dt)}_{T.dims(shape)}_axis{axis}", "EXPAND_DIMS", [In(shape, dt), i32([axis])],
             [Out(shape[:a] + (1,) + shape[a:], dt)])


# ---- BATCH_TO_SPACE_ND, SPACE_TO_BATCH_ND: int8, float32; 3-D and 4-D -------------------------
B2S = [((4, 2, 3, 2), (2, 2), ((0, 0), (0, 0))), ((8, 3, 2, 3), (2, 4), ((1, 2), (0, 3))),
       ((6, 2, 2, 1), (3, 1), ((1, 1), (0, 1))), ((4, 5, 3), (2,), ((1, 2),)), ((2, 3, 2), (2,), ((0, 0),))]
for dt in (I8, F32):
    for (shape, block, crops), runtime in itertools.product(B2S, (False, True)):
        bprod = math.prod(block)
        out = [shape[0] // bprod] + [shape[1 + k] * block[k] - sum(crops[k]) for k in range(len(block))]
        if len(shape) == 4:
            out.append(shape[3])
        else:
            out.append(shape[2])
        bl, cr = i32(block), i32(crops)
        idx = [In(bl.shape, I32, bl), In(cr.shape, I32, cr)] if runtime else [bl, cr]
        case(f"batch_to_space_nd/{tname(dt)}_{T.dims(shape)}_b{T.dims(block)}_c{T.dims(np.ravel(crops))}"
             f"{'_runtime' if runtime else ''}", "BATCH_TO_SPACE_ND", [In(shape, dt), *idx], [Out(tuple(out), dt)])
S2B = [((1, 4, 4, 2), (2, 2), ((0, 0), (0, 0))), ((2, 3, 5, 3), (2, 3), ((1, 0), (0, 1))),
       ((1, 2, 2, 1), (3, 3), ((1, 0), (0, 1))), ((2, 5, 3), (3,), ((0, 1),)), ((1, 4, 2), (2,), ((2, 2),))]
for dt in (I8, F32):
    for (shape, block, pads), runtime in itertools.product(S2B, (False, True)):
        out = [shape[0] * math.prod(block)] + [(shape[1 + k] + sum(pads[k])) // block[k] for k in range(len(block))]
        out.append(shape[-1])
        bl, pd = i32(block), i32(pads)
        idx = [In(bl.shape, I32, bl), In(pd.shape, I32, pd)] if runtime else [bl, pd]
        case(f"space_to_batch_nd/{tname(dt)}_{T.dims(shape)}_b{T.dims(block)}_p{T.dims(np.ravel(pads))}"
             f"{'_runtime' if runtime else ''}", "SPACE_TO_BATCH_ND", [In(shape, dt), *idx], [Out(tuple(out), dt)])


# ---- DEPTH_TO_SPACE, SPACE_TO_DEPTH: int8, float32 ---------------------------------------------
for dt in (I8, F32):
    for shape, bs in [((1, 2, 3, 8), 2), ((2, 3, 2, 9), 3), ((1, 1, 1, 16), 4), ((1, 3, 3, 5), 1)]:
        n, h, w, c = shape
        case(f"depth_to_space/{tname(dt)}_{T.dims(shape)}_bs{bs}", "DEPTH_TO_SPACE", [In(shape, dt)],
             [Out((n, h * bs, w * bs, c // (bs * bs)), dt)], {"block_size": bs})
    for shape, bs in [((1, 4, 6, 2), 2), ((2, 6, 3, 3), 3), ((1, 4, 4, 1), 4), ((1, 2, 3, 4), 1)]:
        n, h, w, c = shape
        case(f"space_to_depth/{tname(dt)}_{T.dims(shape)}_bs{bs}", "SPACE_TO_DEPTH", [In(shape, dt)],
             [Out((n, h // bs, w // bs, c * bs * bs), dt)], {"block_size": bs})


# ---- RESIZE_NEAREST_NEIGHBOR (int8, int16, float32), RESIZE_BILINEAR (int8, float32) ----------
RESIZES = [((1, 3, 4, 2), (6, 8)), ((2, 5, 7, 3), (3, 4)), ((1, 4, 4, 1), (7, 5)), ((1, 2, 3, 2), (5, 9)),
           ((1, 6, 5, 3), (6, 5)), ((1, 2, 5, 2), (4, 1))]
MODES = {"plain": {}, "align": {"align_corners": True}, "half": {"half_pixel_centers": True},
         "align_half": {"align_corners": True, "half_pixel_centers": True}}
for op, types in (("RESIZE_NEAREST_NEIGHBOR", (I8, I16, F32)), ("RESIZE_BILINEAR", (I8, F32))):
    for dt, (shape, size), (mode, opts) in itertools.product(types, RESIZES, MODES.items()):
        if op == "RESIZE_BILINEAR" and mode == "align_half":
            continue
        case(f"{op.lower()}/{tname(dt)}_{T.dims(shape)}_to{T.dims(size)}_{mode}", op, [In(shape, dt), i32(size)],
             [Out((shape[0], *size, shape[3]), dt)], opts)


# ---- CAST: every pair of int8, int16, int32, uint32, float32, bool -----------------------------
CAST_TYPES = (I8, I16, I32, U32, F32, BOOL)


def cast_input(rng: np.random.Generator, dt: np.dtype, n: int) -> np.ndarray:
    if dt == F32:  # in range, out of range for the narrow types, negative, NaN and infinities
        x = np.concatenate([rng.normal(0, 80, n // 2), rng.normal(0, 4e4, n // 4), rng.normal(0, 3e9, n // 4)])
        x[:4] = [np.nan, np.inf, -np.inf, -0.0]
        return x.astype(np.float32)
    if dt == BOOL:
        return rng.integers(0, 2, n).astype(bool)
    info = np.iinfo(dt)
    x = rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    x[: n // 3] = rng.integers(max(info.min, -200), min(info.max, 300), n // 3)  # values that survive narrowing
    x[n // 3: n // 2] = 0  # false as bool
    return x


for src, dst in itertools.product(CAST_TYPES, CAST_TYPES):
    def build(rng: np.random.Generator, src=src, dst=dst) -> tuple[bytes, list[np.ndarray]]:
        x = cast_input(rng, src, 48).reshape(4, 12)
        return one_op("CAST", [In((4, 12), src, x)], [Out((4, 12), dst)], None, rng)
    add(f"cast/{tname(src)}_to_{tname(dst)}", build)


# ---- SHAPE (int32 output), FILL (int8/int32/float32 values), ZEROS_LIKE ------------------------
for dt, shape in [(I8, (2, 5)), (F32, (3, 1, 4)), (I32, (2, 3, 4, 5)), (BOOL, (6, 2, 3, 1, 4)),
                  (I16, (1, 2, 3, 4, 5, 6))]:
    case(f"shape/{tname(dt)}_{T.dims(shape)}", "SHAPE", [In(shape, dt)], [Out((len(shape),), I32)])


def fill_case(dims_type: np.dtype, dt: np.dtype, shape: tuple[int, ...]) -> Build:
    """CONCATENATION(x, FILL(dims, value)) along axis 0: the filled part holds the random value."""
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        q = QUANT.get(dt, (None, None))
        x = b.tensor("x", shape, dt, *q)
        v = b.tensor("value", (), dt, *q)
        f = b.tensor("filled", shape, dt, *q)
        y = b.tensor("y", (2 * shape[0], *shape[1:]), dt, *q)
        b.op("FILL", [b.const("dims", np.array(shape, dims_type)), v], [f])
        b.op("CONCATENATION", [x, f], [y], {"axis": 0})
        b.inputs([x, v])
        b.outputs([y])
        value = random_data(rng, (), dt)
        while value == 0:
            value = random_data(rng, (), dt)
        return b.build(), [random_data(rng, shape, dt), np.asarray(value, dt)]
    return build


for (dims_type, dt), shape in zip(itertools.product((np.int8, np.int16, np.int32, np.int64), (I8, I32, F32)),
                                  itertools.cycle([(3, 4), (2, 3, 4), (5,), (2, 1, 3, 2)])):
    add(f"fill/{tname(dt)}_dims{tname(dims_type)}_{T.dims(shape)}", fill_case(np.dtype(dims_type), dt, shape))


def zeros_like_case(dt: np.dtype, shape: tuple[int, ...]) -> Build:
    """x -> t = CONCATENATION(x, x) (dies after the next op) -> ZEROS_LIKE reads a copy of t
    whose buffer may reuse t's: y = CONCATENATION(x, zeros) holds zeros only if they were written."""
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        b = ModelBuilder()
        q = QUANT.get(dt, (None, None))
        wide = (2 * shape[0], *shape[1:])
        x = b.tensor("x", shape, dt, *q)
        t = b.tensor("t", wide, dt, *q)
        u = b.tensor("u", wide, dt, *q)
        z = b.tensor("z", wide, dt, *q)
        y = b.tensor("y", (3 * shape[0], *shape[1:]), dt, *q)
        b.op("CONCATENATION", [x, x], [t], {"axis": 0})
        b.op("CONCATENATION", [t], [u], {"axis": 0})
        b.op("ZEROS_LIKE", [u], [z])
        b.op("CONCATENATION", [x, z], [y], {"axis": 0})
        b.inputs([x])
        b.outputs([y])
        return b.build(), [random_data(rng, shape, dt)]
    return build


for dt, shape in [(I8, (4, 5)), (I32, (3, 2, 2)), (I64, (6,)), (F32, (2, 3, 4))]:
    add(f"zeros_like/{tname(dt)}_{T.dims(shape)}", zeros_like_case(dt, shape))


# ---- CONCATENATION in every type; PAD / PADV2 in int8 (CMSIS-NN arm_pad_s8), int16, int32, float32 --
for dt in (I8, I16, I32, I64, F32, BOOL):
    for shapes, axis in [([(3,), (5,)], 0), ([(2, 3), (2, 4), (2, 1)], 1), ([(2, 3, 4), (1, 3, 4)], -3),
                         ([(2, 2, 3, 2), (2, 2, 1, 2), (2, 2, 2, 2), (2, 2, 1, 2)], -2),
                         ([(1, 2, 1, 2, 3), (1, 2, 1, 2, 2)], 4), ([(2, 1, 2, 1, 2, 2)] * 2, 3), ([(4, 3)], 0)]:
        out = list(shapes[0])
        out[axis] = sum(s[axis] for s in shapes)
        case(f"concatenation/{tname(dt)}_{'+'.join(T.dims(s) for s in shapes)}_axis{axis}", "CONCATENATION",
             [In(s, dt) for s in shapes], [Out(tuple(out), dt)], {"axis": axis})
PADS = [((7,), ((2, 3),)), ((3, 4), ((1, 0), (2, 2))), ((1, 5, 4, 3), ((0, 0), (1, 1), (2, 0), (0, 0))),
        ((2, 3, 4, 6), ((0, 1), (1, 0), (0, 0), (1, 1))), ((2, 2, 3, 2, 4), ((0, 1), (0, 0), (1, 0), (0, 0), (0, 1))),
        ((1, 2, 3, 2, 4), ((0, 0), (1, 0), (0, 0), (0, 0), (0, 1)))]
for dt in (I8, I16, I32, F32):
    for (shape, pads), op in itertools.product(PADS, ("PAD", "PADV2")):
        out = tuple(n + a + b for n, (a, b) in zip(shape, pads, strict=True))
        ins: list[Any] = [In(shape, dt), i32(pads)]
        if op == "PADV2":
            ins.append(np.array(-5 if dt != F32 else -2.5, dt))
        case(f"{op.lower()}/{tname(dt)}_{T.dims(shape)}_p{'_'.join(f'{a}{b}' for a, b in pads)}", op, ins,
             [Out(out, dt)])


# ---- RESHAPE, SQUEEZE in the other types (aliased) ----------------------------------------------
for dt in (I16, I32, F32, BOOL):
    case(f"reshape/{tname(dt)}_3x4x2_to_6x4", "RESHAPE", [In((3, 4, 2), dt), i32([6, -1])], [Out((6, 4), dt)])
    case(f"squeeze/{tname(dt)}_1x5x1x3", "SQUEEZE", [In((1, 5, 1, 3), dt)], [Out((5, 3), dt)],
         {"squeeze_dims": [0, 2]})


# ---- the audio preprocessor's chain (micro_speech__audio_preprocessor_*) -----------------------
def audio_chain(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
    """uint32 energies -> CAST int32 (aliased) -> STRIDED_SLICE [5:241] -> CONCATENATION with
    constant zeros -> CAST uint32 (aliased, the graph output); int16 log energies -> CAST int32
    -> CAST int8 and CAST float32."""
    b = ModelBuilder()
    e = b.tensor("energy", (257,), np.uint32)
    e32 = b.tensor("energy_i32", (257,), np.int32)
    mid = b.tensor("mid", (236,), np.int32)
    cat = b.tensor("cat", (257,), np.int32)
    out = b.tensor("energy_out", (257,), np.uint32)
    b.op("CAST", [e], [e32])
    b.op("STRIDED_SLICE", [e32, b.const("b", i32([5])), b.const("e", i32([241])), b.const("s", i32([1]))], [mid])
    b.op("CONCATENATION", [b.const("lo", np.zeros(5, np.int32)), mid, b.const("hi", np.zeros(16, np.int32))], [cat],
         {"axis": 0})
    b.op("CAST", [cat], [out])
    lg = b.tensor("log", (40,), np.int16)
    lg32 = b.tensor("log_i32", (40,), np.int32)
    lg8 = b.tensor("log_i8", (40,), np.int8)
    lgf = b.tensor("log_f32", (40,), np.float32)
    b.op("CAST", [lg], [lg32])
    b.op("CAST", [lg32], [lg8])
    b.op("CAST", [lg], [lgf])
    b.inputs([e, lg])
    b.outputs([out, lg8, lgf])
    return b.build(), [rng.integers(0, 2**32, 257, dtype=np.uint32), rng.integers(-3000, 3000, 40).astype(np.int16)]


add("chain/audio_preprocessor_casts_slice_concat", audio_chain)


# ---- the conformance test ---------------------------------------------------------------------
def check_spread(ref: np.ndarray, what: str) -> None:
    if ref.dtype == BOOL or what.startswith("cast/bool_to_"):
        assert 0 < np.count_nonzero(ref) < ref.size, f"{what}: reference bool output is constant"
    else:
        assert_spread(ref, what)


# TFLM's SPACE_TO_BATCH_ND pads with SpaceToBatchParams::output_offset, which its Init never
# sets: the padding is whatever its persistent arena area held before (seen: -16 after other
# models ran in the process). An arena above glibc's largest mmap threshold (32 MiB) is fresh
# zeroed memory, so TFLM pads with 0 there, as the core always does.
FRESH_ARENA = 64 << 20


def tflm_options(name: str) -> dict[str, Any]:
    """run_tflm's keyword arguments for case `name` (also for the device bundle: seeds.tflm_options)."""
    return {"arena_size": FRESH_ARENA} if name.startswith("space_to_batch_nd/") else {}


@pytest.mark.parametrize("name", list(CASES))
def test_data_op(name: str, backend: str) -> None:
    data, inputs = CASES[name](np.random.default_rng(seed_of(name)))
    refs = run_tflm(data, inputs, **tflm_options(name))
    for i, r in enumerate(refs):
        check_spread(r, f"{name} output {i}")
    outs = core_module().Model(data, backend=backend).invoke(*inputs)
    assert_same_outputs(refs, outs, f"{name} [{backend}]")


# ---- errors ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Err:
    """A model the core refuses at load (or, invoke=True, whose run fails: index values the
    graph computes), with the exact message. tflm: "rejects" if the tflite-micro interpreter
    refuses it too; "runs" if TFLM runs it (the comment says what it computes and why we
    refuse); None if TFLM reads or writes out of bounds on it (not run)."""
    op: str
    ins: tuple[Any, ...]
    outs: tuple[Out, ...]
    options: dict | None
    status: str
    message: str
    tflm: str | None
    invoke: bool = False


ERRORS: dict[str, Err] = {}


def err(name: str, *args: Any, **kwargs: Any) -> None:
    ERRORS[name] = Err(*args, **kwargs)


def prefix(op: str) -> str:
    return f"operator 0 '{op}': "


X4 = In((2, 3, 4, 5), I8)
P = "operator 0 "
err("transpose/6d", "TRANSPOSE", (In((1, 2, 1, 2, 1, 2), I8), i32([0, 1, 2, 3, 4, 5])), (Out((1, 2, 1, 2, 1, 2), I8),),
    None, "UNSUPPORTED", P + "'TRANSPOSE': input has 6 dimensions; at most 5 are supported", "rejects")
err("transpose/perm_length", "TRANSPOSE", (X4, i32([0, 1, 2, 3, 4])), (Out((2, 3, 4, 5), I8),), None,
    "INVALID_MODEL", P + "'TRANSPOSE': perm has 5 entries; the input has 4 dimensions", "rejects")
# TFLM takes a repeated axis and reads past the input
err("transpose/not_a_permutation", "TRANSPOSE", (In((3, 4, 5), I8), i32([0, 0, 1])), (Out((3, 3, 4), I8),), None,
    "INVALID_MODEL", P + "'TRANSPOSE': perm entry 1 is 0: not a permutation of 0..2", None)
err("transpose/runtime_perm", "TRANSPOSE", (In((3, 4), F32), In((2,), I32, i32([1, 0]))), (Out((4, 3), F32),), None,
    "UNSUPPORTED", P + "'TRANSPOSE': perm tensor must be constant", "rejects")
err("transpose/int32", "TRANSPOSE", (In((3, 4), I32), i32([1, 0])), (Out((4, 3), I32),), None, "UNSUPPORTED",
    "unsupported operators: TRANSPOSE for int32 input (runs int8, int16, float32) (operator 0)", "rejects")
err("transpose/output_shape", "TRANSPOSE", (In((3, 4), I16), i32([1, 0])), (Out((3, 4), I16),), None,
    "INVALID_MODEL", P + "'TRANSPOSE': output shape is [3, 4], expected [4, 3]", None)

SS_IDX = (i32([0, 0, 0, 0, 0]), i32([1, 2, 2, 2, 2]), i32([1, 1, 1, 1, 1]))
err("strided_slice/5d", "STRIDED_SLICE", (In((1, 2, 2, 2, 2), I8), *SS_IDX), (Out((1, 2, 2, 2, 2), I8),), None,
    "UNSUPPORTED", P + "'STRIDED_SLICE': input has 5 dimensions; at most 4 are supported", "rejects")
err("strided_slice/runtime_begin", "STRIDED_SLICE", (In((6,), I16), In((1,), I32, i32([1])), i32([4]), i32([1])),
    (Out((3,), I16),), None, "UNSUPPORTED", P + "'STRIDED_SLICE': begin tensor must be constant", "rejects")
err("strided_slice/zero_stride", "STRIDED_SLICE", (In((4, 6), I32), i32([0, 1]), i32([4, 5]), i32([1, 0])),
    (Out((4, 4), I32),), None, "INVALID_MODEL",
    P + "'STRIDED_SLICE': stride value has to be non-zero (dimension 1)", "rejects")
# TFLM's output shape has the shrunk row, but its loop (begin + 1 > begin with a negative
# stride) copies nothing: the output is left as it was
err("strided_slice/shrink_negative_stride", "STRIDED_SLICE", (In((6, 4), F32), i32([2, 0]), i32([3, 4]), i32([-1, 1])),
    (Out((4,), F32),), {"shrink_axis_mask": 1}, "UNSUPPORTED",
    P + "'STRIDED_SLICE': shrink_axis_mask on dimension 0 selects no element (begin 2, stride -1, size 6)", "runs")
# begin past the end on a shrunk axis: again nothing copied by TFLM
err("strided_slice/shrink_past_end", "STRIDED_SLICE", (In((6, 4), I8), i32([0, 9]), i32([6, 10]), i32([1, 1])),
    (Out((6,), I8),), {"shrink_axis_mask": 2}, "UNSUPPORTED",
    P + "'STRIDED_SLICE': shrink_axis_mask on dimension 1 selects no element (begin 9, stride 1, size 4)", "runs")
err("strided_slice/output_shape", "STRIDED_SLICE", (In((6,), I8), i32([1]), i32([5]), i32([2])), (Out((3,), I8),),
    None, "INVALID_MODEL", P + "'STRIDED_SLICE': output shape is [3], expected [2]", "rejects")
err("strided_slice/short_begin", "STRIDED_SLICE", (In((3, 4), I8), i32([0]), i32([3, 4]), i32([1, 1])),
    (Out((3, 4), I8),), None, "INVALID_MODEL", P + "'STRIDED_SLICE': begin has 1 entries; the input has 2 dimensions",
    None)

err("slice/out_of_range", "SLICE", (In((6, 4), I8), i32([3, 0]), i32([4, 4])), (Out((4, 4), I8),), None,
    "INVALID_MODEL", P + "'SLICE': begin 3 and size 4 are outside dimension 0 of size 6", None)
err("slice/output_shape", "SLICE", (In((6, 4), I8), i32([1, 1]), i32([-1, 2])), (Out((5, 3), I8),), None,
    "INVALID_MODEL", P + "'SLICE': the slice has 2 elements in dimension 1; the output has 3", None)
err("slice/mixed_index_types", "SLICE", (In((6, 4), F32), i32([1, 1]), np.array([2, 2], np.int64)),
    (Out((2, 2), F32),), None, "UNSUPPORTED",
    P + "'SLICE': begin and size have types int32 and int64; both int32 or both int64 are supported", None)
err("slice/runtime_out_of_range", "SLICE", (In((6, 4), I32), In((2,), I32, i32([4, 0])), In((2,), I32, i32([3, 4]))),
    (Out((3, 4), I32),), None, "KERNEL", P + "'SLICE': kernel failed with status 6", None, invoke=True)
err("slice/runtime_size_mismatch", "SLICE", (In((6, 4), I32), In((2,), I32, i32([0, 0])), In((2,), I32, i32([2, 4]))),
    (Out((3, 4), I32),), None, "KERNEL", P + "'SLICE': kernel failed with status 6", None, invoke=True)

err("split/uneven", "SPLIT", (i32([1]), In((2, 5), I8)), (Out((2, 2), I8), Out((2, 3), I8)), {"num_splits": 2},
    "INVALID_MODEL", P + "'SPLIT': input dimension 1 (5) does not split into 2 outputs", None)
err("split/runtime_axis", "SPLIT", (In((1,), I32, i32([0])), In((4, 2), I8)), (Out((2, 2), I8),) * 2,
    {"num_splits": 2}, "UNSUPPORTED", P + "'SPLIT': axis tensor must be constant", "rejects")
err("split/bool", "SPLIT", (i32([0]), In((4, 2), BOOL)), (Out((2, 2), BOOL),) * 2, {"num_splits": 2}, "UNSUPPORTED",
    P + "'SPLIT': input has type bool; int8, int16, int32 and float32 are supported", "rejects")
err("split/axis_range", "SPLIT", (i32([2]), In((4, 2), I8)), (Out((2, 2), I8),) * 2, {"num_splits": 2},
    "INVALID_MODEL", P + "'SPLIT': axis 2 is out of range for a 2-D input", "rejects")
err("split_v/sum", "SPLIT_V", (In((6, 2), I16), i32([2, 3]), i32([0])), (Out((2, 2), I16), Out((3, 2), I16)),
    {"num_splits": 2}, "INVALID_MODEL", P + "'SPLIT_V': outputs' dimension 0 sums to 5; the input's is 6", None)
err("pack/values_count", "PACK", (In((3,), I8), In((3,), I8)), (Out((3, 2), I8),), {"values_count": 3, "axis": 1},
    "INVALID_MODEL", P + "'PACK': values_count is 3 but the operator has 2 inputs", None)
err("pack/axis", "PACK", (In((3,), I32), In((3,), I32)), (Out((2, 3), I32),), {"values_count": 2, "axis": 2},
    "INVALID_MODEL", P + "'PACK': axis 2 is out of range for the 2-D output", None)
err("pack/input_shape", "PACK", (In((3,), F32), In((4,), F32)), (Out((2, 3), F32),), {"values_count": 2, "axis": 0},
    "INVALID_MODEL", P + "'PACK': input shape is [4], expected [3]", None)
err("unpack/num", "UNPACK", (In((3, 2), I8),), (Out((2,), I8),) * 2, {"num": 3, "axis": 0}, "INVALID_MODEL",
    P + "'UNPACK': num is 3 but the operator has 2 outputs", None)
err("unpack/int64", "UNPACK", (In((2, 2), I64),), (Out((2,), I64),) * 2, {"num": 2, "axis": 0}, "UNSUPPORTED",
    "unsupported operators: UNPACK for int64 input (runs int8, int32, int16, float32) (operator 0)", "rejects")

# TFLM only DCHECKs the positions: it reads out of bounds
err("gather/constant_position", "GATHER", (In((5, 3), F32), i32([1, 7])), (Out((2, 3), F32),), {"axis": 0},
    "INVALID_MODEL", P + "'GATHER': position 1 is 7; dimension 0 has size 5", None)
err("gather/runtime_position", "GATHER", (In((5, 3), I8), In((2,), I32, i32([4, -1]))), (Out((2, 3), I8),),
    {"axis": 0}, "KERNEL", P + "'GATHER': kernel failed with status 6", None, invoke=True)
err("gather/int64_positions", "GATHER", (In((5, 3), I8), np.array([1, 2], np.int64)), (Out((2, 3), I8),), {"axis": 0},
    "UNSUPPORTED", P + "'GATHER': positions of type int64 are not supported; int32 is", "rejects")
err("gather/batch_dims", "GATHER", (In((2, 5, 3), I8), np.zeros((3, 2), np.int32)), (Out((2, 3, 2, 3), I8),),
    {"axis": 1, "batch_dims": 1}, "INVALID_MODEL", P + "'GATHER': input and positions differ in batch dimension 0",
    "rejects")
err("gather/int16", "GATHER", (In((5, 3), I16), i32([1])), (Out((1, 3), I16),), {"axis": 0}, "UNSUPPORTED",
    "unsupported operators: GATHER for int16 input (runs int8, float32) (operator 0)", "rejects")

err("expand_dims/axis", "EXPAND_DIMS", (In((4,), I8), i32([3])), (Out((4, 1), I8),), None, "INVALID_MODEL",
    P + "'EXPAND_DIMS': axis 3 is out of range for a 1-D input", "rejects")
err("expand_dims/runtime_axis", "EXPAND_DIMS", (In((4,), I8), In((1,), I32, i32([0]))), (Out((1, 4), I8),), None,
    "UNSUPPORTED", P + "'EXPAND_DIMS': axis tensor must be constant", "rejects")

err("batch_to_space_nd/5d", "BATCH_TO_SPACE_ND", (In((4, 1, 1, 1, 2), I8), i32([2, 2]), np.zeros((2, 2), np.int32)),
    (Out((1, 2, 2, 1, 2), I8),), None, "UNSUPPORTED",
    P + "'BATCH_TO_SPACE_ND': input and output have 5 and 5 dimensions; 3 or 4 (the same) are supported", "rejects")
# TFLM does not check crops against the shapes: output rows outside the crop stay unwritten
err("batch_to_space_nd/shape", "BATCH_TO_SPACE_ND", (In((4, 2, 2, 1), F32), i32([2, 2]), np.zeros((2, 2), np.int32)),
    (Out((1, 3, 4, 1), F32),), None, "INVALID_MODEL",
    P + "'BATCH_TO_SPACE_ND': block shape (2, 2) and crops (0, 0, 0, 0) do not turn the input shape into the output's",
    "runs")
err("batch_to_space_nd/runtime_block", "BATCH_TO_SPACE_ND",
    (In((4, 2, 2, 1), I8), In((2,), I32, i32([0, 2])), np.zeros((2, 2), np.int32)), (Out((1, 4, 4, 1), I8),), None,
    "KERNEL", P + "'BATCH_TO_SPACE_ND': kernel failed with status 6", None, invoke=True)
err("space_to_batch_nd/negative_padding", "SPACE_TO_BATCH_ND", (In((1, 4, 4, 1), I8), i32([2, 2]), i32([[0, 0], [-1, 1]])),
    (Out((4, 2, 2, 1), I8),), None, "INVALID_MODEL",
    P + "'SPACE_TO_BATCH_ND': block shape must be positive and paddings non-negative", None)
err("space_to_batch_nd/indivisible", "SPACE_TO_BATCH_ND", (In((1, 5, 4, 1), F32), i32([2, 2]), np.zeros((2, 2), np.int32)),
    (Out((4, 2, 2, 1), F32),), None, "INVALID_MODEL",
    P + "'SPACE_TO_BATCH_ND': block shape (2, 2) and paddings (0, 0, 0, 0) do not turn the input shape into the "
    "output's", "runs")
err("depth_to_space/block_size", "DEPTH_TO_SPACE", (In((1, 2, 2, 4), I8),), (Out((1, 2, 2, 4), I8),),
    {"block_size": 0}, "INVALID_MODEL", P + "'DEPTH_TO_SPACE': block_size 0 must be positive", "rejects")
err("depth_to_space/depth", "DEPTH_TO_SPACE", (In((1, 2, 2, 6), I8),), (Out((1, 4, 4, 1), I8),), {"block_size": 2},
    "INVALID_MODEL", P + "'DEPTH_TO_SPACE': input depth 6 is not a multiple of block_size^2 (4)", "rejects")
err("space_to_depth/size", "SPACE_TO_DEPTH", (In((1, 5, 4, 1), F32),), (Out((1, 2, 2, 4), F32),), {"block_size": 2},
    "INVALID_MODEL", P + "'SPACE_TO_DEPTH': input height 5 and width 4 are not multiples of block_size 2", "rejects")
err("space_to_depth/int16", "SPACE_TO_DEPTH", (In((1, 4, 4, 1), I16),), (Out((1, 2, 2, 4), I16),), {"block_size": 2},
    "UNSUPPORTED", "unsupported operators: SPACE_TO_DEPTH for int16 input (runs int8, float32) (operator 0)",
    "rejects")

err("resize_bilinear/align_and_half", "RESIZE_BILINEAR", (In((1, 2, 2, 1), F32), i32([4, 4])),
    (Out((1, 4, 4, 1), F32),), {"align_corners": True, "half_pixel_centers": True}, "INVALID_MODEL",
    P + "'RESIZE_BILINEAR': if half_pixel_centers is true, align_corners must be false", "rejects")
err("resize_nearest_neighbor/runtime_size", "RESIZE_NEAREST_NEIGHBOR", (In((1, 2, 2, 1), I8), In((2,), I32, i32([4, 4]))),
    (Out((1, 4, 4, 1), I8),), None, "UNSUPPORTED", P + "'RESIZE_NEAREST_NEIGHBOR': size tensor must be constant",
    "rejects")
err("resize_nearest_neighbor/3d", "RESIZE_NEAREST_NEIGHBOR", (In((2, 2, 1), I8), i32([4, 4])), (Out((4, 4, 1), I8),),
    None, "UNSUPPORTED", P + "'RESIZE_NEAREST_NEIGHBOR': input has 3 dimensions; 4 are supported", "rejects")
err("resize_bilinear/output_shape", "RESIZE_BILINEAR", (In((1, 2, 2, 3), I8), i32([4, 5])), (Out((1, 4, 4, 3), I8),),
    None, "INVALID_MODEL", P + "'RESIZE_BILINEAR': output shape is [1, 4, 4, 3], expected [1, 4, 5, 3]", None)

err("cast/to_int64", "CAST", (In((4,), I32),), (Out((4,), I64),), None, "UNSUPPORTED",
    P + "'CAST': output type int64 is not supported (int8, int16, int32, uint32, float32 and bool are)", "rejects")
err("cast/from_uint8", "CAST", (In((4,), np.dtype(np.uint8)),), (Out((4,), I32),), None, "UNSUPPORTED",
    "unsupported operators: CAST for uint8 input (runs int8, int32, uint32, bool, int16, float32) (operator 0)",
    "rejects")
err("shape/int64", "SHAPE", (In((2, 3), I8),), (Out((2,), I64),), None, "UNSUPPORTED",
    P + "'SHAPE': output type int64 is not supported; int32 is", "rejects")
err("fill/runtime_dims", "FILL", (In((2,), I32, i32([2, 3])), In((), F32)), (Out((2, 3), F32),), None, "UNSUPPORTED",
    P + "'FILL': dims tensor must be constant", "rejects")
err("fill/dims_mismatch", "FILL", (i32([2, 5]), In((), I8)), (Out((2, 4), I8),), None, "INVALID_MODEL",
    P + "'FILL': dims entry 1 is 5; the output's is 4", "rejects")
err("fill/int16", "FILL", (i32([2, 3]), In((), I16)), (Out((2, 3), I16),), None, "UNSUPPORTED",
    P + "'FILL': value has type int16; int8, int32 and float32 are supported", "rejects")
err("pad/int64_paddings", "PAD", (In((3, 4), F32), np.array([[1, 1], [0, 2]], np.int64)), (Out((5, 6), F32),), None,
    "UNSUPPORTED", P + "'PAD': paddings has type int64; only int32 is supported", "rejects")
err("zeros_like/int16", "ZEROS_LIKE", (In((4,), I16),), (Out((4,), I16),), None, "UNSUPPORTED",
    "unsupported operators: ZEROS_LIKE for int16 input (runs int8, int32, int64, float32) (operator 0)", "rejects")


def check_error(name: str, e: Err, backend: str) -> None:
    data, inputs = one_op(e.op, e.ins, e.outs, e.options, np.random.default_rng(seed_of(name)))
    core = core_module()
    with pytest.raises(core.CoreError) as info:
        model = core.Model(data, backend=backend)
        assert e.invoke, f"{name}: the model loaded"
        model.invoke(*inputs)
    assert info.value.status == e.status, f"{name}: status {info.value.status}: {info.value.message}"
    message = info.value.message.split("; supported: see")[0]  # the loader's pointer to supported_ops()
    assert message == e.message
    if e.tflm == "rejects":
        with pytest.raises(RuntimeError):
            run_tflm(data, inputs)
    elif e.tflm == "runs":
        run_tflm(data, inputs)


@pytest.mark.parametrize("name", list(ERRORS))
def test_data_op_error(name: str, backend: str) -> None:
    check_error(name, ERRORS[name], backend)

"""The persistent metadata by category (tml_model_meta_bytes): on every shared model and backend the
categories sum to tml_model_persistent_size, and each is what the graph says it must be, computed
here from the record layouts (mirrored below: a change to a record changes these) and the graph
(tensors, operators, channels, plan records), not read from the core. So a byte counted in the
wrong category, or not at all, fails."""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

import pytest
from harness import SHARED_MODELS, core_module

if not SHARED_MODELS.is_dir():
    pytest.skip(f"reference models folder {SHARED_MODELS} is absent", allow_module_level=True)

MODELS = sorted(SHARED_MODELS.glob("*.tflite"))
P, U8, U16, I16, I32, U32 = ctypes.c_void_p, ctypes.c_uint8, ctypes.c_uint16, ctypes.c_int16, ctypes.c_int32, \
    ctypes.c_uint32
CATEGORIES = ["tensors", "ops", "op_data", "quant", "kernel_sums", "plan", "other"]


class _Op(ctypes.Structure):
    """tml_op_t (core/tml_op.h)"""

    _fields_ = [("eval", P), ("data", P), ("scratch", P), ("inputs", P), ("options_pos", U32),
                ("scratch_size", I32), ("macs", U32), ("builtin", I16), ("index", U16), ("row", U16),
                ("n_inputs", U8), ("n_outputs", U8), ("options_type", U8), ("kernel", U8), ("quant_channels", U16)]


class _Exec(ctypes.Structure):
    """tml_exec_t (core/tml_exec.h)"""

    _fields_ = [("first", U16), ("last", U16), ("kind", U8), ("reserved", U8), ("rows", U16), ("offset", I32),
                ("temp", I32), ("temp_size", I32), ("win", P)]


def a8(n: int) -> int:
    """Bytes of one persistent allocation of n bytes (rounded up to 8)."""
    return (n + 7) & ~7


# tml_ops_conv.c: by default a convolution computes its multipliers and shifts in each eval from this many MACs per
# output channel on (TML_LOAD_QUANT_* override it)
QUANT_PER_CALL_MIN_MACS = 512
CONVS = ("CONV_2D", "DEPTHWISE_CONV_2D")


def per_call(model: Any, o: Any, flags: int) -> bool:
    """Whether op o (an OpInfo) keeps no multipliers and shifts, loaded with flags."""
    core = core_module()
    if o.name not in CONVS or model.tensor(o.inputs[0]).dtype not in ("int8", "int16"):
        return False
    if flags & core.LOAD_QUANT_KEEP:
        return False
    channels = model.tensor(o.outputs[0]).shape[-1]
    return bool(flags & core.LOAD_QUANT_PER_CALL) or o.macs >= QUANT_PER_CALL_MIN_MACS * channels


def expected(model: Any, flags: int = 0) -> dict[str, int]:
    """Every category but op_data (the rest), from the graph."""
    core = core_module()
    ops = [model.op_info(i) for i in range(len(model.ops))]
    tensors = a8(model.num_tensors * ctypes.sizeof(core._Tensor)) + \
        a8(2 * (len(model.inputs) + len(model.outputs) + 1))
    records = a8(len(ops) * ctypes.sizeof(_Op)) + a8(2 * (1 + sum(len(o.inputs) + len(o.outputs) for o in ops)))
    quant = 0
    for o in ops:
        out = model.tensor(o.outputs[0])
        if o.name in CONVS:
            # one multiplier and one shift per output channel, unless computed in each eval
            quant += 0 if per_call(model, o, flags) else 8 * out.shape[-1]
        elif o.name == "FULLY_CONNECTED":
            w = model.tensor(o.inputs[1])
            # int8: per channel, the arrays after the record; per tensor, its multiplier and int8 shift
            quant += 8 * w.shape[0] if w.per_channel else 5
    plans = model.plans
    plan = a8(len(plans) * ctypes.sizeof(_Exec)) if plans else 0
    plan += sum(a8(4 * (p.last - p.first + 1)) for p in plans if p.kind == "stage")
    # no shared model has misaligned constants or a sum-precomputing kernel on the host
    return {"tensors": tensors, "ops": records, "quant": quant, "kernel_sums": 0, "plan": plan, "other": 0}


QUANT_FLAGS = {"default": 0, "keep": 64, "per_call": 32}  # core.LOAD_QUANT_*


@pytest.mark.parametrize("quant", QUANT_FLAGS)
@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_meta_categories(path: Path, backend: str, quant: str) -> None:
    flags = QUANT_FLAGS[quant]
    model = core_module().Model(path.read_bytes(), backend=backend, flags=flags)
    meta = model.meta_bytes
    assert list(meta) == CATEGORIES
    assert sum(meta.values()) == model.persistent_size, (meta, model.persistent_size)
    want = expected(model, flags)
    assert {k: v for k, v in meta.items() if k != "op_data"} == want
    assert meta["op_data"] > 0
    assert meta["quant"] > 0  # every shared model has a FULLY_CONNECTED layer


def test_meta_categories_planned() -> None:
    """The plan category with stage windows and in-place records (forced), and without any."""
    core = core_module()
    kws = next(p for p in MODELS if p.name.startswith("kws"))
    data = kws.read_bytes()
    for flags in (core.LOAD_FORCE_PATCHES | core.LOAD_FORCE_INPLACE, core.LOAD_NO_PATCHES | core.LOAD_NO_INPLACE):
        model = core.Model(data, flags=flags)
        meta = model.meta_bytes
        assert sum(meta.values()) == model.persistent_size
        assert {k: v for k, v in meta.items() if k != "op_data"} == expected(model)
        assert (meta["plan"] > 0) == bool(flags & core.LOAD_FORCE_PATCHES)


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_quant_per_call_moves_to_scratch(path: Path) -> None:
    """TML_LOAD_QUANT_PER_CALL: each int8 convolution's 8 bytes per channel leave the metadata and join its
    scratch (the arena, for its eval only); nothing else changes."""
    core = core_module()
    assert (core.LOAD_QUANT_KEEP, core.LOAD_QUANT_PER_CALL) == (QUANT_FLAGS["keep"], QUANT_FLAGS["per_call"])
    plain = core.LOAD_NO_INPLACE | core.LOAD_NO_PATCHES
    data = path.read_bytes()
    keep = core.Model(data, flags=plain | core.LOAD_QUANT_KEEP)
    call = core.Model(data, flags=plain | core.LOAD_QUANT_PER_CALL)
    moved = 0
    for i, (a, b) in enumerate(zip(keep.op_scratch, call.op_scratch, strict=True)):
        o = keep.op_info(i)
        extra = 8 * keep.tensor(o.outputs[0]).shape[-1] if per_call(keep, o, core.LOAD_QUANT_PER_CALL) else 0
        assert b - a == extra, f"op {i} {o.name}: scratch {a} kept, {b} per call"
        moved += extra
    assert keep.meta_bytes["quant"] - call.meta_bytes["quant"] == moved
    assert keep.persistent_size - call.persistent_size == moved
    assert moved > 0 or not any(keep.op_info(i).name in CONVS for i in range(len(keep.ops)))

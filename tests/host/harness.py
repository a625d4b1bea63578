"""Shared test helpers: load the tinyml core wrapper, compare against TFLM."""

from __future__ import annotations

import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SHARED_MODELS = ROOT.parent / "shared" / "models"


def core_module() -> Any:
    """The tinyml_tools.core wrapper module (host_tools is on sys.path via conftest)."""
    from tinyml_tools import core

    return core


def core_backends() -> list[str]:
    """Backends whose host library file exists; a library that fails to load fails the tests."""
    return list(core_module().backends())


def sanitizer_lib() -> str | None:
    """TINYML_LIB: path of a (sanitizer) build the wrapper should load instead."""
    return os.environ.get("TINYML_LIB") or None


def seed_of(name: str) -> int:
    return zlib.crc32(name.encode())


def describe_diff(ref: np.ndarray, got: np.ndarray) -> str:
    r = np.frombuffer(np.ascontiguousarray(ref).tobytes(), np.uint8)
    g = np.frombuffer(np.ascontiguousarray(got).tobytes(), np.uint8)
    if r.size != g.size:
        return (f"size differs: reference {ref.shape} {ref.dtype} ({r.size} B),"
                f" core {got.shape} {got.dtype} ({g.size} B)")
    nbytes = int(np.count_nonzero(r != g))
    if ref.dtype == got.dtype and ref.dtype.kind in "iuf":
        diff = np.abs(ref.astype(np.float64) - got.astype(np.float64).reshape(ref.shape))
        return f"max abs diff {diff.max():g}, {nbytes} of {r.size} bytes differ"
    return f"{nbytes} of {r.size} bytes differ"


def assert_same_outputs(refs: Sequence[np.ndarray], gots: Sequence[np.ndarray], what: str) -> None:
    assert len(gots) == len(refs), f"{what}: {len(gots)} outputs, reference has {len(refs)}"
    for i, (ref, got) in enumerate(zip(refs, gots, strict=True)):
        got = np.asarray(got)
        same = got.dtype == ref.dtype and got.tobytes() == ref.tobytes()
        assert same, f"{what}: output {i} differs from TFLM: {describe_diff(ref, got)}"
        assert tuple(got.shape) == tuple(ref.shape), f"{what}: output {i} shape {got.shape}, TFLM {ref.shape}"


def assert_spread(ref: np.ndarray, what: str) -> None:
    """The reference output must not be (nearly) constant or all saturated."""
    flat = np.asarray(ref).reshape(-1)
    if flat.dtype.kind == "f":
        assert np.unique(flat).size >= min(4, flat.size), f"{what}: reference output nearly constant"
        return
    need = max(2, min(10, flat.size // 3))
    uniq, counts = np.unique(flat, return_counts=True)
    assert uniq.size >= need, f"{what}: reference output has {uniq.size} distinct values (< {need}): {uniq}"
    mode = uniq[counts.argmax()]
    assert counts.max() <= 0.75 * flat.size, f"{what}: {counts.max()} of {flat.size} outputs equal {mode}"
    top = np.count_nonzero(flat == np.iinfo(flat.dtype).max)
    assert top <= 0.4 * flat.size, f"{what}: {top} of {flat.size} outputs saturated high"

"""The synthesized per-op conformance models of every tests/host/test_ops*.py module: for the
fuzzers' seeds (seed_models) and the device per-op bundle (tests/firmware/device_ops.py).

Each module keeps its cases in CASES: test_ops.py a list of Case(id, build), the others a dict
name -> build; build(rng) returns (model bytes, inputs).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def per_op_cases() -> Iterator[tuple[str, Callable]]:
    """("module:case", build) for every case of every per-op module, in a stable order."""
    for path in sorted(HERE.glob("test_ops*.py")):
        mod = importlib.import_module(path.stem)
        cases = getattr(mod, "CASES", None)
        if isinstance(cases, dict):
            for name, build in cases.items():
                yield f"{path.stem}:{name}", build
        elif isinstance(cases, list):
            for c in cases:
                yield f"{path.stem}:{c.id}", c.build


def build_case(name: str, build: Callable) -> tuple[bytes, list[np.ndarray]]:
    """The case's model and inputs, with the seed its test uses (the case's own name)."""
    from harness import seed_of

    data, inputs = build(np.random.default_rng(seed_of(name.split(":", 1)[1])))
    return data, list(inputs)


def tflm_options(name: str) -> dict:
    """Keyword arguments of tflite_builder.run_tflm for case "module:case": the module's own
    tflm_options(case) where it has one (e.g. a fresh arena for TFLM's SPACE_TO_BATCH_ND), else none."""
    module, case = name.split(":", 1)
    fn = getattr(importlib.import_module(module), "tflm_options", None)
    return fn(case) if fn else {}


def seed_models() -> dict[str, bytes]:
    return {name.replace("/", "_").replace(":", "_"): build_case(name, build)[0] for name, build in per_op_cases()}

"""Seed models for the fuzzers: every synthesized per-op conformance model (test_ops,
test_ops_data, test_ops_reduce)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def seed_models() -> dict[str, bytes]:
    import test_ops
    import test_ops_data
    import test_ops_reduce
    from harness import seed_of

    models = {}
    for c in test_ops.CASES:
        data, _ = c.build(np.random.default_rng(seed_of(c.id)))
        models[c.id.replace("/", "_")] = data
    for cases in (test_ops_data.CASES, test_ops_reduce.CASES):
        for name, build in cases.items():
            data, _ = build(np.random.default_rng(seed_of(name)))
            models[name.replace("/", "_")] = data
    return models

"""Seed models for the fuzzers: every synthesized per-op conformance model."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def seed_models() -> dict[str, bytes]:
    import test_ops
    from harness import seed_of

    models = {}
    for c in test_ops.CASES:
        data, _ = c.build(np.random.default_rng(seed_of(c.id)))
        models[c.id.replace("/", "_")] = data
    import test_ops_elementwise  # one model per operator and type of the elementwise family

    seen = set()
    for name, build in test_ops_elementwise.CASES.items():
        key = name.split("_")[0]
        if key not in seen:
            seen.add(key)
            models["elementwise_" + name.replace("/", "_")] = build(np.random.default_rng(seed_of(name)))[0]
    return models

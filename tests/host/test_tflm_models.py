"""Every model of TensorFlow Lite Micro's repository (../shared/models/tflm, see its README)
against the tflite-micro interpreter, on every backend.

Each model runs a sequence of seeded random inputs through one interpreter on each side
(stateful models -- SVDF, LSTM, the signal library's noise estimators -- carry their state
from input to input, as they do on a device), drawn per model so that the outputs vary
(harness.model_input), which is checked (harness.assert_outputs_vary); where the last
operator is a SOFTMAX, its input is compared and checked as well. Integer outputs must be byte-equal; float
outputs too, except for the models listed in FLOAT_TOLERANCE, whose operation order
differs from TFLM's where the test says so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from harness import (
    SHARED_MODELS,
    assert_outputs_vary,
    assert_same_outputs,
    core_module,
    logits_tensor,
    model_input,
    seed_of,
)
from tflite_builder import invoke_tflm, num_outputs, with_outputs

TFLM_MODELS = SHARED_MODELS / "tflm"
if not TFLM_MODELS.is_dir():
    pytest.skip(f"TFLM reference models folder {TFLM_MODELS} is absent", allow_module_level=True)

MODELS = sorted(TFLM_MODELS.glob("*.tflite"))
# inputs per model: fewer for the large ones (the reference interpreter is slow)
N_INPUTS = 8
BIG_MODEL_MACS = 20_000_000
N_INPUTS_BIG = 2
# model file name -> (relative tolerance, why): float models whose results may differ from
# TFLM's in the last bits because we sum in a different order
FLOAT_TOLERANCE: dict[str, tuple[float, str]] = {}


def assert_close(refs: list[np.ndarray], outs: list[np.ndarray], rtol: float, what: str) -> None:
    assert len(outs) == len(refs), f"{what}: {len(outs)} outputs, reference has {len(refs)}"
    for i, (ref, got) in enumerate(zip(refs, outs, strict=True)):
        got = np.asarray(got)
        assert got.dtype == ref.dtype and got.shape == ref.shape, f"{what}: output {i} {got.dtype}{got.shape}"
        if ref.dtype.kind != "f":
            assert got.tobytes() == ref.tobytes(), f"{what}: integer output {i} differs from TFLM"
            continue
        scale = max(1e-30, float(np.max(np.abs(ref))))
        err = float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64)))) if ref.size else 0.0
        assert err <= rtol * scale, f"{what}: output {i} differs by {err:g} (> {rtol:g} x max |ref| {scale:g})"


def test_folder_holds_the_tflm_models() -> None:
    assert len(MODELS) >= 138, f"{TFLM_MODELS} holds {len(MODELS)} models; its README lists 138"


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_tflm_model(path: Path, backend: str) -> None:
    from tflite_micro.python.tflite_micro import runtime

    data = path.read_bytes()
    logits = logits_tensor(data)
    if logits is not None:  # the scores a final SOFTMAX normalizes: compared and checked too
        data = with_outputs(data, [logits])
    model = core_module().Model(data, backend=backend)
    interp = runtime.Interpreter.from_bytes(data, arena_size=16 << 20)
    macs = sum(model.op_macs)
    rng = np.random.default_rng(seed_of(path.name))
    runs = []
    for i in range(N_INPUTS_BIG if macs > BIG_MODEL_MACS else N_INPUTS):
        inputs = [model_input(rng, path.name, t.shape, t.dtype) for t in model.inputs]
        refs = invoke_tflm(interp, inputs, num_outputs(data))
        outs = model.invoke(*inputs)
        what = f"{path.name} [{backend}] input #{i}"
        if path.name in FLOAT_TOLERANCE:
            assert_close(refs, outs, FLOAT_TOLERANCE[path.name][0], what)
        else:
            assert_same_outputs(refs, outs, what)
        runs.append(refs)
    print(f"{path.name}: {assert_outputs_vary(path.name, runs, path.name)}")

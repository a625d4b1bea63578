"""The real models in ../shared/models: outputs byte-equal to the tflite-micro
interpreter on every backend, and memory no larger than TFLM's arena.

Inputs are drawn per model (harness.model_input) so that the outputs vary, and that is checked: a
model giving the same answer for every input would not catch an error in its layers. Where the last
operator is a SOFTMAX, its input (the scores) is compared and checked too (harness.logits_tensor)."""

from __future__ import annotations

import re
import subprocess
import sys
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

N_INPUTS = 20

if not SHARED_MODELS.is_dir():
    pytest.skip(f"reference models folder {SHARED_MODELS} is absent", allow_module_level=True)

MODELS = sorted(SHARED_MODELS.glob("*.tflite"))


def tflm_arena_sizes(readme: Path) -> dict[str, int]:
    """file name -> TFLM arena bytes, from the README's table ('24,272 B')."""
    sizes: dict[str, int] = {}
    if not readme.is_file():
        return sizes
    for line in readme.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].endswith(".tflite"):
            continue
        m = re.fullmatch(r"([\d,]+)\s*B", cells[-1])
        if m:
            sizes[cells[0]] = int(m.group(1).replace(",", ""))
    return sizes


ARENA = tflm_arena_sizes(SHARED_MODELS / "README.md")


def test_readme_lists_arena_sizes() -> None:
    assert ARENA, "no 'N B' arena figures parsed from ../shared/models/README.md"
    assert set(ARENA) <= {p.name for p in MODELS}, sorted(set(ARENA) - {p.name for p in MODELS})


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_model_matches_tflm(path: Path, backend: str) -> None:
    from tflite_micro.python.tflite_micro import runtime

    data = path.read_bytes()
    logits = logits_tensor(data)
    if logits is not None:
        data = with_outputs(data, [logits])
    interp = runtime.Interpreter.from_bytes(data, arena_size=4 << 20)
    model = core_module().Model(data, backend=backend)
    assert len(model.inputs) >= 1
    rng = np.random.default_rng(seed_of(path.name))
    runs = []
    for i in range(N_INPUTS):
        inputs = [model_input(rng, path.name, t.shape, t.dtype) for t in model.inputs]
        refs = invoke_tflm(interp, inputs, num_outputs(data))
        outs = model.invoke(*inputs)
        assert_same_outputs(refs, outs, f"{path.name} [{backend}] input #{i}")
        runs.append(refs)
    print(f"{path.name}: {assert_outputs_vary(path.name, runs, path.name)}")


def tflm_measured_arena(path: Path) -> int:
    """TFLM's total arena for this model, measured now (RecordingMicroAllocator, reference kernels)."""
    code = ("from tflite_micro.python.tflite_micro import runtime\n"
            f"runtime.Interpreter.from_file({str(path)!r}, arena_size=4 << 20).print_allocations()\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False, text=True, timeout=120).stderr
    m = re.search(r"Arena allocation total (\d+) bytes", out)
    assert m, out[-2000:]
    return int(m.group(1))


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_model_memory(path: Path, backend: str) -> None:
    """Our RAM (arena + all metadata) is at most TFLM's arena on the same model, on every backend.

    The TFLM figure is measured with its reference kernels, which ask for no scratch. The cmsis-nn
    backend's kernels ask for scratch (im2col and the like: CMSIS-NN's *_get_buffer_size(), the same
    buffers TFLM's cmsis_nn kernels request), listed per operator. A scratch buffer lives only during
    its operator's eval, so it can raise the arena by at most the largest one: that much, beyond what
    the ref backend's kernel asks for the same operator, is the allowance; nothing else is."""
    core = core_module()
    data = path.read_bytes()
    model = core.Model(data, backend=backend)
    ours = model.arena_size + model.persistent_size
    tflm = tflm_measured_arena(path)
    readme = ARENA.get(path.name)
    if readme is not None:
        assert tflm == readme, f"TFLM measured {tflm} B, README says {readme} B"
    scratch = model.op_scratch
    ref_scratch = core.Model(data, backend="ref").op_scratch if backend != "ref" else scratch
    extra = [(k, op, s - r) for k, (op, s, r) in enumerate(zip(model.ops, scratch, ref_scratch)) if s > r]
    allowance = max((e for _, _, e in extra), default=0)
    items = ", ".join(f"op {k} {op} {e:,} B" for k, op, e in extra) or "none"
    print(f"{path.name} [{backend}]: arena {model.arena_size:,} + persistent {model.persistent_size:,} = {ours:,} B;"
          f" kernel scratch beyond the ref kernels': {items} (allowance {allowance:,} B); TFLM arena {tflm:,} B")
    assert ours - allowance <= tflm, \
        f"{path.name} [{backend}]: {ours:,} B less the largest scratch {allowance:,} B > TFLM's {tflm:,} B"

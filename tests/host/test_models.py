"""The real models in ../shared/models: outputs byte-equal to the tflite-micro
interpreter on every backend, and memory no larger than TFLM's arena."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from harness import SHARED_MODELS, assert_same_outputs, core_module, seed_of
from tflite_builder import invoke_tflm, num_outputs

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


def random_input(rng: np.random.Generator, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    if dtype.kind == "f":
        return rng.normal(0.0, 1.0, shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)


def test_readme_lists_arena_sizes() -> None:
    assert ARENA, "no 'N B' arena figures parsed from ../shared/models/README.md"
    assert set(ARENA) <= {p.name for p in MODELS}, sorted(set(ARENA) - {p.name for p in MODELS})


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_model_matches_tflm(path: Path, backend: str) -> None:
    from tflite_micro.python.tflite_micro import runtime

    data = path.read_bytes()
    interp = runtime.Interpreter.from_bytes(data, arena_size=4 << 20)
    model = core_module().Model(data, backend=backend)
    assert len(model.inputs) >= 1
    rng = np.random.default_rng(seed_of(path.name))
    for i in range(N_INPUTS):
        inputs = [random_input(rng, t.shape, np.dtype(t.dtype)) for t in model.inputs]
        refs = invoke_tflm(interp, inputs, num_outputs(data))
        outs = model.invoke(*inputs)
        assert_same_outputs(refs, outs, f"{path.name} [{backend}] input #{i}")


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
    """Our RAM (arena + all metadata) is at most TFLM's arena on the same model.

    The TFLM figure is measured with its reference kernels, which use no
    scratch. With the cmsis-nn backend, the im2col/scratch bytes that CMSIS-NN's
    *_get_buffer_size() asks for (TFLM's cmsis_nn kernels request exactly the same
    buffers) are set aside before comparing."""
    core = core_module()
    model = core.Model(path.read_bytes(), backend=backend)
    ours = model.arena_size + model.persistent_size
    tflm = tflm_measured_arena(path)
    readme = ARENA.get(path.name)
    if readme is not None:
        assert tflm == readme, f"TFLM measured {tflm} B, README says {readme} B"
    kernel_scratch = 0
    if backend != "ref":
        kernel_scratch = max(0, model.arena_size - core.Model(path.read_bytes(), backend="ref").arena_size)
    print(f"{path.name} [{backend}]: arena {model.arena_size} + persistent {model.persistent_size} = {ours} B"
          f" (of which CMSIS-NN scratch {kernel_scratch} B); TFLM arena {tflm} B")
    assert ours - kernel_scratch <= tflm, f"{path.name} [{backend}]: {ours} B > TFLM's {tflm} B"

"""A build with TML_PLAN_ROWS=0 (TINYML_PLAN_ROWS=0, as NUCLEO_F446RE builds it): the planner's in-place
and band-by-band execution left out. The ref backend built so (into a temporary folder, with the host
library's flags) plans every shared model plainly, with no plan record even when forced, and gives the
same output bytes as the full build; the full build does use those plans on some of them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from harness import SHARED_MODELS, core_module, model_input, seed_of

ROOT = Path(__file__).resolve().parents[2]
TML = ROOT / "usermod" / "tinyml"


@pytest.fixture(scope="module")
def rows_off_lib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("gcc") is None:
        pytest.skip("gcc not found: the TML_PLAN_ROWS=0 library cannot be built")
    if not SHARED_MODELS.is_dir():
        pytest.skip(f"reference models folder {SHARED_MODELS} is absent")
    out = tmp_path_factory.mktemp("rows_off") / "libtinyml-ref.so"
    src = sorted(TML.glob("core/*.c")) + [TML / "kernels" / "tml_select.c"] + sorted(TML.glob("kernels/portable/*.c"))
    cmd = ["gcc", "-std=c99", "-O1", "-fPIC", "-Wall", "-Wextra", "-Werror", "-fwrapv", "-ffp-contract=off",
           "-DTML_PLAN_ROWS=0", "-shared", "-o", str(out), *map(str, src), str(TML / "host" / "tml_host.c"), "-lm"]
    r = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return out


def test_rows_off_plans_plainly_with_the_same_bytes(rows_off_lib: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    core = core_module()
    full_path = core._lib_path
    monkeypatch.setattr(core, "_lib_path", lambda b: rows_off_lib if b == "rows-off" else full_path(b))
    forced = core.LOAD_FORCE_INPLACE | core.LOAD_FORCE_PATCHES
    planned = 0
    for path in sorted(SHARED_MODELS.glob("*.tflite")):
        data = path.read_bytes()
        full = core.Model(data, backend="ref")
        off = core.Model(data, backend="rows-off")
        assert core.Model(data, backend="rows-off", flags=forced).plans == [], path.name
        assert off.plans == [], path.name
        planned += bool(full.plans)
        rng = np.random.default_rng(seed_of(path.name))
        xs = [model_input(rng, path.name, t.shape, t.dtype) for t in full.inputs]
        for a, b in zip(full.invoke(*xs), off.invoke(*xs)):
            assert np.array_equal(a, b), path.name
    assert planned > 0, "the full build made no plan on any shared model: nothing was compared"

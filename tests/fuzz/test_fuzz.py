"""Short coverage-guided fuzz runs (make fuzz runs them long) and crash regressions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BUILD = ROOT / "build" / "fuzz"
SECONDS = int(os.environ.get("TINYML_FUZZ_SECONDS", "12"))


def need(binary: str) -> Path:
    path = BUILD / binary
    if not path.exists():
        pytest.fail(f"{path} missing: run 'make fuzz-build' (make test builds it; needs clang and libclang-rt-14-dev)")
    return path


def test_regressions_replay_cleanly(tmp_path: Path) -> None:
    """Every crash ever found stays fixed: replay each file through its target."""
    files = sorted(p for p in (HERE / "regressions").iterdir() if p.is_file())
    for target in ("fuzz_model", "fuzz_input", "fuzz_meta", "fuzz_bundle"):
        if target == "fuzz_bundle" and not (BUILD / target).exists():
            print("fuzz_bundle not built (Monocypher missing: make deps): its regressions are not replayed")
            continue
        mine = [str(p) for p in files if p.name.startswith(target)]
        if not mine:
            continue
        model_list = tmp_path / "models.txt"
        model_list.write_text("".join(f"{p}\n" for p in sorted((ROOT.parent / "shared" / "models").glob("*.tflite"))))
        env = dict(os.environ, FUZZ_MODELS=str(model_list))
        r = subprocess.run([str(need(target)), "-timeout=10", *mine], capture_output=True, check=False, text=True, env=env, timeout=300)
        assert r.returncode == 0, r.stderr[-4000:]


def test_short_fuzz_run_finds_no_crash() -> None:
    need("fuzz_model")
    need("fuzz_input")
    need("fuzz_meta")
    r = subprocess.run([sys.executable, str(HERE / "run_fuzz.py"), "--seconds", str(SECONDS), "--build", str(BUILD)],
                       capture_output=True, check=False, text=True, timeout=SECONDS * 2 + 300)
    print(r.stdout)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
    rows = [line.split() for line in r.stdout.splitlines() if line.startswith("fuzz_")]
    assert len(rows) == (4 if (BUILD / "fuzz_bundle").exists() else 3)
    for row in rows:
        assert int(row[2]) > 100, f"{row[0]} executed only {row[2]} inputs"
        assert int(row[6]) == 0


def test_fuzz_model_reaches_in_place_and_patch_plans(tmp_path: Path) -> None:
    """fuzz_model forces the planner's modes by the input's size (default, in place, patches, both): replaying the synthesized per-op seeds (one-op models, which the default plan rarely runs in
    place or band by band) must load some inputs with in-place records and some with stage records,
    and the forced modes must add stage records the default plan does not make."""
    target = need("fuzz_model")
    sys.path.insert(0, str(HERE))
    from run_fuzz import synthesized_seeds
    seeds = synthesized_seeds(tmp_path)
    r = subprocess.run([str(target), "-runs=0", *map(str, seeds)], capture_output=True, check=False, text=True,
                       env=dict(os.environ, FUZZ_PLAN_STATS="1"), timeout=600)
    assert r.returncode == 0, r.stderr[-4000:]
    rows = [tuple(int(v) for v in line.split()[1:]) for line in r.stderr.splitlines() if line.startswith("plan ")]
    assert len(rows) > 100, f"only {len(rows)} seeds loaded"
    forced = {flags for flags, _, _ in rows}
    assert forced == {0, 8 | 32, 16 | 32, 24}, f"planner modes reached: {sorted(forced)}"
    inplace = sum(1 for _, n_in, _ in rows if n_in)
    stages = sum(1 for _, _, n_st in rows if n_st)
    default_stages = sum(1 for flags, _, n_st in rows if n_st and flags == 0)
    print(f"{len(rows)} seeds loaded: {inplace} with in-place records, {stages} with a stage "
          f"({default_stages} of those by the default plan)")
    assert inplace > 0 and stages > default_stages

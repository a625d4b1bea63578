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
    for target in ("fuzz_model", "fuzz_input", "fuzz_bundle"):
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
    r = subprocess.run([sys.executable, str(HERE / "run_fuzz.py"), "--seconds", str(SECONDS), "--build", str(BUILD)],
                       capture_output=True, check=False, text=True, timeout=SECONDS * 2 + 300)
    print(r.stdout)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
    rows = [line.split() for line in r.stdout.splitlines() if line.startswith("fuzz_")]
    assert len(rows) == (3 if (BUILD / "fuzz_bundle").exists() else 2)
    for row in rows:
        assert int(row[2]) > 100, f"{row[0]} executed only {row[2]} inputs"
        assert int(row[6]) == 0

"""The DSP kernels' short requantization (SMMULR, tml_dsp_requantize_s) equals arm_nn_requantize
(tml_dsp_requantize_rq) wherever tml_dsp_small lets it run: millions of accumulators, ties included."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "usermod" / "tinyml" / "kernels"


def test_dsp_short_requantization_equals_arm_nn_requantize(tmp_path: Path) -> None:
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler")
    exe = tmp_path / "check"
    subprocess.run([cc, "-O2", "-std=c99", "-Wall", "-Werror", f"-I{KERNELS}", "-o", str(exe),
                    str(Path(__file__).parent / "c" / "check_dsp_requant.c")], check=True)
    r = subprocess.run([str(exe), "2000000"], capture_output=True, text=True, check=False)
    assert r.returncode == 0 and r.stdout.strip().endswith(" differ") and r.stdout.startswith("0 of "), r.stdout

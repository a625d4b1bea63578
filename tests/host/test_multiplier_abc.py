"""The integer-only multiplier (tml_quantize_multiplier_abc) equals the double one on 3 million triples."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "usermod" / "tinyml" / "kernels"


def test_multiplier_abc_equals_the_double_path(tmp_path: Path) -> None:
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler")
    exe = tmp_path / "check"
    subprocess.run([cc, "-O2", "-std=c99", "-Wall", "-Werror", f"-I{KERNELS}", "-o", str(exe),
                    str(Path(__file__).parent / "c" / "check_multiplier_abc.c"),
                    str(KERNELS / "common" / "tml_math.c"), "-lm"], check=True)
    r = subprocess.run([str(exe), "3000000"], capture_output=True, text=True, check=False)
    assert r.returncode == 0 and r.stdout.strip().endswith("0 of 3000000 differ"), r.stdout

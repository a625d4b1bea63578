"""The Python code (host tools, tests, examples, device package) is ruff-clean."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean() -> None:
    if shutil.which("ruff") is None:
        pytest.fail("ruff is not installed: pip install -r requirements-dev.txt")
    r = subprocess.run(["ruff", "check", "--output-format", "concise", "."], cwd=ROOT, capture_output=True,
                       text=True, check=False)
    assert r.returncode == 0, r.stdout[-4000:]

"""`make size` (firmware/size.py) on one board, MPS2_AN500, with one operator group (rnn): fast.

The table's figures are checked against the image: the firmware size is arm-none-eabi-size's text +
data, the module's share (linker map attribution) covers at least every tml_*/arm_*/tinyml_* symbol of
the image and is less than the image, "without" is the difference, and leaving the rnn group out
(its two core files compiled again, the image linked again: size.py checks first that relinking the
unchanged objects gives the image's size) saves something, less than the module.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOARD = "MPS2_AN500"
BUILD = ROOT / "build" / "firmware" / BOARD


def _flash(elf: Path) -> int:
    out = subprocess.run(["arm-none-eabi-size", str(elf)], capture_output=True, text=True, check=True).stdout
    text, data = map(int, out.splitlines()[1].split()[:2])
    return text + data


def _module_symbols(elf: Path) -> int:
    out = subprocess.run(["arm-none-eabi-nm", "-S", str(elf)], capture_output=True, text=True, check=True).stdout
    total = 0
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "TtRrDd" and parts[3].startswith(("tml_", "arm_", "tinyml_")):
            total += int(parts[1], 16)
    return total


def test_make_size_one_board() -> None:
    if shutil.which("arm-none-eabi-size") is None:
        pytest.skip("arm-none-eabi-size not installed")
    if not (BUILD / "firmware.elf").exists() or not (BUILD / "firmware.map").exists():
        pytest.skip(f"no {BOARD} build in {BUILD.relative_to(ROOT)}: run 'make firmware BOARD={BOARD}'")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    r = subprocess.run(["make", "--no-print-directory", "size", f"BOARD={BOARD}", "SIZE_GROUPS=rnn"], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=900, check=False)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    lines = r.stdout.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("board "))
    assert re.split(r"\s{2,}", lines[head].strip()) == ["board", "backend", "firmware", "without tinyml", "tinyml",
                                                       "rnn"]
    row = lines[head + 2].split()
    assert row[:2] == [BOARD, "cmsis-nn"], lines[head + 2]
    firmware, without, module = int(row[2]), int(row[3]), int(row[4])
    rnn = int(row[-1])
    elf = BUILD / "firmware.elf"
    assert firmware == _flash(elf)
    assert _module_symbols(elf) <= module < firmware and without == firmware - module
    assert 0 < rnn < module

"""`make size` (firmware/size.py) on one board, MPS2_AN500, with one operator group (rnn): fast.

The table's figures are checked against the image: the firmware size is arm-none-eabi-size's text +
data, the module's share (linker map attribution) covers at least every tml_*/arm_*/tinyml_* symbol of
the image and is less than the image, "without" is the difference, and leaving the rnn group out
(its two core files compiled again, the image linked again: size.py checks first that relinking the
unchanged objects gives the image's size) saves something, less than the module. The kernels of our own
(kernels/dsp on the M7) take at least their named functions' bytes, less than the module. Where a
TINYML_BACKEND=none image of the board exists, the estimate without the module is within 2% of it.
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


def _module_symbols(elf: Path, prefixes: tuple[str, ...] = ("tml_", "arm_", "tinyml_")) -> int:
    out = subprocess.run(["arm-none-eabi-nm", "-S", str(elf)], capture_output=True, text=True, check=True).stdout
    total = 0
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "TtRrDd" and parts[3].startswith(prefixes):
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
                                                       "own kernels", "rnn"]
    row = re.split(r"\s{2,}", lines[head + 2].strip())
    assert row[:2] == [BOARD, "cmsis-nn"], lines[head + 2]
    # "without": the estimate, then, where a TINYML_BACKEND=none image exists, its measured size in parentheses
    m = re.fullmatch(r"(\d+)(?: \((\d+)\))?", row[3])
    assert m, row[3]
    firmware, without, module, own, rnn = int(row[2]), int(m.group(1)), int(row[4]), int(row[5]), int(row[6])
    if m.group(2):  # the module's objects are nearly all it adds (its qstrs and frozen package are not counted)
        assert abs(without - int(m.group(2))) < 0.02 * firmware
    elf = BUILD / "firmware.elf"
    assert firmware == _flash(elf)
    assert _module_symbols(elf) <= module < firmware and without == firmware - module
    assert 0 < rnn < module
    # the M7's DSP kernels: at least their named functions (static ones are counted too), part of the module
    assert _module_symbols(elf, ("tml_conv_s8_dsp", "tml_depthwise_conv_s8_dsp", "tml_dsp_")) <= own < module, own

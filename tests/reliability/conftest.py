"""pytest setup of the reliability tests: the QEMU Cortex-M7 board (MPS2_AN500, the image built by
`make firmware BOARD=MPS2_AN500`), booted once per test module (an idle QEMU board still takes host CPU:
it is not kept for the rest of the session); skipped without the image or QEMU.

The device-side reliability scripts (memory pressure, soak, GC and lifetime) are tests/device/t_pressure.py,
t_soak.py and t_gc.py, run on every target by tests/firmware/test_device.py.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "host_tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "host_tools"))

BOARD = "MPS2_AN500"
IMAGE = ROOT / "firmware" / "images" / BOARD / "firmware.elf"
SHARED_MODELS = ROOT.parent / "shared" / "models"


@pytest.fixture(scope="module")
def board_port() -> Iterator[str]:
    """The pty of the QEMU board's REPL."""
    if not IMAGE.exists():
        pytest.skip(f"no QEMU firmware {IMAGE.relative_to(ROOT)} (make firmware BOARD={BOARD})")
    if shutil.which("qemu-system-arm") is None:
        pytest.skip("qemu-system-arm is not installed")
    from tinyml_tools.qemu import boot

    with boot(BOARD, timeout=60) as pty:
        yield pty

"""pytest setup for the `tinyml` command tests.

Device tests run against one QEMU board (MPS2_AN500, the image built by
`make firmware BOARD=MPS2_AN500`), booted once per test module, through its pty
with mpremote's serial transport. Without the image (no MicroPython sources in
the cache to build it) or without qemu-system-arm they are skipped.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT / "host_tools"), str(ROOT / "tests" / "host"), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

from tinyml_tools.device import Device  # after the sys.path setup
from toolhelp import QEMU_BOARD, QEMU_IMAGE, SHARED_MODELS, Result


@pytest.fixture()
def tinyml(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run the `tinyml` command in-process: tinyml("inspect", path, "--json") -> Result."""
    from tinyml_tools.cli import main

    def runner(*args: str) -> Result:
        capsys.readouterr()
        try:
            rc = main([str(a) for a in args])
        except SystemExit as e:  # argparse errors and --help
            rc = int(e.code or 0)
        cap = capsys.readouterr()
        return Result(rc, cap.out, cap.err)

    return runner


@pytest.fixture(scope="session")
def shared_models() -> list[Path]:
    models = sorted(SHARED_MODELS.glob("*.tflite"))
    if not models:
        pytest.skip(f"shared models not found at {SHARED_MODELS}")
    return models


@pytest.fixture(scope="module")
def qemu_port() -> Iterator[str]:
    """The pty of the QEMU board, booted once per test module (an idle QEMU board still takes host CPU:
    it is not kept for the rest of the session)."""
    if not QEMU_IMAGE.exists():
        pytest.skip(f"device tests skipped: no QEMU firmware {QEMU_IMAGE.relative_to(ROOT)} "
                    f"(build it with 'make firmware BOARD={QEMU_BOARD}')")
    if shutil.which("qemu-system-arm") is None:
        pytest.skip("device tests skipped: qemu-system-arm not installed")
    from tinyml_tools.qemu import boot

    with boot(QEMU_BOARD, timeout=60) as pty:
        yield pty


@pytest.fixture()
def device(qemu_port: str) -> Callable[[], AbstractContextManager[Device]]:
    """Open the QEMU board for assertions: `with device() as dev: ...` (close it before running commands)."""
    from tinyml_tools.device import connect

    return lambda: connect(qemu_port, soft_reset=False)

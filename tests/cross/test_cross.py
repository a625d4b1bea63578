"""The core (both backends) cross-compiles warning-free for every MCU target."""

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import crossbuild

HAVE_CMSIS = (crossbuild.CMSIS / "Include" / "arm_nnfunctions.h").exists()


@pytest.mark.parametrize("target", list(crossbuild.TARGETS))
@pytest.mark.parametrize("backend", ["ref", "cmsis-nn"])
def test_cross_build(target: str, backend: str) -> None:
    if backend == "cmsis-nn" and not HAVE_CMSIS:
        pytest.skip(f"CMSIS-NN not in {crossbuild.CMSIS}: run 'make deps' to build the cmsis-nn backend")
    cc = crossbuild.TARGETS[target][0]
    if subprocess.run(["which", cc], capture_output=True, check=False).returncode:
        pytest.fail(f"{cc} is not installed (apt-get install gcc-arm-none-eabi gcc-riscv64-unknown-elf "
                    "picolibc-riscv64-unknown-elf libnewlib-arm-none-eabi gcc-xtensa-lx106 picolibc-xtensa-lx106-elf)")
    ok, log, text = crossbuild.build(target, backend)
    assert ok, log
    assert text is not None and 4000 < text < 400_000

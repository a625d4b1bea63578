"""The core (both backends) cross-compiles warning-free for every MCU target."""

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import crossbuild

HAVE_CMSIS = (crossbuild.CMSIS / "Include" / "arm_nnfunctions.h").exists()


# The firmware images make test builds (tests/firmware) already compile the cmsis-nn backend
# with the same -Wall -Wextra -Werror for these cores: RPI_PICO (m0plus), MPS2_AN385 (m3),
# NETDUINO_PLUS_2 and NUCLEO_F446RE (m4), MPS2_AN500 (m7), MPS3_AN547 (m55). `make cross` builds every
# pair.
FIRMWARE_COVERED = {"cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m55"}
# The ref backend is plain C with no architecture conditionals: one core per Arm architecture
# (v6-M m0plus, v7-M m3, v7E-M m4, v8-M m33) stands for m7 (v7E-M) and m55 (v8.1-M) too.
REF_SAME_AS = {"cortex-m7": "cortex-m4", "cortex-m55": "cortex-m33"}
PAIRS = [(t, b) for b in ("ref", "cmsis-nn") for t in crossbuild.TARGETS
         if not (b == "cmsis-nn" and t in FIRMWARE_COVERED) and not (b == "ref" and t in REF_SAME_AS)]


@pytest.mark.parametrize(("target", "backend"), PAIRS)
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

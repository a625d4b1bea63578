"""The ARMv6-M kernels' output requantization as the cores run it, on QEMU's mps2-an385: the assembly
function of ARMv6-M builds (tml_armv6m_out_asm) and the SMLAL requantization of ARMv7-M ones (Cortex-M3)
equal arm_nn_requantize with the offset and clamp, over millions of values, ties of the final rounding
included (tests/cross/c/check_armv6m_out.c, a bare-metal program on the benchmarks' runtime)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TML = ROOT / "usermod" / "tinyml"
RT = ROOT / "tests" / "bench" / "tflm"


@pytest.mark.parametrize("cpu", ["cortex-m0plus", "cortex-m3"])
def test_armv6m_output_requantization_on_the_core(cpu: str, tmp_path: Path) -> None:
    for tool, pkg in (("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi"),
                      ("qemu-system-arm", "qemu-system-arm")):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (apt-get install {pkg})")
    elf = tmp_path / "check.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mthumb", f"-mcpu={cpu}", "-mfloat-abi=soft", "-O2", "-std=c99", "-Wall",
                    "-Wextra", "-Werror", "-fwrapv", "-ffunction-sections", "-fdata-sections",
                    "-DBENCH_CLOCK_HZ=25000000u", f"-I{RT}", f"-I{TML / 'kernels'}", f"-I{TML}", f"-I{ROOT / 'tests' / 'host' / 'c'}",
                    str(Path(__file__).parent / "c" / "check_armv6m_out.c"), str(RT / "rt.c"),
                    str(TML / "kernels" / "armv6m" / "tml_armv6m_conv.c"), "-nostartfiles", "-specs=nano.specs",
                    "-specs=nosys.specs", "-Wl,--gc-sections", f"-L{RT}", f"-T{RT / 'mps2_an385.ld'}", "-o", str(elf),
                    "-lm"], check=True)
    r = subprocess.run(["qemu-system-arm", "-machine", "mps2-an385", "-nographic", "-monitor", "null",
                        "-semihosting-config", "enable=on,target=native", "-serial", "stdio", "-kernel", str(elf)],
                       capture_output=True, text=True, timeout=300, check=False)
    lines = r.stdout.strip().splitlines()
    assert lines and lines[-1] == "0 of 2400000 differ", r.stdout[-2000:] + r.stderr[-2000:]

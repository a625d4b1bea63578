"""kernels/dsp's CONV_2D as the DSP cores run it, on QEMU: the Cortex-M7 (mps2-an500) and the Cortex-M4F
(netduinoplus2) run tml_conv_s8_dsp, whose 4-pixel output loop is a naked assembly function there, on
thousands of random layers against the portable reference (TFLM's ConvPerChannel); the host runs the same
program on the kernel's C (tests/cross/c/check_dsp_conv.c)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TML = ROOT / "usermod" / "tinyml"
RT = ROOT / "tests" / "bench" / "tflm"
SOURCES = [Path(__file__).parent / "c" / "check_dsp_conv.c", TML / "kernels" / "dsp" / "tml_dsp_conv.c",
           TML / "kernels" / "portable" / "tml_conv_s8_portable.c", TML / "kernels" / "portable" / "tml_math.c"]
LAYERS = 3000  # the program's count


def check_line(out: str) -> tuple[int, int, int]:
    """(differing, layers, on the 4-pixel path) from the program's last line."""
    words = out.strip().splitlines()[-1].replace("(", "").split()
    assert words[1:3] == ["of", str(LAYERS)] and words[4] == "differ", out[-2000:]
    return int(words[0]), int(words[2]), int(words[5])


def assert_checked(out: str) -> None:
    bad, _, fast = check_line(out)
    assert bad == 0, out[-2000:]
    assert fast >= LAYERS // 3, f"only {fast} of {LAYERS} layers reached the 4-pixel path:\n{out[-2000:]}"


@pytest.mark.parametrize("cpu,machine,flags,ld,defs", [
    ("cortex-m7", "mps2-an500", ["-mfloat-abi=hard", "-mfpu=fpv5-d16"], "mps2_an500.ld", []),
    ("cortex-m4", "netduinoplus2", ["-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"], "netduinoplus2.ld",
     ["-DBENCH_STM32"]),
])
def test_dsp_conv_on_the_core(cpu: str, machine: str, flags: list[str], ld: str, defs: list[str],
                              tmp_path: Path) -> None:
    for tool, pkg in (("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi"),
                      ("qemu-system-arm", "qemu-system-arm")):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (apt-get install {pkg})")
    elf = tmp_path / "check.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mthumb", f"-mcpu={cpu}", *flags, "-O2", "-std=c99", "-Wall", "-Wextra",
                    "-Werror", "-fwrapv", "-ffunction-sections", "-fdata-sections", "-DBENCH_CLOCK_HZ=25000000u",
                    *defs, f"-I{RT}", f"-I{TML / 'kernels'}", *map(str, SOURCES), str(RT / "rt.c"), "-nostartfiles",
                    "-specs=nano.specs", "-specs=nosys.specs", "-Wl,--gc-sections", f"-L{RT}", f"-T{RT / ld}",
                    "-o", str(elf), "-lm"], check=True)
    r = subprocess.run(["qemu-system-arm", "-machine", machine, "-nographic", "-monitor", "null",
                        "-semihosting-config", "enable=on,target=native", "-serial", "stdio",
                        "-kernel", str(elf)], capture_output=True, text=True, timeout=300, check=False)
    assert_checked(r.stdout + r.stderr)


def test_dsp_conv_c_on_the_host(tmp_path: Path) -> None:
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.fail("no C compiler (apt-get install gcc)")
    exe = tmp_path / "check"
    subprocess.run([cc, "-O2", "-std=c99", "-Wall", "-Wextra", "-Werror", "-fwrapv", "-DTML_KERNELS_DSP=1",
                    f"-I{TML / 'kernels'}", *map(str, SOURCES), "-o", str(exe), "-lm"], check=True)
    r = subprocess.run([str(exe)], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert_checked(r.stdout)

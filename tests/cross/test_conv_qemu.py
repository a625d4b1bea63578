"""Our CONV_2D kernels as the cores run them, on QEMU: kernels/dsp's on the Cortex-M7 (mps2-an500) and the
Cortex-M4F (netduinoplus2), whose 4-pixel output loop is a naked assembly function there (tml_dsp_mm4), and
kernels/armv6m's on the Cortex-M3 (mps2-an385: its Thumb-2 loops and short requantization, out_sq), each on
3,000 random layers against the portable reference (TFLM's ConvPerChannel); the host runs the same program
on the kernels' C (tests/cross/c/check_conv.c)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TML = ROOT / "usermod" / "tinyml"
KERNELS = TML / "kernels"
RT = ROOT / "tests" / "bench" / "tflm"
COMMON = [Path(__file__).parent / "c" / "check_conv.c", KERNELS / "portable" / "tml_conv_s8_portable.c",
          KERNELS / "portable" / "tml_math.c"]
KERNEL = {"dsp": ([KERNELS / "dsp" / "tml_dsp_conv.c"], []),
          "armv6m": ([KERNELS / "armv6m" / "tml_armv6m_conv.c"], ["-DCHECK_ARMV6M"])}
LAYERS = 3000  # the program's count


def assert_checked(out: str) -> None:
    """The program's last line: "N of LAYERS layers differ (F on the short path)", N 0, F at least a third."""
    words = out.strip().splitlines()[-1].replace("(", "").split() if out.strip() else []
    assert words[1:5] == ["of", str(LAYERS), "layers", "differ"], out[-2000:]
    assert int(words[0]) == 0, out[-2000:]
    assert int(words[5]) >= LAYERS // 3, f"only {words[5]} of {LAYERS} layers took the short path:\n{out[-2000:]}"


@pytest.mark.parametrize("kernel,cpu,machine,flags,ld", [
    ("dsp", "cortex-m7", "mps2-an500", ["-mfloat-abi=hard", "-mfpu=fpv5-d16"], "mps2_an500.ld"),
    ("dsp", "cortex-m4", "netduinoplus2", ["-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-DBENCH_STM32"],
     "netduinoplus2.ld"),
    ("armv6m", "cortex-m3", "mps2-an385", ["-mfloat-abi=soft"], "mps2_an385.ld"),
])
def test_conv_on_the_core(kernel: str, cpu: str, machine: str, flags: list[str], ld: str, tmp_path: Path) -> None:
    for tool, pkg in (("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi"),
                      ("qemu-system-arm", "qemu-system-arm")):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (apt-get install {pkg})")
    sources, defs = KERNEL[kernel]
    elf = tmp_path / "check.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mthumb", f"-mcpu={cpu}", *flags, *defs, "-O2", "-std=c99", "-Wall",
                    "-Wextra", "-Werror", "-fwrapv", "-ffunction-sections", "-fdata-sections",
                    "-DBENCH_CLOCK_HZ=25000000u", f"-I{RT}", f"-I{KERNELS}", *map(str, COMMON + sources),
                    str(RT / "rt.c"), "-nostartfiles", "-specs=nano.specs", "-specs=nosys.specs", "-Wl,--gc-sections",
                    f"-L{RT}", f"-T{RT / ld}", "-o", str(elf), "-lm"], check=True)
    r = subprocess.run(["qemu-system-arm", "-machine", machine, "-nographic", "-monitor", "null",
                        "-semihosting-config", "enable=on,target=native", "-serial", "stdio", "-kernel", str(elf)],
                       capture_output=True, text=True, timeout=300, check=False)
    assert_checked(r.stdout + r.stderr)


@pytest.mark.parametrize("kernel", ["dsp", "armv6m"])
def test_conv_c_on_the_host(kernel: str, tmp_path: Path) -> None:
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.fail("no C compiler (apt-get install gcc)")
    sources, defs = KERNEL[kernel]
    exe = tmp_path / "check"
    subprocess.run([cc, "-O2", "-std=c99", "-Wall", "-Wextra", "-Werror", "-fwrapv", "-DTML_KERNELS_DSP=1",
                    "-DTML_KERNELS_ARMV6M=1", *defs, f"-I{KERNELS}", *map(str, COMMON + sources), "-o", str(exe),
                    "-lm"], check=True)
    r = subprocess.run([str(exe)], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    if kernel == "armv6m":  # the host runs ARMv6-M's C, which has no short path: only the comparison counts
        words = r.stdout.strip().splitlines()[-1].split()
        assert words[:5] == ["0", "of", str(LAYERS), "layers", "differ"], r.stdout[-2000:]
    else:
        assert_checked(r.stdout)

"""The esp-nn backend cross-compiles for the Xtensa cores and links (--gc-sections, through the
public API, as tests/cross/crossbuild.py links the other backends):

- xtensa-lx106 (Debian's gcc-xtensa-lx106): ESP-NN's generic optimisations (its ANSI C differs
  in our wrappers' defines only);
- xtensa-esp32-elf (`make deps-esp32`): the generic optimisations, the ESP32's flavour;
- xtensa-esp32s3-elf (`make deps-esp32`): ESP-NN's ESP32-S3 assembly (TML_ESP_NN_S3). Compiled,
  assembled and linked here, never executed: no emulator has the S3's vector (PIE) instructions.
  The test checks that the S3 kernels are in the image: their symbols, and PIE instructions (ee.*)
  in the disassembly.

Our sources with -std=c99 -Wall -Wextra -Werror, ESP-NN's with its own -O2 and no warnings; the
source lists are core.mk's (TML_ESP_NN_OWN, ESP_NN_SRC, ESP_NN_SRC_S3).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import crossbuild

ROOT = crossbuild.ROOT
DEPS = crossbuild.DEPS
VERSIONS = dict(re.findall(r"^(\w+)\s*:=\s*(\S+)", (ROOT / "firmware" / "versions.mk").read_text(), re.MULTILINE))
ESP_NN = Path(os.environ.get("ESP_NN_DIR", DEPS / f"esp-nn-{VERSIONS['ESP_NN_VERSION']}"))

if not (ESP_NN / "include" / "esp_nn.h").exists():
    pytest.skip(f"ESP-NN not in {ESP_NN} (run 'make deps'): the esp-nn cross-builds are not tested",
                allow_module_level=True)


def core_mk(var: str) -> list[Path]:
    """A source list of usermod/tinyml/core.mk."""
    out = subprocess.run(["make", "--no-print-directory", "-s", "-f", str(ROOT / "usermod" / "tinyml" / "core.mk"),
                          f"ROOT={ROOT}", f"ESP_NN_DIR={ESP_NN}", f"--eval=tml-print: ; @echo $({var})", "tml-print"],
                         capture_output=True, text=True, check=True).stdout.split()
    return [Path(p) for p in out]


def esp_toolchain(chip: str) -> Path | None:
    """xtensa-<chip>-elf-gcc: $XTENSA_<CHIP>_BIN, else make deps-esp32's in the dependency cache."""
    tool = f"xtensa-{chip}-elf-gcc"
    env = os.environ.get(f"XTENSA_{chip.upper()}_BIN")
    for d in ([Path(env)] if env else []) + [DEPS / f"xtensa-{chip}-elf" / "bin"]:
        if (d / tool).exists():
            return d / tool
    return None


def toolchain(target: str) -> tuple[list[str], str]:
    """(compiler command, size/nm/objdump prefix) of a target, or pytest.skip with one line."""
    if target == "xtensa-lx106":
        cc = crossbuild.TARGETS["xtensa-lx106"]
        if shutil.which(cc[0]) is None:
            pytest.fail("xtensa-lx106-elf-gcc is not installed (apt-get install gcc-xtensa-lx106 picolibc-xtensa-lx106-elf)")
        return cc, "xtensa-lx106-elf-"
    chip = target.split("-")[1]
    gcc = esp_toolchain(chip)
    if gcc is None:
        pytest.skip(f"no xtensa-{chip}-elf toolchain in {DEPS} (run 'make deps-esp32'): {target} not built")
    libc = subprocess.run([str(gcc), "-print-file-name=libc.a"], capture_output=True, text=True, check=False)
    if not Path(libc.stdout.strip()).is_absolute():
        pytest.skip(f"the xtensa-{chip}-elf toolchain in {gcc.parent} has no C library yet: {target} not built")
    return [str(gcc), "-mlongcalls"], str(gcc)[: -len("gcc")]


def build(target: str, flavour: str) -> tuple[Path, str]:
    """Compile and link the core + esp-nn backend; returns the ELF and the tools' prefix."""
    cc, prefix = toolchain(target)
    out = ROOT / "build" / "cross" / f"{target}-esp-nn-{flavour}"
    out.mkdir(parents=True, exist_ok=True)
    own = core_mk("TML_ESP_NN_OWN")
    vendor = core_mk("ESP_NN_SRC") + (core_mk("ESP_NN_SRC_S3") if flavour == "s3" else [])
    defs = ["-DTML_BACKEND_ESP_NN"] + {"opt": [], "ansi": ["-DTML_ESP_NN_ANSI"], "s3": ["-DTML_ESP_NN_S3"]}[flavour]
    inc = [f"-I{crossbuild.TML / 'core'}", f"-I{ESP_NN / 'include'}", f"-I{ESP_NN / 'src' / 'common'}"]
    ours = crossbuild.CFLAGS + defs + inc
    theirs = ["-std=gnu99", "-O2", "-w", "-ffunction-sections", "-fdata-sections"] + defs + inc
    if flavour == "s3":
        theirs.append("-fno-unroll-loops")  # as ESP-NN's CMakeLists.txt for the S3

    def compile_one(src: Path) -> tuple[Path, subprocess.CompletedProcess]:
        obj = out / f"{src.parent.name}_{src.name}.o"
        flags = ours if src in own else theirs
        return obj, subprocess.run(cc + flags + ["-c", str(src), "-o", str(obj)], capture_output=True, text=True,
                                   check=False)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(compile_one, own + vendor))
    errors = [r.stderr for _, r in results if r.returncode]
    assert not errors, "\n".join(errors)[-6000:]
    script = out / "size.ld"
    # the windowed ABI's calls must stay within one 1 GB region: with the C library's symbols left
    # undefined (0), the code goes low too (a link check, not a memory map)
    script.write_text(crossbuild.XTENSA_LD if target == "xtensa-lx106"
                      else crossbuild.XTENSA_LD.replace("0x40200000", "0x00100000").replace("0x3FFE8000", "0x00600000"))
    elf = out / "tinyml.elf"
    link = cc + ours + ["-Wl,--gc-sections", "-nostdlib", "-Wl,--unresolved-symbols=ignore-all", "-T", str(script),
                        str(ROOT / "tests" / "cross" / "size_main.c")] + [str(o) for o, _ in results] + ["-o", str(elf)]
    r = subprocess.run(link, capture_output=True, text=True, check=False)
    if r.returncode and target == "xtensa-lx106":  # as crossbuild.build: libm's call0s to the ROM's helpers
        missing = sorted(set(re.findall(r"call target out of range: (\w+)", r.stderr)))
        r = subprocess.run(link[:-2] + [f"-Wl,--defsym={m}=0x40200000" for m in missing] + link[-2:],
                           capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr[-4000:]
    return elf, prefix


def symbols(prefix: str, elf: Path) -> set[str]:
    out = subprocess.run([prefix + "nm", str(elf)], capture_output=True, text=True, check=True).stdout
    return {ln.split()[-1] for ln in out.splitlines() if ln.split()}


@pytest.mark.parametrize(("target", "flavour"), [("xtensa-lx106", "opt"), ("xtensa-esp32", "opt")])
def test_esp_nn_c_flavours(target: str, flavour: str) -> None:
    elf, prefix = build(target, flavour)
    syms = symbols(prefix, elf)
    want = {"esp_nn_conv_s8_opt", "esp_nn_depthwise_conv_s8_opt", "esp_nn_softmax_s8_opt",
            "esp_nn_fully_connected_s8_ansi", "esp_nn_avg_pool_s8_ansi", "esp_nn_add_elementwise_s8_ansi"}
    assert want <= syms, sorted(want - syms)
    assert not any(s.endswith("_esp32s3") for s in syms)


def test_esp_nn_s3_assembly_links() -> None:
    """ESP32-S3 flavour: compiled and linked, not executed here."""
    elf, prefix = build("xtensa-esp32s3", "s3")
    syms = symbols(prefix, elf)
    want = {"esp_nn_conv_s8_esp32s3", "esp_nn_depthwise_conv_s8_esp32s3", "esp_nn_fully_connected_s8_esp32s3",
            "esp_nn_avg_pool_s8_esp32s3", "esp_nn_max_pool_s8_esp32s3", "esp_nn_add_elementwise_s8_esp32s3",
            "esp_nn_mul_elementwise_s8_esp32s3",
            "esp_nn_conv_s8_mult8_1x1_esp32s3"}  # the last defined in assembly only
    assert want <= syms, sorted(want - syms)
    disasm = subprocess.run([prefix + "objdump", "-d", str(elf)], capture_output=True, text=True, check=True).stdout
    pie = re.findall(r"\tee\.\w+", disasm)
    assert len(pie) > 100, f"{len(pie)} ESP32-S3 PIE (ee.*) instructions in the image"

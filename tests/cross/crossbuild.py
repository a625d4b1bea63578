"""Cross-compile the C core for the MCU targets and report flash (.text) sizes.

    python tests/cross/crossbuild.py [--backend ref|cmsis-nn|both] [TARGET ...]

Every source is compiled with -std=c99 -Wall -Wextra -Werror; CMSIS-NN picks
its DSP/MVE code paths from -mcpu. A --gc-sections link of a tiny program that
calls the public API shows what core + kernels cost in flash.

xtensa-lx106 (Debian's gcc-xtensa-lx106 with picolibc-xtensa-lx106-elf) is the
Xtensa compiler available here: the ESP32 builds use the ref backend, and this
compiles both backends' portable C with a real Xtensa compiler. Its libgcc has
no soft-float routines (the ESP8266 ROM provides them) and picolibc's libm is
not built for long calls, so its link leaves the C library undefined: the size
counts core + kernels only.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TML = ROOT / "usermod" / "tinyml"
DEPS = Path(os.environ.get("TINYML_DEPS", Path.home() / ".cache" / "tinyml"))
CMSIS = Path(os.environ.get("CMSIS_NN_DIR", DEPS / "CMSIS-NN-v7.0.0"))

ARM = ["arm-none-eabi-gcc", "-mthumb", "--specs=nosys.specs"]
TARGETS: dict[str, list[str]] = {
    "cortex-m0plus": ARM + ["-mcpu=cortex-m0plus"],
    "cortex-m3": ARM + ["-mcpu=cortex-m3"],
    "cortex-m4": ARM + ["-mcpu=cortex-m4", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
    "cortex-m7": ARM + ["-mcpu=cortex-m7", "-mfloat-abi=hard", "-mfpu=fpv5-d16"],
    "cortex-m33": ARM + ["-mcpu=cortex-m33", "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16"],
    "cortex-m55": ARM + ["-mcpu=cortex-m55", "-mfloat-abi=hard"],
    "rv32imc": ["riscv64-unknown-elf-gcc", "--specs=picolibc.specs", "-march=rv32imc", "-mabi=ilp32",
                "-Wl,--defsym=__flash_size=0x400000", "-Wl,--defsym=__ram_size=0x100000"],
    "xtensa-lx106": ["xtensa-lx106-elf-gcc", "-mlongcalls", "-isystem", "/usr/lib/xtensa-lx106-elf/include"],
}
SIZE_TOOL = {"rv32imc": "riscv64-unknown-elf-size", "xtensa-lx106": "xtensa-lx106-elf-size"}
# Link of the Xtensa size check: literals before the code that loads them (l32r),
# the C library and soft-float helpers left undefined (see above).
XTENSA_LD = """ENTRY(main)
MEMORY { irom (rx) : ORIGIN = 0x40200000, LENGTH = 0x400000
         dram (rw) : ORIGIN = 0x3FFE8000, LENGTH = 0x100000 }
SECTIONS {
  .text : { *(.literal .text .literal.* .text.*) } > irom
  .rodata : { *(.rodata .rodata.*) } > dram
  .data : { *(.data .data.*) } > dram
  .bss : { *(.bss .bss.* COMMON) } > dram
}
"""
XTENSA_LINK = ["-nostdlib", "-L/usr/lib/xtensa-lx106-elf/lib", "-Wl,--unresolved-symbols=ignore-all"]
CFLAGS = ["-std=c99", "-Os", "-Wall", "-Wextra", "-Werror", "-fwrapv", "-ffp-contract=off", "-ffunction-sections",
          "-fdata-sections"]


def core_sources() -> list[Path]:
    """core.mk's TML_CORE_SRC: the core, the selection table and the core-family kernels."""
    k = TML / "kernels"
    return sorted((TML / "core").glob("*.c")) + [k / "tml_select.c"] + sorted((k / "armv6m").glob("*.c")) \
        + sorted((k / "dsp").glob("*.c"))


def backend_sources(folder: str | None) -> list[Path]:
    """A backend folder's files and the portable ones it does not replace (core.mk's tml_backend_src)."""
    k = TML / "kernels"
    own = sorted((k / folder).glob("*.c")) if folder else []
    names = {p.name for p in own}
    return own + [p for p in sorted((k / "portable").glob("*.c")) if p.name not in names]


def sources(backend: str) -> list[Path]:
    if backend == "cmsis-nn":
        return core_sources() + backend_sources("cmsis_nn") + sorted(CMSIS.glob("Source/*/*.c"))
    return core_sources() + backend_sources(None)


def build(target: str, backend: str) -> tuple[bool, str, int | None]:
    """Compile and link; returns (ok, log, text bytes of core + kernels)."""
    cc = TARGETS[target]
    out = ROOT / "build" / "cross" / f"{target}-{backend}"
    out.mkdir(parents=True, exist_ok=True)
    flags = CFLAGS + [f"-I{TML / 'core'}"]
    if backend == "cmsis-nn":
        flags += ["-DTML_BACKEND_CMSIS_NN", f"-I{CMSIS / 'Include'}"]
    objs, logs = [], []

    def compile_one(src: Path) -> tuple[Path, subprocess.CompletedProcess]:
        obj = out / (src.parent.name + "_" + src.stem + ".o")
        return obj, subprocess.run(cc + flags + ["-c", str(src), "-o", str(obj)], capture_output=True, check=False, text=True)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for obj, r in pool.map(compile_one, sources(backend)):
            objs.append(obj)
            if r.returncode:
                logs.append(r.stderr)
    if logs:
        return False, "\n".join(logs), None
    base = out / "base.elf"
    full = out / "tinyml.elf"
    main = ROOT / "tests" / "cross" / "size_main.c"
    link = cc + flags + ["-Wl,--gc-sections"]
    libs = ["-lm"]  # float kernels call the C library's expf, logf, tanhf, ... as TFLM's std:: calls
    if target == "xtensa-lx106":
        script = out / "size.ld"
        script.write_text(XTENSA_LD)
        link += XTENSA_LINK + ["-T", str(script)]
        libs = []
    # base: the same program with the core stubbed out of the picture (libc startup only)
    stub = out / "stub.c"
    stub.write_text("int main(void) { return 0; }\n")
    for cmd in (link + [str(main)] + [str(o) for o in objs] + libs + ["-o", str(full)],
                link + [str(stub)] + libs + ["-o", str(base)]):
        r = subprocess.run(cmd, capture_output=True, check=False, text=True)
        if r.returncode and target == "xtensa-lx106":
            # picolibc's libm (expf, logf, ...) is built without -mlongcalls: its call0s to the ROM's soft-float
            # helpers cannot reach an undefined (zero) address; place those symbols at the start of irom
            missing = sorted(set(re.findall(r"call target out of range: (\w+)", r.stderr)))
            if missing:
                r = subprocess.run(cmd[:-2] + [f"-Wl,--defsym={m}=0x40200000" for m in missing] + cmd[-2:],
                                   capture_output=True, check=False, text=True)
        if r.returncode:
            return False, r.stderr, None
    size = SIZE_TOOL.get(target, "arm-none-eabi-size")

    def text(elf: Path) -> int:
        lines = subprocess.run([size, str(elf)], capture_output=True, text=True, check=True).stdout.splitlines()
        return int(lines[1].split()[0])

    return True, "", text(full) - text(base)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=("ref", "cmsis-nn", "both"), default="both")
    ap.add_argument("targets", nargs="*", default=list(TARGETS))
    args = ap.parse_args(argv)
    backends = ["ref", "cmsis-nn"] if args.backend == "both" else [args.backend]
    if "cmsis-nn" in backends and not (CMSIS / "Include" / "arm_nnfunctions.h").exists():
        print(f"crossbuild: CMSIS-NN not found in {CMSIS} (run 'make deps'): cmsis-nn builds skipped")
        backends.remove("cmsis-nn")
    failed = 0
    print(f"{'target':<15} {'backend':<9} {'core+kernels .text':>18}")
    for target in args.targets:
        for backend in backends:
            ok, log, text = build(target, backend)
            if ok:
                print(f"{target:<15} {backend:<9} {text:>18}")
            else:
                failed += 1
                print(f"{target:<15} {backend:<9} {'FAILED':>18}\n{log}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""The C core executed bare-metal on an emulated Xtensa CPU (QEMU's `sim` machine), compared with the host core.

    python3 tests/xtensa/xtensa_exec.py [--core lx106|esp32] [--backend ref|cmsis-nn] [--no-ops] [--cases N]
                                        [--models a.tflite ...] [--json out.json]

Builds build/xtensa/<core>-<backend>/xt.elf: the core and one kernel backend (xt_main.c, xt_rt.c,
xt_vectors.S), the per-op bundle (tests/firmware/device_ops.py's ops.bin, tflite-micro's outputs)
and the shared models with seeded inputs embedded with .incbin; runs it under
`qemu-system-xtensa -M sim -semihosting -icount shift=0` and checks every output byte-equal with
the host core library of the same backend (host_tools/tinyml_tools/lib, `make host-lib`), and the
per-op outputs with tflite-micro's too. Prints the instructions per inference of each model.

Instructions: under -icount shift=0 each guest instruction advances QEMU's virtual clock by 1 ns,
and CCOUNT counts the core's configured clock from that clock, so one inference's instructions are
its CCOUNT ticks x 1e9 / clock: exact for the esp32 core (imported at 1 GHz, one tick per
instruction), to within 25 on lx106 (40 MHz: one tick per 25 instructions).

Cores (CORES): lx106 is in Debian's qemu-system-xtensa (qemu-system-misc) and is compiled for by
Debian's gcc-xtensa-lx106 with picolibc-xtensa-lx106-elf; its libgcc lacks the soft-float and
division routines the ESP8266 ROM provides, so the ones GCC's own libgcc has for Xtensa
(libgcc/config/xtensa/lib1funcs.S, ieee754-sf.S, ieee754-df.S from Debian's gcc-12-source, the
sources this compiler was built from) are assembled for lx106 into build/xtensa/lx106-libgcc
(lx106_libgcc()). esp32 is the ESP32's LX6 configuration imported into a QEMU built by
firmware/deps-qemu-xtensa.sh, with the xtensa-esp32-elf toolchain of `make deps-esp32`.

Backends (BACKENDS) are a build parameter: each names its sources, C flags and the host library
it is compared with; another backend (e.g. esp-nn) is one more entry.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TML = ROOT / "usermod" / "tinyml"
BUILD = ROOT / "build" / "xtensa"
DEPS = Path(os.environ.get("TINYML_DEPS", Path.home() / ".cache" / "tinyml"))
CMSIS = Path(os.environ.get("CMSIS_NN_DIR", DEPS / "CMSIS-NN-v7.0.0"))
SHARED_MODELS = Path(os.environ.get("TINYML_SHARED_MODELS", ROOT.parent / "shared" / "models"))
GCC_SOURCE = Path("/usr/src/gcc-12/gcc-12.2.0-dfsg.tar.xz")  # Debian's gcc-12-source
for _p in (ROOT / "host_tools", ROOT / "tests" / "firmware", ROOT / "tests" / "host"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

# the firmware's flags: our strict C flags on our sources, CMSIS-NN with -w (tests/bench/tflm/build.mk)
COPT = ["-O2"]
COMMON = ["-ffunction-sections", "-fdata-sections", "-DNDEBUG"]
OUR_CFLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-fwrapv", "-ffp-contract=off"]
VENDOR_CFLAGS = ["-std=c99", "-w"]


@dataclass
class Backend:
    """A kernel backend as a build parameter: its sources (besides the core's), the C flags of
    every source, which of its sources are vendor code (built with -w), and the host library
    (tinyml_tools.core backend name) its outputs are compared with."""

    name: str
    sources: Callable[[], list[Path]]
    cflags: Callable[[], list[str]] = list
    vendor: Callable[[Path], bool] = lambda p: False
    host_backend: str = ""
    available: Callable[[], str | None] = lambda: None  # None, or why it cannot be built

    def host(self) -> str:
        return self.host_backend or self.name


def _core_sources() -> list[Path]:
    k = TML / "kernels"  # core.mk's TML_CORE_SRC
    return sorted((TML / "core").glob("*.c")) + [k / "tml_select.c"] + sorted((k / "armv6m").glob("*.c")) \
        + sorted((k / "dsp").glob("*.c"))


def _backend_sources(folder: str | None) -> list[Path]:
    """A backend folder's files and the portable ones it does not replace (core.mk's tml_backend_src)."""
    k = TML / "kernels"
    own = sorted((k / folder).glob("*.c")) if folder else []
    names = {p.name for p in own}
    return own + [p for p in sorted((k / "portable").glob("*.c")) if p.name not in names]


BACKENDS: dict[str, Backend] = {
    "ref": Backend("ref", lambda: _backend_sources(None)),
    # CMSIS-NN on a non-Arm target: its plain-C paths (no __ARM_FEATURE_DSP / MVE)
    "cmsis-nn": Backend(
        "cmsis-nn",
        lambda: _backend_sources("cmsis_nn") + sorted(CMSIS.glob("Source/*/*.c")),
        lambda: ["-DTML_BACKEND_CMSIS_NN", f"-I{CMSIS / 'Include'}"],
        lambda p: CMSIS in p.parents,
        available=lambda: None if (CMSIS / "Include" / "arm_nnfunctions.h").exists()
        else f"CMSIS-NN not in {CMSIS}: run 'make deps'"),
}


@dataclass
class Core:
    """An emulated Xtensa core: its compiler, QEMU, memory map and exception vector offsets."""

    name: str
    cross: str                    # compiler prefix, e.g. xtensa-lx106-elf-
    qemu: str                     # qemu-system-xtensa binary
    cpu: str                      # QEMU -cpu
    clock_hz: int                 # the core's clock in QEMU (CCOUNT rate)
    code: tuple[int, int]         # (origin, length): vectors, code, read-only data
    data: tuple[int, int]         # (origin, length): data, bss, stacks
    vecofs: tuple[int, int, int]  # kernel, user, double exception vector offsets
    cflags: list[str] = field(default_factory=list)
    asflags: list[str] = field(default_factory=list)  # xt_vectors.S only
    ldflags: list[str] = field(default_factory=list)
    libs: list[str] = field(default_factory=lambda: ["-lm", "-lc", "-lgcc"])
    available: Callable[[], str | None] = lambda: None
    prepare: Callable[[], list[str]] = list   # extra objects/archives to link (built on demand)


# ---- lx106: Debian's toolchain and QEMU ---------------------------------------------------
LX106_SYSROOT = Path("/usr/lib/xtensa-lx106-elf")
# lx106's configuration (QEMU target/xtensa/core-lx106, the ESP8266's core): the values the
# libgcc Xtensa sources read from xtensa-config.h
LX106_CONFIG = {
    "XCHAL_HAVE_BE": 0, "XCHAL_HAVE_DENSITY": 1, "XCHAL_HAVE_CONST16": 0, "XCHAL_HAVE_ABS": 1,
    "XCHAL_HAVE_ADDX": 1, "XCHAL_HAVE_L32R": 1, "XCHAL_HAVE_MAC16": 0, "XCHAL_HAVE_MUL16": 1,
    "XCHAL_HAVE_MUL32": 1, "XCHAL_HAVE_MUL32_HIGH": 0, "XCHAL_HAVE_DIV32": 0, "XCHAL_HAVE_NSA": 1,
    "XCHAL_HAVE_MINMAX": 0, "XCHAL_HAVE_SEXT": 0, "XCHAL_HAVE_LOOPS": 0, "XCHAL_HAVE_THREADPTR": 0,
    "XCHAL_HAVE_RELEASE_SYNC": 0, "XCHAL_HAVE_S32C1I": 0, "XCHAL_HAVE_BOOLEANS": 0, "XCHAL_HAVE_FP": 0,
    "XCHAL_HAVE_FP_DIV": 0, "XCHAL_HAVE_FP_RECIP": 0, "XCHAL_HAVE_FP_SQRT": 0, "XCHAL_HAVE_FP_RSQRT": 0,
    "XCHAL_HAVE_DFP": 0, "XCHAL_HAVE_DFP_DIV": 0, "XCHAL_HAVE_DFP_RECIP": 0, "XCHAL_HAVE_DFP_SQRT": 0,
    "XCHAL_HAVE_DFP_RSQRT": 0, "XCHAL_HAVE_WINDOWED": 0, "XCHAL_NUM_AREGS": 16,
}
# GCC's libgcc/config/xtensa/t-xtensa: the assembly routines of an Xtensa libgcc
LIB1ASMFUNCS = ["_mulsi3", "_divsi3", "_modsi3", "_udivsi3", "_umodsi3", "_umulsidi3", "_clz", "_clzsi2", "_ctzsi2", "_ffssi2", "_ashldi3", "_ashrdi3", "_lshrdi3", "_bswapsi2", "_bswapdi2", "_negsf2", "_addsubsf3", "_mulsf3", "_divsf3", "_cmpsf2", "_fixsfsi", "_fixsfdi", "_fixunssfsi", "_fixunssfdi", "_floatsisf", "_floatunsisf", "_sqrtf", "_recipsf2", "_rsqrtsf2", "_floatdisf", "_floatundisf", "_negdf2", "_addsubdf3", "_muldf3", "_divdf3", "_cmpdf2", "_fixdfsi", "_fixdfdi", "_fixunsdfsi", "_fixunsdfdi", "_floatsidf", "_floatunsidf", "_floatdidf", "_floatundidf", "_truncdfsf2", "_extendsfdf2", "_sqrt", "_recipdf2", "_rsqrtdf2"]
# libgcc2.c routines the lx106 libgcc may lack (64-bit multiply/divide)
LIBGCC2_FUNCS = ["_muldi3", "_divdi3", "_moddi3", "_udivdi3", "_umoddi3"]
# what libgcc2.c reads from a GCC build's headers, for a 32-bit target without a C library
LIBGCC2_HEADERS = {
    "tconfig.h": "", "coretypes.h": "", "libgcc_tm.h": "",
    "tm.h": "#define MIN_UNITS_PER_WORD 4\n#define UNITS_PER_WORD 4\n#define BITS_PER_UNIT 8\n",
    "tsystem.h": "#include <stddef.h>\n#include <limits.h>\n#define inhibit_libc\n",
}


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)
    if r.returncode:
        raise RuntimeError(f"{' '.join(map(str, cmd))}\n{r.stdout}{r.stderr}")
    return r


def _defined(nm: str, path: Path | str) -> set[str]:
    out = _run([nm, "--defined-only", "-g", str(path)]).stdout
    return {ln.split()[-1] for ln in out.splitlines() if len(ln.split()) == 3}


def lx106_libgcc() -> list[str]:
    """Assemble/compile the libgcc routines lx106's libgcc lacks (the ESP8266 ROM's: soft-float
    add/sub/mul, conversions, 32-bit division, ...) from Debian's gcc-12-source, into
    build/xtensa/lx106-libgcc/libgcc-rom.a. Only routines none of whose symbols the installed
    libgcc defines are built, so nothing is defined twice."""
    out = BUILD / "lx106-libgcc"
    lib = out / "libgcc-rom.a"
    if lib.exists():
        return [str(lib)]
    if not GCC_SOURCE.exists():
        raise RuntimeError(f"{GCC_SOURCE} is missing: apt-get install gcc-12-source")
    src = out / "src"
    src.mkdir(parents=True, exist_ok=True)
    want = ("libgcc/config/xtensa/lib1funcs.S", "libgcc/config/xtensa/ieee754-sf.S",
            "libgcc/config/xtensa/ieee754-df.S", "libgcc/libgcc2.c", "libgcc/libgcc2.h", "include/longlong.h")
    with tarfile.open(GCC_SOURCE) as tar:
        for m in tar:
            if m.isfile() and m.name.split("/", 1)[-1] in want:
                m.name = Path(m.name).name
                tar.extract(m, src)
    (src / "xtensa-config.h").write_text("/* lx106 (generated by tests/xtensa/xtensa_exec.py) */\n"
                                         + "".join(f"#define {k} {v}\n" for k, v in LX106_CONFIG.items()))
    for name, text in LIBGCC2_HEADERS.items():
        (src / name).write_text(text)
    have = _defined("xtensa-lx106-elf-nm", _run(["xtensa-lx106-elf-gcc", "-print-libgcc-file-name"]).stdout.strip())
    cc = ["xtensa-lx106-elf-gcc", "-O2", "-mlongcalls", f"-I{src}"]
    objs = []
    jobs = [(f, src / "lib1funcs.S", []) for f in LIB1ASMFUNCS]
    jobs += [(f, src / "libgcc2.c", ["-DIN_LIBGCC2"]) for f in LIBGCC2_FUNCS]
    for func, path, extra in jobs:
        obj = out / f"{func}.o"
        _run(cc + extra + [f"-DL{func}", "-c", str(path), "-o", str(obj)])
        syms = _defined("xtensa-lx106-elf-nm", obj)
        if syms and not syms & have:
            objs.append(str(obj))
        elif syms - have and syms & have:
            raise RuntimeError(f"lx106 libgcc defines only part of {func}: {sorted(syms & have)}")
    _run(["xtensa-lx106-elf-ar", "rcs", str(lib)] + objs)
    return [str(lib)]


NEWLIB_SOURCE = Path("/usr/src/newlib/newlib-3.3.0.tar.xz")  # Debian's newlib-source
# expf and logf as glibc (2.27 and later) computes them: Arm's optimized-routines code, which
# newlib carries too (libm/common, built when __OBSOLETE_MATH is 0); the C libraries of these
# toolchains are built with their older float-only versions, whose last bits differ
NEWLIB_MATH = ["sf_exp.c", "sf_log.c", "sf_exp2_data.c", "sf_log_data.c", "math_errf.c"]
FDLIBM_SHIM = """/* generated by tests/xtensa/xtensa_exec.py: newlib's fdlibm.h, as far as these files need it */
#include <math.h>
#include <stdint.h>
#undef __OBSOLETE_MATH
#define __OBSOLETE_MATH 0
"""


def glibc_libm(core: Core) -> list[str]:
    """build/xtensa/<core>-libm/libm-glibc.a: expf and logf from Debian's newlib-source with
    __OBSOLETE_MATH 0, the algorithm of the host's glibc (and so of tflite-micro's std::exp/log)."""
    out = BUILD / f"{core.name}-libm"
    lib = out / "libm-glibc.a"
    if lib.exists():
        return [str(lib)]
    if not NEWLIB_SOURCE.exists():
        raise RuntimeError(f"{NEWLIB_SOURCE} is missing: apt-get install newlib-source")
    src = out / "src"
    src.mkdir(parents=True, exist_ok=True)
    with tarfile.open(NEWLIB_SOURCE) as tar:
        for m in tar:
            if m.isfile() and "/newlib/libm/common/" in m.name and Path(m.name).name in NEWLIB_MATH + ["math_config.h"]:
                m.name = Path(m.name).name
                tar.extract(m, src)
    (src / "fdlibm.h").write_text(FDLIBM_SHIM)
    objs = []
    for f in NEWLIB_MATH:
        obj = out / (Path(f).stem + ".o")
        _run([core.cross + "gcc"] + core.cflags + COPT + ["-ffp-contract=off", "-fno-builtin", f"-I{src}",
                                                          "-c", str(src / f), "-o", str(obj)])
        objs.append(str(obj))
    _run([core.cross + "ar", "rcs", str(lib)] + objs)
    return [str(lib)]


def _which(tool: str) -> str | None:
    return None if shutil.which(tool) else f"{tool} is not installed"


def _lx106_available() -> str | None:
    missing = [p for p, tool in (("gcc-xtensa-lx106", "xtensa-lx106-elf-gcc"), ("qemu-system-misc", "qemu-system-xtensa"))
               if not shutil.which(tool)]
    missing += [p for p, f in (("picolibc-xtensa-lx106-elf", LX106_SYSROOT / "lib" / "libc.a"),
                               ("gcc-12-source", GCC_SOURCE), ("newlib-source", NEWLIB_SOURCE)) if not Path(f).exists()]
    return f"apt-get install {' '.join(missing)}" if missing else None


# ---- esp32, esp32s3: the ESP32's LX6 / ESP32-S3's LX7 configurations imported into QEMU ---------
QEMU_ESP = DEPS / "qemu-xtensa-esp"
# the ESP32 family's internal SRAM is 520 KiB (ESP32) / 512 KiB (ESP32-S3): the data region used
DATA_BYTES = 512 << 10
CODE_BYTES = 4 << 20


def esp_toolchain(core: str) -> Path | None:
    """The xtensa-<core>-elf toolchain's bin folder: $XTENSA_<CORE>_BIN, else make deps-esp32's
    (found by its compiler under $TINYML_DEPS)."""
    tool = f"xtensa-{core}-elf-gcc"
    env = os.environ.get(f"XTENSA_{core.upper()}_BIN")
    if env:
        return Path(env) if (Path(env) / tool).exists() else None
    for pattern in (f"*/bin/{tool}", f"*/*/bin/{tool}"):
        for c in sorted(DEPS.glob(pattern)):
            return c.parent
    return None


def esp_core_isa(core: str) -> dict[str, int]:
    """XCHAL_* numbers of a core imported by firmware/deps-qemu-xtensa.sh."""
    path = QEMU_ESP / "cores" / core / "core-isa.h"
    vals: dict[str, int] = {}
    for m in re.finditer(r"^#define\s+(XCHAL_\w+)\s+(0x[0-9a-fA-F]+|\d+)\b", path.read_text(), re.MULTILINE):
        vals[m.group(1)] = int(m.group(2), 0)
    return vals


def esp_clock_hz() -> int:
    m = re.search(r"clock (\d+)", (QEMU_ESP / ".stamp").read_text()) if (QEMU_ESP / ".stamp").exists() else None
    return int(m.group(1)) * 1000 if m else 1_000_000_000


def _esp_available(core: str) -> str | None:
    bin_dir = esp_toolchain(core)
    if bin_dir is None:
        return f"no xtensa-{core}-elf toolchain under {DEPS} (run 'make deps-esp32', or set XTENSA_{core.upper()}_BIN)"
    for query, what in (("-print-file-name=libc.a", "C library"), ("-print-libgcc-file-name", "libgcc")):
        r = subprocess.run([str(bin_dir / f"xtensa-{core}-elf-gcc"), query], capture_output=True, text=True, check=False)
        if r.returncode or not Path(r.stdout.strip()).is_absolute():
            return f"the xtensa-{core}-elf toolchain in {bin_dir} has no {what} yet (make deps-esp32 not finished)"
    if not (QEMU_ESP / "bin" / "qemu-system-xtensa").exists() or not (QEMU_ESP / "cores" / core / "core-isa.h").exists():
        return f"no QEMU with the {core} core in {QEMU_ESP} (run 'make deps-esp32': firmware/deps-qemu-xtensa.sh)"
    return None


def esp_core(core: str) -> Core:
    why = _esp_available(core)
    if why:
        return Core(core, "", "", core, 1, (0, 0), (0, 0), (0, 0, 0), available=lambda: why)
    isa = esp_core_isa(core)
    return Core(
        core, str(esp_toolchain(core) / f"xtensa-{core}-elf-"), str(QEMU_ESP / "bin" / "qemu-system-xtensa"), core,
        esp_clock_hz(),
        code=(isa["XCHAL_INSTRAM0_VADDR"], min(isa["XCHAL_INSTRAM0_SIZE"], CODE_BYTES)),
        data=(isa["XCHAL_DATARAM0_VADDR"], min(isa["XCHAL_DATARAM0_SIZE"], DATA_BYTES)),
        vecofs=(isa["XCHAL_KERNEL_VECOFS"], isa["XCHAL_USER_VECOFS"], isa["XCHAL_DOUBLEEXC_VECOFS"]),
        cflags=["-mlongcalls"], asflags=["-DXT_CPENABLE=0xff"] if isa.get("XCHAL_HAVE_CP") else [],
        available=lambda: None, prepare=lambda: glibc_libm(esp_core(core)))


CORES: dict[str, Callable[[], Core]] = {
    "lx106": lambda: Core(
        "lx106", "xtensa-lx106-elf-", "qemu-system-xtensa", "lx106", 40_000_000,
        # QEMU's lx106: instram0/1 + instrom at 0x40000000 (3 MiB), datarom + dataram1/0 at 0x3FF40000 (768 KiB)
        code=(0x40000000, 3 << 20), data=(0x3FF40000, 768 << 10), vecofs=(0x30, 0x50, 0x70),
        cflags=["-mlongcalls", "-isystem", str(LX106_SYSROOT / "include")],
        ldflags=[f"-L{LX106_SYSROOT / 'lib'}"],
        available=_lx106_available, prepare=lambda: lx106_libgcc() + glibc_libm(CORES["lx106"]())),
    "esp32": lambda: esp_core("esp32"),
    "esp32s3": lambda: esp_core("esp32s3"),
}

LINKER_SCRIPT = """/* generated by tests/xtensa/xtensa_exec.py for the {core} core */
ENTRY(_start)
MEMORY {{
  code (rwx) : ORIGIN = {code0:#x}, LENGTH = {code1:#x}
  data (rw)  : ORIGIN = {data0:#x}, LENGTH = {data1:#x}
}}
SECTIONS {{
  .xt_vectors : {{ KEEP(*(.xt_vectors)) }} > code
  /* code, each function's literals just before it (L32R reaches back); the whole text stays
     within the 512 KiB reach of CALL0 (picolibc's libm is not built with -mlongcalls) */
  .text : ALIGN(4) {{ *(.literal .text .literal.* .text.* .gnu.linkonce.t.*) }} > code
  .rodata : ALIGN(16) {{ *(.rodata .rodata.* .gnu.linkonce.r.* .srodata*) }} > code
  .data : ALIGN(16) {{ *(.data .data.* .sdata .sdata.* .gnu.linkonce.d.*) }} > data
  .bss (NOLOAD) : ALIGN(16) {{ _xt_bss_start = .; *(.bss .bss.* .sbss .sbss.* COMMON) . = ALIGN(4); _xt_bss_end = .; }} > data
  _xt_fault_stack_top = ORIGIN(data) + LENGTH(data);
  _xt_stack_top = _xt_fault_stack_top - 2048;
  _xt_stack_bottom = _xt_bss_end;
  ASSERT(_xt_stack_top - _xt_bss_end >= 32768, "less than 32 KiB of stack")
  /DISCARD/ : {{ *(.comment) *(.xt.prop*) *(.xt.lit*) *(.xtensa.info) }}
}}
"""


# ---- inputs, data and build ------------------------------------------------------------------
# one round of the per-op bundle: what fits the code region beside the program and the shared models
OPS_ROUND_BYTES = 1536 * 1024
# the harness's arena (xt_main.c XT_ARENA_BYTES): records needing more are left out, and said so
XT_ARENA_BYTES = 320 * 1024


def ops_rounds() -> tuple[list[Path], Any]:
    """The per-op bundle (tests/firmware/device_ops.py: every host case, tflite-micro's outputs) in rounds of
    at most OPS_ROUND_BYTES (files rebuilt when the records change), and the plan (what is left out, why)."""
    import device_ops

    records = device_ops.bundle()
    plan = device_ops.plan_rounds(records, OPS_ROUND_BYTES, XT_ARENA_BYTES, io_in_heap=False)
    paths = []
    for rnd in plan.rounds:
        data = device_ops.round_bytes(rnd)
        path = BUILD / f"ops-{hashlib.sha256(data).hexdigest()[:16]}.bin"  # a new file when the round changes
        if not path.exists():
            BUILD.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        paths.append(path)
    return paths, plan


def seeded_inputs(name: str, model: bytes, cases: int) -> list[list[np.ndarray]]:
    """`cases` input sets for a model: integers uniform over the type's range, floats N(0, 1),
    seeded by the model's name (the same on every run)."""
    from tinyml_tools import core

    m = core.Model(model)
    try:
        info = [(np.dtype(t.dtype), tuple(t.shape)) for t in m.inputs]
    finally:
        m.close()
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    sets = []
    for _ in range(cases):
        xs = []
        for dt, shape in info:
            if dt.kind == "f":
                xs.append(rng.standard_normal(shape).astype(dt))
            else:
                lim = np.iinfo(dt)
                xs.append(rng.integers(lim.min, lim.max + 1, shape, dtype=dt))
        sets.append(xs)
    return sets


def write_data(out: Path, ops: Path | None, models: list[tuple[str, Path, list[list[np.ndarray]]]]) -> Path:
    """data.S: the bundle and the models with their input sets, embedded with .incbin."""
    lines = ["/* generated by tests/xtensa/xtensa_exec.py */"]
    lines += ['.section .rodata.xt_ops,"a"', ".balign 16", ".global xt_ops", "xt_ops:"]
    if ops is not None:
        lines.append(f'.incbin "{ops}"')
    lines += ["xt_ops_end:", ".balign 4", ".global xt_ops_size", "xt_ops_size: .word xt_ops_end - xt_ops"]
    for i, (name, path, sets) in enumerate(models):
        inputs = out / f"in{i}.bin"
        inputs.write_bytes(b"".join(np.ascontiguousarray(x).tobytes() for xs in sets for x in xs))
        lines += [f'.section .rodata.xt_m{i},"a"', ".balign 16", f'm{i}: .incbin "{path}"', f"m{i}_end:",
                  ".balign 16", f'i{i}: .incbin "{inputs}"', f"i{i}_end:", f'n{i}: .asciz "{name}"']
    lines += ['.section .rodata.xt_models,"a"', ".balign 4", ".global xt_models", "xt_models:"]
    lines += [f".word n{i}, m{i}, m{i}_end - m{i}, i{i}, i{i}_end - i{i}, {len(m[2])}" for i, m in enumerate(models)]
    lines += [".global xt_num_models", f"xt_num_models: .word {len(models)}", ""]
    path = out / "data.S"
    text = "\n".join(lines)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def _stale(obj: Path, deps: list[Path]) -> bool:
    if not obj.exists():
        return True
    t = obj.stat().st_mtime
    return any(d.stat().st_mtime > t for d in deps)


def build(core: Core, backend: Backend, data_s: Path, jobs: int = 2) -> Path:
    """Compile the core + backend + harness for `core` (objects reused while their sources and
    headers are unchanged) and link xt.elf with data_s."""
    out = BUILD / f"{core.name}-{backend.name}"
    obj_dir = out / "obj"
    obj_dir.mkdir(parents=True, exist_ok=True)
    gcc = core.cross + "gcc"
    headers = sorted(TML.glob("core/*.h")) + sorted(TML.glob("kernels/*.h")) + sorted(TML.glob("kernels/*/*.h"))
    base = [gcc] + core.cflags + COPT + COMMON + backend.cflags() + [f"-I{TML}", f"-I{TML / 'core'}"]
    harness = [HERE / "xt_main.c", HERE / "xt_rt.c", HERE / "xt_vectors.S"]
    vec = [f"-DXT_KERNEL_VECOFS={core.vecofs[0]:#x}", f"-DXT_USER_VECOFS={core.vecofs[1]:#x}",
           f"-DXT_DOUBLE_VECOFS={core.vecofs[2]:#x}"]

    def compile_one(src: Path) -> Path:
        vendor = backend.vendor(src)
        obj = obj_dir / f"{src.parent.name}_{src.stem}.o"
        deps = [src] + ([] if vendor else headers + [HERE / "xt_rt.h"])
        if _stale(obj, deps):
            flags = VENDOR_CFLAGS if vendor else OUR_CFLAGS
            if src.suffix == ".S":
                flags = vec + core.asflags + ["-Wa,--text-section-literals"]
            _run(base + flags + ["-c", str(src), "-o", str(obj)])
        return obj

    srcs = _core_sources() + backend.sources() + harness
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        objs = list(pool.map(compile_one, srcs))
    data_o = out / "data.o"
    _run([gcc] + core.cflags + ["-c", str(data_s), "-o", str(data_o)])
    ld = out / "xt.ld"
    ld.write_text(LINKER_SCRIPT.format(core=core.name, code0=core.code[0], code1=core.code[1],
                                       data0=core.data[0], data1=core.data[1]))
    elf = out / "xt.elf"
    extra = core.prepare()
    _run([gcc] + core.cflags + ["-nostartfiles", "-nostdlib", "-Wl,--gc-sections", "-T", str(ld)] + core.ldflags
         + [str(o) for o in objs] + [str(data_o)] + ["-Wl,--start-group"] + extra + core.libs + ["-Wl,--end-group"]
         + ["-o", str(elf)])
    return elf


def run_qemu(core: Core, elf: Path, timeout: float = 900) -> tuple[list[dict], str]:
    """Boot the ELF once; returns its JSON lines and the raw output. The sim machine's reset puts
    the PC on the core's reset vector, where these cores have no memory: the generic loader device
    sets it to the ELF's entry after the reset."""
    entry = int.from_bytes(elf.read_bytes()[24:28], "little")  # ELF32 e_entry
    cmd = [core.qemu, "-M", "sim", "-cpu", core.cpu, "-nographic", "-monitor", "none", "-semihosting",
           "-icount", "shift=0", "-kernel", str(elf), "-device", f"loader,addr={entry:#x},cpu-num=0"]
    r = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    text = r.stdout.decode(errors="replace")
    lines = []
    for ln in text.splitlines():
        ln = ln.strip()
        if ln.startswith("{"):
            try:
                lines.append(json.loads(ln))
            except json.JSONDecodeError:
                lines.append({"garbled": ln[:200]})
    if r.returncode:
        lines.append({"exit": r.returncode, "stderr": r.stderr.decode(errors="replace")[-2000:]})
    return lines, text


@dataclass
class Result:
    core: str
    backend: str
    ops: int = 0
    models: dict[str, dict] = field(default_factory=dict)  # name -> {"instructions": [...], "arena": n}
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    build_seconds: float = 0.0
    ops_skipped: list[tuple[str, str]] = field(default_factory=list)  # per-op cases not run: (name, why)


def _same(got: bytes, want: bytes, dtype: np.dtype, libm: bool) -> bool:
    """Output bytes equal (float32: a NaN equals any NaN; with `libm`, the libm operators' tolerance)."""
    import device_ops

    if dtype != np.float32:
        return got == want
    if device_ops.float32_equal(got, want):
        return True
    if not libm or len(got) != len(want):
        return False
    g, w = np.frombuffer(got, np.float32), np.frombuffer(want, np.float32)
    top = float(np.max(np.abs(w[~np.isnan(w)]), initial=1e-30))
    return bool(np.all((np.isnan(g) & np.isnan(w)) | (np.abs(g - w) <= device_ops.LIBM_RTOL * top)))


def check_round(res: Result, records: list[Any], lines: list[dict], hb: str, where: str) -> None:
    """The per-op outputs of one boot against each record's tflite-micro outputs and the host core's."""
    import device_ops
    from tinyml_tools import core as host

    got = [ln for ln in lines if "op" in ln]
    done = [ln for ln in lines if "ops_done" in ln]
    if not done or done[0]["ops_done"] != len(records) or len(got) != len(records):
        res.failures.append(f"{where}: per-op bundle: {len(got)} of {len(records)} records ran "
                            f"({[ln for ln in lines if 'ops_error' in ln]})")
    for rec, ln in zip(records, got):
        res.ops += 1
        d = device_ops.decode(rec.blob)
        if ln.get("op") != d.name:
            res.failures.append(f"op {d.name}: out of order ({ln.get('op')})")
            continue
        if "error" in ln:
            res.failures.append(f"op {d.name}: {ln['error']}")
            continue
        outs = [bytes.fromhex(h) for h in ln["out"]]
        m = host.Model(d.model, backend=hb)
        try:
            dtypes = [np.dtype(t.dtype) for t in m.outputs]
            xs = [np.frombuffer(b, np.dtype(t.dtype)).reshape(t.shape) for b, t in zip(d.inputs, m.inputs)]
            ys = [np.ascontiguousarray(y).tobytes() for y in m.invoke(*xs)]
        finally:
            m.close()
        libm = bool(d.flags & device_ops.FLAG_LIBM)
        if len(outs) != len(d.outputs) or not all(
                hashlib.sha256(o).digest() == want if kind == device_ops.KIND_DIGEST else _same(o, want, dt, libm)
                for o, (kind, want), dt in zip(outs, d.outputs, dtypes)):
            res.failures.append(f"op {d.name}: differs from tflite-micro")
        if len(ys) != len(outs) or not all(_same(o, y, dt, libm) for o, y, dt in zip(outs, ys, dtypes)):
            res.failures.append(f"op {d.name}: differs from the host core ({hb})")


def instructions(core: Core, ticks: int) -> int:
    return ticks * 1_000_000_000 // core.clock_hz


def run(core_name: str, backend_name: str, models: list[Path] | None = None, cases: int = 3,
        ops: bool = True, jobs: int = 2) -> Result:
    """Build, boot once, compare every output; the Result lists the failures."""
    from tinyml_tools import core as host

    core = CORES[core_name]()
    backend = BACKENDS[backend_name]
    res = Result(core_name, backend_name)
    t0 = time.monotonic()
    models = sorted(SHARED_MODELS.glob("*.tflite")) if models is None else models
    out = BUILD / f"{core.name}-{backend.name}"
    out.mkdir(parents=True, exist_ok=True)
    res.build_seconds = time.monotonic() - t0
    rounds, plan = ops_rounds() if ops else ([], None)
    sets = {p.stem: seeded_inputs(p.stem, p.read_bytes(), cases) for p in models}
    hb = backend.host()
    lines: list[dict] = []
    # one boot per round of the per-op bundle, the shared models in the first (or alone without rounds)
    for k in range(max(1, len(rounds))):
        t_build = time.monotonic()
        data_s = write_data(out, rounds[k] if rounds else None,
                            [(p.stem, p, sets[p.stem]) for p in models] if k == 0 else [])
        elf = build(core, backend, data_s, jobs)
        res.build_seconds += time.monotonic() - t_build
        t1 = time.monotonic()
        got, raw = run_qemu(core, elf)
        res.seconds += time.monotonic() - t1
        where = f"boot {k + 1} of {max(1, len(rounds))}"
        if not got or got[-1].get("done") != 1:
            res.failures.append(f"{where}: the program did not finish: last output {got[-3:] if got else raw[-500:]}")
        if got and got[0].get("backend") != hb.replace("_", "-") and backend.name in ("ref", "cmsis-nn"):
            res.failures.append(f"built backend {got[0].get('backend')!r}, expected {backend.name!r}")
        if rounds:
            check_round(res, plan.rounds[k], got, hb, where)
        lines += got
    if plan is not None:
        res.ops_skipped = plan.skipped
    got_models = {ln["model"]: ln for ln in lines if "model" in ln}
    for p in models:
        ln = got_models.get(p.stem)
        if ln is None or "error" in ln:
            res.failures.append(f"model {p.stem}: {ln.get('error') if ln else 'no output'}")
            continue
        m = host.Model(p.read_bytes(), backend=hb)
        try:
            want = [[np.ascontiguousarray(y).tobytes() for y in m.invoke(*xs)] for xs in sets[p.stem]]
        finally:
            m.close()
        got = [[bytes.fromhex(h) for h in c["out"]] for c in ln["cases"]]
        if got != want:
            bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
            res.failures.append(f"model {p.stem}: cases {bad or 'count'} differ from the host core ({hb})")
        res.models[p.stem] = {"instructions": [instructions(core, c["ticks"]) for c in ln["cases"]],
                              "arena": ln["arena"], "persistent": ln["persistent"]}
    faults = [ln for ln in lines if "fault" in ln or "exit" in ln]
    res.failures += [f"fault or exit: {f}" for f in faults]
    return res


def table(results: list[Result]) -> str:
    """Markdown: instructions of one inference (first seeded input) per model, per core/backend."""
    names = sorted({n for r in results for n in r.models})
    head = "| model | " + " | ".join(f"{r.core} {r.backend}" for r in results) + " |"
    rows = [head, "|" + "---|" * (len(results) + 1)]
    for n in names:
        cells = []
        for r in results:
            ins = r.models.get(n, {}).get("instructions")
            cells.append(f"{ins[0]:,}" if ins else "-")
        rows.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--core", action="append", choices=sorted(CORES), help="default: lx106")
    ap.add_argument("--backend", action="append", choices=sorted(BACKENDS), help="default: ref and cmsis-nn")
    ap.add_argument("--models", nargs="*", type=Path, help="default: ../shared/models/*.tflite")
    ap.add_argument("--cases", type=int, default=3, help="seeded input sets per model")
    ap.add_argument("--no-ops", action="store_true", help="leave out the per-op bundle")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)
    results, failed = [], 0
    for c in args.core or ["lx106"]:
        why = CORES[c]().available()
        if why:
            print(f"{c}: not available: {why}")
            failed += 1
            continue
        for b in args.backend or ["ref", "cmsis-nn"]:
            why = BACKENDS[b].available()
            if why:
                print(f"{c} {b}: not available: {why}")
                continue
            r = run(c, b, args.models, args.cases, not args.no_ops)
            results.append(r)
            print(f"{c} {b}: {r.ops} per-op cases, {len(r.models)} models, build {r.build_seconds:.0f} s, "
                  f"run {r.seconds:.0f} s: {'OK' if not r.failures else f'{len(r.failures)} FAILURES'}")
            for f in r.failures[:40]:
                print("  " + f)
            failed += bool(r.failures)
    if results:
        print()
        print(table(results))
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

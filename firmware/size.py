"""Flash taken by the tinyml module per board, and by each optional operator group (`make size`).

    python firmware/size.py --board MPS2_AN500 [--board ...] [--groups int16,float] [--json]

Per board, from its firmware build (build/firmware/<BOARD>/, what `make firmware BOARD=...` leaves):
  firmware     flash bytes of the image (text + data of arm-none-eabi-size)
  tinyml       bytes the module's objects keep in the image: modtinyml, the C core, the kernels and
               CMSIS-NN, and the over-the-air update verifier with Monocypher (their .text/.rodata/.data
               input sections in the linker map, after --gc-sections); the frozen `tinyml` Python package
               and the module's qstrs are not counted
  own kernels  the share of the kernels of our own per core family (kernels/dsp: Cortex-M4, M7, M33;
               kernels/armv6m: the RP2040's Cortex-M0+), which run CONV_2D and DEPTHWISE_CONV_2D in fewer
               instructions than CMSIS-NN (README, "DSP kernels", "ARMv6-M kernels"): what being faster costs
               in flash (0 where the core has none, or TINYML_KERNELS_DSP=0 leaves them out)
  ota          (a line under the table) the share of the over-the-air update objects: the bundle verifier
               (ota/), its binding (modtinyml_ota) and Monocypher; TINYML_OTA=0 leaves them out
  without      firmware - tinyml (an estimate); with a TINYML_BACKEND=none image
               (firmware/images/<BOARD>-none/) its measured size is shown as well
  <group>      what leaving the operator group out (TINYML_OPS_EXCLUDE=<group>) saves: the two core files
               that select operators by group (core/tml_ops.c: the registry, core/tml_ops_conv.c) are
               compiled again with -DTML_OPS_<GROUP>=0 into a temporary folder and the image is linked
               again with the board's own commands (from a dry run of its build); the linker's
               --gc-sections drops what only that group's operators used
  core only    the module with every optional group left out
Groups overlap (an operator may need two), so their savings do not add up to the module's size exactly.
A board without a build is listed as such (build it with `make firmware BOARD=...`).
ESP32 boards (ESP-IDF builds, build/firmware/<BOARD>/micropython.elf and .map): firmware is text + data
of xtensa-<chip>-elf-size (what the app image holds: flash code and rodata, IRAM code, DRAM data);
tinyml counts Xtensa's .literal sections (L32R constants) too; the operator groups are not measured
there (size.py relinks make and CMake-Makefile builds, not ESP-IDF's ninja build).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "firmware"
IMAGES = ROOT / "firmware" / "images"
GROUPS = ("int16", "float", "math", "data", "rnn", "signal", "int4")
GROUP_FILES = ("core/tml_ops.c", "core/tml_ops_conv.c", "core/tml_ops_fc.c")  # the only files that test TML_OPS_<GROUP>
MODULE_OBJ = re.compile(r"(usermod/tinyml/|/tinyml/(core|kernels|port|ota)/|/tinyml/modtinyml(_ota)?\.|CMSIS-NN"
                        r"|Monocypher)")
OWN_KERNELS_OBJ = re.compile(r"/tinyml/kernels/(dsp|armv6m)/")
OTA_OBJ = re.compile(r"(/tinyml/ota/|/tinyml/modtinyml_ota\.|Monocypher)")
FLASH_SECTIONS = (".text", ".rodata", ".data", ".literal")  # .literal: Xtensa's L32R constants
ESP32_BOARDS = {"ESP32_GENERIC": "esp32", "ESP32_GENERIC_S3": "esp32s3"}


class SizeError(RuntimeError):
    pass


def arm_size(elf: Path, tool: str = "arm-none-eabi-size") -> int:
    """Flash bytes of an image: text + data (arm-none-eabi-size or another binutils size, Berkeley format)."""
    out = subprocess.run([tool, str(elf)], capture_output=True, text=True, check=True).stdout
    text, data = map(int, out.splitlines()[1].split()[:2])
    return text + data


def xtensa_tool(chip: str, name: str) -> str:
    """xtensa-<chip>-elf-<name>: the one `make deps-esp32` built, else the one on PATH."""
    deps = Path(os.environ.get("TINYML_DEPS", Path.home() / ".cache" / "tinyml"))
    cached = deps / f"xtensa-{chip}-elf" / "bin" / f"xtensa-{chip}-elf-{name}"
    return str(cached) if cached.exists() else f"xtensa-{chip}-elf-{name}"


def map_sizes(map_file: Path) -> dict[str, int]:
    """Object file -> bytes of its .text/.rodata/.data input sections placed in the image (GNU ld map)."""
    lines = map_file.read_text(errors="replace").splitlines()
    try:
        start = lines.index("Linker script and memory map")
    except ValueError as e:
        raise SizeError(f"{map_file}: not a GNU ld map file") from e
    sizes: dict[str, int] = {}
    entry = re.compile(r"^ (\.\S+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*)$")
    pending = ""
    for line in lines[start:]:
        if pending:
            line, pending = pending + line, ""
        if re.fullmatch(r" \.\S+", line):  # a long section name: its address, size and object follow
            pending = line
            continue
        m = entry.match(line)
        if m and m.group(1).startswith(FLASH_SECTIONS) and int(m.group(2), 16) != 0:
            obj = m.group(4).strip()
            sizes[obj] = sizes.get(obj, 0) + int(m.group(3), 16)
    return sizes


def module_bytes(sizes: dict[str, int], pattern: re.Pattern[str] = MODULE_OBJ) -> int:
    return sum(n for obj, n in sizes.items() if pattern.search(obj))


# ---- the board's own compile and link commands --------------------------------------

class Commands:
    """How to compile the group files and link the image again: the compile command of each group
    file (with its object path) and the link command, run in `cwd`."""

    def __init__(self, cwd: Path, compiles: dict[str, tuple[str, str]], link: str, elf: str,
                 map_path: str | None) -> None:
        self.cwd, self.compiles, self.link, self.elf, self.map_path = cwd, compiles, link, elf, map_path

    def variant(self, exclude: list[str], tmp: Path) -> int:
        """Flash bytes of the image linked with the group files compiled without `exclude`."""
        link = self.link
        defs = " ".join(f"-DTML_OPS_{g.upper()}=0" for g in exclude)
        for i, (rel, (cmd, obj)) in enumerate(sorted(self.compiles.items())):
            new_obj = str(tmp / f"g{i}_{Path(obj).name}")
            cmd = cmd.replace(obj, new_obj)
            cmd = re.sub(r"-MF\s+\S+", f"-MF {tmp / f'g{i}.d'}", cmd)
            _sh(f"{cmd} {defs}", self.cwd, f"compiling {rel} without {', '.join(exclude)}")
            if obj not in link:
                raise SizeError(f"the link command does not name {obj}")
            link = link.replace(obj, new_obj)
        elf = tmp / "variant.elf"
        if self.map_path:
            link = link.replace(f"-Wl,-Map={self.map_path}", f"-Wl,-Map={tmp / 'variant.map'}")
        link = re.sub(rf"(-o\s+){re.escape(self.elf)}(?=\s|$)", lambda m: m.group(1) + str(elf), link)
        _sh(link, self.cwd, f"linking without {', '.join(exclude)}")
        return arm_size(elf)


def _sh(cmd: str, cwd: Path, what: str) -> None:
    r = subprocess.run(["bash", "-c", cmd], cwd=cwd, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise SizeError(f"{what} failed:\n{(r.stdout + r.stderr)[-2000:]}")


def make_commands(board: str, make_args: list[str]) -> Commands:
    """A make-based port (qemu, stm32): a dry run (make -n) of the build with the group files marked
    as changed (-W) prints their compile commands and the link command."""
    args = list(make_args)
    port_dir = Path(args[args.index("-C") + 1])
    build = BUILD / board
    srcs = [str(ROOT / "usermod" / "tinyml" / f) for f in GROUP_FILES]
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    cmd = ["make", "-n", *[a for s in srcs for a in ("-W", s)], *args]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, timeout=300)
    if r.returncode != 0:
        raise SizeError(f"{board}: dry run failed: {(r.stdout + r.stderr)[-1500:]}")
    compiles: dict[str, tuple[str, str]] = {}
    link = ""
    elf = str(build / "firmware.elf")
    for line in r.stdout.splitlines():
        line = line.split(" || ")[0]  # the ports add "|| (echo <troubleshooting hint>; false)"
        for rel, src in zip(GROUP_FILES, srcs):
            if " -c " in line and line.rstrip().endswith(src):
                m = re.search(r"-o\s+(\S+\.o)\b", line)
                if m:
                    compiles[rel] = (line.strip(), m.group(1))
        if re.search(rf"-o\s+{re.escape(elf)}(\s|$)", line) and "-Wl," in line:
            link = line.strip()
    if len(compiles) != len(GROUP_FILES) or not link:
        raise SizeError(f"{board}: the dry run shows no compile/link commands for {', '.join(GROUP_FILES)}")
    m = re.search(r"-Wl,-Map=(\S+)", link)
    return Commands(port_dir, compiles, link, elf, m.group(1) if m else None)


def cmake_commands(board: str) -> Commands:
    """A CMake port (rp2): the Makefile generator's flags.make and link.txt of the firmware target."""
    build = BUILD / board
    tdir = build / "CMakeFiles" / "firmware.dir"
    flags_file, link_file = tdir / "flags.make", tdir / "link.txt"
    if not flags_file.exists() or not link_file.exists():
        raise SizeError(f"{board}: no CMake build in {build}")
    flags = {}
    for line in flags_file.read_text().splitlines():
        m = re.match(r"(C_DEFINES|C_INCLUDES|C_FLAGS) = (.*)", line)
        if m:
            flags[m.group(1)] = m.group(2)
    rules = (tdir / "build.make").read_text().splitlines()
    compiles = {}
    for rel in GROUP_FILES:
        src = ROOT / "usermod" / "tinyml" / rel
        obj_rel = os.path.relpath(tdir / (str(src).lstrip("/") + ".o"), build)
        # the object's rule: its compile command (with the per-source options) follows the dependencies
        cmd = next((ln.strip() for ln in rules if f" -o {obj_rel} -c " in ln), None)
        if cmd is None:
            raise SizeError(f"{board}: no compile rule for {obj_rel} in {tdir / 'build.make'}")
        for var in ("C_DEFINES", "C_INCLUDES", "C_FLAGS"):
            cmd = cmd.replace(f"$({var})", flags.get(var, ""))
        obj = str(build / obj_rel)
        compiles[rel] = (cmd.replace(f" {obj_rel} ", f" {obj} ").replace(f"-MF {obj_rel}.d", f"-MF {obj}.d"), obj)
    link = " ".join(link_file.read_text().split())
    # link.txt names objects relative to the build folder: make them absolute to replace them
    for rel, (cmd, obj) in compiles.items():
        rel_obj = os.path.relpath(obj, build)
        link = link.replace(f'"{rel_obj}"', obj).replace(f" {rel_obj} ", f" {obj} ")
    elf_rel = re.search(r"-o\s+(\S+\.elf)", link)
    if elf_rel is None:
        raise SizeError(f"{board}: no output in {link_file}")
    elf = elf_rel.group(1)
    m = re.search(r"-Wl,-Map=(\S+)", link)
    return Commands(build, compiles, link, elf, m.group(1) if m else None)


def measure(board: str, make_args: list[str], groups: list[str]) -> dict:
    build = BUILD / board
    chip = ESP32_BOARDS.get(board)
    elf = build / ("micropython.elf" if chip else "firmware.elf")
    maps = [p for p in (build / "firmware.map", build / "firmware.elf.map", build / "micropython.map") if p.exists()]
    if not elf.exists() or not maps:
        return {"board": board, "error": f"not built (make firmware BOARD={board})"}
    if chip:
        groups = []  # not measured on ESP-IDF builds (see the module docstring)
    size_tool = xtensa_tool(chip, "size") if chip else "arm-none-eabi-size"
    firmware = arm_size(elf, size_tool)
    sizes = map_sizes(maps[0])
    module = module_bytes(sizes)
    row: dict = {"board": board, "firmware": firmware, "tinyml": module, "without": firmware - module,
                 "own_kernels": module_bytes(sizes, OWN_KERNELS_OBJ), "ota": module_bytes(sizes, OTA_OBJ)}
    info_path = ROOT / "boards" / board / "board.json"
    if info_path.exists():
        row["backend"] = json.loads(info_path.read_text()).get("backend")
    none_elf = IMAGES / f"{board}-none" / elf.name
    if none_elf.exists():
        row["without_measured"] = arm_size(none_elf, size_tool)
    if groups:
        cmds = cmake_commands(board) if (build / "CMakeCache.txt").exists() else make_commands(board, make_args)
        with tempfile.TemporaryDirectory(prefix="tml-size-") as tmp:
            full = cmds.variant([], Path(tmp))
            if full != firmware:
                raise SizeError(f"{board}: relinking the unchanged objects gives {full} bytes, the image has "
                                f"{firmware}: the build is not up to date (make firmware BOARD={board})")
            row["groups"] = {g: firmware - cmds.variant([g], Path(tmp)) for g in groups}
            if set(groups) == set(GROUPS):
                row["core_only"] = module - (firmware - cmds.variant(list(GROUPS), Path(tmp)))
    return row


def table(rows: list[dict], groups: list[str]) -> str:
    head = ["board", "backend", "firmware", "without tinyml", "tinyml", "own kernels", *groups]
    if any("core_only" in r for r in rows):
        head.append("core only")
    out = [head]
    errors = [f"{r['board']}: {r['error']}" for r in rows if "error" in r]
    for r in rows:
        if "error" in r:
            continue
        without = f"{r['without']}" + (f" ({r['without_measured']})" if "without_measured" in r else "")
        cells = [r["board"], str(r.get("backend") or ""), str(r["firmware"]), without, str(r["tinyml"]),
                 str(r["own_kernels"])]
        cells += [str(r.get("groups", {}).get(g, "")) for g in groups]
        if "core only" in head:
            cells.append(str(r.get("core_only", "")))
        out.append(cells)
    widths = [max(len(row[i]) for row in out) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
             for row in out]
    lines.insert(1, "  ".join("-" * w for w in widths))
    ota = [f"{r['board']}: over-the-air updates take {r['ota']} bytes of the module" if r.get("ota") else
           f"{r['board']}: built without over-the-air updates (TINYML_OTA=0)" for r in rows if "error" not in r]
    note = ("bytes of flash (text + data). without tinyml: firmware - tinyml (in parentheses: a TINYML_BACKEND=none "
            "image, measured); own kernels: the module's kernels/dsp and kernels/armv6m objects; group columns: what TINYML_OPS_EXCLUDE=<group> saves; core only: the module with "
            "every group left out; ESP32 boards: xtensa-<chip>-elf-size of micropython.elf, groups not measured")
    return "\n".join([*lines, *errors, *ota, note])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python firmware/size.py", description=__doc__.split("\n")[0])
    p.add_argument("--board", action="append", required=True, help="a board (repeatable)")
    p.add_argument("--make-args", action="append", default=[],
                   help="BOARD=ARGS: the port make arguments of a make-based board (firmware.mk FW_PORT_ARGS FW_ARGS)")
    p.add_argument("--groups", default=",".join(GROUPS),
                   help=f"operator groups to measure, comma-separated (default: all of {','.join(GROUPS)}; '' for none)")
    p.add_argument("--failed", action="append", default=[], metavar="BOARD",
                   help="a board whose build failed: listed as such, its old build is not measured")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    groups = [g for g in args.groups.split(",") if g]
    bad = [g for g in groups if g not in GROUPS]
    if bad:
        p.error(f"unknown group(s) {', '.join(bad)} (groups: {', '.join(GROUPS)})")
    make_args = {}
    for spec in args.make_args:
        board, _, rest = spec.partition("=")
        make_args[board] = shlex.split(rest)
    rows = []
    for board in args.board:
        if board in args.failed:
            rows.append({"board": board, "error": f"the build fails (make firmware BOARD={board})"})
            continue
        try:
            rows.append(measure(board, make_args.get(board, []), groups))
        except SizeError as e:
            print(f"size: {e}", file=sys.stderr)
            return 1
    if args.json:
        json.dump(rows, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(table(rows, groups))
    return 0


if __name__ == "__main__":
    sys.exit(main())

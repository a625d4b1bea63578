"""tinyml flash --board NAME [--port P] [IMAGE]: write a firmware image with the board's tool.

The "flash" object of boards/<NAME>/board.json says how:
  esptool   ESP32 boards: chip, baud, offsets (per image file name; a merged
            firmware.bin) and parts (bootloader, partition table, app; used when
            IMAGE is a build folder). Where ESP-IDF's flasher_args.json is beside the
            image (`make firmware` copies it into firmware/images/<NAME>/) or in the
            build folder, the offsets, chip and flash options are the ones it reports
  uf2       RP2040: copy the .uf2 onto the RPI-RP2 drive (volume_label); with --port rp2040[:BOARD],
            write it into the rp2040js emulator's flash image (tinyml_tools.rp2040), as the
            board's UF2 bootloader would (the filesystem in the rest of the flash is kept)
  picotool  RP2040 over USB: picotool load -x
  st-flash  STM32 through an ST-LINK: address (for .bin images)
  openocd   STM32 through any probe: openocd_config
  dfu-util  STM32 in its USB DFU bootloader: address, dfu_id (VID:PID)
`tools` lists the alternatives (--tool); `tool` is the default. IMAGE defaults
to firmware/images/<NAME>/<image> (`make firmware BOARD=<NAME>`).
A board that runs in QEMU (a "qemu" object in its board.json) is flashed with
--port qemu[:NAME]: its ELF image is installed as the firmware `--port qemu:NAME`
boots from then on (tinyml_tools.qemu.install; build/qemu/NAME/firmware.elf).
--dry-run prints the exact commands instead of running them.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from tinyml_tools import boards as boards_mod
from tinyml_tools import rp2040
from tinyml_tools.cliutil import FAILED, OK, USAGE, add_json, error, print_json
from tinyml_tools.device import rp2040_port_board

INSTALL_HINTS = {
    "st-flash": "install stlink-tools (Debian/Ubuntu: apt install stlink-tools)",
    "openocd": "install OpenOCD (Debian/Ubuntu: apt install openocd)",
    "dfu-util": "install dfu-util (Debian/Ubuntu: apt install dfu-util)",
    "picotool": "install picotool (https://github.com/raspberrypi/picotool)",
}
UF2_MOUNT_ROOTS = ("/media", "/run/media", "/mnt", "/Volumes")


class FlashError(Exception):
    pass


@dataclass
class Step:
    """A command to run, or (argv empty) a file copy src -> dest."""

    argv: list[str]
    src: str = ""
    dest: str = ""
    wait_label: str = ""  # copy: the drive appears after the bootloader step (dest is a placeholder)

    def shell(self) -> str:
        return shlex.join(self.argv) if self.argv else shlex.join(["cp", self.src, self.dest])

    def as_dict(self) -> dict[str, Any]:
        return {"argv": self.argv} if self.argv else {"copy": [self.src, self.dest]}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("image", type=Path, nargs="?",
                   help="firmware image or build folder (default: firmware/images/BOARD/<image of board.json>)")
    p.add_argument("--board", "-b", required=True, metavar="NAME", help="board definition (boards/NAME/board.json)")
    p.add_argument("--port", "-p", help="serial port (esptool: the board; RP2040/DFU: a running MicroPython board "
                                         "to reboot into its bootloader first); 'rp2040:' writes the UF2 into the "
                                         "RP2040 emulator's flash image; 'qemu:' installs the image of a QEMU "
                                         "board as its firmware")
    p.add_argument("--tool", help="flashing tool (default: the board's; alternatives in board.json 'tools')")
    p.add_argument("--drive", type=Path, help="UF2: the mounted bootloader drive (default: found by its label)")
    p.add_argument("--erase", action="store_true", help="esptool: erase the whole flash first")
    p.add_argument("--dry-run", "-n", action="store_true", help="print the commands, run nothing")
    add_json(p)


def esptool_write_command() -> str:
    """esptool 5 spells its commands with dashes; older versions with underscores."""
    try:
        major = int(metadata.version("esptool").split(".")[0])
    except (metadata.PackageNotFoundError, ValueError):
        return "write_flash"
    return "write-flash" if major >= 5 else "write_flash"


def flasher_args(image: Path) -> dict[str, Any] | None:
    """ESP-IDF's flasher_args.json of a build folder, or beside an image file: the chip, the flash
    options, the files with their offsets (sorted by offset) and the offset of each file name; the
    merged image (MicroPython's firmware.bin: bootloader, partition table and app in one) starts
    where the bootloader does."""
    path = (image if image.is_dir() else image.parent) / "flasher_args.json"
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text())
        files = sorted(((str(off), str(f)) for off, f in raw["flash_files"].items()), key=lambda e: int(e[0], 16))
        offsets = {Path(f).name: off for off, f in files}
        offsets["firmware.bin"] = str(raw["bootloader"]["offset"])
        return {"path": str(path), "chip": str(raw["extra_esptool_args"]["chip"]),
                "write_flash_args": [str(a) for a in raw["write_flash_args"]], "flash_files": files,
                "offsets": offsets}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise FlashError(f"{path}: not an ESP-IDF flasher_args.json ({e})") from e


def find_uf2_drive(label: str) -> Path | None:
    for root in UF2_MOUNT_ROOTS:
        for pattern in (label, f"*/{label}"):
            for d in sorted(Path(root).glob(pattern)) if Path(root).is_dir() else []:
                if (d / "INFO_UF2.TXT").is_file():
                    return d
    return None


def _bootloader_step(port: str | None) -> list[Step]:
    """Reboot a running MicroPython board into its bootloader (mpremote's `bootloader` command)."""
    return [Step([sys.executable, "-m", "mpremote", "connect", port, "bootloader"])] if port else []


def plan(board: dict[str, Any], image: Path, tool: str, port: str | None, drive: Path | None,
         erase: bool = False) -> list[Step]:
    cfg = board.get("flash") or {}
    suffix = image.suffix.lower()
    if tool == "esptool":
        idf = flasher_args(image)
        if idf is not None and idf["chip"] != str(cfg["chip"]):
            raise FlashError(f"{idf['path']} is a build for {idf['chip']}, the board's chip is {cfg['chip']}")
        argv = [sys.executable, "-m", "esptool", "--chip", str(cfg["chip"])]
        if port:
            argv += ["--port", port]
        argv += ["--baud", str(cfg.get("baud", 460800)), esptool_write_command()]
        if erase:
            argv.append("--erase-all")
        if image.is_dir() and idf is not None:  # what ESP-IDF's own `idf.py flash` writes
            argv += idf["write_flash_args"]
            for offset, part in idf["flash_files"]:
                argv += [offset, str(image / part)]
        elif image.is_dir():
            for part, offset in cfg["parts"].items():
                argv += [str(offset), str(image / part)]
        elif idf is not None and image.name in idf["offsets"]:
            argv += [idf["offsets"][image.name], str(image)]
        else:
            offsets = cfg["offsets"]
            argv += [str(offsets.get(image.name, next(iter(offsets.values())))), str(image)]
        return [Step(argv)]
    if tool == "uf2":
        if suffix != ".uf2":
            raise FlashError(f"a UF2 drive takes a .uf2 image, not {image.name} (or use --tool picotool)")
        emulated = rp2040_port_board(port)
        if emulated is not None:  # the emulator's flash image, programmed by its runner as the bootloader would
            return [Step(rp2040.runner_command(rp2040.default_flash(emulated), image, boot=False))]
        label = str(cfg.get("volume_label", "RPI-RP2"))
        steps = _bootloader_step(port)
        target = drive or (None if port else find_uf2_drive(label))
        if target is None and not port:
            raise FlashError(f"no {label} drive mounted: hold BOOTSEL while plugging the board in, give --drive, "
                             "or give --port of the running board to reboot it into its bootloader (no board: "
                             f"--port rp2040: flashes the emulated {board['name']})")
        if target is None:
            return steps + [Step([], str(image), f"<{label} drive>/{image.name}", wait_label=label)]
        return steps + [Step([], str(image), str(target / image.name))]
    if tool == "picotool":
        argv = ["picotool", "load", "-x", str(image)]
        if suffix == ".bin":
            argv += ["-t", "bin", "-o", str(cfg.get("address", "0x10000000"))]
        return _bootloader_step(port) + [Step(argv)]
    if tool == "st-flash":
        if suffix == ".hex":
            return [Step(["st-flash", "--connect-under-reset", "--format", "ihex", "write", str(image)])]
        if suffix == ".bin":
            return [Step(["st-flash", "--connect-under-reset", "write", str(image), str(cfg["address"])])]
        raise FlashError(f"st-flash writes .hex or .bin images, not {image.name} (or use --tool openocd)")
    if tool == "openocd":
        where = f" {cfg['address']}" if suffix == ".bin" else ""
        return [Step(["openocd", "-f", str(cfg.get("openocd_config", "board/st_nucleo_f4.cfg")),
                      "-c", f"program {image}{where} verify reset exit"])]
    if tool == "dfu-util":
        argv = ["dfu-util", "-a", "0", "-d", str(cfg.get("dfu_id", "0483:df11"))]
        argv += ["-s", f"{cfg['address']}:leave"] if suffix == ".bin" else []
        return _bootloader_step(port) + [Step(argv + ["-D", str(image)])]
    raise FlashError(f"unknown flashing tool {tool!r}")


def execute(steps: list[Step], drive_label: str) -> int:
    for step in steps:
        if not step.argv:
            dest = Path(step.dest)
            if step.wait_label:
                drive = None
                deadline = time.monotonic() + 20
                while drive is None and time.monotonic() < deadline:
                    time.sleep(0.5)
                    drive = find_uf2_drive(step.wait_label)
                if drive is None:
                    raise FlashError(f"the {step.wait_label} drive did not appear: is it mounted automatically?")
                dest = drive / Path(step.src).name
            if not (dest.parent / "INFO_UF2.TXT").is_file():
                raise FlashError(f"{dest.parent} is not a UF2 bootloader drive (no INFO_UF2.TXT)")
            print(f"copying {step.src} to {dest.parent} ({drive_label})", file=sys.stderr)
            shutil.copyfile(step.src, dest)
            continue
        if step.argv[0] != sys.executable and shutil.which(step.argv[0]) is None:
            raise FlashError(f"{step.argv[0]} not found: {INSTALL_HINTS.get(step.argv[0], 'install it')}")
        print("+ " + step.shell(), file=sys.stderr)
        rc = subprocess.call(step.argv)
        if rc != 0:
            raise FlashError(f"{step.argv[0]} failed with status {rc}")
    return OK


def flash_emulator(board: str, steps: list[Step]) -> int:
    """Run the steps writing the RP2040 emulator's flash image, which no running emulator may hold."""
    why = rp2040.missing()
    if why:
        raise FlashError(f"the RP2040 emulator cannot run: {why}")
    with rp2040.flash_lock(rp2040.default_flash(board)):
        return execute(steps, "the RP2040 emulator's flash")


def install_in_qemu(args: argparse.Namespace, board: dict[str, Any]) -> int:
    """--port qemu[:BOARD]: make IMAGE (default: the one `make firmware` built) the firmware QEMU boots for
    the board, as flashing does on hardware."""
    from tinyml_tools import qemu

    named = args.port.partition(":")[2]
    if named and named != args.board:
        error("flash", f"--port {args.port} names another board than --board {args.board}")
        return USAGE
    if "qemu" not in board:
        error("flash", f"board {args.board} does not run in QEMU (its board.json has no \"qemu\" section)")
        return USAGE
    image = args.image or qemu.image_path(args.board)
    if not args.dry_run and not image.exists():
        error("flash", f"no image {image}: build it with 'make firmware BOARD={args.board}' or give IMAGE")
        return USAGE
    step = Step([], str(image), str(qemu.installed_image(args.board)))
    if args.json:
        print_json({"board": args.board, "tool": "qemu", "image": str(image), "dry_run": args.dry_run,
                    "steps": [step.as_dict()], "commands": [step.shell()]})
    elif args.dry_run:
        print(step.shell())
    if args.dry_run:
        return OK
    try:
        dest = qemu.install(args.board, image)
    except (qemu.QemuError, OSError) as e:
        error("flash", str(e))
        return FAILED
    print(f"installed {image} as the firmware of {args.board} in QEMU ({dest}): --port qemu:{args.board} boots it",
          file=sys.stderr)
    return OK


def run(args: argparse.Namespace) -> int:
    try:
        board = boards_mod.load_board(args.board)
    except boards_mod.BoardError as e:
        error("flash", str(e))
        return USAGE
    if args.port and (args.port == "qemu" or args.port.startswith("qemu:")):
        return install_in_qemu(args, board)
    cfg = board.get("flash")
    if not cfg:
        where = "in QEMU" if "qemu" in board else f"on the {board.get('port')} port"
        hint = f" (boot it with --port qemu:{args.board}; --port qemu: installs an image as its firmware)" \
            if "qemu" in board else ""
        error("flash", f"board {args.board} runs {where}: there is nothing to flash{hint}")
        return USAGE
    tools = [str(t) for t in cfg.get("tools", [cfg["tool"]])]
    tool = args.tool or str(cfg["tool"])
    if tool not in tools:
        error("flash", f"board {args.board} is flashed with {', '.join(tools)}, not {tool}")
        return USAGE
    emulated = rp2040_port_board(args.port)
    if emulated is not None and (emulated != args.board or tool != "uf2"):
        error("flash", f"--port {args.port} writes a UF2 image of {emulated} into the RP2040 emulator's flash "
                       f"(--board {emulated}, --tool uf2)")
        return USAGE
    image = args.image or boards_mod.image_dir(args.board) / str(board.get("image", "firmware.bin"))
    if not args.dry_run and not image.exists():
        error("flash", f"no image {image}: build it with 'make firmware BOARD={args.board}' or give IMAGE")
        return USAGE
    try:
        steps = plan(board, image, tool, args.port, args.drive, args.erase)
        if args.json:
            print_json({"board": args.board, "tool": tool, "image": str(image), "dry_run": args.dry_run,
                        "steps": [s.as_dict() for s in steps], "commands": [s.shell() for s in steps]})
        elif args.dry_run:
            for s in steps:
                print(s.shell())
        if args.dry_run:
            return OK
        if emulated is not None:
            return flash_emulator(emulated, steps)
        return execute(steps, str(cfg.get("volume_label", "")))
    except (FlashError, KeyError, OSError, rp2040.Rp2040Error) as e:
        msg = f"board.json of {args.board} lacks flash field {e}" if isinstance(e, KeyError) else str(e)
        error("flash", msg)
        return FAILED

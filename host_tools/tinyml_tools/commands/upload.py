"""tinyml upload MODEL [--port P] [--as NAME]: copy a model to the board, safely.

Before sending a byte it asks the firmware for tinyml.version and
supported_ops() and checks the model with the host core (the same C code as
the firmware): a model the board cannot run is refused with the reason. The
copy goes to NAME.part, is verified with a SHA-256 computed on the device, and
is then renamed to NAME: an interrupted upload never leaves a broken model
under the final name (the previous file stays as it was).

tinyml upload --romfs FILE... [--port P] [--image IMG]: build a ROMFS image of the
files (tinyml_tools.romfs: each file's data 16-byte aligned) and deploy it to the
board's ROMFS partition, mounted at /rom, where tinyml.Model("/rom/NAME") reads a
model in place (no copy in the heap: it needs only arena + metadata of RAM). Models
among the files are checked as above first. Real boards and rp2040 take the image
over the raw REPL (vfs.rom_ioctl, as `mpremote romfs deploy`); QEMU boards
(--port qemu:BOARD) have it loaded into their ROMFS region when QEMU starts: the tool
installs it as the board's ROMFS image, boots the board and checks it there. Each
file is verified on the device (SHA-256 of /rom/NAME).
Beside each model the image gets NAME.tmx, its flash metadata: the constant arrays
the board's build would compute into RAM at load (multipliers and shifts, kernel
sums), computed here by the host library of the board's backend for the
configuration the firmware reports (tinyml.flash_meta_config(): the M55 build's
kernel sums too); tinyml.Model("/rom/NAME") reads them in place
(--no-flash-meta: none).
"""

from __future__ import annotations

import argparse
import contextlib
import posixpath
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinyml_tools import boards
from tinyml_tools.cliutil import FAILED, OK, REFUSED, USAGE, add_json, add_port, error, n, print_json, read_file
from tinyml_tools.commands.inspect import describe
from tinyml_tools.core import CoreError
from tinyml_tools.device import Device, DeviceError, Progress, connect, qemu_port_board, sha256_hex

# Oldest firmware whose tinyml module this tool can drive (same major version required).
MIN_FIRMWARE = (0, 1, 0)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", type=Path, nargs="+", metavar="MODEL",
                   help=".tflite model (with --romfs: every file of the ROMFS image)")
    add_port(p)
    p.add_argument("--romfs", action="store_true",
                   help="build a ROMFS image of the files and deploy it to the board's ROMFS partition (/rom): "
                        "models there are used in place, from flash")
    p.add_argument("--image", type=Path, metavar="IMG", help="with --romfs: also write the ROMFS image to IMG")
    p.add_argument("--no-flash-meta", action="store_true",
                   help="with --romfs: no flash metadata (NAME.tmx) beside the models")
    p.add_argument("--as", dest="name", metavar="NAME",
                   help="path on the device (default: the model's file name, in the device's current folder)")
    p.add_argument("--force", action="store_true",
                   help="upload even if the board seems to lack the RAM to load it (ops and version are always checked)")
    add_json(p)


def parse_version(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(x) for x in str(text).split("-")[0].split(".")[:3])
    except ValueError:
        return None


def check(info: dict[str, Any], data: bytes, force: bool = False, in_place: bool = False,
          room: boards.Room | Callable[[], boards.Room] | None = None, name: str = "model.tflite",
          port: str | None = None) -> tuple[list[str], dict[str, Any] | None]:
    """Reasons why the board cannot run the model (empty: it can), and the model's description.
    in_place: the model is read in place (ROMFS): its bytes take no RAM. room: what the board offers
    (device_room(); default: its free RAM and filesystem space only), for the advice of a refusal,
    decided by boards.place() as `tinyml inspect` decides it; a callable is called only for a refusal)."""
    if not info.get("tinyml"):
        return ["the firmware has no tinyml module: flash a tinyml firmware first (tinyml flash)"], None
    reasons = []
    version = parse_version(info.get("version") or "")
    want = ".".join(map(str, MIN_FIRMWARE))
    if version is None:
        reasons.append(f"the firmware reports an unreadable tinyml.version {info.get('version')!r}")
    elif version < MIN_FIRMWARE or version[0] != MIN_FIRMWARE[0]:
        reasons.append(f"the firmware's tinyml {info['version']} is not compatible with this tool "
                       f"(needs {want} or later with the same major version)")
    try:
        desc = describe(data)
    except CoreError as e:
        return reasons + [f"the tinyml core rejects the model ({e.status}): {e.message}"], None
    on_board = set(info.get("supported_ops") or [])
    names = {u["index"]: u["op"] for u in desc["unsupported"]}  # custom ops carry their name here
    missing: dict[str, list[int]] = {}
    for la in desc["layers"]:
        if la["op"] not in on_board or not la["supported"]:
            missing.setdefault(names.get(la["index"], la["op"]), []).append(la["index"])
    if missing:
        ops = ", ".join(f"{op} (operator{'s' if len(ix) > 1 else ''} {', '.join(map(str, ix))})"
                        for op, ix in missing.items())
        reasons.append(f"the firmware (tinyml {info.get('version')}, {info.get('backend')}) does not support {ops}; "
                       f"it supports: {', '.join(sorted(on_board))}")
    if info.get("mem_free") is None:
        return reasons, desc
    backend = boards.device_host_backend(info)  # the kernels the firmware runs (ARMv6-M: their scratch)
    arena = desc["arena_bytes"].get(backend) or max(desc["arena_bytes"].values())
    persistent = desc["persistent_bytes"].get(backend) or max(desc["persistent_bytes"].values())
    basic = boards.Room(int(info["mem_free"]), info.get("fs_free"))
    p = boards.place(basic, len(data), arena, persistent, name)
    if not (p.file or in_place and p.ram_in_place <= basic.ram) and room is not None:
        room = room() if callable(room) else room
    if not isinstance(room, boards.Room):
        room = basic
    p = boards.place(room, len(data), arena, persistent, name)
    free = n(room.ram)
    if in_place:
        if p.ram_in_place > room.ram and not force:
            advice = ("the metadata figure is the host's (64-bit; a 32-bit board needs less): --force tries anyway"
                      if arena <= room.ram else "it is too big for this board's RAM even read in place: use a smaller "
                      "model or a board with more RAM")
            reasons.append(f"running it needs about {n(p.ram_in_place)} bytes of RAM (arena {n(arena)} + metadata "
                           f"{n(persistent)}), the board has {free} free; {advice}")
        return reasons, desc
    if p.file or force and (room.fs is None or len(data) <= room.fs):
        return reasons, desc
    if room.fs is not None and len(data) > room.fs:
        why = f"the model ({n(len(data))} bytes) is larger than the {n(room.fs)} bytes free on the board's filesystem"
    else:
        why = (f"loading it from a file needs about {n(p.ram_file)} bytes of RAM (model {n(len(data))} + arena "
               f"{n(arena)} + metadata {n(persistent)}), the board has {free} free")
    reasons.append(f"{why}; {advice_for(p, room, name, port)}")
    return reasons, desc


def advice_for(p: boards.Placement, room: boards.Room, name: str, port: str | None) -> str:
    """What to do with a model that does not load from a file: the placements that work, or why none does."""
    options = []
    if p.romfs:
        where = f" --port {port}" if port else ""
        options.append(f"it runs from ROMFS with {n(p.ram_in_place)} bytes of RAM: tinyml upload --romfs {name}{where}")
    if p.frozen:
        options.append("it fits frozen into the firmware (a manifest as examples/gestures/manifest.py, then "
                       "make firmware)")
    if p.force_may_help:
        options.append("the metadata figure is the host's (64-bit; a 32-bit board needs less): --force uploads "
                       "it anyway")
    if options:
        return "; or ".join(options)
    if p.ram_in_place > room.ram:
        return (f"it does not fit this board even read in place from flash ({n(p.ram_in_place)} bytes of RAM for "
                "its arena and metadata): use a smaller model or a board with more RAM")
    rom = "the board has no ROMFS partition" if room.romfs is None else \
        f"its ROMFS partition ({n(room.romfs)} bytes) is too small for it"
    return f"{rom} and it does not fit frozen into the firmware either: use a smaller model"


def device_room(dev: Device, port: str | None) -> boards.Room:
    """What the board on `port` offers a model now: free RAM and filesystem space (measured on the device),
    its ROMFS partition (asked of the firmware, or board.json's region on QEMU) and, when the port names the
    board (qemu:, rp2040:), the flash left for a frozen model (board.json and the built firmware)."""
    from tinyml_tools import romfs
    from tinyml_tools.device import qemu_port_board, rp2040_port_board

    info = dev.info()
    room = boards.Room(int(info["mem_free"]), info.get("fs_free"))
    name = qemu_port_board(port) or rp2040_port_board(port)
    board = None
    if name is not None:
        with contextlib.suppress(boards.BoardError):
            board = boards.load_board(name)
    if board is not None:
        static, _, _ = boards.room(board)
        room.frozen_flash, room.can_freeze = static.frozen_flash, static.can_freeze
    if qemu_port_board(port) is not None:
        room.romfs = None if board is None else boards.romfs_bytes(board)
    else:
        try:
            room.romfs = int(romfs.partition(dev)["size"])
        except (romfs.RomfsError, DeviceError):
            room.romfs = None
    return room


class Refused(Exception):
    """The board cannot run the model; args[0] lists the reasons."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(reasons)
        self.reasons = reasons


def prepare(dev: Device, data: bytes, path: str, show_progress: bool = True,
            port: str | None = None) -> tuple[dict[str, Any], bool]:
    """Check the model against the board (Refused) and upload it unless already there.
    Returns the model's description and whether it was copied."""
    reasons, desc = check(dev.info(), data, room=lambda: device_room(dev, port), name=posixpath.basename(path),
                          port=port)
    if reasons or desc is None:
        raise Refused(reasons)
    return desc, ensure_uploaded(dev, data, path, Progress(f"upload {path}", enabled=show_progress))


def device_path(model: Path, name: str | None) -> str:
    return name or posixpath.basename(model.name)


def ensure_uploaded(dev: Device, data: bytes, path: str, progress: Progress | None = None) -> bool:
    """Upload unless the device already has these bytes at `path` (by SHA-256); True if it uploaded."""
    if dev.sha256(path) == sha256_hex(data):
        return False
    free = dev.info(refresh=True)["fs_free"]
    if len(data) > free:
        raise DeviceError(f"not enough space on the device: {n(len(data))} bytes needed, {n(free)} free")
    dev.put_file(path, data, progress)
    return True


def run(args: argparse.Namespace) -> int:
    if args.romfs:
        return run_romfs(args)
    if args.image:
        error("upload", "--image goes with --romfs")
        return USAGE
    if len(args.files) > 1:
        error("upload", "one model at a time (several files go into a ROMFS image: --romfs)")
        return USAGE
    args.model = args.files[0]
    data = read_file("upload", args.model)
    if data is None:
        return USAGE
    path = device_path(args.model, args.name)
    try:
        with connect(args.port) as dev:
            info = dev.info()
            reasons, _ = check(info, data, args.force, room=lambda: device_room(dev, args.port),
                               name=args.model.name, port=args.port)
            if reasons:
                if args.json:
                    print_json({"uploaded": False, "path": path, "refused": reasons, "device": _dev(info)})
                for r in reasons:
                    error("upload", f"refused: {r}")
                return REFUSED
            uploaded = ensure_uploaded(dev, data, path, Progress(f"upload {path}", enabled=not args.json))
            sha = sha256_hex(data)
    except DeviceError as e:
        error("upload", str(e))
        return FAILED
    if args.json:
        print_json({"uploaded": uploaded, "path": path, "bytes": len(data), "sha256": sha, "verified": True,
                    "device": _dev(info)})
    elif uploaded:
        print(f"{path}: {n(len(data))} bytes, SHA-256 verified on the device ({sha[:16]})")
    else:
        print(f"{path}: already on the device (SHA-256 {sha[:16]} matches), not copied")
    if not args.json and (kept := kept_note(args.port)):
        print(kept)
    return OK


def kept_note(port: str | None) -> str:
    """For an emulated board: where it keeps the file and how to use it ('' for other ports)."""
    from tinyml_tools import qemu, rp2040
    from tinyml_tools.device import rp2040_port_board

    board = rp2040_port_board(port)
    if board is not None:
        where, port = rp2040.default_flash(board), f"rp2040:{board}"
    elif (board := qemu_port_board(port)) is not None:
        where, port = qemu.saved_ramdisk(board), f"qemu:{board}"
    else:
        return ""
    return (f"{port} keeps its files in {where} for the next commands (tinyml run, bench ...); "
            f"'tinyml board reset {port}' erases them")


def _dev(info: dict[str, Any]) -> dict[str, Any]:
    return {k: info.get(k) for k in ("machine", "version", "backend", "mem_free", "fs_free")}


# ---- --romfs -----------------------------------------------------------------------

def _check_models(info: dict[str, Any], files: dict[str, bytes], force: bool, image: bytes,
                  partition: int) -> list[str]:
    reasons = []
    if len(image) > partition:
        reasons.append(f"the ROMFS image ({n(len(image))} bytes) does not fit the board's ROMFS partition "
                       f"({n(partition)} bytes): leave files out or use a smaller model")
    for name, data in files.items():
        if name.endswith(".tflite"):
            reasons += [f"{name}: {r}" for r in check(info, data, force, in_place=True)[0]]
    return reasons


def flash_meta_files(info: dict[str, Any], files: dict[str, bytes]) -> tuple[dict[str, bytes], list[str]]:
    """Beside each .tflite model of `files`, its flash metadata NAME.tmx for the board's build (info: the
    firmware's backend and flash_meta_config), where the model has arrays to move and the host library of
    that backend writes the configuration the firmware needs; and the notes on the models that get none."""
    from tinyml_tools import core

    backend, config = info.get("backend"), info.get("flash_meta_config")
    if config is None:
        return {}, ["the firmware reads no flash metadata (tinyml.flash_meta_config missing): none written"]
    if backend not in core.backends():
        return {}, [f"no host library of the {backend} backend (make host-lib): no flash metadata written"]
    out, notes = {}, []
    for name, data in files.items():
        if not name.endswith(".tflite") or f"{name}.tmx" in files:
            continue
        try:
            blob = core.flash_meta_blob(data, backend, mve=bool(config & core.LOAD_META_MVE))
        except CoreError as e:
            notes.append(f"{name}: no flash metadata ({e})")
            continue
        if int.from_bytes(blob[20:24], "little") != config:
            notes.append(f"{name}: the host library writes configuration {int.from_bytes(blob[20:24], 'little'):#x}, "
                         f"the firmware needs {config:#x}: no flash metadata written")
        elif int.from_bytes(blob[24:28], "little") > 0:
            out[f"{name}.tmx"] = blob
    return out, notes


def _verify_rom(dev: Device, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        got = dev.sha256(f"/rom/{name}")
        if got != sha256_hex(data):
            raise DeviceError(f"verification failed: /rom/{name} on the device has SHA-256 {got}, "
                              f"expected {sha256_hex(data)}")


def run_romfs(args: argparse.Namespace) -> int:
    from tinyml_tools import emulated, qemu, romfs

    if args.name:
        error("upload", "--as does not go with --romfs (files keep their names under /rom)")
        return USAGE
    files: dict[str, bytes] = {}
    for path in args.files:
        data = read_file("upload", path)
        if data is None:
            return USAGE
        if path.name in files:
            error("upload", f"two files named {path.name}: a ROMFS image here has no folders")
            return USAGE
        files[path.name] = data
    try:
        image = romfs.build(files)
    except romfs.RomfsError as e:
        error("upload", str(e))
        return USAGE
    board = qemu_port_board(args.port)
    report: dict[str, Any] = {"romfs": True}

    def with_meta(info: dict[str, Any]) -> bytes:
        """The image with the flash metadata of the board's build beside the models (files gets them)."""
        if not args.no_flash_meta:
            meta, notes = flash_meta_files(info, files)
            files.update(meta)
            report["flash_meta"] = {"files": sorted(meta), "notes": notes}
            if not args.json:
                for note in notes:
                    print(f"upload: {note}")
        out = romfs.build(files)
        if args.image:
            args.image.write_bytes(out)
        report["image_bytes"] = len(out)
        report["files"] = {name: {"path": f"/rom/{name}", "bytes": len(data), "sha256": sha256_hex(data)}
                           for name, data in files.items()}
        return out

    try:
        if board is not None:
            _, size = qemu.romfs_region(board)  # a QEMU board without a ROMFS region: refused before booting
            running = emulated.running(qemu.lock_file(board))
            if running:
                error("upload", f"qemu:{board} is running (process {running.get('pid')}, e.g. make qemu): QEMU fills "
                                "its ROMFS region when it starts: stop it, then run this again")
                return FAILED
            # the board as it is now: what it supports (the installed image stays in place if refused)
            with connect(args.port) as dev:
                info = dev.info()
            image = with_meta(info)
            reasons = _check_models(info, files, args.force, image, size)
            if not reasons:
                report["installed"] = str(qemu.install_romfs(board, image))
                with connect(args.port) as dev:  # boots with the new image in the ROMFS region
                    _verify_rom(dev, files)
                    info = dev.info(refresh=True)
        else:
            with connect(args.port) as dev:
                info = dev.info()
                image = with_meta(info)
                reasons = _check_models(info, files, args.force, image, romfs.partition(dev)["size"])
                if not reasons:
                    progress = Progress("romfs", enabled=not args.json)
                    part = romfs.deploy(dev, image, progress)
                    report["partition_bytes"] = part["size"]
                    _verify_rom(dev, files)
                    info = dev.info(refresh=True)
    except (DeviceError, qemu.QemuError, romfs.RomfsError) as e:
        error("upload", str(e))
        return FAILED
    report["device"] = _dev(info)
    if reasons:
        if args.json:
            print_json(dict(report, uploaded=False, refused=reasons))
        for r in reasons:
            error("upload", f"refused: {r}")
        return REFUSED
    if args.json:
        print_json(dict(report, uploaded=True, verified=True))
    else:
        where = f"{board}'s ROMFS region (loaded when QEMU starts)" if board else "the board's ROMFS partition"
        print(f"ROMFS image: {n(len(image))} bytes, {len(files)} file{'s' if len(files) > 1 else ''}, "
              f"deployed to {where}")
        for name, data in files.items():
            print(f"/rom/{name}: {n(len(data))} bytes, SHA-256 verified on the device ({sha256_hex(data)[:16]})")
    return OK

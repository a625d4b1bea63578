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
"""

from __future__ import annotations

import argparse
import posixpath
from pathlib import Path
from typing import Any

from tinyml_tools.cliutil import FAILED, OK, REFUSED, USAGE, add_json, add_port, error, n, print_json, read_file
from tinyml_tools.commands.inspect import describe
from tinyml_tools.core import CoreError
from tinyml_tools.device import DEFAULT_QEMU_BOARD, Device, DeviceError, Progress, connect, sha256_hex

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


def check(info: dict[str, Any], data: bytes, force: bool = False,
          in_place: bool = False) -> tuple[list[str], dict[str, Any] | None]:
    """Reasons why the board cannot run the model (empty: it can), and the model's description.
    in_place: the model is read in place (ROMFS): its bytes take no RAM."""
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
    backend = info.get("backend")
    arena = desc["arena_bytes"].get(backend) or max(desc["arena_bytes"].values())
    persistent = max(desc["persistent_bytes"].values())
    need = (0 if in_place else len(data)) + arena + persistent
    if not force and info.get("mem_free") is not None and need > info["mem_free"]:
        if in_place:
            reasons.append(f"running it needs about {n(need)} bytes of RAM (arena {n(arena)} + metadata "
                           f"{n(persistent)}), the board has {n(info['mem_free'])} free (or use --force)")
        else:
            reasons.append(f"loading it from a file needs about {n(need)} bytes of RAM (model {n(len(data))} + "
                           f"arena {n(arena)} + metadata {n(persistent)}), the board has {n(info['mem_free'])} free "
                           "(put it in ROMFS with --romfs or freeze it into the firmware instead, or use --force)")
    return reasons, desc


class Refused(Exception):
    """The board cannot run the model; args[0] lists the reasons."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(reasons)
        self.reasons = reasons


def prepare(dev: Device, data: bytes, path: str, show_progress: bool = True) -> tuple[dict[str, Any], bool]:
    """Check the model against the board (Refused) and upload it unless already there.
    Returns the model's description and whether it was copied."""
    reasons, desc = check(dev.info(), data)
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
            reasons, _ = check(info, data, args.force)
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
    return OK


def _dev(info: dict[str, Any]) -> dict[str, Any]:
    return {k: info.get(k) for k in ("machine", "version", "backend", "mem_free", "fs_free")}


# ---- --romfs -----------------------------------------------------------------------

def _qemu_board(port: str | None) -> str | None:
    if port and (port == "qemu" or port.startswith("qemu:")):
        return port.partition(":")[2] or DEFAULT_QEMU_BOARD
    return None


def _check_models(info: dict[str, Any], files: dict[str, bytes], force: bool) -> list[str]:
    reasons = []
    for name, data in files.items():
        if name.endswith(".tflite"):
            reasons += [f"{name}: {r}" for r in check(info, data, force, in_place=True)[0]]
    return reasons


def _verify_rom(dev: Device, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        got = dev.sha256(f"/rom/{name}")
        if got != sha256_hex(data):
            raise DeviceError(f"verification failed: /rom/{name} on the device has SHA-256 {got}, "
                              f"expected {sha256_hex(data)}")


def run_romfs(args: argparse.Namespace) -> int:
    from tinyml_tools import qemu, romfs

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
    if args.image:
        args.image.write_bytes(image)
    board = _qemu_board(args.port)
    report: dict[str, Any] = {"romfs": True, "image_bytes": len(image), "files": {
        name: {"path": f"/rom/{name}", "bytes": len(data), "sha256": sha256_hex(data)} for name, data in files.items()}}
    try:
        if board is not None:
            qemu.romfs_region(board)  # a QEMU board without a ROMFS region: refused before booting
            # the board as it is now: what it supports (the installed image stays in place if refused)
            with connect(args.port) as dev:
                info = dev.info()
            reasons = _check_models(info, files, args.force)
            if not reasons:
                report["installed"] = str(qemu.install_romfs(board, image))
                with connect(args.port) as dev:  # boots with the new image in the ROMFS region
                    _verify_rom(dev, files)
                    info = dev.info(refresh=True)
        else:
            with connect(args.port) as dev:
                info = dev.info()
                reasons = _check_models(info, files, args.force)
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

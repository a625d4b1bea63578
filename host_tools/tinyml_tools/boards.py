"""Board definitions (boards/<NAME>/board.json) and what a model needs of them.

Fields used here (all optional except name):
  heap_bytes             MicroPython's GC heap: where the arena, the model's
                         metadata and (when loaded from a file) the model live
  ram_reserve_bytes      heap the interpreter itself needs (default 16 KiB)
  flash_bytes            total flash
  fs_bytes               filesystem size (models uploaded as files)
  firmware_region_bytes  flash for the firmware image, frozen models included
                         (default: code_ram_bytes, else flash_bytes - fs_bytes)
  firmware_bytes         size of the tinyml firmware (default: measured from
                         firmware/images/<NAME>/<image> when it is an ELF)
  backend                kernel backend of the firmware (ref, cmsis-nn or esp-nn[-ansi|-s3])
  host_backend           the host library that plans as the firmware does, where its kernels differ
                         from the backend's (armv6m, dsp: kernels of our own; host_backend())
  flash                  how `tinyml flash` programs the board (see commands/flash.py)
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tinyml_tools.project import FOUND, ROOT, bundled_boards

DEFAULT_RAM_RESERVE = 16 * 1024


class BoardError(Exception):
    """Unknown board or unreadable board definition."""


def boards_dir() -> Path:
    """Folder of board definitions: $TINYML_BOARDS, else boards/ of the checkout, else the copy built
    into the package (tinyml_tools.project)."""
    env = os.environ.get("TINYML_BOARDS")
    if env:
        return Path(env)
    return ROOT / "boards" if FOUND is not None else bundled_boards()


def board_names() -> list[str]:
    d = boards_dir()
    return sorted(p.parent.name for p in d.glob("*/board.json")) if d.is_dir() else []


def load_board(name: str) -> dict[str, Any]:
    path = boards_dir() / name / "board.json"
    if not path.exists():
        known = ", ".join(board_names()) or "none"
        raise BoardError(f"unknown board {name!r} (known: {known})")
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise BoardError(f"{path}: {e}") from e
    if not isinstance(info, dict):
        raise BoardError(f"{path}: not a JSON object")
    info.setdefault("name", name)
    return info


def image_dir(name: str) -> Path:
    """Where `make firmware BOARD=<name>` puts the image."""
    return ROOT / "firmware" / "images" / name


def elf_load_size(path: Path) -> int | None:
    """Bytes of an ELF file's loadable segments (what goes to flash), or None if not a 32/64-bit ELF."""
    try:
        with open(path, "rb") as f:
            ident = f.read(64)
            if len(ident) < 52 or ident[:4] != b"\x7fELF":
                return None
            is64, end = ident[4] == 2, "<" if ident[5] == 1 else ">"
            if is64:
                phoff, = struct.unpack_from(end + "Q", ident, 32)
                phentsize, phnum = struct.unpack_from(end + "HH", ident, 54)
            else:
                phoff, = struct.unpack_from(end + "I", ident, 28)
                phentsize, phnum = struct.unpack_from(end + "HH", ident, 42)
            total = 0
            for i in range(phnum):
                f.seek(phoff + i * phentsize)
                ph = f.read(phentsize)
                if is64:
                    p_type, = struct.unpack_from(end + "I", ph, 0)
                    filesz, = struct.unpack_from(end + "Q", ph, 32)
                else:
                    p_type, = struct.unpack_from(end + "I", ph, 0)
                    filesz, = struct.unpack_from(end + "I", ph, 16)
                if p_type == 1:  # PT_LOAD
                    total += filesz
            return total
    except (OSError, struct.error):
        return None


def uf2_payload_size(path: Path) -> int | None:
    """Bytes of flash a UF2 file writes (its blocks' payloads), or None if it is not a UF2 file."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data or len(data) % 512:
        return None
    total = 0
    for at in range(0, len(data), 512):
        magic0, magic1, _flags, _addr, size = struct.unpack_from("<5I", data, at)
        if (magic0, magic1) != (0x0A324655, 0x9E5D5157):
            return None
        total += size
    return total


def firmware_bytes(board: dict[str, Any]) -> tuple[int | None, str]:
    """Size of the firmware image and where the figure comes from: measured from the image `make firmware`
    built (firmware/images/<NAME>/: its firmware.elf, else its UF2, else the ESP32 app micropython.bin),
    else board.json's estimate."""
    folder = image_dir(board["name"])
    for image in (folder / "firmware.elf", folder / str(board.get("image", "firmware.elf")),
                  folder / "micropython.bin"):
        if not image.exists():
            continue
        if image.name == "micropython.bin":  # a raw app image: all of it goes to flash
            measured: int | None = image.stat().st_size
        else:
            measured = elf_load_size(image) if image.suffix != ".uf2" else uf2_payload_size(image)
        if measured is not None:
            return measured, f"measured from {image.name}"
    if board.get("firmware_bytes") is not None:
        return int(board["firmware_bytes"]), "estimate from board.json"
    return None, "unknown"


def firmware_region_bytes(board: dict[str, Any]) -> int | None:
    if board.get("firmware_region_bytes") is not None:
        return int(board["firmware_region_bytes"])
    if board.get("code_ram_bytes") is not None:
        return int(board["code_ram_bytes"])
    if board.get("flash_bytes") is not None:
        return int(board["flash_bytes"]) - int(board.get("fs_bytes") or 0)
    return None


def romfs_bytes(board: dict[str, Any]) -> int | None:
    """Size of the board's ROMFS partition (board.json "romfs"), or None without one."""
    rf = board.get("romfs")
    return int(rf["bytes"]) if isinstance(rf, dict) and rf.get("bytes") else None


def romfs_image_bytes(model_bytes: int, name: str = "model.tflite") -> int:
    """Bytes of a ROMFS image holding one file of model_bytes (what `tinyml upload --romfs` builds)."""
    from tinyml_tools.romfs import build

    return len(build({name: bytes(model_bytes)}))


@dataclass
class Room:
    """What a board offers a model: RAM free for it (heap less what the interpreter needs), filesystem space,
    its ROMFS partition (None: none), and the flash left for a frozen model (None: unknown, or no flash to
    freeze into when can_freeze is False)."""

    ram: int
    fs: int | None = None
    romfs: int | None = None
    frozen_flash: int | None = None
    can_freeze: bool = False


@dataclass
class Placement:
    """Where a model can live on a board, as `tinyml inspect` and `tinyml upload` both decide it."""

    ram_free: int
    ram_file: int        # RAM to load it from a file: the model's bytes + arena + metadata
    ram_in_place: int    # RAM when it is read in place (ROMFS, frozen): arena + metadata
    file: bool           # loads from a file on the filesystem
    romfs: bool | None   # runs from the ROMFS partition (None: the board has none)
    frozen: bool | None  # runs frozen into the firmware (None: the flash left is unknown)
    force_may_help: bool  # the RAM check fails on the metadata alone, which the host (64-bit) overestimates
    romfs_headroom: int | None

    @property
    def verdict(self) -> str:
        """'ram' (from a file), 'romfs', 'flash' (frozen, or maybe: flash left unknown) or 'none'."""
        if self.file:
            return "ram"
        if self.romfs:
            return "romfs"
        if self.frozen or self.frozen is None:
            return "flash"
        return "none"


def place(room: Room, model_bytes: int, arena_bytes: int, persistent_bytes: int,
          name: str = "model.tflite") -> Placement:
    """Where a model of model_bytes needing this arena and metadata fits in `room`."""
    in_place = arena_bytes + persistent_bytes
    from_file = in_place + model_bytes
    ram_ok = in_place <= room.ram
    file_ok = from_file <= room.ram and (room.fs is None or model_bytes <= room.fs)
    romfs_headroom = None if room.romfs is None else room.romfs - romfs_image_bytes(model_bytes, name)
    romfs = None if room.romfs is None else ram_ok and romfs_headroom >= 0
    if room.frozen_flash is not None:
        frozen: bool | None = ram_ok and model_bytes <= room.frozen_flash
    else:
        frozen = None if room.can_freeze and ram_ok else False
    # the metadata is measured on the 64-bit host: a 32-bit board needs less; --force can help only there
    force = not file_ok and model_bytes + arena_bytes <= room.ram < from_file \
        and (room.fs is None or model_bytes <= room.fs)
    return Placement(room.ram, from_file, in_place, file_ok, romfs, frozen, force, romfs_headroom)


@dataclass
class Fit:
    """Whether a model runs on a board, and how."""

    board: str
    backend: str
    heap_bytes: int
    ram_needed_file: int     # model loaded from the filesystem into RAM
    ram_needed_frozen: int   # model read in place from flash (ROMFS or frozen)
    verdict: str             # "ram", "romfs", "flash" (frozen) or "none"
    fits_file: bool
    fits_romfs: bool | None  # None: the board has no ROMFS partition
    fits_frozen: bool | None  # None: the firmware's size is unknown
    ram_headroom: int        # for the verdict's placement (negative: missing bytes)
    flash_headroom: int | None  # for a frozen model (None: unknown or not applicable)
    fs_headroom: int | None  # for a model file on the filesystem
    romfs_headroom: int | None  # for the model in the ROMFS partition
    note: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def host_backend(board: dict[str, Any]) -> str:
    """The host library that plans as the board's firmware does (board.json's host_backend: its backend
    with our core-family kernels, whose scratch buffers set the arena; else its backend): `tinyml inspect`
    and the fit checks load the model with it."""
    return str(board.get("host_backend") or board.get("backend", "ref"))


# sys.implementation._mpy's native architecture field (bits 10-13; MicroPython's MP_NATIVE_ARCH_*): the
# host library of a cmsis-nn firmware built for it (ARMv6-M: kernels/armv6m; ARMv7-M without DSP, the
# Cortex-M3: kernels/armv6m too, except DEPTHWISE_CONV_2D of several input channels, CMSIS-NN's there,
# whose scratch the host library plans as the tap table's, 8 bytes per filter tap; ARMv7E-M, with DSP:
# kernels/dsp, which a board may leave out, TINYML_KERNELS_DSP=0, as NUCLEO_F446RE does: its arena is
# then planned with the DSP kernels' scratch, a few hundred bytes more at most)
MPY_ARCH_HOST_BACKEND = {4: "armv6m", 5: "armv6m", 6: "dsp", 7: "dsp", 8: "dsp"}


def device_host_backend(info: dict[str, Any]) -> str:
    """host_backend() of a connected board, from what its firmware reports (device.py's _tml_info): its
    tinyml backend and, from sys.implementation._mpy, the architecture it was built for."""
    from tinyml_tools.core import LOAD_META_MVE  # here: core loads numpy

    backend = str(info.get("backend") or "ref")
    mve = int(info.get("flash_meta_config") or 0) & LOAD_META_MVE  # an MVE build (Cortex-M55): CMSIS-NN's kernels
    if backend == "cmsis-nn" and not mve:
        return MPY_ARCH_HOST_BACKEND.get(int(info.get("mpy_arch") or 0), backend)
    return backend


def room(board: dict[str, Any], model_bytes: int = 0) -> tuple[Room, int | None, str]:
    """What board.json says the board offers: its Room, the flash headroom of a frozen model, and a note."""
    heap = int(board.get("heap_bytes") or board.get("ram_bytes") or 0)
    usable = heap - int(board.get("ram_reserve_bytes", DEFAULT_RAM_RESERVE))
    fs = board.get("fs_bytes")
    region = firmware_region_bytes(board)
    fw, fw_source = firmware_bytes(board)
    frozen_flash = None if region is None or fw is None or not board.get("flash_bytes") else region - fw
    notes = []
    if fw is not None and board.get("flash_bytes"):
        notes.append(f"firmware {fw:,} B ({fw_source})")
    elif board.get("flash_bytes"):
        notes.append("firmware size unknown: flash headroom not computed")
    return Room(usable, None if fs is None else int(fs), romfs_bytes(board), frozen_flash,
                bool(board.get("flash_bytes"))), \
        None if frozen_flash is None else frozen_flash - model_bytes, "; ".join(notes)


def fit(board: dict[str, Any], model_bytes: int, arena_bytes: int, persistent_bytes: int,
        name: str = "model.tflite") -> Fit:
    """Does a model of `model_bytes` needing this arena and metadata fit the board's RAM from a file, from
    its ROMFS partition, or only frozen into the firmware (the same decision as `tinyml upload`'s, place())?"""
    r, flash_headroom, note = room(board, model_bytes)
    p = place(r, model_bytes, arena_bytes, persistent_bytes, name)
    heap = int(board.get("heap_bytes") or board.get("ram_bytes") or 0)
    ram_headroom = r.ram - (p.ram_file if p.verdict == "ram" else p.ram_in_place)
    return Fit(str(board["name"]), host_backend(board), heap, p.ram_file, p.ram_in_place, p.verdict,
               p.file, p.romfs, p.frozen, ram_headroom, flash_headroom,
               None if r.fs is None else r.fs - model_bytes, p.romfs_headroom, note)

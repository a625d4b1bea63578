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
  flash                  how `tinyml flash` programs the board (see commands/flash.py)
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RAM_RESERVE = 16 * 1024


class BoardError(Exception):
    """Unknown board or unreadable board definition."""


def boards_dir() -> Path:
    """Folder of board definitions: $TINYML_BOARDS, else boards/ of the source tree."""
    return Path(os.environ.get("TINYML_BOARDS") or ROOT / "boards")


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


def firmware_bytes(board: dict[str, Any]) -> tuple[int | None, str]:
    """Size of the firmware image and where the figure comes from."""
    image = image_dir(board["name"]) / str(board.get("image", "firmware.elf"))
    measured = elf_load_size(image) if image.exists() else None
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


@dataclass
class Fit:
    """Whether a model runs on a board, and how."""

    board: str
    backend: str
    heap_bytes: int
    ram_needed_file: int     # model loaded from the filesystem into RAM
    ram_needed_frozen: int   # model frozen into flash (read in place)
    verdict: str             # "ram", "flash" or "none"
    ram_headroom: int        # for the verdict's placement (negative: missing bytes)
    flash_headroom: int | None  # for a frozen model (None: unknown or not applicable)
    fs_headroom: int | None  # for a model file on the filesystem
    note: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def fit(board: dict[str, Any], model_bytes: int, arena_bytes: int, persistent_bytes: int) -> Fit:
    """Does a model of `model_bytes` needing this arena and metadata fit the board's RAM, or only frozen in flash?"""
    heap = int(board.get("heap_bytes") or board.get("ram_bytes") or 0)
    usable = heap - int(board.get("ram_reserve_bytes", DEFAULT_RAM_RESERVE))
    frozen = arena_bytes + persistent_bytes
    from_file = frozen + model_bytes
    fs = board.get("fs_bytes")
    fs_headroom = None if fs is None else int(fs) - model_bytes
    region = firmware_region_bytes(board)
    fw, fw_source = firmware_bytes(board)
    flash_headroom = None if region is None or fw is None or board.get("flash_bytes") is None \
        else region - fw - model_bytes
    notes = []
    if from_file <= usable and (fs_headroom is None or fs_headroom >= 0):
        verdict, ram_headroom = "ram", usable - from_file
    elif frozen <= usable and (flash_headroom is None or flash_headroom >= 0) and board.get("flash_bytes"):
        verdict, ram_headroom = "flash", usable - frozen
        if flash_headroom is None:
            notes.append("firmware size unknown: flash headroom not computed")
    else:
        verdict, ram_headroom = "none", usable - frozen
    if fw is not None and board.get("flash_bytes"):
        notes.append(f"firmware {fw} B ({fw_source})")
    return Fit(str(board["name"]), str(board.get("backend", "ref")), heap, from_file, frozen, verdict,
               ram_headroom, flash_headroom, fs_headroom, "; ".join(notes))

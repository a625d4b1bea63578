"""Shared by the tools tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED_MODELS = ROOT.parent / "shared" / "models"
QEMU_BOARD = "MPS2_AN500"
QEMU_IMAGE = ROOT / "firmware" / "images" / QEMU_BOARD / "firmware.elf"


@dataclass
class Result:
    """Exit status and captured output of one `tinyml` command."""

    rc: int
    out: str
    err: str


Runner = Callable[..., Result]

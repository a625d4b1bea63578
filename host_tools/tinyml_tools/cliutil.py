"""Small helpers shared by the `tinyml` subcommands: common options, output, model files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tinyml_tools.device import DEFAULT_QEMU_BOARD, DEFAULT_RP2040_BOARD, env_port

# exit codes
OK, FAILED, USAGE, REFUSED = 0, 1, 2, 3


def add_port(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", "-p", default=env_port(),
                   help="serial port of the board (default: $TINYML_PORT, else the only connected MicroPython "
                        f"board); 'qemu' or 'qemu:BOARD' boots the QEMU firmware (default {DEFAULT_QEMU_BOARD}); "
                        f"'rp2040' or 'rp2040:BOARD' boots the RP2040 firmware in the rp2040js emulator "
                        f"(default {DEFAULT_RP2040_BOARD}); emulated boards keep their files between commands "
                        "(tinyml board list, tinyml board reset PORT)")


def add_json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the report as JSON on stdout")


def print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=2)
    sys.stdout.write("\n")
    sys.stdout.flush()


def error(command: str, message: str) -> None:
    print(f"tinyml {command}: {message}", file=sys.stderr)


def read_file(command: str, path: Path) -> bytes | None:
    """The file's bytes, or None after printing why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as e:
        error(command, f"cannot read {path}: {e.strerror or e}")
        return None


def table(rows: list[list[str]], header: list[str], right: set[int] | None = None) -> str:
    """Plain text table; columns in `right` are right-aligned."""
    right = right or set()
    cells = [header] + rows
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(r: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    return "\n".join([line(header)] + [line(r) for r in rows])


def n(value: int | None) -> str:
    """1,234,567 (or '-')."""
    return "-" if value is None else f"{value:,}"


def shape_str(shape: tuple[int, ...] | list[int]) -> str:
    return "x".join(str(d) for d in shape) if shape else "scalar"

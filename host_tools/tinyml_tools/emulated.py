"""The emulated boards' ports, `--port qemu:BOARD` and `--port rp2040:BOARD`, and who is running them.

An emulated board keeps its files from one command to the next, as a real board keeps them
in flash: the RP2040's whole flash is a file (build/rp2040/<BOARD>.flash), a QEMU board's RAM
disk is saved into build/qemu/<BOARD>/ramdisk.img when the command that booted it ends and
loaded again at the next boot (tinyml_tools.qemu, tinyml_tools.rp2040). One program at a time
runs a board from its files: it holds the board's lock file, in which it writes the pty of the
board's console. Another `--port qemu:BOARD` command meanwhile talks to that running board
through the pty (e.g. a board started by `make qemu`); `tinyml board reset` refuses.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class BoardBusy(Exception):
    """Another program runs this emulated board; `info` is what it wrote (pty, pid, command)."""

    def __init__(self, lock: Path, info: dict[str, Any]) -> None:
        super().__init__(lock)
        self.lock = lock
        self.info = info


def _read(lock: Path) -> dict[str, Any]:
    try:
        info = json.loads(lock.read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


@contextlib.contextmanager
def hold(lock: Path) -> Iterator[dict[str, Any]]:
    """Hold the board's lock file (BoardBusy if another program holds it). The caller puts what
    others may use (e.g. {"pty": ...}) into the yielded dict and calls publish(lock, info)."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+") as f:
        for attempt in range(3):  # running() takes the lock for an instant to test it
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if attempt == 2:
                    raise BoardBusy(lock, _read(lock)) from None
                time.sleep(0.05)
        info: dict[str, Any] = {"pid": os.getpid()}
        publish(lock, info)
        try:
            yield info
        finally:
            with contextlib.suppress(OSError):
                f.truncate(0)


def publish(lock: Path, info: dict[str, Any]) -> None:
    """Write `info` into the lock file the caller holds (read by running())."""
    with open(lock, "r+") as f:
        f.truncate(0)
        f.write(json.dumps(info))


def running(lock: Path) -> dict[str, Any] | None:
    """What the program running the board wrote into its lock (pty, pid), or None if none runs it."""
    if not lock.exists():
        return None
    with open(lock, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return _read(lock)
        fcntl.flock(f, fcntl.LOCK_UN)
    return None

"""Emulated boards behave like boards (issue 19): what one `--port qemu:BOARD` command writes is there at the
next, as on the RP2040 whose flash is a file; `tinyml board reset` gives a clean board; a board that another
program runs (`make qemu`, i.e. `python -m tinyml_tools.qemu`) serves the commands through its pty, and saves
its RAM disk when it stops. Each board's state goes to a temporary $TINYML_QEMU_FLASH folder here."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tinyml_tools import emulated, qemu
from toolhelp import QEMU_BOARD, ROOT, Runner

PORT = f"qemu:{QEMU_BOARD}"
GESTURES = ROOT / "examples" / "gestures" / "gestures.tflite"


def _state(board: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    image = qemu.image_path(board)
    if not image.exists():
        pytest.skip(f"no QEMU firmware {image}: run 'make firmware BOARD={board}'")
    monkeypatch.setenv("TINYML_QEMU_FLASH", str(tmp_path / "qemu"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    (work / "cat.py").write_text("print(open('/keep.txt').read())\n")
    return tmp_path / "qemu" / board


@pytest.fixture()
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return _state(QEMU_BOARD, tmp_path, monkeypatch)


@pytest.mark.parametrize("board", [QEMU_BOARD, "NETDUINO_PLUS_2"])
def test_upload_then_run_in_a_second_command(tinyml: Runner, board: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    state, port = _state(board, tmp_path, monkeypatch), f"qemu:{board}"
    r = tinyml("upload", GESTURES, "--port", port)
    assert r.rc == 0, r.err
    assert f"{port} keeps its files in {state / 'ramdisk.img'} for the next commands" in r.out
    size = qemu.ramdisk_region(board)[1]
    assert (state / "ramdisk.img").stat().st_size == size
    # a new QEMU, its RAM disk loaded from ramdisk.img; the mounted folder lacks the model: found in /
    Path("load.py").write_text("import tinyml\nm = tinyml.Model('gestures.tflite')\nprint('ops', *m.ops)\n")
    r = tinyml("run", "load.py", "--port", port)
    assert r.rc == 0 and "ops RESHAPE CONV_2D" in r.out, r.err
    listing = json.loads(tinyml("board", "list", "--json").out)
    row = next(e for e in listing["emulated"] if e["port"] == port)
    assert row["built"] and f"ramdisk.img {size:,} B" in row["kept"] and row["running"] is False
    r = tinyml("board", "reset", port)
    assert r.rc == 0 and f"removed {state / 'ramdisk.img'}" in r.out
    assert not (state / "ramdisk.img").exists()
    r = tinyml("run", "load.py", "--port", port)
    assert r.rc == 1 and "ENOENT: no model file gestures.tflite in /remote" in r.err  # a clean board
    r = tinyml("board", "reset", "/dev/ttyACM0")
    assert r.rc == 2 and "reset takes an emulated board's port" in r.err


def test_netduino_ramdisk_region_is_the_linker_scripts() -> None:
    """NETDUINO_PLUS_2's saved RAM disk is the RAMDISK region of its linker script (the MPS boards' "ramdisk"
    is checked against their makefiles by tests/firmware/test_builds.py)."""
    ld = (ROOT / "boards" / "NETDUINO_PLUS_2" / "stm32f405_qemu.ld").read_text()
    m = re.search(r"RAMDISK \(rw\)\s*: ORIGIN = (0x[0-9A-Fa-f]+), LENGTH = (\d+)K", ld)
    assert m is not None
    assert qemu.ramdisk_region("NETDUINO_PLUS_2") == (int(m.group(1), 16), int(m.group(2)) * 1024)


def test_a_running_board_serves_the_commands(tinyml: Runner, state: Path) -> None:
    """`make qemu` runs the board: `--port qemu:BOARD` commands use it (no second QEMU), `board reset` refuses,
    and what they wrote is saved when it stops (SIGTERM, as Ctrl-C)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "host_tools"))
    proc = subprocess.Popen([sys.executable, "-m", "tinyml_tools.qemu", QEMU_BOARD], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "REPL on /dev/pts/" in line and f"--port qemu:{QEMU_BOARD}" in line, line + proc.stderr.read()
        pty = line.split("REPL on ")[1].split(":")[0]
        assert emulated.running(qemu.lock_file(QEMU_BOARD))["pty"] == pty
        Path("w.py").write_text("import sys\nwith open('/keep.txt', 'w') as f:\n    f.write('written to the running "
                                "board')\nprint(sys.implementation._machine)\n")
        t0 = time.monotonic()
        r = tinyml("run", "w.py", "--port", PORT)
        assert r.rc == 0 and "mps2-an500" in r.out, r.err
        assert time.monotonic() - t0 < 20
        listing = json.loads(tinyml("board", "list", "--json").out)
        assert next(e for e in listing["emulated"] if e["port"] == PORT)["running"] == pty
        r = tinyml("board", "reset", PORT)
        assert r.rc == 1 and f"{PORT} is already running on {pty}" in r.err
        r = tinyml("upload", "--romfs", "w.py", "--port", PORT)
        assert r.rc == 1 and "QEMU fills its ROMFS region when it starts: stop it" in r.err
        second = subprocess.run([sys.executable, "-m", "tinyml_tools.qemu", QEMU_BOARD], env=env, check=False,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and f"is already running on {pty}" in second.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert not (state / "ramdisk.img.part").exists()
    r = tinyml("run", "cat.py", "--port", PORT)
    assert r.rc == 0 and "written to the running board" in r.out, r.err

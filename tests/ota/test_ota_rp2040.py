"""`tinyml deploy` to RPI_PICO in the rp2040js emulator (littlefs in its emulated QSPI flash), killed at random
points, and power cuts.

- 3 seeded trials kill the deploying process after a random number of bytes of its USB serial traffic (at
  least 2 land mid-transfer: asserted); the restarted board runs the old version or the new one, signature
  checked and self-tested, with the host core's output.
- 2 power cuts: the emulator itself is killed (SIGKILL: its flash file keeps what the firmware had written
  by then, as a chip keeps its flash) at random times during a deploy, one mid-transfer and one in the last
  part of the deploy (verifying, self-testing, switching); booted again from its flash, the board runs the
  old version or the new one.
"""

from __future__ import annotations

import os
import random
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from otahelp import ENV, Kit
from serialota import active, kill_trials
from tinyml_tools import rp2040

BOARD = "RPI_PICO"
IMAGE = rp2040.image_path(BOARD)
X = bytes(np.random.default_rng(5).integers(-128, 128, 192, dtype=np.int8).tobytes())


def _missing() -> str | None:
    why = rp2040.missing()
    if why is None and not IMAGE.exists():
        why = f"no image {IMAGE.relative_to(rp2040.ROOT)}: run 'make firmware BOARD={BOARD}'"
    return why


@pytest.fixture(scope="module")
def flash(tmp_path_factory: pytest.TempPathFactory) -> Path:
    why = _missing()
    if why:
        pytest.skip(f"RP2040 emulator: {why}")
    return tmp_path_factory.mktemp("rp2040") / f"{BOARD}.flash"


@pytest.fixture()
def board(flash: Path) -> Iterator[rp2040.Rp2040Board]:
    """The board booted from the module's flash file (the firmware written into it first)."""
    with rp2040.session(BOARD, image=IMAGE, flash=flash) as b:
        yield b


def test_deploy_killed_at_random_points(kit: Kit, board: rp2040.Rp2040Board) -> None:
    log: list[str] = []
    mid = kill_trials(kit, board.pty, X, 3, 20250102, log)
    print("\n".join(log))
    assert mid >= 2, f"only {mid} of 3 kills landed mid-transfer: {log}"


def deploy(path: Path, port: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinyml_tools", "deploy", str(path), "--port", port, *extra],
                          capture_output=True, text=True, env=ENV, timeout=300, check=False)


def deploy_timed(path: Path, port: str, cut: Callable[[float, float | None], bool] | None = None) -> tuple[float, float]:
    """Run `tinyml deploy` and follow its progress lines: (seconds until the whole bundle was sent, seconds
    until it ended). cut(t, sent_at), called as it runs, returns True to stop following (the caller cuts the
    power): then (sent_at or -1, t)."""
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-u", "-m", "tinyml_tools", "deploy", str(path), "--port", port],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)
    assert proc.stderr is not None
    os.set_blocking(proc.stderr.fileno(), False)
    sent_at, buf = None, ""
    try:
        while proc.poll() is None:
            if select.select([proc.stderr], [], [], 0.01)[0]:
                buf += proc.stderr.read() or ""
                if sent_at is None and "100%" in buf:
                    sent_at = time.monotonic() - t0
            if cut is not None and cut(time.monotonic() - t0, sent_at):
                return (sent_at if sent_at is not None else -1.0), time.monotonic() - t0
        assert proc.returncode == 0, buf
        assert sent_at is not None, buf
        return sent_at, time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def test_power_cut_during_deploy(kit: Kit, flash: Path) -> None:
    """Power cuts (the emulator killed) during deploys, one while the bundle is sent, one after (while the
    board verifies, loads, self-tests and switches): booted again, it runs the old model or the new one."""
    want = kit.expected(X).hex()
    with rp2040.session(BOARD, image=None if flash.exists() else IMAGE, flash=flash) as b:
        r = deploy(kit.sign("gestures", 1), b.pty, "--trust", str(kit.pub_file))
        assert r.returncode in (0, 3), r.stderr  # installed, or the board runs a newer one (the previous test)
        current = active(b.pty, X)[1]
        sent, full = deploy_timed(kit.sign("gestures", current + 1), b.pty)  # calibration
    current += 1
    rng = random.Random(11)
    when = [("sending", rng.uniform(0.3, 0.9) * sent, False),
            ("after the transfer", rng.uniform(0.0, 0.9) * (full - sent), True)]
    for phase, delay, after_sent in when:
        new = current + 1
        with rp2040.session(BOARD, flash=flash) as b:
            def cut(t: float, sent_at: float | None, delay: float = delay, after_sent: bool = after_sent) -> bool:
                return (sent_at is not None and t >= sent_at + delay) if after_sent else t >= delay
            sent_at, t = deploy_timed(kit.sign("gestures", new), b.pty, cut)
            b.proc.kill()  # the power cut
            b.proc.wait(10)
        assert (sent_at >= 0) == after_sent, f"the cut meant {phase} came at {t:.2f} s (all sent at {sent_at:.2f} s)"
        with rp2040.session(BOARD, flash=flash) as b:
            name, version, y = active(b.pty, X)
        assert (name, y) == ("gestures", want), f"power cut {phase}: {name} {y}"
        assert version in (current, new), f"power cut {phase} ({t:.2f} s): version {version}"
        print(f"power cut {phase} at {t:.2f} s (bundle sent at {sent:.2f} s, deploy done at {full:.2f} s in "
              f"calibration): version {version}")
        current = version

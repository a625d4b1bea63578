"""`tinyml deploy` killed at random points against a board on a serial line (QEMU, rp2040js): shared steps."""

from __future__ import annotations

import os
import random
import re
import select
import subprocess
import sys
import time
from pathlib import Path

from otahelp import ENV, Kit
from tinyml_tools.device import Device

HERE = Path(__file__).resolve().parent
POKES = (3.0, 10.0, 25.0)  # seconds of silence before each Ctrl-C of settle()


def settle(port: str, deadline: float = 120.0) -> None:
    """Wait until the board is back at a REPL prompt after its sender was killed, before connecting (mpremote
    waits forever for a board that does not answer on a pty). A board receiving a bundle gives up after
    tinyml.ota.STALL_MS of silence, counted in its own time: a QEMU board polls in virtual time, one
    instruction per nanosecond, several wall seconds. A board left in the middle of a command (the raw REPL's
    paste mode) is sent a Ctrl-C after a growing silence (each one resets a receiving board's count)."""
    fd = os.open(port, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        seen = b""
        quiet_since = time.monotonic()
        pokes = list(POKES)
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    seen = (seen + os.read(fd, 4096))[-256:]
                except BlockingIOError:
                    continue
                quiet_since = time.monotonic()
                continue
            if seen.endswith((b"\x04>", b"raw REPL; CTRL-B to exit\r\n>", b">>> ")):
                return  # at a prompt, and nothing more coming
            if pokes and time.monotonic() - quiet_since > pokes[0]:
                pokes.pop(0)
                os.write(fd, b"\x03")
                quiet_since = time.monotonic()
        raise AssertionError(f"the board on {port} did not come back to a prompt: {seen[-120:]!r}")
    finally:
        os.close(fd)


def deploy(port: str, path: Path, kill_at: int = -1, *extra: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(HERE / "deploykill.py"), port, str(path), str(kill_at), *extra],
                          capture_output=True, text=True, env=ENV, timeout=timeout, check=False)


def active(port: str, x: bytes) -> tuple[str, int, str]:
    """After a restart (soft reset: the filesystem stays): the model tinyml.ota.model() loads, verified
    and self-tested, its version and its output bytes for x."""
    dev = Device(port)
    try:
        out = dev.exec("import tinyml.ota as ota, binascii\nm = ota.model()\n"
                       f"print('MODEL', m.name, m.version, binascii.hexlify(bytes(m.predict({x!r}))).decode())",
                       timeout=300)
    finally:
        dev.close()
    line = next(ln for ln in out.splitlines() if ln.startswith("MODEL "))
    _, name, version, y = line.split()
    return name, int(version), y


def kill_trials(kit: Kit, port: str, x: bytes, trials: int, seed: int, log: list[str]) -> int:
    """Deploy version 1 (counting its serial bytes), then `trials` deploys of the next version killed after a
    random number of serial bytes (over the whole deploy: connecting, commands, transfer), each followed by a
    restart that must run the old or the new version, signed and self-tested. Returns how many kills landed
    mid-transfer."""
    r = deploy(port, kit.sign("gestures", 1), -1, "--trust", str(kit.pub_file))  # also the calibration
    assert r.returncode == 0, r.stderr
    want = kit.expected(x).hex()
    assert active(port, x) == ("gestures", 1, want)
    m = re.search(r"TOTAL serial=(\d+) data=(\d+):(\d+)", r.stdout)
    assert m, r.stdout
    total, first, last = map(int, m.groups())  # the serial bytes of a whole deploy, and the bundle's among them
    assert 0 < first < last <= total
    current = 1
    rng = random.Random(seed)
    mid = 0
    for trial in range(trials):
        new = current + 1
        path = kit.sign("gestures", new)
        kill_at = rng.randrange(total)
        r = deploy(port, path, kill_at)
        assert r.returncode == -9, f"trial {trial}: not killed at byte {kill_at} of {total}: {r.stdout} {r.stderr}"
        k = re.search(r"KILL serial=(\d+) bundle=(\d+) of (\d+)", r.stderr)
        assert k, r.stderr
        sent, size = int(k.group(2)), int(k.group(3))
        mid += 0 < sent < size
        settle(port)
        name, version, y = active(port, x)
        assert (name, y) == ("gestures", want), f"trial {trial}: {name} {y}"
        assert version in (current, new), f"trial {trial}: killed at byte {kill_at}: version {version}"
        assert version == current or sent == size, f"trial {trial}: version {new} active with {sent} of {size} bytes"
        log.append(f"byte {kill_at}/{total} (bundle {sent}/{size}): version {version}")
        current = version
    r = deploy(port, kit.sign("gestures", current + 1))
    assert r.returncode == 0, r.stderr
    assert active(port, x)[1] == current + 1
    return mid

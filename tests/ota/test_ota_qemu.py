"""`tinyml deploy` to the QEMU Cortex-M7 board (MPS2_AN500) over its serial line, killed at random points.

- 5 seeded trials kill the deploying process after a random number of bytes of its serial traffic (most land
  mid-transfer: asserted); 2 more kill it at a random time and send a Ctrl-C at once, as the next connection
  does, which interrupts the device wherever it is (receiving, verifying, self-testing, switching). After each, the restarted board runs
  the old version or the new one, signature checked and self-tested, with the host core's output.
- refusals over the serial line: an untrusted key, a corrupted bundle, an older version; the model stays.
- --fleet records the outcome, as devices updating over HTTP report it.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from otahelp import ENV, ROOT, Kit
from serialota import active, kill_trials, settle

BOARD = "MPS2_AN500"
IMAGE = ROOT / "firmware" / "images" / BOARD / "firmware.elf"
X = bytes(np.random.default_rng(4).integers(-128, 128, 192, dtype=np.int8).tobytes())


@pytest.fixture(scope="module")
def port() -> Iterator[str]:
    if not IMAGE.exists():
        pytest.skip(f"no QEMU firmware {IMAGE.relative_to(ROOT)} (make firmware BOARD={BOARD})")
    if shutil.which("qemu-system-arm") is None:
        pytest.skip("qemu-system-arm is not installed")
    from tinyml_tools.qemu import boot

    with boot(BOARD, timeout=60) as pty:
        yield pty


def tinyml(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinyml_tools", *map(str, args)], capture_output=True, text=True,
                          env=ENV, timeout=300, check=False)


def test_deploy_killed_at_random_points(kit: Kit, port: str) -> None:
    log: list[str] = []
    mid = kill_trials(kit, port, X, 5, 20250101, log)
    print("\n".join(log))
    assert mid >= 3, f"only {mid} of 5 kills landed mid-transfer: {log}"
    # killed at random times, then at once a Ctrl-C as the next connection sends it: it lands wherever the
    # device is (receiving: taken as data; verifying, loading, self-testing or switching: an interrupt)
    want = kit.expected(X).hex()
    current = active(port, X)[1]
    rng = random.Random(7)
    t0 = time.monotonic()
    assert tinyml("deploy", kit.sign("gestures", current + 1), "--port", port).returncode == 0
    full = time.monotonic() - t0
    current += 1
    for trial in range(2):
        delay = rng.uniform(0.3 * full, 1.1 * full)
        proc = subprocess.Popen([sys.executable, "-m", "tinyml_tools", "deploy",
                                 str(kit.sign("gestures", current + 1)), "--port", port], env=ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        rc = proc.wait(10)
        with open(port, "wb", buffering=0) as pty:
            pty.write(b"\r\x03")
        settle(port)
        name, version, y = active(port, X)
        assert (name, y) == ("gestures", want) and version in (current, current + 1), (trial, delay, rc, version)
        assert rc == -signal.SIGKILL or version == current + 1
        current = version


def test_deploy_refusals_and_fleet(kit: Kit, port: str, tmp_path: Path) -> None:
    r = tinyml("deploy", kit.sign("gestures", 1, file="g1.tmlb"), "--port", port, "--trust", kit.pub_file)
    assert r.returncode in (0, 3), r.stderr  # installed, or older than what the board runs: the key is trusted
    before = active(port, X)
    other = kit.sign("gestures", 500, key=kit.other_key, file="other.tmlb")
    flipped = tmp_path / "flipped.tmlb"
    data = bytearray(kit.sign("gestures", 500).read_bytes())
    data[300] ^= 0x10
    flipped.write_bytes(bytes(data))
    old = kit.sign("gestures", max(1, before[1]), file="old.tmlb")
    for path, words in ((other, "which this device does not trust"), (flipped, "bad signature"),
                        (old, "anti-rollback")):
        r = tinyml("deploy", path, "--port", port, "--fleet", tmp_path / "site", "--json")
        assert r.returncode == 3, r.stderr
        assert words in r.stderr and json.loads(r.stdout)["status"] == "refused"
        assert active(port, X) == before
    r = tinyml("deploy", kit.sign("gestures", before[1] + 1), "--port", port, "--fleet", tmp_path / "site")
    assert r.returncode == 0, r.stderr
    assert "active in slot" in r.stdout
    r = tinyml("fleet", tmp_path / "site", "--json")
    (d,) = json.loads(r.stdout)["devices"]
    assert (d["status"], d["version"], d["previous"], d["port"]) == ("updated", before[1] + 1, before[1], port)

"""Transport faults: an upload killed at a random point never leaves a wrong file under its final name.

20 seeded trials against the QEMU Cortex-M7 board, each checked with a SHA-256 computed on the device.
Each trial runs the upload in a child process that SIGKILLs itself once it has written a chosen number
of bytes to the serial line (the bytes of the command being written up to that point are sent: the line
stops mid-command), so every kill lands where the test says, and the test checks that it did:
- 10 kill the `tinyml upload` command, 2 while it connects and checks (before the device opens the
  temporary file), 6 while the data goes over, 2 while it verifies and renames;
- 10 kill a process running Device.put_file (what `tinyml upload` calls) at random byte counts of its
  whole serial traffic.
A calibration upload logs where on the wire the temporary file is opened, written and closed. A kill
while the data goes over must have left bytes on the wire and an incomplete file behind: the device
still holds the temporary file open, with fewer bytes in it than the upload had (the file's position,
read on the device), and the file under the final name is the old one, intact. After the trials the
board still answers and a complete upload replaces the file.

The other half of issue 5, the stream decoder given 1 MB of random bytes and 20,000 frames with random
bit flips decoding no false record, is tests/tools/test_tools_stream_codec.py
(test_random_bytes_decode_nothing, test_bit_flips_never_give_a_false_record).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from tinyml_tools.device import Device

ROOT = Path(__file__).resolve().parents[2]
SHARED_MODELS = ROOT.parent / "shared" / "models"
SEED = 20240605
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "host_tools"), os.environ.get("PYTHONPATH", "")])}

# Child process: an upload (argv[1] "cli": `tinyml upload SRC --port PORT --as PATH`; "put_file":
# Device.put_file(PATH, SRC's bytes)) that SIGKILLs itself once it has written argv[5] bytes to the serial
# line (-1: no kill). It logs to argv[6], one JSON line each: where on the wire (bytes written before) the
# commands that open, write and close the temporary file and rename it start; the kill; the total.
KILLER = r"""
import json, os, signal, sys
import serial
mode, port, path, src, kill_at, log = sys.argv[1:5] + [int(sys.argv[5]), sys.argv[6]]
MARKS = {b"_tml_f = open(": "open", b"_tml_f.write(": "write", b"_tml_f.close()": "close", b"os.rename(": "rename"}
out = open(log, "w")
sent = 0
write = serial.Serial.write
def counting_write(self, b):
    global sent
    b = bytes(b)
    if 0 <= kill_at < sent + len(b):
        write(self, b[:kill_at - sent])
        self.flush()
        out.write(json.dumps({"killed": kill_at}) + "\n")
        out.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    for m, name in MARKS.items():
        if m in b:
            out.write(json.dumps({name: sent}) + "\n")
    out.flush()
    sent += len(b)
    return write(self, b)
serial.Serial.write = counting_write
if mode == "cli":
    from tinyml_tools.cli import main
    rc = main(["upload", src, "--port", port, "--as", path])
else:
    from tinyml_tools.device import Device
    Device(port).put_file(path, open(src, "rb").read())
    rc = 0
out.write(json.dumps({"total": sent}) + "\n")
sys.exit(rc)
"""


@dataclass
class Wire:
    """Where on the serial line (bytes written before) a whole upload's steps start."""
    open: int
    writes: list[int]
    close: int
    rename: int
    total: int


def upload(mode: str, port: str, path: str, src: Path, log: Path, kill_at: int = -1) -> tuple[int, list[dict]]:
    """Run the child (mode "cli" or "put_file"); its exit status and log."""
    r = subprocess.run([sys.executable, "-c", KILLER, mode, port, path, str(src), str(kill_at), str(log)],
                       capture_output=True, text=True, env=ENV, timeout=120, check=False)
    entries = [json.loads(ln) for ln in log.read_text().splitlines()] if log.exists() else []
    if kill_at < 0:
        assert r.returncode == 0, f"{mode} upload of {src.name} failed: {r.stdout} {r.stderr}"
    return r.returncode, entries


def calibrate(mode: str, port: str, path: str, src: Path, log: Path) -> Wire:
    _, entries = upload(mode, port, path, src, log)
    at: dict[str, list[int]] = {}
    for e in entries:
        for k, v in e.items():
            at.setdefault(k, []).append(v)
    return Wire(at["open"][0], at["write"], at["close"][0], at["rename"][0], at["total"][0])


@dataclass
class State:
    sha: str | None      # of the file under the final name (computed on the device)
    part: int | None     # size of the temporary file on the filesystem (None: absent)
    held: int | None     # bytes written into the temporary file the device still holds open (None: none)


def on_device(port: str, path: str) -> State:
    dev = Device(port, soft_reset=False)  # the killed upload's REPL state is kept: its open file too
    try:
        dev.exec("try:\n _tml_held = _tml_f.tell()\nexcept Exception:\n _tml_held = None")  # none, or closed
        held = dev.eval("_tml_held")
        return State(dev.sha256(path), dev.file_size(Device.part_name(path)), held)
    finally:
        dev.close()


def check_kill(wire: Wire, kill_at: int, state: State, old: str, new: Path, what: str) -> str:
    """Check the board's state after a kill at byte `kill_at`; returns the step it landed in."""
    size = new.stat().st_size
    if kill_at <= wire.open:
        assert state.sha == old and state.part is None and state.held is None, f"{what}: before the open: {state}"
        return "before the data"
    if kill_at <= wire.close:
        assert state.sha == old, f"{what}: killed while the data went over, {state.sha} is not the old file"
        assert state.part is not None and state.held is not None, \
            f"{what}: killed after the temporary file was opened, the device holds none: {state}"
        assert state.held < size, f"{what}: the temporary file holds {state.held} of {size} bytes: not incomplete"
        if kill_at > wire.writes[1]:  # the first chunk's command was sent whole: its bytes are in the file
            assert state.held > 0, f"{what}: bytes were on the wire, the temporary file holds none"
        return f"mid-transfer ({state.held} of {size} bytes in the temporary file)"
    assert state.sha in (old, hashlib.sha256(new.read_bytes()).hexdigest()), f"{what}: {state.sha}"
    return "verifying" if kill_at <= wire.rename else "renaming"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_upload_killed_at_random_points(board_port: str, tmp_path: Path) -> None:
    """`tinyml upload` killed at 10 random points of its serial traffic: the old file or the new one, never
    anything else; the 6 kills during the transfer each left bytes on the wire and an incomplete file."""
    models = [SHARED_MODELS / "hello_world_int8.tflite", SHARED_MODELS / "micro_speech_quantized.tflite"]
    if not all(p.exists() for p in models):
        pytest.skip(f"shared models not found in {SHARED_MODELS}")
    name = "fault/victim.tflite"
    wire = calibrate("cli", board_port, name, models[1], tmp_path / "calibrate.log")  # 3 data chunks
    rng = random.Random(SEED)
    points = sorted([rng.randrange(1, wire.open) for _ in range(2)] +
                    [rng.randrange(wire.open + 1, wire.close) for _ in range(6)] +
                    [rng.randrange(wire.close + 1, wire.total) for _ in range(2)])
    outcomes = []
    old = sha(models[0].read_bytes())
    state = State(None, None, None)
    for trial, kill_at in enumerate(points):
        if state.sha != old:  # the old file under the final name: hello_world
            upload("cli", board_port, name, models[0], tmp_path / "old.log")
        rc, log = upload("cli", board_port, name, models[1], tmp_path / f"kill{trial}.log", kill_at)
        assert rc == -signal.SIGKILL and {"killed": kill_at} in log, f"trial {trial}: not killed at byte {kill_at}"
        state = on_device(board_port, name)
        outcomes.append(check_kill(wire, kill_at, state, old, models[1],
                                   f"trial {trial}: killed at byte {kill_at} of {wire.total}"))
    print(f"tinyml upload killed at bytes {points} of {wire.total} (data from {wire.open} to {wire.close}): "
          f"{outcomes}")
    assert sum(o.startswith("mid-transfer") for o in outcomes) == 6
    upload("cli", board_port, name, models[1], tmp_path / "final.log")
    assert (on_device(board_port, name).sha, on_device(board_port, name).part) == (sha(models[1].read_bytes()), None)


def test_put_file_killed_at_random_bytes(board_port: str, tmp_path: Path) -> None:
    """Device.put_file killed after 10 random byte counts of its serial traffic: the old file, intact, and
    where the kill came during the transfer, an incomplete temporary file."""
    rng = random.Random(SEED + 1)
    old, new = tmp_path / "old.bin", tmp_path / "new.bin"
    old.write_bytes(rng.randbytes(5000))
    new.write_bytes(rng.randbytes(12000))  # two chunks, incompressible
    name = "fault/blob.bin"
    upload("put_file", board_port, name, old, tmp_path / "old.log")
    wire = calibrate("put_file", board_port, name, new, tmp_path / "calibrate.log")
    offsets = sorted(rng.randrange(1, wire.total) for _ in range(10))
    outcomes = []
    state = State(None, None, None)
    for kill_at in offsets:
        if state.sha != sha(old.read_bytes()):
            upload("put_file", board_port, name, old, tmp_path / "old.log")
        rc, log = upload("put_file", board_port, name, new, tmp_path / "kill.log", kill_at)
        assert rc == -signal.SIGKILL and {"killed": kill_at} in log, f"not killed at byte {kill_at} of {wire.total}"
        state = on_device(board_port, name)
        outcomes.append(check_kill(wire, kill_at, state, sha(old.read_bytes()), new,
                                   f"killed at byte {kill_at} of {wire.total}"))
        if kill_at <= wire.rename:
            assert state.sha == sha(old.read_bytes()), f"killed at byte {kill_at}: the old file was replaced"
    print(f"put_file killed at bytes {offsets} of {wire.total} (data from {wire.open} to {wire.close}): {outcomes}")
    assert any(o.startswith("mid-transfer") for o in outcomes)
    upload("put_file", board_port, name, new, tmp_path / "final.log")
    state = on_device(board_port, name)
    assert (state.sha, state.part) == (sha(new.read_bytes()), None)

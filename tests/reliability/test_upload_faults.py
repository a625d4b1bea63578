"""Transport faults: an upload killed at a random point never leaves a wrong file under its final name.

20 seeded trials against the QEMU Cortex-M7 board, each checked with a SHA-256 computed on the device:
- 10 kill the `tinyml upload` command (SIGKILL) at a random time of its run (connecting, checking,
  sending, verifying, renaming or done): the file under the final name is the old one, intact, or the
  new one, complete;
- 10 kill a process running Device.put_file (what `tinyml upload` calls) when it has written a random
  number of bytes to the serial line, so mostly in the middle of a command: the old file is intact
  (the rename is the last command; it never ran).
After the trials the board still answers and a complete upload replaces the file.

The other half of issue 5, the stream decoder given 1 MB of random bytes and 20,000 frames with random
bit flips decoding no false record, is tests/tools/test_tools_stream_codec.py
(test_random_bytes_decode_nothing, test_bit_flips_never_give_a_false_record).
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tinyml_tools.device import Device

ROOT = Path(__file__).resolve().parents[2]
SHARED_MODELS = ROOT.parent / "shared" / "models"
SEED = 20240605
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "host_tools"), os.environ.get("PYTHONPATH", "")])}

# Child process: Device.put_file that SIGKILLs itself once it has written argv[4] bytes to the serial line
# (the bytes of the command being written up to that point are sent: the line stops mid-command).
# argv[4] = -1: no kill; prints how many bytes a whole upload writes.
KILLER = """
import os, signal, sys
from tinyml_tools.device import Device
port, path, src, kill_at = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
data = open(src, "rb").read()
dev = Device(port)
ser = dev.transport.serial
write = ser.write
sent = 0
def counting_write(b):
    global sent
    b = bytes(b)
    if 0 <= kill_at < sent + len(b):
        write(b[:kill_at - sent])
        ser.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    sent += len(b)
    return write(b)
ser.write = counting_write
dev.put_file(path, data)
print(sent)
"""


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def on_device(port: str, path: str) -> tuple[str | None, int | None]:
    """SHA-256 (computed on the device) of `path`, and the size of its temporary upload file."""
    dev = Device(port, soft_reset=False)
    try:
        return dev.sha256(path), dev.file_size(Device.part_name(path))
    finally:
        dev.close()


def cli_upload(port: str, model: Path, name: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tinyml_tools", "upload", str(model), "--port", port, "--as", name],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)


def put_file_child(port: str, name: str, src: Path, kill_at: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", KILLER, port, name, str(src), str(kill_at)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)


def test_upload_killed_at_random_times(board_port: str) -> None:
    """`tinyml upload` killed at 10 random times: the old file or the new one, never anything else."""
    models = [SHARED_MODELS / "hello_world_int8.tflite", SHARED_MODELS / "micro_speech_quantized.tflite"]
    if not all(p.exists() for p in models):
        pytest.skip(f"shared models not found in {SHARED_MODELS}")
    shas = {sha(p.read_bytes()): p for p in models}
    name = "fault/victim.tflite"
    t0 = time.monotonic()  # also the calibration: how long a whole upload of the larger model takes
    assert cli_upload(board_port, models[1], name).wait(60) == 0
    full = time.monotonic() - t0
    assert cli_upload(board_port, models[0], name).wait(60) == 0
    rng = random.Random(SEED)
    outcomes = []
    current = sha(models[0].read_bytes())
    for trial in range(10):
        new = next(p for s, p in shas.items() if s != current)
        delay = rng.uniform(0.0, 1.1 * full)
        proc = cli_upload(board_port, new, name)
        try:
            proc.wait(delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        rc = proc.wait(10)
        got, _ = on_device(board_port, name)
        assert got in shas, f"trial {trial}: killed after {delay:.2f} s: {name} has SHA-256 {got}, neither file"
        assert rc == -signal.SIGKILL or (rc == 0 and got == sha(new.read_bytes())), \
            f"trial {trial}: the upload ended with status {rc} and {name} is {shas[got].name}"
        outcomes.append("new" if got != current else "old")
        current = got
    print(f"upload killed at random times (whole upload {full:.2f} s): {outcomes}")
    final = models[1] if current != sha(models[1].read_bytes()) else models[0]
    assert cli_upload(board_port, final, name).wait(60) == 0
    assert on_device(board_port, name) == (sha(final.read_bytes()), None)


def test_put_file_killed_at_random_bytes(board_port: str, tmp_path: Path) -> None:
    """Device.put_file killed after 10 random byte counts of its serial traffic: the old file, intact."""
    rng = random.Random(SEED + 1)
    old, new = tmp_path / "old.bin", tmp_path / "new.bin"
    old.write_bytes(rng.randbytes(5000))
    new.write_bytes(rng.randbytes(20000))  # three chunks, incompressible
    name = "fault/blob.bin"
    child = put_file_child(board_port, name, old, -1)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    child = put_file_child(board_port, name, new, -1)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    total = int(out.split()[-1])  # bytes a whole upload of `new` writes
    child = put_file_child(board_port, name, old, -1)
    assert child.communicate(timeout=60)[0] and child.returncode == 0
    offsets = sorted(rng.randrange(total) for _ in range(10))
    for kill_at in offsets:
        child = put_file_child(board_port, name, new, kill_at)
        out, err = child.communicate(timeout=60)
        assert child.returncode == -signal.SIGKILL, f"not killed at byte {kill_at} of {total}: {out} {err}"
        got, part = on_device(board_port, name)
        assert got == sha(old.read_bytes()), f"killed at byte {kill_at} of {total}: {name} has SHA-256 {got}"
        assert part is None or part <= new.stat().st_size
    print(f"put_file killed at bytes {offsets} of {total}: old file intact each time")
    child = put_file_child(board_port, name, new, -1)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert on_device(board_port, name) == (sha(new.read_bytes()), None)

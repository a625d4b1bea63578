"""The device commands end to end, against the QEMU board over its pty (mpremote's serial transport)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from test_tools_inspect import unsupported_model
from tinyml_tools import boards
from tinyml_tools.core import Model
from tinyml_tools.device import Device
from tinyml_tools.stream import Record
from toolhelp import QEMU_BOARD, QEMU_IMAGE, ROOT, Runner

DeviceFactory = Callable[[], AbstractContextManager[Device]]
pytestmark = pytest.mark.usefixtures("qemu_port")

if not QEMU_IMAGE.exists():
    pytest.skip(f"device tests skipped: no QEMU firmware {QEMU_IMAGE.relative_to(ROOT)} "
                f"(build it with 'make firmware BOARD={QEMU_BOARD}')", allow_module_level=True)
if shutil.which("qemu-system-arm") is None:
    pytest.skip("device tests skipped: qemu-system-arm is not installed", allow_module_level=True)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def model(shared_models: list[Path], prefix: str) -> Path:
    return next(p for p in shared_models if p.name.startswith(prefix))


def test_inspect_arena_equals_device(tinyml: Runner, qemu_port: str, device: DeviceFactory,
                                     shared_models: list[Path]) -> None:
    """Every shared model: uploaded (verified on the device), loaded there; the arena inspect
    predicts for the board is the one the firmware allocates."""
    for path in shared_models:
        data = path.read_bytes()
        rep = json.loads(tinyml("inspect", path, "--board", QEMU_BOARD, "--json").out)
        r = tinyml("upload", path, "--port", qemu_port, "--as", f"models/{path.name}", "--json")
        assert r.rc == 0, r.err
        up = json.loads(r.out)
        assert up["verified"] and up["sha256"] == sha(data) and up["path"] == f"models/{path.name}"
        with device() as dev:
            assert dev.sha256(f"models/{path.name}") == sha(data)  # computed on the device
            got = dev.eval(f"(lambda m: (m.arena_size, list(m.ops), [i.shape for i in m.inputs]))"
                           f"(__import__('tinyml').Model('models/{path.name}'))")
        (board,) = rep["boards"]
        assert got[0] == board["arena_bytes"] == rep["arena_bytes"][board["backend"]], path.name
        assert got[1] == [la["op"] for la in rep["layers"]]
        assert [list(s) for s in got[2]] == [t["shape"] for t in rep["inputs"]]


def test_upload_replaces_and_skips_identical(tinyml: Runner, qemu_port: str, device: DeviceFactory,
                                            shared_models: list[Path]) -> None:
    hello, micro = model(shared_models, "hello_world"), model(shared_models, "micro_speech")
    assert tinyml("upload", hello, "--port", qemu_port, "--as", "m.tflite").rc == 0
    r = tinyml("upload", micro, "--port", qemu_port, "--as", "m.tflite")
    assert r.rc == 0 and "SHA-256 verified" in r.out
    assert "100%" in r.err  # the progress bar
    r = tinyml("upload", micro, "--port", qemu_port, "--as", "m.tflite", "--json")
    assert r.rc == 0 and json.loads(r.out)["uploaded"] is False  # same bytes: not copied again
    with device() as dev:
        assert dev.sha256("m.tflite") == sha(micro.read_bytes())
        assert dev.file_size("m.tflite.part") is None


def test_upload_killed_halfway_keeps_the_old_file(tinyml: Runner, qemu_port: str, device: DeviceFactory,
                                                  shared_models: list[Path]) -> None:
    old, new = model(shared_models, "hello_world"), model(shared_models, "kws")
    assert tinyml("upload", old, "--port", qemu_port, "--as", "victim.tflite").rc == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT / "host_tools")}
    proc = subprocess.Popen([sys.executable, "-m", "tinyml_tools", "upload", str(new), "--port", qemu_port,
                             "--as", "victim.tflite"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True, env=env)
    assert proc.stderr is not None
    percent = 0
    for line in proc.stderr:  # one progress line per 10 %
        if "%" in line:
            percent = int(line.split("%")[0].split()[-1])
            if percent >= 40:
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert 40 <= percent < 100
    with device() as dev:
        assert dev.sha256("victim.tflite") == sha(old.read_bytes())  # the old model, intact
        part = dev.file_size("victim.tflite.part")
        assert part is None or part < new.stat().st_size  # at most a partial temporary file
    r = tinyml("upload", new, "--port", qemu_port, "--as", "victim.tflite")  # a new upload completes
    assert r.rc == 0, r.err
    with device() as dev:
        assert dev.sha256("victim.tflite") == sha(new.read_bytes())
        assert dev.file_size("victim.tflite.part") is None


def test_upload_refuses_unsupported_ops(tinyml: Runner, qemu_port: str, device: DeviceFactory,
                                        tmp_path: Path) -> None:
    path = tmp_path / "fancy.tflite"
    path.write_bytes(unsupported_model())
    r = tinyml("upload", path, "--port", qemu_port)
    assert r.rc == 3
    assert "refused" in r.err and "LOCAL_RESPONSE_NORMALIZATION (operator 0)" in r.err and "CUSTOM 'MyFancyOp' (operator 1)" in r.err
    assert "RELU" in r.err  # in the list of what the firmware supports
    r = tinyml("upload", path, "--port", qemu_port, "--json")
    assert r.rc == 3 and json.loads(r.out)["uploaded"] is False
    with device() as dev:
        assert dev.file_size("fancy.tflite") is None and dev.file_size("fancy.tflite.part") is None


def test_run_live_output_with_mounted_folder(tinyml: Runner, qemu_port: str, device: DeviceFactory,
                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data.txt").write_text("local data 42\n")
    (tmp_path / "ok.py").write_text("import os\nprint('cwd', os.getcwd())\nprint(open('data.txt').read().strip())\n"
                                    "import tinyml\nprint('tinyml', tinyml.version)\n")
    (tmp_path / "bad.py").write_text("print('before')\nraise ValueError('boom on the device')\n")
    monkeypatch.chdir(tmp_path)
    r = tinyml("run", "ok.py", "--port", qemu_port)
    assert r.rc == 0, r.err
    assert "cwd /remote" in r.out and "local data 42" in r.out and "tinyml 0." in r.out
    r = tinyml("run", "bad.py", "--port", qemu_port)
    assert r.rc == 1 and "before" in r.out and "ValueError: boom on the device" in r.err
    # output arrives while the script runs, not at its end
    with device() as dev:
        stamps: list[tuple[float, bytes]] = []
        res = dev.exec_follow("import time\nprint('first')\ntime.sleep_ms(800)\nprint('last')",
                              lambda b: stamps.append((time.monotonic(), b)))
    assert res.err == "" and not res.interrupted
    text = b"".join(b for _, b in stamps)
    assert text.replace(b"\r", b"") == b"first\nlast\n"
    t_first = next(t for t, b in stamps if b"f" in b)
    t_last = next(t for t, b in stamps if b"l" in b and t > t_first)
    assert t_last - t_first > 0.5


def test_run_boots_qemu_itself(tinyml: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "m.py").write_text("import sys\nprint(sys.implementation._machine)\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINYML_QEMU_FLASH", str(tmp_path / "qemu"))  # the board's saved state: not the checkout's
    r = tinyml("run", "m.py", "--port", f"qemu:{QEMU_BOARD}")
    assert r.rc == 0, r.err
    assert "mps2-an500" in r.out


STREAM_SCRIPT = """\
import sys, random
try:
    import tinyml_stream as stream     # the current lib/tinyml/stream.py, when the firmware's is older
except ImportError:
    from tinyml import stream
out = sys.stdout.buffer if hasattr(sys.stdout, 'buffer') else sys.stdout
random.seed(5)
print('starting')
stream.send(i=0, x=0.5, label='a')
stream.send(i=1, x=-1.25, label='b', v=[1, 2, 3])
f = stream.frame({'i': 'dropped'})                  # seq 2: bytes lost in the payload
out.write((f[:18] + f[23:] + '\\n').encode())
f = bytearray(stream.frame({'i': 'flipped'}).encode())  # seq 3: one bit flipped
f[16] ^= 0x04
out.write(bytes(f) + b'\\n')
f = stream.frame({'i': 'cut'})                      # seq 4: cut short, the next frame right after
out.write(f[:25].encode())
stream.send(i=5, x=2.0, label='c')
out.write(bytes(random.choice([b for b in range(256) if b not in (4, 126)]) for _ in range(300)))
print()
print('text between records')
f = stream.frame({'i': 'nostart'})                  # seq 6: the start marker lost
out.write((f[1:] + '\\n').encode())
stream.send(i=7, x=3.5, label='d')
stream.send(i=8, x=None, label='e')
print('done')
"""


def _stream_script(dev_factory: DeviceFactory) -> str:
    """The test script; uploads lib/tinyml/stream.py when the firmware's module differs from it."""
    from tinyml_tools.stream import decode_all

    with dev_factory() as dev:
        try:
            frame = dev.eval("__import__('tinyml.stream').stream.frame({'a': 1}, seq=3)")
        except Exception:  # noqa: BLE001 (no tinyml.stream in this firmware)
            frame = ""
        ok = decode_all(frame.encode())[0] == [Record(3, {"a": 1})]
        if ok:
            dev.remove("tinyml_stream.py")
        else:
            dev.put_file("tinyml_stream.py", (ROOT / "lib" / "tinyml" / "stream.py").read_bytes())
    return STREAM_SCRIPT


def test_stream_decodes_around_damage(tinyml: Runner, qemu_port: str, device: DeviceFactory, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "send.py").write_text(_stream_script(device))
    monkeypatch.chdir(tmp_path)
    r = tinyml("stream", "--port", qemu_port, "--run", "send.py", "--jsonl", "out.jsonl", "--json")
    assert r.rc == 0, r.err
    summary = json.loads(r.out)
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(x["seq"], x["i"], x["x"], x["label"]) for x in rows] == [
        (0, 0, 0.5, "a"), (1, 1, -1.25, "b"), (5, 5, 2.0, "c"), (7, 7, 3.5, "d"), (8, 8, None, "e")]
    assert rows[1]["v"] == [1, 2, 3]
    assert summary["records"] == 5
    assert summary["damaged"] == 3  # dropped bytes, bit flip, cut frame
    assert summary["lost"] == 4     # seq 2, 3, 4 and 6 (whose start marker was lost)
    assert summary["text_bytes"] >= 300
    # the live table and the device's own print output
    r = tinyml("stream", "--port", qemu_port, "--run", "send.py")
    assert r.rc == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].split() == ["time", "seq", "i", "x", "label"]
    assert lines[1].split()[1:] == ["0", "0", "0.5", "a"]
    assert lines[2].split() == ["time", "seq", "i", "x", "label", "v"]  # a new field: the header again
    assert lines[3].split()[1:] == ["1", "1", "-1.25", "b", "[1,2,3]"]
    assert [ln.split()[1] for ln in lines[4:]] == ["5", "7", "8"]
    assert "device: starting" in r.err and "device: text between records" in r.err and "device: done" in r.err
    assert "5 records, 3 damaged frames skipped, 4 lost" in r.err


def test_stream_csv_and_count(tinyml: Runner, qemu_port: str, device: DeviceFactory, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    # (not an endless loop: the QEMU port reads its UART only for input, so Ctrl-C cannot stop a script)
    script = _stream_script(device).split("random.seed")[0] + (
        "import time\nfor n in range(40):\n    stream.send(n=n, sq=n * n)\n    time.sleep_ms(20)\n")
    (tmp_path / "many.py").write_text(script)
    monkeypatch.chdir(tmp_path)
    r = tinyml("stream", "--port", qemu_port, "--run", "many.py", "--csv", "out.csv", "--count", "6", "--json")
    assert r.rc == 0, r.err
    assert json.loads(r.out)["records"] == 6  # it stopped reading at the 6th record
    rows = (tmp_path / "out.csv").read_text().splitlines()
    assert rows[0] == "time,seq,n,sq"
    assert [row.split(",")[2:] for row in rows[1:]] == [[str(k), str(k * k)] for k in range(6)]
    with device() as dev:  # the board is free again
        assert dev.eval("1 + 1") == 2


def test_stream_listens_without_running(tinyml: Runner, qemu_port: str, device: DeviceFactory) -> None:
    """Without --run the command only reads the line, here while a program started earlier runs."""
    _stream_script(device)
    dev = Device(qemu_port, soft_reset=False)
    dev.transport.exec_raw_no_follow(
        "import time\ntry:\n import tinyml_stream as s\nexcept ImportError:\n from tinyml import stream as s\n"
        "time.sleep_ms(300)\nfor k in range(30):\n s.send(k=k)\n time.sleep_ms(30)\n")
    dev.transport.serial.close()  # leave the program running, free the line
    r = tinyml("stream", "--port", qemu_port, "--count", "4", "--duration", "30", "--json")
    assert r.rc == 0, r.err
    summary = json.loads(r.out)
    assert (summary["records"], summary["lost"], summary["fields"]) == (4, 0, ["k"])
    with device() as dev2:  # waits for the program's end, then takes the board back
        assert dev2.eval("1 + 1") == 2


def test_bench(tinyml: Runner, qemu_port: str, shared_models: list[Path]) -> None:
    kws = model(shared_models, "kws")
    r = tinyml("bench", kws, "--port", qemu_port, "-n", "5", "--json", "--as", f"models/{kws.name}")
    assert r.rc == 0, r.err
    rep = json.loads(r.out)
    # planned by the host library of the board's kernels (its DSP kernels' scratch is in the arena)
    host = Model(kws.read_bytes(), backend=boards.host_backend(boards.load_board(QEMU_BOARD)))
    lat = rep["latency_ms"]
    assert rep["n"] == 5
    assert 0 < lat["min"] <= lat["median"] <= lat["p99"] <= lat["max"] and lat["min"] <= lat["mean"] <= lat["max"]
    assert [la["op"] for la in rep["layers"]] == host.ops
    assert [la["macs"] for la in rep["layers"]] == host.op_macs
    assert all(la["ticks"] > 0 for la in rep["layers"] if la["macs"] > 1000)
    assert abs(sum(la["percent"] for la in rep["layers"]) - 100) < 0.1
    profiled_ms = sum(la["us"] for la in rep["layers"]) / 1000
    assert 0.5 * lat["median"] < profiled_ms < 1.5 * lat["median"]  # the profile and the timings agree
    mem = rep["memory"]
    assert mem["arena"] == host.arena_size
    assert mem["mem_free_before"] - mem["mem_free_loaded"] >= mem["arena"] + kws.stat().st_size
    assert mem["mem_free_after"] <= mem["mem_free_loaded"]
    r = tinyml("bench", kws, "--port", qemu_port, "-n", "3", "--as", f"models/{kws.name}")
    assert r.rc == 0 and "median" in r.out and "DEPTHWISE_CONV_2D" in r.out and "gc.mem_free()" in r.out


def test_compare(tinyml: Runner, qemu_port: str, shared_models: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    kws = model(shared_models, "kws")
    r = tinyml("compare", kws, "--port", qemu_port, "-n", "6", "--json", "--as", f"models/{kws.name}")
    assert r.rc == 0, r.err
    rep = json.loads(r.out)
    assert rep["differences"] == 0 and rep["bytes_compared"] == 6 * 12 and \
        rep["host_backend"] == boards.host_backend(boards.load_board(QEMU_BOARD))
    # a difference is found and located: corrupt one host output byte
    from tinyml_tools.commands import compare as compare_cmd

    real_invoke = compare_cmd.Model.invoke

    def corrupt(self: Model, *xs: Any) -> list[Any]:
        out = real_invoke(self, *xs)
        out[0].reshape(-1)[7] ^= 0x10
        return out

    monkeypatch.setattr(compare_cmd.Model, "invoke", corrupt)
    r = tinyml("compare", kws, "--port", qemu_port, "-n", "2", "--json", "--as", f"models/{kws.name}")
    assert r.rc == 1
    rep = json.loads(r.out)
    assert rep["differences"] == 2
    assert [(d["input"], d["output"], d["byte"]) for d in rep["diffs"]] == [(0, 0, 7), (1, 0, 7)]
    assert all(d["host"] ^ d["device"] == 0x10 for d in rep["diffs"])

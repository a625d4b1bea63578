"""Shared by the over-the-air update tests: keys, signed bundles, a `tinyml serve` process, the unix device."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for p in (str(ROOT / "host_tools"), str(ROOT / "tests" / "host")):
    if p not in sys.path:
        sys.path.insert(0, p)

from tinyml_tools import bundle  # after the sys.path setup
from tinyml_tools.commands.sign import self_test
from tinyml_tools.core import Model, backends

MODEL = ROOT / "examples" / "gestures" / "gestures.tflite"
UNIX_FW = ROOT / "firmware" / "images" / "unix" / "micropython"
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "host_tools"), os.environ.get("PYTHONPATH", "")])}


@dataclass
class Kit:
    """Keys and signed bundles of the example gestures model, in `folder`."""

    folder: Path
    key: object
    public: bytes
    other_key: object
    other_public: bytes
    backend: str
    model: bytes = field(repr=False)
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def pub_file(self) -> Path:
        return self.folder / "fleet.pub"

    def sign(self, name: str, version: int, *, model: bytes | None = None, tests: int = 2,
             key: object | None = None, tamper: Callable[[list[tuple[bytes, bytes]]], list] | None = None,
             file: str | None = None) -> Path:
        """A bundle signed with the fleet key (or `key`); `tamper` may change the self-test before signing."""
        data = self.model if model is None else model
        cases = self_test(data, tests, self.backend, 7) if tests else []
        if tamper is not None:
            cases = tamper(cases)
        out = self.folder / (file or f"{name}-{version}.tmlb")
        out.write_bytes(bundle.build(data, name, version, cases, key or self.key))
        return out

    def expected(self, x: bytes) -> bytes:
        """The host core's output bytes for gestures on input x."""
        import numpy as np

        m = Model(self.model, backend=self.backend)
        try:
            (y,) = m.invoke(np.frombuffer(x, dtype=np.int8).reshape(m.inputs[0].shape))
            return y.tobytes()
        finally:
            m.close()


def make_kit(folder: Path) -> Kit:
    folder.mkdir(parents=True, exist_ok=True)
    key, other = bundle.generate_key(), bundle.generate_key()
    public = bundle.public_key_bytes(key)
    (folder / "fleet.pub").write_text(public.hex() + "\n")
    built = backends()
    return Kit(folder, key, public, other, bundle.public_key_bytes(other), "cmsis-nn" if "cmsis-nn" in built else "ref",
               MODEL.read_bytes())


# ---- tinyml serve ----------------------------------------------------------------------------------

@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """`tinyml serve DIR` on 127.0.0.1 (a free port) in a subprocess; yields its base URL."""
    proc = subprocess.Popen([sys.executable, "-m", "tinyml_tools", "serve", str(folder), "--host", "127.0.0.1",
                             "--port", "0", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=ENV)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert m, f"tinyml serve did not start: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}"
        yield f"http://127.0.0.1:{m.group(1)}/"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---- the unix port as a device ---------------------------------------------------------------------

class UnixDevice:
    """The unix firmware as a device whose filesystem is `home` (tinyml.ota keeps its files in home/ota)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        home.mkdir(parents=True, exist_ok=True)

    def run(self, code: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([str(UNIX_FW), "-c", code], cwd=self.home, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def ok(self, code: str) -> str:
        r = self.run(code)
        assert r.returncode == 0, f"device error:\n{r.stdout}\n{r.stderr}"
        return r.stdout

    def refused(self, code: str) -> tuple[str, str]:
        """Run code that must raise tinyml.ota.UpdateError: (reason, message)."""
        r = self.run("import tinyml.ota as ota\ntry:\n" + "".join(f" {ln}\n" for ln in code.splitlines())
                     + "except ota.UpdateError as e:\n print('REFUSED', e.reason, e)\nelse:\n print('NOT REFUSED')\n")
        assert r.returncode == 0, f"device error:\n{r.stdout}\n{r.stderr}"
        m = re.search(r"^REFUSED (\S+) (.*)$", r.stdout, re.MULTILINE)
        assert m, f"not refused: {code}\n{r.stdout}"
        return m.group(1), m.group(2)

    def crash_at(self, code: str, step: str, timeout: float = 60) -> list[str]:
        """Run code with a power cut (SIGKILL of the process) when tinyml.ota reaches `step`; the steps
        reached before it. The code must reach the step."""
        hook = ("import sys, tinyml.ota as ota\n"
                "def _hook(name):\n"
                " print('STEP', name)\n"
                f" if name == {step!r}:\n"
                "  print('CRASH')\n"
                "  sys.stdin.read(1)\n"  # wait here for the kill
                "ota._step = _hook\n")
        proc = subprocess.Popen([str(UNIX_FW), "-c", hook + code], cwd=self.home, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        steps: list[str] = []
        deadline = time.monotonic() + timeout
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith("STEP "):
                    steps.append(line.split()[1])
                if line.strip() == "CRASH":
                    proc.send_signal(signal.SIGKILL)
                    break
                assert time.monotonic() < deadline
            else:
                raise AssertionError(f"step {step} never reached (steps {steps}): {proc.stderr.read()}")
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        return steps


def have_ota(fw: Path) -> str | None:
    """Why the firmware cannot run the OTA tests, or None."""
    if not fw.exists():
        return f"no unix firmware {fw.relative_to(ROOT)} (make firmware BOARD=unix)"
    r = subprocess.run([str(fw), "-c", "import _tinyml_ota"], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        return "the unix firmware has no _tinyml_ota (built without Monocypher: make deps, then make firmware)"
    return None

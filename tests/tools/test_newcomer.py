"""A newcomer's first hour (issue 19), walked end to end with the package as pip installs it.

`python -m build host_tools` makes an sdist and, from it alone (no checkout around), a wheel that has
compiled the C core; the wheel goes into a fresh virtual environment (its dependencies from a wheel
folder filled once from PyPI), which has nothing of the checkout: `tinyml inspect` works there in an
empty folder. Then, from a project folder of the newcomer's own (TINYML_ROOT names the checkout,
whose firmware images `make firmware` built), each step is a separate `tinyml` process, on the
emulated Pico (`rp2040:`) and the emulated Cortex-M7 (`qemu:`): inspect, flash, upload, run (the model
uploaded to the device's / is found from the mounted folder; tinyml.stream and tinyml.profile after
a bare `import tinyml`; the output byte-equal to the host core's), stream, bench, compare.

The wheel is built once per content of what goes into it, into build/wheels/<hash>/ (a clean build
takes about a minute of CPU), the dependencies' wheels once into build/wheels/deps/.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pytest
from tinyml_tools import rp2040
from tinyml_tools.core import Model, backends
from toolhelp import QEMU_BOARD, QEMU_IMAGE, ROOT

CACHE = ROOT / "build" / "wheels"
EXAMPLE = ROOT / "examples" / "gestures"
SOURCES = ("host_tools/setup.py", "host_tools/pyproject.toml", "host_tools/README.md", "firmware/versions.mk")
NO_CMSIS_LINE = ("tinyml-tools: CMSIS-NN not found (set CMSIS_NN_DIR, or run 'make deps'): building the ref "
                 "backend only")
SOURCE_GLOBS = ("host_tools/tinyml_tools/**/*.py", "usermod/tinyml/core/**/*", "usermod/tinyml/kernels/**/*",
                "usermod/tinyml/host/**/*", "boards/*/board.json")


def _cmsis_nn() -> Path | None:
    """Where the package build finds CMSIS-NN (as host_tools/setup.py looks), or None."""
    import re

    env = os.environ.get("CMSIS_NN_DIR")
    if env:
        path = Path(env)
    else:
        version = re.search(r"^CMSIS_NN_VERSION\s*:?=\s*(\S+)", (ROOT / "firmware/versions.mk").read_text(),
                            re.MULTILINE).group(1)
        path = Path(os.environ.get("TINYML_DEPS") or Path.home() / ".cache" / "tinyml") / f"CMSIS-NN-{version}"
    return path if (path / "Include" / "arm_nnfunctions.h").is_file() else None


def source_hash() -> str:
    h = hashlib.sha256()
    files = [ROOT / f for f in SOURCES] + sorted(p for g in SOURCE_GLOBS for p in ROOT.glob(g) if p.is_file())
    for p in files:
        h.update(str(p.relative_to(ROOT)).encode() + b"\0" + p.read_bytes() + b"\0")
    h.update(str(_cmsis_nn()).encode() + sys.version.encode())
    return h.hexdigest()[:20]


def _build(out: Path, log: Path) -> None:
    """python -m build host_tools: the sdist, then the wheel built from the unpacked sdist."""
    tmp = Path(tempfile.mkdtemp(prefix="wheel-", dir=CACHE))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TINYML_ROOT")}
    r = subprocess.run([sys.executable, "-m", "build", "--outdir", str(tmp), str(ROOT / "host_tools")], env=env,
                       capture_output=True, text=True, check=False)
    (tmp / log.name).write_text(r.stdout + r.stderr)
    if r.returncode != 0:
        pytest.fail(f"python -m build host_tools failed (log {tmp / log.name}):\n{(r.stdout + r.stderr)[-3000:]}")
    os.replace(tmp, out)
    for old in CACHE.iterdir():  # the builds of other sources (only the newest is kept)
        if old.is_dir() and old not in (out, CACHE / "deps") and not old.name.startswith("wheel-"):
            shutil.rmtree(old, ignore_errors=True)


@pytest.fixture(scope="module")
def built() -> Path:
    """build/wheels/<hash>/: the sdist, the wheel and build.log."""
    try:
        import build  # noqa: F401
    except ImportError:
        pytest.skip("the 'build' package is not installed (pip install -r requirements-dev.txt): "
                    "the wheel and newcomer tests are skipped")
    out = CACHE / source_hash()
    if not out.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        _build(out, out / "build.log")
    return out


def test_sdist_carries_the_core_and_the_wheel_has_it_built(built: Path) -> None:
    with tarfile.open(next(built.glob("*.tar.gz"))) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    assert {"_repo/usermod/tinyml/core/tml_core.h", "_repo/usermod/tinyml/host/tml_host.c",
            "_repo/boards/RPI_PICO/board.json", "_repo/firmware/versions.mk", "setup.py"} <= names
    assert not any(n.endswith(".so") for n in names)
    wheel = next(built.glob("*.whl"))
    import zipfile

    with zipfile.ZipFile(wheel) as z:
        files = set(z.namelist())
    libs = {f for f in files if f.startswith("tinyml_tools/lib/")}
    assert libs == {"tinyml_tools/lib/libtinyml-ref.so"} | (
        {f"tinyml_tools/lib/libtinyml-{b}.so" for b in ("cmsis-nn", "armv6m", "dsp")} if _cmsis_nn() else set())
    assert "tinyml_tools/boards/RPI_PICO/board.json" in files
    log = (built / "build.log").read_text()
    assert ("CMSIS-NN not found" not in log) if _cmsis_nn() else (NO_CMSIS_LINE in log)


def test_without_cmsis_nn_the_ref_backend_alone(built: Path, tmp_path: Path) -> None:
    """The sdist's build where CMSIS-NN is not at hand (--dry-run: the compiler commands it would run; the
    same ref library is compiled for real in the wheel): the ref backend alone, and one line saying so."""
    with tarfile.open(next(built.glob("*.tar.gz"))) as t:
        t.extractall(tmp_path, filter="data")
    top = next(p for p in tmp_path.iterdir() if p.is_dir())
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([sys.executable, "setup.py", "--dry-run", "build_ext", "--build-lib", str(tmp_path / "lib"),
                        "--build-temp", str(tmp_path / "temp")], cwd=top, env=dict(env, CMSIS_NN_DIR=str(tmp_path)),
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.splitlines()
    assert [ln for ln in lines if "CMSIS-NN" in ln] == [NO_CMSIS_LINE]
    compiled = sorted(Path(ln.split(" -c ")[1].split()[0]).relative_to(top / "_repo" / "usermod" / "tinyml").as_posix()
                      for ln in lines if " -c " in ln)
    tml = ROOT / "usermod" / "tinyml"
    folders = ("core", "kernels/portable", "kernels/armv6m", "kernels/dsp", "host")
    want = sorted([p.relative_to(tml).as_posix() for d in folders
                   for p in (tml / d).glob("*.c")] + ["kernels/tml_select.c"])
    assert compiled == want
    links = [ln for ln in lines if " -shared " in ln]
    assert len(links) == 1 and links[0].endswith(f"-o {tmp_path / 'lib' / 'tinyml_tools' / 'lib' / 'libtinyml-ref.so'}")


def test_editable_install_in_a_fresh_checkout(tmp_path: Path) -> None:
    """`pip install -e ./host_tools`, as .ci/run does, in a checkout that has never built anything: no
    tinyml_tools/lib/ (git ignores it), so the build must make the folder it copies the libraries into."""
    top = tmp_path / "checkout"
    files = subprocess.run(["git", "ls-files", "host_tools", "usermod/tinyml", "boards", "firmware/versions.mk"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for rel in files:
        if (ROOT / rel).is_file():
            (top / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / rel, top / rel)
    lib = top / "host_tools" / "tinyml_tools" / "lib"
    assert not lib.exists()
    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(env_dir)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["CMSIS_NN_DIR"] = str(tmp_path)  # the ref library alone: the cmsis-nn one is built the same way
    r = subprocess.run([sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install", "-q",
                        "--no-deps", "--no-build-isolation", "-e", str(top / "host_tools")], env=env,
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    assert sorted(p.name for p in lib.iterdir()) == ["libtinyml-ref.so"]
    code = "import tinyml_tools.core as c; print(c.__file__); print(*c.backends())"
    out = subprocess.run([str(env_dir / "bin" / "python"), "-c", code], cwd=tmp_path, env=env, capture_output=True,
                         text=True, check=True).stdout.split("\n")
    assert out[0] == str(top / "host_tools" / "tinyml_tools" / "core.py") and out[1] == "ref"


@pytest.fixture(scope="module")
def venv(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed (no pip in it: the host's pip installs into it)."""
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    wheel = next(built.glob("*.whl"))
    deps = CACHE / "deps"
    cmd = [sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install", "-q", "--no-compile",
           "--no-index", "--find-links", str(deps), str(wheel)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if subprocess.run(cmd, env=env, capture_output=True, check=False).returncode != 0:
        # the dependencies' wheels, from PyPI once
        r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "-w", str(deps), str(wheel)], env=env,
                           capture_output=True, text=True, check=False)
        if r.returncode != 0:
            pytest.fail(f"cannot fetch the wheel's dependencies: {r.stderr[-2000:]}")
        subprocess.run(cmd, env=env, check=True)
    return env_dir


def tinyml_env(**extra: str) -> dict[str, str]:
    """The environment of a newcomer's shell: nothing of this test run's PYTHONPATH or TINYML_* settings."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("TINYML_")}
    return dict(env, **extra)


def tinyml(venv: Path, cwd: Path, env: dict[str, str], *args: str | Path, timeout: float = 300,
           ok: bool = True) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([str(venv / "bin" / "tinyml"), *map(str, args)], cwd=cwd, env=env, capture_output=True,
                       text=True, timeout=timeout, check=False)
    if ok:
        assert r.returncode == 0, f"tinyml {' '.join(map(str, args))}: {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


def test_the_wheel_alone_inspects(venv: Path, tmp_path: Path) -> None:
    """In an empty folder, with no checkout: the package's own library and board definitions."""
    shutil.copy(EXAMPLE / "gestures.tflite", tmp_path)
    env = tinyml_env()
    code = "import tinyml_tools.core as c; print(c.__file__); print(*c.backends())"
    where = subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=tmp_path, env=env, capture_output=True,
                           text=True, check=True).stdout.split("\n")
    # the wheel builds ref and, with CMSIS-NN at hand, cmsis-nn, armv6m and dsp (esp-nn: make host-lib's only)
    assert where[0].startswith(str(venv)) and where[1].split() == [b for b in backends() if b in ("ref", "cmsis-nn", "armv6m", "dsp")]
    r = tinyml(venv, tmp_path, env, "inspect", "gestures.tflite")
    assert "RESHAPE" in r.stdout and "SOFTMAX" in r.stdout
    assert all(f"arena    {b}" in r.stdout or f", {b} " in r.stdout for b in backends() if b in ("ref", "cmsis-nn", "armv6m", "dsp"))
    assert "RPI_PICO" in r.stdout and "ESP32_GENERIC" in r.stdout
    estimate = json.loads((ROOT / "boards" / "RPI_PICO" / "board.json").read_text())["firmware_bytes"]
    assert f"RPI_PICO: firmware {estimate:,} B (estimate from board.json)" in r.stdout  # no checkout: no built image
    r = tinyml(venv, tmp_path, env, "board", "list")
    assert "emulated boards need the checkout (no tinyml checkout here" in r.stdout
    hint = "(no tinyml checkout here: run tinyml inside the tinyml-micropython folder, or set TINYML_ROOT to it)"
    (tmp_path / "x.py").write_text("print(1)\n")
    r = tinyml(venv, tmp_path, env, "run", "x.py", "--port", "rp2040", ok=False)
    assert r.returncode == 1 and r.stderr.strip().endswith(f"it runs from the tinyml checkout {hint}"), r.stderr
    r = tinyml(venv, tmp_path, env, "run", "x.py", "--port", "qemu:MPS2_AN500", ok=False)
    assert r.returncode == 1 and "run 'make firmware BOARD=MPS2_AN500' " + hint in r.stderr, r.stderr
    # inside the checkout (a subfolder of it) the checkout is found: its built images are measured
    r = tinyml(venv, ROOT / "examples", env, "board", "list", "--json")
    assert json.loads(r.stdout)["checkout"] == str(ROOT)


def _project(tmp_path: Path) -> tuple[Path, bytes]:
    """The newcomer's folder: models/gestures.tflite, x.bin (one window of samples) and app.py; and the
    output bytes the host core gives for x.bin."""
    work = tmp_path / "project"
    (work / "models").mkdir(parents=True)
    model = (EXAMPLE / "gestures.tflite").read_bytes()
    (work / "models" / "gestures.tflite").write_bytes(model)
    host = Model(model, backend="cmsis-nn" if "cmsis-nn" in backends() else "ref")
    x = np.frombuffer((EXAMPLE / "samples.bin").read_bytes()[:host.inputs[0].nbytes], np.int8)
    (work / "x.bin").write_bytes(x.tobytes())
    (want,) = host.invoke(x.reshape(host.inputs[0].shape))
    host.close()
    (work / "app.py").write_text(
        "import tinyml, binascii\n"
        "m = tinyml.Model('gestures.tflite')  # uploaded to the device's /, not in this folder\n"
        "x = open('x.bin', 'rb').read()\n"
        "y = m.predict(x)\n"
        "print('out', binascii.hexlify(bytes(y)).decode())\n"
        "tinyml.stream.send(label=tinyml.argmax(y), score=max(m.predict(x, dequantize=True)))\n"
        "tinyml.profile.report(m, x)\n")
    return work, want.tobytes()


@pytest.mark.parametrize("port", ["rp2040:RPI_PICO", f"qemu:{QEMU_BOARD}"])
def test_newcomer_path(venv: Path, tmp_path: Path, port: str) -> None:
    board = port.split(":")[1]
    if port.startswith("rp2040"):
        why = rp2040.missing() or (None if rp2040.image_path(board).exists() else
                                   f"no image {rp2040.image_path(board)}: run 'make firmware BOARD={board}'")
    else:
        why = None if QEMU_IMAGE.exists() else f"no QEMU firmware {QEMU_IMAGE}: run 'make firmware BOARD={board}'"
        why = why or (None if shutil.which("qemu-system-arm") else "qemu-system-arm not installed")
    if why:
        pytest.skip(f"{port}: {why}")
    work, want = _project(tmp_path)
    env = tinyml_env(TINYML_ROOT=str(ROOT), TINYML_QEMU_FLASH=str(tmp_path / "qemu"),
                     TINYML_RP2040_FLASH=str(tmp_path / "rp2040"))

    r = tinyml(venv, work, env, "inspect", "models/gestures.tflite", "--board", board, "--json")
    fit = json.loads(r.stdout)["boards"][0]
    assert fit["verdict"] == "ram" and "(measured from firmware.elf)" in fit["note"]
    r = tinyml(venv, work, env, "flash", "--board", board, "--port", port)
    r = tinyml(venv, work, env, "upload", "models/gestures.tflite", "--port", port)
    assert "SHA-256 verified on the device" in r.stdout and f"{port} keeps its files in" in r.stdout
    # a second command: the file is still there, found from the mounted folder
    r = tinyml(venv, work, env, "run", "app.py", "--port", port)
    assert f"out {want.hex()}" in r.stdout
    assert "~T1" in r.stdout  # the stream record, between print's lines
    assert "total" in r.stdout and "CONV_2D" in r.stdout  # tinyml.profile.report's table
    r = tinyml(venv, work, env, "stream", "--run", "app.py", "--mount", "--port", port, "--jsonl", "rec.jsonl",
               "--json")
    assert json.loads(r.stdout)["records"] == 1
    rec = json.loads((work / "rec.jsonl").read_text())
    assert rec["label"] == int(np.argmax(np.frombuffer(want, np.int8)))
    r = tinyml(venv, work, env, "bench", "models/gestures.tflite", "--port", port, "-n", "5", "--json")
    bench = json.loads(r.stdout)
    assert bench["uploaded"] is False and bench["n"] == 5  # the model was kept from the upload
    r = tinyml(venv, work, env, "compare", "models/gestures.tflite", "--port", port, "-n", "3", "--json")
    assert json.loads(r.stdout)["differences"] == 0

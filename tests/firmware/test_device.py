"""The on-device test scripts (tests/device/t_*.py) on every firmware target.

Targets: the unix firmware (and its cmsis-nn build where it has been built: not by `make test`), the QEMU boards
MPS2_AN385, MPS2_AN500, MPS3_AN547 and NETDUINO_PLUS_2 (the stm32 port's STM32F405
board in QEMU's netduinoplus2; each booted once per session; the scripts run over the
pty with mpremote's SerialTransport; the shared models each board's board.json figures
allow: device_data.fitting_models), RPI_PICO in the rp2040js emulator
(tinyml_tools.rp2040: the real board's UF2 image, USB serial on a pty, a fresh flash
image per session; the shared models that fit its RAM, chosen by gc.mem_free() as for
a real board; t_soak.py runs SOAK_CALLS_RP2040 calls: the emulator runs 20-26 M cycles/s on
an idle core, 5x slower than the chip), and a real board given `--port PORT` (or TINYML_TEST_PORT=PORT).
The test data (tests/firmware/device_data.py:
models, inputs, reference outputs) is generated on the host once per session and target. The MPS
boards start with it: their RAM disk (board.json "ramdisk") is preloaded by QEMU with a littlefs
image of it, made by the unix firmware (a serial upload of its ~0.5 MB compressed took 15-50 s per
board); the other boards get it uploaded. Either way each file is then checked on the board (size,
SHA-256). ad01_int8 (277 KB) is kept on every board because each runs different CMSIS-NN code: plain
C on M3, DSP on M7, MVE on M55. Each script ends with "N passed, M failed, K skipped"; the test asserts M == 0
and N + K == the number of checks the script has. A target without an image (no
MicroPython sources to build it: `make firmware-test-images`) is skipped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import device_data  # after the sys.path setup
import device_ops
import ops_rounds
from devrun import SerialTarget, UnixTarget, lfs_image, link_files

DEVICE_DIR = ROOT / "tests" / "device"
IMAGES = ROOT / "firmware" / "images"
# checks per script (passed + skipped): a number, or computed from the manifest (the models and
# per-op cases deployed); t_romfs.py runs in test_romfs.py, on the boards given a ROMFS image
SCRIPTS: dict[str, int | Callable[[dict], int]] = {
    "t_api.py": 68, "t_errors.py": 46, "t_gc.py": 20, "t_models.py": device_data.expected_model_checks,
    "t_pressure.py": 5, "t_soak.py": 4}
UNIX_TARGETS = {"unix": "ref", "unix-cmsis-nn": "cmsis-nn"}
QEMU_BOARDS = ("MPS2_AN385", "MPS2_AN500", "MPS3_AN547", "NETDUINO_PLUS_2")
RP2040_BOARDS = ("RPI_PICO",)
SOAK_CALLS_RP2040 = 500  # t_soak.py's predict_into calls in the emulator (10,000 elsewhere), ~450,000 cycles each
RESULT = re.compile(r"(\d+) passed, (\d+) failed, (\d+) skipped")


@dataclass
class Target:
    name: str
    runner: Any  # UnixTarget | SerialTarget
    manifest: dict
    left_out: dict[str, str] = field(default_factory=dict)  # shared models not deployed: name -> why


def _port(config: pytest.Config) -> str | None:
    return config.getoption("--port", default=None) or os.environ.get("TINYML_TEST_PORT") or None


def _target_names(config: pytest.Config) -> list[str]:
    # unix-cmsis-nn where built (make firmware BOARD=unix TINYML_BACKEND=cmsis-nn; not by make test)
    unix = [t for t in UNIX_TARGETS if t == "unix" or (IMAGES / t / "micropython").exists()]
    return [*unix, *QEMU_BOARDS, *RP2040_BOARDS] + (["port"] if _port(config) else [])


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames:
        metafunc.parametrize("target", _target_names(metafunc.config), indirect=True, scope="session")
    if "ops_target" in metafunc.fixturenames:
        metafunc.parametrize("ops_target", _target_names(metafunc.config))


def _micropython_dir() -> Path:
    if os.environ.get("MICROPY_DIR"):
        return Path(os.environ["MICROPY_DIR"])
    versions = (ROOT / "firmware" / "versions.mk").read_text()
    version = re.search(r"^MICROPY_VERSION\s*:?=\s*(\S+)", versions, re.MULTILINE).group(1)
    deps = Path(os.environ.get("TINYML_DEPS") or Path.home() / ".cache" / "tinyml")
    return deps / f"micropython-{version}"


def _need_image(name: str, image: Path) -> None:
    if image.exists():
        return
    rel = image.relative_to(ROOT)
    if name == "unix-cmsis-nn":
        pytest.skip(f"{name}: no image {rel}: run 'make firmware-test-images'")
    if not (_micropython_dir() / "py" / "mpconfig.h").exists():
        pytest.skip(f"{name}: no image {rel} and no MicroPython sources in {_micropython_dir()} to build it "
                    "(run 'make deps')")
    why = _port_sources_missing(name)
    if why:
        pytest.skip(f"{name}: no image {rel}, and it cannot be built here: {why}")
    pytest.skip(f"{name}: no image {rel}: run 'make firmware-test-images'")


def _port_sources_missing(board: str) -> str | None:
    """Why the board's port cannot be built from the dependency cache (the last line of `make fw-check`,
    e.g. an STM32 submodule missing), or None."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    r = subprocess.run(["make", "--no-print-directory", "fw-check", f"BOARD={board}"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120, check=False)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("firmware:") and "note:" not in ln]
    return None if r.returncode == 0 else (lines[-1] if lines else (r.stdout + r.stderr).strip()[-300:])


def _data(tmp: Path, shared: list[Path], board: dict | None = None,
          left_out: dict[str, str] | None = None) -> tuple[dict[str, Path], dict]:
    """The test data; a failure (not a skip) without the reference interpreter or the host library,
    which make test always has: without them the device tests would have nothing to compare with."""
    try:
        files = device_data.build(tmp, shared, board, left_out)
    except RuntimeError as e:
        pytest.fail(f"device tests: {e}", pytrace=False)
    return files, json.loads((tmp / "manifest.json").read_text())


def _write_target(folder: Path, files: dict[str, Path], **info: str | int) -> None:
    (folder / "target.json").write_text(json.dumps(info))
    files["target.json"] = folder / "target.json"


# The boards booted for the session fixture `target`, by name: each is stopped as soon as the tests
# that use it are done (release_board(), from tests/conftest.py), not at the end of the session,
# because an idle emulated board still takes host CPU from the tests that follow (an MPS board wakes
# every millisecond for its SysTick: ~15% of a core). (pytest itself only finalizes a parametrized
# session fixture when another parameter is needed.)
_BOARDS: dict[str, ExitStack] = {}


@contextmanager
def _held(name: str) -> Iterator[ExitStack]:
    with ExitStack() as stack:
        _BOARDS[name] = stack
        try:
            yield stack
        finally:
            _BOARDS.pop(name, None)


def release_board(name: str) -> None:
    """Stop target `name`'s emulator now (idempotent; the fixture's own teardown then does nothing)."""
    stack = _BOARDS.pop(name, None)
    if stack is not None:
        stack.close()


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    name = request.param
    folder = tmp_path_factory.mktemp(name)
    shared = device_data.shared_model_paths()
    if name in UNIX_TARGETS:
        binary = IMAGES / name / "micropython"
        _need_image(name, binary)
        files, manifest = _data(folder, shared)
        _write_target(folder, files, backend=UNIX_TARGETS[name], clock="ticks_us")
        link_files(files, folder)
        yield Target(name, UnixTarget(binary, folder), manifest)
        return
    if name == "port":
        port = _port(request.config)
        with closing(SerialTarget(port)) as dev:
            free = dev.info()["mem_free"]
            left_out = _by_free_heap(shared, free)
            files, manifest = _data(folder, [p for p in shared if p.stem not in left_out])
            _write_target(folder, files)
            dev.put_files(files, "tmltest")
            yield Target(f"port {port}", dev, manifest, left_out)
        return
    if name in RP2040_BOARDS:
        yield from _rp2040_target(name, folder, tmp_path_factory.mktemp(f"{name}-flash") / f"{name}.flash", shared)
        return
    from tinyml_tools.qemu import QemuError, boot

    image = IMAGES / name / "firmware.elf"
    _need_image(name, image)
    if shutil.which("qemu-system-arm") is None:
        pytest.skip(f"{name}: qemu-system-arm not installed (Debian: apt-get install qemu-system-arm)")
    board = json.loads((IMAGES / name / "board.json").read_text())
    left_out: dict[str, str] = {}
    files, manifest = _data(folder, shared, board, left_out)
    _write_target(folder, files, backend=board.get("backend", "cmsis-nn"), clock="systick",
                  heap_bytes=board["heap_bytes"])
    preload = _ramdisk_preload(board, files, folder)
    try:
        with _held(name) as stack:
            pty = stack.enter_context(boot(name, image=image, timeout=60, extra_args=preload))
            dev = stack.enter_context(closing(SerialTarget(pty, soft_reset=False)))
            dev.put_files(files, "tmltest")  # checks each preloaded file (size, SHA-256); uploads any other
            yield Target(name, dev, manifest, left_out)
    except QemuError as e:
        pytest.fail(f"{name}: {e}")


def _by_free_heap(shared: list[Path], free: int) -> dict[str, str]:
    """The shared models left out on a board with `free` bytes of heap (a model's file, arena and metadata
    take about three times its size), and why."""
    return {p.stem: f"its file ({p.stat().st_size:,} B) x 3 is more than the {free:,} B of free heap"
            for p in shared if 3 * p.stat().st_size >= free}


def _ramdisk_preload(board: dict, files: dict[str, Path], folder: Path) -> list[str]:
    """QEMU arguments that preload the board's RAM disk (board.json "ramdisk") with a littlefs image of
    the test data in /tmltest, made by the unix firmware: the MPS boards then start with the files a
    serial upload (~0.5 MB compressed, 15-50 s per board) would write. [] where the board has no such
    RAM disk or there is no unix image (the files are uploaded then)."""
    rd = board.get("ramdisk")
    unix = IMAGES / "unix" / "micropython"
    if not rd or not unix.exists():
        return []
    img = lfs_image(unix, files, "tmltest", int(rd["block_size"]), int(rd["bytes"]), folder / "ramdisk.img")
    return ["-device", f"loader,file={img},addr={rd['address']},force-raw=on"]


def _rp2040_target(name: str, folder: Path, flash: Path, shared: list[Path]) -> Iterator[Target]:
    """The board's UF2 in the rp2040js emulator, on a fresh flash image `flash` (its filesystem formatted
    at the first boot); test data written into `folder`."""
    from tinyml_tools import rp2040

    image = IMAGES / name / "firmware.uf2"
    _need_image(name, image)
    why = rp2040.missing()
    if why:
        pytest.skip(f"{name}: {why}")
    board = json.loads((IMAGES / name / "board.json").read_text())
    try:
        with _held(name) as stack:
            pty = stack.enter_context(rp2040.boot(name, image=image, flash=flash))
            dev = stack.enter_context(closing(SerialTarget(pty)))
            free = dev.info()["mem_free"]
            left_out = _by_free_heap(shared, free)
            files, manifest = _data(folder, [p for p in shared if p.stem not in left_out])
            _write_target(folder, files, backend=board.get("backend", "cmsis-nn"), clock=board["profile_clock"],
                          soak_calls=SOAK_CALLS_RP2040)
            dev.put_files(files, "tmltest")
            yield Target(name, dev, manifest, left_out)
    except rp2040.Rp2040Error as e:
        pytest.fail(f"{name}: {e}")


@pytest.mark.parametrize("script", list(SCRIPTS))
def test_device(target: Target, script: str, record_property: Callable[[str, Any], None]) -> None:
    out, err = target.runner.run_script(DEVICE_DIR / script)
    want = SCRIPTS[script]
    want = want if isinstance(want, int) else want(target.manifest)
    lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
    m = RESULT.fullmatch(lines[-1]) if lines else None
    where = f"{script} on {target.name}"
    assert m and not err.strip(), f"{where} did not finish:\n{out}\n{err}"
    passed, failed, skipped = map(int, m.groups())
    assert failed == 0 and passed + skipped == want, \
        f"{where}: {passed} passed, {failed} failed, {skipped} skipped; expected {want} checks:\n{out}"
    record_property("device_coverage", f"{where}: {passed} of {want} checks passed, {skipped} skipped")
    if skipped:  # reported as skipped, with the device's reasons: never counted as passed
        why = "; ".join(ln.removeprefix("SKIP ") for ln in lines if ln.startswith("SKIP "))
        pytest.skip(f"{where}: {passed} of {want} checks passed, {skipped} skipped on the device: {why}")
    if script == "t_models.py" and target.left_out:  # shared models the board cannot take: not run, said so
        n = len(device_data.shared_model_paths())
        why = "; ".join(f"{k}: {v}" for k, v in sorted(target.left_out.items()))
        record_property("device_coverage", f"{where}: {n - len(target.left_out)} of {n} shared models")
        pytest.skip(f"{where}: {n - len(target.left_out)} of {n} shared models run, all equal; not deployed: {why}")


# ---- the per-op conformance cases: every host case, in rounds (ops_rounds.py) ------------------------
def _ops_records() -> list[device_ops.Record]:
    try:
        return device_ops.bundle()
    except device_ops.ReferenceMissing as e:
        pytest.fail(f"per-op device tests: {e}", pytrace=False)


def _qemu_round(name: str, image: Path, romfs_image: Path) -> tuple[str, str]:
    from tinyml_tools.qemu import QemuError, boot

    try:
        with boot(name, image=image, timeout=60, romfs=romfs_image) as pty, \
                closing(SerialTarget(pty, soft_reset=False)) as dev:
            dev.datadir = "/rom"
            return dev.run_script(ops_rounds.SCRIPT, timeout=900)
    except QemuError as e:
        pytest.fail(f"{name}: {e}")


def _rp2040_round(name: str, flash: Path, board: dict, romfs_image: bytes) -> tuple[str, str]:
    from tinyml_tools import rp2040

    if not flash.exists():
        rp2040.program(flash, IMAGES / name / "firmware.uf2")
    rp2040.write_flash(flash, int(str(board["romfs"]["address"]), 0) - rp2040.FLASH_BASE, romfs_image)
    try:
        with rp2040.boot(name, flash=flash) as pty, closing(SerialTarget(pty)) as dev:
            dev.datadir = "/rom"
            return dev.run_script(ops_rounds.SCRIPT, timeout=1800)
    except rp2040.Rp2040Error as e:
        pytest.fail(f"{name}: {e}")


def _port_round(port: str, romfs_image: bytes) -> tuple[str, str]:
    from tinyml_tools import romfs
    from tinyml_tools.device import Device

    with Device(port) as d:
        romfs.deploy(d, romfs_image)
    with closing(SerialTarget(port)) as dev:
        dev.datadir = "/rom"
        return dev.run_script(ops_rounds.SCRIPT, timeout=1800)


def test_device_ops(ops_target: str, tmp_path: Path, request: pytest.FixtureRequest,
                    record_property: Callable[[str, Any], None]) -> None:
    """Every per-op host case on the target, byte-equal to tflite-micro (the libm operators' float outputs
    within their tolerance), in as many rounds as its ROMFS region needs; the cases it cannot take at all
    are reported as skipped, with why."""
    name = ops_target
    records = _ops_records()
    board = None
    if name in UNIX_TARGETS:
        _need_image(name, IMAGES / name / "micropython")
    elif name in QEMU_BOARDS:
        _need_image(name, IMAGES / name / "firmware.elf")
        if shutil.which("qemu-system-arm") is None:
            pytest.skip(f"{name}: qemu-system-arm not installed (Debian: apt-get install qemu-system-arm)")
        board = json.loads((IMAGES / name / "board.json").read_text())
    elif name in RP2040_BOARDS:
        _need_image(name, IMAGES / name / "firmware.uf2")
        from tinyml_tools import rp2040

        why = rp2040.missing()
        if why:
            pytest.skip(f"{name}: {why}")
        board = json.loads((IMAGES / name / "board.json").read_text())
    else:
        from tinyml_tools import romfs
        from tinyml_tools.device import Device

        with Device(_port(request.config)) as d:
            part = romfs.partition(d)
            free = d.eval("gc.mem_free()")
        board = {"romfs": {"bytes": part["size"]}, "heap_bytes": free}
    plan = ops_rounds.plan_for(board, records)
    lines: list[str] = []
    failures: list[str] = []
    for k in range(len(plan.rounds)):
        files = ops_rounds.round_files(plan, k, len(records))
        where = f"{name} round {k + 1} of {len(plan.rounds)}"
        if board is None:
            for fname, data in files.items():
                (tmp_path / fname).write_bytes(data)
            out, err = UnixTarget(IMAGES / name / "micropython", tmp_path).run_script(ops_rounds.SCRIPT, timeout=900)
        else:
            image = ops_rounds.round_image(files)
            if name in QEMU_BOARDS:
                (tmp_path / "ops.romfs").write_bytes(image)
                out, err = _qemu_round(name, IMAGES / name / "firmware.elf", tmp_path / "ops.romfs")
            elif name in RP2040_BOARDS:
                out, err = _rp2040_round(name, tmp_path / f"{name}.flash", board, image)
            else:
                out, err = _port_round(_port(request.config), image)
        try:
            lines.append(ops_rounds.result(out, err, where, len(plan.rounds[k])))
        except AssertionError as e:  # the other rounds still run: every failing case is listed at once
            failures.append(str(e))
    assert not failures, "\n".join(failures)
    ran = plan.count
    summary = (f"{name}: {ran} of {len(records)} per-op cases ran, byte-equal, in {len(plan.rounds)} "
               f"round{'s' if len(plan.rounds) != 1 else ''}")
    record_property("device_coverage", summary + (f"; {len(plan.skipped)} skipped" if plan.skipped else ""))
    print("\n".join(lines))
    assert ran + len(plan.skipped) == len(records)
    if plan.skipped:
        pytest.skip(f"{summary}; {len(plan.skipped)} skipped: {ops_rounds.skipped_summary(plan)}")

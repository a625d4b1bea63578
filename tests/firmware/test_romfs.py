"""Models used in place from flash: tests/device/t_romfs.py on the boards with a ROMFS partition.

The ROMFS image (tinyml_tools.romfs.build: ad01_int8.tflite, 277 KB, with its .io file of inputs and
tflite-micro outputs, the frozen gesture model's .io file, manifest.json and dtest.py) goes
  - into the QEMU boards' ROMFS region (MPS2_AN385, MPS2_AN500, MPS3_AN547, and NETDUINO_PLUS_2's 256 KiB
    flash partition, with pretrainedResnet_quant, 98 KB, instead: ad01 does not fit there; from a file it
    would need 154 KB of RAM, the board's heap is 92 KB): loaded by QEMU at startup
    (tinyml_tools.qemu.boot(romfs=...));
  - into RPI_PICO's ROMFS flash partition in the rp2040js emulator: written by the firmware over the raw
    REPL (tinyml_tools.romfs.deploy: vfs.rom_ioctl, rp2's Flash block device), on a fresh flash image.
The script runs with /rom as its current folder: per model, the heap drop of loading it stays within
arena + metadata + t_romfs.SLACK and its outputs are byte-equal to the reference; the same for the
frozen module tml_gestures (examples/gestures/manifest.py). On RPI_PICO ad01_int8 could not be loaded
from a file at all (277 KB > its 240 KB heap). Every check must pass (none skipped); the "heap:" lines
(the measured figures) are printed (pytest -s).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for _p in (str(HERE), str(ROOT / "host_tools")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import device_data  # after the sys.path setup
from devrun import SerialTarget
from tinyml_tools import romfs

IMAGES = ROOT / "firmware" / "images"
SCRIPT = ROOT / "tests" / "device" / "t_romfs.py"
MODEL = device_data.SHARED_MODELS / "ad01_int8.tflite"
BOARD_MODEL = {"NETDUINO_PLUS_2": device_data.SHARED_MODELS / "pretrainedResnet_quant.tflite"}
FROZEN = ROOT / "examples" / "gestures" / "gestures.tflite"  # what examples/gestures/manifest.py freezes
QEMU_ROMFS_BOARDS = ("MPS2_AN385", "MPS2_AN500", "MPS3_AN547", "NETDUINO_PLUS_2")
RP2040_BOARD = "RPI_PICO"


def romfs_files(tmp: Path, model: Path = MODEL, cases: int = device_data.CASES) -> tuple[dict[str, bytes], int]:
    """The image's files (name -> bytes) with `model` and the number of checks t_romfs.py runs with them;
    `model`'s .io file holds `cases` cases and no float inputs (t_romfs.py does not read them)."""
    if not model.exists():
        pytest.skip(f"no shared model {model}")
    core = device_data._core()
    if core is None:
        pytest.skip("the host core library is not built (make host-lib)")
    run_tflm = device_data._tflm_runner()
    data = model.read_bytes()
    entry = device_data.model_entry(model.stem, data, core, run_tflm, tmp, cases=cases, floats=False)
    frozen = device_data.model_entry(FROZEN.stem, FROZEN.read_bytes(), core, run_tflm, tmp)
    manifest = {"models": [entry], "frozen": frozen}
    files = {
        model.name: data,
        f"{model.stem}.io": (tmp / f"{model.stem}.io").read_bytes(),
        f"{FROZEN.stem}.io": (tmp / f"{FROZEN.stem}.io").read_bytes(),
        "manifest.json": json.dumps(manifest).encode(),
        "dtest.py": (ROOT / "tests" / "device" / "dtest.py").read_bytes(),
    }
    checks = sum(1 + m["cases"] for m in manifest["models"]) + 2 + frozen["cases"]
    return files, checks


def _run(dev: SerialTarget, checks: int, where: str) -> list[str]:
    """Run t_romfs.py in /rom; its output lines (every check passed)."""
    dev.datadir = "/rom"
    out, err = dev.run_script(SCRIPT)
    lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
    for ln in lines:
        if ln.startswith("heap:"):
            print(f"{where}: {ln}")
    m = _result(lines[-1] if lines else "")
    assert m is not None and not err.strip(), f"t_romfs.py on {where} did not finish:\n{out}\n{err}"
    passed, failed, skipped = m
    assert (passed, failed, skipped) == (checks, 0, 0), \
        f"t_romfs.py on {where}: {passed} passed, {failed} failed, {skipped} skipped; expected {checks} passed:\n{out}"
    return lines


def _result(line: str) -> tuple[int, int, int] | None:
    m = re.fullmatch(r"(\d+) passed, (\d+) failed, (\d+) skipped", line)
    return None if m is None else (int(m[1]), int(m[2]), int(m[3]))


Image = tuple[Path, dict[str, bytes], int]


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Image]:
    """model -> (ROMFS image file, its files, checks), built once per model."""
    made: dict[Path, Image] = {}

    def get(model: Path) -> Image:
        if model not in made:
            tmp = tmp_path_factory.mktemp("romfs")
            files, checks = romfs_files(tmp, model)
            img = romfs.build(files)
            path = tmp / "romfs.img"
            path.write_bytes(img)
            print(f"ROMFS image: {len(img)} bytes ({', '.join(f'{k} {len(v)}' for k, v in files.items())})")
            made[model] = (path, files, checks)
        return made[model]

    return get


@pytest.mark.parametrize("board", QEMU_ROMFS_BOARDS)
def test_romfs_qemu(board: str, images: Callable[[Path], Image]) -> None:
    from tinyml_tools.qemu import boot

    elf = IMAGES / board / "firmware.elf"
    if not elf.exists():
        pytest.skip(f"{board}: no image {elf.relative_to(ROOT)}: run 'make firmware-test-images'")
    if shutil.which("qemu-system-arm") is None:
        pytest.skip("qemu-system-arm not installed")
    path, _, checks = images(BOARD_MODEL.get(board, MODEL))
    with boot(board, image=elf, timeout=60, romfs=path) as pty, closing(SerialTarget(pty, soft_reset=False)) as dev:
        _run(dev, checks, board)


def test_romfs_rp2040(images: Callable[[Path], Image], tmp_path: Path) -> None:
    from tinyml_tools import rp2040
    from tinyml_tools.device import Device

    uf2 = IMAGES / RP2040_BOARD / "firmware.uf2"
    if not uf2.exists():
        pytest.skip(f"{RP2040_BOARD}: no image {uf2.relative_to(ROOT)}: run 'make firmware BOARD={RP2040_BOARD}'")
    why = rp2040.missing()
    if why:
        pytest.skip(f"{RP2040_BOARD}: {why}")
    path, files, checks = images(MODEL)
    with rp2040.boot(RP2040_BOARD, image=uf2, flash=tmp_path / "pico.flash") as pty:
        dev = Device(pty)
        try:
            free = dev.info()["mem_free"]
            assert free < len(files[MODEL.name]), f"{MODEL.name} fits {RP2040_BOARD}'s heap ({free} B free)"
            part = romfs.deploy(dev, path.read_bytes())
            print(f"{RP2040_BOARD}: ROMFS partition {part['size']} bytes, heap {free} bytes free")
        finally:
            dev.close()
        with closing(SerialTarget(pty)) as target:
            _run(target, checks, RP2040_BOARD)

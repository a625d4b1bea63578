"""Flash metadata on a board: tests/device/t_flash_meta.py in /rom on QEMU boards (MPS3_AN547, the Cortex-M55
build whose FULLY_CONNECTED kernel sums the blob holds; MPS2_AN500, the Cortex-M7 one: multipliers and
shifts) and on RPI_PICO in rp2040js (the image written to its ROMFS partition by the firmware).

The ROMFS image holds the models with their .io files (inputs and tflite-micro outputs), NAME.tflite.tmx
written by tinyml upload's own function (commands.upload.flash_meta_files) for the configuration the
firmware reports (tinyml.flash_meta_config()), and bad.tmx (the first blob with one bit flipped). Each
model is loaded without and with its blob: outputs byte-equal to the reference both ways, the heap drop
lower by the RAM the core reports saved, that saving at least what the host library measures for the
board's build (min_saved: the 64-bit host's records are larger, so 3/4 of it), and the bad blob ignored.
Every check must pass; the "flash_meta:" lines (measured figures) are printed (pytest -s).
"""

from __future__ import annotations

import json
import shutil
import sys
from contextlib import closing
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for _p in (str(HERE), str(ROOT / "host_tools")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import device_data  # after the sys.path setup
import test_romfs
from devrun import SerialTarget
from tinyml_tools import romfs
from tinyml_tools.commands.upload import flash_meta_files

SCRIPT = ROOT / "tests" / "device" / "t_flash_meta.py"
SHARED = device_data.SHARED_MODELS
BOARDS = {"MPS3_AN547": ["ad01_int8.tflite", "kws_ref_model.tflite"],
          "MPS2_AN500": ["tflm/person_detect.tflite", "kws_ref_model.tflite"]}
RP2040_BOARD, RP2040_MODELS = "RPI_PICO", ["kws_ref_model.tflite"]  # in rp2040js (tests/rp2040/)
CASES = 2


def image_files(board: str, tmp: Path, config: int) -> tuple[dict[str, bytes], int]:
    core = device_data._core()
    if core is None:
        pytest.skip("the host core library is not built (make host-lib)")
    run_tflm = device_data._tflm_runner()
    files: dict[str, bytes] = {}
    models = []
    mve = bool(config & 0x100)
    names = BOARDS.get(board, RP2040_MODELS)
    for rel in names:
        path = SHARED / rel
        if not path.exists():
            pytest.skip(f"no shared model {path}")
        data = path.read_bytes()
        entry = device_data.model_entry(path.stem, data, core, run_tflm, tmp, cases=CASES, floats=False)
        # what the board's build saves with the blob, measured by the host library (64-bit records: 3/4)
        flags = core.LOAD_META_MVE if mve else 0
        plain = core.Model(data, backend="cmsis-nn", flags=flags)
        fm = core.Model(data, backend="cmsis-nn", flags=flags, meta=core.flash_meta_blob(data, "cmsis-nn", mve))
        entry["min_saved"] = 3 * (plain.arena_size + plain.persistent_size - fm.arena_size - fm.persistent_size) // 4
        plain.close()
        fm.close()
        models.append(entry)
        files[path.name] = data
        files[f"{path.stem}.io"] = (tmp / f"{path.stem}.io").read_bytes()
    meta, notes = flash_meta_files({"backend": "cmsis-nn", "flash_meta_config": config}, files)
    assert not notes, notes
    assert sorted(meta) == sorted(f"{Path(r).name}.tmx" for r in names), sorted(meta)
    files.update(meta)
    bad = bytearray(meta[f"{Path(names[0]).name}.tmx"])
    bad[len(bad) // 2] ^= 0x10
    files["bad.tmx"] = bytes(bad)
    manifest = {"models": models, "config": config}
    files["manifest.json"] = json.dumps(manifest).encode()
    files["dtest.py"] = (ROOT / "tests" / "device" / "dtest.py").read_bytes()
    checks = 1 + 5 * len(models) + 2  # the configuration, 5 per model, the bad blob's 2
    return files, checks


@pytest.mark.parametrize("board", list(BOARDS))
def test_flash_meta_qemu(board: str, tmp_path: Path) -> None:
    from tinyml_tools.qemu import boot

    elf = test_romfs.IMAGES / board / "firmware.elf"
    if not elf.exists():
        pytest.skip(f"{board}: no image {elf.relative_to(ROOT)}: run 'make firmware-test-images'")
    if shutil.which("qemu-system-arm") is None:
        pytest.skip("qemu-system-arm not installed")
    # the configuration the board's build needs (the script checks tinyml.flash_meta_config() says the same)
    core = device_data._core()
    if core is None:
        pytest.skip("the host core library is not built (make host-lib)")
    mve = board == "MPS3_AN547"
    config = int(core._load_lib("cmsis-nn").tml_flash_meta_config(core.LOAD_META_MVE if mve else 0))
    files, checks = image_files(board, tmp_path, config)
    img = tmp_path / "romfs.img"
    img.write_bytes(romfs.build(files))
    with boot(board, image=elf, timeout=60, romfs=img) as pty, closing(SerialTarget(pty, soft_reset=False)) as dev:
        _check(dev, board, checks)


def _check(dev: SerialTarget, board: str, checks: int) -> None:
    """Run t_flash_meta.py in /rom: every check passed; print its figures."""
    dev.datadir = "/rom"
    out, err = dev.run_script(SCRIPT, timeout=900)
    lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
    for ln in lines:
        if ln.startswith("flash_meta:"):
            print(f"{board}: {ln}")
    result = test_romfs._result(lines[-1] if lines else "")
    assert result == (checks, 0, 0) and not err.strip(), f"t_flash_meta.py on {board}:\n{out}\n{err}"


def test_flash_meta_rp2040(tmp_path: Path) -> None:
    """RPI_PICO (Cortex-M0+, cmsis-nn) in the rp2040js emulator: the image written to its ROMFS partition by
    the firmware (tinyml_tools.romfs.deploy), as tinyml upload --romfs does."""
    from tinyml_tools import rp2040
    from tinyml_tools.device import Device

    uf2 = test_romfs.IMAGES / RP2040_BOARD / "firmware.uf2"
    if not uf2.exists():
        pytest.skip(f"{RP2040_BOARD}: no image {uf2.relative_to(ROOT)}: run 'make firmware BOARD={RP2040_BOARD}'")
    why = rp2040.missing()
    if why:
        pytest.skip(f"{RP2040_BOARD}: {why}")
    core = device_data._core()
    if core is None:
        pytest.skip("the host core library is not built (make host-lib)")
    config = int(core._load_lib("cmsis-nn").tml_flash_meta_config(0))
    files, checks = image_files(RP2040_BOARD, tmp_path, config)
    with rp2040.boot(RP2040_BOARD, image=uf2, flash=tmp_path / "pico.flash") as pty:
        dev = Device(pty)
        try:
            romfs.deploy(dev, romfs.build(files))
        finally:
            dev.close()
        with closing(SerialTarget(pty)) as target:
            _check(target, RP2040_BOARD, checks)

"""`tinyml flash --port qemu:`: installing an image as the firmware a QEMU board boots, and the tools
on the STM32F405 board in QEMU (NETDUINO_PLUS_2) running what was installed."""

from __future__ import annotations

import json
import shlex
import shutil
import struct
from pathlib import Path

import pytest
from tflite_builder import run_tflm
from tinyml_tools import qemu
from tinyml_tools.commands.compare import make_inputs
from tinyml_tools.core import Model
from toolhelp import ROOT, SHARED_MODELS, Runner

BOARD = "NETDUINO_PLUS_2"
BUILT = qemu.image_path(BOARD)


def arm_elf_header(tag: bytes) -> bytes:
    """The start of a 32-bit little-endian Arm ELF file (enough for install() to accept it), then `tag`."""
    ident = b"\x7fELF\x01\x01\x01" + bytes(9)
    return ident + struct.pack("<HHI", 2, 40, 1) + bytes(32) + tag


@pytest.fixture()
def flash_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Installed images go to a temporary folder, not the source tree's build/qemu."""
    monkeypatch.setenv("TINYML_QEMU_FLASH", str(tmp_path / "qemu"))
    return tmp_path / "qemu"


def test_install_replaces_the_image_qemu_boots(tinyml: Runner, tmp_path: Path, flash_dir: Path) -> None:
    image = tmp_path / "fw.elf"
    image.write_bytes(arm_elf_header(b"first"))
    installed = flash_dir / BOARD / "firmware.elf"
    r = tinyml("flash", "--board", BOARD, "--port", "qemu:", "--dry-run", image)
    assert r.rc == 0 and shlex.split(r.out) == ["cp", str(image), str(installed)] and not installed.exists()
    r = tinyml("flash", "--board", BOARD, "--port", f"qemu:{BOARD}", image)
    assert r.rc == 0, r.err
    assert installed.read_bytes() == image.read_bytes() and f"--port qemu:{BOARD} boots it" in r.err
    assert qemu.default_image(BOARD) == installed
    cmd = qemu.qemu_command(BOARD)
    assert cmd[cmd.index("-machine") + 1] == "netduinoplus2" and cmd[cmd.index("-kernel") + 1] == str(installed)
    # flashing again replaces it; what is not an Arm ELF image is refused and leaves it as it was
    image.write_bytes(arm_elf_header(b"second"))
    assert tinyml("flash", "--board", BOARD, "--port", "qemu:", image).rc == 0
    assert installed.read_bytes().endswith(b"second")
    hexfile = tmp_path / "firmware.hex"
    hexfile.write_text(":00000001FF\n")
    r = tinyml("flash", "--board", BOARD, "--port", "qemu:", hexfile)
    assert r.rc == 1 and "not a 32-bit Arm ELF image" in r.err
    assert installed.read_bytes().endswith(b"second") and sorted(p.name for p in installed.parent.iterdir()) == [
        "firmware.elf"]


def test_install_refusals(tinyml: Runner, tmp_path: Path, flash_dir: Path) -> None:
    image = tmp_path / "fw.elf"
    image.write_bytes(arm_elf_header(b""))
    r = tinyml("flash", "--board", BOARD, "--port", "qemu:MPS2_AN500", image)
    assert r.rc == 2 and "names another board" in r.err
    r = tinyml("flash", "--board", "NUCLEO_F446RE", "--port", "qemu:", image)
    assert r.rc == 2 and "does not run in QEMU" in r.err
    r = tinyml("flash", "--board", BOARD, "--port", "qemu:", tmp_path / "missing.elf")
    assert r.rc == 2 and "no image" in r.err
    r = tinyml("flash", "--board", BOARD, "--dry-run")  # no hardware flashing for a board QEMU emulates
    assert r.rc == 2 and "runs in QEMU" in r.err and "--port qemu:" in r.err
    r = tinyml("flash", "--board", BOARD, "--port", "qemu:", "--dry-run", "--json", image)
    assert r.rc == 0 and json.loads(r.out)["steps"] == [
        {"copy": [str(image), str(flash_dir / BOARD / "firmware.elf")]}]
    assert not flash_dir.exists()


def test_tools_run_the_installed_firmware(tinyml: Runner, flash_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The image `make firmware` built, installed; with the build output hidden, --port qemu:BOARD boots the
    installed copy, and `tinyml compare` finds the board's outputs byte-equal to the host core's, which
    are tflite-micro's for those inputs."""
    if not BUILT.exists():
        pytest.skip(f"no {BUILT.relative_to(ROOT)} (build it with 'make firmware BOARD={BOARD}')")
    if shutil.which("qemu-system-arm") is None:
        pytest.skip("qemu-system-arm is not installed")
    model = SHARED_MODELS / "micro_speech_quantized.tflite"
    if not model.exists():
        pytest.skip(f"shared model {model} not found")
    r = tinyml("flash", "--board", BOARD, "--port", "qemu:")
    assert r.rc == 0, r.err
    monkeypatch.setattr(qemu, "image_path", lambda board: flash_dir / "not-built.elf")
    assert qemu.default_image(BOARD) == flash_dir / BOARD / "firmware.elf"
    r = tinyml("compare", model, "--port", f"qemu:{BOARD}", "-n", "3", "--json")
    assert r.rc == 0, r.err
    rep = json.loads(r.out)
    assert rep["differences"] == 0 and rep["bytes_compared"] == 3 * 4 and rep["host_backend"] == "dsp"
    # and the host core's outputs for those inputs are tflite-micro's: the board's are the reference's too
    data = model.read_bytes()
    host = Model(data, backend="dsp")  # the board's kernels (an M4F: kernels/dsp)
    try:
        for xs in make_inputs(host, 3, rep["seed"]):
            assert [o.tobytes() for o in host.invoke(*xs)] == [o.tobytes() for o in run_tflm(data, xs)]
    finally:
        host.close()
    assert rep["device"].startswith("NetduinoPlus2 (QEMU netduinoplus2)")

"""The `tinyml` command against RPI_PICO in the rp2040js emulator (`--port rp2040:`, tinyml_tools.rp2040).

`tinyml flash` writes the UF2 of `make firmware BOARD=RPI_PICO` into the emulator's flash image (in a
temporary $TINYML_RP2040_FLASH folder), `tinyml upload` boots it and copies a model to its littlefs,
the device computes the SHA-256 of the file, `tinyml run` runs the model on it: output byte-equal to the
host core's. The runner's UF2 writing (as the RP2040 bootloader: sectors erased, pages written, other
chips' blocks skipped) is checked on a small crafted UF2. Skipped, saying what is missing, without node
and what `make deps` installs (rp2040js, the boot ROM source) or without the image.
"""

from __future__ import annotations

import hashlib
import json
import struct
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from tflite_builder import run_tflm
from tinyml_tools import rp2040
from tinyml_tools.core import Model
from tinyml_tools.device import Device, connect
from toolhelp import Runner

BOARD = "RPI_PICO"
IMAGE = rp2040.image_path(BOARD)
MODEL = "micro_speech_quantized.tflite"  # 18.8 KB: fits the Pico's RAM three times over
FAMILY_RP2040, FAMILY_OTHER = 0xE48BFF56, 0xE48BFF59
UF2_FLAG_FAMILY = 0x2000


def _emulator_missing() -> str | None:
    why = rp2040.missing()
    if why is None and not IMAGE.exists():
        why = f"no image {IMAGE.relative_to(rp2040.ROOT)}: run 'make firmware BOARD={BOARD}'"
    return why


@pytest.fixture()
def flash_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh folder for the emulator's flash image (TINYML_RP2040_FLASH)."""
    monkeypatch.setenv("TINYML_RP2040_FLASH", str(tmp_path / "flash"))
    yield tmp_path / "flash"


def uf2_block(addr: int, payload: bytes, family: int = FAMILY_RP2040, flags: int = UF2_FLAG_FAMILY,
              size: int = 256) -> bytes:
    head = struct.pack("<8I", 0x0A324655, 0x9E5D5157, flags, addr, size, 0, 1, family)
    return head + payload.ljust(476, b"\0") + struct.pack("<I", 0x0AB16F30)


def uf2_pages(uf2: bytes) -> dict[int, bytes]:
    """Flash offset -> 256-byte page of every RP2040 block of a UF2 file."""
    pages = {}
    for at in range(0, len(uf2), 512):
        _, _, _, addr, size = struct.unpack_from("<5I", uf2, at)
        pages[addr - 0x10000000] = uf2[at + 32:at + 32 + size]
    return pages


def test_runner_writes_uf2_as_the_bootloader(tmp_path: Path) -> None:
    why = rp2040.missing()
    if why:
        pytest.skip(f"RP2040 emulator: {why}")
    flash = tmp_path / "board.flash"
    flash.write_bytes(bytes(range(256)) * 8192)  # 2 MiB, nothing erased
    pages = {0x1000: bytes([0x5A]) * 256, 0x3100: bytes(range(255, -1, -1))}
    uf2 = tmp_path / "fw.uf2"
    uf2.write_bytes(b"".join(uf2_block(0x10000000 + off, data) for off, data in pages.items())
                    + uf2_block(0x10005000, b"\x11" * 256, family=FAMILY_OTHER))
    r = subprocess.run(rp2040.runner_command(flash, uf2, boot=False), capture_output=True, text=True, timeout=60,
                       check=False)
    assert r.returncode == 0, r.stderr
    assert "2 blocks (0.5 KiB)" in r.stderr and "1 blocks for other targets skipped" in r.stderr
    got = flash.read_bytes()
    old = bytes(range(256)) * 8192
    assert len(got) == len(old)
    for off, data in pages.items():  # the page written, the rest of its 4 KiB sector erased
        sector = off - off % 4096
        assert got[off:off + 256] == data
        assert got[sector:off] == b"\xff" * (off - sector)
        assert got[off + 256:sector + 4096] == b"\xff" * (sector + 4096 - off - 256)
    untouched = [(0, 0x1000), (0x2000, 0x3000), (0x4000, len(old))]  # the other chip's block included
    assert all(got[a:b] == old[a:b] for a, b in untouched)
    # a block the bootloader cannot take: an error, the image as it was
    bad = tmp_path / "bad.uf2"
    bad.write_bytes(uf2_block(0x10000080, b"\1" * 256))
    r = subprocess.run(rp2040.runner_command(flash, bad, boot=False), capture_output=True, text=True, timeout=60,
                       check=False)
    assert r.returncode == 1 and "256-byte pages" in r.stderr
    assert flash.read_bytes() == got


def test_flash_upload_verify_run(tinyml: Runner, flash_dir: Path, shared_models: list[Path],
                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    why = _emulator_missing()
    if why:
        pytest.skip(f"RP2040 emulator: {why}")
    flash = flash_dir / f"{BOARD}.flash"
    r = tinyml("flash", "--board", BOARD, "--port", "rp2040:", "--dry-run", "--json")
    assert r.rc == 0 and json.loads(r.out)["steps"] == [
        {"argv": rp2040.runner_command(flash, IMAGE, boot=False)}]
    r = tinyml("flash", "--board", BOARD, "--port", "rp2040:")
    assert r.rc == 0, r.err
    image = flash.read_bytes()
    pages = uf2_pages(IMAGE.read_bytes())
    assert len(image) == 2 << 20 and all(image[off:off + 256] == data for off, data in pages.items())
    assert image[max(pages) + 4096:] == b"\xff" * (len(image) - max(pages) - 4096)  # fresh: erased

    model = next(p for p in shared_models if p.name == MODEL)
    data = model.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    r = tinyml("upload", model, "--port", "rp2040:", "--as", "m.tflite", "--json")
    assert r.rc == 0, r.err
    up = json.loads(r.out)
    assert up["uploaded"] and up["verified"] and up["sha256"] == sha and "RP2040" in up["device"]["machine"]

    # the file is in the flash image: a new boot finds it; so does one after the firmware is flashed again
    for reflash in (False, True):
        if reflash:
            assert tinyml("flash", "--board", BOARD, "--port", f"rp2040:{BOARD}").rc == 0
        with connect(f"rp2040:{BOARD}") as dev:
            assert dev.sha256("m.tflite") == sha  # computed on the device
            assert dev.info()["backend"] == "cmsis-nn"

    # run it on the board (the current folder mounted): the output is tflite-micro's, byte for byte
    host = Model(data, inspect=True)
    x = np.random.default_rng(5).integers(-128, 128, host.inputs[0].shape, dtype=np.int8)
    host.close()
    (want,) = run_tflm(data, [x])
    (tmp_path / "x.bin").write_bytes(x.tobytes())
    (tmp_path / "infer.py").write_text("import tinyml, binascii\nm = tinyml.Model('/m.tflite')\n"
                                       "print('out', binascii.hexlify(bytes(m.predict(open('x.bin', 'rb').read()))))\n")
    monkeypatch.chdir(tmp_path)
    r = tinyml("run", "infer.py", "--port", "rp2040:")
    assert r.rc == 0, r.err
    assert f"out b'{want.tobytes().hex()}'" in r.out


def test_board_time_reset_and_cycle_report(tmp_path: Path) -> None:
    """time.sleep takes its time (paced idle), the simulated timer is exact, machine.reset() restarts the
    board with its flash, and the runner reports its cycle count at exit."""
    why = _emulator_missing()
    if why:
        pytest.skip(f"RP2040 emulator: {why}")
    with rp2040.session(BOARD, image=IMAGE, flash=tmp_path / "f.flash") as b:
        dev = Device(b.pty)
        try:
            dev.exec("with open('keep.txt', 'w') as f:\n f.write('kept')")
            t0 = time.monotonic()
            us = int(dev.exec("import time\nt = time.ticks_us()\ntime.sleep_ms(500)\n"
                              "print(time.ticks_diff(time.ticks_us(), t))"))
            assert time.monotonic() - t0 >= 0.5 and 500_000 <= us < 501_000
            dev.transport.exec_raw_no_follow("import machine\nmachine.reset()")
        finally:
            dev.close()
        deadline = time.monotonic() + 30
        while not any("watchdog reset" in line for line in b.log) and time.monotonic() < deadline:
            time.sleep(0.2)
        dev = Device(b.pty)
        try:
            assert dev.eval("open('keep.txt').read()") == "kept"
            assert dev.eval("__import__('time').ticks_ms()") < (time.monotonic() - t0) * 1000  # a new uptime
        finally:
            dev.close()
    stats = b.stats()
    assert stats is not None and stats["cycles"] >= stats["executed"] > 0 and stats["idle"] >= 500_000 * 125
    assert abs(stats["cycles"] - stats["simulated"] * 125e6) <= 125  # 125 MHz; simulated s has 6 decimals


def test_flash_port_mismatch(tinyml: Runner, flash_dir: Path) -> None:
    r = tinyml("flash", "--board", BOARD, "--port", "rp2040:", "--tool", "picotool", "--dry-run")
    assert r.rc == 2 and "--tool uf2" in r.err
    r = tinyml("flash", "--board", BOARD, "--port", "rp2040:OTHER", "--dry-run")
    assert r.rc == 2 and "--board OTHER" in r.err
    assert not flash_dir.exists()


def test_missing_image_is_named(tmp_path: Path) -> None:
    if rp2040.missing():
        pytest.skip(f"RP2040 emulator: {rp2040.missing()}")
    with pytest.raises(rp2040.Rp2040Error, match="make firmware BOARD=RPI_PICO"), \
            rp2040.boot(BOARD, image=tmp_path / "none.uf2", flash=tmp_path / "f.flash"):
        pass
    assert list(tmp_path.iterdir()) == []  # no flash image made for it


def test_upload_romfs_persists_in_flash(tinyml: Runner, flash_dir: Path, shared_models: list[Path]) -> None:
    """`tinyml upload --romfs` writes the image into the Pico's ROMFS partition over the raw REPL (vfs.rom_ioctl
    and rp2's Flash block device); a new boot of the same flash file mounts it at /rom, where ad01_int8 (277 KB,
    more than the heap) loads in place."""
    why = _emulator_missing()
    if why:
        pytest.skip(f"RP2040 emulator: {why}")
    ad01 = next((p for p in shared_models if p.name == "ad01_int8.tflite"), None)
    if ad01 is None:
        pytest.skip("no shared model ad01_int8.tflite")
    r = tinyml("upload", "--romfs", ad01, "--port", "rp2040:", "--json")
    assert r.rc == 0, r.err
    up = json.loads(r.out)
    assert up["uploaded"] and up["verified"] and up["partition_bytes"] == 384 * 1024
    with connect(f"rp2040:{BOARD}") as dev:
        assert dev.sha256("/rom/ad01_int8.tflite") == hashlib.sha256(ad01.read_bytes()).hexdigest()
        out = dev.exec("import gc, tinyml\ngc.collect()\nf = gc.mem_free()\nm = tinyml.Model('/rom/ad01_int8.tflite')\n"
                       "gc.collect()\nprint(f, f - gc.mem_free(), m.arena_size + m.persistent_size)")
    free, drop, need = map(int, out.split())
    # beyond arena + metadata: the Model objects with their TensorInfo records and the GC's 16-byte
    # rounding of each metadata block (536 B measured); the model's 277 KB stay in flash
    assert free < ad01.stat().st_size and drop <= need + 1024, out

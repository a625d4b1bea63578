"""ROMFS images (tinyml_tools.romfs) and `tinyml upload --romfs` against a QEMU board.

Host part: images MicroPython's reader walks as written (every file's data 16-byte aligned, even image
size), refused names, the option errors. Board part (MPS2_AN500, `--port qemu:MPS2_AN500` in a temporary
$TINYML_QEMU_FLASH): the upload installs the image as the board's ROMFS image, boots the board and
verifies each /rom file's SHA-256 there; a later boot runs ad01_int8 (277 KB) from /rom with a heap drop
of arena + metadata only; a model the firmware cannot run is refused and leaves the installed image as
it was; an image larger than the board's ROMFS region is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from test_tools_inspect import unsupported_model
from tinyml_tools import qemu, romfs
from toolhelp import QEMU_BOARD, QEMU_IMAGE, ROOT, SHARED_MODELS, Runner

PORT = f"qemu:{QEMU_BOARD}"
AD01 = SHARED_MODELS / "ad01_int8.tflite"
HELLO = SHARED_MODELS / "hello_world_int8.tflite"


def test_image_layout_aligned_and_readable() -> None:
    for n in range(1, 12):
        files = {f"m{i}.bin": os.urandom((i * 97 + n * 13) % 700) for i in range(n)}
        files["x"] = b"abc"[: n % 4]
        img = romfs.build(files)
        assert img.startswith(romfs.HEADER) and len(img) % 2 == 0
        assert romfs.parse(img) == files
        assert romfs.image_size(img[:16]) == len(img)
        assert all(off % romfs.ALIGN == 0 for off, _ in romfs._walk(img).values())
    assert romfs.image_size(b"\0" * 8) is None
    for bad in ("", "a/b", ".."):
        with pytest.raises(romfs.RomfsError):
            romfs.build({bad: b"1"})
    with pytest.raises(romfs.RomfsError):
        romfs.parse(b"RM1\0")


def test_upload_romfs_option_errors(tinyml: Runner, tmp_path: Path) -> None:
    a, b = tmp_path / "a.tflite", tmp_path / "b" / "a.tflite"
    b.parent.mkdir()
    a.write_bytes(b"x")
    b.write_bytes(b"y")
    assert tinyml("upload", a, a, "--port", "/dev/null").rc == 2            # several files need --romfs
    assert tinyml("upload", a, "--image", tmp_path / "i", "--port", "/dev/null").rc == 2
    assert tinyml("upload", "--romfs", a, "--as", "x", "--port", "/dev/null").rc == 2
    r = tinyml("upload", "--romfs", a, b, "--port", "/dev/null")
    assert r.rc == 2 and "two files named a.tflite" in r.err


needs_qemu = pytest.mark.skipif(not QEMU_IMAGE.exists() or shutil.which("qemu-system-arm") is None,
                                reason=f"no QEMU firmware {QEMU_IMAGE.relative_to(ROOT)} or no qemu-system-arm")


@pytest.fixture()
def qemu_flash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh folder for the QEMU boards' installed images (TINYML_QEMU_FLASH)."""
    monkeypatch.setenv("TINYML_QEMU_FLASH", str(tmp_path / "qemu"))
    if not AD01.exists() or not HELLO.exists():
        pytest.skip(f"shared models not found at {SHARED_MODELS}")
    return tmp_path / "qemu"


@needs_qemu
def test_upload_romfs_qemu(tinyml: Runner, qemu_flash: Path, tmp_path: Path) -> None:
    from tinyml_tools.device import connect

    img = tmp_path / "saved.img"
    r = tinyml("upload", "--romfs", AD01, HELLO, "--port", PORT, "--image", img, "--json")
    assert r.rc == 0, r.err
    rep = json.loads(r.out)
    installed = qemu.installed_romfs(QEMU_BOARD)
    assert rep["uploaded"] and rep["verified"] and Path(rep["installed"]) == installed
    assert installed.read_bytes() == img.read_bytes() and rep["image_bytes"] == len(img.read_bytes())
    assert romfs.parse(img.read_bytes()) == {AD01.name: AD01.read_bytes(), HELLO.name: HELLO.read_bytes()}
    assert rep["files"][AD01.name]["sha256"] == hashlib.sha256(AD01.read_bytes()).hexdigest()
    with connect(PORT) as dev:  # a new boot: the installed image is in the ROMFS region again
        out = dev.exec("import gc, os, tinyml\nprint(sorted(os.listdir('/rom')))\ngc.collect()\nf = gc.mem_free()\n"
                       f"m = tinyml.Model('/rom/{AD01.name}')\ngc.collect()\n"
                       "print(f - gc.mem_free(), m.arena_size + m.persistent_size)")
    names, drop = out.strip().splitlines()
    assert names == repr(sorted([AD01.name, HELLO.name]))
    used, bound = map(int, drop.split())
    assert used <= bound + 512, f"loading from /rom took {used} bytes of heap; arena + metadata {bound}"

    # refused: nothing installed, the previous image stays
    bad = tmp_path / "fancy.tflite"
    bad.write_bytes(unsupported_model())
    r = tinyml("upload", "--romfs", HELLO, bad, "--port", PORT)
    assert r.rc == 3 and "fancy.tflite: the firmware" in r.err
    assert installed.read_bytes() == img.read_bytes()

    # larger than the board's 4 MiB region
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(qemu.romfs_region(QEMU_BOARD)[1]))
    r = tinyml("upload", "--romfs", big, "--port", PORT)
    assert r.rc == 3 and "does not fit the board's ROMFS partition" in r.err and "--force" not in r.err
    assert installed.read_bytes() == img.read_bytes()


KWS = SHARED_MODELS / "kws_ref_model.tflite"


@needs_qemu
def test_upload_romfs_flash_meta_qemu(tinyml: Runner, qemu_flash: Path, tmp_path: Path) -> None:
    """Beside a model with per-channel convolutions, the image gets NAME.tmx for the board's build (the
    configuration the firmware reports), which tinyml.Model('/rom/NAME') then uses; --no-flash-meta: none."""
    from tinyml_tools import core
    from tinyml_tools.device import connect

    img = tmp_path / "kws.img"
    r = tinyml("upload", "--romfs", KWS, "--port", PORT, "--image", img, "--json")
    assert r.rc == 0, r.err
    rep = json.loads(r.out)
    tmx = f"{KWS.name}.tmx"
    assert rep["flash_meta"] == {"files": [tmx], "notes": []}
    files = romfs.parse(img.read_bytes())
    assert sorted(files) == sorted([KWS.name, tmx])
    assert files[tmx] == core.flash_meta_blob(KWS.read_bytes(), "cmsis-nn")  # the M7 build: no MVE sums
    with connect(PORT) as dev:
        out = dev.exec(f"import tinyml\nm = tinyml.Model('/rom/{KWS.name}')\nprint(m.flash_meta)\n"
                       f"print(tinyml.Model('/rom/{KWS.name}', flash_meta=False).flash_meta)")
    assert out.split() == ["used", "None"], out
    r = tinyml("upload", "--romfs", KWS, "--port", PORT, "--image", img, "--no-flash-meta")
    assert r.rc == 0, r.err
    assert sorted(romfs.parse(img.read_bytes())) == [KWS.name]

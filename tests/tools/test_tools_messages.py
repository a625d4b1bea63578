"""The messages a newcomer meets (issue 19), each asserted: what went wrong and, in the same line, what to do.

- a --port that names nothing (`pico`), a QEMU board misspelt (`qemu:AN500`), no board connected: the valid
  ports are listed (rp2040, qemu:BOARD with the boards, the serial ports found);
- `tinyml upload` of a model that does not load from a file: --romfs where it fits the ROMFS partition,
  --force only where the host's metadata figure is what tips it, "use a smaller model" where nothing helps;
  and the verdict is `tinyml inspect`'s (RPI_PICO in the rp2040js emulator: the example model, person_detect
  and a 4 MB MobileNet);
- a device traceback names the user's script; tinyml.Model names the path and the folders it looked in
  (QEMU board).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tinyml_tools import boards, device, qemu, rp2040
from tinyml_tools.commands.inspect import describe
from tinyml_tools.commands.upload import check
from toolhelp import QEMU_BOARD, QEMU_IMAGE, ROOT, SHARED_MODELS, Runner

GESTURES = ROOT / "examples" / "gestures" / "gestures.tflite"
PERSON = SHARED_MODELS / "tflm" / "person_detect.tflite"
MOBILENET = SHARED_MODELS / "tflm" / "pytorch_to_tflite__mobilenet_v2_quantized_1x3x224x224.tflite"
ALL_QEMU = ", ".join(qemu.QEMU_BOARDS)


@pytest.fixture()
def no_usb(monkeypatch: pytest.MonkeyPatch) -> None:
    """No USB serial port on this machine (whatever is plugged in), no $TINYML_PORT."""
    monkeypatch.setattr(device, "usb_ports", list)
    monkeypatch.delenv("TINYML_PORT", raising=False)


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_a_port_that_names_nothing(tinyml: Runner, no_usb: None, tmp_path: Path) -> None:
    script = tmp_path / "s.py"
    script.write_text("print(1)\n")
    for cmd in (("run", script), ("upload", GESTURES), ("bench", GESTURES), ("stream",)):
        r = tinyml(*cmd, "--port", "pico")
        line = one_line(r.err)
        assert r.rc == 1 and "no serial port 'pico'" in line, line
        assert "(is another program using it?)" not in line
        assert "--port rp2040 (the emulated Pico: rp2040:RPI_PICO)" in line
        assert f"qemu:BOARD ({ALL_QEMU})" in line and "a serial port (none found)" in line


def test_a_misspelt_qemu_board(tinyml: Runner, tmp_path: Path) -> None:
    script = tmp_path / "s.py"
    script.write_text("print(1)\n")
    line = one_line(tinyml("run", script, "--port", "qemu:AN500").err)
    assert line.startswith("tinyml run: unknown board 'AN500': did you mean qemu:MPS2_AN500?")
    assert all(f"qemu:{b}" in line for b in qemu.QEMU_BOARDS)
    line = one_line(tinyml("upload", GESTURES, "--port", "qemu:RPI_PICO").err)
    assert "RPI_PICO does not run in QEMU" in line and "qemu:MPS2_AN500" in line
    line = one_line(tinyml("upload", GESTURES, "--port", "rp2040:PICO2").err)
    assert "the RP2040 ports are rp2040:RPI_PICO" in line


def test_no_board_found(tinyml: Runner, no_usb: None, tmp_path: Path) -> None:
    script = tmp_path / "s.py"
    script.write_text("print(1)\n")
    line = one_line(tinyml("run", script).err)
    assert "no MicroPython board found on USB: connect one, or give --port rp2040" in line
    assert "qemu:BOARD" in line and "MPS2_AN500" in line


def test_flash_without_a_drive_names_the_emulator(tinyml: Runner, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from tinyml_tools.commands import flash

    monkeypatch.setattr(flash, "UF2_MOUNT_ROOTS", (str(tmp_path),))  # no RPI-RP2 drive mounted
    r = tinyml("flash", "--board", "RPI_PICO", "--dry-run")
    line = one_line(r.err)
    assert r.rc == 1 and "no RPI-RP2 drive mounted: hold BOOTSEL" in line
    assert line.endswith("(no board: --port rp2040: flashes the emulated RPI_PICO)")


def _info(mem_free: int, fs_free: int = 10 << 20) -> dict:
    from tinyml_tools.core import supported_ops

    return {"tinyml": True, "version": "0.1.0", "backend": "ref", "supported_ops": supported_ops(),
            "mem_free": mem_free, "fs_free": fs_free}


def test_upload_advice_is_what_can_help() -> None:
    """check()'s refusals (the board's figures given): --force only in the window where the metadata tips it."""
    data = GESTURES.read_bytes()
    d = describe(data)
    model, arena, meta = len(data), d["arena_bytes"]["ref"], d["persistent_bytes"]["ref"]
    assert check(_info(model + arena + meta), data)[0] == []
    # short by less than the metadata: --force may help, nothing else offered
    (reason,), _ = check(_info(model + arena + meta - 1), data)
    assert "--force uploads it anyway" in reason and "--romfs" not in reason
    # short by more than the metadata: no --force; no ROMFS partition: nothing helps
    (reason,), _ = check(_info(model + arena - 1), data)
    assert "--force" not in reason and "use a smaller model" in reason
    # ... but a ROMFS partition that holds it: --romfs (with the port), no --force
    room = boards.Room(model + arena - 1, 10 << 20, romfs=64 * 1024)
    (reason,), _ = check(_info(model + arena - 1), data, room=room, name="g.tflite", port="rp2040")
    assert "it runs from ROMFS with" in reason and "tinyml upload --romfs g.tflite --port rp2040" in reason
    assert "--force" not in reason
    # a full filesystem: said so, and --force is no way round it
    (reason,), _ = check(_info(10 << 20, fs_free=model - 1), data)
    assert f"larger than the {model - 1:,} bytes free on the board's filesystem" in reason and "--force" not in reason
    assert check(_info(model + arena + meta - 1), data, force=True)[0] == []
    assert check(_info(10 << 20, fs_free=model - 1), data, force=True)[0] != []
    # read in place (--romfs): too big even for arena + metadata
    (reason,), _ = check(_info(arena - 1), data, in_place=True)
    assert "even read in place" in reason and "--force" not in reason


@pytest.fixture(scope="module")
def pico_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """RPI_PICO in rp2040js, started once (a fresh flash file); the commands' --port rp2040: uses it
    (tinyml_tools.emulated) instead of booting their own."""
    why = rp2040.missing()
    if why is None and not rp2040.image_path().exists():
        why = f"no image {rp2040.image_path()}: run 'make firmware BOARD=RPI_PICO'"
    if why:
        pytest.skip(f"RP2040 emulator: {why}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TINYML_RP2040_FLASH", str(tmp_path_factory.mktemp("flash")))
        with rp2040.session() as b:
            yield b.pty


def test_inspect_and_upload_reach_the_same_verdict(tinyml: Runner, pico_port: str) -> None:
    """On the (emulated) Pico: the example model loads from a file, person_detect runs only from ROMFS,
    the 4 MB MobileNet nowhere; `tinyml upload` says the same, and offers only what can help."""
    models = [GESTURES, PERSON, MOBILENET]
    if not all(p.exists() for p in models):
        pytest.skip(f"shared models missing in {SHARED_MODELS}")
    assert rp2040.running()["pty"] == pico_port
    for path in models:
        r = tinyml("inspect", path, "--board", "RPI_PICO", "--json")
        info = json.loads(r.out)["boards"][0]
        verdict = info["verdict"]
        r = tinyml("upload", path, "--port", "rp2040")
        if path == GESTURES:
            assert verdict == "ram" and r.rc == 0, r.err
            assert "rp2040:RPI_PICO keeps its files in" in r.out and "tinyml board reset rp2040:RPI_PICO" in r.out
            continue
        line = one_line(r.err)
        assert r.rc == 3 and "--force" not in line, line
        if path == PERSON:
            assert verdict == "romfs"
            # upload's figures are inspect's: from a file the model's bytes on top of what reading it in place takes
            file_ram, romfs_ram = info["ram_needed_file"], info["ram_needed_frozen"]
            assert file_ram == path.stat().st_size + romfs_ram and 30_000 < romfs_ram < info["heap_bytes"] < file_ram
            assert f"loading it from a file needs about {file_ram:,} bytes of RAM" in line
            assert f"it runs from ROMFS with {romfs_ram:,} bytes of RAM: tinyml upload --romfs person_detect.tflite " \
                   "--port rp2040" in line
        else:
            assert verdict == "none"
            assert "larger than the" in line and "free on the board's filesystem" in line
            ram = info["ram_needed_frozen"]
            assert ram > info["heap_bytes"]
            assert f"it does not fit this board even read in place from flash ({ram:,} bytes of RAM" in line
            assert "use a smaller model" in line and "--romfs" not in line
    # and --romfs for the MobileNet: refused before writing anything, for the partition's size
    r = tinyml("upload", "--romfs", MOBILENET, "--port", "rp2040")
    assert r.rc == 3 and "--force" not in r.err
    assert "does not fit the board's ROMFS partition (393,216 bytes): leave files out or use a smaller model" in r.err


@pytest.fixture()
def qemu_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if not QEMU_IMAGE.exists():
        pytest.skip(f"no QEMU firmware {QEMU_IMAGE}: run 'make firmware BOARD={QEMU_BOARD}'")
    monkeypatch.setenv("TINYML_QEMU_FLASH", str(tmp_path / "qemu"))
    return tmp_path / "qemu"


def test_tracebacks_and_paths_name_what_the_user_wrote(tinyml: Runner, qemu_state: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "project"
    work.mkdir()
    monkeypatch.chdir(work)
    (work / "bad.py").write_text("import tinyml\nprint('start')\nm = tinyml.Model('nope.tflite')\n")
    r = tinyml("run", "bad.py", "--port", f"qemu:{QEMU_BOARD}")
    assert r.rc == 1 and "start" in r.out
    assert 'File "bad.py", line 3, in <module>' in r.err and "<stdin>" not in r.err
    assert "OSError: [Errno 2] ENOENT: no model file nope.tflite in /remote (the host folder tinyml run mounted) " \
           "nor in / on the device: put it in the host folder, or upload it (tinyml upload nope.tflite)" in r.err
    (work / "abs.py").write_text("import tinyml\n\ntinyml.Model('/models/nope.tflite')\n")
    r = tinyml("stream", "--run", "abs.py", "--port", f"qemu:{QEMU_BOARD}")
    assert r.rc == 1 and 'File "abs.py", line 3' in r.err
    assert "no model file nope.tflite in /models (upload it there: tinyml upload nope.tflite --as " \
           "/models/nope.tflite)" in r.err

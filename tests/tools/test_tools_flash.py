"""`tinyml flash`: the exact command lines per board (--dry-run), and the UF2 copy."""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from pathlib import Path

import pytest
from tinyml_tools import boards
from tinyml_tools.commands.flash import esptool_write_command
from toolhelp import Runner

IMAGES = boards.image_dir("ESP32_GENERIC").parent  # firmware/images of the source tree


def dry_run(tinyml: Runner, *args: str) -> list[list[str]]:
    r = tinyml("flash", "--dry-run", *args)
    assert r.rc == 0, r.err
    return [shlex.split(line) for line in r.out.strip().splitlines()]


def test_esp32_boards(tinyml: Runner, tmp_path: Path) -> None:
    write = esptool_write_command()
    esptool = [sys.executable, "-m", "esptool"]
    assert dry_run(tinyml, "--board", "ESP32_GENERIC", "--port", "/dev/ttyUSB0") == [
        [*esptool, "--chip", "esp32", "--port", "/dev/ttyUSB0", "--baud", "460800", write, "0x1000",
         str(IMAGES / "ESP32_GENERIC" / "firmware.bin")]]
    image = tmp_path / "ESP32_GENERIC_S3-20250415-v1.25.0.bin"
    assert dry_run(tinyml, "--board", "ESP32_GENERIC_S3", str(image)) == [
        [*esptool, "--chip", "esp32s3", "--baud", "460800", write, "0x0", str(image)]]
    # a build folder: bootloader, partition table and application at their offsets
    build = tmp_path / "build"
    build.mkdir()
    (cmd,) = dry_run(tinyml, "--board", "ESP32_GENERIC", "--erase", str(build))
    assert cmd[cmd.index(write):] == [
        write, "--erase-all", "0x1000", str(build / "bootloader/bootloader.bin"),
        "0x8000", str(build / "partition_table/partition-table.bin"), "0x10000", str(build / "micropython.bin")]


def test_rp2040(tinyml: Runner, tmp_path: Path) -> None:
    drive = tmp_path / "RPI-RP2"
    drive.mkdir()
    (drive / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n")
    uf2 = IMAGES / "RPI_PICO" / "firmware.uf2"
    assert dry_run(tinyml, "--board", "RPI_PICO", "--drive", str(drive)) == [["cp", str(uf2), str(drive / uf2.name)]]
    assert dry_run(tinyml, "--board", "RPI_PICO", "--tool", "picotool") == [["picotool", "load", "-x", str(uf2)]]
    # a running board is first rebooted into its bootloader
    assert dry_run(tinyml, "--board", "RPI_PICO", "--tool", "picotool", "--port", "/dev/ttyACM0") == [
        [sys.executable, "-m", "mpremote", "connect", "/dev/ttyACM0", "bootloader"],
        ["picotool", "load", "-x", str(uf2)]]
    # the copy itself, onto a (fake) bootloader drive
    image = tmp_path / "fw.uf2"
    image.write_bytes(bytes(range(256)) * 8)
    r = tinyml("flash", "--board", "RPI_PICO", "--drive", str(drive), str(image))
    assert r.rc == 0, r.err
    assert (drive / "fw.uf2").read_bytes() == image.read_bytes()
    # a folder that is not a UF2 drive, a non-UF2 image
    other = tmp_path / "usbstick"
    other.mkdir()
    r = tinyml("flash", "--board", "RPI_PICO", "--drive", str(other), str(image))
    assert r.rc == 1 and "not a UF2 bootloader drive" in r.err and not (other / "fw.uf2").exists()
    r = tinyml("flash", "--board", "RPI_PICO", "--drive", str(drive), "--dry-run", str(tmp_path / "fw.bin"))
    assert r.rc == 1 and "takes a .uf2 image" in r.err


def test_nucleo_f446re(tinyml: Runner, tmp_path: Path) -> None:
    hexfile = IMAGES / "NUCLEO_F446RE" / "firmware.hex"
    assert dry_run(tinyml, "--board", "NUCLEO_F446RE") == [
        ["st-flash", "--connect-under-reset", "--format", "ihex", "write", str(hexfile)]]
    binfile = tmp_path / "firmware.bin"
    assert dry_run(tinyml, "--board", "NUCLEO_F446RE", str(binfile)) == [
        ["st-flash", "--connect-under-reset", "write", str(binfile), "0x08000000"]]
    assert dry_run(tinyml, "--board", "NUCLEO_F446RE", "--tool", "openocd") == [
        ["openocd", "-f", "board/st_nucleo_f4.cfg", "-c", f"program {hexfile} verify reset exit"]]
    r = tinyml("flash", "--board", "NUCLEO_F446RE", "--tool", "esptool", "--dry-run")
    assert r.rc == 2 and "st-flash, openocd" in r.err
    r = tinyml("flash", "--board", "NUCLEO_F446RE", "--dry-run", "--json")
    assert json.loads(r.out)["steps"] == [
        {"argv": ["st-flash", "--connect-under-reset", "--format", "ihex", "write", str(hexfile)]}]


def test_missing_tool_is_named(tinyml: Runner, tmp_path: Path) -> None:
    if shutil.which("st-flash"):
        pytest.skip("st-flash is installed: flashing would really run")
    image = tmp_path / "firmware.hex"
    image.write_text(":00000001FF\n")
    r = tinyml("flash", "--board", "NUCLEO_F446RE", str(image))
    assert r.rc == 1 and "st-flash not found" in r.err and "stlink-tools" in r.err


def test_boards_without_flashing(tinyml: Runner, tmp_path: Path) -> None:
    r = tinyml("flash", "--board", "MPS2_AN500", "--dry-run")
    assert r.rc == 2 and "runs in QEMU" in r.err
    r = tinyml("flash", "--board", "NO_SUCH_BOARD", "--dry-run")
    assert r.rc == 2 and "unknown board" in r.err
    # no such image (not a dry run): the message says how to build one (firmware/images/ESP32_GENERIC
    # may hold a real one, where `make deps-esp32` has run: not that one)
    r = tinyml("flash", "--board", "ESP32_GENERIC", str(tmp_path / "firmware.bin"))
    assert r.rc == 2 and "make firmware BOARD=ESP32_GENERIC" in r.err

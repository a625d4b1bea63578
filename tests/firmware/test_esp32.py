"""The ESP32 and ESP32-S3 images (boards/ESP32_GENERIC, ESP32_GENERIC_S3), built with ESP-IDF and the
Xtensa toolchains `make deps-esp32` builds from source (or the user's own ESP-IDF environment).

Where neither is there, this file skips with one line saying so ("run 'make deps-esp32'"); that
`make firmware BOARD=ESP32_GENERIC` then fails with that one line is checked in test_builds.py. Otherwise the image is built (`make
firmware`, incremental: `make test` builds it beside the other test images) and checked:
  - esptool's image_info validates the app and the bootloader images (checksum and SHA-256);
  - the app fits its partition: the partition table ESP-IDF built, read back, and the CSV that
    sdkconfig names agree, and the app image is smaller than the factory app partition;
  - `tinyml flash --board ... --dry-run` prints the esptool command with the offsets ESP-IDF's
    build reports (flasher_args.json), for the merged image and for the parts;
  - the ELF is our GCC's, has the tinyml module (cmsis-nn backend) and frozen package, Bluetooth, and
    no Wi-Fi (the Wi-Fi libraries are not in the cached ESP-IDF: README, "ESP32 and ESP32-S3");
  - `make size` reports the module's bytes in the image.
Nothing here runs the image: no ESP32 SoC emulator is available here (README).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOARDS = {"ESP32_GENERIC": "esp32", "ESP32_GENERIC_S3": "esp32s3"}
BUILD_TIMEOUT = 3600
CHIP_IDS = {"esp32": 0, "esp32s3": 9}  # esptool's/ESP-IDF's chip ID in the image header


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(extra)
    return env


def _make(*args: str, timeout: float, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, env=env or _env(), capture_output=True,
                          text=True, timeout=timeout, check=False)


def _why_not_buildable(board: str) -> str | None:
    """None where the board can be built here, else the one line saying why not."""
    r = _make("fw-check", f"BOARD={board}", timeout=120)
    if r.returncode == 0:
        return None
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("firmware:") and not ln.startswith("firmware: note:")]
    return lines[-1] if lines else (r.stdout + r.stderr).strip()[-300:]


# where no board can be built, the whole file skips with one line (the missing-ESP-IDF message itself is
# checked in test_builds.py: test_esp32_make_firmware_says_what_is_missing)
_WHY = {board: _why_not_buildable(board) for board in BOARDS}
if all(_WHY.values()):
    pytest.skip(f"ESP32 images not built or checked: {_WHY['ESP32_GENERIC']}", allow_module_level=True)

_built: dict[str, Path] = {}


@pytest.fixture(params=list(BOARDS))
def image(request: pytest.FixtureRequest) -> Path:
    """firmware/images/<BOARD>/ after `make firmware BOARD=<BOARD>` (once per board and session)."""
    board = request.param
    if board not in _built:
        why = _WHY[board]
        if why:
            pytest.skip(why)
        r = _make("firmware", f"BOARD={board}", timeout=BUILD_TIMEOUT)
        assert r.returncode == 0, (r.stdout + r.stderr)[-5000:]
        _built[board] = ROOT / "firmware" / "images" / board
    return _built[board]


def _board(images: Path) -> tuple[str, str, dict]:
    board = images.name
    return board, BOARDS[board], json.loads((ROOT / "boards" / board / "board.json").read_text())


def _tool(chip: str, name: str) -> str:
    """xtensa-<chip>-elf-<name>: on PATH (the user's ESP-IDF environment) or `make deps-esp32`'s."""
    deps = Path(os.environ.get("TINYML_DEPS", Path.home() / ".cache" / "tinyml"))
    cached = deps / f"xtensa-{chip}-elf" / "bin" / f"xtensa-{chip}-elf-{name}"
    return str(cached) if cached.exists() else f"xtensa-{chip}-elf-{name}"


def _esptool(*args: str) -> str:
    r = subprocess.run([sys.executable, "-m", "esptool", *args], capture_output=True, text=True, timeout=120,
                       check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def _image_info_cmd() -> str:
    from importlib import metadata
    return "image-info" if int(metadata.version("esptool").split(".")[0]) >= 5 else "image_info"


def _versions() -> dict[str, str]:
    text = (ROOT / "firmware" / "versions.mk").read_text()
    return dict(re.findall(r"^(\w+)\s*:=\s*(\S+)", text, re.MULTILINE))


def test_image_info(image: Path) -> None:
    """esptool validates the app and bootloader images: their header (chip), checksum and SHA-256."""
    board, chip, _ = _board(image)
    for name in ("micropython.bin", "bootloader/bootloader.bin"):
        out = _esptool("--chip", chip, _image_info_cmd(), str(image / name))
        print(f"{board} {name}:\n{out}")
        assert re.search(r"Checksum:.*\(valid\)", out), out
        assert re.search(r"Validation [Hh]ash:.*\(valid\)", out), out
        assert re.search(rf"Chip ID: {CHIP_IDS[chip]}\b", out), out
    # the merged image MicroPython's makeimg.py writes: bootloader, partition table and app at the
    # offsets of the build, relative to the bootloader's
    args = json.loads((image / "flasher_args.json").read_text())
    merged = (image / "firmware.bin").read_bytes()
    base = int(args["bootloader"]["offset"], 16)
    for offset, name in args["flash_files"].items():
        part = (image / name).read_bytes()
        start = int(offset, 16) - base
        assert merged[start:start + len(part)] == part, f"{name} is not at {offset} in firmware.bin"


def _partitions(table: bytes) -> list[dict]:
    """ESP-IDF's binary partition table: 32-byte entries (magic 0x50AA), up to the MD5 entry."""
    rows = []
    for i in range(0, len(table), 32):
        entry = table[i:i + 32]
        magic, ptype, _subtype, offset, size, label, _flags = struct.unpack("<HBBII16sI", entry)
        if magic != 0x50AA:
            break
        rows.append({"type": ptype, "offset": offset, "size": size,
                     "label": label.rstrip(b"\0").decode()})
    return rows


def _csv_partitions(path: Path) -> list[dict]:
    rows = []
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        name, ptype, _subtype, offset, size = [c.strip() for c in line.split(",")[:5]]
        mult = {"K": 1024, "M": 1024 * 1024}.get(size[-1:].upper(), 1)
        rows.append({"label": name, "type": {"app": 0, "data": 1}[ptype], "offset": int(offset, 0) if offset else None,
                     "size": int(size[:-1] if mult > 1 else size, 0) * mult})
    return rows


def test_app_fits_its_partition(image: Path) -> None:
    board, _chip, info = _board(image)
    sdkconfig = dict(re.findall(r"^(CONFIG_\w+)=(.*)$", (image / "sdkconfig").read_text(), re.MULTILINE))
    table = _partitions((image / "partition_table" / "partition-table.bin").read_bytes())
    apps = [p for p in table if p["type"] == 0]
    assert apps, table
    # the table is the CSV sdkconfig names (MicroPython's ports/esp32/partitions-*.csv)
    csv_name = sdkconfig["CONFIG_PARTITION_TABLE_CUSTOM_FILENAME"].strip('"')
    mpy = Path(os.environ.get("MICROPY_DIR") or Path(os.environ.get("TINYML_DEPS", Path.home() / ".cache" / "tinyml"))
               / f"micropython-{_versions()['MICROPY_VERSION']}")
    csv = _csv_partitions(mpy / "ports" / "esp32" / csv_name)
    assert [(p["label"], p["type"], p["size"]) for p in csv] == [(p["label"], p["type"], p["size"]) for p in table]
    app_bytes = (image / "micropython.bin").stat().st_size
    factory = min(apps, key=lambda p: p["size"])
    args = json.loads((image / "flasher_args.json").read_text())
    assert int(args["app"]["offset"], 16) == apps[0]["offset"]
    assert int(args["partition-table"]["offset"], 16) == int(sdkconfig["CONFIG_PARTITION_TABLE_OFFSET"], 16)
    used = app_bytes / factory["size"]
    print(f"{board}: micropython.bin {app_bytes} bytes in the {factory['label']} partition of {factory['size']} "
          f"bytes at {factory['offset']:#x} ({used:.1%} used, {factory['size'] - app_bytes} bytes free)")
    assert 500_000 < app_bytes <= factory["size"]
    assert factory["size"] == info["firmware_region_bytes"] and factory["offset"] == 0x10000


def _flash_dry_run(*args: str) -> list[str]:
    r = subprocess.run([sys.executable, "-m", "tinyml_tools", "flash", "--dry-run", *args], capture_output=True,
                       text=True, timeout=60, check=False, env=_env(PYTHONPATH=str(ROOT / "host_tools")))
    assert r.returncode == 0, r.stdout + r.stderr
    (line,) = r.stdout.strip().splitlines()
    return shlex.split(line)


def test_flash_dry_run_uses_the_build_offsets(image: Path) -> None:
    board, chip, _info = _board(image)
    args = json.loads((image / "flasher_args.json").read_text())
    assert args["extra_esptool_args"]["chip"] == chip
    # the default image, the merged firmware.bin, starts where ESP-IDF puts the bootloader
    cmd = _flash_dry_run("--board", board, "--port", "/dev/ttyUSB0")
    print(shlex.join(cmd))
    assert cmd[:6] == [sys.executable, "-m", "esptool", "--chip", chip, "--port"]
    assert cmd[-2:] == [args["bootloader"]["offset"], str(image / "firmware.bin")]
    # the parts: every file of flasher_args.json at its offset, with ESP-IDF's flash options
    cmd = _flash_dry_run("--board", board, str(image))
    print(shlex.join(cmd))
    tail = cmd[-2 * len(args["flash_files"]):]
    assert list(zip(tail[::2], tail[1::2])) == sorted(
        ((off, str(image / f)) for off, f in args["flash_files"].items()), key=lambda e: int(e[0], 16))
    opts = args["write_flash_args"]
    assert cmd[cmd.index(opts[0]):cmd.index(opts[0]) + len(opts)] == opts
    assert all((image / f).is_file() for f in args["flash_files"].values())


def _build_info(image: Path) -> dict:
    """ESP-IDF's description of the build (its build folder's project_description.json)."""
    return json.loads((ROOT / "build" / "firmware" / image.name / "project_description.json").read_text())


def test_elf_contents(image: Path) -> None:
    """The compiler that built it; tinyml (cmsis-nn backend) and its frozen package are in; so are BLE
    (NimBLE), btree, mDNS queries and (ESP32) the LAN867x PHY; Wi-Fi is not where ESP-IDF has no
    Wi-Fi libraries (the cached ESP-IDF: README, "ESP32 and ESP32-S3")."""
    board, chip, info = _board(image)
    elf = image / "micropython.elf"
    desc = _build_info(image)
    compiler = subprocess.run([desc["c_compiler"], "--version"], capture_output=True, text=True,
                              check=True).stdout.splitlines()[0]
    comment = subprocess.run([_tool(chip, "readelf"), "-p", ".comment", str(elf)], capture_output=True, text=True,
                             check=True).stdout
    print(f"{board}: {compiler}; ESP-IDF {desc['git_revision']}")
    assert Path(desc["c_compiler"]).name == f"xtensa-{chip}-elf-gcc"
    version = compiler.rsplit(" ", 1)[1]
    assert f"GCC: ({compiler.split('(', 1)[1].split(')')[0]}) {version}" in comment  # the app's own objects
    symbols = {ln.split()[-1] for ln in subprocess.run([_tool(chip, "nm"), str(elf)], capture_output=True, text=True,
                                                      check=True).stdout.splitlines()}
    assert {"tinyml_user_cmodule", "frozen_module_tinyml___init__", "tml_model_load_meta", "tml_conv_s8"} <= symbols
    # the backend of board.json: cmsis-nn, CMSIS-NN's portable C (a ref build has no arm_* symbol)
    assert info["backend"] == "cmsis-nn" and {"arm_convolve_s8", "arm_fully_connected_s8"} <= symbols
    assert {"mp_bluetooth_init", "ble_hs_init", "mdns_query_a"} <= symbols
    assert any(s.startswith("btree_") for s in symbols)
    assert ("esp_eth_phy_new_lan867x" in symbols) == (chip == "esp32")
    idf = Path(desc["idf_path"])
    if not (idf / "components" / "esp_wifi" / "lib" / chip / "libnet80211.a").exists():
        assert not {"esp_wifi_init", "esp_wifi_start", "esp_now_init"} & symbols
        assert not any("wlan" in s.lower() and "network" in s.lower() for s in symbols)


def test_make_size(image: Path) -> None:
    """`make size` covers the board: text + data of the ELF, and the module's share of it (at least its
    tml_*/tinyml_* symbols, less than the image)."""
    board, chip, _ = _board(image)
    r = _make("size", f"BOARD={board}", "SIZE_GROUPS=", timeout=900)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    print(r.stdout)
    lines = r.stdout.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("board "))
    row = re.split(r"\s{2,}", lines[head + 2].strip())
    assert row[:2] == [board, "cmsis-nn"], lines[head + 2]
    firmware, without, module = int(row[2]), int(row[3].split()[0]), int(row[4])
    elf = ROOT / "build" / "firmware" / board / "micropython.elf"
    out = subprocess.run([_tool(chip, "size"), str(elf)], capture_output=True, text=True, check=True).stdout
    text, data = map(int, out.splitlines()[1].split()[:2])
    assert firmware == text + data
    nm = subprocess.run([_tool(chip, "nm"), "-S", str(elf)], capture_output=True, text=True, check=True).stdout
    symbols = sum(int(p[1], 16) for p in (ln.split() for ln in nm.splitlines())
                  if len(p) == 4 and p[2] in "TtRrDd" and p[3].startswith(("tml_", "tinyml_")))
    assert 0 < symbols <= module < firmware and without == firmware - module

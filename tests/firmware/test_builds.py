"""Firmware for the real boards (boards/RPI_PICO, NUCLEO_F446RE, ESP32_GENERIC, ESP32_GENERIC_S3) and
the stm32 port's board for QEMU (NETDUINO_PLUS_2).

RPI_PICO, NUCLEO_F446RE and NETDUINO_PLUS_2 are built with `make firmware BOARD=...` where their
sources are in the dependency cache (the build in build/firmware/<BOARD> is reused: later runs are
incremental) and must link and fit the board's flash, with the CMSIS-NN code path of the core
(DSP where the core has it); NUCLEO_F446RE cannot run here, NETDUINO_PLUS_2 runs in QEMU
(tests/firmware/test_device.py). The ESP32 build files are also checked without ESP-IDF (the user
module and board CMake files through a dummy CMake project, the frozen manifests through
MicroPython's manifestfile.py); the ESP32 images themselves are built and checked in test_esp32.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOARDS = ROOT / "boards"
ESP32_BOARDS = {"ESP32_GENERIC": "esp32", "ESP32_GENERIC_S3": "esp32s3"}
PORTS = {"RPI_PICO": "rp2", "NUCLEO_F446RE": "stm32", "NETDUINO_PLUS_2": "stm32", "ESP32_GENERIC": "esp32",
         "ESP32_GENERIC_S3": "esp32"}
BUILD_TIMEOUT = 3600


def _versions() -> dict[str, str]:
    text = (ROOT / "firmware" / "versions.mk").read_text()
    return dict(re.findall(r"^(\w+)\s*:=\s*(\S+)", text, re.MULTILINE))


def _micropython() -> Path:
    if os.environ.get("MICROPY_DIR"):
        return Path(os.environ["MICROPY_DIR"])
    deps = Path(os.environ.get("TINYML_DEPS", Path.home() / ".cache" / "tinyml"))
    return deps / f"micropython-{_versions()['MICROPY_VERSION']}"


def _env(**extra: str) -> dict[str, str]:
    # no make jobserver or flags of an enclosing `make test`
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(extra)
    return env


def _make(*args: str, timeout: float, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, env=env or _env(), capture_output=True,
                          text=True, timeout=timeout, check=False)


def _board(name: str) -> dict:
    return json.loads((BOARDS / name / "board.json").read_text())


def _board_mk(board: str) -> str:
    mk = BOARDS / board / "mpconfigboard.mk"
    return mk.read_text() if mk.exists() else ""


def _need_micropython() -> Path:
    mpy = _micropython()
    if not (mpy / "py" / "mpconfig.h").exists():
        pytest.skip(f"MicroPython not in {mpy}: run 'make deps'")
    return mpy


def _skip_unless_buildable(board: str, tools: tuple[str, ...]) -> None:
    for tool in tools:
        if shutil.which(tool) is None:
            pytest.skip(f"{board}: {tool} is not installed")
    check = _make("fw-check", f"BOARD={board}", timeout=120)
    if check.returncode:  # e.g. a submodule not at the pinned commit: say which, and how to get it
        lines = [ln for ln in check.stdout.splitlines() if ln.startswith("firmware:")]
        pytest.skip(lines[-1] if lines else f"{board}: {(check.stdout + check.stderr).strip()[-300:]}")


def _arm_size(elf: Path) -> tuple[int, int, int]:
    out = subprocess.run(["arm-none-eabi-size", str(elf)], capture_output=True, text=True, check=True).stdout
    text, data, bss = (int(v) for v in out.splitlines()[1].split()[:3])
    return text, data, bss


@pytest.mark.parametrize("board", ["RPI_PICO", "NUCLEO_F446RE", "NETDUINO_PLUS_2"])
def test_arm_board_builds(board: str) -> None:
    tools = ("arm-none-eabi-gcc", "arm-none-eabi-size", "arm-none-eabi-nm", "arm-none-eabi-objdump") + (("cmake",) if board == "RPI_PICO" else ())
    _skip_unless_buildable(board, tools)
    r = _make("firmware", f"BOARD={board}", timeout=BUILD_TIMEOUT)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    info = _board(board)
    images = ROOT / "firmware" / "images" / board
    elf = images / "firmware.elf"
    assert elf.exists() and (images / info["image"]).stat().st_size > 0
    text, data, bss = _arm_size(elf)
    print(f"{board}: text {text} data {data} bss {bss}, {info['image']} {(images / info['image']).stat().st_size} B")
    assert 100_000 < text + data <= info["firmware_region_bytes"] <= info["flash_bytes"]
    assert data + bss < info["ram_bytes"]
    symbols = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True, check=True).stdout
    assert "tinyml_user_cmodule" in symbols and "frozen_module_tinyml___init__" in symbols
    ota = "TINYML_OTA ?= 0" not in _board_mk(board)  # over-the-air updates: the verifier and tinyml.ota
    assert ("tinyml_ota_user_cmodule" in symbols) == ota and ("frozen_module_tinyml_ota" in symbols) == ota
    assert ("arm_convolve_s8" in symbols) == (info["backend"] == "cmsis-nn")
    # CMSIS-NN's DSP path (-mcpu of a core with the DSP extension) widens int8 data with SXTB16
    # (its __SXTB16 intrinsic; the compiler never emits it on its own). An instruction, not a
    # symbol: with link-time optimisation (NUCLEO_F446RE) its helper functions are inlined.
    disasm = subprocess.run(["arm-none-eabi-objdump", "-d", str(elf)], capture_output=True, text=True, check=True).stdout
    assert ("\tsxtb16" in disasm) == (info["backend"] == "cmsis-nn" and info["dsp"])
    if board == "RPI_PICO":  # UF2: 512-byte blocks of 256 payload bytes each
        uf2 = (images / "firmware.uf2").stat().st_size
        assert uf2 % 512 == 0 and uf2 >= 2 * text


# A dummy CMake project doing what ports/esp32/CMakeLists.txt does with BOARD_DIR (board file,
# sdkconfig list relative to the port) and then esp32_common.cmake with USER_C_MODULES (MicroPython's
# py/usermod.cmake), without ESP-IDF: prints what the build would use.
ESP32_CHECK = """
cmake_minimum_required(VERSION 3.16)
project(tinyml_esp32_check NONE)
set(MICROPY_PORT_DIR {mpy}/ports/esp32)
set(MICROPY_BOARD_DIR {boards}/${{BOARD}})
include(${{MICROPY_BOARD_DIR}}/mpconfigboard.cmake)
foreach(f ${{SDKCONFIG_DEFAULTS}})
    if(NOT IS_ABSOLUTE ${{f}})
        set(f ${{MICROPY_PORT_DIR}}/${{f}})
    endif()
    message(STATUS "tml-sdkconfig ${{f}}")
endforeach()
message(STATUS "tml-target ${{IDF_TARGET}}")
message(STATUS "tml-manifest ${{MICROPY_FROZEN_MANIFEST}}")
set(USER_C_MODULES {usermod})
include({mpy}/py/usermod.cmake)
get_target_property(defs usermod_tinyml INTERFACE_COMPILE_DEFINITIONS)
message(STATUS "tml-defs ${{defs}}")
foreach(s ${{MICROPY_SOURCE_USERMOD}})
    message(STATUS "tml-src ${{s}}")
endforeach()
"""


def _esp32_configure(tmp_path: Path, board: str, **env: str) -> subprocess.CompletedProcess[str]:
    mpy = _need_micropython()
    if shutil.which("cmake") is None:
        pytest.skip("cmake is not installed")
    (tmp_path / "CMakeLists.txt").write_text(ESP32_CHECK.format(
        mpy=mpy.as_posix(), boards=BOARDS.as_posix(), usermod=(ROOT / "usermod" / "micropython.cmake").as_posix()))
    return subprocess.run(["cmake", "-S", str(tmp_path), "-B", str(tmp_path / "build"), f"-DBOARD={board}"],
                          capture_output=True, text=True, env=_env(**env), timeout=300, check=False)


def _esp32_config(r: subprocess.CompletedProcess[str]) -> dict[str, list[str]]:
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    got: dict[str, list[str]] = {}
    for key, value in re.findall(r"^-- tml-(\w+) (.*)$", r.stdout, re.MULTILINE):
        got.setdefault(key, []).append(value)
    return got


@pytest.mark.parametrize("board", list(ESP32_BOARDS))
def test_esp32_cmake_files(tmp_path: Path, board: str) -> None:
    """The board's CMake files as ESP-IDF reads them: target, manifest, sdkconfig list, and the module's
    sources with the default backend of the ESP32 boards, cmsis-nn (CMSIS-NN's portable C)."""
    got = _esp32_config(_esp32_configure(tmp_path, board))
    assert got["target"] == [ESP32_BOARDS[board]]
    assert got["manifest"] == [str(BOARDS / board / "manifest.py")]
    assert got["sdkconfig"] and all(Path(p).is_file() for p in got["sdkconfig"])
    assert got["defs"] == ["TML_BACKEND_CMSIS_NN"]
    assert json.loads((BOARDS / board / "board.json").read_text())["backend"] == "cmsis-nn"
    src = [Path(p) for p in got["src"]]
    assert all(p.is_file() for p in src)
    mod = ROOT / "usermod" / "tinyml"
    names = {p.relative_to(mod).parts[0] for p in src if p.is_relative_to(mod)}
    assert mod / "modtinyml.c" in src and {"core", "kernels"} <= names
    # over-the-air updates (TINYML_OTA, on where Monocypher is in the cache): the verifier, its binding, Monocypher
    ota = {mod / "modtinyml_ota.c", mod / "ota" / "tml_bundle.c"}
    mono = [p for p in src if p.name.startswith("monocypher")]
    assert (ota <= set(src)) == bool(mono) and {p.name for p in mono} <= {"monocypher.c", "monocypher-ed25519.c"}
    assert any("kernels/cmsis_nn" in p.as_posix() for p in src)
    assert any(p.name == "arm_convolve_s8.c" for p in src)  # CMSIS-NN's own sources
    # cmsis_nn/X.c replaces portable/X.c
    assert not any(p.parent.name == "portable" and p.name == "tml_conv_s8.c" for p in src)
    assert mod / "kernels" / "portable" / "tml_k_activation.c" in src and mod / "kernels" / "tml_select.c" in src


def test_esp32_ref_backend(tmp_path: Path) -> None:
    """TINYML_BACKEND=ref still builds the portable backend for the ESP32 (and nothing of CMSIS-NN)."""
    got = _esp32_config(_esp32_configure(tmp_path, "ESP32_GENERIC", TINYML_BACKEND="ref"))
    assert got["defs"] == ["defs-NOTFOUND"]
    src = [Path(p) for p in got["src"]]
    assert any(p.parent.name == "portable" and p.name == "tml_conv_s8.c" for p in src)
    assert not any("cmsis" in p.as_posix().lower() for p in src)


def test_esp32_make_firmware_says_what_is_missing() -> None:
    """Without ESP-IDF (neither the user's nor `make deps-esp32`'s), one line says what to run."""
    env = _env(TINYML_DEPS="/nonexistent-tinyml-deps-for-this-test")
    env.pop("IDF_PATH", None)
    mpy = Path(os.environ.get("MICROPY_DIR") or Path(os.environ.get("TINYML_DEPS", Path.home() / ".cache" / "tinyml"))
               / f"micropython-{_versions()['MICROPY_VERSION']}")
    if not (mpy / "py" / "mpconfig.h").exists():
        pytest.skip(f"MicroPython not in {mpy}: run 'make deps'")
    r = _make("firmware", "BOARD=ESP32_GENERIC", f"MICROPY_DIR={mpy}", timeout=120, env=env)
    assert r.returncode != 0
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("firmware:") and not ln.startswith("firmware: note:")]
    assert len(lines) == 1 and "run 'make deps-esp32'" in lines[0], r.stdout + r.stderr


@pytest.mark.parametrize("board", list(PORTS))
def test_board_manifest(board: str) -> None:
    mpy = _need_micropython()
    if not (mpy / "lib" / "micropython-lib" / "README.md").exists():
        pytest.skip(f"micropython-lib missing in {mpy}: run 'make deps'")
    sys.path.insert(0, str(mpy / "tools"))
    try:
        import manifestfile
    finally:
        sys.path.pop(0)
    m = manifestfile.ManifestFile(manifestfile.MODE_FREEZE, {
        "MPY_DIR": str(mpy), "MPY_LIB_DIR": str(mpy / "lib" / "micropython-lib"),
        "PORT_DIR": str(mpy / "ports" / PORTS[board]), "BOARD_DIR": str(BOARDS / board)})
    m.execute(str(BOARDS / board / "manifest.py"))
    frozen = {f.target_path for f in m.files()}
    package = {p.relative_to(ROOT / "lib").as_posix() for p in (ROOT / "lib" / "tinyml").glob("*.py")}
    if "TINYML_OTA ?= 0" in _board_mk(board):  # built without over-the-air updates: no tinyml.ota either
        package.discard("tinyml/ota.py")
        assert "tinyml/ota.py" not in frozen
    assert package and package <= frozen
    assert len(frozen) > len(package)  # the port's default modules too


@pytest.mark.parametrize("board", ["MPS2_AN385", "MPS2_AN500", "MPS3_AN547"])
def test_ramdisk_region_matches_the_build(board: str) -> None:
    """board.json's "ramdisk" (where the device tests preload the RAM disk) is where the firmware's
    RAM disk is: TINYML_RAMDISK_START/_BYTES of the board's mpconfigboard.mk, 4 KiB blocks (ramdisk.c)."""
    mk = (BOARDS / board / "mpconfigboard.mk").read_text()
    start = int(re.search(r"^TINYML_RAMDISK_START\s*=\s*(\S+)", mk, re.MULTILINE).group(1), 0)
    size = int(re.search(r"^TINYML_RAMDISK_BYTES\s*=\s*(\S+)", mk, re.MULTILINE).group(1), 0)
    rd = _board(board)["ramdisk"]
    assert (int(rd["address"], 0), rd["bytes"], rd["block_size"]) == (start, size, 4096)
    assert rd["bytes"] == _board(board)["fs_bytes"] and "TINYML_RAMDISK_BLOCK" not in mk

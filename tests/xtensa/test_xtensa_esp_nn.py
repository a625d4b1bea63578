"""The esp-nn backend executed bare-metal on emulated Xtensa CPUs, byte-equal with the host core: the
Xtensa harness (tests/xtensa/xtensa_exec.py, test_xtensa_exec.py) with the esp-nn backends added as
two more of its build parameters (BACKENDS), from usermod/tinyml/core.mk's lists.

- lx106 (Debian's QEMU and toolchain): ESP-NN's generic optimisations (esp-nn, what the ESP32 runs)
  and its ANSI C (esp-nn-ansi);
- esp32 (the ESP32's LX6 core imported into QEMU, xtensa-esp32-elf) and esp32s3 (LX7, its scalar
  instructions: QEMU has no model of the S3's PIE vector unit, so ESP-NN's S3 assembly is only compiled,
  tests/cross/test_esp_nn_cross.py): the generic optimisations, where `make deps-esp32` has run.

Each run: every per-op case of the device bundle, in rounds (byte-equal with tflite-micro's and with the
host core of the same backend) and every shared model with three seeded inputs (byte-equal with the host).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "tests" / "host"))
from harness import esp_nn_dir, esp_nn_missing

if esp_nn_missing():
    pytest.skip(esp_nn_missing(), allow_module_level=True)

import xtensa_exec as xe
from test_xtensa_exec import _check

ESP_NN = esp_nn_dir()


def _sources() -> list[Path]:
    """core.mk's TML_ESP_NN_OWN (less the core, which the harness adds) and ESP_NN_SRC, and the stdio
    stub ESP-NN's softmax needs bare-metal (esp_nn_stdio.c)."""
    esp = xe.TML / "kernels" / "esp_nn"
    ref = [p for p in sorted((xe.TML / "kernels" / "portable").glob("*.c")) if not (esp / p.name).exists()]
    vendor = sorted(ESP_NN.glob("src/*/*_ansi.c")) + sorted(ESP_NN.glob("src/*/*_opt.c"))
    return sorted(esp.glob("*.c")) + ref + vendor + [HERE / "esp_nn_stdio.c"]


def _backend(name: str, defines: list[str]) -> xe.Backend:
    return xe.Backend(
        name, _sources,
        lambda: ["-DTML_BACKEND_ESP_NN", *defines, f"-I{ESP_NN / 'include'}", f"-I{ESP_NN / 'src' / 'common'}"],
        lambda p: ESP_NN in p.parents or p.name == "esp_nn_stdio.c",
        host_backend=name)


xe.BACKENDS.setdefault("esp-nn", _backend("esp-nn", []))
xe.BACKENDS.setdefault("esp-nn-ansi", _backend("esp-nn-ansi", ["-DTML_ESP_NN_ANSI"]))


@pytest.mark.parametrize("backend", ["esp-nn", "esp-nn-ansi"])
def test_lx106(backend: str) -> None:
    why = xe.CORES["lx106"]().available()
    if why:
        pytest.fail(f"lx106 toolchain/QEMU missing ({why}): .ci/run installs them")
    r = _check("lx106", backend)
    assert not r.ops_skipped, f"lx106 {backend}: per-op cases left out: {r.ops_skipped[:3]}"


def test_esp32_family() -> None:
    """The generic optimisations on the ESP32 (LX6) and ESP32-S3 (LX7) cores: one skip line where
    `make deps-esp32` has not run."""
    missing = {c: xe.CORES[c]().available() for c in ("esp32", "esp32s3")}
    if all(missing.values()):
        pytest.skip(f"ESP32 cores not set up (make deps-esp32): {missing['esp32']}")
    for core, why in missing.items():
        if not why:
            r = _check(core, "esp-nn")
            assert not r.ops_skipped, f"{core} esp-nn: per-op cases left out: {r.ops_skipped[:3]}"

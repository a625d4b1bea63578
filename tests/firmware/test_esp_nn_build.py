"""The esp-nn backend in the ESP-IDF build files (usermod/tinyml/micropython.cmake), checked
through test_builds.py's dummy CMake project (no ESP-IDF needed): TINYML_BACKEND=esp-nn gives
ESP-NN's generic optimisations on ESP32_GENERIC and its S3 assembly on ESP32_GENERIC_S3, with
ESP-NN's sources and our esp_nn wrappers; the default stays ref (test_builds.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from test_builds import ROOT, _esp32_configure, _versions

DEPS = Path(os.environ.get("TINYML_DEPS", Path.home() / ".cache" / "tinyml"))
ESP_NN = Path(os.environ.get("ESP_NN_DIR", DEPS / f"esp-nn-{_versions()['ESP_NN_VERSION']}"))
if not (ESP_NN / "include" / "esp_nn.h").exists():
    pytest.skip(f"ESP-NN not in {ESP_NN} (run 'make deps'): the esp-nn build files are not checked",
                allow_module_level=True)


def configure(tmp_path: Path, board: str, **env: str) -> dict[str, list[str]]:
    r = _esp32_configure(tmp_path, board, TINYML_BACKEND="esp-nn", **env)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    got: dict[str, list[str]] = {}
    for key, value in re.findall(r"^-- tml-(\w+) (.*)$", r.stdout, re.MULTILINE):
        got.setdefault(key, []).append(value)
    return got


@pytest.mark.parametrize(("board", "flavour", "defs"), [
    ("ESP32_GENERIC", None, "TML_BACKEND_ESP_NN"),
    ("ESP32_GENERIC_S3", None, "TML_BACKEND_ESP_NN;TML_ESP_NN_S3"),
    ("ESP32_GENERIC", "ansi", "TML_BACKEND_ESP_NN;TML_ESP_NN_ANSI"),
])
def test_esp_nn_sources(tmp_path: Path, board: str, flavour: str | None, defs: str) -> None:
    got = configure(tmp_path, board, **({"TINYML_ESP_NN_FLAVOUR": flavour} if flavour else {}))
    assert got["defs"] == [defs]
    src = [Path(p) for p in got["src"]]
    assert all(p.is_file() for p in src)
    ours = ROOT / "usermod" / "tinyml" / "kernels"
    wrappers = sorted((ours / "esp_nn").glob("*.c"))
    assert wrappers and set(wrappers) <= set(src)
    # kernels/esp_nn/X.c replaces kernels/portable/X.c; the other portable files serve what ESP-NN lacks
    assert ours / "portable" / "tml_k_16x8.c" in src and ours / "portable" / "tml_conv_s8.c" not in src
    assert ours / "tml_select.c" in src
    vendor = {p.name for p in src if ESP_NN in p.parents}
    assert {"esp_nn_conv_opt.c", "esp_nn_depthwise_conv_opt.c", "esp_nn_softmax_opt.c",
            "esp_nn_fully_connected_ansi.c"} <= vendor
    s3 = {n for n in vendor if "esp32s3" in n}
    assert bool(s3) == (board == "ESP32_GENERIC_S3")
    if s3:
        assert "esp_nn_conv_s8_mult8_1x1_esp32s3.S" in s3


def test_s3_assembly_needs_the_s3(tmp_path: Path) -> None:
    r = _esp32_configure(tmp_path, "ESP32_GENERIC", TINYML_BACKEND="esp-nn", TINYML_ESP_NN_FLAVOUR="s3")
    assert r.returncode != 0 and "needs IDF_TARGET esp32s3" in r.stderr

"""pytest options of the firmware tests: --port PORT runs tests/device/ on a real board too
(also TINYML_TEST_PORT=PORT, which works however pytest is started)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

# ESP-NN (`make deps`, firmware/versions.mk): without its clone the esp-nn test files are not
# collected, and the run ends with one line saying so (pytest_terminal_summary).
_ROOT = Path(__file__).resolve().parents[1]
_ESP_NN_VERSION = re.search(r"^ESP_NN_VERSION\s*:=\s*(\S+)", (_ROOT / "firmware" / "versions.mk").read_text(),
                            re.MULTILINE).group(1)
_ESP_NN = Path(os.environ.get("ESP_NN_DIR", Path(os.environ.get("TINYML_DEPS", Path.home() / ".cache" / "tinyml"))
                              / f"esp-nn-{_ESP_NN_VERSION}"))
ESP_NN_MISSING = not (_ESP_NN / "include" / "esp_nn.h").exists()
collect_ignore_glob = ["*/test_esp_nn*.py"] if ESP_NN_MISSING else []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--port", default=None,
                     help="serial port of a real MicroPython board with tinyml: run tests/device/ on it too")


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist registers it; without xdist (PYTEST_JOBS=, or not installed) it is only a label
    config.addinivalue_line("markers", "xdist_group(name): tests that run in the same pytest-xdist worker")


def _device_target(item: pytest.Item | None) -> str | None:
    """The board (target) a tests/firmware/test_device.py test runs on, or None for any other test."""
    spec = getattr(item, "callspec", None)
    if spec is None or item.path.name != "test_device.py" or "target" not in item.fixturenames:
        return None
    return spec.params["target"]


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test` runs `pytest -n 2 --dist loadgroup`) each test file runs in one
    worker (its module and session fixtures, e.g. a booted QEMU board, are set up once), except
    tests/firmware/test_device.py, whose targets (the boards, booted once each) spread over the workers."""
    for item in items:
        target = _device_target(item)
        group = f"target-{target}" if target else str(item.path.relative_to(config.rootpath))
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Stop each emulated board of test_device.py as soon as the last test that uses it is done."""
    target = _device_target(item)
    if target is not None and _device_target(nextitem) != target:
        from test_device import release_board  # tests/firmware is on sys.path (test_device.py puts it there)

        release_board(target)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if ESP_NN_MISSING:
        terminalreporter.write_line(f"SKIPPED the esp-nn backend's tests: ESP-NN is not in {_ESP_NN} (run 'make deps')",
                                    yellow=True, bold=True)

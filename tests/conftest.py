"""pytest options of the firmware tests: --port PORT runs tests/device/ on a real board too
(also TINYML_TEST_PORT=PORT, which works however pytest is started)."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--port", default=None,
                     help="serial port of a real MicroPython board with tinyml: run tests/device/ on it too")

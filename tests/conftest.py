"""pytest options of the firmware tests: --port PORT runs tests/device/ on a real board too
(also TINYML_TEST_PORT=PORT, which works however pytest is started)."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--port", default=None,
                     help="serial port of a real MicroPython board with tinyml: run tests/device/ on it too")



def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist registers it; without xdist (PYTEST_JOBS=, or not installed) it is only a label
    config.addinivalue_line("markers", "xdist_group(name): tests that run in the same pytest-xdist worker")

@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test` runs `pytest -n 2 --dist loadgroup`) each test file runs in one
    worker (its module and session fixtures, e.g. a booted QEMU board, are set up once), except
    tests/firmware/test_device.py, whose targets (the boards, booted once each) spread over the workers."""
    for item in items:
        spec = getattr(item, "callspec", None)
        fixtures = getattr(item, "fixturenames", ())
        if spec is not None and "target" in fixtures and item.path.name == "test_device.py":
            group = f"target-{spec.params['target']}"
        else:
            group = str(item.path.relative_to(config.rootpath))
        item.add_marker(pytest.mark.xdist_group(group))

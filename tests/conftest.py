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


def _device_target(item: pytest.Item | None, param: str = "target") -> str | None:
    """The board (target) a tests/firmware/test_device.py test runs on through the session fixture `target`
    (param "ops_target": the per-op test, which boots its own), or None for any other test."""
    spec = getattr(item, "callspec", None)
    if spec is None or item.path.name != "test_device.py" or param not in spec.params:
        return None
    return spec.params[param]


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test` runs `pytest -n 2 --dist loadgroup`) each test file runs in one
    worker (its module and session fixtures, e.g. a booted QEMU board, are set up once), except
    tests/firmware/test_device.py, whose targets (the boards, booted once each) spread over the workers."""
    for item in items:
        target = _device_target(item) or _device_target(item, "ops_target")
        group = f"target-{target}" if target else str(item.path.relative_to(config.rootpath))
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Stop each emulated board of test_device.py as soon as the last test that uses it is done."""
    target = _device_target(item)
    if target is not None and _device_target(nextitem) != target:
        from test_device import release_board  # tests/firmware is on sys.path (test_device.py puts it there)

        release_board(target)


# ---- device coverage: what each device run ran against the host's count ----------------------------
_COVERAGE: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Collect the "device_coverage" lines the device tests record (also from pytest-xdist workers)."""
    if report.when == "call":
        _COVERAGE.extend(str(v) for k, v in report.user_properties if k == "device_coverage")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _COVERAGE:
        terminalreporter.section("device coverage")
        for line in sorted(_COVERAGE):
            terminalreporter.write_line(line)

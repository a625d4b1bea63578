"""Stop each emulated board of test_device.py as soon as the last test that uses it is done."""

from __future__ import annotations

import pytest


def _board(item: pytest.Item | None) -> str | None:
    spec = getattr(item, "callspec", None)
    if item is None or spec is None or item.path.name != "test_device.py":
        return None
    return spec.params.get("target")


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    name = _board(item)
    if name is not None and _board(nextitem) != name:
        from test_device import release_board  # tests/firmware is on sys.path (test_device.py puts it there)

        release_board(name)

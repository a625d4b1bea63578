"""pytest setup of the over-the-air update tests: keys and bundles made once per test module."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from otahelp import Kit, make_kit


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    """A fleet key, another key and the gestures model (bundles are signed by the tests)."""
    try:
        import cryptography  # noqa: F401
    except ImportError:
        pytest.skip("the 'cryptography' package is not installed (pip install -r requirements-dev.txt)")
    from tinyml_tools.core import backends

    if not backends():
        pytest.skip("tinyml host library not built: run `make host-lib`")
    return make_kit(tmp_path_factory.mktemp("ota-kit"))

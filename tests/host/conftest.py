"""pytest setup for the host tests: import paths and the `backend` parameter.

Every test taking a `backend` argument runs once per backend built by
`make host-lib`. With TINYML_LIB=/path/lib.so (e.g. an AddressSanitizer build)
the wrapper loads that library as the "ref" backend and only "ref" runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT / "host_tools"), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

from harness import core_backends, sanitizer_lib


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    names = core_backends()
    if sanitizer_lib():
        names = [n for n in names if n == "ref"]
    if not names:
        metafunc.parametrize(
            "backend",
            [pytest.param(None, marks=pytest.mark.skip(reason="tinyml host library not built: run `make host-lib`"))],
            ids=["no-core"],
        )
        return
    metafunc.parametrize("backend", names)

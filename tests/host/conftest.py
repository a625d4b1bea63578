"""pytest setup for the host tests: import paths and the `backend` parameter.

Every test taking a `backend` argument runs once per backend: ref, and cmsis-nn
where CMSIS-NN is in the dependency cache (else those cases skip, saying why).
A backend whose library `make host-lib` did not build fails its cases. With
TINYML_LIB=/path/lib.so (e.g. an AddressSanitizer build) the wrapper loads that
library as the "ref" backend and only "ref" runs.
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

from harness import core_backends, expected_backends, sanitizer_lib

# The armv6m host library differs from cmsis-nn only in the layers kernels/armv6m runs (CONV_2D,
# DEPTHWISE_CONV_2D, FULLY_CONNECTED; kernels/tml_select.c): it runs the modules that hold those operators'
# grids, the models and the load paths. Elsewhere (elementwise, data, reduce, signal, int4, LSTM ops) its
# cases would repeat cmsis-nn's, in about 2,500 cases and minutes of `make test`.
ARMV6M_MODULES = frozenset({"test_ops_conv", "test_ops", "test_models", "test_tflm_models", "test_int4_models",
                            "test_bad_models", "test_meta", "test_flash_meta", "test_esp_nn", "test_cli_infer"})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`backend`: every expected backend (harness.expected_backends). One whose library `make host-lib` should
    have built but did not fails (the `backend` fixture); one that cannot be built here is skipped, with one
    line saying why (pytest folds the identical reasons into one line)."""
    if "backend" not in metafunc.fixturenames:
        return
    expected = expected_backends()
    if sanitizer_lib():
        expected = {"ref": None}
    if metafunc.module.__name__ not in ARMV6M_MODULES:
        expected.pop("armv6m", None)
    params = [pytest.param(name, marks=pytest.mark.skip(reason=why)) if why else name
              for name, why in expected.items()]
    metafunc.parametrize("backend", params, indirect=True)


@pytest.fixture()
def backend(request: pytest.FixtureRequest) -> str:
    name = request.param
    if not sanitizer_lib() and name not in core_backends():
        pytest.fail(f"backend {name}: its host library is not built: run 'make host-lib'", pytrace=False)
    return name

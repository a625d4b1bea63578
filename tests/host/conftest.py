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

# The armv6m and dsp host libraries differ from cmsis-nn only in the layers our core-family kernels run
# (kernels/armv6m: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED; kernels/dsp: the same and ADD;
# kernels/tml_select.c):
# they run the modules that hold those operators' grids, the models and the load paths. Elsewhere
# (other elementwise ops, data, reduce, signal, int4, LSTM ops) their cases would repeat cmsis-nn's, in about 2,500
# cases and minutes of `make test` each.
CORE_FAMILY_BACKENDS = ("armv6m", "dsp")
CORE_FAMILY_MODULES = frozenset({"test_ops_conv", "test_ops", "test_models", "test_tflm_models", "test_int4_models",
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
    if metafunc.module.__name__ not in CORE_FAMILY_MODULES:
        for name in CORE_FAMILY_BACKENDS:
            expected.pop(name, None)
    params = [pytest.param(name, marks=pytest.mark.skip(reason=why)) if why else name
              for name, why in expected.items()]
    metafunc.parametrize("backend", params, indirect=True)


# In test_ops (every operator's grid), the core-family backends run the cases of the operators their
# kernels take and the chains and folded pads that reach them; the others are deselected.
CORE_FAMILY_OP_CASES = ("conv/", "dwconv/", "fc/", "add/", "pad_fold/", "chain/")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep, drop = [], []
    for item in items:
        spec = getattr(item, "callspec", None)
        params = spec.params if spec else {}
        other_op = not str(params.get("case_id", "")).startswith(CORE_FAMILY_OP_CASES)
        if getattr(item.module, "__name__", "") == "test_ops" and params.get("backend") in CORE_FAMILY_BACKENDS and other_op:
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture()
def backend(request: pytest.FixtureRequest) -> str:
    name = request.param
    if not sanitizer_lib() and name not in core_backends():
        pytest.fail(f"backend {name}: its host library is not built: run 'make host-lib'", pytrace=False)
    return name

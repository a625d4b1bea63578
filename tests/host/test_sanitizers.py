"""Re-run the bad-model tests and the flash metadata rejection tests with the core built with AddressSanitizer + UBSan."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def test_bad_models_under_asan_ubsan() -> None:
    lib = os.environ.get("TINYML_ASAN_LIB", str(HERE.parents[1] / "build" / "asan" / "libtinyml-ref.so"))
    if not Path(lib).exists():
        pytest.fail(f"{lib} missing: run 'make host-lib-asan' (make test builds it)")
    asan = subprocess.run(["gcc", "-print-file-name=libasan.so"], capture_output=True, check=False, text=True).stdout.strip()
    ubsan = subprocess.run(["gcc", "-print-file-name=libubsan.so"], capture_output=True, check=False, text=True).stdout.strip()
    env = dict(os.environ, TINYML_LIB=lib, LD_PRELOAD=f"{asan} {ubsan}",
               ASAN_OPTIONS="detect_leaks=0:abort_on_error=1", UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1",
               TINYML_BACKENDS="ref")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                        str(HERE / "test_bad_models.py"), str(HERE / "test_flash_meta.py"), "-k",
                        "not used_outputs"], env=env, capture_output=True, check=False, text=True, timeout=900)
    tail = "\n".join((r.stdout + r.stderr).splitlines()[-40:])
    assert r.returncode == 0, tail
    assert " passed" in r.stdout, tail

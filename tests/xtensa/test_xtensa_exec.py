"""The C core executed bare-metal on emulated Xtensa CPUs (xtensa_exec.py), byte-equal with the host core.

Per core and backend, QEMU boots run every per-op case of tests/firmware/device_ops.py's bundle, in
rounds that fit the core's memory (each output byte-equal with tflite-micro's and with the host core's;
float32 NaNs equal whatever their bits), and every shared model with three seeded inputs (byte-equal
with the host core of the same backend). A case the harness's memory cannot take is reported as a skip. lx106 (Debian's QEMU and
toolchain) always runs; the ESP32 and ESP32-S3 cores where `make deps-esp32` has run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import xtensa_exec as xe

HOST_LIBS = xe.ROOT / "host_tools" / "tinyml_tools" / "lib"


def _host_lib(backend: str) -> None:
    if not (HOST_LIBS / f"libtinyml-{backend}.so").exists():
        pytest.fail(f"host library libtinyml-{backend}.so not built: run 'make host-lib'")


def _check(core: str, backend: str) -> xe.Result:
    _host_lib(backend)
    models = sorted(xe.SHARED_MODELS.glob("*.tflite"))
    r = xe.run(core, backend, models)
    assert not r.failures, f"{core} {backend}: {len(r.failures)} failures:\n" + "\n".join(r.failures[:30])
    import device_ops

    assert r.ops + len(r.ops_skipped) == len(device_ops.bundle()), f"{r.ops} per-op cases ran"
    assert sorted(r.models) == [p.stem for p in models]
    assert all(n > 0 for m in r.models.values() for n in m["instructions"])
    out = xe.BUILD / f"results-{core}-{backend}.json"
    out.write_text(json.dumps(r.__dict__, indent=1))
    print(f"\n{core} {backend}: {r.ops} per-op cases and {len(r.models)} models byte-equal "
          f"(build {r.build_seconds:.0f} s, run {r.seconds:.1f} s)\n{xe.table([r])}")
    return r


@pytest.mark.parametrize("backend", ["ref", "cmsis-nn"])
def test_lx106(backend: str) -> None:
    why = xe.CORES["lx106"]().available()
    if why:
        pytest.fail(f"lx106 toolchain/QEMU missing ({why}): .ci/run installs them")
    why = xe.BACKENDS[backend].available()
    if why:
        pytest.skip(why)
    r = _check("lx106", backend)
    if r.ops_skipped:
        pytest.skip(f"lx106 {backend}: {r.ops} per-op cases byte-equal; {len(r.ops_skipped)} left out: {r.ops_skipped[:3]}")
    if not any(xe.SHARED_MODELS.glob("*.tflite")):
        pytest.skip(f"shared models not found at {xe.SHARED_MODELS}: only the per-op cases ran")


def test_esp32_family() -> None:
    """ESP32 (LX6) and ESP32-S3 (LX7) cores, both backends: one skip line where deps-esp32 has not run."""
    missing = {c: xe.CORES[c]().available() for c in ("esp32", "esp32s3")}
    if all(missing.values()):
        pytest.skip(f"ESP32 cores not set up (make deps-esp32): {missing['esp32']}")
    ran = []
    for core, why in missing.items():
        if why:
            continue
        for backend in ("ref", "cmsis-nn"):
            if xe.BACKENDS[backend].available() is None:
                r = _check(core, backend)
                assert not r.ops_skipped, f"{core} {backend}: per-op cases left out: {r.ops_skipped[:3]}"
                ran.append(f"{core} {backend}")
    assert ran

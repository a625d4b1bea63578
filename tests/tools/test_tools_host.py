"""Host-side logic of the device commands: the upload checks, option errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tinyml_tools.commands.upload import check
from tinyml_tools.core import Model
from toolhelp import Runner


def model(shared_models: list[Path], prefix: str) -> Path:
    return next(p for p in shared_models if p.name.startswith(prefix))


def test_check_reasons(shared_models: list[Path]) -> None:
    data = model(shared_models, "kws").read_bytes()
    ops = Model(data).ops
    info: dict[str, Any] = {"tinyml": True, "version": "0.1.0", "backend": "ref", "supported_ops": ops,
                            "mem_free": 1 << 20}
    assert check(info, data)[0] == []
    assert "no tinyml module" in check({**info, "tinyml": False}, data)[0][0]
    assert "not compatible" in check({**info, "version": "1.0.0"}, data)[0][0]
    (reason,) = check({**info, "supported_ops": [o for o in ops if o != "SOFTMAX"]}, data)[0]
    assert "does not support SOFTMAX (operator 12)" in reason
    (reason,) = check({**info, "mem_free": 60_000}, data)[0]
    assert "needs about" in reason and "60,000 free" in reason
    assert check({**info, "mem_free": 60_000}, data, force=True)[0] == []
    assert "rejects the model" in check(info, b"TFL3" + bytes(100))[0][0]


def test_device_host_backend_by_architecture() -> None:
    """A connected cmsis-nn firmware plans with the host library of its core family's kernels: ARMv6-M (4) and
    ARMv7-M without DSP (5, the Cortex-M3) kernels/armv6m, ARMv7E-M (7) kernels/dsp, an MVE build CMSIS-NN's."""
    from tinyml_tools import boards
    from tinyml_tools.core import LOAD_META_MVE

    cmsis = {"backend": "cmsis-nn"}
    assert [boards.device_host_backend({**cmsis, "mpy_arch": a}) for a in (4, 5, 7)] == ["armv6m", "armv6m", "dsp"]
    assert boards.device_host_backend({**cmsis, "mpy_arch": 8, "flash_meta_config": LOAD_META_MVE}) == "cmsis-nn"
    assert boards.device_host_backend({"backend": "ref", "mpy_arch": 5}) == "ref"
    assert boards.host_backend(boards.load_board("MPS2_AN385")) == "armv6m"


def test_stream_plot_needs_matplotlib(tinyml: Runner) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        r = tinyml("stream", "--port", "/dev/null", "--plot")
        assert r.rc == 2 and "--plot needs matplotlib" in r.err
        return
    pytest.skip("matplotlib is installed")



def test_device_commands_help(tinyml: Runner) -> None:
    for command in ("inspect", "upload", "flash", "run", "stream", "bench", "compare"):
        r = tinyml(command, "--help")
        assert r.rc == 0 and "usage: tinyml " + command in r.out
        if command != "run":
            assert "--json" in r.out
        if command in ("upload", "run", "stream", "bench", "compare"):
            assert "--port" in r.out and "qemu:BOARD" in r.out

"""`tinyml inspect`: the model as the C core sees it, and where it fits (host only)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tflite_builder import ModelBuilder
from tinyml_tools import boards
from tinyml_tools.core import Model, backends
from toolhelp import Runner


def unsupported_model() -> bytes:
    """x -> LOCAL_RESPONSE_NORMALIZATION -> CUSTOM 'MyFancyOp' -> RELU -> y: two operators tinyml does not run."""
    b = ModelBuilder()
    t = [b.tensor(name, (1, 8), np.int8, scale=0.1, zero_point=0) for name in ("x", "h", "h2", "y")]
    b.op("LOCAL_RESPONSE_NORMALIZATION", [t[0]], [t[1]])
    b.op("CUSTOM", [t[1]], [t[2]], custom_code="MyFancyOp")
    b.op("RELU", [t[2]], [t[3]])
    b.inputs([t[0]])
    b.outputs([t[3]])
    return b.build()


def inspect_json(tinyml: Runner, path: Path, *extra: str) -> dict[str, Any]:
    r = tinyml("inspect", path, "--json", *extra)
    assert r.rc == 0, r.err
    return json.loads(r.out)


def test_inspect_every_shared_model(tinyml: Runner, shared_models: list[Path]) -> None:
    for path in shared_models:
        data = path.read_bytes()
        rep = inspect_json(tinyml, path)
        for backend in backends():
            m = Model(data, backend=backend)  # a full, runnable load
            assert rep["arena_bytes"][backend] == m.arena_size, (path.name, backend)
            assert rep["persistent_bytes"][backend] == m.persistent_size
        m = Model(data)
        assert [la["op"] for la in rep["layers"]] == m.ops
        assert [la["macs"] for la in rep["layers"]] == m.op_macs
        assert rep["macs"] == sum(m.op_macs) > 0
        assert rep["weights_bytes"] == m.weights_size > 0
        assert rep["bytes"] == len(data)
        assert rep["unsupported"] == [] and rep["unsupported_message"] is None
        assert [(t["shape"], t["dtype"]) for t in rep["inputs"]] == \
            [(list(t.shape), np.dtype(t.dtype).name) for t in m.inputs]
        assert [t["zero_point"] for t in rep["outputs"]] == [t.zero_point for t in m.outputs]
        # per layer: the first output's shape feeds the next layer in these sequential models
        for la in rep["layers"]:
            assert all(t["shape"] for t in la["outputs"]), la
            assert all(t["kind"] in ("arena", "alias", "const", "variable") for t in la["inputs"] if t)
        assert rep["layers"][-1]["outputs"][0]["shape"] == rep["outputs"][0]["shape"]
        # every board with RAM figures is judged
        assert {b["board"] for b in rep["boards"]} == {
            n for n in boards.board_names() if boards.load_board(n).get("heap_bytes")}
        for b in rep["boards"]:
            # the board's backend, or where its library is not built, the first built one (said in the note)
            used = b["backend"] if b["backend"] in rep["arena_bytes"] else next(iter(rep["arena_bytes"]))
            assert b["arena_bytes"] == rep["arena_bytes"][used], (b["board"], used)
            assert (used == b["backend"]) == ("not built on the host" not in b["note"]), b
            assert b["ram_needed_file"] == b["ram_needed_frozen"] + len(data)
            assert b["verdict"] in ("ram", "flash", "none")


def test_inspect_text_report(tinyml: Runner, shared_models: list[Path]) -> None:
    kws = next(p for p in shared_models if p.name.startswith("kws"))
    r = tinyml("inspect", kws, "--board", "RPI_PICO", "--board", "MPS2_AN500")
    assert r.rc == 0, r.err
    assert "DEPTHWISE_CONV_2D" in r.out and "1x25x5x64" in r.out and "320,000" in r.out
    assert "unsupported: none" in r.out
    assert "RPI_PICO" in r.out and "MPS2_AN500" in r.out and "ESP32_GENERIC" not in r.out


def test_inspect_lists_all_unsupported_ops(tinyml: Runner, tmp_path: Path) -> None:
    path = tmp_path / "unsupported.tflite"
    path.write_bytes(unsupported_model())
    rep = inspect_json(tinyml, path, "--board", "MPS2_AN500")
    assert rep["unsupported"] == [{"index": 0, "op": "LOCAL_RESPONSE_NORMALIZATION"}, {"index": 1, "op": "CUSTOM 'MyFancyOp'"}]
    assert [la["supported"] for la in rep["layers"]] == [False, False, True]
    assert "LOCAL_RESPONSE_NORMALIZATION" in rep["unsupported_message"] and "MyFancyOp" in rep["unsupported_message"]
    assert rep["layers"][2]["inputs"][0]["shape"] == [1, 8]
    r = tinyml("inspect", path)
    assert "unsupported: LOCAL_RESPONSE_NORMALIZATION (#0), CUSTOM 'MyFancyOp' (#1)" in r.out
    assert "runs on no board" in r.out


def test_inspect_rejects_a_broken_file(tinyml: Runner, tmp_path: Path) -> None:
    path = tmp_path / "broken.tflite"
    path.write_bytes(b"TFL3" + bytes(range(200)))
    r = tinyml("inspect", path)
    assert r.rc == 1 and "INVALID_MODEL" in r.err
    r = tinyml("inspect", tmp_path / "missing.tflite")
    assert r.rc == 2 and "cannot read" in r.err
    r = tinyml("inspect", path, "--board", "NO_SUCH_BOARD")
    assert r.rc == 1  # the model is rejected before boards are looked at


def test_fit_ram_flash_none() -> None:
    board = {"name": "T", "heap_bytes": 100_000, "ram_reserve_bytes": 10_000, "flash_bytes": 1_000_000,
             "fs_bytes": 200_000, "firmware_region_bytes": 500_000, "firmware_bytes": 400_000}
    f = boards.fit(board, model_bytes=50_000, arena_bytes=20_000, persistent_bytes=5_000)
    assert (f.verdict, f.ram_headroom, f.flash_headroom, f.fs_headroom) == ("ram", 15_000, 50_000, 150_000)
    f = boards.fit(board, model_bytes=80_000, arena_bytes=20_000, persistent_bytes=5_000)
    assert (f.verdict, f.ram_needed_file, f.ram_headroom, f.flash_headroom) == ("flash", 105_000, 65_000, 20_000)
    f = boards.fit(board, model_bytes=120_000, arena_bytes=20_000, persistent_bytes=5_000)
    assert (f.verdict, f.flash_headroom) == ("none", -20_000)
    f = boards.fit(board, model_bytes=10_000, arena_bytes=95_000, persistent_bytes=5_000)
    assert (f.verdict, f.ram_headroom) == ("none", -10_000)


def test_new_board_definitions() -> None:
    for name, port in (("RPI_PICO", "rp2"), ("NUCLEO_F446RE", "stm32"), ("ESP32_GENERIC", "esp32"),
                       ("ESP32_GENERIC_S3", "esp32")):
        b = boards.load_board(name)
        assert b["name"] == name and b["port"] == port
        assert 0 < b["heap_bytes"] <= b["ram_bytes"]
        assert b["fs_bytes"] + b["firmware_region_bytes"] <= b["flash_bytes"]
        assert b["firmware_bytes"] < b["firmware_region_bytes"]
        assert b["backend"] in ("ref", "cmsis-nn") and b["flash"]["tool"] in b["flash"]["tools"]
    with pytest.raises(boards.BoardError, match="unknown board"):
        boards.load_board("NOPE")

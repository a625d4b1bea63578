"""`tinyml inspect`: the model as the C core sees it, and where it fits (host only)."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tflite_builder import ModelBuilder
from tinyml_tools import boards, romfs
from tinyml_tools.core import LOAD_NO_INPLACE, LOAD_NO_PATCHES, Model, backends
from tinyml_tools.memplan import text
from toolhelp import SHARED_MODELS, Runner


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
            # the metadata by category, summing to it
            assert rep["metadata_bytes"][backend] == m.meta_bytes
            assert sum(rep["metadata_bytes"][backend].values()) == m.persistent_size
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
            assert b["verdict"] in ("ram", "romfs", "flash", "none")
            assert b["verdict"] != "ram" or b["fits_file"]
            assert b["verdict"] != "romfs" or b["fits_romfs"] and not b["fits_file"]
            assert (b["fits_romfs"] is None) == (boards.load_board(b["board"]).get("romfs") is None)
        # the firmware's kernels set the arena (their scratch): the Pico's are the ARMv6-M ones, the M4/M7
        # boards' the DSP ones (NUCLEO_F446RE leaves them out); each is planned by that host library
        used = {b["board"]: b["backend"] for b in rep["boards"]}
        assert (used["RPI_PICO"], used["MPS2_AN500"], used["NETDUINO_PLUS_2"], used["NUCLEO_F446RE"]) == \
            ("armv6m", "dsp", "dsp", "cmsis-nn")


def test_inspect_text_report(tinyml: Runner, shared_models: list[Path]) -> None:
    kws = next(p for p in shared_models if p.name.startswith("kws"))
    r = tinyml("inspect", kws, "--board", "RPI_PICO", "--board", "MPS2_AN500")
    assert r.rc == 0, r.err
    assert "DEPTHWISE_CONV_2D" in r.out and "1x25x5x64" in r.out and "320,000" in r.out
    assert "unsupported: none" in r.out
    meta = Model(kws.read_bytes()).meta_bytes
    assert "by category (ref" in r.out and f"quant {meta['quant']:,}, kernel_sums 0, plan {meta['plan']:,}" in r.out
    assert "RPI_PICO" in r.out and "MPS2_AN500" in r.out and "ESP32_GENERIC" not in r.out
    header = next(line for line in r.out.splitlines() if line.startswith("board "))
    assert header.split()[:13] == ["board", "backend", "heap", "RAM", "(file)", "RAM", "(in", "place)", "file",
                                   "ROMFS", "frozen", "best", "RAM"]


def test_inspect_memory_plan(tinyml: Runner, shared_models: list[Path]) -> None:
    """The arena plan: the core's arena and records, the plain plan's arena, and a peak whose live
    tensors and temporaries fill the arena exactly (every shared model; person_detect: less its placement's gaps)."""
    for path in [*shared_models, PERSON]:
        data = path.read_bytes()
        plan = inspect_json(tinyml, path)["memory_plan"]
        m = Model(data, backend=plan["backend"])
        plain = Model(data, backend=plan["backend"], flags=LOAD_NO_PATCHES | LOAD_NO_INPLACE)
        assert plan["arena_bytes"] == m.arena_size and plan["plain_arena_bytes"] == plain.arena_size, path.name
        assert [(p["kind"], p["first"], p["last"], p["rows"], p["temp_bytes"]) for p in plan["plans"]] == \
            [(p.kind, p.first, p.last, p.rows, p.temp) for p in m.plans], path.name
        peak = plan["peak"]
        if path == PERSON:
            # with its multipliers and shifts per call the planner picks in-place operators whose placement
            # leaves gaps at the peak (22,736 live of 24,064), which inspect's text reports
            assert 0 < plan["arena_bytes"] - peak["live_bytes"] < plan["arena_bytes"] // 10, (path.name, peak)
            assert "bytes of alignment and gaps" in text(plan)
        else:
            assert peak["live_bytes"] == plan["arena_bytes"], (path.name, peak)
        assert peak["op_name"] == m.ops[peak["op"]]
        assert all(t["held_bytes"] <= t["bytes"] for t in peak["tensors"])
        for p in plan["plans"]:
            assert p["macs"] == sum(m.op_macs[p["first"]:p["last"] + 1]) > 0
            if p["kind"] == "stage":  # inner tensors: windows smaller than the tensors
                assert p["windows"] and sum(w["held_bytes"] for w in p["windows"]) < sum(w["bytes"] for w in p["windows"])
        m.close()
        plain.close()
    resnet = next(p for p in shared_models if p.name.startswith("pretrainedResnet"))
    r = tinyml("inspect", resnet, "--board", "RPI_PICO")
    assert r.rc == 0, r.err
    lines = r.out.splitlines()
    assert any(ln.startswith("arena plan (") and "plain plan" in ln for ln in lines), r.out
    assert any(ln.startswith("peak     operator 0 (CONV_2D)") for ln in lines), r.out
    assert any("(window of 16,384)" in ln for ln in lines), r.out
    assert any(ln.startswith("patches: operators 0-7 (CONV_2D .. ADD) band by band") and "none extra" in ln
               for ln in lines), r.out


PERSON = SHARED_MODELS / "tflm" / "person_detect.tflite"  # 300 KB, 85 KB of RAM in place
MOBILENET = SHARED_MODELS / "tflm" / "pytorch_to_tflite__mobilenet_v2_quantized_1x3x224x224.tflite"  # 4 MB


def test_inspect_romfs_column_per_board(tinyml: Runner) -> None:
    """person_detect does not load from a file on the Pico, nor frozen (its firmware leaves too little flash),
    but runs from its 384 KiB ROMFS partition: the verdict `tinyml upload` reaches too (test_tools_messages)."""
    if not PERSON.exists():
        pytest.skip(f"no shared model {PERSON}")
    rep = inspect_json(tinyml, PERSON, "--board", "RPI_PICO", "--board", "NUCLEO_F446RE", "--board", "MPS2_AN500")
    fits = {b["board"]: b for b in rep["boards"]}
    pico = fits["RPI_PICO"]
    assert (pico["fits_file"], pico["fits_romfs"], pico["fits_frozen"], pico["verdict"]) == (False, True, False, "romfs")
    image = len(romfs.build({PERSON.name: PERSON.read_bytes()}))
    assert pico["romfs_headroom"] == 384 * 1024 - image
    assert pico["ram_headroom"] == 245_760 - 16_384 - pico["ram_needed_frozen"]
    assert fits["NUCLEO_F446RE"]["fits_romfs"] is None and fits["NUCLEO_F446RE"]["verdict"] == "none"
    assert fits["MPS2_AN500"]["verdict"] == "ram"
    r = tinyml("inspect", PERSON, "--board", "RPI_PICO")
    row = next(line for line in r.out.splitlines() if line.startswith("RPI_PICO"))
    assert row.split()[5:9] == ["no", "yes", "no", "ROMFS"], row


def test_inspect_uses_the_built_firmware_size(tinyml: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              shared_models: list[Path]) -> None:
    """RPI_PICO's flash headroom comes from the image `make firmware` built (its ELF, else its UF2's payload),
    board.json's estimate only without one."""
    pico = boards.load_board("RPI_PICO")
    model = next(p for p in shared_models if p.name.startswith("hello_world"))
    folder = tmp_path / "RPI_PICO"
    monkeypatch.setattr(boards, "image_dir", lambda name: tmp_path / name)

    def headroom() -> tuple[int, str]:
        b = inspect_json(tinyml, model, "--board", "RPI_PICO")["boards"][0]
        return b["flash_headroom"], b["note"]

    region = pico["firmware_region_bytes"]
    assert headroom() == (region - pico["firmware_bytes"] - model.stat().st_size,
                          f"firmware {pico['firmware_bytes']:,} B (estimate from board.json)")
    folder.mkdir()
    uf2 = b"".join(struct.pack("<8I", 0x0A324655, 0x9E5D5157, 0x2000, 0x10000000 + 256 * k, 256, k, 3, 0xE48BFF56)
                   + bytes(476) + struct.pack("<I", 0x0AB16F30) for k in range(3))
    (folder / "firmware.uf2").write_bytes(uf2)
    assert boards.uf2_payload_size(folder / "firmware.uf2") == 768
    assert headroom() == (region - 768 - model.stat().st_size, "firmware 768 B (measured from firmware.uf2)")
    esp32 = boards.load_board("ESP32_GENERIC")
    (tmp_path / "ESP32_GENERIC").mkdir()
    (tmp_path / "ESP32_GENERIC" / "firmware.bin").write_bytes(bytes(3000))  # merged: bootloader, table, app
    assert boards.firmware_bytes(esp32) == (esp32["firmware_bytes"], "estimate from board.json")
    (tmp_path / "ESP32_GENERIC" / "micropython.bin").write_bytes(bytes(1000))  # the app
    assert boards.firmware_bytes(esp32) == (1000, "measured from micropython.bin")
    built = boards.ROOT / "firmware" / "images" / "RPI_PICO" / "firmware.elf"
    if built.exists():  # the real image: its loadable bytes, as arm-none-eabi-size counts text + data
        (folder / "firmware.elf").write_bytes(built.read_bytes())
        size = boards.elf_load_size(built)
        assert size is not None  # the note tells the measured figure from board.json's (which may equal it)
        assert headroom() == (region - size - model.stat().st_size, f"firmware {size:,} B (measured from firmware.elf)")


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


def test_fit_ram_romfs_flash_none(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(boards, "image_dir", lambda name: tmp_path / name)  # no built image: board.json's figures
    board = {"name": "T", "heap_bytes": 100_000, "ram_reserve_bytes": 10_000, "flash_bytes": 1_000_000,
             "fs_bytes": 200_000, "firmware_region_bytes": 500_000, "firmware_bytes": 400_000}
    f = boards.fit(board, model_bytes=50_000, arena_bytes=20_000, persistent_bytes=5_000)
    assert (f.verdict, f.ram_headroom, f.flash_headroom, f.fs_headroom) == ("ram", 15_000, 50_000, 150_000)
    assert (f.fits_file, f.fits_romfs, f.fits_frozen) == (True, None, True)
    f = boards.fit(board, model_bytes=80_000, arena_bytes=20_000, persistent_bytes=5_000)
    assert (f.verdict, f.ram_needed_file, f.ram_headroom, f.flash_headroom) == ("flash", 105_000, 65_000, 20_000)
    f = boards.fit(board, model_bytes=120_000, arena_bytes=20_000, persistent_bytes=5_000)
    assert (f.verdict, f.flash_headroom) == ("none", -20_000)
    f = boards.fit(board, model_bytes=10_000, arena_bytes=95_000, persistent_bytes=5_000)
    assert (f.verdict, f.ram_headroom) == ("none", -10_000)
    # a ROMFS partition: preferred to freezing (no firmware build), and it must hold the image
    board["romfs"] = {"bytes": 130_000}
    f = boards.fit(board, model_bytes=120_000, arena_bytes=20_000, persistent_bytes=5_000)
    assert (f.verdict, f.fits_romfs, f.fits_frozen) == ("romfs", True, False)
    assert f.romfs_headroom == 130_000 - len(romfs.build({"model.tflite": bytes(120_000)}))
    f = boards.fit(board, model_bytes=140_000, arena_bytes=20_000, persistent_bytes=5_000)
    assert (f.verdict, f.fits_romfs) == ("none", False)
    # firmware size unknown: frozen is a maybe ('?'), still not where RAM is short
    del board["firmware_bytes"]
    f = boards.fit(board, model_bytes=140_000, arena_bytes=20_000, persistent_bytes=5_000)
    assert (f.verdict, f.fits_frozen, f.flash_headroom) == ("flash", None, None)
    f = boards.fit(board, model_bytes=140_000, arena_bytes=90_000, persistent_bytes=5_000)
    assert (f.verdict, f.fits_frozen) == ("none", False)


def test_place_force_only_where_the_metadata_decides() -> None:
    """--force can only help where the model's bytes and arena fit and the host's (64-bit) metadata figure
    tips it over."""
    room = boards.Room(ram=100_000, fs=500_000)
    assert boards.place(room, 60_000, 30_000, 20_000).force_may_help
    assert not boards.place(room, 60_000, 45_000, 20_000).force_may_help  # model + arena alone too big
    assert not boards.place(room, 60_000, 30_000, 5_000).force_may_help  # it fits: nothing to force
    assert not boards.place(boards.Room(ram=100_000, fs=50_000), 60_000, 30_000, 20_000).force_may_help  # fs full


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

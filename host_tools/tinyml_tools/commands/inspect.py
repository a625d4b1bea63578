"""tinyml inspect MODEL [--board NAME] [--json]: what a model is made of and where it fits.

Everything is computed by the tinyml C core (the host library, loaded in
inspect mode so that unsupported operators are listed rather than fatal):
inputs/outputs, per-layer op, shapes and MACs, weights, arena and metadata
bytes; then, for each board definition (boards/*/board.json), whether the
model fits in RAM when loaded from a file, or needs to be frozen into flash.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path
from typing import Any

from tinyml_tools import boards as boards_mod
from tinyml_tools import memplan
from tinyml_tools.cliutil import FAILED, OK, USAGE, add_json, error, n, print_json, read_file, shape_str, table
from tinyml_tools.core import LOAD_META_MVE, CoreError, Model, backends, flash_meta_blob, not_built_hint


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=Path, help=".tflite model")
    p.add_argument("--board", "-b", action="append", metavar="NAME",
                   help="only this board (repeatable; default: every board in boards/)")
    add_json(p)


def _tensor(m: Model, index: int) -> dict[str, Any] | None:
    if index < 0:
        return None
    t = m.tensor(index)
    return {"index": t.index, "name": t.name, "shape": list(t.shape), "dtype": t.dtype, "bytes": t.nbytes,
            "kind": t.kind, "scale": t.scale, "zero_point": t.zero_point, "per_channel": t.per_channel}


def describe(data: bytes) -> dict[str, Any]:
    """The model as the core sees it, for every built backend. Raises CoreError if the core rejects it."""
    built = backends()
    if not built:
        raise FileNotFoundError(not_built_hint())
    models = {b: Model(data, backend=b, inspect=True) for b in built}
    m = models[built[0]]
    layers: list[dict[str, Any]] = []
    unsupported: list[dict[str, Any]] = []
    for i in range(len(m.ops)):
        op = m.op_info(i)
        ok = op.supported
        layers.append({"index": i, "op": op.name, "macs": op.macs, "supported": ok,
                       "inputs": [_tensor(m, k) for k in op.inputs], "outputs": [_tensor(m, k) for k in op.outputs]})
        if not ok:
            unsupported.append({"index": i, "op": op.name})
    message = m.unsupported
    # custom operators: their names are in the core's message, in order of first use
    custom = re.findall(r"CUSTOM '([^']*)' \(operator (\d+)\)", message or "")
    for name, index in custom:
        for u in unsupported:
            if u["index"] == int(index):
                u["op"] = layers[u["index"]]["op"] = f"CUSTOM '{name}'"

    def io(infos: list[Any], is_output: bool) -> list[dict[str, Any]]:
        names = [m.tensor(k).name if k >= 0 else "" for k in m.io_tensors(is_output)]
        return [{"name": name, "shape": list(t.shape), "dtype": t.dtype.__name__, "scale": t.scale,
                 "zero_point": t.zero_point, "bytes": t.nbytes} for name, t in zip(names, infos)]

    result = {
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "inputs": io(m.inputs, False),
        "outputs": io(m.outputs, True),
        "layers": layers,
        "macs": sum(la["macs"] for la in layers),
        "weights_bytes": m.weights_size,
        "arena_bytes": {b: x.arena_size for b, x in models.items()},
        "persistent_bytes": {b: x.persistent_size for b, x in models.items()},
        "metadata_bytes": {b: x.meta_bytes for b, x in models.items()},
        "unsupported": unsupported,
        "unsupported_message": message,
    }
    for x in models.values():
        x.close()
    if not unsupported:  # the plan of the backend most boards build
        result["memory_plan"] = memplan.describe(data, "cmsis-nn" if "cmsis-nn" in built else built[0])
        result["flash_meta"] = flash_meta_report(data, built)
    return result


def flash_meta_report(data: bytes, built: list[str]) -> dict[str, dict[str, Any]]:
    """Per build (each backend; cmsis-nn also as the Cortex-M55 build, "cmsis-nn-mve"), the model loaded
    with its flash metadata (the .tmx file tinyml upload --romfs writes beside it) against without: the
    blob's bytes, the metadata by category in RAM and in flash, and the arena."""
    out: dict[str, dict[str, Any]] = {}
    for backend in built:
        for mve in ([False, True] if backend == "cmsis-nn" else [False]):
            flags = LOAD_META_MVE if mve else 0
            blob = flash_meta_blob(data, backend, mve)
            plain, fm = Model(data, backend=backend, flags=flags), Model(data, backend=backend, flags=flags, meta=blob)
            out[backend + ("-mve" if mve else "")] = {
                "blob_bytes": len(blob), "status": fm.flash_meta,
                "ram_without": plain.persistent_size, "arena_without": plain.arena_size,
                "ram": fm.persistent_size, "arena": fm.arena_size,
                "ram_by_category": fm.meta_bytes, "flash_by_category": fm.meta_flash_bytes}
            plain.close()
            fm.close()
    return out


def flash_meta_text(report: dict[str, dict[str, Any]]) -> str:
    lines = ["flash metadata (NAME.tmx beside a model in ROMFS, written by tinyml upload --romfs):"]
    for build, r in report.items():
        flash = ", ".join(f"{k} {n(v)}" for k, v in r["flash_by_category"].items() if v) or "nothing"
        lines.append(f"  {build}: blob {n(r['blob_bytes'])} bytes; metadata in RAM {n(r['ram_without'])} -> "
                     f"{n(r['ram'])} bytes, arena {n(r['arena_without'])} -> {n(r['arena'])}; in flash: {flash}")
    return "\n".join(lines)


def board_fits(desc: dict[str, Any], names: list[str] | None, model_name: str = "model.tflite") -> list[dict[str, Any]]:
    rows = []
    for name in names or boards_mod.board_names():
        board = boards_mod.load_board(name)
        if not (board.get("heap_bytes") or board.get("ram_bytes")):
            continue
        backend = boards_mod.host_backend(board)
        note = ""
        if backend not in desc["arena_bytes"]:
            note = f"backend {backend} not built on the host: arena of {next(iter(desc['arena_bytes']))} used; "
            backend = next(iter(desc["arena_bytes"]))
        f = boards_mod.fit(board, desc["bytes"], desc["arena_bytes"][backend], desc["persistent_bytes"][backend],
                           model_name)
        row = f.as_dict()
        row["note"] = note + row["note"]
        row["arena_bytes"] = desc["arena_bytes"][backend]
        rows.append(row)
    return rows


def _print_report(path: Path, desc: dict[str, Any], fits: list[dict[str, Any]]) -> None:
    print(f"model    {path}  {n(desc['bytes'])} bytes  sha256 {desc['sha256'][:16]}")
    for kind in ("inputs", "outputs"):
        for k, t in enumerate(desc[kind]):
            print(f"{kind[:-1]:<8} {k} {t['name']} {shape_str(t['shape'])} {t['dtype']}  scale {t['scale']:.6g} "
                  f"zero_point {t['zero_point']}")
    rows = []
    for la in desc["layers"]:
        ins = " ".join(shape_str(t["shape"]) + ("*" if t["kind"] == "const" else "") for t in la["inputs"] if t)
        outs = " ".join(shape_str(t["shape"]) for t in la["outputs"] if t)
        rows.append([str(la["index"]), la["op"] + ("" if la["supported"] else " (unsupported)"), ins, outs,
                     n(la["macs"])])
    print()
    print(table(rows, ["#", "op", "inputs (* constant)", "outputs", "MACs"], right={0, 4}))
    print()
    arenas = ", ".join(f"{b} {n(v)}" for b, v in desc["arena_bytes"].items())
    meta = ", ".join(f"{b} {n(v)}" for b, v in desc["persistent_bytes"].items())
    print(f"MACs     {n(desc['macs'])}")
    print(f"weights  {n(desc['weights_bytes'])} bytes")
    print(f"arena    {arenas} bytes")
    print(f"metadata {meta} bytes (host, 64-bit: a little less on 32-bit boards)")
    print(metadata_text(desc))
    if "flash_meta" in desc:
        print(flash_meta_text(desc["flash_meta"]))
    if "memory_plan" in desc:
        print(memplan.text(desc["memory_plan"]))
    if desc["unsupported"]:
        ops = ", ".join(f"{u['op']} (#{u['index']})" for u in desc["unsupported"])
        print(f"unsupported: {ops}")
    else:
        print("unsupported: none")
    if not fits:
        return
    print()
    print(fits_text(desc, fits))


def metadata_text(desc: dict[str, Any]) -> str:
    """The metadata's bytes by category (tensors, ops, op_data, quant: multipliers and shifts, kernel_sums,
    plan, other), one line per backend; backends with the same figures share a line."""
    lines: dict[str, list[str]] = {}
    for backend, cats in desc["metadata_bytes"].items():
        key = ", ".join(f"{name} {n(v)}" for name, v in cats.items())
        lines.setdefault(key, []).append(backend)
    return "\n".join(f"  by category ({', '.join(b)}): {key}" for key, b in lines.items())


def fits_text(desc: dict[str, Any], fits: list[dict[str, Any]]) -> str:
    """The table of where the model fits on each board (board_fits), with its legend and notes."""
    rows = []
    for f in fits:
        rows.append([f["board"], f["backend"], n(f["heap_bytes"]), n(f["ram_needed_file"]), n(f["ram_needed_frozen"]),
                     _yes(f["fits_file"]), _yes(f["fits_romfs"]), _yes(f["fits_frozen"], "?"), VERDICTS[f["verdict"]],
                     n(f["ram_headroom"]), n(f["fs_headroom"]), n(f["romfs_headroom"]), n(f["flash_headroom"])])
    lines = [table(rows, ["board", "backend", "heap", "RAM (file)", "RAM (in place)", "file", "ROMFS", "frozen", "best",
                          "RAM headroom", "fs headroom", "ROMFS headroom", "flash headroom"],
                   right={2, 3, 4, 9, 10, 11, 12}),
             ("file: loaded from the filesystem into RAM (tinyml upload); ROMFS: read in place from the ROMFS "
              "partition (tinyml upload --romfs; '-': none); frozen: read in place from the firmware (a manifest, "
              "make firmware; '?': firmware size unknown). RAM (in place): arena + metadata.")]
    notes = [f"{f['board']}: {f['note']}" for f in fits if f["note"]]
    if desc["unsupported"]:
        notes.insert(0, "memory only: with unsupported operators the model runs on no board")
    if notes:
        lines.append("notes: " + "; ".join(notes))
    return "\n".join(lines)


VERDICTS = {"ram": "file", "romfs": "ROMFS", "flash": "frozen", "none": "does not fit"}


def _yes(value: bool | None, none: str = "-") -> str:
    return none if value is None else "yes" if value else "no"


def run(args: argparse.Namespace) -> int:
    data = read_file("inspect", args.model)
    if data is None:
        return USAGE
    try:
        desc = describe(data)
    except CoreError as e:
        if args.json:
            print_json({"model": str(args.model), "error": e.message, "status": e.status})
        error("inspect", f"{args.model}: {e.status}: {e.message}")
        return FAILED
    except FileNotFoundError as e:
        error("inspect", str(e))
        return USAGE
    try:
        fits = board_fits(desc, args.board, args.model.name)
    except boards_mod.BoardError as e:
        error("inspect", str(e))
        return USAGE
    if args.json:
        print_json({"model": str(args.model), **desc, "boards": fits})
    else:
        _print_report(args.model, desc, fits)
    sys.stdout.flush()
    return OK

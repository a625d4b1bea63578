"""On-device benchmark of the shared models on a QEMU board (make bench BOARD=...; not a test).

    python tests/bench/bench_device.py --board MPS2_AN500 [--out bench.md]

For each backend image of the board (firmware/images/<BOARD>/ = its default backend,
firmware/images/<BOARD>-ref/ and -cmsis-nn/ when built) it boots QEMU, copies the
models, and per model (after a soft reset) reads gc.mem_free() after `import tinyml`
and after loading the model, then profiles one inference (after a warm-up). QEMU runs
with -icount shift=0: one instruction per virtual nanosecond, so the SysTick counts that
profile() reports are deterministic, and counts * 1e9 / clock_hz is the number of
instructions executed (not the cycles of a real core: no wait states, caches or
pipeline). Prints markdown tables.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for p in (ROOT / "host_tools", ROOT / "tests" / "firmware"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from devrun import SerialTarget  # after the sys.path setup
from tinyml_tools.qemu import QEMU_BOARDS, boot

SHARED = ROOT.parent / "shared" / "models"
IMAGES = ROOT / "firmware" / "images"

# Run on the device, once per model after a soft reset. The input is a fixed byte pattern.
DEVICE_SCRIPT = """\
import gc, json
gc.collect()
f_start = gc.mem_free()
import tinyml
gc.collect()
f_import = gc.mem_free()
m = tinyml.Model({path!r})
gc.collect()
f_load = gc.mem_free()
n = m.inputs[0].size * {{'int8': 1, 'uint8': 1, 'int16': 2, 'int32': 4}}[m.inputs[0].dtype]
x = bytes(((i * 1103515245 + 12345) >> 16) & 0xFF for i in range(n))
m.profile(x)
rows = m.profile(x)
print(json.dumps({{'backend': tinyml.backend, 'clock': tinyml.clock(), 'start': f_start, 'import': f_import,
  'load': f_load, 'arena': m.arena_size, 'persistent': m.persistent_size, 'weights': m.weights_size,
  'rows': rows}}))
"""


def variants(board: str) -> list[tuple[str, Path]]:
    """(backend, image) of each backend image of the board that exists, one per backend."""
    info = json.loads((ROOT / "boards" / board / "board.json").read_text())
    out: dict[str, Path] = {}
    for backend, folder in ((info.get("backend", "cmsis-nn"), board), ("cmsis-nn", f"{board}-cmsis-nn"),
                            ("ref", f"{board}-ref")):
        image = IMAGES / folder / "firmware.elf"
        if image.exists():
            out.setdefault(backend, image)
    return list(out.items())


def run_image(board: str, image: Path, models: list[Path]) -> list[dict]:
    results = []
    with boot(board, image=image, timeout=60) as pty, closing(SerialTarget(pty, soft_reset=False)) as dev:
        t0 = time.monotonic()
        dev.put_files({p.name: p for p in models}, "bench")
        print(f"  {image.parent.name}: copied {dev.uploaded / 1024:.0f} KiB in {time.monotonic() - t0:.0f} s",
              file=sys.stderr)
        for p in models:
            t0 = time.monotonic()
            script = DEVICE_SCRIPT.format(path=p.name)
            dev.t.enter_raw_repl(soft_reset=True, timeout_overall=15)
            dev.exec(f"import os\nos.chdir({dev.datadir!r})")
            out = dev.exec(script, timeout=600)
            r = json.loads(out.strip().splitlines()[-1])
            r["model"] = p.stem
            r["file"] = p.stat().st_size
            results.append(r)
            print(f"  {image.parent.name} {p.stem}: {time.monotonic() - t0:.1f} s", file=sys.stderr)
    return results


def fmt(n: float) -> str:
    return f"{n:,.0f}"


def tflm_table(results: list[dict], tflm: dict) -> list[str]:
    """Our firmware's counts (MicroPython + tinyml, sum of its ops) next to TFLM's and our core's bare-metal
    programs (make bench-tflm's results.json: whole invoke)."""
    t_by = {d["model"]: d for d in tflm["tflm"] if "error" not in d}
    o_by = {d["model"]: d for d in tflm["ours"] if "error" not in d}
    lines = ["", ("Next to TensorFlow Lite Micro (make bench-tflm: TFLM and our core as bare-metal programs, same "
             "compiler, flags and CMSIS-NN; whole invoke):"), "",
             ("| model | firmware (cmsis-nn, sum of ops) | our core bare metal | TFLM bare metal | core / TFLM |"
             " TFLM arena B | our arena + persistent B |"),
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        t, o = t_by.get(r["model"]), o_by.get(r["model"])
        if r["backend"] != "cmsis-nn" or not t or not o:
            continue
        lines.append(f"| {r['model']} | {fmt(r['instr'])} | {fmt(o['instr'])} | {fmt(t['instr'])} |"
                     f" {o['instr'] / t['instr']:.3f} | {fmt(t['arena'])} | {fmt(o['arena'] + o['persistent'])} |")
    return lines


def tables(board: str, results: list[dict], tflm: dict | None = None) -> str:
    info = json.loads((ROOT / "boards" / board / "board.json").read_text())
    lines = [f"## {board} ({info.get('cpu')}, QEMU -icount shift=0)", ""]
    hz = results[0]["clock"][1] or 1
    lines += [f"Counts: SysTick at {hz:,} Hz; instructions = counts x {1e9 / hz:g} (1 instruction per virtual ns).",
              "", "| model | backend | MACs | counts/inference | instructions | instr/MAC | arena B |",
              "|---|---|---:|---:|---:|---:|---:|"]
    by_model: dict[str, dict[str, dict]] = {}
    for r in results:
        ticks = sum(row[2] for row in r["rows"])
        macs = sum(row[1] for row in r["rows"])
        instr = ticks * 1e9 / hz
        r.update(ticks=ticks, macs=macs, instr=instr)
        by_model.setdefault(r["model"], {})[r["backend"]] = r
        lines.append(f"| {r['model']} | {r['backend']} | {fmt(macs)} | {fmt(ticks)} | {fmt(instr)} | "
                     f"{instr / macs if macs else 0:.2f} | {fmt(r['arena'])} |")
    if any(len(v) > 1 for v in by_model.values()):
        lines += ["", "| model | ref / cmsis-nn instructions |", "|---|---:|"]
        for model, v in by_model.items():
            if "ref" in v and "cmsis-nn" in v:
                lines.append(f"| {model} | {v['ref']['instr'] / v['cmsis-nn']['instr']:.2f}x |")
    if tflm:
        lines += tflm_table(results, tflm)
    lines += ["", "gc.mem_free() (GC heap bytes; the model file is read into the heap):", "",
              "| model | backend | at start | after import tinyml | after loading | load cost | file | arena | persistent |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['model']} | {r['backend']} | {fmt(r['start'])} | {fmt(r['import'])} | {fmt(r['load'])} |"
                     f" {fmt(r['import'] - r['load'])} | {fmt(r['file'])} | {fmt(r['arena'])} |"
                     f" {fmt(r['persistent'])} |")
    lines += ["", "Top five layers per model (counts per inference):", "",
              "| model | backend | # | op | MACs | counts | % | instr/MAC |", "|---|---|---:|---|---:|---:|---:|---:|"]
    for r in results:
        top = sorted(enumerate(r["rows"]), key=lambda ir: -ir[1][2])[:5]
        for i, (op, macs, ticks) in top:
            share = 100 * ticks / r["ticks"] if r["ticks"] else 0
            per = f"{ticks * 1e9 / hz / macs:.2f}" if macs else "-"
            lines.append(f"| {r['model']} | {r['backend']} | {i} | {op} | {fmt(macs)} | {fmt(ticks)} |"
                         f" {share:.1f} | {per} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--board", required=True, choices=QEMU_BOARDS)
    ap.add_argument("--models", nargs="*", help="model files (default: every ../shared/models/*.tflite)")
    ap.add_argument("--out", help="also write the tables to this file")
    ap.add_argument("--tflm", help="results.json of make bench-tflm: TFLM's counts next to ours")
    args = ap.parse_args(argv)
    models = [Path(m) for m in args.models] if args.models else sorted(SHARED.glob("*.tflite"))
    if not models:
        print(f"bench: no models (shared models not found at {SHARED})")
        return 1
    images = variants(args.board)
    if not images:
        print(f"bench: no image for {args.board} in {IMAGES}: run 'make firmware BOARD={args.board}'")
        return 1
    results = []
    for label, image in images:
        print(f"bench: {args.board} {label} ({image.relative_to(ROOT)})", file=sys.stderr)
        results += run_image(args.board, image, models)
    text = tables(args.board, results, json.loads(Path(args.tflm).read_text()) if args.tflm else None)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

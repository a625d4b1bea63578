"""TensorFlow Lite Micro vs the tinyml core on a QEMU board (make bench-tflm BOARD=...; not a test).

    python tests/bench/bench_tflm.py --board MPS2_AN500 --dir build/bench-tflm/MPS2_AN500/all [--ops]
    python tests/bench/bench_tflm.py --board MPS2_AN385 --cpu cortex-m0plus \
        --dir build/bench-tflm/MPS2_AN385-cortex-m0plus/all     # ARMv6-M programs on the M3 machine

Runs the two bare-metal programs that tests/bench/tflm/build.mk builds: tflm.elf (TFLM
with its CMSIS-NN kernels) and ours.elf (the tinyml core, cmsis-nn backend), same
compiler, flags, runtime and CMSIS-NN objects, the shared models compiled in. QEMU runs
with -icount shift=0 (one instruction per virtual ns), as for `make bench BOARD=...`:
SysTick counts x 1e9 / clock are instructions executed. Per model each program times
one inference after a warm-up (whole invoke), then one more with per-op counts (each
op's eval; the rest of the invoke is the interpreter loop, "outside ops"). Prints
markdown tables.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "host_tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "host_tools"))

from tinyml_tools.qemu import QEMU_BOARDS, board_info  # after the sys.path setup


def qemu_cmd(board: str, elf: Path, first: int = 0) -> list[str]:
    """QEMU for `elf` on the board's machine, with -icount shift=0; the program starts at model `first`."""
    q = board_info(board)["qemu"]
    cmd = ["qemu-system-arm", "-machine", q["machine"], "-nographic", "-monitor", "null",
           "-semihosting-config", f"enable=on,target=native,arg=bench,arg={first}",
           *q.get("args", []), "-serial", "stdio", "-kernel", str(elf)]
    if "-icount" not in cmd:
        cmd[1:1] = ["-icount", "shift=0"]
    return cmd


def parse_output(text: str) -> dict:
    """One boot's UART lines: {"models": N, "rows": [...], "last": index of the last model started,
    "done": bool}. A model that started and has no result line (a fault, unparsable text, the
    program's end or a timeout) gets an error row naming what came instead."""
    res: dict = {"models": None, "rows": [], "last": None, "done": False}
    current, name, garbage, fault = None, "", [], False
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            d = json.loads(line) if line.startswith("{") else None
        except json.JSONDecodeError:
            d = None
        if not isinstance(d, dict):
            garbage.append(line)
            continue
        if "models" in d:
            res["models"] = d["models"]
        elif "start" in d:
            current, name, garbage = d["start"], d.get("model", f"model #{d['start']}"), []
            res["last"] = current
        elif "impl" in d and "model" in d:
            res["rows"].append(d)
            current = None
        elif d.get("fault"):
            fault = True
            break
        elif d.get("done"):
            res["done"] = True
    if current is not None:
        what = "fault (Cortex-M exception)" if fault else "no result line"
        if garbage:
            what += ", output: " + " | ".join(garbage)[-300:]
        res["rows"].append({"model": name, "index": current, "error": what})
    return res


def run_elf(board: str, elf: Path, timeout: float = 3600) -> list[dict]:
    """Boot `elf` on the board's QEMU machine; the JSON lines it prints (one per model).

    After a model's error, fault or timeout the program is booted again from the next model, so
    that every model runs, each after an error in a fresh state; the failed model's row has "error"
    (and "model" where the program did not print its name, from the start line's index)."""
    rows: list[dict] = []
    first, n = 0, None
    while n is None or first < n:
        try:
            r = subprocess.run(qemu_cmd(board, elf, first), capture_output=True, timeout=timeout,
                               stdin=subprocess.DEVNULL, check=False)
            out, why = r.stdout.decode(errors="replace"), f"exit {r.returncode}"
        except subprocess.TimeoutExpired as e:  # subprocess.run has killed QEMU
            out, why = (e.stdout or b"").decode(errors="replace"), f"timeout after {timeout:.0f} s"
        res = parse_output(out)
        if res["models"] is None:
            raise RuntimeError(f"{elf.name} on {board}: {why}, no start-up line: {out[-800:]}")
        n = res["models"]
        for d in res["rows"]:
            if "index" in d and "no result line" in d["error"]:
                d["error"] = f"{why}, {d['error']}"
        rows += res["rows"]
        if res["done"]:
            break
        if res["last"] is None:
            raise RuntimeError(f"{elf.name} on {board}: {why} before model {first}: {out[-800:]}")
        first = res["last"] + 1
    for d in rows:
        if "error" not in d:
            d["instr"] = d["total"] * 1e9 / d["clock"]
            d["ops_instr"] = sum(op[2] for op in d["ops"]) * 1e9 / d["clock"]
            if "plain_total" in d:
                d["plain_instr"] = d["plain_total"] * 1e9 / d["clock"]
    return rows


def fmt(n: float) -> str:
    return f"{n:,.0f}"


def pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def outside(d: dict) -> str:
    x = d["instr"] - d["ops_instr"]
    return f"{fmt(x)} ({pct(x, d['instr'])})"


def plan_summary(o: dict) -> str:
    """The planner's records: 'stage 0-12 (band 1), 3 in place'."""
    parts, inplace = [], 0
    for kind, first, last, rows in o.get("plans", []):
        if kind == 2:
            parts.append(f"stage {first}-{last} ({rows} row{'s' if rows > 1 else ''}/band)")
        else:
            inplace += 1
    if inplace:
        parts.append(f"{inplace} in place")
    return ", ".join(parts) or "-"


def meta_table(good: list[tuple[dict, dict]]) -> list[str]:
    """Our metadata by category (tml_model_meta_bytes, the 32-bit build's), as loaded by default."""
    names = list(next((o["meta"] for o, _ in good if "meta" in o), {}))
    if not names:
        return []
    title = ("Metadata by category (bytes, this board's build, as loaded by default; quant: multipliers and"
             " shifts):")
    lines = ["", title, "", "| model | " + " | ".join(names) + " | total |", "|---|" + "---:|" * (len(names) + 1)]
    for o, _ in good:
        lines.append(f"| {o['model']} | " + " | ".join(fmt(o["meta"][n]) for n in names) +
                     f" | {fmt(sum(o['meta'].values()))} |")
    return lines


def flash_meta_table(good: list[tuple[dict, dict]]) -> list[str]:
    """Our RAM with each model's flash metadata blob beside it in flash (tests/bench/flash_meta_blobs.py):
    its arrays read in place, none computed per call."""
    rows = [(o, t) for o, t in good if "fm" in o]
    if not rows:
        return []
    lines = ["", "RAM with the flash metadata (NAME.tmx beside the model in flash; ours: arena + metadata in RAM):",
             "", ("| model | TFLM | ours | ours with .tmx | with .tmx/TFLM | .tmx bytes (arrays) | instr with/without |"
             " outputs | status |"), "|---|---:|---:|---:|---:|---:|---:|---|---|"]
    for o, t in rows:
        f = o["fm"]
        mine, with_fm = o["arena"] + o["persistent"], f["arena"] + f["persistent"]
        lines.append(
            f"| {o['model']} | {fmt(t['arena'])} | {fmt(o['arena'])} + {fmt(o['persistent'])} = {fmt(mine)} |"
            f" {fmt(f['arena'])} + {fmt(f['persistent'])} = {fmt(with_fm)} | {with_fm / t['arena']:.2f} |"
            f" {fmt(f['blob'])} ({fmt(f['flash'])}) | {f['total'] / o['total']:.3f} |"
            f" {'equal' if f['out'] == o['out'] == t['out'] else 'DIFFER'} | {f['status']} |")
    return lines


def meta_mismatch(ours: list[dict]) -> list[str]:
    """Models whose metadata categories do not sum to their persistent bytes."""
    return [o["model"] for o in ours if "meta" in o and sum(o["meta"].values()) != o["persistent"]]


def tables(board: str, tflm: list[dict], ours: list[dict], ops: bool = False, cpu: str | None = None) -> str:
    info = board_info(board)
    t_by = {d["model"]: d for d in tflm}
    head = ("| model | MACs | TFLM instr | ours instr | ours/TFLM | ours outside ops | TFLM outside ops"
            " | outputs |")
    title = (f"### {board} built for {cpu} (run on its {info.get('cpu')}, QEMU -icount shift=0)" if cpu
             else f"### {board} ({info.get('cpu')}, QEMU -icount shift=0)")
    lines = [title, "", head,
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    good = []
    for o in ours:
        t = t_by.get(o["model"], {})
        if "error" in o or "error" in t or not t:
            errors = [f"{who}: {d['error']}" for who, d in (("TFLM", t), ("ours", o)) if "error" in d]
            lines.append(f"| {o['model']} | | | | | | | error: {'; '.join(errors or ['no TFLM run'])} |")
            continue
        good.append((o, t))
        macs = sum(op[1] for op in o["ops"])
        lines.append(
            f"| {o['model']} | {fmt(macs)} | {fmt(t['instr'])} | {fmt(o['instr'])} | {o['instr'] / t['instr']:.3f} |"
            f" {outside(o)} | {outside(t)} | {'equal' if o['out'] == t['out'] else 'DIFFER'} |")
    clock = next((d["clock"] for d in ours if "clock" in d), 0)
    k = 1e9 / clock if clock else 0
    lines += ["", (f"One SysTick count is {k:.0f} instructions: 'outside ops' (the whole invoke minus the sum of"
                   " its ops' evals, i.e. the interpreter loop and a stage's scheduling) may read up to that many"
                   " per op too high, and that many too low."), ""]
    lines += ["RAM (bytes; ours: activation arena + all metadata the model holds; TFLM: arena_used_bytes):", "",
              "| model | TFLM | ours, plain plan | ours | ours/TFLM | plan | plan's extra instr | load instr |",
              "|---|---:|---:|---:|---:|---|---:|---:|"]
    for o, t in good:
        plain = o["plain_arena"] + o["plain_persistent"]
        mine = o["arena"] + o["persistent"]
        extra = (o["total"] - o["plain_total"]) / o["plain_total"] if o["plain_total"] else 0.0
        lines.append(
            f"| {o['model']} | {fmt(t['arena'])} | {fmt(o['plain_arena'])} + {fmt(o['plain_persistent'])} ="
            f" {fmt(plain)} | {fmt(o['arena'])} + {fmt(o['persistent'])} = {fmt(mine)} | {mine / t['arena']:.2f} |"
            f" {plan_summary(o)} | {100 * extra:+.1f}% | {fmt(o['load'] * k)} |")
    lines += ["", ("'plain plan': the same core loaded with in-place operators and patches off (TML_LOAD_NO_INPLACE"
                   " | TML_LOAD_NO_PATCHES); \"plan's extra instr\": its invoke against that plain one;"
                   " 'load instr': tml_model_load, planning included.")]
    lines += meta_table(good)
    lines += flash_meta_table(good)
    if ops:
        lines += ["", "Per op (instructions of the op's eval, second inference):", "",
                  "| model | # | op | MACs | TFLM | ours | ours/TFLM |", "|---|---:|---|---:|---:|---:|---:|"]
        for o in ours:
            t = t_by.get(o["model"])
            if not t or "error" in o or "error" in t:
                continue
            k = 1e9 / o["clock"]
            for i, op in enumerate(o["ops"]):
                tt = t["ops"][i][2] * k if i < len(t["ops"]) else 0
                lines.append(f"| {o['model']} | {i} | {op[0]} | {fmt(op[1])} | {fmt(tt)} | {fmt(op[2] * k)} |"
                             f" {op[2] * k / tt if tt else 0:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--board", required=True, choices=QEMU_BOARDS)
    ap.add_argument("--dir", required=True, help="folder with tflm.elf and ours.elf (build/bench-tflm/<BOARD>/all)")
    ap.add_argument("--ops", action="store_true", help="also the per-op table")
    ap.add_argument("--cpu", help="the -mcpu the programs were built for, if not the board's (BENCH_TFLM_CPU)")
    ap.add_argument("--json", help="also write the raw results to this file")
    args = ap.parse_args(argv)
    d = Path(args.dir)
    tflm = run_elf(args.board, d / "tflm.elf")
    ours = run_elf(args.board, d / "ours.elf")
    print(tables(args.board, tflm, ours, ops=args.ops, cpu=args.cpu))
    if args.json:
        Path(args.json).write_text(json.dumps({"board": args.board, "cpu": args.cpu or board_info(args.board).get("cpu"),
                                               "tflm": tflm, "ours": ours}, indent=1) + "\n")
    bad = [o["model"] for o in ours if "error" in o or o["out"] != next(
        (t.get("out") for t in tflm if t["model"] == o["model"]), None)
        or ("fm" in o and (o["fm"]["out"] != o["out"] or o["fm"]["status"] != "used"))]
    if bad:
        print(f"bench-tflm: outputs differ or failed: {', '.join(bad)}", file=sys.stderr)
    miscounted = meta_mismatch(ours)
    if miscounted:
        print(f"bench-tflm: metadata categories do not sum to the persistent bytes: {', '.join(miscounted)}",
              file=sys.stderr)
    return 1 if bad or miscounted else 0


if __name__ == "__main__":
    sys.exit(main())

"""Instructions per function of a `make bench-tflm` program, per inference (a benchmark aid, not a test).

QEMU runs the ELF as the benchmark does (-icount shift=0) with `-d in_asm,exec,nochain`: every translation
block is logged once with its instructions and every execution of one by its address, so that each
function's instructions are the sum over its blocks of executions x block size. The log is cut into
segments, one per tml_model_invoke_hooked call (ours.elf: per model, the plain plan's warm-up and timed
inference, the plan's two, the per-op run, then the flash metadata's two where the model has them).

    python3 tests/bench/qemu_profile.py MPS2_AN500 build/bench-tflm/MPS2_AN500/TAG/ours.elf --top 30
    python3 tests/bench/qemu_profile.py MPS2_AN500 ELF --diff 0 2   # the plan's extra instructions by function

The log of a 13 M-instruction model takes about 1.2 GB in a temporary directory and 2 minutes.
"""

from __future__ import annotations

import argparse
import bisect
import collections
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tflm import qemu_cmd

TRACE = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")


def symbols(elf: Path) -> list[tuple[int, str]]:
    out = subprocess.run(["arm-none-eabi-nm", "-n", "--defined-only", str(elf)], capture_output=True, text=True,
                         check=True).stdout
    syms = []
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "tTwW":
            syms.append((int(p[0], 16) & ~1, p[2]))
    return syms


def profile(board: str, elf: Path) -> list[collections.Counter]:
    """Instructions per function, one Counter per tml_model_invoke_hooked call."""
    syms = symbols(elf)
    addrs = [a for a, _ in syms]
    entry = next(a for a, n in syms if n == "tml_model_invoke_hooked")
    callers = {"load_and_time", "run", "main"}
    names: dict[int, str] = {}

    def name(pc: int) -> str:
        if pc not in names:
            k = bisect.bisect_right(addrs, pc) - 1
            names[pc] = syms[k][1] if k >= 0 else "?"
        return names[pc]

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "qemu.log"
        cmd = qemu_cmd(board, elf)
        k = cmd.index("-kernel")
        cmd[k:k] = ["-d", "in_asm,exec,nochain", "-D", str(log)]
        subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=3600, check=False)
        size: dict[int, int] = {}
        segs: list[collections.Counter] = []
        cur, block = None, None
        with open(log, errors="replace") as f:
            for line in f:
                if line.startswith("IN:"):
                    block = None
                elif line.startswith("0x") and ":" in line[:12]:
                    if block is None:
                        block = int(line.split(":")[0], 16)
                        size[block] = 0
                    size[block] += 1
                elif (m := TRACE.match(line)) is not None:
                    block = None
                    pc = int(m.group(1), 16)
                    if pc == entry and cur is None:
                        cur = collections.Counter()
                        segs.append(cur)
                    elif cur is not None and name(pc) in callers:
                        cur = None
                    if cur is not None:
                        cur[name(pc)] += size.get(pc, 0)
    return segs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("board")
    ap.add_argument("elf", type=Path)
    ap.add_argument("--top", type=int, default=25, help="functions shown per segment")
    ap.add_argument("--diff", type=int, nargs=2, metavar=("A", "B"), help="segment B minus segment A by function")
    args = ap.parse_args()
    segs = profile(args.board, args.elf)
    if args.diff:
        a, b = (segs[i] for i in args.diff)
        print(f"segment {args.diff[0]}: {sum(a.values()):,}  segment {args.diff[1]}: {sum(b.values()):,}")
        for fn in sorted(set(a) | set(b), key=lambda k: -abs(b[k] - a[k]))[:args.top]:
            print(f"{b[fn] - a[fn]:+12,} {a[fn]:12,} {b[fn]:12,}  {fn}")
        return
    for i, seg in enumerate(segs):
        total = sum(seg.values())
        print(f"== segment {i}: {total:,} instructions")
        for fn, v in seg.most_common(args.top):
            print(f"{v:12,} {100 * v / total:5.1f}%  {fn}")


if __name__ == "__main__":
    main()

"""The arena plan of a model as the core made it: its size against the plain plan's, the operator
where the most bytes are live (the peak) with the tensors live there, and the planner's records
(operators in place, the stage run band by band) with the rows each keeps.

Used by `tinyml inspect`. Lifetimes are the graph's: a tensor lives from the operator that writes
it (a model input: from the start) to the last one that reads it (a model output: to the end); a
tensor inside a band-by-band stage lives through the whole stage, in a window of rows.
"""

from __future__ import annotations

from typing import Any

from tinyml_tools.cliutil import n
from tinyml_tools.core import LOAD_NO_INPLACE, LOAD_NO_PATCHES, Model


def _lifetimes(m: Model) -> dict[int, list[int]]:
    """Tensor index -> [first op, last op] for the tensors the arena holds."""
    n_ops = len(m.ops)
    life: dict[int, list[int]] = {}
    for k in m.io_tensors(False):
        if k >= 0:
            life[k] = [0, 0]
    for i in range(n_ops):
        op = m.op_info(i)
        for k in op.inputs:
            if k >= 0 and k in life:
                life[k][1] = max(life[k][1], i)
        for k in op.outputs:
            if k >= 0:
                life.setdefault(k, [i, i])
    for k in m.io_tensors(True):
        if k in life:
            life[k][1] = n_ops - 1
    for p in m.plans:  # a stage's tensors live through the stage
        if p.kind == "stage":
            for i in range(p.first, p.last + 1):
                for k in m.op_info(i).outputs:
                    if k in life:
                        life[k] = [min(life[k][0], p.first), max(life[k][1], p.last)]
    return {k: v for k, v in life.items() if m.tensor_arena(k) is not None}


def _union(spans: list[tuple[int, int]]) -> int:
    """Bytes covered by (offset, bytes) spans: an output placed over its input counts once."""
    total, end = 0, -1
    for off, size in sorted(spans):
        if off + size > end:
            total += off + size - max(off, end)
            end = off + size
    return total


def describe(data: bytes, backend: str) -> dict[str, Any]:
    """The plan of `data` on `backend` (a host library), and the plain plan's arena (nothing in
    place, no stage) for comparison."""
    plain = Model(data, backend=backend, inspect=True, flags=LOAD_NO_PATCHES | LOAD_NO_INPLACE)
    plain_arena = plain.arena_size
    plain.close()
    m = Model(data, backend=backend, inspect=True)
    try:
        life = _lifetimes(m)
        plans = m.plans
        scratch = m.op_scratch
        # an operator a plan runs has its kernel scratch inside the plan's temporary area
        planned = {i for p in plans for i in range(p.first, p.last + 1)}
        scratch = [0 if i in planned else s for i, s in enumerate(scratch)]
        live_at: list[int] = []
        for i in range(len(m.ops)):
            temp = sum(p.temp for p in plans if p.first <= i <= p.last)
            spans = [m.tensor_arena(k) for k, (a, b) in life.items() if a <= i <= b]
            live_at.append(_union(spans) + temp + scratch[i])
        peak_op = max(range(len(live_at)), key=lambda i: live_at[i]) if live_at else -1
        peak: dict[str, Any] = {"op": peak_op, "tensors": [], "temp_bytes": 0, "scratch_bytes": 0,
                                "live_bytes": live_at[peak_op] if live_at else 0}
        if peak_op >= 0:
            peak["op_name"] = m.ops[peak_op]
            peak["temp_bytes"] = sum(p.temp for p in plans if p.first <= peak_op <= p.last)
            peak["scratch_bytes"] = scratch[peak_op]
            for k, (a, b) in sorted(life.items(), key=lambda kv: -m.tensor_arena(kv[0])[1]):
                if a <= peak_op <= b:
                    off, held = m.tensor_arena(k)
                    t = m.tensor(k)
                    peak["tensors"].append({"index": k, "name": t.name, "shape": list(t.shape), "bytes": t.nbytes,
                                            "held_bytes": held, "offset": off})
        records = []
        for p in plans:
            windows = []
            if p.kind == "stage":
                for i in range(p.first, p.last):
                    for k in m.op_info(i).outputs:
                        if k in life:
                            t = m.tensor(k)
                            windows.append({"index": k, "bytes": t.nbytes, "held_bytes": m.tensor_arena(k)[1]})
            records.append({"kind": p.kind, "first": p.first, "last": p.last, "rows": p.rows, "temp_bytes": p.temp,
                            "ops": m.ops[p.first:p.last + 1], "windows": windows,
                            "macs": sum(m.op_macs[p.first:p.last + 1])})
        return {"backend": backend, "arena_bytes": m.arena_size, "plain_arena_bytes": plain_arena, "peak": peak,
                "plans": records}
    finally:
        m.close()


def _overlap(tensors: list[dict[str, Any]]) -> bool:
    spans = sorted((t["offset"], t["held_bytes"]) for t in tensors)
    return any(a + sa > b for (a, sa), (b, _) in zip(spans, spans[1:]))


def text(plan: dict[str, Any]) -> str:
    """The plan as inspect prints it."""
    arena, plain = plan["arena_bytes"], plan["plain_arena_bytes"]
    ratio = f", {arena / plain:.2f}x" if plain else ""
    lines = [(f"arena plan ({plan['backend']}): {n(arena)} bytes; plain plan (nothing in place, no stage) "
              f"{n(plain)} bytes{ratio}")]
    peak = plan["peak"]
    if peak["op"] >= 0:
        rest = arena - peak["live_bytes"]
        lines.append(f"peak     operator {peak['op']} ({peak['op_name']}): {n(peak['live_bytes'])} bytes live"
                     + (f" ({n(rest)} bytes of alignment and gaps)" if rest > 0 else "")
                     + (" (tensors overlap: outputs in place)" if _overlap(peak["tensors"]) else ""))
        for t in peak["tensors"]:
            window = "" if t["held_bytes"] == t["bytes"] else f" (window of {n(t['bytes'])})"
            name = t["name"] if len(t["name"]) <= 48 else t["name"][:45] + "..."
            lines.append(f"  {n(t['held_bytes']):>9}  tensor #{t['index']} {name}{window}")
        if peak["temp_bytes"]:
            lines.append(f"  {n(peak['temp_bytes']):>9}  plan temporaries (row buffers, stage state, kernel scratch)")
        if peak["scratch_bytes"]:
            lines.append(f"  {n(peak['scratch_bytes']):>9}  kernel scratch")
    for p in plan["plans"]:
        if p["kind"] == "stage":
            held = sum(w["held_bytes"] for w in p["windows"])
            whole = sum(w["bytes"] for w in p["windows"])
            lines.append(f"patches: operators {p['first']}-{p['last']} ({p['ops'][0]} .. {p['ops'][-1]}) band by band, "
                         f"{p['rows']} output row(s) per band; inner tensors held in windows of {n(held)} of "
                         f"{n(whole)} bytes; temporaries {n(p['temp_bytes'])} bytes; {n(p['macs'])} MACs, none extra (each "
                         "row is computed once: the rows two bands share stay in the window)")
        else:
            lines.append(f"in place: operator {p['first']} ({p['ops'][0]}), output over its dying input, "
                         f"{p['rows']} output row(s) per kernel call; temporaries {n(p['temp_bytes'])} bytes")
    if not plan["plans"]:
        lines.append("planner: the plain plan (no operator in place, no stage)")
    return "\n".join(lines)

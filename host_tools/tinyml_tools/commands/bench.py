"""tinyml bench MODEL [--port P] [-n N]: time a model on the board.

Uploads the model if the board does not have it (same checks as upload),
loads it, runs one warm-up and N timed inferences (time.ticks_us) on a seeded
random input, then one profiled inference (Model.profile: ticks of
tinyml.clock() per operator). Reports mean/median/p99/min/max latency, the
per-layer profile and gc.mem_free() before loading, after loading and after
the runs.
"""

from __future__ import annotations

import argparse
import ast
import math
import statistics
from pathlib import Path
from typing import Any

from tinyml_tools.cliutil import FAILED, OK, REFUSED, USAGE, add_json, add_port, error, n, print_json, read_file, table
from tinyml_tools.commands.compare import input_expr, make_inputs
from tinyml_tools.commands.upload import Refused, device_path, prepare
from tinyml_tools.core import CoreError, Model, backends
from tinyml_tools.device import DeviceError, connect

_SCRIPT = """\
import tinyml, time, gc, binascii
_m = None
gc.collect()
_f0 = gc.mem_free()
_m = tinyml.Model({path!r})
gc.collect()
_f1 = gc.mem_free()
_x = {x}
_m.predict(_x)
_t = []
for _i in range({n}):
    _s = time.ticks_us()
    _m.predict(_x)
    _t.append(time.ticks_diff(time.ticks_us(), _s))
_p = _m.profile(_x)
gc.collect()
_f2 = gc.mem_free()
print(repr({{'times_us': _t, 'profile': [tuple(r) for r in _p], 'clock': tuple(tinyml.clock()),
  'mem_free_before': _f0, 'mem_free_loaded': _f1, 'mem_free_after': _f2,
  'arena': _m.arena_size, 'persistent': _m.persistent_size, 'backend': tinyml.backend}}))
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=Path, help=".tflite model")
    add_port(p)
    p.add_argument("-n", type=int, default=20, help="timed inferences (default 20)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random input (default 0)")
    p.add_argument("--as", dest="name", metavar="NAME", help="path of the model on the device (default: its file name)")
    add_json(p)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[max(0, math.ceil(q / 100 * len(s)) - 1)]


def summarize(raw: dict[str, Any]) -> dict[str, Any]:
    times = [t / 1000 for t in raw["times_us"]]
    name, hz = raw["clock"]
    total_ticks = sum(r[2] for r in raw["profile"]) or 1
    layers = [{"index": i, "op": op, "macs": macs, "ticks": ticks,
               "us": ticks * 1e6 / hz if hz else None, "percent": 100 * ticks / total_ticks}
              for i, (op, macs, ticks) in enumerate(raw["profile"])]
    return {
        "n": len(times),
        "latency_ms": {"mean": statistics.fmean(times), "median": statistics.median(times),
                       "p99": percentile(times, 99), "min": min(times), "max": max(times)},
        "clock": {"name": name, "hz": hz},
        "layers": layers,
        "memory": {"mem_free_before": raw["mem_free_before"], "mem_free_loaded": raw["mem_free_loaded"],
                   "mem_free_after": raw["mem_free_after"],
                   "model_ram": raw["mem_free_before"] - raw["mem_free_loaded"],
                   "arena": raw["arena"], "persistent": raw["persistent"]},
        "backend": raw["backend"],
    }


def run(args: argparse.Namespace) -> int:
    data = read_file("bench", args.model)
    if data is None:
        return USAGE
    if args.n < 1:
        error("bench", "-n must be at least 1")
        return USAGE
    path = device_path(args.model, args.name)
    try:
        with connect(args.port) as dev:
            _, uploaded = prepare(dev, data, path, show_progress=not args.json, port=args.port)
            host = Model(data, backend=backends()[0], inspect=True)
            x = input_expr(make_inputs(host, 1, args.seed)[0])
            out = dev.exec(_SCRIPT.format(path=path, x=x, n=args.n), timeout=300)
            machine = dev.info().get("machine")
        raw = ast.literal_eval(out.strip().splitlines()[-1])
    except Refused as e:
        for r in e.reasons:
            error("bench", f"refused: {r}")
        return REFUSED
    except (DeviceError, CoreError) as e:
        error("bench", str(e))
        return FAILED
    except (ValueError, SyntaxError, IndexError) as e:
        error("bench", f"unexpected output from the device: {e}")
        return FAILED
    rep = summarize(raw)
    rep.update({"model": str(args.model), "device": machine, "uploaded": uploaded})
    if args.json:
        print_json(rep)
        return OK
    lat, mem, clk = rep["latency_ms"], rep["memory"], rep["clock"]
    print(f"{args.model} on {machine} ({rep['backend']}), {rep['n']} runs: mean {lat['mean']:.3f} ms, "
          f"median {lat['median']:.3f} ms, p99 {lat['p99']:.3f} ms (min {lat['min']:.3f}, max {lat['max']:.3f})")
    rows = [[str(la["index"]), la["op"], n(la["macs"]), n(la["ticks"]),
             "-" if la["us"] is None else f"{la['us']:.1f}", f"{la['percent']:.1f}"] for la in rep["layers"]]
    print()
    print(table(rows, ["#", "op", "MACs", f"{clk['name']} ticks", "us", "%"], right={0, 2, 3, 4, 5}))
    print()
    print(f"gc.mem_free(): {n(mem['mem_free_before'])} before loading, {n(mem['mem_free_loaded'])} loaded "
          f"({n(mem['model_ram'])} used: arena {n(mem['arena'])}, metadata {n(mem['persistent'])}), "
          f"{n(mem['mem_free_after'])} after the runs")
    return OK

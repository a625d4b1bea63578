"""tinyml stream [--port P] [--run SCRIPT] [--csv F | --jsonl F] [--plot]: receive tinyml.stream records.

A device script sends records with tinyml.stream.send(**fields); they travel
as framed, checksummed lines on the serial line, between ordinary print
output (see tinyml_tools/stream.py). This command decodes them into a live
table (print output goes to stderr), optionally to a CSV or JSON-lines file
and a live matplotlib chart of the numeric fields. Damaged frames are skipped
and counted, never decoded.

Without --run it only listens (the board runs its own program, e.g. main.py);
with --run SCRIPT it soft-resets the board and runs SCRIPT (through the raw
REPL, so its output must not contain the byte 0x04), stopping when the script
ends. It stops after --count records or
--duration seconds too; Ctrl-C stops it (and the script).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path
from typing import IO, Any

from tinyml_tools.cliutil import FAILED, OK, USAGE, add_json, add_port, error, print_json, read_file
from tinyml_tools.device import Device, DeviceError, connect, script_traceback
from tinyml_tools.stream import Decoder, Record


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_port(p)
    p.add_argument("--run", dest="script", type=Path, metavar="SCRIPT",
                   help="run this script on the board (after a soft reset) and stream its records")
    p.add_argument("--mount", action="store_true",
                   help="with --run: mount the current folder on the device (then the script's output must not "
                        "contain the byte 0x18, which the mount protocol uses)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--csv", type=Path, metavar="FILE", help="write the records as CSV (columns of the first record)")
    out.add_argument("--jsonl", type=Path, metavar="FILE", help="write the records as JSON lines")
    p.add_argument("--plot", action="store_true", help="live matplotlib chart of the numeric fields")
    p.add_argument("--count", type=int, help="stop after this many records")
    p.add_argument("--duration", type=float, help="stop after this many seconds")
    p.add_argument("--quiet", "-q", action="store_true", help="no live table and no device text")
    add_json(p)


class Sink:
    """Where records go: the live table, a CSV/JSONL file, the plot."""

    def __init__(self, args: argparse.Namespace, plotter: Any) -> None:
        self.table = not (args.quiet or args.json)
        self.t0 = time.monotonic()
        self.columns: list[str] = []
        self.widths: list[int] = []
        self.file: IO[str] | None = None
        self.csv: Any = None
        self.csv_columns: list[str] = []
        self.warned: set[str] = set()
        self.jsonl = args.jsonl is not None
        path = args.csv or args.jsonl
        if path is not None:
            # kept open while records arrive; closed by close()
            self.file = open(path, "w", newline="" if args.csv else None, encoding="utf-8")  # noqa: SIM115
            if args.csv:
                self.csv = csv.writer(self.file)
        self.plotter = plotter
        self.text = bytearray()
        self.records = 0  # records shown/written (the decoder may have decoded more past --count)

    def record(self, r: Record) -> None:
        self.records += 1
        t = round(time.monotonic() - self.t0, 3)
        if self.file is not None:
            if self.csv is not None:
                if not self.csv_columns:
                    self.csv_columns = list(r.fields)
                    self.csv.writerow(["time", "seq", *self.csv_columns])
                extra = [k for k in r.fields if k not in self.csv_columns and k not in self.warned]
                for k in extra:
                    self.warned.add(k)
                    print(f"tinyml stream: field {k!r} is not a CSV column (columns come from the first record)",
                          file=sys.stderr)
                self.csv.writerow([t, r.seq, *(_cell(r.fields.get(k)) for k in self.csv_columns)])
            else:
                self.file.write(json.dumps({"time": t, "seq": r.seq, **r.fields}) + "\n")
            self.file.flush()
        if self.table:
            self._row(t, r)
        if self.plotter is not None:
            self.plotter.add(t, r.fields)

    def _row(self, t: float, r: Record) -> None:
        new = [k for k in r.fields if k not in self.columns]
        cells = [f"{t:.3f}", str(r.seq)] + [_cell(r.fields.get(k)) for k in self.columns + new]
        if new or not self.widths:
            self.columns += new
            header = ["time", "seq", *self.columns]
            self.widths = [max(len(h), len(c), 6) for h, c in zip(header, cells)]
            print("  ".join(h.rjust(w) for h, w in zip(header, self.widths)))
        self.widths = [max(w, len(c)) for w, c in zip(self.widths, cells)]
        print("  ".join(c.rjust(w) for c, w in zip(cells, self.widths)), flush=True)

    def device_text(self, data: bytes) -> None:
        if not self.table:
            return
        self.text += data
        *lines, rest = bytes(self.text).split(b"\n")
        self.text = bytearray(rest)
        for line in lines:
            sys.stderr.write("device: " + line.rstrip(b"\r").decode(errors="replace") + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.text.strip():
            self.device_text(b"\n")
        if self.file is not None:
            self.file.close()
        if self.plotter is not None:
            self.plotter.close()


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, (list, dict)):
        return json.dumps(v, separators=(",", ":"))
    return "" if v is None else str(v)


class Plotter:
    """Live line chart of the numeric fields (matplotlib, imported lazily)."""

    def __init__(self) -> None:
        import matplotlib.pyplot as plt  # optional dependency, imported only for --plot

        self.plt = plt
        plt.ion()
        self.fig, self.ax = plt.subplots()
        self.ax.set_xlabel("time (s)")
        self.series: dict[str, tuple[list[float], list[float], Any]] = {}
        self.last_draw = 0.0

    def add(self, t: float, fields: dict[str, Any]) -> None:
        for k, v in fields.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                if k not in self.series:
                    (line,) = self.ax.plot([], [], label=k)
                    self.series[k] = ([], [], line)
                    self.ax.legend(loc="upper left")
                xs, ys, line = self.series[k]
                xs.append(t)
                ys.append(float(v))
                line.set_data(xs, ys)
        now = time.monotonic()
        if now - self.last_draw > 0.2:
            self.last_draw = now
            self.ax.relim()
            self.ax.autoscale_view()
            self.plt.pause(0.001)

    def close(self) -> None:
        self.plt.ioff()
        if self.series and self.plt.get_backend().lower() != "agg":
            self.plt.show()


def _pump(dev: Device, decoder: Decoder, sink: Sink, args: argparse.Namespace, script: str | None) -> str:
    """Read and decode until the script ends, --count or --duration is reached, or Ctrl-C; the script's traceback."""
    deadline = None if args.duration is None else time.monotonic() + args.duration
    done = False

    def feed(data: bytes) -> None:
        nonlocal done
        if done:  # --count reached: what follows is not recorded
            return
        for ev in decoder.feed(data):
            if isinstance(ev, Record):
                sink.record(ev)
                if args.count is not None and decoder.stats.records >= args.count:
                    done = True
                    return
            else:
                sink.device_text(ev)

    if script is None:
        try:
            while not done and (deadline is None or time.monotonic() < deadline):
                feed(dev.read_some(0.1))
        except KeyboardInterrupt:
            pass
        return ""

    res = dev.exec_follow(script, feed, timeout=args.duration, should_stop=lambda: done)
    if res.still_running:
        print("tinyml stream: the board ignored Ctrl-C: the script is still running on it", file=sys.stderr)
    lines = res.err.strip().splitlines()
    if res.interrupted and lines and lines[-1].startswith("KeyboardInterrupt"):
        return ""  # stopped by --count, --duration or Ctrl-C
    return res.err


def run(args: argparse.Namespace) -> int:
    plotter = None
    if args.plot:
        try:
            plotter = Plotter()
        except ImportError:
            error("stream", "--plot needs matplotlib: pip install matplotlib (or pip install 'tinyml-tools[plot]')")
            return USAGE
    script = None
    if args.script is not None:
        raw = read_file("stream", args.script)
        if raw is None:
            return USAGE
        script = raw.decode(errors="replace")
    decoder = Decoder()
    try:
        sink = Sink(args, plotter)
    except OSError as e:
        error("stream", f"cannot write {args.csv or args.jsonl}: {e.strerror or e}")
        return USAGE
    err = ""
    try:
        with connect(args.port, raw=script is not None) as dev:
            if script is not None and args.mount:
                dev.mount(os.getcwd())
            err = _pump(dev, decoder, sink, args, script)
        for ev in decoder.flush():
            if isinstance(ev, Record):
                if args.count is None or sink.records < args.count:
                    sink.record(ev)
            else:
                sink.device_text(ev)
    except DeviceError as e:
        error("stream", str(e))
        return FAILED
    finally:
        sink.close()
    s = decoder.stats
    summary = {"records": sink.records, "damaged": s.damaged, "lost": s.lost, "text_bytes": s.text_bytes,
               "skipped_bytes": s.skipped_bytes, "fields": s.fields}
    if args.json:
        print_json({**summary, "error": err or None})
    elif not args.quiet:
        print(f"{sink.records} records, {s.damaged} damaged frames skipped, {s.lost} lost (sequence gaps)",
              file=sys.stderr)
    if err:
        sys.stderr.write(script_traceback(err, str(args.script)).replace("\r\n", "\n"))
        return FAILED
    return OK

"""tinyml serve DIR [--host H] [--port P]: serve a published folder to devices, and record their reports.

GET serves the files of DIR (manifest.json, the bundles); POST /report takes a device's JSON report
(tinyml.ota.update() posts one after each update or refusal) and appends it to DIR/fleet.jsonl, which
`tinyml fleet DIR` lists. For trying updates on a local network: no TLS, no authentication (the
bundles are signed; the reports are not).
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tinyml_tools import fleet
from tinyml_tools.cliutil import OK, USAGE, error


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", type=Path, metavar="DIR", help="a folder written by tinyml publish")
    p.add_argument("--host", default="0.0.0.0", help="address to listen on (default: all; 127.0.0.1: this machine)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default 8000; 0: any free port)")
    p.add_argument("--quiet", "-q", action="store_true", help="do not log each request")


class Handler(SimpleHTTPRequestHandler):
    quiet = False

    def do_POST(self) -> None:
        if self.path.split("?")[0].rstrip("/") != "/report":
            self.send_error(404, "POST goes to /report")
            return
        try:
            size = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            size = -1
        if not 0 < size <= fleet.REPORT_MAX_BYTES:
            self.send_error(400, f"a report is 1 to {fleet.REPORT_MAX_BYTES} bytes of JSON")
            return
        try:
            entry = fleet.record(Path(self.directory), json.loads(self.rfile.read(size)), self.client_address[0])
        except (ValueError, TypeError) as e:
            self.send_error(400, str(e))
            return
        body = json.dumps({"recorded": entry["time"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def run(args: argparse.Namespace) -> int:
    if not args.folder.is_dir():
        error("serve", f"{args.folder} is not a folder (make it with tinyml publish {args.folder} BUNDLE...)")
        return USAGE
    handler = functools.partial(type("H", (Handler,), {"quiet": args.quiet}), directory=str(args.folder.resolve()))
    try:
        server = ThreadingHTTPServer((args.host, args.port), handler)
    except OSError as e:
        error("serve", f"cannot listen on {args.host}:{args.port}: {e.strerror or e}")
        return USAGE
    host, port = server.server_address[:2]
    models = fleet.read_manifest(args.folder)
    print(f"serving {args.folder} on http://{host}:{port}/ ({len(models)} bundle{'s' if len(models) != 1 else ''} "
          f"in its manifest); device reports go to {args.folder / fleet.REPORTS}", flush=True)
    if not models:
        print(f"(no manifest.json yet: tinyml publish {args.folder} BUNDLE...)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return OK

"""The `tinyml` command: one module per subcommand, listed in COMMANDS."""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module under tinyml_tools.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "infer": ("infer", "run one inference on the host with the C core"),
    "inspect": ("inspect", "describe a model: layers, shapes, MACs, memory, unsupported ops, fit per board"),
    "upload": ("upload", "copy a model to the board (checked, atomic, verified with SHA-256)"),
    "flash": ("flash", "write a firmware image to a board with the board's flashing tool"),
    "run": ("run", "run a script on the board with live output and the current folder mounted"),
    "stream": ("stream", "receive records sent by tinyml.stream.send() on the board"),
    "bench": ("bench", "time a model on the board: latency statistics, per-layer profile, memory"),
    "compare": ("compare", "run the same inputs on the board and on the host core and compare bytes"),
    "board": ("board", "list the boards --port can name; reset an emulated board to a clean one"),
    "convert": ("convert", "quantize a trained Keras model (int8, 16x8, int4 weights) and report what it cost"),
    "keygen": ("keygen", "make an Ed25519 key pair for signing model bundles"),
    "sign": ("sign", "make a signed model bundle (model, name, version, self-test) for over-the-air updates"),
    "publish": ("publish", "write a folder of bundles and their manifest, for any HTTP server"),
    "serve": ("serve", "serve a published folder to devices and record their reports"),
    "fleet": ("fleet", "list the devices' reports: model, version, last update status"),
    "deploy": ("deploy", "install a signed bundle on a board over its serial line"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tinyml", description="tinyml for MicroPython host tools")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, (module, help_text) in COMMANDS.items():
        mod = importlib.import_module(f"tinyml_tools.commands.{module}")
        p = sub.add_parser(name, help=help_text, description=help_text)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""tinyml convert MODEL --calibrate DATA [--int8 | --16x8] [--weights int4[:LAYERS]] [--validate DATA --labels COL]
-o model.tflite: a trained model to a quantized .tflite for the board, with a report of what that cost.

MODEL is a Keras model (.keras, .h5) or a SavedModel folder; TensorFlow's converter (pip install
'tinyml-tools[convert]') makes the quantized model, calibrated on DATA (samples like the training data: see
tinyml_tools/datasets.py for .npy, .npz, a CSV of `tinyml stream --csv`, or a folder of WAV files or images
with --preprocess). Input and output are int8 (int16 with --16x8). --weights int4 then gives the CONV_2D,
DEPTHWISE_CONV_2D and FULLY_CONNECTED layers (or those LAYERS name: indices or names, as the report lists
them) packed int4 weights, half the flash (tinyml_tools/int4.py). An int8 .tflite as MODEL takes only that
step. The report (convert_report.py; also written to --report, default OUTPUT with .md) compares the float
and quantized models on the --validate samples (else the calibration samples), per layer too, and gives
sizes, arena, MACs, where the model fits, and a suggestion.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from tinyml_tools.cliutil import FAILED, OK, USAGE, add_json, error, print_json

PREPROCESS_HELP = "audio, spectrogram (WAV files); image, image-255, image-signed (images)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=Path,
                   help="Keras model (.keras, .h5) or SavedModel folder; or an int8 .tflite (with --weights int4)")
    p.add_argument("--calibrate", type=Path, metavar="DATA",
                   help="calibration samples: .npy, .npz, a CSV of tinyml stream --csv, or a folder of WAV files or "
                        "images (with --preprocess)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--int8", dest="mode", action="store_const", const="int8",
                      help="int8 activations and weights (the default)")
    mode.add_argument("--16x8", dest="mode", action="store_const", const="16x8",
                      help="int16 activations, int8 weights (more accurate, twice the arena)")
    p.add_argument("--weights", default="int8", metavar="int8|int4[:LAYERS]",
                   help="int4: packed int4 weights in every CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED layer, "
                        "or in LAYERS (comma-separated operator indices or layer names, as the report lists them)")
    p.add_argument("--validate", type=Path, metavar="DATA",
                   help="samples the report measures accuracy on (default: the calibration samples)")
    p.add_argument("--labels", metavar="COL",
                   help="the labels: a CSV column or an .npz array (default: an .npz's 'y'); folders: subfolder names")
    p.add_argument("--classes", metavar="NAMES|FILE",
                   help="class names in the model's output order (comma-separated, or a file such as labels.txt); "
                        "default: the sorted label names")
    p.add_argument("--preprocess", metavar="NAME", help=f"how a folder's files become inputs: {PREPROCESS_HELP}")
    p.add_argument("-o", "--output", type=Path, help="the .tflite to write (default: MODEL's name, in this folder)")
    p.add_argument("--report", type=Path, help="write the report there (default: OUTPUT with the suffix .md)")
    p.add_argument("--board", "-b", action="append", metavar="NAME",
                   help="only this board in the fits table (repeatable; default: every board)")
    add_json(p)


class Usage(ValueError):
    pass


def parse_weights(spec: str) -> str | None:
    """None for int8 weights; for int4 the LAYERS spec ("" = all)."""
    if spec == "int8":
        return None
    if spec == "int4":
        return ""
    if spec.startswith("int4:") and spec[5:].strip():
        return spec[5:]
    raise Usage(f"--weights {spec}: expected int8, int4 or int4:LAYERS (e.g. int4:1,3 or int4:dense_1)")


def default_output(model: Path, mode: str, int4: bool) -> Path:
    stem = model.stem if model.suffix else model.name
    suffix = "_int4" if int4 else "_16x8" if mode == "16x8" else ""
    if model.suffix.lower() == ".tflite" and not suffix:
        suffix = "_converted"
    return Path(f"{stem}{suffix}.tflite")


def run(args: argparse.Namespace) -> int:
    from tinyml_tools import datasets, int4
    from tinyml_tools.converter import ConvertError
    from tinyml_tools.schema import SchemaMissing

    try:
        report, data = convert(args)
    except Usage as e:
        error("convert", str(e))
        return USAGE
    except (ConvertError, datasets.DataError, int4.Int4Error, SchemaMissing) as e:
        if args.json:
            print_json({"model": str(args.model), "error": str(e)})
        error("convert", str(e))
        return FAILED
    from tinyml_tools.convert_report import text

    output = Path(report["output"])
    output.write_bytes(data)
    body = text(report)
    report_path = args.report or output.with_suffix(".md")
    report_path.write_text(body, encoding="utf-8")
    if args.json:
        print_json({k: v for k, v in report.items() if k != "desc"} | {"report": str(report_path)})
    else:
        print(body)
        print(f"wrote {output} ({len(data):,} bytes) and the report {report_path}")
    sys.stdout.flush()
    return OK


def convert(args: argparse.Namespace) -> tuple[dict[str, Any], bytes]:
    """The report and the model bytes (raises Usage, ConvertError, DataError, Int4Error)."""
    from tinyml_tools import datasets

    spec = parse_weights(args.weights)
    mode = args.mode or "int8"
    if mode == "16x8" and spec is not None:
        raise Usage("--16x8 with --weights int4: TFLM (and tinyml) run int4 weights with int8 activations only; "
                    "use --int8 --weights int4, or --16x8 with int8 weights")
    classes = datasets.read_classes(args.classes)
    output = args.output or default_output(args.model, mode, spec is not None)
    if args.model.suffix.lower() == ".tflite":
        return _from_tflite(args, spec, classes, output)
    return _from_keras(args, mode, spec, classes, output)


def _data(args: argparse.Namespace, path: Path, shape: tuple[int, ...], classes: list[str] | None,
          what: str) -> Any:
    from tinyml_tools import datasets

    labels = args.labels if path.suffix.lower() != ".npy" else None
    return datasets.load(path, shape, labels=labels, classes=classes, preprocess=args.preprocess, what=what)


def _check_labels(data: Any, outputs: np.ndarray) -> None:
    """Labels against the model's outputs: whole-number float labels of a model with several outputs are class
    indices (numpy pipelines often keep y as float); class indices must index the outputs."""
    from tinyml_tools.datasets import DataError

    n_out = int(np.prod(outputs.shape[1:]))
    if data.y is not None and data.y.dtype.kind == "f" and n_out > 1 and np.all(data.y == np.round(data.y)):
        data.y = data.y.astype(np.int64)
    if data.classification:
        n_classes = int(np.prod(outputs.shape[1:]))
        top = int(data.y.max())
        if top >= n_classes or int(data.y.min()) < 0:
            raise DataError(f"the labels go from {int(data.y.min())} to {top}, but the model has {n_classes} outputs "
                            "(class indices 0.."
                            f"{n_classes - 1}){'; --classes names them in the output order' if data.classes else ''}")
        if data.classes is not None and len(data.classes) != n_classes:
            raise DataError(f"{len(data.classes)} classes ({', '.join(data.classes)}) for a model with {n_classes} "
                            "outputs: give all of them in the output order with --classes")


def _from_keras(args: argparse.Namespace, mode: str, spec: str | None, classes: list[str] | None,
                output: Path) -> tuple[dict[str, Any], bytes]:
    from tinyml_tools import convert_report as R
    from tinyml_tools import converter, int4

    if args.calibrate is None:
        raise Usage(f"{mode} conversion needs calibration data: --calibrate DATA (a few hundred samples like the "
                    "training data: .npy, .npz, a CSV of tinyml stream --csv, or a folder of WAV files or images)")
    src = converter.open_model(args.model)
    calib = _data(args, args.calibrate, src.input_shape, classes, "calibration data")
    val = _data(args, args.validate, src.input_shape, classes, "validation data") if args.validate else calib
    float_tfl = converter.convert_float(src)
    quant = converter.convert_quantized(src, calib.x, mode)
    runs = [R.run_float(float_tfl, val.x)]
    _check_labels(val, runs[0].outputs)
    runs.append(R.run_quantized(mode, quant, val.x))
    final, changes = quant, None
    if spec is not None:
        final, changes = int4.to_int4(quant, spec)
        runs.append(R.run_quantized("int4", final, val.x))
    return _report(args, output, mode, runs, val, calib, changes, reference="float32"), final


def _from_tflite(args: argparse.Namespace, spec: str | None, classes: list[str] | None,
                 output: Path) -> tuple[dict[str, Any], bytes]:
    from tinyml_tools import convert_report as R
    from tinyml_tools import core, int4

    if spec is None:
        raise Usage(f"{args.model} is a .tflite already: convert takes a Keras model or a SavedModel; for an int8 "
                    ".tflite it only gives int4 weights (--weights int4)")
    if args.mode == "16x8":
        raise Usage("--16x8 needs the Keras model or SavedModel, not a .tflite")
    data = args.model.read_bytes() if args.model.is_file() else None
    if data is None:
        raise Usage(f"{args.model} does not exist")
    try:
        model = core.Model(data, backend="ref")
    except core.CoreError as e:
        from tinyml_tools.converter import ConvertError

        raise ConvertError(f"{args.model}: {e.status}: {e.message}") from e
    if len(model.inputs) != 1:
        from tinyml_tools.converter import ConvertError

        raise ConvertError(f"{args.model}: the model has {len(model.inputs)} inputs; tinyml convert takes models "
                           "with one")
    shape = tuple(model.inputs[0].shape[1:])
    source = args.validate or args.calibrate
    if source is None:
        raise Usage("give samples to measure what int4 weights cost: --validate DATA (or --calibrate DATA)")
    val = _data(args, source, shape, classes, "validation data")
    final, changes = int4.to_int4(data, spec)
    runs = [R.run_quantized("int8", data, val.x)]
    _check_labels(val, runs[0].outputs)
    runs.append(R.run_quantized("int4", final, val.x))
    return _report(args, output, "int8", runs, val, None, changes, reference="int8"), final


def _report(args: argparse.Namespace, output: Path, mode: str, runs: list[Any], val: Any, calib: Any,
            changes: list[Any] | None, reference: str) -> dict[str, Any]:
    from tinyml_tools import convert_report as R

    ref = runs[0]
    labels = {"float32": "float32 (TensorFlow Lite)", "int8": "int8", "16x8": "16x8 (int16 activations)"}
    n4 = sum(1 for c in changes or [] if c.int4)
    labels["int4"] = f"int8, int4 weights in {n4} layer{'s' if n4 != 1 else ''}"
    acc = []
    for r in runs:
        m = R.metrics(r, val, ref)
        m["label"] = labels[r.name] if not (reference == "int8" and r is ref) else "int8 (given)"
        acc.append(m)
    costs = []
    for m in acc[1:]:
        base = acc[0] if m["model"] != "int4" or len(acc) == 2 else acc[1]
        costs.append(f"{m['label']} against {base['label']}: costs {R._cost_str(R.cost(m, base))}.")
    final_run = runs[-1]
    weights = {c.index: ("int4" if c.int4 else "int8") for c in changes or []}
    if not changes:
        from tinyml_tools.int4 import layers as weight_layers
        from tinyml_tools.schema import read

        weights = {la.index: "int8" if mode == "int8" else "int8 (16x8)" for la in weight_layers(read(final_run.data))}
    desc_final, fits = R.sizes(final_run.data, output.name, args.board)
    sizes = {}
    for r in runs[1:] if reference == "float32" else runs:
        desc = desc_final if r is final_run else R.sizes(r.data, output.name, [])[0]
        sizes[acc[runs.index(r)]["label"]] = {k: desc[k] for k in ("bytes", "weights_bytes", "arena_bytes",
                                                                  "persistent_bytes", "macs")}
    err_final = R.layer_errors(ref, final_run, val.x)
    err_int8 = R.layer_errors(ref, runs[1], val.x) if changes and len(runs) == 3 else None
    macs = [la["macs"] for la in desc_final["layers"]]
    layer_rows = R.layer_rows(final_run, err_final, weights, macs, err_int8)
    measured = [la for la in layer_rows if la["layer_error"] is not None]
    worst = max(measured, key=lambda la: la["layer_error"], default=None)
    report: dict[str, Any] = {
        "source": str(args.model), "output": str(output), "mode": mode,
        "mode_text": {"int8": "int8 activations and weights, input and output int8",
                      "16x8": "int16 activations, int8 weights, input and output int16"}[mode],
        "int4": changes is not None,
        "weights_text": _weights_text(changes),
        "weights_layers": [c.__dict__ for c in changes or []],
        "calibration": (f"{len(calib.x)} samples of {calib.source}" if calib is not None
                        else "none (the model was quantized already)"),
        "validation": f"{len(val.x)} samples of {val.source}" + (
            f" ({len(val.classes)} classes: {', '.join(val.classes)})" if val.classes else "")
        + ("" if val.y is not None else " (no labels: the quantized outputs against the float ones)"),
        "accuracy": acc, "costs": costs,
        "layers": layer_rows, "layers_reference": reference, "layers_samples": min(len(val.x), R.PER_LAYER_SAMPLES),
        "loses_most": worst, "size": sizes, "desc": desc_final, "boards": fits,
        "flash_saved": (sizes[acc[-2]["label"]]["bytes"] - sizes[acc[-1]["label"]]["bytes"]) if changes else None,
    }
    report["suggestion"] = R.suggestion(report)
    return report


def _weights_text(changes: list[Any] | None) -> str:
    if not changes:
        return "int8"
    done = [c for c in changes if c.int4]
    kept = [c for c in changes if not c.int4]
    text = "int4 in " + ", ".join(f"{c.index} ({c.op} {c.name}, {'per channel' if c.per_channel else 'per tensor'})"
                                  for c in done)
    if kept:
        text += "; int8 in " + ", ".join(f"{c.index} ({c.op} {c.name}: {c.why})" for c in kept)
    return text

"""The report of `tinyml convert`: what quantization cost, where, and where the result fits.

    report = build(models, data, ...)    # a dict (printed with --json)
    print(text(report))                  # the same as text (Markdown tables)

- Accuracy of the float model against the quantized ones on the validation samples (top-1 for
  classification; for regression the error against the targets; without labels, how far the quantized
  outputs are from the float ones and how often their top-1 agrees). The quantized models run in the
  tinyml C core (its ref backend, byte-equal to the tflite-micro interpreter: what the board computes);
  the float model in TensorFlow Lite's interpreter.
- Per-layer error, as relative RMS errors (RMS of the difference / RMS of the float values) against the
  float model's same tensor over the samples: each operator's own (the operator alone, fed the float
  model's values of its inputs: what its weights' and its output's quantization lose) and its output's in
  the whole quantized model (the layers before included). The layer with the largest own error is the
  one that loses most.
- Size, arena, MACs and the fits-on-board table of `tinyml inspect`.
- A suggestion when quantization costs accuracy and one layer loses most: keep that layer int8 (int4
  weights), or use 16x8 (int8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinyml_tools import core, schema
from tinyml_tools.datasets import Data
from tinyml_tools.int4 import layer_name

PER_LAYER_SAMPLES = 200     # samples the per-layer errors are measured on (the first ones)
COST_POINTS = 1.0           # accuracy points lost beyond which the report suggests something
COST_ERROR = 0.05           # relative output error beyond which it does, without labels


@dataclass
class Run:
    """One model on the samples: its (dequantized) output 0, and every operator output tensor's values."""

    name: str
    data: bytes
    outputs: np.ndarray                                     # float64 [n, ...]
    tensors: dict[int, np.ndarray] = field(default_factory=dict)  # tensor index -> float64 [n_layer, ...]
    ops: list[tuple[int, str, list[int], int]] = field(default_factory=list)  # (op index, name, inputs, output)
    tensor_names: dict[int, str] = field(default_factory=dict)
    raw: np.ndarray | None = None                           # the quantized model's output 0 as the board gives it


def _graph(data: bytes) -> tuple[list[tuple[int, str, list[int], int]], dict[int, str], list[int], list[int]]:
    m = schema.read(data)
    sg = m.subgraphs[0]
    ops = []
    for i, op in enumerate(sg.operators):
        ins = [int(t) for t in (op.inputs if op.inputs is not None else [])]
        outs = [int(t) for t in (op.outputs if op.outputs is not None else [])]
        ops.append((i, schema.op_name(m, op), ins, outs[0] if outs else -1))
    names = {k: schema.tensor_name(t) for k, t in enumerate(sg.tensors)}
    return ops, names, [int(t) for t in sg.inputs], [int(t) for t in sg.outputs]


def with_all_outputs(data: bytes) -> tuple[bytes, list[int]]:
    """The model with every operator's output appended to its outputs, and the output tensor indices."""
    m = schema.read(data)
    sg = m.subgraphs[0]
    outs = [int(t) for t in sg.outputs]
    for op in sg.operators:
        for t in (op.outputs if op.outputs is not None else []):
            if int(t) not in outs:
                outs.append(int(t))
    sg.outputs = np.array(outs, np.int32)
    return schema.write(m), outs


def quantize_input(x: np.ndarray, info: core.TensorInfo) -> np.ndarray:
    """Float samples to the model's integer input: round half away from zero (as TFLite), + zero point,
    saturated."""
    dtype = np.dtype(info.dtype)
    if dtype.kind == "f":
        return x.astype(dtype)
    lim = np.iinfo(dtype)
    v = x.astype(np.float64) / info.scale
    q = np.sign(v) * np.floor(np.abs(v) + 0.5) + info.zero_point
    return np.clip(q, lim.min, lim.max).astype(dtype)


def dequantize(q: np.ndarray, info: core.TensorInfo) -> np.ndarray:
    if np.dtype(info.dtype).kind == "f":
        return q.astype(np.float64)
    return (q.astype(np.float64) - info.zero_point) * info.scale


def run_quantized(name: str, data: bytes, x: np.ndarray, layers: bool = True) -> Run:
    """The quantized model in the tinyml core (ref backend) on samples x (float, quantized here)."""
    ops, names, _, _ = _graph(data)
    full, order = with_all_outputs(data) if layers else (data, [])
    model = core.Model(full, backend="ref")
    info_in = model.inputs[0]
    outs, raws, tensors = [], [], {}
    for k in range(len(x)):
        got = model.invoke(quantize_input(x[k].reshape(info_in.shape), info_in))
        raws.append(got[0])
        outs.append(dequantize(got[0], model.outputs[0]))
        if layers and k < PER_LAYER_SAMPLES:
            for j, t in enumerate(order):
                tensors.setdefault(t, []).append(dequantize(got[j], model.outputs[j]))
    return Run(name, data, np.stack(outs), {t: np.stack(v) for t, v in tensors.items()}, ops, names, np.stack(raws))


def run_float(data: bytes, x: np.ndarray, layers: bool = True) -> Run:
    """The float model in TensorFlow Lite's interpreter (every tensor kept for the per-layer errors)."""
    from tinyml_tools.converter import quiet, tensorflow

    tf = tensorflow()
    ops, names, _, _ = _graph(data)
    import warnings

    with quiet(), warnings.catch_warnings():  # the interpreter's deprecation and debugging-option warnings
        warnings.simplefilter("ignore")
        interp = tf.lite.Interpreter(model_content=data, experimental_preserve_all_tensors=layers)
        interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    out = interp.get_output_details()[0]
    outs, tensors = [], {}
    wanted = [o for _, _, _, o in ops if o >= 0]
    for k in range(len(x)):
        interp.set_tensor(inp["index"], x[k].reshape(inp["shape"]).astype(np.float32))
        interp.invoke()
        outs.append(interp.get_tensor(out["index"]).astype(np.float64))
        if layers and k < PER_LAYER_SAMPLES:
            for t in wanted:
                tensors.setdefault(t, []).append(interp.get_tensor(t).astype(np.float64))
    return Run("float32", data, np.stack(outs), {t: np.stack(v) for t, v in tensors.items()}, ops, names)


def _rel(a: np.ndarray, ref: np.ndarray) -> float:
    den = float(np.sqrt(np.mean(ref ** 2)))
    num = float(np.sqrt(np.mean((a - ref) ** 2)))
    return num / den if den > 0 else (0.0 if num == 0 else math.inf)


def pair_ops(ref: Run, q: Run) -> dict[int, int]:
    """Quantized operator index -> output tensor of the reference run: by position where both graphs have the
    same operators (QUANTIZE/DEQUANTIZE left out), else by output tensor name."""
    skip = ("QUANTIZE", "DEQUANTIZE")
    rq = [(i, n, o) for i, n, _, o in q.ops if n not in skip]
    rr = [(i, n, o) for i, n, _, o in ref.ops if n not in skip]
    if [n for _, n, _ in rq] == [n for _, n, _ in rr]:
        return {i: o for (i, _, _), (_, _, o) in zip(rq, rr)}
    by_name = {ref.tensor_names.get(o): o for _, _, o in rr}
    return {i: by_name[q.tensor_names[o]] for i, _, o in rq if q.tensor_names.get(o) in by_name}


def op_model(m: Any, index: int) -> tuple[bytes, list[int]] | None:
    """Operator `index` of the ModelT m alone, as a model whose inputs are its non-constant inputs (their tensor
    indices in m returned too); None for an operator that cannot run alone (state, intermediates, subgraphs)."""
    import copy

    s = schema.load()
    sg = m.subgraphs[0]
    op = sg.operators[index]
    ins = [int(t) for t in (op.inputs if op.inputs is not None else [])]
    outs = [int(t) for t in (op.outputs if op.outputs is not None else [])]
    if (op.intermediates is not None and len(op.intermediates)) or any(
            t >= 0 and sg.tensors[t].isVariable for t in ins):
        return None
    new = s.ModelT()
    new.version = m.version
    code = m.operatorCodes[op.opcodeIndex]
    new.operatorCodes = [code]
    new.buffers = [s.BufferT()]
    g = s.SubGraphT()
    g.tensors, remap, graph_inputs = [], {}, []
    for t in ins + outs:
        if t < 0 or t in remap:
            continue
        tt = copy.copy(sg.tensors[t])
        buf = m.buffers[tt.buffer] if 0 < tt.buffer < len(m.buffers) else None
        if buf is not None and buf.data is not None and len(buf.data):
            nb = s.BufferT()
            nb.data = buf.data
            new.buffers.append(nb)
            tt.buffer = len(new.buffers) - 1
        else:
            tt.buffer = 0
            if t in ins:
                graph_inputs.append(t)
        remap[t] = len(g.tensors)
        g.tensors.append(tt)
    o = copy.copy(op)
    o.opcodeIndex = 0
    o.inputs = np.array([remap[t] if t >= 0 else -1 for t in ins], np.int32)
    o.outputs = np.array([remap[t] for t in outs], np.int32)
    g.operators = [o]
    g.inputs = np.array([remap[t] for t in graph_inputs], np.int32)
    g.outputs = np.array([remap[t] for t in outs], np.int32)
    new.subgraphs = [g]
    return schema.write(new), graph_inputs


def layer_errors(ref: Run, q: Run, x: np.ndarray) -> dict[int, tuple[float | None, float]]:
    """Quantized operator index -> (its own error, the error of its output in the whole model), each a relative
    RMS error against the reference model's tensor. Its own: the operator alone, given the reference model's
    values of its inputs (quantized to its input tensors), against the reference's output; what the layer
    loses itself (its weights', its output's quantization). In the whole model: its output as the quantized
    model computes it, the errors of the layers before included."""
    pairs = pair_ops(ref, q)
    m = schema.read(q.data)
    _, _, q_inputs, _ = _graph(q.data)
    xs = x[:PER_LAYER_SAMPLES].astype(np.float64)
    # the reference's value of each quantized tensor: the model input, and the outputs of the paired operators
    ref_value: dict[int, np.ndarray] = {}
    if q_inputs:
        ref_value[q_inputs[0]] = xs
    for i, o in pairs.items():
        out_q = q.ops[i][3]
        if o in ref.tensors:
            ref_value[out_q] = ref.tensors[o]
    out: dict[int, tuple[float | None, float]] = {}
    for i, name, ins, o in q.ops:
        if i not in pairs or o not in q.tensors or pairs[i] not in ref.tensors:
            continue
        want = ref.tensors[pairs[i]]
        if q.tensors[o].shape != want.shape:
            continue
        whole = _rel(q.tensors[o], want)
        own = None
        alone = op_model(m, i)
        if alone is not None and all(t in ref_value for t in alone[1]):
            model = core.Model(alone[0], backend="ref")
            got = []
            for k in range(len(want)):
                feeds = [quantize_input(ref_value[t][k].reshape(info.shape), info)
                         for t, info in zip(alone[1], model.inputs)]
                got.append(dequantize(model.invoke(*feeds)[0], model.outputs[0]))
            own = _rel(np.stack(got).reshape(want.shape), want)
        out[i] = (own, whole)
    return out


# ---- metrics ----------------------------------------------------------------------------------------------
def metrics(run: Run, data: Data, reference: Run | None) -> dict[str, Any]:
    """Accuracy (classification), error against targets (regression) and distance from the reference run."""
    n = len(run.outputs)
    flat = run.outputs.reshape(n, -1)
    result: dict[str, Any] = {"model": run.name, "samples": n}
    if data.classification:
        pred = flat.argmax(axis=1)
        correct = int(np.count_nonzero(pred == data.y))
        result.update(correct=correct, accuracy=correct / n)
    elif data.y is not None:
        target = data.y.reshape(n, -1).astype(np.float64)
        if target.shape[1] != flat.shape[1]:
            target = np.broadcast_to(target, flat.shape)
        result.update(rmse=float(np.sqrt(np.mean((flat - target) ** 2))),
                      mae=float(np.mean(np.abs(flat - target))))
    if reference is not None and reference is not run:
        ref = reference.outputs.reshape(n, -1)
        result["output_error"] = _rel(flat, ref)
        result["max_abs_error"] = float(np.max(np.abs(flat - ref)))
        if flat.shape[1] > 1:
            result["top1_agreement"] = float(np.mean(flat.argmax(axis=1) == ref.argmax(axis=1)))
    return result


def cost(m: dict[str, Any], base: dict[str, Any]) -> tuple[float, str]:
    """How much worse m is than base: accuracy points, else relative output error (as a fraction)."""
    if "accuracy" in m and "accuracy" in base:
        return 100.0 * (base["accuracy"] - m["accuracy"]), "points"
    if "rmse" in m and "rmse" in base and base["rmse"] > 0:
        return m["rmse"] / base["rmse"] - 1.0, "relative RMSE"
    return m.get("output_error", 0.0), "output error"


def too_costly(c: tuple[float, str]) -> bool:
    value, unit = c
    return value > COST_POINTS if unit == "points" else value > COST_ERROR


# ---- the report ---------------------------------------------------------------------------------------------
def suggestion(report: dict[str, Any]) -> str:
    acc = report["accuracy"]
    rows = {r["model"]: r for r in acc}
    layers = report["layers"]
    final = acc[-1]
    worst = report.get("loses_most")
    mode = report["mode"]
    if report.get("int4") and "int8" in rows:
        c = cost(final, rows["int8"])
        int4_layers = [la for la in layers if la["weights"] == "int4"]
        if too_costly(c):
            bad = max(int4_layers, key=lambda la: la["layer_error"] if la["layer_error"] is not None else -1,
                      default=None)
            if bad is None:
                return f"int4 weights cost {_cost_str(c)}: keep int8 weights (leave out --weights int4)."
            rest = [str(la["index"]) for la in int4_layers if la["index"] != bad["index"]]
            keep = (f"keep layer {bad['index']} ({bad['op']} {bad['layer']}) int8, the int4 layer that loses most "
                    f"({_pct(bad['layer_error'])} error of its own)")
            return (f"int4 weights cost {_cost_str(c)} against int8: {keep}: --weights int4:{','.join(rest)}"
                    if rest else f"int4 weights cost {_cost_str(c)} against int8: {keep}: leave out --weights int4.")
        return f"none: int4 weights cost {_cost_str(c)} against int8 weights."
    if "float32" in rows:
        c = cost(final, rows["float32"])
        if too_costly(c) and worst is not None:
            where = (f"layer {worst['index']} ({worst['op']} {worst['layer']}) loses most "
                     f"({_pct(worst['layer_error'])} error of its own)")
            if mode == "int8":
                return (f"{mode} costs {_cost_str(c)}: {where}: try --16x8 (int16 activations, int8 weights: the "
                        "same flash for the weights, about twice the arena), or retrain with quantization-aware "
                        "training.")
            return f"{mode} costs {_cost_str(c)}: {where}: retrain with quantization-aware training."
        return f"none: {mode} costs {_cost_str(c)} against float32."
    return "none."


def _cost_str(c: tuple[float, str]) -> str:
    value, unit = c
    if unit == "points":
        return f"{value:.1f} accuracy points" if value >= 0 else f"nothing (+{-value:.1f} points)"
    return f"{100 * value:.1f}% {unit}"


def sizes(data: bytes, name: str, boards: list[str] | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from tinyml_tools.commands.inspect import board_fits, describe

    desc = describe(data)
    return desc, board_fits(desc, boards, name)


def text(r: dict[str, Any]) -> str:
    """The report as text (Markdown)."""
    from pathlib import Path

    from tinyml_tools.cliutil import n
    from tinyml_tools.commands.inspect import fits_text

    out = [f"# tinyml convert: {Path(r['source']).name} -> {Path(r['output']).name}", ""]
    out.append(f"- mode: {r['mode_text']}")
    out.append(f"- weights: {r['weights_text']}")
    out.append(f"- calibration: {r['calibration']}")
    out.append(f"- evaluation: {r['validation']}")
    out += ["", "## Accuracy", ""]
    acc = r["accuracy"]
    cols = ["model"]
    if any("accuracy" in a for a in acc):
        cols.append("accuracy")
    if any("rmse" in a for a in acc):
        cols += ["RMSE", "MAE"]
    ref_name = acc[0]["model"]
    if len(acc) > 1:
        cols += [f"output error vs {ref_name}", f"top-1 agrees with {ref_name}"]
    out.append("| " + " | ".join(cols) + " |")
    out.append("|" + "|".join("---" if c == "model" else "---:" for c in cols) + "|")
    for a in acc:
        cells = [a["label"]]
        if "accuracy" in cols:
            cells.append(f"{100 * a['accuracy']:.1f}% ({a['correct']}/{a['samples']})" if "accuracy" in a else "-")
        if "RMSE" in cols:
            cells += [f"{a['rmse']:.4g}", f"{a['mae']:.4g}"] if "rmse" in a else ["-", "-"]
        if len(acc) > 1:
            cells.append(f"{100 * a['output_error']:.2f}%" if "output_error" in a else "-")
            cells.append(f"{100 * a['top1_agreement']:.1f}%" if "top1_agreement" in a else "-")
        out.append("| " + " | ".join(cells) + " |")
    for line in r["costs"]:
        out.append("")
        out.append(line)
    out += ["", "## Per-layer error", ""]
    if r["layers"]:
        int4 = r.get("int4")
        head = ["#", "op", "layer", "weights", "MACs", "its own error", "error in the model"]
        if int4:
            head += ["own, int8 weights", "in the model, int8 weights"]
        out.append("| " + " | ".join(head) + " |")
        out.append("|---:|---|---|---|---:|---:|---:|" + ("---:|---:|" if int4 else ""))
        for la in r["layers"]:
            cells = [str(la["index"]), la["op"], la["layer"], la["weights"], n(la["macs"]), _pct(la["layer_error"]),
                     _pct(la["error"])]
            if int4:
                cells += [_pct(la.get("layer_error_int8")), _pct(la.get("error_int8"))]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
        out.append(f"Relative RMS errors of each operator's output against the {r['layers_reference']} model's, on "
                   f"{r['layers_samples']} samples: its own (the operator alone, given the {r['layers_reference']} "
                   "model's inputs) and in the model (the errors of the layers before included).")
        w = r.get("loses_most")
        if w:
            out.append(f"Loses most: operator {w['index']} {w['op']} ({w['layer']}), {_pct(w['layer_error'])} error "
                       "of its own.")
    else:
        out.append(r.get("layers_note", "not measured"))
    out += ["", "## Size and memory", ""]
    sz = r["size"]
    names = list(sz)
    out.append("| | " + " | ".join(names) + " |")
    out.append("|---|" + "---:|" * len(names))
    for key, label in (("bytes", "model file, bytes"), ("weights_bytes", "weights, bytes")):
        out.append(f"| {label} | " + " | ".join(n(sz[k][key]) for k in names) + " |")
    backends = list(next(iter(sz.values()))["arena_bytes"])
    for b in backends:
        out.append(f"| arena ({b}), bytes | " + " | ".join(n(sz[k]["arena_bytes"].get(b)) for k in names) + " |")
        out.append(f"| metadata ({b}, 64-bit host), bytes | "
                   + " | ".join(n(sz[k]["persistent_bytes"].get(b)) for k in names) + " |")
    out.append("| MACs | " + " | ".join(n(sz[k]["macs"]) for k in names) + " |")
    if r.get("flash_saved") is not None:
        out.append("")
        out.append(f"int4 weights save {n(r['flash_saved'])} bytes of flash (the model file) against int8 weights.")
    out += ["", "## Where it fits (as tinyml inspect)", "", "```", fits_text(r["desc"], r["boards"]), "```"]
    out += ["", "## Suggestion", "", r["suggestion"], ""]
    return "\n".join(out)


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.2f}%"


def layer_rows(q: Run, errors: dict[int, tuple[float | None, float]], weights: dict[int, str], macs: list[int],
               errors_int8: dict[int, tuple[float | None, float]] | None) -> list[dict[str, Any]]:
    rows = []
    for i, name, _, o in q.ops:
        e = errors.get(i)
        row = {"index": i, "op": name, "layer": layer_name(q.tensor_names.get(o, "")), "weights": weights.get(i, "-"),
               "macs": macs[i] if i < len(macs) else 0, "layer_error": e[0] if e else None,
               "error": e[1] if e else None}
        if errors_int8 is not None:
            e8 = errors_int8.get(i)
            row["layer_error_int8"], row["error_int8"] = (e8[0], e8[1]) if e8 else (None, None)
        rows.append(row)
    return rows

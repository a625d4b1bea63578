"""Every model of manifest.json: outputs byte-equal to the host reference (tflite-micro).

Per model: one check per case (raw int8 input), then float input as array('f') and as a
list (quantized on the device), dequantize=True, predict_into, input/output shapes, op
names, per-op MACs (profile()) against the host core, the planner's band-by-band stage where
the host core plans one, and tinyml.Model(..., patches=False) (no stage, the same output):
tests/firmware/device_data.py PER_MODEL_CHECKS.
"""

import gc
from array import array

import dtest
import tinyml

TYPECODES = {"int8": "b", "uint8": "B", "int16": "h", "int32": "i"}


def tup(x):
    return x if isinstance(x, tuple) else (x,)


def dequantized_ok(m, got, want):
    for info, g, w in zip(m.outputs, tup(got), tup(want)):
        q = array(TYPECODES[info.dtype], w)
        if len(g) != len(q):
            return False
        for a, b in zip(g, q):
            r = (b - info.zero_point) * info.scale
            if abs(a - r) > 1e-6 * max(1.0, abs(r)):
                print("dequantized", a, "expected", r)
                return False
    return True


def check_model(entry):
    name = entry["name"]
    data = dtest.Cases(entry)
    m = tinyml.Model(entry["file"])
    for c in range(entry["cases"]):
        y = m.predict(data.x(c))
        dtest.check(f"{name} case {c}", dtest.same(y, data.y(c)), "output differs from the reference")
    fx = data.x(0, raw=False)
    y0 = data.y(0)
    dtest.check(name + " array('f') input", dtest.same(m.predict(fx), y0))
    lists = tuple(list(a) for a in tup(fx))
    dtest.check(name + " list input", dtest.same(m.predict(lists[0] if len(lists) == 1 else lists), y0))
    del lists  # a float object per input value (micro_speech: 1,960): NETDUINO_PLUS_2 has a 92 KB heap
    gc.collect()
    dtest.check(name + " dequantize=True", dequantized_ok(m, m.predict(data.x(0), dequantize=True), y0))
    outs = tuple(array(TYPECODES[o.dtype], bytes(n)) for o, n in zip(m.outputs, entry["out_bytes"]))
    got = m.predict_into(data.x(0), outs[0] if len(outs) == 1 else outs)
    dtest.check(name + " predict_into", dtest.same(got, y0) and dtest.same(outs[0] if len(outs) == 1 else outs, y0))
    shapes = [list(i.shape) for i in m.inputs], [list(o.shape) for o in m.outputs]
    dtest.check(name + " shapes", shapes == (entry["in_shape"], entry["out_shape"]), repr(shapes))
    rows = m.profile(data.x(0))
    dtest.check(name + " ops", list(m.ops) == entry["ops"] and [r[0] for r in rows] == entry["ops"], repr(m.ops))
    dtest.check(name + " MACs", [r[1] for r in rows] == entry["macs"], repr([r[1] for r in rows]))
    stage = any(p[0] == "stage" for p in m.plans)
    dtest.check(name + " stage planned as on the host", stage == entry["stage"], repr(m.plans))
    return m.arena_size, stage


def check_patches(entry, arena, stage):
    """patches=False: no stage run band by band, an arena larger where the default plan has a stage
    (the same otherwise), the same output bytes. Run after the other checks, with only this model in
    the heap (a small heap has no room for a second arena beside the first one's leftovers)."""
    name = entry["name"]
    data = dtest.Cases(entry)
    m = tinyml.Model(entry["file"], patches=False)
    plans = m.plans
    dtest.check(name + " patches=False: no stage", all(p[0] != "stage" for p in plans), repr(plans))
    dtest.check(name + " patches=False: arena", m.arena_size > arena if stage else m.arena_size == arena,
                f"{m.arena_size} vs {arena}")
    dtest.check(name + " patches=False: output", dtest.same(m.predict(data.x(0)), data.y(0)))


def run(entry, fn, *args):
    """fn(entry, *args), or None if it raised (the model's remaining checks are not counted: N is short)."""
    try:
        return fn(entry, *args)
    except Exception as e:  # noqa: BLE001
        print("FAIL", entry["name"], "raised:")
        import sys

        sys.print_exception(e)
        dtest.check(entry["name"], False)
        return None


def main():
    for entry in dtest.manifest()["models"]:
        gc.collect()
        plan = run(entry, check_model)
        gc.collect()
        if plan is not None:
            run(entry, check_patches, *plan)
            gc.collect()
    dtest.done()


main()

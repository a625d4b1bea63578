"""tinyml API behaviour: module attributes, Model construction and attributes, every input and
output form of predict/predict_into, allocation-free predict_into, profile(), the arena= argument."""

import gc
from array import array

import dtest
import micropython
import tinyml
import tinyml.profile
from dtest import check, raises, run

man = dtest.manifest()
tgt = dtest.target()
fc = dtest.model_entry("t_fc")
two = dtest.model_entry("t_two")
fcd = dtest.Cases(fc)
twod = dtest.Cases(two)
with open("t_fc.tflite", "rb") as f:
    FC = f.read()

# ---- module ----------------------------------------------------------------
check("version", tinyml.version == man["version"], tinyml.version)
check("version is x.y.z", len(tinyml.version.split(".")) == 3)
check("backend", tinyml.backend in ("ref", "cmsis-nn", "esp-nn", "esp-nn-ansi", "esp-nn-s3"), tinyml.backend)
if "backend" in tgt:
    check("backend of this image", tinyml.backend == tgt["backend"], tinyml.backend)
else:
    dtest.skip("backend of this image", "unknown target")
ops = tinyml.supported_ops()
check("supported_ops", sorted(ops) == sorted(man["supported_ops"]), repr(ops))
check("supported_ops is a fresh list", ops is not tinyml.supported_ops())
clk = tinyml.clock()
check("clock()", isinstance(clk, tuple) and len(clk) == 2 and isinstance(clk[0], str), repr(clk))
if "clock" in tgt:
    check("clock of this image", clk[0] == tgt["clock"], repr(clk))
else:
    dtest.skip("clock of this image", "unknown target")

# ---- construction and attributes --------------------------------------------
m = tinyml.Model("t_fc.tflite")
x0, y0 = fcd.x(0), fcd.y(0)
check("inputs", len(m.inputs) == 1 and list(m.inputs[0].shape) == fc["in_shape"][0], repr(m.inputs))
i0 = m.inputs[0]
shape, dtype, scale, zp = i0  # unpacks as a tuple
check("TensorInfo fields", (shape, dtype, zp) == ((1, 16), "int8", -3) and abs(scale - 0.05) < 1e-7,
      repr((shape, dtype, scale, zp)))
check("TensorInfo indexing", i0[1] == "int8" and len(i0) == 4 and i0.size == 16)
check("outputs", len(m.outputs) == 1 and m.outputs[0].shape == (1, 8) and m.outputs[0].zero_point == 4,
      repr(m.outputs))
check("ops", m.ops == ("FULLY_CONNECTED",), repr(m.ops))
check("sizes", m.arena_size > 0 and m.persistent_size > 0 and m.weights_size == fc["weights"],
      repr((m.arena_size, m.persistent_size, m.weights_size)))
r = repr(m)
check("repr", "1 ops" in r and tinyml.backend in r and str(m.arena_size) in r, r)
for kind, src in (("bytes", FC), ("bytearray", bytearray(FC)), ("memoryview", memoryview(FC)),
                  ("memoryview slice", memoryview(b"\0" * 16 + FC)[16:])):
    run("Model(" + kind + ")", lambda s: dtest.same(tinyml.Model(s).predict(x0), y0), src)
run("Model(path, arena=None)", lambda: dtest.same(tinyml.Model("t_fc.tflite", arena=None).predict(x0), y0))

# ---- predict: input forms -------------------------------------------------
for c in range(fc["cases"]):
    check(f"predict case {c}", dtest.same(m.predict(fcd.x(c)), fcd.y(c)))
y = m.predict(x0)
check("predict returns array('b')", type(y) is array and len(y) == 8 and repr(y).startswith("array('b'"), repr(y))
check("bytearray input", dtest.same(m.predict(bytearray(x0)), y0))
check("array('b') input", dtest.same(m.predict(array("b", x0)), y0))
check("memoryview input", dtest.same(m.predict(memoryview(x0)), y0))
fx = fcd.floats[0]
check("array('f') input (quantized)", dtest.same(m.predict(fx), y0))
check("list of floats", dtest.same(m.predict(list(fx)), y0))
check("tuple of floats", dtest.same(m.predict(tuple(fx)), y0))
qs = [i0.quantize(v) for v in fx]
check("TensorInfo.quantize == the device's quantization", bytes(array("b", qs)) == bytes(x0), repr(qs))
check("quantize clamps", i0.quantize(1e9) == 127 and i0.quantize(-1e9) == -128)
check("quantize rounds half away from zero", i0.quantize(i0.scale / 2) == -2 and i0.quantize(-i0.scale / 2) == -4)
run("array('d') input", lambda: dtest.same(m.predict(array("d", fx)), y0))
yd = m.predict(x0, dequantize=True)
o0 = m.outputs[0]
want = [o0.dequantize(q) for q in array("b", y0)]
check("dequantize=True", type(yd) is array and repr(yd).startswith("array('f'")
      and all(abs(a - b) < 1e-5 for a, b in zip(yd, want)), repr(yd))
check("argmax", tinyml.argmax(yd) == tinyml.argmax(array("b", y0)) and tinyml.argmax([1, 3, 3, 2]) == 1)

# ---- predict_into --------------------------------------------------------
out = array("b", bytes(8))
check("predict_into returns out", m.predict_into(x0, out) is out and dtest.same(out, y0))
buf = bytearray(8)
m.predict_into(x0, buf)
check("predict_into bytearray", buf == bytes(y0))
outf = array("f", [0.0] * 8)
m.predict_into(x0, outf)
check("predict_into array('f') dequantizes", all(abs(a - b) < 1e-5 for a, b in zip(outf, want)), repr(outf))


def allocs(fn, arg, n=20):
    gc.collect()
    a = gc.mem_alloc()
    i = 0
    while i < n:
        fn(x0, arg)
        i += 1
    return gc.mem_alloc() - a


def predict_n(x, n):
    i = 0
    while i < n:
        m.predict(x)
        i += 1


check("predict_into allocates nothing (gc.mem_alloc)",
      allocs(m.predict_into, out) == 0 and allocs(m._m.predict_into, out) == 0 and allocs(m.predict_into, outf) == 0)
check("predict allocates (the control)", allocs(predict_n, 1) > 0)
if hasattr(micropython, "heap_lock"):
    def locked():
        micropython.heap_lock()
        try:
            m.predict_into(x0, out)
            m.predict_into(fx, outf)
        finally:
            micropython.heap_unlock()
        return dtest.same(out, y0)

    run("predict_into under micropython.heap_lock()", locked)

    def locked_fails():
        micropython.heap_lock()
        try:
            m.predict(x0)
        finally:
            micropython.heap_unlock()

    raises("predict under heap_lock raises MemoryError", MemoryError, locked_fails)
else:
    dtest.skip("predict_into under micropython.heap_lock()", "no micropython.heap_lock")
    dtest.skip("predict under heap_lock raises MemoryError", "no micropython.heap_lock")

# ---- several inputs and outputs ----------------------------------------------
t = tinyml.Model("t_two.tflite")
check("two inputs/outputs", len(t.inputs) == 2 and len(t.outputs) == 2 and t.ops == ("ADD", "MUL"))
for c in range(two["cases"]):
    check(f"two: case {c}", dtest.same(t.predict(twod.x(c)), twod.y(c)))
check("two: float inputs", dtest.same(t.predict(twod.x(0, raw=False)), twod.y(0)))
tout = (array("b", bytes(8)), bytearray(8))
check("two: predict_into", t.predict_into(twod.x(0), tout) is tout and dtest.same(tout, twod.y(0)))
check("two: predict_into list of buffers", dtest.same(tuple(t.predict_into(twod.x(1), list(tout))), twod.y(1)))
check("two: dequantize gives a tuple of array('f')",
      all(repr(a).startswith("array('f'") for a in t.predict(twod.x(0), dequantize=True)))

# ---- profile -----------------------------------------------------------------
rows = m.profile(x0)
check("profile rows", len(rows) == 1 and rows[0][0] == "FULLY_CONNECTED" and rows[0][1] == fc["macs"][0]
      and rows[0][2] >= 0, repr(rows))
check("profile then predict", dtest.same(m.predict(x0), y0))
kws = None
for e in man["models"]:
    if e["name"] == "kws_ref_model":
        kws = e
if kws is None:
    dtest.skip("profile counts", "kws_ref_model not deployed")
    dtest.skip("profile deterministic", "kws_ref_model not deployed")
else:
    km = tinyml.Model(kws["file"])
    kx = dtest.Cases(kws).x(0)
    p1, p2 = km.profile(kx), km.profile(kx)
    check("profile counts", [r[:2] for r in p1] == [(o, n) for o, n in zip(kws["ops"], kws["macs"])]
          and sum(r[2] for r in p1) > 0, repr(p1))
    if clk[0] == "systick":  # QEMU -icount: deterministic to the count (the SysTick phase at which an op ends)
        check("profile deterministic", all(abs(a[2] - b[2]) <= 1 for a, b in zip(p1, p2)), repr((p1, p2)))
    else:
        dtest.skip("profile deterministic", f"clock {clk[0]} is not deterministic")
    del km
text = tinyml.profile.table(rows)
check("profile.table", "FULLY_CONNECTED" in text and "total" in text, text)

# ---- arena= -------------------------------------------------------------
n = m.arena_size
ar = bytearray(n)
ma = tinyml.Model(FC, arena=ar)
check("user arena", ma._m.arena is ar and dtest.same(ma.predict(x0), y0))
run("larger user arena", lambda: dtest.same(tinyml.Model(FC, arena=bytearray(n + 100)).predict(x0), y0))
big = bytearray(n + 9)
run("unaligned user arena (+8 bytes)", lambda: dtest.same(tinyml.Model(FC, arena=memoryview(big)[1:]).predict(x0), y0))
run("array('b') arena", lambda: dtest.same(tinyml.Model(FC, arena=array("b", bytes(n))).predict(x0), y0))
raises("arena too small", ValueError, tinyml.Model, FC, arena=bytearray(n - 1),
       has=("arena too small", f"{n} bytes needed", f"{n - 1} given"))
raises("read-only arena", TypeError, tinyml.Model, FC, arena=bytes(n))

# ---- reset and free ----------------------------------------------------------------
run("reset", lambda: m.reset() is None and dtest.same(m.predict(x0), y0))
m.free()
check("repr after free", repr(m) == "<Model (freed)>", repr(m))
raises("predict after free", ValueError, m.predict, x0, has=("freed",))
raises("predict_into after free", ValueError, m.predict_into, x0, out, has=("freed",))
raises("profile after free", ValueError, m.profile, x0, has=("freed",))
run("free twice", m.free)
dtest.done()

"""Every error path: bad and unsupported models, wrong inputs and outputs, out of memory,
missing files, bad arguments; and the model still works after each error."""

import gc
from array import array

import dtest
import tinyml
from dtest import check, raises

man = dtest.manifest()
fc = dtest.model_entry("t_fc")
fcd = dtest.Cases(fc)
x0, y0 = fcd.x(0), fcd.y(0)

# ---- bad models: ValueError with the core's message ------------------------------
for bad in man["bad"]:
    with open(bad["file"], "rb") as f:
        data = f.read()
    raises("bad model " + bad["file"], ValueError, tinyml.Model, data, has=(bad["msg"],))
    raises("bad model by path " + bad["file"], ValueError, tinyml.Model, bad["file"], has=(bad["msg"],))
raises("unsupported operators listed", ValueError, tinyml.Model, "t_unsup.tflite",
       has=("unsupported operators", "LOCAL_RESPONSE_NORMALIZATION (operator 1)", "CUSTOM 'TinymlNoSuchOp' (operator 2)"))
raises("not a buffer", TypeError, tinyml.Model, 123)
raises("no source", TypeError, tinyml.Model)
raises("unknown keyword", TypeError, tinyml.Model, "t_fc.tflite", arenaa=None)

# ---- files ---------------------------------------------------------------------------
try:
    tinyml.Model("no_such_model.tflite")
    check("missing file: OSError", False, "no exception")
except OSError as e:
    check("missing file: OSError ENOENT", e.errno == 2, repr(e))
except Exception as e:  # noqa: BLE001
    check("missing file: OSError", False, repr(e))

# ---- out of memory: MemoryError naming the bytes needed and free -------------------
gc.collect()
free = gc.mem_free()
huge = man["huge"]
msg = raises("MemoryError for a huge arena", MemoryError, tinyml.Model, huge["file"],
             has=(f"{huge['arena']} bytes needed", "bytes free"))
if msg:
    try:
        said = int(msg.split(", ")[-1].split(" ")[0])
    except ValueError:
        said = -1
    check("MemoryError names the free heap", abs(said - free) < free // 4 + 4096, f"{msg!r}, gc.mem_free() {free}")
else:
    check("MemoryError names the free heap", False, "no message")

# ---- inputs: size and type, naming expected and given ------------------------------
m = tinyml.Model("t_fc.tflite")
raises("input too short", ValueError, m.predict, x0[:15], has=("input 0", "expected 16 bytes", "got 15"))
raises("input too long", ValueError, m.predict, x0 + b"\0", has=("expected 16 bytes", "got 17"))
raises("empty input", ValueError, m.predict, b"", has=("expected 16 bytes", "got 0"))
raises("list too short", ValueError, m.predict, [0.0] * 15, has=("expected 16 values", "got 15"))
raises("array('f') too long", ValueError, m.predict, array("f", [0.0] * 17), has=("expected 16 values", "got 17"))
raises("array('h') for int8", ValueError, m.predict, array("h", [0] * 8), has=("int8", "array('h')"))
raises("array('i') for int8", ValueError, m.predict, array("i", [0] * 4), has=("int8", "array('i')"))
raises("int input", TypeError, m.predict, 5, has=("input 0: expected int8 data", "got int"))
raises("None input", TypeError, m.predict, None, has=("got NoneType",))
raises("list of strings", TypeError, m.predict, ["a"] * 16)
raises("tuple input to a one-input model", ValueError, m.predict, (x0, x0), has=("expected 16 values", "got 2"))
raises("unknown keyword", TypeError, m.predict, x0, dequantise=True)

# ---- outputs of predict_into ---------------------------------------------------------
raises("predict_into: output too small", ValueError, m.predict_into, x0, bytearray(7),
       has=("output 0", "expected 8 bytes", "got 7"))
raises("predict_into: array('f') too long", ValueError, m.predict_into, x0, array("f", [0.0] * 9),
       has=("expected 8 values", "got 9"))
raises("predict_into: array('h') output", ValueError, m.predict_into, x0, array("h", [0] * 4),
       has=("int8", "array('h')"))
raises("predict_into: read-only output", TypeError, m.predict_into, x0, bytes(8), has=("writable", "got bytes"))
raises("predict_into: not a buffer", TypeError, m.predict_into, x0, None, has=("output 0", "got NoneType"))

# ---- several inputs / outputs --------------------------------------------------------
t = tinyml.Model("t_two.tflite")
two = dtest.Cases(dtest.model_entry("t_two"))
a, b = two.x(0)
raises("two inputs: one given", TypeError, t.predict, a, has=("2 inputs",))
raises("two inputs: tuple of 1", ValueError, t.predict, (a,), has=("expected 2 inputs", "got 1"))
raises("two inputs: tuple of 3", ValueError, t.predict, (a, b, b), has=("expected 2 inputs", "got 3"))
raises("two inputs: second too long", ValueError, t.predict, (a, b + b"\0"), has=("input 1", "expected 8 bytes", "got 9"))
raises("two outputs: one buffer", TypeError, t.predict_into, (a, b), bytearray(8), has=("2 outputs",))
raises("two outputs: 3 buffers", ValueError, t.predict_into, (a, b), (bytearray(8),) * 3,
       has=("expected 2 output buffers", "got 3"))
raises("two outputs: second too small", ValueError, t.predict_into, (a, b), (bytearray(8), bytearray(4)),
       has=("output 1", "expected 8 bytes", "got 4"))

# ---- arena ---------------------------------------------------------------------------
n = m.arena_size
raises("arena too small", ValueError, tinyml.Model, "t_fc.tflite", arena=bytearray(1),
       has=(f"{n} bytes needed", "1 given"))
raises("arena not a buffer", TypeError, tinyml.Model, "t_fc.tflite", arena=12)

# ---- after all these errors the models still work ----------------------------------
check("model works after errors", dtest.same(m.predict(x0), y0))
check("two-input model works after errors", dtest.same(t.predict(two.x(1)), two.y(1)))
m.free()
raises("freed model", ValueError, m.predict, x0, has=("freed",))
dtest.done()

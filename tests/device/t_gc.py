"""GC safety: a model keeps its source buffer alive; outlives the scope that made it;
deleting or freeing a model returns its memory; models loaded together do not interfere."""

import gc

import dtest
import tinyml
from dtest import check

man = dtest.manifest()
fc = dtest.model_entry("t_fc")
fcd = dtest.Cases(fc)
x0, y0 = fcd.x(0), fcd.y(0)
with open("t_fc.tflite", "rb") as f:
    FC = f.read()


def churn(rounds=40):
    """Collect, then reuse the freed memory for garbage (overwrites anything freed by mistake)."""
    for _ in range(3):
        gc.collect()
    junk = []
    for i in range(rounds):
        junk.append(bytearray(b"\xa5" * (64 + 97 * i)))
        junk.append([i] * 50)
    gc.collect()
    return len(junk)


def all_cases(m, cases):
    ok = True
    for c in range(len(cases.cases)):
        ok = ok and dtest.same(m.predict(cases.x(c)), cases.y(c))
    return ok


def make_from_local():
    src = bytearray(FC)  # the only reference: the model must keep it alive
    return tinyml.Model(src)


m = make_from_local()
churn()
check("model outlives its source's scope", all_cases(m, fcd))
src = bytearray(FC)
m2 = tinyml.Model(memoryview(src)[:])
del src
churn()
check("source kept alive across gc.collect() (memoryview of a dropped bytearray)", all_cases(m2, fcd))
m3 = tinyml.Model("t_fc.tflite")  # the file's bytes are read into a buffer only the model holds
churn()
check("model from a path after gc.collect()", all_cases(m3, fcd))
arena_only = tinyml.Model(FC, arena=bytearray(m.arena_size))
churn()
check("user arena kept alive", all_cases(arena_only, fcd))
del m, m2, m3, arena_only


# ---- memory comes back -----------------------------------------------------------
def mem_free():
    for _ in range(3):
        gc.collect()
    return gc.mem_free()


def release(holder, how):
    if how == "free":
        holder[0].free()
    holder.pop()


def load_cost(name, how):
    """Bytes a loaded model holds, and bytes still missing after releasing it by `how`. The model is
    only referenced from a list and released in another function: no stale pointer to it is left in
    this frame for the conservative GC to find."""
    f0 = mem_free()
    holder = [tinyml.Model(name)]
    used = f0 - mem_free()
    release(holder, how)
    return used, f0 - mem_free()


big = None
for e in man["models"]:
    if not e["name"].startswith("t_") and (big is None or e["size"] < big["size"]):
        big = e  # the smallest shared model that is deployed (or the synthetic one)
entry = big or fc
used, left = load_cost(entry["file"], "del")
check("a loaded model holds its file, arena and metadata", used >= entry["size"], f"{used} bytes")
check("del model; gc.collect() returns its memory", left <= 64, f"{left} of {used} bytes not returned")
used, left = load_cost(entry["file"], "free")
check("model.free() returns its memory", left <= 64, f"{left} of {used} bytes not returned")
f0 = mem_free()
for _ in range(15):
    tinyml.Model(FC).predict(x0)
check("15 loads without free: no leak after gc.collect()", f0 - mem_free() <= 64, f"{f0 - mem_free()} bytes")

# ---- two models at once ---------------------------------------------------------------
others = [e for e in man["models"] if e["name"] != "t_fc" and e["size"] < 120000]
other = others[0] if others else dtest.model_entry("t_two")
od = dtest.Cases(other)
ma = tinyml.Model("t_fc.tflite")
mb = tinyml.Model(other["file"])
mc = tinyml.Model(FC)
ok = True
for c in (0, 1, 2, 1, 0):
    ok = ok and dtest.same(ma.predict(fcd.x(c)), fcd.y(c))
    ok = ok and dtest.same(mb.predict(od.x(c)), od.y(c))
    ok = ok and dtest.same(mc.predict(fcd.x(2 - c)), fcd.y(2 - c))
check(f"three models interleaved ({other['name']} and two t_fc)", ok)
ma.free()
check("freeing one model leaves the others working", all_cases(mb, od) and all_cases(mc, fcd))
del mb
churn()
check("collecting one model leaves the others working", all_cases(mc, fcd))
dtest.done()

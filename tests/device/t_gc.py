"""GC safety: a model keeps its source buffer alive; outlives the scope that made it;
deleting or freeing a model returns its memory; models loaded together do not interfere;
a freed model, or one whose source or arena bytearray was resized, raises a clear ValueError."""

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
# churn()'s rounds: 40 (~90 KB of garbage), fewer on a small GC heap (target.json "heap_bytes": ~20 KB on 90 KB)
CHURN_ROUNDS = min(40, dtest.target().get("heap_bytes", 1 << 30) // 5000)


def churn(rounds=CHURN_ROUNDS):
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
    holder[0] = None


def load(holder, name):
    holder[0] = tinyml.Model(name)


def load_cost(name, how):
    """Bytes a loaded model holds, and bytes still missing after releasing it by `how`. The model is
    only referenced from a one-slot list, made before the first measurement (so that the list itself is
    never counted) and filled and emptied in other functions: no stale pointer to the model is left in
    this frame for the conservative GC to find (on the stm32 port the frame that called tinyml.Model()
    keeps one until its next call)."""
    holder = [None]
    f0 = mem_free()
    load(holder, name)
    used = f0 - mem_free()
    release(holder, how)
    return used, f0 - mem_free()


def leaks(measure, rounds=4):
    """Bytes missing after each of `rounds` measure() calls (measure() -> (..., bytes missing)), in
    two tries. A leak misses bytes in every round; the conservative GC can keep a small object
    alive now and then through a stale word an interrupt left on the C stack (seen once on the stm32
    port in QEMU: 96 bytes), which does not repeat. Returns (rounds that missed bytes, in the try
    with the most, and what each round of that try missed): any growth that repeats, in either try,
    is a leak."""
    worst = None
    for _ in range(2):
        missed = [0] * rounds  # filled in place: a list growing between the measurements would count itself
        for i in range(rounds):
            missed[i] = measure()[-1]
        grown = sum(1 for n in missed if n > 0)
        if worst is None or grown > worst[0]:
            worst = (grown, missed)
    return worst


def no_leak(measure):
    grown, missed = leaks(measure)
    return grown <= 1, f"bytes missing per round: {missed}"


big = None
for e in man["models"]:
    if not e["name"].startswith("t_") and (big is None or e["size"] < big["size"]):
        big = e  # the smallest shared model that is deployed (or the synthetic one)
entry = big or fc
used, _ = load_cost(entry["file"], "del")
check("a loaded model holds its file, arena and metadata", used >= entry["size"], f"{used} bytes")
ok, detail = no_leak(lambda: load_cost(entry["file"], "del"))
check("del model; gc.collect() returns its memory, every time", ok, detail)
ok, detail = no_leak(lambda: load_cost(entry["file"], "free"))
check("model.free() returns its memory, every time", ok, detail)


def loads_missing(n=15):
    f0 = mem_free()
    for _ in range(n):
        tinyml.Model(FC).predict(x0)
    return (f0 - mem_free(),)


ok, detail = no_leak(loads_missing)
check("15 loads without free: no leak after gc.collect(), every time", ok, detail)

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
del mc

# ---- sources of every kind, only the model holding them -----------------------------------
def from_bytes():
    return tinyml.Model(bytes(bytearray(FC)))  # a new bytes object


def from_slice(pad, kind):
    """The model in the middle of a larger buffer (at an odd offset for pad=3), through a memoryview
    slice; the buffer itself is dropped here."""
    big = bytearray(pad) + FC + bytearray(5)
    if kind is bytes:
        big = bytes(big)
    return tinyml.Model(memoryview(big)[pad:pad + len(FC)])


ms = [from_bytes(), from_slice(3, bytearray), from_slice(8, bytes)]
churn()
check("bytes source and memoryview slices (odd offset) of dropped buffers outlive their scope",
      all(all_cases(m, fcd) for m in ms))
del ms


# ---- freed: every use raises ValueError("the model was freed") ------------------------------
def freed_message(fn, exc=ValueError):
    """The message of the `exc` fn() raises, or what else happened."""
    try:
        fn()
    except exc as e:
        return e.args[0] if e.args else ""
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {e}"
    return "no exception"


def after_free():
    m = tinyml.Model(FC)
    m.free()
    m.free()  # a second free() does nothing
    calls = [freed_message(f) for f in (lambda: m.predict(x0), lambda: m.predict_into(x0, bytearray(8)),
                                        lambda: m.profile(x0), m.reset)]
    sizes = [freed_message(f, AttributeError) for f in (lambda: m.arena_size, lambda: m.ops, lambda: m.persistent_size)]
    return calls, sizes, len(dir(m._m)) > 0


calls, sizes, listed = after_free()
check("after free(): predict, predict_into, profile and reset raise ValueError('the model was freed')",
      all(g == "the model was freed" for g in calls), repr(calls))
check("after free(): the sizes raise AttributeError('the model was freed'), dir() still works",
      all(g == "the model was freed" for g in sizes) and listed, repr(sizes))


# ---- a source or arena bytearray resized after loading ------------------------------------
RESIZED = "the model's {} buffer was resized after loading: load the model again"


def address(buf):
    try:
        import uctypes
    except ImportError:
        return None
    return uctypes.addressof(buf)


def resized(which, how, pad=0):
    """Load from a bytearray (or with a bytearray arena), `pad` bytes longer than needed, then change its
    length: grow it with its next block taken (so that it moves), grow it by one byte (which stays in
    place where the buffer's last heap block has room: the bytes the model uses are all still there), or
    cut it. predict raises the ValueError every time: the length no longer says what was loaded.
    Returns (ok, message, whether it stayed in place: None without uctypes)."""
    buf = bytearray(FC) + bytearray(pad) if which == "source" else bytearray(m_arena + pad)
    pin = bytearray(16) if how == "moved" else None  # the block after buf is taken: growing moves it
    m = tinyml.Model(buf) if which == "source" else tinyml.Model(FC, arena=buf)
    at = address(buf)
    if how == "moved":
        buf.extend(bytearray(4096))
    elif how == "grown in place":
        buf.extend(b"\x00")
    else:
        buf[len(buf) - 1:] = b""
    stayed = None if at is None else address(buf) == at
    churn()
    msg = freed_message(lambda: m.predict(x0))
    del pin
    return msg == RESIZED.format(which), msg, stayed


def grown_in_place(which):
    """resized(which, "grown in place") with paddings 0, 1, ... until the buffer stays where it was (its last
    heap block has room for the byte): every try must raise the ValueError."""
    for pad in range(64):
        ok, msg, stayed = resized(which, "grown in place", pad)
        if not ok or stayed is not False:
            return ok, msg, stayed
    return False, msg, stayed


m_arena = tinyml.Model(FC).arena_size
for which in ("source", "arena"):
    for how in ("moved", "grown in place", "cut"):
        ok, msg, stayed = grown_in_place(which) if how == "grown in place" else resized(which, how)
        if how == "grown in place":  # where uctypes says where the buffer is: it did stay
            ok = ok and stayed is not False
        check(f"{which} bytearray {how} after loading: ValueError", ok, f"{msg!r}, stayed in place: {stayed}")
dtest.done()

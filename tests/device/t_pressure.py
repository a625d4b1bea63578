"""Memory pressure: every model loaded while the heap is nearly exhausted.

The heap is filled except for one contiguous hole of a chosen size (squeeze()); each model is
loaded from a buffer (its file's bytes are not part of what it needs) into that hole:
- a hole just below what the binding's load holds (metadata, arena, its model object): MemoryError
  in the binding's words,
  "<what> (N bytes needed, F bytes free in the heap)", F being the heap when the allocation failed;
- then, the filler dropped, gc.mem_free() is back (within a few hundred bytes) and the same model
  loads and predicts correctly;
- holes around what a loaded model holds (a bisection for the smallest that works, 16-byte steps,
  between 256 bytes less, refused, and 256 bytes more, which must work): each load either raises
  MemoryError or gives a model whose predict_into() works and is right (all is allocated at load).
"""

import gc
import sys

import _tinyml
import dtest
import tinyml
from dtest import check

SLACK = 512  # bytes: "back to before" tolerance (the conservative GC may keep a stale object alive)
WORD = 8 if getattr(sys, "maxsize", 0) > 1 << 32 else 4  # only a first guess of the tuple size


def mem_free():
    for _ in range(2):
        gc.collect()
    return gc.mem_free()


# ---- filling the heap ----------------------------------------------------------------
def _reserve(n):
    return [bytearray(n)]  # made in a frame that returns: no stale pointer to it is left behind


def _fill_big(hold):
    """Tuples of halving sizes (one allocation each: a failed one leaves no object behind)."""
    i, n = 0, gc.mem_free() // WORD
    while n and i < len(hold) - 1:
        try:
            hold[i] = (None,) * n
            i += 1
        except MemoryError:
            n //= 2


def _fill_crumbs(crumbs):
    """Single GC blocks: boxed floats (on ports where floats live on the heap)."""
    for j in range(len(crumbs)):
        try:
            crumbs[j] = j + 0.5
        except MemoryError:
            return


def _no_gc(fn, arg):
    """fn(arg) with automatic collection off: an allocation that fails fails at once."""
    gc.disable()
    try:
        fn(arg)
    finally:
        gc.enable()


def squeeze(hole):
    """Fill the heap except one contiguous hole of `hole` bytes: returns the filler, to drop."""
    gc.collect()
    gap = _reserve(max(hole, 1))
    hold = [None] * 64
    hold[-1] = [None] * 256
    _no_gc(_fill_big, hold)
    gc.collect()  # what the failed allocations left (their exceptions)
    _no_gc(_fill_crumbs, hold[-1])
    gap[0] = None
    gc.collect()
    return hold


# ---- loading in the hole -------------------------------------------------------------
def try_load(data, slot):
    """slot[0] = the model, or slot[1] = the MemoryError's message (slot is made beforehand: nothing
    here allocates but the load)."""
    slot[0] = slot[1] = None
    try:
        slot[0] = tinyml.Model(data)
    except MemoryError as e:
        slot[1] = e.args[0] if e.args else ""


def equal(out, want):
    """Outputs equal, without allocating (bytearray == bytes compares the buffers)."""
    if isinstance(want, tuple):
        for i in range(len(want)):
            if out[i] != want[i]:
                return False
        return True
    return out == want


def parse(msg):
    """(what, needed, free) from "<what> (N bytes needed, F bytes free in the heap)", or None."""
    head, sep, tail = msg.rpartition(" (")
    parts = tail.split(" bytes needed, ")
    if not sep or len(parts) != 2 or not parts[1].endswith(" bytes free in the heap)"):
        return None
    try:
        return head, int(parts[0]), int(parts[1].split(" ")[0])
    except ValueError:
        return None


def binding_words(what, needed, arena):
    """One of the two messages the binding gives for a load that does not fit."""
    if what == "cannot allocate the tensor arena":
        return needed == max(arena, 8)
    return what == f"out of memory: {needed} bytes of model metadata could not be allocated"


def measure(data):
    """What a full load holds (gc.mem_free() difference) and its metadata and arena sizes."""
    f0 = mem_free()
    holder = [tinyml.Model(data)]
    used = f0 - mem_free()
    m = holder[0]
    info = {"used": used, "persistent": m.persistent_size, "arena": m.arena_size}
    m.free()
    holder.pop()
    return info


def measure_binding(data):
    """What the binding's load alone holds (_tinyml.Model: its object, metadata, arena and the arena's
    bytearray, the last allocated), without tinyml.Model's Python objects around it."""
    f0 = mem_free()
    holder = [_tinyml.Model(data)]
    used = f0 - mem_free()
    holder[0].free()
    holder.pop()
    return used


def exhausted(data, hole, res):
    """Load into a hole of `hole` bytes; res = [free before, in the hole, after the failure, after
    dropping the filler, message or None]."""
    slot = [None, None]
    res[0] = mem_free()
    hold = squeeze(hole)
    res[1] = gc.mem_free()
    try_load(data, slot)
    res[2] = gc.mem_free()
    hold = None  # noqa: F841 - released here
    if slot[0] is not None:
        slot[0].free()
    slot[0] = None
    res[3] = mem_free()
    res[4] = slot[1] if slot[0] is None else None


def trial(data, hole, x, out, want):
    """Load into a hole of `hole` bytes: 'refused', 'ok' (loaded, predict_into right), or what went wrong."""
    slot = [None, None]
    hold = squeeze(hole)
    try_load(data, slot)
    m = slot[0]
    if m is None:
        return "refused" if slot[1] is not None else "MemoryError without a message"
    try:
        m.predict_into(x, out)
        res = "ok" if equal(out, want) else "wrong output"
    except MemoryError:
        res = "MemoryError at predict_into"
    m.free()
    hold = None  # noqa: F841
    return res


def boundary(data, info, x, out, want, bad):
    """The smallest hole (16-byte steps) a load fits in, by bisection between a hole 256 bytes smaller
    than what a loaded model holds (refused) and one 256 bytes larger (loads: loading takes no more at
    its peak than it keeps): (largest refused, smallest loaded)."""
    lo, hi = info["used"] - 256, info["used"] + 256
    for hole, want_r in ((lo, "refused"), (hi, "ok")):
        r = trial(data, hole, x, out, want)
        if r != want_r:
            bad.append(f"hole {hole}: {r}, expected {want_r}")
            return None
    while hi - lo > 16:
        mid = (lo + hi) // 32 * 16
        r = trial(data, mid, x, out, want)
        if r == "ok":
            hi = mid
        elif r == "refused":
            lo = mid
        else:
            bad.append(f"hole {mid}: {r}")
            return None
    return lo, hi


man = dtest.manifest()
entries = [e for e in man["models"] if e["name"] == "t_fc" or not e["name"].startswith("t_")]
bad_msg, not_back, not_usable, bad_margin = [], [], [], []
res = [0, 0, 0, 0, None]
bounded = []  # the models whose smallest hole was found
for entry in entries:
    name = entry["name"]
    with open(entry["file"], "rb") as f:
        data = f.read()
    cases = dtest.Cases(entry)
    x, want = cases.x(0), cases.y(0)
    out = bytearray(entry["out_bytes"][0]) if len(entry["out_bytes"]) == 1 else \
        tuple(bytearray(n) for n in entry["out_bytes"])
    info = measure(data)
    need = info["persistent"] + info["arena"]
    # a hole 128 bytes short of what the binding's load holds: metadata, arena and its own object
    # (allocated in the same heap first; on a 64-bit port as large as a small model's metadata). Not
    # 16: the heap's crumbs may take the small objects (tinyml.Model's instance, the arena's
    # bytearray), so that the load would fit and only the Python objects after it would not
    exhausted(data, measure_binding(data) - 128, res)
    before, low, after_fail, back, msg = res
    p = parse(msg) if msg is not None else None
    # F: the heap when the allocation failed, less than the model needs
    if p is None or not binding_words(p[0], p[1], info["arena"]) or not 0 <= p[2] < need \
            or p[2] > after_fail + SLACK:
        bad_msg.append(f"{name}: {msg!r} with {low} bytes free (needs {info})")
    if abs(before - back) > SLACK:
        not_back.append(f"{name}: {before} -> {back}")
    m = tinyml.Model(data)
    if not dtest.same(m.predict(x), want):
        not_usable.append(name)
    m.free()
    m = None
    bad = []
    b = boundary(data, info, x, out, want, bad)
    bad_margin.extend(f"{name}: {s}" for s in bad)
    if b is not None:
        bounded.append(name)
    print(f"{name}: metadata {info['persistent']} + arena {info['arena']} bytes, {info['used']} held when loaded; "
          f"{low} free: {msg}; gc.mem_free() {before} -> {back}; loads in a hole of {b and b[1]} bytes, "
          f"not {b and b[0]}")

check("near-exhausted heap: MemoryError in the binding's words", not bad_msg, "; ".join(bad_msg))
check("after the MemoryError and dropping the filler, gc.mem_free() is back", not not_back, "; ".join(not_back))
check("then the same model loads and predicts correctly", not not_usable, ", ".join(not_usable))
check("tight heap: each load raises MemoryError or gives a model whose predict_into works",
      not bad_margin, "; ".join(bad_margin))
want_models = ["t_fc"] + [e["name"] for e in man["models"] if not e["name"].startswith("t_")]
check("tight heap: the smallest hole was found for t_fc and every deployed shared model",
      bounded == want_models, f"found for {bounded}, deployed {want_models}")
dtest.done()

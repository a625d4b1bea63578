"""Soak: 10,000 predict_into() calls (target.json's "soak_calls" where the runner says fewer: a slow
emulator; a multiple of 100), gc.collect() every 100, the three cases in turn.

The model: manifest["soak"] (the gesture example: eight different operators, ~140 us per call on
the Cortex-M7 board), else the first of PREFERRED the manifest has.

gc.mem_free() at the start and at ten checkpoints (every 1,000 calls of 10,000; at most one per 100
calls) after gc.collect() does not drift; every output equals the first one of its case byte for byte
(and that one the reference); blocks of 100 calls run under micropython.heap_lock() where the port has
it (predict_into allocates nothing), with garbage made and collected between them.
"""

import gc
import time
from array import array

import dtest
import tinyml
from dtest import check

CALLS = dtest.target().get("soak_calls", 10000)
COLLECT_EVERY = 100
CHECKPOINT_EVERY = max(COLLECT_EVERY, CALLS // 10)
DRIFT = 32  # bytes: largest difference allowed between checkpoints (two GC blocks on 32-bit ports)
PREFERRED = ("micro_speech_quantized", "hello_world_int8", "t_fc")

try:
    import micropython

    lock, unlock = micropython.heap_lock, micropython.heap_unlock
except (ImportError, AttributeError):
    lock = unlock = None

man = dtest.manifest()
names = [e["name"] for e in man["models"]]
entry = man.get("soak") or dtest.model_entry(next(n for n in PREFERRED if n in names))
cases = dtest.Cases(entry)
xs = [cases.x(c) for c in range(len(cases.cases))]
m = tinyml.Model(entry["file"])
out = bytearray(entry["out_bytes"][0])
first = []
for c in range(len(xs)):
    m.predict_into(xs[c], out)
    first.append(bytes(out))
check(f"{entry['name']}: first outputs equal the reference", all(first[c] == cases.y(c) for c in range(len(xs))))

free = array("i", [0] * (CALLS // CHECKPOINT_EVERY + 1))
n_cases = len(xs)


def block(start, count):
    """count calls from call number `start`: how many outputs differed from their case's first."""
    bad = 0
    i = start
    end = start + count
    while i < end:
        c = i % n_cases
        m.predict_into(xs[c], out)
        if out != first[c]:
            bad += 1
        i += 1
    return bad


# The baseline is taken as every checkpoint is, after garbage and a collection (a collection alone can
# keep a few blocks alive through a stale stack or register word: 64 bytes on the rp2 port), with every
# global the loop sets already there (a new one can grow the module's dict: 128 bytes on unix).
bad = errors = done = t0 = 0
junk = [b"\xa5" * (64 + 48 * k) for k in range(8)]
junk = None
gc.collect()
free[0] = gc.mem_free()
t0 = time.ticks_ms()
while done < CALLS:
    if lock:
        lock()
    try:
        bad += block(done, COLLECT_EVERY)
    except Exception as e:  # noqa: BLE001 - counted, reported below
        errors += 1
        if unlock:
            unlock()
        print("soak: call", done, "raised", repr(e))
        break
    if unlock:
        unlock()
    done += COLLECT_EVERY
    junk = [b"\xa5" * (64 + 48 * k) for k in range(8)]  # garbage over whatever a lost reference freed
    junk = None
    gc.collect()
    if done % CHECKPOINT_EVERY == 0:
        free[done // CHECKPOINT_EVERY] = gc.mem_free()
ms = time.ticks_diff(time.ticks_ms(), t0)
drift = max(free) - min(free)
print(f"soak: {entry['name']}, {done} predict_into calls in {ms} ms; gc.mem_free() at checkpoints "
      f"{min(free)}..{max(free)} (drift {drift} bytes)")
check(f"{CALLS} predict_into calls{' under heap_lock' if lock else ''} without an exception",
      done == CALLS and not errors, f"{done} calls, {errors} errors")
check("every output byte-equal to the first of its case", bad == 0, f"{bad} differed")
check(f"gc.mem_free() does not drift (at most {DRIFT} bytes)", drift <= DRIFT, list(free))
m.free()
dtest.done()

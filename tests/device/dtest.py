"""Helpers of the on-device test scripts (tests/device/t_*.py); copied next to their data.

Each script ends with dtest.done(), which prints the line the runner reads:
    N passed, M failed, K skipped
"""

import json
import sys

passed = 0
failed = 0
skipped = 0


def check(name, cond, detail=""):
    """Count one check; print it when it fails."""
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL", name, detail)
    return cond


def skip(name, why):
    global skipped
    skipped += 1
    print("SKIP", name, why)


def run(name, fn, *args):
    """Call fn(*args) as one check: it fails if it raises or returns False."""
    try:
        ok = fn(*args)
    except Exception as e:  # noqa: BLE001 - any exception is this check's failure
        print("FAIL", name, "raised:")
        sys.print_exception(e)
        ok = False
    return check(name, ok is not False)


def raises(name, exc, fn, *args, has=(), **kw):
    """Check that fn(*args, **kw) raises exc with every string of `has` in its message; returns the message."""
    try:
        fn(*args, **kw)
    except exc as e:
        msg = str(e.args[0]) if e.args else ""
        missing = [s for s in has if s not in msg]
        check(name, not missing, f"message {msg!r} lacks {missing!r}")
        return msg
    except Exception as e:  # noqa: BLE001
        check(name, False, f"raised {type(e).__name__}: {e}, expected {exc.__name__}")
        return None
    check(name, False, f"did not raise {exc.__name__}")
    return None


def manifest():
    with open("manifest.json") as f:
        return json.load(f)


def model_entry(name):
    for m in manifest()["models"]:
        if m["name"] == name:
            return m
    raise KeyError(name)


def target():
    """What the runner says about this target: {"backend": ..., "clock": ...} (empty if unknown)."""
    try:
        with open("target.json") as f:
            return json.load(f)
    except OSError:
        return {}


def split_cases(entry, data):
    """[(inputs, outputs), ...] sliced from a model's .io data (bytes, or a memoryview: no copy)."""
    step = sum(entry["in_bytes"]) + sum(entry["out_bytes"])
    cases = []
    for c in range(entry["cases"]):
        pos = c * step
        ins, outs = [], []
        for n in entry["in_bytes"]:
            ins.append(data[pos:pos + n])
            pos += n
        for n in entry["out_bytes"]:
            outs.append(data[pos:pos + n])
            pos += n
        cases.append((ins, outs))
    return cases


class Cases:
    """A model's .io file: cases[i] -> (inputs, outputs) as bytes; floats: case 0's inputs as array('f')."""

    def __init__(self, entry):
        from array import array

        self.entry = entry
        with open(entry["name"] + ".io", "rb") as f:
            data = f.read()
        self.cases = split_cases(entry, data)
        pos = entry["cases"] * (sum(entry["in_bytes"]) + sum(entry["out_bytes"]))
        self.floats = []
        for n in entry["in_count"]:
            self.floats.append(array("f", data[pos:pos + 4 * n]))  # raw little-endian float32
            pos += 4 * n

    def x(self, case, raw=True):
        """Case inputs as predict() takes them: one buffer, or a tuple for several inputs."""
        ins = self.cases[case][0] if raw else self.floats
        return ins[0] if len(ins) == 1 else tuple(ins)

    def y(self, case):
        outs = self.cases[case][1]
        return outs[0] if len(outs) == 1 else tuple(outs)


def same(got, want):
    """Outputs equal byte for byte (arrays vs bytes; tuples element-wise)."""
    if isinstance(want, tuple):
        return isinstance(got, tuple) and len(got) == len(want) and all(same(g, w) for g, w in zip(got, want))
    return bytes(got) == bytes(want)


def done():
    print(f"{passed} passed, {failed} failed, {skipped} skipped")

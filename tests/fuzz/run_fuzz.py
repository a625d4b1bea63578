"""Run the libFuzzer targets with seeds and report executions, coverage and crashes.

    python tests/fuzz/run_fuzz.py --seconds 60 --build build/fuzz

Seeds: the models in ../shared/models and the TFLM repository's models there
(tflm/, those up to SEED_MAX_BYTES), the per-op models of every conformance
grid (tests/host/seeds.py), and every regression file in tests/fuzz/regressions;
fuzz_bundle (the signed-bundle verifier of over-the-air updates) starts from
bundles of the smallest of those models, signed here.
A crash is copied to tests/fuzz/regressions/ (commit it with the fix) and the
run fails.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "models"
REGRESSIONS = Path(__file__).resolve().parent / "regressions"
SEED_MAX_BYTES = 128 * 1024  # larger models slow every execution down (fuzz_input runs them)


def synthesized_seeds(out: Path) -> list[Path]:
    """Small per-op models from the conformance generator (tests/host/seeds.py, which needs the
    host test requirements: numpy, tflite, flatbuffers). A fuzz run without them would miss every
    operator the shared models lack, so their absence is an error, not a quieter run."""
    sys.path.insert(0, str(ROOT / "tests" / "host"))
    sys.path.insert(0, str(ROOT / "host_tools"))
    try:
        import seeds  # tests/host/seeds.py: seed_models() -> dict[name, bytes]
    except ImportError as e:
        raise SystemExit(f"fuzz: cannot make the synthesized seeds (tests/host/seeds.py): {e}: "
                         "pip install -r requirements-dev.txt") from e
    paths = []
    for name, data in seeds.seed_models().items():
        p = out / f"{name}.tflite"
        p.write_bytes(data)
        paths.append(p)
    return paths


def bundle_seeds(out: Path, models: list[Path]) -> list[Path]:
    """fuzz_bundle seeds: a mode byte (how the harness streams the bytes, whether it re-signs them with its
    test key) then a signed bundle of a small model with a self-test of random bytes."""
    sys.path.insert(0, str(ROOT / "host_tools"))
    try:
        from tinyml_tools import bundle
        key = bundle.generate_key()
    except (ImportError, RuntimeError):
        print("fuzz: the 'cryptography' package is missing: fuzz_bundle starts from no bundle")
        return []
    paths = []
    for k, model in enumerate(sorted(models, key=lambda p: p.stat().st_size)[:6]):
        data = model.read_bytes()
        tests = [(bytes([k]) * 8, bytes([k + 1]) * 4)] * (k % 3)
        signed = bundle.build(data, f"seed-{k}", k + 1, tests, key)
        for mode in (0x03, 0x07, 0x00, 0xFF):
            p = out / f"bundle-{k}-{mode:02x}.bin"
            p.write_bytes(bytes([mode]) + signed)
            paths.append(p)
    return paths


def meta_seeds(out: Path, models: list[Path]) -> list[Path]:
    """fuzz_meta seeds: the model's index in FUZZ_MODELS (2 bytes), a mode byte, then each model's flash
    metadata blob as the host library (the ref backend, as the fuzz build) writes it (mode 0: as is, 7:
    fields repaired), and mode 8 inputs (the harness's own blob, one byte changed or, mask 0, none)."""
    sys.path.insert(0, str(ROOT / "host_tools"))
    from tinyml_tools import core
    paths = []
    for k, model in enumerate(models):
        try:
            blob = core.flash_meta_blob(model.read_bytes())
        except core.CoreError:
            continue
        for mode, body in ((0, blob), (7, blob), (8, bytes([k % 251, 0, 0, 0, 0])), (8, bytes([k % 251, 1, 0, 0x40, 0]))):
            p = out / f"meta-{k}-{mode}-{len(paths)}.bin"
            p.write_bytes(bytes([k & 0xFF, k >> 8, mode]) + body)
            paths.append(p)
    return paths


def run_target(binary: Path, corpus: Path, seeds: list[Path], seconds: int, env: dict) -> dict:
    crash_dir = corpus.parent / f"crashes-{binary.name}"
    crash_dir.mkdir(parents=True, exist_ok=True)
    cmd = [str(binary), str(corpus), f"-max_total_time={seconds}", "-max_len=200000", "-timeout=30",
           "-rss_limit_mb=4096", "-print_final_stats=1", f"-artifact_prefix={crash_dir}/"]
    for s in seeds:
        shutil.copy(s, corpus / s.name)
    r = subprocess.run(cmd, capture_output=True, check=False, text=True, env=env)
    log = r.stderr
    stats = {"target": binary.name, "seconds": seconds, "returncode": r.returncode}
    m = re.search(r"stat::number_of_executed_units:\s+(\d+)", log)
    stats["execs"] = int(m.group(1)) if m else 0
    cov = re.findall(r"cov: (\d+) ft: (\d+)", log)
    stats["cov"], stats["ft"] = (int(cov[-1][0]), int(cov[-1][1])) if cov else (0, 0)
    stats["corpus"] = len(list(corpus.iterdir()))
    crashes = [p for p in crash_dir.iterdir() if p.name.startswith(("crash-", "leak-", "timeout-", "oom-"))]
    stats["crashes"] = len(crashes)
    for c in crashes:
        shutil.copy(c, REGRESSIONS / f"{binary.name}-{c.name}")
    if r.returncode and not crashes:
        stats["error"] = log[-3000:]
    elif crashes:
        stats["error"] = log[-6000:]
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--build", type=Path, default=ROOT / "build" / "fuzz")
    args = ap.parse_args(argv)
    work = args.build / "run"
    shutil.rmtree(work, ignore_errors=True)
    (work / "seeds").mkdir(parents=True)
    REGRESSIONS.mkdir(exist_ok=True)
    shared = sorted(SHARED.glob("*.tflite")) if SHARED.is_dir() else []
    shared += [p for p in sorted(SHARED.glob("tflm/*.tflite")) if p.stat().st_size <= SEED_MAX_BYTES]
    if not shared:
        print(f"fuzz: {SHARED} not found: seeding with synthesized models only")
    synth = synthesized_seeds(work / "seeds")
    regress = sorted(p for p in REGRESSIONS.iterdir() if p.is_file())
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1",
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    input_models = [p for p in shared + synth]
    model_list = work / "input-models.txt"
    model_list.write_text("".join(f"{p}\n" for p in input_models))
    env["FUZZ_MODELS"] = str(model_list)
    targets = [("fuzz_model", shared + synth + [p for p in regress if "fuzz_model" in p.name]),
               ("fuzz_input", [p for p in regress if "fuzz_input" in p.name])]
    (work / "meta").mkdir()
    targets.append(("fuzz_meta", meta_seeds(work / "meta", input_models)
                    + [p for p in regress if "fuzz_meta" in p.name]))
    if (args.build / "fuzz_bundle").exists():
        (work / "bundles").mkdir()
        targets.append(("fuzz_bundle", bundle_seeds(work / "bundles", synth + shared)
                        + [p for p in regress if "fuzz_bundle" in p.name]))
    else:
        print("fuzz: fuzz_bundle not built (Monocypher missing: make deps): the bundle verifier is not fuzzed")
    results = []
    for target, seeds in targets:
        corpus = work / f"corpus-{target}"
        corpus.mkdir()
        results.append(run_target(args.build / target, corpus, seeds, args.seconds, env))
    print(f"{'target':<12} {'seconds':>7} {'execs':>10} {'cov':>6} {'ft':>7} {'corpus':>7} {'crashes':>7}")
    for s in results:
        print(f"{s['target']:<12} {s['seconds']:>7} {s['execs']:>10} {s['cov']:>6} {s['ft']:>7} {s['corpus']:>7} "
              f"{s['crashes']:>7}")
    failed = [s for s in results if s.get("error")]
    for s in failed:
        print(f"\n--- {s['target']} failed (exit {s['returncode']}):\n{s['error']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

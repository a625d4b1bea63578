"""micro_speech on the device (MicroPython): "yes" / "no" from 16 kHz 16-bit mono WAV files.

The TFLM audio preprocessor model (the signal library's custom operators: window, FFT,
mel filter bank, noise reduction, PCAN, log) turns each 30 ms window of samples (20 ms
stride) into 40 int8 features; the micro_speech model classifies the last 49 feature rows
(one second) as silence, unknown, yes or no. Everything is allocated before the per-window
loop: the window, the feature rows and the scores are fixed buffers, updated in place
(slice copies between memoryviews made once) and filled by predict_into.

Needs in the current folder: audio_preprocessor_int8.tflite, micro_speech_quantized.tflite,
clips.txt ("file.wav expected-word" per line) and the WAV files (make_wavs.py makes them).
Prints one line per clip, then a JSON summary line.
"""

import gc
import json
import time
from array import array

import tinyml

LABELS = ("silence", "unknown", "yes", "no")
WINDOW, STRIDE, FEATURES, ROWS = 480, 320, 40, 49

frontend = tinyml.Model("audio_preprocessor_int8.tflite")
classifier = tinyml.Model("micro_speech_quantized.tflite")

# the buffers the loop works in, and views of them made once
window = array("h", bytes(2 * WINDOW))
win = memoryview(window)
win_keep, win_tail, win_new = win[: WINDOW - STRIDE], win[STRIDE:], win[WINDOW - STRIDE :]
features = bytearray(FEATURES * ROWS)
feat = memoryview(features)
feat_old, feat_next, feat_last = feat[: -FEATURES], feat[FEATURES:], feat[-FEATURES:]
scores = array("b", bytes(len(LABELS)))
best = array("i", [-129] * len(LABELS))  # highest score of each label over the clip
counts = array("i", [0, 0])  # windows, classifications of the clip
header = bytearray(8)


def open_wav(path):
    """The file positioned at its samples, and their count; checks 16 kHz mono 16-bit PCM."""
    f = open(path, "rb")  # noqa: SIM115 (returned open: the caller reads the samples, then closes it)
    f.readinto(header)
    if bytes(header[:4]) != b"RIFF":
        raise ValueError(path + ": not a RIFF file")
    f.read(4)  # "WAVE"
    fmt = None
    while f.readinto(header) == 8:
        size = header[4] | header[5] << 8 | header[6] << 16 | header[7] << 24
        tag = bytes(header[:4])
        if tag == b"data":
            if fmt != (1, 1, 16000, 16):
                raise ValueError(path + ": needs 16 kHz mono 16-bit PCM, has " + str(fmt))
            return f, size // 2
        chunk = f.read(size + (size & 1))
        if tag == b"fmt ":
            fmt = (chunk[0] | chunk[1] << 8, chunk[2] | chunk[3] << 8,
                   chunk[4] | chunk[5] << 8 | chunk[6] << 16 | chunk[7] << 24, chunk[14] | chunk[15] << 8)
    raise ValueError(path + ": no data chunk")


def classify_clip(f, n_samples):
    """Run the front end over every window of the open file, classify the last 49 rows after each
    window once there are 49; counts the windows and classifications. Allocates nothing."""
    frontend.reset()  # the noise estimate starts afresh for each clip
    i = 0
    while i < 4:
        best[i] = -129
        i += 1
    f.readinto(win)
    done = WINDOW
    rows = 0
    classified = 0
    while True:
        feat_old[:] = feat_next  # drop the oldest feature row
        frontend.predict_into(window, feat_last)
        rows += 1
        if rows >= ROWS:
            classifier.predict_into(features, scores)
            classified += 1
            i = 0
            while i < 4:
                best[i] = max(best[i], scores[i])
                i += 1
        if done + STRIDE > n_samples:
            counts[0] = rows
            counts[1] = classified
            return
        win_keep[:] = win_tail  # the window slides by 20 ms: keep its last 10 ms, read 20 ms more
        f.readinto(win_new)
        done += STRIDE


def main():
    clock = tinyml.clock()
    fe_profile = frontend.profile(window)
    cl_profile = classifier.profile(features)
    results = []
    samples = 0
    loop_us = 0
    allocated = 0
    with open("clips.txt") as listing:
        clips = [line.split() for line in listing if line.strip()]
    for name, expected in clips:
        f, n = open_wav(name)
        gc.collect()
        before = gc.mem_alloc()
        t0 = time.ticks_us()
        classify_clip(f, n)
        dt = time.ticks_diff(time.ticks_us(), t0)
        allocated += gc.mem_alloc() - before
        rows, classified = counts
        f.close()
        word = LABELS[tinyml.argmax(best)] if classified else "silence"
        loop_us += dt
        samples += n
        results.append([name, word, expected])
        print(f"{name}: {word} (best scores {' '.join(str(s) for s in best)}), expected {expected}, "
              f"{rows} windows in {dt} us")
    ok = sum(1 for r in results if r[1] == r[2])
    print(f"recognized {ok} of {len(results)} clips; {samples / 16000:.2f} s of audio in {loop_us} us")
    print(json.dumps({
        "results": results, "audio_samples": samples, "loop_us": loop_us, "allocated_in_loop": allocated,
        "clock": list(clock), "frontend_ticks": sum(r[2] for r in fe_profile),
        "classifier_ticks": sum(r[2] for r in cl_profile),
        "frontend": {"arena": frontend.arena_size, "persistent": frontend.persistent_size,
                     "weights": frontend.weights_size},
        "classifier": {"arena": classifier.arena_size, "persistent": classifier.persistent_size,
                       "weights": classifier.weights_size}}))


main()

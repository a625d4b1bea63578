# The example model frozen into the firmware: module tml_gestures, whose MODEL is a
# const bytes object holding examples/gestures/gestures.tflite. Frozen bytecode keeps
# such constants in the firmware image (flash), so tinyml.Model(tml_gestures.MODEL)
# reads the model in place, with no copy in the heap. Included by a board's manifest;
# the module's source is generated into build/frozen/ (the repository's build folder)
# when the model changes. To freeze your own model, copy this file and change NAME/MODEL.
import os as _os

_MODEL = _os.path.abspath("gestures.tflite")  # a manifest runs in its own folder
_OUT = _os.path.abspath("../../build/frozen")
_NAME = "tml_gestures.py"


def _generate() -> None:
    with open(_MODEL, "rb") as f:
        data = f.read()
    text = (
        "# generated from examples/gestures/gestures.tflite by examples/gestures/manifest.py\n"
        "from micropython import const\n"
        f"MODEL = const({data!r})\n"
    )
    path = _os.path.join(_OUT, _NAME)
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except OSError:
        pass
    _os.makedirs(_OUT, exist_ok=True)
    with open(path + ".part", "w") as f:
        f.write(text)
    _os.replace(path + ".part", path)


_generate()
freeze(_OUT, _NAME)

# Frozen into every tinyml QEMU board: the qemu port's default manifest for Arm
# boards (see ports/qemu/Makefile: unittest + the test-frzmpy modules that its
# test suite expects) and the tinyml package.
require("unittest")
freeze(
    "$(PORT_DIR)/test-frzmpy",
    ("frozen_asm_thumb.py", "frozen_const.py", "frozen_viper.py", "native_frozen_align.py"),
)
include("../../lib/manifest.py")
include("../../examples/gestures/manifest.py")

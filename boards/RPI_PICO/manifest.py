# The rp2 port's default manifest plus the tinyml package.
include("$(PORT_DIR)/boards/manifest.py")
include("../../lib/manifest.py")
include("../../examples/gestures/manifest.py")

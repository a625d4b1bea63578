# The unix port's default ("standard" variant) manifest plus the tinyml package.
include("$(PORT_DIR)/variants/standard/manifest.py")
include("../../lib/manifest.py")

# The stm32 port's default manifest plus the tinyml package.
include("$(PORT_DIR)/boards/manifest.py")
# without tinyml.ota: the board is built with TINYML_OTA=0 (mpconfigboard.mk)
include("../../lib/manifest.py", ota=False)

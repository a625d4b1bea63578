# The on-device tinyml package; included by every boards/*/manifest.py.
# include("../../lib/manifest.py", ota=False) leaves out tinyml.ota, for boards built with TINYML_OTA=0
# (no _tinyml_ota verifier in their firmware: boards/NUCLEO_F446RE).
options.defaults(ota=True)
if options.ota:
    package("tinyml")
else:
    import os

    package("tinyml", files=[f for f in sorted(os.listdir("tinyml")) if f.endswith(".py") and f != "ota.py"])

include("../qemu-common/manifest.py")

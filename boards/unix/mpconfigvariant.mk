# tinyml unix variant: like "standard", without the modules that need extra
# submodules or system libraries (btree: berkeley-db, ffi: libffi, ssl: mbedtls).
MICROPY_PY_BTREE = 0
MICROPY_PY_FFI = 0
MICROPY_PY_SSL = 0

FROZEN_MANIFEST ?= $(VARIANT_DIR)/manifest.py

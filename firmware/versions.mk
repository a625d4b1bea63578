# Pinned upstream sources. `make deps` clones these into $(TINYML_DEPS).
MICROPY_URL     := https://github.com/micropython/micropython
MICROPY_VERSION := v1.28.0
CMSIS_NN_URL     := https://github.com/ARM-software/CMSIS-NN
CMSIS_NN_VERSION := v7.0.0

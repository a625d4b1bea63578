# MPS2_AN500 for tinyml: ports/qemu/boards/MPS2_AN500 (unchanged CPU and flags) plus a
# 16 MiB GC heap and a 4 MiB littlefs RAM disk (see mps2_an500.ld and ../qemu-common).
include $(TOP)/ports/qemu/boards/MPS2_AN500/mpconfigboard.mk
TINYML_LDSCRIPT = mps2_an500.ld
MICROPY_HEAP_SIZE = 16777216
include $(BOARD_DIR)/../qemu-common/qemu.mk

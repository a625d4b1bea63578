# MPS3_AN547 for tinyml: ports/qemu/boards/MPS3_AN547 (unchanged CPU and flags) plus a
# 16 MiB GC heap and a 4 MiB littlefs RAM disk (see mps3_an547.ld and ../qemu-common).
include $(TOP)/ports/qemu/boards/MPS3_AN547/mpconfigboard.mk
TINYML_LDSCRIPT = mps3_an547.ld
# GCC reports FLT_EVAL_METHOD 16 for the M55 (_Float16), for which newlib's
# math.h (Debian's arm-none-eabi 12.2) defines no double_t: report C11's 0.
CFLAGS += -fpermitted-flt-eval-methods=c11
MICROPY_HEAP_SIZE = 16777216
include $(BOARD_DIR)/../qemu-common/qemu.mk

# MPS3_AN547 for tinyml: ports/qemu/boards/MPS3_AN547 unchanged (CPU, flags and the
# port's own linker script mcu/arm/mps3.ld), plus a 1.5 MiB GC heap (in .bss)
# and a 4 MiB littlefs RAM disk at 0x61000000, RAM the linker script does not use
# (see ../qemu-common).
include $(TOP)/ports/qemu/boards/MPS3_AN547/mpconfigboard.mk
# GCC reports FLT_EVAL_METHOD 16 for the M55 (_Float16), for which newlib's
# math.h (Debian's arm-none-eabi 12.2) defines no double_t: report C11's 0.
CFLAGS += -fpermitted-flt-eval-methods=c11
MICROPY_HEAP_SIZE = 1572864
TINYML_RAMDISK_START = 0x61000000
TINYML_RAMDISK_BYTES = 0x400000
# ROMFS: 4 MiB of the QSPI flash at 0x28000000, filled by QEMU from the board's
# ROMFS image at startup, mounted at /rom
TINYML_ROMFS_START = 0x28000000
TINYML_ROMFS_BYTES = 0x400000
include $(BOARD_DIR)/../qemu-common/qemu.mk

# MPS2_AN500 for tinyml: ports/qemu/boards/MPS2_AN500 unchanged (CPU, flags and the
# port's own linker script mcu/arm/mps2.ld), plus a 3 MiB GC heap (in .bss)
# and a 4 MiB littlefs RAM disk at 0x20000000, RAM the linker script does not use
# (see ../qemu-common).
include $(TOP)/ports/qemu/boards/MPS2_AN500/mpconfigboard.mk
MICROPY_HEAP_SIZE = 3145728
TINYML_RAMDISK_START = 0x20000000
TINYML_RAMDISK_BYTES = 0x400000
# ROMFS: 4 MiB of the PSRAM at 0x60000000, filled by QEMU from the board's
# ROMFS image at startup, mounted at /rom
TINYML_ROMFS_START = 0x60000000
TINYML_ROMFS_BYTES = 0x400000
include $(BOARD_DIR)/../qemu-common/qemu.mk

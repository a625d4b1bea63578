# Common part of the tinyml QEMU boards (included by boards/<BOARD>/mpconfigboard.mk
# after the upstream board's mpconfigboard.mk, with TINYML_RAMDISK_START/_BYTES):
#  - the RAM disk: a region of the machine's RAM that the port's linker script
#    leaves alone, given to board.c as the symbols _ramdisk_start/_ramdisk_end;
#  - board.c: littlefs on the RAM disk, mounted at / by mp_init();
#  - tinyml profiling uses the SysTick (QEMU's DWT cycle counter does not count);
#  - the board's frozen manifest (port defaults + the tinyml package).
TINYML_QEMU_DIR := $(abspath $(BOARD_DIR)/../qemu-common)
LDFLAGS += -Wl,--defsym=_ramdisk_start=$(TINYML_RAMDISK_START) \
	-Wl,--defsym=_ramdisk_end=$(TINYML_RAMDISK_START)+$(TINYML_RAMDISK_BYTES)
CFLAGS += -include $(TINYML_QEMU_DIR)/mpconfigboard.h -DTINYML_PROFILE_SYSTICK=1
SRC_C += $(TINYML_QEMU_DIR)/board.c
MICROPY_VFS_LFS2 = 1
FROZEN_MANIFEST = $(abspath $(BOARD_DIR))/manifest.py

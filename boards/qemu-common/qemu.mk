# Common part of the tinyml QEMU boards (included by boards/<BOARD>/mpconfigboard.mk
# after the upstream board's mpconfigboard.mk and TINYML_LDSCRIPT):
#  - the board's linker script: GC heap and RAM disk in the machine's big RAMs;
#  - board.c: littlefs on the RAM disk, mounted at / by mp_init();
#  - tinyml profiling uses the SysTick (QEMU's DWT cycle counter does not count);
#  - the board's frozen manifest (port defaults + the tinyml package).
TINYML_QEMU_DIR := $(abspath $(BOARD_DIR)/../qemu-common)
LDSCRIPT = $(abspath $(BOARD_DIR))/$(TINYML_LDSCRIPT)
CFLAGS += -include $(TINYML_QEMU_DIR)/mpconfigboard.h -DTINYML_PROFILE_SYSTICK=1
SRC_C += $(TINYML_QEMU_DIR)/board.c
MICROPY_VFS_LFS2 = 1
FROZEN_MANIFEST = $(abspath $(BOARD_DIR))/manifest.py

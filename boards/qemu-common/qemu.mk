# Common part of the tinyml QEMU boards (included by boards/<BOARD>/mpconfigboard.mk
# after the upstream board's mpconfigboard.mk, with TINYML_RAMDISK_START/_BYTES):
#  - the RAM disk (ramdisk.mk): littlefs mounted at / by mp_init();
#  - board.c: what the qemu port lacks for it (file times);
#  - romfs.c: the ROMFS region at TINYML_ROMFS_START (TINYML_ROMFS_BYTES), memory
#    QEMU fills from the board's ROMFS image at startup, mounted at /rom;
#  - uart_idle.c: the REPL sleeps in WFI while no input is waiting (the port polls
#    its UART: an idle board would keep a host core busy);
#  - tinyml profiling uses the SysTick (QEMU's DWT cycle counter does not count);
#  - the board's frozen manifest (port defaults + the tinyml package).
TINYML_QEMU_DIR := $(abspath $(BOARD_DIR)/../qemu-common)
include $(TINYML_QEMU_DIR)/ramdisk.mk
CFLAGS += -include $(TINYML_QEMU_DIR)/mpconfigboard.h -DTINYML_PROFILE_SYSTICK=1
SRC_C += $(TINYML_QEMU_DIR)/board.c $(TINYML_QEMU_DIR)/romfs.c $(TINYML_QEMU_DIR)/uart_idle.c
LDFLAGS += -Wl,--wrap=uart_rx_chr -Wl,--defsym=_romfs_start=$(TINYML_ROMFS_START) \
	-Wl,--defsym=_romfs_end=$(TINYML_ROMFS_START)+$(TINYML_ROMFS_BYTES)
FROZEN_MANIFEST = $(abspath $(BOARD_DIR))/manifest.py

// tinyml overlay of RPI_PICO: the port's board configuration (boards/RPI_PICO/
// mpconfigboard.h: the name and the filesystem size), with the 2 MiB of flash shared
// as firmware 640 KiB (0x10000000), ROMFS 384 KiB (0x100a0000, mounted at /rom by
// mp_init: models there are read in place, e.g. ad01_int8's 277 KB, which the heap
// cannot hold) and the littlefs filesystem 1024 KiB (0x10100000: the port's 1408 KiB
// less the ROMFS partition, which the rp2 port places right below the filesystem).
#define MICROPY_HW_BOARD_NAME                   "Raspberry Pi Pico"
#define MICROPY_HW_FLASH_STORAGE_BYTES          (1024 * 1024)
#define MICROPY_HW_ROMFS_BYTES                  (384 * 1024)

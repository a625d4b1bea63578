// Force-included (-include) into every C file of the tinyml QEMU boards: the
// qemu port has no per-board header, and mp_init() must mount the RAM disk.
#ifndef TINYML_QEMU_MPCONFIGBOARD_H
#define TINYML_QEMU_MPCONFIGBOARD_H
#ifndef __ASSEMBLER__

void tinyml_board_init(void);
#define MICROPY_PORT_INIT_FUNC tinyml_board_init()

#endif
#endif

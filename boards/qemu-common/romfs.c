// The ROMFS region of the qemu port's boards: memory QEMU fills at startup from the
// board's ROMFS image (tinyml_tools.qemu: -device loader,file=romfs.img,addr=<start>;
// `tinyml upload --romfs --port qemu:BOARD` writes that image), given to this file as
// the linker symbols _romfs_start/_romfs_end (qemu.mk). Mounted at /rom by every
// mp_init() when it holds a ROMFS filesystem; files there expose their bytes in place
// (buffer protocol): tinyml.Model("/rom/model.tflite") reads the model without a copy.
// The qemu port has MICROPY_VFS_ROM but no vfs.rom_ioctl (MICROPY_VFS_ROM_IOCTL is 0 in
// its mpconfigport.h): the region is written from the host, not by the firmware.
#include "py/runtime.h"
#include "py/objarray.h"
#include "extmod/vfs.h"
#include "extmod/vfs_rom.h"

extern uint8_t _romfs_start[], _romfs_end[];

void tinyml_board_mount_romfs(void) {
    size_t size = (size_t)(_romfs_end - _romfs_start);
    // not a ROMFS ("RM1" record): no image loaded, nothing to mount
    if (size < 4 || _romfs_start[0] != 0xd2 || _romfs_start[1] != 0xcd || _romfs_start[2] != 0x31) {
        return;
    }
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_obj_t region = mp_obj_new_memoryview('B', size, _romfs_start);
        mp_obj_t romfs = mp_call_function_1(MP_OBJ_FROM_PTR(&mp_type_vfs_rom), region);
        // (the port defines no "/rom" qstr: it has no rom_ioctl to mount it)
        mp_obj_t rom = MP_OBJ_NEW_QSTR(qstr_from_str("/rom"));
        mp_call_function_2(MP_OBJ_FROM_PTR(&mp_vfs_mount_obj), romfs, rom);
        #if MICROPY_PY_SYS_PATH
        mp_obj_list_append(mp_sys_path, rom);
        mp_obj_list_append(mp_sys_path, MP_OBJ_NEW_QSTR(qstr_from_str("/rom/lib")));
        #endif
        nlr_pop();
    } else {
        mp_printf(&mp_plat_print, "tinyml: cannot mount the ROMFS region at /rom: ");
        mp_obj_print_exception(&mp_plat_print, MP_OBJ_FROM_PTR(nlr.ret_val));
    }
}

// The RAM disk of the boards that run in QEMU (qemu and stm32 ports, see
// ramdisk.mk): a block device on memory the linker script leaves alone (outside
// the GC heap, so files survive soft resets) with a littlefs filesystem mounted
// at / by tinyml_board_init(), the board's MICROPY_PORT_INIT_FUNC (every
// mp_init()). Formatted when it holds none.
#include <string.h>

#include "py/mperrno.h"
#include "py/runtime.h"
#include "extmod/vfs.h"
#include "extmod/vfs_lfs.h"

// block size: 4 KiB on the MPS boards (MiBs of disk); small disks take smaller
// blocks (each file takes whole blocks)
#ifndef TINYML_RAMDISK_BLOCK_SIZE
#define TINYML_RAMDISK_BLOCK_SIZE (4096)
#endif
#define RAMDISK_BLOCK_SIZE (TINYML_RAMDISK_BLOCK_SIZE)

extern uint8_t _ramdisk_start[], _ramdisk_end[];

static size_t ramdisk_size(void) {
    return (size_t)(_ramdisk_end - _ramdisk_start);
}

// readblocks(block, buf[, offset]) / writeblocks(block, buf[, offset])
static mp_obj_t ramdisk_rw(size_t n_args, const mp_obj_t *args, bool write) {
    mp_uint_t block = mp_obj_get_int(args[1]);
    mp_uint_t offset = n_args > 3 ? mp_obj_get_int(args[3]) : 0;
    mp_buffer_info_t buf;
    mp_get_buffer_raise(args[2], &buf, write ? MP_BUFFER_READ : MP_BUFFER_WRITE);
    uint64_t addr = (uint64_t)block * RAMDISK_BLOCK_SIZE + offset;
    if (addr + buf.len > ramdisk_size()) {
        return MP_OBJ_NEW_SMALL_INT(-MP_EIO);
    }
    if (write) {
        memcpy(_ramdisk_start + addr, buf.buf, buf.len);
    } else {
        memcpy(buf.buf, _ramdisk_start + addr, buf.len);
    }
    return MP_OBJ_NEW_SMALL_INT(0);
}

static mp_obj_t ramdisk_readblocks(size_t n_args, const mp_obj_t *args) {
    return ramdisk_rw(n_args, args, false);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(ramdisk_readblocks_obj, 3, 4, ramdisk_readblocks);

static mp_obj_t ramdisk_writeblocks(size_t n_args, const mp_obj_t *args) {
    return ramdisk_rw(n_args, args, true);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(ramdisk_writeblocks_obj, 3, 4, ramdisk_writeblocks);

static mp_obj_t ramdisk_ioctl(mp_obj_t self_in, mp_obj_t op_in, mp_obj_t arg_in) {
    (void)self_in;
    (void)arg_in;
    switch (mp_obj_get_int(op_in)) {
        case MP_BLOCKDEV_IOCTL_BLOCK_COUNT:
            return MP_OBJ_NEW_SMALL_INT(ramdisk_size() / RAMDISK_BLOCK_SIZE);
        case MP_BLOCKDEV_IOCTL_BLOCK_SIZE:
            return MP_OBJ_NEW_SMALL_INT(RAMDISK_BLOCK_SIZE);
        default: // init, deinit, sync, erase: nothing to do for RAM
            return MP_OBJ_NEW_SMALL_INT(0);
    }
}
static MP_DEFINE_CONST_FUN_OBJ_3(ramdisk_ioctl_obj, ramdisk_ioctl);

static const mp_rom_map_elem_t ramdisk_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_readblocks), MP_ROM_PTR(&ramdisk_readblocks_obj) },
    { MP_ROM_QSTR(MP_QSTR_writeblocks), MP_ROM_PTR(&ramdisk_writeblocks_obj) },
    { MP_ROM_QSTR(MP_QSTR_ioctl), MP_ROM_PTR(&ramdisk_ioctl_obj) },
};
static MP_DEFINE_CONST_DICT(ramdisk_locals_dict, ramdisk_locals_dict_table);

static MP_DEFINE_CONST_OBJ_TYPE(
    ramdisk_type,
    MP_QSTR_RAMDisk,
    MP_TYPE_FLAG_NONE,
    locals_dict, &ramdisk_locals_dict
    );

static const mp_obj_base_t ramdisk_obj = { &ramdisk_type };

// the qemu port's boards mount their ROMFS region at /rom after / (romfs.c); the stm32
// port mounts its own
void tinyml_board_mount_romfs(void) __attribute__((weak));

void tinyml_board_init(void) {
    mp_obj_t bdev = MP_OBJ_FROM_PTR(&ramdisk_obj);
    const mp_obj_type_t *lfs = &mp_type_vfs_lfs2;
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_obj_t vfs;
        nlr_buf_t nlr_mount;
        if (nlr_push(&nlr_mount) == 0) {
            vfs = MP_OBJ_TYPE_GET_SLOT(lfs, make_new)(lfs, 1, 0, &bdev);
            nlr_pop();
        } else {
            // no filesystem yet (first boot): format, then mount
            mp_call_function_1(mp_load_attr(MP_OBJ_FROM_PTR(lfs), MP_QSTR_mkfs), bdev);
            vfs = MP_OBJ_TYPE_GET_SLOT(lfs, make_new)(lfs, 1, 0, &bdev);
        }
        mp_obj_t args[2] = { vfs, MP_OBJ_NEW_QSTR(MP_QSTR__slash_) };
        mp_vfs_mount(2, args, (mp_map_t *)&mp_const_empty_map);
        MP_STATE_VM(vfs_cur) = MP_STATE_VM(vfs_mount_table);
        nlr_pop();
        if (tinyml_board_mount_romfs) {
            tinyml_board_mount_romfs();
        }
    } else {
        mp_printf(&mp_plat_print, "tinyml: cannot mount the RAM disk at /: ");
        mp_obj_print_exception(&mp_plat_print, MP_OBJ_FROM_PTR(nlr.ret_val));
    }
}

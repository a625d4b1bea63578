// The qemu port's boards: what the port lacks for the RAM disk (ramdisk.c).
#include "py/mphal.h"

// littlefs file times: no real-time clock here, so time since boot.
uint64_t mp_hal_time_ns(void) {
    return (uint64_t)mp_hal_ticks_ms() * 1000000u;
}

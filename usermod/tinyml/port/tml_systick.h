/*
 * SysTick cycles since boot (mod 2^32) from one consistent reading of the
 * port's millisecond count, the SysTick current value and its pending bit.
 * Used by profile() on boards that run the SysTick as the 1 ms tick (the
 * QEMU boards, where the DWT cycle counter does not count). Plain C, so
 * tests/host/test_systick_count.py checks it against a model of the timer.
 *
 * The counter counts RVR, RVR-1, ..., 1, reaches 0 as the interrupt is
 * pended, and stays at 0 for one SysTick clock before it reloads RVR. That 0
 * is the first count of the next millisecond: an interrupt taken during it
 * has already counted it in MS. (QEMU takes the interrupt at once and holds
 * 0 for a whole clock; counting 0 as the last count of the old millisecond
 * made one reading in 32,000 jump a millisecond ahead.)
 */
#ifndef TML_SYSTICK_H
#define TML_SYSTICK_H
#include <stdint.h>

static inline uint32_t tml_systick_count(uint32_t ms, uint32_t rvr, uint32_t cvr, int pending) {
    // pended but not taken yet: the counter is at 0, or has reloaded since
    if (pending && (cvr == 0 || cvr > rvr / 2)) {
        ms++;
    }
    return ms * (rvr + 1) + (cvr ? rvr + 1 - cvr : 0);
}
#endif

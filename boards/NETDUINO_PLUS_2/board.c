// tinyml NETDUINO_PLUS_2 in QEMU 7.2's netduinoplus2 machine: the clock, and
// the REPL UART's interrupt.
#include <stdbool.h>
#include <string.h>

#include "py/mphal.h"
#include "py/mpstate.h"
#include "uart.h"

// ---- the clock ----------------------------------------------------------------
// QEMU 7.2 models no RCC (its registers read as zero and ignore writes), so the
// port's SystemClock_Config (HSE + PLL to 168 MHz) would wait for oscillator-
// ready flags that never come and stop in MICROPY_BOARD_FATAL_ERROR. The
// machine clocks the core and the SysTick at a fixed 168 MHz (SYSCLK_FRQ of
// hw/arm/netduinoplus2.c), the real board's frequency after that PLL setup:
// this replaces the port's weak SystemClock_Config with telling the HAL so and
// re-arming the 1 ms SysTick (HAL_InitTick ran at the reset value, 16 MHz).
// With -icount shift=0 (board.json) one instruction takes 1 ns of virtual
// time, so the SysTick (and ticks_us) measure instructions, not host time.

#define QEMU_NETDUINOPLUS2_SYSCLK_HZ (168000000)

void SystemClock_Config(void) {
    SystemCoreClock = QEMU_NETDUINOPLUS2_SYSCLK_HZ;
    HAL_SYSTICK_Config(SystemCoreClock / 1000);
    HAL_SYSTICK_CLKSourceConfig(SYSTICK_CLKSOURCE_HCLK);
    NVIC_SetPriority(SysTick_IRQn, NVIC_EncodePriority(NVIC_PRIORITYGROUP_4, TICK_INT_PRIORITY, 0));
}

// ---- the REPL UART's interrupt ------------------------------------------------
// QEMU 7.2's USART (hw/char/stm32f2xx_usart.c) keeps its interrupt line high
// while a received byte waits (RXNE) even after the guest clears RXNEIE. The
// port's handler leaves a byte unread in two cases: its REPL ring buffer (260
// bytes) is full, where it clears RXNEIE, as the hardware then stops
// interrupting; and a byte arriving at boot between the UART's enabling and the
// registration of its object (the handler returns at once). In QEMU the handler
// is then entered again and again and the program never runs: the board hangs
// when a host sends more than the buffer holds before the program reads it
// (reproduced: 2,000 bytes sent during a time.sleep_ms(300)), or pokes the
// UART while the board boots (about one boot in ten under tinyml_tools.qemu,
// which sends Ctrl-C until it sees a prompt). So the vector table is copied to
// RAM with two handlers wrapped: USART1's masks its interrupt in the NVIC when
// the port's handler leaves a byte it cannot take, and the SysTick's unmasks
// it once the port can take it (RXNEIE set again, its object registered) or it
// was read directly (within 1 ms).

#define NUM_VECTORS (16 + FPU_IRQn + 1)
#define VECTOR_TABLE_ALIGN (512) // VTOR: the table size rounded up to a power of two

void USART1_IRQHandler(void);
void SysTick_Handler(void);

static uint32_t ram_vectors[NUM_VECTORS] __attribute__((aligned(VECTOR_TABLE_ALIGN)));
static volatile bool usart1_masked;

// whether the port's handler would read a byte now waiting in USART1
static bool usart1_port_takes_byte(void) {
    return (USART1->CR1 & USART_CR1_RXNEIE) && MP_STATE_PORT(machine_uart_obj_all)[0] != NULL;
}

static void usart1_irq_handler(void) {
    USART1_IRQHandler();
    if ((USART1->SR & USART_SR_RXNE) && !usart1_port_takes_byte()) {
        NVIC_DisableIRQ(USART1_IRQn);
        usart1_masked = true;
    }
}

static void systick_irq_handler(void) {
    SysTick_Handler();
    if (usart1_masked && (!(USART1->SR & USART_SR_RXNE) || usart1_port_takes_byte())) {
        usart1_masked = false;
        NVIC_EnableIRQ(USART1_IRQn);
    }
}

void tinyml_board_early_init(void) {
    memcpy(ram_vectors, (const void *)SCB->VTOR, sizeof(ram_vectors));
    ram_vectors[16 + USART1_IRQn] = (uint32_t)usart1_irq_handler;
    ram_vectors[16 + SysTick_IRQn] = (uint32_t)systick_irq_handler;
    __DSB();
    SCB->VTOR = (uint32_t)ram_vectors;
    __DSB();
    __ISB();
}

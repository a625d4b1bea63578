// tinyml NETDUINO_PLUS_2 for QEMU 7.2's netduinoplus2 machine: the stm32 port's
// boards/NETDUINO_PLUS_2/mpconfigboard.h (STM32F405RG), changed where QEMU
// models the chip differently (see board.json "qemu_differences"):
//  - the REPL on USART1 (PA9/PA10), the UART QEMU connects to its first serial
//    port: the real board's REPL is on USB, which QEMU does not model (no USB
//    here). PA10 is the blue LED's pin on the real board: only the white LED
//    (PC13) is kept;
//  - no filesystem in the internal flash (QEMU's flash is ROM, with no flash
//    interface to program it, and the port's cache for it is CCM RAM, which
//    QEMU lacks): littlefs on a RAM disk at / instead (mpconfigboard.mk);
//  - the RNG is kept although QEMU has none: without it the port seeds
//    `random` from the chip's unique ID, an address QEMU does not map (a bus
//    fault, then a reset); with it each read times out (10 ms) and gives 0;
//  - board.c: SystemClock_Config for a machine without RCC, and an early init
//    that works around QEMU's USART interrupt (instead of the port's, which
//    switches GPIO power outputs QEMU does not model).
#define MICROPY_HW_BOARD_NAME       "NetduinoPlus2 (QEMU netduinoplus2)"
#define MICROPY_HW_MCU_NAME         "STM32F405RG"

#define MICROPY_HW_HAS_SWITCH       (1)
#define MICROPY_HW_HAS_FLASH        (0)
#define MICROPY_HW_ENABLE_INTERNAL_FLASH_STORAGE (0)
#define MICROPY_HW_ENABLE_SDCARD    (0)
#define MICROPY_HW_ENABLE_RNG       (1)
#define MICROPY_HW_ENABLE_USB       (0)
#define MICROPY_HW_ENABLE_SERVO     (1)

// ROMFS in internal flash sectors 10-11 (stm32f405_qemu.ld), mounted at /rom by
// mp_init: models there are read in place. QEMU has no flash interface, so the
// partition is filled by QEMU at startup (the board's ROMFS image), not by
// vfs.rom_ioctl writes
#define MICROPY_HW_ROMFS_ENABLE_INTERNAL_FLASH (1)
#define MICROPY_HW_ROMFS_ENABLE_PART0 (1)

void tinyml_board_early_init(void);
#define MICROPY_BOARD_EARLY_INIT    tinyml_board_early_init

// the RAM disk (boards/qemu-common/ramdisk.c), mounted at / by every mp_init()
void tinyml_board_init(void);
#define MICROPY_PORT_INIT_FUNC tinyml_board_init()

// The real board's clock tree (HSE 25 MHz, PLL to 168 MHz): unused in QEMU
#define MICROPY_HW_CLK_PLLM (25)
#define MICROPY_HW_CLK_PLLN (336)
#define MICROPY_HW_CLK_PLLP (RCC_PLLP_DIV2)
#define MICROPY_HW_CLK_PLLQ (7)

// UART config; the REPL on USART1
#define MICROPY_HW_UART1_TX     (pin_A9)
#define MICROPY_HW_UART1_RX     (pin_A10)
#define MICROPY_HW_UART2_TX     (pin_A2)
#define MICROPY_HW_UART2_RX     (pin_A3)
#define MICROPY_HW_UART2_RTS    (pin_A1)
#define MICROPY_HW_UART2_CTS    (pin_A0)
#define MICROPY_HW_UART3_TX     (pin_D8)
#define MICROPY_HW_UART3_RX     (pin_D9)
#define MICROPY_HW_UART3_RTS    (pin_D12)
#define MICROPY_HW_UART3_CTS    (pin_D11)
#define MICROPY_HW_UART4_TX     (pin_A0)
#define MICROPY_HW_UART4_RX     (pin_A1)
#define MICROPY_HW_UART5_TX     (pin_C12)
#define MICROPY_HW_UART5_RX     (pin_D2)
#define MICROPY_HW_UART6_TX     (pin_C6)
#define MICROPY_HW_UART6_RX     (pin_C7)
#define MICROPY_HW_UART_REPL        PYB_UART_1
#define MICROPY_HW_UART_REPL_BAUD   115200

// I2C buses
#define MICROPY_HW_I2C1_SCL (pin_B6)
#define MICROPY_HW_I2C1_SDA (pin_B7)

// SPI buses
#define MICROPY_HW_SPI2_NSS  (pin_B12)
#define MICROPY_HW_SPI2_SCK  (pin_B13)
#define MICROPY_HW_SPI2_MISO (pin_B14)
#define MICROPY_HW_SPI2_MOSI (pin_B15)

// USRSW is pulled low. Pressing the button makes the input go high.
#define MICROPY_HW_USRSW_PIN        (pin_B11)
#define MICROPY_HW_USRSW_PULL       (GPIO_NOPULL)
#define MICROPY_HW_USRSW_EXTI_MODE  (GPIO_MODE_IT_RISING)
#define MICROPY_HW_USRSW_PRESSED    (1)

// LEDs: the white power LED only (the blue one is on PA10, USART1 RX)
#define MICROPY_HW_LED1             (pin_C13)
#define MICROPY_HW_LED_ON(pin)      (mp_hal_pin_high(pin))
#define MICROPY_HW_LED_OFF(pin)     (mp_hal_pin_low(pin))

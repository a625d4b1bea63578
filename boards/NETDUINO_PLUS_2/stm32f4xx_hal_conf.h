// The port's NETDUINO_PLUS_2 HAL configuration, unchanged (the port looks for
// it in BOARD_DIR; the path is relative to ports/stm32).
#include "boards/NETDUINO_PLUS_2/stm32f4xx_hal_conf.h"

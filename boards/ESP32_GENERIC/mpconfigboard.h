// tinyml overlay of ESP32_GENERIC: the port's board configuration, unchanged.
#include "boards/ESP32_GENERIC/mpconfigboard.h"

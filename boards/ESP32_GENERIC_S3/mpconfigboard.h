// tinyml overlay of ESP32_GENERIC_S3: the port's board configuration, unchanged.
#include "boards/ESP32_GENERIC_S3/mpconfigboard.h"

// What other ESP-IDF components take from esp_wifi's C sources (components/esp_wifi/src), for a
// build without the Wi-Fi libraries (see CMakeLists.txt).
#include "sdkconfig.h"
#include "esp_private/wifi.h"

#if CONFIG_IDF_TARGET_ESP32
// The PHY (esp_phy/src/phy_init.c, used by Bluetooth too) calls this when the modem clock comes
// back on, if set. ESP-IDF defines it in wifi_init.c, NULL until Wi-Fi starts and registers its
// MAC time update; without Wi-Fi nothing ever registers one.
wifi_mac_time_update_cb_t s_wifi_mac_time_update_cb = NULL;
#endif

# Shared by boards/ESP32_GENERIC and boards/ESP32_GENERIC_S3 (included from their
# mpconfigboard.cmake, before ESP-IDF's project.cmake): fits the build to the ESP-IDF it is built
# with. With a complete ESP-IDF (`. $IDF_PATH/export.sh`, Espressif's toolchain, the component
# registry reachable) it changes nothing but adding the GCC-version adapter below (inactive
# there); with the one `make deps-esp32` puts in the dependency cache (README, "ESP32 and
# ESP32-S3") each part applies, and says so in the CMake output:
#
#  1. No Wi-Fi libraries (components/esp_wifi/lib, Espressif's esp32-wifi-lib, not fetched):
#     ESP-IDF's esp_wifi component is replaced by no_wifi/esp_wifi (its headers and Kconfig, no
#     binary libraries), MicroPython is built without network.WLAN and espnow
#     (MICROPY_PY_NETWORK_WLAN=0, MICROPY_PY_ESPNOW=0), and sdkconfig.no_wifi turns off what only
#     Wi-Fi uses. Bluetooth (BLE, NimBLE), Ethernet (network.LAN) and PPP stay.
#  2. ESP-IDF component manager off (IDF_COMPONENT_MANAGER=0: the registry is not reachable):
#     the components ports/esp32/main/idf_component.yml asks for are supplied here instead, at the
#     versions MicroPython's lockfiles pin, from their source repositories (TINYML_ESP_COMPONENTS:
#     mdns, and lan867x on the ESP32): each is added as a component and its headers made visible
#     to MicroPython (the manager would add it to the main component's requirements); TinyUSB
#     (espressif/tinyusb, ESP32-S3 only) is not to be had, so the S3 image is built without it:
#     no machine.USBDevice, and the REPL is on the S3's USB Serial/JTAG (the same USB pins) and
#     UART0 instead of TinyUSB's CDC.
#  3. Upstream Mbed TLS instead of Espressif's fork (components/mbedtls/mbedtls without the
#     fork's software fallbacks that the accelerated AES-GCM and bignum code calls):
#     sdkconfig.mbedtls_sw turns those hardware accelerations off, and
#     mbedtls_upstream/ compiles Mbed TLS as C17 as ESP-IDF compiles the fork (upstream says C99).
#  4. A GCC older than ESP-IDF's own (GCC 12): compat/tinyml_idf_compat (project_include.cmake)
#     replaces Espressif-only compiler options with GCC 12's equivalents.
set(TINYML_ESP32_DIR ${CMAKE_CURRENT_LIST_DIR})
set(_tml_idf "$ENV{IDF_PATH}")

list(APPEND EXTRA_COMPONENT_DIRS ${TINYML_ESP32_DIR}/compat)

if(_tml_idf AND NOT EXISTS "${_tml_idf}/components/esp_wifi/lib/${IDF_TARGET}/libnet80211.a")
    message(STATUS "tinyml: ESP-IDF without Wi-Fi libraries (components/esp_wifi/lib): building without Wi-Fi")
    list(APPEND EXTRA_COMPONENT_DIRS ${TINYML_ESP32_DIR}/no_wifi)
    list(APPEND SDKCONFIG_DEFAULTS ${TINYML_ESP32_DIR}/sdkconfig.no_wifi)
    list(APPEND MICROPY_DEF_BOARD MICROPY_PY_NETWORK_WLAN=0 MICROPY_PY_ESPNOW=0)
endif()

# ESP-IDF components whose sources are in submodules this ESP-IDF lacks (`make deps-esp32` fetches
# only those the build uses): the test frameworks, which nothing here uses
foreach(_tml_comp unity:unity/src cmock:CMock/src)
    string(REPLACE ":" ";" _tml_comp ${_tml_comp})
    list(GET _tml_comp 0 _tml_name)
    list(GET _tml_comp 1 _tml_sub)
    if(_tml_idf AND NOT EXISTS "${_tml_idf}/components/${_tml_name}/${_tml_sub}")
        message(STATUS "tinyml: ESP-IDF without components/${_tml_name}/${_tml_sub} (a submodule): ${_tml_name} left out")
        list(APPEND EXCLUDE_COMPONENTS ${_tml_name})
    endif()
endforeach()

if("$ENV{IDF_COMPONENT_MANAGER}" STREQUAL "0")
    # TINYML_ESP_COMPONENTS: the component folders (mdns, lan867x), a CMake list
    set(_tml_have_mdns FALSE)
    foreach(_tml_dir $ENV{TINYML_ESP_COMPONENTS})
        if(NOT EXISTS "${_tml_dir}/CMakeLists.txt")
            message(FATAL_ERROR "tinyml: TINYML_ESP_COMPONENTS names ${_tml_dir}, not a component: run 'make deps-esp32'")
        endif()
        get_filename_component(_tml_name ${_tml_dir} NAME)
        # the component's supported targets (its idf_component.yml), as the component manager checks
        file(STRINGS "${_tml_dir}/idf_component.yml" _tml_yml)
        string(REGEX MATCH "targets:;(  - [a-z0-9]+;?)+" _tml_targets "${_tml_yml}")
        if(_tml_targets AND NOT _tml_targets MATCHES "- ${IDF_TARGET}(;|$)")
            continue()
        endif()
        message(STATUS "tinyml: component manager off: ${_tml_name} from ${_tml_dir}")
        list(APPEND EXTRA_COMPONENT_DIRS ${_tml_dir})
        include_directories(${_tml_dir}/include)
        if(_tml_name STREQUAL "mdns")
            set(_tml_have_mdns TRUE)
        endif()
    endforeach()
    if(NOT _tml_have_mdns)
        message(FATAL_ERROR "tinyml: the ESP-IDF component manager is off (IDF_COMPONENT_MANAGER=0) and "
            "TINYML_ESP_COMPONENTS ($ENV{TINYML_ESP_COMPONENTS}) has no mdns component: run 'make deps-esp32'")
    endif()
    if(IDF_TARGET STREQUAL "esp32s3")
        message(STATUS "tinyml: component manager off: ESP32-S3 without TinyUSB (REPL on USB Serial/JTAG and UART0)")
        set(MICROPY_PY_TINYUSB OFF)
        list(APPEND MICROPY_DEF_BOARD MICROPY_HW_ENABLE_USBDEV=0)
    endif()
endif()

if(_tml_idf AND EXISTS "${_tml_idf}/components/mbedtls/mbedtls/library/gcm.c")
    file(STRINGS "${_tml_idf}/components/mbedtls/mbedtls/library/gcm.c" _tml_fork REGEX "mbedtls_gcm_init_soft")
    if(NOT _tml_fork)
        message(STATUS "tinyml: upstream Mbed TLS (not Espressif's fork): AES and bignum hardware acceleration off")
        list(APPEND SDKCONFIG_DEFAULTS ${TINYML_ESP32_DIR}/sdkconfig.mbedtls_sw)
        list(APPEND EXTRA_COMPONENT_DIRS ${TINYML_ESP32_DIR}/mbedtls_upstream)
    endif()
endif()

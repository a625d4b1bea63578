# The on-device tinyml package; included by every boards/*/manifest.py.
package("tinyml")

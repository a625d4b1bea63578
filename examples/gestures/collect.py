"""Collect labelled accelerometer readings on the device (MicroPython), for training the gesture model.

On the host:

    tinyml stream --run collect.py --csv gestures.csv        # one CSV row per reading: time, seq, label, ax, ay, az

For each gesture in LABELS it says which one to do, then records WINDOWS windows of 64 readings at 50 Hz and
sends each reading with tinyml.stream.send(label=..., ax=..., ay=..., az=...) (values in g). The sensor is an
MPU-6050 on I2C (SDA/SCL of the board's I2C bus 0; change `sensor()` for yours); where none answers (an
emulated board), readings come from a simulated one doing the gesture, so the whole path can be tried on QEMU.
"""

import math
import random
import time

from tinyml import stream

LABELS = ("idle", "shake", "circle", "tap")
WINDOWS = 20  # windows per gesture
WINDOW, RATE = 64, 50


def sensor():
    """A function returning (ax, ay, az) in g from an MPU-6050, or None if there is none."""
    try:
        from machine import I2C

        i2c = I2C(0)
        if 0x68 not in i2c.scan():
            return None
        i2c.writeto_mem(0x68, 0x6B, b"\x00")  # wake up; full scale +-2 g: 16384 per g
        buf = bytearray(6)

        def read():
            i2c.readfrom_mem_into(0x68, 0x3B, buf)
            return tuple((((buf[k] << 8 | buf[k + 1]) + 0x8000) & 0xFFFF) / 16384.0 - 2.0 for k in (0, 2, 4))

        return read
    except Exception:  # noqa: BLE001 (no machine.I2C, no bus 0, no device: simulate)
        return None


def gauss(sigma):
    return sigma * (sum(random.random() for _ in range(6)) - 3.0) / math.sqrt(0.5)


def simulated(label):
    """A simulated sensor doing `label` (as train.py synthesizes windows): a function of the reading index."""
    tilt = [gauss(0.15) for _ in range(3)]
    noise = 0.02 + 0.06 * random.random()
    f = 5 + 4 * random.random() if label == "shake" else 0.8 + 0.8 * random.random()
    a = 0.8 + 1.2 * random.random() if label == "shake" else 0.4 + 0.6 * random.random()
    ph = 2 * math.pi * random.random()
    taps = [random.randrange(2, WINDOW - 4) for _ in range(1 + random.randrange(3))]
    amps = [(1.5 + 1.5 * random.random()) * random.choice((-1, 1)) for _ in taps]

    def read(i):
        t = i / RATE
        x, y, z = tilt[0], tilt[1], 1.0 + tilt[2]
        if label == "shake":
            x += a * math.sin(2 * math.pi * f * t + ph)
            y += 0.2 * a * math.sin(2 * math.pi * f * t + ph + 1.0)
        elif label == "circle":
            x += a * math.cos(2 * math.pi * f * t + ph)
            y += a * math.sin(2 * math.pi * f * t + ph)
        elif label == "tap":
            for at, amp in zip(taps, amps):
                if 0 <= i - at < 3:
                    z += amp * (1.0, -0.6, 0.25)[i - at]
        return x + gauss(noise), y + gauss(noise), z + gauss(noise)

    return read


read_sensor = sensor()
print("sensor:", "MPU-6050" if read_sensor else "none found: simulated readings")
for label in LABELS:
    print("next gesture:", label)
    if read_sensor:
        time.sleep(2)
    for w in range(WINDOWS):
        sim = None if read_sensor else simulated(label)
        for i in range(WINDOW):
            ax, ay, az = read_sensor() if read_sensor else sim(i)
            stream.send(label=label, ax=round(ax, 4), ay=round(ay, 4), az=round(az, 4))
            if read_sensor:
                time.sleep_ms(1000 // RATE)
print("done:", len(LABELS) * WINDOWS * WINDOW, "readings")

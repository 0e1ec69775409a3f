"""Serial hall devices: call keypads and 4-key raters on a shared bus, and LED window strips.

Layers, each usable alone:

- :mod:`.framing` — bytes <-> keypad-bus frames (pure, fuzzed).
- :mod:`.keypad_protocol` — frames <-> typed messages (:class:`KeyPressed`, :class:`RaterPressed`),
  the key table, display/beep frames (pure).
- :mod:`.link` — one port opened by pyserial URL, one I/O thread, reopen with backoff.
- :mod:`.keypad` — :class:`KeypadBus`, the keypads and raters on one line.
- :mod:`.led_strip` — :class:`LedStrip`, configurable frame format, GBK text to RAM areas.
- :mod:`.fakes` — fake keypads, a fake serial device server and a recording strip.

This package is ``hardware.serial``; inside it ``import serial`` still means pyserial.
"""

from hardware.serial.framing import BadFrame, BadFrameReason, Frame, FrameDecoder, encode_frame
from hardware.serial.keypad import KeypadBus
from hardware.serial.keypad_protocol import KeyAction, KeypadMessage, KeyPressed, RaterPressed
from hardware.serial.led_strip import DEFAULT_LED_FORMAT, LedFrameFormat, LedStrip, WindowStrip
from hardware.serial.link import LinkStatus, SerialLink

__all__ = [
    "DEFAULT_LED_FORMAT",
    "BadFrame",
    "BadFrameReason",
    "Frame",
    "FrameDecoder",
    "KeyAction",
    "KeyPressed",
    "KeypadBus",
    "KeypadMessage",
    "LedFrameFormat",
    "LedStrip",
    "LinkStatus",
    "RaterPressed",
    "SerialLink",
    "WindowStrip",
    "encode_frame",
]

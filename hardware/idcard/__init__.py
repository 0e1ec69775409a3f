"""The 二代身份证 (resident ID card) desktop reader: frame format, driver, fake.

- :mod:`.protocol` — bytes <-> frames (``AA AA AA 96 69`` LEN CMD/SW DATA XOR) and the card's
  256-byte UCS-2LE text block (pure; the frame format is written down there).
- :mod:`.reader` — :class:`IdCardReader`: one port by URL, one I/O thread, find/select/read poll,
  reopen with backoff, health for the heartbeat; :func:`open_idcard_reader` by ``idcard:`` URL.
- :mod:`.fakes` — a fake reader that answers real frames over a loopback device server.
"""

from hardware.idcard.protocol import IdCard
from hardware.idcard.reader import Health, IdCardReader, open_idcard_reader, parse_reader_url

__all__ = ["Health", "IdCard", "IdCardReader", "open_idcard_reader", "parse_reader_url"]

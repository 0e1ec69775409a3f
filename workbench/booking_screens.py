"""Drive the booking pages in a real headless Chromium (Debian's ``chromium``, over the DevTools
protocol: no driver package needed) and save screenshots under docs/: slots, confirmation, an
error, cancel, and the slots in large text. Run: ``python -m workbench.booking_screens``.

The hall server runs in this process on the sample hall with its clock set to a Tuesday 10:00.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

from hall.clock import FakeClock
from server.booking.verification import SENT_FILE_VARIABLE
from server.runner import ServerThread, prepare_hall

DOCS = Path(__file__).resolve().parents[1] / "docs"
START = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # Tue 10:00 in the hall


class Browser:
    """One headless Chromium tab spoken to over the DevTools WebSocket."""

    def __init__(self, width: int = 412, height: int = 915) -> None:
        self.profile = tempfile.mkdtemp(prefix="hallq-chromium-")
        with socket.socket() as probe:  # a free port for the DevTools endpoint
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--remote-debugging-port={port}", f"--user-data-dir={self.profile}",
             f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while True:
            try:
                tabs = httpx.get(f"http://127.0.0.1:{port}/json").json()
                page = next(t for t in tabs if t["type"] == "page")
                break
            except (httpx.TransportError, StopIteration):
                if time.monotonic() > deadline:
                    raise RuntimeError("chromium did not start") from None
                time.sleep(0.2)
        self.ws = connect(page["webSocketDebuggerUrl"], max_size=None)
        self.ids = itertools.count(1)
        self.call("Page.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=True)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self.ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def wait_loaded(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.15)
            state = self.call("Runtime.evaluate", expression="document.readyState", returnByValue=True)["result"].get("value")
            if state == "complete":
                return

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        self.wait_loaded()

    def run(self, script: str) -> Any:
        """Run ``script`` in the page (fill a field, submit a form) and wait for the next page."""
        result = self.call("Runtime.evaluate", expression=script, returnByValue=True)["result"].get("value")
        self.wait_loaded()
        return result

    def text(self) -> str:
        return str(self.call("Runtime.evaluate", expression="document.body.innerText", returnByValue=True)["result"]["value"])

    def font_size(self, pixels: int) -> None:
        """The phone's text size setting (Chromium's default font size)."""
        self.call("Page.setFontSizes", fontSizes={"standard": pixels, "fixed": pixels})

    def shoot(self, name: str, directory: Path = DOCS) -> Path:
        metrics = self.call("Page.getLayoutMetrics")["cssContentSize"]
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": metrics["width"], "height": metrics["height"], "scale": 1})  # fmt: skip
        path = directory / name
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        self.ws.close()
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)


def fill(field: str, value: str) -> str:
    return f"document.getElementById({json.dumps(field)}).value = {json.dumps(value)};"


def drive(out: Path = DOCS) -> dict[str, str]:
    """The whole flow in Chromium; screenshots into ``out``; each page's text by name."""
    texts: dict[str, str] = {}
    work = Path(tempfile.mkdtemp(prefix="hallq-booking-"))
    sent = work / "sent.jsonl"
    os.environ[SENT_FILE_VARIABLE] = str(sent)
    hall = prepare_hall(f"sqlite:///{work / 'hall.db'}", clock=FakeClock(START), synchronous="NORMAL")
    for n in range(3):  # 15:00 fully booked, to show a full slot
        made = hall.store.request_booking(hall.hall_id, "C02", START.date(), "1500", "李四", f"1390000000{n}")
        hall.store.verify_booking(hall.hall_id, made["request"], made["verify_code"])
    server = ServerThread(hall.store).start()
    browser = Browser()
    try:
        base = server.url
        browser.open(f"{base}/b")
        print("items:", browser.shoot("booking-items.png", out))
        texts["items"] = browser.text()
        browser.open(f"{base}/b/i/C02?lang=en")
        print("days (English):", browser.shoot("booking-days-en.png", out))
        texts["days_en"] = browser.text()
        browser.open(f"{base}/b/i/C02/2026-11-17")
        print("slots:", browser.shoot("booking-slots.png", out))
        texts["slots"] = browser.text()
        browser.open(f"{base}/b/i/C02/2026-11-17/1400")
        browser.run(fill("name", "张三") + fill("phone", "1381234") + "document.forms[0].submit();")
        print("error:", browser.shoot("booking-error.png", out))
        texts["error"] = browser.text()
        browser.run(fill("name", "张三") + fill("phone", "13812345678") + "document.forms[0].submit();")
        code = json.loads(sent.read_text().splitlines()[-1])["code"]
        browser.run(fill("code", code) + "document.forms[0].submit();")
        print("confirmation:", browser.shoot("booking-confirmation.png", out))
        texts["confirmation"] = browser.text()
        booking = browser.run("document.querySelector('.code').innerText").replace(" ", "")
        browser.open(f"{base}/b/find")
        browser.run(fill("code", booking) + fill("phone", "13812345678") + "document.forms[0].submit();")
        browser.run("document.querySelector('form[action=\"/b/cancel\"]').submit();")
        print("cancelled:", browser.shoot("booking-cancelled.png", out))
        texts["cancelled"] = browser.text()
        browser.font_size(28)  # a phone set to large text
        browser.open(f"{base}/b/i/C02/2026-11-17")
        print("large text:", browser.shoot("booking-slots-large-text.png", out))
        texts["large_text"] = browser.text()
    finally:
        browser.close()
        server.stop()
        hall.engines.dispose()
        shutil.rmtree(work, ignore_errors=True)
    return texts


if __name__ == "__main__":
    drive()

"""The log-only booking code sender, the default of a hall without an SMS gateway."""

from __future__ import annotations

import json
from pathlib import Path

from server.booking.verification import LogVerificationSender


def test_the_log_sender_masks_the_number_and_keeps_only_the_last_codes_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "codes.jsonl"
    sender = LogVerificationSender(path)
    total = LogVerificationSender.KEPT_IN_MEMORY + 30
    for n in range(total):
        sender.send(f"138{n:08d}", f"{n:06d}", 5)
    assert len(sender.sent) == LogVerificationSender.KEPT_IN_MEMORY
    assert sender.last_code(f"138****{total - 1:04d}") == f"{total - 1:06d}"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == total and all("****" in line["phone"] for line in lines)

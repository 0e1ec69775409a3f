"""A real small filesystem for machine-fault tests: a tmpfs of a few hundred KB mounted for the
test (needs root and mount rights; tests skip without them). Filling it gives the kernel's own
ENOSPC — the errors a hall server's disk gives, at the
lowest honest layer, with no monkeypatching."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)


def unavailable_reason() -> str | None:
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    with tempfile.TemporaryDirectory(prefix="hallq-fs-probe-") as probe:
        result = _mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", probe)
        if result.returncode != 0:
            return f"cannot mount a tmpfs here: {result.stderr.strip()}"
        subprocess.run(["umount", probe], check=False, timeout=30)
    return None


class SmallFilesystem:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.filler = path / "filler"

    def fill(self) -> None:
        """Writes until the kernel answers ENOSPC."""
        with contextlib.suppress(OSError), open(self.filler, "ab", buffering=0) as file:
            while True:
                file.write(b"\0" * 512)

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)


@contextlib.contextmanager
def small_filesystem(size_kb: int) -> Iterator[SmallFilesystem]:
    with tempfile.TemporaryDirectory(prefix="hallq-fs-") as mount_point:
        result = _mount("-t", "tmpfs", "-o", f"size={size_kb}k,mode=0700", "tmpfs", mount_point)
        if result.returncode != 0:
            raise RuntimeError(result.stderr)
        try:
            yield SmallFilesystem(Path(mount_point))
        finally:
            subprocess.run(["umount", "-l", mount_point], check=False, timeout=30)

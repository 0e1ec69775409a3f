"""The server caps glibc's malloc arenas (server/limits.py, found by the 30-day soak): threads
that allocate get no arena of their own beyond the cap, so freed native memory is not kept in a
dozen per-thread heaps. Counted from glibc's own malloc_info report in a fresh process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROGRAM = """
import ctypes, sys, threading
sys.path.insert(0, {root!r})
from server.limits import limit_malloc_arenas
capped = {capped} and limit_malloc_arenas()

together = threading.Barrier(8)

def work():
    together.wait()  # all eight alive at once: a thread that has ended hands its arena on, even on a busy machine
    kept = [bytes(4096) for _ in range(2000)]  # above pymalloc's size: glibc malloc, in this thread's arena
    together.wait()  # ... and all holding their memory at once
    del kept

threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
out = libc.fopen({report!r}.encode(), b"w")
libc.malloc_info(0, ctypes.c_void_p(out))
libc.fclose(ctypes.c_void_p(out))
print(capped)
"""


def arenas(tmp_path: Path, capped: bool) -> int:
    report = tmp_path / f"malloc-{capped}.xml"
    program = PROGRAM.format(root=str(Path(__file__).resolve().parents[2]), capped=capped, report=str(report))
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == str(capped)
    return report.read_text().count("<heap nr=")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc arenas")
def test_allocating_threads_share_at_most_two_arenas(tmp_path: Path) -> None:
    assert arenas(tmp_path, capped=False) > 2  # each thread its own arena: what the soak's server grew in
    assert arenas(tmp_path, capped=True) <= 2

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


THRESHOLD_PROGRAM = """
import ctypes, sys
sys.path.insert(0, {root!r})
from server.limits import limit_malloc_arenas
fixed = {fixed} and limit_malloc_arenas()

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.mallinfo2.restype = MallInfo2
libc.free(libc.malloc(4 << 20))  # unfixed, glibc now raises its mmap threshold to 4 MB
blocks = [libc.malloc(2 << 20) for _ in range(20)]
held = libc.mallinfo2()
for block in blocks:
    libc.free(block)
print(fixed, held.hblkhd >> 20, held.arena >> 20)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mmap threshold")
def test_freed_megabyte_blocks_go_back_to_the_system() -> None:
    """The night's large blocks (40 MB of 2 MB blocks here) stay in the heap once glibc has raised
    its threshold, unless the server has fixed it at 1 MB."""

    def where(fixed: bool) -> tuple[int, int]:
        """MB mmapped (each given back on free) and MB in the heap while the blocks are held."""
        program = THRESHOLD_PROGRAM.format(root=str(Path(__file__).resolve().parents[2]), fixed=fixed)
        result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True)
        said, mapped, heap = result.stdout.split()
        assert said == str(fixed)
        return int(mapped), int(heap)

    mapped, heap = where(fixed=False)
    assert mapped < 20 and heap >= 40
    mapped, heap = where(fixed=True)
    assert mapped >= 40 and heap < 20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_trim_gives_free_heap_back() -> None:
    from server.limits import trim_malloc

    kept = [bytes(4096) for _ in range(20000)]  # 80 MB of glibc blocks in this thread's arena
    del kept
    assert trim_malloc() is True

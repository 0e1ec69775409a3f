"""CPU seconds read from /proc, for the server bench's CPU per operation: the server's process
tree, and this machine's PostgreSQL processes (a database on the same machine takes its share of
the cores)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` and its children (the workers of
    ``--workers N``), from /proc; NaN where /proc is not there. Unlike throughput, CPU per operation
    does not depend on what else the machine runs, so it shows what the server costs."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, found = 0.0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) ": state ppid ...
        this_pid, parent = int(stat.parent.name), int(fields[1])
        if this_pid == pid or parent == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            found = True
    return total if found else float("nan")


@dataclass(frozen=True)
class PostgresCpu:
    """CPU seconds (user + system) of this machine's PostgreSQL processes at one instant, from
    /proc: each live process's, and the postmaster's count of its reaped children. With the
    database on the same machine it takes its share of the cores, so the CPU an operation costs
    the machine is the server's plus this plus the load generator's."""

    processes: dict[int, float]
    reaped: float

    @classmethod
    def now(cls) -> PostgresCpu | None:
        """None where /proc or PostgreSQL is not there."""
        ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        processes: dict[int, float] = {}
        reaped = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                program = (stat.parent / "cmdline").read_bytes().split(b"\0", 1)[0]
                text = stat.read_text()
            except OSError:
                continue
            # The postmaster runs as .../bin/postgres; its children retitle themselves "postgres: ...".
            postmaster = program.rsplit(b"/", 1)[-1] == b"postgres"
            if postmaster or program.startswith(b"postgres:"):
                fields = text[text.rindex(")") + 2 :].split()  # state ppid ... utime(11) stime(12) cutime(13) cstime(14)
                processes[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / ticks
                if postmaster:
                    reaped += (int(fields[13]) + int(fields[14])) / ticks
        return cls(processes, reaped) if processes else None

    def spent_since(self, before: PostgresCpu) -> float:
        """CPU seconds used between ``before`` and this instant. A backend whose connection closed
        meanwhile is in the reaped count with its whole life: what it had used before is taken off."""
        live = sum(cpu - before.processes.get(pid, 0.0) for pid, cpu in self.processes.items())
        ended = sum(cpu for pid, cpu in before.processes.items() if pid not in self.processes)
        return live + (self.reaped - before.reaped) - ended

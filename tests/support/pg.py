"""A throwaway PostgreSQL cluster: ``initdb`` + ``pg_ctl`` in a temp dir, trust auth on 127.0.0.1.

Used by the server tests (a session fixture) and by ``hallq bench server``. initdb refuses to
run as root, so as root the cluster is created and run as the ``postgres`` system user.

    with PgCluster() as cluster:
        cluster.create_database("hall1")
        url = cluster.url("hall1")          # postgresql+psycopg://postgres@127.0.0.1:PORT/hall1
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

_SEARCH = ("/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin", "/opt/homebrew/opt/postgresql*/bin")


def find_bindir() -> Path | None:
    """The directory holding initdb/pg_ctl: $HALLQ_PG_BINDIR, the newest Debian install, or $PATH."""
    env = os.environ.get("HALLQ_PG_BINDIR")
    if env and (Path(env) / "initdb").exists():
        return Path(env)
    candidates: list[Path] = []
    for pattern in _SEARCH:
        candidates += [Path(p) for p in glob.glob(pattern) if (Path(p) / "initdb").exists()]

    def version(path: Path) -> tuple[int, ...]:
        digits = "".join(ch if ch.isdigit() else " " for ch in str(path)).split()
        return tuple(int(d) for d in digits)

    if candidates:
        return max(candidates, key=version)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def unavailable_reason() -> str | None:
    """Why no cluster can be started here, or None if one can."""
    bindir = find_bindir()
    if bindir is None:
        return "PostgreSQL is not installed (no initdb found; `apt install postgresql` or set HALLQ_PG_BINDIR)"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "running as root and no `runuser` to start PostgreSQL as the postgres user"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` system user to run initdb as"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgCluster:
    def __init__(self, max_connections: int = 300, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir()
        self.max_connections = max_connections
        self.datadir: Path | None = None
        self.port: int | None = None
        self._as_root = os.geteuid() == 0

    # ------------------------------------------------------------------ lifecycle

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def start(self) -> PgCluster:
        if self.bindir is None:
            raise RuntimeError(unavailable_reason() or "no PostgreSQL found")
        self.datadir = Path(tempfile.mkdtemp(prefix="hallq-pg-"))
        if self._as_root:
            import pwd

            user = pwd.getpwnam("postgres")
            os.chown(self.datadir, user.pw_uid, user.pw_gid)
        try:
            self._run(
                str(self.bindir / "initdb"),
                "-D",
                str(self.datadir),
                "--auth=trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            )
            # A port taken between free_port() and the bind is rare; try a few.
            for _attempt in range(5):
                self.port = free_port()
                options = (
                    f"-k {self.datadir} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off "
                    f"-c synchronous_commit=off -c full_page_writes=off -c max_connections={self.max_connections}"
                )
                result = self._run(
                    str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-o", options, "-l", str(self.datadir / "server.log"),
                    "-w", "-t", "60", "start", check=False,
                )  # fmt: skip
                if result.returncode == 0:
                    return self
            raise RuntimeError(f"pg_ctl start failed: {result.stderr}\n{self.log_tail()}")
        except BaseException:
            self.stop()
            raise

    def pause(self) -> None:
        """Stop the server but keep the cluster (a database outage); ``resume`` brings it back on
        the same port. A fast stop (clients cut off, transactions in flight rolled back) rather
        than an immediate one: this cluster runs with synchronous_commit=off, so an immediate stop
        loses the last fraction of a second of commits, which no hall's database would, and a
        test's setup (the hall itself) could vanish depending on timing."""
        assert self.datadir is not None and self.bindir is not None
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        assert self.datadir is not None and self.bindir is not None
        options = (
            f"-k {self.datadir} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off -c max_connections={self.max_connections}"
        )
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-o", options, "-l", str(self.datadir / "server.log"),
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self) -> None:
        if self.datadir is None:
            return
        if self.bindir is not None and (self.datadir / "postmaster.pid").exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.datadir, ignore_errors=True)
        self.datadir = None

    def __enter__(self) -> PgCluster:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 30) -> str:
        if self.datadir is None:
            return ""
        try:
            return "\n".join((self.datadir / "server.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # ------------------------------------------------------------------ databases

    def url(self, dbname: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        if self.port is None:
            raise RuntimeError("cluster not started")
        return f"{driver}://postgres@127.0.0.1:{self.port}/{dbname}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres", "postgresql"), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create_database(self, name: str) -> str:
        """Create a fresh database and return its SQLAlchemy URL."""
        if not name.replace("_", "").isalnum():
            raise ValueError(f"bad database name {name!r}")
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

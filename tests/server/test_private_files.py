"""Files and secrets on the server's disk (DESIGN.md §5, issue 15): the SQLite database (with its
WAL and shared-memory files) is 0600 in a 0700 directory, and ``hallq server``'s first manager
token goes to a 0600 file and once to the terminal — never to stdout, stderr or the log, which a
service manager keeps."""

from __future__ import annotations

import io
import logging
import os
import stat
from pathlib import Path

import pytest

from db.engine import make_engines
from db.schema import upgrade


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():  # the usual 022: files 0644 and directories 0755 unless the code says otherwise
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_new_sqlite_database_is_private(tmp_path: Path, loose_umask: None) -> None:
    path = tmp_path / "data" / "hallq" / "hall.db"
    engines = make_engines(f"sqlite:///{path}")
    upgrade(engines)
    with engines.write.connect() as connection:  # WAL and shm exist while a connection is open
        connection.exec_driver_sql("SELECT 1")
        files = [p for p in path.parent.iterdir() if p.name.startswith("hall.db")]
        assert {p.name for p in files} >= {"hall.db", "hall.db-wal"}
        assert {p.name: oct(mode(p)) for p in files} == {p.name: oct(0o600) for p in files}
    engines.dispose()
    assert oct(mode(path.parent)) == oct(0o700)


def test_an_existing_database_readable_by_others_is_made_private(tmp_path: Path, loose_umask: None) -> None:
    path = tmp_path / "hall.db"
    upgrade(make_engines(f"sqlite:///{path}"))
    path.chmod(0o644)
    engines = make_engines(f"sqlite:///{path}")
    assert oct(mode(path)) == oct(0o600)
    engines.dispose()


def test_the_first_manager_token_is_not_printed_or_logged(
    tmp_path: Path, loose_umask: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    import uvicorn

    from hallq import cli

    class Terminal(io.StringIO):
        def close(self) -> None:  # kept readable for the test; the real /dev/tty is closed
            pass

    terminal = Terminal()
    import server.runner

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)  # start nothing
    monkeypatch.setattr(server.runner, "run_listeners", lambda *args, **kwargs: None)
    monkeypatch.setattr(cli, "open_terminal", lambda: terminal, raising=False)
    database = tmp_path / "srv" / "hall.db"
    caplog.set_level(logging.DEBUG)
    assert cli.main(["server", "--database", f"sqlite:///{database}"]) == 0
    out = capsys.readouterr()

    token_file = database.parent / "first-manager-token"
    assert token_file.exists(), out.out
    token = token_file.read_text().strip()
    assert len(token) >= 32
    assert oct(mode(token_file)) == oct(0o600)
    for where, text in (("stdout", out.out), ("stderr", out.err), ("log", caplog.text)):
        assert token not in text, f"the token reached {where}"
    assert str(token_file) in out.out, "stdout says where the token is"
    assert terminal.getvalue().count(token) == 1, "shown once on the terminal"

    # A second start: the hall has its manager; no new token, the file is not rewritten.
    terminal.truncate(0)
    assert cli.main(["server", "--database", f"sqlite:///{database}"]) == 0
    assert token not in terminal.getvalue() and token_file.read_text().strip() == token

"""hallq/terminal.py: /etc/hallq/terminal.toml to the program's command line, bad files explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from hall.text import HallRuleError
from hallq.terminal import EXIT_CONFIG_ERROR, command_line, main, parse_terminal_config

GOOD = """
program = "pad"
server = "https://192.168.10.5:8760"
token = "t0ken"
ca_fingerprint = "SHA256:86:DA"
arguments = ["--window", "3"]
"""


def _scripts(tmp_path: Path, *programs: str) -> Path:
    for program in programs:
        (tmp_path / f"hallq-{program}").write_text("#!/bin/sh\n")
    return tmp_path


def test_a_pad_gets_its_server_trust_full_screen_switch_and_arguments(tmp_path: Path) -> None:
    config = parse_terminal_config(GOOD)
    command = command_line(config, _scripts(tmp_path, "pad"))
    assert command == [
        str(tmp_path / "hallq-pad"),
        "--server",
        "https://192.168.10.5:8760",
        "--token",
        "t0ken",
        "--ca-fingerprint",
        "SHA256:86:DA",
        "--fullscreen",
        "--window",
        "3",
    ]


def test_a_kiosk_on_the_servers_own_machine_needs_no_fingerprint(tmp_path: Path) -> None:
    config = parse_terminal_config('program = "kiosk"\nserver = "http://127.0.0.1:8760"\ntoken = "k"\n')
    command = command_line(config, _scripts(tmp_path, "kiosk"))
    assert command == [str(tmp_path / "hallq-kiosk"), "--server", "http://127.0.0.1:8760", "--token", "k"]


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ('program = "printer"\nserver = "http://127.0.0.1:1"\ntoken = "t"', "program should be one of"),
        ('program = "kiosk"\nserver = "https://h:8760"\ntoken = ""', "not configured yet"),
        ('program = "kiosk"\nserver = "https://h:8760"\ntoken = "t"', "needs ca_fingerprint"),
        ('program = "kiosk"\nserver = "http://127.0.0.1:1"\ntoken = 5', "token should be a string"),
        ('program = "kiosk"\nserver = "http://127.0.0.1:1"\ntoken = "t"\narguments = "--large"', "list of strings"),
        ('program = "kiosk\nserver = ', "not valid TOML"),
    ],
)
def test_a_bad_file_is_explained_in_both_languages(text: str, english: str) -> None:
    with pytest.raises(HallRuleError) as caught:
        parse_terminal_config(text, "/etc/hallq/terminal.toml")
    assert english in caught.value.message.en and "/etc/hallq/terminal.toml" in caught.value.message.en
    assert caught.value.message.zh and caught.value.message.zh != caught.value.message.en


def test_a_program_missing_from_this_installation_is_named(tmp_path: Path) -> None:
    config = parse_terminal_config(GOOD.replace('"pad"', '"guide"'))
    with pytest.raises(HallRuleError, match="no guide program"):
        command_line(config, tmp_path)


def test_main_exits_ex_config_without_exec_on_an_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "missing.toml")]) == EXIT_CONFIG_ERROR
    error = capsys.readouterr().err
    assert "无法读取" in error and "cannot read" in error and "hallq-terminal group" in error


def test_main_execs_the_configured_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "terminal.toml"
    config.write_text(GOOD, encoding="utf-8")
    (tmp_path / "bin").mkdir()
    scripts = _scripts(tmp_path / "bin", "pad")
    monkeypatch.setattr("sys.executable", str(scripts / "python"))
    executed: list[list[str]] = []

    def fake_exec(path: str, argv: list[str]) -> None:
        executed.append([path, *argv])

    monkeypatch.setattr("os.execv", fake_exec)
    main([str(config)])
    assert executed and executed[0][0] == str(scripts / "hallq-pad") and executed[0][-2:] == ["--window", "3"]

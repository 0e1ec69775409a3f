"""``hallq setup``: answers piped in, demo PINs refused, broken input explained in both languages."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from hall.config import load_config, load_sample_hall
from hall.pins import pin_problem
from hallq.cli import main


def _pipe(monkeypatch: pytest.MonkeyPatch, lines: list[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(line + "\n" for line in lines)))


SITE = ["城关镇便民服务中心", "Chengguan Service Centre", "城关镇人民路1号", "https://hall.example.cn", "sqlite:////tmp/x.db"]


def test_piped_answers_write_a_real_hall_with_new_pins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clerks = load_sample_hall().clerks
    _pipe(monkeypatch, SITE + [""] * len(clerks))
    target = tmp_path / "hall.toml"
    assert main(["setup", "--config", str(target)]) == 0
    config = load_config(target)
    assert config.name_zh == "城关镇便民服务中心" and config.public_url == "https://hall.example.cn"
    assert not config.demo
    for clerk in config.clerks:
        assert clerk.pin != clerk.staff_no and pin_problem(clerk.pin or "", clerk.staff_no) is None
    assert (tmp_path / "server.env").read_text() == "HALLQ_DATABASE=sqlite:////tmp/x.db\n"
    assert target.stat().st_mode & 0o077 == 0


def test_demo_pin_refused_then_asked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    clerks = load_sample_hall().clerks
    _pipe(monkeypatch, SITE + [clerks[0].staff_no, "739251"] + [""] * (len(clerks) - 1))
    assert main(["setup", "--config", str(tmp_path / "hall.toml")]) == 0
    out = capsys.readouterr().out
    assert f"工号 {clerks[0].staff_no}：PIN 至少 6 位" in out and "has at least 6 digits" in out
    assert load_config(tmp_path / "hall.toml").clerks[0].pin == "739251"


def test_broken_input_gets_a_bilingual_message_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _pipe(monkeypatch, [*SITE[:3], "ftp://nope", "hall", "x"])
    assert main(["setup", "--config", str(tmp_path / "hall.toml")]) == 2
    captured = capsys.readouterr()
    assert "http:// 或 https://" in captured.out and "should start with http://" in captured.out
    assert "nothing was written" in captured.err and "未写入任何文件" in captured.err
    assert not (tmp_path / "hall.toml").exists()


def test_answers_file_and_no_overwrite_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text(
        'name_zh = "甲"\nname_en = "A"\naddress = "路"\npublic_url = "http://10.0.0.2:8760"\ndatabase = "sqlite:////tmp/a.db"\n[pins]\n"1001" = "1001"\n',
        encoding="utf-8",
    )
    target = tmp_path / "hall.toml"
    assert main(["setup", "--config", str(target), "--answers", str(answers)]) == 2
    assert "1001" in capsys.readouterr().err and not target.exists()
    answers.write_text(answers.read_text(encoding="utf-8").replace('"1001" = "1001"', '"1001" = "739251"'), encoding="utf-8")
    assert main(["setup", "--config", str(target), "--answers", str(answers)]) == 0
    assert main(["setup", "--config", str(target), "--answers", str(answers)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["setup", "--config", str(target), "--answers", str(answers), "--force"]) == 0

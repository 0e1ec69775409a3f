"""``hallq clerk photo``: sets and removes a clerk's photo in the hall database; bad files and
arguments are refused in both languages before the database is touched."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from db.models import Clerk, ClerkPhoto
from ui.avatars import avatar_png


def run(*arguments: str) -> int:
    from hallq.cli import main

    return main(["clerk", "photo", *arguments])


def stored(url: str, staff_no: str) -> tuple[str, bytes | None]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            clerk = connection.execute(select(Clerk.id, Clerk.photo).where(Clerk.staff_no == staff_no)).one()
            content = connection.scalar(select(ClerkPhoto.content).where(ClerkPhoto.clerk_id == clerk.id))
            return clerk.photo, content
    finally:
        engine.dispose()


def test_set_then_remove(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    photo = tmp_path / "1003.png"
    photo.write_bytes(avatar_png("1003"))
    assert run("1003", str(photo), "--database", url) == 0
    assert "photo set for 1003" in capsys.readouterr().out
    tag, content = stored(url, "1003")
    assert len(tag) == 16 and content == photo.read_bytes()

    assert run("1003", "--remove", "--database", url) == 0
    assert stored(url, "1003") == ("", None)


def test_refusals_are_bilingual_and_touch_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'untouched.db'}"
    text_file = tmp_path / "photo.png"
    text_file.write_text("不是图片 not an image")
    assert run("1003", str(text_file), "--database", url) == 2
    assert "照片须为 PNG 或 JPEG 图片 / the photo must be a PNG or JPEG image" in capsys.readouterr().err
    assert run("1003", str(tmp_path / "missing.jpg"), "--database", url) == 2
    assert "无法读取照片文件" in capsys.readouterr().err
    assert run("1003", "--database", url) == 2
    assert "give the photo file" in capsys.readouterr().err
    assert not (tmp_path / "untouched.db").exists()  # refused before the database was created

    good = tmp_path / "ok.png"
    good.write_bytes(avatar_png("x"))
    assert run("9999", str(good), "--database", url) == 2
    assert "no clerk has staff number 9999" in capsys.readouterr().err

"""The column wrapper: Chinese counts two columns, no line ever exceeds the paper."""

from __future__ import annotations

import random

import pytest

from hardware.printer.columns import char_columns, printable, text_columns, truncate_columns, wrap_columns


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ("A023", 4),
        ("社保", 4),
        ("：（）", 6),          # full-width punctuation is full width
        ("“…”·—", 10),         # East Asian ambiguous: full width on a Chinese printer
        ("ñé", 4),             # non-ASCII letters come from the two-byte font
        ("e\u0301", 1),        # a combining mark takes no column
        ("a\tb", 2),           # control characters take none
        ("", 0),
    ],
)
def test_text_columns_counts_like_the_printer(text: str, columns: int) -> None:
    assert text_columns(text) == columns


def test_ascii_is_one_column_and_cjk_two() -> None:
    assert {char_columns(c) for c in "Az09 -:/?"} == {1}
    assert {char_columns(c) for c in "政务服务中心，。"} == {2}


def test_chinese_wraps_at_24_characters_on_48_columns() -> None:
    text = "政" * 60
    lines = wrap_columns(text, 48)
    assert [len(line) for line in lines] == [24, 24, 12]


def test_python_escpos_block_text_would_wrap_chinese_at_twice_the_width() -> None:
    # The pitfall this module exists for: textwrap counts characters, not columns.
    import textwrap

    naive = textwrap.fill("政" * 60, 48).splitlines()
    assert text_columns(naive[0]) == 96
    assert all(text_columns(line) <= 48 for line in wrap_columns("政" * 60, 48))


def test_ascii_words_stay_whole() -> None:
    lines = wrap_columns("Please bring your identity card and the household register booklet", 20)
    assert lines == ["Please bring your", "identity card and", "the household", "register booklet"]


def test_mixed_text_breaks_between_chinese_and_keeps_numbers_whole() -> None:
    lines = wrap_columns("预计等候约 125 分钟，请在大厅休息区等候叫号，过号请重新取号", 24)
    assert all(text_columns(line) <= 24 for line in lines)
    assert "125" in "".join(lines) and not any(line.endswith("12") for line in lines)


def test_closing_punctuation_never_starts_a_line() -> None:
    # 12 characters fill 24 columns; the full stop after them takes the last character along
    lines = wrap_columns("一二三四五六七八九十甲乙。丙丁", 24)
    assert lines == ["一二三四五六七八九十甲", "乙。丙丁"]


def test_opening_bracket_never_ends_a_line() -> None:
    lines = wrap_columns("居民身份证原件及复印件（本人持证）", 24)
    assert not any(line.endswith("（") for line in lines)


def test_hanging_indent_for_numbered_entries() -> None:
    lines = wrap_columns("1. 营业执照副本原件、法定代表人身份证复印件、公司章程、股东会决议", 48, indent=3)
    assert lines[0].startswith("1. ")
    assert all(line.startswith("   ") and not line.startswith("    ") for line in lines[1:])
    assert all(text_columns(line) <= 48 for line in lines)


def test_token_longer_than_a_line_is_hard_broken() -> None:
    url = "https://hall.example.gov.cn/t/20261117/A023?k=" + "9" * 60
    lines = wrap_columns("网址 " + url, 24)
    assert all(text_columns(line) <= 24 for line in lines)
    assert "".join(lines) == "网址 " + url


def test_control_characters_are_removed_so_text_cannot_carry_commands() -> None:
    assert printable("大厅\x1b@\x1dV\x00名称\n第二行") == "大厅@V名称 第二行"
    assert wrap_columns("A\x1b\x1c&B", 48) == ["A&B"]


def test_truncate_keeps_within_width_with_an_ellipsis() -> None:
    cut = truncate_columns("居民身份证原件及复印件本人持证前来办理", 20)
    assert cut.endswith("…") and text_columns(cut) <= 20
    assert truncate_columns("短", 20) == "短"


def test_empty_text_is_one_empty_line() -> None:
    assert wrap_columns("   ", 48) == [""]


@pytest.mark.parametrize("width", [24, 32, 48])
def test_random_mixed_text_never_exceeds_the_width(width: int) -> None:
    alphabet = "政务服务中心社保医保，。：（）“”…ABCabc0123 -/:?.," + "  "
    generator = random.Random(20261117)
    for _ in range(300):
        text = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 160)))
        indent = generator.choice([0, 0, 3, 10])
        lines = wrap_columns(text, width, indent=indent)
        assert all(text_columns(line) <= width for line in lines), (text, lines)
        # nothing is lost except spaces at the breaks
        assert "".join(lines).replace(" ", "") == printable(text).replace(" ", "")

from pad.pinyin import COMMENT_LIMIT, COMPLAINT_PHRASES, SYLLABLES, CommentInput, candidates


def test_syllable_gives_its_characters_first() -> None:
    assert candidates("ban")[0] == "办"
    assert "慢" in candidates("man")
    assert candidates("") == ()


def test_prefix_offers_longer_syllables() -> None:
    found = candidates("b")
    assert "把" in found and "办" in found and len(found) <= 12


def test_table_and_phrases_are_chinese() -> None:
    assert all(s.isascii() and s.isalpha() for s in SYLLABLES)
    assert all("\u4e00" <= ch <= "\u9fff" for chars in SYLLABLES.values() for ch in chars)
    assert all(len(p) <= COMMENT_LIMIT for p in COMPLAINT_PHRASES)


def test_typing_a_comment() -> None:
    text = CommentInput()
    for letter in "deng":
        text.type_letter(letter)
    text.pick(text.candidates[0])
    text.pick("时间太长")
    assert text.text == "等时间太长" and text.letters == ""
    text.type_letter("x")
    text.backspace()
    text.backspace()
    assert text.text == "等时间太"
    text.pick("很" * 100)
    assert len(text.text) == COMMENT_LIMIT

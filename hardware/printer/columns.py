"""Column arithmetic for a thermal printer's character grid.

A Chinese thermal printer in text mode prints ASCII from its half-width font (12 x 24 dots) and
every other character from its two-byte full-width font (24 x 24 dots): 80 mm paper holds 48
half-width columns, which is 24 Chinese characters. python-escpos' ``block_text()`` wraps by
``len(text)`` and so breaks Chinese lines at twice the paper width; this module counts columns
the way the printer does and wraps by them.

Why not only ``unicodedata.east_asian_width``: it is right for CJK (``W``/``F`` -> 2) and for
the ambiguous punctuation Chinese fonts draw full width (``A``: “”…·— -> 2), but it calls letters
such as ``ñ`` narrow, while the printer prints them (if at all) from the two-byte font. So the rule
is: printable ASCII takes one column, combining marks and format characters none, anything else
two. The raster renderer draws on the same grid, so both modes break lines identically.
"""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"

# Characters that must not begin a line (避头点): closing brackets and sentence punctuation.
_NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…·%,.;:?!)]}>")
# Characters that must not end a line (避尾点): opening brackets and quotes.
_NO_LINE_END = frozenset("（《「『【〔〈“‘([{<")


def char_columns(char: str) -> int:
    """Columns one character occupies on the printer: 1 for ASCII, 0 for marks, else 2."""
    code = ord(char)
    if 0x20 <= code < 0x7F:
        return 1
    if code < 0x20 or code == 0x7F:
        return 0
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf", "Cc"):
        return 0
    width = unicodedata.east_asian_width(char)
    if width in ("W", "F", "A"):
        return 2
    return 2  # narrow by Unicode, but the printer draws it from its two-byte font


def text_columns(text: str) -> int:
    """Columns a whole string occupies."""
    return sum(char_columns(char) for char in text)


def printable(text: str) -> str:
    """The text without control characters, so configured names can never smuggle ESC/POS commands.

    Tabs and newlines become spaces; other C0/C1 controls and DEL are dropped.
    """
    out = []
    for char in text:
        code = ord(char)
        if char in "\t\n\r":
            out.append(" ")
        elif code < 0x20 or 0x7F <= code < 0xA0:
            continue
        else:
            out.append(char)
    return "".join(out)


def truncate_columns(text: str, width: int, ellipsis: str = ELLIPSIS) -> str:
    """Cut ``text`` to at most ``width`` columns, ending with ``ellipsis`` when something was cut."""
    if text_columns(text) <= width:
        return text
    room = width - text_columns(ellipsis)
    kept: list[str] = []
    used = 0
    for char in text:
        cols = char_columns(char)
        if used + cols > room:
            break
        kept.append(char)
        used += cols
    return "".join(kept).rstrip() + ellipsis


def _tokens(text: str) -> list[str]:
    """Split into units a line may break between: ASCII words, single spaces, single wide characters."""
    tokens: list[str] = []
    word: list[str] = []
    for char in text:
        if char == " ":
            if word:
                tokens.append("".join(word))
                word = []
            tokens.append(" ")
        elif char_columns(char) == 1:
            word.append(char)
        elif char_columns(char) == 0 and word:
            word.append(char)
        else:
            if word:
                tokens.append("".join(word))
                word = []
            if char_columns(char) == 0 and tokens:
                tokens[-1] += char  # a combining mark stays with its base
            else:
                tokens.append(char)
    if word:
        tokens.append("".join(word))
    return tokens


def _take_columns(token: str, room: int) -> str:
    """The longest start of ``token`` that fits in ``room`` columns."""
    used = 0
    for index, char in enumerate(token):
        used += char_columns(char)
        if used > room:
            return token[:index]
    return token


def wrap_columns(text: str, width: int, *, indent: int = 0) -> list[str]:
    """Wrap ``text`` into lines of at most ``width`` printer columns.

    Chinese breaks between any two characters, ASCII words stay whole unless longer than a line,
    closing punctuation never starts a line and opening punctuation never ends one.
    Continuation lines are indented by ``indent`` spaces (a hanging indent for numbered lists).
    An empty text gives one empty line.
    """
    if width < 2:
        raise ValueError("width must be at least 2 columns")
    if not 0 <= indent <= width // 2:
        raise ValueError("indent must be between 0 and half the width")
    text = printable(text).strip()
    if not text:
        return [""]

    lines: list[str] = []
    line: list[str] = []
    used = 0
    limit = width

    def flush() -> None:
        nonlocal line, used, limit
        while line and line[-1] == " ":
            line.pop()
        lines.append("".join(line))
        line = [" " * indent] if indent else []
        used = indent
        limit = width

    pending = _tokens(text)
    pending.reverse()
    while pending:
        token = pending.pop()
        cols = text_columns(token)
        if token == " ":
            if used > (indent if lines else 0):
                if used + 1 <= limit:
                    line.append(token)
                    used += 1
                else:
                    flush()
            continue
        if used + cols <= limit:
            # keep an opening bracket together with what follows it
            if token in _NO_LINE_END and pending and used + cols + text_columns(pending[-1]) > limit and len(line) > 1:
                flush()
            line.append(token)
            used += cols
            continue
        if cols > width - indent:
            # wider than a fresh line: fill what is left of this one, carry the rest
            head = _take_columns(token, limit - used)
            if head:
                line.append(head)
            flush()
            pending.append(token[len(head):])
            continue
        if token in _NO_LINE_START and len(line) > (2 if indent and lines else 1):
            # 避头点: move the previous character down with the punctuation
            carried = line.pop()
            flush()
            pending.append(token)
            pending.append(carried)
            continue
        flush()
        pending.append(token)
    if line and "".join(line).strip():
        flush()
    return lines

"""The metric definitions every export prints (XLSX sheet, PDF footnotes), in Chinese and English.

The English text is read from the "Definitions" list of ``hall/reports.py``'s docstring, the one
place the figures are defined, so an export never describes a figure differently from the code
that computes it. The Chinese translation of each definition is kept here, keyed by the term the
definition starts with; tests check that every definition there has one.
"""

from __future__ import annotations

import re

import hall.reports
from hall.text import Bilingual

DEFINITIONS_ZH: dict[str, str] = {
    "issued": "取号数：统计期内取号的张数（按取号时所选的业务类别、事项、时段、星期计）。",
    "served": "办结数：在窗口办结的服务次数（转移后在两个窗口各办理一次的，两个窗口各计一次）。",
    "no-shows": "过号：以“过号”结束的服务次数；转移：以转移结束的服务次数；代办 / 帮办：导办台标记的号票办结的次数。",
    "waiting time": "等候时间：每次服务从排队到被叫号的时间（转移后保留原排位，即首问负责，第二次等候从第一次排队时起算）。",
    "service time": "办理时间：每次办结的服务从开始办理到办结的时间。",
    "满意率": "满意率 =（非常满意 + 满意 + 基本满意）/ 群众评价数；评价率 = 群众评价数 / 办结数。"
    "超过规定天数未评价而记录的默认评价单独统计，不计为群众本人的评价。",
    "follow-ups": "差评整改：每条差评一件；按期 = 在期限内办结；逾期 = 超期办结或已过期限仍未办结；未结 = 尚未办结且未到期限。",
    "pauses": "暂停：次数与总时长；AB岗超时离岗 = 超过3分钟的暂停。",
}

_BULLET_KEY = re.compile(r"^(?P<key>[^:=]+?)\s*(?::|=)")


def _english_definitions() -> list[tuple[str, str]]:
    """(term, English text) for each bullet under "Definitions" in hall/reports.py's docstring."""
    doc = hall.reports.__doc__ or ""
    _, _, section = doc.partition("Definitions")
    bullets: list[str] = []
    for line in section.splitlines()[1:]:
        stripped = line.strip()
        if stripped.startswith("- "):
            bullets.append(stripped[2:])
        elif stripped and bullets and line.startswith("  "):
            bullets[-1] += " " + stripped
        elif not stripped and bullets:
            break
    definitions = []
    for text in bullets:
        match = _BULLET_KEY.match(text)
        definitions.append((match.group("key").strip() if match else text, text))
    return definitions


def metric_definitions() -> list[Bilingual]:
    """Every definition, Chinese first; a definition added to hall/reports.py without a translation yet shows in English twice."""
    return [Bilingual(DEFINITIONS_ZH.get(term, text), text) for term, text in _english_definitions()]


def definition_terms() -> list[str]:
    """The terms the definitions start with, in their order (for the translation check in the tests)."""
    return [term for term, _ in _english_definitions()]

"""岗位公示 text: the post a clerk holds — the window, its name and the categories it serves, and
the A/B post — from the hall snapshot's shapes. Plain Python (no Qt), shared by the pad and the
window screen, and kept current by the ``window_categories_changed`` and ``clerk_logged_in``
events between snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from hall.text import Bilingual


@dataclass(frozen=True)
class WindowPost:
    number: int
    name: Bilingual = field(default_factory=lambda: Bilingual("", ""))
    primary: tuple[str, ...] = ()  # series served first
    secondary: tuple[str, ...] = ()
    post: str = ""  # "A" or "B" for the clerk logged in, "" for none
    category_names: dict[str, Bilingual] = field(default_factory=dict)  # series -> name

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any], number: int) -> WindowPost:
        names = {
            str(c.get("series", "")): Bilingual(str(c.get("name_zh", "")), str(c.get("name_en", "") or c.get("name_zh", "")))
            for c in snapshot.get("categories", [])
        }
        for window in snapshot.get("windows", []):
            if window.get("number") == number:
                return cls(
                    number,
                    Bilingual(str(window.get("name_zh", "")), str(window.get("name_en", "") or window.get("name_zh", ""))),
                    tuple(window.get("primary") or ()),
                    tuple(window.get("secondary") or ()),
                    str(window.get("post") or ""),
                    names,
                )
        return cls(number, category_names=names)

    def on_event(self, kind: str, data: dict[str, Any]) -> WindowPost:
        """The post after an event (unchanged for events about other windows or other things)."""
        if data.get("window") != self.number:
            return self
        if kind == "window_categories_changed":
            return replace(self, primary=tuple(data.get("primary") or ()), secondary=tuple(data.get("secondary") or ()))
        if kind == "clerk_logged_in":
            return replace(self, post=str(data.get("post") or ""))
        if kind == "clerk_logged_out":
            return replace(self, post="")
        return self

    def text(self) -> Bilingual:
        """E.g. "3号窗口 不动产登记 · A岗 · 办理：不动产登记、税务（兼）"."""
        zh_parts = [f"{self.number}号窗口 {self.name.zh}".strip()]
        en_parts = [f"Window {self.number} {self.name.en}".strip()]
        if self.post:
            zh_parts.append(f"{self.post}岗")
            en_parts.append(f"post {self.post}")
        zh_served = [self.category_names.get(s, Bilingual(s, s)).zh for s in self.primary]
        zh_served += [f"{self.category_names.get(s, Bilingual(s, s)).zh}（兼）" for s in self.secondary]
        en_served = [self.category_names.get(s, Bilingual(s, s)).en for s in self.primary]
        en_served += [f"{self.category_names.get(s, Bilingual(s, s)).en} (also)" for s in self.secondary]
        if zh_served:
            zh_parts.append("办理：" + "、".join(zh_served))
            en_parts.append("serves: " + ", ".join(en_served))
        return Bilingual(" · ".join(zh_parts), " · ".join(en_parts))

"""Which window moves the advisor recommends: candidate moves, each scored on the model with one
window changed, chosen greedily best first and re-checked on the full model; and, when nothing
needs help, an idle window to close."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from hall.advisor.model import EPS, Model, ModelWindow
from hall.advisor.snapshot import HallSnapshot, MoveKind, Recommendation, SpareClerk, WindowStatus
from hall.text import Bilingual

# --------------------------------------------------------------------------- recommending


@dataclass
class _Candidate:
    gain: float
    kind: MoveKind
    window: ModelWindow
    target: int
    primary: list[int]
    secondary: list[int]
    avail: float
    clerk: SpareClerk | None = None
    wait_after: float = 0.0
    min_gain: float = 0.0
    pooling: bool = False  # a window taking its clerk's other categories, at the lower bar


def recommend_moves(model: Model, snapshot: HallSnapshot) -> tuple[Recommendation, ...]:
    settings = model.settings
    out: list[Recommendation] = []
    rejected: set[tuple[int, int, MoveKind, int, int]] = set()
    moves = extra_pools = 0
    while moves < settings.max_moves or extra_pools < settings.max_pool_moves:
        # pooling has an allowance of its own beyond max_moves: it only adds categories, so a hall
        # that starts from its configured plan pools in a few rounds instead of a window at a time
        candidates = [
            cand
            for cand in _candidates(model, rejected, pooling_only=moves >= settings.max_moves)
            if moves < settings.max_moves or (cand.pooling and extra_pools < settings.max_pool_moves)
        ]
        if not candidates:
            break
        # best saving first; on a tie (two backlogs that both outlast the horizon save the same
        # ticket-minutes) the category further over its target goes first
        candidates.sort(key=lambda cand: (-round(cand.gain, 1), -model.wait[cand.target] / model.target[cand.target]))
        chosen = None
        for cand in candidates[:4]:
            before_total = model.total
            undo = _apply(model, cand)
            gain = before_total - model.total
            if gain >= cand.min_gain:
                chosen = (cand, undo, gain)
                break
            _undo(model, cand, undo)
            rejected.add((cand.window.number, cand.target, cand.kind, len(cand.primary), len(cand.secondary)))
        if chosen is None:
            break
        cand, undo, gain = chosen
        if moves < settings.max_moves:
            moves += 1
        else:
            extra_pools += 1
        out.append(_describe(model, cand, undo, gain))
    if not out:
        close = _close_candidate(model)
        if close is not None:
            out.append(close)
    return tuple(out)


def _candidates(model: Model, rejected: set[tuple[int, int, MoveKind, int, int]], pooling_only: bool = False) -> list[_Candidate]:
    settings = model.settings
    h = model.h
    n = len(model.cats)
    ratio = [model.wait[c] / model.target[c] for c in range(n)]
    helped = [c for c in range(n) if model.active[c] and ratio[c] > settings.act_ratio]
    helped.sort(key=lambda c: -ratio[c])
    helped = helped[: settings.max_beneficiaries]
    found: list[_Candidate] = []
    move_avail = max(0.0, (h - settings.switch_delay_minutes) / h)
    add_avail = max(0.0, (h - settings.add_delay_minutes) / h)
    max_cats = settings.max_categories_per_window

    def consider(
        kind: MoveKind,
        w: ModelWindow,
        c: int,
        primary: list[int],
        secondary: list[int],
        avail: float,
        clerk: SpareClerk | None = None,
        min_gain: float | None = None,
        pooling: bool = False,
    ) -> None:
        if (w.number, c, kind, len(primary), len(secondary)) in rejected:
            return
        delta, servers, waits = model.try_change(w, primary, secondary, avail)
        gain = -delta
        threshold = settings.min_gain_ticket_minutes if min_gain is None else min_gain
        if gain < threshold:
            return
        helped_ratio = waits.get(c, model.wait[c]) / model.target[c]
        for x, after in servers.items():
            if x == c or after >= model.servers[x] + model.promo_servers[x] - 1e-9 or not model.active[x]:
                continue
            x_ratio = waits[x] / model.target[x]
            if x_ratio > settings.release_ratio and x_ratio * (1.0 + settings.balance_margin) > helped_ratio:
                return
        if w.serving and not _keeps_windows(model, w, primary, secondary):
            return
        found.append(_Candidate(gain, kind, w, c, primary, secondary, avail, clerk, waits.get(c, model.wait[c]), threshold, pooling))

    if settings.pool_secondaries:
        # pool: a window also takes, as secondary, the clerk's other trained categories that have
        # tickets or arrivals — spare minutes of one window then serve several small queues
        for w in model.windows:
            if not w.movable or w.changed or w.since_change < settings.min_stay_minutes:
                continue
            current = w.primary + w.secondary
            # categories already over act_ratio are helped by the moves below, at the full bar
            extra = [x for x in w.skills if x not in current and model.active[x] and ratio[x] <= settings.act_ratio]
            extra.sort(key=lambda x: -ratio[x])
            extra = extra[: max(0, max_cats - len(current))]
            if extra:
                consider(
                    MoveKind.ADD_CATEGORY,
                    w,
                    extra[0],
                    list(w.primary),
                    [*w.secondary, *extra],
                    add_avail,
                    min_gain=settings.min_gain_ticket_minutes * settings.pool_gain_share,
                    pooling=True,
                )
    if pooling_only:
        return found
    giving_cost = {w.number: _giving_cost(model, w) for w in model.windows}
    closed = [w for w in model.windows if w.status is WindowStatus.CLOSED and not w.changed]
    empty_closed = next((w for w in closed if w.clerk is None), None)
    for c in helped:
        # open a closed window: its own logged-in clerk, or a free clerk at an empty closed window
        for w in closed:
            if w.clerk is not None and c in w.skills:
                consider(MoveKind.OPEN_WINDOW, w, c, [c], _extra_skills(model, w.skills, c, max_cats - 1, ratio), move_avail)
        if empty_closed is not None:
            seen: set[frozenset[str]] = set()
            for clerk in model.spare:
                skills = frozenset(clerk.skills)
                if model.cats[c].series not in skills or skills in seen:
                    continue
                seen.add(skills)
                idx = frozenset(model.index[s] for s in clerk.skills if s in model.index)
                consider(MoveKind.OPEN_WINDOW, empty_closed, c, [c], _extra_skills(model, idx, c, max_cats - 1, ratio), move_avail, clerk)
        # change an open window whose clerk has the skill
        for w in _windows_to_try(model, c, giving_cost):
            current = w.primary + w.secondary
            if model.shared:
                # the window calls across all its categories: c gains by being one more of them,
                # or by having the window to itself; primary and secondary mean the same
                if c not in current and len(current) < max_cats:
                    consider(MoveKind.ADD_CATEGORY, w, c, list(w.primary), [*w.secondary, c], add_avail)
                if current != [c]:
                    consider(MoveKind.MOVE_WINDOW, w, c, [c], [], move_avail if c not in current else add_avail)
                continue
            if model.calls_across and c in current:
                continue  # focus or a primary place would change nothing in the call order
            if c in w.primary:
                if len(w.primary) > 1:  # focus: c alone first, the window's other categories after it
                    consider(MoveKind.MOVE_WINDOW, w, c, [c], [x for x in current if x != c], add_avail)
                continue
            if c not in w.secondary and len(current) < max_cats:
                consider(MoveKind.ADD_CATEGORY, w, c, list(w.primary), [*w.secondary, c], add_avail)
            # sharing the primary place takes from the window's primary categories: skip at once when
            # one of them is already too strained to give (the full check would refuse it anyway)
            if any(
                model.active[x] and ratio[x] > settings.release_ratio and ratio[x] * (1.0 + settings.balance_margin) > ratio[c]
                for x in w.primary
            ):
                continue
            if model.calls_across:
                continue  # a primary place for c would be the same as the secondary one above
            others = [x for x in w.secondary if x != c]
            if len(w.primary) + 1 + len(others) <= max_cats:
                consider(MoveKind.ADD_CATEGORY, w, c, [*w.primary, c], others, add_avail)
            demoted = [x for x in current if x != c]
            demoted.sort(key=lambda x: -model.need[x])
            consider(MoveKind.MOVE_WINDOW, w, c, [c], demoted[: max_cats - 1], move_avail)
    return found


def _giving_cost(model: Model, w: ModelWindow) -> float:
    """A cheap guess of what the hall loses when window ``w`` gives time away: the waiting cost of
    each category it serves, weighed by the share of that category's capacity the window gives."""
    cost = 0.0
    for x, given in w.contrib.items():
        total = model.servers[x] + model.promo_servers[x]
        if total > EPS:
            cost += model.cost[x] * (given + w.promo.get(x, 0.0)) / total
    return cost


def _windows_to_try(model: Model, c: int, giving_cost: Mapping[int, float]) -> list[ModelWindow]:
    """The open windows whose clerk could help category ``c``. With broad skills that is nearly every
    window, and scoring every one dominates the advisor's time; a window that already serves ``c``
    is always tried, the others only the ``windows_per_category`` that would lose least by giving
    time (the rest rarely pass the release check, which protects strained categories)."""
    settings = model.settings
    usable = [w for w in model.by_skill[c] if w.movable and not w.changed and w.since_change >= settings.min_stay_minutes]
    limit = settings.windows_per_category
    if limit <= 0 or len(usable) <= limit:
        return usable
    serving_c = [w for w in usable if c in w.primary or c in w.secondary]
    others = [w for w in usable if c not in w.primary and c not in w.secondary]
    others.sort(key=lambda w: (giving_cost[w.number], w.number))
    return serving_c + others[:limit]


def _extra_skills(model: Model, skills: frozenset[int], c: int, room: int, ratio: Sequence[float]) -> list[int]:
    """A newly opened window also takes, as secondary, the clerk's other categories that are under strain."""
    extra = [x for x in skills if x != c and model.active[x] and ratio[x] > 0.5]
    extra.sort(key=lambda x: -ratio[x])
    return extra[: max(room, 0)]


def _keeps_windows(model: Model, w: ModelWindow, primary: Sequence[int], secondary: Sequence[int]) -> bool:
    """No category with waiting tickets or arrivals loses its last window, or its last primary window."""
    after_all = set(primary) | set(secondary)
    for x in () if model.shared else w.primary:  # under a shared call rule no window is "primary"
        if model.active[x] and x not in primary and model.m[x] <= 1:
            return False
    for x in w.primary + w.secondary:
        if model.active[x] and x not in after_all and model.count[x] <= 1:
            return False
    return True


@dataclass
class _Undo:
    status: WindowStatus
    primary: list[int]
    secondary: list[int]
    clerk: str | None
    skills: frozenset[int]
    avail: float
    since_change: float
    spare_index: int | None
    wait_before: float
    by_skill_added: bool


def _apply(model: Model, cand: _Candidate) -> _Undo:
    w = cand.window
    undo = _Undo(w.status, w.primary, w.secondary, w.clerk, w.skills, w.avail, w.since_change, None, model.wait[cand.target], False)
    if cand.clerk is not None:
        undo.spare_index = model.spare.index(cand.clerk)
        model.spare.pop(undo.spare_index)
        w.clerk = cand.clerk.staff_no
        w.skills = frozenset(model.index[s] for s in cand.clerk.skills if s in model.index)
        for c in w.skills:
            model.by_skill[c].append(w)
        undo.by_skill_added = True
    w.status = WindowStatus.OPEN
    w.primary, w.secondary = list(cand.primary), list(cand.secondary)
    w.avail = cand.avail
    w.since_change = 0.0
    w.changed = True
    model.solve()
    return undo


def _undo(model: Model, cand: _Candidate, undo: _Undo) -> None:
    w = cand.window
    if undo.by_skill_added:
        for c in w.skills:
            model.by_skill[c].remove(w)
    if undo.spare_index is not None and cand.clerk is not None:
        model.spare.insert(undo.spare_index, cand.clerk)
    w.status, w.primary, w.secondary = undo.status, undo.primary, undo.secondary
    w.clerk, w.skills, w.avail, w.since_change = undo.clerk, undo.skills, undo.avail, undo.since_change
    w.changed = False
    model.solve()


def _names(model: Model, items: Iterable[int]) -> tuple[str, str]:
    items = list(items)
    zh = "、".join(model.cats[c].label.zh for c in items) or "无"
    en = ", ".join(model.cats[c].label.en for c in items) or "nothing"
    return zh, en


def _describe(model: Model, cand: _Candidate, undo: _Undo, gain: float) -> Recommendation:
    c = cand.target
    cat = model.cats[c]
    name = cat.label
    series = [x.series for x in model.cats]
    before, after, target = undo.wait_before, model.wait[c], cat.target_wait_minutes
    before_text = "无窗口办理" if math.isinf(before) else f"{before:.0f} 分钟"
    before_en = "no window serves it" if math.isinf(before) else f"{before:.0f} min"
    why_zh = f"{name.zh}预计等候{before_text}，目标 {target:.0f} 分钟；调整后约 {after:.0f} 分钟，全厅共减少约 {gain:.0f} 人·分钟等候"
    why_en = (
        f"{name.en}: predicted wait {before_en} against a {target:.0f} min target; about {after:.0f} min after, "
        f"saving about {gain:.0f} ticket-minutes of waiting in the next {model.h:.0f} min"
    )
    w = cand.window
    if cand.kind is MoveKind.OPEN_WINDOW:
        clerk = w.clerk or ""
        zh = f"开放{w.number}号窗口（工号 {clerk}）办理{name.zh}。{why_zh}"
        en = f"Open window {w.number} (clerk {clerk}) for {name.en}. {why_en}"
    elif cand.kind is MoveKind.MOVE_WINDOW and model.shared:
        old_zh, old_en = _names(model, [x for x in undo.primary + undo.secondary if x != c])
        zh = f"{w.number}号窗口改为专办{name.zh}（不再办理{old_zh}）。{why_zh}"
        en = f"Window {w.number} serves only {name.en} (no longer {old_en}). {why_en}"
    elif cand.kind is MoveKind.MOVE_WINDOW and c in undo.primary:
        others_zh, others_en = _names(model, [x for x in undo.primary if x != c])
        zh = f"{w.number}号窗口专办{name.zh}，{others_zh}改为兼办。{why_zh}"
        en = f"Window {w.number} serves {name.en} first; {others_en} become secondary. {why_en}"
    elif cand.kind is MoveKind.MOVE_WINDOW:
        old_zh, old_en = _names(model, undo.primary)
        zh = f"{w.number}号窗口由主办{old_zh}改为主办{name.zh}（原业务转为兼办）。{why_zh}"
        en = f"Move window {w.number} from {old_en} to {name.en} (the old categories become secondary). {why_en}"
    elif c in cand.primary:
        zh = f"{w.number}号窗口增加主办{name.zh}。{why_zh}"
        en = f"Window {w.number} also serves {name.en} as a primary category. {why_en}"
    elif model.calls_across:
        added = [x for x in cand.secondary if x not in undo.primary and x not in undo.secondary]
        added_zh, added_en = _names(model, added or [c])
        zh = f"{w.number}号窗口增加办理{added_zh}（与本窗口业务一起按等候叫号）。{why_zh}"
        en = f"Window {w.number} also serves {added_en}, called with its own categories by waiting time. {why_en}"
    else:
        added = [x for x in cand.secondary if x not in undo.primary and x not in undo.secondary]
        added_zh, added_en = _names(model, added or [c])
        zh = f"{w.number}号窗口兼办{added_zh}（本窗口业务无人等候时办理）。{why_zh}"
        en = f"Window {w.number} also serves {added_en} when its own queues are empty. {why_en}"
    return Recommendation(
        kind=cand.kind,
        window=w.number,
        series=cat.series,
        primary=tuple(series[x] for x in w.primary),
        secondary=tuple(series[x] for x in w.secondary),
        before_primary=tuple(series[x] for x in undo.primary),
        before_secondary=tuple(series[x] for x in undo.secondary),
        clerk=w.clerk,
        gain_ticket_minutes=gain,
        wait_before=before,
        wait_after=after,
        reason=Bilingual(zh, en),
    )


def _close_candidate(model: Model) -> Recommendation | None:
    settings = model.settings
    best: tuple[float, ModelWindow, dict[int, float]] | None = None
    for w in model.windows:
        if not w.movable or w.changed or w.idle < settings.close_idle_minutes or w.since_change < settings.min_stay_minutes:
            continue
        cats = w.primary + w.secondary
        if any(model.q[c] > 0 for c in cats) or not _keeps_windows(model, w, [], []):
            continue
        delta, _servers, waits = model.try_change(w, [], [], 0.0)
        if any(waits[c] > settings.close_below_ratio * model.target[c] for c in waits):
            continue
        if best is None or delta < best[0]:
            best = (delta, w, waits)
    if best is None:
        return None
    delta, w, waits = best
    series = [x.series for x in model.cats]
    cats_zh, cats_en = _names(model, w.primary + w.secondary)
    worst = max(waits.values(), default=0.0)
    reason = Bilingual(
        f"{w.number}号窗口已空闲 {w.idle:.0f} 分钟，{cats_zh}无人等候；关闭后预计等候不超过 {worst:.0f} 分钟，仍远低于目标，工作人员可做其他工作",
        f"Window {w.number} has been idle {w.idle:.0f} min and nobody waits for {cats_en}; after closing the predicted "
        f"wait stays at most {worst:.0f} min, well under target, and the clerk is free for other work",
    )
    return Recommendation(
        kind=MoveKind.CLOSE_WINDOW,
        window=w.number,
        series=None,
        primary=(),
        secondary=(),
        before_primary=tuple(series[x] for x in w.primary),
        before_secondary=tuple(series[x] for x in w.secondary),
        clerk=None,
        gain_ticket_minutes=-delta,
        wait_before=max((model.wait[c] for c in waits), default=0.0),
        wait_after=worst,
        reason=reason,
    )

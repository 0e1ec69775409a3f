"""Alerts from the hall's rules: long waits, unserved categories, predicted waits over target,
long queues and long pauses. Stateless: an alert clears when its condition stops."""

from __future__ import annotations

import math
from collections.abc import Mapping

from hall.advisor.snapshot import AdvisorSettings, Alert, AlertKind, HallSnapshot, Prediction, WindowStatus, serving_of
from hall.config import RulesConfig
from hall.serving import unserved_categories
from hall.text import Bilingual

# --------------------------------------------------------------------------- alerts


def alerts_of(
    snapshot: HallSnapshot, predictions: Mapping[str, Prediction], settings: AdvisorSettings, rules: RulesConfig
) -> tuple[Alert, ...]:
    out: list[Alert] = []
    waiting = {c.series: c.waiting for c in snapshot.categories}
    unserved = set(unserved_categories(waiting, (serving_of(w) for w in snapshot.windows)))
    for cat in snapshot.categories:
        name = cat.label
        limit = rules.long_wait_alert_minutes
        if limit > 0 and cat.oldest_minutes > limit:
            over = sum(1 for age in cat.waiting_ages if age > limit)
            out.append(
                Alert(
                    AlertKind.LONG_WAIT,
                    cat.series,
                    None,
                    cat.oldest_minutes,
                    limit,
                    Bilingual(
                        f"{name.zh}有 {over} 人等候超过 {limit:.0f} 分钟（最长 {cat.oldest_minutes:.0f} 分钟），请开设应急窗口",
                        f"{name.en}: {over} waited over {limit:.0f} min (longest {cat.oldest_minutes:.0f} min); open an emergency window",
                    ),
                )
            )
        if cat.series in unserved:
            out.append(
                Alert(
                    AlertKind.UNSERVED,
                    cat.series,
                    None,
                    float(cat.waiting),
                    0.0,
                    Bilingual(
                        f"{name.zh}有 {cat.waiting} 人等候，但没有在岗窗口办理（窗口关闭、暂停或无人登录）",
                        f"{name.en}: {cat.waiting} waiting and no staffed window serves it (closed, paused or nobody logged in)",
                    ),
                )
            )
        prediction = predictions.get(cat.series)
        # No window serving it makes the predicted wait endless: the unserved alert above says so,
        # and "预计等候无窗口办理" said it again, badly.
        no_window_alerted = cat.series in unserved
        if prediction is not None and (cat.waiting or cat.arrivals_per_hour > 0) and prediction.over_target:
            value = prediction.wait_minutes
            if math.isinf(value):
                text = Bilingual(
                    f"{name.zh}没有窗口办理，等候将超过目标 {cat.target_wait_minutes:.0f} 分钟",
                    f"{name.en}: no window serves it, so waits will exceed the {cat.target_wait_minutes:.0f} min target",
                )
            else:
                text = Bilingual(
                    f"{name.zh}预计等候 {value:.0f} 分钟，超过目标 {cat.target_wait_minutes:.0f} 分钟",
                    f"{name.en}: predicted wait {value:.0f} min, over the {cat.target_wait_minutes:.0f} min target",
                )
            if not (math.isinf(value) and no_window_alerted):
                out.append(Alert(AlertKind.OVER_TARGET, cat.series, None, value, cat.target_wait_minutes, text))
    for w in snapshot.windows:
        if w.status is WindowStatus.CLOSED:
            continue
        queued = sum(waiting.get(s, 0) for s in w.series)
        if queued > settings.queue_alert_count:
            out.append(
                Alert(
                    AlertKind.LONG_QUEUE,
                    None,
                    w.number,
                    float(queued),
                    float(settings.queue_alert_count),
                    Bilingual(
                        f"{w.number}号窗口所办业务有 {queued} 人等候",
                        f"{queued} waiting for the categories of window {w.number}",
                    ),
                )
            )
        if w.status is WindowStatus.PAUSED and w.paused_minutes > rules.pause_warn_minutes:
            out.append(
                Alert(
                    AlertKind.LONG_PAUSE,
                    None,
                    w.number,
                    w.paused_minutes,
                    rules.pause_warn_minutes,
                    Bilingual(
                        f"{w.number}号窗口已暂停 {w.paused_minutes:.0f} 分钟，超过 {rules.pause_warn_minutes:.0f} 分钟（AB角）",
                        f"Window {w.number} paused {w.paused_minutes:.0f} min, over the {rules.pause_warn_minutes:.0f} min AB-post limit",
                    ),
                )
            )
    return tuple(out)

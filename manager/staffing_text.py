"""What the staffing plan tab (排班建议) says, without Qt: the day choices, the table's headers,
cells and highlighted shortfalls, the summary and lunch-turn lines, and the CSV and printable
HTML of a plan as the server sent it (``/api/staffing-plan``, computed by
:mod:`hall.staffing_plan`). The tab only puts these into widgets, so they are checked without a
screen.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from hall.text import Bilingual

PERIOD_TEXT: dict[str, Bilingual] = {
    "regular": Bilingual("正常", "regular"),
    "lunch": Bilingual("午间", "lunch"),
    "extended": Bilingual("延时", "extended"),
    "weekend": Bilingual("双休日", "weekend"),
    "appointment_only": Bilingual("预约", "appointments"),
}
FIXED_HEADERS = [
    Bilingual("时段", "Slot"),
    Bilingual("类型", "Period"),
]
TOTAL_HEADERS = [
    Bilingual("合计", "Needed"),
    Bilingual("合并排队", "Pooled"),
    Bilingual("在岗", "On duty"),
    Bilingual("缺口", "Short"),
]


def day_choices(today: date) -> list[tuple[Bilingual, date]]:
    """Today, tomorrow and the next weekend day after today (for 双休日 service)."""
    weekend = today + timedelta(days=1)
    while weekend.isoweekday() < 6:
        weekend += timedelta(days=1)
    return [
        (Bilingual("今天", "Today"), today),
        (Bilingual("明天", "Tomorrow"), today + timedelta(days=1)),
        (Bilingual("下一个周末日", "Next weekend day"), weekend),
    ]


def choice_label(name: Bilingual, day: date) -> str:
    weekday = "一二三四五六日"[day.isoweekday() - 1]
    return f"{name.zh} {name.en} · {day:%m-%d} 周{weekday}"


def headers(plan: Mapping[str, Any]) -> list[Bilingual]:
    """Column headers: slot, period, one per category ("B 商事登记" / "B Business Registration"), the totals."""
    categories = [Bilingual(f"{c['series']} {c['name_zh']}", f"{c['series']} {c['name_en']}") for c in plan["categories"]]
    return [*FIXED_HEADERS, *categories, *TOTAL_HEADERS]


def cell_text(windows: int, arrivals_per_hour: float) -> str:
    """Windows needed, the forecast arrivals an hour in brackets: "3 (16)"; a dash for none."""
    if windows == 0 and arrivals_per_hour < 0.5:
        return "—"
    return f"{windows} ({arrivals_per_hour:.0f})"


def rows(plan: Mapping[str, Any]) -> list[list[str]]:
    out = []
    for slot in plan["slots"]:
        period = PERIOD_TEXT.get(slot["period"], Bilingual(slot["period"], slot["period"]))
        cells = [cell_text(c["windows"], c["arrivals_per_hour"]) for c in slot["categories"]]
        short = str(slot["shortfall"]) if slot["shortfall"] else ""
        out.append(
            [
                f"{slot['start']}–{slot['end']}",
                period.zh,
                *cells,
                str(slot["needed"]),
                str(slot["pooled_needed"]),
                str(slot["on_duty"]),
                short,
            ]
        )
    return out


def short_cells(plan: Mapping[str, Any]) -> set[tuple[int, int]]:
    """(row, column) of the cells to highlight: a category that goes short, and the slot's 缺口."""
    first_category = len(FIXED_HEADERS)
    series = [c["series"] for c in plan["categories"]]
    short_column = first_category + len(series) + len(TOTAL_HEADERS) - 1
    marked: set[tuple[int, int]] = set()
    for row, slot in enumerate(plan["slots"]):
        for name in slot["short"]:
            if name in series:
                marked.add((row, first_category + series.index(name)))
        if slot["shortfall"]:
            marked.add((row, short_column))
    return marked


def _peak_line(label: Bilingual, peak: Mapping[str, Any] | None) -> Bilingual | None:
    if not peak or not peak["needed"]:
        return None
    return Bilingual(
        f"{label.zh} {peak['start']} 需 {peak['needed']} 个窗口（合并排队 {peak['pooled_needed']}），在岗 {peak['on_duty']} 人",
        f"{label.en} {peak['start']}: {peak['needed']} windows ({peak['pooled_needed']} pooled), {peak['on_duty']} clerks at windows",
    )


def summary(plan: Mapping[str, Any]) -> list[Bilingual]:
    """The day in a few lines: no history, closed, or the peaks against the clerks."""
    if not plan.get("open", True):
        return [Bilingual("当天不办公（节假日或休息日），无需排班。", "The hall is closed that day (a holiday or a rest day): no plan.")]
    lines: list[Bilingual] = []
    if not plan.get("days_observed"):
        lines.append(
            Bilingual(
                "尚无办件历史，无法预测到达量：排班建议需要至少一周的历史。",
                "No history yet, so no forecast: the plan needs at least a week of the hall's history.",
            )
        )
    lines.append(
        Bilingual(
            f"按近 {plan.get('days_observed', 0)} 个同类日的到达量预测；{plan['clerks']} 名工作人员，{plan['windows']} 个窗口；"
            f"标准：平均等候不超过各业务目标，且 {plan['within_target_share']:.0%} 的群众在目标时间内叫号。",
            f"Forecast from {plan.get('days_observed', 0)} comparable days; {plan['clerks']} clerks, {plan['windows']} windows; "
            f"standard: mean wait within each category's target and {plan['within_target_share']:.0%} called within it.",
        )
    )
    if plan.get("absent"):
        names = "、".join(f"{a['name']}（{a['staff_no']}）" for a in plan["absent"])
        lines.append(Bilingual(f"已按在岗登记除去当天缺勤 {len(plan['absent'])} 人：{names}", f"Left out as absent that day (roster): {names}"))
    peaks = plan["peaks"]
    for label, key in (
        (Bilingual("上午高峰", "Morning peak"), "morning"),
        (Bilingual("午间", "Lunch"), "lunch"),
        (Bilingual("下午高峰", "Afternoon peak"), "afternoon"),
        (Bilingual("延时", "Extended hours"), "extended"),
    ):
        line = _peak_line(label, peaks.get(key))
        if line is not None:
            lines.append(line)
    if plan["pools"]:
        zh = "、".join("+".join(p) for p in plan["pools"])
        lines.append(
            Bilingual(
                f"“合并排队”：已共用窗口的业务（{zh}）交叉培训后合并排队所需的窗口数。",
                f"'Pooled': windows needed if the categories that already share a window ({zh}) pooled their queues after cross-training.",
            )
        )
    return lines


def lunch_lines(plan: Mapping[str, Any]) -> list[Bilingual]:
    """One line per lunch turn: its time and its clerks (午间错峰)."""
    out = []
    for number, turn in enumerate(plan["lunch_turns"], start=1):
        names = "、".join(s["name"] or s["staff_no"] for s in turn["staff"])
        out.append(
            Bilingual(
                f"第{number}批午休 {turn['start']}–{turn['end']}（{len(turn['staff'])} 人）：{names}",
                f"Lunch turn {number} {turn['start']}–{turn['end']} ({len(turn['staff'])} clerks)",
            )
        )
    return out


def plan_csv(plan: Mapping[str, Any]) -> str:
    """The table as CSV (bilingual headers; each category's windows and forecast arrivals an hour
    in columns of their own), then the notes."""
    out = io.StringIO()
    writer = csv.writer(out)
    series = [c["series"] for c in plan["categories"]]
    head = ["时段 Slot", "类型 Period"]
    for c in plan["categories"]:
        head += [f"{c['series']} {c['name_zh']} 窗口 windows", f"{c['series']} 到达/小时 arrivals/h"]
    head += ["合计 Needed", "合并排队 Pooled", "在岗 On duty", "缺口 Short"]
    writer.writerow([f"排班建议 Staffing plan {plan['date']}"])
    writer.writerow(head)
    for slot in plan["slots"]:
        cells = {c["series"]: c for c in slot["categories"]}
        line = [f"{slot['start']}-{slot['end']}", PERIOD_TEXT.get(slot["period"], Bilingual(slot["period"], "")).zh]
        for name in series:
            line += [cells[name]["windows"], cells[name]["arrivals_per_hour"]]
        line += [slot["needed"], slot["pooled_needed"], slot["on_duty"], slot["shortfall"]]
        writer.writerow(line)
    for note in [*lunch_lines(plan), *(Bilingual(n["zh"], n["en"]) for n in plan["notes"])]:
        writer.writerow([note.zh, note.en])
    return out.getvalue()


TRAINING_HEADERS = [
    Bilingual("工作人员", "Clerk"),
    Bilingual("本岗类别", "Home category"),
    Bilingual("建议培训", "Train in"),
    Bilingual("模型估算", "Model"),
    Bilingual("平均等候 培训前", "Mean wait before"),
    Bilingual("培训后", "After"),
    Bilingual("节省（分钟）", "Saving (min)"),
]


def _estimate_text(estimate: Mapping[str, Any] | None) -> str:
    if not estimate:
        return "—"
    half = estimate.get("half_width")
    return f"{estimate['value']:.2f}" + (f" ±{half:.2f}" if isinstance(half, int | float) and half == half else "")


def training_rows(training: Mapping[str, Any]) -> list[list[str]]:
    """One row per suggestion, best simulated saving first (the server's order)."""
    return [
        [
            f"{t['staff_no']} {t['name']}",
            f"{t['home']} {t['home_zh']}",
            f"{t['train_in']} {t['train_in_zh']}",
            f"{t['screened_gain']:.2f}",
            _estimate_text(t.get("mean_before")),
            _estimate_text(t.get("mean_after")),
            _estimate_text(t.get("saving")),
        ]
        for t in training.get("suggestions", [])
    ]


def training_summary(training: Mapping[str, Any]) -> Bilingual:
    basis = (
        Bilingual(f"按近期 {training['days_observed']} 天的到达预测", f"on the forecast from {training['days_observed']} observed days")
        if training.get("days_observed")
        else Bilingual("尚无历史数据，按各类别窗口高峰 85% 繁忙估算", "no history yet: each category's windows 85 % busy at the peak")
    )
    if not training.get("suggestions"):
        return Bilingual(f"交叉培训建议：暂无可缩短等候的培训（{basis.zh}）", f"Cross-training: no training would shorten waits ({basis.en})")
    return Bilingual(
        f"交叉培训建议：{basis.zh}，每项以 {training['seeds']} 个随机种子仿真培训前后（各窗口办理其人员所会的全部类别），节省为逐种子配对差（±95%）",
        f"Cross-training: {basis.en}; each simulated on {training['seeds']} seeds with and without the skill "
        "(every window serving all its clerk's categories), saving paired by seed (±95 %)",
    )


def training_html(training: Mapping[str, Any] | None) -> str:
    if not training:
        return ""
    head = "".join(f"<th>{html.escape(h.zh)}</th>" for h in TRAINING_HEADERS)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in line) + "</tr>" for line in training_rows(training))
    line = training_summary(training)
    table = f"<table border='1' cellspacing='0' cellpadding='3'><tr>{head}</tr>{body}</table>" if body else ""
    return f"<h3>交叉培训建议 Cross-training</h3><p>{html.escape(line.zh)}<br><span style='color:#666'>{html.escape(line.en)}</span></p>{table}"


def plan_html(plan: Mapping[str, Any], hall_name: str) -> str:
    """A printable page: title, summary, the table with shortfalls in red, lunch turns and notes."""
    marked = short_cells(plan)
    head = "".join(f"<th>{html.escape(h.zh)}</th>" for h in headers(plan))
    body = []
    for r, line in enumerate(rows(plan)):
        cells = "".join(
            f"<td style='{'color:#b00020;font-weight:bold;' if (r, c) in marked else ''}'>{html.escape(v)}</td>" for c, v in enumerate(line)
        )
        body.append(f"<tr>{cells}</tr>")
    paragraphs = "".join(f"<p>{html.escape(b.zh)}<br><span style='color:#666'>{html.escape(b.en)}</span></p>" for b in summary(plan))
    lunch = "".join(f"<p>{html.escape(b.zh)}</p>" for b in lunch_lines(plan))
    notes = "".join(f"<li>{html.escape(n['zh'])}</li>" for n in plan["notes"])
    return (
        f"<h2>{html.escape(hall_name)} 排班建议 Staffing plan · {html.escape(plan['date'])}</h2>{paragraphs}"
        "<p style='color:#666'>单元格：所需窗口数（预测每小时到达人数） Cell: windows needed (forecast arrivals an hour)</p>"
        f"<table border='1' cellspacing='0' cellpadding='3'><tr>{head}</tr>{''.join(body)}</table>"
        f"{lunch}<ul>{notes}</ul>"
    )

from hall.followup import followup_figures, percent


def test_rates_from_calls_and_closing_dates() -> None:
    rows = [
        {
            "status": "resolved",
            "deadline": "2026-11-24",
            "closed_on": "2026-11-20",
            "calls": [{"reached": True, "rectification": "加开窗口"}],
        },
        {"status": "resolved", "deadline": "2026-11-24", "closed_on": "2026-11-25", "calls": [{"reached": False}, {"reached": True}]},
        {"status": "open", "deadline": "2026-11-24", "closed_on": None, "calls": [{"reached": False, "rectification": "  "}]},
        {"status": "open", "deadline": "2026-11-30", "calls": []},
    ]
    figures = followup_figures(rows)
    assert (figures.cases, figures.reached, figures.rectified, figures.closed, figures.closed_on_time) == (4, 2, 1, 2, 1)
    assert figures.followup_rate == 0.5 and figures.rectification_rate == 0.25 and figures.on_time_rate == 0.5
    assert percent(figures.followup_rate) == "50%"


def test_no_cases_has_no_rate() -> None:
    figures = followup_figures([])
    assert figures.followup_rate is None and percent(figures.on_time_rate) == "—"


def test_open_cases_past_their_deadline_are_red_and_those_due_soon_amber() -> None:
    from datetime import date

    from hall.devices import Severity
    from hall.followup import followup_alerts

    rows = [
        {"status": "open", "deadline": "2026-11-20"},
        {"status": "open", "deadline": "2026-11-23"},
        {"status": "resolved", "deadline": "2026-11-01"},  # closed late: counted in 按时率, not escalated
        {"status": "open", "deadline": "2026-11-26"},
        {"status": "open", "deadline": "2026-12-20"},
    ]
    overdue, due = followup_alerts(rows, date(2026, 11, 24))
    assert (overdue.key, overdue.severity, due.key, due.severity) == ("followup:overdue", Severity.FAULT, "followup:due", Severity.WARNING)
    assert overdue.message.zh.startswith("2 件差评回访已超期") and "2026-11-20" in overdue.message.zh
    assert due.message.en.startswith("1 差评 follow-up(s) due within 2 days")
    assert followup_alerts(rows[2:3], date(2026, 11, 24)) == []

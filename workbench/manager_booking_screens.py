"""Regenerate docs/manager-bookings.png and docs/manager-phone-booking.png: the console's 预约 tab
over bookings made through the real API (a developer tool, not part of the console).

A hall server runs in this process on the sample hall, its clock at Tuesday 08:40. The manager
books callers by phone for today and the next days; at 09:05 the kiosk checks some in; at 10:35
the daily housekeeping counts the 09:00 and 09:30 bookings nobody came for as no-shows. The
console is then shot at 1600×1000 on the calendar (today chosen) and on the 电话预约 form just
after a booking, and on the settings with a holiday list the server refused
(docs/manager-booking-settings.png)::

    QT_QPA_PLATFORM=offscreen python -m workbench.manager_booking_screens [docs]
"""

from __future__ import annotations

from datetime import UTC, datetime

from ui.screenshots import screenshot_hall, wait_until

# (day, slot, item, how many): callers booked by phone
BOOKINGS = [
    ("2026-11-17", "09:00", "C02", 3),
    ("2026-11-17", "09:30", "C02", 2),
    ("2026-11-17", "09:30", "G01", 2),
    ("2026-11-17", "14:00", "C02", 3),
    ("2026-11-17", "15:00", "A01", 1),
    ("2026-11-18", "09:00", "C02", 2),
    ("2026-11-18", "10:00", "G01", 1),
    ("2026-11-19", "14:30", "C02", 1),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def main(argv: list[str] | None = None) -> int:
    from manager.app import create_window
    from manager.window import ManagerWindow

    with screenshot_hall(argv, datetime(2026, 11, 17, 0, 40, tzinfo=UTC)) as shot:
        app, out, clock = shot.app, shot.out, shot.clock
        manager, kiosk = shot.enroll("manager", "值班长"), shot.enroll("kiosk", "取号机1")
        items = {i["code"] for c in manager.booking_items()["categories"] for i in c["items"]}
        codes: dict[tuple[str, str], list[str]] = {}
        n = 0
        for day, start, item, count in BOOKINGS:
            if item not in items:
                raise SystemExit(f"the sample hall has no item {item}")
            for _ in range(count):
                n += 1
                body = {"item": item, "day": day, "start": start, "name": f"{SURNAMES[n % len(SURNAMES)]}先生", "phone": f"139{n:08d}"}
                made = manager.request("POST", "/api/bookings/phone", body)
                codes.setdefault((day, start), []).append(made["code"])
        clock.advance(25 * 60)  # 09:05: four callers come and check in at the kiosk
        for code in codes[("2026-11-17", "09:00")][:2] + codes[("2026-11-17", "09:30")][:2]:
            kiosk.check_in(code)
        clock.advance(90 * 60)  # 10:35: the 09:00 and 09:30 slots are over, no-shows counted
        manager.request("POST", "/api/bookings/housekeeping")

        window = create_window(shot.server.url, manager.token or "")
        assert isinstance(window, ManagerWindow)
        window.resize(1600, 1000)
        window.show()
        wait_until(app, lambda: bool(window.snapshot.get("windows")))
        tab = window.bookings_page
        window.tabs.setCurrentWidget(tab)
        page = tab.calendar_page
        wait_until(app, lambda: page.calendar is not None and page.list_table.rowCount() > 0)
        app.processEvents()
        window.grab().save(str(out / "manager-bookings.png"))

        form = tab.phone_page
        tab.pages.setCurrentWidget(form)
        wait_until(app, lambda: form.slot_box.count() > 0)
        form.choose("C02", "2026-11-18", "")
        wait_until(app, lambda: form.day_box.currentData() == "2026-11-18" and form.slot_box.findData("14:00") >= 0)
        form.choose("C02", "2026-11-18", "14:00")
        form.name_edit.setText("赵敏")
        form.phone_edit.setText("13812345678")
        form.submit()
        wait_until(app, lambda: form.last is not None)
        wait_until(app, lambda: "余 2 个" in form.slot_box.currentText())
        app.processEvents()
        window.grab().save(str(out / "manager-phone-booking.png"))

        settings = tab.settings_page
        tab.pages.setCurrentWidget(settings)
        wait_until(app, lambda: bool(settings.published) and bool(settings.share_spins))
        settings.holiday_edits["closed_dates"].setPlainText("2026-12-31\n2027-01-01\n2027-13-01")
        settings.save()  # refused by the server: the bad date is shown under its list
        wait_until(app, lambda: bool(settings.error_text("closed_dates")))
        window.grab().save(str(out / "manager-booking-settings.png"))
        window.close()
    print(f"screenshots written to {out}/manager-bookings.png and manager-phone-booking.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

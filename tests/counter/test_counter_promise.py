"""The 承诺件 form and its 告知单 against a real hall server: a visible name, the item chosen from
the ticket's category (its 承诺时限 following), the materials ticked by keyboard, and the bytes
the counter's printer (python-escpos Dummy) received."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from counter.flow import CounterState
from db.models import Service
from hall.tickets import Outcome
from tests.counter.live import LiveHall, wait_for
from tests.counter.test_counter_live import OUTCOME_KEYS, key, make_counter


def serving_promise(qtbot, live: LiveHall, items: list[str] | None = None):  # type: ignore[no-untyped-def]
    ticket = live.issue("A", items=items or [])
    counter = make_counter(qtbot, live, staff="1001")
    for k, state in ((Qt.Key.Key_F1, CounterState.CALLED), (Qt.Key.Key_F3, CounterState.SERVING)):
        key(qtbot, counter, k)
        wait_for(qtbot, lambda state=state: counter.flow.state is state)
    key(qtbot, counter, Qt.Key.Key_F4)
    key(qtbot, counter, OUTCOME_KEYS[Outcome.PROMISED])
    assert counter.prompt == "promise"
    return ticket, counter


def printed_text(counter) -> tuple[bytes, str]:  # type: ignore[no-untyped-def]
    raw = bytes(counter.printer.output.escpos.output)
    return raw, raw.decode("gb18030", errors="ignore")


def test_the_form_names_the_item_ticks_materials_and_prints_them(qtbot, live: LiveHall) -> None:
    ticket, counter = serving_promise(qtbot, live, items=["A01"])
    form = counter.prompts.promise
    assert counter.applicant_edit.echoMode() is QLineEdit.EchoMode.Normal, "the name is a visible field"
    assert [counter.item_combo.itemText(i) for i in range(counter.item_combo.count())][1:] == ["企业投资项目备案", "建设工程规划许可", "施工许可证核发"]
    assert form.chosen_item()["code"] == "A01" and counter.promised_days_spin.value() == 2, "the ticket's item and its days"
    counter.item_combo.setCurrentIndex(counter.item_combo.findData("A02"))  # the citizen came for another item
    assert counter.promised_days_spin.value() == 10, "the 承诺时限 follows the item"
    assert [box.text() for box in form.material_boxes] == ["建设工程规划许可申请表", "建设用地批准文件", "设计方案总平面图"]
    assert not any(box.isChecked() for box in form.material_boxes), "nothing ticked until handed in"
    key(qtbot, form.material_boxes[0], Qt.Key.Key_Space)
    key(qtbot, form.material_boxes[2], Qt.Key.Key_Space)
    assert form.materials_received() == ["建设工程规划许可申请表", "设计方案总平面图"]
    counter.applicant_edit.setText("欧阳娜娜")  # (QTest cannot type CJK; the field is a plain QLineEdit)
    assert counter.applicant_edit.displayText() == "欧阳娜娜"
    qtbot.keyClicks(counter.phone_edit, "13912345678")
    printed = []
    counter.notice_printed.connect(printed.append)
    key(qtbot, form.material_boxes[2], Qt.Key.Key_Return)  # Enter on a material finishes and prints
    wait_for(qtbot, lambda: counter.flow.state is CounterState.IDLE and printed)

    service = live.rows(Service, Service.ticket_id == ticket["id"])[0]
    assert service.outcome == "promised" and service.item_code == "A02"
    assert list(service.materials_received) == ["建设工程规划许可申请表", "设计方案总平面图"]
    notice = printed[0]
    assert notice.item == "建设工程规划许可" and notice.window_phone == "0531-88601001"
    assert notice.status_url == f"http://127.0.0.1:8760/t/{ticket['public_id']}"

    raw, text = printed_text(counter)
    assert "承诺件告知单" in text and "办理事项：建设工程规划许可" in text
    assert "投资建设项目" not in text, "the item, never the category"
    assert "1. 建设工程规划许可申请表" in text and "2. 设计方案总平面图" in text and "建设用地批准文件" not in text
    assert "咨询电话：0531-88601001" in text and "扫码查询办理进度" in text
    assert b"\x1d(k" in raw and notice.status_url.encode() in raw, "a QR code of the case's status page"
    assert "欧阳娜娜" not in text and "欧**娜" in text and "139****5678" in text, "masked on paper"
    assert counter.applicant_edit.text() == "" and counter.phone_edit.text() == ""


def test_nothing_ticked_prints_none_received(qtbot, live: LiveHall) -> None:
    ticket, counter = serving_promise(qtbot, live, items=["A01"])
    counter.applicant_edit.setText("张三")
    printed = []
    counter.notice_printed.connect(printed.append)
    key(qtbot, counter.item_combo, Qt.Key.Key_Return)
    wait_for(qtbot, lambda: printed)
    _raw, text = printed_text(counter)
    assert "办理事项：企业投资项目备案" in text and "未收材料" in text and "（无）" not in text
    assert list(live.rows(Service, Service.ticket_id == ticket["id"])[0].materials_received or []) == []


def test_a_ticket_without_an_item_must_choose_one(qtbot, live: LiveHall) -> None:
    _ticket, counter = serving_promise(qtbot, live)
    form = counter.prompts.promise
    assert form.chosen_item() is None and form.material_boxes == [] and counter.promised_days_spin.value() == 5
    assert counter.item_combo.currentText() == "— 请选择办理事项 —"
    counter.applicant_edit.setText("张三")
    key(qtbot, counter.item_combo, Qt.Key.Key_Return)
    assert counter.prompt == "promise" and "请选择办理事项" in counter.message_label.text()
    counter.item_combo.setCurrentIndex(counter.item_combo.findData("A03"))
    assert counter.promised_days_spin.value() == 5 and len(form.material_boxes) == 4
    key(qtbot, counter.item_combo, Qt.Key.Key_Return)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.IDLE)

"""The counter window's transfer (转移) and find-a-ticket (查号) actions, kept beside
:mod:`counter.window` so that module stays readable; :class:`TransferAndFind` is one of
:class:`~counter.window.CounterWindow`'s bases and uses its prompts, connections and flow.

Transfer with sight: the list (:mod:`counter.transfer_targets`) says what waits at every
target and who serves it, redrawn from a fresh snapshot while it is open; a window nobody
serves asks first (Enter = transfer anyway, Esc = back to the list, the same row still chosen).

查号 (F11): a citizen back after missing the call, or one the clerk wants now. The server says
what may be done (``actions``): back in the queue a few places from the head, and/or called
straight to this window when the hall allows it and the window is idle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from counter.flow import CounterAction
from counter.snapshot import hall_timezone
from counter.texts import error_text, found_ticket_actions, found_ticket_text
from counter.transfer_targets import TransferTarget, transfer_targets
from server.client import ApiError

if TYPE_CHECKING:
    from counter.flow import CounterFlow
    from counter.prompts import PromptPanel
    from ui.connection import ServerConnection

A = CounterAction


class TransferAndFind:
    """Mixed into CounterWindow; the attributes below are the window's."""

    if TYPE_CHECKING:
        prompts: PromptPanel
        flow: CounterFlow
        clerk_conn: ServerConnection
        snapshot: dict[str, Any]
        window_number: int | None
        prompt: str | None
        _choice_kind: str
        _choices: list[tuple[str, Callable[[], None]]]

        def _t(self, zh: str, en: str) -> str: ...
        def _send(self, action: CounterAction, method: str, *args: Any, done: Callable[[Any], None], begin: bool = True, **kwargs: Any) -> None: ...
        def _closed(self, message: str) -> None: ...
        def _called(self, result: dict[str, Any]) -> None: ...
        def _show_choices(self) -> None: ...
        def _schedule_counts(self) -> None: ...
        def _fit(self) -> None: ...
        def open_prompt(self, name: str) -> None: ...
        def close_prompt(self) -> None: ...
        def render(self) -> None: ...
        def show_message(self, text: str, error: bool = False) -> None: ...
        def setFocus(self) -> None: ...  # Qt's name

    _pending_transfer: tuple[TransferTarget, str] | None = None
    _found_ticket: dict[str, Any] | None = None

    # ---- transfer

    def _open_transfer(self) -> None:
        """The transfer list from the snapshot at hand, redrawn from a fresh one as it arrives:
        who staffs a window may have changed since the last count."""
        self.prompts.transfer.start(transfer_targets(self.snapshot, self.window_number), self.lang)
        self.open_prompt("transfer")
        self.prompts.transfer.target.setFocus()
        self._schedule_counts()

    def _refill_transfer(self) -> None:
        form = self.prompts.transfer
        chosen, note = form.chosen_target(), form.note.text()
        form.start(transfer_targets(self.snapshot, self.window_number), self.lang)
        form.note.setText(note)
        if chosen is not None:
            form.select(chosen.key)

    def submit_transfer(self) -> None:
        """Transfer to the chosen target; a window nobody serves asks first (Enter / Esc)."""
        if self.prompt != "transfer":
            return
        target = self.prompts.transfer.chosen_target()
        if target is None:
            return
        note = self.prompts.transfer.note.text().strip()
        if target.warning is not None:
            self._pending_transfer = (target, note)
            self.prompt = "confirm"
            self.prompts.show_page("confirm")
            self.prompts.confirm.setFocus()
            self.render()
            self._fit()
            return
        self._transfer(target, note)

    def confirm_transfer(self) -> None:
        if self.prompt != "confirm" or self._pending_transfer is None:
            return
        target, note = self._pending_transfer
        self._transfer(target, note)

    def back_to_transfer(self) -> None:
        """Esc on the warning: back to the list, the same row and note still chosen."""
        if self._pending_transfer is None:
            self.close_prompt()
            return
        target, note = self._pending_transfer
        self._pending_transfer = None
        self.prompt = "transfer"
        self.prompts.show_page("transfer")
        self.prompts.transfer.note.setText(note)
        self.prompts.transfer.select(target.key)
        self.prompts.transfer.target.setFocus()
        self.render()
        self._fit()

    def _transfer(self, target: TransferTarget, note: str) -> None:
        self._pending_transfer = None
        self.close_prompt()
        number = (self.flow.ticket or {}).get("number", "")
        kind, value = target.kind, target.value
        kwargs = {"to_series": value} if kind == "series" else {"to_window": int(value)}

        def done(result: dict[str, Any]) -> None:
            ahead = result.get("people_ahead")
            where = f"{value}" if kind == "series" else self._t(f"{value}号窗口", f"window {value}")
            self._closed(
                self._t(f"{number} 已转移至{where}，保留原等候时间（前面 {ahead} 人）", f"{number} transferred to {where}, keeping its wait ({ahead} ahead)")
            )

        self._send(A.TRANSFER, "transfer", self.window_number, note=note, done=done, **kwargs)

    def _confirm_title(self) -> str:
        if self._pending_transfer is None or self._pending_transfer[0].warning is None:
            return ""
        warning = self._pending_transfer[0].warning
        return self._t(warning.zh, warning.en)

    # ---- find a ticket by its number (查号)

    def find_ticket(self, number: str) -> None:
        def failed(error: ApiError) -> None:
            self.show_message(error_text(error), error=True)

        self.clerk_conn.call("find_ticket", number.upper(), on_done=self._found, on_error=failed)

    def _found(self, ticket: dict[str, Any]) -> None:
        self._found_ticket = ticket
        status = found_ticket_text(ticket, hall_timezone(self.snapshot))
        choices, note = found_ticket_actions(ticket, self.flow.can(A.CALL_NUMBER))
        if not choices:
            extra = f"（{note.zh}）" if note else "，无需处理"
            extra_en = f" ({note.en})" if note else ": nothing to do"
            self.show_message(self._t(status.zh + extra, status.en + extra_en))
            return
        actions = {"requeue": lambda: self.requeue(ticket), "call": lambda: self.call_found(ticket)}
        self._choice_kind = "found"
        self._choices = [(self._t(label.zh, label.en), actions[action]) for action, label in choices]
        self._show_choices()

    def requeue(self, ticket: dict[str, Any]) -> None:
        self.close_prompt()
        number = ticket.get("number", "")

        def done(result: dict[str, Any]) -> None:
            ahead = result.get("people_ahead", 0)
            self.show_message(self._t(f"{number} 已重新排队，前面 {ahead} 人", f"{number} is back in the queue, {ahead} ahead"))
            self._schedule_counts()

        def failed(error: ApiError) -> None:
            self.show_message(error_text(error), error=True)

        self.clerk_conn.call("requeue", int(ticket["id"]), on_done=done, on_error=failed)

    def call_found(self, ticket: dict[str, Any]) -> None:
        self.close_prompt()
        self._send(A.CALL_NUMBER, "call_number", self.window_number, ticket["number"], done=self._called)

    def _found_title(self) -> str:
        ticket = self._found_ticket or {}
        status = found_ticket_text(ticket, hall_timezone(self.snapshot))
        _choices, note = found_ticket_actions(ticket, self.flow.can(A.CALL_NUMBER))
        return self._t(
            f"查号：{status.zh}{'；' + note.zh if note else ''}（按数字选择，Esc 取消）",
            f"Found: {status.en}{'; ' + note.en if note else ''} (press a digit, Esc cancels)",
        )

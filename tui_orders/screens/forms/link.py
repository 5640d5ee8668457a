"""A production or purchase order linked to a client order.

New: kind, number (blank: the next ``PR-``/``PO-`` number is generated; a number typed links
an existing production or purchase order), status, deadline (the order's, proposed), expected
date and note. Edit: status, expected date and note (kind, number and deadline stay).

:class:`RelatedChoice` is the small "new what?" dialog of the order's Related tab.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Select, Static

from ...data import orders
from ...data.models import LinkedOrder, LinkKind, LinkStatus, Order
from ...i18n import _, format_date, status_label
from ...widgets.fields import DateInput, FieldInput
from .base import FormScreen


@dataclass
class _Loaded:
    number: str
    deadline: dt.date
    link: LinkedOrder | None


class LinkForm(FormScreen[bool]):
    """``LinkForm(order_id, expected_version, link_id=None)``: True when saved."""

    ERROR_FIELDS: ClassVar[dict[str, str]] = {
        "already linked": "number",
        "linked order number": "number",
        "number": "number",
        "expected date": "expected",
        "expected": "expected",
        "deadline": "deadline",
        "status": "status",
    }

    def __init__(self, order_id: int, expected_version: int, link_id: int | None = None) -> None:
        super().__init__()
        self.order_id = order_id
        self.expected_version = expected_version
        self.link_id = link_id

    def title_text(self) -> str:
        if self.link_id is not None:
            return _("Production or purchase order")
        return _("New production or purchase order")

    def compose_fields(self) -> ComposeResult:
        editing = self.link_id is not None
        yield self.row(
            "kind",
            _("Kind"),
            Select(
                [(status_label(k.value), k.value) for k in LinkKind],
                value=LinkKind.PRODUCTION.value,
                allow_blank=False,
                compact=True,
                disabled=editing,
            ),
        )
        yield self.row(
            "number",
            _("Number"),
            FieldInput(
                max_length=60,
                placeholder=_("blank: the next one; or an existing number"),
                disabled=editing,
            ),
        )
        yield self.row(
            "status",
            _("Status"),
            Select(
                [(status_label(s.value), s.value) for s in LinkStatus],
                value=LinkStatus.PLANNED.value,
                allow_blank=False,
                compact=True,
            ),
        )
        yield self.row("deadline", _("Deadline"), DateInput(required=False, disabled=editing))
        yield self.row("expected", _("Expected"), DateInput(required=False))
        yield self.row("note", _("Note"), FieldInput())

    # ------------------------------------------------------------------ loading

    def load_work(self) -> Callable[[], Any]:
        order_id, link_id = self.order_id, self.link_id

        def load() -> _Loaded:
            order = Order.get_by_id(order_id)
            link = LinkedOrder.get_by_id(link_id) if link_id is not None else None
            return _Loaded(order.number, order.deadline, link)

        return load

    def after_load(self, data: _Loaded) -> None:
        link = data.link
        title = self.query_one("#form-title", Static)
        if link is None:
            title.update(
                Text(
                    _("New production or purchase order · order {number}").format(
                        number=data.number
                    )
                )
            )
            self.field("deadline").value = format_date(data.deadline)
            self.show_hint("deadline", _("the order's deadline"))
            self.query_one("#f-kind", Select).focus()
            return
        title.update(
            Text(
                _("{kind} {number} · order {order}").format(
                    kind=status_label(link.kind), number=link.number, order=data.number
                )
            )
        )
        self.query_one("#f-kind", Select).value = link.kind
        self.field("number").value = link.number
        self.query_one("#f-status", Select).value = link.status
        self.field("deadline").value = format_date(link.deadline)
        self.field("expected").value = format_date(link.expected)
        self.field("note").value = link.note
        self.query_one("#f-status", Select).focus()

    # ------------------------------------------------------------------ saving

    def save_work(self) -> Callable[[], bool]:
        status = str(self.choice("status"))
        expected = self.field("expected").date
        note = self.value("note")
        version = self.expected_version
        if self.link_id is not None:
            link_id = self.link_id

            def update() -> bool:
                orders.update_link(
                    link_id,
                    version,
                    status=status,
                    expected=expected or "",  # "" clears it
                    note=note,
                )
                return True

            return update
        order_id, kind, number = self.order_id, str(self.choice("kind")), self.value("number")
        deadline = self.field("deadline").date
        today = getattr(self.app, "today", dt.date.today)()

        def create() -> bool:
            orders.create_linked(
                order_id,
                kind,
                number or None,
                status=status,
                deadline=deadline,
                expected=expected,
                note=note,
                today=today,
                expected_version=version,
            )
            return True

        return create


class RelatedChoice(ModalScreen[str | None]):
    """What to add in the Related tab: ``"delivery"`` or ``"link"`` (None on Escape)."""

    DEFAULT_CSS = """
    RelatedChoice { align: center middle; }
    RelatedChoice > Vertical {
        width: 56; height: auto; border: thick $primary; background: $surface; padding: 1 2;
    }
    RelatedChoice Button { width: 100%; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "choose('')", "Back", id="related_choice_back"),
        Binding("d", "choose('delivery')", "Delivery", id="related_choice_delivery"),
        Binding("l", "choose('link')", "Production or purchase order", id="related_choice_link"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(_("Add to this order"), style="bold"))
            yield Button(_("d  Delivery (sale or shipment)"), id="delivery")
            yield Button(_("l  Production or purchase order"), id="link")

    def on_mount(self) -> None:
        self.query_one("#delivery", Button).focus()

    def action_choose(self, what: str) -> None:
        self.dismiss(what or None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)


__all__ = ["LinkForm", "RelatedChoice"]

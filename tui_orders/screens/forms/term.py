"""A payment term of an order: name ("advance 30%"), due date, amount."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult

from ...data import orders
from ...data.models import PaymentTerm
from ...data.money import format_money
from ...i18n import _, format_date
from ...widgets.fields import DateInput, FieldInput, MoneyInput
from .base import FormScreen


class TermForm(FormScreen[bool]):
    """``TermForm(order_id, expected_version, term_id=None)``: True when saved."""

    ERROR_FIELDS: ClassVar[dict[str, str]] = {
        "term name": "name",
        "payment term": "name",
        "due date": "due",
        "amount": "amount",
    }

    def __init__(self, order_id: int, expected_version: int, term_id: int | None = None) -> None:
        super().__init__()
        self.order_id = order_id
        self.expected_version = expected_version
        self.term_id = term_id

    def title_text(self) -> str:
        return _("Edit payment term") if self.term_id else _("New payment term")

    def compose_fields(self) -> ComposeResult:
        yield self.row(
            "name", _("Name"), FieldInput(required=True, placeholder=_("e.g. advance 30%"))
        )
        yield self.row("due", _("Due date"), DateInput())
        yield self.row("amount", _("Amount"), MoneyInput())

    def load_work(self) -> Callable[[], Any] | None:
        term_id = self.term_id
        if term_id is None:
            return None
        return lambda: PaymentTerm.get_by_id(term_id)

    def after_load(self, term: PaymentTerm | None) -> None:
        if term is not None:
            self.field("name").value = term.name
            self.field("due").value = format_date(term.due)
            self.field("amount").value = format_money(term.amount)
        self.field("name").focus()

    def save_work(self) -> Callable[[], bool]:
        name, due, amount = self.value("name"), self.field("due").date, self.value("amount")
        order_id, version, term_id = self.order_id, self.expected_version, self.term_id

        def save() -> bool:
            if term_id is None:
                orders.add_term(order_id, name, due, amount, version)
            else:
                orders.update_term(term_id, version, name=name, due=due, amount=amount)
            return True

        return save

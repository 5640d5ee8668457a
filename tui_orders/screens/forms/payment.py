"""A payment of an order: date, amount, note, and how it is split over the order's documents.

The allocation grid has one line per money: a document and its duplicates (a proforma and
the invoice that replaced it) are one line, since a payment against either pays the pair.
Typing the amount proposes the oldest unpaid documents first (by due date, a document without
one being due when issued, then by issue date), each filled up to what is still open on it,
until the amount is used; every line stays editable and "left unallocated" follows live.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from ...data import orders
from ...data.errors import ValidationError
from ...data.models import Allocation, FinancialDocument, Order, Payment
from ...data.money import ZERO, format_money, parse_money
from ...i18n import _, format_amount, format_date, status_label
from ...widgets.fields import DateInput, FieldInput, MoneyInput
from .base import FormScreen


@dataclass
class DocLine:
    """One line of the grid: an original document and its duplicates."""

    root_id: int
    label: str
    amount: Decimal
    open: Decimal  # what is still unpaid on it, not counting this payment
    due: dt.date
    issued: dt.date
    #: document id -> what this payment already gives it (edit mode)
    current: dict[int, Decimal] = field(default_factory=dict)

    @property
    def current_total(self) -> Decimal:
        return sum(self.current.values(), ZERO)


@dataclass
class _Loaded:
    currency: str
    lines: list[DocLine]
    payment: Payment | None


def doc_lines(order_id: int, payment_id: int | None) -> list[DocLine]:
    """The grid's lines, oldest first (due date, then issue date)."""
    docs = list(
        FinancialDocument.select()
        .where(FinancialDocument.order == order_id)
        .order_by(FinancialDocument.issued, FinancialDocument.id)
    )
    mine: dict[int, Decimal] = {}
    if payment_id is not None:
        for a in Allocation.select().where(Allocation.payment == payment_id):
            mine[a.document_id] = a.amount
    lines: dict[int, DocLine] = {}
    for d in docs:
        if d.duplicate_of_id is None:
            lines[d.id] = DocLine(
                d.id,
                f"{status_label(d.doc_type)} {d.number}",
                d.amount,
                d.amount - d.paid,
                d.due or d.issued,
                d.issued,
            )
    for d in docs:
        root = lines.get(d.duplicate_of_id or d.id)
        if root is None:
            continue
        if d.duplicate_of_id is not None:
            root.label += f" = {status_label(d.doc_type)} {d.number}"
        if d.id in mine:
            root.current[d.id] = mine[d.id]
    for line in lines.values():
        line.open += line.current_total  # this payment's own share is open to it again
    return sorted(lines.values(), key=lambda x: (x.due, x.issued, x.root_id))


def propose(lines: list[DocLine], amount: Decimal) -> dict[int, Decimal]:
    """Fill the oldest unpaid lines first, each up to what is open, until ``amount`` is used."""
    left = amount
    proposal: dict[int, Decimal] = {}
    for line in lines:
        take = min(max(line.open, ZERO), left)
        if take > 0:
            proposal[line.root_id] = take
            left -= take
    return proposal


class PaymentForm(FormScreen[bool]):
    """``PaymentForm(order_id, expected_version, payment_id=None)``: True when saved.

    Editing a payment changes its allocations (the date, amount and note of a saved payment
    are shown, not edited).
    """

    DEFAULT_CSS = """
    PaymentForm #alloc {
        height: auto;
        border-top: solid $primary-darken-2;
        margin-top: 1;
    }
    PaymentForm .alloc-line {
        height: 1;
    }
    PaymentForm .alloc-doc {
        width: 1fr;
    }
    PaymentForm .alloc-open {
        width: 20;
        text-align: right;
        padding-right: 1;
    }
    PaymentForm .alloc-head {
        color: $text-muted;
        height: 1;
    }
    PaymentForm #left {
        margin-top: 1;
        text-style: bold;
    }
    PaymentForm #m-alloc {
        color: $error;
    }
    """

    ERROR_FIELDS: ClassVar[dict[str, str]] = {
        "allocat": "alloc",
        "payment date": "date",
        "amount": "amount",
    }

    def __init__(self, order_id: int, expected_version: int, payment_id: int | None = None) -> None:
        super().__init__()
        self.order_id = order_id
        self.expected_version = expected_version
        self.payment_id = payment_id
        self.lines: list[DocLine] = []
        self.currency = ""
        self.manual = False  # an allocation was typed: the amount no longer re-proposes

    def title_text(self) -> str:
        return _("Payment") if self.payment_id else _("New payment")

    def compose_fields(self) -> ComposeResult:
        today = getattr(self.app, "today", dt.date.today)()
        editing = self.payment_id is not None
        yield self.row("date", _("Date"), DateInput(format_date(today), disabled=editing))
        yield self.row("amount", _("Amount"), MoneyInput(disabled=editing))
        yield self.row("note", _("Note"), FieldInput(disabled=editing))
        yield Vertical(id="alloc")
        yield Static("", id="left")
        yield Static("", id="m-alloc", markup=False)

    def load_work(self) -> Callable[[], Any]:
        order_id, payment_id = self.order_id, self.payment_id

        def load() -> _Loaded:
            order = Order.get_by_id(order_id)
            payment = Payment.get_by_id(payment_id) if payment_id else None
            return _Loaded(order.currency, doc_lines(order_id, payment_id), payment)

        return load

    def after_load(self, data: _Loaded) -> None:
        self.currency = data.currency
        self.lines = data.lines
        grid = self.query_one("#alloc", Vertical)
        head = Horizontal(classes="alloc-line alloc-head")
        grid.mount(head)
        head.mount_all(
            [
                Label(_("Allocate to document"), classes="alloc-doc"),
                Label(_("Still open"), classes="alloc-open"),
                Label(_("Allocated")),
            ]
        )
        if not self.lines:
            grid.mount(Static(_("The order has no documents: the payment stays unallocated")))
        for line in self.lines:
            row = Horizontal(classes="alloc-line", id=f"line-{line.root_id}")
            grid.mount(row)
            row.mount_all(
                [
                    Label(Text(line.label), classes="alloc-doc", markup=False),
                    Label(format_amount(line.open, self.currency), classes="alloc-open"),
                    MoneyInput(
                        format_money(line.current_total) if line.current else "",
                        required=False,
                        allow_zero=True,
                        id=f"a-{line.root_id}",
                    ),
                ]
            )
        p = data.payment
        if p is not None:
            self.field("date").value = format_date(p.date)
            self.field("amount").value = format_money(p.amount)
            self.field("note").value = p.note
            self.manual = True
        self.call_after_refresh(self._after_mounted, p is None)

    def _after_mounted(self, new: bool) -> None:
        self.update_left()
        if new:
            self.field("amount").focus()
        elif self.lines:
            self.query_one(f"#a-{self.lines[0].root_id}", Input).focus()

    # ------------------------------------------------------------------ the grid

    def allocation_input(self, root_id: int) -> MoneyInput:
        return self.query_one(f"#a-{root_id}", MoneyInput)

    def allocations(self) -> dict[int, Decimal] | None:
        """root id -> amount typed; None when a line is not a valid amount."""
        result: dict[int, Decimal] = {}
        for line in self.lines:
            widget = self.allocation_input(line.root_id)
            text = widget.value.strip()
            if not text:
                continue
            try:
                result[line.root_id] = parse_money(text, allow_zero=True)
            except ValidationError:
                return None
        return result

    def payment_amount(self) -> Decimal | None:
        return self.field("amount").decimal

    def field_changed(self, name: str, widget: Any) -> None:
        wid = widget.id or ""
        if name == "amount" and not self.manual:
            amount = self.payment_amount() or ZERO
            proposal = propose(self.lines, amount)
            with self.prevent(Input.Changed):
                for line in self.lines:
                    take = proposal.get(line.root_id)
                    self.allocation_input(line.root_id).value = format_money(take) if take else ""
        elif wid.startswith("a-"):
            self.manual = True
            self.check_line(widget)
        self.update_left()

    def check_line(self, widget: MoneyInput) -> bool:
        text = widget.value.strip()
        if not text:
            widget.remove_class("-invalid")
            return True
        result = widget.validate(text)
        ok = result is None or result.is_valid
        if not ok and result is not None:
            self.query_one("#m-alloc", Static).update("; ".join(result.failure_descriptions))
        return ok

    def left(self) -> Decimal | None:
        amount, allocated = self.payment_amount(), self.allocations()
        if amount is None or allocated is None:
            return None
        return amount - sum(allocated.values(), ZERO)

    def update_left(self) -> None:
        left = self.left()
        label = self.query_one("#left", Static)
        message = self.query_one("#m-alloc", Static)
        if left is None:
            label.update(_("Left unallocated: —"))
            if self.allocations() is None:
                message.update(_("An allocation is not a valid amount"))
            return
        label.update(
            _("Left unallocated: {amount}").format(amount=format_amount(left, self.currency))
        )
        if left < 0:
            message.update(
                _("The allocations exceed the payment by {amount}").format(
                    amount=format_amount(-left, self.currency)
                )
            )
        else:
            message.update("")

    def validate_extra(self) -> dict[str, str]:
        allocated = self.allocations()
        if allocated is None:
            return {"alloc": _("An allocation is not a valid amount")}
        left = self.left()
        if left is not None and left < 0:
            return {
                "alloc": _("The allocations exceed the payment by {amount}").format(
                    amount=format_amount(-left, self.currency)
                )
            }
        return {}

    def show_message(self, name: str, message: str) -> None:
        if name == "alloc":
            self.query_one("#m-alloc", Static).update(message)
            return
        super().show_message(name, message)

    # ------------------------------------------------------------------ saving

    def save_work(self) -> Callable[[], bool]:
        allocated = self.allocations() or {}
        order_id, version = self.order_id, self.expected_version
        if self.payment_id is None:
            date, amount, note = self.field("date").date, self.value("amount"), self.value("note")
            split = [
                orders.AllocationInput(root, value) for root, value in allocated.items() if value
            ]

            def record() -> bool:
                orders.record_payment(order_id, date, amount, note, split, version)
                return True

            return record
        payment_id = self.payment_id
        moves: list[tuple[Decimal, int, Decimal]] = []  # (change, document, new amount)
        for line in self.lines:
            want = allocated.get(line.root_id, ZERO)
            if want == line.current_total:
                continue
            holders = list(line.current) or [line.root_id]
            for doc_id in holders:
                new = want if doc_id == holders[0] else ZERO
                old = line.current.get(doc_id, ZERO)
                if new != old:
                    moves.append((new - old, doc_id, new))
        moves.sort(key=lambda m: m[0])  # decreases first: the payment is never over-allocated
        changes = [(doc_id, new) for _d, doc_id, new in moves]

        def reallocate() -> bool:
            # one call per document; each moves the order's version on by one
            expected = version
            for doc_id, value in changes:
                orders.allocate(payment_id, doc_id, value, expected)
                expected += 1
            return True

        return reallocate

"""A financial document of an order: type, number, amount, dates, term, duplicate of."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.widgets import Select

from ...data import orders
from ...data.models import DocumentType, FinancialDocument, PaymentTerm
from ...data.money import format_money
from ...i18n import _, format_date, status_label
from ...widgets.fields import DateInput, FieldInput, MoneyInput
from .base import FormScreen


@dataclass
class _Loaded:
    terms: list[tuple[str, int]]
    originals: list[tuple[str, int]]
    document: FinancialDocument | None


class DocumentForm(FormScreen[bool]):
    """``DocumentForm(order_id, expected_version, document_id=None)``: True when saved.

    Editing a saved document corrects its number, amount, dates and term; its type and what
    it duplicates stay (a duplicate's term follows its original).
    """

    ERROR_FIELDS: ClassVar[dict[str, str]] = {
        "already exists": "number",
        "document number": "number",
        "due date": "due",
        "issue date": "issued",
        "amount": "amount",
        "payment term": "term",
        "duplicate": "duplicate_of",
        "document type": "doc_type",
    }

    def __init__(
        self, order_id: int, expected_version: int, document_id: int | None = None
    ) -> None:
        super().__init__()
        self.order_id = order_id
        self.expected_version = expected_version
        self.document_id = document_id

    def title_text(self) -> str:
        return _("Financial document") if self.document_id else _("New financial document")

    def compose_fields(self) -> ComposeResult:
        today = getattr(self.app, "today", dt.date.today)()
        yield self.row(
            "doc_type",
            _("Type"),
            Select(
                [(status_label(t.value), t.value) for t in DocumentType],
                value=DocumentType.PROFORMA.value,
                allow_blank=False,
                compact=True,
            ),
        )
        yield self.row("number", _("Number"), FieldInput(required=True, max_length=60))
        yield self.row("amount", _("Amount"), MoneyInput())
        yield self.row("issued", _("Issued"), DateInput(format_date(today)))
        yield self.row("due", _("Due date"), DateInput(required=False))
        yield self.row("term", _("Payment term"), Select([], prompt=_("none"), compact=True))
        yield self.row(
            "duplicate_of", _("Duplicate of"), Select([], prompt=_("none"), compact=True)
        )

    def load_work(self) -> Callable[[], Any]:
        order_id, doc_id = self.order_id, self.document_id

        def load() -> _Loaded:
            terms = [
                (t.name, t.id)
                for t in PaymentTerm.select()
                .where(PaymentTerm.order == order_id)
                .order_by(PaymentTerm.position)
            ]
            originals = [
                (f"{status_label(d.doc_type)} {d.number}", d.id)
                for d in FinancialDocument.select()
                .where(
                    FinancialDocument.order == order_id,
                    FinancialDocument.duplicate_of.is_null(),
                    FinancialDocument.id != (doc_id or 0),
                )
                .order_by(FinancialDocument.issued, FinancialDocument.id)
            ]
            doc = FinancialDocument.get_by_id(doc_id) if doc_id else None
            return _Loaded(terms, originals, doc)

        return load

    def after_load(self, data: _Loaded) -> None:
        self.query_one("#f-term", Select).set_options(data.terms)
        self.query_one("#f-duplicate_of", Select).set_options(data.originals)
        doc = data.document
        if doc is not None:
            self.query_one("#f-doc_type", Select).value = doc.doc_type
            self.field("number").value = doc.number
            self.field("amount").value = format_money(doc.amount)
            self.field("issued").value = format_date(doc.issued)
            self.field("due").value = format_date(doc.due)
            if doc.term_id:
                self.query_one("#f-term", Select).value = doc.term_id
            if doc.duplicate_of_id:
                self.query_one("#f-duplicate_of", Select).value = doc.duplicate_of_id
            self.query_one("#f-doc_type", Select).disabled = True
            self.query_one("#f-duplicate_of", Select).disabled = True
            if doc.duplicate_of_id:
                self.query_one("#f-term", Select).disabled = True
            self.field("number").focus()
            return
        self.query_one("#f-doc_type", Select).focus()

    def save_work(self) -> Callable[[], bool]:
        doc_type = self.choice("doc_type")
        number, amount = self.value("number"), self.value("amount")
        issued, due = self.field("issued").date, self.field("due").date
        term, duplicate_of = self.choice("term"), self.choice("duplicate_of")
        order_id, version = self.order_id, self.expected_version

        doc_id = self.document_id
        term_locked = self.query_one("#f-term", Select).disabled

        def save() -> bool:
            if doc_id is None:
                orders.add_document(
                    order_id, doc_type, number, amount, issued, due, term, duplicate_of, version
                )
            else:
                # a duplicate's term follows its original: leave it out of the change
                term_change = {} if term_locked else {"term": term, "clear_term": term is None}
                orders.update_document(
                    doc_id,
                    version,
                    number=number,
                    amount=amount,
                    issued=issued,
                    due=due,
                    clear_due=due is None,
                    **term_change,
                )
            return True

        return save

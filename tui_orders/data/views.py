"""What the order screen shows, read in a handful of queries.

:func:`order_view` returns one :class:`OrderView`: the header, the stored computed fields,
every part of the order (items, terms, documents, payments, deliveries, links, the offer) with
the ids the screen needs to edit them, and the coverage lines (terms, documents and payments
against the total). :func:`order_history` turns the audit log into readable lines. A fixed
number of queries whatever the size of the order (no query per row), all in one read
transaction so the parts agree with each other. Never imports textual.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from peewee import JOIN

from ..i18n import _
from .attachments import AttachmentInfo, order_attachments
from .compute import CoverageLine, compute_order, coverage
from .db import database
from .errors import NotFound
from .models import (
    Address,
    Allocation,
    Article,
    AuditLog,
    Client,
    Delivery,
    DeliveryLine,
    FinancialDocument,
    LinkedOrder,
    Offer,
    Order,
    OrderItem,
    Payment,
    PaymentTerm,
    Tax,
)
from .money import ZERO
from .recompute import load_facts
from .risk import DelayCause, LinkFact, causes_for


@dataclass(frozen=True, slots=True)
class ItemView:
    id: int
    position: int
    article_id: int
    article_code: str
    article_name: str
    unit: str
    qty: Decimal
    price: Decimal
    amount: Decimal
    delivered: Decimal
    specs: str


@dataclass(frozen=True, slots=True)
class TermView:
    id: int
    position: int
    name: str
    due: dt.date
    amount: Decimal
    paid: Decimal
    status: str


@dataclass(frozen=True, slots=True)
class DocumentView:
    id: int
    doc_type: str
    number: str
    amount: Decimal
    issued: dt.date
    due: dt.date | None
    term_id: int | None
    term_name: str
    duplicate_of_id: int | None
    duplicate_of_number: str
    paid: Decimal
    status: str

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of_id is not None


@dataclass(frozen=True, slots=True)
class AllocationView:
    document_id: int
    document_number: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PaymentView:
    id: int
    date: dt.date
    amount: Decimal
    unallocated: Decimal
    note: str
    allocations: tuple[AllocationView, ...]


@dataclass(frozen=True, slots=True)
class DeliveredLineView:
    article_id: int
    article_code: str
    qty: Decimal


@dataclass(frozen=True, slots=True)
class DeliveryView:
    id: int
    kind: str
    number: str
    date: dt.date
    cancelled: bool
    note: str
    lines: tuple[DeliveredLineView, ...]


@dataclass(frozen=True, slots=True)
class LinkView:
    id: int
    kind: str
    number: str
    status: str
    deadline: dt.date | None
    expected: dt.date | None
    note: str


@dataclass(frozen=True, slots=True)
class OfferView:
    id: int
    number: str
    created: dt.date
    valid_until: dt.date | None


#: a file kept with the order (its content is read only when saved: attachments.py)
AttachmentView = AttachmentInfo


@dataclass(frozen=True, slots=True)
class OrderView:
    """One order as the order screen shows it; amounts are the stored computed fields."""

    id: int
    number: str
    version: int
    client_id: int
    client_name: str
    currency: str
    address_id: int | None
    address_label: str
    address_text: str
    document_kind: str
    document_ref: str
    created: dt.date
    deadline: dt.date
    tax_id: int | None
    tax_name: str
    tax_rate: Decimal | None
    note: str
    started: bool
    cancelled: bool
    cancel_reason: str
    status: str
    financial_status: str
    subtotal: Decimal
    tax_amount: Decimal
    total: Decimal
    paid: Decimal
    unallocated: Decimal
    delivered_pct: Decimal
    updated_at: dt.datetime | None
    items: tuple[ItemView, ...] = ()
    terms: tuple[TermView, ...] = ()
    documents: tuple[DocumentView, ...] = ()
    payments: tuple[PaymentView, ...] = ()
    deliveries: tuple[DeliveryView, ...] = ()
    links: tuple[LinkView, ...] = ()
    offers: tuple[OfferView, ...] = ()
    coverage: tuple[CoverageLine, ...] = field(default=())
    attachments: tuple[AttachmentView, ...] = ()
    #: why the order is at risk as of :attr:`today` (risk.py); empty: it is not
    delay_causes: tuple[DelayCause, ...] = ()
    today: dt.date | None = None

    @property
    def at_risk(self) -> bool:
        return bool(self.delay_causes)

    @property
    def overpaid(self) -> Decimal:
        """Money received beyond the total (shown, never hidden); zero otherwise."""
        return self.paid - self.total if self.paid > self.total else ZERO

    @property
    def offer(self) -> OfferView | None:
        """The offer the order came from, if any."""
        return self.offers[0] if self.offers else None

    @property
    def coverage_warnings(self) -> tuple[CoverageLine, ...]:
        """Coverage lines whose sum is not the total (a sum with nothing entered is skipped
        only for an order without items, where there is nothing to cover)."""
        if not self.items and self.total == ZERO:
            return tuple(c for c in self.coverage if c.amount != ZERO)
        return tuple(c for c in self.coverage if not c.matches)


def order_view(order_id: int, today: dt.date | None = None) -> OrderView:
    """Everything the order screen shows of order ``order_id`` (raises :class:`NotFound`);
    the delay causes as of ``today`` (default: the current date)."""
    with database.atomic():
        return _order_view(order_id, today or dt.date.today())


def _order_view(order_id: int, today: dt.date) -> OrderView:
    head = (
        Order.select(Order, Client, Address, Tax)
        .join(Client, on=(Order.client == Client.id))
        .switch(Order)
        .join(Address, JOIN.LEFT_OUTER, on=(Order.address == Address.id))
        .switch(Order)
        .join(Tax, JOIN.LEFT_OUTER, on=(Order.tax == Tax.id))
        .where(Order.id == order_id)
        .first()
    )
    if head is None:
        raise NotFound(_("no order with id {id}").format(id=order_id))
    address = head.address if head.address_id is not None else None
    tax = head.tax if head.tax_id is not None else None

    items = tuple(
        ItemView(iid, pos, art_id, code, name, unit, qty, price, amount, delivered, specs)
        for iid, pos, art_id, code, name, unit, qty, price, amount, delivered, specs in (
            OrderItem.select(
                OrderItem.id,
                OrderItem.position,
                Article.id,
                Article.code,
                Article.name,
                Article.unit,
                OrderItem.qty,
                OrderItem.price,
                OrderItem.amount,
                OrderItem.delivered,
                OrderItem.specs,
            )
            .join(Article, on=(OrderItem.article == Article.id))
            .where(OrderItem.order == order_id)
            .order_by(OrderItem.position, OrderItem.id)
            .tuples()
        )
    )
    terms = tuple(
        TermView(*row)
        for row in PaymentTerm.select(
            PaymentTerm.id,
            PaymentTerm.position,
            PaymentTerm.name,
            PaymentTerm.due,
            PaymentTerm.amount,
            PaymentTerm.paid,
            PaymentTerm.status,
        )
        .where(PaymentTerm.order == order_id)
        .order_by(PaymentTerm.position, PaymentTerm.id)
        .tuples()
    )
    term_names = {t.id: t.name for t in terms}
    doc_rows = list(
        FinancialDocument.select(
            FinancialDocument.id,
            FinancialDocument.doc_type,
            FinancialDocument.number,
            FinancialDocument.amount,
            FinancialDocument.issued,
            FinancialDocument.due,
            FinancialDocument.term,
            FinancialDocument.duplicate_of,
            FinancialDocument.paid,
            FinancialDocument.status,
        )
        .where(FinancialDocument.order == order_id)
        .order_by(FinancialDocument.issued, FinancialDocument.id)
        .tuples()
    )
    doc_numbers = {row[0]: row[2] for row in doc_rows}
    missing = {row[7] for row in doc_rows if row[7] is not None and row[7] not in doc_numbers}
    if missing:  # a duplicate of another order's document: rare, one more query
        doc_numbers.update(
            FinancialDocument.select(FinancialDocument.id, FinancialDocument.number)
            .where(FinancialDocument.id.in_(list(missing)))
            .tuples()
        )
    documents = tuple(
        DocumentView(
            did,
            doc_type,
            number,
            amount,
            issued,
            due,
            term_id,
            term_names.get(term_id, "") if term_id is not None else "",
            dup,
            doc_numbers.get(dup, "") if dup is not None else "",
            paid,
            status,
        )
        for did, doc_type, number, amount, issued, due, term_id, dup, paid, status in doc_rows
    )

    allocations: dict[int, list[AllocationView]] = defaultdict(list)
    for pid, did, amount in (
        Allocation.select(Allocation.payment, Allocation.document, Allocation.amount)
        .join(Payment, on=(Allocation.payment == Payment.id))
        .where(Payment.order == order_id)
        .order_by(Allocation.id)
        .tuples()
    ):
        allocations[pid].append(AllocationView(did, doc_numbers.get(did, ""), amount))
    payments = tuple(
        PaymentView(pid, date, amount, unallocated, note, tuple(allocations.get(pid, ())))
        for pid, date, amount, unallocated, note in (
            Payment.select(
                Payment.id, Payment.date, Payment.amount, Payment.unallocated, Payment.note
            )
            .where(Payment.order == order_id)
            .order_by(Payment.date, Payment.id)
            .tuples()
        )
    )

    lines: dict[int, list[DeliveredLineView]] = defaultdict(list)
    for did, art_id, code, qty in (
        DeliveryLine.select(DeliveryLine.delivery, Article.id, Article.code, DeliveryLine.qty)
        .join(Article, on=(DeliveryLine.article == Article.id))
        .switch(DeliveryLine)
        .join(Delivery, on=(DeliveryLine.delivery == Delivery.id))
        .where(Delivery.order == order_id)
        .order_by(DeliveryLine.id)
        .tuples()
    ):
        lines[did].append(DeliveredLineView(art_id, code, qty))
    deliveries = tuple(
        DeliveryView(did, kind, number, date, bool(cancelled), note, tuple(lines.get(did, ())))
        for did, kind, number, date, cancelled, note in (
            Delivery.select(
                Delivery.id,
                Delivery.kind,
                Delivery.number,
                Delivery.date,
                Delivery.cancelled,
                Delivery.note,
            )
            .where(Delivery.order == order_id)
            .order_by(Delivery.date, Delivery.id)
            .tuples()
        )
    )
    links = tuple(
        LinkView(*row)
        for row in LinkedOrder.select(
            LinkedOrder.id,
            LinkedOrder.kind,
            LinkedOrder.number,
            LinkedOrder.status,
            LinkedOrder.deadline,
            LinkedOrder.expected,
            LinkedOrder.note,
        )
        .where(LinkedOrder.order == order_id)
        .order_by(LinkedOrder.kind, LinkedOrder.number)
        .tuples()
    )
    offers = tuple(
        OfferView(*row)
        for row in Offer.select(Offer.id, Offer.number, Offer.created, Offer.valid_until)
        .where(Offer.order == order_id)
        .order_by(Offer.id)
        .tuples()
    )

    files = tuple(order_attachments(order_id))
    causes = tuple(
        causes_for(
            head.status,
            head.deadline,
            head.delivered_pct,
            [LinkFact(x.kind, x.number, x.status, x.deadline, x.expected) for x in links],
            today,
        )
    )

    facts = load_facts([order_id])[order_id]
    lines_cov = tuple(coverage(facts, compute_order(facts)))

    return OrderView(
        id=head.id,
        number=head.number,
        version=head.version,
        client_id=head.client.id,
        client_name=head.client.name,
        currency=head.currency,
        address_id=address.id if address else None,
        address_label=address.label if address else "",
        address_text=address.text if address else "",
        document_kind=head.document_kind,
        document_ref=head.document_ref,
        created=head.created,
        deadline=head.deadline,
        tax_id=tax.id if tax else None,
        tax_name=tax.name if tax else "",
        tax_rate=tax.rate if tax else None,
        note=head.note,
        started=bool(head.started),
        cancelled=bool(head.cancelled),
        cancel_reason=head.cancel_reason,
        status=head.status,
        financial_status=head.financial_status,
        subtotal=head.subtotal,
        tax_amount=head.tax_amount,
        total=head.total,
        paid=head.paid,
        unallocated=head.unallocated,
        delivered_pct=head.delivered_pct,
        updated_at=head.updated_at,
        items=items,
        terms=terms,
        documents=documents,
        payments=payments,
        deliveries=deliveries,
        links=links,
        offers=offers,
        coverage=lines_cov,
        attachments=files,
        delay_causes=causes,
        today=today,
    )


# --------------------------------------------------------------------------- history


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One audit entry; ``text`` is the change in a line (``qty: 1 → 2; price: 3``)."""

    id: int
    at: dt.datetime
    user: str
    action: str
    entity: str
    entity_id: int | None
    changes: dict[str, Any]
    text: str


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def change_text(changes: dict[str, Any]) -> str:
    """``{"qty": ["1", "2"], "note": "x"}`` -> ``note: x; qty: 1 → 2``."""
    parts = []
    for key in sorted(changes):
        value = changes[key]
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{key}: {_show(value[0])} → {_show(value[1])}")
        else:
            parts.append(f"{key}: {_show(value)}")
    return "; ".join(parts)


def order_history(order_id: int) -> list[HistoryEntry]:
    """The order's audit log, newest first, one query."""
    entries = []
    for eid, at, user, action, entity, entity_id, raw in (
        AuditLog.select(
            AuditLog.id,
            AuditLog.at,
            AuditLog.user,
            AuditLog.action,
            AuditLog.entity,
            AuditLog.entity_id,
            AuditLog.changes,
        )
        .where(AuditLog.order == order_id)
        .order_by(AuditLog.id.desc())
        .tuples()
    ):
        try:
            changes = json.loads(raw or "{}")
        except ValueError:
            changes = {"?": raw}
        if not isinstance(changes, dict):
            changes = {"?": changes}
        entries.append(
            HistoryEntry(eid, at, user, action, entity, entity_id, changes, change_text(changes))
        )
    return entries


def order_version(order_id: int) -> int | None:
    """The order's version now (None when it was deleted): one cheap query, for polling."""
    value = Order.select(Order.version).where(Order.id == order_id).scalar()
    return int(value) if value is not None else None


@dataclass(frozen=True, slots=True)
class LastChange:
    """Who last changed an order, and when (for a conflict message)."""

    number: str
    version: int
    user: str
    at: dt.datetime | None


def last_change(order_id: int) -> LastChange:
    """The order's number and version now, and the newest audit entry's user and time."""
    row = Order.select(Order.number, Order.version).where(Order.id == order_id).tuples().first()
    if row is None:
        raise NotFound(_("no order with id {id}").format(id=order_id))
    last = (
        AuditLog.select(AuditLog.user, AuditLog.at)
        .where(AuditLog.order == order_id)
        .order_by(AuditLog.id.desc())
        .tuples()
        .first()
    )
    user, at = last if last else ("", None)
    return LastChange(row[0], row[1], user, at)


__all__ = [
    "AllocationView",
    "AttachmentView",
    "DeliveredLineView",
    "DeliveryView",
    "DocumentView",
    "HistoryEntry",
    "ItemView",
    "LastChange",
    "LinkView",
    "OfferView",
    "OrderView",
    "PaymentView",
    "TermView",
    "change_text",
    "last_change",
    "order_history",
    "order_version",
    "order_view",
]

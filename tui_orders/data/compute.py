"""The money and status rules of one order, as a pure function of its facts.

:func:`compute_order` is the single definition of every computed field (totals, paid amounts,
statuses, delivered quantities). The services call it after each change, the bulk loaders
(demo, import) call it before writing, and ``tui-orders check`` calls it to re-derive what is
stored. It touches no database, which is also what the property tests exercise.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from .models import OrderStatus, PayStatus
from .money import HUNDRED, ZERO, percent, round_money


@dataclass(slots=True)
class ItemFact:
    id: int
    position: int
    article_id: int
    qty: Decimal
    price: Decimal


@dataclass(slots=True)
class TermFact:
    id: int
    amount: Decimal


@dataclass(slots=True)
class DocumentFact:
    id: int
    amount: Decimal
    term_id: int | None
    duplicate_of: int | None  # always the original (root) document, never another duplicate


@dataclass(slots=True)
class PaymentFact:
    id: int
    amount: Decimal


@dataclass(slots=True)
class AllocationFact:
    payment_id: int
    document_id: int
    amount: Decimal


@dataclass(slots=True)
class OrderFacts:
    """What the operator entered for one order; everything computed derives from this."""

    tax_rate: Decimal | None = None
    started: bool = False
    cancelled: bool = False
    items: list[ItemFact] = field(default_factory=list)
    terms: list[TermFact] = field(default_factory=list)
    documents: list[DocumentFact] = field(default_factory=list)
    payments: list[PaymentFact] = field(default_factory=list)
    allocations: list[AllocationFact] = field(default_factory=list)
    #: (article id, quantity) of every line of every delivery that is not cancelled
    delivered_lines: list[tuple[int, Decimal]] = field(default_factory=list)
    active_deliveries: int = 0
    #: statuses of the linked production / purchase orders
    link_statuses: list[str] = field(default_factory=list)


@dataclass(slots=True)
class OrderState:
    """Every computed field of one order and its parts."""

    subtotal: Decimal
    tax_amount: Decimal
    total: Decimal
    paid: Decimal
    unallocated: Decimal
    financial_status: PayStatus
    status: OrderStatus
    delivered_pct: Decimal
    item_amount: dict[int, Decimal]
    item_delivered: dict[int, Decimal]
    term_paid: dict[int, Decimal]
    term_status: dict[int, PayStatus]
    doc_paid: dict[int, Decimal]
    doc_status: dict[int, PayStatus]
    payment_unallocated: dict[int, Decimal]


def pay_status(paid: Decimal, amount: Decimal) -> PayStatus:
    """unpaid / partially paid / paid of ``paid`` against ``amount``.

    Nothing owed (amount 0) counts as paid; overpaid counts as paid (the excess is shown
    by the caller, never hidden).
    """
    if paid >= amount:
        return PayStatus.PAID
    if paid <= 0:
        return PayStatus.UNPAID
    return PayStatus.PARTIALLY_PAID


def line_amount(qty: Decimal, price: Decimal) -> Decimal:
    """An item's amount: quantity x price, rounded half-up to the cent."""
    return round_money(qty * price)


def tax_on(subtotal: Decimal, rate: Decimal | None) -> Decimal:
    """Tax on the subtotal at ``rate`` percent, rounded half-up to the cent."""
    if rate is None:
        return ZERO
    return round_money(subtotal * rate / HUNDRED)


def fill_deliveries(
    items: list[ItemFact], delivered_lines: list[tuple[int, Decimal]]
) -> dict[int, Decimal]:
    """Delivered quantity per item.

    Deliveries name articles; where an article stands on several lines, its delivered
    quantity fills the lines in position order, and anything beyond the ordered quantity
    stays on the last of them (an over-delivery is shown, not lost).
    """
    per_article: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for article_id, qty in delivered_lines:
        per_article[article_id] += qty
    delivered: dict[int, Decimal] = {}
    lines_of: dict[int, list[ItemFact]] = defaultdict(list)
    for item in sorted(items, key=lambda i: (i.position, i.id)):
        lines_of[item.article_id].append(item)
    for article_id, lines in lines_of.items():
        left = per_article.get(article_id, ZERO)
        for n, item in enumerate(lines):
            take = left if n == len(lines) - 1 else min(left, item.qty)
            delivered[item.id] = take
            left -= take
    return delivered


def document_groups(documents: list[DocumentFact]) -> dict[int, list[DocumentFact]]:
    """Original document id -> the original followed by its duplicates."""
    groups: dict[int, list[DocumentFact]] = {}
    for doc in documents:
        if doc.duplicate_of is None:
            groups.setdefault(doc.id, []).insert(0, doc)
    for doc in documents:
        if doc.duplicate_of is not None:
            groups.setdefault(doc.duplicate_of, []).append(doc)
    return groups


def compute_order(facts: OrderFacts) -> OrderState:
    """Derive every computed field of an order from its facts (see the module docstring)."""
    item_amount = {i.id: line_amount(i.qty, i.price) for i in facts.items}
    subtotal = sum(item_amount.values(), ZERO)
    tax_amount = tax_on(subtotal, facts.tax_rate)
    total = subtotal + tax_amount

    allocated_to_doc: dict[int, Decimal] = defaultdict(lambda: ZERO)
    allocated_from_payment: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for a in facts.allocations:
        allocated_to_doc[a.document_id] += a.amount
        allocated_from_payment[a.payment_id] += a.amount

    # A document and its duplicates stand for the same money: one paid amount, one status,
    # measured against the original's amount, and counted once for the term.
    doc_paid: dict[int, Decimal] = {}
    doc_status: dict[int, PayStatus] = {}
    term_paid: dict[int, Decimal] = {t.id: ZERO for t in facts.terms}
    for members in document_groups(facts.documents).values():
        root = members[0]
        paid = sum((allocated_to_doc[m.id] for m in members), ZERO)
        group_status = pay_status(paid, root.amount)
        for m in members:
            doc_paid[m.id] = paid
            doc_status[m.id] = group_status
        if root.term_id is not None and root.term_id in term_paid:
            term_paid[root.term_id] += paid
    term_status = {t.id: pay_status(term_paid[t.id], t.amount) for t in facts.terms}

    paid = sum((p.amount for p in facts.payments), ZERO)
    payment_unallocated = {p.id: p.amount - allocated_from_payment[p.id] for p in facts.payments}
    unallocated = sum(payment_unallocated.values(), ZERO)
    if total == 0 and not facts.items:
        financial_status = PayStatus.PAID if paid > 0 else PayStatus.UNPAID
    else:
        financial_status = pay_status(paid, total)

    item_delivered = fill_deliveries(facts.items, facts.delivered_lines)
    ordered = sum((i.qty for i in facts.items), ZERO)
    delivered_capped = sum((min(item_delivered[i.id], i.qty) for i in facts.items), ZERO)
    delivered_pct = percent(delivered_capped, ordered)
    ready = bool(facts.items) and all(item_delivered[i.id] >= i.qty for i in facts.items)

    if facts.cancelled:
        status = OrderStatus.CANCELLED
    elif ready and financial_status is PayStatus.PAID:
        status = OrderStatus.CLOSED
    elif ready:
        status = OrderStatus.READY
    elif (
        facts.started
        or facts.active_deliveries > 0
        or any(s != "cancelled" for s in facts.link_statuses)
    ):
        status = OrderStatus.IN_PROGRESS
    else:
        status = OrderStatus.NEW

    return OrderState(
        subtotal=subtotal,
        tax_amount=tax_amount,
        total=total,
        paid=paid,
        unallocated=unallocated,
        financial_status=financial_status,
        status=status,
        delivered_pct=delivered_pct,
        item_amount=item_amount,
        item_delivered=item_delivered,
        term_paid=term_paid,
        term_status=term_status,
        doc_paid=doc_paid,
        doc_status=doc_status,
        payment_unallocated=payment_unallocated,
    )


@dataclass(frozen=True, slots=True)
class CoverageLine:
    """How one kind of sum (terms, documents, payments) compares with the order total."""

    what: str  # "terms" | "documents" | "payments"
    amount: Decimal
    total: Decimal

    @property
    def difference(self) -> Decimal:
        """Positive: more than the total; negative: short of it."""
        return self.amount - self.total

    @property
    def matches(self) -> bool:
        return self.amount == self.total


def coverage(facts: OrderFacts, state: OrderState) -> list[CoverageLine]:
    """Payment terms, original documents (a pair counts once) and payments against the total."""
    terms = sum((t.amount for t in facts.terms), ZERO)
    docs = sum((d.amount for d in facts.documents if d.duplicate_of is None), ZERO)
    return [
        CoverageLine("terms", terms, state.total),
        CoverageLine("documents", docs, state.total),
        CoverageLine("payments", state.paid, state.total),
    ]

"""Keeping the stored computed fields equal to what the rules say.

:func:`recompute_order` runs inside every change to an order. :func:`check` re-derives every
order from scratch in batches (a few queries per thousand orders, never one per order) and
reports, or with ``repair`` fixes, any stored field that differs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from peewee import JOIN

from .compute import (
    AllocationFact,
    DocumentFact,
    ItemFact,
    OrderFacts,
    OrderState,
    PaymentFact,
    TermFact,
    compute_order,
)
from .db import run_in_transaction
from .models import (
    Allocation,
    Delivery,
    DeliveryLine,
    FinancialDocument,
    LinkedOrder,
    Order,
    OrderItem,
    Payment,
    PaymentTerm,
    Tax,
)

BATCH = 2000


def _of_orders(field: Any, ids: list[int], id_range: tuple[int, int] | None) -> Any:
    """``field`` names one of the orders: an id range when the batch is one (cheap for the
    database and for peewee), else the list."""
    return field.between(*id_range) if id_range else field.in_(ids)


def load_facts(
    order_ids: Sequence[int], id_range: tuple[int, int] | None = None
) -> dict[int, OrderFacts]:
    """The facts of many orders, in one query per table.

    ``id_range`` (first, last) may stand for ``order_ids`` when they are every order id in
    that range (as in :func:`check`'s batches).
    """
    ids = list(order_ids)
    facts: dict[int, OrderFacts] = {}
    if not ids:
        return facts
    rows = (
        Order.select(Order.id, Order.started, Order.cancelled, Tax.rate)
        .join(Tax, JOIN.LEFT_OUTER, on=(Order.tax == Tax.id))
        .where(_of_orders(Order.id, ids, id_range))
        .tuples()
    )
    for oid, started, cancelled, rate in rows:
        facts[oid] = OrderFacts(
            tax_rate=rate,
            started=bool(started),
            cancelled=bool(cancelled),
        )
    for iid, oid, pos, art, qty, price in (
        OrderItem.select(
            OrderItem.id,
            OrderItem.order,
            OrderItem.position,
            OrderItem.article,
            OrderItem.qty,
            OrderItem.price,
        )
        .where(_of_orders(OrderItem.order, ids, id_range))
        .tuples()
    ):
        facts[oid].items.append(ItemFact(iid, pos, art, qty, price))
    for tid, oid, amount in (
        PaymentTerm.select(PaymentTerm.id, PaymentTerm.order, PaymentTerm.amount)
        .where(_of_orders(PaymentTerm.order, ids, id_range))
        .order_by(PaymentTerm.position, PaymentTerm.id)
        .tuples()
    ):
        facts[oid].terms.append(TermFact(tid, amount))
    for did, oid, amount, term, dup in (
        FinancialDocument.select(
            FinancialDocument.id,
            FinancialDocument.order,
            FinancialDocument.amount,
            FinancialDocument.term,
            FinancialDocument.duplicate_of,
        )
        .where(_of_orders(FinancialDocument.order, ids, id_range))
        .tuples()
    ):
        facts[oid].documents.append(DocumentFact(did, amount, term, dup))
    for pid, oid, amount in (
        Payment.select(Payment.id, Payment.order, Payment.amount)
        .where(_of_orders(Payment.order, ids, id_range))
        .tuples()
    ):
        facts[oid].payments.append(PaymentFact(pid, amount))
    for pid, did, amount, oid in (
        Allocation.select(Allocation.payment, Allocation.document, Allocation.amount, Payment.order)
        .join(Payment)
        .where(_of_orders(Payment.order, ids, id_range))
        .tuples()
    ):
        facts[oid].allocations.append(AllocationFact(pid, did, amount))
    for (oid,) in (
        Delivery.select(Delivery.order)
        .where(_of_orders(Delivery.order, ids, id_range), Delivery.cancelled == False)  # noqa: E712
        .tuples()
    ):
        facts[oid].active_deliveries += 1
    for art, qty, oid in (
        DeliveryLine.select(DeliveryLine.article, DeliveryLine.qty, Delivery.order)
        .join(Delivery)
        .where(_of_orders(Delivery.order, ids, id_range), Delivery.cancelled == False)  # noqa: E712
        .tuples()
    ):
        facts[oid].delivered_lines.append((art, qty))
    for oid, status in (
        LinkedOrder.select(LinkedOrder.order, LinkedOrder.status)
        .where(_of_orders(LinkedOrder.order, ids, id_range))
        .tuples()
    ):
        facts[oid].link_statuses.append(status)
    return facts


@dataclass(frozen=True, slots=True)
class Difference:
    """A stored computed field that differs from what the rules give."""

    order_number: str
    record: str  # "order", "item 3", "term 12", "document 7", "payment 9"
    field: str
    stored: Any
    expected: Any

    def __str__(self) -> str:
        return (
            f"{self.order_number} {self.record}: {self.field} is {self.stored}, "
            f"should be {self.expected}"
        )


ORDER_FIELDS = (
    "subtotal",
    "tax_amount",
    "total",
    "paid",
    "unallocated",
    "financial_status",
    "status",
    "delivered_pct",
)


def _value(v: Any) -> Any:
    return v.value if hasattr(v, "value") else v


def _diff_and_fix(
    order_ids: Sequence[int],
    numbers: dict[int, str],
    repair: bool,
    id_range: tuple[int, int] | None = None,
) -> tuple[list[Difference], dict[int, OrderState]]:
    """Compare stored with computed for a batch of orders; write the computed when repairing."""
    ids = list(order_ids)
    facts = load_facts(ids, id_range)
    states = {oid: compute_order(f) for oid, f in facts.items()}
    found: list[Difference] = []
    updates: list[tuple[Any, int, dict[str, Any]]] = []

    def compare(
        model: Any, rec: str, row_id: int, oid: int, pairs: Iterable[tuple[str, Any, Any]]
    ) -> None:
        changes = {}
        for name, stored, expected in pairs:
            expected = _value(expected)
            if stored != expected:
                found.append(Difference(numbers[oid], rec, name, stored, expected))
                changes[name] = expected
        if changes:
            updates.append((model, row_id, changes))

    currencies: dict[int, str] = {}
    for row in (
        Order.select(Order.id, Order.currency, *[getattr(Order, f) for f in ORDER_FIELDS])
        .where(_of_orders(Order.id, ids, id_range))
        .tuples()
    ):
        s = states[row[0]]
        currencies[row[0]] = row[1]
        compare(
            Order,
            "order",
            row[0],
            row[0],
            ((f, row[n + 2], getattr(s, f)) for n, f in enumerate(ORDER_FIELDS)),
        )
    for iid, oid, pos, amount, delivered in (
        OrderItem.select(
            OrderItem.id, OrderItem.order, OrderItem.position, OrderItem.amount, OrderItem.delivered
        )
        .where(_of_orders(OrderItem.order, ids, id_range))
        .tuples()
    ):
        s = states[oid]
        compare(
            OrderItem,
            f"item {pos}",
            iid,
            oid,
            (
                ("amount", amount, s.item_amount[iid]),
                ("delivered", delivered, s.item_delivered[iid]),
            ),
        )
    for tid, oid, name, paid, status in (
        PaymentTerm.select(
            PaymentTerm.id,
            PaymentTerm.order,
            PaymentTerm.name,
            PaymentTerm.paid,
            PaymentTerm.status,
        )
        .where(_of_orders(PaymentTerm.order, ids, id_range))
        .tuples()
    ):
        s = states[oid]
        compare(
            PaymentTerm,
            f"term {name!r}",
            tid,
            oid,
            (("paid", paid, s.term_paid[tid]), ("status", status, s.term_status[tid])),
        )
    for did, oid, number, paid, status in (
        FinancialDocument.select(
            FinancialDocument.id,
            FinancialDocument.order,
            FinancialDocument.number,
            FinancialDocument.paid,
            FinancialDocument.status,
        )
        .where(_of_orders(FinancialDocument.order, ids, id_range))
        .tuples()
    ):
        s = states[oid]
        compare(
            FinancialDocument,
            f"document {number}",
            did,
            oid,
            (("paid", paid, s.doc_paid[did]), ("status", status, s.doc_status[did])),
        )
    for pid, oid, date, unallocated, currency in (
        Payment.select(
            Payment.id, Payment.order, Payment.date, Payment.unallocated, Payment.currency
        )
        .where(_of_orders(Payment.order, ids, id_range))
        .tuples()
    ):
        s = states[oid]
        compare(
            Payment,
            f"payment of {date.isoformat()}",
            pid,
            oid,
            (
                ("unallocated", unallocated, s.payment_unallocated[pid]),
                # the order's, copied for the reports (schema 2)
                ("currency", currency, currencies[oid]),
            ),
        )
    if repair:
        for model, row_id, changes in updates:
            model.update({getattr(model, k): v for k, v in changes.items()}).where(
                model.id == row_id
            ).execute()
    return found, states


def recompute_order(order_id: int) -> OrderState:
    """Re-derive and store every computed field of one order; returns the new state.

    Runs inside the caller's transaction (every change to an order calls it last).
    """
    number = Order.select(Order.number).where(Order.id == order_id).scalar()
    _found, states = _diff_and_fix([order_id], {order_id: number}, repair=True)
    return states[order_id]


def _repair_batch(
    ids: list[int], numbers: dict[int, str], id_range: tuple[int, int]
) -> list[Difference]:
    return _diff_and_fix(ids, numbers, True, id_range)[0]


def check(
    repair: bool = False,
    progress: Callable[[int, int], None] | None = None,
    batch: int = BATCH,
) -> list[Difference]:
    """Re-derive every order from scratch; report (and with ``repair`` fix) differences.

    Each batch is its own transaction when repairing. ``progress(done, total)`` is called
    after each batch.
    """
    total = Order.select().count()
    found: list[Difference] = []
    done = 0
    last_id = 0
    while True:
        rows = list(
            Order.select(Order.id, Order.number)
            .where(Order.id > last_id)
            .order_by(Order.id)
            .limit(batch)
            .tuples()
        )
        if not rows:
            break
        numbers = dict(rows)
        ids = [r[0] for r in rows]
        if repair:
            batch_found = run_in_transaction(
                functools.partial(_repair_batch, ids, numbers, (ids[0], ids[-1]))
            )
        else:
            batch_found = _diff_and_fix(ids, numbers, False, (ids[0], ids[-1]))[0]
        found.extend(batch_found)
        last_id = ids[-1]
        done += len(ids)
        if progress:
            progress(done, total)
    return found


__all__ = ["Difference", "check", "load_facts", "recompute_order"]

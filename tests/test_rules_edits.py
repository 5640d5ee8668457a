"""Correcting a financial document or a payment after it was saved."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from peewee import Database

from tui_orders.data import masterdata, orders
from tui_orders.data.errors import ConflictError, ValidationError
from tui_orders.data.models import FinancialDocument, Order, Payment


def _order() -> Order:
    masterdata.create_client("Acme", "EUR")
    masterdata.create_article("A", "Widget", "10.00")
    order = orders.create_order("Acme", "2026-12-31", created="2026-11-01")
    orders.add_item(order, "A", "10")  # 10 x 10.00 = 100.00, no tax
    orders.add_term(order, "advance", "2026-11-10", "40.00")
    orders.add_term(order, "rest", "2026-12-31", "60.00")
    return Order.get_by_id(order.id)


def test_document_amount_number_and_term_corrected(db: Database) -> None:
    order = _order()
    pf = orders.add_document(order, "proforma", "PF-1", "40.00", "2026-11-02", term="advance")
    inv = orders.add_document(order, "invoice", "INV-1", "40.00", "2026-11-05", duplicate_of="PF-1")
    orders.record_payment(
        order, "2026-11-06", "30.00", allocations=[orders.AllocationInput("INV-1", "30")]
    )
    version = Order.get_by_id(order.id).version
    orders.update_document(pf.id, version, number="PF-1a", amount="30.00", term="rest")
    pf, inv = FinancialDocument.get_by_id(pf.id), FinancialDocument.get_by_id(inv.id)
    # the pair now measures 30.00 paid against the original's 30.00: paid, in term "rest"
    assert (pf.number, pf.amount, pf.status, inv.status) == ("PF-1a", D("30.00"), "paid", "paid")
    assert pf.term.name == inv.term.name == "rest"
    history = orders.history(order)[-1]
    assert history.action == "update" and "PF-1a" in history.changes


def test_document_edit_refusals(db: Database) -> None:
    order = _order()
    orders.add_document(order, "invoice", "INV-1", "40.00", "2026-11-05")
    dup = orders.add_document(
        order, "invoice", "INV-2", "40.00", "2026-11-06", duplicate_of="INV-1"
    )
    with pytest.raises(ValidationError, match="original's payment term"):
        orders.update_document(dup.id, term="rest")
    with pytest.raises(ValidationError, match="already exists"):
        orders.update_document(dup.id, number="INV-1")
    with pytest.raises(ValidationError, match="before the issue date"):
        orders.update_document(dup.id, due="2026-11-01")
    with pytest.raises(ConflictError):
        orders.update_document(dup.id, 1, amount="41.00")  # version 1 is long gone
    assert FinancialDocument.get_by_id(dup.id).amount == D("40.00")


def test_payment_corrected_but_never_below_its_allocations(db: Database) -> None:
    order = _order()
    orders.add_document(order, "invoice", "INV-1", "100.00", "2026-11-05")
    p = orders.record_payment(
        order, "2026-11-06", "50.00", allocations=[orders.AllocationInput("INV-1", "30")]
    )
    with pytest.raises(ValidationError, match="cannot go below"):
        orders.update_payment(p.id, amount="29.99")
    orders.update_payment(p.id, date="2026-11-07", amount="35.00", note="bank")
    p = Payment.get_by_id(p.id)
    order = Order.get_by_id(order.id)
    # 35.00 received, 30.00 of it on INV-1: 5.00 unallocated
    assert (p.date.isoformat(), p.amount, p.unallocated, p.note) == (
        "2026-11-07",
        D("35.00"),
        D("5.00"),
        "bank",
    )
    assert (order.paid, order.unallocated, order.financial_status) == (
        D("35.00"),
        D("5.00"),
        "partially_paid",
    )

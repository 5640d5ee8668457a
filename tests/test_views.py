"""order_view and order_history: what the order screen shows, read in a bounded number of
queries. Expected numbers are worked out by hand from ``seed()`` (tests/ui/conftest.py).
Each test runs on SQLite and on PostgreSQL (the ``db`` fixture)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from peewee import Database
from playhouse.test_utils import count_queries
from ui.conftest import seed

from tui_orders.data import audit, orders
from tui_orders.data.errors import NotFound
from tui_orders.data.models import Order
from tui_orders.data.views import change_text, last_change, order_history, order_view

D = Decimal


def order_id(number: str) -> int:
    return int(Order.get(Order.number == number).id)


def test_late_order_amounts_ids_duplicates_and_coverage(db: Database) -> None:
    roles = seed()
    v = order_view(order_id(roles["late"]))
    assert v.number == roles["late"]
    assert v.client_name == "Техномаш ООД"
    assert v.currency == "BGN"
    assert (v.address_label, v.address_text) == ("Офис", "София, ул. Искър 1")  # the default
    assert (v.document_kind, v.document_ref) == ("contract", "Д-17")
    assert (v.tax_name, v.tax_rate) == ("ДДС 20%", D("20"))
    # 100 x 0.25 + 1 x 835.00 = 860.00; 20% = 172.00; total 1032.00; one payment of 516.00
    assert (v.subtotal, v.tax_amount, v.total) == (D("860.00"), D("172.00"), D("1032.00"))
    assert (v.paid, v.unallocated, v.overpaid) == (D("516.00"), D("0"), D("0"))
    assert (v.status, v.financial_status) == ("in_progress", "partially_paid")
    # 60 of 101 units delivered = 59.41% -> stored 59.40 (rules.md rounding of delivered %)
    assert v.delivered_pct == Order.get_by_id(v.id).delivered_pct

    assert [(i.article_code, i.qty, i.price, i.amount, i.delivered) for i in v.items] == [
        ("BLT-1", D("100"), D("0.25"), D("25.00"), D("60")),
        ("PMP-1", D("1"), D("835.00"), D("835.00"), D("0")),
    ]
    assert all(isinstance(i.id, int) and isinstance(i.article_id, int) for i in v.items)
    assert [(t.name, t.amount, t.paid, t.status) for t in v.terms] == [
        ("аванс 50%", D("516.00"), D("516.00"), "paid"),
        ("остатък", D("516.00"), D("0"), "unpaid"),
    ]
    pf, inv = v.documents
    assert (pf.number, pf.doc_type, pf.term_name, pf.is_duplicate) == (
        "PF-1",
        "proforma",
        "аванс 50%",
        False,
    )
    # the invoice is PF-1's duplicate: same paid amount and status, the pair counted once
    assert (inv.number, inv.duplicate_of_id, inv.duplicate_of_number) == ("INV-1", pf.id, "PF-1")
    assert (pf.paid, pf.status, inv.paid, inv.status) == (D("516.00"), "paid", D("516.00"), "paid")
    (payment,) = v.payments
    assert (payment.amount, payment.unallocated) == (D("516.00"), D("0"))
    assert [(a.document_id, a.document_number, a.amount) for a in payment.allocations] == [
        (pf.id, "PF-1", D("516.00"))
    ]
    (delivery,) = v.deliveries
    assert delivery.kind == "shipment" and not delivery.cancelled
    assert [(ln.article_code, ln.qty) for ln in delivery.lines] == [("BLT-1", D("60"))]
    assert v.links == () and v.offer is None

    cover = {c.what: (c.amount, c.difference) for c in v.coverage}
    assert cover == {
        "terms": (D("1032.00"), D("0")),  # 516 + 516
        "documents": (D("516.00"), D("-516.00")),  # PF-1 only: INV-1 is its duplicate
        "payments": (D("516.00"), D("-516.00")),
    }
    assert [c.what for c in v.coverage_warnings] == ["documents", "payments"]


def test_overpaid_and_links(db: Database) -> None:
    roles = seed()
    soon = roles["soon"]
    # 40 x 2.50 = 100.00, no tax; 130.00 received: 30.00 over, shown not hidden
    orders.record_payment(soon, "2026-11-21", "130.00", note="by mistake")
    orders.link_order(soon, "production", "PR-7", deadline="2026-11-30")
    v = order_view(order_id(soon))
    assert (v.total, v.paid, v.overpaid) == (D("100.00"), D("130.00"), D("30.00"))
    assert v.financial_status == "paid"
    assert v.payments[0].note == "by mistake" and v.payments[0].allocations == ()
    assert v.payments[0].unallocated == D("130.00")
    (link,) = v.links
    assert (link.kind, link.number, link.status) == ("production", "PR-7", "planned")
    assert v.status == "in_progress"  # a linked production order means work has started


def test_query_count_does_not_grow_with_the_order(db: Database) -> None:
    roles = seed()
    small = order_id(roles["soon"])
    with count_queries() as counted:
        order_view(small)
    few = counted.count
    big = roles["late"]
    for n in range(15):
        orders.add_term(big, f"extra {n}", "2026-12-31", "1.00")
        orders.record_payment(big, "2026-11-01", "1.00")
    big_id = order_id(big)
    with count_queries() as counted:
        v = order_view(big_id)
    assert len(v.terms) == 17 and len(v.payments) == 16
    assert counted.count == few  # no query per row
    assert counted.count <= 24


def test_history_readable_newest_first(db: Database) -> None:
    roles = seed()
    audit.set_user("maria")
    orders.update_order(roles["soon"], None, note="call first")
    audit.set_user("tester")
    history = order_history(order_id(roles["soon"]))
    newest = history[0]
    assert (newest.user, newest.action, newest.entity) == ("maria", "update", "order")
    assert "note: — → call first" in newest.text
    assert history[-1].action == "create"
    last = last_change(order_id(roles["soon"]))
    assert (last.user, last.number) == ("maria", roles["soon"])
    assert last.version == Order.get(Order.number == roles["soon"]).version


def test_change_text_and_missing_order(db: Database) -> None:
    assert change_text({"qty": ["1", "2"], "note": "x", "ok": [True, False]}) == (
        "note: x; ok: yes → no; qty: 1 → 2"
    )
    with pytest.raises(NotFound):
        order_view(424242)

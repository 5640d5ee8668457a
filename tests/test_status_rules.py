"""The order's status end to end: every transition, what causes it, and its audit entry (who,
when, old and new status), on SQLite and PostgreSQL.

new -> in progress (a linked production/purchase order, a delivery, or an explicit start)
-> ready (every item fully delivered) -> closed (ready and paid); cancel with a reason (refused
while a delivery stands); reopen; and back again when the facts go back.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from peewee import Database

from tui_orders.data import audit, masterdata, orders, recompute
from tui_orders.data.errors import ValidationError
from tui_orders.data.models import AuditLog, Order
from tui_orders.data.orders import DeliveryLineInput as Line


@pytest.fixture
def order(db: Database) -> Order:
    masterdata.create_client("Acme Ltd", "EUR")
    masterdata.create_article("A", "Widget", "10.00")
    masterdata.create_article("B", "Bolt", "1.00")
    made = orders.create_order("Acme Ltd", "2026-12-31", created="2026-03-01")
    orders.add_item(made, "A", "4")  # 40.00
    orders.add_item(made, "B", "10")  # 10.00 -> total 50.00
    return status_is(made, "new")


def status_is(order: Order, expected: str) -> Order:
    fresh = Order.get_by_id(order.id)
    assert fresh.status == expected
    return fresh


def last_entry(order: Order) -> AuditLog:
    return orders.history(order)[-1]


def changes(entry: AuditLog) -> dict[str, Any]:
    return dict(json.loads(entry.changes))


def transition(order: Order, action: str, old: str, new: str, user: str = "tester") -> None:
    """The newest audit entry is ``action`` by ``user``, just now, moving the status."""
    entry = last_entry(order)
    assert entry.action == action
    assert entry.user == user
    assert abs((dt.datetime.now() - entry.at).total_seconds()) < 60
    moved = changes(entry).get("order_status") or changes(entry).get("status")
    assert moved == [old, new], changes(entry)


def test_new_to_in_progress_by_a_linked_order(order: Order) -> None:
    audit.set_user("maria")
    link = orders.create_linked(order, "production", today=dt.date(2026, 3, 2))
    status_is(order, "in_progress")
    transition(order, "link", "new", "in_progress", user="maria")
    # a cancelled link does not count: back to new
    orders.update_link(link.id, status="cancelled")
    status_is(order, "new")
    transition(order, "update", "in_progress", "new", user="maria")
    audit.set_user("tester")


def test_new_to_in_progress_by_a_delivery(order: Order) -> None:
    orders.add_delivery(order, "shipment", "2026-03-05", [Line("A", "1")])
    status_is(order, "in_progress")
    transition(order, "deliver", "new", "in_progress")


def test_new_to_in_progress_by_an_explicit_start(order: Order) -> None:
    orders.start_order(order)
    status_is(order, "in_progress")
    transition(order, "start", "new", "in_progress")
    # starting again changes nothing
    orders.start_order(order)
    assert changes(last_entry(order)) == {
        "order_status": ["new", "in_progress"],
        "started": [False, True],
    }


def test_ready_when_everything_is_delivered_then_closed_when_paid(order: Order) -> None:
    orders.add_delivery(order, "sale", "2026-03-05", [Line("A", "4"), Line("B", "6")])
    status_is(order, "in_progress")  # B: 6 of 10
    orders.add_delivery(order, "shipment", "2026-03-06", [Line("B", "4")])
    status_is(order, "ready")
    transition(order, "deliver", "in_progress", "ready")
    payment = orders.record_payment(order, "2026-03-07", "49.99")
    status_is(order, "ready")  # not quite paid
    orders.update_payment(payment.id, amount="50.00")
    status_is(order, "closed")
    transition(order, "update", "ready", "closed")
    # and back: less money -> ready; a delivery cancelled -> in progress
    orders.remove_payment(payment.id)
    status_is(order, "ready")
    transition(order, "remove", "closed", "ready")
    last = orders.add_delivery(order, "sale", "2026-03-08", [Line("A", "1")], allow_over=True)
    assert changes(last_entry(order))["over_delivery"] == {"A": "1"}
    orders.cancel_delivery(last.id)
    status_is(order, "ready")  # the over-delivery was extra
    delivery = orders.add_delivery(order, "sale", "2026-03-09", [Line("B", "1")], allow_over=True)
    orders.cancel_delivery(delivery.id)
    status_is(order, "ready")
    assert recompute.check() == []


def test_paid_first_then_delivered_goes_straight_to_closed(order: Order) -> None:
    orders.record_payment(order, "2026-03-02", "50.00")
    status_is(order, "new")  # money alone does not start the work
    orders.add_delivery(order, "sale", "2026-03-05", [Line("A", "4"), Line("B", "10")])
    status_is(order, "closed")
    transition(order, "deliver", "new", "closed")


def test_an_order_without_items_is_never_ready(db: Database) -> None:
    masterdata.create_client("Acme Ltd", "EUR")
    empty = orders.create_order("Acme Ltd", "2026-12-31", created="2026-03-01")
    orders.record_payment(empty, "2026-03-02", "10.00")
    status_is(empty, "new")


def test_cancel_is_refused_while_a_delivery_stands(order: Order) -> None:
    delivery = orders.add_delivery(order, "sale", "2026-03-05", [Line("A", "1")])
    count = AuditLog.select().count()
    with pytest.raises(ValidationError, match="has 1 delivery\\(ies\\): cancel them before"):
        orders.cancel_order(order, "client withdrew")
    assert AuditLog.select().count() == count
    status_is(order, "in_progress")
    orders.cancel_delivery(delivery.id)
    status_is(order, "new")
    transition(order, "cancel", "in_progress", "new")
    audit.set_user("boris")
    orders.cancel_order(order, "client withdrew")
    status_is(order, "cancelled")
    entry = last_entry(order)
    assert (entry.action, entry.user) == ("cancel", "boris")
    assert changes(entry) == {"status": ["new", "cancelled"], "reason": "client withdrew"}
    audit.set_user("tester")


def test_cancel_needs_a_reason_and_a_cancelled_order_takes_no_work(order: Order) -> None:
    with pytest.raises(ValidationError, match="cancel reason is required"):
        orders.cancel_order(order, "  ")
    orders.cancel_order(order, "duplicate")
    with pytest.raises(ValidationError, match="already cancelled"):
        orders.cancel_order(order, "again")
    with pytest.raises(ValidationError, match="is cancelled"):
        orders.add_delivery(order, "sale", "2026-03-05", [Line("A", "1")])
    with pytest.raises(ValidationError, match="reopen it first"):
        orders.start_order(order)
    # a link or a payment on a cancelled order leaves it cancelled
    orders.create_linked(order, "purchase", "PO-1")
    status_is(order, "cancelled")


def test_reopen_gives_back_what_the_facts_say(order: Order) -> None:
    orders.create_linked(order, "purchase", "PO-1")
    orders.cancel_order(order, "client hesitates")
    status_is(order, "cancelled")
    orders.reopen_order(order)
    status_is(order, "in_progress")
    transition(order, "reopen", "cancelled", "in_progress")
    fresh = Order.get_by_id(order.id)
    assert (fresh.cancelled, fresh.cancel_reason) == (False, "")
    with pytest.raises(ValidationError, match="is not cancelled"):
        orders.reopen_order(order)


def test_every_transition_is_in_the_history(order: Order) -> None:
    """One order through its whole life: the history names each status it went through."""
    orders.start_order(order)
    orders.add_delivery(order, "sale", "2026-03-05", [Line("A", "4"), Line("B", "10")])
    orders.record_payment(order, "2026-03-06", "50.00")
    moves = []
    for entry in orders.history(order):
        c = changes(entry)
        moved = c.get("order_status") or (c.get("status") if entry.entity == "order" else None)
        if moved:
            moves.append((entry.action, *moved))
    assert moves == [
        ("start", "new", "in_progress"),
        ("deliver", "in_progress", "ready"),
        ("add", "ready", "closed"),
    ]


def test_a_cancelled_order_takes_no_new_or_changed_items(db: Any) -> None:
    """Items of a cancelled order are frozen until it is reopened (a scan gets the same answer)."""
    from tui_orders.data import masterdata, orders
    from tui_orders.data.errors import ValidationError
    from tui_orders.data.scanning import scan_into_order

    masterdata.create_client("Frozen Ltd", "EUR")
    masterdata.create_article("A-1", "Widget", "2.00", barcodes=["4006381333931"])
    order = orders.create_order("Frozen Ltd", deadline="2026-12-31")
    item = orders.add_item(order, "A-1", "1")
    orders.cancel_order(order, "client withdrew")
    with pytest.raises(ValidationError, match="cancelled: reopen it first"):
        orders.add_item(order, "A-1", "1")
    with pytest.raises(ValidationError, match="cancelled: reopen it first"):
        orders.update_item(item.id, qty="3")
    with pytest.raises(ValidationError, match="cancelled: reopen it first"):
        scan_into_order(order.id, "4006381333931")
    orders.reopen_order(order)
    scan_into_order(order.id, "4006381333931")
    assert orders.OrderItem.get_by_id(item.id).qty == 2

"""The audit log: every change says who made it, when, and what changed, on the order's history."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from peewee import Database

from tui_orders.data import audit, masterdata, orders
from tui_orders.data.errors import ValidationError
from tui_orders.data.masterdata import AddressInput
from tui_orders.data.models import AuditLog, FinancialDocument, Order
from tui_orders.data.orders import AllocationInput as Alloc
from tui_orders.data.orders import DeliveryLineInput as Line

D = Decimal


@pytest.fixture
def md(db: Database) -> SimpleNamespace:
    return SimpleNamespace(
        acme=masterdata.create_client(
            "Acme Ltd", "EUR", addresses=[AddressInput("HQ"), AddressInput("Plant")]
        ),
        a=masterdata.create_article("A", "Widget", "10.00"),
        vat=masterdata.create_tax("VAT 20%", "20"),
    )


def new_order(**kw: Any) -> Order:
    return orders.create_order("Acme Ltd", "2026-06-30", created="2026-03-01", **kw)


def doc_id(number: str) -> int:
    return int(FinancialDocument.get(FinancialDocument.number == number).id)


def changes(entry: AuditLog) -> dict[str, Any]:
    return json.loads(entry.changes)


def test_who_is_the_configured_user(md: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUI_ORDERS_USER", "from-env")
    audit.set_user("  maria  ")
    order = new_order()
    [entry] = orders.history(order)
    assert entry.user == "maria"  # the --user name wins over the environment, trimmed


def test_who_falls_back_to_the_environment(
    md: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit.set_user(None)
    monkeypatch.setenv("TUI_ORDERS_USER", "ivan")
    order = new_order()
    assert orders.history(order)[-1].user == "ivan"
    audit.set_user("   ")  # a blank name is no name
    orders.start_order(order)
    assert orders.history(order)[-1].user == "ivan"


def test_who_falls_back_to_the_os_user(
    md: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit.set_user(None)
    monkeypatch.setenv("TUI_ORDERS_USER", "   ")  # blank: not a name
    # the operating system's login name, as the system reports it ($LOGNAME comes first)
    monkeypatch.setenv("LOGNAME", "os-login-petar")
    order = new_order()
    assert orders.history(order)[-1].user == "os-login-petar"


def test_when(md: SimpleNamespace) -> None:
    before = dt.datetime.now()
    order = new_order()
    orders.add_item(order, "A", "2")
    after = dt.datetime.now()
    for entry in orders.history(order):
        assert before <= entry.at <= after


def test_create_records_the_new_order(md: SimpleNamespace) -> None:
    order = new_order(tax="VAT 20%")
    [entry] = orders.history(order.number)  # by number as well as by id
    assert (entry.action, entry.entity, entry.entity_id, entry.order_id) == (
        "create",
        "order",
        order.id,
        order.id,
    )
    assert changes(entry) == {
        "number": "2026-00001",
        "client": "Acme Ltd",
        "deadline": "2026-06-30",
        "created": "2026-03-01",
    }


def test_edit_records_old_and_new_values(md: SimpleNamespace) -> None:
    order = new_order()
    orders.update_order(
        order, order.version, note="urgent", deadline="2026-07-15", tax="VAT 20%", address="Plant"
    )
    entry = orders.history(order)[-1]
    assert (entry.action, entry.entity, entry.user) == ("update", "order", "tester")
    assert changes(entry) == {
        "note": ["", "urgent"],
        "deadline": ["2026-06-30", "2026-07-15"],
        "tax": [None, "VAT 20%"],
        "address": ["HQ", "Plant"],
    }


def test_edit_of_nothing_records_nothing(md: SimpleNamespace) -> None:
    order = new_order(note="same")
    orders.update_order(order, order.version, note="same")
    assert [e.action for e in orders.history(order)] == ["create"]


def test_item_edit_records_old_and_new_values(md: SimpleNamespace) -> None:
    order = new_order()
    item = orders.add_item(order, "A", "2")
    added = orders.history(order)[-1]
    assert (added.action, added.entity, added.entity_id) == ("add", "item", item.id)
    assert changes(added)["article"] == "A"
    assert D(changes(added)["qty"]) == D("2")
    assert D(changes(added)["price"]) == D("10.00")  # the catalogue price
    orders.update_item(item.id, qty="3", price="12,5")
    edit = changes(orders.history(order)[-1])
    assert sorted(edit) == ["price", "qty"]
    assert [D(v) for v in edit["qty"]] == [D("2"), D("3")]
    assert [D(v) for v in edit["price"]] == [D("10.00"), D("12.50")]


def test_every_change_is_on_the_order_history(md: SimpleNamespace) -> None:
    order = new_order()
    item = orders.add_item(order, "A", "10")
    term = orders.add_term(order, "advance", "2026-03-15", "60")
    orders.update_term(term.id, amount="70")
    orders.add_document(order, "proforma", "PF-1", "70", "2026-03-02", term="advance")
    payment = orders.record_payment(order, "2026-03-10", "100", allocations=[Alloc("PF-1", "40")])
    orders.allocate(payment.id, "PF-1", "70")
    delivery = orders.add_delivery(order, "sale", "2026-03-11", [Line("A", "4")])
    orders.cancel_delivery(delivery.id)
    link = orders.link_order(order, "production", "PR-1")
    orders.update_link(link.id, status="in_progress")
    orders.start_order(order)
    orders.remove_payment(payment.id)
    orders.remove_document(doc_id("PF-1"))
    orders.remove_term(term.id)
    orders.cancel_order(order, "client withdrew")
    orders.reopen_order(order)
    orders.remove_item(item.id)
    history = orders.history(order)
    assert [(e.action, e.entity) for e in history] == [
        ("create", "order"),
        ("add", "item"),
        ("add", "term"),
        ("update", "term"),
        ("add", "document"),
        ("add", "payment"),
        ("allocate", "payment"),
        ("deliver", "delivery"),
        ("cancel", "delivery"),
        ("link", "linked_order"),
        ("update", "linked_order"),
        ("start", "order"),
        ("remove", "payment"),
        ("remove", "document"),
        ("remove", "term"),
        ("cancel", "order"),
        ("reopen", "order"),
        ("remove", "item"),
    ]
    assert all(e.order_id == order.id and e.user == "tester" for e in history)
    by_action = {(e.action, e.entity): changes(e) for e in history}
    assert by_action[("update", "term")] == {"amount": ["60.00", "70.00"]}
    assert by_action[("add", "payment")]["allocations"] == {"PF-1": "40.00"}
    assert by_action[("allocate", "payment")] == {"PF-1": ["40.00", "70.00"]}
    assert by_action[("update", "linked_order")] == {"status": ["planned", "in_progress"]}
    assert by_action[("start", "order")] == {"started": [False, True]}
    # started, so it was in progress before the cancellation and is again after it
    assert by_action[("cancel", "order")] == {
        "status": ["in_progress", "cancelled"],
        "reason": "client withdrew",
    }
    assert by_action[("reopen", "order")] == {"status": ["cancelled", "in_progress"]}


def test_refused_change_records_nothing(md: SimpleNamespace) -> None:
    order = new_order()
    count = AuditLog.select().count()
    with pytest.raises(ValidationError):
        orders.add_item(order, "A", "-1")
    with pytest.raises(ValidationError):
        orders.record_payment(order, "2026-03-10", "10", allocations=[Alloc("NOPE", "5")])
    assert AuditLog.select().count() == count


def test_history_of_one_order_only(md: SimpleNamespace) -> None:
    first = new_order()
    second = new_order()
    orders.add_item(second, "A", "1")
    assert [e.action for e in orders.history(first)] == ["create"]
    assert [e.action for e in orders.history(second)] == ["create", "add"]


def test_master_data_changes_are_recorded_too(md: SimpleNamespace) -> None:
    audit.set_user("admin")
    client = masterdata.update_client(md.acme.id, vat_id="BG123456789")
    entry = AuditLog.select().order_by(AuditLog.id.desc()).first()
    assert (entry.action, entry.entity, entry.entity_id, entry.order_id) == (
        "update",
        "client",
        client.id,
        None,
    )
    assert entry.user == "admin"
    assert changes(entry) == {"vat_id": ["", "BG123456789"]}

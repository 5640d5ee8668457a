"""Delays: every at-risk cause, its sentence and its structured form; linked production and
purchase orders created from an order and listed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from peewee import Database

from tui_orders.data import masterdata, orders, risk
from tui_orders.data.errors import ValidationError
from tui_orders.data.models import LinkedOrder
from tui_orders.data.orders import DeliveryLineInput as Line
from tui_orders.data.risk import LinkFact, causes_for

D = Decimal
TODAY = dt.date(2026, 12, 7)
DEADLINE = dt.date(2026, 12, 10)  # 3 days from TODAY


# --------------------------------------------------------------------------- the pure rule


def texts(*args: object, **kw: object) -> list[str]:
    return [c.text for c in causes_for(*args, **kw)]  # type: ignore[arg-type]


def test_deadline_near_and_passed() -> None:
    assert texts("in_progress", DEADLINE, D("40.00"), [], TODAY) == [
        "deadline in 3 days, 40% delivered"
    ]
    assert texts("new", TODAY, D("0"), [], TODAY) == ["deadline today, 0% delivered"]
    assert texts("new", TODAY + dt.timedelta(days=1), D("12.50"), [], TODAY) == [
        "deadline tomorrow, 12.5% delivered"
    ]
    # "near" is NEAR_DAYS (7) days: the 7th day counts, the 8th does not
    assert texts("new", TODAY + dt.timedelta(days=7), D("0"), [], TODAY) == [
        "deadline in 7 days, 0% delivered"
    ]
    assert texts("new", TODAY + dt.timedelta(days=8), D("0"), [], TODAY) == []
    assert texts("new", TODAY + dt.timedelta(days=8), D("0"), [], TODAY, near_days=10) != []
    assert texts("in_progress", TODAY - dt.timedelta(days=1), D("99.99"), [], TODAY) == [
        "1 day past the deadline, 99.99% delivered"
    ]
    assert texts("in_progress", TODAY - dt.timedelta(days=5), D("0"), [], TODAY) == [
        "5 days past the deadline, 0% delivered"
    ]


def test_ready_closed_cancelled_are_never_at_risk() -> None:
    late = [LinkFact("purchase", "PO-17", "planned", None, TODAY - dt.timedelta(days=9))]
    for status in ("ready", "closed", "cancelled"):
        assert causes_for(status, TODAY - dt.timedelta(days=30), D("0"), late, TODAY) == []


def test_link_expected_after_the_deadline() -> None:
    far = dt.date(2027, 1, 30)  # deadline 2027-01-25: not near
    link = LinkFact("purchase", "PO-17", "in_progress", None, dt.date(2027, 1, 30))
    causes = causes_for("in_progress", dt.date(2027, 1, 25), D("0"), [link], TODAY)
    assert [c.text for c in causes] == [
        "purchase order PO-17 expected 2027-01-30, 5 days after the deadline"
    ]
    assert causes[0].kind == "link_after_deadline"
    assert causes[0].params == {
        "link_kind": "purchase",
        "number": "PO-17",
        "expected": "2027-01-30",
        "days": 5,
    }
    one = LinkFact("production", "PR-3", "planned", None, far)
    assert texts("new", far - dt.timedelta(days=1), D("0"), [one], TODAY) == [
        "production order PR-3 expected 2027-01-30, 1 day after the deadline"
    ]


def test_link_overdue_by_expected_date_else_its_deadline() -> None:
    deadline = dt.date(2027, 2, 1)
    by_expected = LinkFact("production", "PR-3", "in_progress", deadline, dt.date(2026, 12, 5))
    by_deadline = LinkFact("purchase", "PO-9", "planned", dt.date(2026, 12, 6), None)
    causes = causes_for("in_progress", deadline, D("10"), [by_expected, by_deadline], TODAY)
    assert [c.text for c in causes] == [
        "production order PR-3 is 2 days overdue",
        "purchase order PO-9 is 1 day overdue",
    ]
    assert [c.kind for c in causes] == ["link_overdue", "link_overdue"]
    # done and cancelled links are no cause, nor a link without dates, nor one due today
    quiet = [
        LinkFact("production", "PR-1", "done", None, dt.date(2026, 1, 1)),
        LinkFact("production", "PR-2", "cancelled", None, dt.date(2026, 1, 1)),
        LinkFact("purchase", "PO-1", "planned", None, None),
        LinkFact("purchase", "PO-2", "planned", None, TODAY),
    ]
    assert causes_for("in_progress", deadline, D("0"), quiet, TODAY) == []


def test_an_overdue_link_after_the_deadline_is_named_once() -> None:
    link = LinkFact("purchase", "PO-17", "planned", None, dt.date(2026, 12, 6))
    assert texts("in_progress", dt.date(2026, 12, 1), D("0"), [link], TODAY) == [
        "6 days past the deadline, 0% delivered",
        "purchase order PO-17 is 1 day overdue",
    ]


def test_causes_render_through_a_translation() -> None:
    [cause] = causes_for("new", DEADLINE, D("40"), [], TODAY)
    assert risk.cause_template(cause.kind, cause.params) == (
        "deadline in {days} days, {delivered}% delivered"
    )
    bulgarian = {"deadline in {days} days, {delivered}% delivered": "срок след {days} дни"}
    assert risk.render_cause(cause, lambda s: bulgarian.get(s, s)) == "срок след 3 дни"
    assert risk.render_cause(cause) == cause.text
    assert cause.as_dict() == {
        "kind": "deadline_near",
        "params": {"days": 3, "delivered": "40"},
        "text": "deadline in 3 days, 40% delivered",
    }
    # every template formats with the params its kind gets
    for (kind, link, _form), template in risk.TEMPLATES.items():
        params = {"days": 2, "delivered": "1", "number": "N", "expected": "E", "date": "D"}
        if link:
            params["link_kind"] = link
        assert "{" not in template.format(**params), kind


# --------------------------------------------------------------------------- on the database


@pytest.fixture
def md(db: Database) -> SimpleNamespace:
    return SimpleNamespace(
        acme=masterdata.create_client("Acme Ltd", "EUR"),
        a=masterdata.create_article("A", "Widget", "10.00"),
    )


def test_delay_causes_of_orders(md: SimpleNamespace) -> None:
    order = orders.create_order("Acme Ltd", DEADLINE, created="2026-11-01")
    orders.add_item(order, "A", "5")
    orders.add_delivery(order, "sale", "2026-11-20", [Line("A", "2")])
    orders.create_linked(order, "purchase", "PO-17", expected="2026-12-15")
    orders.create_linked(order, "production", "PR-3", expected="2026-12-05", status="in_progress")
    orders.create_linked(order, "production", "PR-4", expected="2026-12-01", status="done")
    assert risk.delay_causes(order.id, TODAY) == [
        "deadline in 3 days, 40% delivered",
        "production order PR-3 is 2 days overdue",
        "purchase order PO-17 expected 2026-12-15, 5 days after the deadline",
    ]
    assert risk.is_at_risk(order.id, TODAY)
    calm = orders.create_order("Acme Ltd", "2027-06-30", created="2026-11-01")
    ready = orders.create_order("Acme Ltd", "2026-12-08", created="2026-11-01")
    orders.add_item(ready, "A", "1")
    orders.add_delivery(ready, "sale", "2026-11-20", [Line("A", "1")])
    found = risk.risk_of_orders([order.id, calm.id, ready.id, 999_999], TODAY)
    assert set(found) == {order.id, calm.id, ready.id}
    assert len(found[order.id].causes) == 3
    assert not found[calm.id].at_risk
    assert not found[ready.id].at_risk  # delivered: nothing to fear
    assert risk.delay_causes(999_999, TODAY) == []


def test_create_linked_inherits_the_deadline_and_numbers_itself(md: SimpleNamespace) -> None:
    order = orders.create_order("Acme Ltd", DEADLINE, created="2026-11-01")
    assert order.status == "new"
    first = orders.create_linked(order, "purchase", today=TODAY)
    second = orders.create_linked(order, "purchase", today=TODAY, expected="2026-12-09")
    made = orders.create_linked(order, "production", today=TODAY, note="line 2")
    assert (first.number, second.number, made.number) == (
        "PO-2026-00001",
        "PO-2026-00002",
        "PR-2026-00001",
    )
    assert {lk.deadline for lk in (first, second, made)} == {DEADLINE}
    assert second.expected == dt.date(2026, 12, 9)
    assert orders.get_order(order.id).status == "in_progress"
    # a number typed by hand (or from demo data) is skipped by the generator
    other = orders.create_order("Acme Ltd", DEADLINE, created="2026-11-01")
    orders.create_linked(other, "production", "PR-2026-00005")
    assert orders.create_linked(other, "production", today=TODAY).number == "PR-2026-00006"
    # an existing number of another order's may be linked too (one PO for two orders)
    assert orders.create_linked(other, "purchase", "PO-2026-00001").order_id == other.id
    with pytest.raises(ValidationError, match="already linked"):
        orders.create_linked(other, "purchase", "PO-2026-00001")
    with pytest.raises(ValidationError, match="kind"):
        orders.create_linked(other, "repair")
    # own deadline
    own = orders.create_linked(other, "purchase", deadline="2026-12-01")
    assert own.deadline == dt.date(2026, 12, 1)


def test_list_links(md: SimpleNamespace) -> None:
    order = orders.create_order("Acme Ltd", DEADLINE, created="2026-11-01", number="2026-00042")
    later = orders.create_order("Acme Ltd", "2027-01-31", created="2026-11-01")
    po = orders.create_linked(order, "purchase", "PO-17", expected="2026-12-12")
    pr = orders.create_linked(later, "production", "PR-3", status="in_progress")
    done = orders.create_linked(later, "purchase", "PO-18", status="done")
    rows = orders.list_links()
    assert [r.number for r in rows] == ["PO-17", "PR-3", "PO-18"]  # by deadline
    assert rows[0].order_number == "2026-00042" and rows[0].client == "Acme Ltd"
    assert [r.number for r in orders.list_links(kind="purchase")] == ["PO-17", "PO-18"]
    assert [r.number for r in orders.list_links(status="open")] == ["PO-17", "PR-3"]
    assert [r.number for r in orders.list_links(status=["done"])] == ["PO-18"]
    assert [r.number for r in orders.list_links(text="po-1")] == ["PO-17", "PO-18"]
    assert [r.number for r in orders.list_links(text="2026-00042")] == ["PO-17"]
    assert rows[0].overdue_days(dt.date(2026, 12, 14)) == 2
    assert rows[2].overdue_days(dt.date(2030, 1, 1)) == 0  # done
    with pytest.raises(ValidationError):
        orders.list_links(status="lost")
    # update_link moves its own deadline too
    orders.update_link(pr.id, deadline="2027-01-15", status="done")
    stored = LinkedOrder.get_by_id(pr.id)
    assert (stored.deadline, stored.status) == (dt.date(2027, 1, 15), "done")
    assert po.id and done.id


def test_order_view_names_the_causes(md: SimpleNamespace) -> None:
    from tui_orders.data.views import order_view

    order = orders.create_order("Acme Ltd", DEADLINE, created="2026-11-01")
    orders.add_item(order, "A", "5")
    orders.create_linked(order, "production", "PR-3", expected="2026-12-05")
    view = order_view(order.id, TODAY)
    assert view.at_risk and view.today == TODAY
    assert [c.text for c in view.delay_causes] == risk.delay_causes(order.id, TODAY)
    assert not order_view(order.id, dt.date(2026, 11, 2)).at_risk

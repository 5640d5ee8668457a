"""Offers: creating and editing them, their derived status, and confirming one into an order
(once, never when expired), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from peewee import Database

from tui_orders.data import masterdata, offers, orders, recompute
from tui_orders.data.errors import ConflictError, NotFound, ValidationError
from tui_orders.data.masterdata import AddressInput
from tui_orders.data.models import AuditLog, Offer, OfferItem, Order, OrderItem
from tui_orders.data.numbers import move_past
from tui_orders.data.offers import OfferLineInput as Line

D = Decimal
TODAY = dt.date(2026, 3, 1)


@pytest.fixture
def md(db: Database) -> SimpleNamespace:
    return SimpleNamespace(
        acme=masterdata.create_client(
            "Acme Ltd", "EUR", addresses=[AddressInput("HQ", "Sofia"), AddressInput("Plant")]
        ),
        beta=masterdata.create_client("Бета ООД", "BGN", addresses=[AddressInput("Office")]),
        a=masterdata.create_article("A", "Widget", "10.00"),
        b=masterdata.create_article("B", "Bolt", "0.125"),
        vat=masterdata.create_tax("VAT 20%", "20"),
    )


def new_offer(**kw: object) -> Offer:
    kw.setdefault("created", "2026-02-20")
    kw.setdefault("valid_until", "2026-03-20")
    lines = kw.pop("lines", [Line("A", "3"), Line("B", "8", "0.25", "M8 zinc")])
    return offers.create_offer("Acme Ltd", lines=lines, **kw)  # type: ignore[arg-type]


def test_create_numbers_lines_and_prices(md: SimpleNamespace) -> None:
    offer = new_offer(address="Plant", note="urgent")
    assert offer.number == "OF-2026-00001"
    assert offer.version == 1
    assert offer.address_id is not None
    second = new_offer()
    assert second.number == "OF-2026-00002"
    detail = offers.offer_detail(offer.id, TODAY)
    assert detail.status == "open"
    assert detail.address_label == "Plant"
    assert detail.note == "urgent"
    assert [(ln.article_code, ln.qty, ln.price, ln.amount, ln.specs) for ln in detail.lines] == [
        ("A", D("3"), D("10.00"), D("30.00"), ""),  # catalogue price
        ("B", D("8"), D("0.25"), D("2.00"), "M8 zinc"),  # given price
    ]
    assert detail.total == D("32.00")


def test_generated_number_skips_numbers_already_taken(md: SimpleNamespace) -> None:
    # demo data and imports bring OF-YYYY-NNNNN numbers the counter never handed out
    offers.create_offer("Acme Ltd", created="2026-01-05", number="OF-2026-00001")
    offers.create_offer("Acme Ltd", created="2026-01-05", number="OF-2026-00007")
    offer = offers.create_offer("Acme Ltd", created="2026-01-06")
    assert offer.number == "OF-2026-00008"
    move_past("offer", 2027, 0)
    assert offers.create_offer("Acme Ltd", created="2027-01-06").number == "OF-2027-00001"


def test_create_refuses_bad_input(md: SimpleNamespace) -> None:
    with pytest.raises(ValidationError, match="before the offer's date"):
        offers.create_offer("Acme Ltd", "2026-01-01", created="2026-02-01")
    with pytest.raises(ValidationError, match=r"lines\[1\].*no article"):
        offers.create_offer("Acme Ltd", lines=[Line("A", "1"), Line("NOPE", "1")])
    with pytest.raises(ValidationError, match="already used"):
        offers.create_offer("Acme Ltd", number="X-1")
        offers.create_offer("Acme Ltd", number="X-1")
    with pytest.raises(NotFound):
        offers.create_offer("Nobody")
    assert Offer.select().where(Offer.number != "X-1").count() == 0
    assert OfferItem.select().count() == 0


def test_status_open_expired_confirmed(md: SimpleNamespace) -> None:
    offer = new_offer(valid_until="2026-03-20")
    assert offers.offer_detail(offer.id, dt.date(2026, 3, 20)).status == "open"  # last day
    assert offers.offer_detail(offer.id, dt.date(2026, 3, 21)).status == "expired"
    forever = new_offer(valid_until=None)
    assert offers.offer_detail(forever.id, dt.date(2099, 1, 1)).status == "open"
    offers.confirm_offer(offer, today=dt.date(2026, 3, 10))
    assert offers.offer_detail(offer.id, dt.date(2026, 4, 1)).status == "confirmed"


def test_update_with_versions_and_audit(md: SimpleNamespace) -> None:
    offer = new_offer()
    updated = offers.update_offer(offer, 1, valid_until="2026-04-30", note="call first")
    assert updated.version == 2
    assert updated.valid_until == dt.date(2026, 4, 30)
    with pytest.raises(ConflictError, match="changed in another terminal"):
        offers.update_offer(offer.id, 1, note="stale")
    assert Offer.get_by_id(offer.id).note == "call first"
    moved = offers.update_offer(offer.id, 2, client="Бета ООД")
    assert moved.client_id == md.beta.id
    assert offers.offer_detail(offer.id).address_label == "Office"  # the new client's default
    with pytest.raises(ValidationError, match="cannot change number"):
        offers.update_offer(offer.id, None, number="X")
    entry = (
        AuditLog.select()
        .where(AuditLog.entity == "offer", AuditLog.action == "update")
        .order_by(AuditLog.id)
        .first()
    )
    assert json.loads(entry.changes) == {
        "note": ["", "call first"],
        "valid_until": ["2026-03-20", "2026-04-30"],
    }
    assert entry.user == "tester"


def test_lines_add_update_remove(md: SimpleNamespace) -> None:
    offer = new_offer(lines=[])
    line = offers.add_offer_line(offer, "A", "2", expected_version=1)
    other = offers.add_offer_line(offer, "B", "4", "0.2", "long")
    assert (line.position, other.position) == (1, 2)
    offers.update_offer_line(line.id, 3, qty="5", price="9.5")
    offers.remove_offer_line(other.id)
    detail = offers.offer_detail(offer.id)
    assert [(ln.article_code, ln.qty, ln.price) for ln in detail.lines] == [("A", D("5"), D("9.5"))]
    assert detail.version == 5
    with pytest.raises(ConflictError):
        offers.add_offer_line(offer, "A", "1", expected_version=1)
    actions = [
        (e.action, e.entity)
        for e in AuditLog.select().where(AuditLog.entity == "offer_line").order_by(AuditLog.id)
    ]
    assert actions == [
        ("add", "offer_line"),
        ("add", "offer_line"),
        ("update", "offer_line"),
        ("remove", "offer_line"),
    ]


def test_confirm_creates_the_order_in_one_go(md: SimpleNamespace) -> None:
    offer = new_offer(address="Plant", note="as agreed by phone")
    order = offers.confirm_offer(offer, 1, deadline="2026-05-31", tax="VAT 20%", today=TODAY)
    assert order.number == "2026-00001"
    assert order.client_id == md.acme.id
    assert order.document_kind == "offer"
    assert order.document_ref == offer.number
    assert order.created == TODAY
    assert order.deadline == dt.date(2026, 5, 31)
    assert order.note == "as agreed by phone"
    assert orders.get_order(order.id).address.label == "Plant"
    items = list(OrderItem.select().where(OrderItem.order == order.id).order_by(OrderItem.position))
    assert [(i.position, i.article_id, i.qty, i.price, i.specs) for i in items] == [
        (1, md.a.id, D("3"), D("10"), ""),
        (2, md.b.id, D("8"), D("0.25"), "M8 zinc"),
    ]
    assert order.subtotal == D("32.00")
    assert order.total == D("38.40")  # + VAT 20% 6.40
    assert order.status == "new"
    stored = Offer.get_by_id(offer.id)
    assert stored.order_id == order.id
    # the order screen finds its offer
    from tui_orders.data.views import order_view

    view = order_view(order.id)
    assert view.offer is not None and view.offer.number == offer.number
    # the order's history says where it came from, and who did it
    entries = [(e.action, e.entity, e.user) for e in orders.history(order)]
    assert entries == [("create", "order", "tester"), ("confirm", "offer", "tester")]
    confirm = json.loads(orders.history(order)[-1].changes)
    assert confirm["offer"] == offer.number and confirm["order"] == order.number
    assert confirm["items"] == {"1": "A x 3 @ 10.00", "2": "B x 8 @ 0.25"}
    assert recompute.check() == []


def test_default_deadline(md: SimpleNamespace) -> None:
    order = offers.confirm_offer(new_offer(), today=TODAY)
    assert order.deadline == TODAY + dt.timedelta(days=offers.DEFAULT_DEADLINE_DAYS)


def test_confirmed_offer_cannot_be_confirmed_or_changed_again(md: SimpleNamespace) -> None:
    offer = new_offer()
    order = offers.confirm_offer(offer.number, today=TODAY)
    count = (Order.select().count(), AuditLog.select().count())
    with pytest.raises(ValidationError, match=f"already confirmed: it became order {order.number}"):
        offers.confirm_offer(offer.number, today=TODAY)
    with pytest.raises(ValidationError, match="already confirmed"):
        offers.confirm_offer(offer.id, 2, today=TODAY)  # even with the right version
    with pytest.raises(ValidationError, match=f"confirmed as order {order.number}"):
        offers.update_offer(offer.id, None, note="x")
    with pytest.raises(ValidationError, match="confirmed as order"):
        offers.add_offer_line(offer.id, "A", "1")
    assert (Order.select().count(), AuditLog.select().count()) == count


def test_expired_offer_is_refused_until_extended(md: SimpleNamespace) -> None:
    offer = new_offer(valid_until="2026-02-25")
    with pytest.raises(ValidationError, match="expired on 2026-02-25: extend its validity"):
        offers.confirm_offer(offer, today=TODAY)
    assert Order.select().count() == 0
    assert Offer.get_by_id(offer.id).version == 1  # the claim was rolled back
    offers.update_offer(offer, 1, valid_until="2026-03-31")
    order = offers.confirm_offer(offer, 2, today=TODAY)
    assert order.document_ref == offer.number


def test_confirm_refuses_empty_and_stale(md: SimpleNamespace) -> None:
    empty = new_offer(lines=[])
    with pytest.raises(ValidationError, match="has no lines"):
        offers.confirm_offer(empty, today=TODAY)
    offer = new_offer()
    offers.update_offer(offer, 1, note="changed elsewhere")
    with pytest.raises(ConflictError):
        offers.confirm_offer(offer, 1, today=TODAY)
    assert Order.select().count() == 0


def test_list_offers_filters_and_totals(md: SimpleNamespace) -> None:
    first = new_offer(valid_until="2026-02-25")  # expired by TODAY
    second = offers.create_offer(
        "Бета ООД", "2026-03-31", created="2026-02-21", lines=[Line("A", "1")]
    )
    third = new_offer(created="2026-02-22")
    offers.confirm_offer(third, today=TODAY)
    rows = offers.list_offers(today=TODAY)
    assert [(r.number, r.status) for r in rows] == [
        (third.number, "confirmed"),
        (second.number, "open"),
        (first.number, "expired"),
    ]
    assert rows[0].order_number == "2026-00001"
    assert (rows[1].lines, rows[1].total, rows[1].currency) == (1, D("10.00"), "BGN")
    assert [r.number for r in offers.list_offers(today=TODAY, include_expired=False)] == [
        third.number,
        second.number,
    ]
    assert [r.number for r in offers.list_offers(today=TODAY, include_confirmed=False)] == [
        second.number,
        first.number,
    ]
    assert [r.number for r in offers.list_offers("бета", today=TODAY)] == [second.number]
    assert [r.number for r in offers.list_offers("00003", today=TODAY)] == [third.number]

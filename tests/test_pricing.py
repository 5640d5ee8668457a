"""Price history of an article: this client's sales first, newest first, then the others'."""

from __future__ import annotations

from decimal import Decimal

from tui_orders.data import masterdata, orders
from tui_orders.data.masterdata import AddressInput
from tui_orders.data.pricing import price_history


def test_this_client_first_then_others_newest_first(db):
    masterdata.create_client("A", "EUR", addresses=[AddressInput("HQ")])
    masterdata.create_client("B", "EUR", addresses=[AddressInput("HQ")])
    art = masterdata.create_article("X-1", "X", "10")
    for client, created, price in (
        ("B", "2026-01-05", "9"),
        ("A", "2026-01-01", "8"),
        ("B", "2026-02-01", "11"),
        ("A", "2026-03-01", "7"),
    ):
        o = orders.create_order(client, "2026-12-31", created=created)
        orders.add_item(o, "X-1", "1", price)
    a = masterdata.get_client("A")
    rows = price_history(art.id, a.id)
    assert [(r.client_name, r.price) for r in rows] == [
        ("A", Decimal("7")),
        ("A", Decimal("8")),
        ("B", Decimal("11")),
        ("B", Decimal("9")),
    ]
    assert [r.same_client for r in rows] == [True, True, False, False]
    assert len(price_history(art.id, a.id, limit=3)) == 3
    assert [r.price for r in price_history(art.id, None)] == [
        Decimal("7"),
        Decimal("11"),
        Decimal("9"),
        Decimal("8"),
    ]

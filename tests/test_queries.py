"""The order list's queries: keyset windows, filters, search and sort."""

from __future__ import annotations

import datetime as dt

from peewee import Database

from tui_orders.data import masterdata, orders
from tui_orders.data.masterdata import AddressInput
from tui_orders.data.queries import (
    OrderFilter,
    OrderSort,
    change_marker,
    clients_matching,
    count_orders,
    fetch_orders,
    list_orders,
)


def _setup() -> list[str]:
    masterdata.create_client("Техномаш ООД", "BGN", addresses=[AddressInput("Офис")])
    masterdata.create_client("Acme GmbH", "EUR")
    masterdata.create_article("A", "Widget", "10.00")
    numbers = []
    # deadlines deliberately out of creation order; two orders share a deadline
    for n, (client, deadline) in enumerate(
        [
            ("Техномаш ООД", "2026-03-05"),
            ("Acme GmbH", "2026-02-01"),
            ("Техномаш ООД", "2026-02-01"),
            ("Acme GmbH", "2026-04-10"),
            ("Техномаш ООД", "2026-01-20"),
        ]
    ):
        o = orders.create_order(client, deadline, created=f"2026-01-{n + 1:02d}")
        orders.add_item(o, "A", str(n + 1))
        numbers.append(o.number)
    return numbers


def test_windows_walk_every_order_once_in_both_directions(db: Database) -> None:
    numbers = _setup()
    # by deadline, ties by id: 01-20 (#5), 02-01 (#2), 02-01 (#3), 03-05 (#1), 04-10 (#4)
    expected = [numbers[4], numbers[1], numbers[2], numbers[0], numbers[3]]
    seen: list[str] = []
    window = fetch_orders(OrderFilter(), OrderSort.DEADLINE, limit=2)
    while window:
        seen += [r.number for r in window]
        window = fetch_orders(OrderFilter(), OrderSort.DEADLINE, after=window[-1].key, limit=2)
    assert seen == expected
    # and back up from the end, each window still in display order
    back = fetch_orders(
        OrderFilter(), OrderSort.DEADLINE, before=(dt.date(2026, 4, 10), 10**9), limit=3
    )
    assert [r.number for r in back] == expected[2:]
    desc = fetch_orders(OrderFilter(), OrderSort.DEADLINE, descending=True, limit=10)
    assert [r.number for r in desc] == expected[::-1]


def test_number_sort_reads_like_the_number(db: Database) -> None:
    masterdata.create_client("Acme", "EUR")
    for number in ["2025-100000", "2025-99999", "2024-00007", "X-1"]:
        orders.create_order("Acme", "2026-12-31", created="2025-01-01", number=number)
    rows = fetch_orders(OrderFilter(), OrderSort.NUMBER, limit=10)
    # 99999 before 100000 although "1" < "9" as text
    assert [r.number for r in rows] == ["2024-00007", "2025-99999", "2025-100000", "X-1"]


def test_search_by_client_name_ignores_case_in_cyrillic(db: Database) -> None:
    numbers = _setup()
    assert len(clients_matching("техномаш")) == 1  # lower case finds "Техномаш ООД"
    rows = fetch_orders(OrderFilter(search="техно"), OrderSort.NUMBER)
    assert [r.number for r in rows] == [numbers[0], numbers[2], numbers[4]]
    rows = fetch_orders(OrderFilter(search=numbers[3]), OrderSort.NUMBER)
    assert [r.number for r in rows] == [numbers[3]]
    assert fetch_orders(OrderFilter(search="nobody"), OrderSort.NUMBER) == []


def test_filters_and_count(db: Database) -> None:
    numbers = _setup()
    orders.start_order(numbers[1])
    flt = OrderFilter(statuses=("in_progress",))
    assert [r.number for r in fetch_orders(flt)] == [numbers[1]]
    window = OrderFilter(deadline_from=dt.date(2026, 2, 1), deadline_to=dt.date(2026, 3, 5))
    assert count_orders(window) == (3, True)
    assert count_orders(OrderFilter(), cap=2) == (2, False)
    row = fetch_orders(OrderFilter(search=numbers[0]))[0]
    # order 1: 1 x 10.00, no tax, nothing paid
    assert (row.total, row.paid, row.paid_pct, row.currency) == (10, 0, 0, "BGN")


def test_change_marker_moves_with_every_saved_change(db: Database) -> None:
    numbers = _setup()
    before = change_marker()
    orders.update_order(numbers[0], None, note="call the client")
    assert change_marker() > before


def test_list_orders_for_scripts(db: Database) -> None:
    numbers = _setup()
    rows = list_orders(statuses=["new"], due_within=30, today=dt.date(2026, 1, 25), limit=10)
    # deadlines from 01-25 to 02-24: orders #2 and #3 (02-01)
    assert [r["number"] for r in rows] == [numbers[1], numbers[2]]
    assert rows[0]["total"] == "20.00" and rows[0]["currency"] == "EUR"

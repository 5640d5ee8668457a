"""Read-only queries for lists: small rows, by index, a window at a time, never a whole table.

The order list pages with a *keyset*: each row carries its sort key ``(value, id)``, and the
next window is "the rows after this key" (``WHERE (deadline, id) > (?, ?) ORDER BY deadline,
id LIMIT n``), which an index answers in the same time on the first page and the millionth.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from peewee import Tuple, fn

from .models import AuditLog, Client, Order, OrderStatus
from .money import format_money

# the rows and filters live in .rows (no ORM: the start-up read uses them too); named here too
from .rows import OPEN_STATUSES as OPEN_STATUSES
from .rows import OrderFilter as OrderFilter
from .rows import OrderRow as OrderRow
from .rows import OrderSort as OrderSort

#: no filter: every order
EVERYTHING = OrderFilter()


def _sort_field(sort: OrderSort) -> Any:
    return {
        OrderSort.DEADLINE: Order.deadline,
        OrderSort.NUMBER: Order.number_key,
        OrderSort.CREATED: Order.created,
    }[sort]


def clients_matching(text: str, limit: int = 5000) -> list[int]:
    """Ids of clients whose name contains ``text``, ignoring case in any script.

    SQLite's LIKE folds ASCII only ("техно" would miss "Техномаш"), so names are folded in
    Python; the client table is small next to the orders.
    """
    needle = text.casefold().strip()
    if not needle:
        return []
    found = []
    for cid, name in Client.select(Client.id, Client.name).tuples().iterator():
        if needle in name.casefold():
            found.append(cid)
            if len(found) >= limit:
                break
    return found


def _filtered(query: Any, flt: OrderFilter, *, counting: bool = False) -> Any:
    if flt.statuses:
        wanted = set(flt.statuses)
        rest = [s.value for s in OrderStatus if s.value not in wanted]
        if (not counting or flt.search.strip()) and len(rest) < len(wanted):
            # "Open orders" and other wide filters: SQLite walks the sort index and stops at
            # the window's LIMIT (~1 ms on 1M orders); with IN it would read every match
            # through the status index and sort them first (~35 ms). A count is the other
            # way round: IN counts from the status index alone.
            query = query.where(Order.status.not_in(rest)) if rest else query
        else:
            query = query.where(Order.status.in_(sorted(wanted)))
    if flt.financial:
        query = query.where(Order.financial_status.in_(list(flt.financial)))
    if flt.client_ids is not None:
        query = query.where(Order.client.in_(list(flt.client_ids)))
    if flt.deadline_from is not None:
        query = query.where(Order.deadline >= flt.deadline_from)
    if flt.deadline_to is not None:
        query = query.where(Order.deadline <= flt.deadline_to)
    text = flt.search.strip()
    if text:
        # A number prefix uses the unique index on number (a range, not LIKE); a client name
        # matches through the client ids.
        by_number = (Order.number >= text) & (Order.number < text + "\U0010ffff")
        ids = clients_matching(text)
        query = query.where(by_number | Order.client.in_(ids)) if ids else query.where(by_number)
    return query


def fetch_orders(
    flt: OrderFilter = EVERYTHING,
    sort: OrderSort = OrderSort.DEADLINE,
    *,
    after: tuple[Any, int] | None = None,
    before: tuple[Any, int] | None = None,
    descending: bool = False,
    limit: int = 100,
) -> list[OrderRow]:
    """One window of the order list, in display order.

    ``after``: the rows following this key (scrolling down); ``before``: the rows preceding it
    (scrolling up), still returned in display order. Neither: the first window.
    """
    key_field = _sort_field(sort)
    query = (
        Order.select(
            Order.id,
            Order.number,
            Client.name,
            Order.created,
            Order.deadline,
            Order.status,
            Order.financial_status,
            Order.currency,
            Order.total,
            Order.paid,
            Order.delivered_pct,
            Order.version,
            key_field,
        )
        .join(Client)
        .limit(limit)
    )
    query = _filtered(query, flt)
    forward = before is None
    ascending = forward != descending
    if after is not None or before is not None:
        value, oid = after if after is not None else before  # type: ignore[misc]
        # A row-value comparison, which SQLite and PostgreSQL answer from the (key, id) index.
        key = Tuple(key_field, Order.id)
        query = query.where(key > Tuple(value, oid) if ascending else key < Tuple(value, oid))
    if ascending:
        query = query.order_by(key_field, Order.id)
    else:
        query = query.order_by(key_field.desc(), Order.id.desc())
    rows = [
        OrderRow(*r[:12], key=(r[12], r[0]))  # type: ignore[misc]
        for r in query.tuples()
    ]
    if not forward:
        rows.reverse()
    return rows


def count_orders(flt: OrderFilter = EVERYTHING, cap: int = 100_000) -> tuple[int, bool]:
    """How many orders the filter keeps, counting at most ``cap`` (a count of a million rows
    costs more than a key press may); returns ``(count, exact)``."""
    inner = _filtered(Order.select(Order.id), flt, counting=True).limit(cap + 1)
    count = Order.select(fn.COUNT(1)).from_(inner.alias("w")).scalar() or 0
    return (min(count, cap), count <= cap)


def change_marker() -> int:
    """A number that grows with every saved change in any terminal (the newest audit entry):
    poll it every few seconds, and reload when it moved."""
    return int(AuditLog.select(fn.MAX(AuditLog.id)).scalar() or 0)


def list_orders(
    *,
    statuses: Sequence[str] | None = None,
    due_within: int | None = None,
    client: str | None = None,
    limit: int = 50,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Orders by deadline (then number), as plain rows with amounts as strings (for scripts).

    ``due_within`` keeps orders whose deadline is from ``today`` to ``today + due_within``
    days; ``client`` keeps clients whose name contains the text (any case, any script).
    """
    start = today or dt.date.today()
    flt = OrderFilter(
        statuses=tuple(statuses or ()),
        client_ids=tuple(clients_matching(client)) if client else None,
        deadline_from=start if due_within is not None else None,
        deadline_to=start + dt.timedelta(days=due_within) if due_within is not None else None,
    )
    return [
        {
            "number": r.number,
            "client": r.client,
            "created": r.created.isoformat(),
            "deadline": r.deadline.isoformat(),
            "status": r.status,
            "financial_status": r.financial_status,
            "currency": r.currency,
            "total": format_money(r.total),
            "paid": format_money(r.paid),
            "delivered_pct": str(r.delivered_pct),
        }
        for r in fetch_orders(flt, OrderSort.DEADLINE, limit=limit)
    ]

"""Read-only queries for lists: small rows, by index, never the whole table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from .models import Client, Order
from .money import format_money


def list_orders(
    *,
    statuses: Sequence[str] | None = None,
    due_within: int | None = None,
    client: str | None = None,
    limit: int = 50,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Orders by deadline (then number), as plain rows with amounts as strings.

    ``due_within`` keeps orders whose deadline is from ``today`` to ``today + due_within``
    days; ``client`` keeps clients whose name contains the text (case-insensitive).
    """
    query = (
        Order.select(
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
        )
        .join(Client)
        .order_by(Order.deadline, Order.id)
        .limit(limit)
    )
    if statuses:
        query = query.where(Order.status.in_(list(statuses)))
    if due_within is not None:
        start = today or dt.date.today()
        query = query.where(Order.deadline.between(start, start + dt.timedelta(days=due_within)))
    if client:
        query = query.where(Client.name.contains(client))
    rows = []
    for number, name, created, deadline, status, fin, cur, total, paid, pct in query.tuples():
        rows.append(
            {
                "number": number,
                "client": name,
                "created": created.isoformat(),
                "deadline": deadline.isoformat(),
                "status": status,
                "financial_status": fin,
                "currency": cur,
                "total": format_money(total),
                "paid": format_money(paid),
                "delivered_pct": str(pct),
            }
        )
    return rows

"""The monitor: the open orders by deadline, how far each is, and what delays it.

One refresh reads one *window* of rows, never the whole table:

1. the open orders (new, in progress, ready) by ``(deadline, id)``: a walk of the
   ``order(deadline, id)`` index that stops at the window's LIMIT, with a keyset
   (``after=(deadline, id)`` of the last row) for the next window, as in :mod:`queries`;
2. the linked production / purchase orders still to do of those orders only (by the
   ``linked_order(order_id)`` index);

then the delay causes are computed in Python (:func:`risk.causes_for`). About 2 ms for 100 rows
on the 1,000,000-order demo database (``bench/bench_monitor.py``).

Live refresh: poll :func:`monitor_marker` (the newest audit entry's id, one primary-key
lookup) every couple of seconds and read the window again only when it moved. Every change, in
any terminal, writes an audit entry in the same transaction, so the marker moves with each
committed change. The causes also depend on the date: a screen refreshes at least when the day
changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from peewee import Tuple

from .db import database
from .models import Client, Order, OrderStatus
from .money import percent
from .queries import change_marker
from .risk import DelayCause, causes_for, pending_links

#: The statuses the monitor shows: everything not closed and not cancelled.
MONITOR_STATUSES = (OrderStatus.NEW.value, OrderStatus.IN_PROGRESS.value, OrderStatus.READY.value)
_HIDDEN = [s.value for s in OrderStatus if s.value not in MONITOR_STATUSES]


@dataclass(frozen=True, slots=True)
class MonitorRow:
    id: int
    number: str
    client: str
    deadline: dt.date
    days_left: int  # negative: days late
    status: str
    financial_status: str
    currency: str
    total: Decimal
    paid: Decimal
    delivered_pct: Decimal
    version: int
    causes: tuple[DelayCause, ...] = ()
    key: tuple[Any, int] = field(default=(None, 0), compare=False)

    @property
    def days_late(self) -> int:
        return max(0, -self.days_left)

    @property
    def paid_pct(self) -> Decimal:
        """Paid as a percentage of the total (over 100 when overpaid)."""
        return percent(self.paid, self.total)

    @property
    def at_risk(self) -> bool:
        return bool(self.causes)

    @property
    def cause_texts(self) -> list[str]:
        return [c.text for c in self.causes]


@dataclass(frozen=True, slots=True)
class MonitorPage:
    rows: list[MonitorRow]
    #: :func:`monitor_marker` read with the rows: poll it, reload when it differs
    marker: int
    #: keyset of the next window (None: this was the last)
    next_key: tuple[Any, int] | None


def monitor_marker() -> int:
    """A number that grows with every saved change in any terminal (one indexed lookup)."""
    return change_marker()


def fetch_monitor(
    today: dt.date | None = None,
    *,
    limit: int = 100,
    after: tuple[Any, int] | None = None,
    at_risk_only: bool = False,
) -> MonitorPage:
    """One window of the monitor: up to ``limit`` open orders by deadline after ``after``.

    ``at_risk_only`` keeps the window's rows that are at risk (the window itself is still the
    next ``limit`` open orders, so a page may hold fewer rows; ``next_key`` goes on from the
    last order read).
    """
    day = today or dt.date.today()
    with database.atomic():
        marker = change_marker()
        query = (
            Order.select(
                Order.id,
                Order.number,
                Client.name,
                Order.deadline,
                Order.status,
                Order.financial_status,
                Order.currency,
                Order.total,
                Order.paid,
                Order.delivered_pct,
                Order.version,
            )
            .join(Client, on=(Order.client == Client.id))
            # NOT IN the two closed statuses: SQLite walks the (deadline, id) index and stops
            # at the LIMIT (IN would read every open order through the status index and sort).
            .where(Order.status.not_in(_HIDDEN))
            .order_by(Order.deadline, Order.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(Tuple(Order.deadline, Order.id) > Tuple(after[0], after[1]))
        heads = list(query.tuples())
        links = pending_links([h[0] for h in heads])
    rows = []
    for oid, number, client, deadline, status, fin, cur, total, paid, pct, version in heads:
        causes = tuple(causes_for(status, deadline, pct, links.get(oid, ()), day))
        if at_risk_only and not causes:
            continue
        rows.append(
            MonitorRow(
                id=oid,
                number=number,
                client=client,
                deadline=deadline,
                days_left=(deadline - day).days,
                status=status,
                financial_status=fin,
                currency=cur,
                total=total,
                paid=paid,
                delivered_pct=pct,
                version=version,
                causes=causes,
                key=(deadline, oid),
            )
        )
    next_key = (heads[-1][3], heads[-1][0]) if len(heads) == limit else None
    return MonitorPage(rows, marker, next_key)


def iter_monitor(
    today: dt.date | None = None, *, at_risk_only: bool = False, window: int = 2000
) -> Iterator[MonitorRow]:
    """Every open order of the monitor, window after window (for reports)."""
    after: tuple[Any, int] | None = None
    while True:
        page = fetch_monitor(today, limit=window, after=after, at_risk_only=at_risk_only)
        yield from page.rows
        if page.next_key is None:
            return
        after = page.next_key


#: The columns of :func:`report_row` (``tui-orders report monitor``), in order.
REPORT_COLUMNS = (
    "number",
    "client",
    "deadline",
    "days_left",
    "status",
    "financial_status",
    "delivered_pct",
    "paid_pct",
    "total",
    "paid",
    "currency",
    "at_risk",
    "delay_causes",
)


def report_row(row: MonitorRow) -> dict[str, Any]:
    """A monitor row for a report (``report_output.write_rows``): the deadline as a date,
    amounts and percentages as exact Decimals, the causes as a list of English sentences."""
    return {
        "number": row.number,
        "client": row.client,
        "deadline": row.deadline,
        "days_left": row.days_left,
        "status": row.status,
        "financial_status": row.financial_status,
        "delivered_pct": row.delivered_pct,
        "paid_pct": row.paid_pct,
        "total": row.total,
        "paid": row.paid,
        "currency": row.currency,
        "at_risk": row.at_risk,
        "delay_causes": row.cause_texts,
    }


__all__ = [
    "MONITOR_STATUSES",
    "REPORT_COLUMNS",
    "MonitorPage",
    "MonitorRow",
    "fetch_monitor",
    "iter_monitor",
    "monitor_marker",
    "report_row",
]

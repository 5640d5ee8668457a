"""What the order list asks for and gets back: plain values, no ORM.

:mod:`tui_orders.data.queries` reads these rows with peewee; :mod:`tui_orders.data.quickstart`
reads the first ones at start-up with ``sqlite3`` alone. The screens import them from here, so
that building the home screen does not import peewee.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .kinds import OrderStatus
from .money import percent


class OrderSort(StrEnum):
    DEADLINE = "deadline"
    NUMBER = "number"
    CREATED = "created"


OPEN_STATUSES = tuple(
    s.value for s in (OrderStatus.NEW, OrderStatus.IN_PROGRESS, OrderStatus.READY)
)


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """What the operator narrowed the list to; empty means everything."""

    statuses: tuple[str, ...] = ()
    financial: tuple[str, ...] = ()
    client_ids: tuple[int, ...] | None = None  # None: any client
    deadline_from: dt.date | None = None
    deadline_to: dt.date | None = None
    #: typed search: an order-number prefix, or part of a client's name (any case, any script)
    search: str = ""


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One line of the order list."""

    id: int
    number: str
    client: str
    created: dt.date
    deadline: dt.date
    status: str
    financial_status: str
    currency: str
    total: Decimal
    paid: Decimal
    delivered_pct: Decimal
    version: int
    key: tuple[Any, int] = field(compare=False)

    @property
    def paid_pct(self) -> Decimal:
        """Paid as a percentage of the total (over 100 when overpaid)."""
        return percent(self.paid, self.total)


__all__ = ["OPEN_STATUSES", "OrderFilter", "OrderRow", "OrderSort"]

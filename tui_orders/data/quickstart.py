"""The first rows of the order list at start-up, read with ``sqlite3`` alone.

Opening the app on SQLite, the home screen's first rows are read by :func:`first_open_orders`
before the ORM is imported: importing peewee and the models costs ~35 ms, a good part of the
way to the first frame, and nothing of the first frame needs them. The app draws these rows,
then opens the database the ordinary way (:func:`db.open_database`: the schema checked and
brought up to date, the models bound) for everything else.

It reads, read-only, exactly what :func:`queries.fetch_orders` returns for the list's first
query (the open orders by deadline; a test holds the two equal, row for row), and answers None
whenever it cannot be sure: not SQLite, no such file (it is never created here), a schema of
another version (the ordinary opening migrates it or says why), any database error. Then the
app reads the rows the ordinary way.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal

from .dbpath import resolve_db_url, sqlite_file
from .kinds import OrderStatus
from .rows import OrderRow
from .version import SCHEMA_VERSION

#: what the list shows first: the orders not closed or cancelled, by deadline
_CLOSED = (OrderStatus.CLOSED.value, OrderStatus.CANCELLED.value)
_FIRST_WINDOW = (
    'SELECT "t1"."id", "t1"."number", "t2"."name", "t1"."created", "t1"."deadline", '
    '"t1"."status", "t1"."financial_status", "t1"."currency", "t1"."total", "t1"."paid", '
    '"t1"."delivered_pct", "t1"."version" '
    'FROM "order" AS "t1" INNER JOIN "client" AS "t2" ON ("t1"."client_id" = "t2"."id") '
    'WHERE ("t1"."status" NOT IN (?, ?)) ORDER BY "t1"."deadline", "t1"."id" LIMIT ?'
)


def _day(value: object) -> dt.date:
    """A stored date (``YYYY-MM-DD``, as peewee writes it on SQLite)."""
    if not isinstance(value, str):
        raise ValueError(f"not a stored date: {value!r}")
    return dt.date.fromisoformat(value[:10])


def _money(value: object) -> Decimal:
    """A stored amount (an integer of cents), as :class:`models.MoneyField` reads it."""
    if type(value) is not int:
        raise ValueError(f"not a stored amount: {value!r}")
    return Decimal(value).scaleb(-2)


def first_open_orders(url: str | None, limit: int) -> tuple[int, list[OrderRow]] | None:
    """``(change marker, rows)``: the newest audit entry (as :func:`queries.change_marker`)
    and the first ``limit`` open orders by deadline (as :func:`queries.fetch_orders`), or None
    when they cannot be read this way (see the module docstring)."""
    try:
        path = sqlite_file(resolve_db_url(url))
        if path is None or not path.is_file():
            return None
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1.0)
    except (OSError, ValueError, sqlite3.Error):
        return None
    try:
        row = con.execute("SELECT MAX(version) FROM schema_version").fetchone()
        if row is None or row[0] != SCHEMA_VERSION:
            return None
        marker = con.execute("SELECT MAX(id) FROM audit_log").fetchone()[0] or 0
        rows = [
            OrderRow(
                oid,
                number,
                client,
                _day(created),
                deadline,
                status,
                financial,
                currency,
                _money(total),
                _money(paid),
                _money(delivered),
                version,
                key=(deadline, oid),
            )
            for (
                oid,
                number,
                client,
                created,
                deadline,
                status,
                financial,
                currency,
                total,
                paid,
                delivered,
                version,
            ) in (
                (*r[:4], _day(r[4]), *r[5:]) for r in con.execute(_FIRST_WINDOW, (*_CLOSED, limit))
            )
        ]
        return int(marker), rows
    except (sqlite3.Error, ValueError, TypeError):
        return None
    finally:
        con.close()


__all__ = ["first_open_orders"]

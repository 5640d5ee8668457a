"""Per-year number sequences: ``2026-00042``, unique under concurrent creation.

The counter is bumped with one atomic ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``
inside the caller's transaction, so two terminals can never get the same number: on SQLite the
write transaction is already exclusive, on PostgreSQL the upsert locks the counter row.
"""

from __future__ import annotations

import re

from .db import database
from .models import NumberSequence

NUMBER_RE = re.compile(r"^(\d{4})-(\d{5,})$")


def format_number(year: int, seq: int) -> str:
    return f"{year:04d}-{seq:05d}"


def parse_number(number: str) -> tuple[int, int] | None:
    """``'2026-00042'`` -> ``(2026, 42)``; None for a number not in the generated form."""
    m = NUMBER_RE.match(number)
    return (int(m.group(1)), int(m.group(2))) if m else None


def number_key(number: str) -> str:
    """A key that sorts numbers as they read: ``2025-99999`` before ``2025-100000``.

    Generated numbers get their sequence zero-padded to 10 digits; any other number
    (imported from elsewhere) is its own key.
    """
    parsed = parse_number(number)
    return f"{parsed[0]:04d}-{parsed[1]:010d}" if parsed else number


def _table() -> str:
    return str(NumberSequence._meta.table_name)


def next_seq(kind: str, year: int) -> int:
    """Take the next number of ``kind`` in ``year`` (call inside a write transaction)."""
    p = database.param
    cursor = database.execute_sql(
        f'INSERT INTO "{_table()}" ("kind", "year", "last") VALUES ({p}, {p}, 1) '
        f'ON CONFLICT ("kind", "year") DO UPDATE SET "last" = "{_table()}"."last" + 1 '
        f'RETURNING "last"',
        (kind, year),
    )
    return int(cursor.fetchone()[0])


def move_past(kind: str, year: int, seq: int) -> None:
    """Make sure the sequence of ``kind``/``year`` never hands out ``seq`` or anything below."""
    p = database.param
    database.execute_sql(
        f'INSERT INTO "{_table()}" ("kind", "year", "last") VALUES ({p}, {p}, {p}) '
        f'ON CONFLICT ("kind", "year") DO UPDATE SET "last" = CASE '
        f'WHEN "{_table()}"."last" < excluded."last" THEN excluded."last" '
        f'ELSE "{_table()}"."last" END',
        (kind, year, seq),
    )

"""Per-year number sequences: ``2026-00042``, unique under concurrent creation.

The counter is bumped with one atomic ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``
inside the caller's transaction, so two terminals can never get the same number: on SQLite the
write transaction is already exclusive, on PostgreSQL the upsert locks the counter row.
"""

from __future__ import annotations

from .db import database
from .models import NumberSequence


def format_number(year: int, seq: int) -> str:
    return f"{year:04d}-{seq:05d}"


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

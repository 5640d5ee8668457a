"""The four finance reports on a demo database, against raw sqlite3 (run by hand, never in CI).

Usage::

    tui-orders --db /tmp/ord_200k.db demo --orders 200000     # or bench_demo.py --keep
    python bench/bench_reports.py /tmp/ord_200k.db [--reps 3] [--as-of DATE]

The database is opened as the app opens it: one at an older schema version is migrated first
(the time is printed; use a copy). For each report (receipts of the as-of month and the next
two by month, overdue, forecast of 12 months, book) it prints the best (least) wall and CPU
time of ``--reps`` runs of the data-layer call (:mod:`tui_orders.data.reports`, Decimal rows
and all), and two floors run with the raw ``sqlite3`` module on a connection of its own:

* **same SQL**: the very statements the report ran (captured), replayed: what the report
  costs beyond SQLite's own work (Python, peewee, Decimal, bucketing, the model);
* **bare aggregate**: the plainest SQL that reads the same rows (open terms summed by
  currency and due date; open terms due before the as-of date listed with order and client;
  orders grouped by status, financial status, currency; payments of orders not cancelled
  summed by currency and month), on the same schema and indexes: the floor of the task
  itself, without the report's rules. The ratios are the report's time over the floor's
  (CPU over CPU, wall over wall).

The machine may be shared: CPU time is steadier than wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from typing import Any

from tui_orders.data import reports, schema
from tui_orders.data.db import SQLITE_PRAGMAS, open_database
from tui_orders.data.models import FinancialDocument, Order, Payment, PaymentTerm

BARE = {
    "receipts": """
SELECT o.currency, t.due, SUM(t.amount - t.paid) FROM payment_term t
JOIN "order" o ON o.id = t.order_id
WHERE t.paid < t.amount AND NOT o.cancelled AND t.due >= ? AND t.due <= ?
GROUP BY o.currency, t.due""",
    "overdue": """
SELECT o.number, c.name, t.name, t.due, o.currency, t.amount - t.paid FROM payment_term t
JOIN "order" o ON o.id = t.order_id JOIN client c ON c.id = o.client_id
WHERE t.paid < t.amount AND NOT o.cancelled AND t.due < ?""",
    "forecast": """
SELECT p.currency, substr(p.date, 1, 7), SUM(p.amount) FROM payment p
WHERE p.order_id NOT IN (SELECT id FROM "order" WHERE cancelled)
GROUP BY p.currency, substr(p.date, 1, 7)""",
    "book": """
SELECT status, financial_status, currency, COUNT(*), SUM(total), SUM(paid) FROM "order"
WHERE NOT cancelled GROUP BY status, financial_status, currency""",
}


def timed(fn: Callable[[], Any], reps: int) -> tuple[float, float, Any]:
    """Best (least) wall and CPU seconds of ``reps`` runs (after one warm-up), and the last
    result."""
    result = fn()
    walls, cpus = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", help="an SQLite demo database file (migrated if older: a copy!)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    args = parser.parse_args(argv)
    if not os.path.exists(args.db):
        parser.error(f"{args.db} does not exist")

    probe = sqlite3.connect(args.db)
    before = probe.execute("SELECT version FROM schema_version ORDER BY id DESC").fetchone()[0]
    probe.close()
    w0, c0 = time.perf_counter(), time.process_time()
    open_database(args.db)
    if before != schema.SCHEMA_VERSION:
        print(
            f"migrated from schema {before} to {schema.SCHEMA_VERSION}: "
            f"wall {time.perf_counter() - w0:.1f} s, cpu {time.process_time() - c0:.1f} s"
        )

    raw = sqlite3.connect(args.db)
    # A database created at the current version before an index was added to it (schema 2 is
    # unreleased) is not migrated again: say so, the reports are much slower without them.
    have = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    missing = sorted(
        name
        for model in (Order, PaymentTerm, FinancialDocument, Payment)
        for name in (index._name for index in model._meta.fields_to_index())
        if name not in have
    )
    if missing:
        print(f"WARNING: indexes missing (the reports are slower): {', '.join(missing)}")
    for key, value in SQLITE_PRAGMAS.items():
        raw.execute(f"PRAGMA {key} = {value}")
    orders = raw.execute('SELECT COUNT(*) FROM "order"').fetchone()[0]
    as_of = args.as_of or dt.date.fromisoformat(
        raw.execute('SELECT MAX(created) FROM "order"').fetchone()[0]
    )
    first = as_of.replace(day=1)
    end = dt.date(first.year + (first.month + 2) // 12, (first.month + 2) % 12 + 1, 1)
    end -= dt.timedelta(days=1)

    runs: dict[str, tuple[Callable[[], Any], tuple[Any, ...]]] = {
        "receipts": (
            lambda: reports.receipts(first, end, "month", as_of=as_of),
            (first.isoformat(), end.isoformat()),
        ),
        "overdue": (lambda: reports.overdue(as_of), (as_of.isoformat(),)),
        "forecast": (lambda: reports.forecast(as_of), ()),
        "book": (lambda: reports.book(as_of), ()),
    }
    print(
        f"{args.db}: {orders:,} orders, as of {as_of}, best of {args.reps} "
        f"(python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version})"
    )
    head = (
        f"{'report':9} {'wall s':>7} {'cpu s':>6} | {'same SQL':>8} {'ratio':>5} | "
        f"{'bare cpu':>8} {'wall':>6} {'ratio cpu':>9} {'wall':>5} | rows"
    )
    print(head)
    print("-" * len(head))
    original = reports._run
    for name, (call, bare_params) in runs.items():
        captured: list[tuple[str, tuple[Any, ...]]] = []

        def spy(sql: str, params: Any = (), _log: list[Any] = captured) -> Any:
            _log.append((sql, tuple(params)))
            return original(sql, params)

        reports._run = spy
        try:
            call()
        finally:
            reports._run = original
        wall, cpu, result = timed(call, args.reps)
        statements = list(captured)

        def replay(statements: list[tuple[str, tuple[Any, ...]]] = statements) -> None:
            for sql, params in statements:
                raw.execute(sql, params).fetchall()

        same, _same_cpu, _r = timed(replay, args.reps)

        def bare_sql(sql: str = BARE[name], p: tuple[Any, ...] = bare_params) -> Any:
            return raw.execute(sql, p).fetchall()

        bare, bare_cpu, _r2 = timed(bare_sql, args.reps)
        rows = len(result.rows)
        print(
            f"{name:9} {wall:7.3f} {cpu:6.3f} | {same:8.3f} {wall / same:5.2f} | "
            f"{bare_cpu:8.3f} {bare:6.3f} {cpu / bare_cpu:9.2f} {wall / bare:5.2f} | {rows}"
        )
        if name == "forecast":
            print(f"          {result.backtest.verdict}")
            for c in result.backtest.currencies:
                if c.method is not None:
                    print(
                        f"          {c.currency}: method MAE {c.method.mae} MAPE {c.method.mape}% "
                        f"sMAPE {c.method.smape}% | naive MAE {c.naive.mae} "
                        f"MAPE {c.naive.mape}% sMAPE {c.naive.smape}%"
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

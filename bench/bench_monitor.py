"""One refresh of the monitor on a demo database (run by hand, never in CI).

Usage::

    python bench/bench_monitor.py /tmp/ord_m1.db [--reps N] [--limit 100] [--today DATE]

The database is opened **read-only** (``mode=ro``; no migration, nothing written), so the
1,000,000-order demo file can be used as it is, at any schema version the monitor reads.

It prints median and p95 over the repetitions of:

* ``fetch_monitor``: one refresh, the first window of ``--limit`` open orders by deadline with
  their delay causes (what the monitor screen does when the change marker moved);
* the same for a window further down (keyset ``after`` the 10,000th open order);
* ``monitor_marker``: the poll every couple of seconds;
* **raw**: the same two SQL statements (open orders by deadline with the client's name; the
  pending linked orders of those orders) run with plain ``sqlite3``, rows fetched as tuples,
  no causes computed: what SQLite alone needs. **ratio** = fetch_monitor / raw.

``today`` defaults to the newest creation date in the database (the demo's "today").
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import platform
import sqlite3
import statistics
import sys

import bench_queries  # beside this script (python bench/bench_monitor.py)
from peewee import SqliteDatabase, fn

from tui_orders.data.db import database
from tui_orders.data.models import Order
from tui_orders.data.monitor import fetch_monitor, iter_monitor, monitor_marker

RAW_ORDERS = (
    "SELECT o.id, o.number, c.name, o.deadline, o.status, o.financial_status, o.currency, "
    'o.total, o.paid, o.delivered_pct, o.version FROM "order" o '
    "JOIN client c ON o.client_id = c.id "
    "WHERE o.status NOT IN ('closed', 'cancelled') {after}"
    "ORDER BY o.deadline, o.id LIMIT {limit}"
)
RAW_LINKS = (
    "SELECT order_id, kind, number, status, deadline, expected FROM linked_order "
    "WHERE order_id IN ({marks}) AND status IN ('planned', 'in_progress')"
)


#: the same timing as bench_queries.py, with one more warm-up run
measure = functools.partial(bench_queries.measure, warmup=3)
p95 = bench_queries.p95


def raw_refresh(conn: sqlite3.Connection, limit: int, after: tuple[str, int] | None) -> int:
    if after:
        sql = RAW_ORDERS.format(after="AND (o.deadline, o.id) > (?, ?) ", limit=limit)
        heads = conn.execute(sql, after).fetchall()
    else:
        heads = conn.execute(RAW_ORDERS.format(after="", limit=limit)).fetchall()
    ids = [h[0] for h in heads]
    links = conn.execute(RAW_LINKS.format(marks=", ".join("?" * len(ids))), ids).fetchall()
    return len(heads) + len(links)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", help="a demo database file (tui-orders demo / bench_demo --keep)")
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--limit", type=int, default=100, help="rows per refresh")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None)
    args = parser.parse_args(argv)
    if not os.path.exists(args.db):
        parser.error(f"{args.db} does not exist")

    uri = f"file:{os.path.abspath(args.db)}?mode=ro"
    db = SqliteDatabase(uri, uri=True, pragmas={"cache_size": -64_000}, check_same_thread=False)
    db.connect()
    database.initialize(db)
    today = args.today or Order.select(fn.MAX(Order.created)).scalar()
    if isinstance(today, str):
        today = dt.date.fromisoformat(today)
    orders = Order.select(fn.COUNT(1)).scalar()

    # a window further down: the key of the 10,000th open order
    deep_after = None
    for n, r in enumerate(iter_monitor(today, window=2000), 1):
        if n == 10_000:
            deep_after = r.key
            break
    first = fetch_monitor(today, limit=args.limit)
    at_risk = sum(1 for r in first.rows if r.at_risk)

    raw = sqlite3.connect(uri, uri=True)
    raw.execute("PRAGMA cache_size = -64000")
    deep_raw = (deep_after[0].isoformat(), deep_after[1]) if deep_after else None

    results = [
        (
            "fetch_monitor, first window",
            measure(lambda: fetch_monitor(today, limit=args.limit), args.reps),
        ),
        (
            "raw sqlite3, first window",
            measure(lambda: raw_refresh(raw, args.limit, None), args.reps),
        ),
    ]
    if deep_after is not None:
        results += [
            (
                "fetch_monitor, after 10,000",
                measure(
                    lambda: fetch_monitor(today, limit=args.limit, after=deep_after), args.reps
                ),
            ),
            (
                "raw sqlite3, after 10,000",
                measure(lambda: raw_refresh(raw, args.limit, deep_raw), args.reps),
            ),
        ]
    results.append(("monitor_marker (poll)", measure(monitor_marker, args.reps)))

    print(f"database: {args.db} ({orders:,} orders), today {today}, {args.limit} rows a refresh")
    print(f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, {platform.machine()}")
    print(f"first window: {len(first.rows)} rows, {at_risk} at risk")
    print(f"{'what':32} {'reps':>5} {'median ms':>10} {'p95 ms':>8}")
    medians = {}
    for name, times in results:
        medians[name] = statistics.median(times)
        print(f"{name:32} {len(times):5d} {medians[name] * 1000:10.2f} {p95(times) * 1000:8.2f}")
    ratio = medians["fetch_monitor, first window"] / medians["raw sqlite3, first window"]
    print(f"ratio fetch_monitor / raw sqlite3 (first window): {ratio:.1f}")
    if deep_after is not None:
        deep = medians["fetch_monitor, after 10,000"] / medians["raw sqlite3, after 10,000"]
        print(f"ratio fetch_monitor / raw sqlite3 (after 10,000): {deep:.1f}")
    worst = max(
        medians["fetch_monitor, first window"], medians.get("fetch_monitor, after 10,000", 0)
    )
    print(f"budget 100 ms a refresh: {'met' if worst < 0.1 else 'MISSED'}")
    db.close()
    raw.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
